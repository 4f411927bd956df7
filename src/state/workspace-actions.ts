// Workspace lifecycle in the app: open the last one on load, save after every committed import, switch (resetting the
// engine so wasm memory is returned), guard against a second tab, keep triage.
import { ensureSchema } from '../ingest/commit';
import type { TriageStatus } from '../report/findings-export';
import { CATALOGUE } from '../detections/catalog';
import { analysisFingerprint, exceptionsUnchangedSince, type AnalysisSettings } from '../detections/runner';
import { describeStorageError, isQuotaError, type SavedAnalysisInfo } from '../workspace/db';
import type { Workspaces } from '../workspace/service';
import { restoreSnapshot, restoreWorkspace, saveAnalysis, saveSnapshot } from '../workspace/snapshot';
import { exportWorkspace, importWorkspace } from '../workspace/transfer';
import { analyse, exclusive, holdAnalysesUntil, prepareSavedContext, refreshEvidence, showSavedAnalysis, type AppServices } from './actions';
import { pushNotice } from './store';

/** Web Locks: one tab owns a workspace; others read. Absent (tests, old browsers) = always the owner. */
export interface WorkspaceLocks {
  /** Try to own the workspace; resolves true when this tab holds it (until release). */
  acquire(workspaceId: string, options: { steal: boolean }): Promise<boolean>;
  release(): void;
}

export function browserLocks(): WorkspaceLocks | null {
  if (typeof navigator === 'undefined' || !navigator.locks) return null;
  let release: (() => void) | null = null;
  return {
    acquire(workspaceId, { steal }) {
      this.release();
      return new Promise<boolean>((resolve) => {
        const name = `driftline:workspace:${workspaceId}`;
        const hold = (lock: Lock | null) => {
          if (!lock) {
            resolve(false);
            return undefined;
          }
          resolve(true);
          return new Promise<void>((done) => (release = done));
        };
        // ifAvailable and steal cannot be combined; a steal always gets the lock.
        void (steal ? navigator.locks.request(name, { steal: true }, hold) : navigator.locks.request(name, { ifAvailable: true }, hold)).catch(() => undefined);
      });
    },
    release() {
      release?.();
      release = null;
    },
  };
}

function workspacesOf(services: AppServices): Workspaces | null {
  return services.workspaces ?? null;
}

export async function refreshWorkspaceList(services: AppServices): Promise<void> {
  const workspaces = workspacesOf(services);
  if (!workspaces) return;
  const list = await workspaces.list();
  const storage = typeof navigator !== 'undefined' && navigator.storage?.estimate ? await navigator.storage.estimate().catch(() => null) : null;
  const persisted = typeof navigator !== 'undefined' && navigator.storage?.persisted ? await navigator.storage.persisted().catch(() => null) : null;
  services.store.setState((state) => ({
    workspace: {
      ...state.workspace,
      list,
      current: list.find((w) => w.id === state.workspace.current?.id) ?? state.workspace.current,
      storage: storage ? { usage: storage.usage ?? 0, quota: storage.quota ?? 0, persisted } : state.workspace.storage,
    },
  }));
}

/**
 * Open a workspace (default: the last one, else the newest, else a new one): rebuild its tables from the snapshot, load
 * its settings, triage and mappings, analyse. Switching resets the engine first so the previous workspace's memory goes.
 */
export async function openWorkspace(services: AppServices, id?: string, options: { takeOver?: boolean } = {}): Promise<void> {
  const { store, engine } = services;
  const workspaces = workspacesOf(services);
  if (!workspaces) {
    store.setState((state) => ({ workspace: { ...state.workspace, available: false } }));
    await engine.start();
    await refreshEvidence(services);
    return;
  }
  try {
    let targetId = id ?? (await workspaces.lastOpened());
    if (targetId && !(await workspaces.get(targetId))) targetId = null;
    if (!targetId) targetId = (await workspaces.list())[0]?.id ?? (await workspaces.create('My first workspace')).id;
    const record = (await workspaces.get(targetId))!;
    const previous = store.getState().workspace.current;
    const owned = services.locks ? await services.locks.acquire(record.id, { steal: options.takeOver ?? false }) : true;
    store.setState((state) => ({
      workspace: { ...state.workspace, current: record, readOnly: !owned },
      findings: [],
      triage: {},
      evidence: [],
      lastImport: null,
      pendingMappings: [],
      analysis: { running: false, report: null, error: null, totals: { open: 0, explained: 0, excepted: 0 }, outdated: false },
    }));
    if (previous && previous.id !== record.id) await engine.reset();
    else await engine.start();
    const [settings, triage, mappings] = await Promise.all([workspaces.settings(record.id), workspaces.triage(record.id), workspaces.mappings()]);
    store.setState({ settings, triage, mappings });
    // Imports and analyses asked for meanwhile wait for the restore (they would see half the events).
    const restoring = exclusive(() => restoreInto(services, workspaces, record, settings, owned));
    holdAnalysesUntil(restoring);
    // Outside the restore (an analysis waits for it to end).
    if (await restoring) await analyse(services);
  } catch (error) {
    pushNotice(store, 'error', `The workspace could not be opened: ${(error as Error).message}`);
  }
}

