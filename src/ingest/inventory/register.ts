// Normalises an NHI register (any CSV / spreadsheet export of service accounts, keys, apps) into canonical identities and
// aliases, using a header mapping (automatic or the analyst's). Bad rows are rejected with a reason; the file carries on.

import type { AliasType, CanonicalIdentity, InventoryResult, Platform, RejectedRow } from '../canonical';
import type { DateOrder } from '../time';
import { mapHeaders, type HeaderMapping } from './header-map';
import { parseSchedule } from './schedule';
import {
  AliasSet,
  DateColumn,
  Notes,
  accountFromIdentifier,
  arnResourceName,
  blankIdentity,
  cellText,
  classifyIdentifier,
  columnLabels,
  dataRows,
  identityKeyFrom,
  inferPlatform,
  isBlankish,
  kindFromIdentifier,
  looksLikeLiveSecret,
  normalisePlatform,
  parseBool,
  reject,
  splitList,
  valueOrNull,
  safeTable,
  type ParsedTable,
} from './util';

export interface RegisterOptions {
  /**
   * The analysis as-of time (epoch ms). Only used to turn a "key age (days)" column into last_rotated_at = as-of − days.
   * Without it the age is kept in `extra.key_age_days` and a note says so: ages are never measured against the wall clock.
   */
  asOf?: number;
  /** Force a day/month order for a date column, by canonical field (created_at, last_rotated_at, expires_at, last_used_at). */
  dateOrders?: Partial<Record<string, DateOrder>>;
}

const DATE_FIELDS = ['created_at', 'last_rotated_at', 'expires_at', 'last_used_at'] as const;
type DateField = (typeof DATE_FIELDS)[number];
const DAY_MS = 86_400_000;

/**
 * Register rows → identities. `mapping` defaults to mapHeaders(headers, 'identity', first 50 rows). Rows naming the same
 * identity_key are merged (registers often list one row per grant): lists are united, empty fields filled, and conflicting
 * values keep the first row's with a note.
 */
export function registerToInventory(input: ParsedTable, mapping?: HeaderMapping, options: RegisterOptions = {}): InventoryResult {
  const notes = new Notes();
  const rejected: RejectedRow[] = [];
  const aliasSet = new AliasSet();
  const table = safeTable(input);
  const { headers, rows } = table;
  const map = mapping ?? mapHeaders(headers, 'identity', rows.slice(0, 50));
  if (map.target !== 'identity') {
    return { identities: [], aliases: [], rejected: [], notes: [`This mapping is for ${map.target} files, not an identity register.`] };
  }
  const labels = columnLabels(headers);
  const file = table.fileName;
  const col = (field: string) => map.fields[field]?.column;
  if (col('name') === undefined && map.aliases.length === 0) {
    notes.add('No column reads as an identity name or identifier (e.g. "Name", "Service account", "ARN"); map one to read this file.');
  }
  if (map.unmapped.length > 0) {
    notes.add(`Columns kept as extra (not mapped): ${map.unmapped.map((i) => `"${labels[i]}"`).join(', ')}.`);
  }

  // Every date column gets one day/month order, chosen from all its values.
  const dateCols = new Map<DateField, DateColumn>();
  for (const field of DATE_FIELDS) {
    const c = col(field);
    if (c === undefined) continue;
    const values = rows.map((r) => cellText(Array.isArray(r) ? r : [], c));
    dateCols.set(field, new DateColumn(labels[c]!, values, notes, options.dateOrders?.[field]));
  }

  const ctx: RowContext = { map, labels, headerCount: headers.length, dateCols, notes, rejected, file, options };
  const byKey = new Map<string, CanonicalIdentity>();
  const order: CanonicalIdentity[] = [];
  for (const { sourceRow, cells } of dataRows(table, notes, rejected)) {
    const read = readRow(ctx, cells, sourceRow);
    if (!read) continue;
    const { identity, ids } = read;
    const existing = byKey.get(identity.identity_key);
    if (existing) {
      mergeInto(existing, identity, notes, sourceRow);
      notes.count('merged into an earlier row with the same identity key', sourceRow);
    } else {
      byKey.set(identity.identity_key, identity);
      order.push(identity);
    }
    aliasSet.add(identity.identity_key, identity.name, 'name');
    for (const a of ids) aliasSet.add(identity.identity_key, a.alias, a.alias_type);
  }
  return { identities: order, aliases: aliasSet.rows, rejected, notes: notes.list() };
}

