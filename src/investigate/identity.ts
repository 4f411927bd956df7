// Read-side queries of the identity page: the list of identities, one identity's inventory facts, its activity against its
// baseline (hourly timeline, hour-of-week profile), what is new in the detection window, granted vs used permissions, findings.
// Every function takes the engine and an entity key (an identity key, or 'shadow:<actor>'); the key only ever enters SQL quoted.
import { CATALOGUE } from '../detections/catalog';
import { DEFAULT_SETTINGS, paramValue, renderDetectionSql, type AnalysisSettings } from '../detections/runner';
import type { DetectionDefinition } from '../detections/types';
import { quoteLiteral } from '../engine/sql';
import type { Engine, QueryOptions, RowsResult } from '../engine/types';
import type { UiValue } from '../engine/values';
import hourlySql from './identity.hourly.sql?raw';
import hourOfWeekSql from './identity.hour-of-week.sql?raw';
import newInDetectionSql from './identity.new-in-detection.sql?raw';

/** The entity key of an event, exactly as context.sql derives it for `ev` (kept in step with it). */
const EVENT_ENTITY_KEY = "coalesce(identity_key, 'shadow:' || coalesce(actor, credential_id, '?'))";
/** behavior.off_hours learns a slot as usual from this many distinct baseline days (its default `min_days`). */
export const USUAL_SLOT_MIN_DAYS = 3;
/** A day type (weekday / weekend) needs this many active baseline days to get a band of its own, else every day is used. */
export const BAND_MIN_DAYS = 3;

// ---------------------------------------------------------------------------------------------------------------------
// Values: results arrive as UI values (ISO strings for timestamps); these read them into the types below.

const str = (v: UiValue | undefined): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: UiValue | undefined): number | null => {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};
const int = (v: UiValue | undefined): number => num(v) ?? 0;
const strs = (v: UiValue | undefined): string[] => (Array.isArray(v) ? v.filter((x) => x !== null).map(String) : []);
const bool = (v: UiValue | undefined): boolean => v === true || v === 'true';

/** Put values into an SQL template: `{{name}}` → value. A function replacement, so `$'` or `$&` in a value stay literal. */
function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (match, name: string) => values[name] ?? match);
}

/** Every read goes through here, so a view can cancel what it no longer needs (AbortSignal). */
function query(engine: Engine, options: QueryOptions, sql: string): Promise<RowsResult> {
  return engine.queryRows(sql, options.signal ? { signal: options.signal } : {});
}

async function existingTables(engine: Engine, options: QueryOptions, names: readonly string[]): Promise<Set<string>> {
  const { rows } = await query(
    engine,
    options,
    `SELECT DISTINCT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_name IN (${names.map(quoteLiteral).join(', ')})`,
  );
  return new Set(rows.map((r) => String(r.table_name)));
}

/** True once an analysis has built its context (dl_context, ev…): the time windows exist. */
export async function hasAnalysisContext(engine: Engine, options: QueryOptions = {}): Promise<boolean> {
  const needed = ['dl_context', 'ev', 'dl_entity_windows'];
  const have = await existingTables(engine, options, needed);
  return needed.every((name) => have.has(name));
}

/** Events of one entity, on the canonical table (no analysis needed). */
function entityPredicate(entityKey: string): string {
  return `${EVENT_ENTITY_KEY} = ${quoteLiteral(entityKey)}`;
}

export const isShadowKey = (entityKey: string) => entityKey.startsWith('shadow:');

/** SQL for the console: every event of the entity, oldest first (the same rule as the findings' evidence queries). */
export function identityEventsSql(entityKey: string): string {
  const where = isShadowKey(entityKey)
    ? `identity_key IS NULL AND coalesce(actor, credential_id, '?') = ${quoteLiteral(entityKey.slice('shadow:'.length))}`
    : `identity_key = ${quoteLiteral(entityKey)}`;
  return `SELECT * FROM events_v WHERE ${where} ORDER BY event_time`;
}

// ---------------------------------------------------------------------------------------------------------------------
// The list

export interface IdentityListItem {
  entityKey: string;
  /** An actor of the logs that resolves to no inventory identity. */
  shadow: boolean;
  name: string;
  kind: string | null;
  platform: string | null;
  account: string | null;
  owner: string | null;
  ownerStatus: string | null;
  environment: string | null;
  criticality: string | null;
  events: number;
  lastSeen: string | null;
  openFindings: number;
  /** Highest risk score among the open findings; null without any. */
  maxRisk: number | null;
}

