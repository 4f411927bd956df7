// An import as one transaction: rows go to staging tables first and become visible in one COMMIT, so a failed,
// cancelled or crashed import leaves the earlier evidence exactly as it was.
import type { Engine, EngineSession } from '../engine/types';
import { quoteIdent, sqlValue } from '../engine/sql';
import type { CanonicalIdentity, ChangeWindow, IdentityAlias, RejectedRow, ResourceClass } from './canonical';
import type { InventoryUpdate } from './inventory/json-inventories';
import { eventsToIpc } from './arrow-batch';
import type { CanonicalEvent } from './canonical';
import type { EventField } from './csv-events';
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
export async function resolveIdentities(engine: Pick<Engine, 'exec'>, signal?: AbortSignal): Promise<void> {
  await engine.exec(resolveSql, signal ? { signal } : {});
}

const INSERT_CHUNK = 500;

function listLiteral(values: readonly string[]): string {
  return `[${values.map((v) => sqlValue(v)).join(', ')}]::VARCHAR[]`;
}

function tsLiteral(ms: number | null): string {
  return ms === null || !Number.isFinite(ms) ? 'NULL' : `make_timestamp(${Math.round(ms) * 1000})`;
}

/** What the analyst narrowed an import to when it would not fit (see ingest/estimate.ts). */
export interface ImportLimits {
  /** Only events with a time in [from, to] (epoch ms) are loaded. */
  timeSlice?: { from: number; to: number } | null;
  /** Event fields left empty (long text the detections can do without). */
  omit?: readonly EventField[];
}

/**
 * Uncommitted events after which a large import commits what it has (see checkpoint()). Until then they are held
 * uncompressed (~500 bytes an event in wasm memory, which never shrinks); at commit they are compressed into the table.
 */
export const STEP_EVENTS = 200_000;

export class ImportTransaction {
  private readonly prefix: string;
  /**
   * Events not yet committed. DuckDB keeps a transaction's appended rows uncompressed (~415 bytes an event) until COMMIT:
   * a large import commits in steps instead, so the tab never holds more than one step uncompressed.
   */
  uncommittedEvents = 0;
  /** True once a step was committed: from then on a rollback also deletes this import's committed rows. */
  private stepped = false;
  limits: ImportLimits = {};
  private session: EngineSession | null = null;
  private closed = false;
  /** Files whose events went into `events` in this transaction (what the dedup and the file counts look at). */
  private readonly eventFiles = new Set<string>();
  /** Every file that ever added events here, discarded ones included (a stepped rollback deletes all of them). */
  private readonly touchedFiles = new Set<string>();
  /** Time the identity resolution of the last commit took. */
  resolveMs = 0;
  /** Time spent writing events into DuckDB (Arrow batches, CSV reads), for the import's stage figures. */
  loadMs = 0;

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

  private get tx(): EngineSession {
    if (!this.session || this.closed) throw new Error('This import is not open');
    return this.session;
  }

  /**
   * Open the import's own connection and its transaction. Events go straight into `events` and the small staging tables
   * are created inside it: nothing is visible to the views (which read on the main connection) until COMMIT, and a
   * ROLLBACK (cancel, failure) or a closed connection leaves no trace.
   */
  async begin(): Promise<void> {
    await ensureSchema(this.engine);
    this.session = await this.engine.session();
    await this.tx.exec(
      `BEGIN TRANSACTION;
       CREATE TABLE ${this.table('files')} AS SELECT * FROM evidence_files LIMIT 0;
       CREATE TABLE ${this.table('rejected')} AS SELECT * FROM rejected_rows LIMIT 0;
       CREATE TABLE ${this.table('identities')} AS SELECT * FROM identities LIMIT 0;
       CREATE TABLE ${this.table('aliases')} AS SELECT * FROM identity_aliases LIMIT 0;
       CREATE TABLE ${this.table('changes')} AS SELECT * FROM changes LIMIT 0;
       CREATE TABLE ${this.table('classes')} AS SELECT * FROM resource_classes LIMIT 0;
       CREATE TABLE ${this.table('updates')} (alias_norm VARCHAR, last_used_at TIMESTAMP, file_id VARCHAR, source_row BIGINT);`,
      this.opts(),
    );
  }

