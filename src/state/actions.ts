// What the user can set in motion: start the engine, add evidence, open the sample, run SQL.
// Pure functions over the store and the engine, so they are tested without React.
import type { Engine } from '../engine/types';
import { listEvidenceFiles, workspaceCounts } from '../ingest/catalog';
import { importEvidence, type ImportProgress } from '../ingest/pipeline';
import { warmUpIngest } from '../ingest/warmup';
import { estimateImport, type ImportEstimate } from '../ingest/estimate';
import type { ImportLimits } from '../ingest/commit';
import type { EvidenceReader } from '../ingest/protocol';
import { formatBytes, formatCount, formatMemory } from '../lib/format';
import { CATALOGUE } from '../detections/catalog';
import { analysisFingerprint, prepareContext, runAnalysis, type RunReport } from '../detections/runner';
import type { EventColumnMapping } from '../ingest/csv-events';
import { findingsToCsv, findingsToOcsfJson } from '../report/findings-export';
import type { Workspaces } from '../workspace/service';
import { keepImportOriginals } from './original-actions';
import { currentSnapshotId, restoreSavedState, saveAnalysisOf, saveWorkspace, type WorkspaceLocks } from './workspace-actions';
import { pushNotice, type AppState, type AppStore, type ImportResult, type Progress } from './store';

export interface AppServices {
  store: AppStore;
  engine: Engine;
  /** Where the sample workspace lives (same origin); fetch is injectable for tests. */
  sampleBaseUrl: string;
  fetch: typeof fetch;
  /** Turns dropped files into canonical rows: a worker in the tab, in-process in tests. */
  reader: EvidenceReader;
  /** Hands a file to the user (a download in the tab). */
  download: (name: string, blob: Blob) => void;
  /** Where workspaces are kept (IndexedDB); null when the browser offers none. */
  workspaces?: Workspaces | null;
  /** Which tab owns a workspace. */
  locks?: WorkspaceLocks | null;
}

/** Times the DuckDB worker died under the app (each time the engine restarts and the saved state is restored). */
let engineCrashes = 0;
let recovery: Promise<void> | null = null;

export function bindEngineStatus(services: AppServices): () => void {
  const { store, engine } = services;
  return engine.onStatus((status, error) => {
    store.setState((state) => ({
      engine: { ...state.engine, status, error: status === 'error' ? (error?.message ?? 'unknown error') : null },
    }));
    if (status === 'error' && error?.name === 'EngineCrashedError') void recoverFromCrash(services);
  });
}

/**
 * The DuckDB worker died (crashed, killed, out of memory): its tables went with it. Stop the import in flight (it is
 * reported as failed, nothing added), start a fresh engine and fill it from the workspace's last saved snapshot.
 */
function recoverFromCrash(services: AppServices): Promise<void> {
  engineCrashes++;
  importAbort?.abort();
  analysisAbort?.abort();
  if (recovery) return recovery;
  const { store } = services;
  recovery = (async () => {
    try {
      await restoreSavedState(services, { analyse: true });
      pushNotice(store, 'error', 'The DuckDB engine stopped unexpectedly. It was restarted and the workspace was reloaded from its last saved state.');
    } catch (error) {
      pushNotice(store, 'error', `The DuckDB engine stopped unexpectedly and could not be restarted: ${(error as Error).message}. Reload the page to continue.`);
    }
  })().finally(() => {
    recovery = null;
  });
  return recovery;
}

export async function startEngine(services: AppServices): Promise<void> {
  try {
    const info = await services.engine.start();
    services.store.setState((state) => ({ engine: { ...state.engine, info } }));
    // Compiles the CSV import path while the analyst is still looking at the page (see ingest/warmup.ts).
    void warmUpIngest(services.engine).catch(() => undefined);
    await refreshEvidence(services);
    if (services.store.getState().evidence.length > 0) await analyse(services);
  } catch (error) {
    pushNotice(services.store, 'error', `The DuckDB engine could not start: ${(error as Error).message}`);
  }
}

/** Re-read the evidence catalogue and workspace counts from DuckDB into the store. */
export async function refreshEvidence(services: AppServices): Promise<void> {
  const [evidence, counts] = await Promise.all([listEvidenceFiles(services.engine), workspaceCounts(services.engine)]);
  services.store.setState({ evidence, counts });
}

let importAbort: AbortController | null = null;
const ENGINE_DIED_DURING_IMPORT =
  'Import failed, nothing was added: the DuckDB engine stopped during the import. The workspace is back to its last saved state.';

