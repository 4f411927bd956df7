// Settings as an analyst tunes them over real findings: the preview shows findings per detection before anything is
// saved; exceptions need an owner, a reason or ticket and an expiry; saving analyses again.
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../src/engine/duck-engine';
import { analyse, bindEngineStatus, type AppServices } from '../../src/state/actions';
import { createAppStore } from '../../src/state/store';
import { ServicesProvider } from '../../src/ui/context';
import { SettingsView } from '../../src/ui/views/SettingsView';
import { daily, identity, workspace } from '../node/detections/harness';

const A = 'arn:aws:iam::111122223333:user/alpha';

describe('settings view', () => {
  let engine: DuckEngine;
  let services: AppServices;
  beforeAll(async () => {
    engine = await workspace({
      identities: [identity({ identity_key: A, name: 'alpha', last_rotated_at: Date.UTC(2026, 0, 1) })],
      events: [...daily(A, { daysBack: [30, 0] }), ...daily(A, { daysBack: [3, 1], over: { action: 'kms:Decrypt' } })],
    });
    services = { store: createAppStore(), engine, sampleBaseUrl: '/s/', fetch: globalThis.fetch, reader: async function* () {}, download: () => undefined };
    bindEngineStatus(services);
    await analyse(services);
  }, 60_000);
  afterAll(() => engine.close());

  it('previews a stricter rotation policy, then saves it and analyses again', async () => {
    render(
      <ServicesProvider services={services}>
        <SettingsView />
      </ServicesProvider>,
    );
    const user = userEvent.setup();
    const policy = screen.getByLabelText('Policy age (days) for posture.stale_credential');
    await user.clear(policy);
    await user.type(policy, '30');
    await user.click(screen.getByRole('button', { name: 'Preview changes' }));
    const preview = await screen.findByRole('status', { name: 'Tuning preview' });
    expect(preview.textContent).toMatch(/findings now → .* with these settings \(nothing saved yet\)/);
    const row = screen.getByRole('row', { name: /posture\.stale_credential/ });
    await waitFor(() => expect(within(row).getAllByRole('cell').map((c) => c.textContent)).toEqual(expect.arrayContaining(['0', '1 (changed)'])));
    expect(services.store.getState().settings.params).toEqual({});
    await user.click(screen.getByRole('button', { name: 'Save and analyse again' }));
    await waitFor(() => expect(services.store.getState().findings.some((f) => f.detection_id === 'posture.stale_credential')).toBe(true));
  });

  it('only adds an exception with an owner, a reason or ticket, and an expiry', async () => {
    render(
      <ServicesProvider services={services}>
        <SettingsView />
      </ServicesProvider>,
    );
    const user = userEvent.setup();
    const add = screen.getByRole('button', { name: 'Add exception' });
    expect((add as HTMLButtonElement).disabled).toBe(true);
    await user.type(screen.getByLabelText('Exception owner'), 'sec@example.com');
    await user.type(screen.getByLabelText('Ticket'), 'SEC-42');
    expect((add as HTMLButtonElement).disabled).toBe(true);
    await user.type(screen.getByLabelText('Expires on'), '2026-12-31');
    expect((add as HTMLButtonElement).disabled).toBe(false);
    await user.click(add);
    expect(within(screen.getByRole('table', { name: 'Exceptions' })).getByText('sec@example.com')).toBeTruthy();
  });
});
