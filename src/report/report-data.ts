// What a report needs, gathered from the workspace in a few read-only queries: the analysis context (as-of, windows),
// findings with their triage, identities, change windows, exceptions (from the settings), the framework mapping and every
// evidence file with its SHA-256. The report layer's data access: nothing here writes to the engine, and every value that
// came from evidence or the analyst is passed through as data (html.ts escapes it when it is rendered).
import { CATALOGUE } from '../detections/catalog';
import { validateException, type AnalysisSettings } from '../detections/runner';
import type { DetectionDefinition, Severity } from '../detections/types';
import { sqlValue } from '../engine/sql';
import type { Engine } from '../engine/types';
import type { UiValue } from '../engine/values';
import { defaultTriage, type TriageState } from './findings-export';

export type FindingStatus = 'open' | 'explained' | 'excepted';

/** The analysis windows, from `dl_context` (null when no analysis has run yet). */
export interface ReportContext {
  asOf: string | null;
  detectionStart: string | null;
  baselineStart: string | null;
  detectionDays: number | null;
  baselineDays: number | null;
  maturityDays: number | null;
  firstEvent: string | null;
  lastEvent: string | null;
}

export interface ReportFinding {
  uid: string;
  detectionId: string;
  family: string;
  title: string;
  severity: Severity;
  riskScore: number;
  riskFormula: string;
  /** Identity key, or 'shadow:<actor>' for an actor that resolves to no inventory identity. */
  entityKey: string;
  identityKey: string | null;
  identityName: string;
  identityKind: string | null;
  platform: string | null;
  shadow: boolean;
  owner: string | null;
  ownerStatus: string | null;
  environment: string | null;
  criticality: string | null;
  credentialType: string | null;
  credentialAgeDays: number | null;
  subject: string | null;
  firstSeen: string | null;
  lastSeen: string | null;
  evidenceCount: number;
  evidenceOutsideChange: number | null;
  observed: string | null;
  baseline: string | null;
  declared: string | null;
  threshold: string | null;
  explanation: string;
  maturity: string | null;
  owasp: string[];
  nist: string[];
  status: FindingStatus;
  changeId: string | null;
  exceptionId: string | null;
  /** The analyst's triage, or the state the finding starts in when nobody touched it. */
  triage: TriageState;
  /** True when `triage` is the default (nobody triaged the finding). */
  triageDefault: boolean;
}

export interface ReportIdentity {
  key: string;
  name: string;
  kind: string | null;
  platform: string | null;
  account: string | null;
  owner: string | null;
  ownerStatus: string | null;
  team: string | null;
  environment: string | null;
  criticality: string | null;
  credentialType: string | null;
  secretLocation: string | null;
  createdAt: string | null;
  lastRotatedAt: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  vendor: string | null;
  schedule: string | null;
  permissions: string[];
  /** Events attributed to the identity in the loaded logs, and the latest one. */
  eventCount: number;
  lastEvent: string | null;
  sourceFile: string | null;
}

export interface ReportChange {
  changeId: string;
  /** Identity key, name or alias as written in the change file; '*' = every identity. */
  identity: string;
  startsAt: string | null;
  endsAt: string | null;
  summary: string | null;
  sourceFile: string | null;
  sourceRow: number | null;
  /** Where the window lies against the analysis: in the detection window, the baseline, after as-of or before both. */
  placement: 'detection' | 'baseline' | 'after' | 'before' | 'unknown';
  /** Findings (whole workspace) that carry this change id, and how many of them it fully explains. */
  findings: number;
  explained: number;
}

export interface ReportException {
  id: string;
  detectionId: string;
  identityKey: string;
  owner: string;
  reason: string;
  ticket: string;
  expiresAt: string;
  /** Expiry at or before the time the report was gathered: it no longer suppresses anything. */
  expired: boolean;
  /** Why the exception is not applied (missing owner, reason/ticket or expiry), else null. */
  problem: string | null;
  /** Findings (whole workspace) the exception suppresses in the current analysis. */
  findings: number;
}

export interface ReportEvidenceFile {
  fileId: string;
  name: string;
  kind: string;
  vendor: string | null;
  sourceFormat: string | null;
  container: string | null;
  bytes: number | null;
  sha256: string | null;
  rowsLoaded: number;
  rowsRejected: number;
  rowsDuplicate: number;
  firstEvent: string | null;
  lastEvent: string | null;
  importedAt: string | null;
  notes: string | null;
}

