// A workspace as one file: its snapshot (gzipped Arrow IPC, as stored), triage, settings, mappings and saved queries,
// packed with a SHA-256 manifest (archive.ts), optionally encrypted. Import verifies everything before writing anything.
// Original evidence files go in only when asked (`includeOriginals`: the export dialog's choice, since the archive is
// built in memory): each as `originals/NNNN` with its SHA-256 in the manifest like every entry, listed with the
// evidence pointers in `originals.json`. Without them, `originals.json` still says which evidence had originals, so the
// imported workspace can tell the analyst why a record cannot be shown.
import type { AnalysisSettings } from '../detections/runner';
import { ArchiveError, packWorkspace, unpackWorkspace, type ArchiveEntry } from './archive';
import type { DriftlineDB, OriginalFileRecord, OriginalRecord, SavedQueryRecord, SnapshotTable, TriageRecord, WorkspaceRecord } from './db';
import type { EventColumnMapping } from '../ingest/csv-events';
import { PRODUCT_VERSION } from '../report/findings-export';
import { storedBytes } from './snapshot';

interface SnapshotManifest {
  /** `members`: per part, the sizes of the gzip members it is made of (see SnapshotTable); absent in older files. */
  tables: { name: string; rows: number; parts: string[]; members?: number[][] }[];
}

interface OriginalsManifest {
  originals: { id: string; name: string; size: number; path: string | null }[];
  files: { fileId: string; original: string | null; members: string[]; missing: OriginalFileRecord['missing'] }[];
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value, null, 1));
const parse = <T>(entries: Map<string, Uint8Array>, path: string): T => {
  const bytes = entries.get(path);
  if (!bytes) throw new ArchiveError('missing-entry', `The workspace file has no ${path}.`, path);
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch {
    throw new ArchiveError('corrupt', `${path} in the workspace file is not valid JSON.`, path);
  }
};

export interface ExportOptions {
  passphrase?: string;
  /** Put the original evidence files in too (default false). */
  includeOriginals?: boolean;
}

export async function exportWorkspace(db: DriftlineDB, workspaceId: string, options: ExportOptions = {}): Promise<{ name: string; bytes: Uint8Array }> {
  const workspace = await db.workspaces.get(workspaceId);
  if (!workspace) throw new Error('That workspace no longer exists.');
  const entries: ArchiveEntry[] = [];
  const snapshot: SnapshotManifest = { tables: [] };
  if (workspace.snapshotId) {
    const record = await db.snapshots.get(workspace.snapshotId);
    for (const table of record?.tables ?? []) {
      const parts: string[] = [];
      for (const [i, blobId] of table.blobIds.entries()) {
        const blob = await db.blobs.get(blobId);
        if (!blob) throw new Error(`Part of the saved state is missing (${table.name} part ${i + 1}).`);
        const path = `tables/${table.name}/${String(i).padStart(4, '0')}.arrow.gz`;
        entries.push({ path, bytes: await storedBytes(blob.bytes) });
        parts.push(path);
      }
      snapshot.tables.push({ name: table.name, rows: table.rows, parts, ...(table.members ? { members: table.members } : {}) });
    }
  }
  entries.push({ path: 'snapshot.json', bytes: json(snapshot) });
  entries.push({ path: 'triage.json', bytes: json(await db.triage.where('workspaceId').equals(workspaceId).toArray()) });
  entries.push({ path: 'settings.json', bytes: json((await db.settings.get(workspaceId))?.settings ?? null) });
  entries.push({ path: 'mappings.json', bytes: json(await db.mappings.toArray()) });
  entries.push({ path: 'queries.json', bytes: json(await db.queries.where('workspaceId').equals(workspaceId).toArray()) });
  entries.push(...(await originalEntries(db, workspaceId, options.includeOriginals ?? false)));
  const bytes = await packWorkspace(entries, { workspace: { id: workspace.id, name: workspace.name }, appVersion: PRODUCT_VERSION }, options.passphrase ? { passphrase: options.passphrase } : {});
  const safeName = workspace.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'workspace';
  return { name: `${safeName}.driftline${options.passphrase ? '.enc' : ''}`, bytes };
}

async function originalEntries(db: DriftlineDB, workspaceId: string, include: boolean): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  const manifest: OriginalsManifest = { originals: [], files: [] };
  const originals = include ? await db.originals.where('workspaceId').equals(workspaceId).toArray() : [];
  for (const [i, original] of originals.entries()) {
    const path = `originals/${String(i).padStart(4, '0')}`;
    entries.push({ path, bytes: new Uint8Array(await original.blob.arrayBuffer()) });
    manifest.originals.push({ id: original.id, name: original.name, size: original.size, path });
  }
  const exported = new Set(manifest.originals.map((o) => o.id));
  for (const pointer of await db.originalFiles.where('workspaceId').equals(workspaceId).toArray()) {
    const original = pointer.originalId && exported.has(pointer.originalId) ? pointer.originalId : null;
    const missing = original ? null : pointer.originalId ? 'not-exported' : pointer.missing;
    manifest.files.push({ fileId: pointer.fileId, original, members: pointer.members, missing });
  }
  entries.push({ path: 'originals.json', bytes: json(manifest) });
  return entries;
}

