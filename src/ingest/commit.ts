// An import as one transaction: rows go to staging tables first and become visible in one COMMIT, so a failed,
// cancelled or crashed import leaves the earlier evidence exactly as it was.
import type { Engine } from '../engine/types';
import { quoteIdent, sqlValue } from '../engine/sql';
import type { CanonicalIdentity, ChangeWindow, IdentityAlias, RejectedRow, ResourceClass } from './canonical';
import type { InventoryUpdate } from './inventory/json-inventories';
import { eventsToIpc, STAGED_EVENT_SELECT } from './arrow-batch';
import type { CanonicalEvent } from './canonical';
import resolveSql from './sql/resolve.sql?raw';
import schemaSql from './sql/schema.sql?raw';

export interface EvidenceFileRecord {
  file_id: string;
  name: string;
  bytes: number;
  sha256: string | null;
  container: string | null;
  kind: 'audit_log' | 'inventory' | 'change_windows' | 'resource_classes';
  vendor: string | null;
  source_format: string | null;
  notes: string[];
}

export interface CommitSummary {
  files: number;
  events: number;
  duplicates: number;
  identities: number;
  rejected: number;
}

/** Create the canonical tables if this engine instance has none yet. */
export async function ensureSchema(engine: Engine): Promise<void> {
  await engine.exec(schemaSql);
}

/** Re-run identity resolution over all events (after any change to identities or aliases). */
export async function resolveIdentities(engine: Engine, signal?: AbortSignal): Promise<void> {
  await engine.exec(resolveSql, signal ? { signal } : {});
}

const INSERT_CHUNK = 500;

function listLiteral(values: readonly string[]): string {
  return `[${values.map((v) => sqlValue(v)).join(', ')}]::VARCHAR[]`;
}

function tsLiteral(ms: number | null): string {
  return ms === null || !Number.isFinite(ms) ? 'NULL' : `make_timestamp(${Math.round(ms) * 1000})`;
}

export class ImportTransaction {
  private readonly prefix: string;
  private eventsStaged = false;
  private closed = false;
  /** Time the identity resolution of the last commit took. */
  resolveMs = 0;

  constructor(
    private readonly engine: Engine,
    readonly importId: string,
    private readonly signal?: AbortSignal,
  ) {
    this.prefix = `stg_${importId.replace(/[^A-Za-z0-9_]/g, '_')}`;
  }

  private table(name: string): string {
    return quoteIdent(`${this.prefix}_${name}`);
  }

  private opts() {
    return this.signal ? { signal: this.signal } : {};
  }

  async begin(): Promise<void> {
    await ensureSchema(this.engine);
    await this.engine.exec(
      `CREATE TABLE ${this.table('files')} AS SELECT * FROM evidence_files LIMIT 0;
       CREATE TABLE ${this.table('rejected')} AS SELECT * FROM rejected_rows LIMIT 0;
       CREATE TABLE ${this.table('identities')} AS SELECT * FROM identities LIMIT 0;
       CREATE TABLE ${this.table('aliases')} AS SELECT * FROM identity_aliases LIMIT 0;
       CREATE TABLE ${this.table('changes')} AS SELECT * FROM changes LIMIT 0;
       CREATE TABLE ${this.table('classes')} AS SELECT * FROM resource_classes LIMIT 0;
       CREATE TABLE ${this.table('updates')} (alias_norm VARCHAR, last_used_at TIMESTAMP, file_id VARCHAR, source_row BIGINT);`,
      this.opts(),
    );
  }

  /** Stage a batch of parsed events (JSON sources). */
  async addEvents(fileId: string, events: readonly CanonicalEvent[]): Promise<void> {
    if (events.length === 0) return;
    const ipc = eventsToIpc(events, fileId);
    await this.engine.insertArrowIPC(ipc, { table: `${this.prefix}_events_raw`, create: !this.eventsStaged });
    this.eventsStaged = true;
  }

  /** Stage a batch already encoded as Arrow IPC by the reader (see arrow-batch.ts for its columns). */
  async addEventsIpc(ipc: Uint8Array): Promise<void> {
    await this.engine.insertArrowIPC(ipc, { table: `${this.prefix}_events_raw`, create: !this.eventsStaged });
    this.eventsStaged = true;
  }

