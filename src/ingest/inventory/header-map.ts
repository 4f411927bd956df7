// Maps a table's headers to canonical fields by meaning (synonyms, case- and punctuation-insensitive, token overlap), checked
// against sample values when given; and gives each header set a stable signature so a user's manual mapping can be remembered.

import type { AliasType } from '../canonical';
import { cellText, isBlankish } from './util';
import { parseTime } from '../time';

export type MappingTarget = 'identity' | 'event' | 'change' | 'resource_class';

/** One canonical field's chosen column. `via` is the synonym that matched (shown to the user as the reason). */
export interface FieldMatch {
  column: number;
  header: string;
  confidence: number;
  via: string;
}

/** A column read as identifiers of one alias type (several columns may feed aliases, e.g. "Access key 1", "Access key 2"). */
export interface AliasColumn extends FieldMatch {
  alias_type: AliasType;
}

export interface HeaderMapping {
  target: MappingTarget;
  /** canonical field → column. Field names are those of FIELDS[target]. */
  fields: Partial<Record<string, FieldMatch>>;
  /** Identity target only: columns holding identifiers. */
  aliases: AliasColumn[];
  /** Column indexes no field took; an adapter keeps them in `extra`. */
  unmapped: number[];
}

/**
 * Synonyms per field, in priority order (earlier fields win ties). Written in plain words: they go through the same
 * normalisation as headers. Single generic words (see GENERIC) only match a header that is exactly that word.
 */
type Synonyms = Record<string, readonly string[]>;

const IDENTITY: Synonyms = {
  owner_status: ['owner status', 'owner active', 'owner state', 'owner employment status', 'owner departed', 'owner left', 'owner terminated', 'owner disabled', 'owner is active', 'owner account status', 'owner hr status', 'owner enabled', 'employment status', 'owner still employed'],
  owner: ['owner', 'owners', 'business owner', 'technical owner', 'owner email', 'owner name', 'owner contact', 'responsible', 'responsible person', 'responsible party', 'accountable', 'accountable owner', 'custodian', 'steward', 'data steward', 'contact', 'maintainer', 'owned by', 'primary owner', 'app owner', 'application owner', 'service owner', 'system owner', 'manager'],
  name: ['name', 'identity', 'identity name', 'service account', 'service account name', 'sa name', 'svc account', 'service user', 'app', 'app name', 'application', 'application name', 'client', 'client name', 'display name', 'principal name', 'nhi', 'nhi name', 'non human identity', 'machine identity', 'workload identity', 'workload', 'technical account', 'technical user', 'system account', 'account name', 'user', 'user name', 'username', 'iam user', 'iam user name', 'role name', 'iam role', 'iam role name', 'bot', 'bot name', 'integration', 'integration name', 'token name', 'api key name', 'key name', 'credential name', 'identity display name'],
  kind: ['kind', 'type', 'identity type', 'identity kind', 'account type', 'nhi type', 'principal type', 'object type', 'sa type', 'category', 'identity category', 'credential kind'],
  platform: ['platform', 'provider', 'cloud', 'cloud provider', 'csp', 'system', 'source system', 'idp', 'identity provider', 'directory type'],
  account: ['account', 'account id', 'aws account', 'aws account id', 'account number', 'subscription', 'subscription id', 'project', 'project id', 'gcp project', 'tenant', 'tenant id', 'org', 'organization', 'organisation', 'org name', 'cluster', 'cluster name', 'directory', 'directory id', 'github org'],
  team: ['team', 'owning team', 'owner team', 'owner group', 'owner department', 'responsible team', 'owning group', 'team name', 'department', 'dept', 'group', 'business unit', 'bu', 'org unit', 'squad', 'division', 'cost center', 'cost centre', 'line of business'],
  environment: ['environment', 'env', 'stage', 'landscape', 'deployment', 'environment name', 'deployment environment'],
  criticality: ['criticality', 'tier', 'service tier', 'criticality tier', 'sensitivity', 'risk', 'risk level', 'risk rating', 'business criticality', 'importance', 'priority', 'impact', 'crit', 'rating', 'classification level'],
  permissions: ['permissions', 'permission', 'scopes', 'scope', 'grants', 'grant', 'roles', 'role', 'policies', 'policy', 'attached policies', 'iam policies', 'access', 'access level', 'privileges', 'entitlements', 'rights', 'iam roles', 'assigned roles', 'role assignments', 'api permissions', 'oauth scopes', 'granted scopes', 'allowed actions', 'access scope', 'access scopes'],
  secret_location: ['secret location', 'stored in', 'stored at', 'storage location', 'vault path', 'vault', 'secret store', 'secret path', 'secret storage', 'where stored', 'key location', 'credential location', 'secret manager', 'kept in', 'location of secret', 'secret stored in', 'credential storage'],
  credential_type: ['credential type', 'auth type', 'authentication', 'authentication type', 'authentication method', 'auth method', 'secret type', 'key type', 'credential', 'login type', 'auth mechanism'],
  created_at: ['created', 'created at', 'created on', 'creation date', 'creation time', 'created date', 'date created', 'creation', 'provisioned', 'provisioned on', 'issued', 'issued at', 'issue date', 'onboarded', 'onboarding date'],
  last_rotated_at: ['last rotated', 'last rotation', 'rotated on', 'rotated', 'rotation date', 'last rotation date', 'key rotated', 'secret rotated', 'key last rotated', 'last key rotation', 'key rotation', 'rotation', 'last changed', 'secret last changed', 'password last changed', 'last rotated at', 'rotated at'],
  key_age_days: ['key age', 'key age days', 'credential age', 'secret age', 'age days', 'age', 'days since rotation', 'days since last rotation', 'key age in days'],
  expires_at: ['expires', 'expiry', 'expiry date', 'expiration', 'expiration date', 'expires at', 'expires on', 'valid until', 'valid to', 'not after', 'sunset', 'expiration time', 'end of life'],
  last_used_at: ['last used', 'last used at', 'last used date', 'last activity', 'last active', 'last seen', 'last login', 'last sign in', 'last signin', 'last access', 'last accessed', 'last authenticated', 'last use'],
  vendor: ['vendor', 'third party', '3rd party', 'supplier', 'partner', 'external vendor', 'vendor name', 'publisher', 'external party', 'saas vendor'],
  schedule: ['schedule', 'job window', 'job windows', 'expected hours', 'run window', 'running hours', 'operating hours', 'active hours', 'cron', 'run schedule', 'allowed hours', 'expected schedule', 'runs at', 'usage window', 'business hours'],
  approved_destinations: ['approved destinations', 'approved destination', 'allowed destinations', 'allowed destination', 'destinations', 'permitted destinations', 'egress allowlist', 'allowed targets', 'approved targets', 'allowed buckets', 'approved buckets', 'data destinations', 'allowed endpoints'],
  allowed_data_classes: ['allowed data classes', 'allowed data class', 'data classes', 'data class', 'data classification', 'allowed data', 'permitted data classes', 'data categories', 'allowed classifications'],
};

