// Splits decoded text into record texts without parsing it: the elements of a top-level JSON array, the elements of the
// records array inside a JSON object (CloudTrail `Records`, Graph `value`…), or NDJSON lines. Streaming, bounded memory.
import { ByteOffsets, type TextEncodingName } from './encoding';
import { IngestError, formatBytes, formatCount, throwIfAborted, type IngestErrorCode } from './errors';
import { MiB, yieldToEventLoop } from './streams';

/** Keys (at depth 1 of a JSON object) whose array holds the records, in no particular order: the first one seen wins. */
export const DEFAULT_RECORD_KEYS: readonly string[] = ['Records', 'value', 'events', 'data', 'items', 'logs', 'results', 'entries'];

export type RecordShape = 'json-array' | 'json-object' | 'ndjson';

export interface SplitOptions {
  /** Also JSON.parse each record (`value`); records that do not parse become `bad-json` problems. Default false. */
  parse?: boolean;
  /** Largest record, in characters (≈ bytes for ASCII). Larger ones are reported and skipped. Default 64 Mi. */
  maxRecordChars?: number;
  /** Keys of a JSON object whose array holds the records. Default DEFAULT_RECORD_KEYS. */
  recordKeys?: readonly string[];
  /** Encoding the text was decoded from, so offsets are byte offsets of the (decompressed) source. Default 'utf-8'. */
  encoding?: TextEncodingName;
  /** Byte offset of the first character (the BOM length, if the offsets should count it). Default 0. */
  offsetBase?: number;
  signal?: AbortSignal;
}

export interface TextRecord {
  kind: 'record';
  /** 1-based: the record's position in its array (JSON) or its line number (NDJSON). */
  row: number;
  /** Byte offset where the record starts. */
  offset: number;
  text: string;
  /** Present when `parse` was asked for. */
  value?: unknown;
}

/** A problem with one record or the text between records; splitting continues after it. */
export interface RecordProblem {
  kind: 'error';
  code: IngestErrorCode;
  row: number;
  offset: number;
  message: string;
}

export type SplitItem = TextRecord | RecordProblem;

/** What `finish()` leaves: the last items, and the error that ends the file (truncation) if any. */
export interface SplitEnd {
  items: SplitItem[];
  fatal: IngestError | null;
}

/**
 * Collects the text of one span (a record) across chunks: one slice per chunk, joined once at the end, so a record
 * costs O(its length) whatever the chunking. Gives up (and frees what it held) past `max` characters.
 */
class Capture {
  active = false;
  overflow = false;
  private start = 0;
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly max: number) {}

  begin(index: number): void {
    this.active = true;
    this.overflow = false;
    this.start = index;
    this.parts = [];
    this.size = 0;
  }

  /** The chunk ends inside the span. Returns true when the span has just become too large. */
  spill(chunk: string): boolean {
    if (!this.active) return false;
    const start = this.start;
    this.start = 0;
    if (this.overflow) return false;
    this.size += chunk.length - start;
    if (this.size > this.max) {
      this.overflow = true;
      this.parts = [];
      return true;
    }
    this.parts.push(chunk.slice(start));
    return false;
  }

  /** The span ends before `end` in `chunk`; null when it was too large. */
  take(chunk: string, end: number): string | null {
    this.active = false;
    if (this.overflow || this.size + end - this.start > this.max) {
      this.overflow = true;
      this.parts = [];
      return null;
    }
    const last = chunk.slice(this.start, end);
    if (this.parts.length === 0) return last;
    this.parts.push(last);
    const text = this.parts.join('');
    this.parts = [];
    return text;
  }

  cancel(): void {
    this.active = false;
    this.parts = [];
  }
}

/** Common part of the JSON and NDJSON splitters: options, offsets, and how records and problems are emitted. */
export abstract class RecordSplitter {
  /** The object key whose array held the records (json-object), or null. */
  key: string | null = null;
  /** Records emitted so far. */
  records = 0;

  protected readonly parse: boolean;
  protected readonly maxRecordChars: number;
  protected readonly offsets: ByteOffsets;
  protected readonly signal: AbortSignal | undefined;
  protected out: SplitItem[] = [];

  constructor(options: SplitOptions) {
    this.parse = options.parse ?? false;
    this.maxRecordChars = options.maxRecordChars ?? 64 * MiB;
    this.offsets = new ByteOffsets(options.encoding ?? 'utf-8', options.offsetBase ?? 0);
    this.signal = options.signal;
  }

