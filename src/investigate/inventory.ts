// The inventory register and its reconciliation with the logs, for the Inventory view and reports.
//   inventoryRegister: every inventory identity with its facts, credential age, activity and posture/coverage findings.
//   reconciliation:    (a) in the inventory but silent in the logs, with what the evidence covers;
//                      (b) active in the logs but not in the inventory (shadow and ambiguous actors).
// All SQL lives here; values from evidence or the user go through quoteLiteral.
import { quoteLiteral } from '../engine/sql';
import type { Engine, QueryOptions } from '../engine/types';
import type { UiValue } from '../engine/values';
import { ensureSchema } from '../ingest/commit';

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** How a platform is named to people ("no Okta logs loaded"). */
export const PLATFORM_LABELS: Record<string, string> = {
  aws: 'AWS',
  entra: 'Entra ID',
  gcp: 'GCP',
  okta: 'Okta',
  github: 'GitHub',
  k8s: 'Kubernetes',
  slack: 'Slack',
  google_workspace: 'Google Workspace',
  other: 'other',
};

export function platformLabel(platform: string | null): string {
  if (!platform) return 'unknown platform';
  return PLATFORM_LABELS[platform] ?? platform;
}

/** Where the as-of of credential ages comes from: the analysis context, else the latest event, else the last import. */
export type AsOfSource = 'analysis' | 'latest_event' | 'import' | null;

/** Posture / coverage findings of one detection on one identity. */
export interface IdentityDetection {
  detectionId: string;
  title: string;
  family: 'posture' | 'coverage';
  severity: Severity;
  /** Open findings (one detection can fire several times, e.g. one per wildcard grant). */
  open: number;
  /** Findings explained by a change window or excepted. */
  settled: number;
  /** Highest risk among the open findings (null when none is open). */
  maxRisk: number | null;
}

export interface RegisterRow {
  identityKey: string;
  name: string;
  kind: string | null;
  platform: string;
  account: string | null;
  owner: string | null;
  ownerStatus: string | null;
  team: string | null;
  environment: string | null;
  criticality: string | null;
  credentialType: string | null;
  /** Days from the last rotation (else creation) to the as-of; null when neither date is known. */
  credentialAgeDays: number | null;
  createdAt: string | null;
  lastRotatedAt: string | null;
  expiresAt: string | null;
  /** The inventory's own last-used date. */
  lastUsedAt: string | null;
  /** First and last event resolved to this identity. */
  firstSeen: string | null;
  lastSeen: string | null;
  /** Events in the workspace resolved to this identity. */
  events: number;
  aliases: number;
  /** False for people and the root account (credential report rows): not reconciled as NHIs. */
  nhi: boolean;
  /** Detections with at least one open posture or coverage finding on this identity, by detection id. */
  detections: IdentityDetection[];
  findingIds: string[];
  /** Open posture and coverage findings. */
  findingCount: number;
  /** Open posture findings only. */
  postureCount: number;
  maxRisk: number | null;
  worstSeverity: Severity | null;
  /** Explained or excepted posture/coverage findings (not counted above). */
  settledCount: number;
}

export interface Register {
  asOf: string | null;
  asOfSource: AsOfSource;
  /** Whether the analysis has produced a findings table (until then, finding columns are empty). */
  findingsAvailable: boolean;
  rows: RegisterRow[];
}

export type SilentUsage = 'never_used' | 'dormant' | 'recent' | 'unknown';

export interface SilentIdentity {
  identityKey: string;
  name: string;
  kind: string | null;
  platform: string;
  account: string | null;
  owner: string | null;
  ownerStatus: string | null;
  environment: string | null;
  criticality: string | null;
  createdAt: string | null;
  /** The inventory's last-used date, if it has one. */
  lastUsedAt: string | null;
  /** Days from the inventory's last use to the as-of. */
  daysSinceUsed: number | null;
  /** never_used: no last-used date; dormant: last used longer ago than the dormancy period; recent: within it. */
  usage: SilentUsage;
  usageText: string;
  /** Whether any log of this identity's platform is loaded. */
  logsLoaded: boolean;
  logsFrom: string | null;
  logsTo: string | null;
  /** "No Okta logs loaded" / "Okta logs loaded (…), no activity". */
  coverageText: string;
  /** Why the silence may be misleading: an ambiguous actor naming it, a last use inside the logs' span. */
  notes: string[];
}

