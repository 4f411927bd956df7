// posture.*: findings from the inventory alone. For every detection a positive case and a look-alike that must not fire,
// per-identity policy overrides, humans and the root account never being NHI findings, and the workshop sample's planted
// register problems found by the right detection for the right identity (and nothing on the well-kept identities).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { POSTURE } from '../../../src/detections/catalog/posture';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import type { CanonicalIdentity, IdentityAlias } from '../../../src/ingest/canonical';
import { ensureSchema } from '../../../src/ingest/commit';
import { importEvidence } from '../../../src/ingest/pipeline';
import { readEvidence } from '../../../src/ingest/reader';
import type { AnalysisSettings } from '../../../src/detections/runner';
import { AS_OF, DAY, findings, identity, workspace, type Finding } from './harness';

const ACCOUNT = 'arn:aws:iam::111122223333';
const key = (name: string) => `${ACCOUNT}:user/${name}`;
/** An NHI from the register, with the harness defaults (owner active, vault, static key rotated 20 days ago, medium). */
const nhi = (name: string, over: Partial<CanonicalIdentity> = {}) => identity({ identity_key: key(name), name, ...over });
const AS_OF_ISO = new Date(AS_OF).toISOString();

let engine: DuckEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

/** Run one posture detection over these identities with the as-of pinned (an inventory-only workspace has no events). */
async function run(
  id: string,
  identities: CanonicalIdentity[],
  settings: Partial<AnalysisSettings> = {},
  aliases?: IdentityAlias[],
): Promise<Finding[]> {
  engine = await workspace(aliases ? { identities, aliases } : { identities });
  return findings(engine, id, { asOf: AS_OF_ISO, ...settings });
}

const who = (rows: Finding[]) => rows.map((f) => String(f.identity_name));
const subjects = (rows: Finding[]) => rows.map((f) => `${String(f.identity_name)}|${String(f.subject)}`);

describe('posture.no_owner', () => {
  it('fires on a blank or placeholder owner, and says that a team is not an owner', async () => {
    const rows = await run('posture.no_owner', [
      nhi('svc-blank', { owner: null, owner_status: null, team: 'IT Operations', criticality: 'high' }),
      nhi('svc-na', { owner: ' N/A ', team: null }),
      nhi('svc-tbd', { owner: 'TBD' }),
      nhi('svc-owned', { owner: 'nadia@example.com' }),
      nhi('svc-nadia', { owner: 'Nadia' }),
    ]);
    expect(who(rows)).toEqual(['svc-blank', 'svc-na', 'svc-tbd']);
    expect(rows[0]).toMatchObject({
      identity_key: key('svc-blank'),
      subject: '',
      severity: 'medium',
      evidence_count: 0,
      observed: 'no owner recorded for IAM user svc-blank (only the team "IT Operations" is named)',
      threshold: 'every NHI needs a named, accountable owner',
      details: { owner: '', owner_status: '', team: 'IT Operations', criticality: 'high' },
      owasp: ['NHI1'],
      nist: ['ID.AM-08', 'PR.AA-01'],
    });
    expect(rows[1]?.observed).toBe('owner recorded as "N/A" for IAM user svc-na, a placeholder rather than a person');
    expect(String(rows[0]?.evidence_sql)).toBe(`SELECT * FROM identities WHERE identity_key = '${key('svc-blank')}'`);
  });
});

describe('posture.owner_departed', () => {
  it('fires on departed, terminated and disabled owners, whatever the casing; not on active or unknown', async () => {
    const rows = await run('posture.owner_departed', [
      nhi('svc-etl', { owner: 'marco@example.com', owner_status: 'departed', criticality: 'critical' }),
      nhi('svc-term', { owner: 'ana@example.com', owner_status: ' Terminated ' }),
      nhi('svc-susp', { owner: 'li@example.com', owner_status: 'DISABLED' }),
      nhi('svc-ok', { owner: 'jo@example.com', owner_status: 'Active' }),
      nhi('svc-react', { owner: 'jo@example.com', owner_status: 'reactivated' }),
      nhi('svc-unknown', { owner: 'jo@example.com', owner_status: 'unknown' }),
      nhi('svc-null', { owner: 'jo@example.com', owner_status: null }),
    ]);
    expect(who(rows)).toEqual(['svc-etl', 'svc-susp', 'svc-term']);
    expect(rows[0]).toMatchObject({
      identity_key: key('svc-etl'),
      subject: '',
      severity: 'high',
      observed: 'owner marco@example.com of IAM user svc-etl is marked departed',
      details: { owner: 'marco@example.com', owner_status: 'departed', status_class: 'departed', team: 'platform' },
    });
    expect(rows[1]?.details).toMatchObject({ owner_status: 'DISABLED', status_class: 'disabled' });
    expect(rows[2]?.details).toMatchObject({ owner_status: 'Terminated', status_class: 'departed' });
    // A departed owner of a critical identity ranks above a disabled owner of a medium one.
    expect(Number(rows[0]?.risk_score)).toBeGreaterThan(Number(rows[1]?.risk_score));
  });
});

