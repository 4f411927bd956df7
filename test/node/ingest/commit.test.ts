// Staging and commit against real DuckDB: all-or-nothing imports, duplicate events, identity merging, resolution rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import type { CanonicalEvent, CanonicalIdentity, IdentityAlias } from '../../../src/ingest/canonical';
import { ImportTransaction, ensureSchema, resolveIdentities } from '../../../src/ingest/commit';

const T0 = Date.UTC(2026, 2, 1, 12);

function event(over: Partial<CanonicalEvent>): CanonicalEvent {
  return {
    event_time: T0, platform: 'aws', source_format: 'cloudtrail', event_id: null, actor: null, actor_alt: null, actor_type: null,
    account: '111111111111', credential_id: null, action: 's3:GetObject', resource: null, resource_account: null, source_ip: '10.0.0.1',
    user_agent: 'aws-sdk', outcome: 'success', error_code: null, bytes: null, records: null, is_write: false, session_type: null,
    source_file: 'x', source_row: 1, ...over,
  };
}

function identity(over: Partial<CanonicalIdentity> & { identity_key: string; name: string }): CanonicalIdentity {
  return {
    kind: null, platform: 'aws', account: '111111111111', owner: null, owner_status: null, team: null, environment: null, criticality: null,
    permissions: [], secret_location: null, credential_type: null, created_at: null, last_rotated_at: null, expires_at: null,
    last_used_at: null, vendor: null, schedule: null, approved_destinations: [], allowed_data_classes: [], extra: {}, source_file: 'r', source_row: 2,
    ...over,
  };
}

const file = (file_id: string, kind: 'audit_log' | 'inventory' = 'audit_log') => ({
  file_id, name: `${file_id}.json`, bytes: 10, sha256: 'ab', container: 'JSON', kind, vendor: 'test', source_format: null, notes: [],
});