export interface ActionCount {
  action: string;
  count: number;
}

export interface Candidate {
  identityKey: string;
  name: string | null;
  account: string | null;
}

export interface ShadowActor {
  /** The actor string (or the credential id when the log names no actor): the same key the findings use ('shadow:' + this). */
  actor: string;
  actorType: string | null;
  platforms: string[];
  credentialIds: string[];
  firstSeen: string | null;
  lastSeen: string | null;
  events: number;
  /** The busiest actions, most frequent first (at most five). */
  topActions: ActionCount[];
  distinctActions: number;
  sourceIps: number;
  /** True when the actor's name matches several inventory identities, so its activity is attributed to none. */
  ambiguous: boolean;
  candidates: Candidate[];
}

export interface ReconciliationSummary {
  inventory: number;
  /** People and the root account from a credential report: in the register, not reconciled. */
  notNhi: number;
  /** Inventory identities with at least one event. */
  matched: number;
  silent: number;
  shadow: number;
  ambiguous: number;
  /** Events attributed to no identity (shadow and ambiguous actors listed below). */
  unattributedEvents: number;
  /** Actors left out: the cloud provider's own service principals and records with no actor at all. */
  excludedActors: number;
  excludedEvents: number;
  /** Platforms with audit logs loaded. */
  platformsWithLogs: string[];
}

export interface Reconciliation {
  asOf: string | null;
  dormantDays: number;
  silent: SilentIdentity[];
  shadow: ShadowActor[];
  summary: ReconciliationSummary;
}

export interface InventoryOptions extends QueryOptions {
  /** Dormancy period in days (the coverage.dormant parameter); default 30. */
  dormantDays?: number;
}

type Row = Record<string, UiValue>;
const str = (v: UiValue | undefined): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: UiValue | undefined): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
const strList = (v: UiValue | undefined): string[] => (Array.isArray(v) ? v.filter((x) => x !== null).map(String) : []);
const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function toSeverity(v: UiValue | undefined): Severity {
  const s = String(v ?? '').toLowerCase();
  return s in SEVERITY_RANK ? (s as Severity) : 'info';
}

export function worseSeverity(a: Severity | null, b: Severity | null): Severity | null {
  if (a === null) return b;
  if (b === null) return a;
  return SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a;
}

/** People and the root account (credential report rows) are not NHIs: the same rule the posture detections use. */
const NHI_SQL = `(lower(coalesce(i.kind, '')) NOT IN ('root account', 'iam user (console)')
                  AND NOT regexp_matches(coalesce(i.extra, ''), '"nhi"\\s*:\\s*"no"'))`;

/** Which of the analysis tables exist yet (the analysis may not have run). */
async function analysisTables(engine: Engine, options: QueryOptions): Promise<{ findings: boolean; context: boolean }> {
  const { rows } = await engine.queryRows(
    `SELECT DISTINCT table_name FROM information_schema.tables WHERE table_name IN ('findings', 'dl_context')`,
    options,
  );
  const names = new Set(rows.map((r) => String(r.table_name)));
  return { findings: names.has('findings'), context: names.has('dl_context') };
}

/** One row `a(as_of, as_of_source)`: the analysis as-of, else the latest event, else the last import. */
function asOfCte(hasContext: boolean): string {
  return `a AS (
    SELECT coalesce(ctx, last_event, imported) AS as_of,
           CASE WHEN ctx IS NOT NULL THEN 'analysis' WHEN last_event IS NOT NULL THEN 'latest_event'
                WHEN imported IS NOT NULL THEN 'import' END AS as_of_source
      FROM (SELECT ${hasContext ? '(SELECT max(as_of) FROM dl_context)' : 'NULL::TIMESTAMP'} AS ctx,
                   (SELECT max(event_time) FROM events) AS last_event,
                   (SELECT max(imported_at) FROM evidence_files) AS imported)
  )`;
}

