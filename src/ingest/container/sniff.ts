// Recognises what a dropped file is from its first bytes (never its name): container, text encoding and text shape,
// with a one-line description the UI can show ("gzip → NDJSON, UTF-8").
import { CsvParser, isBlankCsvRecord, type CsvDelimiter } from './csv-text';
import { encodingLabel, textDecoderFor, type TextEncodingName } from './encoding';
import { KiB, isGzipMagic, monotonicProgress, openBlob, peekStream, type OpenOptions } from './streams';

export type ContainerKind = 'gzip' | 'zip' | 'parquet' | 'text' | 'binary' | 'empty';
export type TextShape = 'json-array' | 'json-object' | 'ndjson' | 'csv' | 'unknown';

export interface TextSniff {
  encoding: TextEncodingName;
  /** Bytes of byte-order mark at the start (0, 2 or 3). */
  bomLength: number;
  /** The encoding is an inference, not a BOM or valid UTF-8: BOM-less UTF-16, or Latin-1 because the bytes are not UTF-8. */
  encodingGuessed: boolean;
  shape: TextShape;
  /** For `csv`: the delimiter that splits the first lines most consistently. */
  delimiter: CsvDelimiter | null;
}

export interface Sniff {
  container: ContainerKind;
  /** For `text`. */
  text: TextSniff | null;
  /** For `gzip`, once the decompressed head was looked at (see `sniffSource`). */
  inner: Sniff | null;
  /** For `parquet`: whether the file also ends with PAR1 (null when the tail was not available). */
  parquetFooter: boolean | null;
  /** For `binary`: what gave it away. */
  reason: string | null;
  description: string;
}

/** How much of the head the sniffer looks at. */
export const SNIFF_BYTES = 64 * KiB;

export interface SniffOptions {
  /** `head` is the whole file (changes how the last line is judged). */
  complete?: boolean;
  /** The last bytes of the file, to check Parquet's trailing magic. */
  tail?: Uint8Array;
}

const CSV_DELIMITERS: readonly CsvDelimiter[] = [',', '\t', ';', '|'];
const CSV_SAMPLE_RECORDS = 30;
const CSV_MIN_CONSISTENCY = 0.5;

/** Sniffs the first bytes (about 64 KiB) of a file. */
export function sniffBytes(head: Uint8Array, options: SniffOptions = {}): Sniff {
  const complete = options.complete ?? false;
  if (head.length === 0) return describe({ container: 'empty' });
  if (isGzipMagic(head)) return describe({ container: 'gzip' });
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return describe({ container: 'zip' });
  if (startsWith(head, [0x50, 0x41, 0x52, 0x31])) {
    const { tail } = options;
    const footer = tail && tail.length >= 4 ? endsWith(tail, [0x50, 0x41, 0x52, 0x31]) : null;
    return describe({ container: 'parquet', parquetFooter: footer });
  }

  const detected = detectEncoding(head);
  if ('binary' in detected) return describe({ container: 'binary', reason: detected.binary });
  const { encoding, bomLength, encodingGuessed } = detected;
  const text = textDecoderFor(encoding).decode(head, { stream: !complete });
  const controls = controlRatio(text);
  if (controls > 0.02) return describe({ container: 'binary', reason: `${Math.round(controls * 100)}% control characters` });
  // A file of nothing but blank lines and spaces is as empty as one of zero bytes.
  if (complete && text.trim() === '') return describe({ container: 'empty', reason: 'only blank lines or spaces' });
  const { shape, delimiter } = detectShape(text, complete);
  return describe({ container: 'text', text: { encoding, bomLength, encodingGuessed, shape, delimiter } });
}

export interface SniffedSource {
  sniff: Sniff;
  /** The content from its first byte: decompressed for gzip, the raw bytes for everything else. */
  stream: ReadableStream<Uint8Array>;
}

/**
 * Sniffs a file and hands back its content stream, reading the file once: the head is peeked, and for gzip the first
 * 64 KiB of the decompressed content are sniffed too (`sniff.inner`). Options are those of `openBlob`.
 */