/** Inventory identities and shadow actors, riskiest first; works before any analysis (findings then count 0). */
export async function listIdentities(engine: Engine, options: QueryOptions = {}): Promise<IdentityListItem[]> {
  const have = await existingTables(engine, options, ['findings']);
  const findings = have.has('findings')
    ? `SELECT entity_key, count(*) FILTER (WHERE status = 'open') AS open_findings, max(risk_score) FILTER (WHERE status = 'open') AS max_risk
         FROM findings GROUP BY entity_key`
    : 'SELECT NULL::VARCHAR AS entity_key, 0 AS open_findings, NULL::INTEGER AS max_risk WHERE false';
  const { rows } = await query(engine, options, `
    WITH act AS (
      SELECT ${EVENT_ENTITY_KEY} AS entity_key, count(*) AS events, max(event_time) AS last_seen,
             any_value(platform) AS platform, any_value(account) AS account
        FROM events GROUP BY 1
    ),
    fnd AS (${findings})
    SELECT coalesce(i.identity_key, a.entity_key) AS entity_key, i.identity_key IS NULL AS shadow,
           coalesce(i.name, substr(a.entity_key, 8)) AS name, i.kind, coalesce(i.platform, a.platform) AS platform,
           coalesce(i.account, a.account) AS account, i.owner, i.owner_status, i.environment, i.criticality,
           coalesce(a.events, 0) AS events, a.last_seen, coalesce(f.open_findings, 0) AS open_findings, f.max_risk
      FROM identities i
      FULL OUTER JOIN act a ON a.entity_key = i.identity_key
      LEFT JOIN fnd f ON f.entity_key = coalesce(i.identity_key, a.entity_key)
     WHERE i.identity_key IS NOT NULL OR a.entity_key LIKE 'shadow:%'
     ORDER BY f.max_risk DESC NULLS LAST, open_findings DESC, events DESC, name, entity_key`);
  return rows.map((r) => ({
    entityKey: String(r.entity_key),
    shadow: bool(r.shadow),
    name: str(r.name) ?? String(r.entity_key),
    kind: str(r.kind),
    platform: str(r.platform),
    account: str(r.account),
    owner: str(r.owner),
    ownerStatus: str(r.owner_status),
    environment: str(r.environment),
    criticality: str(r.criticality),
    events: int(r.events),
    lastSeen: str(r.last_seen),
    openFindings: int(r.open_findings),
    maxRisk: num(r.max_risk),
  }));
}

// ---------------------------------------------------------------------------------------------------------------------
// Facts

export interface AnalysisWindows {
  asOf: string;
  /** This entity's windows (a per-identity override may move them). */
  detectionStart: string;
  baselineStart: string;
  detectionDays: number;
  baselineDays: number;
  maturityDays: number;
}

export interface IdentityActivity {
  events: number;
  firstSeen: string | null;
  lastSeen: string | null;
  /** From the analysis (null before one ran). */
  baselineActiveDays: number | null;
  baselineEvents: number | null;
  detectionEvents: number | null;
  baselineMature: boolean | null;
}

export interface ShadowActorFacts {
  actor: string;
  actorAlt: string[];
  credentialIds: string[];
  accounts: string[];
  platforms: string[];
  actorTypes: string[];
  sourceFormats: string[];
  /** How resolution ended (shadow, ambiguous) and, for ambiguous names, every identity that matched. */
  resolutions: string[];
  candidates: string[];
}

export interface IdentityFacts {
  entityKey: string;
  shadow: boolean;
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
  vendor: string | null;
  createdAt: string | null;
  lastRotatedAt: string | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  /** Ages are measured against the as-of time (the end of the evidence), never the wall clock. */
  asOf: string | null;
  /** Days since the last rotation (or creation), as the findings count them. */
  credentialAgeDays: number | null;
  /** Days from as-of to expiry (negative = expired). */
  expiresInDays: number | null;
  aliases: { alias: string; type: string }[];
  permissions: string[];
  schedule: string | null;
  /** Whether the declared schedule could be read into hour-of-week slots (null before an analysis). */
  scheduleReadable: boolean | null;
  scheduleProblems: string | null;
  approvedDestinations: string[];
  allowedDataClasses: string[];
  /** Inventory columns no field took, as written. */
  extra: Record<string, string>;
  sourceFile: string | null;
  sourceRow: number | null;
  activity: IdentityActivity;
  /** null until an analysis has run. */
  windows: AnalysisWindows | null;
  /** Only for shadow actors. */
  shadowActor: ShadowActorFacts | null;
}

function parseExtra(text: string | null): Record<string, string> {
  if (!text) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  } catch {
    return {};
  }
}

