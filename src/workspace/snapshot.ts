// Snapshots: the canonical tables copied out of DuckDB as gzipped Arrow IPC and written to IndexedDB in one
// transaction, so reopening rebuilds the workspace without re-parsing any evidence. A snapshot becomes current only
// when it is complete; a reload or a full disk half-way leaves the previous one in charge.
import { tableFromIPC } from 'apache-arrow';
import type { Engine } from '../engine/types';
import { quoteIdent } from '../engine/sql';
import { ensureSchema } from '../ingest/commit';
import type { DriftlineDB, SavedAnalysisInfo, SnapshotRecord, SnapshotTable } from './db';

/** The tables that are the workspace (findings are recomputed from them, deterministically). */
export const SNAPSHOT_TABLES = ['evidence_files', 'rejected_rows', 'identities', 'identity_aliases', 'events', 'changes', 'resource_classes', 'actor_resolution'] as const;

/**
 * The analysis' own tables, saved beside the snapshot they were computed from so that a reopen shows the findings queue
 * before the events are back (and skips the catalogue when settings and catalogue are unchanged).
 */
export const ANALYSIS_TABLES = ['findings', 'findings_entity_risk'] as const;

const CHUNK_ROWS = 250_000;

export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
}

let gzipWorker: Worker | null = null;
let gzipJobs = 0;
const gzipPending = new Map<number, { resolve: (bytes: Uint8Array) => void; reject: (error: Error) => void }>();

/**
 * gzip in a worker of its own where there are workers (the tab), else here (Node tests). The bytes are transferred,
 * not copied: `bytes` is unusable afterwards.
 */
export function gzipOffThread(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof Worker === 'undefined') return gzip(bytes);
  if (!gzipWorker) {
    const worker = new Worker(new URL('./gzip.worker.ts', import.meta.url), { type: 'module', name: 'driftline-gzip' });
    worker.onmessage = (event: MessageEvent<{ id: number; out?: Uint8Array; error?: string }>) => {
      const job = gzipPending.get(event.data.id);
      gzipPending.delete(event.data.id);
      if (event.data.out) job?.resolve(event.data.out);
      else job?.reject(new Error(`compressing a snapshot chunk failed: ${event.data.error ?? 'unknown error'}`));
    };
    worker.onerror = (event) => {
      // A dead compression worker fails the save in progress (nothing half-written is kept) and is made again next time.
      for (const job of gzipPending.values()) job.reject(new Error(`the compression worker stopped: ${event.message || 'unknown error'}`));
      gzipPending.clear();
      gzipWorker = null;
      worker.terminate();
    };
    gzipWorker = worker;
  }
  const id = ++gzipJobs;
  const worker = gzipWorker;
  return new Promise((resolve, reject) => {
    gzipPending.set(id, { resolve, reject });
    worker.postMessage({ id, bytes }, [bytes.buffer as ArrayBuffer]);
  });
}

export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
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
): Promise<{ tables: SnapshotTable[]; chunks: Map<string, Uint8Array> }> {
  await ensureSchema(engine);
  const tables: SnapshotTable[] = [];
  const chunks = new Map<string, Uint8Array>();
  const compressing: Promise<void>[] = [];
  for (const name of names) {
    // Deleted rows (duplicates dropped at commit, merged identities) leave gaps in rowid: walk up to the last rowid.
    const { rows } = await engine.queryRows(`SELECT count(*) AS n, coalesce(max(rowid), -1) + 1 AS bound FROM ${quoteIdent(name)}`, signal ? { signal } : {});
    const total = Number(rows[0]?.n ?? 0);
    const bound = Number(rows[0]?.bound ?? 0);
    const table: SnapshotTable = { name, rows: total, blobIds: [] };
    // rowid ranges, not OFFSET: each chunk is read once, however large the table.
    for (let offset = 0; offset < bound; offset += CHUNK_ROWS) {
      // DuckDB's own IPC bytes are stored as they are: decoding them only to count rows, never re-encoding.
      const ipc = await engine.queryIpc(`SELECT * FROM ${quoteIdent(name)} WHERE rowid >= ${offset} AND rowid < ${offset + CHUNK_ROWS}`, signal ? { signal } : {});
      if (tableFromIPC(ipc).numRows === 0) continue;
      const id = newId('b');
      // The next chunk is read from DuckDB while this one is compressed; at most two wait uncompressed (~90 MB each).
      if (compressing.length >= 2) await compressing.shift();
      compressing.push(gzipOffThread(ipc).then((gz) => void chunks.set(id, gz)));
      table.blobIds.push(id);
    }
    tables.push(table);
    await Promise.all(compressing.splice(0));
  }
  return { tables, chunks };
}

