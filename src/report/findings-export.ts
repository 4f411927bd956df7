// Findings leave Driftline in two shapes: OCSF Detection Finding JSON (class 2004, per spec/detections.md) and CSV.
import type { UiValue } from '../engine/values';
import { toCsv } from './csv';

export const OCSF_VERSION = '1.3.0';
export const PRODUCT_VERSION = '0.1.0';

/** Triage states of spec/product.md. */
export type TriageStatus = 'new' | 'investigating' | 'explained' | 'false_positive' | 'escalated';

export interface TriageState {
  status: TriageStatus;
  notes: { at: string; by: string; text: string }[];
}

const SEVERITY_ID: Record<string, number> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };
const SEVERITY_NAME: Record<string, string> = { info: 'Informational', low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' };
const STATUS: Record<TriageStatus, { id: number; name: string }> = {
  new: { id: 1, name: 'New' },
  investigating: { id: 2, name: 'In Progress' },
  escalated: { id: 99, name: 'Escalated' },
  explained: { id: 4, name: 'Resolved' },
  false_positive: { id: 3, name: 'Suppressed' },
};

type Finding = Record<string, UiValue>;

const ms = (iso: UiValue | undefined): number | undefined => (typeof iso === 'string' ? Date.parse(iso) : undefined);
const str = (v: UiValue | undefined): string | undefined => (v === null || v === undefined ? undefined : String(v));
const list = (v: UiValue | undefined): string[] => (Array.isArray(v) ? v.map(String) : []);

/**
 * The triage state a finding starts in when the analyst has not touched it: findings a change window explains or an
 * exception covers are not new work.
 */
export function defaultTriage(finding: { status?: UiValue }): TriageStatus {
  return finding.status === 'explained' ? 'explained' : finding.status === 'excepted' ? 'false_positive' : 'new';
}

/** One finding as an OCSF Detection Finding (class_uid 2004, activity Create). */
export function toOcsf(finding: Finding, triage?: TriageState): Record<string, unknown> {
  const status = STATUS[triage?.status ?? defaultTriage(finding)];
  const severity = String(finding.severity ?? 'info');
  const time = ms(finding.last_seen) ?? ms(finding.as_of) ?? 0;
  const labels = [
    finding.platform ? `platform:${String(finding.platform)}` : null,
    finding.environment ? `environment:${String(finding.environment)}` : null,
    finding.criticality ? `criticality:${String(finding.criticality)}` : null,
    finding.shadow ? 'shadow:true' : null,
  ].filter((l): l is string => l !== null);
  const owner = str(finding.owner);
  return {
    class_uid: 2004,
    class_name: 'Detection Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: 1,
    activity_name: 'Create',
    type_uid: 200401,
    type_name: 'Detection Finding: Create',
    time,
    severity_id: SEVERITY_ID[severity] ?? 0,
    severity: SEVERITY_NAME[severity] ?? 'Unknown',
    risk_score: Number(finding.risk_score ?? 0),
    status_id: status.id,
    status: status.name,
    message: `${String(finding.title)}: ${String(finding.identity_name ?? finding.entity_key)}${finding.subject ? ` (${String(finding.subject)})` : ''}`,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'Driftline', vendor_name: 'Driftline', version: PRODUCT_VERSION },
    },
    finding_info: {
      uid: String(finding.finding_uid),
      title: String(finding.title),
      desc: String(finding.explanation ?? ''),
      types: [String(finding.family ?? '')],
      analytic: { uid: String(finding.detection_id), name: String(finding.title), type_id: 1, type: 'Rule' },
      ...(ms(finding.first_seen) !== undefined ? { first_seen_time: ms(finding.first_seen) } : {}),
      ...(ms(finding.last_seen) !== undefined ? { last_seen_time: ms(finding.last_seen) } : {}),
    },
    resources: [
      {
        uid: String(finding.entity_key),
        name: String(finding.identity_name ?? finding.entity_key),
        type: str(finding.identity_kind) ?? (finding.shadow ? 'Shadow identity' : 'Non-human identity'),
        ...(owner ? { owner: { name: owner, ...(owner.includes('@') ? { email_addr: owner } : {}) } } : {}),
        labels,
      },
    ],
    unmapped: {
      risk_formula: str(finding.risk_formula),
      triage_status: triage?.status ?? defaultTriage(finding),
      triage_notes: triage?.notes ?? [],
      detection_status: str(finding.status),
      owasp_nhi_top10_2025: list(finding.owasp),
      nist_csf_2_0: list(finding.nist),
      change_id: str(finding.change_id),
      exception_id: str(finding.exception_id),
      subject: str(finding.subject),
      observed: str(finding.observed),
      baseline: str(finding.baseline),
      declared: str(finding.declared),
      threshold: str(finding.threshold),
      evidence_count: Number(finding.evidence_count ?? 0),
      evidence_query: str(finding.evidence_sql),
      owner_status: str(finding.owner_status),
      credential_age_days: finding.credential_age_days ?? null,
      baseline_maturity: str(finding.maturity),
    },
  };
}

export function findingsToOcsfJson(findings: readonly Finding[], triage: Record<string, TriageState> = {}): string {
  return JSON.stringify(findings.map((f) => toOcsf(f, triage[String(f.finding_uid)])), null, 2);
}

export const CSV_COLUMNS = [
  'finding_uid', 'detection_id', 'title', 'severity', 'risk_score', 'status', 'triage_status', 'identity_key', 'identity_name', 'owner',
  'owner_status', 'environment', 'criticality', 'credential_age_days', 'subject', 'first_seen', 'last_seen', 'evidence_count', 'observed',
  'baseline', 'declared', 'threshold', 'explanation', 'risk_formula', 'change_id', 'exception_id', 'owasp', 'nist',
] as const;

export function findingsToCsv(findings: readonly Finding[], triage: Record<string, TriageState> = {}): string {
  const rows = findings.map((f) => ({ ...f, triage_status: triage[String(f.finding_uid)]?.status ?? defaultTriage(f) }));
  return toCsv(CSV_COLUMNS, rows);
}
