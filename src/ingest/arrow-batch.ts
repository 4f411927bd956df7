// Canonical events → Arrow IPC record batches, the bridge from our parsers to DuckDB (no JSON extension needed).
// Column order and types match the staging table that the first batch creates.
import { Bool, Float64, Table, TimestampMillisecond, Utf8, tableToIPC, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import type { CanonicalEvent } from './canonical';

type EventColumn = Exclude<keyof CanonicalEvent, 'source_file'>;

const STRING_COLUMNS = [
  'platform', 'source_format', 'event_id', 'actor', 'actor_alt', 'actor_type', 'account', 'credential_id', 'action',
  'resource', 'resource_account', 'source_ip', 'user_agent', 'outcome', 'error_code', 'session_type',
] as const satisfies readonly EventColumn[];

/** Encode one batch of events of one file as an Arrow IPC stream. */
export function eventsToIpc(events: readonly CanonicalEvent[], fileId: string): Uint8Array {
  const n = events.length;
  const column = <T>(pick: (e: CanonicalEvent) => T): T[] => {
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = pick(events[i]!);
    return out;
  };
  const vectors: Record<string, Vector<DataType>> = {
    event_time: vectorFromArray(column((e) => e.event_time), new TimestampMillisecond() as DataType),
  };
  for (const name of STRING_COLUMNS) {
    vectors[name] = vectorFromArray(column((e) => (e[name] === null || e[name] === undefined ? null : String(e[name]))), new Utf8());
  }
  vectors.bytes = vectorFromArray(column((e) => e.bytes), new Float64());
  vectors.records = vectorFromArray(column((e) => e.records), new Float64());
  vectors.is_write = vectorFromArray(column((e) => e.is_write), new Bool());
  vectors.file_id = vectorFromArray(column(() => fileId), new Utf8());
  vectors.source_row = vectorFromArray(column((e) => e.source_row), new Float64());
  return tableToIPC(new Table(vectors), 'stream');
}

/** The staging → events column list, with the casts Arrow's types need. */
export const STAGED_EVENT_SELECT = `
  CAST(event_time AS TIMESTAMP) AS event_time, platform, source_format, event_id, actor, actor_alt, actor_type, account,
  credential_id, action, resource, resource_account, source_ip, user_agent, outcome, error_code, bytes, records, is_write,
  session_type, file_id, CAST(source_row AS BIGINT) AS source_row`;
