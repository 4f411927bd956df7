// Conformance over the real public samples (../shared/data/public, see its PROVENANCE.md): every file is recognised as its true
// format, every record becomes events or a reject with a reason, and the counts below are exactly what the data holds.
// Most rejects are Panther rule-test fixtures that were written without a time field: they cannot be placed on a timeline.
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent, Platform, SourceFormat } from '../../../src/ingest/canonical';
import { MAX_TEXT } from '../../../src/ingest/formats/util';
import { dataPath, listData, readJsonArray, readNdjson, readRecordsGz, runFile, type FileRun } from './data';

const PLATFORM_OF: Record<SourceFormat, Platform> = {
  cloudtrail: 'aws',
  okta_system_log: 'okta',
  github_audit: 'github',
  entra_signin: 'entra',
  entra_audit: 'entra',
  gcp_audit: 'gcp',
  k8s_audit: 'k8s',
  google_workspace: 'google_workspace',
  slack_audit: 'slack',
  csv_mapped: 'other',
};

const STRING_FIELDS = [
  'event_id', 'actor', 'actor_alt', 'actor_type', 'account', 'credential_id', 'action', 'resource', 'resource_account', 'source_ip',
  'user_agent', 'error_code', 'session_type',
] as const;

/** What holds for every event whatever its source: a plausible UTC time, a consistent platform, trimmed non-empty strings. */
function expectWellFormed(events: CanonicalEvent[], file: string): void {
  for (const e of events) {
    expect(Number.isFinite(e.event_time)).toBe(true);
    expect(e.event_time).toBeGreaterThan(Date.UTC(1990, 0, 1));
    expect(e.event_time).toBeLessThan(Date.UTC(2100, 0, 1));
    expect(e.platform).toBe(PLATFORM_OF[e.source_format]);
    expect(e.source_file).toBe(file);
    expect(e.source_row).toBeGreaterThan(0);
    expect([null, 'success', 'failure']).toContain(e.outcome);
    for (const key of STRING_FIELDS) {
      const v = e[key];
      if (v === null) continue;
      expect(typeof v).toBe('string');
      expect(v).toBe(v.trim());
      expect(v.length).toBeGreaterThan(0);
      expect(v.length).toBeLessThanOrEqual(MAX_TEXT + 1);
    }
    for (const key of ['bytes', 'records'] as const) {
      if (e[key] !== null) expect(Number.isFinite(e[key])).toBe(true);
    }
  }
}

function panther(file: string): FileRun {
  return runFile(file, readNdjson(dataPath('panther_fixtures', file)));
}