/** Alias fields of the identity target: field name `alias:<type>` → synonyms. Several columns may map to one. */
const IDENTITY_ALIASES: Synonyms = {
  'alias:role_arn': ['role arn', 'iam role arn', 'assumed role arn', 'role arns'],
  'alias:arn': ['arn', 'aws arn', 'iam arn', 'user arn', 'principal arn', 'identity arn', 'arns'],
  'alias:access_key_id': ['access key', 'access key id', 'access keys', 'aws access key id', 'aws access key', 'aws key id'],
  'alias:client_id': ['client id', 'oauth client id', 'client identifier', 'consumer key', 'application client id'],
  'alias:app_id': ['app id', 'application id', 'appid', 'github app id', 'app registration id'],
  'alias:service_principal_id': ['service principal id', 'sp id', 'spn id', 'sp object id', 'service principal object id', 'enterprise app object id'],
  'alias:object_id': ['object id', 'entra object id', 'azure object id', 'aad object id', 'oid'],
  'alias:principal_id': ['principal id', 'aws principal id', 'unique id', 'iam unique id', 'user id', 'role id'],
  'alias:key_id': ['key id', 'key ids', 'credential id', 'secret id', 'key identifier', 'certificate id', 'cert id'],
  'alias:token_id': ['token id', 'pat id', 'token identifier', 'api token id'],
  'alias:hashed_token': ['hashed token'],
  'alias:email': ['email', 'e mail', 'mail', 'email address', 'service account email', 'sa email', 'principal email', 'upn', 'user principal name'],
  'alias:github_actor': ['github actor', 'github user', 'github login', 'github username', 'bot login', 'github bot'],
  'alias:github_actor_id': ['github actor id', 'github user id', 'actor id'],
  'alias:k8s_service_account': ['k8s service account', 'kubernetes service account', 'ksa', 'k8s sa', 'service account username'],
  'alias:username': ['login', 'login name', 'sign in name'],
  'alias:name': ['nhi id', 'identity id', 'identifier', 'unique identifier', 'external id', 'alias', 'aliases', 'other ids', 'alternate ids', 'alternate names', 'also known as', 'aka', 'identifiers'],
};