describe('ImportTransaction', () => {
  let engine: DuckEngine;
  beforeAll(async () => {
    engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
  });
  afterAll(() => engine.close());
  const count = async (sql: string) => Number((await engine.queryRows(sql)).rows[0]?.n ?? 0);

  it('makes nothing visible until commit, and nothing at all after a rollback', async () => {
    const tx = new ImportTransaction(engine, 'rollback1');
    await tx.begin();
    await tx.addFile(file('f_rb'));
    await tx.addEvents('f_rb', [event({ actor: 'arn:aws:iam::111111111111:user/ghost', event_id: 'rb-1' })]);
    expect(await count('SELECT count(*) AS n FROM events')).toBe(0);
    await tx.rollback();
    expect(await count('SELECT count(*) AS n FROM events')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM evidence_files')).toBe(0);
    expect(await count("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE 'stg_%'")).toBe(0);
  });

  it('commits inventory and events together and resolves every actor by the strongest evidence', async () => {
    const identities = [
      identity({ identity_key: 'arn:aws:iam::111111111111:user/data-sync', name: 'data-sync', owner: 'alice@example.com' }),
      identity({ identity_key: 'arn:aws:iam::111111111111:role/ci-deploy', name: 'ci-deploy' }),
      identity({ identity_key: 'aws:111111111111:nightly-backup', name: 'nightly-backup' }),
      identity({ identity_key: 'aws:222222222222:reporter', name: 'reporter', account: '222222222222' }),
      identity({ identity_key: 'aws:333333333333:reporter', name: 'reporter', account: '333333333333' }),
      identity({ identity_key: 'aws:noacct:auditor', name: 'auditor', account: null }),
      identity({ identity_key: 'k8s:prod:metrics-agent', name: 'metrics-agent', platform: 'k8s', account: 'prod' }),
      identity({ identity_key: 'github:deploy-bot', name: 'deploy-bot', platform: 'github', account: 'acme' }),
    ];
    const aliases: IdentityAlias[] = [
      { identity_key: 'arn:aws:iam::111111111111:user/data-sync', alias: 'AKIAEXAMPLEDATASYNC1', alias_type: 'access_key_id' },
      { identity_key: 'arn:aws:iam::111111111111:user/data-sync', alias: 'arn:aws:iam::111111111111:user/data-sync', alias_type: 'arn' },
      { identity_key: 'arn:aws:iam::111111111111:role/ci-deploy', alias: 'arn:aws:iam::111111111111:role/ci-deploy', alias_type: 'role_arn' },
      { identity_key: 'github:deploy-bot', alias: 'deploy-bot', alias_type: 'name' },
      { identity_key: 'aws:111111111111:nightly-backup', alias: 'nightly-backup', alias_type: 'name' },
    ];
    const tx = new ImportTransaction(engine, 'imp1');
    await tx.begin();
    await tx.addFile(file('f_reg', 'inventory'));
    await tx.addIdentities('f_reg', identities, aliases);
    await tx.addFile(file('f_ct'));
    await tx.addEvents('f_ct', [
      event({ event_id: 'e1', actor: 'arn:aws:iam::111111111111:user/data-sync', credential_id: 'AKIAEXAMPLEDATASYNC1', source_row: 1 }),
      event({ event_id: 'e2', actor: 'arn:aws:iam::111111111111:role/ci-deploy', actor_alt: 'arn:aws:sts::111111111111:assumed-role/ci-deploy/run-42', credential_id: 'ASIATEMP', source_row: 2 }),
      event({ event_id: 'e3', actor: 'arn:aws:iam::111111111111:role/nightly-backup', source_row: 3 }),
      event({ event_id: 'e4', actor: 'arn:aws:iam::444444444444:user/reporter', account: '444444444444', source_row: 4 }),
      event({ event_id: 'e4b', actor: 'arn:aws:iam::222222222222:user/reporter', account: '222222222222', source_row: 5 }),
      event({ event_id: 'e5', actor: 'arn:aws:iam::111111111111:user/stranger', credential_id: 'AKIAUNKNOWN', source_row: 6 }),
      event({ event_id: 'e6', actor: 'arn:aws:iam::999999999999:user/auditor', account: '999999999999', source_row: 7 }),
      event({ event_id: 'e1', actor: 'arn:aws:iam::111111111111:user/data-sync', source_row: 8 }), // same vendor id twice in one file
      event({ platform: 'k8s', source_format: 'k8s_audit', event_id: 'k1', actor: 'system:serviceaccount:prod:metrics-agent', account: null, source_row: 9 }),
      event({ platform: 'github', source_format: 'github_audit', event_id: 'g1', actor: 'deploy-bot', account: 'acme', source_row: 10 }),
      event({ platform: 'github', source_format: 'github_audit', event_id: 'g2', actor: 'nightly-backup', account: 'acme', source_row: 11 }),
    ]);
    const summary = await tx.commit();
    expect(summary).toMatchObject({ files: 2, events: 10, duplicates: 1, identities: 8, rejected: 0 });
    const { rows } = await engine.queryRows('SELECT event_id, identity_key, resolution FROM events ORDER BY source_row');
    const by = Object.fromEntries(rows.map((r) => [String(r.event_id), r]));
    expect(by.e1).toMatchObject({ identity_key: 'arn:aws:iam::111111111111:user/data-sync', resolution: 'credential' });
    expect(by.e2).toMatchObject({ identity_key: 'arn:aws:iam::111111111111:role/ci-deploy', resolution: 'actor' });
    expect(by.e3).toMatchObject({ identity_key: 'aws:111111111111:nightly-backup', resolution: 'arn_name' });
    // 'reporter' exists in two other accounts: an ARN from a third account is not guessed…
    expect(by.e4).toMatchObject({ identity_key: null, resolution: 'shadow' });
    // …and one from a matching account resolves to that account's identity.
    expect(by.e4b).toMatchObject({ identity_key: 'aws:222222222222:reporter', resolution: 'arn_name' });
    expect(by.e5).toMatchObject({ identity_key: null, resolution: 'shadow' });
    // An identity with no account matches by name from any account.
    expect(by.e6).toMatchObject({ identity_key: 'aws:noacct:auditor', resolution: 'arn_name' });
    expect(by.k1).toMatchObject({ identity_key: 'k8s:prod:metrics-agent', resolution: 'sa_name' });
    expect(by.g1).toMatchObject({ identity_key: 'github:deploy-bot', resolution: 'name' });
    // A name alias never crosses platforms: the AWS backup job's name on GitHub is someone else.
    expect(by.g2).toMatchObject({ identity_key: null, resolution: 'shadow' });
    const files = await engine.queryRows("SELECT rows_loaded, rows_duplicate, first_event FROM evidence_files WHERE file_id = 'f_ct'");
    expect(files.rows[0]).toMatchObject({ rows_loaded: 10, rows_duplicate: 1, first_event: '2026-03-01T12:00:00.000Z' });
  });

  it('calls an ARN name that matches several identities ambiguous, listing them, rather than guessing', async () => {
    const tx = new ImportTransaction(engine, 'imp_amb');
    await tx.begin();
    await tx.addFile(file('f_amb_reg', 'inventory'));
    // Two registers rows named alike, neither with an account: an ARN from any account matches both.
    await tx.addIdentities(
      'f_amb_reg',
      [
        identity({ identity_key: 'aws:x:etl', name: 'etl', account: null, source_row: 2 }),
        identity({ identity_key: 'aws:y:etl', name: 'ETL', account: null, source_row: 3 }),
      ],
      [],
    );
    await tx.addFile(file('f_amb'));
    await tx.addEvents('f_amb', [event({ event_id: 'amb1', actor: 'arn:aws:iam::000000000000:user/etl', account: '000000000000' })]);
    await tx.commit();
    const { rows } = await engine.queryRows("SELECT identity_key, resolution FROM events WHERE event_id = 'amb1'");
    expect(rows[0]).toMatchObject({ identity_key: null, resolution: 'ambiguous' });
    const { rows: why } = await engine.queryRows("SELECT candidates FROM actor_resolution WHERE actor = 'arn:aws:iam::000000000000:user/etl'");
    expect(why[0]?.candidates).toEqual(['aws:x:etl', 'aws:y:etl']);
  });

  it('skips events already loaded by an earlier import and merges an identity that arrives again', async () => {
    const tx = new ImportTransaction(engine, 'imp2');
    await tx.begin();
    await tx.addFile(file('f_again'));
    await tx.addEvents('f_again', [event({ event_id: 'e2', actor: 'x', source_row: 1 }), event({ event_id: 'new1', actor: 'arn:aws:iam::111111111111:user/data-sync', source_row: 2 })]);
    await tx.addFile(file('f_cr', 'inventory'));
    await tx.addIdentities(
      'f_cr',
      [identity({ identity_key: 'cr:data-sync', name: 'data-sync', last_used_at: T0, credential_type: 'static key' })],
      [{ identity_key: 'cr:data-sync', alias: 'arn:aws:iam::111111111111:user/data-sync', alias_type: 'arn' }],
    );
    const summary = await tx.commit();
    expect(summary).toMatchObject({ events: 1, duplicates: 1 });
    const { rows } = await engine.queryRows("SELECT identity_key, owner, credential_type, last_used_at FROM identities WHERE name = 'data-sync'");
    // One identity: the credential report row merged into the register row through the shared ARN.
    expect(rows).toEqual([
      { identity_key: 'arn:aws:iam::111111111111:user/data-sync', owner: 'alice@example.com', credential_type: 'static key', last_used_at: '2026-03-01T12:00:00.000Z' },
    ]);
  });

  it('resolving again writes only the events whose answer changes', async () => {
    // A fresh engine: 300k events of 50 actors, resolved once and committed.
    const own = createNodeEngine();
    await own.start();
    try {
      await ensureSchema(own);
      await own.exec(`INSERT INTO events (event_time, platform, source_format, actor, account, action, file_id, source_row)
        SELECT TIMESTAMP '2026-03-01' + to_seconds(i), 'aws', 'cloudtrail', 'arn:aws:iam::111111111111:user/svc-' || (i % 50), '111111111111',
               's3:GetObject', 'f_bulk', i
          FROM range(300000) t(i)`);
      await resolveIdentities(own);
      const shadows = await own.queryRows("SELECT count(*) AS n FROM events WHERE resolution = 'shadow'");
      expect(Number(shadows.rows[0]!.n)).toBe(300_000);
      // Nothing changed: resolving again inside a transaction holds no rewritten events (rewriting all 300k held 8 MiB).
      const used = async () => (await own.memory()).usedBytes;
      const before = await used();
      await own.exec('BEGIN TRANSACTION');
      await resolveIdentities(own);
      const unchanged = (await used()) - before;
      await own.exec('ROLLBACK');
      expect(unchanged).toBeLessThan(4 * 2 ** 20);
      // One actor becomes an inventory identity: its 6,000 events change, and only they.
      await own.exec(`INSERT INTO identities (identity_key, name, platform, account, file_id, source_row) VALUES ('aws:svc-7', 'svc-7', 'aws', '111111111111', 'r', 2);
        INSERT INTO identity_aliases VALUES ('aws:svc-7', 'arn:aws:iam::111111111111:user/svc-7', 'arn:aws:iam::111111111111:user/svc-7', 'arn');`);
      await resolveIdentities(own);
      const { rows } = await own.queryRows('SELECT resolution, identity_key, count(*) AS n FROM events GROUP BY ALL ORDER BY n');
      expect(rows.map((r) => [r.resolution, r.identity_key, Number(r.n)])).toEqual([
        ['actor', 'aws:svc-7', 6000],
        ['shadow', null, 294_000],
      ]);
    } finally {
      await own.close();
    }
  });
});
