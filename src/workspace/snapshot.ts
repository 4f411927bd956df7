// Snapshots: the canonical tables copied out of DuckDB as gzipped Arrow IPC and written to IndexedDB in one
// transaction, so reopening rebuilds the workspace without re-parsing any evidence. A snapshot becomes current only
// when it is complete; a reload or a full disk half-way leaves the previous one in charge.
import { Message } from 'apache-arrow';
import { IPC_END_OF_STREAM, type Engine } from '../engine/types';
import { quoteIdent } from '../engine/sql';
import { ensureSchema } from '../ingest/commit';
import { concatBytes } from '../ingest/container/streams';
import type { DriftlineDB, SavedAnalysisInfo, SnapshotRecord, SnapshotTable, StoredBytes } from './db';
import { gzipHere, type GzipParts } from './gzip-parts';

/** The tables that are the workspace (findings are recomputed from them, deterministically). */
export const SNAPSHOT_TABLES = ['evidence_files', 'rejected_rows', 'identities', 'identity_aliases', 'events', 'changes', 'resource_classes', 'actor_resolution'] as const;

/**
 * The analysis' own tables, saved beside the snapshot they were computed from so that a reopen shows the findings queue
 * before the events are back (and skips the catalogue when settings and catalogue are unchanged).
 */
export const ANALYSIS_TABLES = ['findings', 'findings_entity_risk'] as const;

const CHUNK_ROWS = 250_000;

/**
 * A chunk is read from DuckDB in slices of this many rows, each one query drained in one turn of the engine's queue
 * (~2.5 MB of IPC for events); the analysis' statements run between slices, and the save waits for gzip between them.
 * At 16,384 rows the analysis beside a 1M-event save took 5.4 s instead of 4.0–4.4 s (its statements waited longer).
 */
const SLICE_ROWS = 4_096;

/**
 * A compression worker takes no new job once it has been handed this many bytes, and ends when its last job does.
 * The parts it was handed are garbage once compressed, but a worker's V8 frees their memory only when it collects,
 * which it does late: with one worker for the whole save, the tab's ArrayBuffers reached ~230 MiB during a 1M-event
 * save. A worker that ends takes them all with it; a new one costs a few milliseconds.
 */
export const GZIP_WORKER_BYTES = 8 * 2 ** 20;

/**
 * A chunk is compressed as several gzip members of about this many bytes of IPC each, concatenated in one stored Blob
 * (the member sizes are recorded beside it). Each member is a job of its own, so with GZIP_WORKER_BYTES a worker ends
 * after each one: a worker held up to ~75 MiB of spent parts while it compressed a whole 90 MB chunk. 8 MiB members
 * (and GZIP_WAITING_BYTES of 6 MiB) took the renderer's peak during a 1M-event CloudTrail save from 769-781 MiB (16 MiB
 * members, 16 MiB waiting) to 721-726 MiB, the save no slower.
 */
export const MEMBER_BYTES = 8 * 2 ** 20;

/**
 * Bytes sent to a compression worker and not yet taken by its compressor, beyond which the save waits before fetching
 * the next slice from DuckDB. DuckDB hands parts over faster than gzip takes them (~3×): unpaced, a whole 90 MB chunk
 * was fetched in one go and queued in the worker while the analysis beside the save waited for the engine. Paced, the
 * analysis' statements run between reads (3.5 → 2.4 s beside a 1M-event save; the save takes ~1 s longer). A slice of
 * events is ~2.5 MB of IPC, so a few slices at most wait.
 */
export const GZIP_WAITING_BYTES = 6 * 2 ** 20;

interface GzipWorker {
  worker: Worker;
  pending: Map<number, { resolve: (bytes: Blob) => void; reject: (error: Error) => void }>;
  /** Why it stopped, once it has: later jobs on it fail at once. */
  dead: Error | null;
  /** Bytes of parts handed to it. */
  bytesIn: number;
  /** Jobs begun on it and not yet finished or cancelled. */
  jobs: number;
  /** Bytes sent and not yet taken by its compressor. */
  waiting: number;
  /** Pushes waiting for `waiting` to fall to GZIP_WAITING_BYTES. */
  wakers: (() => void)[];
}

let gzipWorker: GzipWorker | null = null;
let gzipJobs = 0;

