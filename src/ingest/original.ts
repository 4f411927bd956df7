// The original record behind an event: from the kept bytes of a dropped file (zip members picked, gzip expanded, text
// decoded as the sniffer decides, which is what the importer decided for the same bytes) to record N, counted with the
// very splitters the importer used, so `source_row` means the same thing here as there:
//   - JSON array / `{"Records": [...]}` / NDJSON: RecordSplitter rows (array position, or line number for NDJSON);
//   - CSV event logs: DuckDB numbered the rows it accepted, header = 1, so row N is the (N-1)th non-blank data record,
//     not counting the records DuckDB's reader refused (`skipLines`, from rejected_rows: DuckDB names them by record
//     number, blank lines counted, a quoted newline not);
//   - Parquet: row N of the file.
// Streams the bytes and yields to the event loop every ~30 ms, so a record at the end of a 1 GB file costs time, never a
// frozen tab; the signal stops it (the dialog closing).
import { CsvParser, isBlankCsvRecord } from './container/csv-text';
import { IngestError, throwIfAborted } from './container/errors';
import { RecordSplitter } from './container/records';
import { sniffSource, type Sniff } from './container/sniff';
import { decodeText, yieldToEventLoop } from './container/streams';
import { unzipEntries } from './container/zip';
import { jsonSafe } from './reader';

export interface OriginalLocation {
  /** Zip member paths from the stored file inwards (empty: the stored file is the evidence file itself). */
  members: readonly string[];
  /** The event's `source_row`. */
  sourceRow: number;
  /**
   * CSV only: rows DuckDB's reader refused, as its rejects table numbers them (records counted from the header = 1,
   * blank lines included, quoted newlines not); they took no row number.
   */
  skipLines?: readonly number[];
  /** Name for messages. */
  name?: string;
}

export interface OriginalRecord {
  /** 'json': `text` is the record pretty-printed (or as written, if it is not valid JSON). 'csv': `fields` holds it. */
  kind: 'json' | 'csv' | 'parquet';
  sourceRow: number;
  /** The record as text, ready to show as text (never as HTML). CSV: one `field: value` line per column. */
  text: string;
  /** CSV and Parquet: header and value pairs in column order. */
  fields: [string, string][] | null;
  /** JSON: the record exactly as written in the file (before pretty-printing). */
  raw: string | null;
  /** CSV: the physical line the record starts on (header = 1). JSON: the byte offset of the record. */
  line: number | null;
  offset: number | null;
  /** How the bytes were read, e.g. "gzip → NDJSON, UTF-8" (inside "a.zip/b.json.gz"). */
  container: string;
}

export class OriginalNotFound extends Error {
  override name = 'OriginalNotFound';
}

export interface FindOptions {
  signal?: AbortSignal;
}

/** Picks the evidence file out of the stored bytes: the zip member named by each path in turn. */
export async function memberBlob(blob: Blob, members: readonly string[], options: FindOptions & { name?: string } = {}): Promise<Blob> {
  let current = blob;
  let name = options.name ?? 'the original file';
  for (const path of members) {
    let found: Blob | null = null;
    for await (const member of unzipEntries(current, { name, ...(options.signal ? { signal: options.signal } : {}) })) {
      if (member.path !== path) continue;
      found = await new Response(member.stream).blob();
      break;
    }
    if (!found) throw new OriginalNotFound(`${name} has no member "${path}".`);
    current = found;
    name = `${name}/${path}`;
  }
  return current;
}

/** The original record `location.sourceRow` of the evidence file kept as `blob`. */
export async function findOriginalRecord(blob: Blob, location: OriginalLocation, options: FindOptions = {}): Promise<OriginalRecord> {
  const { signal } = options;
  const row = location.sourceRow;
  if (!Number.isInteger(row) || row < 1) throw new OriginalNotFound(`Row ${String(row)} is not a record number.`);
  const name = [location.name ?? 'the original file', ...location.members].join('/');
  const file = await memberBlob(blob, location.members, { ...options, name: location.name ?? 'the original file' });
  throwIfAborted(signal);
  // fflate's gunzip: what the importer uses in Chromium anyway, and Node's native one throws after an early cancel.
  const { sniff, stream } = await sniffSource(file, { name, decoder: 'fflate', ...(signal ? { signal } : {}) });
  const text = (sniff.inner ?? sniff).text;
  try {
    if (sniff.container === 'parquet') {
      await stream.cancel().catch(() => undefined);
      return await parquetRow(file, row, sniff);
    }
    if (sniff.container !== 'text' && sniff.container !== 'gzip') throw new OriginalNotFound(`${name} is not a text or Parquet file (${sniff.description}).`);
    if (!text || text.shape === 'unknown') throw new OriginalNotFound(`${name} is not in a recognised shape (${sniff.description}).`);
    // Pieces of at most 64 Ki characters: the splitters work a chunk at a time between turns of the event loop.
    const decoded = decodeText(stream, text.encoding).pipeThrough(textPieces(64 * 1024));
    if (text.shape === 'csv') return await csvRow(decoded, text.delimiter ?? ',', location, sniff, name, signal);
    return await jsonRow(decoded, text.shape, text.encoding, text.bomLength, row, sniff, name, signal);
  } finally {
    await stream.cancel().catch(() => undefined);
  }
}