function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw Object.assign(new Error('Save cancelled'), { name: 'AbortError' });
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
  const bytes = [...chunks.values()].reduce((n, c) => n + c.byteLength, 0);
  const record: SnapshotRecord = { id: snapshotId, workspaceId, createdAt: new Date().toISOString(), tables, bytes };
  const counts = Object.fromEntries(tables.map((t) => [t.name, t.rows]));
  await db.transaction('rw', db.workspaces, db.snapshots, db.blobs, async () => {
    const workspace = await db.workspaces.get(workspaceId);
    if (!workspace) throw new Error('This workspace was deleted meanwhile.');
    await db.blobs.bulkAdd([...chunks.entries()].map(([id, data]) => ({ id, workspaceId, snapshotId, bytes: data })));
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
  const bytes = [...chunks.values()].reduce((n, c) => n + c.byteLength, 0);
  const record: SnapshotRecord = { id, workspaceId, createdAt: new Date().toISOString(), tables, bytes, analysis: info };
  return db.transaction('rw', db.workspaces, db.snapshots, db.blobs, async () => {
    const workspace = await db.workspaces.get(workspaceId);
    if (!workspace || workspace.snapshotId !== info.basedOn) return false;
    await db.blobs.bulkAdd([...chunks.entries()].map(([blobId, data]) => ({ id: blobId, workspaceId, snapshotId: id, bytes: data })));
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

async function restoreAnalysisTables(engine: Engine, tables: readonly SnapshotTable[], chunk: (id: string) => Promise<Uint8Array>): Promise<void> {
  await engine.exec(ANALYSIS_TABLES.map((t) => `DROP TABLE IF EXISTS ${quoteIdent(t)};`).join('\n'));
  for (const table of tables) {
    if (!(ANALYSIS_TABLES as readonly string[]).includes(table.name)) continue;
    let first = true;
    for (const id of table.blobIds) {
      await engine.insertArrowIPC(await gunzip(await chunk(id)), { table: table.name, create: first });
      first = false;
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
  chunk: (id: string) => Promise<Uint8Array>,
  options: { clear?: boolean; onChunk?: (rows: number) => void } = {},
): Promise<void> {
  await ensureSchema(engine);
  if (options.clear !== false) await engine.exec(SNAPSHOT_TABLES.map((t) => `DELETE FROM ${quoteIdent(t)};`).join('\n'));
  for (const table of tables) {
    if (!(SNAPSHOT_TABLES as readonly string[]).includes(table.name)) continue;
    const per = table.blobIds.length ? table.rows / table.blobIds.length : 0;
    for (const id of table.blobIds) {
      const ipc = await gunzip(await chunk(id));
      try {
        await engine.insertArrowIPC(ipc, { table: table.name, create: false });
      } catch {
        await engine.exec('DROP TABLE IF EXISTS restore_chunk');
        await engine.insertArrowIPC(ipc, { table: 'restore_chunk', create: true });
        await engine.exec(`INSERT INTO ${quoteIdent(table.name)} BY NAME SELECT * FROM restore_chunk; DROP TABLE restore_chunk;`);
      }
      options.onChunk?.(Math.round(per));
    }
  }
}