function compressionWorker(): GzipWorker {
  if (gzipWorker) return gzipWorker;
  const worker = new Worker(new URL('./gzip.worker.ts', import.meta.url), { type: 'module', name: 'driftline-gzip' });
  const current: GzipWorker = { worker, pending: new Map(), dead: null, bytesIn: 0, jobs: 0, waiting: 0, wakers: [] };
  const wake = () => {
    for (const waker of current.wakers.splice(0)) waker();
  };
  worker.onmessage = (event: MessageEvent<{ id: number; out?: Blob; error?: string; took?: number }>) => {
    if (event.data.took !== undefined) {
      current.waiting -= event.data.took;
      if (current.waiting <= GZIP_WAITING_BYTES) wake();
      return;
    }
    const job = current.pending.get(event.data.id);
    current.pending.delete(event.data.id);
    if (event.data.out) job?.resolve(event.data.out);
    else job?.reject(new Error(`compressing a snapshot chunk failed: ${event.data.error ?? 'unknown error'}`));
  };
  worker.onerror = (event) => {
    // A dead compression worker fails the save in progress (nothing half-written is kept) and is made again next time.
    current.dead = new Error(`the compression worker stopped: ${event.message || 'unknown error'}`);
    for (const job of current.pending.values()) job.reject(current.dead);
    current.pending.clear();
    // Their save fails at finish.
    wake();
    if (gzipWorker === current) gzipWorker = null;
    worker.terminate();
  };
  gzipWorker = current;
  return current;
}

/**
 * gzip in a worker of its own where there are workers (the tab), else here. Parts are transferred, not copied, as they
 * are pushed: the worker compresses while the next ones are fetched, and nothing waits whole and uncompressed.
 */
export function gzipParts(): GzipParts {
  if (typeof Worker === 'undefined') return gzipHere();
  const target = compressionWorker();
  const id = ++gzipJobs;
  target.jobs++;
  let ended = false;
  /** This job is over: a worker that has had its share ends with its last job (the next chunk goes to a new one). */
  const end = () => {
    if (ended) return;
    ended = true;
    target.jobs--;
    if (target.bytesIn >= GZIP_WORKER_BYTES && target.jobs === 0) {
      target.worker.terminate();
      if (gzipWorker === target) gzipWorker = null;
    }
  };
  return {
    push(part) {
      if (target.dead) return Promise.resolve();
      // Only a view that is its whole buffer can be handed over without taking its neighbours along.
      const own = part.byteOffset === 0 && part.byteLength === part.buffer.byteLength ? part : part.slice();
      target.bytesIn += own.byteLength;
      target.waiting += own.byteLength;
      // Had its share: the chunks after this one go to a new worker.
      if (target.bytesIn >= GZIP_WORKER_BYTES && gzipWorker === target) gzipWorker = null;
      target.worker.postMessage({ id, part: own }, [own.buffer as ArrayBuffer]);
      if (target.waiting <= GZIP_WAITING_BYTES) return Promise.resolve();
      return new Promise<void>((resolve) => target.wakers.push(resolve));
    },
    finish() {
      if (target.dead) {
        end();
        return Promise.reject(target.dead);
      }
      return new Promise<Blob>((resolve, reject) => {
        target.pending.set(id, { resolve, reject });
        target.worker.postMessage({ id, end: true });
      }).finally(end);
    },
    cancel() {
      if (!target.dead) target.worker.postMessage({ id, cancel: true });
      end();
    },
  };
}

/**
 * The bytes of a stored chunk, decompressed. `members`: the compressed sizes of the gzip members it is made of, one after
 * the other (absent: one member). Each member is decompressed on its own (the browser's decompressor stops at the end
 * of the first), into one buffer sized from the members' trailers (ISIZE: a member's length modulo 2^32; members are
 * far smaller), so the chunk exists once, not in pieces and again joined.
 */
