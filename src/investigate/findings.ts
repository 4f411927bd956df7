// Read-side queries of the findings queue: a compact, filtered, sorted list (fast on 100,000 findings because DuckDB
// filters), facets for the filter controls, one finding in full, and pages of its evidence events.
//
// The queue view works on a numbered copy (`dl_queue`, a temp table rebuilt once per analysis): its compact rows are
// fetched once, in risk order, and each filter change asks DuckDB only for the matching row numbers (one INTEGER column),
// so a filter over 100,000 findings moves a few hundred kilobytes instead of re-reading every row.
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
  const where = whereOf(filter, null);
  const { rows } = await engine.queryRows(
    `SELECT finding_uid, detection_id, title, severity, risk_score, status, entity_key, identity_name, owner, environment, subject,
            first_seen, last_seen, evidence_count
       FROM findings ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${SORTS[filter.sort ?? 'risk']}, finding_uid`,
    options,
  );
  return rows as unknown as FindingRow[];
}

const COMPACT = `finding_uid, detection_id, title, severity, risk_score, status, entity_key, identity_name, owner, environment, subject,
            first_seen, last_seen, evidence_count`;

function whereOf(filter: FindingFilter, search: string | null): string[] {
  const where: string[] = [];
  const eq = (column: string, value: string | undefined) => value && where.push(`${column} = ${quoteLiteral(value)}`);
  eq('owner', filter.owner);
  eq('environment', filter.environment);
  eq('detection_id', filter.detection);
  eq('severity', filter.severity);
  eq('status', filter.status);
  if (filter.text?.trim()) {
    const like = quoteLiteral(`%${filter.text.trim().toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(
      search
        ? `${search} LIKE ${like} ESCAPE '\\'`
        : `(lower(coalesce(identity_name, '')) LIKE ${like} ESCAPE '\\' OR lower(entity_key) LIKE ${like} ESCAPE '\\' OR lower(coalesce(subject, '')) LIKE ${like} ESCAPE '\\')`,
    );
  }
  if (filter.from) where.push(`last_seen >= ${sqlValue(filter.from)}::TIMESTAMP`);
  if (filter.to) where.push(`coalesce(last_seen, as_of) < ${sqlValue(filter.to)}::TIMESTAMP + INTERVAL 1 DAY`);
  return where;
}

/** The queue's numbered working copy of the findings and what the filter controls offer. */
export interface QueueData {
  /** Every finding, compact, in risk order: `rows[qid]`. */
  rows: FindingRow[];
  facets: FindingFacets;
}

const EMPTY_FACETS: FindingFacets = { owners: [], environments: [], detections: [], severities: [], statuses: {} };
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];

/**
 * (Re)build `dl_queue` from the findings of the last analysis: the compact columns numbered in risk order (qid), the
 * lower-cased text the search box matches, the as-of for open-ended time filters. Returns its rows and the facets.
 */
export async function prepareQueue(engine: Engine, options: { signal?: AbortSignal } = {}): Promise<QueueData> {
  if (!(await findingsTableExists(engine))) {
    await engine.exec('DROP TABLE IF EXISTS temp.dl_queue', options);
    return { rows: [], facets: EMPTY_FACETS };
  }
  await engine.exec(
    `CREATE OR REPLACE TEMP TABLE dl_queue AS
     SELECT (row_number() OVER (ORDER BY ${SORTS.risk}, finding_uid) - 1)::INTEGER AS qid, ${COMPACT}, as_of,
            lower(coalesce(identity_name, '')) || chr(10) || lower(entity_key) || chr(10) || lower(coalesce(subject, '')) AS search
       FROM findings
      ORDER BY qid`,
    options,
  );
  const { rows } = await engine.queryRows(`SELECT ${COMPACT} FROM dl_queue ORDER BY qid`, options);
  const { rows: f } = await engine.queryRows(
    `SELECT list_sort(list_distinct(list(owner))) AS owners, list_sort(list_distinct(list(environment))) AS environments,
            list_sort(list_distinct(list(detection_id))) AS detections, list_distinct(list(severity)) AS severities,
            (SELECT map_from_entries(list({'k': status, 'v': n})) FROM (SELECT status, count(*)::INTEGER AS n FROM dl_queue GROUP BY status)) AS statuses
       FROM dl_queue`,
    options,
  );
  const list = (v: UiValue | undefined) => (Array.isArray(v) ? v.filter((x) => x !== null).map(String) : []);
  const statuses = (f[0]?.statuses ?? {}) as Record<string, UiValue>;
  return {
    rows: rows as unknown as FindingRow[],
    facets: {
      owners: list(f[0]?.owners),
      environments: list(f[0]?.environments),
      detections: list(f[0]?.detections),
      severities: list(f[0]?.severities).sort((a, b) => SEVERITY_ORDER.indexOf(a) - SEVERITY_ORDER.indexOf(b)),
      statuses: Object.fromEntries(Object.entries(statuses).map(([k, v]) => [k, Number(v)])),
    },
  };
}

/**
 * The row numbers (qid, into prepareQueue's rows) of the findings matching the filter, in the filter's sort order. Runs in
 * DuckDB; only one INTEGER column comes back. Abort it through the signal when a newer filter supersedes it.
 */
export async function queueOrder(engine: Engine, filter: FindingFilter, options: { signal?: AbortSignal } = {}): Promise<Int32Array> {
  const where = whereOf(filter, 'search');
  const sort = filter.sort ?? 'risk';
  const table = await engine.query(
    `SELECT qid FROM temp.dl_queue ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${sort === 'risk' ? 'qid' : `${SORTS[sort]}, finding_uid`}`,
    options,
  );
  const out = new Int32Array(table.numRows);
  let at = 0;
  for (const batch of table.batches) {
    const column = batch.getChildAt(0);
    if (!column) continue;
    const values = column.toArray() as Int32Array;
    out.set(values, at);
    at += values.length;
  }
  return out;
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
