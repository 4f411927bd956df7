// Recognises JSON inventories by their keys (Entra service principals and their sign-in activity, GCP service-account keys,
// GitHub fine-grained tokens, Okta API tokens) and normalises them into identities, aliases, and last-used updates.

import type { AliasType, CanonicalIdentity, InventoryResult, RejectedRow } from '../canonical';
import {
  AliasSet,
  GUID,
  accountFromIdentifier,
  Notes,
  blankIdentity,
  identityKeyFrom,
  isEmail,
  isRecord,
  jsonPath,
  jsonRecords,
  jsonStr,
  jsonTime,
  maxTime,
  minTime,
  reject,
} from './util';

export type JsonInventoryKind =
  | 'entra_service_principals'
  | 'entra_sp_signin_activity'
  | 'gcp_sa_keys'
  | 'github_fine_grained_tokens'
  | 'okta_api_tokens';

/**
 * A fact about an identity another file defines (the SP sign-in activity report knows when an app last signed in, not what
 * it is). The pipeline applies it to the identity having this alias (resolved through identity_aliases, case-insensitively):
 * last_used_at becomes the later of the two. Updates matching no identity are shown, not turned into identities.
 */
export interface InventoryUpdate {
  alias: string;
  alias_type: AliasType;
  last_used_at: number | null;
  source_file: string;
  source_row: number;
}

export interface JsonInventoryResult extends InventoryResult {
  kind: JsonInventoryKind | null;
  updates: InventoryUpdate[];
}

export interface JsonInventoryOptions {
  /** The Entra tenant the service principals were exported from; inferred from the apps' owner tenants when absent. */
  tenantId?: string;
}

// ---------------------------------------------------------------------------------------------------------------------
// Recognition

const GCP_KEY_NAME = /^projects\/([^/]+)\/serviceAccounts\/([^/]+)\/keys\/([^/]+)$/;

const has = (r: Record<string, unknown>, k: string) => r[k] !== undefined;

/** Sign-in activity is written nested (Graph) or flattened (`lastSignInActivity.lastSignInDateTime`, CSV→JSON tools). */
function hasSignInActivity(r: Record<string, unknown>): boolean {
  return Object.keys(r).some((k) => /SignInActivity(\.lastSignInDateTime)?$/.test(k));
}

const RECOGNISERS: { kind: JsonInventoryKind; weight: number; test: (r: Record<string, unknown>) => boolean }[] = [
  {
    kind: 'entra_service_principals',
    weight: 0.95,
    test: (r) =>
      typeof r.appId === 'string' &&
      has(r, 'id') &&
      (has(r, 'servicePrincipalType') || Array.isArray(r.keyCredentials) || Array.isArray(r.passwordCredentials) || has(r, 'appOwnerOrganizationId')),
  },
  { kind: 'entra_sp_signin_activity', weight: 0.9, test: (r) => typeof r.appId === 'string' && hasSignInActivity(r) && !has(r, 'servicePrincipalType') },
  {
    kind: 'gcp_sa_keys',
    weight: 0.95,
    test: (r) => typeof r.name === 'string' && GCP_KEY_NAME.test(r.name) && (has(r, 'keyType') || has(r, 'validAfterTime')),
  },
  {
    kind: 'github_fine_grained_tokens',
    weight: 0.95,
    test: (r) => (has(r, 'token_id') && has(r, 'token_name')) || (has(r, 'access_granted_at') && has(r, 'repository_selection')),
  },
  {
    kind: 'okta_api_tokens',
    weight: 0.85,
    test: (r) =>
      typeof r.id === 'string' && typeof r.name === 'string' && (has(r, 'userId') || has(r, 'clientName')) && (has(r, 'created') || has(r, 'expiresAt')) && !has(r, 'token_id'),
  },
];

/** Which JSON inventory a parsed document is, judged on its first 25 records; null when it is none of them. */
export function detectJsonInventory(value: unknown): { kind: JsonInventoryKind; confidence: number } | null {
  const sample = jsonRecords(value).slice(0, 25).filter(isRecord);
  if (sample.length === 0) return null;
  let best: { kind: JsonInventoryKind; confidence: number } | null = null;
  for (const r of RECOGNISERS) {
    const share = sample.filter((rec) => safeTest(r.test, rec)).length / sample.length;
    if (share < 0.5) continue;
    const confidence = Math.round(r.weight * share * 100) / 100;
    if (!best || confidence > best.confidence) best = { kind: r.kind, confidence };
  }
  return best;
}