describe('posture.stale_credential', () => {
  const three = () => [
    nhi('svc-89', { last_rotated_at: AS_OF - 89 * DAY }),
    nhi('svc-90', { last_rotated_at: AS_OF - 90 * DAY }),
    nhi('svc-91', { last_rotated_at: AS_OF - 91 * DAY, criticality: 'high' }),
  ];

  it('fires past the 90-day policy age, not at 89 or 90 days', async () => {
    const rows = await run('posture.stale_credential', three());
    expect(who(rows)).toEqual(['svc-91']);
    expect(rows[0]).toMatchObject({
      identity_key: key('svc-91'),
      subject: '',
      observed: 'static key last rotated 2025-12-30, 91 days before as-of',
      threshold: 'rotate at least every 90 days',
      details: { last_rotated: '2025-12-30', age_days: '91', max_age_days: '90', overdue_days: '1', credential_type: 'static key' },
      credential_age_days: 91,
      owasp: ['NHI7'],
    });
  });

  it('takes a per-identity policy age over the global one, and a global change too', async () => {
    const overrides = [{ detectionId: 'posture.stale_credential', identityKey: key('svc-89'), param: 'max_age_days', value: 60 }];
    const rows = await run('posture.stale_credential', three(), { overrides });
    expect(who(rows)).toEqual(['svc-89', 'svc-91']);
    expect(rows[0]).toMatchObject({
      threshold: 'rotate at least every 60 days (policy set for this identity)',
      details: { age_days: '89', max_age_days: '60', overdue_days: '29' },
    });
    expect(rows[1]?.threshold).toBe('rotate at least every 90 days');
    const relaxed = await run('posture.stale_credential', three(), { params: { 'posture.stale_credential': { max_age_days: 180 } } });
    expect(relaxed).toEqual([]);
  });

  it('grows intensity with age: twice the policy age is the ceiling', async () => {
    const rows = await run('posture.stale_credential', [
      nhi('svc-100', { last_rotated_at: AS_OF - 100 * DAY, criticality: 'low' }),
      nhi('svc-400', { last_rotated_at: AS_OF - 400 * DAY, criticality: 'low' }),
    ]);
    expect(Number(rows[0]?.risk_score)).toBeLessThan(Number(rows[1]?.risk_score));
    expect(String(rows[1]?.risk_formula)).toContain('(intensity 0.75)');
  });

  it('ignores federated and temporary credentials, and a human console user with an old password', async () => {
    const rows = await run('posture.stale_credential', [
      nhi('role-oidc', { kind: 'IAM role', credential_type: 'federated', last_rotated_at: AS_OF - 300 * DAY }),
      nhi('role-sts', { kind: 'IAM role', credential_type: 'temporary (cross-account role)', last_rotated_at: AS_OF - 300 * DAY }),
      nhi('alice', { kind: 'IAM user (console)', credential_type: 'password', last_rotated_at: AS_OF - 300 * DAY, extra: { nhi: 'no' } }),
    ]);
    expect(rows).toEqual([]);
  });
});

