import type { Page } from '@playwright/test';
export declare const QUEUE_MEASURES: string[];
export declare const FILTER_MEASURES: string[];
export declare function importQueueEvidence(page: Page, files: string[], options?: { timeoutMs?: number }): Promise<{ analysisMs: number; findings: number | null; events: number | null }>;
export declare function measureQueue(
  page: Page,
  options?: { runs?: number; bulk?: number; keys?: number; text?: string; log?: (line: string) => void; timeoutMs?: number },
): Promise<{
  shown: number;
  measures: Record<string, number[]>;
  details: {
    smooth: { frames: number; dropped: number; longestMs: number | null; intervalMs: number; scrolledPx: number }[];
    bulk: { selected: number; status: string; storedMs: number; findings: number | null }[];
  };
}>;