/** Every inventory identity with its facts, activity, aliases and posture/coverage findings, ordered by name. */
export async function inventoryRegister(engine: Engine, options: QueryOptions = {}): Promise<Register> {
  const opts: QueryOptions = options.signal ? { signal: options.signal } : {};
  await ensureSchema(engine);
  const tables = await analysisTables(engine, opts);
  const { rows } = await engine.queryRows(
    `WITH ${asOfCte(tables.context)},
     act AS (
       SELECT identity_key, count(*) AS n, min(event_time) AS first_seen, max(event_time) AS last_seen
         FROM events WHERE identity_key IS NOT NULL GROUP BY identity_key
     ),
     al AS (SELECT identity_key, count(DISTINCT alias_norm) AS n FROM identity_aliases GROUP BY identity_key)
     SELECT i.identity_key, i.name, i.kind, i.platform, i.account, i.owner, i.owner_status, i.team, i.environment, i.criticality,
            i.credential_type,
            CAST(date_diff('day', coalesce(i.last_rotated_at, i.created_at), a.as_of) AS INTEGER) AS credential_age_days,
            i.created_at, i.last_rotated_at, i.expires_at, i.last_used_at,
            act.first_seen, act.last_seen, coalesce(act.n, 0) AS events, coalesce(al.n, 0) AS aliases,
            ${NHI_SQL} AS nhi,
            a.as_of, a.as_of_source
       FROM identities i
       CROSS JOIN a
       LEFT JOIN act ON act.identity_key = i.identity_key
       LEFT JOIN al ON al.identity_key = i.identity_key
      ORDER BY lower(i.name), i.identity_key`,
    opts,
  );

  const perIdentity = new Map<string, IdentityDetection[]>();
  if (tables.findings) {
    const found = await engine.queryRows(
      `SELECT identity_key, detection_id, any_value(title) AS title, any_value(family) AS family, any_value(severity) AS severity,
              count(*) FILTER (WHERE status = 'open') AS open, count(*) FILTER (WHERE status <> 'open') AS settled,
              max(risk_score) FILTER (WHERE status = 'open') AS max_risk
         FROM findings
        WHERE family IN ('posture', 'coverage') AND identity_key IS NOT NULL
        GROUP BY identity_key, detection_id
        ORDER BY identity_key, max(risk_score) DESC, detection_id`,
      opts,
    );
    for (const f of found.rows) {
      const key = String(f.identity_key);
      const list = perIdentity.get(key) ?? [];
      list.push({
        detectionId: String(f.detection_id),
        title: String(f.title ?? f.detection_id),
        family: f.family === 'coverage' ? 'coverage' : 'posture',
        severity: toSeverity(f.severity),
        open: Number(f.open ?? 0),
        settled: Number(f.settled ?? 0),
        maxRisk: num(f.max_risk),
      });
      perIdentity.set(key, list);
    }
  }

  const first = rows[0];
  return {
    asOf: str(first?.as_of),
    asOfSource: (str(first?.as_of_source) as AsOfSource) ?? null,
    findingsAvailable: tables.findings,
    rows: rows.map((r) => registerRow(r, perIdentity.get(String(r.identity_key)) ?? [])),
  };
}

function registerRow(r: Row, all: IdentityDetection[]): RegisterRow {
  const open = all.filter((d) => d.open > 0);
  let worst: Severity | null = null;
  let maxRisk: number | null = null;
  for (const d of open) {
    worst = worseSeverity(worst, d.severity);
    if (d.maxRisk !== null && (maxRisk === null || d.maxRisk > maxRisk)) maxRisk = d.maxRisk;
  }
  return {
    identityKey: String(r.identity_key),
    name: String(r.name ?? ''),
    kind: str(r.kind),
    platform: String(r.platform ?? ''),
    account: str(r.account),
    owner: str(r.owner),
    ownerStatus: str(r.owner_status),
    team: str(r.team),
    environment: str(r.environment),
    criticality: str(r.criticality),
    credentialType: str(r.credential_type),
    credentialAgeDays: num(r.credential_age_days),
    createdAt: str(r.created_at),
    lastRotatedAt: str(r.last_rotated_at),
    expiresAt: str(r.expires_at),
    lastUsedAt: str(r.last_used_at),
    firstSeen: str(r.first_seen),
    lastSeen: str(r.last_seen),
    events: Number(r.events ?? 0),
    aliases: Number(r.aliases ?? 0),
    nhi: r.nhi !== false,
    detections: open,
    findingIds: open.map((d) => d.detectionId),
    findingCount: open.reduce((n, d) => n + d.open, 0),
    postureCount: open.filter((d) => d.family === 'posture').reduce((n, d) => n + d.open, 0),
    maxRisk,
    worstSeverity: worst,
    settledCount: all.reduce((n, d) => n + d.settled, 0),
  };
}

