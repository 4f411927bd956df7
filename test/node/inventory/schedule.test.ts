// Declared schedules: every written form (ranges, days, overnight, zones, cron with lists/ranges/steps) and readable errors.
import { describe, expect, it } from 'vitest';
import { hourOfWeek, parseSchedule, scheduleAllows } from '../../../src/ingest/inventory/schedule';
import { utc } from './helpers';

const DAY = 1440;
const everyDay = (startMin: number, endMin: number) => [0, 1, 2, 3, 4, 5, 6].map((d) => ({ start: d * DAY + startMin, end: d * DAY + endMin }));
const hours = (days: number[], from: number, to: number) => days.flatMap((d) => Array.from({ length: to - from }, (_, i) => d * 24 + from + i));
const ok = (text: string, duration?: number) => {
  const s = parseSchedule(text, duration === undefined ? {} : { cronDurationMinutes: duration });
  expect(s.errors).toEqual([]);
  return s;
};

describe('hour-of-week convention', () => {
  it('starts Monday 00:00 UTC at 0 and ends Sunday 23:00 at 167', () => {
    expect(hourOfWeek(utc('2024-05-06T00:00:00Z'))).toBe(0); // a Monday
    expect(hourOfWeek(utc('2024-05-12T23:59:00Z'))).toBe(167); // the Sunday after
    expect(hourOfWeek(utc('2024-05-08T13:30:00Z'))).toBe(2 * 24 + 13);
  });
});

describe('parseSchedule ranges', () => {
  it.each(['01:00-03:00', '01:00-03:00 UTC', '01:00 - 03:00 utc', '1:00–3:00', '01:00 to 03:00 GMT', '01:00-03:00Z', 'daily 01:00-03:00', 'every day 01:00-03:00 UTC+00:00'])(
    '%s is 01:00-03:00 every day',
    (text) => {
      const s = ok(text);
      expect(s.intervals).toEqual(everyDay(60, 180));
      expect(s.slots).toEqual(hours([0, 1, 2, 3, 4, 5, 6], 1, 3));
    },
  );

  it('reads days: ranges, lists before or after, groups', () => {
    expect(ok('08:00-18:00 Mon-Fri').slots).toEqual(hours([0, 1, 2, 3, 4], 8, 18));
    expect(ok('Mon-Fri 08:00-18:00').slots).toEqual(hours([0, 1, 2, 3, 4], 8, 18));
    expect(ok('08:00-10:00 Mon,Wed').slots).toEqual(hours([0, 2], 8, 10));
    expect(ok('Mon,Wed 08:00-10:00').slots).toEqual(hours([0, 2], 8, 10));
    expect(ok('9am-5pm weekdays').slots).toEqual(hours([0, 1, 2, 3, 4], 9, 17));
    expect(ok('10:00-12:00 weekends').slots).toEqual(hours([5, 6], 10, 12));
    expect(ok('10:00-11:00 Fri-Mon').slots).toEqual(hours([0, 4, 5, 6], 10, 11));
  });

  it('reads several ranges separated by ; or ,', () => {
    const expected = hours([0, 1, 2, 3, 4, 5, 6], 1, 2).concat(hours([0, 1, 2, 3, 4, 5, 6], 13, 14)).sort((a, b) => a - b);
    expect(ok('01:00-02:00; 13:00-14:00').slots).toEqual(expected);
    expect(ok('01:00-02:00, 13:00-14:00').slots).toEqual(expected);
    expect(ok('08:00-09:00 Mon, 20:00-21:00 Tue').slots).toEqual([8, 24 + 20]);
  });

  it('runs overnight ranges into the next day, wrapping Sunday into Monday', () => {
    const s = ok('22:00-02:00');
    expect(s.intervals[0]).toEqual({ start: 0, end: 120 });
    expect(s.intervals.at(-1)).toEqual({ start: 6 * DAY + 1320, end: 7 * DAY });
    expect(ok('22:00-02:00 Fri').intervals).toEqual([{ start: 4 * DAY + 1320, end: 5 * DAY + 120 }]);
    expect(ok('00:00-24:00 Sat').intervals).toEqual([{ start: 5 * DAY, end: 6 * DAY }]);
  });

  it('converts written zones to UTC', () => {
    expect(ok('09:00-17:00 +02:00').intervals).toEqual(everyDay(7 * 60, 15 * 60));
    expect(ok('01:00-03:00 -05:00').intervals).toEqual(everyDay(6 * 60, 8 * 60));
    expect(ok('01:00-03:00 UTC-0530').intervals).toEqual(everyDay(6 * 60 + 30, 8 * 60 + 30));
    expect(ok('03:00-05:00 UTC +02:00').intervals).toEqual(everyDay(60, 180));
    // Monday 00:30 in UTC+1 is Sunday 23:30 UTC.
    expect(ok('00:30-01:30 Mon +01:00').intervals).toEqual([
      { start: 0, end: 30 },
      { start: 7 * DAY - 30, end: 7 * DAY },
    ]);
  });

  it('reads always-on declarations', () => {
    expect(ok('24/7').slots).toHaveLength(168);
  });
});