  static for(shape: RecordShape, options: SplitOptions = {}): RecordSplitter {
    return shape === 'ndjson' ? new NdjsonSplitter(options) : new JsonSplitter(options);
  }

  /** Feeds the next chunk of text; returns what became complete. */
  abstract push(chunk: string): SplitItem[];

  /** The text has ended. */
  abstract finish(): SplitEnd;

  /** Splits a whole stream; throws the truncation error (if any) after yielding every complete record. */
  async *split(stream: ReadableStream<string>): AsyncGenerator<SplitItem, void, undefined> {
    const reader = stream.getReader();
    let ended = false;
    try {
      for (;;) {
        await yieldToEventLoop();
        throwIfAborted(this.signal);
        const { done, value } = await reader.read();
        if (done) break;
        yield* this.push(value);
      }
      ended = true;
      const { items, fatal } = this.finish();
      yield* items;
      if (fatal) throw fatal;
    } finally {
      if (!ended) await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
  }

  protected emit(text: string, row: number, offset: number, lastLine = false): void {
    this.records++;
    if (!this.parse) {
      this.out.push({ kind: 'record', row, offset, text });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.records--;
      const why = error instanceof Error ? error.message : String(error);
      const hint = lastLine ? ' (it is the last line and has no newline: the file may be truncated)' : '';
      this.problem('bad-json', row, offset, `Record ${formatCount(row)} at byte offset ${formatCount(offset)} is not valid JSON${hint}: ${why}`);
      return;
    }
    this.out.push({ kind: 'record', row, offset, text, value });
  }

  protected problem(code: IngestErrorCode, row: number, offset: number, message: string): void {
    this.out.push({ kind: 'error', code, row, offset, message });
  }

  protected tooLarge(row: number, offset: number, what: string): void {
    this.problem(
      'record-too-large',
      row,
      offset,
      `${what} ${formatCount(row)} (starting at byte offset ${formatCount(offset)}) is larger than ${formatBytes(this.maxRecordChars)}; it was skipped.`,
    );
  }

  protected truncated(detail: string): IngestError {
    const end = this.offsets.end();
    const after = this.records === 0 ? 'before the first record' : `after record ${formatCount(this.records)}`;
    return new IngestError('truncated', `The text is truncated ${after} (byte offset ${formatCount(end)}): ${detail}.`, end);
  }
}

// States of the JSON splitter. Between records it walks one character at a time; inside a record, scanElement runs.
const DOC = 0; // expecting a top-level value (several may follow each other: concatenated documents)
const ARR_FIRST = 1; // just after the records array's `[`
const ARR_NEXT = 2; // after a `,` in the records array
const ARR_AFTER = 3; // after a record: `,` or `]`
const OBJ_KEY_FIRST = 4; // just after a top-level `{`
const OBJ_KEY = 5; // after a `,` in the top-level object
const OBJ_IN_KEY = 6; // inside a key string
const OBJ_COLON = 7;
const OBJ_VALUE = 8;
const OBJ_AFTER = 9; // after a member value: `,` or `}`
const ELEMENT = 10; // inside a value (a record, or an envelope value being skipped)
const GARBAGE = 11; // after unexpected characters, until something that resynchronises

const QUOTE = 34;
const BACKSLASH = 92;
const KEY_KEEP = 64; // record keys are short; longer keys are never compared in full

class JsonSplitter extends RecordSplitter {
  private readonly recordKeys: ReadonlySet<string>;
  private state = DOC;
  private chunk = '';
  private readonly record: Capture;
  /** The top-level object as a whole: it is the record when it has no records key. */
  private readonly object: Capture;
  private objectOffset = 0;
  private keyChosen = false; // this top-level object's records array was found
  private arrayInObject = false;
  private keyText = '';
  private keyPlain = true;
  private keyEscape = false;
  private garbageIn: 'doc' | 'array' | 'object' = 'doc';

  // The value being scanned.
  private elIsRecord = false;
  private elScalar = false;
  private elDepth = 0;
  private elInString = false;
  private elEscape = false; // the next chunk's first character is escaped (odd run of backslashes at the chunk end)
  private elOffset = 0;
  private elReported = false;
  private row = 0;

