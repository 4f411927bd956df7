// The findings queue as an analyst drives it, over real findings from real DuckDB (the Node engine runs under jsdom):
// filters, counts per status, triage by select, by bulk and by keyboard, the detail with its evidence.
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../src/engine/duck-engine';
import type { AppServices } from '../../src/state/actions';
import { analyse, bindEngineStatus } from '../../src/state/actions';
import { createAppStore } from '../../src/state/store';
import { ServicesProvider } from '../../src/ui/context';
import { FindingsView } from '../../src/ui/views/FindingsView';
import { daily, identity, workspace } from '../node/detections/harness';

const A = 'arn:aws:iam::111122223333:user/alpha';
const B = 'arn:aws:iam::111122223333:user/beta';

describe('findings queue', () => {
  let engine: DuckEngine;
  let services: AppServices;
  beforeAll(async () => {
    engine = await workspace({
      identities: [
        identity({ identity_key: A, name: 'alpha', owner: 'alice@example.com', environment: 'prod', criticality: 'critical' }),
        identity({ identity_key: B, name: 'beta', owner: 'bob@example.com', environment: 'dev' }),
      ],
      events: [
        ...daily(A, { daysBack: [30, 0] }),
        ...daily(B, { daysBack: [30, 0] }),
        ...daily(A, { daysBack: [3, 1], hour: 4, over: { action: 'iam:CreateAccessKey' } }),
        ...daily(A, { daysBack: [3, 1], hour: 5, over: { action: 'kms:Decrypt' } }),
        ...daily(B, { daysBack: [3, 1], hour: 6, over: { action: 'sqs:SendMessage' } }),
      ],
    });
    services = { store: createAppStore(), engine, sampleBaseUrl: '/s/', fetch: globalThis.fetch, reader: async function* () {}, download: () => undefined };
    bindEngineStatus(services);
    await analyse(services);
  }, 60_000);
  afterAll(() => engine.close());

  function renderQueue() {
    render(
      <ServicesProvider services={services}>
        <FindingsView />
      </ServicesProvider>,
    );
    return userEvent.setup();
  }
  const queueRows = () => within(screen.getByRole('table', { name: 'Findings queue' })).getAllByRole('row').filter((r) => r.getAttribute('aria-rowindex') && r.getAttribute('aria-rowindex') !== '1');

  it('lists open findings by risk, with counts per status, and filters by owner and environment', async () => {
    const user = renderQueue();
    // The first load builds the queue's table in DuckDB: more than waitFor's default second on a busy machine.
    await waitFor(() => expect(queueRows().length).toBeGreaterThan(2), { timeout: 15_000 });
    const total = queueRows().length;
    expect(screen.getByRole('status', { name: 'Findings summary' }).textContent).toMatch(/\d+ open/);
    const risks = queueRows().map((r) => Number(within(r).getAllByRole('cell')[1]!.textContent));
    expect([...risks].sort((a, b) => b - a)).toEqual(risks);
    await user.selectOptions(screen.getByLabelText('Owner'), 'bob@example.com');
    await waitFor(() => expect(queueRows().length).toBeLessThan(total));
    expect(queueRows().every((r) => r.textContent?.includes('beta'))).toBe(true);
    await user.selectOptions(screen.getByLabelText('Owner'), 'Any');
    await user.selectOptions(screen.getByLabelText('Environment'), 'prod');
    await waitFor(() => expect(queueRows().every((r) => r.textContent?.includes('alpha'))).toBe(true));
    await user.type(screen.getByLabelText('Identity, subject'), 'kms');
    await waitFor(() => expect(queueRows().map((r) => r.textContent)).toEqual([expect.stringContaining('kms:Decrypt')]));
  });

  it('triages with the keyboard (j/k, Enter, i) and in bulk, and opens a finding with its evidence', async () => {
    const user = renderQueue();
    await waitFor(() => expect(queueRows().length).toBeGreaterThan(2), { timeout: 15_000 });
    const queue = screen.getByLabelText('Findings queue, use j and k to move');
    queue.focus();
    await user.keyboard('j');
    expect(queueRows()[1]!.getAttribute('aria-selected')).toBe('true');
    await user.keyboard('k');
    expect(queueRows()[0]!.getAttribute('aria-selected')).toBe('true');
    await user.keyboard('i');
    await waitFor(() => expect(within(queueRows()[0]!).getByText('Investigating')).toBeTruthy());
    await user.keyboard('{Enter}');
    const detail = await screen.findByRole('region', { name: /^Finding / });
    expect(within(detail).getByText(/^Observed: /)).toBeTruthy();
    await waitFor(() => expect(within(detail).getByRole('table', { name: /Evidence events \(\d+\)/ })).toBeTruthy());
    await user.click(within(detail).getByRole('button', { name: 'Open in SQL console' }));
    expect(services.store.getState().view).toBe('sql');
    expect(services.store.getState().sql.text).toMatch(/^SELECT \* FROM events_v WHERE identity_key = /);

    await user.click(screen.getByLabelText('Select all shown findings'));
    await user.selectOptions(screen.getByLabelText('Set selected to'), 'escalated');
    await user.click(screen.getByRole('button', { name: /^Apply to \d+ selected$/ }));
    await waitFor(() => expect(queueRows().every((r) => r.textContent?.includes('Escalated'))).toBe(true));
    await user.selectOptions(screen.getByLabelText('Triage'), 'new');
    await waitFor(() => expect(screen.queryByRole('table', { name: 'Findings queue' }) && queueRows()).toEqual([]));
  });

  it('selects a range with Shift+click and groups the queue by identity', async () => {
    const user = renderQueue();
    await waitFor(() => expect(queueRows().length).toBeGreaterThan(3), { timeout: 15_000 });
    const box = (i: number) => within(queueRows()[i]!).getByRole('checkbox');
    await user.click(box(0));
    await user.keyboard('{Shift>}');
    await user.click(box(2));
    await user.keyboard('{/Shift}');
    expect([0, 1, 2].map((i) => (box(i) as HTMLInputElement).checked)).toEqual([true, true, true]);
    expect(screen.getByRole('status', { name: 'Queue status' }).textContent).toMatch(/· 3 selected$/);
    expect(screen.getByRole('button', { name: 'Apply to 3 selected' })).toBeTruthy();

    await user.click(screen.getByRole('checkbox', { name: 'Group by identity' }));
    await waitFor(() => {
      const identities = queueRows().map((r) => within(r).getAllByRole('cell')[4]!.textContent);
      // Each identity's findings are together: once the list moves on from an identity, it does not come back.
      const firstSeen = identities.filter((name, i) => identities.indexOf(name) === i);
      expect(identities.filter((name, i) => i === 0 || identities[i - 1] !== name)).toEqual(firstSeen);
    });
  });
});