  private async timed<T>(work: () => Promise<T>): Promise<T> {
    const began = performance.now();
    try {
      return await work();
    } finally {
      this.loadMs += performance.now() - began;
    }
  }

  /** Stage a batch of parsed events (JSON sources). */
  async addEvents(fileId: string, events: readonly CanonicalEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.addEventsIpc(eventsToIpc(events, fileId), fileId, events.length);
  }

  /**
   * Add a batch already encoded as Arrow IPC by the reader (arrow-batch.ts: the columns of `events`, in order). It is
   * appended to `events` as it is; only an import with limits (omitted fields, a time slice) goes through a scratch
   * table to apply them.
   */
  async addEventsIpc(ipc: Uint8Array, fileId: string, rows = 0): Promise<void> {
    this.eventFiles.add(fileId);
    this.touchedFiles.add(fileId);
    await this.timed(async () => {
      if (!this.limits.timeSlice && !this.limits.omit?.length) {
        await this.tx.insertArrowIPC(ipc, { table: 'events', create: false });
        return;
      }
      const batch = `${this.prefix}_batch`;
      await this.tx.insertArrowIPC(ipc, { table: batch, create: true });
      await this.tx.exec(
        `INSERT INTO events SELECT ${this.narrowed()} FROM ${quoteIdent(batch)} ${this.sliceWhere('WHERE')};
         DROP TABLE ${quoteIdent(batch)};`,
        this.opts(),
      );
    });
    this.uncommittedEvents += rows;
  }

  /** The events columns with the omitted fields emptied (identity when nothing is omitted). */
  private narrowed(): string {
    const omit = new Set<string>(this.limits.omit ?? []);
    if (omit.size === 0) return '*';
    return `* REPLACE (${[...omit].map((f) => `NULL::${f === 'bytes' ? 'DOUBLE' : 'VARCHAR'} AS ${quoteIdent(f)}`).join(', ')})`;
  }

  private sliceWhere(keyword: 'WHERE' | 'AND'): string {
    const slice = this.limits.timeSlice;
    if (!slice) return '';
    return `${keyword} event_time BETWEEN make_timestamp(${Math.round(slice.from) * 1000}) AND make_timestamp(${Math.round(slice.to) * 1000})`;
  }

  /** Commit the rows added so far and go on in a new transaction (large imports; see uncommittedEvents). */
  async checkpoint(): Promise<void> {
    await this.tx.exec('COMMIT; BEGIN TRANSACTION;', this.opts());
    this.stepped = true;
    this.uncommittedEvents = 0;
  }

  /** Forget everything of one file (e.g. it turned out to be a copy of a file already loaded, or failed half-way). */
  async discardFile(fileId: string): Promise<void> {
    const id = sqlValue(fileId);
    const statements = ['files', 'rejected', 'identities', 'changes', 'classes', 'updates'].map((n) => `DELETE FROM ${this.table(n)} WHERE file_id = ${id};`);
    statements.push(`DELETE FROM ${this.table('aliases')} WHERE identity_key NOT IN (SELECT identity_key FROM ${this.table('identities')});`);
    if (this.eventFiles.delete(fileId)) statements.push(`DELETE FROM events WHERE file_id = ${id};`);
    await this.tx.exec(statements.join('\n'), this.opts());
  }