/**
 * Bring a workspace's saved state back into the engine: the small tables and, when it still holds, the saved analysis
 * first (the findings queue is usable from there), then the events with progress; then the analysis context. True when
 * the saved findings are stale or absent: the caller runs the catalogue.
 */
async function restoreInto(
  services: AppServices,
  workspaces: Workspaces,
  record: { id: string; name: string; events: number; storedBytes: number },
  settings: AnalysisSettings,
  owned: boolean,
): Promise<boolean> {
  const { store, engine } = services;
  const restoreStart = performance.now();
  const now = Date.now();
  const fingerprint = analysisFingerprint(CATALOGUE, settings);
  const restored = await restoreWorkspace(workspaces.db, engine, record.id, {
    accept: (info) => info.fingerprint === fingerprint && exceptionsUnchangedSince(settings, info.evaluatedAt, now),
    onEarly: async (analysis) => {
      await refreshEvidence(services);
      store.setState((state) => ({ counts: state.counts && { ...state.counts, events: record.events } }));
      if (!analysis) return;
      await showSavedAnalysis(services, analysis.report);
      performance.measure('driftline:queue-ready', { start: restoreStart, duration: performance.now() - restoreStart, detail: { saved: true } });
    },
    onProgress: (done, total) => store.setState({ progress: { label: 'Loading the saved events', done, total, unit: 'rows' } }),
  });
  store.setState({ progress: null });
  // The saved findings that were shown (null: none, or stale).
  const saved = restored?.analysis ?? null;
  if (restored) {
    performance.measure('driftline:restore', {
      start: restoreStart,
      duration: performance.now() - restoreStart,
      detail: { events: record.events, storedBytes: record.storedBytes, savedAnalysis: saved !== null },
    });
  }
  // Remembering which workspace was open last is a nicety: a full disk must not stop the workspace from opening.
  if (owned) await workspaces.markOpened(record.id).catch(() => undefined);
  else pushNotice(store, 'info', `"${record.name}" is open in another tab: it is read-only here until you take it over.`);
  await refreshEvidence(services);
  await refreshWorkspaceList(services);
  if (store.getState().evidence.length === 0) return false;
  if (!saved) return true;
  await prepareSavedContext(services, saved.evaluatedAt);
  return false;
}

/**
 * The snapshot the engine's tables were last saved as: null before the first save, without storage, or while the tab is
 * ahead of its storage (a failed save), when findings must not be filed under an older snapshot.
 */
export async function currentSnapshotId(services: AppServices): Promise<string | null> {
  const workspaces = workspacesOf(services);
  const { current, readOnly, unsaved } = services.store.getState().workspace;
  if (!workspaces || !current || readOnly || unsaved) return null;
  return (await workspaces.get(current.id))?.snapshotId ?? null;
}

/** Keep an analysis' findings beside the snapshot they were computed from (a reopen shows them at once). */
export async function saveAnalysisOf(services: AppServices, info: SavedAnalysisInfo): Promise<void> {
  const workspaces = workspacesOf(services);
  const current = services.store.getState().workspace.current;
  if (!workspaces || !current || services.store.getState().workspace.readOnly) return;
  try {
    await saveAnalysis(workspaces.db, services.engine, current.id, info);
  } catch (error) {
    // Only a lost shortcut: the next reopen runs the catalogue again. Say so when it is the disk.
    pushNotice(services.store, 'info', `The findings were not saved for a fast reopen: ${describeStorageError(error)}`);
  }
}

export type SaveOutcome = 'saved' | 'cancelled' | 'failed' | 'skipped';

/**
 * Save the engine's tables as the current workspace's state (after a committed import). All or nothing: on a failure
 * (a full disk…) or a Cancel the previous snapshot stays current. A failure leaves the tab ahead of the storage, which
 * the app says until a later save succeeds ("Save again").
 */
