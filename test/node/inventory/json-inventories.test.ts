// JSON inventories recognised by their keys and normalised (synthetic documents shaped like Graph, gcloud, GitHub and Okta).
import { describe, expect, it } from 'vitest';
import { detectJsonInventory, normaliseJsonInventory } from '../../../src/ingest/inventory/json-inventories';
import { utc } from './helpers';

const TENANT = '0d0d0d0d-1111-2222-3333-444444444444';
const VENDOR_TENANT = '9e9e9e9e-8888-7777-6666-555555555555';
const MICROSOFT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

const sp = (n: number, owner: string | null, extra: Record<string, unknown> = {}) => ({
  id: `00000000-0000-0000-0000-00000000000${n}`,
  appId: `aaaaaaaa-0000-0000-0000-00000000000${n}`,
  displayName: `app-${n}`,
  servicePrincipalType: 'Application',
  accountEnabled: true,
  appOwnerOrganizationId: owner,
  keyCredentials: [],
  passwordCredentials: [],
  ...extra,
});

const GRAPH = {
  '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#servicePrincipals',
  value: [
    sp(1, TENANT, {
      passwordCredentials: [
        { keyId: 'k-old', startDateTime: '2021-01-01T00:00:00Z', endDateTime: '2299-12-31T00:00:00Z' },
        { keyId: 'k-new', startDateTime: '2024-03-01T00:00:00Z', endDateTime: '2025-03-01T00:00:00Z' },
      ],
      keyCredentials: [{ keyId: 'cert-1', startDateTime: '2023-01-01T00:00:00Z', endDateTime: '2024-12-31T00:00:00Z', type: 'AsymmetricX509Cert' }],
      owners: [{ userPrincipalName: 'alice@contoso.example' }],
    }),
    sp(2, TENANT, { keyCredentials: [{ keyId: 'cert-2', startDateTime: '2024-01-01T00:00:00Z', endDateTime: '2026-01-01T00:00:00Z' }] }),
    sp(3, VENDOR_TENANT, { verifiedPublisher: { displayName: 'Acme SaaS' } }),
    sp(4, MICROSOFT),
    sp(5, null, { servicePrincipalType: 'ManagedIdentity', displayName: 'mi-backup' }),
    { displayName: 'no id', appId: 'x', servicePrincipalType: 'Application' },
    'garbage',
  ],
};

describe('Entra service principals', () => {
  it('is recognised', () => {
    expect(detectJsonInventory(GRAPH)).toEqual({ kind: 'entra_service_principals', confidence: expect.any(Number) });
    expect(detectJsonInventory(GRAPH)!.confidence).toBeGreaterThan(0.6);
  });

  const r = normaliseJsonInventory(GRAPH, 'sps.json');
  const by = (n: string) => r.identities.find((i) => i.name === n)!;

  it('keys SPs by object id with app id and credential key ids as aliases', () => {
    expect(r.kind).toBe('entra_service_principals');
    expect(r.identities.map((i) => i.name)).toEqual(['app-1', 'app-2', 'app-3', 'app-4', 'mi-backup']);
    const a = by('app-1');
    expect(a.identity_key).toBe('00000000-0000-0000-0000-000000000001');
    expect(r.aliases.filter((x) => x.identity_key === a.identity_key).map((x) => [x.alias_type, x.alias])).toEqual([
      ['name', 'app-1'],
      ['service_principal_id', '00000000-0000-0000-0000-000000000001'],
      ['app_id', 'aaaaaaaa-0000-0000-0000-000000000001'],
      ['key_id', 'cert-1'],
      ['key_id', 'k-old'],
      ['key_id', 'k-new'],
    ]);
  });

  it('reads expiry as the soonest end, rotation as the newest start, and credential types', () => {
    expect(by('app-1')).toMatchObject({
      expires_at: utc('2024-12-31T00:00:00Z'),
      last_rotated_at: utc('2024-03-01T00:00:00Z'),
      credential_type: 'static key',
      owner: 'alice@contoso.example',
      platform: 'entra',
      kind: 'service principal',
    });
    expect(by('app-2').credential_type).toBe('certificate');
    expect(by('mi-backup')).toMatchObject({ kind: 'managed identity', credential_type: 'federated', vendor: null });
  });

  it('infers the tenant and marks vendors', () => {
    expect(by('app-1')).toMatchObject({ account: TENANT, vendor: null });
    expect(by('app-3').vendor).toBe('Acme SaaS');
    expect(by('app-4').vendor).toBe('Microsoft');
    expect(r.notes.some((n) => n.includes(`tenant assumed to be ${TENANT}`))).toBe(true);
    expect(r.rejected.map((x) => x.source_row)).toEqual([6, 7]);
  });

  it('uses the tenant given, and names unknown vendors by tenant', () => {
    const other = normaliseJsonInventory([sp(1, VENDOR_TENANT)], 'one.json', { tenantId: TENANT });
    expect(other.identities[0]!.vendor).toBe(`third party (tenant ${VENDOR_TENANT})`);
  });
});