describe('Panther rule-test fixtures (one event per line)', () => {
  it('AWS_CloudTrail: 461 records → 445 events', () => {
    const run = panther('AWS_CloudTrail.ndjson');
    expect(run.format?.format).toBe('cloudtrail');
    expect(run.confidence).toBeGreaterThan(0.9);
    expect(run.events).toHaveLength(445);
    expect(run.empty).toBe(0);
    // 35–38, 95, 395–399, 452: fixtures without any time; 328: eventTime "redacted"; 458: no time; 461: eventTime "...".
    // 334, 335: S3 events written without eventSource (the action's service is unknown).
    expect(run.rejects).toEqual({ 'no parseable time': 14, 'not a CloudTrail record (no eventSource/eventName)': 2 });
    expect(run.rejectedRows).toEqual([35, 36, 37, 38, 95, 328, 334, 335, 395, 396, 397, 398, 399, 452, 458, 461]);
    expect(new Set(run.events.map((e) => e.source_format))).toEqual(new Set(['cloudtrail']));
    expectWellFormed(run.events, 'AWS_CloudTrail.ndjson');
    // Ten fixtures have no userIdentity at all (AwsServiceEvent samples, lowercase-key rows): the event stays, the actor is unknown.
    expect(run.events.filter((e) => e.actor === null).map((e) => e.source_row)).toEqual([34, 81, 90, 96, 128, 130, 208, 209, 210, 413]);
  });

  it('Amazon_EKS_Audit: 257 records → 21 events (EKS, AKS-wrapped and GKE-form Kubernetes events in one file)', () => {
    const run = panther('Amazon_EKS_Audit.ndjson');
    expect(run.format?.format).toBe('k8s_audit');
    expect(run.events).toHaveLength(21);
    // The fixtures are mostly bare `requestObject` shapes written for rule logic, with no requestReceivedTimestamp/stageTimestamp:
    // 235 cannot be timed. Row 84 is an Azure Activity Log record (category Administrative), not a Kubernetes audit event.
    expect(run.rejects).toEqual({ 'no parseable time': 235, 'not a Kubernetes audit event (needs kind: Event of audit.k8s.io)': 1 });
    expect(run.rejectedRows).toContain(84);
    expect(run.events.map((e) => e.source_row)).toEqual([1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 27, 30, 133, 137, 139]);
    expect(new Set(run.events.map((e) => e.source_format))).toEqual(new Set(['k8s_audit']));
    expectWellFormed(run.events, 'Amazon_EKS_Audit.ndjson');
  });

  it('Azure_Audit: 47 records → 47 events (26 sign-ins incl. 8 service-principal, 21 directory audits)', () => {
    const run = panther('Azure_Audit.ndjson');
    expect(run.format?.platform).toBe('entra');
    // More sign-ins than audits, so the sign-in format wins; the shared normaliser reads both kinds.
    expect(run.format?.format).toBe('entra_signin');
    expect(run.rejects).toEqual({});
    expect(run.events).toHaveLength(47);
    expect(run.events.filter((e) => e.source_format === 'entra_signin')).toHaveLength(26);
    expect(run.events.filter((e) => e.source_format === 'entra_audit')).toHaveLength(21);
    expect(run.events.filter((e) => e.actor_type === 'ServicePrincipal' && e.source_format === 'entra_signin')).toHaveLength(8);
    expectWellFormed(run.events, 'Azure_Audit.ndjson');
  });

  it('GCP_AuditLog: 168 records → 145 events (133 GCP, 12 GKE Kubernetes entries)', () => {
    const run = panther('GCP_AuditLog.ndjson');
    expect(run.format?.format).toBe('gcp_audit');
    expect(run.events).toHaveLength(145);
    expect(run.events.filter((e) => e.source_format === 'gcp_audit')).toHaveLength(133);
    expect(run.events.filter((e) => e.source_format === 'k8s_audit')).toHaveLength(12);
    // 39/40/44/45/49/50: a bare `{methodName}` and 149/150: a bare `{operation}`, with no protoPayload;
    // 5/10/31/69/70/102/106/131: a protoPayload without methodName (the operation is unknown);
    // 29/147/148/153/154/158/159: no timestamp (147/148 put it inside protoPayload, where a LogEntry never has it).
    expect(run.rejects).toEqual({
      'GCP audit entry without methodName': 8,
      'no parseable time': 7,
      'not a GCP audit log entry (no protoPayload)': 8,
    });
    expectWellFormed(run.events, 'GCP_AuditLog.ndjson');
  });

  it('GSuite_ActivityEvent: 157 records → 94 events', () => {
    const run = panther('GSuite_ActivityEvent.ndjson');
    expect(run.format?.format).toBe('google_workspace');
    // 63 fixtures have no id.time (and no p_event_time).
    expect(run.rejects).toEqual({ 'no parseable time': 63 });
    expect(run.events).toHaveLength(94);
    expectWellFormed(run.events, 'GSuite_ActivityEvent.ndjson');
  });

  it('GitHub_Audit: 101 records → 71 events', () => {
    const run = panther('GitHub_Audit.ndjson');
    expect(run.format?.format).toBe('github_audit');
    // 26 fixtures have no time field at all; 55/56/58/59 write created_at "2024-12-17 00:00:00000000" (no seconds separator).
    expect(run.rejects).toEqual({ 'no parseable time': 30 });
    expect(run.rejectedRows).toEqual(expect.arrayContaining([55, 56, 58, 59]));
    expect(run.events).toHaveLength(71);
    expectWellFormed(run.events, 'GitHub_Audit.ndjson');
  });

  it('Okta_SystemLog: 66 records → 58 events', () => {
    const run = panther('Okta_SystemLog.ndjson');
    expect(run.format?.format).toBe('okta_system_log');
    // 41–44, 50, 51, 53, 61: no `published`.
    expect(run.rejects).toEqual({ 'no parseable time': 8 });
    expect(run.rejectedRows).toEqual([41, 42, 43, 44, 50, 51, 53, 61]);
    expect(run.events).toHaveLength(58);
    expectWellFormed(run.events, 'Okta_SystemLog.ndjson');
  });

  it('Slack_AuditLogs: 66 records → 34 events', () => {
    const run = panther('Slack_AuditLogs.ndjson');
    expect(run.format?.format).toBe('slack_audit');
    // 32 fixtures have no date_create.
    expect(run.rejects).toEqual({ 'no parseable time': 32 });
    expect(run.events).toHaveLength(34);
    expectWellFormed(run.events, 'Slack_AuditLogs.ndjson');
  });
});