export interface FrameworkDetection {
  id: string;
  title: string;
  /** Findings of this detection in the report. */
  findings: number;
  /** Switched off in the settings: not evaluated. */
  disabled: boolean;
}

export interface FrameworkEntry {
  framework: 'OWASP NHI Top 10 2025' | 'NIST CSF 2.0' | 'NIST AI RMF 1.0';
  id: string;
  title: string | null;
  detections: FrameworkDetection[];
  /** Findings in the report that reference this id. */
  findings: number;
}

export interface ReportBase {
  /** False when the workspace has not been analysed yet (no findings table). */
  analysed: boolean;
  context: ReportContext;
  /** Findings of the whole workspace by status (not only those in the report). */
  workspaceTotals: Record<FindingStatus, number>;
  changes: ReportChange[];
  exceptions: ReportException[];
  evidence: ReportEvidenceFile[];
  frameworks: { owasp: FrameworkEntry[]; nist: FrameworkEntry[] };
  /** Detection ids switched off in the settings. */
  disabled: string[];
  /** When the data was gathered (ISO, wall clock): exceptions expire against it. */
  gatheredAt: string;
}

export interface IncidentData extends ReportBase {
  kind: 'incident';
  /** null = every open finding of the workspace; else one identity (key or 'shadow:<actor>') and all its findings. */
  scope: { entityKey: string; name: string } | null;
  findings: ReportFinding[];
  /** Inventory facts of the identities the findings concern. */
  identities: ReportIdentity[];
}

export interface ControlTotal {
  id: string;
  title: string;
  detections: { id: string; title: string; disabled: boolean }[];
  /** Distinct inventory identities with at least one finding of the control. */
  identities: number;
  /** Distinct actors not in the inventory (shadow identities) with at least one finding of the control. */
  shadowActors: number;
  byStatus: Record<FindingStatus, number>;
}

export interface HygieneData extends ReportBase {
  kind: 'hygiene';
  /** Every inventory identity. */
  identities: ReportIdentity[];
  /** Every posture.* and coverage.* finding, all statuses. */
  findings: ReportFinding[];
  controls: ControlTotal[];
}

export interface GatherOptions {
  settings: AnalysisSettings;
  /** Triage by finding uid (the analyst's states and notes). */
  triage?: Record<string, TriageState>;
  /** Wall-clock time (ms) exceptions are judged expired against; defaults to now. */
  now?: number;
  /** The catalogue whose framework references are mapped (default: Driftline's). */
  catalogue?: readonly DetectionDefinition[];
  signal?: AbortSignal;
}

/** OWASP Top 10 Non-Human Identities Risks – 2025, as published by the OWASP NHI project. */
export const OWASP_NHI_2025: Readonly<Record<string, string>> = {
  NHI1: 'Improper Offboarding',
  NHI2: 'Secret Leakage',
  NHI3: 'Vulnerable Third-Party NHI',
  NHI4: 'Insecure Authentication',
  NHI5: 'Overprivileged NHI',
  NHI6: 'Insecure Cloud Deployment Configurations',
  NHI7: 'Long-Lived Secrets',
  NHI8: 'Environment Isolation',
  NHI9: 'NHI Reuse',
  NHI10: 'Human Use of NHI',
};

/** NIST CSF 2.0 outcomes referenced by the catalogue (and one NIST AI RMF 1.0 subcategory). */
export const NIST_TITLES: Readonly<Record<string, string>> = {
  'GV.SC': 'Cybersecurity Supply Chain Risk Management (category)',
  'ID.AM-02': 'Inventories of software, services, and systems managed by the organization are maintained',
  'ID.AM-04': 'Inventories of services provided by suppliers are maintained',
  'ID.AM-08': 'Systems, hardware, software, services, and data are managed throughout their life cycles',
  'PR.AA-01': 'Identities and credentials for authorized users, services, and hardware are managed by the organization',
  'PR.AA-05':
    'Access permissions, entitlements, and authorizations are defined in a policy, managed, enforced, and reviewed, and incorporate the principles of least privilege and separation of duties',
  'PR.DS-01': 'The confidentiality, integrity, and availability of data-at-rest are protected',
  'DE.CM-03': 'Personnel activity and technology usage are monitored to find potentially adverse events',
  'DE.CM-09': 'Computing hardware and software, runtime environments, and their data are monitored to find potentially adverse events',
  'AI RMF GOVERN 1.6': 'Mechanisms are in place to inventory AI systems and are resourced according to organizational risk priorities',
};