export async function sniffSource(source: Blob | ReadableStream<Uint8Array>, options: OpenOptions = {}): Promise<SniffedSource> {
  const rawOptions: OpenOptions = monotonicProgress({ ...options, compression: 'none' });
  const raw = await peekStream(openBlob(source, rawOptions), SNIFF_BYTES);
  let outer = sniffBytes(raw.head, { complete: raw.complete, tail: raw.complete ? raw.head : undefined });
  if (outer.container === 'parquet' && !raw.complete && source instanceof Blob) {
    // Parquet keeps its schema in the footer: a file without the trailing magic was cut short.
    outer = sniffBytes(raw.head, { tail: new Uint8Array(await source.slice(-4).arrayBuffer()) });
  }
  if (outer.container !== 'gzip') return { sniff: outer, stream: raw.stream };
  // The raw stream already counts progress and hashes; the gzip layer only decompresses and guards.
  const { signal, maxBytes, maxRatio, ratioAfterBytes, name, decoder } = options;
  const content = await peekStream(
    openBlob(raw.stream, {
      signal, maxBytes, maxRatio, ratioAfterBytes, name, decoder, compression: 'gzip',
      // A dropped file can be read again (hashed and counted again) if Chromium's gzip decoder gives up on it.
      ...(source instanceof Blob ? { reread: () => openBlob(source, rawOptions) } : {}),
    }),
    SNIFF_BYTES,
  );
  const inner = sniffBytes(content.head, { complete: content.complete });
  return { sniff: describe({ container: 'gzip', inner }), stream: content.stream };
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

function endsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  const from = bytes.length - magic.length;
  return magic.every((b, i) => bytes[from + i] === b);
}

type EncodingGuess = { encoding: TextEncodingName; bomLength: number; encodingGuessed: boolean } | { binary: string };

function detectEncoding(head: Uint8Array): EncodingGuess {
  if (startsWith(head, [0xef, 0xbb, 0xbf])) return { encoding: 'utf-8', bomLength: 3, encodingGuessed: false };
  if (startsWith(head, [0xff, 0xfe, 0x00, 0x00])) return { binary: 'UTF-32 byte-order mark (UTF-32 is not supported)' };
  if (startsWith(head, [0xff, 0xfe])) return { encoding: 'utf-16le', bomLength: 2, encodingGuessed: false };
  if (startsWith(head, [0xfe, 0xff])) return { encoding: 'utf-16be', bomLength: 2, encodingGuessed: false };

  // BOM-less UTF-16 of mostly-ASCII text (what Windows tools write) has a NUL in every other byte.
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < head.length; i++) {
    if (head[i] === 0) {
      if (i & 1) oddNul++;
      else evenNul++;
    }
  }
  const pairs = head.length >> 1;
  // (Zero bytes on the other side are rare but real: U+0100, U+0200… and surrogates such as U+DE00.)
  if (oddNul > 0.3 * pairs && evenNul * 10 < oddNul) return { encoding: 'utf-16le', bomLength: 0, encodingGuessed: true };
  if (evenNul > 0.3 * pairs && oddNul * 10 < evenNul) return { encoding: 'utf-16be', bomLength: 0, encodingGuessed: true };
  if (evenNul + oddNul > 0) return { binary: 'NUL bytes' };

  try {
    // stream: true tolerates a multi-byte character cut off at the end of the head.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return { encoding: 'utf-8', bomLength: 0, encodingGuessed: false };
  } catch {
    // Not UTF-8. Text in an 8-bit code page has a few accented letters among ASCII; binary has a lot of high bytes.
    let high = 0;
    for (const b of head) if (b >= 0x80) high++;
    if (high / head.length > 0.3) return { binary: 'not valid UTF-8, and too many non-ASCII bytes for Latin-1 text' };
    return { encoding: 'latin1', bomLength: 0, encodingGuessed: true };
  }
}

/** Share of characters that never appear in text exports (controls other than tab, LF, CR, FF, ESC; DEL). */
function controlRatio(text: string): number {
  if (text.length === 0) return 0;
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 27) || c === 0x7f) controls++;
  }
  return controls / text.length;
}

