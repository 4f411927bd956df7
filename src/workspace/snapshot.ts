// Snapshots: the canonical tables copied out of DuckDB as gzipped Arrow IPC and written to IndexedDB in one
// transaction, so reopening rebuilds the workspace without re-parsing any evidence. A snapshot becomes current only
// when it is complete; a reload or a full disk half-way leaves the previous one in charge.
import { tableToIPC } from 'apache-arrow';
import type { Engine } from '../engine/types';
import { quoteIdent } from '../engine/sql';
import { ensureSchema } from '../ingest/commit';
import type { DriftlineDB, SnapshotRecord, SnapshotTable } from './db';

/** The tables that are the workspace (findings are recomputed from them, deterministically). */
export const SNAPSHOT_TABLES = ['evidence_files', 'rejected_rows', 'identities', 'identity_aliases', 'events', 'changes', 'resource_classes', 'actor_resolution'] as const;

const CHUNK_ROWS = 250_000;

export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
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
export async function readTables(engine: Engine, signal?: AbortSignal): Promise<{ tables: SnapshotTable[]; chunks: Map<string, Uint8Array> }> {
  await ensureSchema(engine);
  const tables: SnapshotTable[] = [];
  const chunks = new Map<string, Uint8Array>();
  for (const name of SNAPSHOT_TABLES) {
    const { rows } = await engine.queryRows(`SELECT count(*) AS n FROM ${quoteIdent(name)}`, signal ? { signal } : {});
    const total = Number(rows[0]?.n ?? 0);
    const table: SnapshotTable = { name, rows: total, blobIds: [] };
    // rowid ranges, not OFFSET: each chunk is read once, however large the table.
    for (let offset = 0; offset < total; offset += CHUNK_ROWS) {
      const arrow = await engine.query(
        `SELECT * FROM ${quoteIdent(name)} WHERE rowid >= ${offset} AND rowid < ${offset + CHUNK_ROWS}`,
        signal ? { signal } : {},
      );
      if (arrow.numRows === 0) continue;
      const id = newId('b');
      chunks.set(id, await gzip(tableToIPC(arrow, 'stream')));
      table.blobIds.push(id);
    }
    tables.push(table);
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
    });
    if (previous) {
      await db.blobs.where('snapshotId').equals(previous).delete();
      await db.snapshots.delete(previous);
    }
  });
  return { snapshotId, bytes, rows: counts, ms: Math.round(performance.now() - began) };
}

/** Rebuild the canonical tables from a workspace's current snapshot; false when it has none yet. */
export async function restoreSnapshot(db: DriftlineDB, engine: Engine, workspaceId: string): Promise<boolean> {
  const workspace = await db.workspaces.get(workspaceId);
  if (!workspace?.snapshotId) {
    await ensureSchema(engine);
    return false;
  }
  const snapshot = await db.snapshots.get(workspace.snapshotId);
  if (!snapshot) throw new Error(`The saved state of workspace "${workspace.name}" is missing from this browser's storage.`);
  await restoreTables(engine, snapshot.tables, async (id) => {
    const blob = await db.blobs.get(id);
    if (!blob) throw new Error(`Part of the saved state of workspace "${workspace.name}" is missing (${id}).`);
    return blob.bytes;
  });
  return true;
}

/** Empty the canonical tables and fill them from gzipped Arrow IPC chunks (also used by workspace import). */
export async function restoreTables(engine: Engine, tables: readonly SnapshotTable[], chunk: (id: string) => Promise<Uint8Array>): Promise<void> {
  await ensureSchema(engine);
  await engine.exec(SNAPSHOT_TABLES.map((t) => `DELETE FROM ${quoteIdent(t)};`).join('\n'));
  for (const table of tables) {
    if (!(SNAPSHOT_TABLES as readonly string[]).includes(table.name)) continue;
    for (const id of table.blobIds) {
      const ipc = await gunzip(await chunk(id));
      // Load into a scratch table, then insert by name: the canonical table keeps its constraints and types.
      await engine.exec('DROP TABLE IF EXISTS restore_chunk');
      await engine.insertArrowIPC(ipc, { table: 'restore_chunk', create: true });
      await engine.exec(`INSERT INTO ${quoteIdent(table.name)} BY NAME SELECT * FROM restore_chunk; DROP TABLE restore_chunk;`);
    }
  }
}