/** Hygiene controls an auditor asks about, each answered by posture / coverage detections. */
export const HYGIENE_CONTROLS: readonly { id: string; title: string; detections: readonly string[] }[] = [
  { id: 'ownership', title: 'Accountable owners', detections: ['posture.no_owner', 'posture.owner_departed', 'coverage.owner_departed_active'] },
  {
    id: 'rotation',
    title: 'Credential rotation and lifetime',
    detections: ['posture.stale_credential', 'posture.never_rotated', 'posture.credential_expiry', 'posture.static_ci_credential'],
  },
  { id: 'secrets', title: 'Secret storage', detections: ['posture.insecure_secret_location'] },
  {
    id: 'least_privilege',
    title: 'Least privilege',
    detections: ['posture.wildcard_permission', 'posture.third_party_broad_scope', 'coverage.unused_permission', 'coverage.used_outside_grant'],
  },
  { id: 'lifecycle', title: 'Dormant, orphaned and undeclared identities', detections: ['coverage.dormant', 'coverage.shadow_identity', 'posture.missing_purpose'] },
  { id: 'use', title: 'Appropriate use', detections: ['coverage.human_use', 'coverage.credential_reuse'] },
];

// ---- value helpers -------------------------------------------------------------------------------------------------

const str = (v: UiValue | undefined): string | null => (v === null || v === undefined ? null : String(v));
const text = (v: UiValue | undefined): string => str(v) ?? '';
const num = (v: UiValue | undefined): number | null => {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};
const list = (v: UiValue | undefined): string[] => (Array.isArray(v) ? v.filter((x) => x !== null).map(String) : []);
const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
const severityOf = (v: UiValue | undefined): Severity => (SEVERITIES.includes(String(v) as Severity) ? (String(v) as Severity) : 'info');
const statusOf = (v: UiValue | undefined): FindingStatus => (v === 'explained' || v === 'excepted' ? v : 'open');

async function rows(engine: Engine, sql: string, signal?: AbortSignal): Promise<Record<string, UiValue>[]> {
  return (await engine.queryRows(sql, signal ? { signal } : {})).rows;
}

/** Which of the tables a report reads exist in this engine (an empty or unanalysed workspace lacks some). */
async function presentTables(engine: Engine, signal?: AbortSignal): Promise<Set<string>> {
  const wanted = ['evidence_files', 'identities', 'events', 'changes', 'findings', 'dl_context', 'dl_changes_resolved'];
  const found = await rows(
    engine,
    `SELECT DISTINCT table_name FROM information_schema.tables WHERE table_name IN (${wanted.map((t) => sqlValue(t)).join(', ')})`,
    signal,
  );
  return new Set(found.map((r) => String(r.table_name)));
}

const FINDING_COLUMNS = `finding_uid, detection_id, family, title, severity, risk_score, risk_formula, entity_key, identity_key, identity_name,
  identity_kind, platform, shadow, owner, owner_status, environment, criticality, credential_type, credential_age_days, subject,
  first_seen, last_seen, evidence_count, evidence_outside_change, observed, baseline, declared, threshold, explanation, maturity,
  owasp, nist, status, change_id, exception_id`;

const RANKED = `ORDER BY risk_score DESC,
  CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END,
  detection_id, entity_key, subject`;