  /** Forget everything staged for one file (e.g. it turned out to be a copy of a file already loaded). */
  async discardFile(fileId: string): Promise<void> {
    const id = sqlValue(fileId);
    const statements = ['files', 'rejected', 'identities', 'changes', 'classes', 'updates'].map((n) => `DELETE FROM ${this.table(n)} WHERE file_id = ${id};`);
    statements.push(`DELETE FROM ${this.table('aliases')} WHERE identity_key NOT IN (SELECT identity_key FROM ${this.table('identities')});`);
    if (this.eventsStaged) statements.push(`DELETE FROM ${this.table('events_raw')} WHERE file_id = ${id};`);
    if (this.sqlStageMade) statements.push(`DELETE FROM ${this.table('events_sql')} WHERE file_id = ${id};`);
    await this.engine.exec(statements.join('\n'), this.opts());
  }

  /**
   * Stage events read by DuckDB itself (CSV): `select` yields the events columns plus `_raw_time`; rows whose time did
   * not parse, and rows the CSV reader refused (`readerRejects` table), become rejected rows with their reason.
   */
  async addCsvEvents(fileId: string, select: string, readerRejects: string): Promise<{ loaded: number; rejected: number }> {
    await this.ensureEventStage();
    const rows = quoteIdent(`${this.prefix}_csv_rows`);
    const q = this.opts();
    await this.engine.exec(`CREATE OR REPLACE TEMP TABLE ${rows} AS ${select}`, q);
    await this.engine.exec(
      `INSERT INTO ${this.table('events_sql')} SELECT * EXCLUDE (_raw_time) FROM ${rows} WHERE event_time IS NOT NULL;
       INSERT INTO ${this.table('rejected')}
         SELECT ${sqlValue(fileId)}, source_row,
                'unparseable time ' || coalesce('"' || left(_raw_time, 60) || '"', '(empty)')
           FROM ${rows} WHERE event_time IS NULL;
       INSERT INTO ${this.table('rejected')}
         -- The reader reports a ragged line once per missing column: one reason per line, from the first column.
         -- (A line over the reader's size limit has no column: its message comes without one.)
         SELECT ${sqlValue(fileId)}, line, left(coalesce(arg_min(error_message, column_idx), min(error_message), 'unreadable row'), 300)
           FROM ${quoteIdent(readerRejects)} GROUP BY line ORDER BY line;
       DROP TABLE IF EXISTS ${quoteIdent(readerRejects)}; DROP TABLE IF EXISTS ${quoteIdent(`${readerRejects}_scan`)};`,
      q,
    );
    // Rejected: rows with no readable time, and lines the CSV reader could not split (once per line).
    const { rows: counts } = await this.engine.queryRows(
      `SELECT (SELECT count(*) FROM ${rows} WHERE event_time IS NOT NULL) AS loaded,
              (SELECT count(*) FROM ${this.table('rejected')} WHERE file_id = ${sqlValue(fileId)}) AS bad`,
      q,
    );
    await this.engine.exec(`DROP TABLE IF EXISTS ${rows}`, q);
    return { loaded: Number(counts[0]?.loaded ?? 0), rejected: Number(counts[0]?.bad ?? 0) };
  }

  private sqlStageMade = false;
  private async ensureEventStage(): Promise<void> {
    if (this.sqlStageMade) return;
    await this.engine.exec(
      `CREATE TABLE ${this.table('events_sql')} AS SELECT * EXCLUDE (identity_key, resolution) FROM events LIMIT 0`,
      this.opts(),
    );
    this.sqlStageMade = true;
  }

  async addRejected(fileId: string, rejected: readonly Omit<RejectedRow, 'source_file'>[]): Promise<void> {
    await this.insertRows('rejected', rejected, (r) => [sqlValue(fileId), sqlValue(r.source_row), sqlValue(r.reason.slice(0, 500))]);
  }