/** The commit is one DuckDB transaction followed by identity resolution: it cannot stop half-way, so it offers no Cancel. */
export const COMMIT_NOTE = 'This step cannot be cancelled: it adds all of the import at once, or nothing.';

function progressOf(p: ImportProgress): Progress {
  const files = `${formatCount(p.filesDone)} of ${formatCount(p.filesTotal)} file${p.filesTotal === 1 ? '' : 's'}`;
  const rows = `${formatCount(p.rows)} rows`;
  return p.phase === 'committing'
    ? { label: 'Committing import', done: p.filesTotal, total: p.filesTotal, unit: 'files', detail: `${files} · ${rows}`, note: COMMIT_NOTE }
    : {
        label: 'Importing evidence', done: p.bytesDone, total: p.bytesTotal, unit: 'bytes', cancel: 'import',
        detail: `${files} · ${rows}${p.currentFile ? ` · ${p.currentFile}` : ''}`,
      };
}

/**
 * Import files into the workspace: recognise, normalise, stage, commit in one step. Per-file problems are reported by
 * name; a cancelled or failed import leaves the workspace as it was.
 */
/**
 * Imports run one after another, each with its save and analysis: a second drop waits (it is never refused, and it can
 * never commit between the reads of a snapshot being saved).
 */
let importChain: Promise<unknown> = Promise.resolve();

/** Run `work` after every import (and workspace restore) queued before it, and before any queued after it. */
export function exclusive<T>(work: () => Promise<T>): Promise<T> {
  const result = importChain.then(work, work);
  importChain = result.catch(() => undefined);
  return result;
}

/** An analysis asked for while a workspace is being restored waits for the restore (it would read half the events). */
let restoreGate: Promise<unknown> = Promise.resolve();
export function holdAnalysesUntil(done: Promise<unknown>): void {
  restoreGate = done.catch(() => undefined);
}

export function addEvidenceFiles(
  services: AppServices,
  files: readonly File[],
  origin: 'picked' | 'dropped' | 'sample',
  limits?: ImportLimits,
): Promise<ImportResult | null> {
  if (files.length === 0) return Promise.resolve(null);
  if (importAbort) pushNotice(services.store, 'info', `${files.length} file${files.length === 1 ? '' : 's'} queued: they are imported when the current import is done.`);
  return exclusive(() => importFiles(services, files, origin, limits));
}


/** The refusal, in words: which files, how big, what they would need, what the tab has. */
function oversizeMessage(files: readonly File[], estimate: ImportEstimate): string {
  const names = files.length === 1 ? files[0]!.name : `${files.length} files (${files.slice(0, 3).map((f) => f.name).join(', ')}${files.length > 3 ? ', …' : ''})`;
  const bytes = files.reduce((n, f) => n + f.size, 0);
  return (
    `Not imported: ${names} (${formatBytes(bytes)}, about ${formatCount(Math.round(estimate.events / 1000) * 1000)} events) would need about ` +
    `${formatMemory(estimate.neededBytes)} of working memory, and this tab's DuckDB can use about ${formatMemory(estimate.availableBytes)} ` +
    `(${formatMemory(estimate.usedBytes)} already in use). Nothing was read and the workspace is unchanged. Load a narrower column set or a time ` +
    'slice, or split the files and analyse them in separate workspaces.'
  );
}

/** Import the refused drop with the limits the analyst chose. */
export function importWithLimits(services: AppServices, limits: ImportLimits): Promise<ImportResult | null> {
  const pending = services.store.getState().oversize;
  if (!pending) return Promise.resolve(null);
  services.store.setState({ oversize: null });
  return addEvidenceFiles(services, pending.files, pending.origin, limits);
}

export function dismissOversize(services: AppServices): void {
  services.store.setState({ oversize: null });
}