function toFinding(row: Record<string, UiValue>, triage: Record<string, TriageState>): ReportFinding {
  const uid = text(row.finding_uid);
  const touched = triage[uid];
  const entityKey = text(row.entity_key);
  return {
    uid,
    detectionId: text(row.detection_id),
    family: text(row.family),
    title: text(row.title),
    severity: severityOf(row.severity),
    riskScore: num(row.risk_score) ?? 0,
    riskFormula: text(row.risk_formula),
    entityKey,
    identityKey: str(row.identity_key),
    identityName: str(row.identity_name) ?? entityKey,
    identityKind: str(row.identity_kind),
    platform: str(row.platform),
    shadow: row.shadow === true,
    owner: str(row.owner),
    ownerStatus: str(row.owner_status),
    environment: str(row.environment),
    criticality: str(row.criticality),
    credentialType: str(row.credential_type),
    credentialAgeDays: num(row.credential_age_days),
    subject: str(row.subject),
    firstSeen: str(row.first_seen),
    lastSeen: str(row.last_seen),
    evidenceCount: num(row.evidence_count) ?? 0,
    evidenceOutsideChange: num(row.evidence_outside_change),
    observed: str(row.observed),
    baseline: str(row.baseline),
    declared: str(row.declared),
    threshold: str(row.threshold),
    explanation: text(row.explanation),
    maturity: str(row.maturity),
    owasp: list(row.owasp),
    nist: list(row.nist),
    status: statusOf(row.status),
    changeId: str(row.change_id),
    exceptionId: str(row.exception_id),
    triage: touched ?? { status: defaultTriage(row), notes: [] },
    triageDefault: touched === undefined,
  };
}

function toIdentity(row: Record<string, UiValue>): ReportIdentity {
  return {
    key: text(row.identity_key),
    name: text(row.name),
    kind: str(row.kind),
    platform: str(row.platform),
    account: str(row.account),
    owner: str(row.owner),
    ownerStatus: str(row.owner_status),
    team: str(row.team),
    environment: str(row.environment),
    criticality: str(row.criticality),
    credentialType: str(row.credential_type),
    secretLocation: str(row.secret_location),
    createdAt: str(row.created_at),
    lastRotatedAt: str(row.last_rotated_at),
    expiresAt: str(row.expires_at),
    lastUsedAt: str(row.last_used_at),
    vendor: str(row.vendor),
    schedule: str(row.schedule),
    permissions: list(row.permissions),
    eventCount: num(row.event_count) ?? 0,
    lastEvent: str(row.last_event),
    sourceFile: str(row.source_file),
  };
}

async function readIdentities(engine: Engine, tables: Set<string>, keys: readonly string[] | null, signal?: AbortSignal): Promise<ReportIdentity[]> {
  if (!tables.has('identities')) return [];
  if (keys !== null && keys.length === 0) return [];
  const filter = keys === null ? '' : `WHERE i.identity_key IN (${keys.map((k) => sqlValue(k)).join(', ')})`;
  const activity = tables.has('events')
    ? `LEFT JOIN (SELECT identity_key, count(*) AS event_count, max(event_time) AS last_event FROM events WHERE identity_key IS NOT NULL GROUP BY identity_key) a
         ON a.identity_key = i.identity_key`
    : '';
  const files = tables.has('evidence_files') ? 'LEFT JOIN evidence_files f ON f.file_id = i.file_id' : '';
  const found = await rows(
    engine,
    `SELECT i.identity_key, i.name, i.kind, i.platform, i.account, i.owner, i.owner_status, i.team, i.environment, i.criticality,
            i.credential_type, i.secret_location, i.created_at, i.last_rotated_at, i.expires_at, i.last_used_at, i.vendor, i.schedule,
            i.permissions, ${activity ? 'coalesce(a.event_count, 0)' : '0'} AS event_count, ${activity ? 'a.last_event' : 'NULL::TIMESTAMP'} AS last_event,
            ${files ? 'f.name' : 'NULL'} AS source_file
       FROM identities i ${activity} ${files} ${filter}
      ORDER BY lower(i.name), i.identity_key`,
    signal,
  );
  return found.map(toIdentity);
}