describe('posture.never_rotated', () => {
  it('fires on a long-lived secret created before the policy age and never rotated', async () => {
    const rows = await run('posture.never_rotated', [
      nhi('svc-old', { created_at: Date.UTC(2024, 4, 24), last_rotated_at: null, criticality: 'low' }),
      nhi('svc-new', { created_at: AS_OF - 89 * DAY, last_rotated_at: null }),
      nhi('svc-rotated', { created_at: AS_OF - 900 * DAY, last_rotated_at: AS_OF - 30 * DAY }),
      nhi('svc-undated', { created_at: null, last_rotated_at: null }),
    ]);
    expect(who(rows)).toEqual(['svc-old']);
    expect(rows[0]).toMatchObject({
      identity_key: key('svc-old'),
      subject: '',
      observed: 'static key created 2024-05-24 and never rotated: 676 days old at as-of',
      threshold: 'rotate at least every 90 days',
      details: { created: '2024-05-24', age_days: '676', max_age_days: '90', overdue_days: '586', credential_type: 'static key' },
    });
  });

  it('ignores roles and OIDC identities (no secret to rotate), and reads an AKIA key when the type is missing', async () => {
    const old = AS_OF - 500 * DAY;
    const identities = [
      nhi('role-oidc', { kind: 'IAM role', credential_type: 'federated', created_at: old, last_rotated_at: null }),
      nhi('role-untyped', { kind: 'IAM role', credential_type: null, created_at: old, last_rotated_at: null }),
      nhi('role-temp', { kind: 'IAM role (Lambda execution)', credential_type: 'temporary (STS role)', created_at: old, last_rotated_at: null }),
      nhi('svc-akia', { kind: 'IAM user', credential_type: null, created_at: old, last_rotated_at: null }),
    ];
    const aliases: IdentityAlias[] = [
      ...identities.map((i) => ({ identity_key: i.identity_key, alias: i.identity_key, alias_type: 'arn' as const })),
      { identity_key: key('svc-akia'), alias: 'AKIAIOSFODNN7EXAMPLE', alias_type: 'access_key_id' },
    ];
    const rows = await run('posture.never_rotated', identities, {}, aliases);
    expect(who(rows)).toEqual(['svc-akia']);
    expect(rows[0]?.observed).toBe('credential created 2024-11-16 and never rotated: 500 days old at as-of');
  });

  it('takes a per-identity policy age', async () => {
    const identities = [nhi('svc-old', { created_at: AS_OF - 676 * DAY, last_rotated_at: null })];
    const overrides = [{ detectionId: 'posture.never_rotated', identityKey: key('svc-old'), param: 'max_age_days', value: 730 }];
    expect(await run('posture.never_rotated', identities, { overrides })).toEqual([]);
  });
});

describe('posture.credential_expiry', () => {
  it('fires when expired or expiring within 30 days; not at 31 days', async () => {
    const rows = await run('posture.credential_expiry', [
      nhi('pat-12', { credential_type: 'token', expires_at: AS_OF + 12 * DAY }),
      nhi('pat-30', { credential_type: 'token', expires_at: AS_OF + 30 * DAY }),
      nhi('pat-31', { credential_type: 'token', expires_at: AS_OF + 31 * DAY }),
      nhi('cert-gone', { credential_type: 'certificate', expires_at: AS_OF - 5 * DAY, criticality: 'critical' }),
      nhi('no-expiry', { expires_at: null }),
    ]);
    expect(who(rows)).toEqual(['cert-gone', 'pat-12', 'pat-30']);
    expect(rows[0]).toMatchObject({
      subject: '',
      severity: 'low',
      observed: 'certificate expired 2026-03-26, 5 days before as-of',
      threshold: 'expired, or expiring within 30 days',
      details: { expires: '2026-03-26', state: 'expired', days_left: '-5', notice_days: '30', credential_type: 'certificate' },
    });
    expect(rows[1]).toMatchObject({
      identity_key: key('pat-12'),
      observed: 'token expires 2026-04-12, 12 days after as-of',
      details: { expires: '2026-04-12', state: 'expiring', days_left: '12', notice_days: '30' },
    });
    // Expired ranks above expiring soon, which ranks above expiring at the edge of the notice period.
    const score = (name: string) => Number(rows.find((f) => f.identity_name === name)?.risk_score);
    expect(score('cert-gone')).toBeGreaterThan(score('pat-12'));
    expect(score('pat-12')).toBeGreaterThan(score('pat-30'));
  });

  it('takes a per-identity notice period', async () => {
    const overrides = [{ detectionId: 'posture.credential_expiry', identityKey: key('pat-31'), param: 'notice_days', value: 60 }];
    const rows = await run('posture.credential_expiry', [nhi('pat-31', { credential_type: 'token', expires_at: AS_OF + 31 * DAY })], { overrides });
    expect(rows[0]).toMatchObject({ threshold: 'expired, or expiring within 60 days (notice period set for this identity)', details: { days_left: '31' } });
  });
});