export async function gunzip(bytes: StoredBytes, members?: readonly number[]): Promise<Uint8Array> {
  const blob = bytes instanceof Blob ? bytes : new Blob([bytes as BlobPart]);
  const sizes = members && members.length > 0 ? members : [blob.size];
  if (sizes.reduce((n, s) => n + s, 0) !== blob.size || sizes.some((s) => !Number.isSafeInteger(s) || s < 18)) {
    throw new Error(`A saved chunk does not match its recorded parts (${blob.size} bytes, parts of ${sizes.join(', ')}).`);
  }
  const slices: Blob[] = [];
  let total = 0;
  let at = 0;
  for (const size of sizes) {
    const member = blob.slice(at, at + size);
    at += size;
    total += new DataView(await member.slice(size - 4).arrayBuffer()).getUint32(0, true);
    slices.push(member);
  }
  const out = new Uint8Array(total);
  let filled = 0;
  for (const member of slices) {
    const reader = member.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (filled + value.byteLength > total) throw new Error('A saved chunk is larger than its gzip trailers say.');
      out.set(value, filled);
      filled += value.byteLength;
    }
  }
  if (filled !== total) throw new Error('A saved chunk is smaller than its gzip trailers say.');
  return out;
}

/** Bytes of a stored chunk. */
export const storedSize = (bytes: StoredBytes): number => (bytes instanceof Blob ? bytes.size : bytes.byteLength);

/** A stored chunk's bytes in the tab (an archive export needs them). */
export async function storedBytes(bytes: StoredBytes): Promise<Uint8Array> {
  return bytes instanceof Blob ? new Uint8Array(await bytes.arrayBuffer()) : bytes;
}

