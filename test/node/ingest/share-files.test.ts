// How a drop is shared among ingest workers: about equal bytes per worker, every file once, drop order within a worker.
import { describe, expect, it } from 'vitest';
import { shareFiles } from '../../../src/ingest/worker-reader';

describe('shareFiles', () => {
  it('balances bytes, keeps each file once and in drop order within a group', () => {
    const sizes = [10, 80, 30, 30, 20, 5, 25];
    const groups = shareFiles(sizes, 2);
    expect(groups.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    for (const g of groups) expect([...g].sort((a, b) => a - b)).toEqual(g);
    const bytes = groups.map((g) => g.reduce((n, i) => n + sizes[i]!, 0));
    expect(Math.abs(bytes[0]! - bytes[1]!)).toBeLessThanOrEqual(10);
  });

  it('uses no more workers than files, and one for a single file', () => {
    expect(shareFiles([100], 4)).toEqual([[0]]);
    expect(shareFiles([1, 2], 4)).toHaveLength(2);
    expect(shareFiles([], 4)).toEqual([]);
  });
});