interface RowContext {
  map: HeaderMapping;
  labels: string[];
  headerCount: number;
  dateCols: Map<DateField, DateColumn>;
  notes: Notes;
  rejected: RejectedRow[];
  file: string;
  options: RegisterOptions;
}

type Ids = { alias: string; alias_type: AliasType }[];

/** One register row → an identity and its identifiers, or null (rejected) when it names nothing. */
function readRow(ctx: RowContext, cells: readonly unknown[], sourceRow: number): { identity: CanonicalIdentity; ids: Ids } | null {
  const { map, labels, notes } = ctx;
  const col = (field: string) => map.fields[field]?.column;
  const get = (field: string) => cellText(cells, col(field), notes, sourceRow);
  const labelOf = (field: string) => labels[col(field)!]!;
  const extra: Record<string, string> = {};

  // Identifiers from alias columns, classified by content; the column's meaning decides GUIDs and opaque ids.
  const ids: Ids = [];
  for (const a of map.aliases) {
    for (const v of splitList(cellText(cells, a.column, notes, sourceRow))) {
      // 'name'-typed alias columns ("Aliases", "NHI ID") hold any identifier: only the content says which.
      const hint = a.alias_type === 'name' ? null : a.alias_type;
      const type = classifyIdentifier(v, hint) ?? (a.alias_type === 'name' && !looksLikeLiveSecret(v) ? 'name' : null);
      if (type) ids.push({ alias: v, alias_type: type });
      else if (looksLikeLiveSecret(v)) notes.count(`a cell in "${labels[a.column]}" looks like a live secret; not used as an alias`, sourceRow);
    }
  }
  let name = valueOrNull(get('name'));
  if (name) {
    // A name that is itself an identifier (an ARN, an SA e-mail) is also that kind of alias.
    const t = classifyIdentifier(name, null);
    if (t && t !== 'object_id') ids.push({ alias: name, alias_type: t });
  } else {
    name = nameFromIds(ids);
    if (!name) {
      ctx.rejected.push(reject(ctx.file, sourceRow, 'No name or identifier in this row.'));
      return null;
    }
    notes.count('no name; the name was taken from an identifier', sourceRow);
  }
  const idStrings = [...ids.map((i) => i.alias), name];

  const platformText = get('platform');
  let platform: Platform | null = normalisePlatform(platformText);
  if (!platform && !isBlankish(platformText)) {
    extra[labelOf('platform')] = platformText;
    notes.count(`platform "${clipText(platformText)}" not recognised; inferred from the identifiers instead`, sourceRow);
  }
  const kindText = valueOrNull(get('kind'));
  platform ??= inferPlatform(idStrings, [kindText ?? '', name, platformText]) ?? 'other';

  const account = valueOrNull(get('account')) ?? firstOf(idStrings, accountFromIdentifier);
  const id = blankIdentity(identityKeyFrom(ids, platform, account, name), name, platform, ctx.file, sourceRow);
  id.kind = kindText ?? firstOf(idStrings, kindFromIdentifier);
  id.account = account;
  id.owner = valueOrNull(get('owner'));
  id.team = valueOrNull(get('team'));
  id.secret_location = valueOrNull(get('secret_location'));
  id.schedule = valueOrNull(get('schedule'));
  id.permissions = splitList(get('permissions'));
  id.approved_destinations = splitList(get('approved_destinations'));
  // Data classes are compared with resource classes, which are lower-cased too.
  id.allowed_data_classes = splitList(get('allowed_data_classes')).map((c) => c.toLowerCase());

  const envText = valueOrNull(get('environment'));
  id.environment = envText ? normaliseEnvironment(envText) : null;

  const critText = valueOrNull(get('criticality'));
  if (critText) {
    const c = normaliseCriticality(critText);
    id.criticality = c.value;
    if (!c.value) {
      extra[labelOf('criticality')] = critText;
      notes.count(`criticality "${clipText(critText)}" not recognised (expected low / medium / high / critical or a tier); kept as text`, sourceRow);
    } else if (c.fromNumber) {
      notes.add(`Column "${labelOf('criticality')}": numbers read as tiers, 1 = most critical (1 → critical, 2 → high, 3 → medium, 4+ → low).`);
    }
  }

  const ownerStatusText = valueOrNull(get('owner_status'));
  if (ownerStatusText) {
    id.owner_status = normaliseOwnerStatus(ownerStatusText, map.fields.owner_status?.header ?? '');
    if (id.owner_status === 'unknown') extra[labelOf('owner_status')] = ownerStatusText;
  }

  const credText = valueOrNull(get('credential_type'));
  id.credential_type = credText ? normaliseCredentialType(credText) : null;

  const vendorText = valueOrNull(get('vendor'));
  if (vendorText) {
    // A yes/no "third party" column says whether there is a vendor, not who it is; "internal" means none.
    const b = parseBool(vendorText);
    id.vendor = b === true ? 'third party' : b === false || NO_VENDOR.test(vendorText) ? null : vendorText;
  }

  for (const field of DATE_FIELDS) {
    const dc = ctx.dateCols.get(field);
    if (!dc) continue;
    const raw = get(field);
    const t = dc.read(raw);
    if (t === 'invalid') {
      extra[dc.label] = raw;
      notes.count(`"${dc.label}" is not a date; kept as text`, sourceRow);
    } else id[field] = t;
  }
  readKeyAge(ctx, id, get('key_age_days'), extra, sourceRow);

  if (id.schedule) {
    const s = parseSchedule(id.schedule);
    if (s.errors.length > 0) notes.count(`schedule not fully readable: ${s.errors[0]}`, sourceRow);
  }

  for (const c of map.unmapped) {
    const v = cellText(cells, c, notes, sourceRow);
    if (v !== '') extra[labels[c]!] = v;
  }
  // Cells beyond the header (ragged rows) are kept too, under their position.
  for (let c = ctx.headerCount; c < cells.length; c++) {
    const v = cellText(cells, c, notes, sourceRow);
    if (v !== '') extra[`column ${c + 1}`] = v;
  }
  id.extra = extra;
  return { identity: id, ids };
}