  constructor(options: SplitOptions) {
    super(options);
    this.recordKeys = new Set(options.recordKeys ?? DEFAULT_RECORD_KEYS);
    this.record = new Capture(this.maxRecordChars);
    this.object = new Capture(this.maxRecordChars);
  }

  push(s: string): SplitItem[] {
    this.out = [];
    if (s.length === 0) return this.out;
    this.chunk = s;
    this.offsets.next(s);
    const n = s.length;
    let i = 0;
    while (i < n) {
      const state = this.state;
      if (state === ELEMENT) {
        const end = this.scanElement(s, i);
        if (end < 0) break;
        this.endElement(s, end);
        i = end;
      } else if (state === OBJ_IN_KEY) {
        i = this.scanKey(s, i);
      } else {
        const c = s.charCodeAt(i);
        i = c === 32 || c === 10 || c === 13 || c === 9 ? i + 1 : this.structural(i, c);
      }
    }
    if (this.state === ELEMENT && this.elIsRecord && this.record.spill(s)) this.reportRecordTooLarge();
    this.object.spill(s);
    return this.out;
  }

  finish(): SplitEnd {
    this.out = [];
    let fatal: IngestError | null = null;
    const inRecord = this.state === ELEMENT && this.elIsRecord;
    if (inRecord && this.elScalar) {
      // A scalar record ends where the text ends (its text was all spilled); the array around it is still open.
      this.endElement('', 0);
    }
    if (this.state === ELEMENT && this.elIsRecord) {
      fatal = this.truncated(`the text ends inside record ${formatCount(this.row)}, which starts at byte offset ${formatCount(this.elOffset)}`);
    } else if (this.state === DOC || (this.state === GARBAGE && this.garbageIn === 'doc')) {
      fatal = null;
    } else if (this.arrayInObject || (!this.keyChosen && this.object.active)) {
      const where = this.keyChosen ? `the records array "${this.key ?? ''}"` : 'the JSON object';
      fatal = this.truncated(`the text ends inside ${where} (the object starts at byte offset ${formatCount(this.objectOffset)})`);
    } else if (this.isInArray()) {
      fatal = this.truncated('the closing "]" of the array is missing');
    } else {
      fatal = this.truncated(`the closing "}" of the object that starts at byte offset ${formatCount(this.objectOffset)} is missing`);
    }
    return { items: this.out, fatal };
  }

  private isInArray(): boolean {
    const s = this.state;
    return s === ARR_FIRST || s === ARR_NEXT || s === ARR_AFTER || (s === GARBAGE && this.garbageIn === 'array') || (s === ELEMENT && this.elIsRecord);
  }

  /** One character between records. Returns the index to continue from. */
  private structural(i: number, c: number): number {
    switch (this.state) {
      case DOC:
        if (c === 91) {
          this.state = ARR_FIRST;
          this.arrayInObject = false;
          return i + 1;
        }
        if (c === 123) {
          this.state = OBJ_KEY_FIRST;
          this.keyChosen = false;
          this.object.begin(i);
          this.objectOffset = this.offsets.at(i);
          return i + 1;
        }
        return this.garbage(i, 'doc');
      case ARR_FIRST:
      case ARR_NEXT:
        if (c === 93) return this.closeArray(i); // after a `,` this is a trailing comma: tolerated
        return this.startElement(i, c, true);
      case ARR_AFTER:
        if (c === 44) {
          this.state = ARR_NEXT;
          return i + 1;
        }
        if (c === 93) return this.closeArray(i);
        return this.garbage(i, 'array');
      case OBJ_KEY_FIRST:
      case OBJ_KEY:
        if (c === QUOTE) {
          this.state = OBJ_IN_KEY;
          this.keyText = '';
          this.keyPlain = true;
          this.keyEscape = false;
          return i + 1;
        }
        if (c === 125) return this.closeObject(i);
        return this.garbage(i, 'object');
      case OBJ_COLON:
        if (c === 58) {
          this.state = OBJ_VALUE;
          return i + 1;
        }
        return this.garbage(i, 'object');
      case OBJ_VALUE:
        if (c === 91 && !this.keyChosen && this.keyPlain && this.recordKeys.has(this.keyText)) {
          // The records array: from here on the object is an envelope, and its elements are the records.
          this.keyChosen = true;
          this.key ??= this.keyText;
          this.object.cancel();
          this.arrayInObject = true;
          this.state = ARR_FIRST;
          return i + 1;
        }
        return this.startElement(i, c, false);
      case OBJ_AFTER:
        if (c === 44) {
          this.state = OBJ_KEY;
          return i + 1;
        }
        if (c === 125) return this.closeObject(i);
        return this.garbage(i, 'object');
      default:
        return this.resync(i, c);
    }
  }