function safeTest(test: (r: Record<string, unknown>) => boolean, rec: Record<string, unknown>): boolean {
  try {
    return test(rec);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Normalisation

interface Ctx {
  file: string;
  notes: Notes;
  aliases: AliasSet;
  rejected: RejectedRow[];
  identities: CanonicalIdentity[];
  updates: InventoryUpdate[];
  options: JsonInventoryOptions;
}

/**
 * Normalise a parsed JSON inventory document (an array, a Graph `{ value: [...] }` page, or one object). source_row is the
 * 1-based position of the record in that array. Never throws: a record that cannot be read is rejected with the reason.
 */
export function normaliseJsonInventory(value: unknown, fileName: string, options: JsonInventoryOptions = {}): JsonInventoryResult {
  const detected = detectJsonInventory(value);
  const ctx: Ctx = { file: fileName, notes: new Notes(), aliases: new AliasSet(), rejected: [], identities: [], updates: [], options };
  if (!detected) {
    return { kind: null, identities: [], aliases: [], rejected: [], updates: [], notes: ['Not a recognised JSON inventory (Entra service principals or sign-in activity, GCP service-account keys, GitHub fine-grained tokens, Okta API tokens).'] };
  }
  const records = jsonRecords(value);
  const readers: Record<JsonInventoryKind, (records: unknown[], ctx: Ctx) => void> = {
    entra_service_principals: readEntraServicePrincipals,
    entra_sp_signin_activity: readSignInActivity,
    gcp_sa_keys: readGcpKeys,
    github_fine_grained_tokens: readGithubTokens,
    okta_api_tokens: readOktaTokens,
  };
  readers[detected.kind](records, ctx);
  return {
    kind: detected.kind,
    identities: ctx.identities,
    aliases: ctx.aliases.rows,
    rejected: ctx.rejected,
    updates: ctx.updates,
    notes: ctx.notes.list(),
  };
}

/** Visit each record with its 1-based row; non-objects and records whose reader throws are rejected, the rest carry on. */
function eachRecord(records: unknown[], ctx: Ctx, visit: (r: Record<string, unknown>, row: number) => void): void {
  records.forEach((rec, i) => {
    const row = i + 1;
    if (!isRecord(rec)) {
      ctx.rejected.push(reject(ctx.file, row, 'Not a JSON object.'));
      return;
    }
    try {
      visit(rec, row);
    } catch (e) {
      ctx.rejected.push(reject(ctx.file, row, `Could not read this record: ${e instanceof Error ? e.message : String(e)}`));
    }
  });
}

/** Primitive fields of a record kept as `extra` text (booleans and numbers stringified). */
function extraOf(r: Record<string, unknown>, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = jsonPath(r, k);
    if (typeof v === 'boolean') out[k] = String(v);
    else {
      const s = jsonStr(v);
      if (s !== null) out[k] = s;
    }
  }
  return out;
}

function addIdentity(ctx: Ctx, id: CanonicalIdentity, aliases: { alias: string | null; alias_type: AliasType }[]): void {
  ctx.identities.push(id);
  ctx.aliases.add(id.identity_key, id.name, 'name');
  for (const a of aliases) ctx.aliases.add(id.identity_key, a.alias, a.alias_type);
}

// Entra ------------------------------------------------------------------------------------------------------------------

// Tenants that own Microsoft's first-party apps ("Microsoft Services" and "Microsoft").
const MICROSOFT_TENANTS = new Set(['f8cdef31-a31e-4b4a-93e4-5f571e91255a', '72f988bf-86f1-41af-91ab-2d7cd011db47']);

const SP_KINDS: Record<string, string> = {
  application: 'service principal',
  managedidentity: 'managed identity',
  legacy: 'service principal (legacy)',
  socialidp: 'social identity provider',
};

/**
 * The tenant the export came from: the option, else the owner tenant most apps share (the tenant's own app registrations),
 * ignoring Microsoft's. Without a clear majority no vendor is inferred from owner tenants.
 */
function entraTenant(records: unknown[], ctx: Ctx): string | null {
  if (ctx.options.tenantId) return ctx.options.tenantId.toLowerCase();
  const counts = new Map<string, number>();
  for (const r of records) {
    const t = isRecord(r) ? jsonStr(r.appOwnerOrganizationId)?.toLowerCase() : undefined;
    if (t && !MICROSOFT_TENANTS.has(t)) counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const [first, second] = ranked;
  if (!first || first[1] < 2 || (second && second[1] === first[1])) {
    if (ranked.length > 0) ctx.notes.add('The Entra tenant could not be inferred (no owner tenant shared by most apps); give the tenant id to mark third-party apps.');
    return null;
  }
  ctx.notes.add(`Entra tenant assumed to be ${first[0]} (the owner of ${first[1]} of the apps); apps owned by other tenants are marked as vendors.`);
  return first[0];
}

function readEntraServicePrincipals(records: unknown[], ctx: Ctx): void {
  const tenant = entraTenant(records, ctx);
  eachRecord(records, ctx, (r, row) => {
    const objectId = jsonStr(r.id);
    const appId = jsonStr(r.appId);
    if (!objectId || !GUID.test(objectId)) {
      ctx.rejected.push(reject(ctx.file, row, 'No service principal object id (`id`).'));
      return;
    }
    const ids: { alias: string; alias_type: AliasType }[] = [{ alias: objectId, alias_type: 'service_principal_id' }];
    if (appId) ids.push({ alias: appId, alias_type: 'app_id' });
    const name = jsonStr(r.displayName) ?? appId ?? objectId;
    const id = blankIdentity(identityKeyFrom(ids, 'entra', tenant, name), name, 'entra', ctx.file, row);
    const type = jsonStr(r.servicePrincipalType);
    id.kind = type ? (SP_KINDS[type.toLowerCase()] ?? type) : 'service principal';
    id.account = tenant;
    id.created_at = jsonTime(r.createdDateTime);

    const keyCreds = Array.isArray(r.keyCredentials) ? r.keyCredentials.filter(isRecord) : [];
    const secretCreds = Array.isArray(r.passwordCredentials) ? r.passwordCredentials.filter(isRecord) : [];
    const creds = [...keyCreds, ...secretCreds];
    // Expired credentials stay listed in Graph and there is no "active" flag, so the newest start is the last rotation
    // (the oldest start would often be a long-dead secret); the soonest end is the next expiry.
    id.last_rotated_at = maxTime(...creds.map((c) => jsonTime(c.startDateTime)));
    id.expires_at = minTime(...creds.map((c) => jsonTime(c.endDateTime)));
    // A client secret is a long-lived shared secret, like an access key: static key.
    id.credential_type = secretCreds.length > 0 ? 'static key' : keyCreds.length > 0 ? 'certificate' : type?.toLowerCase() === 'managedidentity' ? 'federated' : null;
    for (const c of creds) {
      const k = jsonStr(c.keyId);
      if (k) ids.push({ alias: k, alias_type: 'key_id' });
    }

    const ownerTenant = jsonStr(r.appOwnerOrganizationId)?.toLowerCase() ?? null;
    if (ownerTenant && MICROSOFT_TENANTS.has(ownerTenant)) id.vendor = 'Microsoft';
    else if (ownerTenant && tenant && ownerTenant !== tenant) {
      const publisher = jsonStr(jsonPath(r, 'verifiedPublisher.displayName')) ?? jsonStr(r.publisherName);
      id.vendor = publisher ?? `third party (tenant ${ownerTenant})`;
    }
    // Owners only appear when the export expanded them (`$expand=owners`).
    if (Array.isArray(r.owners)) {
      const o = r.owners.find(isRecord);
      if (o) id.owner = jsonStr(o.userPrincipalName) ?? jsonStr(o.mail) ?? jsonStr(o.displayName) ?? jsonStr(o.id);
    }
    id.extra = {
      ...extraOf(r, ['servicePrincipalType', 'accountEnabled', 'appOwnerOrganizationId', 'appDisplayName', 'publisherName', 'signInAudience']),
      credentials: `${secretCreds.length} secret(s), ${keyCreds.length} certificate(s)`,
    };
    addIdentity(ctx, id, ids);
  });
}

// Client sign-ins are the app acting; "resource" sign-ins are others signing in to it. lastSignInActivity covers both, so it
// is used only when the client-side entries are absent.
const CLIENT_ACTIVITY = ['applicationAuthenticationClientSignInActivity', 'delegatedClientSignInActivity'];

function readSignInActivity(records: unknown[], ctx: Ctx): void {
  ctx.notes.add('Service-principal sign-in activity updates last-used dates of service principals from another file (matched by app id); it defines no identities.');
  eachRecord(records, ctx, (r, row) => {
    const appId = jsonStr(r.appId);
    if (!appId) {
      ctx.rejected.push(reject(ctx.file, row, 'No appId.'));
      return;
    }
    const client = maxTime(...CLIENT_ACTIVITY.map((k) => jsonTime(jsonPath(r, `${k}.lastSignInDateTime`))));
    const last = client ?? jsonTime(jsonPath(r, 'lastSignInActivity.lastSignInDateTime'));
    if (last === null) {
      ctx.notes.count('no sign-in recorded for the app', row);
      return;
    }
    ctx.updates.push({ alias: appId, alias_type: 'app_id', last_used_at: last, source_file: ctx.file, source_row: row });
  });
}

// GCP --------------------------------------------------------------------------------------------------------------------

/**
 * One identity per service account, from its keys. Enabled user-managed keys are static keys; as with AWS access keys the
 * oldest one still enabled decides the rotation age, and the soonest validBeforeTime the expiry (9999-12-31 = never).
 * System-managed keys are Google's own and rotate by themselves: they are counted, not treated as static keys.
 */
function readGcpKeys(records: unknown[], ctx: Ctx): void {
  interface Key {
    id: string;
    path: string;
    userManaged: boolean;
    disabled: boolean;
    after: number | null;
    before: number | null;
    origin: string | null;
  }
  const accounts = new Map<string, { sa: string; project: string; row: number; keys: Key[] }>();
  eachRecord(records, ctx, (r, row) => {
    const name = jsonStr(r.name);
    const m = name ? GCP_KEY_NAME.exec(name) : null;
    if (!name || !m) {
      ctx.rejected.push(reject(ctx.file, row, 'No key name of the form projects/P/serviceAccounts/EMAIL/keys/ID.'));
      return;
    }
    const sa = decodeURIComponent(m[2]!);
    const saKey = sa.toLowerCase();
    const entry = accounts.get(saKey) ?? { sa, project: m[1]!, row, keys: [] };
    accounts.set(saKey, entry);
    entry.keys.push({
      id: m[3]!,
      path: name,
      userManaged: (jsonStr(r.keyType) ?? '').toUpperCase() === 'USER_MANAGED',
      disabled: r.disabled === true || jsonStr(r.disabled) === 'true',
      after: jsonTime(r.validAfterTime),
      before: jsonTime(r.validBeforeTime),
      origin: jsonStr(r.keyOrigin),
    });
  });
  for (const { sa, project, row, keys } of accounts.values()) {
    // gcloud writes "-" for the project when listing across projects; the SA e-mail names it too.
    const account = project !== '-' ? project : accountFromIdentifier(sa);
    const ids: { alias: string; alias_type: AliasType }[] = [{ alias: sa, alias_type: isEmail(sa) ? 'email' : 'principal_id' }];
    const id = blankIdentity(identityKeyFrom(ids, 'gcp', account, sa), sa, 'gcp', ctx.file, row);
    id.kind = 'service account';
    id.account = account;
    const live = keys.filter((k) => k.userManaged && !k.disabled);
    id.credential_type = live.length > 0 ? 'static key' : null;
    id.last_rotated_at = minTime(...live.map((k) => k.after));
    id.expires_at = minTime(...live.map((k) => k.before));
    const userManaged = keys.filter((k) => k.userManaged);
    id.extra = {
      user_managed_keys: `${userManaged.length} (${live.length} enabled)`,
      system_managed_keys: String(keys.length - userManaged.length),
    };
    const origins = [...new Set(userManaged.map((k) => k.origin).filter((o): o is string => o !== null))];
    if (origins.length > 0) id.extra.key_origins = origins.join(', ');
    // Audit logs name the key as //iam.googleapis.com/projects/P/serviceAccounts/E/keys/K; both forms resolve.
    for (const k of keys) {
      ids.push({ alias: k.id, alias_type: 'key_id' });
      ids.push({ alias: `//iam.googleapis.com/${k.path}`, alias_type: 'key_id' });
    }
    addIdentity(ctx, id, ids);
  }
}

// GitHub -----------------------------------------------------------------------------------------------------------------

/** `{ repository: { contents: 'write' } }` → ['repository.contents:write']; a plain list is kept as it is. */
function githubPermissions(p: unknown): string[] {
  if (Array.isArray(p)) return p.map(jsonStr).filter((s): s is string => s !== null);
  if (!isRecord(p)) return [];
  const out: string[] = [];
  for (const [group, perms] of Object.entries(p)) {
    if (isRecord(perms)) {
      for (const [perm, level] of Object.entries(perms)) {
        const l = jsonStr(level);
        if (l) out.push(`${group}.${perm}:${l}`);
      }
    } else {
      const l = jsonStr(perms);
      if (l) out.push(`${group}:${l}`);
    }
  }
  return out;
}

/**
 * Fine-grained PATs with access to an organisation. created_at is `access_granted_at`: the API gives no creation time, and the
 * grant is the closest known date (the token may be a little older). The token acts as its owner, so the owner's login is
 * the owner, not an alias: GitHub logs name the token by token_id.
 */
function readGithubTokens(records: unknown[], ctx: Ctx): void {
  eachRecord(records, ctx, (r, row) => {
    const tokenId = jsonStr(r.token_id) ?? jsonStr(r.id);
    if (!tokenId) {
      ctx.rejected.push(reject(ctx.file, row, 'No token_id.'));
      return;
    }
    const ids: { alias: string; alias_type: AliasType }[] = [{ alias: tokenId, alias_type: 'token_id' }];
    const name = jsonStr(r.token_name) ?? `token ${tokenId}`;
    const id = blankIdentity(identityKeyFrom(ids, 'github', null, name), name, 'github', ctx.file, row);
    id.kind = 'fine-grained PAT';
    id.credential_type = 'token';
    id.owner = isRecord(r.owner) ? jsonStr(r.owner.login) : jsonStr(r.owner);
    id.permissions = githubPermissions(r.permissions);
    id.created_at = jsonTime(r.access_granted_at);
    id.expires_at = jsonTime(r.token_expires_at);
    id.last_used_at = jsonTime(r.token_last_used_at);
    id.extra = { ...extraOf(r, ['id', 'repository_selection', 'token_expired', 'access_granted_at']) };
    if (isRecord(r.owner) && r.owner.id !== undefined) id.extra.owner_id = jsonStr(r.owner.id) ?? '';
    addIdentity(ctx, id, ids);
  });
}

// Okta -------------------------------------------------------------------------------------------------------------------

/** Okta API tokens act as the admin who created them (userId = owner). They cannot be rotated, only replaced. */
function readOktaTokens(records: unknown[], ctx: Ctx): void {
  eachRecord(records, ctx, (r, row) => {
    const tokenId = jsonStr(r.id);
    if (!tokenId) {
      ctx.rejected.push(reject(ctx.file, row, 'No token id.'));
      return;
    }
    const ids: { alias: string; alias_type: AliasType }[] = [{ alias: tokenId, alias_type: 'token_id' }];
    const name = jsonStr(r.name) ?? `token ${tokenId}`;
    const id = blankIdentity(identityKeyFrom(ids, 'okta', null, name), name, 'okta', ctx.file, row);
    id.kind = 'API token';
    id.credential_type = 'token';
    id.owner = jsonStr(r.userId);
    id.created_at = jsonTime(r.created);
    id.expires_at = jsonTime(r.expiresAt);
    id.extra = extraOf(r, ['clientName', 'lastUpdated', 'tokenWindow', 'network.connection']);
    addIdentity(ctx, id, ids);
  });
}
