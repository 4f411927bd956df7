// Canonical events → Arrow IPC record batches, the bridge from our parsers to DuckDB (no JSON extension needed).
// Buffers are built directly (makeData): Arrow's builders compile code with `new Function`, which our CSP forbids,
// and writing offsets and bytes ourselves is also several times faster.
import { Bool, Dictionary, Float64, Int32, Int64, makeData, makeVector, Table, tableToIPC, TimestampMicrosecond, Utf8, type Vector } from 'apache-arrow';
import type { CanonicalEvent } from './canonical';

type EventColumn = Exclude<keyof CanonicalEvent, 'source_file'>;

// One reader per column: a fixed property name keeps each access monomorphic (e[name] with a varying name was not).
const STRING_COLUMNS: readonly [EventColumn, (e: CanonicalEvent) => unknown][] = [
  ['platform', (e) => e.platform], ['source_format', (e) => e.source_format], ['event_id', (e) => e.event_id], ['actor', (e) => e.actor],
  ['actor_alt', (e) => e.actor_alt], ['actor_type', (e) => e.actor_type], ['account', (e) => e.account],
  ['credential_id', (e) => e.credential_id], ['action', (e) => e.action], ['resource', (e) => e.resource],
  ['resource_account', (e) => e.resource_account], ['source_ip', (e) => e.source_ip], ['user_agent', (e) => e.user_agent],
  ['outcome', (e) => e.outcome], ['error_code', (e) => e.error_code], ['session_type', (e) => e.session_type],
];

const encoder = new TextEncoder();

/**
 * A nullable UTF-8 column from JS strings. ASCII values (almost all of them) are copied character by character; only a
 * value with other characters is handed to `encodeInto`, which in Chromium crosses into the browser's C++ bindings
 * (~0.7 µs a call, a third of a CloudTrail event's parse time when every value went that way).
 */
export function utf8Vector(values: readonly (string | null)[]): Vector<Utf8> {
  return utf8Column(values, (value) => value);
}

/** utf8Vector over `pick(item)` of each item, without an array of the values in between. */
function utf8Column<T>(items: readonly T[], pick: (item: T) => unknown): Vector<Utf8> {
  const n = items.length;
  const offsets = new Int32Array(n + 1);
  const validity = new Uint8Array((n + 7) >> 3);
  const texts = new Array<string | null>(n);
  let nulls = 0;
  let chars = 0;
  for (let i = 0; i < n; i++) {
    const raw = pick(items[i]!);
    if (raw === null || raw === undefined) {
      nulls++;
      texts[i] = null;
    } else {
      const value = typeof raw === 'string' ? raw : String(raw);
      validity[i >> 3]! |= 1 << (i & 7);
      texts[i] = value;
      chars += value.length;
    }
  }
  // Room for every value as ASCII; a non-ASCII value makes room for itself and all that follows it.
  let bytes = new Uint8Array(chars + 64);
  let end = 0;
  let left = chars; // characters not yet written
  for (let i = 0; i < n; i++) {
    const value = texts[i];
    if (value) {
      left -= value.length;
      let all = 0;
      for (let j = 0; j < value.length; j++) {
        const c = value.charCodeAt(j);
        all |= c;
        bytes[end + j] = c;
      }
      if (all < 0x80) end += value.length;
      else {
        // Encoded on its own: joined to its neighbours, a lone surrogate at its edge could pair with theirs.
        const room = end + value.length * 3 + left;
        if (room > bytes.length) {
          const grown = new Uint8Array(Math.max(room, bytes.length * 2));
          grown.set(bytes.subarray(0, end));
          bytes = grown;
        }
        end += encoder.encodeInto(value, bytes.subarray(end)).written;
      }
    }
    offsets[i + 1] = end;
  }
  return makeVector(
    makeData({ type: new Utf8(), length: n, nullCount: nulls, nullBitmap: nulls ? validity : null, valueOffsets: offsets, data: bytes.subarray(0, end) }),
  );
}

