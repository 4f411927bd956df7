// coverage.*: the inventory reconciled with the logs. Every detection with a positive case and its look-alike negatives, the
// explanation values and the evidence query (which must return exactly the evidence events); then the whole catalogue over the
// workshop sample, where each planted coverage incident must be found on the right identity and nothing else.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../src/detections/catalog';
import { COVERAGE } from '../../../src/detections/catalog/coverage';
import { DEFAULT_SETTINGS, runAnalysis, type AnalysisSettings } from '../../../src/detections/runner';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import type { CanonicalEvent } from '../../../src/ingest/canonical';
import { ensureSchema } from '../../../src/ingest/commit';
import { importEvidence } from '../../../src/ingest/pipeline';
import { readEvidence } from '../../../src/ingest/reader';
import { AS_OF, DAY, DETECTION_START, HOUR, daily, event, evidenceOf, findings as runFindings, identity, workspace, type Finding } from './harness';

const ACCOUNT = '111122223333';
const arn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
/** A time `daysAgo` whole days before AS_OF's day, at hh:mm UTC. */
const at = (daysAgo: number, hour = 2, minute = 0) => Math.floor((AS_OF - daysAgo * DAY) / DAY) * DAY + hour * HOUR + minute * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const FIXED: Partial<AnalysisSettings> = { asOf: iso(AS_OF) };
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36';

/** One detection's findings with the as-of pinned to AS_OF (unless the settings say otherwise). */
const findings = (engine: DuckEngine, id: string, settings: Partial<AnalysisSettings> = {}) => runFindings(engine, id, { ...FIXED, ...settings });
const detail = (f: Finding | undefined, key: string) => (f?.details as Record<string, string> | undefined)?.[key];

describe('coverage catalogue metadata', () => {
  it('has every coverage id of the spec with its framework references', () => {
    const byId = Object.fromEntries(COVERAGE.map((d) => [d.id, d]));
    expect(Object.keys(byId).sort()).toEqual([
      'coverage.credential_reuse', 'coverage.dormant', 'coverage.human_use', 'coverage.owner_departed_active',
      'coverage.shadow_identity', 'coverage.unused_permission', 'coverage.used_outside_grant',
    ]);
    const refs = Object.fromEntries(COVERAGE.map((d) => [d.id, [d.owasp, d.nist]]));
    expect(refs).toEqual({
      'coverage.dormant': [['NHI1'], ['ID.AM-08']],
      'coverage.shadow_identity': [[], ['ID.AM-02', 'ID.AM-08']],
      'coverage.unused_permission': [['NHI5'], ['PR.AA-05']],
      'coverage.used_outside_grant': [['NHI5'], ['PR.AA-05']],
      'coverage.owner_departed_active': [['NHI1'], ['DE.CM-03']],
      'coverage.human_use': [['NHI10'], ['DE.CM-03']],
      'coverage.credential_reuse': [['NHI8', 'NHI9'], ['DE.CM-09']],
    });
    expect(byId['coverage.dormant']?.params).toEqual([expect.objectContaining({ name: 'dormant_days', default: 30 })]);
    expect(byId['coverage.credential_reuse']?.params.map((p) => [p.name, p.default])).toEqual([['window_minutes', 30], ['min_networks', 2], ['min_ua_families', 2]]);
    for (const d of COVERAGE) {
      expect(d.family).toBe('coverage');
      expect(d.usesBaseline).toBe(false);
      expect(d.sql).toMatch(/^-- coverage\./);
      expect(CATALOGUE).toContain(d);
    }
  });
});

