// Events → Arrow IPC → DuckDB keeps every value: nulls, empty strings, unicode, hostile text, times to the millisecond.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { eventsToIpc, stagedEventSelect, utf8Vector } from '../../../src/ingest/arrow-batch';
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

  it('round-trips through DuckDB', async () => {
    const events: CanonicalEvent[] = [
      base,
      { ...base, event_id: null, actor: '', user_agent: 'Mozilla/5.0 — ünïcödé 🚀 <script>alert(1)</script>', bytes: null, is_write: true, source_row: 8 },
      { ...base, event_id: 'e3', actor: "x'); DROP TABLE t; --", outcome: null, is_write: null, source_row: 9 },
    ];
    await engine.insertArrowIPC(eventsToIpc(events), { table: 'ipc_events', create: true });
    const { rows } = await engine.queryRows(`SELECT ${stagedEventSelect("'f9'")} FROM ipc_events ORDER BY source_row`);
    expect(rows[0]).toMatchObject({ event_time: '2026-01-02T03:04:05.678Z', event_id: 'e1', bytes: 12.5, is_write: false, file_id: 'f9', source_row: 7 });
    expect(rows[1]).toMatchObject({ event_id: null, actor: '', user_agent: 'Mozilla/5.0 — ünïcödé 🚀 <script>alert(1)</script>', bytes: null, is_write: true });
    expect(rows[2]).toMatchObject({ actor: "x'); DROP TABLE t; --", outcome: null, is_write: null });
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