const NO_VENDOR = /^(internal|in[- ]house|first[- ]party|1st[- ]party|own|self)$/i;

/** "Key age" in days: a rotation date counted back from the as-of time when there is one, else kept as key_age_days. */
function readKeyAge(ctx: RowContext, id: CanonicalIdentity, raw: string, extra: Record<string, string>, sourceRow: number): void {
  if (isBlankish(raw)) return;
  const m = /^(\d{1,5}(?:\.\d+)?)\s*(d|days?)?$/i.exec(raw.trim());
  if (!m) {
    extra.key_age = raw;
    ctx.notes.count('key age is not a number of days; kept as text', sourceRow);
    return;
  }
  const days = Number(m[1]);
  const asOf = ctx.options.asOf;
  if (asOf !== undefined && Number.isFinite(asOf)) {
    // A dated rotation column, when present, is more precise than an age and wins.
    id.last_rotated_at ??= asOf - Math.round(days * DAY_MS);
    ctx.notes.add(`Key ages (days) were turned into rotation dates counted back from the as-of time ${new Date(asOf).toISOString()}.`);
  } else {
    extra.key_age_days = String(days);
    ctx.notes.add('Key ages are in days and no as-of time was given: they are kept as key_age_days, not turned into rotation dates.');
  }
}

function firstOf(values: string[], f: (v: string) => string | null): string | null {
  for (const v of values) {
    const r = f(v);
    if (r) return r;
  }
  return null;
}

/** A name for a row without one: the ARN's principal name, the k8s SA name, else the first identifier. */
function nameFromIds(ids: Ids): string | null {
  for (const a of ids) {
    if (a.alias_type === 'arn' || a.alias_type === 'role_arn') {
      const n = arnResourceName(a.alias);
      if (n) return n;
    }
    if (a.alias_type === 'k8s_service_account') return a.alias.split(':').pop() ?? a.alias;
  }
  return ids[0]?.alias ?? null;
}

const SCALARS = ['kind', 'account', 'owner', 'owner_status', 'team', 'environment', 'criticality', 'secret_location', 'credential_type', 'created_at', 'last_rotated_at', 'expires_at', 'last_used_at', 'vendor', 'schedule'] as const;

function mergeInto(into: CanonicalIdentity, from: CanonicalIdentity, notes: Notes, sourceRow: number): void {
  for (const f of SCALARS) {
    const a = into[f];
    const b = from[f];
    if (b === null) continue;
    if (a === null) (into as unknown as Record<string, unknown>)[f] = b;
    else if (a !== b) notes.count(`"${f}" differs from an earlier row of the same identity; the earlier value is kept`, sourceRow);
  }
  into.permissions = [...new Set([...into.permissions, ...from.permissions])];
  into.approved_destinations = [...new Set([...into.approved_destinations, ...from.approved_destinations])];
  into.allowed_data_classes = [...new Set([...into.allowed_data_classes, ...from.allowed_data_classes])];
  for (const [k, v] of Object.entries(from.extra)) if (!(k in into.extra)) into.extra[k] = v;
}