function detectShape(text: string, complete: boolean): { shape: TextShape; delimiter: CsvDelimiter | null } {
  const start = text.search(/\S/);
  if (start === -1) return { shape: 'unknown', delimiter: null };
  const first = text[start];
  if (first === '[') return { shape: 'json-array', delimiter: null };
  if (first === '{') return { shape: looksLikeNdjson(text, start, complete) ? 'ndjson' : 'json-object', delimiter: null };
  const delimiter = detectDelimiter(text, complete);
  return { shape: delimiter ? 'csv' : 'unknown', delimiter };
}

/** The first non-blank line is a whole JSON object and the next non-blank line starts another. */
function looksLikeNdjson(text: string, start: number, complete: boolean): boolean {
  const end = text.indexOf('\n', start);
  if (end === -1) return false; // one line (or longer than the head): the JSON splitter reads that either way
  try {
    const value: unknown = JSON.parse(text.slice(start, end));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  } catch {
    return false;
  }
  const next = text.slice(end + 1).search(/\S/);
  if (next === -1) return !complete; // the head ended right after a full line: more lines presumably follow
  return text[end + 1 + next] === '{';
}

/**
 * The delimiter whose field count is the same on most of the first records (quotes and quoted newlines honoured).
 * Ties go to the earlier of `, \t ; |`. Needs at least two columns, matched by at least half of the records: a short
 * export with a few ragged rows or an unclosed quote is still CSV, and its bad rows are reported one by one.
 */
function detectDelimiter(text: string, complete: boolean): CsvDelimiter | null {
  let best: { delimiter: CsvDelimiter; consistency: number; columns: number } | null = null;
  for (const delimiter of CSV_DELIMITERS) {
    const parser = new CsvParser(delimiter, text.length + 1);
    let records: string[][];
    try {
      records = parser.push(text);
      if (complete) records.push(...parser.end());
    } catch {
      continue;
    }
    const counts = records
      .filter((r) => !isBlankCsvRecord(r))
      .slice(0, CSV_SAMPLE_RECORDS)
      .map((r) => r.length);
    const columns = counts[0];
    if (columns === undefined || columns < 2) continue;
    const consistency = counts.filter((c) => c === columns).length / counts.length;
    if (consistency < CSV_MIN_CONSISTENCY) continue;
    if (!best || consistency > best.consistency || (consistency === best.consistency && columns > best.columns)) {
      best = { delimiter, consistency, columns };
    }
  }
  return best?.delimiter ?? null;
}

type SniffParts = Partial<Omit<Sniff, 'description'>> & { container: ContainerKind };

function describe(parts: SniffParts): Sniff {
  const sniff: Sniff = {
    container: parts.container,
    text: parts.text ?? null,
    inner: parts.inner ?? null,
    parquetFooter: parts.parquetFooter ?? null,
    reason: parts.reason ?? null,
    description: '',
  };
  sniff.description = describeSniff(sniff);
  return sniff;
}

const SHAPE_LABEL: Record<TextShape, string> = {
  'json-array': 'JSON array',
  'json-object': 'JSON object',
  ndjson: 'NDJSON',
  csv: 'CSV',
  unknown: 'text of an unrecognised format',
};

function describeSniff(sniff: Sniff): string {
  switch (sniff.container) {
    case 'empty':
      return sniff.reason ? `empty file (${sniff.reason})` : 'empty file';
    case 'binary':
      return `binary data, not a text export (${sniff.reason ?? 'unreadable'})`;
    case 'zip':
      return 'zip archive';
    case 'parquet':
      return sniff.parquetFooter === false ? 'Parquet, but the footer is missing (truncated file?)' : 'Parquet';
    case 'gzip':
      return sniff.inner ? `gzip → ${sniff.inner.description}` : 'gzip';
    case 'text': {
      const t = sniff.text;
      if (!t) return 'text';
      let shape = SHAPE_LABEL[t.shape];
      if (t.shape === 'csv') shape = t.delimiter === '\t' ? 'TSV (tab-separated)' : `CSV (delimiter ${t.delimiter ?? ','})`;
      let encoding = encodingLabel(t.encoding);
      if (t.bomLength > 0) encoding += ' with BOM';
      if (t.encodingGuessed) encoding += t.encoding === 'latin1' ? ' (not valid UTF-8, so guessed)' : ' without BOM (guessed)';
      return `${shape}, ${encoding}`;
    }
  }
}