describe('coverage.dormant', () => {
  let engine: DuckEngine;
  afterEach(() => engine?.close());
  const BUSY = arn('busy'), OLD = arn('old-job'), NEVER = arn('never-used'), BURSTY = arn('bursty'), REPORTED = arn('reported');

  it('fires on silence and on an identity never seen at all; not on a bursty identity active 29 days ago or one the credential report saw 5 days ago', async () => {
    engine = await workspace({
      identities: [
        identity({ identity_key: BUSY, name: 'busy' }),
        identity({ identity_key: OLD, name: 'old-job', criticality: 'high' }),
        identity({ identity_key: NEVER, name: 'never-used', created_at: AS_OF - 400 * DAY }),
        identity({ identity_key: BURSTY, name: 'bursty' }),
        identity({ identity_key: REPORTED, name: 'reported', last_used_at: AS_OF - 5 * DAY }),
        identity({ identity_key: arn('fresh'), name: 'fresh', created_at: AS_OF - 10 * DAY }),
        identity({ identity_key: arn('alice'), name: 'alice', kind: 'IAM user (console)' }),
        identity({ identity_key: 'okta:acme:svc-app', name: 'svc-app', platform: 'okta', account: 'acme.okta.com' }),
      ],
      events: [
        ...daily(BUSY, { daysBack: [60, 0] }),
        ...daily(OLD, { daysBack: [60, 40], over: { action: 's3:PutObject' } }),
        // Bursty: 40 events every ten days, the last burst 29 days before as-of.
        ...[59, 49, 39, 29].flatMap((d) => daily(BURSTY, { daysBack: [d, d - 1], perDay: 40 })),
      ],
    });
    const found = await findings(engine, 'coverage.dormant');
    expect(found.map((f) => f.identity_name)).toEqual(['never-used', 'old-job']);
    const [never, old] = found;
    expect(old).toMatchObject({
      identity_key: OLD, subject: '', evidence_count: 0, first_seen: null, last_seen: null, status: 'open', severity: 'low',
      observed: `no activity for 41 days: last event ${iso(at(41)).slice(0, 16).replace('T', ' ')} UTC (s3:PutObject)`,
      threshold: 'no activity for 30 days before as-of (2026-03-31 23:59 UTC)',
      declared: 'IAM user created 2025-09-12',
    });
    expect(detail(old, 'days_silent')).toBe('41');
    expect(detail(old, 'last_event')).toBe(iso(at(41)).slice(0, 19).replace('T', ' '));
    expect(Number(old?.risk_score)).toBeGreaterThan(25 * 1.2);
    expect(never).toMatchObject({
      identity_key: NEVER, evidence_count: 0,
      observed: 'no activity in the evidence or the inventory: no event of IAM user never-used in 61 days of aws logs and no last-used date',
    });
    expect(detail(never, 'days_silent')).toBe('');
    expect(String(never?.risk_formula)).toContain('(intensity 1.0)');
    // The evidence of an inventory finding is the inventory row itself.
    const rows = await evidenceOf(engine, old!);
    expect(rows.map((r) => r.identity_key)).toEqual([OLD]);
  });

  it('counts the inventory last-used date as activity, and says so when it is old', async () => {
    engine = await workspace({
      identities: [
        identity({ identity_key: arn('busy'), name: 'busy' }),
        identity({ identity_key: arn('report-old'), name: 'report-old', last_used_at: AS_OF - 75 * DAY }),
        identity({ identity_key: arn('report-new'), name: 'report-new', last_used_at: AS_OF - 5 * DAY }),
      ],
      events: daily(arn('busy'), { daysBack: [20, 0] }),
    });
    const found = await findings(engine, 'coverage.dormant');
    // Only 20 days of logs: the never-seen report-new is judged by its last-used date (5 days: active) and report-old by its (75 days).
    expect(found.map((f) => f.identity_name)).toEqual(['report-old']);
    expect(found[0]?.observed).toMatch(/^no activity for 75 days: inventory last used \d{4}-\d{2}-\d{2}; no event in 21 days of aws logs$/);
  });

  it('does not call an identity dormant when its platform has no logs covering the period, and honours the dormancy setting', async () => {
    engine = await workspace({
      identities: [identity({ identity_key: arn('busy'), name: 'busy' }), identity({ identity_key: arn('old-job'), name: 'old-job' }),
        identity({ identity_key: 'okta:acme:svc-app', name: 'svc-app', platform: 'okta' })],
      events: [...daily(arn('busy'), { daysBack: [60, 0] }), ...daily(arn('old-job'), { daysBack: [60, 41] })],
    });
    expect((await findings(engine, 'coverage.dormant')).map((f) => f.identity_name)).toEqual(['old-job']);
    expect(await findings(engine, 'coverage.dormant', { params: { 'coverage.dormant': { dormant_days: 45 } } })).toEqual([]);
    const perIdentity = await findings(engine, 'coverage.dormant', {
      overrides: [{ detectionId: 'coverage.dormant', identityKey: arn('old-job'), param: 'dormant_days', value: 60 }],
    });
    expect(perIdentity).toEqual([]);
  });
});

describe('coverage.shadow_identity', () => {
  let engine: DuckEngine;
  afterEach(() => engine?.close());
  const GHOST = arn('ghost');

  it('reports one finding per shadow actor with its credentials, span, actions and sources; never a resolved identity or AWS itself', async () => {
    const ghost = (t: number, over: Partial<CanonicalEvent> = {}) => event({ event_time: t, actor: GHOST, credential_id: 'AKIAGHOST0000000001', ...over });
    engine = await workspace({
      identities: [identity({ identity_key: arn('known'), name: 'known' })],
      aliases: [{ identity_key: arn('known'), alias: arn('known'), alias_type: 'arn' }, { identity_key: arn('known'), alias: 'AKIAKNOWN0000000001', alias_type: 'access_key_id' }],
      events: [
        ...daily(arn('known'), { daysBack: [30, 0] }),
        // Resolved through its key alone (no actor string): not a shadow.
        event({ event_time: at(3), actor: null, credential_id: 'AKIAKNOWN0000000001' }),
        ghost(at(12, 15)), ghost(at(12, 15, 5), { action: 's3:ListBuckets' }), ghost(at(3, 16), { source_ip: '198.51.100.77' }),
        ghost(at(2, 16)), ghost(at(1, 16), { action: 'iam:CreateAccessKey', is_write: true }),
        // The cloud provider's own service principal is not an identity anyone registers.
        event({ event_time: at(2, 3), actor: 'lambda.amazonaws.com', actor_type: 'AWSService' }),
      ],
    });
    const found = await findings(engine, 'coverage.shadow_identity');
    expect(found).toHaveLength(1);
    const [f] = found;
    expect(f).toMatchObject({
      entity_key: `shadow:${GHOST}`, identity_key: null, identity_name: GHOST, shadow: true, subject: '', severity: 'high',
      evidence_count: 5, first_seen: iso(at(12, 15)), last_seen: iso(at(1, 16)),
      threshold: 'every actor in the logs resolves to exactly one inventory identity',
    });
    expect(f?.observed).toBe(
      `5 events between ${iso(at(12, 15)).slice(0, 16).replace('T', ' ')} UTC and ${iso(at(1, 16)).slice(0, 16).replace('T', ' ')} UTC by ${GHOST}, ` +
        'which matches no inventory identity: s3:GetObject ×3, iam:CreateAccessKey ×1, s3:ListBuckets ×1 from 10.0.0.1, 198.51.100.77 ' +
        'with credential AKIAGHOST0000000001; 3 in the detection window',
    );
    expect(detail(f, 'credential_ids')).toBe('AKIAGHOST0000000001');
    expect(detail(f, 'source_ips')).toBe('10.0.0.1; 198.51.100.77');
    expect(detail(f, 'resolution')).toBe('shadow');
    expect(String(f?.risk_formula)).toContain('(intensity 1.0)');
    const evidence = await evidenceOf(engine, f!);
    expect(evidence).toHaveLength(5);
    expect(new Set(evidence.map((e) => e.actor))).toEqual(new Set([GHOST]));
  });

  it('says so when an actor matches several inventory identities (ambiguous) instead of guessing', async () => {
    const DEPLOY = role('deploy');
    engine = await workspace({
      identities: [
        identity({ identity_key: 'reg:deploy-a', name: 'deploy', kind: 'IAM role', account: null }),
        identity({ identity_key: 'reg:deploy-b', name: 'deploy', kind: 'IAM role', account: null, environment: 'dev' }),
      ],
      events: daily(DEPLOY, { daysBack: [5, 0] }),
    });
    const [f, ...rest] = await findings(engine, 'coverage.shadow_identity');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ entity_key: `shadow:${DEPLOY}`, evidence_count: 5 });
    expect(f?.observed).toContain('whose name matches 2 inventory identities (reg:deploy-a, reg:deploy-b) so its activity is attributed to none');
    expect(detail(f, 'resolution')).toBe('ambiguous');
    expect(await evidenceOf(engine, f!)).toHaveLength(5);
  });
});

