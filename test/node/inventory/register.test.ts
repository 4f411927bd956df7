// NHI registers with messy real-world shapes (all fixtures synthetic): header spellings, mixed and ambiguous dates, ragged
// rows, hostile strings kept as data, merged duplicate rows, platform inference and identity keys.
import { describe, expect, it } from 'vitest';
import { manualMapping } from '../../../src/ingest/inventory/header-map';
import {
  normaliseCredentialType,
  normaliseCriticality,
  normaliseEnvironment,
  normaliseOwnerStatus,
  registerToInventory,
} from '../../../src/ingest/inventory/register';
import { table, utc } from './helpers';

const MESSY = `Service Account,Owner (email),Owner status,Permissions,Stored in,Last rotated,Created,Key ID,Tier,Env,Schedule,Approved destinations,Data classes,Notes
svc-backup,alice@example.com,Active,"s3:GetObject; s3:PutObject",Vault,03/04/2024,2023-01-15,AKIAABCDEFGHIJKLMNOP,Tier 1,Production,01:00-03:00 UTC,arn:aws:s3:::backup-bucket,PII,nightly job
arn:aws:iam::123456789012:role/Deployer,bob@example.com,Terminated,"[""iam:PassRole"",""sts:AssumeRole""]",env file,05/06/2024,15.02.2023,,2,prod,08:00-18:00 Mon-Fri,,
=cmd|' /C calc'!A0,<script>alert(1)</script>,,*,config.yaml,13/01/2024,,,critical,dev,garbage schedule,,,,extra-cell
,,,,,,,,,,,,,
,carol@example.com,active,read,,,,
`;

describe('registerToInventory on a messy register', () => {
  const r = registerToInventory(table('register.csv', MESSY));
  const byName = (n: string) => r.identities.find((i) => i.name === n)!;

  it('reads every usable row and rejects the one with no name or id', () => {
    expect(r.identities.map((i) => i.name)).toEqual(['svc-backup', 'arn:aws:iam::123456789012:role/Deployer', "=cmd|' /C calc'!A0"]);
    expect(r.rejected).toEqual([{ source_file: 'register.csv', source_row: 6, reason: 'No name or identifier in this row.' }]);
    expect(r.identities.map((i) => i.source_row)).toEqual([2, 3, 4]);
  });

  it('reads the ambiguous date column in one order and says which', () => {
    expect(byName('svc-backup').last_rotated_at).toBe(utc('2024-04-03T00:00:00Z'));
    expect(byName('svc-backup').created_at).toBe(utc('2023-01-15T00:00:00Z'));
    expect(r.notes.some((n) => n.includes('"Last rotated"') && n.includes('DD/MM/YYYY') && n.includes('13/01/2024'))).toBe(true);
    const deployer = byName('arn:aws:iam::123456789012:role/Deployer');
    expect(deployer.last_rotated_at).toBe(utc('2024-06-05T00:00:00Z'));
    expect(deployer.created_at).toBe(utc('2023-02-15T00:00:00Z'));
  });

  it('normalises fields and lists', () => {
    const a = byName('svc-backup');
    expect(a).toMatchObject({
      identity_key: 'aws::svc-backup',
      platform: 'aws',
      owner: 'alice@example.com',
      owner_status: 'active',
      criticality: 'critical',
      environment: 'prod',
      secret_location: 'Vault',
      schedule: '01:00-03:00 UTC',
      permissions: ['s3:GetObject', 's3:PutObject'],
      approved_destinations: ['arn:aws:s3:::backup-bucket'],
      allowed_data_classes: ['pii'],
      extra: { Notes: 'nightly job' },
    });
    expect(r.aliases.filter((x) => x.identity_key === a.identity_key)).toEqual([
      { identity_key: 'aws::svc-backup', alias: 'svc-backup', alias_type: 'name' },
      { identity_key: 'aws::svc-backup', alias: 'AKIAABCDEFGHIJKLMNOP', alias_type: 'access_key_id' },
    ]);
  });

  it('keys an ARN-named row by its lower-cased IAM ARN and infers platform, account and kind', () => {
    const d = byName('arn:aws:iam::123456789012:role/Deployer');
    expect(d).toMatchObject({
      identity_key: 'arn:aws:iam::123456789012:role/deployer',
      platform: 'aws',
      account: '123456789012',
      kind: 'IAM role',
      owner_status: 'departed',
      criticality: 'high',
      permissions: ['iam:PassRole', 'sts:AssumeRole'],
    });
    expect(r.aliases).toContainEqual({ identity_key: d.identity_key, alias: 'arn:aws:iam::123456789012:role/Deployer', alias_type: 'role_arn' });
    expect(r.notes.some((n) => n.includes('numbers read as tiers'))).toBe(true);
  });

  it('keeps formulas and markup as plain data, and extra cells of ragged rows', () => {
    const h = byName("=cmd|' /C calc'!A0");
    expect(h.owner).toBe('<script>alert(1)</script>');
    expect(h.permissions).toEqual(['*']);
    expect(h.platform).toBe('other');
    expect(h.extra['column 15']).toBe('extra-cell');
    expect(r.notes.some((n) => n.includes('schedule not fully readable') && n.includes('row 4'))).toBe(true);
    expect(r.notes.some((n) => n.includes('more cells than the header'))).toBe(true);
  });
});

