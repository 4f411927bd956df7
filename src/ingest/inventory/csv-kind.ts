// Decides what a CSV is (register, AWS credential report, change windows, resource classes, GitHub audit log, generic event
// log) from its headers and sample values, never its file name, and explains the decision in words shown to the user.

import { mapHeaders, type HeaderMapping, type MappingTarget } from './header-map';
import { isCredentialReportHeader } from './credential-report';
import { cellText, classifyIdentifier, isBlankish, plainHeader } from './util';

export type CsvKind = 'register' | 'credential_report' | 'change_windows' | 'resource_classes' | 'github_audit' | 'event_log' | 'unknown';

export interface CsvClassification {
  kind: CsvKind;
  confidence: number;
  /** Why, in a sentence for the user: which columns decided, and what else the file resembled. */
  reason: string;
  /** The header mapping behind the decision, for kinds read through one (register, events, change windows, classes). */
  mapping?: HeaderMapping;
}

type Rows = readonly (readonly unknown[])[];

interface Candidate {
  kind: Exclude<CsvKind, 'unknown'>;
  score: number;
  because: string;
  mapping?: HeaderMapping;
}

const LABEL: Record<Exclude<CsvKind, 'unknown'>, string> = {
  register: 'an NHI register',
  credential_report: 'an AWS IAM credential report',
  change_windows: 'a change-window list',
  resource_classes: 'a resource classification',
  github_audit: 'a GitHub audit log',
  event_log: 'an event log',
};

/**
 * Classify a CSV by its header row and a sample of rows (the first 20–50 are plenty). Exact vendor headers (credential report,
 * GitHub audit) decide outright; otherwise each generic kind is scored from the columns its mapping finds and the shape of
 * the values, and the strongest evidence wins. The reason names the deciding columns and the runner-up if it was close.
 */