async function importFiles(
  services: AppServices,
  files: readonly File[],
  origin: 'picked' | 'dropped' | 'sample',
  limits?: ImportLimits,
): Promise<ImportResult | null> {
  const { store, engine } = services;
  if (store.getState().workspace.readOnly) {
    pushNotice(store, 'error', 'This workspace is open in another tab and read-only here: take it over to add evidence.');
    return null;
  }
  const controller = new AbortController();
  importAbort = controller;
  const crashesBefore = engineCrashes;
  store.setState({ importing: { phase: 'reading', filesDone: 0, filesTotal: files.length, bytesDone: 0, bytesTotal: 0, rows: 0, currentFile: null } });
  let result: ImportResult | null = null;
  try {
    if (recovery) await recovery;
    await engine.start();
    if (!limits) {
      // Refused before anything is read when it cannot fit: the analyst chooses how to narrow it instead of waiting for
      // an out-of-memory error at the end.
      const memory = await engine.memory();
      const estimate = await estimateImport(files, memory);
      if (!estimate.fits) {
        const message = oversizeMessage(files, estimate);
        store.setState({ oversize: { files: [...files], origin, estimate, narrow: await estimateImport(files, memory, true), message } });
        pushNotice(store, 'error', message);
        return null;
      }
    }
    // A large import commits in steps, each visible on its own: an analysis asked for meanwhile waits for the import.
    let importDone!: () => void;
    holdAnalysesUntil(new Promise<void>((resolve) => (importDone = resolve)));
    const report = await importEvidence(engine, files, {
      reader: services.reader,
      signal: controller.signal,
      ...(limits ? { limits } : {}),
      mappings: store.getState().mappings,
      onProgress: (progress) => store.setState({ importing: progress, progress: progressOf(progress) }),
    }).finally(() => importDone());
    result = { ...report, mappingRequests: report.mappingRequests.map(({ file: _file, ...rest }) => rest) };
    if (report.timings && report.status === 'committed') {
      // Standard User Timing entries: visible in the browser's performance tools, and read by `npm run bench`.
      const memory = await engine.memory().catch(() => null);
      performance.measure('driftline:import', {
        start: performance.now() - report.timings.totalMs,
        duration: report.timings.totalMs,
        detail: { ...report.timings, events: report.summary?.events ?? 0, files: report.files.length, bytes: files.reduce((n, f) => n + f.size, 0), duckdbBytes: memory?.usedBytes ?? null, heapBytes: memory?.heapBytes ?? null },
      });
    }
    if (engineCrashes !== crashesBefore) {
      // The engine died under the import: whatever the pipeline saw last, nothing of it was kept.
      result = { ...result, status: 'failed', error: 'the DuckDB engine stopped during the import' };
      store.setState({ lastImport: result });
      pushNotice(store, 'error', ENGINE_DIED_DURING_IMPORT);
      if (recovery) await recovery;
      return result;
    }
    store.setState({ lastImport: result });
    if (report.mappingRequests.length) store.setState((state) => ({ pendingMappings: [...state.pendingMappings, ...report.mappingRequests] }));
    if (report.status === 'cancelled') pushNotice(store, 'info', 'Import cancelled: the workspace is as it was before (stopped while reading the files).');
    else if (report.status === 'failed') pushNotice(store, 'error', `Import failed, nothing was added: ${report.error ?? 'unknown error'}`);
    else {
      const loaded = report.files.filter((f) => f.status === 'loaded').length;
      const s = report.summary;
      pushNotice(
        store,
        'info',
        `Imported ${loaded} of ${report.files.length} file${report.files.length === 1 ? '' : 's'} (${origin}): ${formatCount(s?.events ?? 0)} events, ${formatCount(s?.identities ?? 0)} identities` +
          (s?.duplicates ? `, ${formatCount(s.duplicates)} duplicate events skipped` : '') +
          (s?.rejected ? `, ${formatCount(s.rejected)} rows rejected (see Evidence)` : '') +
          '.',
      );
    }
    for (const file of report.files) {
      if (file.status === 'failed') pushNotice(store, 'error', `${file.name}: ${file.message ?? 'could not be read'}`);
      if (file.status === 'duplicate') pushNotice(store, 'info', `${file.name}: skipped, ${file.message}`);
      if (file.status === 'needs-mapping') pushNotice(store, 'info', `${file.name}: columns need mapping (${file.message}).`);
    }
    await refreshEvidence(services);
    if (report.status === 'committed') {
      commits++;
      // The analysis runs first and the save as soon as the findings are on screen: DuckDB-WASM has one thread, and the
      // save's reads interleaved with the catalogue's statements made the findings ~0.6 s later at 1M events (the save
      // ends about when it did). Until the snapshot is written, a reload comes back without this import; Cancel on the
      // saving bar undoes the whole import (and stops the analysis of it). The analysis keeps its findings beside the new
      // snapshot only once that snapshot exists.
      const savingBar = (note: string) => store.setState({ saving: { label: 'Saving workspace', done: 0, total: 1, unit: 'files', cancel: 'import', note } });
      savingBar('Starts once the findings are ready. Cancel now undoes the whole import.');
      let snapshotSaved!: (id: string | null) => void;
      const newSnapshot = new Promise<string | null>((resolve) => (snapshotSaved = resolve));
      let findingsReady!: () => void;
      const findingsShown = new Promise<void>((resolve) => (findingsReady = resolve));
      const analysis = analyse(services, { basedOn: newSnapshot, onFindings: findingsReady });
      let saved: Awaited<ReturnType<typeof saveWorkspace>> = 'failed';
      try {
        // A Cancel meanwhile need not wait for the findings: the save below then ends at once, as cancelled.
        await Promise.race([findingsShown, new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true }))]);
        if (!controller.signal.aborted) savingBar('Cancel now undoes the whole import.');
        saved = await saveWorkspace(services, { signal: controller.signal });
      } finally {
        store.setState({ saving: null });
        snapshotSaved(saved === 'saved' ? await currentSnapshotId(services) : null);
      }
      if (engineCrashes !== crashesBefore) throw new Error(ENGINE_DIED_DURING_IMPORT);
      if (saved === 'cancelled') {
        // Not the user's Cancel of the analysis: it stops because its evidence is being taken back.
        analysisAbort?.abort();
        await analysis;
        store.setState({ progress: { label: 'Undoing the import', done: 0, total: 1, unit: 'files', note: 'Bringing back the last saved state.' } });
        await restoreSavedState(services, { analyse: false });
        result = { ...result, status: 'cancelled' };
        store.setState({ lastImport: result });
        pushNotice(store, 'info', 'Import cancelled: the workspace is as it was before (stopped while saving, nothing was kept).');
        await analyse(services);
        return result;
      }
      // A Cancel that came after the snapshot was written is too late to undo anything: say so rather than nothing.
      if (saved === 'saved') await keepImportOriginals(services, files, report);
      if (saved === 'saved' && controller.signal.aborted) pushNotice(store, 'info', 'Cancel came too late: the import had already been saved, so it stays.');
      // From here the import is kept; Cancel now stops the analysis only.
      if (importAbort === controller) importAbort = null;
      await analysis;
    }
  } catch (error) {
    if (engineCrashes !== crashesBefore) {
      if (recovery) await recovery;
      pushNotice(store, 'error', ENGINE_DIED_DURING_IMPORT);
    } else pushNotice(store, 'error', `Import failed: ${(error as Error).message}`);
  } finally {
    if (importAbort === controller) importAbort = null;
    store.setState({ importing: null, saving: null, ...(analysisAbort ? {} : { progress: null }) });
  }
  return result;
}