describe('coverage.unused_permission', () => {
  let engine: DuckEngine;
  afterEach(() => engine?.close());

  it('lists the grants never exercised, with wildcards, renamed CloudTrail actions and case differences counted as use', async () => {
    const SYNC = arn('sync'), WILD = arn('wild'), ADMIN = role('admin'), MAPPED = arn('mapped');
    engine = await workspace({
      identities: [
        identity({ identity_key: SYNC, name: 'sync', permissions: ['s3:GetObject', 'S3:putobject', 'kms:Decrypt', 'ec2:Describe*', 'iam:PassRole', 'dynamodb:GetItem'] }),
        identity({ identity_key: WILD, name: 'wild', permissions: ['s3:*'] }),
        identity({ identity_key: ADMIN, name: 'admin', kind: 'IAM role', permissions: ['*'] }),
        identity({ identity_key: MAPPED, name: 'mapped', permissions: ['s3:ListAllMyBuckets', 's3:PutLifecycleConfiguration', 's3:GetObject'] }),
        // No events at all: that is dormancy, not unused grants.
        identity({ identity_key: arn('idle'), name: 'idle', permissions: ['s3:GetObject'] }),
      ],
      events: [
        ...daily(SYNC, { daysBack: [40, 0] }),
        ...daily(SYNC, { daysBack: [20, 15], over: { action: 's3:PutObject', is_write: true } }),
        ...daily(SYNC, { daysBack: [10, 9], over: { action: 'ec2:DescribeInstances' } }),
        ...daily(WILD, { daysBack: [40, 30], over: { action: 's3:DeleteObject' } }),
        ...daily(ADMIN, { daysBack: [40, 39], over: { action: 'iam:GetRole' } }),
        ...daily(MAPPED, { daysBack: [40, 38], over: { action: 's3:ListBuckets' } }),
        ...daily(MAPPED, { daysBack: [20, 19], over: { action: 's3:PutBucketLifecycle', is_write: true } }),
        ...daily(MAPPED, { daysBack: [5, 4] }),
      ],
    });
    const found = await findings(engine, 'coverage.unused_permission');
    expect(found.map((f) => f.identity_name)).toEqual(['sync']);
    const [f] = found;
    expect(f).toMatchObject({
      identity_key: SYNC, subject: '', evidence_count: 0, severity: 'low',
      observed: '1 of 4 judged grants never exercised in 41 days of aws logs: kms:Decrypt; exercised: s3:GetObject (40), S3:putobject (5), ec2:Describe* (1)',
      declared:
        '6 recorded grants: S3:putobject; dynamodb:GetItem; ec2:Describe*; iam:PassRole; kms:Decrypt; s3:GetObject ' +
        '(not judged: dynamodb:GetItem: the loaded trail holds no dynamodb item-level data events; iam:PassRole: CloudTrail never logs this action)',
    });
    expect(detail(f, 'unused')).toBe('kms:Decrypt');
    expect(detail(f, 'judged')).toBe('4');
    expect(f?.evidence_sql).toContain('FROM identities');
  });

  it('judges Okta manage scopes by event family, never read scopes, and waits for enough logs', async () => {
    const APP = 'okta:acme:hr-sync';
    engine = await workspace({
      identities: [identity({ identity_key: APP, name: 'hr-sync', platform: 'okta', kind: 'OAuth service app', permissions: ['okta.users.manage', 'okta.groups.manage', 'okta.users.read'] })],
      events: daily(APP, { daysBack: [30, 0], over: { platform: 'okta', source_format: 'okta_system_log', action: 'user.lifecycle.create' } }),
    });
    const [f, ...rest] = await findings(engine, 'coverage.unused_permission');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ identity_key: APP });
    expect(f?.observed).toBe('1 of 2 judged grants never exercised in 31 days of okta logs: okta.groups.manage; exercised: okta.users.manage (30)');
    expect(f?.declared).toContain('okta.users.read: reads are not recorded in the audit log');
    // With fewer days of logs than the minimum, nothing is judged.
    expect(await findings(engine, 'coverage.unused_permission', { params: { 'coverage.unused_permission': { min_observed_days: 45 } } })).toEqual([]);
  });
});