async function jsonRow(
  decoded: ReadableStream<string>,
  shape: 'json-array' | 'json-object' | 'ndjson',
  encoding: NonNullable<Sniff['text']>['encoding'],
  bomLength: number,
  row: number,
  sniff: Sniff,
  name: string,
  signal: AbortSignal | undefined,
): Promise<OriginalRecord> {
  // The importer's splitter, with the importer's options (parse only changes whether bad JSON is reported, not rows).
  const splitter = RecordSplitter.for(shape, { encoding, offsetBase: bomLength, ...(signal ? { signal } : {}) });
  const items = splitter.split(decoded);
  try {
    for await (const item of items) {
      if (item.kind !== 'record' || item.row !== row) {
        if (item.row > row) break;
        continue;
      }
      return { kind: 'json', sourceRow: row, text: pretty(item.text), fields: null, raw: item.text, line: null, offset: item.offset, container: sniff.description };
    }
  } catch (error) {
    if (!(error instanceof IngestError) || error.code !== 'truncated') throw error;
  } finally {
    await items.return(undefined).catch(() => undefined);
  }
  throw new OriginalNotFound(`${name} has no record ${row}.`);
}

function textPieces(max: number): TransformStream<string, string> {
  return new TransformStream<string, string>({
    transform(chunk, controller) {
      for (let at = 0; at < chunk.length; at += max) controller.enqueue(chunk.length <= max ? chunk : chunk.slice(at, at + max));
    },
  });
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/**
 * CSV: the parser is fed line by line (split at LF) so every record knows the physical line it starts on (shown to the
 * analyst); the rows DuckDB refused are skipped by record number, which is how its rejects table names them.
 */
async function csvRow(
  decoded: ReadableStream<string>,
  delimiter: string,
  location: OriginalLocation,
  sniff: Sniff,
  name: string,
  signal: AbortSignal | undefined,
): Promise<OriginalRecord> {
  const parser = new CsvParser(delimiter);
  const skip = new Set(location.skipLines ?? []);
  const wanted = location.sourceRow - 1; // data records that got a number before it, header excluded
  let header: string[] | null = null;
  let numbered = 0;
  let ordinal = 0; // records so far, blank ones included (DuckDB's rejects numbering)
  let line = 1; // physical line the next record starts on
  let linesSeen = 0; // LFs consumed
  const reader = decoded.getReader();
  const take = (records: string[][]): OriginalRecord | null => {
    for (const record of records) {
      const startLine = line;
      line = linesSeen + 1;
      ordinal++;
      if (isBlankCsvRecord(record)) continue;
      if (!header) {
        header = record;
        continue;
      }
      if (skip.has(ordinal)) continue;
      numbered++;
      if (numbered === wanted) {
        const fields = header.map((h, i): [string, string] => [h || `column${i}`, record[i] ?? '']);
        for (let i = header.length; i < record.length; i++) fields.push([`column${i}`, record[i] ?? '']);
        return {
          kind: 'csv', sourceRow: location.sourceRow, text: fields.map(([h, v]) => `${h}: ${v}`).join('\n'), fields, raw: null,
          line: startLine, offset: null, container: sniff.description,
        };
      }
    }
    return null;
  };
  try {
    if (wanted >= 1) {
      for (;;) {
        await yieldToEventLoop();
        throwIfAborted(signal);
        const { done, value } = await reader.read();
        if (done) {
          const found = take(parser.end());
          if (found) return found;
          break;
        }
        let at = 0;
        while (at < value.length) {
          const nl = value.indexOf('\n', at);
          const end = nl === -1 ? value.length : nl + 1;
          if (nl !== -1) linesSeen++;
          const found = take(parser.push(value.slice(at, end)));
          if (found) return found;
          at = end;
        }
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  throw new OriginalNotFound(`${name} has no CSV row ${location.sourceRow}.`);
}

async function parquetRow(file: Blob, row: number, sniff: Sniff): Promise<OriginalRecord> {
  const { parquetReadObjects } = await import('hyparquet');
  const source = { byteLength: file.size, slice: (start: number, end?: number) => file.slice(start, end).arrayBuffer() };
  const rows = (await parquetReadObjects({ file: source, rowStart: row - 1, rowEnd: row })) as unknown[];
  if (rows.length === 0) throw new OriginalNotFound(`The Parquet file has no row ${row}.`);
  const value = jsonSafe(rows[0]) as Record<string, unknown>;
  const fields = Object.entries(value).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v) ?? '']);
  return { kind: 'parquet', sourceRow: row, text: JSON.stringify(value, null, 2), fields, raw: null, line: null, offset: null, container: sniff.description };
}
