// The quoting helper keeps hostile names and values as data, proven against the real engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeEngine } from '../../src/engine/node/node-engine';
import { quoteIdent, quoteLiteral, sqlValue } from '../../src/engine/sql';
import type { DuckEngine } from '../../src/engine/duck-engine';

describe('SQL quoting', () => {
  let engine: DuckEngine;
  beforeAll(async () => {
    engine = createNodeEngine();
    await engine.start();
  });
  afterAll(() => engine.close());

  it('keeps a hostile column header and value as plain data', async () => {
    const header = 'a"; DROP TABLE victims; --';
    const value = "x'); DROP TABLE victims; --";
    await engine.exec('CREATE TABLE victims(v INTEGER); INSERT INTO victims VALUES (1)');
    await engine.exec(`CREATE TABLE hostile(${quoteIdent(header)} VARCHAR)`);
    await engine.exec(`INSERT INTO hostile VALUES (${quoteLiteral(value)})`);
    const { rows, columns } = await engine.queryRows(`SELECT ${quoteIdent(header)} FROM hostile`);
    expect(columns[0]?.name).toBe(header);
    expect(rows[0]?.[header]).toBe(value);
    const { rows: still } = await engine.queryRows('SELECT count(*) AS n FROM victims');
    expect(still[0]?.n).toBe(1);
  });

  it('refuses NUL and non-finite numbers', () => {
    expect(() => quoteIdent('a\u0000b')).toThrow();
    expect(() => quoteLiteral('a\u0000b')).toThrow();
    expect(() => sqlValue(Number.NaN)).toThrow();
    expect(sqlValue(null)).toBe('NULL');
    expect(sqlValue(3)).toBe('3');
    expect(sqlValue(true)).toBe('TRUE');
  });
});