const newId = (prefix: string) => `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

export interface SnapshotStats {
  snapshotId: string;
  bytes: number;
  rows: Record<string, number>;
  ms: number;
}

/** Copy the canonical tables out of DuckDB (in chunks) as gzipped Arrow IPC streams. */
export async function readTables(
  engine: Engine,
  signal?: AbortSignal,
  names: readonly string[] = SNAPSHOT_TABLES,
): Promise<{ tables: SnapshotTable[]; chunks: Map<string, StoredBytes> }> {
  await ensureSchema(engine);
  const tables: SnapshotTable[] = [];
  const chunks = new Map<string, StoredBytes>();
  const options = signal ? { signal } : {};
  // The chunk whose last parts are still being compressed.
  let compressing: Promise<void> | null = null;
  try {
    for (const name of names) {
      // rowid ranges, not OFFSET: each chunk is read once, however large the table. Deleted rows (duplicates dropped at
      // commit, merged identities) leave gaps in rowid, so the chunks are those that hold rows.
      const { rows } = await engine.queryRows(
        `SELECT rowid // ${CHUNK_ROWS} AS chunk, count(*) AS n, min(rowid) AS first, max(rowid) AS last
           FROM ${quoteIdent(name)} GROUP BY chunk ORDER BY chunk`,
        options,
      );
      const members: number[][] = [];
      const table: SnapshotTable = { name, rows: rows.reduce((n, r) => n + Number(r.n), 0), blobIds: [], members };
      for (const [i, row] of rows.entries()) {
        const id = newId('b');
        // DuckDB's own IPC bytes are stored as they are, compressed part by part as they are fetched.
        // The previous chunk is finished first: one chunk's parts at most wait uncompressed.
        if (compressing) await compressing;
        const { compressed } = await readChunk(engine, name, { first: Number(row.first), last: Number(row.last), rows: Number(row.n) }, options);
        compressing = compressed.then((chunk) => {
          chunks.set(id, chunk.bytes);
          members[i] = chunk.members;
        });
        table.blobIds.push(id);
      }
      tables.push(table);
    }
    if (compressing) await compressing;
  } catch (error) {
    // A failed read leaves no compression running behind it (nor an unhandled failure of one).
    await compressing?.catch(() => undefined);
    throw error;
  }
  return { tables, chunks };
}

/**
 * Rows in the record batches of a part of an IPC stream (DuckDB hands over whole messages: continuation, metadata
 * length, flatbuffer metadata, body). Only the metadata is decoded.
 */
export function ipcRows(part: Uint8Array): number {
  const view = new DataView(part.buffer, part.byteOffset, part.byteLength);
  let rows = 0;
  let at = 0;
  while (at + 8 <= part.byteLength) {
    if (view.getUint32(at, true) !== 0xffffffff) throw new Error('Not an Arrow IPC message');
    const length = view.getInt32(at + 4, true);
    if (length === 0) break;
    const message = Message.decode(part.subarray(at + 8, at + 8 + length));
    if (message.isRecordBatch()) rows += Number(message.header().length);
    at += 8 + length + Number(message.bodyLength);
  }
  return rows;
}

const isEndOfStream = (part: Uint8Array) => part.byteLength === 8 && part.every((b, i) => b === IPC_END_OF_STREAM[i]);

/**
 * One chunk (the rows from rowid `first` to `last`) as one Arrow IPC stream, read in slices of SLICE_ROWS rowids. Each
 * slice comes as a stream of its own (schema, batches, end marker); the chunk's stream is the first slice's schema,
 * every slice's batches and one end marker. It is compressed as consecutive gzip members (a new one after MEMBER_BYTES
 * of IPC, at a slice's end). Resolves once everything is read and handed to compression; `compressed` then resolves
 * with the chunk's bytes (the members one after the other) and the members' sizes.
 */
async function readChunk(
  engine: Engine,
  name: string,
  rowids: { first: number; last: number; rows: number },
  options: { signal?: AbortSignal },
): Promise<{ compressed: Promise<{ bytes: StoredBytes; members: number[] }> }> {
  const finished: Promise<StoredBytes>[] = [];
  let gz: GzipParts = gzipParts();
  let memberBytes = 0;
  let paced: Promise<void> = Promise.resolve();
  let read = 0;
  try {
    for (let slice = rowids.first; slice <= rowids.last; slice += SLICE_ROWS) {
      if (memberBytes >= MEMBER_BYTES) {
        finished.push(gz.finish());
        gz = gzipParts();
        memberBytes = 0;
      }
      let index = 0;
      const member = gz;
      await engine.streamIpc(
        `SELECT * FROM ${quoteIdent(name)} WHERE rowid >= ${slice} AND rowid <= ${Math.min(slice + SLICE_ROWS - 1, rowids.last)}`,
        (part) => {
          const schema = index++ === 0;
          if ((schema && slice !== rowids.first) || isEndOfStream(part)) return;
          read += ipcRows(part);
          memberBytes += part.byteLength;
          // Into the compression worker at once (transferred), not gathered here.
          paced = member.push(part);
        },
        options,
      );
      // gzip is given time to take what waits before DuckDB is asked for more.
      await paced;
    }
    // A read cut short is never stored as the whole table (the analysis beside the save writes no canonical table).
    if (read !== rowids.rows) throw new Error(`The save read ${read} of the ${rowids.rows} rows of ${name} in one chunk; nothing was saved.`);
    await gz.push(IPC_END_OF_STREAM.slice());
  } catch (error) {
    gz.cancel();
    // Members already finishing are dropped (and a failure of theirs is not left unhandled).
    for (const done of finished) done.catch(() => undefined);
    throw error;
  }
  finished.push(gz.finish());
  return { compressed: Promise.all(finished).then((outs) => ({ bytes: concatStored(outs), members: outs.map(storedSize) })) };
}

/** Stored pieces one after the other: a Blob of Blobs (no copy), or bytes where there are no Blobs (Node). */
function concatStored(outs: StoredBytes[]): StoredBytes {
  if (outs.length === 1) return outs[0]!;
  if (outs.some((o) => o instanceof Blob)) return new Blob(outs as BlobPart[]);
  return concatBytes(outs as Uint8Array[]);
}

function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw Object.assign(new Error('Save cancelled'), { name: 'AbortError' });
}

/**
 * Store compressed chunks one request at a time, inside the caller's transaction. A Blob is stored by reference; bytes
 * are serialised and handed to the browser process, and a bulk add of them all held every serialised copy at once (~3×
 * the snapshot, for a moment, in the tab). Each chunk leaves `chunks` once stored, so the tab can let go of it.
 */
async function addChunks(db: DriftlineDB, chunks: Map<string, StoredBytes>, workspaceId: string, snapshotId: string): Promise<void> {
  for (const [id, data] of [...chunks.entries()]) {
    await db.blobs.add({ id, workspaceId, snapshotId, bytes: data });
    chunks.delete(id);
  }
}

/**
 * Save the engine's canonical tables as the workspace's new current snapshot (all or nothing). Cancelling the signal
 * at any point before the IndexedDB transaction commits leaves the previous snapshot current and nothing new stored.
 */
export async function saveSnapshot(db: DriftlineDB, engine: Engine, workspaceId: string, signal?: AbortSignal): Promise<SnapshotStats> {
  const began = performance.now();
  const { tables, chunks } = await readTables(engine, signal);
  throwIfCancelled(signal);
  const snapshotId = newId('s');
  const bytes = [...chunks.values()].reduce((n, c) => n + storedSize(c), 0);
  const record: SnapshotRecord = { id: snapshotId, workspaceId, createdAt: new Date().toISOString(), tables, bytes };
  const counts = Object.fromEntries(tables.map((t) => [t.name, t.rows]));
  await db.transaction('rw', db.workspaces, db.snapshots, db.blobs, async () => {
    const workspace = await db.workspaces.get(workspaceId);
    if (!workspace) throw new Error('This workspace was deleted meanwhile.');
    await addChunks(db, chunks, workspaceId, snapshotId);
    await db.snapshots.add(record);
    // The last moment a Cancel can still take effect: throwing here aborts the transaction, so nothing is kept.
    throwIfCancelled(signal);
    const previous = workspace.snapshotId;
    await db.workspaces.update(workspaceId, {
      snapshotId,
      storedBytes: bytes,
      updatedAt: record.createdAt,
      events: counts.events ?? 0,
      files: counts.evidence_files ?? 0,
      analysisId: null,
    });
    // The saved analysis was computed from the previous evidence: it goes with it.
    for (const old of [previous, workspace.analysisId]) {
      if (!old) continue;
      await db.blobs.where('snapshotId').equals(old).delete();
      await db.snapshots.delete(old);
    }
  });
  return { snapshotId, bytes, rows: counts, ms: Math.round(performance.now() - began) };
}

/**
 * Save the findings tables of an analysis of the workspace's current snapshot (`basedOn`). Skipped (false) when the
 * workspace moved on to another snapshot meanwhile: findings are only ever kept beside the evidence they came from.
 */
export async function saveAnalysis(db: DriftlineDB, engine: Engine, workspaceId: string, info: SavedAnalysisInfo, signal?: AbortSignal): Promise<boolean> {
  const { tables, chunks } = await readTables(engine, signal, ANALYSIS_TABLES);
  const id = newId('a');
  const bytes = [...chunks.values()].reduce((n, c) => n + storedSize(c), 0);
  const record: SnapshotRecord = { id, workspaceId, createdAt: new Date().toISOString(), tables, bytes, analysis: info };
  return db.transaction('rw', db.workspaces, db.snapshots, db.blobs, async () => {
    const workspace = await db.workspaces.get(workspaceId);
    if (!workspace || workspace.snapshotId !== info.basedOn) return false;
    await addChunks(db, chunks, workspaceId, id);
    await db.snapshots.add(record);
    const previous = workspace.analysisId;
    await db.workspaces.update(workspaceId, { analysisId: id });
    if (previous) {
      await db.blobs.where('snapshotId').equals(previous).delete();
      await db.snapshots.delete(previous);
    }
    return true;
  });
}

export interface RestoreOptions {
  /** Whether the saved analysis still holds (same settings and catalogue); not restored when false. */
  accept?: (analysis: SavedAnalysisInfo) => boolean;
  /**
   * Called once everything but the events is back (with the saved analysis, when there is one for this snapshot): the
   * findings queue can be shown while the events load.
   */
  onEarly?: (analysis: SavedAnalysisInfo | null) => Promise<void> | void;
  /** Events restored so far, of the total. */
  onProgress?: (done: number, total: number) => void;
}

export interface RestoreResult {
  /** The saved analysis that came back with the snapshot, or null (none, or computed from other evidence). */
  analysis: SavedAnalysisInfo | null;
}

/**
 * Rebuild the canonical tables from a workspace's current snapshot, small tables and the saved analysis first, the events
 * last; null when the workspace has no snapshot yet.
 */
export async function restoreWorkspace(db: DriftlineDB, engine: Engine, workspaceId: string, options: RestoreOptions = {}): Promise<RestoreResult | null> {
  const workspace = await db.workspaces.get(workspaceId);
  if (!workspace?.snapshotId) {
    await ensureSchema(engine);
    return null;
  }
  const snapshot = await db.snapshots.get(workspace.snapshotId);
  if (!snapshot) throw new Error(`The saved state of workspace "${workspace.name}" is missing from this browser's storage.`);
  const saved = workspace.analysisId ? await db.snapshots.get(workspace.analysisId) : undefined;
  const analysis = saved?.analysis && saved.analysis.basedOn === snapshot.id && (options.accept?.(saved.analysis) ?? true) ? saved : null;
  const chunk = async (id: string) => {
    const blob = await db.blobs.get(id);
    if (!blob) throw new Error(`Part of the saved state of workspace "${workspace.name}" is missing (${id}).`);
    return blob.bytes;
  };
  const events = snapshot.tables.filter((t) => t.name === 'events');
  await restoreTables(engine, snapshot.tables.filter((t) => t.name !== 'events'), chunk);
  let early = analysis ? (analysis.analysis ?? null) : null;
  if (analysis) {
    try {
      await restoreAnalysisTables(engine, analysis.tables, chunk);
    } catch {
      // A saved analysis that cannot be read is only a lost shortcut: the catalogue runs again.
      await engine.exec(ANALYSIS_TABLES.map((t) => `DROP TABLE IF EXISTS ${quoteIdent(t)};`).join('\n'));
      early = null;
    }
  }
  await options.onEarly?.(early);
  const total = events.reduce((n, t) => n + t.rows, 0);
  let done = 0;
  await restoreTables(engine, events, chunk, {
    clear: false,
    onChunk: (rows) => {
      done += rows;
      options.onProgress?.(done, total);
    },
  });
  return { analysis: early };
}