export function classifyCsv(headers: readonly string[], sampleRows: Rows): CsvClassification {
  const hs = Array.isArray(headers) ? headers.map((h) => String(h ?? '')) : [];
  const rows = (Array.isArray(sampleRows) ? sampleRows : []).filter(Array.isArray).slice(0, 200);
  const candidates = [credentialReport(hs), githubAudit(hs, rows), eventLog(hs, rows), register(hs, rows), changeWindows(hs, rows), resourceClasses(hs, rows)].filter(
    (c): c is Candidate => c !== null,
  );
  candidates.sort((a, b) => b.score - a.score);
  const [best, second] = candidates;
  if (!best || best.score < 0.5) {
    const hint = best ? ` It looks most like ${LABEL[best.kind]} (${best.because}), but not enough to be sure.` : '';
    return { kind: 'unknown', confidence: best ? round2(best.score) : 0, reason: `Not recognised from its columns; map the columns by hand.${hint}` };
  }
  let reason = `${capitalise(LABEL[best.kind])}: ${best.because}.`;
  if (second && second.score >= 0.5 && second.kind !== best.kind) {
    reason += ` It also resembles ${LABEL[second.kind]} (${second.because}), but the evidence for ${LABEL[best.kind]} is stronger.`;
  }
  const out: CsvClassification = { kind: best.kind, confidence: round2(Math.min(best.score, 0.99)), reason };
  if (best.mapping) out.mapping = best.mapping;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------

function lowerSet(headers: readonly string[]): Set<string> {
  return new Set(headers.map(plainHeader));
}

function credentialReport(headers: readonly string[]): Candidate | null {
  if (!isCredentialReportHeader(headers)) return null;
  const variant = lowerSet(headers).has('access_key_1_last_used_date') ? '22-column variant' : '16-column variant';
  return { kind: 'credential_report', score: 0.99, because: `it has the report's own columns (user, arn, password_enabled, access_key_1_active…), ${variant}` };
}

function githubAudit(headers: readonly string[], rows: Rows): Candidate | null {
  const set = lowerSet(headers);
  const timeCol = set.has('@timestamp') ? '@timestamp' : set.has('created_at') ? 'created_at' : null;
  if (!set.has('action') || !set.has('actor') || !timeCol) return null;
  const actionCol = headers.findIndex((h) => plainHeader(h) === 'action');
  const actions = values(rows, actionCol);
  // GitHub actions are dotted lower-case words: repo.create, org.add_member, git.clone.
  const dotted = share(actions, (v) => /^[a-z_]+(\.[a-z_]+)+$/.test(v));
  const score = actions.length === 0 ? 0.85 : dotted >= 0.5 ? 0.97 : 0.75;
  const detail = actions.length > 0 && dotted >= 0.5 ? `, actions like "${actions.find((v) => v.includes('.'))}"` : '';
  return { kind: 'github_audit', score, because: `columns action, actor and ${timeCol}${detail}` };
}

const FIELD_WORDS: Record<string, string> = {
  resource: 'resource',
  source_ip: 'source IP',
  user_agent: 'user agent',
  outcome: 'outcome',
  error_code: 'error code',
  credential_id: 'credential',
  bytes: 'bytes',
};

function eventLog(headers: readonly string[], rows: Rows): Candidate | null {
  const m = mapHeaders(headers, 'event', rows);
  const time = m.fields.time;
  const actor = m.fields.actor;
  const action = m.fields.action;
  if (!time || !actor || !action) return null;
  const supporting = (['resource', 'source_ip', 'user_agent', 'outcome', 'error_code', 'credential_id', 'bytes'] as const).filter((f) => m.fields[f]);
  let score = 0.55 + Math.min(0.3, supporting.length * 0.06);
  const parts = [`time in "${time.header}", actor in "${actor.header}", action in "${action.header}"`];
  if (supporting.length > 0) parts.push(`plus ${supporting.map((f) => `${FIELD_WORDS[f]} in "${m.fields[f]!.header}"`).join(', ')}`);
  const times = values(rows, time.column);
  if (times.length > 0) {
    // Events carry a time of day; a register's dates usually do not.
    const clock = share(times, (v) => /\d{1,2}:\d{2}/.test(v) || /^\d{10,19}$/.test(v));
    if (clock >= 0.5) score += 0.1;
    else {
      score -= 0.2;
      parts.push('though its times have no time of day');
    }
    const actors = values(rows, actor.column);
    if (actors.length >= 5 && distinctShare(actors) < 0.8) {
      score += 0.05;
      parts.push('the same actors recur');
    }
  }
  return { kind: 'event_log', score, because: parts.join('; '), mapping: m };
}

// Fields only a register has; a name plus one of these is already a register.
const REGISTER_STRONG = ['owner', 'owner_status', 'permissions', 'secret_location', 'last_rotated_at', 'key_age_days', 'criticality', 'credential_type', 'schedule', 'approved_destinations', 'allowed_data_classes', 'expires_at', 'vendor'];
const REGISTER_WEAK = ['team', 'environment', 'kind', 'created_at', 'last_used_at', 'platform', 'account'];

function register(headers: readonly string[], rows: Rows): Candidate | null {
  const m = mapHeaders(headers, 'identity', rows);
  const name = m.fields.name;
  if (!name && m.aliases.length === 0) return null;
  const strong = REGISTER_STRONG.filter((f) => m.fields[f]);
  const weak = REGISTER_WEAK.filter((f) => m.fields[f]);
  let score = 0.4 + Math.min(0.45, strong.length * 0.12) + Math.min(0.1, weak.length * 0.03) + Math.min(0.1, m.aliases.length * 0.05);
  const parts = [name ? `names in "${name.header}"` : `identifiers in "${m.aliases[0]!.header}"`];
  const shown = [...strong, ...weak].map((f) => m.fields[f]!.header);
  if (shown.length > 0) parts.push(`with ${shown.map((h) => `"${h}"`).join(', ')}`);
  if (m.aliases.length > 0 && name) parts.push(`identifiers in ${m.aliases.map((a) => `"${a.header}"`).join(', ')}`);
  const firstAlias = m.aliases[0];
  if (firstAlias) {
    // Identifier columns whose values really are identifiers (ARNs, access keys, GUIDs, e-mails) are strong evidence.
    const ids = values(rows, firstAlias.column);
    if (ids.length > 0 && share(ids, (v) => classifyIdentifier(v, null) !== null) >= 0.5) {
      score += 0.1;
      parts.push(`identifiers like "${ids[0]!.slice(0, 60)}"`);
    }
  }
  if (name) {
    const names = values(rows, name.column);
    if (names.length >= 5 && distinctShare(names) >= 0.9) {
      score += 0.05;
      parts.push('one row per identity');
    }
  }
  // A lone name column is not enough: many tables have one.
  if (strong.length === 0 && m.aliases.length === 0) score = Math.min(score, 0.45);
  return { kind: 'register', score, because: parts.join(', '), mapping: m };
}

function changeWindows(headers: readonly string[], rows: Rows): Candidate | null {
  const m = mapHeaders(headers, 'change', rows);
  const s = m.fields.starts_at;
  const e = m.fields.ends_at;
  if (!s || !e) return null;
  const others = (['change_id', 'identity', 'summary'] as const).filter((f) => m.fields[f]);
  // Change lists are narrow; a wide table with validity dates is more likely a register.
  const score = 0.6 + others.length * 0.1 - Math.min(0.3, m.unmapped.length * 0.05);
  const extra = others.length > 0 ? `, with ${others.map((f) => `"${m.fields[f]!.header}"`).join(', ')}` : '';
  return { kind: 'change_windows', score, because: `start in "${s.header}", end in "${e.header}"${extra}`, mapping: m };
}

const DATA_CLASS_WORDS = /^(public|internal|confidential|restricted|secret|top secret|sensitive|pii|phi|pci|pci dss|gdpr|hipaa|financial|customer data|personal|private|regulated|highly confidential|strictly confidential)$/i;

function resourceClasses(headers: readonly string[], rows: Rows): Candidate | null {
  const m = mapHeaders(headers, 'resource_class', rows);
  const p = m.fields.pattern;
  const c = m.fields.data_class;
  if (!p || !c) return null;
  let score = 0.55;
  const parts = [`resource patterns in "${p.header}", classes in "${c.header}"`];
  if (headers.length <= 3) score += 0.15;
  const classes = values(rows, c.column);
  if (classes.length > 0 && share(classes, (v) => DATA_CLASS_WORDS.test(v)) >= 0.5) {
    score += 0.15;
    parts.push(`values like "${classes[0]}"`);
  }
  return { kind: 'resource_classes', score, because: parts.join(', '), mapping: m };
}

// ---------------------------------------------------------------------------------------------------------------------

function values(rows: Rows, column: number): string[] {
  if (column < 0) return [];
  return rows.map((r) => cellText(r, column)).filter((v) => !isBlankish(v));
}

function share(items: string[], test: (v: string) => boolean): number {
  return items.length === 0 ? 0 : items.filter(test).length / items.length;
}

function distinctShare(items: string[]): number {
  return items.length === 0 ? 1 : new Set(items.map((v) => v.toLowerCase())).size / items.length;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The mapping target that reads a CSV kind, for callers that re-map after the user edits columns. */
export function targetOfKind(kind: CsvKind): MappingTarget | null {
  return kind === 'register' ? 'identity' : kind === 'event_log' ? 'event' : kind === 'change_windows' ? 'change' : kind === 'resource_classes' ? 'resource_class' : null;
}

