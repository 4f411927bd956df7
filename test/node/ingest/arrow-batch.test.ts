// Events → Arrow IPC → DuckDB keeps every value: nulls, empty strings, unicode, hostile text, times to the millisecond.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { readFileSync } from 'node:fs';
import { EVENT_COLUMNS, eventsToIpc, utf8Vector } from '../../../src/ingest/arrow-batch';
import type { CanonicalEvent } from '../../../src/ingest/canonical';

const base: CanonicalEvent = {
  event_time: Date.UTC(2026, 0, 2, 3, 4, 5, 678), platform: 'aws', source_format: 'cloudtrail', event_id: 'e1', actor: 'arn:aws:iam::1:user/a',
  actor_alt: null, actor_type: 'IAMUser', account: '1', credential_id: 'AKIA1', action: 's3:GetObject', resource: 'arn:aws:s3:::b', resource_account: null,
  source_ip: '10.0.0.1', user_agent: 'ua', outcome: 'success', error_code: null, bytes: 12.5, records: null, is_write: false, session_type: null,
  source_file: 'f', source_row: 7,
};

describe('eventsToIpc', () => {
  let engine: DuckEngine;
  beforeAll(async () => {
    engine = createNodeEngine();
    await engine.start();
  });
  afterAll(() => engine.close());

  it('has the columns of the events table, in order, so DuckDB appends a batch as it is', async () => {
    await engine.exec(readFileSync('src/ingest/sql/schema.sql', 'utf8'));
    const { rows } = await engine.queryRows(
      `SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'events' AND table_catalog = current_database() ORDER BY ordinal_position`,
    );
    expect(rows.map((r) => r.name)).toEqual([...EVENT_COLUMNS]);
  });

  it('round-trips through DuckDB: appended to events with every type kept', async () => {
    await engine.exec(readFileSync('src/ingest/sql/schema.sql', 'utf8'));
    await engine.exec('DELETE FROM events');
    const events: CanonicalEvent[] = [
      base,
      { ...base, event_id: null, actor: '', user_agent: 'Mozilla/5.0 — ünïcödé 🚀 <script>alert(1)</script>', bytes: null, is_write: true, source_row: 8 },
      { ...base, event_id: 'e3', actor: "x'); DROP TABLE t; --", outcome: null, is_write: null, bytes: Number.NaN, source_row: 9 },
      // Microseconds survive; times before 1970 and rows past 2^32 are whole 64-bit values.
      { ...base, event_id: 'e4', event_time: Date.UTC(2026, 0, 2, 3, 4, 5, 678) + 0.901, source_row: 2 ** 33 + 5 },
      { ...base, event_id: 'e5', event_time: Date.UTC(1969, 11, 31, 23, 59, 59, 500), source_row: 10 },
    ];
    await engine.insertArrowIPC(eventsToIpc(events, 'f9'), { table: 'events', create: false });
    const { rows } = await engine.queryRows(
      `SELECT strftime(event_time, '%Y-%m-%d %H:%M:%S.%f') AS t, * EXCLUDE (event_time) FROM events ORDER BY source_row`,
    );
    expect(rows.map((r) => r.t)).toEqual([
      '2026-01-02 03:04:05.678000', '2026-01-02 03:04:05.678000', '2026-01-02 03:04:05.678000', '1969-12-31 23:59:59.500000', '2026-01-02 03:04:05.678901',
    ]);
    expect(rows[0]).toMatchObject({ event_id: 'e1', bytes: 12.5, is_write: false, file_id: 'f9', source_row: 7, identity_key: null, resolution: null });
    expect(rows[1]).toMatchObject({ event_id: null, actor: '', user_agent: 'Mozilla/5.0 — ünïcödé 🚀 <script>alert(1)</script>', bytes: null, is_write: true, file_id: 'f9' });
    expect(rows[2]).toMatchObject({ actor: "x'); DROP TABLE t; --", outcome: null, is_write: null, bytes: null });
    expect(rows[4]).toMatchObject({ event_id: 'e4', source_row: 2 ** 33 + 5 });
  });

  it('holds long non-ASCII strings', () => {
    const long = 'é'.repeat(100_000);
    const vector = utf8Vector([long, null, 'a']);
    expect(vector.get(0)).toBe(long);
    expect(vector.get(1)).toBeNull();
    expect(vector.get(2)).toBe('a');
  });

  it('encodes ASCII columns in one piece and mixed ones value by value, with the same bytes as one value at a time', () => {
    const encoder = new TextEncoder();
    const cases: (string | null)[][] = [
      ['a', '', null, 'bcd', ''],
      [null, null],
      [],
      ['plain', 'ünï', null, '', '🚀x', 'tail'],
      // Lone surrogates at value edges: each must become its own U+FFFD, not a pair across two values.
      ['ab\ud83d', '\ude80cd', '\ud83d', null, '\ude80'],
      // Non-ASCII values early, then a long run of ASCII: the buffer must grow for all that follows.
      ['🚀'.repeat(3000), 'é'.repeat(5000), ...Array.from({ length: 200 }, (_, i) => `ascii-${i}`.repeat(20))],
    ];
    for (const values of cases) {
      const vector = utf8Vector(values);
      expect(vector.length).toBe(values.length);
      const data = vector.data[0]!;
      for (let i = 0; i < values.length; i++) {
        const value = values[i];
        if (value === null) {
          expect(vector.get(i)).toBeNull();
          continue;
        }
        const bytes = data.values.subarray(data.valueOffsets[i], data.valueOffsets[i + 1]);
        expect([...bytes]).toEqual([...encoder.encode(value)]);
      }
    }
  });
});