describe('posture.wildcard_permission', () => {
  it('fires once per wildcard action or admin-equivalent grant, not on specific or read-only-admin grants', async () => {
    const rows = await run('posture.wildcard_permission', [
      nhi('svc-mixed', {
        criticality: 'low',
        permissions: [
          '*', 'iam:*', 's3:*', 'ec2:Describe*', 'arn:aws:iam::aws:policy/AdministratorAccess', 's3:GetObject', 'Read-only Administrator',
          'arn:aws:s3:::reports/*', 's3:GetObject arn:aws:s3:::reports/*', 'contents:read (all repositories)', 'okta.users.read', 'iam:PassRole',
          '*/read',
        ],
      }),
      nhi('svc-clean', { permissions: ['s3:GetObject', 'repo:status', 'public_repo', 'read:org', 'okta.groups.read', 'Reader', 'administration:write'] }),
    ]);
    expect(subjects(rows)).toEqual([
      'svc-mixed|*',
      'svc-mixed|*/read',
      'svc-mixed|arn:aws:iam::aws:policy/AdministratorAccess',
      'svc-mixed|ec2:Describe*',
      'svc-mixed|iam:*',
      'svc-mixed|s3:*',
    ]);
    const by = (s: string) => rows.find((f) => f.subject === s)!;
    expect(by('*')).toMatchObject({
      identity_key: key('svc-mixed'),
      severity: 'high',
      observed: 'svc-mixed holds "*": every action on every service and resource',
      threshold: 'no wildcard actions or admin-equivalent roles: grant the specific actions the job needs (least privilege)',
      details: { grant: '*', class: 'full wildcard', grants_total: '13' },
      owasp: ['NHI5'],
      nist: ['PR.AA-05'],
    });
    expect(by('iam:*').details).toMatchObject({ class: 'identity-service wildcard' });
    expect(by('*/read').details).toMatchObject({ class: 'read-only wildcard' });
    expect(by('s3:*')).toMatchObject({ observed: 'svc-mixed holds "s3:*": every s3 action', details: { class: 'service wildcard' } });
    expect(by('ec2:Describe*')).toMatchObject({ observed: 'svc-mixed holds "ec2:Describe*": a wildcard over read-only actions', details: { class: 'read-only wildcard' } });
    expect(by('arn:aws:iam::aws:policy/AdministratorAccess').details).toMatchObject({ class: 'admin-equivalent role or scope' });
    // A read-only wildcard ranks well below a full wildcard.
    expect(Number(by('ec2:Describe*').risk_score)).toBeLessThan(Number(by('*').risk_score));
  });

  it('knows admin-equivalent roles and scopes across platforms', async () => {
    const grants = ['admin:org', 'repo', 'SUPER_ADMIN', 'cluster-admin', 'Owner', 'Contributor', 'roles/owner', 'Directory.ReadWrite.All',
      'RoleManagement.ReadWrite.Directory', 'okta.roles.manage', 'Global Administrator', 'organization.administration:write'];
    const rows = await run('posture.wildcard_permission', grants.map((g, n) => nhi(`svc-${n}`, { permissions: [g] })));
    expect(rows.map((f) => String(f.subject)).sort()).toEqual([...grants].sort());
    for (const f of rows) expect(f.details).toMatchObject({ class: 'admin-equivalent role or scope', grants_total: '1' });
    expect(rows.find((f) => f.subject === 'admin:org')?.observed).toBe(
      'svc-0 holds "admin:org": full control of the GitHub organisation, its members, teams and settings (admin-equivalent)',
    );
    expect(rows.find((f) => f.subject === 'repo')?.observed).toBe(
      'svc-1 holds "repo": full control of every repository the token can reach (classic PAT scope, admin-equivalent)',
    );
  });
});

