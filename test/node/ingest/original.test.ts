// The original record finder against the importer (Node, real DuckDB): import a drop, then for events of every file ask
// the finder for record `source_row` of the kept bytes and check it is the record the event came from (its vendor id).
// Containers: plain, gzip, zip member (nested too), JSON array, CloudTrail Records, NDJSON, CSV with quoted newlines and
// a ragged row, UTF-16, Latin-1; the workshop sample as a whole.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { ensureSchema } from '../../../src/ingest/commit';
import { findOriginalRecord, OriginalNotFound, type OriginalRecord } from '../../../src/ingest/original';
import { importEvidence, type ImportReport } from '../../../src/ingest/pipeline';
import { readEvidence } from '../../../src/ingest/reader';
import { cloudTrailRecord, utf16 } from '../container/helpers';
import { dataPath } from '../formats/data';

const file = (name: string, content: string | Uint8Array) => new File([content as BlobPart], name);
const te = new TextEncoder();

interface EventRow {
  file_id: string;
  source_row: number;
  event_id: string | null;
  action: string | null;
}

describe('original records match the importer numbering', () => {
  let engine: DuckEngine;
  beforeEach(async () => {
    engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
  });
  afterEach(() => engine.close());

  const run = async (files: File[]): Promise<ImportReport> => {
    const report = await importEvidence(engine, files, { reader: readEvidence, signal: new AbortController().signal });
    expect(report.status).toBe('committed');
    return report;
  };
  const events = async (fileId: string): Promise<EventRow[]> =>
    (await engine.queryRows(`SELECT file_id, source_row, event_id, action FROM events WHERE file_id = '${fileId}' ORDER BY source_row`)).rows as unknown as EventRow[];
  const skipLines = async (fileId: string): Promise<number[]> =>
    (await engine.queryRows(`SELECT source_row FROM rejected_rows WHERE file_id = '${fileId}' AND source_row IS NOT NULL AND reason NOT LIKE 'unparseable time%'`)).rows.map((r) => Number(r.source_row));

  /** For every loaded file of the drop: the finder's record for each (or every nth) event names that event's id. */
  async function checkAll(report: ImportReport, files: File[], idOf: (record: OriginalRecord) => string | null, every = 1): Promise<number> {
    let checked = 0;
    for (const outcome of report.files.filter((f) => f.status === 'loaded' && f.info?.kind === 'audit_log')) {
      const source = outcome.source!;
      const rows = await events(outcome.fileId);
      expect(rows.length).toBeGreaterThan(0);
      const skip = await skipLines(outcome.fileId);
      const picked = rows.filter((_, i) => i % every === 0 || i === rows.length - 1);
      for (const event of picked) {
        const record = await findOriginalRecord(files[source.index]!, { members: source.members, sourceRow: Number(event.source_row), skipLines: skip, name: files[source.index]!.name });
        expect(record.sourceRow).toBe(Number(event.source_row));
        expect({ file: outcome.name, row: event.source_row, id: idOf(record) }).toEqual({ file: outcome.name, row: event.source_row, id: event.event_id });
        checked++;
      }
    }
    return checked;
  }
  const jsonId = (key: string) => (record: OriginalRecord) => {
    expect(record.kind).toBe('json');
    const value = JSON.parse(record.raw!) as Record<string, unknown>;
    expect(JSON.parse(record.text)).toEqual(value);
    return String(value[key]);
  };
  const csvId = (column: string) => (record: OriginalRecord) => {
    expect(record.kind).toBe('csv');
    return record.fields!.find(([h]) => h === column)?.[1] ?? null;
  };

  it('CloudTrail Records: plain, gzip, a zip member and a member of a zip inside a zip', async () => {
    const trail = (prefix: string, n: number) => JSON.stringify({ Records: Array.from({ length: n }, (_, i) => ({ ...cloudTrailRecord(i), eventID: `${prefix}-${i}` })) }, null, 2);
    const inner = zipSync({ 'logs/deep.json': te.encode(trail('deep', 7)) });
    const files = [
      file('plain.json', trail('plain', 25)),
      file('packed.json.gz', gzipSync(trail('gz', 30))),
      file('bundle.zip', zipSync({ 'a/one.json': te.encode(trail('zip-a', 12)), 'b/two.json.gz': gzipSync(trail('zip-b', 9)), 'nested.zip': inner })),
    ];
    const report = await run(files);
    expect(report.files.find((f) => f.name === 'bundle.zip/nested.zip/logs/deep.json')?.source).toEqual({ index: 2, members: ['nested.zip', 'logs/deep.json'] });
    expect(await checkAll(report, files, jsonId('eventID'))).toBe(25 + 30 + 12 + 9 + 7);
  });

  it('JSON arrays and NDJSON with blank lines, CRLF, a bad line, UTF-16 and Latin-1', async () => {
    const ct = (prefix: string, i: number) => ({ ...cloudTrailRecord(i), eventID: `${prefix}-${i}` });
    const ndjsonLines: string[] = [];
    for (let i = 0; i < 20; i++) {
      ndjsonLines.push(JSON.stringify(ct('nd', i)));
      if (i % 5 === 0) ndjsonLines.push('');
      if (i === 7) ndjsonLines.push('{"broken": ');
    }
    const latin = JSON.stringify(Array.from({ length: 6 }, (_, i) => ({ ...ct('lat', i), userAgent: 'café-agent' })));
    const files = [
      file('array.json', JSON.stringify(Array.from({ length: 15 }, (_, i) => ct('arr', i)))),
      file('lines.ndjson', ndjsonLines.join('\r\n')),
      file('wide.json', utf16(JSON.stringify({ Records: Array.from({ length: 8 }, (_, i) => ({ ...ct('u16', i), userAgent: 'Ünïcode ✓' })) }), 'le', true)),
      file('latin.json', Uint8Array.from(latin, (c) => c.charCodeAt(0))),
    ];
    const report = await run(files);
    expect(report.files.map((f) => f.info?.container)).toEqual(expect.arrayContaining([expect.stringMatching(/UTF-16/), expect.stringMatching(/Latin-1/)]));
    expect(await checkAll(report, files, jsonId('eventID'))).toBe(15 + 20 + 8 + 6);
    const u16 = report.files.find((f) => f.name === 'wide.json')!;
    const record = await findOriginalRecord(files[2]!, { members: [], sourceRow: 3 });
    expect(record.text).toContain('Ünïcode ✓');
    expect(record.container).toMatch(/UTF-16/);
    expect(u16.status).toBe('loaded');
    const lat = await findOriginalRecord(files[3]!, { members: [], sourceRow: 2 });
    expect(lat.text).toContain('café-agent');
  });

  it('CSV event logs: quoted newlines, blank lines, a ragged row, UTF-16 with BOM, gzip', async () => {
    const header = 'timestamp,actor,action,resource,source ip,event id';
    const lines = [header];
    for (let i = 0; i < 40; i++) {
      const resource = i % 7 === 3 ? `"bucket/${i}\nsecond line, with comma"` : `bucket/${i}`;
      lines.push(`2026-03-01T${String(i % 24).padStart(2, '0')}:00:00Z,svc-${i % 3},s3:GetObject,${resource},10.0.0.${i},csv-${i}`);
      if (i === 11) lines.push('');
      if (i === 20) lines.push('2026-03-01T05:00:00Z,ragged-row-without-enough-columns');
    }
    const text = lines.join('\n') + '\n';
    const files = [file('events.csv', text), file('events-utf16.csv', utf16(text.replace(/csv-/g, 'w-'), 'le', true)), file('events.csv.gz', gzipSync(text.replace(/csv-/g, 'gz-')))];
    const report = await run(files);
    for (const f of report.files) expect(f.info?.kind).toBe('audit_log');
    expect(await skipLines(report.files[0]!.fileId)).toHaveLength(1);
    expect(await checkAll(report, files, csvId('event id'))).toBe(120);
    const record = await findOriginalRecord(files[0]!, { members: [], sourceRow: 5, skipLines: await skipLines(report.files[0]!.fileId) });
    expect(record.fields).toEqual([
      ['timestamp', '2026-03-01T03:00:00Z'], ['actor', 'svc-0'], ['action', 's3:GetObject'], ['resource', 'bucket/3\nsecond line, with comma'], ['source ip', '10.0.0.3'], ['event id', 'csv-3'],
    ]);
    expect(record.text.split('\n')[0]).toBe('timestamp: 2026-03-01T03:00:00Z');
  });

  it('public samples: Kubernetes audit, GitHub audit NDJSON, CloudTrail (gzip Records)', async () => {
    const pick = (folder: string, name: string) => file(name, readFileSync(dataPath(folder, name)));
    const files = [
      pick('falco_k8s_audit', 'create_clusterrolebinding.json'),
      pick('github_audit', 'azure_sentinel_Github_sample_logs.subset.ndjson'),
      pick('grycap_cloudtrail', '974349055189_CloudTrail_sa-east-1_20180129T1810Z_bllzOeTTow0oWrIG.json.gz'),
    ];
    const report = await run(files);
    const loaded = report.files.filter((f) => f.status === 'loaded');
    expect(loaded.map((f) => f.info?.vendor)).toEqual([expect.stringMatching(/Kubernetes/), expect.stringMatching(/GitHub/), expect.stringMatching(/CloudTrail/)]);
    const id = (r: OriginalRecord) => {
      const v = JSON.parse(r.raw!) as Record<string, unknown>;
      return String(v.auditID ?? v._document_id ?? v.eventID);
    };
    expect(await checkAll(report, files, id)).toBe(Number((await engine.queryRows('SELECT count(*) AS n FROM events')).rows[0]?.n));
  });

  it('the workshop sample: every audit log, every 17th event, and a row past the end is not found', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'driftline-original-'));
    execFileSync(process.execPath, ['sample-data/generate.mjs', '--out', dir, '--quiet'], { stdio: 'pipe' });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
    const files = manifest.files.map((f) => file(f.path, readFileSync(path.join(dir, f.path))));
    const report = await run(files);
    const ids = (record: OriginalRecord) => {
      const v = JSON.parse(record.raw!) as Record<string, unknown>;
      return String(v.eventID ?? v.uuid ?? v._document_id);
    };
    expect(await checkAll(report, files, ids, 17)).toBeGreaterThan(800);
    const okta = report.files.find((f) => f.name.includes('okta'))!;
    await expect(findOriginalRecord(files[okta.source!.index]!, { members: [], sourceRow: 1_000_000 })).rejects.toBeInstanceOf(OriginalNotFound);
  });

  it('stops when its signal is aborted', async () => {
    const big = JSON.stringify({ Records: Array.from({ length: 20_000 }, (_, i) => cloudTrailRecord(i)) });
    const controller = new AbortController();
    controller.abort();
    await expect(findOriginalRecord(file('big.json', big), { members: [], sourceRow: 19_999 }, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
