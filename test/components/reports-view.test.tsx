// The Reports view as a user meets it: three report buttons (and the findings export), disabled with a reason until there
// is evidence and while work runs; a click gathers the data through the engine and hands one HTML file to services.download.
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { tableFromArrays, type Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { EvidenceFileRow } from '../../src/ingest/catalog';
import type { AppServices } from '../../src/state/actions';
import { createAppStore } from '../../src/state/store';
import { ServicesProvider } from '../../src/ui/context';
import { ReportsView } from '../../src/ui/views/ReportsView';
import { FakeEngine } from './fake-engine';

const HASH = 'ab'.repeat(32);
const DEPLOY = 'arn:aws:iam::111122223333:user/deploy-bot';

const EVIDENCE_ROW: EvidenceFileRow = {
  file_id: 'f1', name: 'trail.json', bytes: 1234, sha256: HASH, container: 'NDJSON, UTF-8', kind: 'audit_log', vendor: 'AWS CloudTrail',
  source_format: 'cloudtrail', rows_loaded: 10, rows_rejected: 0, rows_duplicate: 0, first_event: null, last_event: null, notes: null,
  imported_at: '2026-03-31T00:00:00.000Z',
};

/** A workspace with one evidence file, one identity and no analysis tables, as DuckDB would answer the report's queries. */
function answer(sql: string): Table {
  if (/information_schema\.tables/.test(sql)) return tableFromArrays({ table_name: ['evidence_files', 'identities'] });
  if (/FROM evidence_files ORDER BY/.test(sql)) {
    return tableFromArrays({
      file_id: ['f1'], name: ['trail <b>x</b>.json'], kind: ['audit_log'], vendor: ['AWS CloudTrail'], bytes: Float64Array.from([1234]), sha256: [HASH],
      rows_loaded: Float64Array.from([10]), rows_rejected: Float64Array.from([0]), rows_duplicate: Float64Array.from([0]),
    });
  }
  if (/FULL OUTER JOIN/.test(sql)) {
    return tableFromArrays({ entity_key: [DEPLOY], name: ['deploy-bot'], n: Float64Array.from([0]), open: Float64Array.from([0]) });
  }
  if (/FROM identities i/.test(sql)) return tableFromArrays({ identity_key: [DEPLOY], name: ['deploy-bot'], owner: ['<img src=x onerror=alert(1)>'] });
  return tableFromArrays({});
}

function setup(options: { evidence?: boolean; engine?: FakeEngine } = {}) {
  const downloads: { name: string; blob: Blob }[] = [];
  const engine = options.engine ?? new FakeEngine(answer);
  const store = createAppStore(options.evidence === false ? {} : { evidence: [EVIDENCE_ROW] });
  const services: AppServices = {
    store, engine, sampleBaseUrl: '/sample/', fetch: async () => new Response('', { status: 404 }),
    reader: async function* () {}, download: (name, blob) => downloads.push({ name, blob }),
  };
  render(
    <ServicesProvider services={services}>
      <ReportsView />
    </ServicesProvider>,
  );
  return { services, engine, downloads, user: userEvent.setup() };
}

const blobText = (blob: Blob) =>
  new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });

const BUTTONS = ['Incident Report (HTML)', 'Incident Report for this identity (HTML)', 'Inventory Hygiene Report (HTML)'];

