// Shared helpers for the inventory adapters: table access, notes, lists, dates by column, identifiers, platforms, identity keys.
// Every adapter goes through these so a quirk (sentinels, ARN case, ambiguous dates) is decided once.

import type { AliasType, CanonicalIdentity, IdentityAlias, Platform, RejectedRow } from '../canonical';
import { isAmbiguousSlashedDate, parseTime, type DateOrder } from '../time';

/**
 * A parsed CSV/TSV/spreadsheet table. `rows` exclude the header row.
 * Convention: the data row at index i (0-based) has source_row = i + 2, i.e. its line number in the file when the header is
 * line 1 and no cell holds a quoted newline (with quoted newlines it is still the record number + 1).
 */
export interface ParsedTable {
  fileName: string;
  headers: string[];
  rows: string[][];
}

/** source_row of the data row at 0-based index i (header = line 1). */
export function sourceRowOf(index: number): number {
  return index + 2;
}

/** Cells longer than this are cut: a register cell has no business being larger, and a hostile file should not blow memory. */
export const MAX_CELL_CHARS = 65_536;

/** Read one cell safely: missing cells (ragged rows) are '', non-strings are stringified, huge strings are cut. */
export function cellText(row: readonly unknown[] | undefined, index: number | undefined, notes?: Notes, sourceRow = 0): string {
  if (!Array.isArray(row) || index === undefined || index < 0 || index >= row.length) return '';
  const raw = row[index];
  let text: string;
  if (typeof raw === 'string') text = raw;
  else if (raw === null || raw === undefined) text = '';
  else if (typeof raw === 'number' || typeof raw === 'boolean' || typeof raw === 'bigint') text = String(raw);
  else text = '';
  if (text.length > MAX_CELL_CHARS) {
    notes?.count(`cells longer than ${MAX_CELL_CHARS} characters were cut`, sourceRow);
    text = text.slice(0, MAX_CELL_CHARS);
  }
  return text.trim();
}

/**
 * The table with its header and rows guaranteed to be arrays, headers as strings: adapters are handed parsed data from
 * anywhere (a worker message, a restored workspace) and must not throw on a malformed one.
 */
export function safeTable(table: ParsedTable): ParsedTable {
  const t = (table ?? {}) as Partial<ParsedTable>;
  return {
    fileName: typeof t.fileName === 'string' ? t.fileName : '',
    headers: Array.isArray(t.headers) ? t.headers.map((h) => (typeof h === 'string' ? h : h === null || h === undefined ? '' : String(h))) : [],
    rows: Array.isArray(t.rows) ? t.rows : [],
  };
}

/** A header as a vendor wrote it, for exact-name checks: BOM and surrounding space removed, lower-cased. */
export function plainHeader(h: unknown): string {
  return String(h ?? '').replace(/^\uFEFF/, '').trim().toLowerCase();
}

/** Display labels for columns: blank headers become `column N`, repeated ones `Name (2)`, so `extra` keys are unique. */
export function columnLabels(headers: readonly unknown[]): string[] {
  const seen = new Map<string, number>();
  return headers.map((h, i) => {
    const base = (typeof h === 'string' ? h.replace(/^\uFEFF/, '').trim().slice(0, 200) : '') || `column ${i + 1}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} (${n})`;
  });
}

export interface TableRow {
  /** 0-based data row index. */
  index: number;
  sourceRow: number;
  cells: readonly unknown[];
}

/**
 * The usable data rows of a table. Blank rows are skipped (with a note), a row repeating the header (concatenated exports)
 * and a row that is not a list are rejected, and rows longer than the header are noted (their extra cells stay readable).
 */