describe('registerToInventory details', () => {
  it.each([
    ['Service Account', 'Owner (email)', 'Key ID'],
    ['SERVICE_ACCOUNT', 'OWNER_EMAIL', 'KEY_ID'],
    ['service-account', 'owner-email', 'key-id'],
    ['serviceAccount', 'ownerEmail', 'keyId'],
  ])('reads the same register under headers %s / %s / %s', (a, b, c) => {
    const r = registerToInventory(table('r.csv', `${a},${b},${c}\nsvc-a,alice@example.com,AKIAABCDEFGHIJKLMNOP\n`));
    expect(r.identities[0]).toMatchObject({ name: 'svc-a', owner: 'alice@example.com', platform: 'aws', extra: {} });
    expect(r.aliases.map((x) => x.alias_type)).toEqual(['name', 'access_key_id']);
  });

  it('merges rows of the same identity (one row per grant) and notes conflicts', () => {
    const r = registerToInventory(
      table('grants.csv', `Name,Role,Owner\nsvc-a,roles/storage.admin,alice\nSVC-A,roles/viewer,bob\nsvc-b,roles/viewer,\n`),
    );
    expect(r.identities).toHaveLength(2);
    expect(r.identities[0]).toMatchObject({ name: 'svc-a', permissions: ['roles/storage.admin', 'roles/viewer'], owner: 'alice', source_row: 2 });
    expect(r.notes.some((n) => n.includes('"owner" differs'))).toBe(true);
  });

  it('derives identity keys and platforms from Entra, GCP and Kubernetes ids', () => {
    const r = registerToInventory(
      table(
        'mixed.csv',
        `App name,App ID,Object ID,Service account email,K8s service account,Owner
billing-sync,11111111-2222-3333-4444-555555555555,AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE,,,dan
etl,,,etl@data-prod.iam.gserviceaccount.com,,erin
runner,,,,system:serviceaccount:ci:runner,frank
`,
      ),
    );
    expect(r.identities.map((i) => [i.identity_key, i.platform, i.account, i.kind])).toEqual([
      ['aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', 'entra', null, null],
      ['etl@data-prod.iam.gserviceaccount.com', 'gcp', 'data-prod', 'service account'],
      ['system:serviceaccount:ci:runner', 'k8s', null, 'Kubernetes service account'],
    ]);
    expect(r.aliases.filter((a) => a.identity_key.startsWith('aaaa')).map((a) => a.alias_type)).toEqual(['name', 'app_id', 'object_id']);
  });

  it('takes the name from an ARN when the name column is empty, and the platform column when given', () => {
    const r = registerToInventory(table('r.csv', `Name,ARN,Platform\n,arn:aws:iam::111122223333:user/ci/deploy-bot,Amazon Web Services\n`));
    expect(r.identities[0]).toMatchObject({ name: 'deploy-bot', identity_key: 'arn:aws:iam::111122223333:user/ci/deploy-bot', platform: 'aws', kind: 'IAM user' });
  });

  it('never uses a live secret as an alias', () => {
    const r = registerToInventory(table('r.csv', `Name,Token ID\ngh-bot,ghp_abcdefghijklmnopqrstuvwxyz0123456789\n`));
    expect(r.aliases.map((a) => a.alias_type)).toEqual(['name']);
    expect(r.notes.some((n) => n.includes('live secret'))).toBe(true);
  });

  it('turns key age (days) into a rotation date only with an as-of time', () => {
    const t = table('r.csv', `Name,Key age (days)\nsvc,30\n`);
    const asOf = utc('2024-05-31T00:00:00Z');
    expect(registerToInventory(t, undefined, { asOf }).identities[0]!.last_rotated_at).toBe(utc('2024-05-01T00:00:00Z'));
    const without = registerToInventory(t);
    expect(without.identities[0]!.last_rotated_at).toBeNull();
    expect(without.identities[0]!.extra.key_age_days).toBe('30');
  });

  it('reads blank-ish owners as no owner and bad dates as text', () => {
    const r = registerToInventory(table('r.csv', `Name,Owner,Expires\nsvc,N/A,soon\nsvc2,-,never\nsvc3,x,2025-01-01\n`));
    expect(r.identities.map((i) => i.owner)).toEqual([null, null, 'x']);
    expect(r.identities[2]!.expires_at).toBe(utc('2025-01-01T00:00:00Z'));
    expect(r.identities[0]!.extra.Expires).toBe('soon');
    expect(r.identities[1]!.expires_at).toBeNull();
    expect(r.identities[1]!.extra.Expires).toBeUndefined();
  });

  it('uses a manual mapping and forced date order', () => {
    const t = table('r.csv', `c1,c2,c3\nsvc,02/03/2024,x\n`);
    const m = manualMapping(t.headers, 'identity', { name: 0, created_at: 1 });
    const r = registerToInventory(t, m, { dateOrders: { created_at: 'dmy' } });
    expect(r.identities[0]).toMatchObject({ name: 'svc', created_at: utc('2024-03-02T00:00:00Z'), extra: { c3: 'x' } });
  });

  it('survives hostile input without throwing', () => {
    const huge = 'x'.repeat(200_000);
    const rows = [[huge, 'o'], [42, null, { a: 1 }], 'not a row', ['Name', 'Owner'], []] as unknown as string[][];
    const r = registerToInventory({ fileName: 'h.csv', headers: ['Name', 'Owner'], rows });
    expect(r.identities.map((i) => i.name.length)).toEqual([65_536, 2]);
    expect(r.rejected.map((x) => x.source_row)).toEqual([4, 5]);
    expect(r.notes.some((n) => n.includes('cut'))).toBe(true);
    expect(registerToInventory({ fileName: 'e.csv', headers: [], rows: [] }).identities).toEqual([]);
  });
});

