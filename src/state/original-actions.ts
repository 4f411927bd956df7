// Original evidence files in the app: kept after an import is committed and saved, pruned to what the workspace still
// holds, and read back record by record for the finding detail ("Show original record").
import { sqlValue } from '../engine/sql';
import { findOriginalRecord, OriginalNotFound, type OriginalRecord } from '../ingest/original';
import type { ImportReport } from '../ingest/pipeline';
import { formatBytes } from '../lib/format';
import { describeStorageError } from '../workspace/db';
import {
  keepOriginalsSetting,
  missingOriginalMessage,
  originalSource,
  originalsSize,
  pruneOriginals,
  setKeepOriginalsSetting,
  storeOriginals,
} from '../workspace/originals';
import type { AppServices } from './actions';
import { pushNotice } from './store';

/**
 * After a committed import was saved: point each new evidence file at the dropped file it came from and, unless the
 * setting is off, keep those files. Then forget originals the workspace no longer uses. Never throws: a full disk here
 * costs the record view, not the import.
 */
export async function keepImportOriginals(services: AppServices, drops: readonly File[], report: Pick<ImportReport, 'status' | 'files'>): Promise<void> {
  const { store, engine } = services;
  const workspaces = services.workspaces;
  const current = store.getState().workspace.current;
  if (!workspaces || !current || report.status !== 'committed' || store.getState().workspace.readOnly) return;
  try {
    const live = new Set((await engine.queryRows('SELECT file_id FROM evidence_files')).rows.map((r) => String(r.file_id)));
    const committed = report.files.filter((f) => f.status === 'loaded' && live.has(f.fileId)).map((f) => ({ fileId: f.fileId, source: f.source }));
    const keep = await keepOriginalsSetting(workspaces.db);
    if (committed.length) await storeOriginals(workspaces.db, current.id, drops, committed, { keep });
    await pruneOriginals(workspaces.db, current.id, live);
  } catch (error) {
    pushNotice(store, 'error', `The original files of this import were not kept, so their records cannot be shown. ${describeStorageError(error).replace(/^The workspace could not be saved: /, '')}`);
  }
}

export type OriginalLookup =
  | { status: 'found'; record: OriginalRecord; fileName: string }
  | { status: 'unavailable'; message: string }
  | { status: 'error'; message: string };

/** The original record behind event (`fileId`, `sourceRow`) of the current workspace, or why it cannot be shown. */
export async function loadOriginalRecord(services: AppServices, fileId: string, sourceRow: number, signal?: AbortSignal): Promise<OriginalLookup> {
  const workspaces = services.workspaces;
  const current = services.store.getState().workspace.current;
  if (!workspaces || !current) return { status: 'unavailable', message: 'Original files are kept only in a saved workspace, and this browser offers no storage for one.' };
  try {
    const source = await originalSource(workspaces.db, current.id, fileId);
    if (source.status !== 'kept') return { status: 'unavailable', message: missingOriginalMessage(source.status) };
    // CSV rows DuckDB's reader refused took no row number: the finder skips them too (they are few; JSON files have none).
    const { rows } = await services.engine.queryRows(
      `SELECT DISTINCT source_row FROM rejected_rows WHERE file_id = ${sqlValue(fileId)} AND source_row IS NOT NULL AND reason NOT LIKE 'unparseable time%' ORDER BY 1`,
    );
    const skipLines = rows.map((r) => Number(r.source_row));
    const record = await findOriginalRecord(source.blob, { members: source.members, sourceRow, skipLines, name: source.name }, signal ? { signal } : {});
    return { status: 'found', record, fileName: [source.name, ...source.members].join('/') };
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    if (error instanceof OriginalNotFound) return { status: 'error', message: `The record was not found in the original file: ${error.message}` };
    return { status: 'error', message: `The original record could not be read: ${(error as Error).message}` };
  }
}

export async function readKeepOriginals(services: AppServices): Promise<boolean> {
  return services.workspaces ? keepOriginalsSetting(services.workspaces.db) : false;
}

export async function saveKeepOriginals(services: AppServices, keep: boolean): Promise<void> {
  if (!services.workspaces) return;
  try {
    await setKeepOriginalsSetting(services.workspaces.db, keep);
    pushNotice(services.store, 'info', keep ? 'Original files of new imports are kept, so their records can be shown.' : 'Original files of new imports are not kept: their records cannot be shown.');
  } catch (error) {
    pushNotice(services.store, 'error', describeStorageError(error));
  }
}

/** Kept originals of the current workspace, for the export dialog ("Include original evidence files (12 MB)"). */
export async function currentOriginalsSize(services: AppServices): Promise<{ files: number; bytes: number; label: string }> {
  const current = services.store.getState().workspace.current;
  if (!services.workspaces || !current) return { files: 0, bytes: 0, label: '0 B' };
  const size = await originalsSize(services.workspaces.db, current.id);
  return { ...size, label: formatBytes(size.bytes) };
}