const EVENT: Synonyms = {
  time: ['time', 'timestamp', 'event time', 'eventtime', 'date', 'datetime', 'date time', 'created at', 'created', 'ts', 'occurred at', 'occurred', 'event date', 'event timestamp', 'published', 'log time', 'time generated', 'timegenerated', 'request time', 'when', 'utc time', 'time utc'],
  actor: ['actor', 'user', 'user name', 'username', 'principal', 'principal name', 'principal email', 'identity', 'caller', 'initiated by', 'who', 'actor name', 'user identity', 'subject', 'performed by', 'actor id', 'login'],
  action: ['action', 'operation', 'operation name', 'event', 'event name', 'api', 'api call', 'method', 'method name', 'event type', 'activity', 'verb', 'event action', 'activity type'],
  resource: ['resource', 'target', 'object', 'resource name', 'target resource', 'object name', 'repo', 'repository', 'bucket', 'entity', 'path', 'resource arn', 'uri', 'target name'],
  source_ip: ['ip', 'ip address', 'client ip', 'source ip', 'src ip', 'caller ip', 'remote ip', 'source address', 'source ip address', 'actor ip', 'remote addr', 'client address', 'ipaddress', 'sourceipaddress'],
  user_agent: ['user agent', 'useragent', 'ua', 'agent', 'http user agent', 'client user agent', 'browser'],
  outcome: ['outcome', 'result', 'status', 'success', 'outcome result', 'result type', 'response status', 'status code', 'http status'],
  error_code: ['error code', 'errorcode', 'error', 'failure reason', 'error type'],
  bytes: ['bytes', 'bytes transferred', 'size', 'bytes out', 'bytes sent', 'bytes received', 'data volume', 'response size', 'content length', 'volume'],
  credential_id: ['credential id', 'access key id', 'access key', 'key id', 'token id', 'credential', 'hashed token', 'api key id'],
  event_id: ['event id', 'id', 'uuid', 'request id', 'audit id', 'document id', 'log id', 'eventid'],
};

const CHANGE: Synonyms = {
  change_id: ['change id', 'change', 'ticket', 'ticket id', 'ticket number', 'cr', 'cr id', 'cr number', 'change request', 'change number', 'change ref', 'rfc', 'reference', 'ref', 'id', 'jira', 'jira key'],
  identity: ['identity', 'identities', 'name', 'service account', 'identity key', 'applies to', 'scope', 'target', 'principal', 'nhi', 'app', 'affected identity', 'affected identities', 'account'],
  starts_at: ['start', 'starts at', 'start time', 'from', 'begin', 'begins', 'start date', 'window start', 'valid from', 'planned start', 'scheduled start', 'starts', 'start at', 'start utc'],
  ends_at: ['end', 'ends at', 'end time', 'to', 'until', 'finish', 'end date', 'window end', 'valid until', 'planned end', 'scheduled end', 'ends', 'end at', 'end utc'],
  summary: ['summary', 'description', 'title', 'reason', 'details', 'notes', 'comment', 'subject', 'change summary', 'justification'],
};

const RESOURCE_CLASS: Synonyms = {
  pattern: ['resource pattern', 'pattern', 'resource', 'resources', 'bucket', 'path', 'resource name', 'prefix', 'resource arn', 'match', 'glob', 'location', 'table', 'repository', 'dataset', 'object'],
  data_class: ['data class', 'class', 'classification', 'data classification', 'sensitivity', 'label', 'category', 'data category', 'level', 'sensitivity label'],
};

const SYNONYMS: Record<MappingTarget, Synonyms> = {
  identity: { ...IDENTITY, ...IDENTITY_ALIASES },
  event: EVENT,
  change: CHANGE,
  resource_class: RESOURCE_CLASS,
};

/** The canonical fields of each target (alias fields of the identity target are `alias:<type>`). */
export const FIELDS: Record<MappingTarget, readonly string[]> = {
  identity: Object.keys(SYNONYMS.identity),
  event: Object.keys(EVENT),
  change: Object.keys(CHANGE),
  resource_class: Object.keys(RESOURCE_CLASS),
};

/** Fields whose values are dates: a column whose sample values are mostly not dates is not taken for them. */
const DATE_FIELDS = new Set(['created_at', 'last_rotated_at', 'expires_at', 'last_used_at', 'time', 'starts_at', 'ends_at']);