describe('value normalisers', () => {
  it.each([
    ['Tier 1', 'critical'], ['tier-0', 'critical'], ['P2', 'high'], ['Sev 3', 'medium'], ['4', 'low'], ['Crown jewel', 'critical'],
    ['MODERATE', 'medium'], ['minor', 'low'], ['Confidential', 'high'], ['public', 'low'], ['banana', null],
  ])('criticality %s → %s', (v, c) => expect(normaliseCriticality(v).value).toBe(c));

  it.each([
    ['Active', '', 'active'], ['Left the company', '', 'departed'], ['terminated', '', 'departed'], ['Suspended', '', 'disabled'],
    ['inactive', '', 'disabled'], ['no', 'Owner active', 'departed'], ['yes', 'Owner departed', 'departed'], ['no', 'Owner departed', 'active'], ['huh', '', 'unknown'],
  ])('owner status %s (%s) → %s', (v, h, s) => expect(normaliseOwnerStatus(v, h)).toBe(s));

  it.each([['Production', 'prod'], ['PRD', 'prod'], ['stage', 'staging'], ['Development', 'dev'], ['UAT', 'test'], ['dr', 'dr']])('environment %s → %s', (v, e) =>
    expect(normaliseEnvironment(v)).toBe(e),
  );

  it.each([
    ['GitHub OIDC', 'federated'], ['Access key', 'static key'], ['API key', 'static key'], ['client secret', 'static key'],
    ['X.509 certificate', 'certificate'], ['PAT', 'token'], ['API token', 'token'], ['Password', 'password'], ['magic', 'magic'],
  ])('credential type %s → %s', (v, c) => expect(normaliseCredentialType(v)).toBe(c));
});
