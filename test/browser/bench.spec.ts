// The whole-path benchmark's own code path (scripts/bench/whole-path.mjs, on data from scripts/bench/generate.mjs) at a
// small size, so `npm run bench` cannot rot unnoticed. It asserts that the harness produced its figures and that the
// app behaved (every event committed, findings analysed, the snapshot saved), never how fast: timings belong to the
// benchmark. The register of the benchmark is left out here (it is derived with native DuckDB, not installed for tests).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureData } from '../../scripts/bench/generate.mjs';
import { runBrowserWholePath, WHOLE_PATH_STAGES } from '../../scripts/bench/whole-path.mjs';
import { expect, test } from './fixtures';

const EVENTS = 50_000;
let dataDir = '';
let data: Awaited<ReturnType<typeof ensureData>>;

test.beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'driftline-bench-spec-'));
  data = await ensureData({ dataDir, events: EVENTS, seed: 1 });
});

test.afterAll(() => {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

for (const dataset of ['csv', 'cloudtrail'] as const) {
  test(`the whole-path benchmark measures drop → findings of ${EVENTS.toLocaleString('en-US')} events (${dataset})`, async ({ context, server }) => {
    test.setTimeout(60_000);
    const files = dataset === 'csv' ? [data.csv.path] : data.cloudtrail.files;
    if (dataset === 'cloudtrail') expect(files.length).toBeGreaterThan(1);
    // The fixture's fresh context: the guard checks it for requests outside the origin, CSP violations and page errors.
    const r = await runBrowserWholePath({ context, url: server.url, files, expectEvents: EVENTS, timeoutMs: 45_000 });

    expect(r.failure).toBeNull();
    expect(r.problems).toEqual([]);
    expect(r.events).toBe(EVENTS);
    expect(r.files).toBe(files.length);
    expect(r.notice).toMatch(new RegExp(`^Imported ${files.length} of ${files.length} files?`));
    expect(r.findings).toBeGreaterThan(0);
    expect(r.measures.save?.detail).toMatchObject({ events: EVENTS });

    // Every stage the app reports is a finite, non-negative number; recognise/parse/load are optional in the measure.
    for (const { key, optional } of WHOLE_PATH_STAGES) {
      const v = r.stages[key];
      if (optional && v === null) continue;
      expect(Number.isFinite(v), `${key}: ${v}`).toBe(true);
      expect(v, key).toBeGreaterThanOrEqual(0);
    }
    for (const [name, v] of Object.entries({ dropToImportMs: r.dropToImportMs, dropToFindingsMs: r.dropToFindingsMs, dropToSavedMs: r.dropToSavedMs, betweenMs: r.betweenMs })) {
      expect(Number.isFinite(v), `${name}: ${v}`).toBe(true);
      expect(v, name).toBeGreaterThanOrEqual(0);
    }
    const importMs = r.stages.importMs!;
    expect(r.dropToFindingsMs!).toBeGreaterThanOrEqual(importMs + r.stages.detectMs! - 2);
    expect(r.dropToFindingsMs!).toBeGreaterThanOrEqual(importMs);
    expect(r.dropToSavedMs!).toBeGreaterThanOrEqual(importMs);
    expect(r.stages.readMs! + r.stages.commitMs! + r.stages.resolveMs!).toBeLessThanOrEqual(importMs + 2);
    expect(r.order).not.toBeNull();
    expect(r.dropToShownMs).not.toBeNull();

    expect(r.duckdbBytes).toBeGreaterThan(0);
    expect(r.savedBytes).toBeGreaterThan(0);
    expect(r.rendererPeakBytes).toBeGreaterThan(0);
    // DuckDB's wasm memory, as the engine reports it: whole 64 KiB pages, past DuckDB's initial 16 MiB, never smaller
    // once saved than after the import, and inside the renderer it is part of.
    expect(r.heapAfterImportBytes! % 65536).toBe(0);
    expect(r.heapAfterImportBytes).toBeGreaterThan(16 * 2 ** 20);
    expect(r.heapBytes).toBeGreaterThanOrEqual(r.heapAfterImportBytes!);
    expect(r.heapBytes).toBeLessThan(r.rendererPeakBytes!);
    expect(r.eventsPerSec).toBeGreaterThan(0);
    expect(r.outside).toEqual([]);
    expect(r.pageErrors).toEqual([]);
  });
}