describe('coverage.used_outside_grant', () => {
  let engine: DuckEngine;
  afterEach(() => engine?.close());

  it('fires per action not covered by any grant, counting only successful calls; wildcards and renamed S3 actions are covered', async () => {
    const CI = arn('ci'), WILD = arn('wild'), BACKUP = role('backup'), OPEN = arn('no-grants'), POLICY = arn('managed');
    engine = await workspace({
      identities: [
        identity({ identity_key: CI, name: 'ci', permissions: ['s3:GetObject', 'ecr:PutImage'] }),
        identity({ identity_key: WILD, name: 'wild', permissions: ['S3:*', 'ec2:Describe*'] }),
        identity({ identity_key: BACKUP, name: 'backup', kind: 'IAM role', permissions: ['s3:GetLifecycleConfiguration', 's3:PutLifecycleConfiguration', 's3:ListAllMyBuckets'] }),
        identity({ identity_key: OPEN, name: 'no-grants', permissions: [] }),
        identity({ identity_key: POLICY, name: 'managed', permissions: ['ReadOnlyAccess'] }),
      ],
      events: [
        ...daily(CI, { daysBack: [20, 0] }),
        event({ event_time: at(2, 3, 0), actor: CI, action: 'iam:CreateAccessKey', is_write: true }),
        event({ event_time: at(2, 3, 1), actor: CI, action: 'iam:CreateAccessKey', is_write: true, outcome: 'failure', error_code: 'AccessDenied' }),
        event({ event_time: at(2, 3, 2), actor: CI, action: 'iam:CreateAccessKey', is_write: true }),
        event({ event_time: at(2, 3, 3), actor: CI, action: 'iam:ListUsers', outcome: 'failure', error_code: 'AccessDenied' }),
        event({ event_time: at(2, 3, 4), actor: CI, action: 'sts:GetCallerIdentity' }),
        event({ event_time: at(2, 3, 5), actor: CI, action: 'signin:ConsoleLogin' }),
        event({ event_time: at(2, 4), actor: WILD, action: 's3:PutObject', is_write: true }),
        event({ event_time: at(2, 4), actor: WILD, action: 'ec2:DescribeInstances' }),
        event({ event_time: at(2, 4), actor: BACKUP, action: 's3:PutBucketLifecycle', is_write: true }),
        event({ event_time: at(2, 4), actor: BACKUP, action: 's3:GetBucketLifecycle' }),
        event({ event_time: at(2, 4), actor: BACKUP, action: 's3:ListBuckets' }),
        event({ event_time: at(2, 4), actor: OPEN, action: 'iam:CreateUser', is_write: true }),
        event({ event_time: at(2, 4), actor: POLICY, action: 'ec2:DescribeInstances' }),
      ],
    });
    const found = await findings(engine, 'coverage.used_outside_grant');
    expect(found.map((f) => [f.identity_name, f.subject])).toEqual([['ci', 'iam:CreateAccessKey']]);
    const [f] = found;
    expect(f).toMatchObject({
      identity_key: CI, evidence_count: 2, evidence_outside_change: 2, first_seen: iso(at(2, 3, 0)), last_seen: iso(at(2, 3, 2)), severity: 'medium',
      observed: `2 successful calls of iam:CreateAccessKey between ${iso(at(2, 3, 0)).slice(0, 16).replace('T', ' ')} UTC and ${iso(at(2, 3, 2)).slice(0, 16).replace('T', ' ')} UTC on arn:aws:s3:::reports`,
      declared: '2 recorded grants: ecr:PutImage; s3:GetObject',
      threshold: 'every successful action covered by a recorded grant (wildcards such as s3:* or * cover)',
    });
    expect(String(f?.risk_formula)).toContain('(intensity 1.0)');
    // The failed attempt inside the span is not evidence.
    const evidence = await evidenceOf(engine, f!);
    expect(evidence.map((e) => [e.action, e.outcome])).toEqual([['iam:CreateAccessKey', 'success'], ['iam:CreateAccessKey', 'success']]);
  });

  it('maps Okta event types to the scopes that allow them and leaves unknown event types alone', async () => {
    const APP = 'okta:acme:hr-sync';
    const okta = (action: string, t: number) => event({ event_time: t, actor: APP, platform: 'okta', source_format: 'okta_system_log', action });
    engine = await workspace({
      identities: [identity({ identity_key: APP, name: 'hr-sync', platform: 'okta', permissions: ['okta.users.manage'] })],
      events: [okta('app.oauth2.as.token.grant.access_token', at(1, 9)), okta('user.lifecycle.create', at(1, 9, 1)),
        okta('group.user_membership.add', at(1, 9, 2)), okta('group.user_membership.add', at(1, 9, 3))],
    });
    const [f, ...rest] = await findings(engine, 'coverage.used_outside_grant');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ identity_key: APP, subject: 'group.user_membership.add', evidence_count: 2 });
    expect(f?.threshold).toBe('every successful action covered by a recorded grant (this one needs one of: okta.groups.manage)');
    expect(await evidenceOf(engine, f!)).toHaveLength(2);
  });
});