export async function saveWorkspace(services: AppServices, options: { signal?: AbortSignal } = {}): Promise<SaveOutcome> {
  const { store, engine } = services;
  const workspaces = workspacesOf(services);
  const current = store.getState().workspace.current;
  if (!workspaces || !current || store.getState().workspace.readOnly) return 'skipped';
  store.setState((state) => ({ workspace: { ...state.workspace, saving: true } }));
  try {
    const stats = await saveSnapshot(workspaces.db, engine, current.id, options.signal);
    const ended = performance.now();
    store.setState((state) => ({ workspace: { ...state.workspace, unsaved: null } }));
    await refreshWorkspaceList(services);
    // With the engine's wasm heap once saved (it never shrinks), which `npm run bench` reports beside the buffer
    // manager's figure. Asked after the save is done, so that nothing of the save waits for the answer.
    void (engine.heapBytes?.() ?? Promise.resolve(null))
      .catch(() => null)
      .then((heapBytes) =>
        performance.measure('driftline:save', { start: ended - stats.ms, duration: stats.ms, detail: { bytes: stats.bytes, events: stats.rows.events ?? 0, heapBytes } }),
      );
    return 'saved';
  } catch (error) {
    // Only the user's Cancel is a cancel: IndexedDB reports a full disk as an aborted transaction (AbortError) too.
    if (options.signal?.aborted && !isQuotaError(error)) return 'cancelled';
    // The engine died while its tables were read out: nothing was stored, and the crash recovery restores the saved state.
    if ((error as Error).name === 'EngineCrashedError') return 'failed';
    const message = describeStorageError(error);
    pushNotice(store, 'error', message);
    store.setState((state) => ({
      workspace: {
        ...state.workspace,
        unsaved: `${message} What this tab shows is not saved: a reload or closing the tab returns to the last saved state.`,
      },
    }));
    return 'failed';
  } finally {
    store.setState((state) => ({ workspace: { ...state.workspace, saving: false } }));
  }
}

/** "Save again" after a failed save (e.g. once space was freed). */
export async function retrySave(services: AppServices): Promise<void> {
  services.store.setState({ progress: { label: 'Saving workspace', done: 0, total: 1, unit: 'files', note: 'Saving writes everything or nothing.' } });
  try {
    if ((await saveWorkspace(services)) === 'saved') pushNotice(services.store, 'info', 'Workspace saved: what this tab shows is now kept.');
  } finally {
    services.store.setState({ progress: null });
  }
}

/**
 * Bring the engine's tables back to the current workspace's saved state: after a Cancel during the save of an import,
 * or after the DuckDB worker died (the engine restarts empty). Findings are analysed again from the restored tables.
 */
export async function restoreSavedState(services: AppServices, options: { analyse: boolean }): Promise<void> {
  const { store, engine } = services;
  const workspaces = workspacesOf(services);
  const current = store.getState().workspace.current;
  await engine.start();
  if (workspaces && current) await restoreSnapshot(workspaces.db, engine, current.id);
  else await ensureSchema(engine);
  store.setState((state) => ({ workspace: { ...state.workspace, unsaved: null } }));
  await refreshEvidence(services);
  if (options.analyse) {
    if (store.getState().evidence.length > 0) await analyse(services);
    else store.setState((state) => ({ findings: [], analysis: { ...state.analysis, report: null, totals: { open: 0, explained: 0, excepted: 0 }, outdated: false } }));
  }
}

export async function createWorkspace(services: AppServices, name: string): Promise<void> {
  const workspaces = workspacesOf(services);
  if (!workspaces) return;
  const record = await workspaces.create(name);
  await openWorkspace(services, record.id);
}

export async function renameWorkspace(services: AppServices, id: string, name: string): Promise<void> {
  await workspacesOf(services)?.rename(id, name);
  await refreshWorkspaceList(services);
}

export async function duplicateWorkspace(services: AppServices, id: string, name: string): Promise<void> {
  try {
    await workspacesOf(services)?.duplicate(id, name);
  } catch (error) {
    pushNotice(services.store, 'error', describeStorageError(error));
  }
  await refreshWorkspaceList(services);
}

export async function deleteWorkspace(services: AppServices, id: string): Promise<void> {
  const workspaces = workspacesOf(services);
  if (!workspaces) return;
  const wasCurrent = services.store.getState().workspace.current?.id === id;
  await workspaces.remove(id);
  if (wasCurrent) {
    services.store.setState((state) => ({ workspace: { ...state.workspace, current: null } }));
    await services.engine.reset();
    await openWorkspace(services);
  } else await refreshWorkspaceList(services);
}

export async function requestPersistentStorage(services: AppServices): Promise<void> {
  if (typeof navigator !== 'undefined' && navigator.storage?.persist) {
    const granted = await navigator.storage.persist().catch(() => false);
    pushNotice(services.store, 'info', granted ? 'The browser will keep this data unless you clear it.' : 'The browser did not grant persistent storage; it may evict data when space runs low.');
  }
  await refreshWorkspaceList(services);
}