async function readContext(engine: Engine, tables: Set<string>, signal?: AbortSignal): Promise<ReportContext> {
  const empty: ReportContext = {
    asOf: null, detectionStart: null, baselineStart: null, detectionDays: null, baselineDays: null, maturityDays: null, firstEvent: null, lastEvent: null,
  };
  if (tables.has('dl_context')) {
    const [c] = await rows(
      engine,
      'SELECT as_of, detection_start, baseline_start, detection_days, baseline_days, maturity_days, first_event, last_event FROM dl_context LIMIT 1',
      signal,
    );
    if (c) {
      return {
        asOf: str(c.as_of), detectionStart: str(c.detection_start), baselineStart: str(c.baseline_start), detectionDays: num(c.detection_days),
        baselineDays: num(c.baseline_days), maturityDays: num(c.maturity_days), firstEvent: str(c.first_event), lastEvent: str(c.last_event),
      };
    }
  }
  // Not analysed yet: the evidence's own span is still a fact worth printing.
  if (tables.has('events')) {
    const [e] = await rows(engine, 'SELECT min(event_time) AS first_event, max(event_time) AS last_event FROM events', signal);
    if (e) return { ...empty, asOf: str(e.last_event), firstEvent: str(e.first_event), lastEvent: str(e.last_event) };
  }
  return empty;
}

async function readEvidence(engine: Engine, tables: Set<string>, signal?: AbortSignal): Promise<ReportEvidenceFile[]> {
  if (!tables.has('evidence_files')) return [];
  const found = await rows(
    engine,
    `SELECT file_id, name, kind, vendor, source_format, container, bytes, sha256, rows_loaded, rows_rejected, rows_duplicate,
            first_event, last_event, imported_at, notes
       FROM evidence_files ORDER BY imported_at, name, file_id`,
    signal,
  );
  return found.map((r) => ({
    fileId: text(r.file_id),
    name: text(r.name),
    kind: text(r.kind),
    vendor: str(r.vendor),
    sourceFormat: str(r.source_format),
    container: str(r.container),
    bytes: num(r.bytes),
    sha256: str(r.sha256),
    rowsLoaded: num(r.rows_loaded) ?? 0,
    rowsRejected: num(r.rows_rejected) ?? 0,
    rowsDuplicate: num(r.rows_duplicate) ?? 0,
    firstEvent: str(r.first_event),
    lastEvent: str(r.last_event),
    importedAt: str(r.imported_at),
    notes: str(r.notes),
  }));
}

function placementOf(context: ReportContext, startsAt: string | null, endsAt: string | null): ReportChange['placement'] {
  const [s, e] = [startsAt ? Date.parse(startsAt) : NaN, endsAt ? Date.parse(endsAt) : NaN];
  const asOf = context.asOf ? Date.parse(context.asOf) : NaN;
  const det = context.detectionStart ? Date.parse(context.detectionStart) : NaN;
  const base = context.baselineStart ? Date.parse(context.baselineStart) : NaN;
  if ([s, e, asOf, det].some(Number.isNaN)) return 'unknown';
  if (s > asOf) return 'after';
  if (e > det) return 'detection';
  if (!Number.isNaN(base) && e > base) return 'baseline';
  return 'before';
}

/** Change windows, with how many findings each carries; for one entity only the windows that apply to it. */
async function readChanges(
  engine: Engine,
  tables: Set<string>,
  context: ReportContext,
  entity: { key: string; name: string } | null,
  signal?: AbortSignal,
): Promise<ReportChange[]> {
  if (!tables.has('changes')) return [];
  const counts = tables.has('findings')
    ? `LEFT JOIN (SELECT change_id, count(*) AS n, count(*) FILTER (WHERE status = 'explained') AS explained
                    FROM findings WHERE change_id IS NOT NULL GROUP BY change_id) n ON n.change_id = c.change_id`
    : '';
  let filter = '';
  if (entity) {
    const byName = `lower(trim(c.identity)) IN (${sqlValue(entity.key.toLowerCase())}, ${sqlValue(entity.name.toLowerCase())})`;
    filter = tables.has('dl_changes_resolved')
      ? `WHERE trim(c.identity) = '*' OR ${byName}
            OR c.change_id IN (SELECT change_id FROM dl_changes_resolved WHERE identity_key = ${sqlValue(entity.key)})`
      : `WHERE trim(c.identity) = '*' OR ${byName}`;
  }
  const files = tables.has('evidence_files') ? 'LEFT JOIN evidence_files f ON f.file_id = c.file_id' : '';
  const found = await rows(
    engine,
    `SELECT c.change_id, c.identity, c.starts_at, c.ends_at, c.summary, ${files ? 'f.name' : 'NULL'} AS source_file, c.source_row,
            ${counts ? 'coalesce(n.n, 0)' : '0'} AS n, ${counts ? 'coalesce(n.explained, 0)' : '0'} AS explained
       FROM changes c ${counts} ${files} ${filter}
      ORDER BY c.starts_at, c.change_id`,
    signal,
  );
  return found.map((r) => ({
    changeId: text(r.change_id),
    identity: text(r.identity),
    startsAt: str(r.starts_at),
    endsAt: str(r.ends_at),
    summary: str(r.summary),
    sourceFile: str(r.source_file),
    sourceRow: num(r.source_row),
    placement: placementOf(context, str(r.starts_at), str(r.ends_at)),
    findings: num(r.n) ?? 0,
    explained: num(r.explained) ?? 0,
  }));
}