describe('posture.insecure_secret_location', () => {
  it('fires on plaintext, env and config files, code, chat, wiki, e-mail and spreadsheets', async () => {
    const places: Record<string, string> = {
      'svc-env': '.env file (cmdb-collector docker-compose)',
      'svc-slack': 'Slack (#it-ops pinned message)',
      'svc-repo': 'GitHub repo (acme-example/release-tools, .env.release)',
      'svc-wiki': 'Confluence page "Prod DB"',
      'svc-mail': 'E-mail from the vendor',
      'svc-sheet': 'Excel sheet on the team drive',
      'svc-yaml': 'config.yaml on etl-01',
      'svc-hard': 'Hardcoded in deploy.sh',
      'svc-copy': 'Vault, plus a copy pasted in Teams chat',
      'svc-state': 'Terraform state (S3 bucket acme-tf)',
    };
    const rows = await run(
      'posture.insecure_secret_location',
      Object.entries(places).map(([name, loc]) => nhi(name, { secret_location: loc, criticality: 'low' })),
    );
    expect(subjects(rows).sort()).toEqual(Object.entries(places).map(([n, l]) => `${n}|${l}`).sort());
    const by = (name: string) => rows.find((f) => f.identity_name === name)!;
    expect(by('svc-env')).toMatchObject({
      identity_key: key('svc-env'),
      subject: '.env file (cmdb-collector docker-compose)',
      severity: 'high',
      observed: 'static key kept in ".env file (cmdb-collector docker-compose)": environment (.env) file, not a vault',
      threshold: 'secrets live in a vault, KMS or secrets manager, or are replaced by federation (OIDC / workload identity)',
      details: { location: '.env file (cmdb-collector docker-compose)', categories: 'environment (.env) file', credential_type: 'static key' },
      owasp: ['NHI2'],
      nist: ['PR.DS-01'],
    });
    expect(by('svc-repo').details).toMatchObject({ categories: 'source code / repository; environment (.env) file' });
    expect(by('svc-slack').details).toMatchObject({ categories: 'chat' });
    expect(by('svc-wiki').details).toMatchObject({ categories: 'wiki / document' });
    expect(by('svc-mail').details).toMatchObject({ categories: 'e-mail' });
    expect(by('svc-sheet').details).toMatchObject({ categories: 'spreadsheet' });
    expect(by('svc-yaml').details).toMatchObject({ categories: 'config file' });
    expect(by('svc-hard').details).toMatchObject({ categories: 'plaintext / hardcoded' });
    expect(by('svc-copy').details).toMatchObject({ categories: 'chat' });
    expect(by('svc-state').details).toMatchObject({ categories: 'config file' });
    // Code and chat are shared and kept forever: they rank above one host's .env file.
    expect(Number(by('svc-slack').risk_score)).toBeGreaterThan(Number(by('svc-env').risk_score));
  });

  it('does not read a vault path as the place: vault, secrets manager, key vault, federation are fine', async () => {
    const rows = await run('posture.insecure_secret_location', [
      nhi('svc-a', { secret_location: 'HashiCorp Vault (kv/prod/env/db)' }),
      nhi('svc-b', { secret_location: 'AWS Secrets Manager (prod/slack-bot/token)' }),
      nhi('svc-c', { secret_location: 'Azure Key Vault reference in appsettings.json' }),
      nhi('svc-d', { secret_location: 'none (GitHub OIDC federation)' }),
      nhi('svc-e', { secret_location: 'Jenkins credentials store' }),
      nhi('svc-f', { secret_location: 'GitHub Actions secret (acme-example/docs-site)' }),
      nhi('svc-g', { secret_location: 'vault:kv/config/env' }),
      nhi('svc-h', { secret_location: 'Vendor-held (Zendesk admin console)' }),
      nhi('svc-i', { secret_location: null }),
      nhi('svc-j', { secret_location: 'Ansible Vault (etl-01)' }),
      nhi('svc-k', { secret_location: 'SOPS-encrypted secrets.yaml in the platform repo' }),
      nhi('svc-l', { secret_location: 'Vault; injected as an environment variable at run time' }),
    ]);
    expect(rows).toEqual([]);
  });
});

describe('posture.third_party_broad_scope', () => {
  it('fires once per write or admin scope of a vendor identity; read-only vendors and internal apps do not fire', async () => {
    const rows = await run('posture.third_party_broad_scope', [
      nhi('Zendesk', { kind: 'OAuth app (third party)', vendor: 'Zendesk', permissions: ['okta.users.read', 'okta.users.manage'] }),
      nhi('vendor-cloudhealth', { kind: 'IAM role (cross-account)', vendor: 'CloudHealth', permissions: ['ec2:DescribeInstances', 'ce:GetCostAndUsage', 'ec2:Describe*'] }),
      nhi('snyk-io[bot]', { kind: 'GitHub App (third party)', vendor: 'Snyk', permissions: ['contents:read', 'metadata:read', 'security_events:read', 'Read-only Administrator'] }),
      nhi('partner-app', { kind: 'Third-party service principal', vendor: null, permissions: ['Owner', 'Mail.Read'] }),
      nhi('etl-vendor', { vendor: 'Fivetran', permissions: ['s3:PutObject', 's3:GetObject', 'Sites.ReadWrite.All'] }),
      nhi('HR Sync', { vendor: 'internal', permissions: ['okta.users.manage'] }),
      nhi('in-house', { vendor: null, permissions: ['okta.users.manage'] }),
    ]);
    expect(subjects(rows).sort()).toEqual(['Zendesk|okta.users.manage', 'etl-vendor|Sites.ReadWrite.All', 'etl-vendor|s3:PutObject', 'partner-app|Owner']);
    const zendesk = rows.find((f) => f.identity_name === 'Zendesk')!;
    expect(zendesk).toMatchObject({
      identity_key: key('Zendesk'),
      subject: 'okta.users.manage',
      severity: 'high',
      observed: 'Zendesk (vendor Zendesk) holds the write scope "okta.users.manage"',
      threshold: 'third parties get read-only scopes; write or admin access needs an owner-approved exception',
      details: { vendor: 'Zendesk', scope: 'okta.users.manage', level: 'write', read_scopes: '1', write_or_admin_scopes: '1' },
      owasp: ['NHI3'],
      nist: ['ID.AM-04', 'GV.SC'],
    });
    expect(rows.find((f) => f.subject === 'Owner')).toMatchObject({
      observed: 'partner-app (third party) holds the admin scope "Owner"',
      details: { level: 'admin', read_scopes: '1' },
    });
  });
});