// Words too generic to justify a match when they are merely contained in a longer header ("Owner name" is not "name").
const GENERIC = new Set(['id', 'date', 'time', 'name', 'type', 'key', 'account', 'user', 'status', 'source', 'access', 'client', 'app', 'event', 'object', 'target', 'agent', 'role', 'policy', 'class', 'level', 'result', 'error', 'system', 'group', 'age', 'risk', 'to', 'from', 'end', 'start', 'ref', 'change', 'label', 'path', 'match', 'table', 'scope', 'grant', 'rating', 'impact', 'priority', 'size', 'mail', 'location', 'org', 'project', 'cluster', 'tenant', 'directory', 'vault', 'rotation', 'rotated', 'created', 'issued', 'credential', 'login', 'alias', 'resource', 'identity', 'principal', 'contact', 'manager', 'cloud', 'provider', 'bu', 'env', 'stage', 'tier', 'cr', 'rfc', 'ip', 'ua', 'ts', 'bot', 'cron', 'oid', 'upn', 'ksa', 'aka', 'csp', 'idp', 'crit', 'dept', 'when', 'who', 'verb', 'api', 'uri', 'repo', 'method', 'published', 'until', 'finish', 'begin']);

/** Header → words: camelCase and snake_case split, punctuation dropped, accents folded, lower-case. */
export function headerWords(header: string): string[] {
  const s = header
    .slice(0, 200)
    .replace(/^\uFEFF/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  return s === '' ? [] : s.split(' ');
}

// Plural folding so "scope" meets "scopes" and "policy" meets "policies"; applied to both sides, so it only needs consistency.
function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return word.slice(0, -3) + 'y';
  if (word.length > 3 && word.endsWith('s') && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

// Format hints in headers ("Created (UTC)", "Expiry (dd/mm/yyyy)") say nothing about the field.
const NOISE = new Set(['utc', 'gmt', 'iso', 'iso8601', 'yyyy', 'mm', 'dd', 'hh', 'ss', 'yyyymmdd', 'ddmmyyyy', 'mmddyyyy', 'optional']);

function stems(header: string): string[] {
  return headerWords(header)
    .filter((w) => !NOISE.has(w))
    .map(stem);
}

/**
 * How well a header matches one synonym: 1 for the same words, 0.6–0.9 when the header contains all of the synonym's words
 * (more for a larger share of the header), 0.3–0.45 for a partial overlap of specific words, 0 otherwise.
 */
function matchScore(header: readonly string[], synonym: readonly string[]): number {
  if (header.length === 0 || synonym.length === 0) return 0;
  if (header.join(' ') === synonym.join(' ')) return 1;
  const hs = new Set(header);
  if (synonym.length === 1 && GENERIC.has(synonym[0]!)) return 0;
  if (synonym.every((w) => hs.has(w))) return 0.6 + 0.3 * (synonym.length / header.length);
  const shared = synonym.filter((w) => hs.has(w) && !GENERIC.has(w));
  if (shared.length === 0) return 0;
  const union = new Set([...header, ...synonym]).size;
  const jaccard = shared.length / union;
  return jaccard >= 0.5 ? 0.3 + 0.3 * jaccard : 0;
}

/** Below this a column is not mapped automatically (the user can still map it). */
export const MIN_CONFIDENCE = 0.5;

/** Content check: fraction of non-blank sample values that parse as dates. */
function dateShare(column: number, sampleRows: readonly (readonly unknown[])[]): number | null {
  let seen = 0;
  let dates = 0;
  for (const row of sampleRows) {
    const v = cellText(row, column);
    if (isBlankish(v) || /^never$/i.test(v)) continue;
    seen++;
    if (parseTime(v) !== null) dates++;
  }
  return seen === 0 ? null : dates / seen;
}

/**
 * Map headers to the target's canonical fields. Each field takes at most one column (alias fields may take several), and no
 * column serves two fields: candidates are assigned greedily from the highest score. With `sampleRows`, a date field refuses a
 * column whose values are mostly not dates, and an identifier (alias) column refuses one whose values are dates.
 */
export function mapHeaders(headers: readonly string[], target: MappingTarget, sampleRows: readonly (readonly unknown[])[] = []): HeaderMapping {
  const synonyms = SYNONYMS[target];
  const fieldNames = Object.keys(synonyms);
  const words = headers.map((h) => stems(String(h ?? '')));
  const stemmedSyn = new Map(fieldNames.map((f) => [f, synonyms[f]!.map((s) => ({ text: s, words: stems(s) }))]));

  const candidates: { field: string; column: number; score: number; via: string; priority: number }[] = [];
  fieldNames.forEach((field, priority) => {
    for (let column = 0; column < headers.length; column++) {
      let best = 0;
      let via = '';
      for (const syn of stemmedSyn.get(field)!) {
        const s = matchScore(words[column]!, syn.words);
        if (s > best) {
          best = s;
          via = syn.text;
        }
      }
      if (best < MIN_CONFIDENCE) continue;
      if (sampleRows.length > 0) {
        const share = dateShare(column, sampleRows);
        if (DATE_FIELDS.has(field) && share !== null && share < 0.5) continue;
        if (field.startsWith('alias:') && share !== null && share > 0.5) continue;
        // A "key age" column holding dates is a rotation date, not a number of days.
        if (field === 'key_age_days' && share !== null && share > 0.5) continue;
      }
      candidates.push({ field, column, score: best, via, priority });
    }
  });
  candidates.sort((a, b) => b.score - a.score || a.priority - b.priority || a.column - b.column);

  const fields: Partial<Record<string, FieldMatch>> = {};
  const aliases: AliasColumn[] = [];
  const used = new Set<number>();
  for (const c of candidates) {
    if (used.has(c.column)) continue;
    const match: FieldMatch = { column: c.column, header: String(headers[c.column] ?? ''), confidence: round2(c.score), via: c.via };
    if (c.field.startsWith('alias:')) {
      aliases.push({ ...match, alias_type: c.field.slice('alias:'.length) as AliasType });
    } else {
      if (fields[c.field]) continue;
      fields[c.field] = match;
    }
    used.add(c.column);
  }
  aliases.sort((a, b) => a.column - b.column);
  const unmapped = headers.map((_, i) => i).filter((i) => !used.has(i));
  return { target, fields, aliases, unmapped };
}

/**
 * A mapping the user chose by hand: field → column index (alias fields `alias:<type>` may take a list). Unknown fields and
 * out-of-range or reused columns are ignored, so a remembered mapping applied to a slightly different file cannot break it.
 */
export function manualMapping(headers: readonly string[], target: MappingTarget, choice: Record<string, number | readonly number[]>): HeaderMapping {
  const known = new Set(FIELDS[target]);
  const fields: Partial<Record<string, FieldMatch>> = {};
  const aliases: AliasColumn[] = [];
  const used = new Set<number>();
  for (const [field, cols] of Object.entries(choice)) {
    if (!known.has(field)) continue;
    for (const column of typeof cols === 'number' ? [cols] : cols) {
      if (!Number.isInteger(column) || column < 0 || column >= headers.length || used.has(column)) continue;
      const match: FieldMatch = { column, header: String(headers[column] ?? ''), confidence: 1, via: 'chosen by you' };
      if (field.startsWith('alias:')) aliases.push({ ...match, alias_type: field.slice('alias:'.length) as AliasType });
      else if (!fields[field]) fields[field] = match;
      else continue;
      used.add(column);
      if (!field.startsWith('alias:')) break;
    }
  }
  return { target, fields, aliases, unmapped: headers.map((_, i) => i).filter((i) => !used.has(i)) };
}

/**
 * Apply a mapping remembered under a header signature to a file with that signature. Columns are found again by their
 * header (normalised), not by position: the signature ignores column order, so a remembered index could point elsewhere.
 */
export function applyRememberedMapping(saved: HeaderMapping, headers: readonly string[]): HeaderMapping {
  const byHeader = new Map<string, number[]>();
  headers.forEach((h, i) => {
    const k = headerWords(String(h ?? '')).join(' ');
    byHeader.set(k, [...(byHeader.get(k) ?? []), i]);
  });
  // Repeated headers are matched in order: the first saved "Key" takes the first "Key" column.
  const take = (header: string): number | undefined => byHeader.get(headerWords(header).join(' '))?.shift();
  const choice: Record<string, number[]> = {};
  for (const [field, m] of Object.entries(saved.fields)) {
    const c = m ? take(m.header) : undefined;
    if (c !== undefined) choice[field] = [c];
  }
  for (const a of saved.aliases) {
    const c = take(a.header);
    if (c !== undefined) (choice[`alias:${a.alias_type}`] ??= []).push(c);
  }
  return manualMapping(headers, saved.target, choice);
}

/**
 * A stable, order-insensitive signature of a header row (normalised words, sorted), used as the key under which a manual
 * mapping is remembered: `Service Account,Owner` and `owner;SERVICE_ACCOUNT` share one.
 */
export function headerSignature(headers: readonly string[]): string {
  return headers
    .map((h) => headerWords(String(h ?? '')).join(' '))
    .sort()
    .join('|');
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
