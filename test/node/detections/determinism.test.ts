// The whole catalogue on the workshop sample is deterministic (same evidence + settings → same findings and uids), and a
// saved threshold change produces exactly the counts the tuning preview predicted, touching only that detection.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../src/detections/catalog';
import { DEFAULT_SETTINGS, previewTuning, runAnalysis, type AnalysisSettings } from '../../../src/detections/runner';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { ensureSchema } from '../../../src/ingest/commit';
import { importEvidence } from '../../../src/ingest/pipeline';
import { readEvidence } from '../../../src/ingest/reader';

const EVALUATED_AT = Date.UTC(2026, 3, 1);

describe('detections on the sample: determinism and tuning preview', () => {
  let engine: DuckEngine;
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'driftline-sample-'));
    execFileSync(process.execPath, ['sample-data/generate.mjs', '--out', dir], { stdio: 'pipe' });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
    engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
    await importEvidence(engine, manifest.files.map((f) => new File([readFileSync(path.join(dir, f.path))], f.path)), {
      reader: readEvidence,
      signal: new AbortController().signal,
    });
  }, 120_000);
  afterAll(() => engine.close());

  const snapshot = async () =>
    (await engine.queryRows('SELECT finding_uid, detection_id, entity_key, subject, risk_score, status, explanation FROM findings ORDER BY finding_uid')).rows;

  it('gives identical findings and uids when the same evidence is analysed twice', async () => {
    await runAnalysis(engine, CATALOGUE, DEFAULT_SETTINGS, { evaluatedAt: EVALUATED_AT });
    const first = await snapshot();
    await runAnalysis(engine, CATALOGUE, DEFAULT_SETTINGS, { evaluatedAt: EVALUATED_AT });
    expect(await snapshot()).toEqual(first);
    expect(first.length).toBeGreaterThan(10);
    expect(new Set(first.map((f) => f.finding_uid)).size).toBe(first.length);
  });

  it.each([
    ['a stricter rotation policy', (s: AnalysisSettings) => ({ ...s, params: { 'posture.stale_credential': { max_age_days: 30 } } }), 'posture.stale_credential'],
    ['a shorter dormancy period', (s: AnalysisSettings) => ({ ...s, params: { 'coverage.dormant': { dormant_days: 1 } } }), 'coverage.dormant'],
  ])('saving %s changes exactly what the preview predicted', async (_label, change, changedId) => {
    await runAnalysis(engine, CATALOGUE, DEFAULT_SETTINGS, { evaluatedAt: EVALUATED_AT });
    const before = await snapshot();
    const proposed = change(DEFAULT_SETTINGS);
    const preview = await previewTuning(engine, CATALOGUE, DEFAULT_SETTINGS, proposed, { evaluatedAt: EVALUATED_AT });
    // The preview saved nothing: the findings table is as it was.
    expect(await snapshot()).toEqual(before);
    expect(preview.proposed[changedId]).not.toBe(preview.current[changedId]);
    const after = await runAnalysis(engine, CATALOGUE, proposed, { evaluatedAt: EVALUATED_AT });
    expect(after.counts).toEqual(preview.proposed);
    const rows = await snapshot();
    const key = (f: Record<string, unknown>) => `${String(f.finding_uid)}|${String(f.explanation)}`;
    const changed = new Set([...before.filter((f) => !rows.some((g) => key(g) === key(f))), ...rows.filter((f) => !before.some((g) => key(g) === key(f)))].map((f) => f.detection_id));
    expect([...changed]).toEqual([changedId]);
  });
});
