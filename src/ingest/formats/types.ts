// The contract every audit-log adapter fulfils: recognise one parsed JSON record by its shape, and turn it into canonical events.
import type { CanonicalEvent, Platform, SourceFormat } from '../canonical';

/** Where a record sits in its file; copied onto every event it yields. */
export interface RecordWhere {
  source_file: string;
  source_row: number;
}

/** One record → events (usually one; none when the record is not an event), or why it could not be used. */
export type NormaliseResult = { events: CanonicalEvent[] } | { reject: string };

export interface LogFormat {
  format: SourceFormat;
  platform: Platform;
  /** Human label, e.g. 'AWS CloudTrail'. */
  vendor: string;
  /** Confidence 0..1 that one parsed JSON record is of this format (by keys and shape, never by file name). Never throws. */
  match(record: unknown): number;
  /** One record → events. Never throws: records it cannot use come back as `{ reject: reason }`. */
  normalise(record: unknown, where: RecordWhere): NormaliseResult;
}