  private closeArray(i: number): number {
    this.state = this.arrayInObject ? OBJ_AFTER : DOC;
    this.arrayInObject = false;
    return i + 1;
  }

  private closeObject(i: number): number {
    this.state = DOC;
    if (this.keyChosen) return i + 1;
    // No records key: the object itself is the record.
    this.row++;
    const text = this.object.take(this.chunk, i + 1);
    if (text === null) this.tooLarge(this.row, this.objectOffset, 'Record');
    else this.emit(text, this.row, this.objectOffset);
    return i + 1;
  }

  private scanKey(s: string, i: number): number {
    const n = s.length;
    let j = i;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      if (this.keyEscape) this.keyEscape = false;
      else if (c === BACKSLASH) {
        this.keyEscape = true;
        this.keyPlain = false; // an escaped key never equals one of the plain record keys
      } else if (c === QUOTE) break;
    }
    if (this.keyText.length < KEY_KEEP) this.keyText += s.slice(i, Math.min(j, i + KEY_KEEP));
    if (j === n) return n;
    this.state = OBJ_COLON;
    return j + 1;
  }

  private startElement(i: number, c: number, isRecord: boolean): number {
    if (c === 123 || c === 91) {
      this.elDepth = 1;
      this.elScalar = false;
      this.elInString = false;
    } else if (c === QUOTE) {
      this.elDepth = 0;
      this.elScalar = false;
      this.elInString = true;
    } else if (c === 45 || (c >= 48 && c <= 57) || c === 116 || c === 102 || c === 110) {
      this.elDepth = 0;
      this.elScalar = true;
      this.elInString = false;
    } else {
      return this.garbage(i, isRecord ? 'array' : 'object');
    }
    this.elEscape = false;
    this.elIsRecord = isRecord;
    if (isRecord) {
      this.row++;
      this.elOffset = this.offsets.at(i);
      this.elReported = false;
      this.record.begin(i);
    }
    this.state = ELEMENT;
    return i + 1;
  }

