// Application state (zustand), one store per app instance; slices are namespaced by concern.
// Components select raw state; actions that touch the engine live in actions.ts, outside React.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EngineInfo, EngineStatus, RowsResult } from '../engine/types';

export const VIEWS = ['evidence', 'findings', 'identities', 'inventory', 'sql', 'reports'] as const;
export type ViewId = (typeof VIEWS)[number];

export const VIEW_LABELS: Record<ViewId, string> = {
  evidence: 'Evidence',
  findings: 'Findings',
  identities: 'Identities',
  inventory: 'Inventory',
  sql: 'SQL',
  reports: 'Reports',
};

export interface EvidenceFile {
  id: string;
  /** Name as the user knows it (folder path included for dropped folders). */
  name: string;
  /** Name under which the engine can read it, e.g. read_csv('evidence/3-register.csv'). */
  engineName: string;
  bytes: number;
  origin: 'picked' | 'dropped' | 'sample';
  addedAt: string;
}

export interface Progress {
  label: string;
  done: number;
  total: number;
  unit: string;
}

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

export interface AppState {
  engine: { status: EngineStatus; info: EngineInfo | null; error: string | null };
  view: ViewId;
  evidence: EvidenceFile[];
  progress: Progress | null;
  notices: Notice[];
  sql: SqlConsoleState;
}

export type AppStore = StoreApi<AppState>;

export function initialState(): AppState {
  return {
    engine: { status: 'idle', info: null, error: null },
    view: 'evidence',
    evidence: [],
    progress: null,
    notices: [],
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