/** Set a finding's triage status and/or add a note; kept with a who/when history. */
export async function setTriage(services: AppServices, findingUid: string, change: { status?: TriageStatus; note?: string }): Promise<void> {
  const { store } = services;
  const workspaces = workspacesOf(services);
  const current = store.getState().workspace.current;
  if (store.getState().workspace.readOnly) {
    pushNotice(store, 'error', 'This workspace is read-only in this tab (open in another tab).');
    return;
  }
  if (!workspaces || !current) {
    store.setState((state) => {
      const prev = state.triage[findingUid] ?? { status: 'new' as TriageStatus, notes: [] };
      const notes = change.note?.trim() ? [...prev.notes, { at: new Date().toISOString(), by: 'analyst', text: change.note.trim() }] : prev.notes;
      return { triage: { ...state.triage, [findingUid]: { status: change.status ?? prev.status, notes } } };
    });
    return;
  }
  try {
    const record = await workspaces.setTriage(current.id, findingUid, { ...change, by: 'analyst' });
    store.setState((state) => ({ triage: { ...state.triage, [findingUid]: { status: record.status, notes: record.notes } } }));
  } catch (error) {
    pushNotice(store, 'error', describeStorageError(error));
  }
}

/** Set the triage status of many findings at once: one storage transaction, one store update (bulk triage). */
export async function setTriageMany(services: AppServices, findingUids: string[], status: TriageStatus): Promise<void> {
  const { store } = services;
  const workspaces = workspacesOf(services);
  const current = store.getState().workspace.current;
  if (store.getState().workspace.readOnly) {
    pushNotice(store, 'error', 'This workspace is read-only in this tab (open in another tab).');
    return;
  }
  if (findingUids.length === 0) return;
  const began = performance.now();
  try {
    if (!workspaces || !current) {
      store.setState((state) => {
        const triage = { ...state.triage };
        for (const uid of findingUids) triage[uid] = { status, notes: triage[uid]?.notes ?? [] };
        return { triage };
      });
    } else {
      const records = await workspaces.setTriageMany(current.id, findingUids, { status, by: 'analyst' });
      store.setState((state) => {
        const triage = { ...state.triage };
        for (const r of records) triage[r.findingUid] = { status: r.status, notes: r.notes };
        return { triage };
      });
    }
    performance.measure('driftline:bulk-triage', { start: began, end: performance.now(), detail: { findings: findingUids.length } });
  } catch (error) {
    pushNotice(store, 'error', describeStorageError(error));
  }
}

/** Export the current workspace as one verified (optionally encrypted) file, offered as a download. */
export async function exportWorkspaceFile(services: AppServices, passphrase?: string, options: { includeOriginals?: boolean } = {}): Promise<void> {
  const workspaces = workspacesOf(services);
  const current = services.store.getState().workspace.current;
  if (!workspaces || !current) return;
  try {
    const { name, bytes } = await exportWorkspace(workspaces.db, current.id, { ...(passphrase ? { passphrase } : {}), includeOriginals: options.includeOriginals ?? false });
    services.download(name, new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
    pushNotice(services.store, 'info', `Exported "${current.name}" as ${name}${passphrase ? ' (encrypted)' : ''}.`);
  } catch (error) {
    pushNotice(services.store, 'error', `Export failed: ${(error as Error).message}`);
  }
}

/** Verify a workspace file and add it as a new workspace, then open it. Nothing is written if a check fails. */
export async function importWorkspaceFile(services: AppServices, file: File, passphrase?: string): Promise<boolean> {
  const workspaces = workspacesOf(services);
  if (!workspaces) return false;
  try {
    const record = await importWorkspace(workspaces.db, new Uint8Array(await file.arrayBuffer()), passphrase ? { passphrase } : {});
    pushNotice(services.store, 'info', `Imported ${file.name} as workspace "${record.name}".`);
    await openWorkspace(services, record.id);
    return true;
  } catch (error) {
    pushNotice(services.store, 'error', `${file.name} was not imported: ${(error as Error).message}`);
    return false;
  }
}

/** Save detection settings for this workspace and analyse again (nobody has to press a button to see findings). */
export async function saveSettings(services: AppServices, settings: import('../detections/runner').AnalysisSettings): Promise<void> {
  const { store } = services;
  store.setState({ settings });
  const current = store.getState().workspace.current;
  if (services.workspaces && current && !store.getState().workspace.readOnly) {
    try {
      await services.workspaces.saveSettings(current.id, settings);
    } catch (error) {
      pushNotice(store, 'error', describeStorageError(error));
    }
  }
  await analyse(services);
}
