// Read-side queries of the findings queue: a compact, filtered, sorted list (fast on 100,000 findings because DuckDB
// filters), facets for the filter controls, one finding in full, and pages of its evidence events.
import { quoteLiteral, sqlValue } from '../engine/sql';
import type { Engine } from '../engine/types';
import type { UiValue } from '../engine/values';

export interface FindingRow {
  finding_uid: string;
  detection_id: string;
  title: string;
  severity: string;
  risk_score: number;
  status: string;
  entity_key: string;
  identity_name: string | null;
  owner: string | null;
  environment: string | null;
  subject: string | null;
  first_seen: string | null;
  last_seen: string | null;
  evidence_count: number;
}

export interface FindingFilter {
  text?: string;
  owner?: string;
  environment?: string;
  detection?: string;
  severity?: string;
  /** Detection status: open, explained, excepted. */
  status?: string;
  /** ISO dates (inclusive) on last_seen. */
  from?: string;
  to?: string;
  sort?: 'risk' | 'last_seen' | 'identity' | 'detection' | 'severity';
}

const SORTS: Record<NonNullable<FindingFilter['sort']>, string> = {
  risk: 'risk_score DESC, last_seen DESC NULLS LAST',
  last_seen: 'last_seen DESC NULLS LAST, risk_score DESC',
  identity: 'identity_name, risk_score DESC',
  detection: 'detection_id, risk_score DESC',
  severity: "list_position(['critical','high','medium','low','info'], severity), risk_score DESC",
};

export async function findingsTableExists(engine: Engine): Promise<boolean> {
  const { rows } = await engine.queryRows("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'findings' AND schema_name = 'main'");
  return Number(rows[0]?.n ?? 0) > 0;
}

/** Findings matching the filter, compact, in queue order. */
export async function queryFindings(engine: Engine, filter: FindingFilter = {}, options: { signal?: AbortSignal } = {}): Promise<FindingRow[]> {
  if (!(await findingsTableExists(engine))) return [];
  const where: string[] = [];
  const eq = (column: string, value: string | undefined) => value && where.push(`${column} = ${quoteLiteral(value)}`);
  eq('owner', filter.owner);
  eq('environment', filter.environment);
  eq('detection_id', filter.detection);
  eq('severity', filter.severity);
  eq('status', filter.status);
  if (filter.text?.trim()) {
    const like = quoteLiteral(`%${filter.text.trim().toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(lower(coalesce(identity_name, '')) LIKE ${like} ESCAPE '\\' OR lower(entity_key) LIKE ${like} ESCAPE '\\' OR lower(coalesce(subject, '')) LIKE ${like} ESCAPE '\\')`);
  }
  if (filter.from) where.push(`last_seen >= ${sqlValue(filter.from)}::TIMESTAMP`);
  if (filter.to) where.push(`coalesce(last_seen, as_of) < ${sqlValue(filter.to)}::TIMESTAMP + INTERVAL 1 DAY`);
  const { rows } = await engine.queryRows(
    `SELECT finding_uid, detection_id, title, severity, risk_score, status, entity_key, identity_name, owner, environment, subject,
            first_seen, last_seen, evidence_count
       FROM findings ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${SORTS[filter.sort ?? 'risk']}, finding_uid`,
    options,
  );
  return rows as unknown as FindingRow[];
}

export interface FindingFacets {
  owners: string[];
  environments: string[];
  detections: string[];
  severities: string[];
  statuses: Record<string, number>;
}

export async function findingFacets(engine: Engine): Promise<FindingFacets> {
  if (!(await findingsTableExists(engine))) return { owners: [], environments: [], detections: [], severities: [], statuses: {} };
  const distinct = async (column: string) =>
    (await engine.queryRows(`SELECT DISTINCT ${column} AS v FROM findings WHERE ${column} IS NOT NULL ORDER BY 1`)).rows.map((r) => String(r.v));
  const { rows } = await engine.queryRows('SELECT status, count(*) AS n FROM findings GROUP BY status');
  return {
    owners: await distinct('owner'),
    environments: await distinct('environment'),
    detections: await distinct('detection_id'),
    severities: (await distinct('severity')).sort((a, b) => ['critical', 'high', 'medium', 'low', 'info'].indexOf(a) - ['critical', 'high', 'medium', 'low', 'info'].indexOf(b)),
    statuses: Object.fromEntries(rows.map((r) => [String(r.status), Number(r.n)])),
  };
}

export async function findingDetail(engine: Engine, uid: string): Promise<Record<string, UiValue> | null> {
  const { rows } = await engine.queryRows(`SELECT * FROM findings WHERE finding_uid = ${quoteLiteral(uid)}`);
  return rows[0] ?? null;
}

/** One page of a finding's evidence: its own evidence query, paged. The query is ours (finalize.sql), never user text. */
export async function evidencePage(engine: Engine, evidenceSql: string, offset: number, limit: number): Promise<{ rows: Record<string, UiValue>[]; total: number }> {
  const page = await engine.queryRows(`SELECT * FROM (${evidenceSql}) LIMIT ${Math.max(1, Math.floor(limit))} OFFSET ${Math.max(0, Math.floor(offset))}`);
  const count = await engine.queryRows(`SELECT count(*) AS n FROM (${evidenceSql})`);
  return { rows: page.rows, total: Number(count.rows[0]?.n ?? 0) };
}
