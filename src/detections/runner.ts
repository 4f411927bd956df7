// Runs the detection catalogue: settings → context tables → every detection's SQL → findings with scores and status.
// The same run into another table is the tuning preview (nothing saved, counts compared).
import { quoteIdent, sqlValue } from '../engine/sql';
import type { Engine } from '../engine/types';
import { ensureSchema } from '../ingest/commit';
import contextSql from './sql/context.sql?raw';
import finalizeSql from './sql/finalize.sql?raw';
import { parseSchedule } from '../ingest/inventory/schedule';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { DetectionDefinition } from './types';

export interface ExceptionRecord {
  id: string;
  /** A detection id, or '*' for every detection. */
  detectionId: string;
  /** An identity key, or '*' for every identity. */
  identityKey: string;
  owner: string;
  reason: string;
  ticket: string;
  /** ISO time; an expired exception stops applying by itself. */
  expiresAt: string;
}

export interface ParamOverride {
  /** A detection id, or '*' for the windows (detection_days, baseline_days) of one identity. */
  detectionId: string;
  identityKey: string;
  param: string;
  value: number;
}

export interface AnalysisSettings {
  /** How long a job declared by a cron expression runs, in minutes. */
  cronDurationMinutes?: number;
  /** ISO time; null = the end of the evidence (the latest event). */
  asOf: string | null;
  detectionDays: number;
  baselineDays: number;
  maturityDays: number;
  /** Global parameter values by detection id (missing = the detection's default). */
  params: Record<string, Record<string, number>>;
  overrides: ParamOverride[];
  exceptions: ExceptionRecord[];
  /** Detection ids switched off. */
  disabled: string[];
}

export const DEFAULT_SETTINGS: AnalysisSettings = {
  asOf: null,
  detectionDays: 7,
  baselineDays: 90,
  maturityDays: 3,
  params: {},
  overrides: [],
  exceptions: [],
  disabled: [],
};

export interface RunOptions {
  signal?: AbortSignal;
  /** Table to write findings to: 'findings' (the analysis) or e.g. 'findings_preview'. */
  target?: string;
  /** Wall-clock time exceptions expire against (ms); injectable for tests. */
  evaluatedAt?: number;
  onProgress?: (done: number, total: number, detectionId: string) => void;
}

export interface RunReport {
  counts: Record<string, number>;
  timingsMs: Record<string, number>;
  totalMs: number;
  /** Set when the findings came back from storage with the workspace instead of being computed now. */
  saved?: boolean;
}

/** Why an exception cannot be saved, or null when it is complete. */
export function validateException(exception: ExceptionRecord): string | null {
  if (!exception.owner.trim()) return 'An exception needs an owner.';
  if (!exception.reason.trim() && !exception.ticket.trim()) return 'An exception needs a reason or a ticket.';
  if (!exception.expiresAt || Number.isNaN(Date.parse(exception.expiresAt))) return 'An exception needs an expiry date.';
  return null;
}

