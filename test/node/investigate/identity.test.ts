// The identity page's queries over a real DuckDB workspace: the list, facts, the hourly timeline and its baseline band, the
// hour-of-week profile, what is new in the detection window, granted vs used permissions (judged as the coverage detections
// judge), findings; before an analysis they say so (null) instead of failing; hostile keys and values stay data.
import { afterEach, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import type { CanonicalEvent } from '../../../src/ingest/canonical';
import {
  hourOfWeekProfile,
  hourlyActivity,
  identityFacts,
  identityFindings,
  listIdentities,
  newInDetection,
  permissionUse,
  splitWithQuery,
} from '../../../src/investigate/identity';
import { AS_OF, DAY, HOUR, daily, event, findings, identity, workspace } from '../detections/harness';

const ACCOUNT = '111122223333';
const arn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const SYNC = arn('svc-data-sync');
const LEGACY = arn('svc-legacy');
const GHOST = arn('ghost');
const XSS = '<img src=x onerror=alert(1)>';
const DROP = "'; DROP TABLE events; --";
const HOSTILE_KEY = arn(`${DROP} $' $& ${XSS}`);
/** hh:mm UTC on the day `daysAgo` whole days before AS_OF's day. */
const at = (daysAgo: number, hour: number, minute = 0) => Math.floor((AS_OF - daysAgo * DAY) / DAY) * DAY + hour * HOUR + minute * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const SETTINGS = { asOf: iso(AS_OF) };
/** Baseline days (counted back) on which the 02:00 job ran 10 times instead of 3: the band's upper edge. */
const BUSY_DAYS = [9, 15, 20, 26];
/** The anomaly: Thursday 2026-03-26 13:00–14:00 UTC, inside the detection window. */
const SPIKE_DAY = 5;

function syncEvents(): CanonicalEvent[] {
  const out: CanonicalEvent[] = [];
  // 45 days of a nightly job at 02:00 (3 reads; 10 on busy days) and one ListBuckets at 03:00, including as-of's own day.
  for (let d = 45; d >= 0; d--) {
    const n = BUSY_DAYS.includes(d) ? 10 : 3;
    for (let i = 0; i < n; i++) out.push(event({ actor: SYNC, event_time: at(d, 2, i) }));
  }
  out.push(...daily(SYNC, { daysBack: [45, -1], hour: 3, over: { action: 's3:ListBuckets', resource: null } }));
  // The anomaly: 60 reads of a bucket never touched, from a new address, and two IAM calls no grant covers.
  for (let i = 0; i < 60; i++) {
    out.push(event({ actor: SYNC, event_time: at(SPIKE_DAY, 13, i % 60), resource: 'arn:aws:s3:::payroll', source_ip: '203.0.113.9' }));
  }
  for (let i = 0; i < 2; i++) {
    out.push(
      event({ actor: SYNC, event_time: at(SPIKE_DAY, 13, 30 + i), action: 'iam:CreateAccessKey', resource: arn('svc-data-sync'), source_ip: '203.0.113.9', is_write: true }),
    );
  }
  return out;
}

const quantileCont = (sorted: number[], q: number) => {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
};

async function build(): Promise<DuckEngine> {
  return workspace({
    identities: [
      identity({
        identity_key: SYNC,
        name: 'svc-data-sync',
        owner: 'dana@example.com',
        criticality: 'high',
        permissions: ['s3:GetObject', 's3:PutObject', 's3:List*', 'kms:Decrypt'],
        schedule: 'daily 02:00-04:00 UTC',
        approved_destinations: ['arn:aws:s3:::reports'],
        created_at: AS_OF - 300 * DAY,
        last_rotated_at: AS_OF - 120 * DAY,
        expires_at: AS_OF + 10 * DAY,
        extra: { ticket: XSS },
      }),
      identity({ identity_key: LEGACY, name: 'svc-legacy', permissions: ['ReadOnlyAccess (managed policy)'] }),
      identity({ identity_key: HOSTILE_KEY, name: XSS, owner: DROP, permissions: ['s3:GetObject'] }),
      identity({ identity_key: arn('never-seen'), name: 'never-seen' }),
    ],
    events: [
      ...syncEvents(),
      ...daily(LEGACY, { daysBack: [30, -1], hour: 9, over: { action: 's3:GetObject' } }),
      ...daily(HOSTILE_KEY, { daysBack: [20, -1], hour: 4 }),
      // The hostile identity's detection window: a hostile action on a hostile resource.
      event({ actor: HOSTILE_KEY, event_time: at(2, 4, 30), action: DROP, resource: XSS, source_ip: XSS }),
      // A shadow actor (no inventory identity) with a hostile twin.
      ...daily(GHOST, { daysBack: [3, -1], hour: 22, over: { action: 'sts:GetCallerIdentity' } }),
      event({ actor: DROP, event_time: at(1, 5), action: 's3:ListBuckets' }),
    ],
  });
}

describe('identity page queries', () => {
  let engine: DuckEngine;
  afterEach(() => engine?.close());

  it('before any analysis: lists identities and facts, and says the analysis is missing (null) instead of failing', async () => {
    engine = await build();
    const list = await listIdentities(engine);
    expect(list.map((i) => i.name)).toEqual(expect.arrayContaining(['svc-data-sync', 'svc-legacy', XSS, 'never-seen', 'arn:aws:iam::111122223333:user/ghost', DROP]));
    expect(list.every((i) => i.openFindings === 0 && i.maxRisk === null)).toBe(true);
    const facts = await identityFacts(engine, SYNC);
    expect(facts?.windows).toBeNull();
    expect(facts?.activity.baselineActiveDays).toBeNull();
    expect(facts?.credentialAgeDays).toBe(120);
    expect(await hourlyActivity(engine, SYNC)).toBeNull();
    expect(await hourOfWeekProfile(engine, SYNC)).toBeNull();
    expect(await newInDetection(engine, SYNC)).toBeNull();
    expect(await permissionUse(engine, SYNC)).toBeNull();
    expect(await identityFindings(engine, SYNC)).toBeNull();
  });

  it('lists inventory identities and shadow actors with events, open findings and max risk', async () => {
    engine = await build();
    const all = await findings(engine, undefined, SETTINGS);
    const list = await listIdentities(engine);
    const sync = list.find((i) => i.entityKey === SYNC)!;
    const openSync = all.filter((f) => f.entity_key === SYNC && f.status === 'open');
    expect(sync).toMatchObject({ name: 'svc-data-sync', shadow: false, platform: 'aws', owner: 'dana@example.com', criticality: 'high' });
    expect(sync.events).toBe(syncEvents().length);
    expect(sync.openFindings).toBe(openSync.length);
    expect(sync.maxRisk).toBe(Math.max(...openSync.map((f) => Number(f.risk_score))));
    const ghost = list.find((i) => i.entityKey === `shadow:${GHOST}`)!;
    expect(ghost).toMatchObject({ shadow: true, name: GHOST, events: 4, platform: 'aws' });
    expect(list.find((i) => i.entityKey === arn('never-seen'))).toMatchObject({ events: 0, lastSeen: null });
    // Riskiest first.
    const risks = list.map((i) => i.maxRisk ?? -1);
    expect(risks).toEqual([...risks].sort((a, b) => b - a));
  });

  it('gives the inventory facts with credential age against as-of, aliases and declared purpose', async () => {
    engine = await build();
    await findings(engine, undefined, SETTINGS);
    const facts = (await identityFacts(engine, SYNC))!;
    expect(facts).toMatchObject({
      name: 'svc-data-sync',
      shadow: false,
      owner: 'dana@example.com',
      ownerStatus: 'active',
      environment: 'prod',
      criticality: 'high',
      credentialType: 'static key',
      credentialAgeDays: 120,
      expiresInDays: 10,
      asOf: iso(AS_OF),
      schedule: 'daily 02:00-04:00 UTC',
      approvedDestinations: ['arn:aws:s3:::reports'],
      permissions: ['s3:GetObject', 's3:PutObject', 's3:List*', 'kms:Decrypt'],
      extra: { ticket: XSS },
    });
    expect(facts.aliases).toEqual([{ alias: SYNC, type: 'arn' }]);
    expect(facts.windows).toMatchObject({ asOf: iso(AS_OF), detectionDays: 7, baselineDays: 90, maturityDays: 3 });
    expect(facts.activity.events).toBe(syncEvents().length);
    expect(facts.activity.baselineMature).toBe(true);
    // 45..7 days back are baseline days (the detection window starts at 23:59:59 seven days before as-of).
    expect(facts.activity.baselineActiveDays).toBe(39);

    const ghost = (await identityFacts(engine, `shadow:${GHOST}`))!;
    expect(ghost).toMatchObject({ shadow: true, name: GHOST, platform: 'aws', account: ACCOUNT, owner: null });
    expect(ghost.shadowActor).toMatchObject({ actor: GHOST, resolutions: ['shadow'] });
    expect(await identityFacts(engine, 'shadow:nobody')).toBeNull();
    expect(await identityFacts(engine, 'no-such-key')).toBeNull();
  });

  it('counts events per hour across the span and draws the baseline band of each hour from its slot', async () => {
    engine = await build();
    await findings(engine, undefined, SETTINGS);
    const hourly = (await hourlyActivity(engine, SYNC))!;
    // From the start of the first active day (45 days back) to as-of's hour, every hour present.
    expect(hourly.hours[0]!.hour).toBe(iso(at(45, 0)));
    expect(hourly.hours.at(-1)!.hour).toBe(iso(at(0, 23)));
    expect(hourly.hours).toHaveLength(46 * 24);
    const byHour = new Map(hourly.hours.map((h) => [h.hour, h]));
    expect(byHour.get(iso(at(SPIKE_DAY, 13)))).toMatchObject({ count: 62, detectionCount: 62, baselineMedian: 0, baselineP95: 0 });
    expect(byHour.get(iso(at(BUSY_DAYS[0]!, 2)))?.count).toBe(10);
    expect(byHour.get(iso(at(11, 2)))?.count).toBe(3);
    expect(byHour.get(iso(at(11, 4)))?.count).toBe(0);
    expect(hourly.peak).toEqual({ hour: iso(at(SPIKE_DAY, 13)), count: 62 });
    expect(hourly.totalEvents).toBe(syncEvents().length);
    expect(hourly.eventsOutside).toBe(0);
    expect(hourly.windows.detectionStart).toBe(iso(AS_OF - 7 * DAY));

    // The band of the weekday 02:00 slot: median and p95 of the 02:00 counts over the active baseline weekdays.
    const weekdays = [];
    for (let d = 45; d >= 7; d--) {
      const dow = new Date(at(d, 0)).getUTCDay();
      if (dow !== 0 && dow !== 6) weekdays.push(BUSY_DAYS.includes(d) ? 10 : 3);
    }
    weekdays.sort((a, b) => a - b);
    const slot = hourly.band.find((b) => b.hourOfDay === 2 && b.dayType === 'weekday')!;
    expect(slot).toMatchObject({ basis: 'weekday', days: weekdays.length, median: quantileCont(weekdays, 0.5), max: 10 });
    expect(slot.p95).toBeCloseTo(quantileCont(weekdays, 0.95), 6);
    expect(slot.p95).toBeGreaterThan(3);
    expect(hourly.band.find((b) => b.hourOfDay === 13 && b.dayType === 'weekday')).toMatchObject({ median: 0, p95: 0, max: 0 });
    expect(hourly.band).toHaveLength(48);
    // Each hour carries its slot's band.
    expect(byHour.get(iso(at(11, 2)))).toMatchObject({ baselineMedian: slot.median, baselineP95: slot.p95 });
  });

  it('profiles the 168 hour-of-week slots, baseline vs detection window', async () => {
    engine = await build();
    await findings(engine, undefined, SETTINGS);
    const profile = (await hourOfWeekProfile(engine, SYNC))!;
    expect(profile.cells).toHaveLength(168);
    const thu13 = profile.cells[3 * 24 + 13]!;
    expect(thu13).toMatchObject({ day: 3, hour: 13, baselineActiveDays: 0, baselineEvents: 0, detectionEvents: 62, usual: false, declared: false });
    expect(thu13.detectionPerWeek).toBeCloseTo(62, 6);
    const tue02 = profile.cells[1 * 24 + 2]!;
    let tuesdays = 0;
    let tuesdayEvents = 0;
    for (let d = 45; d >= 7; d--) {
      if (new Date(at(d, 0)).getUTCDay() === 2) {
        tuesdays++;
        tuesdayEvents += BUSY_DAYS.includes(d) ? 10 : 3;
      }
    }
    expect(tue02).toMatchObject({ baselineActiveDays: tuesdays, baselineEvents: tuesdayEvents, declared: true, usual: true });
    expect(profile.baselineWeeks).toBeCloseTo((at(7, 0) + DAY - 1000 - at(45, 0)) / (7 * DAY), 3);
    expect(tue02.baselinePerWeek).toBeCloseTo(tuesdayEvents / profile.baselineWeeks, 6);
    expect(profile.detectionWeeks).toBeCloseTo(1, 6);
    // The declared schedule (daily 02:00–04:00) decides what is usual.
    expect(profile.scheduleReadable).toBe(true);
    expect(profile.cells.filter((c) => c.declared).map((c) => c.hour)).toEqual(expect.arrayContaining([2, 3]));
    expect(profile.cells.filter((c) => c.declared).every((c) => c.hour === 2 || c.hour === 3)).toBe(true);

    // Without a declared schedule, a slot is usual from 3 active baseline days (behavior.off_hours' rule).
    const legacy = (await hourOfWeekProfile(engine, LEGACY))!;
    expect(legacy.scheduleReadable).toBe(false);
    expect(legacy.cells.filter((c) => c.usual).map((c) => c.hour)).toEqual([9, 9, 9, 9, 9, 9, 9]);
  });

  it('lists actions, resources and sources first seen in the detection window', async () => {
    engine = await build();
    await findings(engine, undefined, SETTINGS);
    const fresh = (await newInDetection(engine, SYNC))!;
    expect(fresh.actions.items).toEqual([
      expect.objectContaining({ value: 'iam:CreateAccessKey', count: 2, outsideChange: 2, firstSeen: iso(at(SPIKE_DAY, 13, 30)), lastSeen: iso(at(SPIKE_DAY, 13, 31)), related: [SYNC] }),
    ]);
    expect(fresh.actions.known).toBe(2);
    expect(fresh.resources.items.map((i) => [i.value, i.count])).toEqual([['arn:aws:s3:::payroll', 60], [SYNC, 2]]);
    expect(fresh.resources.items[0]!.related).toEqual(['s3:GetObject']);
    expect(fresh.sources.items).toEqual([expect.objectContaining({ value: '203.0.113.9', count: 62, related: ['aws-sdk-go/1.44'] })]);
    expect(fresh.sources.known).toBe(1);
    // An entity with nothing new still reports what its baseline knows.
    const legacy = (await newInDetection(engine, LEGACY))!;
    expect(legacy.actions).toEqual({ items: [], total: 0, known: 1 });
  });

  it('shows granted vs used permissions and the actions used outside any grant, as the coverage detections judge them', async () => {
    engine = await build();
    const all = await findings(engine, undefined, SETTINGS);
    const use = (await permissionUse(engine, SYNC))!;
    const byGrant = Object.fromEntries(use.grants.map((g) => [g.grant, g]));
    expect(byGrant['s3:GetObject']).toMatchObject({ status: 'used', uses: 46 * 3 + BUSY_DAYS.length * 7 + 60, actions: ['s3:GetObject'] });
    expect(byGrant['s3:List*']).toMatchObject({ status: 'used', uses: 46, actions: ['s3:ListBuckets'] });
    expect(byGrant['s3:PutObject']).toMatchObject({ status: 'unused', uses: 0, actions: [] });
    expect(byGrant['kms:Decrypt']).toMatchObject({ status: 'unused', uses: 0 });
    expect(use.observedDays).toBeGreaterThan(45);
    expect(use.minObservedDays).toBe(14);
    expect(use.outsideGrant).toEqual([
      expect.objectContaining({ action: 'iam:CreateAccessKey', iamAction: 'iam:CreateAccessKey', count: 2, detectionCount: 2, resources: [SYNC] }),
    ]);
    // The same verdicts as the findings.
    const unused = all.find((f) => f.detection_id === 'coverage.unused_permission' && f.entity_key === SYNC);
    expect(String((unused?.details as Record<string, string>).unused).split('; ').sort()).toEqual(
      use.grants.filter((g) => g.status === 'unused').map((g) => g.grant).sort(),
    );
    expect(all.filter((f) => f.detection_id === 'coverage.used_outside_grant' && f.entity_key === SYNC).map((f) => f.subject)).toEqual(
      use.outsideGrant!.map((o) => o.action),
    );

    // A grant the logs cannot be matched against: not judged, and nothing can be called outside the grants.
    const legacy = (await permissionUse(engine, LEGACY))!;
    expect(legacy.grants).toEqual([expect.objectContaining({ grant: 'ReadOnlyAccess (managed policy)', status: 'not judged' })]);
    expect(legacy.grants[0]!.reason).toMatch(/not a grant name/);
    expect(legacy.outsideGrant).toBeNull();
    expect(legacy.note).toMatch(/not judged/);
    // Shadow actors and identities without grants say why there is nothing to compare.
    expect((await permissionUse(engine, `shadow:${GHOST}`))!.note).toMatch(/shadow actor/);
    expect((await permissionUse(engine, arn('never-seen')))!.note).toMatch(/No grants/);
  });

  it("lists the identity's findings, open first by risk, each with its evidence query", async () => {
    engine = await build();
    await findings(engine, undefined, SETTINGS);
    const list = (await identityFindings(engine, SYNC))!;
    const ids = list.map((f) => f.detectionId);
    expect(ids).toEqual(expect.arrayContaining(['behavior.new_action', 'behavior.new_source', 'behavior.scope_expansion', 'coverage.used_outside_grant', 'coverage.unused_permission']));
    const open = list.filter((f) => f.status === 'open').map((f) => f.riskScore);
    expect(open).toEqual([...open].sort((a, b) => b - a));
    const newAction = list.find((f) => f.detectionId === 'behavior.new_action')!;
    expect(newAction.subject).toBe('iam:CreateAccessKey');
    expect((await engine.queryRows(newAction.evidenceSql)).rows).toHaveLength(2);
  });

  it('treats hostile keys and values as data', async () => {
    engine = await build();
    await findings(engine, undefined, SETTINGS);
    const list = await listIdentities(engine);
    expect(list.find((i) => i.entityKey === HOSTILE_KEY)).toMatchObject({ name: XSS, owner: DROP, events: 22 });
    const facts = (await identityFacts(engine, HOSTILE_KEY))!;
    expect(facts).toMatchObject({ entityKey: HOSTILE_KEY, name: XSS, owner: DROP });
    const hourly = (await hourlyActivity(engine, HOSTILE_KEY))!;
    expect(hourly.totalEvents).toBe(22);
    expect(hourly.peak).toEqual({ hour: iso(at(2, 4)), count: 2 });
    const profile = (await hourOfWeekProfile(engine, HOSTILE_KEY))!;
    expect(profile.cells.reduce((n, c) => n + c.baselineEvents + c.detectionEvents, 0)).toBe(22);
    const fresh = (await newInDetection(engine, HOSTILE_KEY))!;
    expect(fresh.actions.items.map((i) => i.value)).toEqual([DROP]);
    expect(fresh.resources.items.map((i) => i.value)).toEqual([XSS]);
    expect(fresh.sources.items.map((i) => i.value)).toEqual([XSS]);
    const use = (await permissionUse(engine, HOSTILE_KEY))!;
    expect(use.grants.map((g) => [g.grant, g.status])).toEqual([['s3:GetObject', 'used']]);
    expect(use.outsideGrant?.map((o) => o.action)).toEqual([DROP]);
    expect((await identityFindings(engine, HOSTILE_KEY))!.length).toBeGreaterThan(0);
    // A shadow actor named like an injection.
    const shadow = (await identityFacts(engine, `shadow:${DROP}`))!;
    expect(shadow).toMatchObject({ shadow: true, name: DROP });
    expect((await hourlyActivity(engine, `shadow:${DROP}`))!.totalEvents).toBe(1);
    // Keys that would break out of a quoted literal (or of a $-replacement) find nothing and break nothing.
    for (const key of [DROP, `x' OR '1'='1`, "$'", '$&', XSS]) {
      expect(await identityFacts(engine, key)).toBeNull();
      expect((await hourlyActivity(engine, key))!.hours).toEqual([]);
      expect((await newInDetection(engine, key))!.actions.items).toEqual([]);
      expect(await identityFindings(engine, key)).toEqual([]);
    }
    expect((await engine.queryRows('SELECT count(*) AS n FROM events')).rows[0]!.n).toBeGreaterThan(0);
  });
});

describe('splitWithQuery', () => {
  it('splits a WITH query into its CTEs and main statement, past strings and comments holding parentheses', () => {
    const q = splitWithQuery(`-- lead (comment
      WITH a(x) AS (SELECT ')' AS x), b AS MATERIALIZED (
        SELECT 1 -- a ) in a comment
        FROM (SELECT 2) t /* ( */
      )
      SELECT * FROM a, b`);
    expect(q.ctes.map((c) => c.name)).toEqual(['a', 'b']);
    expect(q.ctes[0]!.body).toBe("SELECT ')' AS x");
    expect(q.main.trim()).toBe('SELECT * FROM a, b');
  });
});