describe('coverage.owner_departed_active', () => {
  let engine: DuckEngine;
  afterEach(() => engine?.close());

  it('fires when a departed or disabled owner\'s identity is active in the detection window, not when it went quiet before it', async () => {
    const ETL = arn('etl'), QUIET = arn('quiet'), OK = arn('ok'), SUSPENDED = arn('suspended');
    engine = await workspace({
      identities: [
        identity({ identity_key: ETL, name: 'etl', owner: 'marco@example.com', owner_status: 'departed' }),
        identity({ identity_key: QUIET, name: 'quiet', owner_status: 'Departed' }),
        identity({ identity_key: OK, name: 'ok' }),
        identity({ identity_key: SUSPENDED, name: 'suspended', owner_status: 'disabled' }),
      ],
      events: [
        ...daily(ETL, { daysBack: [30, 0], hour: 22 }),
        ...daily(QUIET, { daysBack: [30, 10] }),
        ...daily(OK, { daysBack: [30, 0] }),
        event({ event_time: at(3, 5), actor: SUSPENDED, action: 's3:PutObject', is_write: true }),
      ],
    });
    const found = await findings(engine, 'coverage.owner_departed_active');
    expect(found.map((f) => f.identity_name)).toEqual(['etl', 'suspended']);
    const [etl, suspended] = found;
    expect(etl).toMatchObject({
      identity_key: ETL, subject: '', evidence_count: 6, evidence_outside_change: 6, severity: 'high',
      first_seen: iso(at(6, 22)), last_seen: iso(at(1, 22)),
      declared: 'owner marco@example.com of IAM user etl marked departed',
      threshold: 'any activity in the detection window (7 days) while the owner is departed or disabled',
    });
    expect(etl?.observed).toMatch(/^6 events on 6 days of the detection window \(.+\): s3:GetObject$/);
    const evidence = await evidenceOf(engine, etl!);
    expect(evidence).toHaveLength(6);
    expect(evidence.every((e) => Date.parse(String(e.event_time)) > DETECTION_START)).toBe(true);
    expect(suspended).toMatchObject({ evidence_count: 1, declared: 'owner owner@example.com of IAM user suspended marked disabled' });
    expect(detail(suspended, 'writes')).toBe('1');
  });
});