/** Audit-log formats → platform, so a loaded log with no rows still counts as coverage of its platform. */
const FORMAT_PLATFORM_SQL = `CASE source_format
  WHEN 'cloudtrail' THEN 'aws' WHEN 'okta_system_log' THEN 'okta' WHEN 'github_audit' THEN 'github'
  WHEN 'entra_signin' THEN 'entra' WHEN 'entra_audit' THEN 'entra' WHEN 'gcp_audit' THEN 'gcp' WHEN 'k8s_audit' THEN 'k8s'
  WHEN 'google_workspace' THEN 'google_workspace' WHEN 'slack_audit' THEN 'slack' END`;

/** The events of one actor that resolves to no identity (a shadow or ambiguous actor), for the SQL console. */
export function shadowEventsSql(actor: string): string {
  return `SELECT * FROM events_v WHERE identity_key IS NULL AND coalesce(actor, credential_id, '?') = ${quoteLiteral(actor)} ORDER BY event_time`;
}

/** Records the provider writes for itself (AWS services, Okta's system principal) or with no actor at all: not identities. */
const PROVIDER_SQL = `(actor_key = '?' OR coalesce(actor_type, '') IN ('AWSService', 'SystemPrincipal')
                       OR regexp_matches(actor_key, '(?i)^([a-z0-9-]+\\.)+amazonaws\\.com$|^aws internal$'))`;

