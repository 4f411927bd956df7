// Parses declared schedules ("01:00-03:00 UTC", "08:00-18:00 Mon-Fri", "22:00-02:00", "0 2 * * *") into UTC week intervals,
// so off-hours detection can ask "was this minute allowed?" and SQL can use the matching hour-of-week slots.
//
// Convention (shared with the detection SQL): the week starts Monday 00:00 UTC. minute-of-week = (ISO weekday − 1) × 1440 +
// hour × 60 + minute, 0…10079; hour-of-week slot = (ISO weekday − 1) × 24 + hour, 0…167 (Monday 00:00 UTC = 0, Sunday
// 23:00 UTC = 167). In DuckDB: `(isodow(t) - 1) * 24 + hour(t)`.

export const MINUTES_PER_WEEK = 7 * 24 * 60;
const DAY = 24 * 60;

/** Half-open [start, end) in minutes of the UTC week, 0 ≤ start < end ≤ 10080. Wrapping windows are split in two. */
export interface ScheduleInterval {
  start: number;
  end: number;
}

export interface ParsedSchedule {
  /** The schedule as written. */
  text: string;
  /** Merged, sorted, minute-precise allowed intervals (UTC). Empty when nothing could be read. */
  intervals: ScheduleInterval[];
  /** Hour-of-week slots (0–167) that any allowed minute touches: a coarse cover of `intervals` for hourly SQL. */
  slots: number[];
  /** What could not be read, one message per part; the parts that could be read still count. */
  errors: string[];
  /** What was read with an approximation (e.g. cron day-of-month ignored). */
  warnings: string[];
}

export interface ScheduleOptions {
  /** How long a cron-declared job window lasts, in minutes. Default 60. */
  cronDurationMinutes?: number;
}

const DAY_NAMES: Record<string, number> = {
  mon: 0, monday: 0, tue: 1, tues: 1, tuesday: 1, wed: 2, weds: 2, wednesday: 2, thu: 3, thur: 3, thurs: 3, thursday: 3,
  fri: 4, friday: 4, sat: 5, saturday: 5, sun: 6, sunday: 6,
};
const DAY_GROUPS: Record<string, number[]> = {
  weekday: [0, 1, 2, 3, 4], weekdays: [0, 1, 2, 3, 4], workdays: [0, 1, 2, 3, 4], workday: [0, 1, 2, 3, 4],
  weekend: [5, 6], weekends: [5, 6], daily: [0, 1, 2, 3, 4, 5, 6], everyday: [0, 1, 2, 3, 4, 5, 6],
};
// Words that may sit around a range without meaning anything: "every day 01:00-03:00", "on weekdays".
const FILLER = new Set(['every', 'on', 'at', 'and', 'only', 'day', 'days', 'from', 'between', 'each', 'hours']);
const ALWAYS = /^(24\/7|24x7|always|any ?time|all day every day|continuous(ly)?|00:00-24:00)$/i;

const RANGE = /(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*(?:-|–|—|\bto\b)\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)?/i;
const CRON_FIELD = /^[0-9*?/,A-Za-z-]+$/;
const CRON_MACROS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
};

/** Parse a declared schedule. Never throws: what cannot be read is in `errors`. */
export function parseSchedule(text: string, options: ScheduleOptions = {}): ParsedSchedule {
  const raw: ScheduleInterval[] = [];
  const errors: string[] = [];
  const warnings: string[] = [];
  const source = typeof text === 'string' ? text : '';
  const trimmed = source.trim();
  const duration = clampDuration(options.cronDurationMinutes);

  if (trimmed === '') errors.push('The schedule is empty.');
  else if (trimmed.length > 2000) errors.push('The schedule is longer than 2,000 characters; not read.');
  else if (ALWAYS.test(trimmed)) raw.push({ start: 0, end: MINUTES_PER_WEEK });
  else {
    for (const segment of trimmed.split(/[;\n\r]+/)) {
      const seg = segment.trim();
      if (seg === '') continue;
      const cron = cronParts(seg);
      if (cron) {
        const r = parseCron(cron.fields, cron.zone, duration, seg);
        raw.push(...r.intervals);
        errors.push(...r.errors);
        warnings.push(...r.warnings);
        continue;
      }
      for (const piece of rangePieces(seg)) {
        const r = parseRange(piece);
        if (typeof r === 'string') errors.push(r);
        else raw.push(...r);
      }
    }
  }
  const intervals = mergeIntervals(raw);
  return { text: source, intervals, slots: slotsOf(intervals), errors, warnings };
}