describe('Reports view', () => {
  it('offers the reports and the findings export by role and name', () => {
    setup();
    expect(screen.getByRole('heading', { name: 'Reports' })).toBeTruthy();
    for (const name of BUTTONS) expect(screen.getByRole('button', { name })).toBeTruthy();
    expect(screen.getAllByRole('button', { name: /report/i }).length).toBeGreaterThanOrEqual(3);
    expect(screen.getByRole('combobox', { name: 'Identity' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Export findings' })).toBeTruthy();
  });

  it('disables every report, with the reason, while there is no evidence', () => {
    const { downloads } = setup({ evidence: false });
    const reason = screen.getByText(/Add evidence files first/);
    for (const name of BUTTONS) {
      const button = screen.getByRole('button', { name }) as HTMLButtonElement;
      expect(button.disabled).toBe(true);
      expect(button.getAttribute('aria-describedby')).toBe(reason.id);
    }
    expect((screen.getByRole('button', { name: 'Export findings' }) as HTMLButtonElement).disabled).toBe(true);
    expect(downloads).toEqual([]);
  });

  it('disables the reports while an import or the analysis runs', async () => {
    const { services } = setup();
    await waitFor(() => expect((screen.getByRole('button', { name: BUTTONS[0] }) as HTMLButtonElement).disabled).toBe(false));
    services.store.setState((s) => ({ analysis: { ...s.analysis, running: true } }));
    await screen.findByText(/The analysis is running/);
    for (const name of BUTTONS) expect((screen.getByRole('button', { name }) as HTMLButtonElement).disabled).toBe(true);
    services.store.setState((s) => ({
      analysis: { ...s.analysis, running: false },
      importing: { phase: 'reading', filesDone: 0, filesTotal: 1, bytesDone: 0, bytesTotal: 1, rows: 0 } as never,
    }));
    await screen.findByText(/An import is running/);
    for (const name of BUTTONS) expect((screen.getByRole('button', { name }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('downloads the inventory hygiene report as one self-contained HTML file', async () => {
    const { user, downloads, services } = setup();
    services.store.setState((s) => ({ workspace: { ...s.workspace, current: { id: 'w1', name: 'Case <i>42</i>', createdAt: '', updatedAt: '', snapshotId: null, storedBytes: 0, events: 0, files: 1 } } }));
    await user.click(screen.getByRole('button', { name: 'Inventory Hygiene Report (HTML)' }));
    await waitFor(() => expect(downloads).toHaveLength(1));
    const [file] = downloads;
    expect(file?.name).toMatch(/^driftline-hygiene-report-\d{8}-\d{6}\.html$/);
    expect(file?.blob.type).toBe('text/html');
    const html = await blobText(file!.blob);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(HASH);
    expect(html).toContain('trail &lt;b&gt;x&lt;/b&gt;.json');
    expect(html).toContain('Case &lt;i&gt;42&lt;/i&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect((await screen.findByRole('status', { name: 'Report status' })).textContent).toMatch(/driftline-hygiene-report-.*\.html is ready/);
  });

  it('downloads the incident report for all open findings and for one chosen identity', async () => {
    const { user, downloads, engine } = setup();
    await user.click(screen.getByRole('button', { name: 'Incident Report (HTML)' }));
    await waitFor(() => expect(downloads).toHaveLength(1));
    expect(downloads[0]?.name).toMatch(/^driftline-incident-report-\d{8}-\d{6}\.html$/);
    expect(downloads[0]?.blob.type).toBe('text/html');
    expect(await blobText(downloads[0]!.blob)).toContain('Incident report: all open findings');

    const picker = screen.getByRole('combobox', { name: 'Identity' }) as HTMLSelectElement;
    await waitFor(() => expect(picker.value).toBe(DEPLOY));
    expect(screen.getByRole('option', { name: /deploy-bot/ })).toBeTruthy();
    await user.selectOptions(picker, DEPLOY);
    await user.click(screen.getByRole('button', { name: 'Incident Report for this identity (HTML)' }));
    await waitFor(() => expect(downloads).toHaveLength(2));
    expect(downloads[1]?.name).toMatch(/^driftline-incident-report-deploy-bot-\d{8}-\d{6}\.html$/);
    const html = await blobText(downloads[1]!.blob);
    expect(html).toContain('Incident report: deploy-bot');
    expect(html).toContain(HASH);
    expect(engine.queries.some((q) => q.includes(`i.identity_key IN ('${DEPLOY}')`))).toBe(true);
  });

  it('says so when a report cannot be made', async () => {
    const engine = new FakeEngine((sql) => {
      if (/information_schema/.test(sql)) throw new Error('engine crashed');
      return answer(sql);
    });
    const { user, downloads } = setup({ engine });
    await user.click(screen.getByRole('button', { name: 'Inventory Hygiene Report (HTML)' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/could not be produced: engine crashed/);
    expect(downloads).toEqual([]);
  });
});
