// Small, defensive helpers the log adapters share: safe property access on untrusted JSON, string/number coercion, event assembly.
// Evidence is hostile by assumption, so nothing here throws and nothing trusts a value's type.
import type { CanonicalEvent, Platform, SourceFormat } from '../canonical';
import { parseTime } from '../time';
import type { NormaliseResult, RecordWhere } from './types';

export type Obj = Record<string, unknown>;

/** Longest string we copy into an event: enough for any real ARN, user agent or error code; a 1 MB value cannot bloat the tables. */
export const MAX_TEXT = 4096;
/** Largest stringified JSON cell we are willing to parse (Log Analytics exports stringify `TargetResources`, `InitiatedBy`…). */
const MAX_JSON_TEXT = 1_000_000;

export const NO_TIME = 'no parseable time';

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One property of an object: the exact key first, then the first key equal to it ignoring case.
 * Case-insensitive because the same vendor field arrives as `eventName`, `eventname` (Panther) or `EventName` (Log Analytics).
 * Only own properties count, so a record can never reach `constructor` or `__proto__` through us.
 */
export function field(value: unknown, key: string): unknown {
  if (!isObj(value)) return undefined;
  if (hasOwn.call(value, key)) return value[key];
  // Most lookups miss (optional fields): compare in place rather than lower-case every key (no allocations).
  for (const k in value) {
    if (k.length === key.length && hasOwn.call(value, k) && sameIgnoringCase(k, key)) return value[k];
  }
  return undefined;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** `a.toLowerCase() === b.toLowerCase()` for strings of equal length, without copying them when they are ASCII. */
function sameIgnoringCase(a: string, b: string): boolean {
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0x80 || y >= 0x80) return a.toLowerCase() === b.toLowerCase();
    if (x >= 65 && x <= 90) x |= 32;
    if (y >= 65 && y <= 90) y |= 32;
    if (x !== y) return false;
  }
  return true;
}

/** A dotted path (`userIdentity.sessionContext.sessionIssuer.arn`); numeric segments index arrays (`resources.0.ARN`). */
export function get(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else {
      current = field(current, segment);
    }
    if (current === undefined || current === null) return undefined;
  }
  return current;
}

/** A non-empty trimmed string from a string or a finite number (CSV exports and some vendors write ids as numbers); else null. */
export function str(value: unknown): string | null {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (typeof value === 'bigint') text = value.toString();
  else return null;
  text = text.trim();
  if (text === '') return null;
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

/** The first of several values that is a usable string. */
export function firstStr(...values: unknown[]): string | null {
  for (const v of values) {
    const s = str(v);
    if (s !== null) return s;
  }
  return null;
}

/** A finite number from a number or a numeric string (CSV); else null. */
export function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return null;
}

/** true/false from a boolean or the strings "true"/"false" (CloudTrail writes `"mfaAuthenticated": "true"`); else null. */
export function bool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  return null;
}

function parseJsonText(value: string): unknown {
  const t = value.trim();
  if (t.length > MAX_JSON_TEXT || !(t.startsWith('{') || t.startsWith('['))) return undefined;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return undefined;
  }
}

/** An object, or a string holding one as JSON (Log Analytics / CSV exports stringify nested columns). */
export function obj(value: unknown): Obj | null {
  if (isObj(value)) return value;
  if (typeof value === 'string') {
    const parsed = parseJsonText(value);
    return isObj(parsed) ? parsed : null;
  }
  return null;
}

/** An array, or a string holding one as JSON; anything else is an empty list. */
export function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') {
    const parsed = parseJsonText(value);
    if (Array.isArray(parsed)) return parsed;
  }
  return [];
}