/** Minute of the UTC week (Monday 00:00 = 0) of an instant. */
export function minuteOfWeek(epochMs: number): number {
  const d = new Date(epochMs);
  return ((d.getUTCDay() + 6) % 7) * DAY + d.getUTCHours() * 60 + d.getUTCMinutes();
}

/** Hour-of-week slot (0–167, Monday 00:00 UTC = 0) of an instant. */
export function hourOfWeek(epochMs: number): number {
  return Math.floor(minuteOfWeek(epochMs) / 60);
}

/**
 * Whether the schedule allows an instant, minute-precise. null when the schedule yields no interval at all (empty or
 * unreadable): the caller then falls back to the learned baseline instead of calling every event off-hours.
 */
export function scheduleAllows(schedule: ParsedSchedule | string, epochMs: number, options: ScheduleOptions = {}): boolean | null {
  const s = typeof schedule === 'string' ? parseSchedule(schedule, options) : schedule;
  if (s.intervals.length === 0 || !Number.isFinite(epochMs)) return null;
  const m = minuteOfWeek(epochMs);
  return s.intervals.some((i) => m >= i.start && m < i.end);
}

// ---------------------------------------------------------------------------------------------------------------------
// Ranges: "HH:MM-HH:MM [days] [zone]"

/**
 * Split a segment on commas into ranges, keeping day lists together: a comma piece without a time range belongs to the
 * range before it ("08:00-18:00 Mon,Wed"), or to the next one when it comes first ("Mon,Wed 08:00-18:00").
 */
function rangePieces(segment: string): string[] {
  const groups: string[] = [];
  let pending = '';
  for (const piece of segment.split(',')) {
    if (RANGE.test(piece)) {
      groups.push(pending ? `${pending},${piece}` : piece);
      pending = '';
    } else if (groups.length > 0) groups[groups.length - 1] += `,${piece}`;
    else pending = pending ? `${pending},${piece}` : piece;
  }
  if (pending.trim() !== '') groups.push(pending);
  return groups.map((g) => g.trim()).filter((g) => g !== '');
}

function parseRange(piece: string): ScheduleInterval[] | string {
  const m = RANGE.exec(piece);
  if (!m) return `"${clip(piece)}": expected a time range like 01:00-03:00 (optionally with days and a zone) or a 5-field cron.`;
  const start = clockMinutes(m[1]!, m[2], m[3], false);
  const end = clockMinutes(m[4]!, m[5], m[6], true);
  if (start === null || end === null) return `"${clip(piece)}": ${m[0].trim()} is not a valid time of day.`;
  if (start === end) return `"${clip(piece)}": the range starts and ends at the same time; write 00:00-24:00 for a whole day.`;
  const rest = (piece.slice(0, m.index) + ' ' + piece.slice(m.index + m[0].length)).trim();
  const extras = readDaysAndZone(rest, piece);
  if (typeof extras === 'string') return extras;
  // Overnight ranges (22:00-02:00) run into the next day.
  const length = end > start ? end - start : end + DAY - start;
  return extras.days.flatMap((d) => wrap(d * DAY + start - extras.offset, length));
}

