// Before an import reads anything: will it fit? DuckDB-WASM lives in a 4 GB heap and raises Out of Memory past its
// memory_limit, after the analyst has waited for the whole read. From the file sizes (and the gzip trailer, and the
// length of the first lines) this estimates the events and the memory the import and its analysis need, so a drop
// that cannot fit is refused at once, naming what it would take, and the analyst can narrow it instead.
import type { EngineMemory } from '../engine/types';
import type { EventField } from './csv-events';
import { STEP_EVENTS } from './commit';

/** Stored cost of one event in the compressed workspace database: conservative for real logs (bench data: ~18 B). */
export const STORED_BYTES_PER_EVENT = 120;
/** What the analysis adds per event (context tables, shared aggregates, findings): measured ~40 B, kept generous. */
export const ANALYSIS_BYTES_PER_EVENT = 80;
/** An uncommitted event (DuckDB keeps a transaction's rows uncompressed): measured ~415 B. */
export const STAGED_BYTES_PER_EVENT = 450;
/** DuckDB's own working memory during a load (CSV reader buffers, hash tables): measured ~70 MiB at the 1M bench. */
export const WORKING_BYTES = 64 * 1024 * 1024;
/** Share of DuckDB's memory_limit an import may plan to use. */
export const USABLE_SHARE = 0.9;
/** A narrower column set drops these long text fields; events then cost about this share. */
export const NARROW_OMIT: readonly EventField[] = ['user_agent', 'resource', 'resource_account', 'error_code', 'session_type', 'actor_alt'];
export const NARROW_SHARE = 0.55;

export interface FileEstimate {
  name: string;
  bytes: number;
  /** Uncompressed size (from the gzip trailer; zip archives are assumed to expand eight-fold). */
  textBytes: number;
  /** Bytes per event, from the first lines (CSV, NDJSON) or the format's typical record. */
  bytesPerEvent: number;
  events: number;
}

export interface ImportEstimate {
  files: FileEstimate[];
  events: number;
  /** Bytes DuckDB needs at the peak: what it holds now, the stored events, one uncommitted step, the analysis. */
  neededBytes: number;
  /** What this tab's DuckDB may use (memory_limit × USABLE_SHARE). */
  availableBytes: number;
  usedBytes: number;
  fits: boolean;
}

const JSON_BYTES_PER_EVENT = 1100;
const ZIP_EXPANSION = 8;
const HEAD_BYTES = 64 * 1024;

async function fileEstimate(file: File): Promise<FileEstimate> {
  const head = new Uint8Array(await file.slice(0, Math.min(file.size, HEAD_BYTES)).arrayBuffer());
  let textBytes = file.size;
  let gzip = false;
  if (head[0] === 0x1f && head[1] === 0x8b && file.size >= 18) {
    // ISIZE: the uncompressed size modulo 2^32 of the last member, which for a single-member file is all of it.
    const tail = new DataView(await file.slice(file.size - 4).arrayBuffer());
    const isize = tail.getUint32(0, true);
    textBytes = Math.max(isize, file.size);
    gzip = true;
  } else if (head[0] === 0x50 && head[1] === 0x4b) {
    textBytes = file.size * ZIP_EXPANSION;
  }
  let bytesPerEvent = JSON_BYTES_PER_EVENT;
  if (!gzip && textBytes === file.size) {
    // Plain text: the average line of the first 64 KiB (CSV and NDJSON rows; a JSON array keeps the typical record).
    const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
    const first = text.trimStart()[0];
    const lines = text.split('\n').length - 1;
    if (first !== '[' && first !== '{' && lines >= 2) bytesPerEvent = Math.max(40, head.length / lines);
    else if (first === '{' && lines >= 5) bytesPerEvent = Math.max(200, head.length / lines);
  }
  return { name: file.name, bytes: file.size, textBytes, bytesPerEvent, events: Math.ceil(textBytes / bytesPerEvent) };
}

/** Estimate from the files alone (reads at most 64 KiB and 4 bytes of each); `narrow` = a narrower column set. */
export async function estimateImport(files: readonly File[], memory: EngineMemory, narrow = false): Promise<ImportEstimate> {
  const estimates = await Promise.all(files.map(fileEstimate));
  const events = estimates.reduce((n, f) => n + f.events, 0);
  const share = narrow ? NARROW_SHARE : 1;
  const neededBytes =
    memory.usedBytes +
    WORKING_BYTES +
    events * (STORED_BYTES_PER_EVENT + ANALYSIS_BYTES_PER_EVENT) * share +
    Math.min(events, STEP_EVENTS) * STAGED_BYTES_PER_EVENT * share;
  const availableBytes = memory.limitBytes * USABLE_SHARE;
  return {
    files: estimates,
    events,
    neededBytes,
    availableBytes,
    usedBytes: memory.usedBytes,
    // No limit known (0): nothing to refuse on.
    fits: memory.limitBytes <= 0 || neededBytes <= availableBytes,
  };
}