function readExceptions(settings: AnalysisSettings, applied: Map<string, number>, now: number, entityKey: string | null): ReportException[] {
  return settings.exceptions
    .filter((x) => entityKey === null || x.identityKey === '*' || x.identityKey === entityKey)
    .map((x) => {
      const expires = Date.parse(x.expiresAt);
      return {
        id: x.id,
        detectionId: x.detectionId,
        identityKey: x.identityKey,
        owner: x.owner,
        reason: x.reason,
        ticket: x.ticket,
        expiresAt: x.expiresAt,
        expired: !Number.isNaN(expires) && expires <= now,
        problem: validateException(x),
        findings: applied.get(x.id) ?? 0,
      };
    })
    .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.id.localeCompare(b.id));
}

/**
 * For every OWASP NHI Top 10 2025 risk (all ten, so the uncovered ones show) and every NIST subcategory the catalogue
 * references: the detections that map to it and how many findings of the report reference it.
 */
export function frameworkMapping(
  findings: readonly ReportFinding[],
  catalogue: readonly DetectionDefinition[],
  disabled: readonly string[],
): { owasp: FrameworkEntry[]; nist: FrameworkEntry[] } {
  const perDetection = new Map<string, number>();
  for (const f of findings) perDetection.set(f.detectionId, (perDetection.get(f.detectionId) ?? 0) + 1);
  const entry = (framework: FrameworkEntry['framework'], id: string, title: string | null, refs: (d: DetectionDefinition) => string[], ofFinding: (f: ReportFinding) => string[]): FrameworkEntry => ({
    framework,
    id,
    title,
    detections: catalogue
      .filter((d) => refs(d).includes(id))
      .map((d) => ({ id: d.id, title: d.title, findings: perDetection.get(d.id) ?? 0, disabled: disabled.includes(d.id) })),
    findings: findings.filter((f) => ofFinding(f).includes(id)).length,
  });
  const owaspIds = [...Object.keys(OWASP_NHI_2025)];
  for (const id of [...catalogue.flatMap((d) => d.owasp), ...findings.flatMap((f) => f.owasp)]) if (!owaspIds.includes(id)) owaspIds.push(id);
  const nistIds: string[] = [];
  for (const id of [...catalogue.flatMap((d) => d.nist), ...findings.flatMap((f) => f.nist)]) if (!nistIds.includes(id)) nistIds.push(id);
  const nistOrder = (id: string) => ['GV', 'ID', 'PR', 'DE', 'RS', 'RC'].indexOf(id.slice(0, 2));
  nistIds.sort((a, b) => {
    const [oa, ob] = [nistOrder(a), nistOrder(b)];
    return (oa < 0 ? 99 : oa) - (ob < 0 ? 99 : ob) || a.localeCompare(b, 'en', { numeric: true });
  });
  return {
    owasp: owaspIds.map((id) => entry('OWASP NHI Top 10 2025', id, OWASP_NHI_2025[id] ?? null, (d) => d.owasp, (f) => f.owasp)),
    nist: nistIds.map((id) => entry(id.startsWith('AI RMF') ? 'NIST AI RMF 1.0' : 'NIST CSF 2.0', id, NIST_TITLES[id] ?? null, (d) => d.nist, (f) => f.nist)),
  };
}

interface Common {
  tables: Set<string>;
  context: ReportContext;
  workspaceTotals: Record<FindingStatus, number>;
  exceptionCounts: Map<string, number>;
  evidence: ReportEvidenceFile[];
  now: number;
}