/** "9", "09:30", "7pm" → minutes after midnight; 24:00 only as an end. */
function clockMinutes(h: string, mi: string | undefined, ampm: string | undefined, isEnd: boolean): number | null {
  let hour = +h;
  const minute = mi === undefined ? 0 : +mi;
  if (minute > 59) return null;
  if (ampm) {
    if (hour < 1 || hour > 12) return null;
    const pm = ampm.toLowerCase() === 'pm';
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  if (hour === 24 && minute === 0 && isEnd) return DAY;
  if (hour > 23) return null;
  return hour * 60 + minute;
}

function readDaysAndZone(rest: string, piece: string): { days: number[]; offset: number } | string {
  const days = new Set<number>();
  let offset: number | null = null;
  const written = rest.split(/[\s,]+/).filter((t) => t !== '');
  const tokens = written.map((t) => t.toLowerCase());
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    // "UTC +02:00" written with a space is one zone, +02:00.
    if ((t === 'utc' || t === 'gmt') && i + 1 < tokens.length && /^[+-]/.test(tokens[i + 1]!) && zoneOffset(tokens[i + 1]!) !== null) continue;
    const zone = zoneOffset(t);
    if (zone !== null) {
      if (offset !== null && offset !== zone) return `"${clip(piece)}": two different time zones.`;
      offset = zone;
      continue;
    }
    const dayList = dayTokens(t);
    if (dayList) {
      for (const d of dayList) days.add(d);
      continue;
    }
    if (FILLER.has(t)) continue;
    // Zone abbreviations (CET, PST) and IANA names (Europe/Berlin) need DST rules the offline app does not guess at.
    if (/^[A-Z]{2,5}$/.test(written[i]!) || /^[a-z]+\/[a-z_]+/i.test(t)) {
      return `"${clip(piece)}": time zone "${t.toUpperCase()}" is not supported; write UTC or an offset like +01:00.`;
    }
    return `"${clip(piece)}": "${clip(t)}" is neither a day nor a time zone.`;
  }
  return { days: days.size === 0 ? [0, 1, 2, 3, 4, 5, 6] : [...days].sort((a, b) => a - b), offset: offset ?? 0 };
}

/** A zone token → minutes east of UTC (UTC, GMT, Z, +02:00, -0530, UTC+2), or null when the token is not an offset. */
function zoneOffset(token: string): number | null {
  if (/^(utc|gmt|z)$/i.test(token)) return 0;
  const m = /^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(token);
  if (!m) return null;
  const h = +m[2]!;
  const mi = +(m[3] ?? 0);
  if (h > 14 || mi > 59) return null;
  return (m[1] === '-' ? -1 : 1) * (h * 60 + mi);
}

