// The evidence reader: one dropped file (or zip member) → what it is, by content, and its canonical rows.
// Runs inside the ingest worker in the tab and in-process in Node; it never holds a large file whole.
import type { CanonicalEvent, InventoryResult, RejectedRow } from './canonical';
import { eventsToIpc } from './arrow-batch';
import { formatCount } from '../lib/format';
import { csvHeadAndSample, CsvParser, isBlankCsvRecord, needsTranscoding, transcodeToUtf8 } from './container/csv-text';
import { IngestError } from './container/errors';
import { splitRecords, type RecordShape } from './container/records';
import { sniffSource, type Sniff } from './container/sniff';
import { decodeText, openBlob } from './container/streams';
import { unzipEntries } from './container/zip';
import { detectTimeFormat, type EventColumnMapping, type EventField } from './csv-events';
import { detectLogFormat, normaliseRecord, DETECT_SAMPLE, type LogFormat } from './formats';
import {
  changeWindowsFromTable,
  classifyCsv,
  credentialReportToInventory,
  detectJsonInventory,
  headerSignature,
  mapHeaders,
  MIN_CONFIDENCE,
  normaliseJsonInventory,
  registerToInventory,
  resourceClassesFromTable,
  type HeaderMapping,
  type ParsedTable,
} from './inventory';
import type { FileInfo, FileSource, MappingRequest, ReaderMessage, ReadOptions } from './protocol';

const REJECT_FLUSH = 1000;
const PROGRESS_EVERY_MS = 150;
/** Inventories, change windows and classification files are read whole; past this they are not inventories. */
const MAX_TABLE_ROWS = 500_000;

/** The event fields of the header mapper, by the names the CSV event SQL uses. */
const EVENT_FIELD_NAMES: Record<string, EventField> = {
  time: 'event_time', actor: 'actor', action: 'action', resource: 'resource', source_ip: 'source_ip', user_agent: 'user_agent',
  outcome: 'outcome', error_code: 'error_code', bytes: 'bytes', credential_id: 'credential_id', event_id: 'event_id',
};

/** GitHub's audit CSV export, column by column (same meaning as formats/github.ts gives the JSON export). */
const GITHUB_CSV_COLUMNS: [EventField, string[]][] = [
  ['event_time', ['@timestamp', 'created_at', 'timestamp']],
  ['actor', ['actor']],
  ['actor_alt', ['actor_id']],
  ['credential_id', ['hashed_token', 'token_id']],
  ['action', ['action']],
  ['resource', ['repo', 'repository', 'org']],
  ['account', ['org', 'business']],
  ['source_ip', ['actor_ip']],
  ['user_agent', ['user_agent']],
  ['event_id', ['_document_id']],
  ['session_type', ['programmatic_access_type']],
];

interface FileContext {
  fileId: string;
  name: string;
  options: ReadOptions;
  signal: AbortSignal;
  /** Rows `events` will hold before the next slice (as far as this reader knows: its own slices). */
  tableRows: { next: number };
}

function ensureNotAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new DOMException('Import cancelled', 'AbortError');
}

const shapeOf = (sniff: Sniff) => (sniff.inner ?? sniff).text;

function containerText(sniff: Sniff, notes: string[]): string {
  const text = shapeOf(sniff);
  if (text?.encodingGuessed) notes.push(`Text encoding guessed as ${text.encoding} (no byte-order mark; not valid UTF-8 otherwise).`);
  return sniff.description;
}

