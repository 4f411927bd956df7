// Time labels for charts and tables, always in UTC and saying so where a reader could take them for local time.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
export const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

const pad = (n: number) => String(n).padStart(2, '0');

/** '2026-03-26' */
export function utcDate(iso: string | null): string {
  return iso ? iso.slice(0, 10) : '';
}

/** '2026-03-26 13:00' (no seconds; the caller adds 'UTC' where it is not already said). */
export function utcMinute(iso: string | null): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : '';
}

/** 'Mar 26' for an axis tick. */
export function utcTick(date: Date): string {
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}`;
}

/** 'Thu 13:00–14:00' for an hour-of-week slot (0 = Monday 00:00 UTC). */
export function slotLabel(hourOfWeek: number): string {
  const hour = hourOfWeek % 24;
  return `${WEEKDAY_NAMES[Math.floor(hourOfWeek / 24)]} ${pad(hour)}:00–${pad((hour + 1) % 24 === 0 ? 24 : hour + 1)}:00`;
}

/** A count or rate for people: whole numbers with separators, small rates with one or two decimals. */
export function formatRate(value: number | null): string {
  if (value === null) return '—';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 2 : 1 });
}