/** "mon", "mon-fri", "fri-mon" (wraps), "weekdays" → Monday-based day numbers; null when not a day word. */
function dayTokens(token: string): number[] | null {
  const t = token.replace(/[–—]/g, '-').replace(/\.$/, '');
  if (t in DAY_GROUPS) return DAY_GROUPS[t]!;
  if (t in DAY_NAMES) return [DAY_NAMES[t]!];
  const m = /^([a-z]+)-([a-z]+)$/.exec(t);
  if (m && m[1]! in DAY_NAMES && m[2]! in DAY_NAMES) {
    const out: number[] = [];
    for (let d = DAY_NAMES[m[1]!]!; ; d = (d + 1) % 7) {
      out.push(d);
      if (d === DAY_NAMES[m[2]!]) break;
    }
    return out;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------------
// Cron: "m h dom mon dow [zone]"

function cronParts(segment: string): { fields: string[]; zone: string | null } | null {
  let tokens = segment.split(/\s+/);
  const macro = CRON_MACROS[tokens[0]!.toLowerCase()];
  if (macro) tokens = [...macro.split(' '), ...tokens.slice(1)];
  let zone: string | null = null;
  if (tokens.length === 6 && zoneOffset(tokens[5]!) !== null) {
    zone = tokens[5]!;
    tokens = tokens.slice(0, 5);
  }
  if (tokens.length !== 5 || !tokens.every((t) => CRON_FIELD.test(t))) return null;
  // The minute and hour fields of a cron are numeric: this keeps "Mon Tue Wed Thu Fri" from looking like one.
  if (!/^[0-9*/,-]+$/.test(tokens[0]!) || !/^[0-9*/,-]+$/.test(tokens[1]!)) return null;
  return { fields: tokens, zone };
}

function parseCron(
  fields: string[],
  zone: string | null,
  duration: number,
  segment: string,
): { intervals: ScheduleInterval[]; errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const [minF, hourF, domF, monF, dowF] = fields as [string, string, string, string, string];
  const minutes = cronField(minF, 0, 59, {});
  const hours = cronField(hourF, 0, 23, {});
  const doms = cronField(domF, 1, 31, {});
  const months = cronField(monF, 1, 12, MONTHS);
  const dows = cronField(dowF, 0, 7, CRON_DOW);
  for (const [name, f] of [['minute', minutes], ['hour', hours], ['day-of-month', doms], ['month', months], ['day-of-week', dows]] as const) {
    if (typeof f === 'string') errors.push(`cron "${clip(segment)}": ${name} field ${f}`);
  }
  if (errors.length > 0 || typeof minutes === 'string' || typeof hours === 'string' || typeof dows === 'string') {
    return { intervals: [], errors, warnings };
  }
  // A week-based schedule cannot say "the 1st of the month": such a job is allowed on every day (a superset, never a miss).
  let days = [...new Set([...dows].map((d) => (d + 6) % 7))];
  if (!isStar(domF)) {
    warnings.push(`cron "${clip(segment)}": the day-of-month field is read as "any day" (schedules are weekly).`);
    days = [0, 1, 2, 3, 4, 5, 6];
  }
  if (!isStar(monF)) warnings.push(`cron "${clip(segment)}": the month field is read as "every month" (schedules are weekly).`);
  const offset = zone ? zoneOffset(zone)! : 0;
  const intervals: ScheduleInterval[] = [];
  for (const d of days) for (const h of hours) for (const m of minutes) intervals.push(...wrap(d * DAY + h * 60 + m - offset, duration));
  return { intervals, errors, warnings };
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const CRON_DOW: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

function isStar(field: string): boolean {
  return field === '*' || field === '?';
}

/** One cron field → its values: `*`, `?`, `5`, `1-5`, `*\/15`, `1-10/2`, `5/15`, names, lists of these. Day 7 = Sunday = 0. */
function cronField(field: string, min: number, max: number, names: Record<string, number>): Set<number> | string {
  const out = new Set<number>();
  const value = (s: string): number | null => {
    const lower = s.toLowerCase();
    if (lower in names) return names[lower]!;
    if (!/^\d{1,2}$/.test(s)) return null;
    const n = +s;
    return n >= min && n <= max ? n : null;
  };
  for (const part of field.split(',')) {
    const m = /^(\*|\?|[^/-]+)(?:-([^/]+))?(?:\/(\d{1,2}))?$/.exec(part);
    if (!m) return `"${clip(part)}" is not a value, range or step.`;
    const step = m[3] === undefined ? 1 : +m[3];
    if (step < 1) return `"${clip(part)}" has a step of 0.`;
    let lo: number;
    let hi: number;
    if (m[1] === '*' || m[1] === '?') {
      if (m[2] !== undefined) return `"${clip(part)}" is not a value, range or step.`;
      lo = min;
      hi = max;
    } else {
      const a = value(m[1]!);
      if (a === null) return `"${clip(m[1]!)}" is out of range ${min}-${max}.`;
      lo = a;
      if (m[2] !== undefined) {
        const b = value(m[2]);
        if (b === null) return `"${clip(m[2])}" is out of range ${min}-${max}.`;
        if (b < a) return `"${clip(part)}" is a range that runs backwards.`;
        hi = b;
      } else hi = m[3] === undefined ? a : max;
    }
    for (let v = lo; v <= hi; v += step) out.add(names === CRON_DOW && v === 7 ? 0 : v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------------
// Intervals

/** A window starting at a (possibly negative or past-the-week) minute, cut into pieces inside [0, 10080). */
function wrap(start: number, length: number): ScheduleInterval[] {
  const len = Math.min(length, MINUTES_PER_WEEK);
  const s = ((start % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
  const e = s + len;
  if (e <= MINUTES_PER_WEEK) return [{ start: s, end: e }];
  return [
    { start: s, end: MINUTES_PER_WEEK },
    { start: 0, end: e - MINUTES_PER_WEEK },
  ];
}

function mergeIntervals(items: ScheduleInterval[]): ScheduleInterval[] {
  const sorted = [...items].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: ScheduleInterval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ ...i });
  }
  return out;
}

function slotsOf(intervals: ScheduleInterval[]): number[] {
  const slots = new Set<number>();
  for (const i of intervals) for (let h = Math.floor(i.start / 60); h * 60 < i.end; h++) slots.add(h);
  return [...slots].sort((a, b) => a - b);
}

function clampDuration(minutes: number | undefined): number {
  if (minutes === undefined || !Number.isFinite(minutes)) return 60;
  return Math.min(MINUTES_PER_WEEK, Math.max(1, Math.round(minutes)));
}

function clip(s: string): string {
  const t = s.trim();
  return t.length > 60 ? `${t.slice(0, 57)}…` : t;
}