  /**
   * The hot loop: finds where the current value ends, counting brackets outside strings. String bodies are skipped with
   * indexOf('"'); a quote is escaped when an odd run of backslashes precedes it. Returns the index just past the value,
   * or -1 when the chunk ends first (the state is saved for the next chunk).
   */
  private scanElement(s: string, i: number): number {
    const n = s.length;
    if (this.elScalar) {
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c === 44 || c === 93 || c === 125 || c <= 32) return i;
      }
      return -1;
    }
    let depth = this.elDepth;
    let inString = this.elInString;
    let segment = i; // backslash runs are counted back to here at most
    if (inString && this.elEscape) {
      this.elEscape = false;
      i++;
      segment = i;
    }
    while (i < n) {
      if (inString) {
        const q = s.indexOf('"', i);
        if (q === -1) {
          let b = n - 1;
          while (b >= segment && s.charCodeAt(b) === BACKSLASH) b--;
          this.elEscape = ((n - 1 - b) & 1) === 1;
          this.elDepth = depth;
          this.elInString = true;
          return -1;
        }
        let b = q - 1;
        while (b >= segment && s.charCodeAt(b) === BACKSLASH) b--;
        i = q + 1;
        if (((q - 1 - b) & 1) === 1) continue; // escaped quote
        inString = false;
        if (depth === 0) {
          this.elInString = false;
          return i; // a string record
        }
        continue;
      }
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        inString = true;
        segment = ++i;
        continue;
      }
      if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        if (--depth === 0) {
          this.elDepth = 0;
          this.elInString = false;
          return i + 1;
        }
      }
      i++;
    }
    this.elDepth = depth;
    this.elInString = inString; // true only when an escaped first character was the whole chunk
    return -1;
  }

  private endElement(chunk: string, end: number): void {
    if (!this.elIsRecord) {
      this.state = OBJ_AFTER;
      return;
    }
    this.state = ARR_AFTER;
    const text = this.record.take(chunk, end);
    if (text === null) {
      if (!this.elReported) this.reportRecordTooLarge();
      return;
    }
    this.emit(text, this.row, this.elOffset);
  }

  private reportRecordTooLarge(): void {
    this.elReported = true;
    this.tooLarge(this.row, this.elOffset, 'Record');
  }

  private garbage(i: number, where: 'doc' | 'array' | 'object'): number {
    const c = this.chunk.charCodeAt(i);
    const shown = c >= 0x20 && c < 0x7f ? `"${this.chunk[i]}"` : `character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
    const offset = this.offsets.at(i);
    const place = this.row === 0 ? 'before the first record' : `after record ${formatCount(this.row)}`;
    this.problem('garbage', this.row, offset, `Unexpected ${shown} at byte offset ${formatCount(offset)} ${place}; skipping to the next record.`);
    this.garbageIn = where;
    this.state = GARBAGE;
    return i + 1;
  }

  /** Skips garbage until a separator or the start of a value puts the splitter back in step. */
  private resync(i: number, c: number): number {
    switch (this.garbageIn) {
      case 'doc':
        if (c === 91 || c === 123) this.state = DOC;
        return c === 91 || c === 123 ? i : i + 1;
      case 'array':
        if (c === 44) this.state = ARR_NEXT;
        else if (c === 93) return this.closeArray(i);
        else if (c === 123 || c === 91) {
          this.state = ARR_NEXT; // a missing comma
          return i;
        }
        return i + 1;
      case 'object':
        if (c === 44) this.state = OBJ_KEY;
        else if (c === 125) return this.closeObject(i);
        return i + 1;
    }
  }
}

/** NDJSON: every non-blank line is a record; `row` is the line number. */
class NdjsonSplitter extends RecordSplitter {
  private readonly line: Capture;
  private lines = 0; // lines completed
  private lineOffset = 0;
  private skipping = false; // inside a line that was too large, until its newline

  constructor(options: SplitOptions) {
    super(options);
    this.line = new Capture(this.maxRecordChars);
  }

  push(s: string): SplitItem[] {
    this.out = [];
    if (s.length === 0) return this.out;
    this.offsets.next(s);
    const n = s.length;
    let i = 0;
    while (i < n) {
      const nl = s.indexOf('\n', i);
      if (this.skipping) {
        if (nl === -1) break;
        this.skipping = false;
        this.lines++;
        i = nl + 1;
        continue;
      }
      if (!this.line.active) {
        this.line.begin(i);
        this.lineOffset = this.offsets.at(i);
      }
      if (nl === -1) {
        if (this.line.spill(s)) {
          this.tooLarge(this.lines + 1, this.lineOffset, 'Line');
          this.line.cancel();
          this.skipping = true;
        }
        break;
      }
      this.lines++;
      const text = this.line.take(s, nl);
      if (text === null) this.tooLarge(this.lines, this.lineOffset, 'Line');
      else this.onLine(text, false);
      i = nl + 1;
    }
    return this.out;
  }

  finish(): SplitEnd {
    this.out = [];
    if (!this.line.active) return { items: this.out, fatal: null };
    const text = this.line.take('', 0);
    if (text === null) {
      this.tooLarge(this.lines + 1, this.lineOffset, 'Line');
      return { items: this.out, fatal: null };
    }
    if (isBlank(text) || this.parse) {
      this.onLine(text, true);
      return { items: this.out, fatal: null };
    }
    // Without parsing, the last line is the one place where a cut-off file shows: check that one.
    try {
      JSON.parse(text);
    } catch {
      return { items: this.out, fatal: this.truncated(`the last line (line ${formatCount(this.lines + 1)}) is not complete JSON`) };
    }
    this.onLine(text, true);
    return { items: this.out, fatal: null };
  }

  private onLine(line: string, last: boolean): void {
    const row = last ? this.lines + 1 : this.lines;
    const text = line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
    if (isBlank(text)) return;
    this.emit(text, row, this.lineOffset, last);
  }
}

function isBlank(text: string): boolean {
  const c = text.charCodeAt(0);
  if (c === 123 || c === 91) return false;
  return !/\S/.test(text);
}

/** Splits a stream of text into records; see RecordSplitter.for to keep access to `key` afterwards. */
export function splitRecords(stream: ReadableStream<string>, shape: RecordShape, options: SplitOptions = {}): AsyncGenerator<SplitItem, void, undefined> {
  return RecordSplitter.for(shape, options).split(stream);
}
