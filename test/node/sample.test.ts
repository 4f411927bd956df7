// The workshop sample is generated, not hand-written: same seed → same bytes, and the manifest tells the truth.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const generator = path.resolve('sample-data/generate.mjs');

function generate(seed: number): { dir: string; manifest: { seed: number; asOf: string; files: { path: string; bytes: number; sha256: string }[] } } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'driftline-sample-'));
  execFileSync(process.execPath, [generator, '--out', dir, '--seed', String(seed)], { stdio: 'pipe' });
  return { dir, manifest: JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) };
}

describe('sample-data/generate.mjs', () => {
  it('is deterministic for a seed and different for another', () => {
    const a = generate(1337);
    const b = generate(1337);
    const c = generate(7);
    expect(b.manifest).toEqual(a.manifest);
    expect(c.manifest.files.map((f) => f.sha256)).not.toEqual(a.manifest.files.map((f) => f.sha256));
  });

  it('writes every listed file with the listed size and hash, in every required kind', () => {
    const { dir, manifest } = generate(1337);
    expect(manifest.asOf).toBe('2026-03-31T23:59:59Z');
    for (const file of manifest.files) {
      const bytes = readFileSync(path.join(dir, file.path));
      expect(bytes.length, file.path).toBe(file.bytes);
      expect(createHash('sha256').update(bytes).digest('hex'), file.path).toBe(file.sha256);
    }
    const paths = manifest.files.map((f) => f.path);
    expect(paths).toContain('nhi-register.csv');
    expect(paths).toContain('change-windows.csv');
    expect(paths.some((p) => /^cloudtrail\/.*\.json\.gz$/.test(p))).toBe(true);
    expect(paths.some((p) => /^cloudtrail\/.*\.json$/.test(p))).toBe(true);
    expect(paths.some((p) => p.startsWith('okta/'))).toBe(true);
    expect(paths.some((p) => p.startsWith('github/'))).toBe(true);
  });
});
