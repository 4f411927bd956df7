// Large imports at small scale: an event CSV cut into slices at record boundaries and an import committed in steps
// (thresholds lowered through the options the tab leaves at their defaults). Same rows, numbers and rejections as one
// piece; a cancel or failure after some steps were committed still leaves nothing behind.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { ensureSchema } from '../../../src/ingest/commit';
import { importEvidence, type ImportOptions } from '../../../src/ingest/pipeline';
import { readEvidence } from '../../../src/ingest/reader';
import type { ReaderMessage } from '../../../src/ingest/protocol';

/** 3,000 rows; some values hold quoted newlines and "" escapes, one row is ragged, one has no readable time. */
function bigCsv(): string {
  const lines = ['timestamp,principal,operation,resource,source_ip,user_agent,outcome'];
  for (let i = 0; i < 3000; i++) {
    const t = new Date(Date.UTC(2026, 2, 1) + i * 60_000).toISOString();
    const resource = i % 97 === 0 ? `"bucket/with ""quotes"" and a\nline break ${i}"` : `arn:aws:s3:::bucket-${i % 17}/k${i}`;
    if (i === 1234) lines.push('ragged,row');
    else if (i === 2222) lines.push(`yesterday,svc-${i % 7},s3:GetObject,${resource},10.0.0.${i % 250},aws-cli/2.15,success`);
    else lines.push(`${t},svc-${i % 7},s3:GetObject,${resource},10.0.0.${i % 250},aws-cli/2.15 Python/3.11,${i % 11 ? 'success' : 'AccessDenied'}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('large imports', () => {
  let engine: DuckEngine;
  beforeEach(async () => {
    engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
  });
  afterEach(() => engine.close());

  const run = (files: File[], extra: Partial<ImportOptions> = {}) =>
    importEvidence(engine, files, { reader: readEvidence, signal: new AbortController().signal, ...extra });
  const rows = async (sql: string) => (await engine.queryRows(sql)).rows;
  const snapshotOfEvents = () =>
    rows(`SELECT source_row, actor, resource, outcome, event_time FROM events ORDER BY source_row`).then((r) => JSON.stringify(r));

  it('loads a CSV in slices and steps exactly as in one piece', async () => {
    const csv = bigCsv();
    const whole = await run([new File([csv], 'whole.csv')]);
    expect(whole.status).toBe('committed');
    const expected = await snapshotOfEvents();
    const expectedRejects = await rows('SELECT source_row, reason FROM rejected_rows ORDER BY source_row');
    await engine.exec('DELETE FROM events; DELETE FROM rejected_rows; DELETE FROM evidence_files;');

    const sliced = await run([new File([csv], 'sliced.csv')], { csvSlice: { from: 10_000, bytes: 40_000 }, stepEvents: 700 });
    expect(sliced.status).toBe('committed');
    expect(sliced.files[0]?.rows).toBe(whole.files[0]?.rows);
    expect(sliced.files[0]?.rejected).toBe(2);
    const got = await snapshotOfEvents();
    if (got !== expected) {
      const a = JSON.parse(expected) as unknown[];
      const b = JSON.parse(got) as unknown[];
      const i = a.findIndex((row, k) => JSON.stringify(row) !== JSON.stringify(b[k]));
      expect(b[i], `first difference at row ${i}`).toEqual(a[i]);
    }
    expect(await rows('SELECT source_row, reason FROM rejected_rows ORDER BY source_row')).toEqual(expectedRejects);
    const [file] = await rows('SELECT rows_loaded, rows_rejected FROM evidence_files');
    expect(file).toEqual({ rows_loaded: 2998, rows_rejected: 2 });
  });

  it('commits a sliced CSV after every slice; an explicit step keeps its own threshold', async () => {
    const csv = bigCsv();
    // Count the import's step commits on its session.
    let steps = 0;
    const session = engine.session.bind(engine);
    engine.session = async () => {
      const s = await session();
      return { ...s, exec: (sql: string, options?: Parameters<typeof s.exec>[1]) => (sql.startsWith('COMMIT; BEGIN') && steps++, s.exec(sql, options)) };
    };
    let slices = 0;
    const counting: ImportOptions['reader'] = async function* (files, options, signal) {
      for await (const message of readEvidence(files, options, signal)) {
        if (message.type === 'csv-events') slices++;
        yield message as ReaderMessage;
      }
    };
    const bySlice = await importEvidence(engine, [new File([csv], 'by-slice.csv')], { reader: counting, signal: new AbortController().signal, csvSlice: { from: 10_000, bytes: 40_000 } });
    expect(bySlice.status).toBe('committed');
    expect(slices).toBeGreaterThan(4);
    // Every slice, the last one included, is committed once loaded (a few hundred events each, far below STEP_EVENTS).
    expect(steps).toBe(slices);
    expect(bySlice.files[0]?.rows).toBe(2998);

    await engine.exec('DELETE FROM events; DELETE FROM rejected_rows; DELETE FROM evidence_files;');
    const before = { steps, slices };
    const byStep = await importEvidence(engine, [new File([csv], 'by-step.csv')], { reader: counting, signal: new AbortController().signal, csvSlice: { from: 10_000, bytes: 40_000 }, stepEvents: 1000 });
    expect(byStep.status).toBe('committed');
    expect(slices - before.slices).toBe(before.slices);
    // 2,998 events in steps of at least 1,000: at most three commits, fewer than the slices.
    expect(steps - before.steps).toBeGreaterThan(0);
    expect(steps - before.steps).toBeLessThanOrEqual(3);
    expect(byStep.files[0]?.rows).toBe(2998);
  });

  it('takes back every committed step when the import is cancelled after them', async () => {
    const csv = bigCsv();
    const controller = new AbortController();
    let slices = 0;
    // Cancel once two slices went in (at least one step committed by then).
    const reader: ImportOptions['reader'] = async function* (files, options, signal) {
      for await (const message of readEvidence(files, options, signal)) {
        yield message as ReaderMessage;
        if (message.type === 'csv-events' && ++slices === 2) controller.abort();
      }
    };
    const report = await importEvidence(engine, [new File([csv], 'cancelled.csv')], {
      reader, signal: controller.signal, csvSlice: { from: 10_000, bytes: 40_000 }, stepEvents: 500,
    });
    expect(report.status).toBe('cancelled');
    expect(await rows('SELECT count(*) AS n FROM events')).toEqual([{ n: 0 }]);
    expect(await rows("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE 'stg_%'")).toEqual([{ n: 0 }]);
    expect(await rows('SELECT count(*) AS n FROM evidence_files')).toEqual([{ n: 0 }]);
    // The workspace takes the next import as usual.
    expect((await run([new File([csv], 'again.csv')])).status).toBe('committed');
  });

  it('has the engine copy the next slice while one loads, and drops every copy, on success and on cancel', async () => {
    const csv = bigCsv();
    const log: string[] = [];
    const register = engine.registerFile.bind(engine);
    const drop = engine.dropFile.bind(engine);
    let copied = 1000;
    engine.prepareFile = (name) => void log.push(`prepare ${name}`);
    engine.registerFile = async (name, file) => {
      log.push(`register ${name}`);
      copied += file.size;
      await register(name, file);
    };
    engine.dropFile = async (name) => {
      log.push(`drop ${name}`);
      await drop(name);
    };
    engine.stagedBytes = () => copied;
    const report = await run([new File([csv], 'ahead.csv')], { csvSlice: { from: 10_000, bytes: 40_000 } });
    expect(report.status).toBe('committed');
    expect(report.files[0]?.rows).toBe(2998);
    // What the engine says it copied during the import (here: the bytes registered, header included per slice).
    expect(report.timings?.stagedBytes).toBe(copied - 1000);
    const registered = log.filter((line) => line.startsWith('register ')).map((line) => line.slice(9));
    expect(registered.length).toBeGreaterThan(4);
    // Each slice after the first is prepared once, while the one before it loads: after that one's registration.
    for (const [i, name] of registered.entries()) {
      const prepares = log.flatMap((line, at) => (line === `prepare ${name}` ? [at] : []));
      if (i === 0) {
        expect(prepares).toEqual([]);
        continue;
      }
      expect(prepares).toHaveLength(1);
      expect(prepares[0]).toBeGreaterThan(log.indexOf(`register ${registered[i - 1]}`));
      expect(prepares[0]).toBeLessThan(log.indexOf(`register ${name}`));
    }
    // Every registered (and so every prepared) slice is dropped.
    for (const name of registered) expect(log).toContain(`drop ${name}`);

    // Cancelled while the second slice is registered, once the third was prepared: that one, never registered, is
    // dropped too.
    log.length = 0;
    const controller = new AbortController();
    let registers = 0;
    engine.registerFile = async (name, file) => {
      log.push(`register ${name}`);
      if (++registers === 2) {
        for (let i = 0; i < 200 && log.filter((line) => line.startsWith('prepare ')).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5));
        controller.abort();
      }
      await register(name, file);
    };
    const cancelled = await importEvidence(engine, [new File([csv], 'ahead-cancelled.csv')], {
      reader: readEvidence, signal: controller.signal, csvSlice: { from: 10_000, bytes: 40_000 },
    });
    expect(cancelled.status).toBe('cancelled');
    const prepared = log.filter((line) => line.startsWith('prepare ')).map((line) => line.slice(8));
    expect(prepared.length).toBeGreaterThan(0);
    expect(prepared.some((name) => !log.includes(`register ${name}`))).toBe(true);
    for (const name of prepared) expect(log).toContain(`drop ${name}`);
    // Only the first import's events.
    expect(await rows('SELECT count(*) AS n FROM events')).toEqual([{ n: 2998 }]);
  });

  it('narrows an import to a time slice and leaves omitted columns empty', async () => {
    const csv = bigCsv();
    const from = Date.UTC(2026, 2, 1, 10);
    const to = Date.UTC(2026, 2, 1, 11);
    const report = await run([new File([csv], 'narrow.csv')], { limits: { timeSlice: { from, to }, omit: ['user_agent', 'resource'] } });
    expect(report.status).toBe('committed');
    const [r] = await rows(`SELECT count(*) AS n, min(event_time) AS lo, max(event_time) AS hi, count(user_agent) AS ua, count(resource) AS res FROM events`);
    expect(r).toEqual({ n: 61, lo: new Date(from).toISOString(), hi: new Date(to).toISOString(), ua: 0, res: 0 });
    // Rows outside the slice are not "rejected": only the ragged line and the unreadable time are.
    expect(await rows('SELECT count(*) AS n FROM rejected_rows')).toEqual([{ n: 2 }]);
  });

  it('narrows JSON events the same way (their batches then go through a scratch table), with and without limits', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => ({
      eventVersion: '1.08',
      userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::123456789012:user/svc-${i % 7}`, accountId: '123456789012', accessKeyId: `AKIASVC${i % 7}` },
      eventTime: new Date(Date.UTC(2026, 2, 1) + i * 60_000).toISOString(),
      eventSource: 's3.amazonaws.com', eventName: 'GetObject', awsRegion: 'us-east-1', sourceIPAddress: `10.0.0.${i % 250}`,
      userAgent: 'aws-cli/2.15', requestParameters: { bucketName: `bucket-${i % 17}` }, eventID: `evt-${i}`, readOnly: true, eventType: 'AwsApiCall',
    }));
    const file = () => new File([JSON.stringify({ Records: records })], 'trail.json');
    const from = Date.UTC(2026, 2, 1, 10);
    const to = Date.UTC(2026, 2, 1, 11);
    const narrow = await run([file()], { batchRows: 500, limits: { timeSlice: { from, to }, omit: ['user_agent', 'resource'] } });
    expect(narrow.status).toBe('committed');
    const summary = `SELECT count(*) AS n, min(event_time) AS lo, max(event_time) AS hi, count(user_agent) AS ua, count(resource) AS res FROM events`;
    expect((await rows(summary))[0]).toEqual({ n: 61, lo: new Date(from).toISOString(), hi: new Date(to).toISOString(), ua: 0, res: 0 });
    expect(await rows("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE 'stg_%'")).toEqual([{ n: 0 }]);

    await engine.exec('DELETE FROM events; DELETE FROM evidence_files;');
    expect((await run([file()], { batchRows: 500 })).status).toBe('committed');
    expect((await rows(summary))[0]).toMatchObject({ n: 3000, ua: 3000, res: 3000 });
  });

  it('cuts CSV slices where the events table fills a row group, from the rows it already holds', async () => {
    // 80-byte rows, slices of ~4,000 bytes, row groups of 50 rows, 30 rows in the table: the first slice completes the
    // group the table has begun (70 rows), every other ends one more group.
    const lines = ['timestamp,principal,operation,resource'];
    for (let i = 0; i < 1000; i++) lines.push(`2026-03-01T00:${String(i % 60).padStart(2, '0')}:00Z,svc-${i % 7},s3:GetObject,bucket/${String(i).padStart(32, '0')}`);
    const csv = `${lines.join('\n')}\n`;
    expect(lines[1]!.length + 1).toBe(80);
    const cut = async (options: { eventRowsBefore: number; bytes: number; rowGroup: number }) => {
      const offsets: number[] = [];
      const reading = { idPrefix: 'a', mappings: {}, batchRows: 100, eventRowsBefore: options.eventRowsBefore, csvSlice: { from: 1000, bytes: options.bytes, rowGroup: options.rowGroup } };
      for await (const m of readEvidence([new File([csv], 'rows.csv')], reading, new AbortController().signal)) if (m.type === 'csv-events') offsets.push(m.slice!.rowOffset);
      return offsets;
    };
    expect(await cut({ eventRowsBefore: 30, bytes: 4000, rowGroup: 50 })).toEqual([0, 70, ...Array.from({ length: 18 }, (_, k) => 120 + 50 * k)]);
    // (The file ends where a slice does: a last slice of the header alone says so.)
    expect(await cut({ eventRowsBefore: 0, bytes: 4000, rowGroup: 50 })).toEqual(Array.from({ length: 21 }, (_, k) => 50 * k));
    // Row groups larger than a slice: cut at 3/2 of its size (75 rows of 80 bytes), or earlier where a group ends.
    expect(await cut({ eventRowsBefore: 0, bytes: 4000, rowGroup: 500 })).toEqual([0, 75, 150, 225, 300, 375, 450, 500, 575, 650, 725, 800, 875, 950, 1000]);

    // The import tells the reader where its rows will start: after the 2,998 events of a first import.
    expect((await run([new File([bigCsv()], 'first.csv')])).status).toBe('committed');
    let told: number | undefined;
    const listening: ImportOptions['reader'] = (files, options, signal) => {
      told = options.eventRowsBefore;
      return readEvidence(files, options, signal);
    };
    expect((await importEvidence(engine, [new File([csv], 'second.csv')], { reader: listening, signal: new AbortController().signal })).status).toBe('committed');
    expect(told).toBe(2998);
  });
});
