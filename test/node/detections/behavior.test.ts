// behavior.* detections: each against its look-alike on small synthetic workspaces (explanations, evidence queries, change
// windows), then the whole catalogue on the workshop sample (planted incidents a–d, look-alikes h–j, quiet identities).
// A 1M-event timing run is included but only runs with DRIFTLINE_BENCH=1 (it reports figures, it asserts no time).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../src/detections/catalog';
import { BEHAVIOR } from '../../../src/detections/catalog/behavior';
import { DEFAULT_SETTINGS, runAnalysis } from '../../../src/detections/runner';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import type { CanonicalEvent, ChangeWindow } from '../../../src/ingest/canonical';
import { ensureSchema } from '../../../src/ingest/commit';
import { importEvidence } from '../../../src/ingest/pipeline';
import { readEvidence } from '../../../src/ingest/reader';
import { AS_OF, DAY, daily, event, evidenceOf, findings, HOUR, identity, workspace, type Finding } from './harness';

const SYNC = 'arn:aws:iam::111122223333:user/data-sync';
const HOOK = 'arn:aws:iam::111122223333:role/webhook';
const JOB = 'arn:aws:iam::111122223333:user/nightly-job';
const HR = 'okta:acme.okta.com:hr-sync';
const ASOF = { asOf: new Date(AS_OF).toISOString() };
const MIN = 60_000;

/** 2026-03-xx at hh:mm UTC (AS_OF is Tue 2026-03-31 23:59:59; the detection window starts Tue 03-24 23:59:59). */
const at = (day: number, hh: number, mm = 0, ss = 0) => Date.UTC(2026, 2, day, hh, mm, ss);
/** n events from `start`, `stepMs` apart. */
function burst(actor: string, start: number, n: number, over: Partial<CanonicalEvent> = {}, stepMs = 2_000): CanonicalEvent[] {
  return Array.from({ length: n }, (_, i) => event({ actor, event_time: start + i * stepMs, ...over }));
}
function change(change_id: string, who: string, starts_at: number, ends_at: number): ChangeWindow {
  return { change_id, identity: who, starts_at, ends_at, summary: 'planned work', source_file: 'changes.csv', source_row: 2 };
}
const detail = (f: Finding | undefined, key: string) => (f?.details as Record<string, string> | undefined)?.[key];

async function expectExactEvidence(engine: DuckEngine, finding: Finding | undefined, predicate: (e: Record<string, unknown>) => boolean) {
  expect(finding).toBeDefined();
  const evidence = await evidenceOf(engine, finding!);
  expect(evidence).toHaveLength(Number(finding!.evidence_count));
  expect(evidence.every(predicate)).toBe(true);
  return evidence;
}