describe('Entra SP sign-in activity', () => {
  const doc = {
    value: [
      { id: 'x1', appId: 'aaaaaaaa-0000-0000-0000-000000000001', lastSignInActivity: { lastSignInDateTime: '2024-05-30T10:00:00Z' }, applicationAuthenticationClientSignInActivity: { lastSignInDateTime: '2024-05-29T10:00:00Z' } },
      { appId: 'aaaaaaaa-0000-0000-0000-000000000002', 'lastSignInActivity.lastSignInDateTime': '2024-04-01T00:00:00Z' },
      { appId: 'aaaaaaaa-0000-0000-0000-000000000003', lastSignInActivity: { lastSignInDateTime: null } },
    ],
  };

  it('gives last-used updates by app id, not identities', () => {
    expect(detectJsonInventory(doc)?.kind).toBe('entra_sp_signin_activity');
    const r = normaliseJsonInventory(doc, 'activity.json');
    expect(r.identities).toEqual([]);
    expect(r.updates).toEqual([
      { alias: 'aaaaaaaa-0000-0000-0000-000000000001', alias_type: 'app_id', last_used_at: utc('2024-05-29T10:00:00Z'), source_file: 'activity.json', source_row: 1 },
      { alias: 'aaaaaaaa-0000-0000-0000-000000000002', alias_type: 'app_id', last_used_at: utc('2024-04-01T00:00:00Z'), source_file: 'activity.json', source_row: 2 },
    ]);
    expect(r.notes.some((n) => n.includes('no sign-in recorded'))).toBe(true);
  });
});

describe('GCP service-account keys', () => {
  const sa = 'etl-runner@data-prod.iam.gserviceaccount.com';
  const keys = [
    { name: `projects/data-prod/serviceAccounts/${sa}/keys/aaa111`, keyType: 'USER_MANAGED', keyOrigin: 'GOOGLE_PROVIDED', validAfterTime: '2022-01-01T00:00:00Z', validBeforeTime: '9999-12-31T23:59:59Z', keyAlgorithm: 'KEY_ALG_RSA_2048' },
    { name: `projects/data-prod/serviceAccounts/${sa}/keys/bbb222`, keyType: 'USER_MANAGED', keyOrigin: 'GOOGLE_PROVIDED', validAfterTime: '2024-01-01T00:00:00Z', validBeforeTime: '2025-01-01T00:00:00Z' },
    { name: `projects/data-prod/serviceAccounts/${sa}/keys/ccc333`, keyType: 'USER_MANAGED', validAfterTime: '2019-01-01T00:00:00Z', validBeforeTime: '2024-02-01T00:00:00Z', disabled: true },
    { name: `projects/data-prod/serviceAccounts/${sa}/keys/sys444`, keyType: 'SYSTEM_MANAGED', keyOrigin: 'GOOGLE_PROVIDED', validAfterTime: '2024-05-01T00:00:00Z', validBeforeTime: '2024-05-17T00:00:00Z' },
    { name: 'projects/-/serviceAccounts/lonely@other-proj.iam.gserviceaccount.com/keys/ddd', keyType: 'SYSTEM_MANAGED', validAfterTime: '2024-05-01T00:00:00Z' },
    { name: 'not a key', keyType: 'USER_MANAGED' },
  ];

  it('groups keys into one identity per service account', () => {
    expect(detectJsonInventory(keys)?.kind).toBe('gcp_sa_keys');
    const r = normaliseJsonInventory(keys, 'keys.json');
    expect(r.identities.map((i) => i.identity_key)).toEqual([sa, 'lonely@other-proj.iam.gserviceaccount.com']);
    expect(r.identities[0]).toMatchObject({
      name: sa,
      platform: 'gcp',
      account: 'data-prod',
      kind: 'service account',
      credential_type: 'static key',
      last_rotated_at: utc('2022-01-01T00:00:00Z'),
      expires_at: utc('2025-01-01T00:00:00Z'),
      extra: { user_managed_keys: '3 (2 enabled)', system_managed_keys: '1' },
      source_row: 1,
    });
    expect(r.identities[1]).toMatchObject({ account: 'other-proj', credential_type: null });
    const aliases = r.aliases.filter((a) => a.identity_key === sa);
    expect(aliases).toContainEqual({ identity_key: sa, alias: sa, alias_type: 'email' });
    expect(aliases).toContainEqual({ identity_key: sa, alias: 'bbb222', alias_type: 'key_id' });
    expect(aliases).toContainEqual({ identity_key: sa, alias: `//iam.googleapis.com/projects/data-prod/serviceAccounts/${sa}/keys/bbb222`, alias_type: 'key_id' });
    expect(r.rejected).toEqual([{ source_file: 'keys.json', source_row: 6, reason: expect.stringContaining('No key name') }]);
  });
});

