// The SQL console's actions beside running and cancelling (those stay in actions.ts): the schema for the browser and
// completion, saved queries per workspace (IndexedDB when the browser has it), and a result exported as CSV.
import type { RowsResult } from '../engine/types';
import { describeSchema, type SchemaTable } from '../investigate/schema';
import { toCsv } from '../report/csv';
import type { SavedQueryRecord } from '../workspace/db';
import type { AppServices } from './actions';

export type { SavedQueryRecord } from '../workspace/db';

/** The workspace's tables and views with their columns, as the console shows and completes them. */
export function loadSqlSchema(services: AppServices, signal?: AbortSignal): Promise<SchemaTable[]> {
  return describeSchema(services.engine, signal ? { signal } : {});
}

/** Saved queries are kept only where a workspace is kept: IndexedDB present and a workspace open. */
export function savedQueriesAreKept(services: AppServices, workspaceId: string | null): workspaceId is string {
  return Boolean(services.workspaces && workspaceId);
}

const byName = (a: SavedQueryRecord, b: SavedQueryRecord) => a.name.localeCompare(b.name) || a.updatedAt.localeCompare(b.updatedAt);

export async function listSavedQueries(services: AppServices, workspaceId: string): Promise<SavedQueryRecord[]> {
  const db = services.workspaces?.db;
  if (!db) return [];
  return (await db.queries.where('workspaceId').equals(workspaceId).toArray()).sort(byName);
}

const newQueryId = () => `q${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/**
 * Save SQL under a name; a name already saved in this workspace is overwritten (same id), so saving again updates it.
 * Returns the record and the workspace's list after the write. Without a kept workspace the given list is updated in
 * memory instead, and nothing survives the page.
 */
export async function saveQuery(
  services: AppServices,
  workspaceId: string | null,
  name: string,
  sql: string,
  inMemory: readonly SavedQueryRecord[] = [],
): Promise<{ saved: SavedQueryRecord; list: SavedQueryRecord[] }> {
  const clean = name.trim();
  if (!clean) throw new Error('A saved query needs a name.');
  const now = new Date().toISOString();
  const db = services.workspaces?.db;
  if (!savedQueriesAreKept(services, workspaceId) || !db) {
    const existing = inMemory.find((q) => q.name === clean);
    const saved: SavedQueryRecord = { id: existing?.id ?? newQueryId(), workspaceId: workspaceId ?? '', name: clean, sql, updatedAt: now };
    return { saved, list: [...inMemory.filter((q) => q.id !== saved.id), saved].sort(byName) };
  }
  const saved = await db.transaction('rw', db.queries, async () => {
    const existing = await db.queries.where('workspaceId').equals(workspaceId).filter((q) => q.name === clean).first();
    const record: SavedQueryRecord = { id: existing?.id ?? newQueryId(), workspaceId, name: clean, sql, updatedAt: now };
    await db.queries.put(record);
    return record;
  });
  return { saved, list: await listSavedQueries(services, workspaceId) };
}

export async function deleteSavedQuery(
  services: AppServices,
  workspaceId: string | null,
  id: string,
  inMemory: readonly SavedQueryRecord[] = [],
): Promise<SavedQueryRecord[]> {
  const db = services.workspaces?.db;
  if (!savedQueriesAreKept(services, workspaceId) || !db) return inMemory.filter((q) => q.id !== id);
  await db.queries.delete(id);
  return listSavedQueries(services, workspaceId);
}

/** The whole result (not only the rows on screen) as formula-safe CSV, handed over as a download. */
export function exportSqlResult(services: AppServices, result: RowsResult, now = new Date()): { name: string; text: string } {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  const name = `driftline-query-${stamp}.csv`;
  const text = toCsv(
    result.columns.map((c) => c.name),
    result.rows,
  );
  services.download(name, new Blob([text], { type: 'text/csv' }));
  return { name, text };
}