export function* dataRows(table: ParsedTable, notes: Notes, rejected: RejectedRow[]): Generator<TableRow> {
  const headerKey = table.headers.map(plainHeader).join('\u0000');
  const rows: readonly unknown[] = table.rows;
  for (let index = 0; index < rows.length; index++) {
    const sourceRow = sourceRowOf(index);
    const cells = rows[index];
    if (!Array.isArray(cells)) {
      rejected.push(reject(table.fileName, sourceRow, 'Not a row of cells.'));
      continue;
    }
    const texts = cells.map((_, i) => cellText(cells, i));
    if (texts.every((t) => t === '')) {
      notes.count('blank row skipped', sourceRow);
      continue;
    }
    if (texts.map((t) => t.toLowerCase()).join('\u0000') === headerKey) {
      rejected.push(reject(table.fileName, sourceRow, 'Repeats the header row (files joined together?).'));
      continue;
    }
    if (cells.length > table.headers.length) notes.count("more cells than the header has columns", sourceRow);
    yield { index, sourceRow, cells };
  }
}

/** Values meaning "nothing here" in registers and AWS reports. Kept lower-case. */
const BLANKISH = new Set(['', 'n/a', 'na', 'n.a.', 'none', 'null', 'nil', '-', '--', '—', '?', 'tbd', 'unknown', 'no_information', 'not_supported', 'undefined']);

/** True when a cell carries no value (empty or a sentinel like N/A, none, no_information). */
export function isBlankish(value: string): boolean {
  return BLANKISH.has(value.trim().toLowerCase());
}

/** The cell as a value, or null when it is blank or a sentinel. */
export function valueOrNull(value: string): string | null {
  const v = value.trim();
  return isBlankish(v) ? null : v;
}

/** Booleans as registers and reports write them; null when the cell is not a recognisable yes/no. */
export function parseBool(value: string): boolean | null {
  const v = value.trim().toLowerCase();
  if (['true', 'yes', 'y', '1', 'x', '✓', '✔', 'enabled', 'on'].includes(v)) return true;
  if (['false', 'no', 'n', '0', 'disabled', 'off'].includes(v)) return false;
  return null;
}

/** Collects notes for the user: plain notes once each, and per-row problems aggregated into one line per kind. */
export class Notes {
  private readonly plain: string[] = [];
  private readonly counted = new Map<string, number[]>();

  add(text: string): void {
    if (!this.plain.includes(text)) this.plain.push(text);
  }

  count(what: string, sourceRow: number): void {
    const rows = this.counted.get(what);
    if (rows) rows.push(sourceRow);
    else this.counted.set(what, [sourceRow]);
  }

  list(): string[] {
    const out = [...this.plain];
    for (const [what, rows] of this.counted) {
      const shown = rows.slice(0, 5).join(', ');
      const more = rows.length > 5 ? ` and ${rows.length - 5} more` : '';
      const text = what.replace(/[.\s]+$/, '');
      out.push(`${rows.length} row${rows.length === 1 ? '' : 's'}: ${text} (row${rows.length === 1 ? '' : 's'} ${shown}${more}).`);
    }
    return out;
  }
}

/** Aliases de-duplicated on (identity, type, alias case-insensitively), since resolution compares case-insensitively. */
export class AliasSet {
  private readonly seen = new Set<string>();
  readonly rows: IdentityAlias[] = [];

  add(identity_key: string, alias: string | null | undefined, alias_type: AliasType): void {
    const a = alias?.trim();
    if (!a) return;
    const k = `${identity_key}\u0000${alias_type}\u0000${a.toLowerCase()}`;
    if (this.seen.has(k)) return;
    this.seen.add(k);
    this.rows.push({ identity_key, alias: a, alias_type });
  }
}

export function reject(source_file: string, source_row: number, reason: string): RejectedRow {
  return { source_file, source_row, reason };
}

