import type { ImportEstimate } from '../ingest/estimate';
// Application state (zustand), one store per app instance; slices are namespaced by concern.
// Components select raw state; actions that touch the engine live in actions.ts, outside React.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EngineInfo, EngineStatus, RowsResult } from '../engine/types';
import type { EvidenceFileRow, WorkspaceCounts } from '../ingest/catalog';
import type { AnalysisSettings, RunReport } from '../detections/runner';
import { DEFAULT_SETTINGS } from '../detections/runner';
import type { UiValue } from '../engine/values';
import type { EventColumnMapping } from '../ingest/csv-events';
import type { TriageState } from '../report/findings-export';
import type { WorkspaceRecord } from '../workspace/db';
import type { ImportProgress, ImportReport } from '../ingest/pipeline';

export const VIEWS = ['evidence', 'findings', 'identities', 'inventory', 'sql', 'reports', 'settings'] as const;
export type ViewId = (typeof VIEWS)[number];

export const VIEW_LABELS: Record<ViewId, string> = {
  evidence: 'Evidence',
  findings: 'Findings',
  identities: 'Identities',
  inventory: 'Inventory',
  sql: 'SQL',
  reports: 'Reports',
  settings: 'Settings',
};

export interface Progress {
  label: string;
  done: number;
  total: number;
  unit: 'files' | 'bytes' | 'detections' | 'rows';
  /** More counts for the reader, e.g. "3 of 10 files · 120,000 rows". */
  detail?: string;
  /** What Cancel stops at this stage; absent when the stage cannot be cancelled. */
  cancel?: 'import' | 'analysis';
  /** Said next to the bar, e.g. why this stage has no Cancel. */
  note?: string;
}

/** What the last import did, kept for the Evidence view (the File objects are not kept). */
export type ImportResult = Omit<ImportReport, 'mappingRequests'> & { mappingRequests: Omit<ImportReport['mappingRequests'][number], 'file'>[] };

export interface Notice {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

export interface SqlConsoleState {
  text: string;
  running: boolean;
  result: RowsResult | null;
  error: string | null;
  elapsedMs: number | null;
}

export interface Oversize {
  files: File[];
  origin: 'picked' | 'dropped' | 'sample';
  estimate: ImportEstimate;
  /** The same drop with a narrower column set. */
  narrow: ImportEstimate;
  message: string;
}

export interface AppState {
  engine: { status: EngineStatus; info: EngineInfo | null; error: string | null };
  view: ViewId;
  /** The evidence catalogue as committed in DuckDB. */
  evidence: EvidenceFileRow[];
  counts: WorkspaceCounts | null;
  /** Non-null while an import runs. */
  importing: ImportProgress | null;
  lastImport: ImportResult | null;
  /** Column mappings the analyst made, by CSV header signature: reused for files with the same header. */
  mappings: Record<string, EventColumnMapping>;
  /** CSVs waiting for the analyst to map their columns (their File is kept so they can be imported after). */
  pendingMappings: ImportReport['mappingRequests'];
  /** A drop refused before reading because it would not fit in this tab's DuckDB, waiting for the analyst's choice. */
  oversize: Oversize | null;
  progress: Progress | null;
  /** An import's snapshot being written while its analysis runs (a second bar beside `progress`). */
  saving: Progress | null;
  notices: Notice[];
  /** Detection settings (windows, thresholds, overrides, exceptions). */
  settings: AnalysisSettings;
  analysis: {
    running: boolean;
    report: RunReport | null;
    error: string | null;
    /** Findings per status, all detections. */
    totals: { open: number; explained: number; excepted: number };
    /** The last analysis was cancelled: the findings shown may not reflect the latest evidence. */
    outdated: boolean;
  };
  /** The highest-risk findings, for the queue (the table in DuckDB holds them all). */
  findings: Record<string, UiValue>[];
  /** The identity (key, or 'shadow:<actor>') open on the Identities view. */
  identityKey: string | null;
  /** Triage state of findings the analyst touched, by finding uid. */
  triage: Record<string, TriageState>;
  workspace: {
    current: WorkspaceRecord | null;
    list: WorkspaceRecord[];
    /** Another tab holds this workspace: nothing here may change it. */
    readOnly: boolean;
    saving: boolean;
    /** Why the tab holds changes the browser storage does not (a save failed); null when everything is saved. */
    unsaved: string | null;
    storage: { usage: number; quota: number; persisted: boolean | null } | null;
    /** False when this browser gives no IndexedDB (private mode…): work is not kept. */
    available: boolean;
  };
  sql: SqlConsoleState;
}

export type AppStore = StoreApi<AppState>;

export function initialState(): AppState {
  return {
    engine: { status: 'idle', info: null, error: null },
    view: 'evidence',
    evidence: [],
    counts: null,
    importing: null,
    lastImport: null,
    mappings: {},
    pendingMappings: [],
    oversize: null,
    progress: null,
    saving: null,
    notices: [],
    settings: DEFAULT_SETTINGS,
    analysis: { running: false, report: null, error: null, totals: { open: 0, explained: 0, excepted: 0 }, outdated: false },
    findings: [],
    identityKey: null,
    triage: {},
    workspace: { current: null, list: [], readOnly: false, saving: false, unsaved: null, storage: null, available: true },
    sql: { text: 'SELECT 42 AS answer', running: false, result: null, error: null, elapsedMs: null },
  };
}

export function createAppStore(overrides: Partial<AppState> = {}): AppStore {
  return createStore<AppState>()(() => ({ ...initialState(), ...overrides }));
}

let noticeCounter = 0;

export function pushNotice(store: AppStore, kind: Notice['kind'], text: string): void {
  const notice = { id: ++noticeCounter, kind, text };
  store.setState((state) => ({ notices: [...state.notices.slice(-4), notice] }));
}

export function dismissNotice(store: AppStore, id: number): void {
  store.setState((state) => ({ notices: state.notices.filter((notice) => notice.id !== id) }));
}

export function setView(store: AppStore, view: ViewId): void {
  store.setState({ view });
}

export function viewFromHash(hash: string): ViewId | null {
  const id = hash.replace(/^#\/?/, '');
  return (VIEWS as readonly string[]).includes(id) ? (id as ViewId) : null;
}
