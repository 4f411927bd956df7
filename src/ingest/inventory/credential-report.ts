// Normalises the AWS IAM credential report (22-column and older 16-column variants) into identities keyed by user ARN, so it
// merges with a register naming the same ARN. Humans are kept but marked, so their console activity is not a shadow NHI.
//
// Who is what (stored in `kind` and in `extra.nhi`):
//   <root_account>                         kind 'root account',               nhi 'no'    (never an NHI)
//   active key or cert, no password        kind 'IAM user',                   nhi 'yes'   (the spec's NHI rule)
//   password and an active key             kind 'IAM user (console + keys)',  nhi 'mixed' (shared / human-used key: NHI10)
//   password, no active key                kind 'IAM user (console)',         nhi 'no'    (a human)
//   neither                                kind 'IAM user (no credentials)',  nhi 'unknown'
// Humans are kept rather than dropped because CloudTrail will show them acting, and an unlisted actor would be reported as
// a shadow identity; detections over NHIs filter on `extra.nhi` / `kind`.

import type { CanonicalIdentity, InventoryResult, RejectedRow } from '../canonical';
import {
  AliasSet,
  Notes,
  blankIdentity,
  cellText,
  columnLabels,
  dataRows,
  identityKeyFromArn,
  isBlankish,
  maxTime,
  minTime,
  parseArn,
  plainHeader,
  reject,
  safeTable,
  type ParsedTable,
} from './util';
import { parseTime } from '../time';

/** The 22 columns of today's report; the 16-column variant lacks the six access_key_N_last_used_* columns. */
export const CREDENTIAL_REPORT_COLUMNS = [
  'user', 'arn', 'user_creation_time', 'password_enabled', 'password_last_used', 'password_last_changed',
  'password_next_rotation', 'mfa_active', 'access_key_1_active', 'access_key_1_last_rotated', 'access_key_1_last_used_date',
  'access_key_1_last_used_region', 'access_key_1_last_used_service', 'access_key_2_active', 'access_key_2_last_rotated',
  'access_key_2_last_used_date', 'access_key_2_last_used_region', 'access_key_2_last_used_service', 'cert_1_active',
  'cert_1_last_rotated', 'cert_2_active', 'cert_2_last_rotated',
] as const;

const LAST_USED_COLUMNS = new Set(CREDENTIAL_REPORT_COLUMNS.filter((c) => c.includes('_last_used_')));
export const CREDENTIAL_REPORT_COLUMNS_16 = CREDENTIAL_REPORT_COLUMNS.filter((c) => !LAST_USED_COLUMNS.has(c));

/** Columns that identify the report whatever its variant. */
export const CREDENTIAL_REPORT_CORE = ['user', 'arn', 'user_creation_time', 'password_enabled', 'access_key_1_active'] as const;

// Columns turned into canonical fields; everything else goes to `extra` (mfa_active, regions, services, cert dates…).
const CONSUMED = new Set(['user', 'arn', 'user_creation_time', 'access_key_1_last_rotated', 'access_key_2_last_rotated', 'access_key_1_last_used_date', 'access_key_2_last_used_date', 'password_last_used']);

/** AWS writes these where a value does not apply. */
function awsValue(v: string): string | null {
  const t = v.trim();
  return isBlankish(t) ? null : t;
}

function awsBool(v: string): boolean {
  return /^true$/i.test(v.trim());
}

export function isCredentialReportHeader(headers: readonly string[]): boolean {
  const set = new Set((Array.isArray(headers) ? headers : []).map(plainHeader));
  return CREDENTIAL_REPORT_CORE.every((c) => set.has(c));
}