function clipText(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}…` : s;
}

// ---------------------------------------------------------------------------------------------------------------------
// Value normalisation

/**
 * Criticality → low / medium / high / critical. Words (critical, crown jewel, major, moderate, minor…), tiers and priorities
 * where 1 is the most critical (tier 0/1, P1, Sev1 → critical; 2 → high; 3 → medium; 4+ → low; bare numbers read the same way),
 * and data-classification words used as sensitivity (restricted/secret → critical, confidential → high, internal → medium,
 * public → low). Anything else → null (the raw text is kept in `extra`).
 */
export function normaliseCriticality(value: string): { value: string | null; fromNumber: boolean } {
  const v = value.trim().toLowerCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' ');
  const words: [RegExp, string][] = [
    [/^(critical|crit|mission critical|business critical|crown jewels?|very high|highest|extreme|severe|restricted|secret|top secret|strictly confidential)$/, 'critical'],
    [/^(high|major|important|elevated|confidential|sensitive)$/, 'high'],
    [/^(medium|med|moderate|normal|standard|average|mid|internal)$/, 'medium'],
    [/^(low|minor|minimal|lowest|very low|negligible|public|none critical|non critical)$/, 'low'],
  ];
  for (const [re, c] of words) if (re.test(v)) return { value: c, fromNumber: false };
  const m = /^(?:tier|t|p|priority|sev|severity|level|crit|criticality)?\s*(\d{1,2})$/.exec(v);
  if (m) {
    const n = Number(m[1]);
    const c = n <= 1 ? 'critical' : n === 2 ? 'high' : n === 3 ? 'medium' : 'low';
    return { value: c, fromNumber: /^\d/.test(v) };
  }
  return { value: null, fromNumber: false };
}

/**
 * Owner status → active / departed / disabled / unknown. Terminated, left, leaver, offboarded → departed; suspended,
 * deactivated, inactive, locked → disabled. A yes/no cell reads through the header: "Owner active: no" → departed,
 * "Owner departed: yes" → departed.
 */
export function normaliseOwnerStatus(value: string, header = ''): string {
  const v = value.trim().toLowerCase();
  const b = parseBool(v);
  if (b !== null && !/^(enabled|disabled)$/.test(v)) {
    const negative = /depart|left|leaver|terminat|disabled|inactive|offboard|former/i.test(header);
    return b !== negative ? 'active' : 'departed';
  }
  if (/\b(depart\w*|left|leaver|terminat\w*|offboard\w*|former|resigned|retired|exited|gone|no longer)\b/.test(v)) return 'departed';
  if (/\b(disabled|suspended|deactivated|inactive|locked|deprovisioned|blocked)\b/.test(v)) return 'disabled';
  if (/\b(active|employed|current|enabled|ok|valid)\b/.test(v)) return 'active';
  return 'unknown';
}

/** Environment words → prod / staging / dev / test / sandbox where recognisable, else the value lower-cased. */
export function normaliseEnvironment(value: string): string {
  const v = value.trim().toLowerCase();
  if (/^(prod|production|prd|live|prod\w*)$/.test(v)) return 'prod';
  if (/^(staging|stage|stg|pre ?prod|pre-prod(uction)?|preprod(uction)?)$/.test(v)) return 'staging';
  if (/^(dev|development|develop)$/.test(v)) return 'dev';
  if (/^(test|testing|tst|qa|uat)$/.test(v)) return 'test';
  if (/^(sandbox|sbx|lab)$/.test(v)) return 'sandbox';
  return v;
}

/**
 * Credential type → federated / certificate / password / token / static key. Federation (OIDC, workload identity, IRSA,
 * managed identity) wins over the words after it ("OIDC token" is federated). API keys, access keys and client secrets are
 * long-lived shared secrets: static key. 'password' is kept for interactive passwords. Unknown text → lower-cased as written.
 */
export function normaliseCredentialType(value: string): string {
  const v = value.trim().toLowerCase();
  if (/oidc|federat|workload identity|irsa|managed identity|assume ?role|keyless|web identity|\bsts\b|saml|spiffe/.test(v)) return 'federated';
  if (/cert|x\.?509|mtls|\bpem\b/.test(v)) return 'certificate';
  if (/password|passphrase/.test(v)) return 'password';
  if (/token|\bpat\b|bearer|jwt|oauth/.test(v)) return 'token';
  if (/key|secret|static|ssh|credential/.test(v)) return 'static key';
  return v;
}