describe('coverage.human_use', () => {
  let engine: DuckEngine;
  afterEach(() => engine?.close());

  it('fires on a console sign-in, a browser or MFA session of an NHI; not on API calls with an SDK agent, headless browsers or people', async () => {
    const SCANNER = arn('scanner'), SDK = arn('sdk'), HEADLESS = arn('headless'), ALICE = arn('alice'), OKTA = 'okta:acme:svc-jira', MFA = role('ops');
    const console_ = (t: number, action: string) =>
      event({ event_time: t, actor: SCANNER, action, session_type: 'console', user_agent: CHROME, source_ip: '192.0.2.77', credential_id: 'ASIACONSOLE00000001' });
    engine = await workspace({
      identities: [
        identity({ identity_key: SCANNER, name: 'scanner' }),
        identity({ identity_key: SDK, name: 'sdk' }),
        identity({ identity_key: HEADLESS, name: 'headless' }),
        identity({ identity_key: ALICE, name: 'alice', kind: 'IAM user (console)' }),
        identity({ identity_key: OKTA, name: 'svc-jira', platform: 'okta', kind: 'Okta service user' }),
        identity({ identity_key: MFA, name: 'ops', kind: 'IAM role' }),
      ],
      events: [
        ...daily(SCANNER, { daysBack: [10, 0], hour: 4, over: { action: 'ec2:DescribeInstances' } }),
        console_(at(5, 9, 47), 'signin:ConsoleLogin'),
        console_(at(5, 9, 50), 'ec2:DescribeInstances'),
        // A regular API call of the collector in the middle of the console session is not evidence.
        event({ event_time: at(5, 9, 51), actor: SCANNER, action: 'ec2:DescribeInstances' }),
        console_(at(5, 9, 55), 's3:ListBuckets'),
        event({ event_time: at(2, 4), actor: SDK, session_type: 'api', user_agent: 'aws-sdk-go/1.44 (go1.21; linux; amd64)' }),
        event({ event_time: at(2, 4), actor: HEADLESS, user_agent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36' }),
        event({ event_time: at(2, 4), actor: ALICE, action: 'signin:ConsoleLogin', session_type: 'console', user_agent: CHROME }),
        event({ event_time: at(3, 7), actor: OKTA, platform: 'okta', source_format: 'okta_system_log', action: 'user.session.start', session_type: 'browser', user_agent: CHROME }),
        event({ event_time: at(4, 7), actor: MFA, action: 'iam:PutRolePolicy', session_type: 'mfa', user_agent: 'aws-cli/2.15.0 Python/3.11 Darwin/23.0.0', is_write: true }),
      ],
    });
    const found = await findings(engine, 'coverage.human_use');
    expect(found.map((f) => f.identity_name)).toEqual(['ops', 'scanner', 'svc-jira']);
    const [ops, scanner, jira] = found;
    expect(scanner).toMatchObject({
      identity_key: SCANNER, subject: '', evidence_count: 3, severity: 'high', first_seen: iso(at(5, 9, 47)), last_seen: iso(at(5, 9, 55)),
      declared: 'inventory kind: IAM user (a non-human identity)',
      observed: `3 interactive events (1 sign-in, 3 in a console session, 3 with a browser user agent) between ${iso(at(5, 9, 47)).slice(0, 16).replace('T', ' ')} UTC and ${iso(at(5, 9, 55)).slice(0, 16).replace('T', ' ')} UTC from 192.0.2.77: ec2:DescribeInstances, s3:ListBuckets, signin:ConsoleLogin`,
    });
    expect(detail(scanner, 'user_agent')).toBe(CHROME);
    const evidence = await evidenceOf(engine, scanner!);
    expect(evidence.map((e) => e.action)).toEqual(['signin:ConsoleLogin', 'ec2:DescribeInstances', 's3:ListBuckets']);
    expect(jira).toMatchObject({ evidence_count: 1 });
    expect(jira?.observed).toContain('1 sign-in');
    expect(ops).toMatchObject({ evidence_count: 1 });
    expect(ops?.observed).toContain('1 in an MFA session');
    expect(await evidenceOf(engine, ops!)).toHaveLength(1);
  });
});

describe('coverage.credential_reuse', () => {
  let engine: DuckEngine;
  afterEach(() => engine?.close());
  const KEY = 'AKIASHARED000000001';
  const CLI = 'aws-cli/2.15.30 Python/3.11.8 Linux/5.15.0 exe/x86_64.ubuntu.22';
  const BOTO_WIN = 'Boto3/1.34.69 Python/3.11.8 Windows/10 Botocore/1.34.69';
  const use = (actor: string, t: number, ip: string, ua: string, key = KEY) => event({ event_time: t, actor, credential_id: key, source_ip: ip, user_agent: ua });

  it('fires when one key is used from two networks with two user-agent families within the window', async () => {
    const JOB = arn('job');
    engine = await workspace({
      identities: [identity({ identity_key: JOB, name: 'job' })],
      events: [
        ...daily(JOB, { daysBack: [20, 0], over: { credential_id: KEY, source_ip: '10.0.1.5', user_agent: CLI } }),
        use(JOB, at(3, 14, 0), '10.0.1.5', CLI),
        use(JOB, at(3, 14, 5), '203.0.113.9', BOTO_WIN),
        use(JOB, at(3, 14, 10), '10.0.1.5', CLI),
        use(JOB, at(3, 16, 0), '10.0.1.5', CLI),
      ],
    });
    const [f, ...rest] = await findings(engine, 'coverage.credential_reuse');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      identity_key: JOB, subject: KEY, evidence_count: 3, first_seen: iso(at(3, 14, 0)), last_seen: iso(at(3, 14, 10)), severity: 'high',
      threshold: '≥ 2 networks and ≥ 2 user-agent families within 30 minutes, or ≥ 2 environments',
      baseline: '2 networks and 2 user-agent families over all its use',
    });
    expect(f?.observed).toBe(
      `credential ${KEY} used within 30 minutes from 2 networks (10.0.1.0/24, 203.0.113.0/24) by 2 user-agent families (aws-cli on linux, boto3 on windows), ` +
        `on 1 day between ${iso(at(3, 14, 0)).slice(0, 16).replace('T', ' ')} UTC and ${iso(at(3, 14, 10)).slice(0, 16).replace('T', ' ')} UTC`,
    );
    const evidence = await evidenceOf(engine, f!);
    expect(evidence.map((e) => e.source_ip)).toEqual(['10.0.1.5', '203.0.113.9', '10.0.1.5']);
    // A 3-minute window no longer holds both workloads.
    expect(await findings(engine, 'coverage.credential_reuse', { params: { 'coverage.credential_reuse': { window_minutes: 3 } } })).toEqual([]);
  });

  it('does not fire on the same /24, on one agent behind two networks, on uses hours apart, or on an AWS service acting for the caller', async () => {
    const A = arn('a'), B = arn('b'), C = arn('c'), D = arn('d');
    engine = await workspace({
      identities: [A, B, C, D].map((k) => identity({ identity_key: k, name: k.split('/')[1]! })),
      events: [
        // Same key from two addresses of one /24, different agents.
        use(A, at(3, 14, 0), '10.0.1.5', CLI, 'AKIAAAAA'), use(A, at(3, 14, 5), '10.0.1.77', BOTO_WIN, 'AKIAAAAA'),
        // Two networks (NAT fail-over) but one agent family.
        use(B, at(3, 14, 0), '10.0.1.5', CLI, 'AKIABBBB'), use(B, at(3, 14, 5), '172.16.4.2', CLI, 'AKIABBBB'),
        // Two workloads, four hours apart.
        use(C, at(3, 10, 0), '10.0.1.5', CLI, 'AKIACCCC'), use(C, at(3, 14, 0), '203.0.113.9', BOTO_WIN, 'AKIACCCC'),
        // Athena reading S3 for the caller (forward access session): the service is the source and the agent.
        use(D, at(3, 14, 0), '54.85.120.33', CLI, 'AKIADDDD'), use(D, at(3, 14, 1), 'athena.amazonaws.com', 'athena.amazonaws.com', 'AKIADDDD'),
      ],
    });
    expect(await findings(engine, 'coverage.credential_reuse')).toEqual([]);
  });

  it('fires when one key is used against accounts the inventory places in different environments', async () => {
    const DEV = 'arn:aws:iam::222233334444:user/dev-job';
    engine = await workspace({
      identities: [
        identity({ identity_key: DEV, name: 'dev-job', account: '222233334444', environment: 'dev' }),
        identity({ identity_key: arn('prod-job'), name: 'prod-job', account: ACCOUNT, environment: 'prod' }),
      ],
      events: [
        { ...use(DEV, at(9, 3), '10.9.0.1', CLI, 'AKIADEV1'), account: '222233334444', resource_account: '222233334444' },
        { ...use(DEV, at(9, 3, 1), '10.9.0.1', CLI, 'AKIADEV1'), account: '222233334444', resource_account: '222233334444' },
        { ...use(DEV, at(2, 3), '10.9.0.1', CLI, 'AKIADEV1'), account: '222233334444', resource_account: ACCOUNT },
      ],
    });
    const [f, ...rest] = await findings(engine, 'coverage.credential_reuse');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ identity_key: DEV, subject: 'AKIADEV1', evidence_count: 3, first_seen: iso(at(9, 3)), last_seen: iso(at(2, 3)) });
    expect(f?.observed).toBe(`credential AKIADEV1 used against 2 environments (dev, prod: accounts 111122223333, 222233334444)`);
    expect(await evidenceOf(engine, f!)).toHaveLength(3);
  });
  it('runs in parts split by credential, one per 200k credential events, and the parts find exactly what one run finds', async () => {
    const definition = COVERAGE.find((d) => d.id === 'coverage.credential_reuse')!;
    expect(definition.parts).toEqual({ count: expect.stringContaining('credential_id IS NOT NULL'), rows: 200_000 });
    expect(definition.sql).toContain('hash(credential_id) % {{parts}} = {{part}}');
    // Twelve workloads: each reuses its key (two networks, two families) on its own day, four also across environments.
    const jobs = Array.from({ length: 12 }, (_, i) => `arn:aws:iam::${i % 3 === 0 ? '222233334444' : ACCOUNT}:user/job-${i}`);
    engine = await workspace({
      identities: [
        ...jobs.map((k, i) => identity({ identity_key: k, name: `job-${i}`, account: i % 3 === 0 ? '222233334444' : ACCOUNT, environment: i % 3 === 0 ? 'dev' : 'prod' })),
      ],
      events: jobs.flatMap((job, i) => {
        const key = `AKIAPART${String(i).padStart(4, '0')}`;
        const day = 1 + (i % 6);
        return [
          ...daily(job, { daysBack: [20, 8], over: { credential_id: key, source_ip: `10.0.${i}.5`, user_agent: CLI } }),
          use(job, at(day, 9, 0), `10.0.${i}.5`, CLI, key),
          use(job, at(day, 9, 4), `198.51.100.${i}`, BOTO_WIN, key),
          ...(i % 4 === 0 ? [{ ...use(job, at(day, 11), `10.0.${i}.5`, CLI, key), resource_account: i % 3 === 0 ? ACCOUNT : '222233334444' }] : []),
        ];
      }),
    });
    const runs: string[] = [];
    const exec = engine.exec.bind(engine);
    engine.exec = (sql, options) => (sql.includes("'coverage.credential_reuse' AS detection_id") && runs.push(/% (\d+) = (\d+)/.exec(sql)![0]), exec(sql, options));
    const whole = await runFindings(engine, 'coverage.credential_reuse', {}, [{ ...definition, parts: undefined }]);
    expect(runs).toEqual(['% 1 = 0']);
    expect(whole).toHaveLength(12);
    // As shipped: a few hundred credential events are one part.
    runs.length = 0;
    expect(await runFindings(engine, 'coverage.credential_reuse', {}, [definition])).toEqual(whole);
    expect(runs).toEqual(['% 1 = 0']);
    // One part per 20 credential events here: several parts, the same findings.
    runs.length = 0;
    const split = await runFindings(engine, 'coverage.credential_reuse', {}, [{ ...definition, parts: { ...definition.parts!, rows: 20 } }]);
    expect(runs.length).toBeGreaterThan(4);
    expect(runs).toEqual(runs.map((_, i) => `% ${runs.length} = ${i}`));
    expect(split).toEqual(whole);
  });
});