  /**
   * Add events read by DuckDB itself (CSV): `select` yields the events columns plus `_raw_time`, straight into `events`
   * (one pass over the file). Rows whose time did not parse, and rows the CSV reader refused (`readerRejects` table),
   * become rejected rows with their reason; only a file that has unparseable times is read a second time, for them.
   */
  async addCsvEvents(
    fileId: string,
    select: string,
    readerRejects: string,
    part: { rowOffset: number; lineOffset: number } = { rowOffset: 0, lineOffset: 0 },
  ): Promise<{ loaded: number; rejected: number; refused: number }> {
    const q = this.opts();
    const id = sqlValue(fileId);
    this.eventFiles.add(fileId);
    this.touchedFiles.add(fileId);
    const firstRow = part.rowOffset + 2;
    const rejectedBefore = await this.countRejected(id);
    await this.timed(() =>
      this.tx.exec(
        `INSERT INTO events SELECT ${this.narrowed()} FROM (SELECT * EXCLUDE (_raw_time), NULL AS identity_key, NULL AS resolution FROM (${select}))
          WHERE event_time IS NOT NULL ${this.sliceWhere('AND')}`,
        q,
      ),
    );
    // source_row numbers every row the reader produced: a gap between the rows loaded and the last number means some
    // rows had no readable time (or fell outside the time slice asked for).
    const { rows: loadedRows } = await this.tx.queryRows(
      `SELECT count(*) AS n, coalesce(max(source_row), ${firstRow - 1}) - ${firstRow - 1} AS produced FROM events WHERE file_id = ${id} AND source_row >= ${firstRow}`,
      q,
    );
    const loaded = Number(loadedRows[0]?.n ?? 0);
    this.uncommittedEvents += loaded;
    const produced = this.limits.timeSlice ? loaded + 1 : Number(loadedRows[0]?.produced ?? 0);
    const statements: string[] = [];
    if (produced > loaded) {
      statements.push(
        `INSERT INTO ${this.table('rejected')}
           SELECT ${id}, source_row, 'unparseable time ' || coalesce('"' || left(_raw_time, 60) || '"', '(empty)')
             FROM (${select}) WHERE event_time IS NULL;`,
      );
    }
    statements.push(
      `INSERT INTO ${this.table('rejected')}
         -- The reader reports a ragged line once per missing column: one reason per line, from the first column.
         -- (A line over the reader's size limit has no column: its message comes without one.)
         SELECT ${id}, line + ${part.lineOffset}, left(coalesce(arg_min(error_message, column_idx), min(error_message), 'unreadable row'), 300)
           FROM ${quoteIdent(readerRejects)} GROUP BY line ORDER BY line;
       DROP TABLE IF EXISTS ${quoteIdent(readerRejects)}; DROP TABLE IF EXISTS ${quoteIdent(`${readerRejects}_scan`)};`,
    );
    const { rows: refusedRows } = await this.tx.queryRows(`SELECT count(DISTINCT line) AS n FROM ${quoteIdent(readerRejects)}`, q);
    const refused = Number(refusedRows[0]?.n ?? 0);
    await this.tx.exec(statements.join('\n'), q);
    return { loaded, rejected: (await this.countRejected(id)) - rejectedBefore, refused };
  }

  private async countRejected(id: string): Promise<number> {
    const { rows } = await this.tx.queryRows(`SELECT count(*) AS bad FROM ${this.table('rejected')} WHERE file_id = ${id}`, this.opts());
    return Number(rows[0]?.bad ?? 0);
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
    await this.tx.exec(
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
      await this.tx.exec(`INSERT INTO ${this.table(table)} VALUES ${chunk.join(',\n')}`, this.opts());
    }
  }

