import type { Browser, BrowserContext } from '@playwright/test';
type Measure = { name: string; startTime: number; duration: number; detail: Record<string, unknown> | null };
export type WholePathStageKey = 'recogniseMs' | 'parseMs' | 'loadMs' | 'readMs' | 'commitMs' | 'resolveMs' | 'importMs' | 'detectMs' | 'persistMs';
export declare const WHOLE_PATH_STAGES: { key: WholePathStageKey; label: string; optional?: boolean }[];
export declare function runBrowserWholePath(options: {
  context?: BrowserContext;
  browser?: Browser;
  url: string;
  files: string[];
  expectEvents?: number;
  timeoutMs?: number;
}): Promise<{
  /** What the app reported when the import or the analysis failed (figures up to that point are still given). */
  failure: string | null;
  events: number | null;
  files: number | null;
  bytes: number | null;
  findings: number | null;
  stages: Record<WholePathStageKey, number | null>;
  dropToImportMs: number | null;
  dropToFindingsMs: number | null;
  dropToSavedMs: number | null;
  dropToShownMs: number | null;
  betweenMs: number | null;
  order: string | null;
  eventsPerSec: number | null;
  duckdbBytes: number | null;
  /** DuckDB-WASM's linear memory after the import, and once the snapshot is saved (it never shrinks). */
  heapAfterImportBytes: number | null;
  heapBytes: number | null;
  savedBytes: number | null;
  rendererPeakBytes: number | null;
  rendererRssBytes: number | null;
  rendererProcesses: number | null;
  jsHeapUsedBytes: number | null;
  wallMs: number;
  otherCpuShare: number | null;
  ourCpuShare: number | null;
  engineText: string;
  notice: string | null;
  notices: string[];
  measures: { import: Measure | null; save: Measure | null; analysis: Measure | null };
  problems: string[];
  outside: string[];
  pageErrors: string[];
}>;