/** Read every file of a drop; zip archives are opened and each member is read as a file of its own. */
export async function* readEvidence(files: readonly File[], options: ReadOptions, signal: AbortSignal): AsyncGenerator<ReaderMessage> {
  let counter = 0;
  const nextId = () => `${options.idPrefix}_${++counter}`;
  const tableRows = { next: options.eventRowsBefore ?? 0 };
  for (const [index, file] of files.entries()) {
    ensureNotAborted(signal);
    const name = (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
    yield* readBlob(file, name, nextId, options, signal, { index, members: [] }, tableRows);
  }
}

async function* readBlob(
  blob: Blob,
  name: string,
  nextId: () => string,
  options: ReadOptions,
  signal: AbortSignal,
  source: FileSource,
  tableRows: FileContext['tableRows'],
): AsyncGenerator<ReaderMessage> {
  const fileId = nextId();
  yield { type: 'file-start', fileId, name, bytes: blob.size, source };
  const ctx: FileContext = { fileId, name, options, signal, tableRows };
  let sha256 = '';
  let bytesRead = 0;
  try {
    const sniffed = await sniffSource(blob, {
      signal,
      name,
      onProgress: (n) => (bytesRead = n),
      onSha256: (hex) => (sha256 = hex),
    });
    const { sniff } = sniffed;
    if (sniff.container === 'zip') {
      await sniffed.stream.cancel().catch(() => undefined);
      // The archive itself is not evidence; each member is, under "archive.zip/member/path".
      yield { type: 'file-done', fileId, sha256: '', bytes: blob.size };
      for await (const member of unzipEntries(blob, { signal, name })) {
        ensureNotAborted(signal);
        // A member is read more than once (hash, DuckDB's CSV reader): keep its bytes as a Blob, which the browser
        // may keep on disk, rather than in the worker's heap.
        const bytes = await new Response(member.stream).blob();
        yield* readBlob(bytes, `${name}/${member.path}`, nextId, options, signal, { index: source.index, members: [...source.members, member.path] }, tableRows);
      }
      return;
    }
    if (sniff.container === 'empty') throw new Error(sniff.reason ? `the file is empty: ${sniff.reason}` : 'the file is empty');
    if (sniff.inner?.container === 'gzip' || sniff.inner?.container === 'zip') {
      // Compression inside compression is how decompression bombs hide their size; nothing genuine needs it.
      throw new Error(`a ${sniff.inner.container === 'gzip' ? 'gzip' : 'zip'} file inside a gzip file was not opened (nested compression is a decompression-bomb pattern); decompress the outer layer and drop the result`);
    }
    if (sniff.container === 'binary') throw new Error(`not a log or inventory: the content is binary (${sniff.reason ?? 'unknown'})`);
    if (sniff.container === 'parquet') {
      await sniffed.stream.cancel().catch(() => undefined);
      yield* readParquet(blob, ctx);
    } else {
      const text = shapeOf(sniff);
      if (!text || text.shape === 'unknown') throw new Error(`not a recognised format: ${sniff.description}`);
      if (text.shape === 'csv') yield* readCsv(blob, sniffed.stream, sniff, ctx, () => bytesRead, (hex) => (sha256 = hex));
      else yield* readJson(sniffed.stream, sniff, text.shape, ctx, () => bytesRead);
    }
    if (!sha256) {
      // A reader that stopped early (CSV sampled, DuckDB reads the rest) still owes the hash of every byte received.
      yield* hashRest(blob, ctx, (hex) => (sha256 = hex));
    }
    yield { type: 'progress', fileId, bytesRead: blob.size, rows: 0 };
    yield { type: 'file-done', fileId, sha256, bytes: blob.size };
  } catch (error) {
    if (signal.aborted) throw error;
    yield { type: 'file-error', fileId, name, message: describeError(error) };
  }
}

function describeError(error: unknown): string {
  if (error instanceof IngestError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Event CSVs from this size on are loaded in slices (see sliceCsv), each committed once loaded (pipeline.ts). A slice's
 * rows sit uncompressed in DuckDB until then, beside the CSV reader's buffers, and wasm memory, once grown, is never given
 * back: for a 1M-event CSV one 270 MB insert grew the tab's DuckDB heap to 577 MiB, 64 MB slices to 342 MiB, 32 MB
 * slices (~124k events) to 285 MiB. From 1 GiB on, slices are 64 MB: there the identity resolution at commit sets the
 * heap's high-water mark whatever the slices (1.9 GiB at 10M events), and 32 MB slices only made the import slower
 * (63 s instead of 47 s, measured before slices ended on row groups).
 */
export const SLICE_FROM_BYTES = 64 * 1024 * 1024;
const SLICE_BYTES = 32 * 1024 * 1024;
const LARGE_FILE_BYTES = 1024 * 1024 * 1024;
const LARGE_SLICE_BYTES = 64 * 1024 * 1024;

/**
 * DuckDB's rows per row group. Each slice is committed on its own (pipeline.ts), and a commit compresses the table's
 * new rows. Commits that leave the last row group part-filled cost about twice as much as commits that end on a group
 * (Node, the same wasm build, 983k rows in 8 commits: 3.1 s in steps of 124k rows, 1.55 s in steps of 122,880).
 */
export const ROW_GROUP_ROWS = 122_880;

/**
 * Cut a large CSV into slices of ~32 MB (64 MB from 1 GiB on) at record boundaries (a line break outside quotes: an
 * RFC 4180 quote toggles the state, an escaped "" toggles it twice), each a Blob of the header line plus its records:
 * no copy, Blob.slice.
 * A slice ends where the table reaches a whole number of row groups (ROW_GROUP_ROWS) once it is at least 3/4 of the
 * size; rows too wide for that end it at 3/2 of the size.
 * One streaming pass, which also hashes the bytes when they are the file as received (`onSha256`); slices are sent as
 * they are found, so DuckDB loads one while the next is scanned.
 */
async function* sliceCsv(
  blob: Blob,
  ctx: FileContext,
  delimiter: string,
  message: (slice: { blob: Blob; slice: { index: number; rowOffset: number; last: boolean }; spacedEdges: boolean }) => ReaderMessage,
  onSha256: ((hex: string) => void) | null,
): AsyncGenerator<ReaderMessage> {
  let read = 0;
  let last = 0;
  const sliceBytes = ctx.options.csvSlice?.bytes ?? (blob.size >= LARGE_FILE_BYTES ? LARGE_SLICE_BYTES : SLICE_BYTES);
  const alignedFrom = sliceBytes * 0.75;
  const widest = sliceBytes * 1.5;
  const groupRows = ctx.options.csvSlice?.rowGroup ?? ROW_GROUP_ROWS;
  const stream = openBlob(blob, { signal: ctx.signal, name: ctx.name, compression: 'none', onProgress: (n) => (read = n), ...(onSha256 ? { onSha256 } : {}) });
  const reader = stream.getReader();
  let quoted = false;
  let position = 0;
  let headerEnd = -1;
  let sliceStart = -1;
  let rows = 0;
  let sliceRows = 0;
  let index = 0;
  let header: Blob | null = null;
  // Whether a value of the slice may begin or end with a space separator (what DuckDB's trim() removes): the SQL trims
  // only then. An ASCII space counts next to a delimiter or line break outside quotes, after an opening quote or before
  // a closing one (an escaped "" may count too: never too few); the other separators count anywhere (rare in logs).
  let spaced = false;
  // The byte before was a delimiter or line break outside quotes, or an opening quote: a value begins here.
  let valueStarts = true;
  const delim = delimiter.charCodeAt(0);
  let before = 0x0a;
  let before2 = 0x0a;
  const emit = (end: number, final: boolean): ReaderMessage => {
    const piece = new Blob([header!, blob.slice(sliceStart, end)]);
    // (Space as the delimiter: every value is next to one.)
    const out = message({ blob: piece, slice: { index: index++, rowOffset: rows, last: final }, spacedEdges: spaced || delim === 0x20 });
    rows += sliceRows;
    ctx.tableRows.next += sliceRows;
    sliceRows = 0;
    sliceStart = end;
    spaced = false;
    return out;
  };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (let i = 0; i < value.length; i++) {
      const byte = value[i]!;
      const prev = before;
      const prev2 = before2;
      before2 = prev;
      before = byte;
      if (byte === 0x22) {
        quoted = !quoted;
        if (!quoted && prev === 0x20) spaced = true;
        valueStarts = quoted;
        continue;
      }
      if (byte === 0x20) {
        if (valueStarts) spaced = true;
        valueStarts = false;
        continue;
      }
      if (quoted || (byte !== delim && byte !== 0x0a && byte !== 0x0d)) {
        valueStarts = false;
        if (byte >= 0x80 && !spaced) spaced = endsSpaceSeparator(prev2, prev, byte);
        continue;
      }
      if (prev === 0x20) spaced = true;
      valueStarts = true;
      if (byte === 0x0a) {
        const end = position + i + 1;
        if (headerEnd < 0) {
          headerEnd = end;
          sliceStart = end;
          header = blob.slice(0, headerEnd);
          spaced = false;
          continue;
        }
        sliceRows++;
        const bytes = end - sliceStart;
        if ((bytes >= alignedFrom && (ctx.tableRows.next + sliceRows) % groupRows === 0) || bytes >= widest) yield emit(end, false);
      }
    }
    position += value.length;
    if (Date.now() - last > PROGRESS_EVERY_MS) {
      last = Date.now();
      yield { type: 'progress', fileId: ctx.fileId, bytesRead: read, rows: 0 };
    }
  }
  if (headerEnd < 0) throw new Error('the CSV has no complete header line');
  // A file that does not end with a line break: its last value ends where the file does.
  if (before === 0x20) spaced = true;
  if (sliceStart < blob.size || index === 0) yield emit(blob.size, true);
  else yield message({ blob: new Blob([header!]), slice: { index: index++, rowOffset: rows, last: true }, spacedEdges: false });
}

/**
 * Whether the UTF-8 bytes `a b c` (c the newest) end a space separator other than U+0020: U+00A0, U+1680,
 * U+2000–U+200A, U+202F, U+205F or U+3000 (with U+0020, what DuckDB's trim() removes).
 */
export function endsSpaceSeparator(a: number, b: number, c: number): boolean {
  if (b === 0xc2) return c === 0xa0;
  if (a === 0xe1) return b === 0x9a && c === 0x80;
  if (a === 0xe2 && b === 0x80) return (c >= 0x80 && c <= 0x8a) || c === 0xaf;
  if (a === 0xe2 && b === 0x81) return c === 0x9f;
  if (a === 0xe3) return b === 0x80 && c === 0x80;
  return false;
}

async function* hashRest(blob: Blob, ctx: FileContext, done: (hex: string) => void): AsyncGenerator<ReaderMessage> {
  let last = 0;
  let read = 0;
  const stream = openBlob(blob, { signal: ctx.signal, name: ctx.name, compression: 'none', onSha256: done, onProgress: (n) => (read = n) });
  const reader = stream.getReader();
  for (;;) {
    const { done: end } = await reader.read();
    if (end) break;
    if (Date.now() - last > PROGRESS_EVERY_MS) {
      last = Date.now();
      yield { type: 'progress', fileId: ctx.fileId, bytesRead: read, rows: 0 };
    }
  }
}

/** JSON / NDJSON: split into records, recognise the source from a sample, normalise in batches. */
async function* readJson(
  stream: ReadableStream<Uint8Array>,
  sniff: Sniff,
  shape: RecordShape,
  ctx: FileContext,
  bytesRead: () => number,
): AsyncGenerator<ReaderMessage> {
  const text = shapeOf(sniff)!;
  const notes: string[] = [];
  const container = containerText(sniff, notes);
  const records = splitRecords(decodeText(stream, text.encoding), shape, {
    parse: true, encoding: text.encoding, offsetBase: text.bomLength, signal: ctx.signal,
  });
  const sample: { row: number; value: unknown }[] = [];
  const rejected: Omit<RejectedRow, 'source_file'>[] = [];
  let format: LogFormat | null = null;
  let events: CanonicalEvent[] = [];
  let total = 0;
  let lastProgress = 0;
  let truncated: string | null = null;
  const pending: ReaderMessage[] = [];

  const take = (row: number, value: unknown) => {
    const result = normaliseRecord(format!, value, { source_file: ctx.name, source_row: row });
    if ('reject' in result) rejected.push({ source_row: row, reason: result.reject });
    else for (const event of result.events) events.push(event);
  };
  const flush = function* (force: boolean): Generator<ReaderMessage> {
    if (events.length >= ctx.options.batchRows || (force && events.length > 0)) {
      total += events.length;
      yield { type: 'events', fileId: ctx.fileId, ipc: eventsToIpc(events, ctx.fileId), rows: events.length };
      events = [];
    }
    if (rejected.length >= REJECT_FLUSH || (force && rejected.length > 0)) {
      yield { type: 'rejected', fileId: ctx.fileId, rows: rejected.splice(0) };
    }
  };

  try {
    for await (const item of records) {
      if (item.kind === 'error') {
        rejected.push({ source_row: item.row, reason: item.message });
        continue;
      }
      if (!format) {
        sample.push({ row: item.row, value: item.value });
        if (sample.length < DETECT_SAMPLE) continue;
        const decided = yield* decide();
        if (decided === 'inventory') return;
        continue;
      }
      take(item.row, item.value);
      yield* flush(false);
      if (Date.now() - lastProgress > PROGRESS_EVERY_MS) {
        lastProgress = Date.now();
        yield { type: 'progress', fileId: ctx.fileId, bytesRead: bytesRead(), rows: total + events.length };
      }
    }
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    if (!(error instanceof IngestError) || error.code !== 'truncated') throw error;
    truncated = error.message;
  }
  if (truncated && total + events.length === 0 && sample.length === 0) throw new Error(`the JSON is truncated: ${truncated}`);
  if (!format) {
    const decided = yield* decide();
    if (decided === 'inventory') return;
  }
  if (truncated) {
    rejected.push({ source_row: null as unknown as number, reason: `truncated: ${truncated}` });
    notes.push(`The file is truncated (${truncated}); every complete record before that point was loaded.`);
  }
  yield* flush(true);
  yield* pending.splice(0);

  // Decide what the file is from the records seen so far: an audit log (then replay the sample) or an inventory.
  async function* decide(): AsyncGenerator<ReaderMessage, 'log' | 'inventory'> {
    const values = sample.map((s) => s.value);
    if (values.length === 0 && rejected.length > 0) {
      // Not one record could be read (e.g. a single line far over the record size limit): say why, with the row.
      const [first] = rejected;
      const more = rejected.length > 1 ? ` (and ${formatCount(rejected.length - 1)} more unreadable records)` : '';
      throw new Error(`no record could be read: ${first!.reason.replace(/\.$/, '')}${more}`);
    }
    const detection = detectLogFormat(values);
    if (detection) {
      format = detection.format;
      const info: FileInfo = { container, kind: 'audit_log', vendor: format.vendor, sourceFormat: format.format, notes };
      yield { type: 'file-info', fileId: ctx.fileId, info };
      for (const s of sample) take(s.row, s.value);
      sample.length = 0;
      yield* flush(false);
      return 'log';
    }
    // Inventories are small: read the rest of the records and treat them as one document.
    const all = [...values];
    for await (const item of records) {
      if (item.kind === 'record') all.push(item.value);
      if (all.length > MAX_TABLE_ROWS) throw new Error(`not a recognised audit log, and too large (${all.length}+ records) to be an inventory`);
    }
    const documents: unknown[] = all.length === 1 ? [all[0], { value: all }] : [all, { value: all }];
    for (const document of documents) {
      const kind = detectJsonInventory(document);
      if (!kind) continue;
      const result = normaliseJsonInventory(document, ctx.name);
      yield { type: 'file-info', fileId: ctx.fileId, info: { container, kind: 'inventory', vendor: kind.kind, sourceFormat: null, notes: [...notes, ...result.notes] } };
      const { updates, kind: _kind, ...inventory } = result;
      yield { type: 'inventory', fileId: ctx.fileId, result: { ...inventory, notes: [] }, updates };
      return 'inventory';
    }
    const keys = [...new Set(values.slice(0, 5).flatMap((v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).slice(0, 8) : [])))];
    throw new Error(
      `not a recognised audit log or inventory${keys.length ? ` (records have keys: ${keys.slice(0, 12).join(', ')})` : ''}`,
    );
  }
}

/** CSV: sample the head, decide the kind; tables are read whole here, event logs are left to DuckDB's reader. */
async function* readCsv(
  blob: Blob,
  stream: ReadableStream<Uint8Array>,
  sniff: Sniff,
  ctx: FileContext,
  bytesRead: () => number,
  onSha256: (hex: string) => void,
): AsyncGenerator<ReaderMessage> {
  const text = shapeOf(sniff)!;
  const delimiter = text.delimiter ?? ',';
  const notes: string[] = [];
  const container = containerText(sniff, notes);
  const head = await csvHeadAndSample(decodeText(stream, text.encoding), delimiter, 50, { signal: ctx.signal });
  if (head.header.length === 0) throw new Error('the CSV has no header row');
  const classification = classifyCsv(head.header, head.rows);
  const signature = headerSignature(head.header);
  const remembered = ctx.options.mappings[signature];

  if (remembered || classification.kind === 'event_log' || classification.kind === 'github_audit' || classification.kind === 'unknown') {
    let mapping: EventColumnMapping | null = remembered ?? null;
    let platform: 'github' | 'other' = 'other';
    let sourceFormat: 'github_audit' | 'csv_mapped' = 'csv_mapped';
    let vendor = remembered ? 'CSV event log (your mapping)' : 'CSV event log';
    if (!mapping && classification.kind === 'github_audit') {
      mapping = githubCsvMapping(head.header);
      platform = 'github';
      sourceFormat = 'github_audit';
      vendor = 'GitHub audit log (CSV)';
    }
    if (!mapping) {
      const auto = classification.kind === 'event_log' ? (classification.mapping ?? mapHeaders(head.header, 'event', head.rows)) : mapHeaders(head.header, 'event', head.rows);
      const request = mappingRequest(head.header, head.rows, signature, auto, classification.reason);
      const confident = auto.fields.time && auto.fields.actor && auto.fields.action && [auto.fields.time, auto.fields.actor, auto.fields.action].every((f) => f!.confidence >= MIN_CONFIDENCE);
      if (classification.kind !== 'event_log' || !confident) {
        yield { type: 'file-info', fileId: ctx.fileId, info: { container, kind: 'audit_log', vendor: 'CSV (unmapped)', sourceFormat: null, notes } };
        yield { type: 'needs-mapping', fileId: ctx.fileId, name: ctx.name, request };
        return;
      }
      mapping = toEventMapping(auto);
    }
    const timeColumn = head.header.indexOf(mapping.event_time);
    const timeFormat = detectTimeFormat(head.rows.map((r) => r[timeColumn] ?? ''));
    yield { type: 'file-info', fileId: ctx.fileId, info: { container, kind: 'audit_log', vendor, sourceFormat, notes } };
    // DuckDB's reader wants UTF-8 without BOM and uncompressed: hand it the original file when it already is.
    const plain = sniff.container === 'text' && !needsTranscoding(sniff);
    const utf8 = plain
      ? blob
      : await new Response(transcodeToUtf8(openBlob(blob, { signal: ctx.signal, name: ctx.name }), text.encoding)).blob();
    const message = { type: 'csv-events', fileId: ctx.fileId, delimiter, headers: head.header, mapping, timeFormat, platform, sourceFormat } as const;
    if (utf8.size < (ctx.options.csvSlice?.from ?? SLICE_FROM_BYTES)) {
      yield { ...message, blob: utf8 };
      return;
    }
    yield* sliceCsv(utf8, ctx, delimiter, (slice) => ({ ...message, ...slice }), plain ? onSha256 : null);
    return;
  }

  // Inventories, change windows, classifications: small tables, parsed whole.
  const table = await readWholeTable(blob, ctx, delimiter, text.encoding, bytesRead);
  let result: InventoryResult;
  let kind: FileInfo['kind'] = 'inventory';
  let vendor: string;
  switch (classification.kind) {
    case 'credential_report':
      result = credentialReportToInventory(table);
      vendor = 'AWS IAM credential report';
      break;
    case 'register':
      result = registerToInventory(table, classification.mapping as HeaderMapping | undefined);
      vendor = 'NHI register';
      break;
    case 'change_windows': {
      const changes = changeWindowsFromTable(table, classification.mapping as HeaderMapping | undefined);
      kind = 'change_windows';
      yield { type: 'file-info', fileId: ctx.fileId, info: { container, kind, vendor: 'Change windows', sourceFormat: null, notes: [...notes, ...changes.notes] } };
      yield { type: 'changes', fileId: ctx.fileId, changes: changes.changes };
      if (changes.rejected.length) yield { type: 'rejected', fileId: ctx.fileId, rows: changes.rejected };
      return;
    }
    case 'resource_classes': {
      const classes = resourceClassesFromTable(table, classification.mapping as HeaderMapping | undefined);
      kind = 'resource_classes';
      yield { type: 'file-info', fileId: ctx.fileId, info: { container, kind, vendor: 'Resource classification', sourceFormat: null, notes: [...notes, ...classes.notes] } };
      yield { type: 'classes', fileId: ctx.fileId, classes: classes.resource_classes };
      if (classes.rejected.length) yield { type: 'rejected', fileId: ctx.fileId, rows: classes.rejected };
      return;
    }
    default:
      throw new Error(`unexpected CSV kind ${classification.kind}`);
  }
  yield { type: 'file-info', fileId: ctx.fileId, info: { container, kind, vendor, sourceFormat: null, notes: [...notes, ...result.notes, classification.reason] } };
  yield { type: 'inventory', fileId: ctx.fileId, result: { ...result, notes: [] } };
}

async function readWholeTable(
  blob: Blob,
  ctx: FileContext,
  delimiter: string,
  encoding: NonNullable<ReturnType<typeof shapeOf>>['encoding'],
  _bytesRead: () => number,
): Promise<ParsedTable> {
  const parser = new CsvParser(delimiter);
  const records: string[][] = [];
  const reader = decodeText(openBlob(blob, { signal: ctx.signal, name: ctx.name }), encoding).getReader();
  for (;;) {
    ensureNotAborted(ctx.signal);
    const { done, value } = await reader.read();
    if (done && parser.inQuotes) {
      // Everything after the opening quote would become one value (a register row named after the rest of the file).
      throw new Error(
        `CSV row ${formatCount(parser.records + 1)} opens a quote that is never closed, so the rest of the file would be read as one value; nothing of this file was loaded`,
      );
    }
    const batch = done ? parser.end() : parser.push(value);
    for (const record of batch) if (!isBlankCsvRecord(record)) records.push(record);
    if (records.length > MAX_TABLE_ROWS + 1) throw new Error(`too many rows (${records.length}+) for an inventory or change list`);
    if (done) break;
  }
  const [headers = [], ...rows] = records;
  return { fileName: ctx.name, headers, rows };
}

function githubCsvMapping(headers: readonly string[]): EventColumnMapping {
  const lower = headers.map((h) => h.trim().toLowerCase());
  const mapping: Partial<Record<EventField, string>> = {};
  for (const [field, candidates] of GITHUB_CSV_COLUMNS) {
    const index = candidates.map((c) => lower.indexOf(c)).find((i) => i >= 0);
    if (index !== undefined && index >= 0 && mapping[field] === undefined) mapping[field] = headers[index]!;
  }
  if (!mapping.event_time) throw new Error('the GitHub audit CSV has no @timestamp or created_at column');
  return mapping as EventColumnMapping;
}

function toEventMapping(auto: HeaderMapping): EventColumnMapping {
  const mapping: Partial<Record<EventField, string>> = {};
  for (const [field, match] of Object.entries(auto.fields)) {
    const target = EVENT_FIELD_NAMES[field];
    if (target && match) mapping[target] = match.header;
  }
  return mapping as EventColumnMapping;
}

function mappingRequest(headers: string[], rows: string[][], signature: string, auto: HeaderMapping, reason: string): MappingRequest {
  const guess: MappingRequest['guess'] = {};
  for (const [field, match] of Object.entries(auto.fields)) {
    const target = EVENT_FIELD_NAMES[field];
    if (target && match) guess[target] = { column: match.header, confidence: match.confidence };
  }
  return { headers, sample: rows.slice(0, 20), signature, guess, reason };
}

/** Parquet (e.g. CloudTrail Lake / Security Lake exports): rows become records, then the same recognition as JSON. */
async function* readParquet(blob: Blob, ctx: FileContext): AsyncGenerator<ReaderMessage> {
  const { parquetReadObjects } = await import('hyparquet');
  const file = { byteLength: blob.size, slice: (start: number, end?: number) => blob.slice(start, end).arrayBuffer() };
  const rows = (await parquetReadObjects({ file })) as unknown[];
  ensureNotAborted(ctx.signal);
  const detection = detectLogFormat(rows.slice(0, DETECT_SAMPLE).map(jsonSafe));
  if (!detection) throw new Error('a Parquet file, but its rows are not a recognised audit log');
  yield { type: 'file-info', fileId: ctx.fileId, info: { container: 'Parquet', kind: 'audit_log', vendor: detection.format.vendor, sourceFormat: detection.format.format, notes: [] } };
  let events: CanonicalEvent[] = [];
  const rejected: { source_row: number; reason: string }[] = [];
  for (let i = 0; i < rows.length; i++) {
    const result = normaliseRecord(detection.format, jsonSafe(rows[i]), { source_file: ctx.name, source_row: i + 1 });
    if ('reject' in result) rejected.push({ source_row: i + 1, reason: result.reject });
    else events.push(...result.events);
    if (events.length >= ctx.options.batchRows) {
      yield { type: 'events', fileId: ctx.fileId, ipc: eventsToIpc(events, ctx.fileId), rows: events.length };
      events = [];
    }
  }
  if (events.length) yield { type: 'events', fileId: ctx.fileId, ipc: eventsToIpc(events, ctx.fileId), rows: events.length };
  if (rejected.length) yield { type: 'rejected', fileId: ctx.fileId, rows: rejected };
}

/** Parquet readers hand out BigInt and Date: make rows look like parsed JSON (also how original.ts shows a Parquet row). */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}
