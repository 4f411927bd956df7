// The detection framework with the two template detections: context windows, maturity, explanation, score formula,
// stable uids, change windows, exceptions, evidence queries, tuning preview.
import { afterEach, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../src/detections/catalog';
import { DEFAULT_SETTINGS, previewTuning, validateException } from '../../../src/detections/runner';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { AS_OF, DAY, daily, evidenceOf, findings, HOUR, identity, workspace } from './harness';

const SYNC = 'arn:aws:iam::111122223333:user/data-sync';
const NEW = 'arn:aws:iam::111122223333:user/fresh';

describe('detection framework', () => {
  let engine: DuckEngine;
  afterEach(() => engine?.close());

  it('builds the context from the evidence: as-of, windows, per-entity maturity', async () => {
    engine = await workspace({
      identities: [identity({ identity_key: SYNC, name: 'data-sync' }), identity({ identity_key: NEW, name: 'fresh' })],
      events: [...daily(SYNC, { daysBack: [40, 0] }), ...daily(NEW, { daysBack: [2, 0] })],
    });
    await findings(engine, 'behavior.new_action');
    const { rows: ctx } = await engine.queryRows('SELECT as_of, detection_start, baseline_start FROM dl_context');
    // daily() ends the day before AS_OF, at 02:00: the latest event is the as-of (never the wall clock).
    const lastEvent = Math.floor((AS_OF - DAY) / DAY) * DAY + 2 * HOUR;
    expect(ctx[0]).toEqual({
      as_of: new Date(lastEvent).toISOString(),
      detection_start: new Date(lastEvent - 7 * DAY).toISOString(),
      baseline_start: new Date(lastEvent - 97 * DAY).toISOString(),
    });
    const { rows } = await engine.queryRows('SELECT entity_key, baseline_active_days, baseline_mature FROM dl_entity_profile ORDER BY 1');
    expect(rows).toEqual([
      { entity_key: SYNC, baseline_active_days: 33, baseline_mature: true },
      { entity_key: NEW, baseline_active_days: 0, baseline_mature: false },
    ]);
  });

  it('explains a new action with observed vs baseline, scores it with a visible formula and finds its evidence', async () => {
    engine = await workspace({
      identities: [identity({ identity_key: SYNC, name: 'data-sync', criticality: 'critical' })],
      events: [...daily(SYNC, { daysBack: [40, 0] }), ...daily(SYNC, { daysBack: [3, 1], hour: 3, over: { action: 'iam:CreateAccessKey', is_write: true } })],
    });
    const [finding, ...rest] = await findings(engine, 'behavior.new_action');
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      detection_id: 'behavior.new_action', identity_key: SYNC, identity_name: 'data-sync', subject: 'iam:CreateAccessKey',
      evidence_count: 2, status: 'open', maturity: 'mature', owner: 'owner@example.com', criticality: 'critical', credential_age_days: 19,
      observed: '2 calls of iam:CreateAccessKey in the detection window', baseline: '1 distinct action in the baseline, never iam:CreateAccessKey',
    });
    // 50 (medium) × 1.4 (critical) × 1 (mature) × 1.3 (intensity 1) = 91
    expect(finding?.risk_score).toBe(91);
    expect(finding?.risk_formula).toBe('50 (medium severity) × 1.4 (criticality critical) × 1.0 (mature baseline) × 1.3 (intensity 1.0) = 91');
    expect(String(finding?.explanation)).toMatch(/^Observed: 2 calls .*Baseline: .*Threshold: any action absent from the baseline\. Windows: detection 7 days/);
    const evidence = await evidenceOf(engine, finding!);
    expect(evidence.map((e) => e.action)).toEqual(['iam:CreateAccessKey', 'iam:CreateAccessKey']);
    expect(evidence[0]?.source_file).toBe('log.x');
  });

  it('ranks a cold-start identity lower and says so', async () => {
    engine = await workspace({ identities: [identity({ identity_key: NEW, name: 'fresh' })], events: daily(NEW, { daysBack: [2, 0] }) });
    const [finding] = await findings(engine, 'behavior.new_action');
    expect(finding).toMatchObject({ maturity: 'immature', baseline_active_days: 0 });
    expect(String(finding?.risk_formula)).toContain('0.6 (immature baseline, cold start)');
    expect(String(finding?.explanation)).toContain('(fewer than 3: immature baseline, ranked lower)');
  });

  it('marks a finding explained when all its evidence is inside a change window, and keeps it visible', async () => {
    const inChange = AS_OF - 2 * DAY;
    engine = await workspace({
      identities: [identity({ identity_key: SYNC, name: 'data-sync' })],
      events: [...daily(SYNC, { daysBack: [40, 0] }), { ...daily(SYNC, { daysBack: [1, 0] })[0]!, event_time: inChange, action: 's3:PutBucketLifecycle' }],
      changes: [{ change_id: 'CHG-1', identity: 'data-sync', starts_at: inChange - HOUR, ends_at: inChange + HOUR, summary: 'lifecycle', source_file: 'c', source_row: 2 }],
    });
    const [finding] = await findings(engine, 'behavior.new_action');
    expect(finding).toMatchObject({ status: 'explained', change_id: 'CHG-1', evidence_outside_change: 0 });
    expect(String(finding?.explanation)).toContain('Explained by change window CHG-1.');
  });

  it('applies an exception until it expires, and needs owner, reason or ticket, and expiry', async () => {
    engine = await workspace({ identities: [identity({ identity_key: SYNC, name: 'data-sync', owner: null })] });
    const exception = { id: 'EX-1', detectionId: 'posture.no_owner', identityKey: SYNC, owner: 'sec@example.com', reason: 'migration', ticket: 'SEC-9', expiresAt: new Date(AS_OF + DAY).toISOString() };
    expect((await findings(engine, 'posture.no_owner', { exceptions: [exception] }))[0]).toMatchObject({ status: 'excepted', exception_id: 'EX-1' });
    const expired = { ...exception, expiresAt: new Date(AS_OF - DAY).toISOString() };
    expect((await findings(engine, 'posture.no_owner', { exceptions: [expired] }))[0]).toMatchObject({ status: 'open', exception_id: null });
    expect(validateException({ ...exception, owner: '' })).toMatch(/owner/);
    expect(validateException({ ...exception, reason: '', ticket: '' })).toMatch(/reason or a ticket/);
    expect(validateException({ ...exception, expiresAt: '' })).toMatch(/expiry/);
  });

  it('gives the same uids for the same evidence and settings, and previews tuning without saving', async () => {
    engine = await workspace({
      identities: [identity({ identity_key: SYNC, name: 'data-sync' })],
      events: [...daily(SYNC, { daysBack: [40, 0] }), ...daily(SYNC, { daysBack: [3, 1], over: { action: 'kms:Decrypt' } })],
    });
    const first = await findings(engine);
    const second = await findings(engine);
    expect(second.map((f) => f.finding_uid)).toEqual(first.map((f) => f.finding_uid));
    const before = await engine.queryRows('SELECT count(*) AS n FROM findings');
    const preview = await previewTuning(engine, CATALOGUE, DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, detectionDays: 1 });
    // A 1-day window no longer contains the kms:Decrypt calls of 2-3 days ago.
    expect(preview.current['behavior.new_action']).toBe(1);
    expect(preview.proposed['behavior.new_action']).toBe(0);
    const after = await engine.queryRows('SELECT count(*) AS n FROM findings');
    expect(after.rows).toEqual(before.rows);
  });
});