/** A nullable DOUBLE column. */
export function float64Vector(values: readonly (number | null)[]): Vector<Float64> {
  const n = values.length;
  const data = new Float64Array(n);
  const validity = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const value = values[i];
    if (value === null || value === undefined || Number.isNaN(value)) nulls++;
    else {
      data[i] = value;
      validity[i >> 3]! |= 1 << (i & 7);
    }
  }
  return makeVector(makeData({ type: new Float64(), length: n, nullCount: nulls, nullBitmap: nulls ? validity : null, data }));
}

/** A nullable BOOLEAN column. */
function boolVector(values: readonly (boolean | null)[]): Vector<Bool> {
  const n = values.length;
  const data = new Uint8Array((n + 7) >> 3);
  const validity = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const value = values[i];
    if (value === null || value === undefined) nulls++;
    else {
      validity[i >> 3]! |= 1 << (i & 7);
      if (value) data[i >> 3]! |= 1 << (i & 7);
    }
  }
  return makeVector(makeData({ type: new Bool(), length: n, nullCount: nulls, nullBitmap: nulls ? validity : null, data }));
}

/**
 * 64-bit integers from whole numbers below 2^53, written as two 32-bit halves (little-endian, as every browser is):
 * no BigInt per value.
 */
function int64Words(values: ArrayLike<number>): BigInt64Array {
  const out = new BigInt64Array(values.length);
  const words = new Int32Array(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    const high = Math.floor(value / 4294967296);
    words[2 * i] = value - high * 4294967296; // 0 ≤ low < 2^32, stored as its two's-complement bits
    words[2 * i + 1] = high;
  }
  return out;
}

/** The batch's file id: one dictionary entry that every row points to. */
function constantVector(value: string, n: number): Vector {
  return makeVector(
    makeData({ type: new Dictionary(new Utf8(), new Int32()), length: n, nullCount: 0, data: new Int32Array(n), dictionary: utf8Vector([value]) }),
  );
}

/** A VARCHAR column of nulls. */
function nullUtf8Vector(n: number): Vector<Utf8> {
  return makeVector(
    makeData({ type: new Utf8(), length: n, nullCount: n, nullBitmap: new Uint8Array((n + 7) >> 3), valueOffsets: new Int32Array(n + 1), data: new Uint8Array(0) }),
  );
}

/**
 * Encode one batch of events of one file as an Arrow IPC stream with exactly the columns and types of the `events`
 * table, in its order: DuckDB appends it to `events` as it is (no scratch table, no casts). Times are microseconds
 * (TIMESTAMP's own unit; sub-millisecond vendor times keep their precision); identity columns are left empty.
 */
export function eventsToIpc(events: readonly CanonicalEvent[], fileId: string): Uint8Array {
  const n = events.length;
  const column = <T>(pick: (e: CanonicalEvent) => T): T[] => {
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = pick(events[i]!);
    return out;
  };
  const noText = nullUtf8Vector(n);
  const built: Record<string, Vector> = {
    event_time: makeVector(
      makeData({ type: new TimestampMicrosecond(), length: n, nullCount: 0, data: int64Words(column((e) => Math.round(e.event_time * 1000))) }),
    ),
    bytes: float64Vector(column((e) => e.bytes)),
    records: float64Vector(column((e) => e.records)),
    is_write: boolVector(column((e) => e.is_write)),
    file_id: constantVector(fileId, n),
    source_row: makeVector(makeData({ type: new Int64(), length: n, nullCount: 0, data: int64Words(column((e) => e.source_row)) })),
    identity_key: noText, // set by resolution
    resolution: noText,
  };
  for (const [name, pick] of STRING_COLUMNS) built[name] = utf8Column(events, pick);
  // In the table's order: DuckDB appends by position.
  return tableToIPC(new Table(Object.fromEntries(EVENT_COLUMNS.map((name) => [name, built[name]!]))), 'stream');
}

/** The columns of the `events` table (schema.sql), in order: the IPC batches carry exactly these. */
export const EVENT_COLUMNS = [
  'event_time', 'platform', 'source_format', 'event_id', 'actor', 'actor_alt', 'actor_type', 'account', 'credential_id', 'action',
  'resource', 'resource_account', 'source_ip', 'user_agent', 'outcome', 'error_code', 'bytes', 'records', 'is_write', 'session_type',
  'file_id', 'source_row', 'identity_key', 'resolution',
] as const;