/** The inventory and the logs, each against the other. */
export async function reconciliation(engine: Engine, options: InventoryOptions = {}): Promise<Reconciliation> {
  const opts: QueryOptions = options.signal ? { signal: options.signal } : {};
  const dormantDays = Number.isFinite(options.dormantDays) && (options.dormantDays ?? 0) > 0 ? Math.floor(options.dormantDays!) : 30;
  await ensureSchema(engine);
  const tables = await analysisTables(engine, opts);

  const silentQuery = engine.queryRows(
    `WITH ${asOfCte(tables.context)},
     cov AS (
       SELECT platform, min(first_event) AS logs_from, max(last_event) AS logs_to
         FROM (SELECT platform, min(event_time) AS first_event, max(event_time) AS last_event FROM events GROUP BY platform
               UNION ALL
               SELECT ${FORMAT_PLATFORM_SQL} AS platform, first_event, last_event FROM evidence_files WHERE kind = 'audit_log')
        WHERE platform IS NOT NULL GROUP BY platform
     ),
     amb AS (
       SELECT c.identity_key, list(DISTINCT c.actor_key ORDER BY c.actor_key) AS actors
         FROM (SELECT coalesce(actor, credential_id, '?') AS actor_key, unnest(candidates) AS identity_key
                 FROM actor_resolution WHERE identity_key IS NULL AND resolution = 'ambiguous') c
        GROUP BY c.identity_key
     )
     SELECT i.identity_key, i.name, i.kind, i.platform, i.account, i.owner, i.owner_status, i.environment, i.criticality,
            i.created_at, i.last_used_at,
            CAST(date_diff('day', i.last_used_at, a.as_of) AS INTEGER) AS days_since_used,
            cov.platform IS NOT NULL AS logs_loaded, cov.logs_from, cov.logs_to,
            coalesce(amb.actors, []) AS ambiguous_actors,
            a.as_of
       FROM identities i
       CROSS JOIN a
       LEFT JOIN cov ON cov.platform = i.platform
       LEFT JOIN amb ON amb.identity_key = i.identity_key
      WHERE ${NHI_SQL}
        AND NOT EXISTS (SELECT 1 FROM events e WHERE e.identity_key = i.identity_key)
      ORDER BY cov.platform IS NULL, lower(i.name), i.identity_key`,
    opts,
  );

  const shadowQuery = engine.queryRows(
    `WITH s AS (
       SELECT coalesce(actor, credential_id, '?') AS actor_key, actor_type, platform, credential_id, source_ip, action, event_time, resolution
         FROM events WHERE identity_key IS NULL
     ),
     per_action AS (SELECT actor_key, coalesce(action, '(no action)') AS action, count(*) AS n FROM s GROUP BY ALL),
     -- INTEGER, not BIGINT: a BIGINT nested in a list of structs does not survive the wasm build's BigInt-to-double cast.
     top AS (
       SELECT actor_key, list({'action': action, 'count': CAST(n AS INTEGER)} ORDER BY n DESC, action)[1:5] AS top_actions, count(*) AS distinct_actions
         FROM per_action GROUP BY actor_key
     ),
     agg AS (
       SELECT actor_key, any_value(actor_type) AS actor_type,
              list(DISTINCT platform ORDER BY platform) FILTER (WHERE platform IS NOT NULL) AS platforms,
              list(DISTINCT credential_id ORDER BY credential_id) FILTER (WHERE credential_id IS NOT NULL) AS credential_ids,
              min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS events,
              count(DISTINCT source_ip) AS source_ips,
              bool_or(resolution = 'ambiguous') AS ambiguous
         FROM s GROUP BY actor_key
     ),
     cand AS (
       SELECT c.actor_key, list({'identity_key': c.identity_key, 'name': i.name, 'account': i.account} ORDER BY c.identity_key) AS candidates
         FROM (SELECT DISTINCT coalesce(actor, credential_id, '?') AS actor_key, unnest(candidates) AS identity_key
                 FROM actor_resolution WHERE identity_key IS NULL AND resolution = 'ambiguous') c
         LEFT JOIN identities i ON i.identity_key = c.identity_key
        GROUP BY c.actor_key
     )
     SELECT agg.*, top.top_actions, top.distinct_actions, coalesce(cand.candidates, []) AS candidates,
            ${PROVIDER_SQL} AS provider
       FROM agg
       LEFT JOIN top USING (actor_key)
       LEFT JOIN cand USING (actor_key)
      ORDER BY provider, agg.ambiguous DESC, agg.events DESC, agg.actor_key`,
    opts,
  );

  const countsQuery = engine.queryRows(
    `SELECT (SELECT count(*) FROM identities) AS inventory,
            (SELECT count(*) FROM identities i WHERE NOT ${NHI_SQL}) AS not_nhi,
            (SELECT count(DISTINCT e.identity_key) FROM events e JOIN identities i ON i.identity_key = e.identity_key) AS matched,
            (SELECT list(DISTINCT platform ORDER BY platform) FILTER (WHERE platform IS NOT NULL)
               FROM (SELECT platform FROM events UNION ALL
                     SELECT ${FORMAT_PLATFORM_SQL} AS platform FROM evidence_files WHERE kind = 'audit_log')) AS platforms`,
    opts,
  );

  const [silentRows, shadowRows, countRows] = await Promise.all([silentQuery, shadowQuery, countsQuery]);
  const asOf = str(silentRows.rows[0]?.as_of) ?? null;

  const silent = silentRows.rows.map((r) => silentIdentity(r, dormantDays));
  const allActors = shadowRows.rows.map((r) => ({ actor: shadowActor(r), provider: r.provider === true }));
  const shadow = allActors.filter((a) => !a.provider).map((a) => a.actor);
  const excluded = allActors.filter((a) => a.provider);
  const c = countRows.rows[0] ?? {};

  return {
    asOf,
    dormantDays,
    silent,
    shadow,
    summary: {
      inventory: Number(c.inventory ?? 0),
      notNhi: Number(c.not_nhi ?? 0),
      matched: Number(c.matched ?? 0),
      silent: silent.length,
      shadow: shadow.filter((s) => !s.ambiguous).length,
      ambiguous: shadow.filter((s) => s.ambiguous).length,
      unattributedEvents: shadow.reduce((n, s) => n + s.events, 0),
      excludedActors: excluded.length,
      excludedEvents: excluded.reduce((n, a) => n + a.actor.events, 0),
      platformsWithLogs: strList(c.platforms),
    },
  };
}