const FINDINGS_SHOWN = 500;
let analysisAbort: AbortController | null = null;
/** Imports committed in this tab: an analysis that saw one land while it ran is not saved as the snapshot's findings. */
let commits = 0;
/** Set by the user's Cancel, so a superseded run (a newer analysis started) is not reported as cancelled. */
let analysisCancelledByUser = false;

/** Load the findings queue (totals and the top rows) from the findings table into the store. */
async function loadQueue(services: AppServices, report: RunReport): Promise<{ open: number; explained: number; excepted: number }> {
  const { store, engine } = services;
  const { rows: totals } = await engine.queryRows(
    `SELECT count(*) FILTER (WHERE status = 'open') AS open, count(*) FILTER (WHERE status = 'explained') AS explained,
            count(*) FILTER (WHERE status = 'excepted') AS excepted FROM findings`,
  );
  const { rows } = await engine.queryRows(`SELECT * FROM findings ORDER BY status = 'open' DESC, risk_score DESC, detection_id, entity_key, subject LIMIT ${FINDINGS_SHOWN}`);
  const t = totals[0] ?? {};
  const counts = { open: Number(t.open ?? 0), explained: Number(t.explained ?? 0), excepted: Number(t.excepted ?? 0) };
  store.setState({ findings: rows, analysis: { running: false, report, error: null, outdated: false, totals: counts } });
  return counts;
}

/**
 * Show findings that came back from storage with the workspace (computed from the same evidence, settings and catalogue):
 * the queue is usable before the events are restored and without running the catalogue again.
 */
export async function showSavedAnalysis(services: AppServices, report: RunReport): Promise<void> {
  await loadQueue(services, { ...report, saved: true });
}