/** The analysis windows of one entity, or null when no analysis has run yet. */
export async function analysisWindows(engine: Engine, entityKey: string, options: QueryOptions = {}): Promise<AnalysisWindows | null> {
  if (!(await hasAnalysisContext(engine, options))) return null;
  const { rows } = await query(engine, options, `
    SELECT c.as_of, coalesce(w.detection_start, c.detection_start) AS detection_start,
           coalesce(w.baseline_start, c.baseline_start) AS baseline_start,
           CAST(date_diff('second', coalesce(w.detection_start, c.detection_start), c.as_of) / 86400 AS INTEGER) AS detection_days,
           CAST(date_diff('second', coalesce(w.baseline_start, c.baseline_start), coalesce(w.detection_start, c.detection_start)) / 86400 AS INTEGER) AS baseline_days,
           c.maturity_days
      FROM dl_context c LEFT JOIN dl_entity_windows w ON w.entity_key = ${quoteLiteral(entityKey)}`);
  const r = rows[0];
  if (!r || r.as_of === null) return null;
  return {
    asOf: String(r.as_of),
    detectionStart: String(r.detection_start),
    baselineStart: String(r.baseline_start),
    detectionDays: int(r.detection_days),
    baselineDays: int(r.baseline_days),
    maturityDays: int(r.maturity_days),
  };
}

/**
 * Everything known about one entity: its inventory row (owner, environment, criticality, credential dates and age, aliases,
 * declared schedule / destinations / data classes), or for a shadow actor what the logs say about it; its activity summary.
 * null when the key names neither an identity nor an actor of the logs. Works before an analysis (windows are then null).
 */