describe('behavior detections', () => {
  let engine: DuckEngine;
  afterEach(() => engine?.close());

  describe('behavior.new_action', () => {
    it('reports an action never seen in the baseline, and nothing for a known one', async () => {
      engine = await workspace({
        identities: [identity({ identity_key: SYNC, name: 'data-sync' })],
        events: [...daily(SYNC, { daysBack: [40, 0] }), event({ actor: SYNC, event_time: at(27, 3), action: 'iam:CreateAccessKey', is_write: true })],
      });
      const found = await findings(engine, 'behavior.new_action', ASOF);
      expect(found.map((f) => [f.identity_key, f.subject, f.status])).toEqual([[SYNC, 'iam:CreateAccessKey', 'open']]);
      await expectExactEvidence(engine, found[0], (e) => e.action === 'iam:CreateAccessKey');
    });
  });

  describe('behavior.scope_expansion', () => {
    it('reports each new resource, weighted up for a sensitive class and for many new resources at once', async () => {
      engine = await workspace({
        identities: [identity({ identity_key: SYNC, name: 'data-sync', allowed_data_classes: ['internal'] })],
        events: [
          ...daily(SYNC, { daysBack: [40, 0], over: { resource: 'arn:aws:s3:::crm-exports' } }),
          ...burst(SYNC, at(26, 13, 2), 5, { resource: 'arn:aws:s3:::finance-payroll-exports' }),
          ...burst(SYNC, at(26, 13, 30), 2, { resource: 'arn:aws:s3:::scratch-area', action: 's3:PutObject' }),
          // People (Okta target users) and the identity itself are not resources.
          event({ actor: SYNC, event_time: at(27, 9), resource: 'new.hire@acme.example', action: 'user.lifecycle.create' }),
          event({ actor: SYNC, event_time: at(27, 9, 5), resource: SYNC, action: 'iam:ListAttachedUserPolicies' }),
        ],
        classes: [{ pattern: 'arn:aws:s3:::finance-payroll-*', data_class: 'restricted', source_file: 'classes.csv', source_row: 2 }],
      });
      const found = await findings(engine, 'behavior.scope_expansion', ASOF);
      expect(found.map((f) => f.subject)).toEqual(['arn:aws:s3:::finance-payroll-exports', 'arn:aws:s3:::scratch-area']);
      const [payroll, scratch] = found;
      expect(payroll).toMatchObject({
        identity_key: SYNC, status: 'open', evidence_count: 5, evidence_outside_change: 5, maturity: 'mature',
        observed: '5 s3:GetObject on arn:aws:s3:::finance-payroll-exports (data class restricted); one of 2 resources new to this identity in the detection window',
        baseline: '1 distinct resource in the baseline, never arn:aws:s3:::finance-payroll-exports',
        declared: 'allowed data classes: internal',
      });
      expect(detail(payroll, 'new_resources_in_window')).toBe('2');
      expect(detail(payroll, 'sensitive')).toBe('true');
      // The sensitive resource outranks the plain one.
      expect(Number(payroll!.risk_score)).toBeGreaterThan(Number(scratch!.risk_score));
      await expectExactEvidence(engine, payroll, (e) => e.resource === 'arn:aws:s3:::finance-payroll-exports');
      await expectExactEvidence(engine, scratch, (e) => e.resource === 'arn:aws:s3:::scratch-area' && e.action === 's3:PutObject');
    });

    it('explains a new resource that falls inside a change window instead of opening it', async () => {
      engine = await workspace({
        identities: [identity({ identity_key: JOB, name: 'backup' })],
        events: [...daily(JOB, { daysBack: [40, 0] }), ...burst(JOB, at(28, 2, 20), 3, { resource: 'arn:aws:s3:::new-backups', action: 's3:PutObject' })],
        changes: [change('CHG-7', 'backup', at(28, 2), at(28, 4))],
      });
      const [finding, ...rest] = await findings(engine, 'behavior.scope_expansion', ASOF);
      expect(rest).toEqual([]);
      expect(finding).toMatchObject({ subject: 'arn:aws:s3:::new-backups', status: 'explained', change_id: 'CHG-7', evidence_outside_change: 0, evidence_count: 3 });
      expect(String(finding?.explanation)).toContain('Explained by change window CHG-7.');
    });
  });

  describe('behavior.new_source', () => {
    it('reports a new /24 with a new user-agent family as supporting evidence', async () => {
      engine = await workspace({
        identities: [identity({ identity_key: SYNC, name: 'ci-deployer' })],
        events: [
          ...daily(SYNC, { daysBack: [40, 0], over: { source_ip: '34.201.88.10', user_agent: 'aws-cli/2.15.30 os/linux#5.15 md/arch#x86_64' } }),
          ...burst(SYNC, at(27, 3, 0, 41), 6, { source_ip: '203.0.113.89', user_agent: 'aws-cli/2.13.25 Python/3.11.5 Darwin/23.0.0', action: 'sts:GetCallerIdentity' }),
        ],
      });
      const [finding, ...rest] = await findings(engine, 'behavior.new_source', ASOF);
      expect(rest).toEqual([]);
      expect(finding).toMatchObject({
        identity_key: SYNC, subject: '203.0.113.0/24', status: 'open', evidence_count: 6,
        observed: '6 events from 203.0.113.89 (network 203.0.113.0/24, never seen); user agent aws-cli on macos (new family: aws-cli on macos)',
        baseline: '1 network in the baseline: 34.201.88.0/24',
        threshold: 'any source network absent from the baseline (IPv4 /24; a new address in a known /24 is not reported)',
      });
      expect(detail(finding, 'new_user_agent_families')).toBe('aws-cli on macos');
      expect(finding?.risk_formula).toContain('(intensity 1.0)');
      await expectExactEvidence(engine, finding, (e) => e.source_ip === '203.0.113.89');
    });

    it('does not report a new address inside a known /24 unless asked to, nor AWS service names', async () => {
      engine = await workspace({
        identities: [identity({ identity_key: SYNC, name: 'data-sync' })],
        events: [
          ...daily(SYNC, { daysBack: [40, 0], over: { source_ip: '10.0.0.1' } }),
          ...burst(SYNC, at(27, 2), 3, { source_ip: '10.0.0.7' }),
          ...burst(SYNC, at(27, 2, 30), 2, { source_ip: 's3.amazonaws.com' }),
          ...burst(SYNC, at(27, 2, 40), 2, { source_ip: 'AWS Internal' }),
        ],
      });
      expect(await findings(engine, 'behavior.new_source', ASOF)).toEqual([]);
      const found = await findings(engine, 'behavior.new_source', { ...ASOF, params: { 'behavior.new_source': { known_network: 1 } } });
      expect(found.map((f) => [f.subject, f.evidence_count])).toEqual([['10.0.0.7', 3]]);
      expect(found[0]?.observed).toBe('3 events from 10.0.0.7 (new address in a known /24); user agent aws-sdk-go (family already seen)');
      await expectExactEvidence(engine, found[0], (e) => e.source_ip === '10.0.0.7');
    });
  });

  describe('behavior.off_hours', () => {
    it('reports activity outside the declared schedule, side by side with the learned slots', async () => {
      engine = await workspace({
        identities: [identity({ identity_key: SYNC, name: 'data-sync', schedule: '01:00-03:00 UTC' })],
        events: [...daily(SYNC, { daysBack: [40, 0], hour: 1, perDay: 5 }), ...burst(SYNC, at(26, 13, 2), 4)],
      });
      const [finding, ...rest] = await findings(engine, 'behavior.off_hours', ASOF);
      expect(rest).toEqual([]);
      expect(finding).toMatchObject({
        identity_key: SYNC, subject: 'Thu 13:00–14:00 UTC', status: 'open', evidence_count: 4,
        observed: '4 events in Thu 13:00–14:00 UTC (2026-03-26 13:02–13:02): 4 s3:GetObject',
        baseline: 'learned: this slot active on 0 of 34 active baseline days (usual from 3 days)',
        declared: 'schedule 01:00-03:00 UTC (14 of 168 weekly slots); this slot is outside it',
        threshold: 'activity outside the declared schedule (declared purpose takes precedence over the learned baseline)',
      });
      expect(detail(finding, 'rule')).toBe('declared');
      await expectExactEvidence(engine, finding, (e) => new Date(String(e.event_time)).getUTCHours() === 13);
    });

    it('leaves a nightly job alone inside its declared window', async () => {
      engine = await workspace({
        identities: [identity({ identity_key: JOB, name: 'billing-export', schedule: '05:00-06:00 UTC' })],
        events: daily(JOB, { daysBack: [40, 0], hour: 5, perDay: 8 }),
      });
      expect(await findings(engine, 'behavior.off_hours', ASOF)).toEqual([]);
    });

    it('uses the learned slots (≥ 3 baseline days) when nothing is declared', async () => {
      engine = await workspace({
        identities: [identity({ identity_key: JOB, name: 'etl' })],
        events: [
          ...daily(JOB, { daysBack: [40, 0], hour: 22 }),
          // Two Thursdays at 09:00 in the baseline: not yet usual. Three Fridays at 09:00: usual.
          event({ actor: JOB, event_time: at(12, 9) }), event({ actor: JOB, event_time: at(19, 9) }),
          event({ actor: JOB, event_time: at(6, 9) }), event({ actor: JOB, event_time: at(13, 9) }), event({ actor: JOB, event_time: at(20, 9) }),
          event({ actor: JOB, event_time: at(26, 9, 15) }), event({ actor: JOB, event_time: at(27, 9, 15) }),
        ],
      });
      const found = await findings(engine, 'behavior.off_hours', ASOF);
      expect(found.map((f) => [f.subject, f.status])).toEqual([['Thu 09:00–10:00 UTC', 'open']]);
      expect(found[0]).toMatchObject({
        declared: 'no schedule declared', threshold: 'a slot active on ≥ 3 distinct baseline days',
        baseline: 'learned: this slot active on 2 of 34 active baseline days (usual from 3 days)',
      });
      // Two of three days: intensity 1 − 2/3.
      expect(String(found[0]?.risk_formula)).toContain('(intensity 0.33)');
    });

    it('lets the declared schedule beat a habit the baseline learned', async () => {
      engine = await workspace({
        identities: [identity({ identity_key: JOB, name: 'etl', schedule: '01:00-03:00 UTC' })],
        events: [...daily(JOB, { daysBack: [40, 0], hour: 5 })],
      });
      const found = await findings(engine, 'behavior.off_hours', ASOF);
      // Every detection-window day at 05:00 is outside the declaration although the baseline made it usual.
      expect(found).toHaveLength(6);
      expect(found[0]?.baseline).toMatch(/^learned: this slot active on [3-9] of 34 active baseline days/);
      expect(String(found[0]?.risk_formula)).toContain('(intensity 0.4)');
    });
  });

  describe('behavior.volume_spike', () => {
    it('reports an hour far above the same kind of baseline hour, with median / p99 and the declared schedule', async () => {
      engine = await workspace({
        identities: [identity({ identity_key: SYNC, name: 'data-sync', schedule: '01:00-03:00 UTC' })],
        events: [
          ...daily(SYNC, { daysBack: [40, 0], hour: 1, perDay: 40 }),
          ...burst(SYNC, at(26, 13, 2), 720, { resource: 'arn:aws:s3:::finance-payroll-exports' }, 2_000),
          ...burst(SYNC, at(26, 13, 32), 48, { action: 's3:PutObject', resource: 'arn:aws:s3:::drop' }, 5_000),
        ],
      });
      const [finding, ...rest] = await findings(engine, 'behavior.volume_spike', ASOF);
      expect(rest).toEqual([]);
      expect(finding).toMatchObject({
        identity_key: SYNC, subject: '2026-03-26 13:00–14:00 UTC', status: 'open', evidence_count: 768, evidence_outside_change: 768,
        observed: '768 events in 13:00–14:00 UTC on Thu 2026-03-26 (720 s3:GetObject, 48 s3:PutObject)',
        baseline: 'median 0 / p99 0 in that slot (13:00–14:00 UTC ± 1 h, weekdays) over 24 active days; largest baseline hour 40',
        declared: 'schedule 01:00-03:00 UTC',
        threshold: 'robust z ≥ 6 (observed 768.0), ≥ 3× p99 and ≥ 20 events',
      });
      expect(detail(finding, 'median')).toBe('0');
      expect(detail(finding, 'bursty')).toBe('false');
      expect(String(finding?.explanation)).toMatch(/^Observed: 768 events .* Baseline: median 0 \/ p99 0 in that slot .* Declared: schedule 01:00-03:00 UTC\./);
      await expectExactEvidence(engine, finding, (e) => new Date(String(e.event_time)).getUTCHours() === 13);
    });

    it('does not call a bursty identity\'s burst a spike unless it beats the largest burst of its baseline', async () => {
      // A webhook: 3 calls every hour, plus a payout burst every Monday 16:00 of 150–210 calls.
      const base: CanonicalEvent[] = [];
      const payouts = [150, 190, 170, 210, 160, 180];
      for (let d = 45; d >= 1; d--) {
        const day = Math.floor((AS_OF - d * DAY) / DAY) * DAY;
        for (let h = 0; h < 24; h++) base.push(...burst(HOOK, day + h * HOUR + 5 * MIN, 3, { action: 'dynamodb:PutItem' }, 60_000));
        if (new Date(day).getUTCDay() === 1 && day < at(24, 0)) base.push(...burst(HOOK, day + 16 * HOUR + 10 * MIN, payouts.shift() ?? 150, { action: 'dynamodb:PutItem' }, 1_000));
      }
      const run = async (extra: CanonicalEvent[]) => {
        await engine?.close();
        engine = await workspace({ identities: [identity({ identity_key: HOOK, name: 'webhook' })], events: [...base, ...extra] });
        return findings(engine, 'behavior.volume_spike', ASOF);
      };
      // The usual Monday burst; and a burst as large as the baseline's at an unusual hour: robust z and p99 are far exceeded,
      // but a bursty identity has done this before.
      expect(await run(burst(HOOK, at(30, 16, 10), 170, {}, 1_000))).toEqual([]);
      expect(await run(burst(HOOK, at(30, 3, 10), 200, {}, 1_000))).toEqual([]);
      const [finding, ...rest] = await run(burst(HOOK, at(30, 3, 10), 400, {}, 1_000));
      expect(rest).toEqual([]);
      expect(finding).toMatchObject({ subject: '2026-03-30 03:00–04:00 UTC', evidence_count: 403, status: 'open' });
      expect(detail(finding, 'bursty')).toBe('true');
      expect(String(finding?.threshold)).toMatch(/, above the largest baseline hour \(2\d\d\)$/);
    });

    it('handles MAD = 0: a constant job needs a real jump, not one extra call', async () => {
      const events = [...daily(JOB, { daysBack: [40, 2], hour: 2, perDay: 24 })];
      engine = await workspace({
        identities: [identity({ identity_key: JOB, name: 'backup' })],
        events: [...events, ...burst(JOB, at(31, 2, 1), 30, {}, 30_000)],
      });
      expect(await findings(engine, 'behavior.volume_spike', ASOF)).toEqual([]);
      await engine.close();
      engine = await workspace({ identities: [identity({ identity_key: JOB, name: 'backup' })], events: [...events, ...burst(JOB, at(31, 2, 1), 100, {}, 30_000)] });
      const [finding] = await findings(engine, 'behavior.volume_spike', ASOF);
      expect(finding).toMatchObject({ subject: '2026-03-31 02:00–03:00 UTC', evidence_count: 100 });
      expect(detail(finding, 'mad')).toBe('0');
      // Scale falls back to the Poisson floor √24 ≈ 4.9: z = (100 − 24) / 4.9.
      expect(Number(detail(finding, 'z'))).toBeCloseTo(15.5, 0);
    });

    it('decides on the events outside change windows and explains a spike that only exists inside one', async () => {
      engine = await workspace({
        identities: [identity({ identity_key: SYNC, name: 'data-sync' })],
        events: [...daily(SYNC, { daysBack: [40, 0], hour: 1, perDay: 10 }), ...burst(SYNC, at(26, 13, 0), 300, {}, 5_000), ...burst(SYNC, at(26, 13, 50), 5)],
        changes: [change('CHG-9', 'data-sync', at(26, 12, 55), at(26, 13, 45))],
      });
      const [finding] = await findings(engine, 'behavior.volume_spike', ASOF);
      expect(finding).toMatchObject({ status: 'explained', change_id: 'CHG-9', evidence_count: 305, evidence_outside_change: 0 });
      expect(finding?.observed).toBe('305 events in 13:00–14:00 UTC on Thu 2026-03-26 (305 s3:GetObject); only 5 outside change windows, below the bar of 20');
    });

    it('reports a whole day when the volume is spread so that no hour stands out', async () => {
      const spread: CanonicalEvent[] = [];
      for (let h = 8; h < 18; h++) spread.push(...burst(SYNC, at(26, h, 5), 15, {}, 60_000));
      engine = await workspace({
        identities: [identity({ identity_key: SYNC, name: 'data-sync' })],
        events: [...Array.from({ length: 10 }, (_, i) => daily(SYNC, { daysBack: [40, 0], hour: 8 + i })).flat(), ...spread],
      });
      const [finding, ...rest] = await findings(engine, 'behavior.volume_spike', ASOF);
      expect(rest).toEqual([]);
      expect(finding).toMatchObject({ subject: '2026-03-26 (whole day, UTC)', evidence_count: 160 });
      expect(finding?.baseline).toBe('median 10 / p99 10 per day (weekdays) over 24 baseline days; largest baseline day 10');
      await expectExactEvidence(engine, finding, (e) => String(e.event_time).startsWith('2026-03-26'));
    });
  });

  describe('behavior.denied_burst', () => {
    const hrEvents = (from: number) =>
      [...daily(HR, { daysBack: [40, 0], hour: 15, perDay: 4, over: { platform: 'okta', action: 'user.account.update_profile' } })].filter((e) => e.event_time < from);

    it('reports many failures across several actions within 15 minutes, above the baseline failure rate', async () => {
      const actions = ['app.oauth2.as.token.grant.access_token', 'group.user_membership.add', 'user.lifecycle.create', 'user.account.update_profile'];
      const fails = Array.from({ length: 16 }, (_, i) =>
        event({ actor: HR, event_time: at(26, 15, 3) + i * 40_000, platform: 'okta', action: actions[i % 4]!, outcome: 'failure', error_code: 'E0000006' }),
      );
      engine = await workspace({
        identities: [identity({ identity_key: HR, name: 'HR Sync', platform: 'okta' })],
        events: [...hrEvents(Infinity), event({ actor: HR, event_time: at(10, 15, 30), platform: 'okta', outcome: 'failure', action: 'user.lifecycle.create' }), ...fails],
      });
      const [finding, ...rest] = await findings(engine, 'behavior.denied_burst', ASOF);
      expect(rest).toEqual([]);
      expect(finding).toMatchObject({
        identity_key: HR, subject: '2026-03-26 15:03 UTC', status: 'open', evidence_count: 16,
        baseline: 'failure rate 0.7% (1 of 137 baseline events); largest baseline failure count in 15 min: 1',
        threshold: '≥ 10 failures across ≥ 3 actions within 15 min, above the baseline failure rate and the largest baseline burst',
      });
      expect(String(finding?.observed)).toMatch(/^16 failures across 4 actions in 10 min \(15:03–15:13 UTC on Thu 2026-03-26\): 4 app\.oauth2/);
      expect(String(finding?.observed)).toContain('16 of 17 calls failed (94.1%); errors: E0000006');
      await expectExactEvidence(engine, finding, (e) => e.outcome === 'failure');
    });

    it('ignores a burst of one action, and a burst below the identity\'s usual failure rate', async () => {
      const oneAction = Array.from({ length: 15 }, (_, i) =>
        event({ actor: HR, event_time: at(26, 15, 3) + i * 30_000, platform: 'okta', action: 'user.lifecycle.create', outcome: 'failure' }),
      );
      engine = await workspace({ identities: [identity({ identity_key: HR, name: 'HR Sync', platform: 'okta' })], events: [...hrEvents(Infinity), ...oneAction] });
      expect(await findings(engine, 'behavior.denied_burst', ASOF)).toEqual([]);
      await engine.close();
      // A prober that fails 9 calls in 10 every day, spread over the day; the window burst fails 12 of 16 (75 %).
      const noisy: CanonicalEvent[] = [];
      for (let d = 40; d >= 8; d--) {
        const day = Math.floor((AS_OF - d * DAY) / DAY) * DAY;
        for (let i = 0; i < 10; i++) noisy.push(event({ actor: JOB, event_time: day + i * HOUR, action: `svc:Probe${i % 3}`, outcome: i === 0 ? 'success' : 'failure' }));
      }
      const window = Array.from({ length: 16 }, (_, i) =>
        event({ actor: JOB, event_time: at(26, 10) + i * 30_000, action: `svc:Probe${i % 3}`, outcome: i % 4 === 0 ? 'success' : 'failure' }),
      );
      engine = await workspace({ identities: [identity({ identity_key: JOB, name: 'prober' })], events: [...noisy, ...window] });
      expect(await findings(engine, 'behavior.denied_burst', ASOF)).toEqual([]);
    });

    it('explains a burst that happens inside a change window', async () => {
      const fails = Array.from({ length: 12 }, (_, i) =>
        event({ actor: HR, event_time: at(26, 15, 3) + i * 30_000, platform: 'okta', action: `svc:Op${i % 3}`, outcome: 'failure' }),
      );
      engine = await workspace({
        identities: [identity({ identity_key: HR, name: 'HR Sync', platform: 'okta' })],
        events: [...hrEvents(Infinity), ...fails],
        changes: [change('CHG-3', 'HR Sync', at(26, 15), at(26, 16))],
      });
      const [finding] = await findings(engine, 'behavior.denied_burst', ASOF);
      expect(finding).toMatchObject({ status: 'explained', change_id: 'CHG-3', evidence_outside_change: 0, evidence_count: 12 });
    });
  });

  describe('behavior.dormant_reactivated', () => {
    it('reports activity after 21+ days of silence, with everything done since as evidence', async () => {
      engine = await workspace({
        identities: [identity({ identity_key: SYNC, name: 'docs-publisher' })],
        events: [...daily(SYNC, { daysBack: [45, 29], hour: 15 }), ...burst(SYNC, at(29, 2, 13), 26, { action: 'git.clone' }, 25_000)],
      });
      const [finding, ...rest] = await findings(engine, 'behavior.dormant_reactivated', ASOF);
      expect(rest).toEqual([]);
      expect(finding).toMatchObject({
        identity_key: SYNC, subject: '', status: 'open', evidence_count: 26, maturity: 'n/a',
        observed: '26 events from 2026-03-29 02:13 UTC (26 git.clone) after 27.5 days without activity',
        baseline: 'last activity before it 2026-03-01 15:00 UTC; 16 active baseline days, first seen 2026-02-14 UTC',
        threshold: 'silence ≥ 21 days before activity in the detection window',
      });
      await expectExactEvidence(engine, finding, (e) => e.action === 'git.clone');
    });

    it('works from a short baseline, and stays quiet for an identity seen every day or recently used per the inventory', async () => {
      engine = await workspace({
        identities: [identity({ identity_key: SYNC, name: 'rare' })],
        events: [event({ actor: SYNC, event_time: at(1, 12) }), event({ actor: SYNC, event_time: at(30, 12) })],
      });
      const [rare] = await findings(engine, 'behavior.dormant_reactivated', ASOF);
      expect(rare).toMatchObject({ evidence_count: 1, status: 'open' });
      expect(detail(rare, 'silent_days')).toBe('29.0');
      await engine.close();
      engine = await workspace({
        identities: [identity({ identity_key: SYNC, name: 'rare', last_used_at: at(20, 12) }), identity({ identity_key: JOB, name: 'daily' })],
        events: [event({ actor: SYNC, event_time: at(1, 12) }), event({ actor: SYNC, event_time: at(30, 12) }), ...daily(JOB, { daysBack: [60, 0] })],
      });
      expect(await findings(engine, 'behavior.dormant_reactivated', ASOF)).toEqual([]);
    });
  });

  describe('behavior.unapproved_destination', () => {
    it('reports writes to another account, and to unapproved destinations, with exactly the writes as evidence', async () => {
      engine = await workspace({
        identities: [identity({ identity_key: SYNC, name: 'data-sync', approved_destinations: ['arn:aws:s3:::analytics-landing'] })],
        events: [
          ...daily(SYNC, { daysBack: [40, 0], over: { action: 's3:PutObject', resource: 'arn:aws:s3:::analytics-landing', is_write: true } }),
          ...burst(SYNC, at(26, 13, 32), 48, { action: 's3:PutObject', resource: 'arn:aws:s3:::northwind-transfer-drop', resource_account: '444455556666', is_write: true }),
          ...burst(SYNC, at(26, 13, 40), 2, { action: 's3:GetObject', resource: 'arn:aws:s3:::northwind-transfer-drop', resource_account: '444455556666' }),
          ...burst(SYNC, at(27, 1, 10), 3, { action: 's3:CopyObject', resource: 'arn:aws:s3:::scratch', is_write: true }),
        ],
      });
      const found = await findings(engine, 'behavior.unapproved_destination', ASOF);
      expect(found.map((f) => [f.subject, f.evidence_count, detail(f, 'reason')])).toEqual([
        ['arn:aws:s3:::northwind-transfer-drop', 48, 'other account, not approved'],
        ['arn:aws:s3:::scratch', 3, 'not approved'],
      ]);
      expect(found[0]).toMatchObject({
        status: 'open', maturity: 'n/a',
        observed: "48 s3:PutObject to arn:aws:s3:::northwind-transfer-drop (account 444455556666, not the identity's own 111122223333)",
        baseline: 'never used in the baseline',
        declared: 'approved destinations: arn:aws:s3:::analytics-landing; own account 111122223333',
      });
      await expectExactEvidence(engine, found[0], (e) => e.action === 's3:PutObject');
      await expectExactEvidence(engine, found[1], (e) => e.action === 's3:CopyObject');
    });

    it('stays quiet for writes to an approved bucket, objects under it, and mutations that are not data writes', async () => {
      engine = await workspace({
        identities: [
          identity({ identity_key: SYNC, name: 'data-sync', approved_destinations: ['arn:aws:s3:::analytics-landing', 's3://archive-*'] }),
          identity({ identity_key: JOB, name: 'no-list' }),
        ],
        events: [
          ...burst(SYNC, at(26, 1), 5, { action: 's3:PutObject', resource: 'arn:aws:s3:::analytics-landing', is_write: true }),
          ...burst(SYNC, at(26, 2), 2, { action: 's3:PutObject', resource: 'arn:aws:s3:::analytics-landing/2026/03/part-1.parquet', is_write: true }),
          ...burst(SYNC, at(26, 3), 2, { action: 's3:PutObject', resource: 'arn:aws:s3:::archive-2026', is_write: true }),
          ...burst(SYNC, at(26, 4), 2, { action: 'ecs:UpdateService', resource: 'arn:aws:ecs:us-east-1:111122223333:service/web', is_write: true }),
          ...burst(JOB, at(26, 5), 2, { action: 's3:PutObject', resource: 'arn:aws:s3:::anything', is_write: true }),
        ],
      });
      expect(await findings(engine, 'behavior.unapproved_destination', ASOF)).toEqual([]);
    });
  });

  describe('behavior.disallowed_data_class', () => {
    it('reports a resource of a class the identity may not handle, only for identities that declare classes', async () => {
      engine = await workspace({
        identities: [
          identity({ identity_key: SYNC, name: 'data-sync', allowed_data_classes: ['internal', 'confidential'] }),
          identity({ identity_key: JOB, name: 'undeclared' }),
        ],
        events: [
          ...burst(SYNC, at(26, 13), 4, { resource: 'arn:aws:s3:::finance-payroll-exports' }),
          ...burst(SYNC, at(26, 14), 2, { resource: 'arn:aws:s3:::crm-exports' }),
          ...burst(JOB, at(26, 13), 2, { resource: 'arn:aws:s3:::finance-payroll-exports' }),
        ],
        classes: [
          { pattern: 'arn:aws:s3:::finance-payroll-*', data_class: 'Restricted', source_file: 'classes.csv', source_row: 2 },
          { pattern: 'arn:aws:s3:::crm-*', data_class: 'confidential', source_file: 'classes.csv', source_row: 3 },
        ],
      });
      const [finding, ...rest] = await findings(engine, 'behavior.disallowed_data_class', ASOF);
      expect(rest).toEqual([]);
      expect(finding).toMatchObject({
        identity_key: SYNC, subject: 'arn:aws:s3:::finance-payroll-exports', evidence_count: 4, status: 'open',
        observed: '4 s3:GetObject on arn:aws:s3:::finance-payroll-exports (data class restricted, from pattern arn:aws:s3:::finance-payroll-*)',
        declared: 'allowed data classes: confidential, internal',
      });
      await expectExactEvidence(engine, finding, (e) => e.resource === 'arn:aws:s3:::finance-payroll-exports');
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------------------
// The workshop sample: planted incidents a–d, look-alikes h–k, the quiet identities (sample-data/README.md).

const QUIET = ['github-actions-deploy', 'vendor-cloudhealth', 'terraform-admin', 'Terraform Okta provider', 'Zendesk', 'svc-jira-sync', 'acme-ci[bot]',
  'terraform-github[bot]', 'snyk-io[bot]', 'acme-release-bot', 'svc-legacy-etl', 'svc-billing-export', 'svc-old-reporting', 'stripe-webhook-handler', 'backup-nightly'];

describe('behavior detections on the workshop sample', () => {
  it('finds incidents a–d on the right identities, respects look-alikes h–j and stays quiet elsewhere', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'driftline-behavior-'));
    execFileSync(process.execPath, ['sample-data/generate.mjs', '--out', dir, '--quiet'], { stdio: 'pipe' });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
    const files = manifest.files.map((f) => new File([readFileSync(path.join(dir, f.path))], f.path));
    const engine = createNodeEngine();
    try {
      await engine.start();
      await ensureSchema(engine);
      const imported = await importEvidence(engine, files, { reader: readEvidence, signal: new AbortController().signal });
      expect(imported.status).toBe('committed');
      const report = await runAnalysis(engine, CATALOGUE, DEFAULT_SETTINGS, { evaluatedAt: AS_OF });
      const behaviourMs = Object.entries(report.timingsMs).filter(([id]) => id.startsWith('behavior.'));
      console.log(`sample (15,097 events): behaviour detections ${behaviourMs.reduce((s, [, ms]) => s + ms, 0)} ms`, Object.fromEntries(behaviourMs));
      const { rows } = await engine.queryRows(
        "SELECT detection_id, identity_name, subject, status, evidence_count, evidence_sql, details FROM findings WHERE family = 'behavior' ORDER BY identity_name, detection_id, subject",
      );
      const of = (name: string, status?: string) => rows.filter((r) => r.identity_name === name && (!status || r.status === status));
      const ids = (name: string, status?: string) => [...new Set(of(name, status).map((r) => String(r.detection_id)))].sort();
      const subjects = (name: string, id: string) => of(name).filter((r) => r.detection_id === id).map((r) => r.subject);

      // a: the Jenkins key from a new network at 03:00, minting a key and attaching AdministratorAccess; one failure only.
      expect(ids('ci-legacy-deployer', 'open')).toEqual(['behavior.new_action', 'behavior.new_source', 'behavior.off_hours']);
      expect(subjects('ci-legacy-deployer', 'behavior.new_action')).toEqual(expect.arrayContaining(['iam:CreateAccessKey', 'iam:AttachUserPolicy']));
      expect(subjects('ci-legacy-deployer', 'behavior.new_source')).toEqual(['203.0.113.0/24']);
      expect(subjects('ci-legacy-deployer', 'behavior.off_hours')).toEqual(['Fri 03:00–04:00 UTC']);
      // b: 768 calls at 13:00, a payroll bucket and a drop bucket in another account.
      expect(ids('svc-data-sync', 'open')).toEqual(['behavior.off_hours', 'behavior.scope_expansion', 'behavior.unapproved_destination', 'behavior.volume_spike']);
      expect(of('svc-data-sync').find((r) => r.detection_id === 'behavior.volume_spike')).toMatchObject({ subject: '2026-03-26 13:00–14:00 UTC', evidence_count: 768 });
      expect(subjects('svc-data-sync', 'behavior.scope_expansion')).toEqual(['arn:aws:s3:::finance-payroll-exports', 'arn:aws:s3:::northwind-transfer-drop']);
      expect(subjects('svc-data-sync', 'behavior.unapproved_destination')).toEqual(['arn:aws:s3:::northwind-transfer-drop']);
      // c: 16 refused requests across 4 event types in 11 minutes.
      expect(ids('HR Sync (Workday to Okta)', 'open')).toEqual(['behavior.denied_burst']);
      expect(of('HR Sync (Workday to Okta)')[0]).toMatchObject({ evidence_count: 16 });
      expect(detail(of('HR Sync (Workday to Okta)')[0], 'actions')).toBe('4');
      // d: the PAT back after 26 days, cloning every repository from a new network at 02:00 on a Sunday.
      expect(ids('svc-docs-publisher', 'open')).toEqual([
        'behavior.dormant_reactivated', 'behavior.new_source', 'behavior.off_hours', 'behavior.scope_expansion', 'behavior.volume_spike',
      ]);
      expect(subjects('svc-docs-publisher', 'behavior.scope_expansion')).toHaveLength(25);
      expect(detail(of('svc-docs-publisher').find((r) => r.detection_id === 'behavior.dormant_reactivated'), 'silent_days')).toBe('26.4');
      // h: the Monday payout burst is not a spike; i: the lifecycle change is explained, not open; j and the rest: quiet.
      expect(of('stripe-webhook-handler')).toEqual([]);
      expect(of('backup-nightly').map((r) => [r.detection_id, r.subject, r.status])).toEqual([
        ['behavior.new_action', 's3:GetBucketLifecycle', 'explained'],
        ['behavior.new_action', 's3:PutBucketLifecycle', 'explained'],
      ]);
      for (const name of QUIET) expect(of(name, 'open'), name).toEqual([]);
      expect(of('svc-billing-export')).toEqual([]);
      // Every finding's evidence query returns exactly its evidence.
      for (const r of rows) expect((await engine.queryRows(String(r.evidence_sql))).rows.length, `${r.detection_id} ${r.identity_name} ${r.subject}`).toBe(r.evidence_count);
      const summary = rows.map((r) => `${r.identity_name} → ${r.detection_id} [${r.subject}] ${r.status}`);
      console.log(summary.join('\n'));
    } finally {
      await engine.close();
    }
  }, 180_000);
});
