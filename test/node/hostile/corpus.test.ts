// Issue #8: the hostile-input corpus (test/fixtures/hostile) dropped all at once, through the app's own import action on
// the Node engine, onto a workspace that already holds evidence. Every case gets its exact message (file, and row where
// there is one) or loads; the earlier evidence stays as it was; the good file in the same drop is analysed; payloads stay
// data; the CSV exports are inert, every finding's evidence query runs, and the HTML reports carry no active markup.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAYLOADS, SHADOW_ARN, goodCloudTrail, smallCases } from '../../fixtures/hostile/generate.mjs';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { renderHygieneReport, renderIncidentReport } from '../../../src/report/html';
import { gatherHygieneData, gatherIncidentData, listReportIdentities } from '../../../src/report/report-data';
import { addEvidenceFiles, exportFindings, type AppServices } from '../../../src/state/actions';
import type { ImportResult } from '../../../src/state/store';
import { exportSqlResult } from '../../../src/state/sql-actions';
import { CORPUS_DIR, activeMarkup, corpusFile, corpusNames, isLiveCell, parseCsv, startApp } from './helpers';

interface Expected {
  status: 'loaded' | 'failed';
  /** The message shown next to the file's name. */
  message?: string;
  vendor?: string;
  rows?: number;
  /** Rejected rows as [row, reason] (row null = about the file as a whole). */
  rejected?: [number | null, string][];
}

const CT = 'AWS CloudTrail';
const CSV = 'CSV event log';
const NO_TIME = 'no parseable time';

/** Each case of the corpus and the behaviour it must get (the same table as test/fixtures/hostile/README.md). */
const CASES: Record<string, Expected> = {
  'empty.json': { status: 'failed', message: 'the file is empty' },
  'empty.csv': { status: 'failed', message: 'the file is empty' },
  'blank-lines.ndjson': { status: 'failed', message: 'the file is empty: only blank lines or spaces' },
  'binary.log': { status: 'failed', message: 'not a log or inventory: the content is binary (NUL bytes)' },
  'truncated.json': {
    status: 'loaded', vendor: CT, rows: 2,
    rejected: [[null, 'truncated: The text is truncated after record 2 (byte offset 1,369): the text ends inside record 3, which starts at byte offset 1,160.']],
  },
  'truncated-early.json': {
    status: 'failed',
    message: 'the JSON is truncated: The text is truncated before the first record (byte offset 89): the text ends inside record 1, which starts at byte offset 12.',
  },
  'ragged.csv': { status: 'loaded', vendor: CSV, rows: 3, rejected: [[3, 'Expected Number of Columns: 7 Found: 3'], [5, 'Expected Number of Columns: 7 Found: 8']] },
  'unterminated-quote.csv': { status: 'loaded', vendor: CSV, rows: 2, rejected: [[4, 'Value with unterminated quote found.']] },
  'unterminated-quote-register.csv': {
    status: 'failed',
    message: 'CSV row 3 opens a quote that is never closed, so the rest of the file would be read as one value; nothing of this file was loaded',
  },
  'utf8-bom.csv': { status: 'loaded', vendor: CSV, rows: 2, rejected: [] },
  'utf16le.json': { status: 'loaded', vendor: CT, rows: 2, rejected: [] },
  'utf16be.csv': { status: 'loaded', vendor: CSV, rows: 2, rejected: [] },
  'latin1-register.csv': { status: 'loaded', vendor: 'NHI register', rows: 1, rejected: [] },
  'cloudtrail-named.csv': { status: 'loaded', vendor: CT, rows: 2, rejected: [] },
  'okta-named.log': { status: 'loaded', vendor: 'Okta System Log', rows: 1, rejected: [] },
  'events-named.json': { status: 'loaded', vendor: CSV, rows: 2, rejected: [] },
  'timestamps.ndjson': { status: 'loaded', vendor: CT, rows: 3, rejected: [[2, NO_TIME], [4, NO_TIME], [5, NO_TIME]] },
  'timestamps.csv': {
    status: 'loaded', vendor: CSV, rows: 3,
    rejected: [[3, 'unparseable time (empty)'], [5, 'unparseable time "0"'], [6, 'unparseable time "yesterday at noon"']],
  },
  'sql-headers.csv': { status: 'loaded', vendor: CSV, rows: 2, rejected: [] },
  'payloads-cloudtrail.json': { status: 'loaded', vendor: CT, rows: 13, rejected: [] },
  'payloads-okta.json': { status: 'loaded', vendor: 'Okta System Log', rows: 13, rejected: [] },
  'payloads-github.json': { status: 'loaded', vendor: 'GitHub audit log', rows: 13, rejected: [] },
  'payloads-entra.json': { status: 'loaded', vendor: 'Microsoft Entra ID sign-ins', rows: 13, rejected: [] },
  'payloads-gcp.json': { status: 'loaded', vendor: 'GCP Cloud Audit Logs', rows: 13, rejected: [] },
  'payloads-k8s.json': { status: 'loaded', vendor: 'Kubernetes audit log', rows: 13, rejected: [] },
  'payloads-google-workspace.json': { status: 'loaded', vendor: 'Google Workspace', rows: 13, rejected: [] },
  'payloads-slack.json': { status: 'loaded', vendor: 'Slack audit logs', rows: 13, rejected: [] },
  'payloads-events.csv': { status: 'loaded', vendor: CSV, rows: 13, rejected: [] },
  // 13 rows, 12 identities: "\t=1+1" and "\r=1+1" are the same identity once cells are trimmed, and merge (said in the notes).
  'payloads-register.csv': { status: 'loaded', vendor: 'NHI register', rows: 12, rejected: [] },
  // Classified by content: with payloads for actions it is a generic CSV event log, mapped by its column names.
  'payloads-github-audit.csv': { status: 'loaded', vendor: CSV, rows: 13, rejected: [] },
  // 12 windows; identities written "a|b" or "a; b" name two identities, so 16 rows.
  'payloads-changes.csv': { status: 'loaded', vendor: 'Change windows', rows: 16, rejected: [] },
  'payloads-entra-sps.json': { status: 'loaded', vendor: 'entra_service_principals', rows: 12, rejected: [] },
  'good-cloudtrail.json': { status: 'loaded', vendor: CT, rows: 5, rejected: [] },
};