/** Keys present on an object, compared case-insensitively (for recognising shapes). */
export function hasKey(value: unknown, key: string): boolean {
  const v = field(value, key);
  return v !== undefined && v !== null;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** GUIDs are case-insensitive by definition and exports disagree on case; one spelling makes them joinable. Other strings pass through. */
export function guidLower(value: string | null): string | null {
  return value !== null && GUID.test(value) ? value.toLowerCase() : value;
}

/**
 * A browser user agent (`Mozilla/5.0 …`; CloudTrail wraps console agents in brackets, `[Mozilla/5.0 …]`), the sign that a person,
 * not a program, made the call. Crawlers and headless browsers also say Mozilla; they are not people.
 */
export function isBrowserUserAgent(ua: string | null): boolean {
  if (ua === null) return false;
  return /^\[?Mozilla\/\d/.test(ua) && !/\b(bot|crawler|spider|headless)/i.test(ua);
}

const READ_VERBS = [
  'get', 'list', 'describe', 'head', 'batchget', 'lookup', 'search', 'query', 'scan', 'select', 'view', 'check', 'test', 'read',
  'watch', 'download', 'retrieve', 'preview', 'estimate', 'validate', 'filter', 'poll', 'count', 'access',
];

/**
 * True when an operation name reads rather than changes (`GetObject`, `ListUsers`, `objects.get`, `list`).
 * The verb must be the whole name or be followed by a new word, so `Getaway` or `Checkout` do not count as reads.
 */
export function isReadOperation(name: string | null): boolean {
  if (name === null) return false;
  const s = name.trim();
  const lower = s.toLowerCase();
  for (const verb of READ_VERBS) {
    if (!lower.startsWith(verb)) continue;
    const next = s.charAt(verb.length);
    if (next === '' || /[A-Z0-9_.:\s-]/.test(next)) return true;
  }
  return false;
}

/** The first candidate that parses as a time (through the one shared parser), else null. */
export function timeOf(...candidates: unknown[]): number | null {
  for (const c of candidates) {
    const t = parseTime(c);
    if (t !== null) return t;
  }
  return null;
}

/** Every canonical field, null, ready to be filled; the adapter sets what its vendor logs. */
export function newEvent(format: SourceFormat, platform: Platform, eventTime: number, where: RecordWhere): CanonicalEvent {
  return {
    event_time: eventTime,
    platform,
    source_format: format,
    event_id: null,
    actor: null,
    actor_alt: null,
    actor_type: null,
    account: null,
    credential_id: null,
    action: null,
    resource: null,
    resource_account: null,
    source_ip: null,
    user_agent: null,
    outcome: null,
    error_code: null,
    bytes: null,
    records: null,
    is_write: null,
    session_type: null,
    source_file: where.source_file,
    source_row: where.source_row,
  };
}

/** Wrap a matcher so that hostile input (throwing getters, exotic objects) yields 0 instead of an exception. */
export function safeMatch(fn: (record: Obj) => number): (record: unknown) => number {
  return (record) => {
    if (!isObj(record)) return 0;
    try {
      const score = fn(record);
      return Number.isFinite(score) ? Math.min(1, Math.max(0, score)) : 0;
    } catch {
      return 0;
    }
  };
}

/** Wrap a normaliser so that it never throws: non-objects and unexpected failures become rejects with a reason. */
export function safeNormalise(
  vendor: string,
  fn: (record: Obj, where: RecordWhere) => NormaliseResult,
): (record: unknown, where: RecordWhere) => NormaliseResult {
  return (record, where) => {
    if (!isObj(record)) {
      const kind = record === null ? 'null' : Array.isArray(record) ? 'an array' : typeof record;
      return { reject: `not a ${vendor} record (${kind}, expected a JSON object)` };
    }
    try {
      return fn(record, where);
    } catch (error) {
      return { reject: `malformed ${vendor} record: ${(error as Error)?.message ?? String(error)}`.slice(0, 300) };
    }
  };
}

/** The vendor's own copy of the event time that Panther adds (`p_event_time`); used only when the vendor's own field is absent. */
export const PANTHER_EVENT_TIME = 'p_event_time';
