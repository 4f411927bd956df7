// The findings-queue benchmark's own code path (scripts/bench/queue-measure.mjs, the evidence of
// scripts/bench/queue-data.mjs) at a small size, so `npm run bench:queue` cannot rot unnoticed. It asserts that the harness
// produced its numbers and that the queue behaved (filters, jumps, keys, bulk triage), never how fast: timings belong to
// the benchmark.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureQueueData, identitiesFor } from '../../scripts/bench/queue-data.mjs';
import { FILTER_MEASURES, importQueueEvidence, measureQueue, QUEUE_MEASURES } from '../../scripts/bench/queue-measure.mjs';
import { engineReady, expect, test } from './fixtures';

test('the queue benchmark harness measures every control on ~5,000 findings from real analysis', async ({ app }) => {
  test.setTimeout(300_000);
  await app.setViewportSize({ width: 1280, height: 800 });
  await engineReady(app);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'driftline-queue-spec-'));
  try {
    const data = ensureQueueData({ dataDir, identities: identitiesFor(5000) });
    const imported = await importQueueEvidence(app, data.files, { timeoutMs: 180_000 });
    expect(imported.findings).toBeGreaterThanOrEqual(5000);
    expect(imported.events).toBe(data.events.rows);

    const result = await measureQueue(app, { runs: 1, bulk: 1000, keys: 4 });
    expect(result.shown).toBeGreaterThan(1000);
    expect(Object.keys(result.measures)).toEqual(QUEUE_MEASURES);
    for (const name of QUEUE_MEASURES) {
      const values = result.measures[name]!;
      expect(values.length, name).toBeGreaterThan(0);
      for (const v of values) {
        expect(Number.isFinite(v), `${name}: ${v}`).toBe(true);
        expect(v, name).toBeGreaterThanOrEqual(0);
      }
    }
    expect(FILTER_MEASURES.length).toBe(14);
    expect(result.details.smooth[0]!.frames).toBeGreaterThan(10);
    expect(result.details.bulk[0]).toMatchObject({ selected: 1000, status: 'escalated', findings: 1000 });

    // The bulk status stuck: the triage filter counts 1,000 escalated findings, and the queue shows exactly those.
    const filters = app.getByRole('search', { name: 'Filter findings' });
    await expect(filters.getByRole('combobox', { name: 'Triage', exact: true }).getByRole('option', { name: 'Escalated (1,000)' })).toBeAttached();
    await filters.getByRole('combobox', { name: 'Triage', exact: true }).selectOption('escalated');
    await expect(app.getByRole('status', { name: 'Queue status' })).toHaveText(/^1,000 findings shown/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