describe('posture.static_ci_credential', () => {
  it('fires on a CI identity with a static key, not on federated CI, GitHub Apps or names that only contain "ci"', async () => {
    const identities = [
      nhi('ci-legacy-deployer', { secret_location: 'Jenkins credentials store', last_rotated_at: AS_OF - 70 * DAY, criticality: 'high' }),
      nhi('github-actions-deploy', { kind: 'IAM role', credential_type: 'federated', secret_location: 'none (GitHub OIDC federation)', last_rotated_at: null }),
      nhi('acme-ci[bot]', { kind: 'GitHub App', platform: 'github', credential_type: 'certificate' }),
      nhi('svc-pricing-sync', { team: 'Commerce', secret_location: 'AWS Secrets Manager (prod/pricing)' }),
      nhi('svc-docs', { kind: 'Fine-grained PAT', credential_type: 'token', secret_location: 'GitHub Actions secret (acme/docs-site)', last_rotated_at: null, created_at: AS_OF - 40 * DAY }),
      nhi('svc-untyped', { team: 'Release Engineering', credential_type: null }),
      nhi('svc-akia', { team: 'Build', credential_type: null }),
      nhi('docs-site-key', { kind: 'Deploy key', platform: 'github', credential_type: null }),
    ];
    const aliases: IdentityAlias[] = [
      ...identities.map((i) => ({ identity_key: i.identity_key, alias: i.identity_key, alias_type: 'arn' as const })),
      { identity_key: key('svc-akia'), alias: 'AKIAIOSFODNN7EXAMPLE', alias_type: 'access_key_id' },
    ];
    const rows = await run('posture.static_ci_credential', identities, {}, aliases);
    expect(who(rows)).toEqual(['ci-legacy-deployer', 'docs-site-key', 'svc-akia', 'svc-docs']);
    expect(rows[0]).toMatchObject({
      identity_key: key('ci-legacy-deployer'),
      subject: '',
      severity: 'medium',
      observed: 'CI/CD identity ci-legacy-deployer (recognised by its name) authenticates with a long-lived static key, last rotated 70 days before as-of',
      threshold: 'CI/CD authenticates by federation (OIDC / workload identity) with short-lived credentials, not a stored key',
      details: { credential_type: 'static key', ci_hint_field: 'name', ci_hint: 'ci-legacy-deployer', key_age_days: '70' },
      owasp: ['NHI6'],
    });
    expect(rows[1]).toMatchObject({
      observed: 'CI/CD identity docs-site-key (recognised by its kind "Deploy key") authenticates with a long-lived deploy key, last rotated 20 days before as-of',
      details: { credential_type: '', ci_hint_field: 'kind', ci_hint: 'Deploy key' },
    });
    expect(rows[2]).toMatchObject({
      observed: 'CI/CD identity svc-akia (recognised by its team "Build") authenticates with a long-lived static access key, last rotated 20 days before as-of',
      details: { credential_type: '', ci_hint_field: 'team' },
    });
    expect(rows[3]).toMatchObject({
      observed:
        'CI/CD identity svc-docs (recognised by its secret location "GitHub Actions secret (acme/docs-site)") authenticates with a long-lived token, created 40 days before as-of and never rotated',
      details: { credential_type: 'token', ci_hint_field: 'secret location' },
    });
  });
});

describe('posture.missing_purpose', () => {
  it('fires on a high or critical identity that declares nothing; any one declaration is enough', async () => {
    const rows = await run('posture.missing_purpose', [
      nhi('svc-crit', { criticality: 'CRITICAL', kind: 'IAM role' }),
      nhi('svc-high', { criticality: 'high', approved_destinations: [''], allowed_data_classes: [] }),
      nhi('svc-classes', { criticality: 'high', allowed_data_classes: ['internal'] }),
      nhi('svc-sched', { criticality: 'critical', schedule: '01:00-03:00 UTC' }),
      nhi('svc-dest', { criticality: 'critical', approved_destinations: ['arn:aws:s3:::landing'] }),
      nhi('svc-medium', { criticality: 'medium' }),
      nhi('svc-none', { criticality: null }),
    ]);
    expect(who(rows)).toEqual(['svc-crit', 'svc-high']);
    expect(rows[0]).toMatchObject({
      identity_key: key('svc-crit'),
      subject: '',
      severity: 'low',
      observed: 'critical IAM role svc-crit declares no schedule, approved destinations or allowed data classes',
      threshold: 'a high or critical identity declares its purpose: a schedule, approved destinations or allowed data classes',
      details: { criticality: 'critical', schedule: '', approved_destinations: '0', allowed_data_classes: '0' },
      owasp: [],
      nist: ['ID.AM-08', 'AI RMF GOVERN 1.6'],
    });
    expect(Number(rows[0]?.risk_score)).toBeGreaterThan(Number(rows[1]?.risk_score));
  });
});