  async addIdentities(fileId: string, identities: readonly CanonicalIdentity[], aliases: readonly IdentityAlias[]): Promise<void> {
    await this.insertRows('identities', identities, (i) => [
      sqlValue(i.identity_key), sqlValue(i.name), sqlValue(i.kind), sqlValue(i.platform), sqlValue(i.account), sqlValue(i.owner),
      sqlValue(i.owner_status), sqlValue(i.team), sqlValue(i.environment), sqlValue(i.criticality), listLiteral(i.permissions),
      sqlValue(i.secret_location), sqlValue(i.credential_type), tsLiteral(i.created_at), tsLiteral(i.last_rotated_at),
      tsLiteral(i.expires_at), tsLiteral(i.last_used_at), sqlValue(i.vendor), sqlValue(i.schedule), listLiteral(i.approved_destinations),
      listLiteral(i.allowed_data_classes), sqlValue(Object.keys(i.extra).length ? JSON.stringify(i.extra) : null), sqlValue(fileId),
      sqlValue(i.source_row),
    ]);
    await this.insertRows('aliases', aliases, (a) => [sqlValue(a.identity_key), sqlValue(a.alias), sqlValue(a.alias.toLowerCase()), sqlValue(a.alias_type)]);
  }

  /** Last-used times for identities named by an alias (e.g. Entra's sign-in activity report), applied at commit. */
  async addLastUsed(fileId: string, updates: readonly InventoryUpdate[]): Promise<void> {
    await this.insertRows('updates', updates, (u) => [sqlValue(u.alias.toLowerCase()), tsLiteral(u.last_used_at), sqlValue(fileId), sqlValue(u.source_row)]);
  }

  async addChanges(fileId: string, changes: readonly ChangeWindow[]): Promise<void> {
    await this.insertRows('changes', changes, (c) => [
      sqlValue(c.change_id), sqlValue(c.identity), tsLiteral(c.starts_at), tsLiteral(c.ends_at), sqlValue(c.summary), sqlValue(fileId), sqlValue(c.source_row),
    ]);
  }

  async addResourceClasses(fileId: string, classes: readonly ResourceClass[]): Promise<void> {
    await this.insertRows('classes', classes, (c) => [sqlValue(c.pattern), sqlValue(c.data_class), sqlValue(fileId), sqlValue(c.source_row)]);
  }

  async addFile(file: EvidenceFileRecord): Promise<void> {
    await this.engine.exec(
      `INSERT INTO ${this.table('files')} (file_id, name, bytes, sha256, container, kind, vendor, source_format, notes, import_id, imported_at)
       VALUES (${[file.file_id, file.name, file.bytes, file.sha256, file.container, file.kind, file.vendor, file.source_format]
         .map((v) => sqlValue(v))
         .join(', ')}, ${sqlValue(file.notes.length ? file.notes.join('\n') : null)}, ${sqlValue(this.importId)}, now()::TIMESTAMP)`,
      this.opts(),
    );
  }