const EVENT_TEXT_COLUMNS = ['actor', 'actor_alt', 'credential_id', 'action', 'resource', 'account', 'source_ip', 'user_agent', 'error_code'];

/** Evidence already in the workspace before the hostile drop. */
const EARLIER_TRAIL = JSON.stringify({
  Records: [1, 2, 3].map((i) => ({
    eventVersion: '1.08', eventTime: `2026-02-2${i}T08:00:00Z`, eventSource: 'iam.amazonaws.com', eventName: 'ListUsers', eventID: `earlier-${i}`,
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/svc-earlier', accountId: '111122223333', accessKeyId: 'AKIAEARLIER000000001' },
    sourceIPAddress: '192.0.2.1', userAgent: 'aws-cli/2', awsRegion: 'us-east-1',
  })),
});
const EARLIER_REGISTER = 'Service Account,Platform,Account,Owner,Access Key ID\nsvc-earlier,aws,111122223333,ops@example.com,AKIAEARLIER000000001\n';

describe('hostile corpus: every case dropped at once', () => {
  let services: AppServices;
  let engine: DuckEngine;
  let downloads: { name: string; blob: Blob }[];
  let result: ImportResult;
  let earlier: { events: unknown[]; identities: unknown[]; files: unknown[] };
  const rows = async (sql: string) => (await engine.queryRows(sql)).rows;
  const snapshotEarlier = async () => ({
    events: await rows("SELECT * EXCLUDE (file_id) FROM events WHERE event_id LIKE 'earlier-%' ORDER BY event_id"),
    identities: await rows("SELECT * EXCLUDE (file_id) FROM identities WHERE name = 'svc-earlier'"),
    files: await rows("SELECT name, bytes, sha256, vendor, rows_loaded FROM evidence_files WHERE name LIKE 'earlier%' ORDER BY name"),
  });

  beforeAll(async () => {
    ({ services, engine, downloads } = await startApp());
    const first = await addEvidenceFiles(services, [new File([EARLIER_TRAIL], 'earlier-trail.json'), new File([EARLIER_REGISTER], 'earlier-register.csv')], 'dropped');
    expect(first?.files.map((f) => f.status)).toEqual(['loaded', 'loaded']);
    earlier = await snapshotEarlier();
    expect(earlier.events).toHaveLength(3);
    result = (await addEvidenceFiles(services, corpusNames().map(corpusFile), 'dropped'))!;
  }, 120_000);
  afterAll(() => engine?.close());

  it('the committed cases are exactly what generate.mjs writes, and each has its expected behaviour here', () => {
    const generated = { ...smallCases(), 'good-cloudtrail.json': Buffer.from(goodCloudTrail()) };
    expect(corpusNames()).toEqual(Object.keys(generated).sort());
    for (const [name, bytes] of Object.entries(generated)) expect(readFileSync(path.join(CORPUS_DIR, name)).equals(bytes), name).toBe(true);
    expect(Object.keys(CASES).sort()).toEqual(corpusNames());
  });

  it('commits: one bad file never fails the drop', () => {
    expect(result.status).toBe('committed');
    expect(result.error).toBeNull();
    expect(result.files.map((f) => f.name).sort()).toEqual(corpusNames());
  });

  it.each(Object.entries(CASES))('%s', async (name, expected) => {
    const outcome = result.files.find((f) => f.name === name)!;
    expect(outcome.status).toBe(expected.status);
    if (expected.status === 'failed') {
      expect(outcome.message).toBe(expected.message);
      // What the analyst reads: the file's name, then why.
      expect(await rows(`SELECT count(*) AS n FROM evidence_files WHERE name = '${name}'`)).toEqual([{ n: 0 }]);
      return;
    }
    expect(outcome.info?.vendor).toBe(expected.vendor);
    expect(outcome.rows).toBe(expected.rows);
    expect(outcome.rejected).toBe(expected.rejected!.length);
    const rejected = await rows(
      `SELECT source_row, reason FROM rejected_rows JOIN evidence_files USING (file_id) WHERE name = '${name}' ORDER BY source_row NULLS FIRST`,
    );
    expect(rejected.map((r) => [r.source_row, r.reason])).toEqual(expected.rejected);
  });

  it('tells the analyst about every failed file by name, with the reason', () => {
    const notices = services.store.getState().notices.map((n) => n.text);
    const lastImport = services.store.getState().lastImport!;
    for (const [name, expected] of Object.entries(CASES).filter(([, e]) => e.status === 'failed')) {
      expect(lastImport.files.find((f) => f.name === name)).toMatchObject({ status: 'failed', message: expected.message });
    }
    // The toasts (the last few) say it the same way: "<file>: <why>".
    const failed = Object.entries(CASES).filter(([, e]) => e.status === 'failed').map(([name, e]) => `${name}: ${e.message}`);
    expect(notices.length).toBeGreaterThan(0);
    for (const text of notices) expect(failed).toContain(text);
  });

  it('keeps the evidence loaded before exactly as it was', async () => {
    expect(await snapshotEarlier()).toEqual(earlier);
    expect(await rows("SELECT DISTINCT resolution FROM events WHERE event_id LIKE 'earlier-%'")).toEqual([{ resolution: 'credential' }]);
  });

  it('analyses the good file dropped with the bad ones: its actor is a shadow identity with findings', async () => {
    expect(await rows(`SELECT count(*) AS n, count(identity_key) AS resolved FROM events WHERE actor = '${SHADOW_ARN}'`)).toEqual([{ n: 5, resolved: 0 }]);
    const shadow = (await listReportIdentities(engine)).find((c) => c.entityKey === `shadow:${SHADOW_ARN}`);
    expect(shadow?.shadow).toBe(true);
    expect(services.store.getState().analysis.error).toBeNull();
    expect(await rows(`SELECT count(*) > 0 AS found FROM findings WHERE entity_key = 'shadow:${SHADOW_ARN}'`)).toEqual([{ found: true }]);
  });

  it('reads encodings and wrong extensions by content', async () => {
    expect(await rows("SELECT DISTINCT actor FROM events e JOIN evidence_files f USING (file_id) WHERE f.name IN ('utf16le.json', 'utf16be.csv', 'utf8-bom.csv') ORDER BY 1")).toEqual([
      { actor: 'arn:aws:iam::111122223333:user/svc-utf16-é' }, { actor: 'svc-bom' }, { actor: 'svc-utf16be-ü' },
    ]);
    expect(await rows("SELECT name, owner FROM identities WHERE name LIKE 'svc-caf%'")).toEqual([{ name: 'svc-café', owner: 'rené@example.com' }]);
    expect(await rows("SELECT f.name, count(*) AS n FROM events e JOIN evidence_files f USING (file_id) WHERE f.name LIKE '%-named.%' GROUP BY 1 ORDER BY 1")).toEqual([
      { name: 'cloudtrail-named.csv', n: 2 }, { name: 'events-named.json', n: 2 }, { name: 'okta-named.log', n: 1 },
    ]);
  });

  it('takes epoch seconds as a time and keeps the good rows around bad times', async () => {
    const times = await rows("SELECT source_row, event_time FROM events e JOIN evidence_files f USING (file_id) WHERE f.name = 'timestamps.ndjson' ORDER BY 1");
    expect(times).toEqual([
      { source_row: 1, event_time: '2026-03-01T10:00:00.000Z' },
      { source_row: 3, event_time: '2026-03-01T10:00:00.000Z' },
      { source_row: 6, event_time: '2026-03-01T11:00:00.000Z' },
    ]);
  });

  it('keeps SQL-metacharacter headers as data: every table intact, the file loaded under its own header', async () => {
    const tables = (await rows("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1")).map((r) => r.table_name);
    expect(tables).toEqual(expect.arrayContaining(['events', 'identities', 'evidence_files', 'rejected_rows']));
    expect(await rows("SELECT actor, action FROM events e JOIN evidence_files f USING (file_id) WHERE f.name = 'sql-headers.csv' ORDER BY source_row")).toEqual([
      { actor: 'svc-sql', action: 's3:GetObject' }, { actor: 'svc-sql', action: 's3:PutObject' },
    ]);
  });

  it('stores every payload verbatim in every format, as data', async () => {
    const vendors = ['cloudtrail', 'okta', 'github', 'entra', 'gcp', 'k8s', 'google-workspace', 'slack', 'events'];
    for (const vendor of vendors) {
      const name = `payloads-${vendor}.${vendor === 'events' ? 'csv' : 'json'}`;
      const events = await rows(`SELECT source_row, ${EVENT_TEXT_COLUMNS.join(', ')} FROM events e JOIN evidence_files f USING (file_id) WHERE f.name = '${name}' ORDER BY source_row`);
      expect(events, name).toHaveLength(PAYLOADS.length + 1);
      PAYLOADS.forEach((payload, i) => {
        const event = events[i + 1]!;
        // The actor carries the payload (JSON formats trim the surrounding white space of names, as for any actor).
        expect([payload, payload.trim()], `${name} row ${event.source_row}`).toContain(event.actor);
        const carried = EVENT_TEXT_COLUMNS.filter((c) => typeof event[c] === 'string' && String(event[c]).includes(payload.trim()));
        expect(carried.length, `${name} row ${event.source_row}: ${JSON.stringify(event)}`).toBeGreaterThanOrEqual(3);
      });
    }
    // The register keeps its cells (trimmed, as every register cell is).
    const names = (await rows("SELECT i.name FROM identities i JOIN evidence_files f USING (file_id) WHERE f.name = 'payloads-register.csv'")).map((r) => r.name);
    for (const payload of PAYLOADS) expect(names, JSON.stringify(names)).toContain(payload.trim());
    // Change windows and JSON inventories keep them too.
    const summaries = (await rows('SELECT DISTINCT summary FROM changes')).map((r) => r.summary);
    const sps = (await rows("SELECT i.name FROM identities i JOIN evidence_files f USING (file_id) WHERE f.name = 'payloads-entra-sps.json'")).map((r) => r.name);
    for (const payload of PAYLOADS) {
      expect(summaries).toContain(payload.trim());
      expect(sps).toContain(payload.trim());
    }
    // DuckDB's CSV reader keeps a quoted cell exactly, leading tab and CR included.
    const csv = await rows("SELECT actor FROM events e JOIN evidence_files f USING (file_id) WHERE f.name = 'payloads-events.csv' ORDER BY source_row");
    expect(csv.slice(1).map((r) => r.actor)).toEqual([...PAYLOADS]);
  });

  it('exports findings as CSV with no cell a spreadsheet would evaluate', async () => {
    const { text } = await exportFindings(services, 'csv');
    expect(downloads.at(-1)?.name).toMatch(/^driftline-findings-.*\.csv$/);
    const cells = parseCsv(text).flat();
    expect(cells.length).toBeGreaterThan(100);
    expect(cells.filter(isLiveCell)).toEqual([]);
    // Hostile identities do reach the export, neutralised.
    expect(cells.some((c) => c.startsWith("'=HYPERLINK(") || c.includes('=HYPERLINK('))).toBe(true);
  });

  it('exports an SQL console result as CSV with no live cell, hostile column names included', async () => {
    const columns = ["=cmd|' /C calc'!A0", '+x', '-y', '@z', '\tt', '\rr'];
    const result = await engine.queryRows(
      `SELECT ${EVENT_TEXT_COLUMNS.join(', ')}, ${columns.map((c, i) => `actor AS "${c.replaceAll('"', '""')}" /* ${i} */`).join(', ')} FROM events ORDER BY file_id, source_row`,
    );
    const { text } = exportSqlResult(services, result);
    const table = parseCsv(text);
    expect(table[0]).toEqual([...EVENT_TEXT_COLUMNS, ...columns.map((c) => `'${c}`)]);
    expect(table.flat().filter(isLiveCell)).toEqual([]);
    // Not vacuous: every formula payload is there, made inert by a leading apostrophe.
    const cells = new Set(table.flat());
    for (const payload of PAYLOADS.filter(isLiveCell)) expect(cells.has(`'${payload}`), JSON.stringify(payload)).toBe(true);
  });

  it("runs every finding's evidence query (built from evidence) without breaking out of its quotes", async () => {
    const findings = await rows('SELECT finding_uid, entity_key, evidence_sql, evidence_count FROM findings');
    const hostile = findings.filter((f) => PAYLOADS.some((p) => String(f.entity_key).includes(p)));
    expect(hostile.length).toBeGreaterThan(0);
    for (const finding of findings) {
      const evidence = await rows(String(finding.evidence_sql));
      if (Number(finding.evidence_count) > 0) expect(evidence.length, String(finding.evidence_sql)).toBeGreaterThan(0);
    }
    expect(await rows('SELECT count(*) AS n FROM identities WHERE name = \'svc-earlier\'')).toEqual([{ n: 1 }]);
  });

  it('renders HTML reports of the hostile workspace with no active markup, the payloads shown as text', async () => {
    const { settings } = services.store.getState();
    const meta = { workspaceName: `hostile ${PAYLOADS[1]}`, generatedAt: '2026-03-02T00:00:00Z' };
    const script = (await listReportIdentities(engine)).find((c) => c.name === PAYLOADS[1] && c.findings > 0);
    expect(script).toBeDefined();
    const documents = [
      renderIncidentReport(await gatherIncidentData(engine, { settings, now: Date.parse('2026-03-02T00:00:00Z') }), meta),
      renderIncidentReport(await gatherIncidentData(engine, { settings, now: Date.parse('2026-03-02T00:00:00Z'), identity: script!.entityKey }), meta),
      renderHygieneReport(await gatherHygieneData(engine, { settings, now: Date.parse('2026-03-02T00:00:00Z') }), meta),
    ];
    for (const html of documents) {
      expect(activeMarkup(html)).toEqual([]);
      expect(html).toContain('&lt;script&gt;alert(document.domain)&lt;/script&gt;');
    }
    expect(documents[2]).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
