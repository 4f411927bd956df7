// The original bytes of dropped evidence, kept so a finding can show the record an event came from.
//
// What is stored: each dropped File once, as the Blob it is (IndexedDB writes a File to disk from the file itself; it is
// never read into the tab's memory to be stored), in `originals`; and per evidence file (`file_id`) a pointer in
// `originalFiles`: which original, and the zip member path(s) inside it. A zip is kept once as received (compressed);
// its members are found again by path when a record is asked for. A dropped file that yielded no evidence (failed,
// duplicate, unmapped) keeps nothing.
//
// No orphans: originals are written only after an import committed and its snapshot was saved, in one transaction that
// checks the workspace still exists; every save prunes pointers to file ids no longer in the workspace and originals no
// pointer uses; deleting a workspace deletes both (service.ts). A cancelled or failed import never gets here.
import type { FileSource } from '../ingest/protocol';
import type { DriftlineDB, OriginalFileRecord, OriginalRecord } from './db';

const newId = () => `o${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** The app-wide setting "Keep original files" (default on), in the meta table. */
export const KEEP_ORIGINALS_KEY = 'keepOriginals';

export async function keepOriginalsSetting(db: DriftlineDB): Promise<boolean> {
  return (await db.meta.get(KEEP_ORIGINALS_KEY))?.value !== 'false';
}

export async function setKeepOriginalsSetting(db: DriftlineDB, keep: boolean): Promise<void> {
  await db.meta.put({ key: KEEP_ORIGINALS_KEY, value: keep ? 'true' : 'false' });
}

export interface CommittedFile {
  fileId: string;
  source?: FileSource | undefined;
}

export interface KeptOriginals {
  originals: number;
  bytes: number;
  files: number;
}

/**
 * Record where the evidence files of one committed import came from; with `keep`, also store the dropped files they
 * came from (each once). One transaction: all of it or none. Throws if the workspace was deleted meanwhile.
 */
export async function storeOriginals(
  db: DriftlineDB,
  workspaceId: string,
  drops: readonly Blob[],
  committed: readonly CommittedFile[],
  options: { keep: boolean },
): Promise<KeptOriginals> {
  const withSource = committed.filter((f): f is CommittedFile & { source: FileSource } => !!f.source && drops[f.source.index] !== undefined);
  const storedAt = new Date().toISOString();
  const originals = new Map<number, OriginalRecord>();
  if (options.keep) {
    for (const { source } of withSource) {
      if (originals.has(source.index)) continue;
      const blob = drops[source.index]!;
      const name = (blob as File).name ?? `file ${source.index + 1}`;
      originals.set(source.index, { id: newId() + source.index, workspaceId, name, size: blob.size, blob, storedAt });
    }
  }
  const pointers: OriginalFileRecord[] = withSource.map(({ fileId, source }) => ({
    workspaceId, fileId, originalId: originals.get(source.index)?.id ?? null, members: [...source.members], missing: options.keep ? null : 'not-kept',
  }));
  await db.transaction('rw', [db.workspaces, db.originals, db.originalFiles], async () => {
    if (!(await db.workspaces.get(workspaceId))) throw new Error('This workspace was deleted meanwhile.');
    await db.originals.bulkAdd([...originals.values()]);
    await db.originalFiles.bulkPut(pointers);
  });
  return { originals: originals.size, bytes: [...originals.values()].reduce((n, o) => n + o.size, 0), files: pointers.length };
}

/** Drop pointers to evidence files the workspace no longer has, and originals nothing points to. */
export async function pruneOriginals(db: DriftlineDB, workspaceId: string, liveFileIds: ReadonlySet<string>): Promise<number> {
  return db.transaction('rw', [db.originals, db.originalFiles], async () => {
    const pointers = await db.originalFiles.where('workspaceId').equals(workspaceId).toArray();
    const dead = pointers.filter((p) => !liveFileIds.has(p.fileId));
    await db.originalFiles.bulkDelete(dead.map((p) => [p.workspaceId, p.fileId] as [string, string]));
    const used = new Set(pointers.filter((p) => liveFileIds.has(p.fileId)).map((p) => p.originalId));
    const unused = (await db.originals.where('workspaceId').equals(workspaceId).primaryKeys()).filter((id) => !used.has(id));
    await db.originals.bulkDelete(unused);
    return unused.length;
  });
}

export type OriginalSource =
  | { status: 'kept'; blob: Blob; name: string; members: string[] }
  | { status: 'not-kept' | 'not-exported' | 'before-originals' | 'unknown' | 'missing' };

/** Where the original of evidence file `fileId` is, or why there is none. */
export async function originalSource(db: DriftlineDB, workspaceId: string, fileId: string): Promise<OriginalSource> {
  const pointer = await db.originalFiles.get([workspaceId, fileId]);
  if (!pointer) {
    const workspace = await db.workspaces.get(workspaceId);
    return { status: workspace?.legacyWithoutOriginals ? 'before-originals' : 'unknown' };
  }
  if (!pointer.originalId) return { status: pointer.missing ?? 'not-kept' };
  const original = await db.originals.get(pointer.originalId);
  if (!original) return { status: 'missing' };
  return { status: 'kept', blob: original.blob, name: original.name, members: pointer.members };
}

/** Bytes of originals a workspace keeps (for the export dialog). */
export async function originalsSize(db: DriftlineDB, workspaceId: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  await db.originals.where('workspaceId').equals(workspaceId).each((o) => {
    files++;
    bytes += o.size;
  });
  return { files, bytes };
}

/** Plain words for the record view when there is no original to read. */
export function missingOriginalMessage(status: Exclude<OriginalSource['status'], 'kept'>): string {
  switch (status) {
    case 'not-kept':
      return 'The original file was not kept: "Keep original files" was off when it was imported (Settings).';
    case 'not-exported':
      return 'The original file is not available: this workspace was imported from a workspace file exported without original files.';
    case 'before-originals':
      return 'The original file is not available: this evidence was imported before Driftline kept original files. Drop the file again in a new workspace to see its records.';
    case 'missing':
      return "The original file is missing from this browser's storage.";
    case 'unknown':
      return 'The original file is not available for this evidence.';
  }
}