  private async insertRows<T>(table: string, rows: readonly T[], values: (row: T) => string[]): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK).map((row) => `(${values(row).join(', ')})`);
      await this.engine.exec(`INSERT INTO ${this.table(table)} VALUES ${chunk.join(',\n')}`, this.opts());
    }
  }

  /**
   * Make everything staged visible at once: events (duplicates of already-loaded vendor event ids skipped), identities
   * merged with those already known, file records with their counts; then identities are resolved again.
   */
  async commit(): Promise<CommitSummary> {
    if (this.closed) throw new Error('This import is already closed');
    const t = (name: string) => this.table(name);
    const parts: string[] = [];
    if (this.eventsStaged) parts.push(`SELECT ${STAGED_EVENT_SELECT} FROM ${t('events_raw')}`);
    if (this.sqlStageMade) parts.push(`SELECT * FROM ${t('events_sql')}`);
    const staged = parts.length ? parts.join(' UNION ALL ') : `SELECT * EXCLUDE (identity_key, resolution) FROM events LIMIT 0`;
    // Everything in one transaction: either all of this import is visible or none of it.
    await this.engine.exec(
      `BEGIN TRANSACTION;
       -- Only events with a vendor id can be duplicates: ranking the others too would sort them all in one partition.
       CREATE TEMP TABLE ${t('all_events')} AS
         SELECT s.*, 1 AS dup_rank FROM (${staged}) s WHERE s.event_id IS NULL
         UNION ALL
         SELECT s.*, row_number() OVER (PARTITION BY s.source_format, s.event_id ORDER BY s.file_id, s.source_row) AS dup_rank
           FROM (${staged}) s WHERE s.event_id IS NOT NULL;
       CREATE TEMP TABLE ${t('new_events')} AS
         SELECT a.* EXCLUDE (dup_rank) FROM ${t('all_events')} a
          WHERE a.event_id IS NULL
             OR (a.dup_rank = 1 AND NOT EXISTS (
                  SELECT 1 FROM events e WHERE e.event_id = a.event_id AND e.source_format = a.source_format));
       INSERT INTO events SELECT *, NULL AS identity_key, NULL AS resolution FROM ${t('new_events')};

       -- Identities. A staged row joins, in this order: a known identity with the same key; a known or earlier staged one
       -- sharing a strong alias (ARN, key id, app id…; never a bare name); an AWS identity with the same account and
       -- user name (credential report ↔ register), when there is exactly one; else it is new.
       CREATE TEMP TABLE ${t('staged')} AS SELECT rowid AS ord, * FROM ${t('identities')};
       CREATE TEMP TABLE ${t('key_map')} AS
         WITH strong AS (SELECT * FROM ${t('aliases')} WHERE alias_type <> 'name'),
         candidates AS (
           SELECT s.identity_key AS staged_key, 1 AS prio, i.identity_key AS final_key
             FROM ${t('staged')} s JOIN identities i ON i.identity_key = s.identity_key
           UNION ALL
           SELECT sa.identity_key, 2, a.identity_key
             FROM strong sa JOIN identity_aliases a ON a.alias_norm = sa.alias_norm AND a.alias_type <> 'name'
           UNION ALL
           SELECT s1.identity_key, 3, s2.identity_key
             FROM strong a1 JOIN strong a2 ON a1.alias_norm = a2.alias_norm AND a1.identity_key <> a2.identity_key
             JOIN ${t('staged')} s1 ON s1.identity_key = a1.identity_key
             JOIN ${t('staged')} s2 ON s2.identity_key = a2.identity_key
            WHERE s2.ord < s1.ord
           UNION ALL
           SELECT s.identity_key, 4, o.identity_key
             FROM ${t('staged')} s
             JOIN (SELECT identity_key, platform, account, name FROM identities
                   UNION ALL SELECT identity_key, platform, account, name FROM ${t('staged')}) o
               ON s.platform = 'aws' AND o.platform = 'aws' AND s.account = o.account AND lower(s.name) = lower(o.name)
              AND o.identity_key <> s.identity_key
         ),
         best AS (
           SELECT staged_key, prio, list(DISTINCT final_key ORDER BY final_key) AS keys,
                  row_number() OVER (PARTITION BY staged_key ORDER BY prio) AS pick
             FROM candidates GROUP BY staged_key, prio
         )
         SELECT DISTINCT s.identity_key AS staged_key,
                coalesce((SELECT b.keys[1] FROM best b WHERE b.staged_key = s.identity_key AND b.pick = 1 AND (b.prio < 4 OR len(b.keys) = 1)),
                         s.identity_key) AS final_key
           FROM ${t('staged')} s;
       -- Several staged rows of one identity (register rows per grant, a register and a credential report…) combine:
       -- the first file's value where it has one, lists united, the latest use and rotation, the soonest expiry.
       CREATE TEMP TABLE ${t('staged_agg')} AS
         SELECT m.final_key AS identity_key,
                arg_min(s.name, s.ord) FILTER (WHERE s.name IS NOT NULL) AS name,
                arg_min(s.kind, s.ord) FILTER (WHERE s.kind IS NOT NULL) AS kind,
                arg_min(s.platform, s.ord) AS platform,
                arg_min(s.account, s.ord) FILTER (WHERE s.account IS NOT NULL) AS account,
                arg_min(s.owner, s.ord) FILTER (WHERE s.owner IS NOT NULL) AS owner,
                arg_min(s.owner_status, s.ord) FILTER (WHERE s.owner_status IS NOT NULL) AS owner_status,
                arg_min(s.team, s.ord) FILTER (WHERE s.team IS NOT NULL) AS team,
                arg_min(s.environment, s.ord) FILTER (WHERE s.environment IS NOT NULL) AS environment,
                arg_min(s.criticality, s.ord) FILTER (WHERE s.criticality IS NOT NULL) AS criticality,
                list_distinct(flatten(list(coalesce(s.permissions, [])))) AS permissions,
                arg_min(s.secret_location, s.ord) FILTER (WHERE s.secret_location IS NOT NULL) AS secret_location,
                arg_min(s.credential_type, s.ord) FILTER (WHERE s.credential_type IS NOT NULL) AS credential_type,
                min(s.created_at) AS created_at, max(s.last_rotated_at) AS last_rotated_at, min(s.expires_at) AS expires_at,
                max(s.last_used_at) AS last_used_at,
                arg_min(s.vendor, s.ord) FILTER (WHERE s.vendor IS NOT NULL) AS vendor,
                arg_min(s.schedule, s.ord) FILTER (WHERE s.schedule IS NOT NULL) AS schedule,
                list_distinct(flatten(list(coalesce(s.approved_destinations, [])))) AS approved_destinations,
                list_distinct(flatten(list(coalesce(s.allowed_data_classes, [])))) AS allowed_data_classes,
                arg_min(s.extra, s.ord) FILTER (WHERE s.extra IS NOT NULL) AS extra,
                arg_min(s.file_id, s.ord) AS file_id, arg_min(s.source_row, s.ord) AS source_row
           FROM ${t('staged')} s JOIN ${t('key_map')} m ON m.staged_key = s.identity_key
          GROUP BY m.final_key;
       CREATE TEMP TABLE ${t('merged')} AS
         SELECT s.identity_key,
                coalesce(i.name, s.name) AS name, coalesce(s.kind, i.kind) AS kind, coalesce(i.platform, s.platform) AS platform,
                coalesce(s.account, i.account) AS account, coalesce(s.owner, i.owner) AS owner,
                coalesce(s.owner_status, i.owner_status) AS owner_status, coalesce(s.team, i.team) AS team,
                coalesce(s.environment, i.environment) AS environment, coalesce(s.criticality, i.criticality) AS criticality,
                list_distinct(list_concat(coalesce(i.permissions, []), s.permissions)) AS permissions,
                coalesce(s.secret_location, i.secret_location) AS secret_location,
                coalesce(s.credential_type, i.credential_type) AS credential_type,
                least(s.created_at, i.created_at) AS created_at,
                greatest(s.last_rotated_at, i.last_rotated_at) AS last_rotated_at,
                coalesce(s.expires_at, i.expires_at) AS expires_at,
                greatest(s.last_used_at, i.last_used_at) AS last_used_at,
                coalesce(s.vendor, i.vendor) AS vendor, coalesce(s.schedule, i.schedule) AS schedule,
                list_distinct(list_concat(coalesce(i.approved_destinations, []), s.approved_destinations)) AS approved_destinations,
                list_distinct(list_concat(coalesce(i.allowed_data_classes, []), s.allowed_data_classes)) AS allowed_data_classes,
                coalesce(s.extra, i.extra) AS extra, coalesce(i.file_id, s.file_id) AS file_id, coalesce(i.source_row, s.source_row) AS source_row
           FROM ${t('staged_agg')} s LEFT JOIN identities i ON i.identity_key = s.identity_key;
       DELETE FROM identities WHERE identity_key IN (SELECT identity_key FROM ${t('merged')});
       INSERT INTO identities SELECT * FROM ${t('merged')};
       INSERT INTO identity_aliases
         SELECT DISTINCT m.final_key, sa.alias, sa.alias_norm, sa.alias_type
           FROM ${t('aliases')} sa JOIN ${t('key_map')} m ON m.staged_key = sa.identity_key
          WHERE NOT EXISTS (SELECT 1 FROM identity_aliases a
                             WHERE a.identity_key = m.final_key AND a.alias_norm = sa.alias_norm AND a.alias_type = sa.alias_type);

       -- Activity reports name identities by alias: the latest known use wins.
       UPDATE identities SET last_used_at = greatest(identities.last_used_at, u.last_used_at)
         FROM (SELECT a.identity_key, max(u.last_used_at) AS last_used_at
                 FROM ${t('updates')} u JOIN identity_aliases a ON a.alias_norm = u.alias_norm GROUP BY a.identity_key) u
        WHERE identities.identity_key = u.identity_key;

       INSERT INTO changes SELECT * FROM ${t('changes')};
       INSERT INTO resource_classes SELECT * FROM ${t('classes')};
       INSERT INTO rejected_rows SELECT * FROM ${t('rejected')};
       INSERT INTO evidence_files
         SELECT f.* REPLACE (
                  coalesce(ev.loaded, 0) + coalesce(idn.loaded, 0) + coalesce(ch.loaded, 0) + coalesce(rc.loaded, 0) + coalesce(up.loaded, 0) AS rows_loaded,
                  coalesce(rj.n, 0) AS rows_rejected,
                  coalesce(ev.dups, 0) AS rows_duplicate,
                  ev.first_event AS first_event, ev.last_event AS last_event)
           FROM ${t('files')} f
           LEFT JOIN (SELECT a.file_id, count(n.file_id) AS loaded, count(*) - count(n.file_id) AS dups,
                             min(a.event_time) AS first_event, max(a.event_time) AS last_event
                        FROM ${t('all_events')} a
                        LEFT JOIN ${t('new_events')} n ON n.file_id = a.file_id AND n.source_row = a.source_row
                       GROUP BY a.file_id) ev USING (file_id)
           LEFT JOIN (SELECT file_id, count(*) AS loaded FROM ${t('identities')} GROUP BY file_id) idn USING (file_id)
           LEFT JOIN (SELECT file_id, count(*) AS loaded FROM ${t('changes')} GROUP BY file_id) ch USING (file_id)
           LEFT JOIN (SELECT file_id, count(*) AS loaded FROM ${t('classes')} GROUP BY file_id) rc USING (file_id)
           LEFT JOIN (SELECT file_id, count(*) AS loaded FROM ${t('updates')} GROUP BY file_id) up USING (file_id)
           LEFT JOIN (SELECT file_id, count(*) AS n FROM ${t('rejected')} GROUP BY file_id) rj USING (file_id);
       COMMIT;`,
    );
    const { rows } = await this.engine.queryRows(
      `SELECT (SELECT count(*) FROM ${t('files')}) AS files,
              (SELECT count(*) FROM ${t('new_events')}) AS events,
              (SELECT count(*) FROM ${t('all_events')}) - (SELECT count(*) FROM ${t('new_events')}) AS duplicates,
              (SELECT count(*) FROM ${t('merged')}) AS identities,
              (SELECT count(*) FROM ${t('rejected')}) AS rejected`,
    );
    await this.dropStaging();
    // Resolution reads everything committed; it is derived data, so it runs after the commit and can be re-run at will.
    const resolveStart = performance.now();
    await resolveIdentities(this.engine);
    this.resolveMs = performance.now() - resolveStart;
    const r = rows[0] ?? {};
    return {
      files: Number(r.files ?? 0),
      events: Number(r.events ?? 0),
      duplicates: Number(r.duplicates ?? 0),
      identities: Number(r.identities ?? 0),
      rejected: Number(r.rejected ?? 0),
    };
  }

  /** Throw away everything staged; the canonical tables were never touched. */
  async rollback(): Promise<void> {
    if (this.closed) return;
    try {
      await this.engine.exec('ROLLBACK').catch(() => undefined);
    } finally {
      await this.dropStaging();
    }
  }

  private async dropStaging(): Promise<void> {
    this.closed = true;
    const names = ['files', 'rejected', 'identities', 'aliases', 'changes', 'classes', 'updates', 'events_raw', 'events_sql'];
    const temps = ['all_events', 'new_events', 'staged', 'key_map', 'staged_agg', 'merged'];
    await this.engine
      .exec(
        [...names.map((n) => `DROP TABLE IF EXISTS ${this.table(n)};`), ...temps.map((n) => `DROP TABLE IF EXISTS temp.${this.table(n)};`)].join('\n'),
      )
      .catch(() => undefined);
  }
}