describe('GitHub fine-grained tokens', () => {
  const tokens = [
    {
      id: 25381,
      owner: { login: 'octocat', id: 1 },
      repository_selection: 'all',
      permissions: { organization: { members: 'read' }, repository: { contents: 'write', metadata: 'read' }, other: {} },
      access_granted_at: '2023-05-16T08:47:09.000-07:00',
      token_id: 98716,
      token_name: 'deploy-pipeline',
      token_expired: false,
      token_expires_at: '2025-02-16T08:47:09.000-07:00',
      token_last_used_at: null,
    },
  ];

  it('reads each token as an identity keyed by token id', () => {
    expect(detectJsonInventory(tokens)?.kind).toBe('github_fine_grained_tokens');
    const r = normaliseJsonInventory(tokens, 'pats.json');
    expect(r.identities[0]).toMatchObject({
      identity_key: 'github:token:98716',
      name: 'deploy-pipeline',
      platform: 'github',
      kind: 'fine-grained PAT',
      credential_type: 'token',
      owner: 'octocat',
      permissions: ['organization.members:read', 'repository.contents:write', 'repository.metadata:read'],
      created_at: utc('2023-05-16T15:47:09Z'),
      expires_at: utc('2025-02-16T15:47:09Z'),
      last_used_at: null,
      extra: { id: '25381', repository_selection: 'all', token_expired: 'false', owner_id: '1' },
    });
    expect(r.aliases.map((a) => [a.alias_type, a.alias])).toEqual([
      ['name', 'deploy-pipeline'],
      ['token_id', '98716'],
    ]);
  });
});

describe('Okta API tokens', () => {
  const tokens = [
    { id: '00Tabcdefg1234567', name: 'SCIM sync', userId: '00uabcdefg1234567', clientName: 'Okta API', created: '2023-01-10T00:00:00.000Z', lastUpdated: '2024-01-10T00:00:00.000Z', expiresAt: '2024-07-10T00:00:00.000Z', tokenWindow: 'P30D', network: { connection: 'ANYWHERE' } },
  ];

  it('reads each token as an identity', () => {
    expect(detectJsonInventory(tokens)?.kind).toBe('okta_api_tokens');
    const r = normaliseJsonInventory(tokens, 'okta.json');
    expect(r.identities[0]).toMatchObject({
      identity_key: 'okta:token:00tabcdefg1234567',
      name: 'SCIM sync',
      platform: 'okta',
      kind: 'API token',
      owner: '00uabcdefg1234567',
      created_at: utc('2023-01-10T00:00:00Z'),
      expires_at: utc('2024-07-10T00:00:00Z'),
      extra: { clientName: 'Okta API', tokenWindow: 'P30D', 'network.connection': 'ANYWHERE' },
    });
    expect(r.aliases).toContainEqual({ identity_key: 'okta:token:00tabcdefg1234567', alias: '00Tabcdefg1234567', alias_type: 'token_id' });
  });
});

describe('hostile JSON', () => {
  it('reads odd types without throwing', () => {
    const doc = {
      value: [
        { id: '00000000-0000-0000-0000-000000000009', appId: 'a', servicePrincipalType: 'Application', displayName: 42, keyCredentials: 'nope', passwordCredentials: [null, 7, { keyId: {}, endDateTime: 'soon' }], owners: 'x' },
        { id: '00000000-0000-0000-0000-000000000008', appId: 'b', servicePrincipalType: 'Application', displayName: '<img src=x onerror=alert(1)>'.repeat(10_000) },
      ],
    };
    const r = normaliseJsonInventory(doc, 'odd.json');
    expect(r.identities.map((i) => i.identity_key)).toEqual(['00000000-0000-0000-0000-000000000009', '00000000-0000-0000-0000-000000000008']);
    expect(r.identities[0]).toMatchObject({ name: '42', expires_at: null, credential_type: 'static key' });
    expect(r.identities[1]!.name.length).toBe(65_536);
  });
});

describe('not an inventory', () => {
  it.each([null, 42, 'text', [], {}, [1, 2], { Records: [{ eventSource: 's3.amazonaws.com', eventName: 'GetObject' }] }])('%j is not recognised', (v) => {
    expect(detectJsonInventory(v)).toBeNull();
    const r = normaliseJsonInventory(v, 'x.json');
    expect(r.kind).toBeNull();
    expect(r.identities).toEqual([]);
  });
});