async function gatherCommon(engine: Engine, options: GatherOptions): Promise<Common> {
  const { signal } = options;
  const tables = await presentTables(engine, signal);
  const context = await readContext(engine, tables, signal);
  const workspaceTotals: Record<FindingStatus, number> = { open: 0, explained: 0, excepted: 0 };
  const exceptionCounts = new Map<string, number>();
  if (tables.has('findings')) {
    for (const r of await rows(engine, 'SELECT status, count(*) AS n FROM findings GROUP BY status', signal)) {
      workspaceTotals[statusOf(r.status)] += num(r.n) ?? 0;
    }
    for (const r of await rows(engine, 'SELECT exception_id, count(*) AS n FROM findings WHERE exception_id IS NOT NULL GROUP BY exception_id', signal)) {
      exceptionCounts.set(text(r.exception_id), num(r.n) ?? 0);
    }
  }
  return { tables, context, workspaceTotals, exceptionCounts, evidence: await readEvidence(engine, tables, signal), now: options.now ?? Date.now() };
}

/**
 * An incident report's data: every open finding of the workspace ranked by risk, or — for one identity (its key, or
 * 'shadow:<actor>') — all its findings whatever their status; the identities concerned, the change windows and
 * exceptions (those that apply to the identity when one is chosen), the framework mapping and the evidence files.
 */
export async function gatherIncidentData(engine: Engine, options: GatherOptions & { identity?: string | null }): Promise<IncidentData> {
  const { signal, settings } = options;
  const triage = options.triage ?? {};
  const catalogue = options.catalogue ?? CATALOGUE;
  const common = await gatherCommon(engine, options);
  const { tables } = common;
  const identity = options.identity ?? null;
  const findingRows = tables.has('findings')
    ? await rows(
        engine,
        `SELECT ${FINDING_COLUMNS} FROM findings WHERE ${identity === null ? "status = 'open'" : `entity_key = ${sqlValue(identity)}`} ${RANKED}`,
        signal,
      )
    : [];
  const findings = findingRows.map((r) => toFinding(r, triage));
  let scope: IncidentData['scope'] = null;
  let identities: ReportIdentity[];
  if (identity !== null) {
    identities = await readIdentities(engine, tables, [identity], signal);
    const name = identities[0]?.name ?? findings[0]?.identityName ?? (identity.startsWith('shadow:') ? identity.slice('shadow:'.length) : identity);
    scope = { entityKey: identity, name };
  } else {
    const keys = [...new Set(findings.map((f) => f.identityKey).filter((k): k is string => k !== null))];
    identities = await readIdentities(engine, tables, keys, signal);
  }
  const entity = scope ? { key: scope.entityKey, name: scope.name } : null;
  return {
    kind: 'incident',
    analysed: tables.has('findings'),
    scope,
    findings,
    identities,
    context: common.context,
    workspaceTotals: common.workspaceTotals,
    changes: await readChanges(engine, tables, common.context, entity, signal),
    exceptions: readExceptions(settings, common.exceptionCounts, common.now, scope ? scope.entityKey : null),
    evidence: common.evidence,
    frameworks: frameworkMapping(findings, catalogue, settings.disabled),
    disabled: [...settings.disabled],
    gatheredAt: new Date(common.now).toISOString(),
  };
}

/**
 * An inventory hygiene report's data, for auditors: every inventory identity with its facts, every posture and coverage
 * finding (all statuses) with its triage, totals per control, change windows, exceptions, frameworks and evidence files.
 */