describe('Stratus Red Team detonation logs (CloudTrail as bare JSON arrays)', () => {
  it('every one of the 35 files is CloudTrail and all 310 events load', () => {
    const files = listData('stratus_red_team');
    expect(files).toHaveLength(35);
    let events = 0;
    for (const file of files) {
      const run = runFile(file, readJsonArray(dataPath('stratus_red_team', file)));
      expect(run.format?.format, file).toBe('cloudtrail');
      expect(run.rejects, file).toEqual({});
      expectWellFormed(run.events, file);
      events += run.events.length;
    }
    expect(events).toBe(310);
  });
});

describe('grycap CloudTrail S3 delivery files ({"Records": [...]}, gzip)', () => {
  it('all 691 files are CloudTrail; 6,192 records → 6,192 events, none rejected', () => {
    const files = listData('grycap_cloudtrail');
    expect(files).toHaveLength(691);
    let records = 0;
    let events = 0;
    const actors = new Set<string>();
    for (const file of files) {
      const recs = readRecordsGz(dataPath('grycap_cloudtrail', file));
      const run = runFile(file, recs);
      expect(run.format?.format, file).toBe('cloudtrail');
      expect(run.rejects, file).toEqual({});
      expectWellFormed(run.events, file);
      records += recs.length;
      events += run.events.length;
      for (const e of run.events) if (e.actor !== null) actors.add(e.actor);
    }
    expect(records).toBe(6192);
    expect(events).toBe(6192);
    // 76 distinct actors: 70 IAM users, the OpsWorks service role (its sessions resolve to it), root, and four sign-in records that
    // carry only a principal id (AIDA…) or "HIDDEN_DUE_TO_SECURITY_REASONS" where CloudTrail withholds the ARN.
    expect(actors.size).toBe(76);
    expect(actors).toContain('HIDDEN_DUE_TO_SECURITY_REASONS');
    expect([...actors].filter((a) => a.includes(':user/'))).toHaveLength(70);
  });
});

describe('falco Kubernetes audit traces (NDJSON)', () => {
  it('46 of 47 files are Kubernetes audit: 51 events; fal_01_003.json ({"kind": 0}) is recognised as nothing', () => {
    const files = listData('falco_k8s_audit');
    expect(files).toHaveLength(47);
    let events = 0;
    for (const file of files) {
      const run = runFile(file, readNdjson(dataPath('falco_k8s_audit', file)));
      if (file === 'fal_01_003.json') {
        expect(run.format).toBeNull();
        continue;
      }
      expect(run.format?.format, file).toBe('k8s_audit');
      expect(run.rejects, file).toEqual({});
      expect(run.empty, file).toBe(0);
      expectWellFormed(run.events, file);
      events += run.events.length;
    }
    expect(events).toBe(51);
  });
});

describe('GitHub audit-log export (Azure Sentinel sample)', () => {
  it('13 records → 13 events', () => {
    const file = 'azure_sentinel_Github_sample_logs.subset.ndjson';
    const run = runFile(file, readNdjson(dataPath('github_audit', file)));
    expect(run.format?.format).toBe('github_audit');
    expect(run.confidence).toBe(1);
    expect(run.rejects).toEqual({});
    expect(run.events).toHaveLength(13);
    expectWellFormed(run.events, file);
  });
});