  /**
   * Make everything of the import visible at once: duplicates of already-loaded vendor event ids dropped, identities
   * merged with those already known, file records with their counts, identities resolved again; then COMMIT.
   */
  async commit(): Promise<CommitSummary> {
    if (this.closed) throw new Error('This import is already closed');
    const t = (name: string) => this.table(name);
    const files = this.eventFiles.size ? [...this.eventFiles].map((f) => sqlValue(f)).join(', ') : 'NULL';
    const mine = (alias: string) => `${alias}.file_id IN (${files})`;
    const tx = this.tx;
    const dedup = this.eventFiles.size
      ? `CREATE TEMP TABLE ${t('dups')} AS
         WITH keys AS (
           SELECT source_format, hash(event_id) AS h FROM events e WHERE e.event_id IS NOT NULL
            GROUP BY ALL HAVING count(*) > 1 AND bool_or(${mine('e')}))
         SELECT e.file_id, e.source_row
           FROM events e JOIN keys k ON e.source_format = k.source_format AND hash(e.event_id) = k.h
         QUALIFY row_number() OVER (PARTITION BY e.source_format, e.event_id ORDER BY ${mine('e')}, e.file_id, e.source_row) > 1;`
      : `CREATE TEMP TABLE ${t('dups')} (file_id VARCHAR, source_row BIGINT);`;
    await tx.exec(
      `-- Duplicates: a vendor event id (per format) seen twice keeps its first row: one already in the workspace, else
       -- the earliest file and row of this import. Only groups that include a row of this import are looked at. The
       -- groups are found on a 64-bit hash of the id (a million ids as strings grew the wasm heap by 57 MiB); rows are
       -- numbered per real id, so a hash collision only looks at a group more, it never deletes a row.
       ${dedup}
       DELETE FROM events USING ${t('dups')} d WHERE events.file_id = d.file_id AND events.source_row = d.source_row;

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
       CREATE TEMP TABLE ${t('event_counts')} AS
         SELECT e.file_id, count(*) AS loaded, min(e.event_time) AS first_event, max(e.event_time) AS last_event
           FROM events e WHERE ${mine('e')} GROUP BY e.file_id;
       INSERT INTO evidence_files
         SELECT f.* REPLACE (
                  coalesce(ev.loaded, 0) + coalesce(idn.loaded, 0) + coalesce(ch.loaded, 0) + coalesce(rc.loaded, 0) + coalesce(up.loaded, 0) AS rows_loaded,
                  coalesce(rj.n, 0) AS rows_rejected,
                  coalesce(dp.n, 0) AS rows_duplicate,
                  ev.first_event AS first_event, ev.last_event AS last_event)
           FROM ${t('files')} f
           LEFT JOIN ${t('event_counts')} ev USING (file_id)
           LEFT JOIN (SELECT file_id, count(*) AS n FROM ${t('dups')} GROUP BY file_id) dp USING (file_id)
           LEFT JOIN (SELECT file_id, count(*) AS loaded FROM ${t('identities')} GROUP BY file_id) idn USING (file_id)
           LEFT JOIN (SELECT file_id, count(*) AS loaded FROM ${t('changes')} GROUP BY file_id) ch USING (file_id)
           LEFT JOIN (SELECT file_id, count(*) AS loaded FROM ${t('classes')} GROUP BY file_id) rc USING (file_id)
           LEFT JOIN (SELECT file_id, count(*) AS loaded FROM ${t('updates')} GROUP BY file_id) up USING (file_id)
           LEFT JOIN (SELECT file_id, count(*) AS n FROM ${t('rejected')} GROUP BY file_id) rj USING (file_id);`,
    );
    const { rows } = await tx.queryRows(
      `SELECT (SELECT count(*) FROM ${t('files')}) AS files,
              (SELECT coalesce(sum(loaded), 0) FROM ${t('event_counts')}) AS events,
              (SELECT count(*) FROM ${t('dups')}) AS duplicates,
              (SELECT count(*) FROM ${t('merged')}) AS identities,
              (SELECT count(*) FROM ${t('rejected')}) AS rejected`,
    );
    // Resolution is derived data over every event: done inside the transaction, so the import appears resolved.
    const resolveStart = performance.now();
    await resolveIdentities(tx);
    this.resolveMs = performance.now() - resolveStart;
    await tx.exec(`${this.dropStagingSql()}\nCOMMIT;`);
    await this.close();
    const r = rows[0] ?? {};
    return {
      files: Number(r.files ?? 0),
      events: Number(r.events ?? 0),
      duplicates: Number(r.duplicates ?? 0),
      identities: Number(r.identities ?? 0),
      rejected: Number(r.rejected ?? 0),
    };
  }

  /** Throw away everything of the import; the canonical tables were never touched (the transaction is rolled back). */
  async rollback(): Promise<void> {
    if (this.closed || !this.session) {
      this.closed = true;
      return;
    }
    try {
      await this.session.exec('ROLLBACK').catch(() => undefined);
      if (this.stepped) {
        // Steps already committed: take their rows and staging tables back out.
        const files = [...this.touchedFiles].map((f) => sqlValue(f)).join(', ');
        await this.session.exec(`${files ? `DELETE FROM events WHERE file_id IN (${files});` : ''}\n${this.dropStagingSql()}`).catch(() => undefined);
      }
    } finally {
      await this.close();
    }
  }

  private dropStagingSql(): string {
    const names = ['files', 'rejected', 'identities', 'aliases', 'changes', 'classes', 'updates', 'batch'];
    const temps = ['dups', 'staged', 'key_map', 'staged_agg', 'merged', 'event_counts'];
    return [...names.map((n) => `DROP TABLE IF EXISTS ${this.table(n)};`), ...temps.map((n) => `DROP TABLE IF EXISTS temp.${this.table(n)};`)].join('\n');
  }

  private async close(): Promise<void> {
    this.closed = true;
    const session = this.session;
    this.session = null;
    // Closing the connection also ends a transaction left open by a failure (DuckDB rolls it back).
    await session?.close();
  }
}