/** A table's member sizes from a workspace file: each part's must add up to the part's bytes. */
function validMembers(members: unknown, partBytes: number[], table: string): number[][] | null {
  if (members === undefined) return null;
  const ok =
    Array.isArray(members) &&
    members.length === partBytes.length &&
    members.every((m, i) => Array.isArray(m) && m.every((s) => Number.isSafeInteger(s) && s > 0) && (m.length === 0 || m.reduce((n: number, s: number) => n + s, 0) === partBytes[i]));
  if (!ok) throw new ArchiveError('corrupt', `The workspace file's snapshot.json lists gzip members for ${table} that do not match its parts.`, 'snapshot.json');
  return members as number[][];
}

/** Verify and import a workspace file as a new workspace (named after the original). Nothing is written if any check fails. */
export async function importWorkspace(db: DriftlineDB, bytes: Uint8Array, options: { passphrase?: string } = {}): Promise<WorkspaceRecord> {
  const { manifest, entries } = await unpackWorkspace(bytes, options.passphrase ? { passphrase: options.passphrase } : {});
  const snapshot = parse<SnapshotManifest>(entries, 'snapshot.json');
  const triage = parse<TriageRecord[]>(entries, 'triage.json');
  const settings = parse<AnalysisSettings | null>(entries, 'settings.json');
  const mappings = parse<{ signature: string; mapping: EventColumnMapping; updatedAt: string }[]>(entries, 'mappings.json');
  const queries = parse<SavedQueryRecord[]>(entries, 'queries.json');
  const now = new Date().toISOString();
  const id = `w${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const snapshotId = `s${id}`;
  const tables: SnapshotTable[] = [];
  const blobs: { id: string; workspaceId: string; snapshotId: string; bytes: Uint8Array }[] = [];
  let stored = 0;
  for (const table of snapshot.tables ?? []) {
    const blobIds: string[] = [];
    const partBytes: number[] = [];
    for (const part of table.parts) {
      const data = entries.get(part);
      if (!data) throw new ArchiveError('missing-entry', `The workspace file has no ${part}.`, part);
      const blobId = `b${id}-${blobs.length}`;
      blobs.push({ id: blobId, workspaceId: id, snapshotId, bytes: data.slice() });
      blobIds.push(blobId);
      stored += data.byteLength;
      partBytes.push(data.byteLength);
    }
    const members = validMembers(table.members, partBytes, table.name);
    tables.push({ name: table.name, rows: table.rows, blobIds, ...(members ? { members } : {}) });
  }
  // Workspace files from before originals were kept have no originals.json.
  const originalsManifest = entries.has('originals.json') ? parse<OriginalsManifest>(entries, 'originals.json') : null;
  const originals: OriginalRecord[] = [];
  const originalIds = new Map<string, string>();
  for (const [i, o] of (originalsManifest?.originals ?? []).entries()) {
    if (!o.path) continue;
    const data = entries.get(o.path);
    if (!data) throw new ArchiveError('missing-entry', `The workspace file has no ${o.path}.`, o.path);
    const originalId = `o${id}-${i}`;
    originalIds.set(o.id, originalId);
    originals.push({ id: originalId, workspaceId: id, name: o.name, size: data.byteLength, blob: new Blob([data as BlobPart]), storedAt: now });
  }
  const pointers: OriginalFileRecord[] = (originalsManifest?.files ?? []).map((f) => {
    const originalId = f.original ? (originalIds.get(f.original) ?? null) : null;
    return { workspaceId: id, fileId: f.fileId, originalId, members: f.members ?? [], missing: originalId ? null : (f.missing ?? 'not-exported') };
  });
  const count = (name: string) => tables.find((t) => t.name === name)?.rows ?? 0;
  const existing = new Set((await db.workspaces.toArray()).map((w) => w.name));
  let name = manifest.workspace.name || 'Imported workspace';
  if (existing.has(name)) name = `${name} (imported ${now.slice(0, 10)})`;
  const record: WorkspaceRecord = {
    id, name, createdAt: now, updatedAt: now, snapshotId: tables.length ? snapshotId : null, storedBytes: stored, events: count('events'), files: count('evidence_files'),
    ...(originalsManifest === null && tables.length ? { legacyWithoutOriginals: true } : {}),
  };
  await db.transaction('rw', [db.workspaces, db.snapshots, db.blobs, db.triage, db.settings, db.mappings, db.queries, db.originals, db.originalFiles], async () => {
    await db.workspaces.add(record);
    if (tables.length) {
      await db.blobs.bulkAdd(blobs);
      await db.snapshots.add({ id: snapshotId, workspaceId: id, createdAt: now, tables, bytes: stored });
    }
    await db.triage.bulkPut(triage.map((t) => ({ ...t, workspaceId: id })));
    if (settings) await db.settings.put({ workspaceId: id, settings, updatedAt: now });
    await db.mappings.bulkPut(mappings);
    await db.queries.bulkPut(queries.map((q) => ({ ...q, id: `${q.id}-${id}`, workspaceId: id })));
    await db.originals.bulkAdd(originals);
    await db.originalFiles.bulkAdd(pointers);
  });
  return record;
}