describe('posture on humans and the root account', () => {
  it('never fires on the root account or a human console user, whatever their inventory row looks like', async () => {
    const worst: Partial<CanonicalIdentity> = {
      owner: null, owner_status: 'departed', criticality: 'critical', permissions: ['*', 'AdministratorAccess'], secret_location: 'Slack',
      credential_type: 'password', created_at: AS_OF - 900 * DAY, last_rotated_at: AS_OF - 400 * DAY, expires_at: AS_OF - DAY, vendor: 'Acme Vendor',
      team: 'CI pipeline', schedule: null, approved_destinations: [], allowed_data_classes: [], extra: { nhi: 'no' },
    };
    engine = await workspace({ identities: [
      identity({ identity_key: `${ACCOUNT}:root`, name: '<root_account>', ...worst, kind: 'root account' }),
      nhi('alice', { ...worst, kind: 'IAM user (console)' }),
      nhi('bob-deploy', { ...worst, kind: 'IAM user (console)', last_rotated_at: null }),
      nhi('carol', { ...worst, kind: 'IAM user', extra: { nhi: 'no' } }),
    ] });
    const rows = await findings(engine, undefined, { asOf: AS_OF_ISO }, POSTURE);
    expect(rows).toEqual([]);
    // The same rows as NHIs fire every posture detection (so the silence above is the human / root rule, not the data).
    await engine.close();
    engine = await workspace({ identities: [nhi('svc-worst', { ...worst, extra: {}, kind: 'IAM user' })] });
    const nhiRows = await findings(engine, undefined, { asOf: AS_OF_ISO }, POSTURE);
    expect([...new Set(nhiRows.map((f) => String(f.detection_id)))].sort()).toEqual(
      POSTURE.map((d) => d.id).filter((id) => id !== 'posture.never_rotated').sort(),
    );
  });
});

describe('posture over an imported AWS credential report', () => {
  it('judges the key-only users and never the root account or the console-only human', async () => {
    const report = [
      'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated',
      '<root_account>,arn:aws:iam::123456789012:root,2019-01-01T00:00:00+00:00,not_supported,2024-05-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
      'ci-deployer,arn:aws:iam::123456789012:user/ci/ci-deployer,2021-03-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2021-03-01T00:00:00+00:00,2026-03-30T12:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
      'alice,arn:aws:iam::123456789012:user/alice,2020-02-02T00:00:00+00:00,true,2026-03-29T09:00:00+00:00,2024-01-01T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
      'fresh-bot,arn:aws:iam::123456789012:user/fresh-bot,2025-02-02T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2026-03-01T00:00:00+00:00,2026-03-30T12:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
    ].join('\n');
    engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
    const imported = await importEvidence(engine, [new File([report], 'credential-report.csv')], { reader: readEvidence, signal: new AbortController().signal });
    expect(imported.error).toBeNull();
    const rows = await findings(engine, undefined, { asOf: AS_OF_ISO }, POSTURE);
    expect(rows.map((f) => `${String(f.detection_id)} ${String(f.identity_name)}`)).toEqual([
      'posture.no_owner ci-deployer',
      'posture.no_owner fresh-bot',
      'posture.stale_credential ci-deployer',
      'posture.static_ci_credential ci-deployer',
    ]);
    expect(rows.find((f) => f.detection_id === 'posture.stale_credential')).toMatchObject({
      observed: 'static key last rotated 2021-03-01, 1856 days before as-of',
      details: { age_days: '1856', credential_type: 'static key' },
    });
  });
});

