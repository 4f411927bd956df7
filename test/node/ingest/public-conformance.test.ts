// Every public sample (../shared/data/public) through the whole import: each file recognised as its true kind and
// vendor, loaded, and its rejected rows explained. Field-level checks per vendor live in test/node/formats/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { ensureSchema } from '../../../src/ingest/commit';
import { importEvidence, type ImportReport } from '../../../src/ingest/pipeline';
import { readEvidence } from '../../../src/ingest/reader';

const ROOT = path.resolve('../shared/data/public');

function publicFiles(): File[] {
  const files: File[] = [];
  for (const dir of readdirSync(ROOT).sort()) {
    const full = path.join(ROOT, dir);
    if (!statSync(full).isDirectory()) continue;
    for (const name of readdirSync(full).sort()) files.push(new File([readFileSync(path.join(full, name))], `${dir}/${name}`));
  }
  return files;
}

describe('public samples through the import pipeline', () => {
  let engine: DuckEngine;
  let report: ImportReport;
  beforeAll(async () => {
    engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
    report = await importEvidence(engine, publicFiles(), { reader: readEvidence, signal: new AbortController().signal });
  }, 120_000);
  afterAll(() => engine.close());

  it('commits, and every file is what its folder says', () => {
    expect(report.status).toBe('committed');
    const vendorOf = (folder: string) => new Set(report.files.filter((f) => f.name.startsWith(`${folder}/`) && f.status === 'loaded').map((f) => f.info?.vendor));
    expect(vendorOf('grycap_cloudtrail')).toEqual(new Set(['AWS CloudTrail']));
    expect(vendorOf('stratus_red_team')).toEqual(new Set(['AWS CloudTrail']));
    expect(vendorOf('falco_k8s_audit')).toEqual(new Set(['Kubernetes audit log']));
    expect(vendorOf('github_audit')).toEqual(new Set(['GitHub audit log']));
    const panther = Object.fromEntries(report.files.filter((f) => f.name.startsWith('panther_fixtures/')).map((f) => [path.basename(f.name), f.info?.vendor]));
    expect(panther).toEqual({
      'AWS_CloudTrail.ndjson': 'AWS CloudTrail',
      'Amazon_EKS_Audit.ndjson': 'Kubernetes audit log',
      'Azure_Audit.ndjson': 'Microsoft Entra ID sign-ins',
      'GCP_AuditLog.ndjson': 'GCP Cloud Audit Logs',
      'GSuite_ActivityEvent.ndjson': 'Google Workspace',
      'GitHub_Audit.ndjson': 'GitHub audit log',
      'Okta_SystemLog.ndjson': 'Okta System Log',
      'Slack_AuditLogs.ndjson': 'Slack audit logs',
    });
  });

  it('fails only the deliberately invalid trace, and asks for a mapping only for the alert CSV with no clean actor column', () => {
    const notLoaded = report.files.filter((f) => f.status !== 'loaded').map((f) => [f.name, f.status]);
    expect(notLoaded).toEqual([
      ['falco_k8s_audit/fal_01_003.json', 'failed'], // {"kind": 0}: a negative test trace of Falco's
      ['otrf_s3_honeybucket/AWS_S3_HoneyBucketLogs.csv', 'needs-mapping'],
    ]);
  });

  it('loads every CloudTrail event of the real account, and explains every rejected row', async () => {
    const { rows } = await engine.queryRows(`
      SELECT sum(rows_loaded) FILTER (WHERE name LIKE 'grycap_cloudtrail/%') AS grycap,
             sum(rows_loaded + rows_duplicate) FILTER (WHERE name LIKE 'stratus_red_team/%') AS stratus,
             sum(rows_rejected) FILTER (WHERE name LIKE 'grycap_cloudtrail/%' OR name LIKE 'stratus_red_team/%') AS rejected
        FROM evidence_files`);
    // grycap: 6,192 records; some are the same event delivered twice (same eventID) and count as duplicates.
    const { rows: dups } = await engine.queryRows("SELECT sum(rows_duplicate) AS d FROM evidence_files WHERE name LIKE 'grycap_cloudtrail/%'");
    expect(Number(rows[0]?.grycap) + Number(dups[0]?.d)).toBe(6192);
    expect(rows[0]?.stratus).toBe(310); // one event id appears twice across technique files: loaded once
    expect(rows[0]?.rejected).toBe(0);
    const { rows: reasons } = await engine.queryRows('SELECT DISTINCT reason FROM rejected_rows ORDER BY 1');
    for (const r of reasons) expect(String(r.reason)).toMatch(/no parseable time|without|not |no /);
  });

  it('resolves nothing without an inventory: every actor is a shadow actor until a register arrives', async () => {
    const { rows } = await engine.queryRows("SELECT count(*) FILTER (WHERE resolution <> 'shadow') AS resolved, count(*) AS n FROM events");
    expect(rows[0]?.resolved).toBe(0);
    expect(Number(rows[0]?.n)).toBeGreaterThan(7000);
  });
});
