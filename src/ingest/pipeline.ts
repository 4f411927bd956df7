// One import, end to end on the main-thread side: reader messages → staging tables → one commit → identity resolution.
// Cancel or failure at any point rolls the staging back; the workspace's earlier evidence is never touched.
import { sqlValue } from '../engine/sql';
import type { Engine } from '../engine/types';
import { ImportTransaction, STEP_EVENTS, type CommitSummary, type EvidenceFileRecord, type ImportLimits } from './commit';
import { mappedEventsSelect, type EventColumnMapping } from './csv-events';
import type { EvidenceReader, FileInfo, FileSource, MappingRequest, ReaderMessage } from './protocol';

/** Least time between two progress reports while files are read. */
const PROGRESS_EVERY_MS = 120;

export interface ImportProgress {
  phase: 'reading' | 'committing';
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  rows: number;
  currentFile: string | null;
}

export interface FileOutcome {
  fileId: string;
  name: string;
  status: 'loaded' | 'failed' | 'needs-mapping' | 'duplicate';
  message: string | null;
  info: FileInfo | null;
  rows: number;
  rejected: number;
  /** Which dropped file (and zip member) the bytes came from, so the original can be kept. */
  source?: FileSource;
}

export interface ImportTimings {
  /** From start to the last reader message (recognise, parse, normalise, stage). */
  readMs: number;
  /** The one transaction that makes the import visible. */
  commitMs: number;
  /** Identity resolution over all events. */
  resolveMs: number;
  /** Part of readMs spent writing events into DuckDB (Arrow batches moved into events, CSV read by DuckDB). */
  loadMs: number;
  /** Part of readMs from each file's start to its recognition (sniff, encoding, vendor vote / CSV classification). */
  recogniseMs: number;
  /** Part of readMs the import waited on the reader after recognition: parsing, normalising and hashing not hidden
   *  behind DuckDB's work. */
  parseMs: number;
  totalMs: number;
  /** Bytes of CSV copied into the origin-private file system for DuckDB to read (engine/staging.ts); 0 where none. */
  stagedBytes: number;
  /** Part of readMs spent handing CSV files (or slices) to DuckDB: waiting for their OPFS copy, registering them. */
  stageMs: number;
  /** Part of readMs spent in the commits of a large import's steps (each CSV slice, every STEP_EVENTS events). */
  stepMs: number;
}

export interface ImportReport {
  importId: string;
  timings: ImportTimings | null;
  status: 'committed' | 'cancelled' | 'failed';
  error: string | null;
  files: FileOutcome[];
  summary: CommitSummary | null;
  mappingRequests: { fileId: string; name: string; request: MappingRequest; file: File | null }[];
}

export interface ImportOptions {
  reader: EvidenceReader;
  signal: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  mappings?: Record<string, EventColumnMapping>;
  batchRows?: number;
  /** A time slice or narrower column set the analyst chose for a drop too large for the tab. */
  limits?: ImportLimits;
  /** Tests: slice CSVs and commit in steps at small sizes. */
  csvSlice?: { from: number; bytes: number };
  stepEvents?: number;
}

function newImportId(): string {
  const random = Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0');
  return `i${Date.now().toString(36)}${random}`;
}