describe('posture over the workshop sample', () => {
  let sample: DuckEngine;
  let dir: string;
  let posture: Finding[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'driftline-posture-'));
    execFileSync(process.execPath, ['sample-data/generate.mjs', '--out', dir, '--quiet'], { stdio: 'pipe' });
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
    const files = manifest.files.map((f) => new File([readFileSync(path.join(dir, f.path))], f.path));
    sample = createNodeEngine();
    await sample.start();
    await ensureSchema(sample);
    const report = await importEvidence(sample, files, { reader: readEvidence, signal: new AbortController().signal });
    expect(report.error).toBeNull();
    // The whole catalogue, as the app runs it; the default as-of is the latest event (2026-03-31 23:59:59).
    const all = await findings(sample);
    posture = all.filter((f) => String(f.detection_id).startsWith('posture.'));
  }, 120_000);

  afterAll(async () => {
    await sample?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const found = (id: string) =>
    posture
      .filter((f) => f.detection_id === id)
      .map((f) => (f.subject ? `${String(f.identity_name)}|${String(f.subject)}` : String(f.identity_name)))
      .sort();
  const one = (id: string, name: string) => posture.find((f) => f.detection_id === id && f.identity_name === name);

  it('finds every posture problem planted in the register, by the right detection, for the right identity', () => {
    expect(posture[0]?.as_of).toBe('2026-03-31T23:59:59.000Z');
    expect(found('posture.no_owner')).toEqual(['svc-jira-sync']);
    expect(found('posture.owner_departed')).toEqual(['svc-legacy-etl']);
    expect(found('posture.stale_credential')).toEqual(['svc-legacy-etl']);
    expect(found('posture.never_rotated')).toEqual(['svc-old-reporting']);
    expect(found('posture.credential_expiry')).toEqual(['svc-docs-publisher']);
    expect(found('posture.wildcard_permission')).toEqual(['acme-release-bot|admin:org', 'acme-release-bot|repo', 'svc-legacy-etl|s3:*', 'terraform-admin|*']);
    expect(found('posture.insecure_secret_location')).toEqual([
      'acme-release-bot|GitHub repo (acme-example/release-tools, .env.release)',
      'svc-cmdb-scanner|.env file (cmdb-collector docker-compose)',
      'svc-jira-sync|Slack (#it-ops pinned message)',
    ]);
    expect(found('posture.third_party_broad_scope')).toEqual(['Zendesk|okta.users.manage']);
    // ci-legacy-deployer is the planted one; the workflow-held PATs of the docs publisher and the release bot match too.
    expect(found('posture.static_ci_credential')).toEqual(['acme-release-bot', 'ci-legacy-deployer', 'svc-docs-publisher']);
    expect(found('posture.missing_purpose')).toEqual([]);
    expect(POSTURE.map((d) => d.id).filter((id) => !posture.some((f) => f.detection_id === id))).toEqual(['posture.missing_purpose']);
  });

  it('explains the planted findings with the register values', () => {
    expect(one('posture.stale_credential', 'svc-legacy-etl')).toMatchObject({
      observed: 'static key last rotated 2025-08-19, 224 days before as-of',
      details: { last_rotated: '2025-08-19', age_days: '224', max_age_days: '90' },
      credential_age_days: 224,
      status: 'open',
    });
    expect(one('posture.never_rotated', 'svc-old-reporting')).toMatchObject({
      observed: 'static key created 2024-05-24 and never rotated: 676 days old at as-of',
      details: { created: '2024-05-24', age_days: '676' },
    });
    expect(one('posture.credential_expiry', 'svc-docs-publisher')).toMatchObject({
      observed: 'token expires 2026-04-12, 12 days after as-of',
      details: { days_left: '12', state: 'expiring' },
    });
    expect(one('posture.owner_departed', 'svc-legacy-etl')).toMatchObject({
      observed: 'owner marco.bianchi@acme.example of IAM user svc-legacy-etl is marked departed',
    });
    expect(one('posture.no_owner', 'svc-jira-sync')?.observed).toBe(
      'no owner recorded for Okta service user svc-jira-sync (only the team "IT Operations" is named)',
    );
    expect(one('posture.static_ci_credential', 'ci-legacy-deployer')?.details).toMatchObject({ credential_type: 'static key', ci_hint_field: 'name' });
  });

  it('gives the clean, well-kept identities no posture findings', () => {
    const clean = [
      'svc-data-sync', 'github-actions-deploy', 'backup-nightly', 'stripe-webhook-handler', 'svc-billing-export', 'vendor-cloudhealth',
      'HR Sync (Workday to Okta)', 'Terraform Okta provider', 'acme-ci[bot]', 'terraform-github[bot]', 'snyk-io[bot]',
    ];
    expect(posture.filter((f) => clean.includes(String(f.identity_name))).map((f) => `${String(f.detection_id)} ${String(f.identity_name)}`)).toEqual([]);
    // Every posture finding is about a register identity (never a shadow actor).
    expect(posture.every((f) => f.shadow === false)).toBe(true);
  });
});