describe('parseSchedule cron', () => {
  it('reads a daily job as a window starting then, default one hour', () => {
    expect(ok('0 2 * * *').intervals).toEqual(everyDay(120, 180));
    expect(ok('0 2 * * *', 30).intervals).toEqual(everyDay(120, 150));
    expect(ok('@daily').intervals).toEqual(everyDay(0, 60));
  });

  it('reads lists, ranges, steps and day names', () => {
    expect(ok('*/15 9-17 * * 1-5', 15).slots).toEqual(hours([0, 1, 2, 3, 4], 9, 18));
    expect(ok('0 1,13 * * MON,WED').slots).toEqual([1, 13, 48 + 1, 48 + 13]);
    expect(ok('0 0-12/6 * * *').slots).toEqual(hours([0, 1, 2, 3, 4, 5, 6], 0, 1).concat(hours([0, 1, 2, 3, 4, 5, 6], 6, 7), hours([0, 1, 2, 3, 4, 5, 6], 12, 13)).sort((a, b) => a - b));
    expect(ok('30 22 * * 0', 120).intervals).toEqual([
      { start: 0, end: 30 },
      { start: 6 * DAY + 22 * 60 + 30, end: 7 * DAY },
    ]);
    expect(ok('0 3 * * 7').slots).toEqual([6 * 24 + 3]);
  });

  it('converts a cron zone and approximates day-of-month and month with a warning', () => {
    expect(ok('0 2 * * * +02:00').intervals).toEqual(everyDay(0, 60));
    const s = ok('0 2 1 * 1');
    expect(s.slots).toEqual(hours([0, 1, 2, 3, 4, 5, 6], 2, 3));
    expect(s.warnings[0]).toMatch(/day-of-month/);
    expect(ok('0 2 * JAN *').warnings[0]).toMatch(/month/);
  });
});

describe('parseSchedule errors', () => {
  it.each([
    ['', /empty/],
    ['whenever', /expected a time range/],
    ['25:00-26:00', /not a valid time/],
    ['01:00-01:00', /same time/],
    ['01:00-03:00 CET', /time zone "CET" is not supported/],
    ['01:00-03:00 Europe/Berlin', /not supported/],
    ['01:00-03:00 Funday', /neither a day nor a time zone/],
    ['01:00-03:00 +01:00 -02:00', /two different time zones/],
    ['61 2 * * *', /minute field/],
    ['0 2 * * 8', /day-of-week field/],
    ['*/0 * * * *', /step of 0/],
    ['0 5-2 * * *', /backwards/],
  ])('%j', (text, message) => {
    const s = parseSchedule(text);
    expect(s.errors.join(' ')).toMatch(message);
    expect(s.intervals).toEqual([]);
  });

  it('keeps the readable parts of a partly broken schedule', () => {
    const s = parseSchedule('01:00-02:00; nonsense');
    expect(s.errors).toHaveLength(1);
    expect(s.slots).toHaveLength(7);
    expect(parseSchedule(undefined as unknown as string).errors[0]).toMatch(/empty/);
    expect(parseSchedule('1'.repeat(5000)).errors[0]).toMatch(/longer/);
  });
});

describe('scheduleAllows', () => {
  const s = parseSchedule('08:00-18:00 Mon-Fri');
  it.each([
    ['2024-05-06T09:00:00Z', true],
    ['2024-05-06T08:00:00Z', true],
    ['2024-05-06T17:59:59Z', true],
    ['2024-05-06T18:00:00Z', false],
    ['2024-05-11T09:00:00Z', false],
  ])('%s → %s', (iso, allowed) => expect(scheduleAllows(s, utc(iso))).toBe(allowed));

  it('is minute-precise, takes text, and is null when nothing could be read', () => {
    expect(scheduleAllows('0 2 * * *', utc('2024-05-07T02:59:00Z'), { cronDurationMinutes: 60 })).toBe(true);
    expect(scheduleAllows('0 2 * * *', utc('2024-05-07T02:30:00Z'), { cronDurationMinutes: 15 })).toBe(false);
    expect(scheduleAllows('nonsense', utc('2024-05-07T02:30:00Z'))).toBeNull();
    expect(scheduleAllows(s, Number.NaN)).toBeNull();
  });
});