export async function importEvidence(engine: Engine, files: readonly File[], options: ImportOptions): Promise<ImportReport> {
  const importId = newImportId();
  const { signal } = options;
  const report: ImportReport = { importId, timings: null, status: 'committed', error: null, files: [], summary: null, mappingRequests: [] };
  const began = performance.now();
  const outcomes = new Map<string, FileOutcome>();
  const byName = new Map(files.map((f) => [f.name, f]));
  const progress: ImportProgress = {
    phase: 'reading', filesDone: 0, filesTotal: files.length, bytesDone: 0, bytesTotal: files.reduce((n, f) => n + f.size, 0), rows: 0, currentFile: null,
  };
  const bytesByFile = new Map<string, number>();
  // Reports while reading are at most ~8 a second: each one renders the progress bars, and a 100-file drop sends
  // over a thousand messages (renders on the main thread took CPU from the parsing workers).
  let lastEmit = 0;
  const emit = () => {
    lastEmit = performance.now();
    options.onProgress?.({ ...progress });
  };
  const emitSometimes = () => {
    if (performance.now() - lastEmit >= PROGRESS_EVERY_MS) emit();
  };
  const tx = new ImportTransaction(engine, importId, signal);
  if (options.limits) tx.limits = options.limits;
  const registered: string[] = [];
  // Slices copied ahead for DuckDB (engine.prepareFile) and not yet registered: dropped at the end whatever happens.
  const prepared = new Set<string>();
  const stagedBefore = engine.stagedBytes?.() ?? 0;
  const fileStarted = new Map<string, number>();
  const refusedByFile = new Map<string, number>();
  let recogniseMs = 0;
  let waitMs = 0;
  let stageMs = 0;
  let stepMs = 0;

  try {
    await tx.begin();
    emit();
    // Where the import's rows will start (deleted rows keep their place): CSV slices then end on row groups.
    const { rows: next } = await engine.queryRows('SELECT coalesce(max(rowid) + 1, 0) AS n FROM events', { signal });
    const readOptions = {
      idPrefix: importId, mappings: options.mappings ?? {}, batchRows: options.batchRows ?? 10_000, eventRowsBefore: Number(next[0]?.n ?? 0),
      ...(options.csvSlice ? { csvSlice: options.csvSlice } : {}),
    };
    const messages = options.reader(files, readOptions, signal)[Symbol.asyncIterator]();
    // Messages read ahead while a CSV slice loads, up to the next slice (see 'csv-events'), handed out in order.
    const ahead: Promise<IteratorResult<ReaderMessage>>[] = [];
    let lookingAhead: Promise<void> | null = null;
    const lookAhead = async () => {
      for (;;) {
        const later = messages.next();
        ahead.push(later);
        // A failure is the loop's to meet, when it reaches this message.
        const result = await later.catch(() => null);
        if (!result || result.done || result.value.type !== 'progress') {
          if (result && !result.done && result.value.type === 'csv-events' && !signal.aborted) {
            const name = csvEngineFile(result.value);
            prepared.add(name);
            engine.prepareFile?.(name, result.value.blob);
          }
          return;
        }
      }
    };
    try {
      for (;;) {
        const waitStart = performance.now();
        if (lookingAhead) await lookingAhead;
        lookingAhead = null;
        const next = await (ahead.shift() ?? messages.next());
        waitMs += performance.now() - waitStart;
        if (next.done) break;
        const message = next.value;
        if (signal.aborted) break;
        const outcome = outcomes.get(message.fileId);
        switch (message.type) {
          case 'file-start':
            outcomes.set(message.fileId, {
              fileId: message.fileId, name: message.name, status: 'loaded', message: null, info: null, rows: 0, rejected: 0, ...(message.source ? { source: message.source } : {}),
            });
            progress.currentFile = message.name;
            fileStarted.set(message.fileId, performance.now());
            break;
          case 'file-info': {
            if (outcome) outcome.info = message.info;
            const started = fileStarted.get(message.fileId);
            if (started !== undefined) recogniseMs += performance.now() - started;
            fileStarted.delete(message.fileId);
            break;
          }
          case 'events':
            await tx.addEventsIpc(message.ipc, message.fileId, message.rows);
            if (outcome) outcome.rows += message.rows;
            progress.rows += message.rows;
            break;
          case 'rejected':
            await tx.addRejected(message.fileId, message.rows);
            if (outcome) outcome.rejected += message.rows.length;
            break;
          case 'inventory':
            await tx.addIdentities(message.fileId, message.result.identities, message.result.aliases);
            if (message.updates?.length) await tx.addLastUsed(message.fileId, message.updates);
            await tx.addRejected(message.fileId, message.result.rejected);
            if (outcome) {
              outcome.rows += message.result.identities.length + (message.updates?.length ?? 0);
              outcome.rejected += message.result.rejected.length;
              if (outcome.info) outcome.info.notes.push(...message.result.notes);
            }
            break;
          case 'changes':
            await tx.addChanges(message.fileId, message.changes);
            if (outcome) outcome.rows += message.changes.length;
            break;
          case 'classes':
            await tx.addResourceClasses(message.fileId, message.classes);
            if (outcome) outcome.rows += message.classes.length;
            break;
          case 'csv-events': {
            const engineFile = csvEngineFile(message);
            if (message.slice && !message.slice.last && engine.prepareFile && !lookingAhead && ahead.length === 0) {
              // While DuckDB loads this slice, the reader finds the next one and the engine copies it (staging.ts): the
              // copy is then ready when its turn comes instead of adding to the import's time.
              lookingAhead = lookAhead();
            }
            const staging = performance.now();
            await engine.registerFile(engineFile, message.blob);
            stageMs += performance.now() - staging;
            prepared.delete(engineFile);
            registered.push(engineFile);
            const rejectsTable = `rejects_${message.fileId}${message.slice ? `_${message.slice.index}` : ''}`;
            // Rows are numbered as DuckDB's reader numbers them over the whole file: lines it refused get no number, so
            // a slice starts after the rows of the earlier slices less the lines refused there.
            const part = message.slice
              ? { rowOffset: message.slice.rowOffset - (refusedByFile.get(message.fileId) ?? 0), lineOffset: message.slice.rowOffset }
              : { rowOffset: 0, lineOffset: 0 };
            const counts = await tx.addCsvEvents(
              message.fileId,
              mappedEventsSelect({
                engineFile, delimiter: message.delimiter, rejectsTable, headers: message.headers, mapping: message.mapping,
                timeFormat: message.timeFormat, platform: message.platform, sourceFormat: message.sourceFormat, fileId: message.fileId,
                rowOffset: part.rowOffset, omit: options.limits?.omit ?? [], trim: message.spacedEdges !== false,
              }),
              rejectsTable,
              part,
            );
            refusedByFile.set(message.fileId, (refusedByFile.get(message.fileId) ?? 0) + counts.refused);
            // A loaded slice is not needed any more: its registration goes (the File itself was never copied).
            if (message.slice) {
              await engine.dropFile(engineFile).catch(() => undefined);
              registered.splice(registered.indexOf(engineFile), 1);
            }
            if (outcome) {
              outcome.rows += counts.loaded;
              outcome.rejected += counts.rejected;
            }
            progress.rows += counts.loaded;
            break;
          }
          case 'needs-mapping':
            if (outcome) {
              outcome.status = 'needs-mapping';
              outcome.message = message.request.reason;
            }
            report.mappingRequests.push({ fileId: message.fileId, name: message.name, request: message.request, file: byName.get(message.name) ?? null });
            break;
          case 'progress': {
            const before = bytesByFile.get(message.fileId) ?? 0;
            bytesByFile.set(message.fileId, message.bytesRead);
            progress.bytesDone += Math.max(0, message.bytesRead - before);
            break;
          }
          case 'file-error':
            outcomes.set(message.fileId, {
              fileId: message.fileId, name: message.name, status: 'failed', message: message.message, info: outcome?.info ?? null, rows: 0, rejected: 0,
            });
            await tx.discardFile(message.fileId);
            progress.filesDone++;
            break;
          case 'file-done': {
            progress.filesDone++;
            // A file that produced no description was only a container (a zip archive): its members speak for it.
            if (outcome && outcome.status === 'loaded' && !outcome.info) {
              outcomes.delete(message.fileId);
              break;
            }
            if (!outcome || outcome.status !== 'loaded' || !outcome.info) break;
            const { rows } = await engine.queryRows(`SELECT name FROM evidence_files WHERE sha256 = ${sqlValue(message.sha256)} LIMIT 1`, { signal });
            if (rows.length > 0) {
              outcome.status = 'duplicate';
              outcome.message = `the same bytes were already loaded as ${String(rows[0]?.name)}`;
              await tx.discardFile(message.fileId);
              break;
            }
            const record: EvidenceFileRecord = {
              file_id: message.fileId, name: outcome.name, bytes: message.bytes, sha256: message.sha256, container: outcome.info.container,
              kind: outcome.info.kind, vendor: outcome.info.vendor, source_format: outcome.info.sourceFormat, notes: outcome.info.notes,
            };
            await tx.addFile(record);
            break;
          }
        }
        // A large import commits in steps so that DuckDB never holds more than one step uncompressed. A slice of a large
        // CSV is a step of its own (~120k events): DuckDB's CSV reader works beside the uncommitted rows, and a slice and
        // a half uncommitted grew the wasm heap, which never shrinks, by ~57 MiB at 1M events.
        const sliced = message.type === 'csv-events' && message.slice !== undefined && options.stepEvents === undefined;
        const due = sliced ? tx.uncommittedEvents > 0 : tx.uncommittedEvents >= (options.stepEvents ?? STEP_EVENTS);
        if ((message.type === 'events' || message.type === 'csv-events') && due) {
          const stepping = performance.now();
          await tx.checkpoint();
          stepMs += performance.now() - stepping;
        }
        emitSometimes();
      }
    } finally {
      // Ends the reader (and its worker) whether the loop finished, broke on a cancel or threw.
      await messages.return?.(undefined);
    }
    if (signal.aborted) throw Object.assign(new Error('Import cancelled'), { name: 'AbortError' });
    progress.phase = 'committing';
    progress.currentFile = null;
    emit();
    const read = performance.now();
    report.summary = await tx.commit();
    const committed = performance.now();
    report.timings = {
      readMs: Math.round(read - began),
      commitMs: Math.round(committed - read - tx.resolveMs),
      resolveMs: Math.round(tx.resolveMs),
      loadMs: Math.round(tx.loadMs),
      recogniseMs: Math.round(recogniseMs),
      parseMs: Math.round(Math.max(0, waitMs - recogniseMs)),
      totalMs: Math.round(committed - began),
      stagedBytes: (engine.stagedBytes?.() ?? 0) - stagedBefore,
      stageMs: Math.round(stageMs),
      stepMs: Math.round(stepMs),
    };
  } catch (error) {
    await tx.rollback();
    const cancelled = signal.aborted || (error as Error).name === 'AbortError';
    report.status = cancelled ? 'cancelled' : 'failed';
    report.error = cancelled ? null : (error as Error).message;
  } finally {
    for (const name of [...registered, ...prepared]) await engine.dropFile(name).catch(() => undefined);
  }
  report.files = [...outcomes.values()];
  return report;
}

/** The name DuckDB reads an event CSV (or one slice of it) under. */
function csvEngineFile(message: Extract<ReaderMessage, { type: 'csv-events' }>): string {
  return message.slice ? `evidence/${message.fileId}.part${message.slice.index}.csv` : `evidence/${message.fileId}.csv`;
}