/** A fresh identity with every optional field empty; adapters fill what their source knows. */
export function blankIdentity(identity_key: string, name: string, platform: Platform, source_file: string, source_row: number): CanonicalIdentity {
  return {
    identity_key,
    name,
    kind: null,
    platform,
    account: null,
    owner: null,
    owner_status: null,
    team: null,
    environment: null,
    criticality: null,
    permissions: [],
    secret_location: null,
    credential_type: null,
    created_at: null,
    last_rotated_at: null,
    expires_at: null,
    last_used_at: null,
    vendor: null,
    schedule: null,
    approved_destinations: [],
    allowed_data_classes: [],
    extra: {},
    source_file,
    source_row,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Lists

/**
 * Split a list cell on `;`, `,`, `|` or newlines, trimming and dropping empties and duplicates. Separators inside brackets,
 * braces, parentheses or quotes do not split, so a JSON fragment or `Contributor (rg-a, rg-b)` stays whole. A cell that is a
 * JSON array of strings is read as that array. ARNs contain none of the separators, so they are never cut.
 */
export function splitList(value: string): string[] {
  const text = value.trim();
  if (text === '' || isBlankish(text)) return [];
  if (text.startsWith('[')) {
    const arr = tryJson(text);
    if (Array.isArray(arr) && arr.every((x) => typeof x === 'string' || typeof x === 'number')) {
      return dedupe(arr.map((x) => String(x).trim()).filter((x) => x !== ''));
    }
  }
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === '"') quote = c;
    else if (c === '[' || c === '{' || c === '(') depth++;
    else if ((c === ']' || c === '}' || c === ')') && depth > 0) depth--;
    else if (depth === 0 && (c === ';' || c === ',' || c === '|' || c === '\n' || c === '\r')) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return dedupe(out.map((s) => s.trim()).filter((s) => s !== '' && !isBlankish(s)));
}

function dedupe(items: string[]): string[] {
  return [...new Set(items)];
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Dates, decided per column

export interface DateColumnChoice {
  order: DateOrder;
  /** How many values could be read both ways under the chosen order. */
  ambiguous: number;
  /** A value that decided the order, if any. */
  decidedBy: string | null;
  /** Values pointing both ways (a broken column): the majority wins and a note says so. */
  conflict: boolean;
}

/**
 * Choose one day/month order for a whole column, so row 3 and row 30 are read the same way. A slashed value with a first part
 * above 12 makes the column DD/MM/YYYY; a second part above 12 makes it MM/DD/YYYY; otherwise month first (US exports).
 */
export function chooseDateOrder(values: Iterable<string>): DateColumnChoice {
  let dmy = 0;
  let mdy = 0;
  let ambiguous = 0;
  let dmyExample: string | null = null;
  let mdyExample: string | null = null;
  for (const raw of values) {
    const m = /^(\d{1,2})\/(\d{1,2})\/\d{4}/.exec(raw.trim());
    if (!m) continue;
    const a = +m[1]!;
    const b = +m[2]!;
    if (a > 12 && b <= 12) {
      dmy++;
      dmyExample ??= raw.trim();
    } else if (b > 12 && a <= 12) {
      mdy++;
      mdyExample ??= raw.trim();
    } else if (isAmbiguousSlashedDate(raw)) ambiguous++;
  }
  const order: DateOrder = dmy > mdy ? 'dmy' : 'mdy';
  return { order, ambiguous, decidedBy: order === 'dmy' ? dmyExample : mdyExample, conflict: dmy > 0 && mdy > 0 };
}

/** The note telling the user which order was assumed for a column, or null when nothing needed assuming. */
export function dateOrderNote(columnLabel: string, choice: DateColumnChoice): string | null {
  const name = choice.order === 'dmy' ? 'DD/MM/YYYY' : 'MM/DD/YYYY';
  if (choice.conflict) {
    return `Column "${columnLabel}": slashed dates point both ways; read as ${name} (the majority). Check this column.`;
  }
  if (choice.ambiguous === 0) return null;
  const plural = choice.ambiguous === 1 ? 'date' : 'dates';
  if (choice.decidedBy) {
    return `Column "${columnLabel}": ${choice.ambiguous} ambiguous ${plural} read as ${name}, because "${choice.decidedBy}" only reads that way.`;
  }
  return `Column "${columnLabel}": ${choice.ambiguous} ambiguous ${plural} (like 03/04/2024) assumed ${name}; no value decides. Change the date order if this is wrong.`;
}

/** Reads one column's dates with the order chosen for the column; `never`/N/A → null without complaint. */
export class DateColumn {
  readonly choice: DateColumnChoice;

  constructor(
    readonly label: string,
    values: Iterable<string>,
    notes: Notes,
    forced?: DateOrder,
  ) {
    this.choice = chooseDateOrder(values);
    if (forced) this.choice = { ...this.choice, order: forced, conflict: false, decidedBy: null };
    const note = forced ? null : dateOrderNote(label, this.choice);
    if (note) notes.add(note);
  }

  /** epoch ms, null for blank; 'invalid' when a value is present but is not a date. */
  read(value: string): number | null | 'invalid' {
    const v = value.trim();
    if (isBlankish(v) || /^never$/i.test(v)) return null;
    const t = parseTime(v, this.choice.order);
    return t === null ? 'invalid' : noExpiryToNull(t);
  }
}

/** Dates at or beyond 2100 are "never expires" markers (GCP 9999-12-31, Graph 2299-12-31): treated as no date. */
export function noExpiryToNull(t: number | null): number | null {
  return t !== null && t >= Date.UTC(2100, 0, 1) ? null : t;
}

/** Parse a date from a JSON inventory (ISO / epoch); sentinels and far-future markers → null. */
export function jsonTime(value: unknown): number | null {
  if (typeof value === 'string' && isBlankish(value)) return null;
  return noExpiryToNull(parseTime(value));
}

export function maxTime(...ts: (number | null | undefined)[]): number | null {
  let best: number | null = null;
  for (const t of ts) if (t !== null && t !== undefined && (best === null || t > best)) best = t;
  return best;
}

export function minTime(...ts: (number | null | undefined)[]): number | null {
  let best: number | null = null;
  for (const t of ts) if (t !== null && t !== undefined && (best === null || t < best)) best = t;
  return best;
}

// ---------------------------------------------------------------------------------------------------------------------
// Identifiers

export const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;
const EMAIL = /^[^@\s]{1,200}@[^@\s]{1,200}\.[a-z0-9-]{2,63}$/i;
const GCP_SA_EMAIL = /^[^@\s]{1,200}@([a-z0-9-]{1,100})\.iam\.gserviceaccount\.com$/i;
const K8S_SA = /^system:serviceaccount:([^:\s]{1,253}):([^:\s]{1,253})$/;
// Long-term keys (AKIA) and session keys (ASIA) are credentials; the other IAM unique-id prefixes name principals.
const AWS_KEY = /^(AKIA|ASIA)[A-Z0-9]{12,124}$/;
const AWS_UNIQUE_ID = /^(AIDA|AROA|AIPA|ANPA|ANVA|AGPA|APKA|ABIA|ACCA)[A-Z0-9]{12,124}$/;
// Values that are secrets themselves (GitHub tokens, Slack tokens, Stripe keys): never copied into the alias table.
const LIVE_SECRET = /^(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{10,})$/;

export function isEmail(v: string): boolean {
  return EMAIL.test(v.trim());
}

export function looksLikeLiveSecret(v: string): boolean {
  return LIVE_SECRET.test(v.trim());
}

export interface ArnParts {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

export function parseArn(value: string): ArnParts | null {
  const v = value.trim();
  if (!/^arn:/i.test(v)) return null;
  const parts = v.split(':');
  if (parts.length < 6) return null;
  return {
    partition: parts[1]!,
    service: parts[2]!,
    region: parts[3]!,
    account: parts[4]!,
    resource: parts.slice(5).join(':'),
  };
}

/** The principal's name inside an IAM ARN: `user/path/name` → name, `role/name` → name, `assumed-role/R/session` → R. */
export function arnResourceName(value: string): string | null {
  const arn = parseArn(value);
  if (!arn) return null;
  const segs = arn.resource.split('/');
  if (segs[0] === 'assumed-role') return segs[1] ?? null;
  if (segs.length === 1) return arn.resource || null;
  return segs[segs.length - 1] || null;
}

/**
 * identity_key from an ARN. IAM and STS ARNs are lower-cased whole: IAM names are unique without regard to case (AWS refuses
 * `Admins` next to `admins`), so lower-casing cannot merge two identities and makes `MyRole` in the register meet `myrole`
 * elsewhere. For other services only the `arn:partition:service:region:account:` prefix is lower-cased, because their
 * resource part is case-sensitive (S3 keys, Lambda names).
 */
export function identityKeyFromArn(value: string): string {
  const arn = parseArn(value);
  if (!arn) return value.trim();
  const service = arn.service.toLowerCase();
  if (service === 'iam' || service === 'sts') return value.trim().toLowerCase();
  return `arn:${arn.partition}:${service}:${arn.region}:${arn.account}:`.toLowerCase() + arn.resource;
}

/**
 * Classify an identifier by its content. Strong patterns (access keys, ARNs, k8s SA names, e-mails) win over the column's
 * meaning; GUIDs and opaque ids take the type the column header suggests (`hint`), because only the header says whether a GUID
 * is an app id or an object id. Returns null for values not to be used as aliases (live secrets, empty).
 */
export function classifyIdentifier(value: string, hint: AliasType | null): AliasType | null {
  const v = value.trim();
  if (v === '' || looksLikeLiveSecret(v)) return null;
  if (AWS_KEY.test(v)) return 'access_key_id';
  if (AWS_UNIQUE_ID.test(v)) return 'principal_id';
  if (/^arn:/i.test(v)) return /^arn:[^:]*:iam::[^:]*:role\//i.test(v) ? 'role_arn' : 'arn';
  if (K8S_SA.test(v)) return 'k8s_service_account';
  if (EMAIL.test(v)) return 'email';
  if (hint) return hint;
  if (GUID.test(v)) return 'object_id';
  return null;
}

// ---------------------------------------------------------------------------------------------------------------------
// Platforms and accounts

const PLATFORM_WORDS: [RegExp, Platform][] = [
  [/^(aws|amazon|amazon web services|iam|aws iam|eks irsa)$/, 'aws'],
  [/^(azure|entra|entra id|azure ad|aad|microsoft|microsoft entra|azure active directory|m365|office 365)$/, 'entra'],
  [/^(gcp|google cloud|google cloud platform|gce|gke workload identity)$/, 'gcp'],
  [/^(okta)$/, 'okta'],
  [/^(github|github actions|gh|github app|github enterprise)$/, 'github'],
  [/^(k8s|kubernetes|eks|gke|aks|openshift)$/, 'k8s'],
  [/^(slack)$/, 'slack'],
  [/^(google workspace|g suite|gsuite|workspace|google apps)$/, 'google_workspace'],
];

/** A platform column's value → Platform, or null when the word is not one we know. */
export function normalisePlatform(value: string): Platform | null {
  const v = value.trim().toLowerCase().replace(/[_-]+/g, ' ').replace(/\s+/g, ' ');
  if (v === '') return null;
  for (const [re, p] of PLATFORM_WORDS) if (re.test(v)) return p;
  if (v === 'other') return 'other';
  return null;
}

/** Infer the platform from identifiers (strong) and then from free words in kind / name (weak). */
export function inferPlatform(identifiers: readonly string[], words: readonly string[] = []): Platform | null {
  for (const id of identifiers) {
    const v = id.trim();
    if (/^arn:aws/i.test(v) || AWS_KEY.test(v) || AWS_UNIQUE_ID.test(v)) return 'aws';
    if (GCP_SA_EMAIL.test(v) || /^projects\/[^/]+\/serviceAccounts\//.test(v)) return 'gcp';
    if (K8S_SA.test(v)) return 'k8s';
  }
  for (const id of identifiers) if (GUID.test(id.trim())) return 'entra';
  const text = words.join(' ').toLowerCase();
  if (/\bgithub\b|\[bot\]$/.test(text)) return 'github';
  if (/\bokta\b/.test(text)) return 'okta';
  if (/\bslack\b/.test(text)) return 'slack';
  if (/\b(kubernetes|k8s)\b/.test(text)) return 'k8s';
  if (/\b(entra|azure)\b|service principal|managed identity/.test(text)) return 'entra';
  if (/\b(gcp|google cloud)\b/.test(text)) return 'gcp';
  if (/google workspace|\bgsuite\b/.test(text)) return 'google_workspace';
  if (/\b(aws|iam (user|role))\b/.test(text)) return 'aws';
  return null;
}

/** The account an identifier names: the ARN's account, the GCP project of an SA e-mail. */
export function accountFromIdentifier(value: string): string | null {
  const arn = parseArn(value);
  if (arn) return arn.account || null;
  const gcp = GCP_SA_EMAIL.exec(value.trim());
  if (gcp) return gcp[1]!.toLowerCase();
  return null;
}

/** A kind derivable from an identifier alone (no guessing beyond what the string says). */
export function kindFromIdentifier(value: string): string | null {
  const arn = parseArn(value);
  if (arn && arn.service.toLowerCase() === 'iam') {
    if (arn.resource.startsWith('user/')) return 'IAM user';
    if (arn.resource.startsWith('role/')) return 'IAM role';
  }
  if (GCP_SA_EMAIL.test(value.trim())) return 'service account';
  if (K8S_SA.test(value.trim())) return 'Kubernetes service account';
  return null;
}

/**
 * identity_key from the strongest identifier: ARN (see identityKeyFromArn), then SP / object ids, SA e-mails and k8s SA names
 * (all case-insensitive, so lower-cased), then app / client ids, then token ids (prefixed with the platform, since they are
 * bare numbers), and as a last resort `<platform>:<account>:<name>` lower-cased with whitespace collapsed. Access key ids are
 * never the key: they change at every rotation, and the identity must not.
 */
export function identityKeyFrom(
  aliases: readonly { alias: string; alias_type: AliasType }[],
  platform: Platform,
  account: string | null,
  name: string,
): string {
  const pick = (...types: AliasType[]) => {
    for (const t of types) {
      const hit = aliases.find((a) => a.alias_type === t);
      if (hit) return hit;
    }
    return undefined;
  };
  const arn = pick('arn', 'role_arn');
  if (arn && parseArn(arn.alias)) return identityKeyFromArn(arn.alias);
  const strong = pick('service_principal_id', 'object_id', 'k8s_service_account');
  if (strong) return strong.alias.trim().replace(/^\{|\}$/g, '').toLowerCase();
  const email = aliases.find((a) => a.alias_type === 'email' && GCP_SA_EMAIL.test(a.alias));
  if (email) return email.alias.trim().toLowerCase();
  const app = pick('app_id', 'client_id');
  if (app) return app.alias.trim().replace(/^\{|\}$/g, '').toLowerCase();
  const token = pick('token_id');
  if (token) return `${platform}:token:${token.alias.trim().toLowerCase()}`;
  return fallbackKey(platform, account, name);
}

function fallbackKey(platform: Platform, account: string | null, name: string): string {
  const norm = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();
  return `${platform}:${norm(account ?? '')}:${norm(name)}`;
}

// ---------------------------------------------------------------------------------------------------------------------
// JSON helpers

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON value as a trimmed string (numbers too), or null. Huge strings are cut like CSV cells. */
export function jsonStr(v: unknown): string | null {
  if (typeof v === 'string') {
    const t = v.trim().slice(0, MAX_CELL_CHARS);
    return t === '' ? null : t;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return String(v);
  return null;
}

/** Read a path like `lastSignInActivity.lastSignInDateTime`, nested or as a literal flattened key. */
export function jsonPath(obj: Record<string, unknown>, path: string): unknown {
  if (path in obj) return obj[path];
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** The records of a JSON inventory document: an array, a Graph `{ value: [...] }` page, or a single object. */
export function jsonRecords(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isRecord(value)) {
    if (Array.isArray(value.value)) return value.value;
    return [value];
  }
  return [];
}