/** The AWS IAM credential report → identities (one per row) with arn and name aliases. */
export function credentialReportToInventory(input: ParsedTable): InventoryResult {
  const table = safeTable(input);
  const notes = new Notes();
  const rejected: RejectedRow[] = [];
  const aliases = new AliasSet();
  const { headers } = table;
  const labels = columnLabels(headers);
  const index = new Map<string, number>();
  headers.forEach((h, i) => {
    const k = plainHeader(h);
    if (!index.has(k)) index.set(k, i);
  });
  if (!isCredentialReportHeader(headers)) {
    return { identities: [], aliases: [], rejected: [], notes: ['This is not an AWS IAM credential report (user, arn, password_enabled, access_key_1_active… missing).'] };
  }
  const hasLastUsed = index.has('access_key_1_last_used_date');
  notes.add(
    hasLastUsed
      ? 'AWS IAM credential report (22-column variant).'
      : 'AWS IAM credential report (16-column variant without access-key last-used columns): key use is unknown, only password use is read.',
  );
  const identities: CanonicalIdentity[] = [];
  const counts = { nhi: 0, human: 0, mixed: 0 };
  for (const { sourceRow, cells } of dataRows(table, notes, rejected)) {
    const get = (c: string) => cellText(cells, index.get(c), notes, sourceRow);
    const date = (c: string) => {
      const raw = awsValue(get(c));
      if (raw === null) return null;
      const t = parseTime(raw);
      if (t === null) notes.count(`"${c}" is not a date`, sourceRow);
      return t;
    };
    const user = get('user');
    const arnText = get('arn');
    const arn = parseArn(arnText);
    if (!arn) {
      rejected.push(reject(table.fileName, sourceRow, arnText ? `"${arnText.slice(0, 80)}" is not an ARN.` : 'No ARN in this row.'));
      continue;
    }
    const isRoot = user === '<root_account>' || /:root$/.test(arnText);
    const key = identityKeyFromArn(arnText);
    const id = blankIdentity(key, user || arnText, 'aws', table.fileName, sourceRow);
    id.account = arn.account || null;
    id.created_at = date('user_creation_time');

    const keys = [1, 2].map((n) => ({
      active: awsBool(get(`access_key_${n}_active`)),
      rotated: date(`access_key_${n}_last_rotated`),
      used: date(`access_key_${n}_last_used_date`),
    }));
    const certs = [1, 2].map((n) => awsBool(get(`cert_${n}_active`)));
    const activeKeys = keys.filter((k) => k.active);
    const password = awsBool(get('password_enabled'));
    // The oldest active key is the one most exposed: it decides how stale the credential is.
    id.last_rotated_at = minTime(...activeKeys.map((k) => k.rotated));
    // A key's last use counts even if the key was deactivated since; the password's too (coverage.dormant counts it).
    id.last_used_at = maxTime(...keys.map((k) => k.used), date('password_last_used'));
    id.credential_type = activeKeys.length > 0 ? 'static key' : certs.some(Boolean) ? 'certificate' : password ? 'password' : null;

    let nhi: 'yes' | 'no' | 'mixed' | 'unknown';
    if (isRoot) {
      id.kind = 'root account';
      nhi = 'no';
    } else if (password && activeKeys.length > 0) {
      id.kind = 'IAM user (console + keys)';
      nhi = 'mixed';
      counts.mixed++;
    } else if (password) {
      id.kind = 'IAM user (console)';
      nhi = 'no';
      counts.human++;
    } else if (activeKeys.length > 0 || certs.some(Boolean)) {
      id.kind = 'IAM user';
      nhi = 'yes';
      counts.nhi++;
    } else {
      id.kind = 'IAM user (no credentials)';
      nhi = 'unknown';
    }

    const extra: Record<string, string> = { nhi };
    headers.forEach((_, i) => {
      const name = plainHeader(headers[i]);
      if (CONSUMED.has(name)) return;
      const v = awsValue(cellText(cells, i, notes, sourceRow));
      if (v !== null) extra[labels[i]!] = v;
    });
    id.extra = extra;
    identities.push(id);

    aliases.add(key, arnText, 'arn');
    if (!isRoot && user) aliases.add(key, user, 'name');
  }
  notes.add(
    `${counts.nhi} IAM user(s) with keys and no password read as NHIs; ${counts.human} console-only user(s) kept as humans (kind "IAM user (console)") so their activity is not reported as shadow identities; ${counts.mixed} user(s) with both a password and an active key marked "console + keys".`,
  );
  return { identities, aliases: aliases.rows, rejected, notes: notes.list() };
}
