// Loaders for the public conformance set (../shared/data/public) and a runner that pushes a whole file through detection + normalise.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { CanonicalEvent } from '../../../src/ingest/canonical';
import { detectLogFormat, normaliseRecord, type LogFormat } from '../../../src/ingest/formats';

export const DATA_DIR = path.resolve(process.cwd(), '../shared/data/public');

export function dataPath(...parts: string[]): string {
  return path.join(DATA_DIR, ...parts);
}

export function listData(folder: string): string[] {
  return readdirSync(dataPath(folder)).sort();
}

/** One JSON value per non-blank line. */
export function readNdjson(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}

export function readJsonArray(file: string): unknown[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(parsed)) throw new Error(`${file} is not a JSON array`);
  return parsed;
}

/** A CloudTrail S3 delivery file: gzip → `{"Records": [...]}`. */
export function readRecordsGz(file: string): unknown[] {
  const parsed = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { Records?: unknown };
  if (!Array.isArray(parsed.Records)) throw new Error(`${file} has no Records array`);
  return parsed.Records;
}

export interface FileRun {
  format: LogFormat | null;
  confidence: number;
  records: number;
  events: CanonicalEvent[];
  /** Records that were valid but yielded no event (e.g. k8s RequestReceived stages). */
  empty: number;
  rejects: Record<string, number>;
  rejectedRows: number[];
}

/** Detect the file's format from its records, then normalise every record (with per-record fallback for mixed files). */
export function runFile(name: string, records: unknown[]): FileRun {
  const detection = detectLogFormat(records);
  const run: FileRun = {
    format: detection?.format ?? null, confidence: detection?.confidence ?? 0, records: records.length, events: [], empty: 0, rejects: {}, rejectedRows: [],
  };
  if (detection === null) return run;
  records.forEach((record, i) => {
    const result = normaliseRecord(detection.format, record, { source_file: name, source_row: i + 1 });
    if ('reject' in result) {
      run.rejects[result.reject] = (run.rejects[result.reject] ?? 0) + 1;
      run.rejectedRows.push(i + 1);
    } else {
      if (result.events.length === 0) run.empty++;
      run.events.push(...result.events);
    }
  });
  return run;
}

/** The events of one source row. */
export function rowEvents(run: FileRun, row: number): CanonicalEvent[] {
  return run.events.filter((e) => e.source_row === row);
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
