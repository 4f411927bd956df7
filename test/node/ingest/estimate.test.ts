// The over-size estimate from file sizes alone: events from the first lines or the gzip trailer, memory needed against
// DuckDB's limit, and a narrower column set costing less.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { estimateImport, NARROW_SHARE, STAGED_BYTES_PER_EVENT, STORED_BYTES_PER_EVENT, ANALYSIS_BYTES_PER_EVENT, USABLE_SHARE, WORKING_BYTES } from '../../../src/ingest/estimate';

const csv = (rows: number) => ['time,actor,action', ...Array.from({ length: rows }, (_, i) => `2026-03-01T00:00:00Z,svc-${i % 9},s3:GetObject`)].join('\n') + '\n';
const memory = (limitBytes: number, usedBytes = 0) => ({ limitBytes, usedBytes, temporaryBytes: 0, heapBytes: null });

describe('estimateImport', () => {
  it('counts a plain CSV from its line length and a gzip file from its trailer', async () => {
    const text = csv(20_000);
    const plain = await estimateImport([new File([text], 'a.csv')], memory(4 * 1024 ** 3));
    expect(plain.events).toBeGreaterThan(19_000);
    expect(plain.events).toBeLessThan(21_000);
    const gz = await estimateImport([new File([gzipSync(Buffer.from(JSON.stringify({ Records: [] }).repeat(5000)))], 'b.json.gz')], memory(4 * 1024 ** 3));
    // 5000 × 14 bytes uncompressed, counted as ~1.1 KB records.
    expect(gz.files[0]?.textBytes).toBe(70_000);
    expect(gz.fits).toBe(true);
  });

  it('refuses what would not fit in the usable share of the memory limit, and a narrower set needs less', async () => {
    const file = new File([csv(20_000)], 'c.csv');
    const probe = await estimateImport([file], memory(0));
    expect(probe.fits).toBe(true); // no known limit: nothing to refuse on
    const perEvent = STORED_BYTES_PER_EVENT + ANALYSIS_BYTES_PER_EVENT + STAGED_BYTES_PER_EVENT;
    const needed = probe.events * perEvent + WORKING_BYTES;
    expect(probe.neededBytes).toBeCloseTo(needed, -2);
    const tight = await estimateImport([file], memory(needed / USABLE_SHARE - 1_000));
    expect(tight.fits).toBe(false);
    const narrow = await estimateImport([file], memory(needed / USABLE_SHARE - 1_000), true);
    expect(narrow.neededBytes).toBeCloseTo((needed - WORKING_BYTES) * NARROW_SHARE + WORKING_BYTES, -2);
    expect(narrow.fits).toBe(true);
    // What DuckDB already holds counts too.
    expect((await estimateImport([file], memory(needed / USABLE_SHARE + 1_000, 10_000))).fits).toBe(false);
  });
});
