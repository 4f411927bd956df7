// Issue #8, the large hostile cases: made by test/fixtures/hostile/generate.mjs in a temp dir (never committed), each
// dropped with a good file onto a workspace that already holds evidence. Each gets its message (or loads), the good
// file loads, the earlier evidence is untouched, within 20 s and without holding the file (or its expansion) in memory.
import { mkdtempSync, openAsBlob, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLarge, type LargeCase } from '../../fixtures/hostile/generate.mjs';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { addEvidenceFiles, type AppServices } from '../../../src/state/actions';
import type { ImportResult } from '../../../src/state/store';
import { corpusFile, startApp } from './helpers';

const MB = 1_000_000;
const LINE_MB = 300;
const BOMB_GB = 5;
const RAGGED_ROWS = 200_000;
/** Growth of the process' resident memory allowed while one case is read: well under the case's own size. */
const MEMORY_BUDGET = 200 * MB;

describe('hostile corpus: the large cases', () => {
  let dir: string;
  let cases: Record<string, LargeCase>;
  let services: AppServices;
  let engine: DuckEngine;
  const rows = async (sql: string) => (await engine.queryRows(sql)).rows;
  const earlierEvents = () => rows("SELECT * EXCLUDE (file_id) FROM events WHERE source_format = 'cloudtrail' AND actor LIKE '%hostile-run-shadow' ORDER BY event_id");
  let earlier: unknown[];

  /** Drop one large case with the test's own good file; time it and watch the resident memory while it runs. */
  async function drop(name: string): Promise<{ result: ImportResult; ms: number; growth: number }> {
    const good = new File([`{"eventVersion":"1.08","eventTime":"2026-03-02T0${Object.keys(cases).indexOf(name)}:00:00Z","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","eventID":"large-good-${name}","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::444455556666:user/large-good"}}\n`], `good-with-${name}.ndjson`);
    const big = new File([await openAsBlob(cases[name]!.path)], name);
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
    const began = performance.now();
    try {
      const result = (await addEvidenceFiles(services, [big, good], 'dropped'))!;
      return { result, ms: performance.now() - began, growth: peak - before };
    } finally {
      clearInterval(sampler);
    }
  }

  function expectGoodLoaded(result: ImportResult, name: string) {
    expect(result.status).toBe('committed');
    expect(result.files.find((f) => f.name === `good-with-${name}.ndjson`)).toMatchObject({ status: 'loaded', rows: 1 });
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'driftline-hostile-'));
    cases = writeLarge(dir, { lineMb: LINE_MB, bombGb: BOMB_GB, raggedRows: RAGGED_ROWS });
    ({ services, engine } = await startApp());
    const first = await addEvidenceFiles(services, [corpusFile('good-cloudtrail.json')], 'dropped');
    expect(first?.files[0]?.status).toBe('loaded');
    earlier = await earlierEvents();
    expect(earlier).toHaveLength(5);
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the generator made what it says: a 300 MB line, a bomb of kilobytes to megabytes standing for gigabytes', () => {
    expect(cases['line.ndjson']!.bytes).toBeGreaterThan(LINE_MB * MB);
    expect(cases['line.csv']!.bytes).toBeGreaterThan(LINE_MB * MB);
    expect(cases['bomb.json.gz']!.expanded).toBeGreaterThan(BOMB_GB * 1e9);
    expect(cases['bomb.json.gz']!.bytes).toBeLessThan(BOMB_GB * 1e9 / 500);
    expect(cases['bomb-nested.json.gz.gz']!.bytes).toBeLessThan(64 * 1024);
  });

  it('line.ndjson (one 300 MB JSON record, no newline): refused with the record named, quickly and in bounded memory', async () => {
    const { result, ms, growth } = await drop('line.ndjson');
    expect(result.files.find((f) => f.name === 'line.ndjson')).toMatchObject({
      status: 'failed',
      message: 'no record could be read: Record 1 (starting at byte offset 0) is larger than 64 MiB; it was skipped',
    });
    expectGoodLoaded(result, 'line.ndjson');
    expect(ms).toBeLessThan(20_000);
    expect(growth).toBeLessThan(MEMORY_BUDGET);
  }, 60_000);

  it('line.csv (a 300 MB CSV row with no line break): refused with the row named', async () => {
    const { result, ms, growth } = await drop('line.csv');
    expect(result.files.find((f) => f.name === 'line.csv')).toMatchObject({
      status: 'failed',
      message: 'CSV row 3 is longer than 4 MiB with no line break: this is not a CSV export Driftline can read.',
    });
    expectGoodLoaded(result, 'line.csv');
    expect(ms).toBeLessThan(20_000);
    expect(growth).toBeLessThan(MEMORY_BUDGET);
  }, 60_000);

  it('bomb.json.gz (5 MB expanding to 5 GB): stopped by the ratio guard with a message, nothing of it kept', async () => {
    const { result, ms, growth } = await drop('bomb.json.gz');
    const outcome = result.files.find((f) => f.name === 'bomb.json.gz');
    expect(outcome?.status).toBe('failed');
    expect(outcome?.message).toMatch(
      /^Stopped reading bomb\.json\.gz: [\d.]+ MiB of compressed data expanded to [\d.,]+ (MiB|GiB), more than 200 times its size\. That looks like a decompression bomb; if the file is genuine, raise the ratio limit\.$/,
    );
    expect(await rows("SELECT count(*) AS n FROM events WHERE event_id LIKE 'bomb%'")).toEqual([{ n: 0 }]);
    expectGoodLoaded(result, 'bomb.json.gz');
    expect(ms).toBeLessThan(20_000);
    expect(growth).toBeLessThan(MEMORY_BUDGET);
  }, 60_000);

  it('bomb-nested.json.gz.gz (the bomb gzipped again, kilobytes): not opened, and says why', async () => {
    const { result, ms } = await drop('bomb-nested.json.gz.gz');
    expect(result.files.find((f) => f.name === 'bomb-nested.json.gz.gz')).toMatchObject({
      status: 'failed',
      message: 'a gzip file inside a gzip file was not opened (nested compression is a decompression-bomb pattern); decompress the outer layer and drop the result',
    });
    expectGoodLoaded(result, 'bomb-nested.json.gz.gz');
    expect(ms).toBeLessThan(20_000);
  }, 60_000);

  it('ragged-big.csv (200,000 rows, every 7th short and every 11th long): the rest loads, each ragged line is rejected by number', async () => {
    const { result, ms } = await drop('ragged-big.csv');
    const { ragged } = cases['ragged-big.csv']!;
    const outcome = result.files.find((f) => f.name === 'ragged-big.csv');
    expect(outcome).toMatchObject({ status: 'loaded', rows: RAGGED_ROWS - ragged!, rejected: ragged });
    expectGoodLoaded(result, 'ragged-big.csv');
    // Data row i is line i + 1 of the file (the header is line 1).
    let sum = 0;
    for (let i = 1; i <= RAGGED_ROWS; i++) if (i % 7 === 0 || i % 11 === 0) sum += i + 1;
    expect(
      await rows(
        `SELECT count(*) AS n, sum(source_row) AS lines, count(*) FILTER (WHERE reason LIKE 'Expected Number of Columns: 7 Found: %') AS explained
           FROM rejected_rows JOIN evidence_files USING (file_id) WHERE name = 'ragged-big.csv'`,
      ),
    ).toEqual([{ n: ragged, lines: sum, explained: ragged }]);
    expect(ms).toBeLessThan(20_000);
  }, 60_000);

  it('the same cases at browser size: a 3 MB JSON record loads; a 3 MB CSV row is rejected by number, the rows around it load', async () => {
    const medium = writeLarge(path.join(dir, 'medium'), { lineMb: 3, bombGb: 0.1, raggedRows: 10 });
    const files = ['line.ndjson', 'line.csv'].map(async (name) => new File([await openAsBlob(medium[name as 'line.csv'].path)], `medium-${name}`));
    const result = (await addEvidenceFiles(services, await Promise.all(files), 'dropped'))!;
    expect(result.files.map((f) => [f.name, f.status, f.rows, f.rejected])).toEqual([
      ['medium-line.ndjson', 'loaded', 1, 0],
      ['medium-line.csv', 'loaded', 1, 1],
    ]);
    expect(await rows("SELECT source_row, reason FROM rejected_rows JOIN evidence_files USING (file_id) WHERE name = 'medium-line.csv'")).toEqual([
      { source_row: 3, reason: expect.stringMatching(/^Maximum line size of 2000000 bytes exceeded\. Actual Size:3000\d{3} bytes\.$/) },
    ]);
  }, 60_000);

  it('left the evidence loaded before every large case exactly as it was', async () => {
    expect(await earlierEvents()).toEqual(earlier);
  });
});
