// The Arrow → UI value conversion on real DuckDB results: BigInt, decimals, timestamps, dates, lists, structs, maps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeEngine } from '../../src/engine/node/node-engine';
import { tableToRows, uiValueToText } from '../../src/engine/values';
import type { DuckEngine } from '../../src/engine/duck-engine';

describe('tableToRows', () => {
  let engine: DuckEngine;
  beforeAll(async () => {
    engine = createNodeEngine();
    await engine.start();
  });
  afterAll(() => engine.close());

  it('converts every type the app shows to JSON-safe values', async () => {
    const table = await engine.query(`
      SELECT 12345678901234::BIGINT AS big,
             9007199254740993::HUGEINT AS huge,
             -12.34::DECIMAL(10, 2) AS dec,
             TIMESTAMP '2024-01-02 03:04:05.123456' AS ts,
             DATE '2024-02-29' AS d,
             ['s3:GetObject', 's3:PutObject'] AS actions,
             {'platform': 'aws', 'n': 2} AS st,
             MAP {'a': 1, 'b': 2} AS m,
             NULL::VARCHAR AS missing,
             true AS flag`);
    const [row] = tableToRows(table).rows;
    expect(row).toEqual({
      big: 12345678901234,
      huge: row?.huge, // checked below: exactness matters more than type
      dec: -12.34,
      ts: '2024-01-02T03:04:05.123Z',
      d: '2024-02-29',
      actions: ['s3:GetObject', 's3:PutObject'],
      st: { platform: 'aws', n: 2 },
      m: { a: 1, b: 2 },
      missing: null,
      flag: true,
    });
    expect(() => JSON.stringify(row)).not.toThrow();
    expect(['9007199254740993', 9007199254740993]).toContain(row?.huge);
  });

  it('turns values into grid text', () => {
    expect(uiValueToText(null)).toBe('');
    expect(uiValueToText(['a', 1])).toBe('["a",1]');
    expect(uiValueToText(new Uint8Array([1, 255]))).toBe('01ff');
  });
});

describe('BIGINT inside lists and structs (regression: castBigIntToDouble garbled nested values)', () => {
  it('converts nested counts exactly', async () => {
    const engine = createNodeEngine();
    await engine.start();
    const { rows } = await engine.queryRows("SELECT [3::BIGINT, 9007199254740993::BIGINT] AS l, {'a': 3::BIGINT} AS s, count(*) AS n FROM range(5)");
    expect(rows[0]).toEqual({ l: [3, '9007199254740993'], s: { a: 3 }, n: 5 });
    await engine.close();
  });
});
