// Every time format the vendors write (spec/formats.md and the quirks in PROVENANCE.md) parses to the same UTC instant.
import { describe, expect, it } from 'vitest';
import { isAmbiguousSlashedDate, parseTime } from '../../src/ingest/time';

const T = Date.UTC(2022, 10, 21, 18, 6, 52); // 2022-11-21T18:06:52Z

describe('parseTime', () => {
  it.each([
    ['2022-11-21T18:06:52Z', T],
    ['2022-11-21T18:06:52.000Z', T],
    ['2022-11-21T18:06:52.123456789Z', T + 123],
    ['2022-11-21 18:06:52', T],
    ['2022-11-21 18:06:52.000000000', T],
    ['2022-11-21T19:06:52+01:00', T],
    ['2022-11-21T13:06:52-0500', T],
    ['2022-11-21T18:06:52', T],
    [1669054012, T],
    [1669054012000, T],
    ['1669054012000', T],
    ['1669054012', T],
    [1669054012000000, T],
    ['11/21/2022 18:06:52', T],
    ['11/21/2022 6:06:52 PM', T],
    ['21.11.2022 18:06:52', T],
    ['21/11/2022 18:06:52', T],
  ])('%s', (input, expected) => {
    expect(parseTime(input)).toBe(expected);
  });

  it('reads ambiguous slashed dates by the chosen order and says they are ambiguous', () => {
    expect(parseTime('03/04/2024')).toBe(Date.UTC(2024, 2, 4));
    expect(parseTime('03/04/2024', 'dmy')).toBe(Date.UTC(2024, 3, 3));
    expect(isAmbiguousSlashedDate('03/04/2024')).toBe(true);
    expect(isAmbiguousSlashedDate('13/04/2024')).toBe(false);
  });

  it.each([null, undefined, '', '   ', 'yesterday', '2022-02-30T00:00:00Z', 0, -5, 'NaN', '2022-13-01', {}, 'N/A', 'no_information'])(
    'rejects %s',
    (input) => {
      expect(parseTime(input)).toBeNull();
    },
  );
});
