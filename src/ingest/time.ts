// Vendor time formats → epoch milliseconds UTC. Every adapter parses time through here so quirks are fixed once.
// Accepts ISO-8601 (with Z, an offset, or none = UTC), "YYYY-MM-DD HH:MM:SS[.fffffffff]", epoch seconds / milliseconds
// (numbers or digit strings), "MM/DD/YYYY[ HH:MM[:SS]]", "DD.MM.YYYY[ HH:MM[:SS]]".

export type DateOrder = 'mdy' | 'dmy';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{2})?$/;
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM|am|pm)?)?\s*(Z|UTC)?$/;
const DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

// Plausible range for audit evidence: 1990-01-01 .. 2100-01-01; outside it a number is not a timestamp we trust.
const MIN_MS = Date.UTC(1990, 0, 1);
const MAX_MS = Date.UTC(2100, 0, 1);

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(t);
  // Reject dates that roll over (Feb 30 → Mar 2).
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return null;
  return t;
}

function fromEpochNumber(n: number): number | null {
  if (!Number.isFinite(n) || n <= 0) return null;
  // Seconds, milliseconds, microseconds or nanoseconds since the epoch: pick the scale that lands in range.
  for (const scale of [1000, 1, 1e-3, 1e-6]) {
    const ms = n * scale;
    if (ms >= MIN_MS && ms < MAX_MS) return Math.round(ms);
  }
  return null;
}

/**
 * Parse a time value from evidence. Returns epoch ms UTC, or null when it is empty or unparseable.
 * `order` decides ambiguous slashed dates (03/04/2024); the default is month first, as US exports write them.
 */
export function parseTime(value: unknown, order: DateOrder = 'mdy'): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return fromEpochNumber(value);
  if (typeof value === 'bigint') return fromEpochNumber(Number(value));
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (text === '') return null;
  if (/^\d+(\.\d+)?$/.test(text)) return fromEpochNumber(Number(text));

  let m = ISO.exec(text);
  if (m) {
    const frac = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
    const t = utc(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), frac);
    if (t === null) return null;
    const zone = m[8];
    if (!zone || /^(Z|UTC|GMT)$/i.test(zone)) return t;
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const offset = (Number(z[2]) * 60 + Number(z[3] ?? 0)) * 60_000;
    return z[1] === '+' ? t - offset : t + offset;
  }
  m = SLASHED.exec(text);
  if (m) {
    const [a, b] = [+m[1]!, +m[2]!];
    // When one side cannot be a month the order is clear whatever the setting says.
    const monthFirst = a > 12 ? false : b > 12 ? true : order === 'mdy';
    let hour = +(m[4] ?? 0);
    const ampm = m[7]?.toUpperCase();
    if (ampm === 'PM' && hour < 12) hour += 12;
    if (ampm === 'AM' && hour === 12) hour = 0;
    return monthFirst ? utc(+m[3]!, a, b, hour, +(m[5] ?? 0), +(m[6] ?? 0)) : utc(+m[3]!, b, a, hour, +(m[5] ?? 0), +(m[6] ?? 0));
  }
  m = DOTTED.exec(text);
  if (m) return utc(+m[3]!, +m[2]!, +m[1]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
  // Last resort for RFC 2822-style strings ("Tue, 02 Jan 2024 03:04:05 GMT"): only when a zone is written.
  if (/[A-Za-z]{3},? \d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}(:\d{2})? (GMT|UTC|[+-]\d{4})$/.test(text)) {
    const t = Date.parse(text);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

/** True when a slashed date could be read both ways (both parts ≤ 12 and different): the UI says which was assumed. */
export function isAmbiguousSlashedDate(value: string): boolean {
  const m = /^(\d{1,2})\/(\d{1,2})\/\d{4}/.exec(value.trim());
  return !!m && +m[1]! <= 12 && +m[2]! <= 12 && m[1] !== m[2];
}
