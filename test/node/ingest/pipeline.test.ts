// The whole import path in Node, on real files: the workshop sample, the public conformance samples, zip and gzip
// containers, hostile files in the same drop, and cancel leaving the workspace as it was.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { ensureSchema } from '../../../src/ingest/commit';
import { importEvidence } from '../../../src/ingest/pipeline';
import { readEvidence } from '../../../src/ingest/reader';

const PUBLIC = path.resolve('../shared/data/public');

function sampleFiles(): File[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'driftline-sample-'));
  execFileSync(process.execPath, ['sample-data/generate.mjs', '--out', dir], { stdio: 'pipe' });
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
  return manifest.files.map((f) => new File([readFileSync(path.join(dir, f.path))], f.path));
}

const fileOf = (p: string) => new File([readFileSync(p)], path.basename(p));

describe('import pipeline (Node)', () => {
  let engine: DuckEngine;
  beforeAll(async () => {
    engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
  });
  afterAll(() => engine.close());
  const one = async (sql: string) => (await engine.queryRows(sql)).rows[0] ?? {};

  it('loads the whole workshop sample: every file recognised, every event kept, the shadow actor found', async () => {
    const files = sampleFiles();
    const report = await importEvidence(engine, files, { reader: readEvidence, signal: new AbortController().signal });
    expect(report.error).toBeNull();
    expect(report.status).toBe('committed');
    const notLoaded = report.files.filter((f) => f.status !== 'loaded');
    expect(notLoaded).toEqual([]);
    expect(report.files).toHaveLength(files.length);
    expect(report.summary?.events).toBe(15_097);
    expect(await one('SELECT count(*) AS n FROM identities')).toEqual({ n: 20 });
    expect(await one('SELECT count(*) AS n FROM changes')).toEqual({ n: 4 });
    const kinds = await engine.queryRows('SELECT vendor, count(*) AS files, sum(rows_loaded) AS rows FROM evidence_files GROUP BY vendor ORDER BY vendor');
    expect(kinds.rows.map((r) => r.vendor)).toEqual(expect.arrayContaining(['AWS CloudTrail', 'Okta System Log', 'GitHub audit log', 'NHI register', 'Change windows']));
    // Planted incident (e): a key not in the register is a shadow actor; every other actor resolves.
    const shadows = await engine.queryRows("SELECT DISTINCT actor FROM events WHERE identity_key IS NULL");
    expect(shadows.rows.map((r) => String(r.actor))).toEqual([expect.stringContaining('tmp-migration-user')]);
    const times = await one('SELECT min(event_time) AS first, max(event_time) AS last FROM events');
    expect(times.last).toBe('2026-03-31T23:59:59.000Z');
  });
});