export async function gatherHygieneData(engine: Engine, options: GatherOptions): Promise<HygieneData> {
  const { signal, settings } = options;
  const triage = options.triage ?? {};
  const catalogue = options.catalogue ?? CATALOGUE;
  const common = await gatherCommon(engine, options);
  const { tables } = common;
  const identities = await readIdentities(engine, tables, null, signal);
  const findingRows = tables.has('findings')
    ? await rows(engine, `SELECT ${FINDING_COLUMNS} FROM findings WHERE family IN ('posture', 'coverage') ${RANKED}`, signal)
    : [];
  const findings = findingRows.map((r) => toFinding(r, triage));
  const hygieneCatalogue = catalogue.filter((d) => d.family === 'posture' || d.family === 'coverage');
  const inventory = new Set(identities.map((i) => i.key));
  const controls: ControlTotal[] = [];
  const placed = new Set<string>();
  const addControl = (id: string, title: string, detectionIds: readonly string[]) => {
    const defs = detectionIds.map((d) => hygieneCatalogue.find((c) => c.id === d)).filter((d): d is DetectionDefinition => d !== undefined);
    if (defs.length === 0) return;
    for (const d of defs) placed.add(d.id);
    const mine = findings.filter((f) => detectionIds.includes(f.detectionId));
    const byStatus: Record<FindingStatus, number> = { open: 0, explained: 0, excepted: 0 };
    for (const f of mine) byStatus[f.status]++;
    controls.push({
      id,
      title,
      detections: defs.map((d) => ({ id: d.id, title: d.title, disabled: settings.disabled.includes(d.id) })),
      identities: new Set(mine.filter((f) => inventory.has(f.entityKey)).map((f) => f.entityKey)).size,
      shadowActors: new Set(mine.filter((f) => !inventory.has(f.entityKey)).map((f) => f.entityKey)).size,
      byStatus,
    });
  };
  for (const control of HYGIENE_CONTROLS) addControl(control.id, control.title, control.detections);
  // Detections added to the catalogue later still count somewhere.
  const rest = hygieneCatalogue.filter((d) => !placed.has(d.id)).map((d) => d.id);
  if (rest.length) addControl('other', 'Other inventory controls', rest);
  return {
    kind: 'hygiene',
    analysed: tables.has('findings'),
    identities,
    findings,
    controls,
    context: common.context,
    workspaceTotals: common.workspaceTotals,
    changes: await readChanges(engine, tables, common.context, null, signal),
    exceptions: readExceptions(settings, common.exceptionCounts, common.now, null),
    evidence: common.evidence,
    frameworks: frameworkMapping(findings, hygieneCatalogue, settings.disabled),
    disabled: [...settings.disabled],
    gatheredAt: new Date(common.now).toISOString(),
  };
}

export interface ReportIdentityChoice {
  /** Identity key, or 'shadow:<actor>'. */
  entityKey: string;
  name: string;
  shadow: boolean;
  findings: number;
  open: number;
  maxRisk: number | null;
}

/** Identities a one-identity incident report can be made for: inventory identities and actors with findings, riskiest first. */
export async function listReportIdentities(engine: Engine, options: { signal?: AbortSignal; limit?: number } = {}): Promise<ReportIdentityChoice[]> {
  const tables = await presentTables(engine, options.signal);
  const limit = Math.max(1, Math.floor(options.limit ?? 5000));
  const hasIdentities = tables.has('identities');
  const hasFindings = tables.has('findings');
  if (!hasIdentities && !hasFindings) return [];
  const f = hasFindings
    ? `SELECT entity_key, any_value(identity_name) AS name, count(*) AS n, count(*) FILTER (WHERE status = 'open') AS open, max(risk_score) AS max_risk
         FROM findings GROUP BY entity_key`
    : 'SELECT NULL::VARCHAR AS entity_key, NULL::VARCHAR AS name, 0 AS n, 0 AS open, NULL::INTEGER AS max_risk WHERE false';
  const i = hasIdentities ? 'SELECT identity_key, name FROM identities' : 'SELECT NULL::VARCHAR AS identity_key, NULL::VARCHAR AS name WHERE false';
  const found = await rows(
    engine,
    `WITH f AS (${f}), i AS (${i})
     SELECT coalesce(i.identity_key, f.entity_key) AS entity_key, coalesce(i.name, f.name, f.entity_key) AS name,
            coalesce(f.n, 0) AS n, coalesce(f.open, 0) AS open, f.max_risk
       FROM i FULL OUTER JOIN f ON f.entity_key = i.identity_key
      ORDER BY coalesce(f.open, 0) > 0 DESC, f.max_risk DESC NULLS LAST, lower(coalesce(i.name, f.name, f.entity_key)), 1
      LIMIT ${limit}`,
    options.signal,
  );
  return found.map((r) => ({
    entityKey: text(r.entity_key),
    name: text(r.name),
    shadow: text(r.entity_key).startsWith('shadow:'),
    findings: num(r.n) ?? 0,
    open: num(r.open) ?? 0,
    maxRisk: num(r.max_risk),
  }));
}
