// Canonical events → Arrow IPC record batches, the bridge from our parsers to DuckDB (no JSON extension needed).
// Buffers are built directly (makeData): Arrow's builders compile code with `new Function`, which our CSP forbids,
// and writing offsets and bytes ourselves is also several times faster.
import { Float64, makeData, makeVector, Table, tableToIPC, Utf8, type Vector } from 'apache-arrow';
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

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * A nullable UTF-8 column from JS strings. The values are joined and encoded in one call when they are all ASCII (the
 * usual case: byte offsets are then character offsets). In Chromium each `encodeInto` call crosses into the browser's
 * C++ bindings; one call per value cost ~0.7 µs, which was a third of a CloudTrail event's parse time.
 */
export function utf8Vector(values: readonly (string | null)[]): Vector<Utf8> {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  const validity = new Uint8Array((n + 7) >> 3);
  const parts = new Array<string>(n);
  let nulls = 0;
  let chars = 0;
  for (let i = 0; i < n; i++) {
    const value = values[i];
    if (value === null || value === undefined) {
      nulls++;
      parts[i] = '';
    } else {
      validity[i >> 3]! |= 1 << (i & 7);
      parts[i] = value;
      chars += value.length;
    }
    offsets[i + 1] = chars;
  }
  // Every character is one byte exactly when the text is all ASCII (anything else takes 2–4 bytes per UTF-16 unit).
  let bytes = encoder.encode(parts.join(''));
  if (bytes.length !== chars) {
    // Value by value: encoding the joined text would pair a lone high surrogate at the end of one value with a low
    // surrogate starting the next, which encoded apart are two U+FFFD.
    bytes = new Uint8Array(chars * 3 + 64);
    let end = 0;
    for (let i = 0; i < n; i++) {
      const value = parts[i]!;
      if (NON_ASCII.test(value)) end += encoder.encodeInto(value, bytes.subarray(end)).written;
      else for (let j = 0; j < value.length; j++) bytes[end++] = value.charCodeAt(j);
      offsets[i + 1] = end;
    }
    bytes = bytes.subarray(0, end);
  }
  return makeVector(
    makeData({ type: new Utf8(), length: n, nullCount: nulls, nullBitmap: nulls ? validity : null, valueOffsets: offsets, data: bytes }),
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

/**
 * Encode one batch of events of one file as an Arrow IPC stream. Times travel as epoch-ms doubles (cast on commit); the
 * file id is the same for the whole batch, so it is not sent (see stagedEventSelect).
 */
export function eventsToIpc(events: readonly CanonicalEvent[]): Uint8Array {
  const n = events.length;
  const column = <T>(pick: (e: CanonicalEvent) => T): T[] => {
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = pick(events[i]!);
    return out;
  };
  const vectors: Record<string, Vector> = { event_time_ms: float64Vector(column((e) => e.event_time)) };
  for (const [name, pick] of STRING_COLUMNS) {
    vectors[name] = utf8Vector(
      column((e) => {
        const value = pick(e);
        return typeof value === 'string' ? value : value === null || value === undefined ? null : String(value);
      }),
    );
  }
  vectors.bytes = float64Vector(column((e) => e.bytes));
  vectors.records = float64Vector(column((e) => e.records));
  vectors.is_write = float64Vector(column((e) => (e.is_write === null ? null : e.is_write ? 1 : 0)));
  vectors.source_row = float64Vector(column((e) => e.source_row));
  return tableToIPC(new Table(vectors), 'stream');
}

/** The staging → events column list, with the casts the transport types need; `fileIdSql` is the batch's file id as SQL. */
export function stagedEventSelect(fileIdSql: string): string {
  return `
  make_timestamp(CAST(round(event_time_ms * 1000) AS BIGINT)) AS event_time, platform, source_format, event_id, actor, actor_alt,
  actor_type, account, credential_id, action, resource, resource_account, source_ip, user_agent, outcome, error_code, bytes, records,
  CAST(is_write AS BOOLEAN) AS is_write, session_type, ${fileIdSql} AS file_id, CAST(source_row AS BIGINT) AS source_row`;
}