/** After saved findings were shown and the events are back: the context tables the identity page and evidence read. */
export async function prepareSavedContext(services: AppServices, evaluatedAt: number): Promise<void> {
  try {
    await prepareContext(services.engine, CATALOGUE, services.store.getState().settings, { evaluatedAt });
  } catch (error) {
    pushNotice(services.store, 'error', `The analysis context could not be prepared: ${(error as Error).message}`);
  }
}

/**
 * Run the whole catalogue over the workspace (after every import and settings change) and load the queue. `basedOn`:
 * the snapshot the findings will be kept beside, when it is still being written (an import's save follows the findings).
 * `onFindings` is called once: when the findings are loaded, or when the analysis ends without them.
 */
export async function analyse(
  services: AppServices,
  options: { basedOn?: Promise<string | null>; onFindings?: () => void } = {},
): Promise<void> {
  const { store, engine } = services;
  let told = false;
  const findingsDone = () => {
    if (told) return;
    told = true;
    options.onFindings?.();
  };
  analysisAbort?.abort();
  const controller = new AbortController();
  analysisAbort = controller;
  analysisCancelledByUser = false;
  const detections = CATALOGUE.filter((d) => !store.getState().settings.disabled.includes(d.id)).length;
  store.setState((state) => ({
    analysis: { ...state.analysis, running: true, error: null },
    progress: { label: 'Analysing', done: 0, total: detections, unit: 'detections', cancel: 'analysis' },
  }));
  try {
    await restoreGate;
    if (controller.signal.aborted) throw Object.assign(new Error('Analysis cancelled'), { name: 'AbortError' });
    const began = performance.now();
    const settings = store.getState().settings;
    const evaluatedAt = Date.now();
    const basedOn = options.basedOn ?? currentSnapshotId(services);
    const commitsAtStart = commits;
    const report = await runAnalysis(engine, CATALOGUE, settings, {
      signal: controller.signal,
      evaluatedAt,
      onProgress: (done, total) => store.setState({ progress: { label: 'Analysing', done, total, unit: 'detections', cancel: 'analysis' } }),
    });
    const counts = await loadQueue(services, report);
    // User Timing: visible in the browser's performance tools and read by `npm run bench:detect` / `bench:reopen`.
    performance.measure('driftline:analysis', {
      start: began,
      duration: report.totalMs,
      detail: { ...report.timingsMs, totalMs: report.totalMs, findings: counts.open + counts.explained + counts.excepted },
    });
    store.setState({ progress: null });
    findingsDone();
    const snapshotId = await basedOn;
    if (snapshotId && commits === commitsAtStart && analysisAbort === controller) {
      await saveAnalysisOf(services, { basedOn: snapshotId, fingerprint: analysisFingerprint(CATALOGUE, settings), evaluatedAt, report });
    }
  } catch (error) {
    const cancelled = (error as Error).name === 'AbortError';
    const byUser = cancelled && analysisCancelledByUser && analysisAbort === controller;
    // The findings table is replaced only in the last step: after a Cancel the previous findings are still whole, they
    // may just predate the newest evidence.
    store.setState((state) => ({
      analysis: { ...state.analysis, running: false, error: cancelled ? null : (error as Error).message, outdated: state.analysis.outdated || byUser },
    }));
    if (byUser) {
      pushNotice(
        store,
        'info',
        store.getState().analysis.report
          ? 'Analysis cancelled: the findings shown are from the previous analysis and may not include the latest evidence.'
          : 'Analysis cancelled: no findings yet. Run the analysis to see them.',
      );
    } else if (!cancelled && (error as Error).name !== 'EngineCrashedError') pushNotice(store, 'error', `Analysis failed: ${(error as Error).message}`);
  } finally {
    // Whatever happened (cancel, failure, a newer analysis), a save waiting for these findings waits no longer.
    findingsDone();
    if (analysisAbort === controller) {
      analysisAbort = null;
      store.setState({ progress: null });
    }
  }
}

/** Every finding (not only those shown) as OCSF Detection Finding JSON or CSV, offered as a download. */
export async function exportFindings(services: AppServices, format: 'ocsf' | 'csv'): Promise<{ name: string; text: string }> {
  const { rows } = await services.engine.queryRows('SELECT * FROM findings ORDER BY risk_score DESC, detection_id, entity_key, subject');
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  const file =
    format === 'ocsf'
      ? { name: `driftline-findings-${stamp}.ocsf.json`, text: findingsToOcsfJson(rows, services.store.getState().triage), type: 'application/json' }
      : { name: `driftline-findings-${stamp}.csv`, text: findingsToCsv(rows, services.store.getState().triage), type: 'text/csv' };
  services.download(file.name, new Blob([file.text], { type: file.type }));
  return file;
}

