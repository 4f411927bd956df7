// The inventory register and the two-way reconciliation over a real DuckDB workspace: credential ages against the as-of,
// posture/coverage findings per identity from the catalogue, silent identities with what the evidence covers, shadow and
// ambiguous actors with their candidates, and hostile strings kept as data.
import { afterEach, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { inventoryRegister, reconciliation, shadowEventsSql, type RegisterRow } from '../../../src/investigate/inventory';
import { AS_OF, DAY, HOUR, daily, event, findings, identity, workspace } from '../detections/harness';

const ACCOUNT = '111122223333';
const user = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const AS_OF_ISO = new Date(AS_OF).toISOString();
const at = (daysAgo: number, hour = 2) => Math.floor((AS_OF - daysAgo * DAY) / DAY) * DAY + hour * HOUR;

const HOSTILE_NAME = `<img src=x onerror=alert(1)>'; DROP TABLE identities; --`;
const HOSTILE_KEY = `arn:aws:iam::${ACCOUNT}:user/o'brien"`;
const HOSTILE_ACTOR = `evil'); DROP TABLE events; -- <script>alert(1)</script>`;
const GHOST = user('ghost');
const DEPLOY = role('deploy');

let engine: DuckEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

function build() {
  return workspace({
    identities: [
      // Active, wildcard grant, no owner: posture findings, and events.
      identity({ identity_key: user('sync'), name: 'sync', owner: null, owner_status: null, permissions: ['*'], criticality: 'high' }),
      // Never rotated in 400 days; active.
      identity({ identity_key: user('old-key'), name: 'old-key', created_at: AS_OF - 400 * DAY, last_rotated_at: null }),
      // AWS, silent in the logs, last used 60 days ago per the inventory: dormant.
      identity({ identity_key: user('idle'), name: 'idle', last_used_at: AS_OF - 60 * DAY }),
      // Okta, no Okta logs at all, never used per the inventory.
      identity({ identity_key: 'okta:0oa-scim', name: 'scim-client', kind: 'OAuth app', platform: 'okta', account: 'acme.okta.com', credential_type: 'token' }),
      // Two roles named 'deploy' with no account: a role ARN matches both, so it is ambiguous and both stay silent.
      identity({ identity_key: 'reg:deploy-a', name: 'deploy', kind: 'IAM role', account: null }),
      identity({ identity_key: 'reg:deploy-b', name: 'deploy', kind: 'IAM role', account: null, environment: 'dev' }),
      // A person from a credential report: in the register, not reconciled.
      identity({ identity_key: user('alice'), name: 'alice', kind: 'IAM user (console)' }),
      // Hostile strings in the inventory.
      identity({ identity_key: HOSTILE_KEY, name: HOSTILE_NAME, owner: `=HYPERLINK("http://x")`, last_used_at: AS_OF - 3 * DAY }),
    ],
    events: [
      ...daily(user('sync'), { daysBack: [10, 0] }),
      ...daily(user('old-key'), { daysBack: [3, 0], over: { action: 'sts:GetCallerIdentity' } }),
      ...daily(DEPLOY, { daysBack: [4, 0], over: { action: 'ecs:UpdateService', is_write: true } }),
      // A shadow actor: three reads and one key creation, from two addresses, with a long-term key.
      event({ event_time: at(2), actor: GHOST, credential_id: 'AKIAGHOST0000000', action: 's3:GetObject', source_ip: '203.0.113.5' }),
      event({ event_time: at(2, 3), actor: GHOST, credential_id: 'AKIAGHOST0000000', action: 's3:GetObject', source_ip: '203.0.113.5' }),
      event({ event_time: at(1), actor: GHOST, credential_id: 'AKIAGHOST0000000', action: 's3:GetObject', source_ip: '198.51.100.7' }),
      event({ event_time: at(1, 4), actor: GHOST, credential_id: 'AKIAGHOST0000000', action: 'iam:CreateAccessKey', is_write: true, source_ip: '198.51.100.7' }),
      // A hostile actor string.
      event({ event_time: at(1, 5), actor: HOSTILE_ACTOR, credential_id: `AKIA'QUOTE`, action: `x'); DROP TABLE x; --` }),
      // The provider itself: not an identity.
      event({ event_time: at(1, 6), actor: 's3.amazonaws.com', actor_type: 'AWSService', action: 'kms:Decrypt' }),
    ],
  });
}

const byName = (rows: RegisterRow[], name: string) => {
  const row = rows.find((r) => r.name === name);
  if (!row) throw new Error(`no register row ${name}`);
  return row;
};

describe('inventoryRegister', () => {
  it('lists every identity before any analysis, with ages against the latest event and no findings table', async () => {
    engine = await build();
    const register = await inventoryRegister(engine);
    expect(register.findingsAvailable).toBe(false);
    expect(register.asOfSource).toBe('latest_event');
    expect(register.rows).toHaveLength(8);
    const sync = byName(register.rows, 'sync');
    // The latest event is on 2026-03-30, a day before AS_OF: the key was rotated 19 days before it.
    expect(register.asOf).toBe(new Date(at(1, 6)).toISOString());
    expect(sync).toMatchObject({ identityKey: user('sync'), platform: 'aws', credentialAgeDays: 19, events: 10, aliases: 1, findingIds: [], findingCount: 0 });
    expect(sync.lastSeen).toBe(new Date(at(1)).toISOString());
  });

  it('gives credential age against the analysis as-of and the posture and coverage findings per identity', async () => {
    engine = await build();
    await findings(engine, undefined, { asOf: AS_OF_ISO });
    const register = await inventoryRegister(engine);
    expect(register.findingsAvailable).toBe(true);
    expect(register.asOfSource).toBe('analysis');
    expect(register.asOf).toBe(AS_OF_ISO);

    const sync = byName(register.rows, 'sync');
    expect(sync.credentialAgeDays).toBe(20);
    expect(sync.findingIds).toEqual(expect.arrayContaining(['posture.no_owner', 'posture.wildcard_permission']));
    expect(sync.findingIds.every((id) => id.startsWith('posture.') || id.startsWith('coverage.'))).toBe(true);
    expect(sync.worstSeverity).toBe('high');
    expect(sync.postureCount).toBeGreaterThanOrEqual(2);
    expect(sync.maxRisk).toBeGreaterThan(0);
    expect(sync.detections.find((d) => d.detectionId === 'posture.no_owner')?.title).toBe('No accountable owner');

    const old = byName(register.rows, 'old-key');
    expect(old.credentialAgeDays).toBe(400);
    expect(old.findingIds).toContain('posture.never_rotated');
    expect(old.events).toBe(3);

    // The dormant AWS identity carries its coverage finding.
    expect(byName(register.rows, 'idle').findingIds).toContain('coverage.dormant');
    // Humans stay in the register, flagged, without posture findings.
    expect(byName(register.rows, 'alice')).toMatchObject({ nhi: false, findingIds: [] });

    const hostile = byName(register.rows, HOSTILE_NAME);
    expect(hostile).toMatchObject({ identityKey: HOSTILE_KEY, owner: `=HYPERLINK("http://x")`, events: 0 });
    // The two 'deploy' roles.
    expect(register.rows.filter((r) => r.name === 'deploy').map((r) => r.identityKey)).toEqual(['reg:deploy-a', 'reg:deploy-b']);
  });
});

describe('reconciliation', () => {
  it('lists silent identities with the platform coverage, shadow actors and the ambiguous candidates', async () => {
    engine = await build();
    await findings(engine, undefined, { asOf: AS_OF_ISO });
    const rec = await reconciliation(engine);

    expect(rec.summary).toMatchObject({ inventory: 8, notNhi: 1, matched: 2, silent: 5, shadow: 2, ambiguous: 1, excludedActors: 1, excludedEvents: 1 });
    expect(rec.summary.platformsWithLogs).toEqual(['aws']);
    expect(rec.summary.unattributedEvents).toBe(4 + 4 + 1);

    // Silent: covered platforms first; the person is not listed.
    expect(rec.silent.map((s) => s.name)).toEqual([HOSTILE_NAME, 'deploy', 'deploy', 'idle', 'scim-client']);
    const idle = rec.silent.find((s) => s.name === 'idle')!;
    expect(idle).toMatchObject({ usage: 'dormant', daysSinceUsed: 60, logsLoaded: true });
    expect(idle.coverageText).toBe('AWS logs loaded (2026-03-21 – 2026-03-30), no activity');
    expect(idle.usageText).toBe('Last used 2026-01-30 per the inventory, 60 days before as-of');

    const scim = rec.silent.find((s) => s.name === 'scim-client')!;
    expect(scim).toMatchObject({ usage: 'never_used', lastUsedAt: null, logsLoaded: false });
    expect(scim.coverageText).toContain('No Okta logs loaded');

    const deployA = rec.silent.find((s) => s.identityKey === 'reg:deploy-a')!;
    expect(deployA.notes.join(' ')).toContain(DEPLOY);

    // Used 3 days ago per the inventory, within the logs' span, yet no event resolves to it: said so.
    const hostile = rec.silent.find((s) => s.identityKey === HOSTILE_KEY)!;
    expect(hostile.usage).toBe('recent');
    expect(hostile.notes.join(' ')).toContain('check its aliases');

    // Shadow actors: ambiguous first, then by events.
    expect(rec.shadow.map((s) => s.actor)).toEqual([DEPLOY, GHOST, HOSTILE_ACTOR]);
    const deploy = rec.shadow[0]!;
    expect(deploy).toMatchObject({ ambiguous: true, events: 4, platforms: ['aws'] });
    expect(deploy.candidates).toEqual([
      { identityKey: 'reg:deploy-a', name: 'deploy', account: null },
      { identityKey: 'reg:deploy-b', name: 'deploy', account: null },
    ]);
    const ghost = rec.shadow[1]!;
    expect(ghost).toMatchObject({ ambiguous: false, events: 4, credentialIds: ['AKIAGHOST0000000'], sourceIps: 2, distinctActions: 2, candidates: [] });
    expect(ghost.topActions).toEqual([
      { action: 's3:GetObject', count: 3 },
      { action: 'iam:CreateAccessKey', count: 1 },
    ]);
    expect(ghost.firstSeen).toBe(new Date(at(2)).toISOString());
    expect(ghost.lastSeen).toBe(new Date(at(1, 4)).toISOString());

    const hostileActor = rec.shadow[2]!;
    expect(hostileActor).toMatchObject({ credentialIds: [`AKIA'QUOTE`], topActions: [{ action: `x'); DROP TABLE x; --`, count: 1 }] });
  });

  it('builds console SQL for a shadow actor that returns exactly its events, hostile names included', async () => {
    engine = await build();
    const { rows: ghost } = await engine.queryRows(shadowEventsSql(GHOST));
    expect(ghost).toHaveLength(4);
    const { rows: hostile } = await engine.queryRows(shadowEventsSql(HOSTILE_ACTOR));
    expect(hostile).toHaveLength(1);
    expect(hostile[0]).toMatchObject({ actor: HOSTILE_ACTOR, identity_key: null });
    // Nothing was dropped.
    const { rows } = await engine.queryRows('SELECT (SELECT count(*) FROM events) AS e, (SELECT count(*) FROM identities) AS i');
    expect(rows[0]).toEqual({ e: 10 + 3 + 4 + 4 + 1 + 1, i: 8 });
  });

  it('says what to add when there is no inventory or no logs', async () => {
    engine = await workspace({ events: daily(GHOST, { daysBack: [2, 0] }) });
    const onlyLogs = await reconciliation(engine);
    expect(onlyLogs.summary).toMatchObject({ inventory: 0, matched: 0, silent: 0, shadow: 1 });
    expect((await inventoryRegister(engine)).rows).toEqual([]);
    await engine.close();

    engine = await workspace({ identities: [identity({ identity_key: user('lonely'), name: 'lonely' })] });
    const onlyInventory = await reconciliation(engine, { dormantDays: 10 });
    expect(onlyInventory.summary).toMatchObject({ inventory: 1, silent: 1, shadow: 0, platformsWithLogs: [] });
    expect(onlyInventory.silent[0]?.coverageText).toContain('No AWS logs loaded');
    const register = await inventoryRegister(engine);
    // No events and no analysis: ages are taken against the import time.
    expect(register.asOfSource).toBe('import');
  });
});
