// The IndexedDB schema of Driftline (Dexie), with versioned migrations. Binary snapshots live in their own store so
// listing workspaces never loads them.
import Dexie, { type Table } from 'dexie';
import type { AnalysisSettings } from '../detections/runner';
import type { EventColumnMapping } from '../ingest/csv-events';
import type { TriageStatus } from '../report/findings-export';

export interface WorkspaceRecord {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  /** The snapshot that is the workspace's current state; null until its first import is saved. */
  snapshotId: string | null;
  /** Stored bytes of the current snapshot. */
  storedBytes: number;
  events: number;
  files: number;
  /** Set by the v3 migration: the workspace existed before original files were kept, so its evidence has none. */
  legacyWithoutOriginals?: boolean;
  /** The saved analysis of the current snapshot (findings tables), shown at once on reopen; absent until one is saved. */
  analysisId?: string | null;
}

export interface SnapshotTable {
  name: string;
  rows: number;
  /** Blob ids in order; each holds one gzipped Arrow IPC stream. */
  blobIds: string[];
  /**
   * Per blob, the compressed sizes of the gzip members it is made of, one after the other (a chunk is compressed in
   * several). Absent (older saves, archives from before) or empty for a blob: one member.
   */
  members?: number[][];
}

export interface SnapshotRecord {
  id: string;
  workspaceId: string;
  createdAt: string;
  tables: SnapshotTable[];
  bytes: number;
  /** Only on a saved analysis: what it was computed from, so a reopen knows whether it still holds. */
  analysis?: SavedAnalysisInfo;
}

/** What a saved analysis (the findings tables) was computed from, and what the analysis reported. */
export interface SavedAnalysisInfo {
  /** The evidence snapshot the findings were computed over. */
  basedOn: string;
  /** Settings and catalogue fingerprint: a different one means the findings must be computed again. */
  fingerprint: string;
  /** Wall-clock time (ms) exceptions were evaluated against. */
  evaluatedAt: number;
  report: { counts: Record<string, number>; timingsMs: Record<string, number>; totalMs: number };
}

/**
 * A stored chunk's gzipped bytes. Saved in the tab they are a Blob (its bytes live in the browser's blob storage, not in
 * the tab); saved where there are no workers (Node), imported from an archive or written by older versions, bytes.
 */
export type StoredBytes = Uint8Array | Blob;

export interface BlobRecord {
  id: string;
  workspaceId: string;
  snapshotId: string;
  bytes: StoredBytes;
}

export interface TriageNote {
  at: string;
  by: string;
  text: string;
}

export interface TriageHistoryEntry {
  at: string;
  by: string;
  status: TriageStatus;
}

export interface TriageRecord {
  workspaceId: string;
  findingUid: string;
  status: TriageStatus;
  notes: TriageNote[];
  history: TriageHistoryEntry[];
  updatedAt: string;
}

export interface MappingRecord {
  signature: string;
  mapping: EventColumnMapping;
  updatedAt: string;
}

export interface SettingsRecord {
  workspaceId: string;
  settings: AnalysisSettings;
  updatedAt: string;
}

export interface SavedQueryRecord {
  id: string;
  workspaceId: string;
  name: string;
  sql: string;
  updatedAt: string;
}

/** One dropped file's bytes as received (a zip once, however many members became evidence), kept for record views. */
export interface OriginalRecord {
  id: string;
  workspaceId: string;
  name: string;
  size: number;
  /** The File/Blob as received: IndexedDB keeps it on disk, it is never read into memory to be stored. */
  blob: Blob;
  storedAt: string;
}

/** Where an evidence file's bytes are: the kept original and the zip member path(s) inside it, or why there are none. */
export interface OriginalFileRecord {
  workspaceId: string;
  /** evidence_files.file_id */
  fileId: string;
  originalId: string | null;
  members: string[];
  /** Why `originalId` is null: the setting was off at import, or the workspace file did not carry originals. */
  missing: 'not-kept' | 'not-exported' | null;
}

export interface MetaRecord {
  key: string;
  value: string;
}

export class DriftlineDB extends Dexie {
  workspaces!: Table<WorkspaceRecord, string>;
  snapshots!: Table<SnapshotRecord, string>;
  blobs!: Table<BlobRecord, string>;
  triage!: Table<TriageRecord, [string, string]>;
  mappings!: Table<MappingRecord, string>;
  settings!: Table<SettingsRecord, string>;
  queries!: Table<SavedQueryRecord, string>;
  meta!: Table<MetaRecord, string>;
  originals!: Table<OriginalRecord, string>;
  originalFiles!: Table<OriginalFileRecord, [string, string]>;

  constructor(name = 'driftline') {
    super(name);
    // v1: the first release: one triage note per finding.
    this.version(1).stores({
      workspaces: 'id, name, updatedAt',
      snapshots: 'id, workspaceId',
      blobs: 'id, workspaceId, snapshotId',
      triage: '[workspaceId+findingUid], workspaceId',
      mappings: 'signature',
      settings: 'workspaceId',
      queries: 'id, workspaceId',
      meta: 'key',
    });
    // v2: triage keeps every note and a who/when history of status changes.
    this.version(2)
      .stores({ triage: '[workspaceId+findingUid], workspaceId, updatedAt' })
      .upgrade(async (tx) => {
        await tx
          .table('triage')
          .toCollection()
          .modify((record: Record<string, unknown>) => {
            const at = typeof record.updatedAt === 'string' ? record.updatedAt : new Date(0).toISOString();
            const note = typeof record.note === 'string' && record.note.trim() ? record.note : null;
            record.notes = note ? [{ at, by: 'unknown', text: note }] : [];
            record.history = [{ at, by: 'unknown', status: record.status }];
            delete record.note;
          });
      });
    // v3: the original bytes of dropped files, and which evidence file (file_id) is which original + zip member.
    // Workspaces from before have no originals: they are marked, so the record view can say why.
    this.version(3)
      .stores({ originals: 'id, workspaceId', originalFiles: '[workspaceId+fileId], workspaceId, originalId' })
      .upgrade(async (tx) => {
        await tx
          .table('workspaces')
          .toCollection()
          .modify((record: Record<string, unknown>) => {
            if (record.snapshotId) record.legacyWithoutOriginals = true;
          });
      });
  }
}

/** Whether an IndexedDB/Dexie failure (directly, as the cause of an aborted transaction, or in a bulk write) is a full disk. */
export function isQuotaError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const e = error as { name?: string; message?: string; inner?: unknown; cause?: unknown; failures?: unknown[]; failuresByPos?: Record<string, unknown> };
  if (e.name === 'QuotaExceededError') return true;
  if (typeof e.message === 'string' && /QuotaExceededError|quota (has been )?exceeded/i.test(e.message)) return true;
  const nested = [e.inner, e.cause, ...(Array.isArray(e.failures) ? e.failures : []), ...Object.values(e.failuresByPos ?? {})];
  return nested.some((inner) => isQuotaError(inner, depth + 1));
}

/** Storage errors in plain words: a full disk must never read as a crash. */
export function describeStorageError(error: unknown): string {
  if (isQuotaError(error)) {
    return 'The browser has no room left to save this workspace. Nothing was half-written: the last saved state is intact. Free disk space, delete an old workspace, or export this one to a file.';
  }
  return `The workspace could not be saved: ${(error as Error)?.message ?? String(error)}. The last saved state is intact.`;
}
