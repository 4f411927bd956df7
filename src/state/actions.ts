// What the user can set in motion: start the engine, add evidence, open the sample, run SQL.
// Pure functions over the store and the engine, so they are tested without React.
import type { Engine } from '../engine/types';
import { pushNotice, type AppStore, type EvidenceFile } from './store';

export interface AppServices {
  store: AppStore;
  engine: Engine;
  /** Where the sample workspace lives (same origin); fetch is injectable for tests. */
  sampleBaseUrl: string;
  fetch: typeof fetch;
}

export function bindEngineStatus({ store, engine }: AppServices): () => void {
  return engine.onStatus((status, error) => {
    store.setState((state) => ({
      engine: { ...state.engine, status, error: status === 'error' ? (error?.message ?? 'unknown error') : null },
    }));
  });
}

export async function startEngine(services: AppServices): Promise<void> {
  try {
    const info = await services.engine.start();
    services.store.setState((state) => ({ engine: { ...state.engine, info } }));
  } catch (error) {
    pushNotice(services.store, 'error', `The DuckDB engine could not start: ${(error as Error).message}`);
  }
}

let fileCounter = 0;

/** A name for the engine's virtual file system: unique, readable, free of path and quote characters. */
export function engineFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? 'file';
  const safe = base.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'file';
  return `evidence/${++fileCounter}-${safe}`;
}

/**
 * Register files with the engine so SQL can read them, with a progress count.
 * (Recognition and normalisation into the canonical model come with the ingest pipeline.)
 */
export async function addEvidenceFiles(services: AppServices, files: readonly File[], origin: EvidenceFile['origin']): Promise<void> {
  const { store, engine } = services;
  if (files.length === 0) return;
  const total = files.length;
  store.setState({ progress: { label: 'Adding evidence', done: 0, total, unit: 'files' } });
  const added: EvidenceFile[] = [];
  try {
    for (const file of files) {
      const name = (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
      const engineName = engineFileName(name);
      try {
        await engine.registerFile(engineName, file);
        added.push({ id: engineName, name, engineName, bytes: file.size, origin, addedAt: new Date().toISOString() });
      } catch (error) {
        pushNotice(store, 'error', `${name}: could not be opened (${(error as Error).message})`);
      }
      store.setState((state) => ({ progress: state.progress && { ...state.progress, done: state.progress.done + 1 } }));
    }
  } finally {
    store.setState((state) => ({ evidence: [...state.evidence, ...added], progress: null }));
  }
  if (added.length > 0) pushNotice(store, 'info', `Added ${added.length} of ${total} file${total === 1 ? '' : 's'}.`);
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