/** Value of a detection parameter under the settings (global value, else default). */
export function paramValue(definition: DetectionDefinition, name: string, settings: AnalysisSettings): number {
  const param = definition.params.find((p) => p.name === name);
  if (!param) throw new Error(`${definition.id}: unknown parameter {{${name}}}`);
  const value = settings.params[definition.id]?.[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : param.default;
}

/**
 * The detection's SELECT with its parameters in place (numbers only: nothing textual is ever spliced). `part`: which of
 * how many parts of a detection that runs in parts (the whole by default).
 */
export function renderDetectionSql(definition: DetectionDefinition, settings: AnalysisSettings, part: { index: number; of: number } = { index: 0, of: 1 }): string {
  return definition.sql.replace(/\{\{(\w+)\}\}/g, (_match, name: string) => {
    if (name === 'part') return String(part.index);
    if (name === 'parts') return String(part.of);
    return sqlValue(paramValue(definition, name, settings));
  });
}

/** How many parts a detection runs in on this data (see DetectionDefinition.parts). */
async function partsOf(engine: Engine, definition: DetectionDefinition, opts: { signal?: AbortSignal }): Promise<number> {
  if (!definition.parts) return 1;
  const { rows } = await engine.queryRows(`SELECT (${definition.parts.count}) AS n`, opts);
  return Math.max(1, Math.ceil(Number(rows[0]?.n ?? 0) / definition.parts.rows));
}

const isoToTs = (iso: string | null) => (iso === null ? 'NULL::TIMESTAMP' : `${sqlValue(new Date(iso).toISOString().replace('T', ' ').replace('Z', ''))}::TIMESTAMP`);

async function writeSettings(engine: Engine, catalogue: readonly DetectionDefinition[], settings: AnalysisSettings, evaluatedAt: number, opts: { signal?: AbortSignal }) {
  const overrides = settings.overrides
    .filter((o) => Number.isFinite(o.value))
    .map((o) => `(${sqlValue(o.detectionId)}, ${sqlValue(o.identityKey)}, ${sqlValue(o.param)}, ${sqlValue(o.value)})`);
  const exceptions = settings.exceptions
    .filter((x) => validateException(x) === null)
    .map((x) => `(${[x.id, x.detectionId, x.identityKey, x.owner, x.reason, x.ticket].map(sqlValue).join(', ')}, ${isoToTs(x.expiresAt)})`);
  const detections = catalogue.map(
    (d) =>
      `(${[d.id, d.family, d.title, d.severity, d.description].map(sqlValue).join(', ')}, ${listOf(d.owasp)}, ${listOf(d.nist)}, ${d.usesBaseline}, ${sqlValue(d.evidence)})`,
  );
  await engine.exec(
    `CREATE OR REPLACE TABLE dl_settings AS SELECT ${isoToTs(settings.asOf)} AS as_of, ${sqlValue(settings.detectionDays)} AS detection_days,
            ${sqlValue(settings.baselineDays)} AS baseline_days, ${sqlValue(settings.maturityDays)} AS maturity_days,
            ${isoToTs(new Date(evaluatedAt).toISOString())} AS evaluated_at;
     CREATE OR REPLACE TABLE dl_overrides (detection_id VARCHAR, identity_key VARCHAR, param VARCHAR, value DOUBLE);
     ${overrides.length ? `INSERT INTO dl_overrides VALUES ${overrides.join(', ')};` : ''}
     CREATE OR REPLACE TABLE dl_exceptions (exception_id VARCHAR, detection_id VARCHAR, identity_key VARCHAR, owner VARCHAR, reason VARCHAR, ticket VARCHAR, expires_at TIMESTAMP);
     ${exceptions.length ? `INSERT INTO dl_exceptions VALUES ${exceptions.join(', ')};` : ''}
     CREATE OR REPLACE TABLE dl_detections (detection_id VARCHAR, family VARCHAR, title VARCHAR, severity VARCHAR, description VARCHAR,
            owasp VARCHAR[], nist VARCHAR[], uses_baseline BOOLEAN, evidence_template VARCHAR);
     INSERT INTO dl_detections VALUES ${detections.join(',\n')};
     -- Per-identity parameter values: dl_param('behavior.volume_spike', 'min_events', entity_key, {{min_events}}).
     CREATE OR REPLACE MACRO dl_param(det, name, entity, fallback) AS
       coalesce((SELECT max(o.value) FROM dl_overrides o WHERE o.detection_id = det AND o.param = name AND o.identity_key = entity), fallback);`,
    opts,
  );
}

/**
 * Declared schedules, parsed once in TypeScript (cron included) into hour-of-week slots the SQL can join:
 * dl_declared_schedule(identity_key, schedule, readable, problems) and dl_declared_slots(identity_key, hour_of_week).
 */
async function writeDeclaredSchedules(engine: Engine, settings: AnalysisSettings, opts: { signal?: AbortSignal }): Promise<void> {
  const { rows } = await engine.queryRows("SELECT identity_key, schedule FROM identities WHERE nullif(trim(coalesce(schedule, '')), '') IS NOT NULL", opts);
  const schedules: string[] = [];
  const slots: string[] = [];
  for (const row of rows) {
    const key = String(row.identity_key);
    const parsed = parseSchedule(String(row.schedule), { cronDurationMinutes: settings.cronDurationMinutes ?? 60 });
    const readable = parsed.slots.length > 0;
    schedules.push(`(${sqlValue(key)}, ${sqlValue(String(row.schedule))}, ${readable}, ${sqlValue([...parsed.errors, ...parsed.warnings].join('; ') || null)})`);
    for (const slot of parsed.slots) slots.push(`(${sqlValue(key)}, ${slot})`);
  }
  await engine.exec(
    `CREATE OR REPLACE TABLE dl_declared_schedule (identity_key VARCHAR, schedule VARCHAR, readable BOOLEAN, problems VARCHAR);
     CREATE OR REPLACE TABLE dl_declared_slots (identity_key VARCHAR, hour_of_week INTEGER);
     ${schedules.length ? `INSERT INTO dl_declared_schedule VALUES ${schedules.join(', ')};` : ''}
     ${slots.length ? `INSERT INTO dl_declared_slots VALUES ${slots.join(', ')};` : ''}`,
    opts,
  );
}

function listOf(values: readonly string[]): string {
  return `[${values.map(sqlValue).join(', ')}]::VARCHAR[]`;
}

/** The columns every detection's SELECT must produce (see catalog/README.md). */
export const RAW_FINDING_COLUMNS = `entity_key VARCHAR, subject VARCHAR, first_seen TIMESTAMP, last_seen TIMESTAMP, evidence_count BIGINT,
  evidence_outside_change BIGINT, change_id VARCHAR, observed VARCHAR, baseline VARCHAR, declared VARCHAR, threshold VARCHAR,
  intensity DOUBLE, details MAP(VARCHAR, VARCHAR)`;

/**
 * The analysis context alone (settings tables, declared schedules, dl_context, ev, the shared aggregates), without the
 * catalogue: what the identity page and evidence queries read when the findings themselves came back from storage.
 */
export async function prepareContext(
  engine: Engine,
  catalogue: readonly DetectionDefinition[],
  settings: AnalysisSettings,
  options: Pick<RunOptions, 'signal' | 'evaluatedAt'> = {},
): Promise<void> {
  const opts = options.signal ? { signal: options.signal } : {};
  await ensureSchema(engine);
  await writeSettings(engine, catalogue, settings, options.evaluatedAt ?? Date.now(), opts);
  await writeDeclaredSchedules(engine, settings, opts);
  await engine.exec(contextSql, opts);
}

/** Stable JSON: object keys sorted, so equal settings always give the same text. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as Record<string, unknown>).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * What findings depend on besides the evidence: the catalogue (its SQL and metadata), the context and finalize SQL, and
 * the settings. Saved findings with another fingerprint are computed again.
 */
export function analysisFingerprint(catalogue: readonly DetectionDefinition[], settings: AnalysisSettings): string {
  const text = stableJson({ catalogue, contextSql, finalizeSql, settings });
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** Whether saved findings evaluated at `evaluatedAt` still hold at `now`: no exception expired in between. */
export function exceptionsUnchangedSince(settings: AnalysisSettings, evaluatedAt: number, now: number): boolean {
  return settings.exceptions.every((x) => {
    const expires = Date.parse(x.expiresAt);
    return Number.isNaN(expires) || expires <= evaluatedAt || expires > now;
  });
}

export async function runAnalysis(
  engine: Engine,
  catalogue: readonly DetectionDefinition[],
  settings: AnalysisSettings,
  options: RunOptions = {},
): Promise<RunReport> {
  const began = performance.now();
  const target = options.target ?? 'findings';
  if (!/^[a-z_][a-z0-9_]*$/.test(target)) throw new Error(`Not a valid findings table name: ${quoteIdent(target)}`);
  const opts = options.signal ? { signal: options.signal } : {};
  const timingsMs: Record<string, number> = {};
  let t = performance.now();
  await prepareContext(engine, catalogue, settings, options);
  timingsMs.context = Math.round(performance.now() - t);
  await engine.exec(`CREATE OR REPLACE TABLE dl_findings_raw (detection_id VARCHAR, ${RAW_FINDING_COLUMNS})`, opts);
  const active = catalogue.filter((d) => !settings.disabled.includes(d.id));
  let done = 0;
  for (const detection of active) {
    t = performance.now();
    options.onProgress?.(done, active.length, detection.id);
    try {
      const parts = await partsOf(engine, detection, opts);
      for (let index = 0; index < parts; index++) {
        await engine.exec(
          `INSERT INTO dl_findings_raw BY NAME SELECT ${sqlValue(detection.id)} AS detection_id, * FROM (\n${renderDetectionSql(detection, settings, { index, of: parts })}\n)`,
          opts,
        );
      }
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new Error(`Detection ${detection.id} failed: ${(error as Error).message}`);
    }
    timingsMs[detection.id] = Math.round(performance.now() - t);
    done++;
  }
  t = performance.now();
  await engine.exec(finalizeSql.replaceAll('{{target}}', target), opts);
  timingsMs.finalize = Math.round(performance.now() - t);
  const { rows } = await engine.queryRows(`SELECT detection_id, count(*) AS n FROM ${target} GROUP BY detection_id`, opts);
  const counts: Record<string, number> = Object.fromEntries(active.map((d) => [d.id, 0]));
  for (const row of rows) counts[String(row.detection_id)] = Number(row.n);
  options.onProgress?.(active.length, active.length, '');
  return { counts, timingsMs, totalMs: Math.round(performance.now() - began) };
}

export interface TuningPreview {
  current: Record<string, number>;
  proposed: Record<string, number>;
}

/** How many findings each detection would produce under `proposed`, next to the current run; nothing is saved. */
export async function previewTuning(
  engine: Engine,
  catalogue: readonly DetectionDefinition[],
  current: AnalysisSettings,
  proposed: AnalysisSettings,
  options: Omit<RunOptions, 'target'> = {},
): Promise<TuningPreview> {
  const before = await runAnalysis(engine, catalogue, current, { ...options, target: 'findings_preview_current' });
  const after = await runAnalysis(engine, catalogue, proposed, { ...options, target: 'findings_preview' });
  await engine.exec(
    'DROP TABLE IF EXISTS findings_preview; DROP TABLE IF EXISTS findings_preview_entity_risk; DROP TABLE IF EXISTS findings_preview_current; DROP TABLE IF EXISTS findings_preview_current_entity_risk;',
  );
  return { current: before.counts, proposed: after.counts };
}