// ---------------------------------------------------------------------------------------------------------------------------
// The workshop sample: the whole catalogue, then every coverage finding accounted for.

describe('coverage on the workshop sample', () => {
  let engine: DuckEngine;
  let dir: string;
  let all: Finding[];
  let timings: Record<string, number>;
  const byName = (id: string) => all.filter((f) => f.detection_id === id).map((f) => String(f.identity_name)).sort();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'driftline-coverage-'));
    execFileSync(process.execPath, ['sample-data/generate.mjs', '--out', dir, '--quiet'], { stdio: 'pipe' });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
    const files = manifest.files.map((f) => new File([readFileSync(path.join(dir, f.path))], f.path));
    engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
    const report = await importEvidence(engine, files, { reader: readEvidence, signal: new AbortController().signal });
    expect(report.status).toBe('committed');
    const run = await runAnalysis(engine, CATALOGUE, DEFAULT_SETTINGS, { evaluatedAt: AS_OF });
    timings = run.timingsMs;
    all = (await engine.queryRows("SELECT * FROM findings WHERE family = 'coverage' ORDER BY detection_id, identity_name, subject")).rows;
  });
  afterAll(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the shadow identity (e): tmp-migration-user, every one of its events', async () => {
    const shadow = all.filter((f) => f.detection_id === 'coverage.shadow_identity');
    expect(shadow).toHaveLength(1);
    const [f] = shadow;
    expect(f).toMatchObject({ entity_key: 'shadow:arn:aws:iam::123456789012:user/tmp-migration-user', identity_key: null, evidence_count: 346, status: 'open' });
    expect(f?.observed).toMatch(/s3:GetObject ×\d+, s3:ListBuckets ×\d+ from 198\.51\.100\.77 with credential AKIA\w+; 194 in the detection window$/);
    expect(await evidenceOf(engine, f!)).toHaveLength(346);
  });

  it('finds the departed owner\'s active job (f): svc-legacy-etl, its 120 events in the window', async () => {
    const [f, ...rest] = all.filter((x) => x.detection_id === 'coverage.owner_departed_active');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ identity_name: 'svc-legacy-etl', evidence_count: 120, owner_status: 'departed' });
    expect(await evidenceOf(engine, f!)).toHaveLength(120);
  });

  it('finds the console session on the CMDB collector (g): human use and the calls outside its grants', async () => {
    const [f, ...rest] = all.filter((x) => x.detection_id === 'coverage.human_use');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ identity_name: 'svc-cmdb-scanner', evidence_count: 7, first_seen: '2026-03-26T09:47:12.000Z' });
    expect(f?.observed).toContain('from 192.0.2.77');
    expect(await evidenceOf(engine, f!)).toHaveLength(7);
    const outside = all.filter((x) => x.detection_id === 'coverage.used_outside_grant' && x.identity_name === 'svc-cmdb-scanner');
    expect(outside.map((x) => x.subject)).toEqual(['ce:GetCostAndUsage', 'ec2:DescribeSecurityGroups', 'health:DescribeEventAggregates', 's3:ListBuckets']);
  });

  it('finds the IAM persistence calls of incident (a) outside the deployer\'s grants, and maps the lifecycle calls of look-alike (i)', async () => {
    const outside = all.filter((x) => x.detection_id === 'coverage.used_outside_grant');
    expect(outside.map((x) => `${x.identity_name} ${x.subject}`)).toEqual([
      'ci-legacy-deployer iam:AttachUserPolicy', 'ci-legacy-deployer iam:CreateAccessKey', 'ci-legacy-deployer iam:ListRoles', 'ci-legacy-deployer iam:ListUsers',
      'svc-cmdb-scanner ce:GetCostAndUsage', 'svc-cmdb-scanner ec2:DescribeSecurityGroups', 'svc-cmdb-scanner health:DescribeEventAggregates', 'svc-cmdb-scanner s3:ListBuckets',
    ]);
    // sts:GetCallerIdentity needs no permission; ListAttachedUserPolicies was refused; backup-nightly's PutBucketLifecycle is its grant's IAM name.
    for (const f of outside) expect(await evidenceOf(engine, f)).toHaveLength(Number(f.evidence_count));
  });

  it('finds the never-used reporting user (k) dormant, and nothing else', () => {
    expect(byName('coverage.dormant')).toEqual(['svc-old-reporting']);
    const [f] = all.filter((x) => x.detection_id === 'coverage.dormant');
    expect(f?.observed).toBe('no activity in the evidence or the inventory: no event of IAM user svc-old-reporting in 45 days of aws logs and no last-used date');
  });

  it('reports the honest unused grants of the register and no credential reuse', () => {
    // Not planted, but true of the register: three grants nothing exercised in 45 days (least-privilege findings, low severity).
    const unused = all.filter((f) => f.detection_id === 'coverage.unused_permission');
    expect(unused.map((f) => [f.identity_name, (f.details as Record<string, string>).unused])).toEqual([
      ['acme-release-bot', 'admin:org'], ['github-actions-deploy', 's3:GetObject'], ['svc-data-sync', 's3:ListBucket'],
    ]);
    expect(byName('coverage.credential_reuse')).toEqual([]);
  });

  it('gives every other identity no coverage finding at all', () => {
    // Clean identities and look-alikes (h stripe, i backup-nightly, j billing) plus incident d, whose findings are behavioural.
    const clean = ['svc-billing-export', 'stripe-webhook-handler', 'backup-nightly', 'vendor-cloudhealth', 'terraform-admin',
      'Terraform Okta provider', 'Zendesk', 'svc-jira-sync', 'HR Sync (Workday to Okta)', 'acme-ci[bot]', 'terraform-github[bot]', 'snyk-io[bot]', 'svc-docs-publisher'];
    expect(all.filter((f) => clean.includes(String(f.identity_name))).map((f) => `${f.detection_id} ${f.identity_name}`)).toEqual([]);
    const expected = new Set(['svc-old-reporting', 'tmp-migration-user', 'svc-legacy-etl', 'svc-cmdb-scanner', 'ci-legacy-deployer',
      'acme-release-bot', 'github-actions-deploy', 'svc-data-sync']);
    for (const f of all) expect(expected.has(String(f.identity_name).replace(/^arn:.*\//, ''))).toBe(true);
    expect(all).toHaveLength(15);
  });

  it('runs every coverage detection quickly on the sample', () => {
    for (const d of COVERAGE) expect(timings[d.id]).toBeLessThan(2_000);
  });
});