function silentIdentity(r: Row, dormantDays: number): SilentIdentity {
  const platform = String(r.platform ?? '');
  const label = platformLabel(platform);
  const lastUsedAt = str(r.last_used_at);
  const daysSinceUsed = num(r.days_since_used);
  const logsLoaded = r.logs_loaded === true;
  const logsFrom = str(r.logs_from);
  const logsTo = str(r.logs_to);

  let usage: SilentUsage;
  let usageText: string;
  if (lastUsedAt === null) {
    usage = 'never_used';
    usageText = 'The inventory records no last use';
  } else if (daysSinceUsed === null) {
    usage = 'unknown';
    usageText = `Last used ${day(lastUsedAt)} per the inventory`;
  } else if (daysSinceUsed >= dormantDays) {
    usage = 'dormant';
    usageText = `Last used ${day(lastUsedAt)} per the inventory, ${plural(daysSinceUsed, 'day')} before as-of`;
  } else {
    usage = 'recent';
    usageText =
      daysSinceUsed < 0
        ? `Used ${day(lastUsedAt)} per the inventory, after the evidence ends`
        : `Used ${day(lastUsedAt)} per the inventory, ${plural(daysSinceUsed, 'day')} before as-of`;
  }

  const span = logsFrom && logsTo ? ` (${day(logsFrom)} – ${day(logsTo)})` : '';
  const coverageText = logsLoaded
    ? `${label} logs loaded${span}, no activity`
    : `No ${label} logs loaded: the evidence cannot show whether it is used`;

  const notes: string[] = [];
  const ambiguousActors = strList(r.ambiguous_actors);
  if (ambiguousActors.length) {
    notes.push(
      `Its name also matches other identities, so the activity of ${ambiguousActors.join(', ')} is attributed to none of them: add an alias (ARN, key id) to the inventory to resolve it`,
    );
  }
  if (logsLoaded && lastUsedAt && logsFrom && logsTo && lastUsedAt >= logsFrom && lastUsedAt <= logsTo) {
    notes.push(`The inventory says it was used ${day(lastUsedAt)}, inside the span of the ${label} logs, yet no event resolves to it: check its aliases`);
  }

  return {
    identityKey: String(r.identity_key),
    name: String(r.name ?? ''),
    kind: str(r.kind),
    platform,
    account: str(r.account),
    owner: str(r.owner),
    ownerStatus: str(r.owner_status),
    environment: str(r.environment),
    criticality: str(r.criticality),
    createdAt: str(r.created_at),
    lastUsedAt,
    daysSinceUsed,
    usage,
    usageText,
    logsLoaded,
    logsFrom,
    logsTo,
    coverageText,
    notes,
  };
}

function shadowActor(r: Row): ShadowActor {
  const top = Array.isArray(r.top_actions) ? r.top_actions : [];
  const candidates = Array.isArray(r.candidates) ? r.candidates : [];
  return {
    actor: String(r.actor_key ?? '?'),
    actorType: str(r.actor_type),
    platforms: strList(r.platforms),
    credentialIds: strList(r.credential_ids),
    firstSeen: str(r.first_seen),
    lastSeen: str(r.last_seen),
    events: Number(r.events ?? 0),
    topActions: top.map((t) => {
      const o = (t ?? {}) as Record<string, UiValue>;
      return { action: String(o.action ?? ''), count: Number(o.count ?? 0) };
    }),
    distinctActions: Number(r.distinct_actions ?? 0),
    sourceIps: Number(r.source_ips ?? 0),
    ambiguous: r.ambiguous === true,
    candidates: candidates.map((c) => {
      const o = (c ?? {}) as Record<string, UiValue>;
      return { identityKey: String(o.identity_key ?? ''), name: str(o.name), account: str(o.account) };
    }),
  };
}