/** Rebuild the canonical tables from a workspace's current snapshot; false when it has none yet. */
export async function restoreSnapshot(db: DriftlineDB, engine: Engine, workspaceId: string): Promise<boolean> {
  return (await restoreWorkspace(db, engine, workspaceId)) !== null;
}

async function restoreAnalysisTables(engine: Engine, tables: readonly SnapshotTable[], chunk: (id: string) => Promise<StoredBytes>): Promise<void> {
  await engine.exec(ANALYSIS_TABLES.map((t) => `DROP TABLE IF EXISTS ${quoteIdent(t)};`).join('\n'));
  for (const table of tables) {
    if (!(ANALYSIS_TABLES as readonly string[]).includes(table.name)) continue;
    for (const [i, id] of table.blobIds.entries()) {
      await engine.insertArrowIPC(await gunzip(await chunk(id), table.members?.[i]), { table: table.name, create: i === 0 });
    }
  }
}

/**
 * Fill canonical tables from gzipped Arrow IPC chunks (also used by workspace import); emptied first unless
 * `clear: false`. A chunk goes straight into its table; one whose columns no longer line up with the table (a snapshot
 * from an older schema) goes through a scratch table and is inserted by name.
 */
export async function restoreTables(
  engine: Engine,
  tables: readonly SnapshotTable[],
  chunk: (id: string) => Promise<StoredBytes>,
  options: { clear?: boolean; onChunk?: (rows: number) => void } = {},
): Promise<void> {
  await ensureSchema(engine);
  if (options.clear !== false) await engine.exec(SNAPSHOT_TABLES.map((t) => `DELETE FROM ${quoteIdent(t)};`).join('\n'));
  for (const table of tables) {
    if (!(SNAPSHOT_TABLES as readonly string[]).includes(table.name)) continue;
    const per = table.blobIds.length ? table.rows / table.blobIds.length : 0;
    for (const [i, id] of table.blobIds.entries()) {
      const read = async () => gunzip(await chunk(id), table.members?.[i]);
      try {
        await engine.insertArrowIPC(await read(), { table: table.name, create: false });
      } catch {
        await engine.exec('DROP TABLE IF EXISTS restore_chunk');
        // Decompressed again: in the tab an insert hands its bytes to DuckDB's worker (the buffer here is left empty).
        await engine.insertArrowIPC(await read(), { table: 'restore_chunk', create: true });
        await engine.exec(`INSERT INTO ${quoteIdent(table.name)} BY NAME SELECT * FROM restore_chunk; DROP TABLE restore_chunk;`);
      }
      options.onChunk?.(Math.round(per));
    }
  }
}