/**
 * Import a CSV again with the columns the analyst chose; the mapping is remembered for every file with the same header.
 */
export async function applyMapping(
  services: AppServices,
  request: AppState['pendingMappings'][number],
  mapping: EventColumnMapping,
): Promise<void> {
  const { store } = services;
  store.setState((state) => ({ mappings: { ...state.mappings, [request.request.signature]: mapping } }));
  await services.workspaces?.rememberMapping(request.request.signature, mapping).catch(() => undefined);
  if (!request.file) {
    pushNotice(store, 'error', `${request.name}: the file is no longer available; drop it again to import it with this mapping.`);
    return;
  }
  discardMappingRequest(services, request.fileId);
  await addEvidenceFiles(services, [request.file], 'picked');
}

export function discardMappingRequest(services: AppServices, fileId: string): void {
  services.store.setState((state) => ({ pendingMappings: state.pendingMappings.filter((r) => r.fileId !== fileId) }));
}

export function cancelImport(): void {
  importAbort?.abort();
}

export function cancelAnalysis(): void {
  if (!analysisAbort) return;
  analysisCancelledByUser = true;
  analysisAbort.abort();
}

interface SampleManifest {
  name: string;
  files: { path: string; bytes: number; description?: string }[];
}

/** Load the built-in workshop sample through the same path as dropped files. */
export async function openSampleWorkspace(services: AppServices): Promise<void> {
  const { store } = services;
  try {
    const base = services.sampleBaseUrl.endsWith('/') ? services.sampleBaseUrl : `${services.sampleBaseUrl}/`;
    const response = await services.fetch(`${base}manifest.json`);
    if (!response.ok) throw new Error(`manifest.json: HTTP ${response.status}`);
    const manifest = (await response.json()) as SampleManifest;
    store.setState({ progress: { label: 'Fetching sample files', done: 0, total: manifest.files.length, unit: 'files' } });
    const files: File[] = [];
    for (const entry of manifest.files) {
      const fileResponse = await services.fetch(`${base}${entry.path.split('/').map(encodeURIComponent).join('/')}`);
      if (!fileResponse.ok) throw new Error(`${entry.path}: HTTP ${fileResponse.status}`);
      files.push(new File([await fileResponse.blob()], entry.path));
      store.setState((state) => ({ progress: state.progress && { ...state.progress, done: state.progress.done + 1 } }));
    }
    await addEvidenceFiles(services, files, 'sample');
  } catch (error) {
    store.setState({ progress: null });
    pushNotice(store, 'error', `The sample workspace could not be opened: ${(error as Error).message}`);
  }
}

let sqlAbort: AbortController | null = null;

export async function runSql(services: AppServices): Promise<void> {
  const { store, engine } = services;
  const text = store.getState().sql.text;
  sqlAbort?.abort();
  const controller = new AbortController();
  sqlAbort = controller;
  const began = performance.now();
  store.setState((state) => ({ sql: { ...state.sql, running: true, error: null } }));
  try {
    const result = await engine.queryRows(text, { signal: controller.signal });
    store.setState((state) => ({
      sql: { ...state.sql, running: false, result, error: null, elapsedMs: Math.round(performance.now() - began) },
    }));
  } catch (error) {
    const cancelled = (error as Error).name === 'AbortError';
    store.setState((state) => ({
      sql: {
        ...state.sql,
        running: false,
        result: null,
        error: cancelled ? 'Query cancelled.' : (error as Error).message,
        elapsedMs: Math.round(performance.now() - began),
      },
    }));
  } finally {
    if (sqlAbort === controller) sqlAbort = null;
  }
}

export function cancelSql(): void {
  sqlAbort?.abort();
}

/** Go to an identity's page (from a finding, the inventory, a report). */
export function openIdentity(services: AppServices, entityKey: string): void {
  services.store.setState({ identityKey: entityKey, view: 'identities' });
  if (typeof window !== 'undefined') window.location.hash = '#/identities';
}

/** Put SQL in the console and go there (e.g. a finding's evidence query). */
export function openInConsole(services: AppServices, sql: string): void {
  services.store.setState((state) => ({ sql: { ...state.sql, text: sql }, view: 'sql' }));
  if (typeof window !== 'undefined') window.location.hash = '#/sql';
}
