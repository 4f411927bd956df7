// What the CSV path needs before DuckDB reads a file: an incremental RFC 4180 parser for the header and a sample
// (also used by the sniffer to find the delimiter), and re-encoding to BOM-less UTF-8, the only thing DuckDB's reader takes.
import type { TextEncodingName } from './encoding';
import { IngestError, formatBytes, throwIfAborted } from './errors';
import type { Sniff } from './sniff';
import { MiB, decodeText, type DecodeStats } from './streams';

export type CsvDelimiter = ',' | ';' | '\t' | '|';

const QUOTE = 34;
const LF = 10;
const CR = 13;

/**
 * Incremental CSV parser: quoted fields, doubled quotes, CRLF/LF/CR line ends and newlines inside quotes, across
 * chunk boundaries. Lenient like spreadsheets: a quote inside an unquoted field is literal, text after a closing quote
 * is kept. Blank lines come out as `['']`.
 */
export class CsvParser {
  private record: string[] = [];
  private field = '';
  /** 0: not in quotes · 1: inside quotes · 2: just saw a quote inside quotes (closing, or the first of `""`). */
  private quote: 0 | 1 | 2 = 0;
  /** The current field already began (with a quote), so a later quote is literal. */
  private fieldBegun = false;
  private recordChars = 0;
  private skipLf = false;
  /** Records completed so far (blank lines included). */
  records = 0;

  constructor(
    readonly delimiter: string,
    private readonly maxRecordChars = 4 * MiB,
  ) {}

  /** True when the text ended inside a quoted field. */
  get inQuotes(): boolean {
    return this.quote === 1;
  }

  push(text: string): string[][] {
    const out: string[][] = [];
    const delimiter = this.delimiter.charCodeAt(0);
    const n = text.length;
    let i = 0;
    if (this.skipLf && n > 0) {
      this.skipLf = false;
      if (text.charCodeAt(0) === LF) i = 1;
    }
    let runStart = i; // characters from here on are not yet copied into `field`
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (this.quote === 1) {
        if (c === QUOTE) {
          this.field += text.slice(runStart, i);
          this.quote = 2;
          runStart = i + 1;
        }
        continue;
      }
      if (this.quote === 2) {
        if (c === QUOTE) {
          this.field += '"';
          this.quote = 1;
          runStart = i + 1;
          continue;
        }
        this.quote = 0; // that quote closed the field; `c` is an ordinary character after it
      }
      if (c === delimiter) {
        this.endField(text.slice(runStart, i));
        runStart = i + 1;
      } else if (c === LF || c === CR) {
        this.endField(text.slice(runStart, i));
        out.push(this.endRecord());
        if (c === CR) {
          if (i + 1 < n) {
            if (text.charCodeAt(i + 1) === LF) i++;
          } else {
            this.skipLf = true;
          }
        }
        runStart = i + 1;
      } else if (c === QUOTE && !this.fieldBegun && runStart === i && this.field.length === 0) {
        this.quote = 1;
        this.fieldBegun = true;
        runStart = i + 1;
      }
    }
    if (runStart < n) this.field += text.slice(runStart, n);
    this.checkSize(this.field.length);
    return out;
  }

  /** Flushes the last record when the text did not end with a newline. */
  end(): string[][] {
    if (this.field.length === 0 && this.record.length === 0 && !this.fieldBegun) return [];
    this.endField('');
    return [this.endRecord()];
  }

  private endField(tail: string): void {
    const value = this.field + tail;
    this.checkSize(value.length);
    this.recordChars += value.length;
    this.record.push(value);
    this.field = '';
    this.fieldBegun = false;
    this.quote = 0;
  }

  private endRecord(): string[] {
    const record = this.record;
    this.record = [];
    this.recordChars = 0;
    this.records++;
    return record;
  }

  private checkSize(pending: number): void {
    if (this.recordChars + pending > this.maxRecordChars) {
      throw new IngestError(
        'record-too-large',
        this.inQuotes
          ? `CSV row ${this.records + 1} is longer than ${formatBytes(this.maxRecordChars)}: a quote is probably left open, or this is not CSV.`
          : `CSV row ${this.records + 1} is longer than ${formatBytes(this.maxRecordChars)} with no line break: this is not a CSV export Driftline can read.`,
      );
    }
  }
}

export function isBlankCsvRecord(record: readonly string[]): boolean {
  return record.length === 1 && record[0]?.trim() === '';
}

export interface CsvSample {
  header: string[];
  /** Up to n data rows after the header (blank lines skipped). */
  rows: string[][];
  /** True when the text ended within the sample (the file has no more rows). */
  complete: boolean;
}

/** Header and first `n` rows of CSV text; stops reading (and cancels the stream) as soon as it has them. */
export async function csvHeadAndSample(
  stream: ReadableStream<string>,
  delimiter: string,
  n: number,
  options: { signal?: AbortSignal; maxRecordChars?: number } = {},
): Promise<CsvSample> {
  const parser = new CsvParser(delimiter, options.maxRecordChars);
  const records: string[][] = [];
  const take = (batch: string[][]) => {
    for (const record of batch) if (records.length <= n && !isBlankCsvRecord(record)) records.push(record);
  };
  const reader = stream.getReader();
  let complete = false;
  try {
    while (records.length <= n) {
      throwIfAborted(options.signal);
      const { done, value } = await reader.read();
      if (done) {
        take(parser.end());
        complete = true;
        break;
      }
      take(parser.push(value));
    }
  } finally {
    if (!complete) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  const [header = [], ...rows] = records;
  return { header, rows, complete };
}

/** The text sniff that describes a file's content (for gzip, the decompressed content). */
function contentText(sniff: Sniff) {
  return (sniff.inner ?? sniff).text;
}

/** True when the caller must re-encode the text to BOM-less UTF-8 before DuckDB's CSV reader sees it. */
export function needsTranscoding(sniff: Sniff): boolean {
  const text = contentText(sniff);
  return text !== null && (text.encoding !== 'utf-8' || text.bomLength > 0);
}

/** Re-encodes bytes in `encoding` as UTF-8 without a BOM. */
export function transcodeToUtf8(stream: ReadableStream<Uint8Array>, encoding: TextEncodingName, options: { stats?: DecodeStats } = {}): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let pendingHigh = ''; // a high surrogate at a chunk end waits for its partner, or it would encode as U+FFFD
  return decodeText(stream, encoding, options).pipeThrough(
    new TransformStream<string, Uint8Array>({
      transform(text, controller) {
        let chunk = pendingHigh + text;
        pendingHigh = '';
        const last = chunk.charCodeAt(chunk.length - 1);
        if (last >= 0xd800 && last <= 0xdbff) {
          pendingHigh = chunk.slice(-1);
          chunk = chunk.slice(0, -1);
        }
        if (chunk.length > 0) controller.enqueue(encoder.encode(chunk));
      },
      flush(controller) {
        if (pendingHigh) controller.enqueue(encoder.encode(pendingHigh));
      },
    }),
  );
}