export async function identityFacts(engine: Engine, entityKey: string, options: QueryOptions = {}): Promise<IdentityFacts | null> {
  const key = quoteLiteral(entityKey);
  const have = await existingTables(engine, options, ['dl_context', 'ev', 'dl_entity_windows', 'dl_entity_profile', 'dl_declared_schedule']);
  const analysed = have.has('dl_context') && have.has('ev') && have.has('dl_entity_windows');
  // As-of: the analysis' own; before one ran, what context.sql would take (the last event, else the last import).
  const asOf = analysed
    ? '(SELECT as_of FROM dl_context)'
    : '(SELECT coalesce((SELECT max(event_time) FROM events), (SELECT max(imported_at) FROM evidence_files)))';
  const { rows: activityRows } = await query(engine, options, `
    SELECT count(*) AS events, min(event_time) AS first_seen, max(event_time) AS last_seen
      FROM events WHERE ${entityPredicate(entityKey)}`);
  const act = activityRows[0] ?? {};
  const activity: IdentityActivity = {
    events: int(act.events),
    firstSeen: str(act.first_seen),
    lastSeen: str(act.last_seen),
    baselineActiveDays: null,
    baselineEvents: null,
    detectionEvents: null,
    baselineMature: null,
  };
  if (have.has('dl_entity_profile')) {
    const { rows } = await query(
      engine,
      options,
      `SELECT baseline_active_days, baseline_events, detection_events, baseline_mature FROM dl_entity_profile WHERE entity_key = ${key}`,
    );
    const p = rows[0];
    // An entity the analysis saw no events of has no profile row: nothing in its baseline.
    activity.baselineActiveDays = p ? int(p.baseline_active_days) : 0;
    activity.baselineEvents = p ? int(p.baseline_events) : 0;
    activity.detectionEvents = p ? int(p.detection_events) : 0;
    activity.baselineMature = p ? bool(p.baseline_mature) : false;
  }
  const windows = analysed ? await analysisWindows(engine, entityKey, options) : null;

  const { rows } = await query(engine, options, `
    SELECT i.*, ${asOf} AS as_of,
           CAST(date_diff('day', coalesce(i.last_rotated_at, i.created_at), ${asOf}) AS INTEGER) AS credential_age_days,
           CAST(date_diff('day', ${asOf}, i.expires_at) AS INTEGER) AS expires_in_days,
           f.name AS source_file
      FROM identities i LEFT JOIN evidence_files f ON f.file_id = i.file_id
     WHERE i.identity_key = ${key}`);
  const i = rows[0];
  if (i) {
    const { rows: aliasRows } = await query(engine, options, `SELECT alias, alias_type FROM identity_aliases WHERE identity_key = ${key} ORDER BY alias_type, alias`);
    let scheduleReadable: boolean | null = null;
    let scheduleProblems: string | null = null;
    if (have.has('dl_declared_schedule')) {
      const { rows: s } = await query(engine, options, `SELECT readable, problems FROM dl_declared_schedule WHERE identity_key = ${key}`);
      scheduleReadable = s[0] ? bool(s[0].readable) : str(i.schedule) ? false : null;
      scheduleProblems = s[0] ? str(s[0].problems) : null;
    }
    return {
      entityKey,
      shadow: false,
      name: str(i.name) ?? entityKey,
      kind: str(i.kind),
      platform: str(i.platform),
      account: str(i.account),
      owner: str(i.owner),
      ownerStatus: str(i.owner_status),
      team: str(i.team),
      environment: str(i.environment),
      criticality: str(i.criticality),
      credentialType: str(i.credential_type),
      secretLocation: str(i.secret_location),
      vendor: str(i.vendor),
      createdAt: str(i.created_at),
      lastRotatedAt: str(i.last_rotated_at),
      expiresAt: str(i.expires_at),
      lastUsedAt: str(i.last_used_at),
      asOf: str(i.as_of),
      credentialAgeDays: num(i.credential_age_days),
      expiresInDays: num(i.expires_in_days),
      aliases: aliasRows.map((a) => ({ alias: String(a.alias), type: String(a.alias_type) })),
      permissions: strs(i.permissions),
      schedule: str(i.schedule),
      scheduleReadable,
      scheduleProblems,
      approvedDestinations: strs(i.approved_destinations),
      allowedDataClasses: strs(i.allowed_data_classes),
      extra: parseExtra(str(i.extra)),
      sourceFile: str(i.source_file),
      sourceRow: num(i.source_row),
      activity,
      windows,
      shadowActor: null,
    };
  }

  if (!isShadowKey(entityKey) || activity.events === 0) return null;
  // A shadow actor: what the logs say about it, and why it did not resolve.
  const { rows: shadowRows } = await query(engine, options, `
    WITH mine AS (SELECT * FROM events WHERE identity_key IS NULL AND ${entityPredicate(entityKey)})
    SELECT ${asOf} AS as_of,
           list_sort(list(DISTINCT actor_alt) FILTER (WHERE actor_alt IS NOT NULL)) AS actor_alt,
           list_sort(list(DISTINCT credential_id) FILTER (WHERE credential_id IS NOT NULL)) AS credential_ids,
           list_sort(list(DISTINCT account) FILTER (WHERE account IS NOT NULL)) AS accounts,
           list_sort(list(DISTINCT platform)) AS platforms,
           list_sort(list(DISTINCT actor_type) FILTER (WHERE actor_type IS NOT NULL)) AS actor_types,
           list_sort(list(DISTINCT source_format)) AS source_formats,
           list_sort(list(DISTINCT resolution) FILTER (WHERE resolution IS NOT NULL)) AS resolutions,
           (SELECT list_sort(list_distinct(flatten(list(r.candidates)))) FROM actor_resolution r
             WHERE r.identity_key IS NULL AND 'shadow:' || coalesce(r.actor, r.credential_id, '?') = ${key}
               AND r.candidates IS NOT NULL) AS candidates
      FROM mine`);
  const s = shadowRows[0] ?? {};
  const platforms = strs(s.platforms);
  const accounts = strs(s.accounts);
  return {
    entityKey,
    shadow: true,
    name: entityKey.slice('shadow:'.length),
    kind: null,
    platform: platforms.length === 1 ? platforms[0]! : platforms.length ? platforms.join(', ') : null,
    account: accounts.length === 1 ? accounts[0]! : accounts.length ? accounts.join(', ') : null,
    owner: null,
    ownerStatus: null,
    team: null,
    environment: null,
    criticality: null,
    credentialType: null,
    secretLocation: null,
    vendor: null,
    createdAt: null,
    lastRotatedAt: null,
    expiresAt: null,
    lastUsedAt: null,
    asOf: str(s.as_of),
    credentialAgeDays: null,
    expiresInDays: null,
    aliases: [],
    permissions: [],
    schedule: null,
    scheduleReadable: null,
    scheduleProblems: null,
    approvedDestinations: [],
    allowedDataClasses: [],
    extra: {},
    sourceFile: null,
    sourceRow: null,
    activity,
    windows,
    shadowActor: {
      actor: entityKey.slice('shadow:'.length),
      actorAlt: strs(s.actor_alt),
      credentialIds: strs(s.credential_ids),
      accounts,
      platforms,
      actorTypes: strs(s.actor_types),
      sourceFormats: strs(s.source_formats),
      resolutions: strs(s.resolutions),
      candidates: strs(s.candidates),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Hourly activity and its baseline band

export interface HourCount {
  /** Start of the hour, ISO UTC. */
  hour: string;
  count: number;
  /** Of those, events in the detection window. */
  detectionCount: number;
  /** The baseline band of this hour's slot (see BandSlot); null when the entity has no baseline. */
  baselineMedian: number | null;
  baselineP95: number | null;
}

export interface BandSlot {
  hourOfDay: number;
  dayType: 'weekday' | 'weekend';
  /** Which baseline days the samples come from: the same day type, or every day when that type has too few. */
  basis: 'weekday' | 'weekend' | 'all' | null;
  /** Active baseline days sampled (one count per day, 0 for a silent hour). */
  days: number;
  median: number | null;
  p95: number | null;
  max: number | null;
}

export interface HourlyActivity {
  entityKey: string;
  windows: AnalysisWindows;
  /** Every hour from the start of the entity's first active day in the baseline (or detection window) to as-of, zeros included. */
  hours: HourCount[];
  /** 48 slots: hour of day × weekday / weekend. */
  band: BandSlot[];
  totalEvents: number;
  peak: { hour: string; count: number } | null;
  /** Events of this entity outside the analysed windows (older than the baseline, or after as-of): not drawn. */
  eventsOutside: number;
  /** Change windows that apply to this entity (they explain findings inside them). */
  changeWindows: { changeId: string; startsAt: string; endsAt: string; summary: string | null }[];
}

/**
 * Events per hour across the analysed span, each hour with the band its slot (hour of day × day type) shows in the baseline:
 * median to p95 of the entity's counts at that hour on its active baseline days (see identity.hourly.sql for the exact rule).
 * null when no analysis has run yet (the windows do not exist).
 */
export async function hourlyActivity(engine: Engine, entityKey: string, options: QueryOptions = {}): Promise<HourlyActivity | null> {
  const windows = await analysisWindows(engine, entityKey, options);
  if (!windows) return null;
  const ctes = fill(hourlySql, { entity: quoteLiteral(entityKey), min_days: String(BAND_MIN_DAYS) });
  const key = quoteLiteral(entityKey);
  const { rows: hourRows } = await query(engine, options, `${ctes}\nSELECT hour_ts, n, n_det, med, p95 FROM timeline ORDER BY hour_ts`);
  const { rows: slotRows } = await query(engine, options, `${ctes}\nSELECT hod, weekend, basis, days, med, p95, mx FROM slots ORDER BY weekend, hod`);
  const { rows: outsideRows } = await query(engine, options, `SELECT count(*) AS n FROM ev WHERE entity_key = ${key} AND period IN ('before', 'after')`);
  const { rows: changes } = (await existingTables(engine, options, ['dl_changes_resolved'])).has('dl_changes_resolved')
    ? await query(
        engine,
        options,
        `SELECT DISTINCT change_id, starts_at, ends_at, summary FROM dl_changes_resolved
          WHERE identity_key = '*' OR identity_key = ${key} ORDER BY starts_at, change_id`,
      )
    : { rows: [] };
  const hours: HourCount[] = hourRows.map((r) => ({
    hour: String(r.hour_ts),
    count: int(r.n),
    detectionCount: int(r.n_det),
    baselineMedian: num(r.med),
    baselineP95: num(r.p95),
  }));
  let peak: HourlyActivity['peak'] = null;
  let total = 0;
  for (const h of hours) {
    total += h.count;
    if (h.count > 0 && (!peak || h.count > peak.count)) peak = { hour: h.hour, count: h.count };
  }
  return {
    entityKey,
    windows,
    hours,
    band: slotRows.map((r) => ({
      hourOfDay: int(r.hod),
      dayType: bool(r.weekend) ? 'weekend' : 'weekday',
      basis: (str(r.basis) as BandSlot['basis']) ?? null,
      days: int(r.days),
      median: num(r.med),
      p95: num(r.p95),
      max: num(r.mx),
    })),
    totalEvents: total,
    peak,
    eventsOutside: int(outsideRows[0]?.n),
    changeWindows: changes.map((c) => ({
      changeId: String(c.change_id),
      startsAt: String(c.starts_at),
      endsAt: String(c.ends_at),
      summary: str(c.summary),
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Hour-of-week profile

export interface HourOfWeekCell {
  /** 0–167, Monday 00:00 UTC = 0. */
  hourOfWeek: number;
  /** 0 = Monday … 6 = Sunday. */
  day: number;
  hour: number;
  baselineActiveDays: number;
  baselineEvents: number;
  /** Baseline events per week observed, so both maps share one scale. */
  baselinePerWeek: number | null;
  detectionEvents: number;
  detectionPerWeek: number | null;
  /** In a readable declared schedule (false when none is declared). */
  declared: boolean;
  /** What behavior.off_hours treats as usual: the declared slots if a schedule is readable, else slots active on ≥ 3 baseline days. */
  usual: boolean;
}

export interface HourOfWeekProfile {
  entityKey: string;
  cells: HourOfWeekCell[];
  baselineWeeks: number;
  detectionWeeks: number;
  schedule: string | null;
  scheduleReadable: boolean;
  scheduleProblems: string | null;
  usualMinDays: number;
}

export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

/** 168 hour-of-week cells with the baseline (active days, events per week) and the detection window; null before an analysis. */
export async function hourOfWeekProfile(engine: Engine, entityKey: string, options: QueryOptions = {}): Promise<HourOfWeekProfile | null> {
  if (!(await hasAnalysisContext(engine, options))) return null;
  const have = await existingTables(engine, options, ['dl_declared_schedule', 'dl_declared_slots']);
  if (!have.has('dl_declared_schedule') || !have.has('dl_declared_slots')) return null;
  const { rows } = await query(engine, options, fill(hourOfWeekSql, { entity: quoteLiteral(entityKey), min_days: String(USUAL_SLOT_MIN_DAYS) }));
  const first = rows[0] ?? {};
  const readable = bool(first.schedule_readable);
  return {
    entityKey,
    cells: rows.map((r) => {
      const hourOfWeek = int(r.hour_of_week);
      const declared = readable && bool(r.in_declared);
      const baselineActiveDays = int(r.base_days);
      return {
        hourOfWeek,
        day: Math.floor(hourOfWeek / 24),
        hour: hourOfWeek % 24,
        baselineActiveDays,
        baselineEvents: int(r.base_n),
        baselinePerWeek: num(r.base_per_week),
        detectionEvents: int(r.det_n),
        detectionPerWeek: num(r.det_per_week),
        declared,
        usual: readable ? declared : baselineActiveDays >= USUAL_SLOT_MIN_DAYS,
      };
    }),
    baselineWeeks: Math.max(0, num(first.baseline_weeks) ?? 0),
    detectionWeeks: Math.max(0, num(first.detection_weeks) ?? 0),
    schedule: str(first.schedule),
    scheduleReadable: readable,
    scheduleProblems: str(first.schedule_problems),
    usualMinDays: USUAL_SLOT_MIN_DAYS,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// New in the detection window

export interface NewItem {
  value: string;
  count: number;
  /** Of those, events outside every change window. */
  outsideChange: number;
  firstSeen: string;
  lastSeen: string;
  /** Resources of a new action, actions on a new resource, user agents of a new source (at most 5). */
  related: string[];
  relatedCount: number;
}

export interface NewList {
  items: NewItem[];
  /** New values in all (items holds at most `limit`). */
  total: number;
  /** Distinct values of that kind in the baseline. */
  known: number;
}

export interface NewInDetection {
  entityKey: string;
  actions: NewList;
  resources: NewList;
  sources: NewList;
}

/** Actions, resources and source IPs seen in the detection window and never in the entity's baseline; null before an analysis. */
export async function newInDetection(engine: Engine, entityKey: string, options: QueryOptions & { limit?: number } = {}): Promise<NewInDetection | null> {
  if (!(await hasAnalysisContext(engine, options))) return null;
  const safeLimit = Math.max(1, Math.floor(options.limit ?? 200));
  const { rows } = await query(engine, options, fill(newInDetectionSql, { entity: quoteLiteral(entityKey), limit: String(safeLimit) }));
  const lists: Record<'action' | 'resource' | 'source', NewList> = {
    action: { items: [], total: 0, known: 0 },
    resource: { items: [], total: 0, known: 0 },
    source: { items: [], total: 0, known: 0 },
  };
  for (const r of rows) {
    const list = lists[String(r.kind) as keyof typeof lists];
    if (!list) continue;
    list.total = int(r.total);
    list.known = int(r.known);
    if (r.value === null) continue;
    list.items.push({
      value: String(r.value),
      count: int(r.n),
      outsideChange: int(r.n_out),
      firstSeen: String(r.first_seen),
      lastSeen: String(r.last_seen),
      related: strs(r.related),
      relatedCount: int(r.related_count),
    });
  }
  return { entityKey, actions: lists.action, resources: lists.resource, sources: lists.source };
}

// ---------------------------------------------------------------------------------------------------------------------
// Granted vs used permissions
//
// The matching is the coverage detections' own SQL (coverage.unused_permission, coverage.used_outside_grant), not a copy:
// their CTE chains are taken as they are, with the recorded grants narrowed to this one identity, and read at the CTE
// that holds the per-grant verdict (`classified` + `exercised`) or the uncovered actions with their resources (`listed`). The page and the
// findings therefore judge a grant alike (CloudTrail → IAM names, wildcards, data-event classes, Okta / GitHub families).

interface WithQuery {
  ctes: { name: string; head: string; body: string }[];
  main: string;
}

/** Split `WITH a AS (…), b(x) AS (…) SELECT …` into its CTEs and main statement (strings and comments respected). */
export function splitWithQuery(sql: string): WithQuery {
  let i = 0;
  const skipSpace = () => {
    for (;;) {
      while (i < sql.length && /\s/.test(sql[i]!)) i++;
      if (sql.startsWith('--', i)) {
        const end = sql.indexOf('\n', i);
        i = end < 0 ? sql.length : end + 1;
      } else if (sql.startsWith('/*', i)) {
        const end = sql.indexOf('*/', i + 2);
        i = end < 0 ? sql.length : end + 2;
      } else return;
    }
  };
  skipSpace();
  if (!/^WITH\s/i.test(sql.slice(i, i + 5))) throw new Error('Not a WITH query');
  i += 4;
  const ctes: WithQuery['ctes'] = [];
  for (;;) {
    skipSpace();
    const head = /^([A-Za-z_]\w*)\s*(\([^()]*\))?\s+AS\s+(?:(?:NOT\s+)?MATERIALIZED\s+)?\(/i.exec(sql.slice(i));
    if (!head) throw new Error(`Cannot read a CTE at: ${sql.slice(i, i + 40)}`);
    i += head[0].length;
    const start = i;
    let depth = 1;
    while (i < sql.length && depth > 0) {
      const c = sql[i]!;
      if (c === "'" || c === '"') {
        const end = sql.indexOf(c, i + 1);
        // A doubled quote inside a string is read as the end of one string and the start of the next: same result.
        i = end < 0 ? sql.length : end + 1;
        continue;
      }
      if (sql.startsWith('--', i)) {
        const end = sql.indexOf('\n', i);
        i = end < 0 ? sql.length : end + 1;
        continue;
      }
      if (sql.startsWith('/*', i)) {
        const end = sql.indexOf('*/', i + 2);
        i = end < 0 ? sql.length : end + 2;
        continue;
      }
      if (c === '(') depth++;
      else if (c === ')') depth--;
      i++;
    }
    if (depth !== 0) throw new Error('Unbalanced parentheses in a CTE');
    ctes.push({ name: head[1]!, head: head[0], body: sql.slice(start, i - 1) });
    skipSpace();
    if (sql[i] === ',') {
      i++;
      continue;
    }
    return { ctes, main: sql.slice(i) };
  }
}

function detection(id: string): DetectionDefinition {
  const definition = CATALOGUE.find((d) => d.id === id);
  if (!definition) throw new Error(`No detection ${id} in the catalogue`);
  return definition;
}

/** A detection's CTE chain with the recorded grants narrowed to one identity, ready for another final SELECT. */
function grantChainFor(detectionId: string, entityKey: string, settings: AnalysisSettings): string {
  const { ctes } = splitWithQuery(renderDetectionSql(detection(detectionId), settings));
  if (!ctes.some((c) => c.name === 'raw_grants')) throw new Error(`${detectionId} has no raw_grants step to narrow`);
  const parts = ctes.map((c) =>
    c.name === 'raw_grants' ? `${c.head}SELECT * FROM (${c.body}\n) WHERE identity_key = ${quoteLiteral(entityKey)}\n)` : `${c.head}${c.body})`,
  );
  return `WITH ${parts.join(',\n')}`;
}

export type GrantStatus = 'used' | 'unused' | 'not judged';

export interface GrantUse {
  /** As recorded in the inventory. */
  grant: string;
  status: GrantStatus;
  /** Events whose action the grant allows (any outcome: an attempt exercises the grant). */
  uses: number;
  /** The actions that exercised it, most used first (at most 10). */
  actions: string[];
  /** Why the logs cannot tell (status 'not judged'). */
  reason: string | null;
}

export interface OutsideGrantUse {
  action: string;
  /** The IAM name of a CloudTrail action when it differs (s3:ListBuckets → s3:ListAllMyBuckets). */
  iamAction: string;
  /** Successful calls. */
  count: number;
  detectionCount: number;
  firstSeen: string;
  lastSeen: string;
  resources: string[];
  /** The scopes that would allow it (Okta / GitHub), when known. */
  needs: string[];
}

export interface PermissionUse {
  entityKey: string;
  /** Grants recorded in the inventory (all of them, judged or not). */
  recorded: string[];
  grants: GrantUse[];
  /** null when the identity's grants cannot all be read (then nothing can be called outside them). */
  outsideGrant: OutsideGrantUse[] | null;
  /** Days of this platform's logs the verdicts rest on (from the logs' start or the identity's creation, to as-of). */
  observedDays: number | null;
  /** coverage.unused_permission only reports an unused grant after this many days of logs. */
  minObservedDays: number;
  /** Why there is nothing to compare, when that is so. */
  note: string | null;
}

/**
 * Each recorded grant of an identity, used or unused (or not judgeable from the logs, with the reason), and the successful
 * actions no grant covers. null before an analysis. `settings` carries the analyst's tuning (minimum observed days).
 */
export async function permissionUse(
  engine: Engine,
  entityKey: string,
  options: QueryOptions & { settings?: AnalysisSettings } = {},
): Promise<PermissionUse | null> {
  if (!(await hasAnalysisContext(engine, options))) return null;
  const settings = options.settings ?? DEFAULT_SETTINGS;
  const key = quoteLiteral(entityKey);
  const { rows: idRows } = await query(engine, options, `SELECT permissions FROM identities WHERE identity_key = ${key}`);
  const recorded = strs(idRows[0]?.permissions).filter((p) => p.trim() !== '');
  const minObservedDays = paramValue(detection('coverage.unused_permission'), 'min_observed_days', settings);
  const base: PermissionUse = { entityKey, recorded, grants: [], outsideGrant: null, observedDays: null, minObservedDays, note: null };
  if (!idRows[0]) return { ...base, note: 'Not in the inventory: no grants are recorded for a shadow actor.' };
  if (recorded.length === 0) return { ...base, note: 'No grants are recorded in the inventory for this identity: nothing to compare its activity with.' };

  const unusedChain = grantChainFor('coverage.unused_permission', entityKey, settings);
  const { rows: grantRows } = await query(engine, options, `${unusedChain},
    grant_actions AS (
      SELECT c.grant_raw, m.action, m.n FROM classified c
        JOIN mine m ON m.identity_key = c.identity_key AND c.kind = 'aws' AND (m.iam LIKE c.pattern OR m.act LIKE c.pattern)
      UNION ALL
      SELECT c.grant_raw, f.action, f.n FROM classified c
        JOIN fam f ON f.identity_key = c.identity_key AND (c.kind = 'all' OR (c.kind = 'scope' AND f.grant_name = c.g))
    ),
    per_grant AS (
      SELECT grant_raw, sum(n) AS uses, list(action ORDER BY n DESC, action) AS actions FROM grant_actions GROUP BY grant_raw
    )
    SELECT c.grant_raw, c.not_assessed, coalesce(p.uses, 0) AS uses, coalesce(p.actions, []) AS actions,
           (SELECT any_value(observed_days) FROM active WHERE identity_key = ${key}) AS observed_days
      FROM classified c LEFT JOIN per_grant p USING (grant_raw)
     ORDER BY c.not_assessed IS NOT NULL, coalesce(p.uses, 0) = 0 DESC, c.grant_raw`);
  if (grantRows.length === 0) {
    return {
      ...base,
      note: 'Not judged: the permission detections leave out console users, root accounts and identities the inventory marks as not NHI.',
    };
  }
  const grants: GrantUse[] = grantRows.map((r) => {
    const reason = str(r.not_assessed);
    const uses = int(r.uses);
    return { grant: String(r.grant_raw), status: reason ? 'not judged' : uses > 0 ? 'used' : 'unused', uses, actions: strs(r.actions).slice(0, 10), reason };
  });
  const observedDays = num(grantRows[0]?.observed_days);

  const outsideChain = grantChainFor('coverage.used_outside_grant', entityKey, settings);
  const { rows: judgedRows } = await query(engine, options, `${outsideChain}\nSELECT count(*) AS n FROM judged`);
  let outsideGrant: OutsideGrantUse[] | null = null;
  let note: string | null = null;
  if (int(judgedRows[0]?.n) > 0) {
    const { rows } = await query(engine, options, `${outsideChain}
      SELECT action, iam_name, n, n_det, first_seen, last_seen, resources[1:5] AS resources, coalesce(needs, []) AS needs
        FROM listed ORDER BY n DESC, action`);
    outsideGrant = rows.map((r) => ({
      action: String(r.action),
      iamAction: String(r.iam_name),
      count: int(r.n),
      detectionCount: int(r.n_det),
      firstSeen: String(r.first_seen),
      lastSeen: String(r.last_seen),
      resources: strs(r.resources),
      needs: strs(r.needs),
    }));
  } else {
    note =
      'Actions outside the grants are not judged: that needs every grant to be a name the logs can be matched against ' +
      '(AWS IAM actions, Okta scopes, GitHub permissions), and some are not (a policy name, for instance).';
  }
  return { ...base, grants, outsideGrant, observedDays, note };
}

// ---------------------------------------------------------------------------------------------------------------------
// Findings

export interface IdentityFinding {
  findingUid: string;
  detectionId: string;
  title: string;
  severity: string;
  riskScore: number;
  riskFormula: string;
  status: string;
  subject: string;
  firstSeen: string | null;
  lastSeen: string | null;
  evidenceCount: number;
  explanation: string;
  evidenceSql: string;
  changeId: string | null;
  exceptionId: string | null;
}

/** The entity's findings, open first then by risk; null when no analysis has produced a findings table yet. */
export async function identityFindings(engine: Engine, entityKey: string, options: QueryOptions = {}): Promise<IdentityFinding[] | null> {
  if (!(await existingTables(engine, options, ['findings'])).has('findings')) return null;
  const { rows } = await query(engine, options, `
    SELECT finding_uid, detection_id, title, severity, risk_score, risk_formula, status, subject, first_seen, last_seen,
           evidence_count, explanation, evidence_sql, change_id, exception_id
      FROM findings WHERE entity_key = ${quoteLiteral(entityKey)}
     ORDER BY status = 'open' DESC, risk_score DESC, detection_id, subject`);
  return rows.map((r) => ({
    findingUid: String(r.finding_uid),
    detectionId: String(r.detection_id),
    title: str(r.title) ?? String(r.detection_id),
    severity: str(r.severity) ?? '',
    riskScore: int(r.risk_score),
    riskFormula: str(r.risk_formula) ?? '',
    status: str(r.status) ?? '',
    subject: str(r.subject) ?? '',
    firstSeen: str(r.first_seen),
    lastSeen: str(r.last_seen),
    evidenceCount: int(r.evidence_count),
    explanation: str(r.explanation) ?? '',
    evidenceSql: str(r.evidence_sql) ?? '',
    changeId: str(r.change_id),
    exceptionId: str(r.exception_id),
  }));
}
