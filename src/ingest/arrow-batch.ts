// Canonical events → Arrow IPC record batches, the bridge from our parsers to DuckDB (no JSON extension needed).
// Buffers are built directly (makeData): Arrow's builders compile code with `new Function`, which our CSP forbids,
// and writing offsets and bytes ourselves is also several times faster.
import { Float64, makeData, makeVector, Table, tableToIPC, Utf8, type Vector } from 'apache-arrow';
import type { CanonicalEvent } from './canonical';

type EventColumn = Exclude<keyof CanonicalEvent, 'source_file'>;

const STRING_COLUMNS = [
  'platform', 'source_format', 'event_id', 'actor', 'actor_alt', 'actor_type', 'account', 'credential_id', 'action',
  'resource', 'resource_account', 'source_ip', 'user_agent', 'outcome', 'error_code', 'session_type',
] as const satisfies readonly EventColumn[];

const encoder = new TextEncoder();

/** A nullable UTF-8 column from JS strings. */
export function utf8Vector(values: readonly (string | null)[]): Vector<Utf8> {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  const validity = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  let capacity = 64;
  for (let i = 0; i < n; i++) capacity += (values[i]?.length ?? 0) * 3;
  let bytes = new Uint8Array(capacity);
  let end = 0;
  for (let i = 0; i < n; i++) {
    const value = values[i];
    if (value === null || value === undefined) nulls++;
    else {
      validity[i >> 3]! |= 1 << (i & 7);
      if (end + value.length * 3 > bytes.length) {
        const grown = new Uint8Array(Math.max(bytes.length * 2, end + value.length * 3));
        grown.set(bytes.subarray(0, end));
        bytes = grown;
      }
      end += encoder.encodeInto(value, bytes.subarray(end)).written;
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

/** Encode one batch of events of one file as an Arrow IPC stream. Times travel as epoch-ms doubles (cast on commit). */
export function eventsToIpc(events: readonly CanonicalEvent[], fileId: string): Uint8Array {
  const n = events.length;
  const column = <T>(pick: (e: CanonicalEvent) => T): T[] => {
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = pick(events[i]!);
    return out;
  };
  const vectors: Record<string, Vector> = { event_time_ms: float64Vector(column((e) => e.event_time)) };
  for (const name of STRING_COLUMNS) {
    vectors[name] = utf8Vector(column((e) => (e[name] === null || e[name] === undefined ? null : String(e[name]))));
  }
  vectors.bytes = float64Vector(column((e) => e.bytes));
  vectors.records = float64Vector(column((e) => e.records));
  vectors.is_write = float64Vector(column((e) => (e.is_write === null ? null : e.is_write ? 1 : 0)));
  vectors.file_id = utf8Vector(column(() => fileId));
  vectors.source_row = float64Vector(column((e) => e.source_row));
  return tableToIPC(new Table(vectors), 'stream');
}

/** The staging → events column list, with the casts the transport types need. */
export const STAGED_EVENT_SELECT = `
  make_timestamp(CAST(round(event_time_ms * 1000) AS BIGINT)) AS event_time, platform, source_format, event_id, actor, actor_alt,
  actor_type, account, credential_id, action, resource, resource_account, source_ip, user_agent, outcome, error_code, bytes, records,
  CAST(is_write AS BOOLEAN) AS is_write, session_type, file_id, CAST(source_row AS BIGINT) AS source_row`;
