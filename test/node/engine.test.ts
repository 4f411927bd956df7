// The engine interface against the real DuckDB-WASM build in Node: SQL, Arrow insert, cancel, memory, reset, and
// fetches DuckDB answers with "not ready yet".
import { tableFromArrays, tableFromIPC, tableToIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckEngine } from '../../src/engine/duck-engine';
import { createNodeBackend, createNodeEngine } from '../../src/engine/node/node-engine';
import { concatBytes } from '../../src/ingest/container/streams';

describe('engine (Node, DuckDB-WASM blocking build)', () => {
  let engine: DuckEngine;
  beforeAll(async () => {
    engine = createNodeEngine();
    await engine.start();
  });
  afterAll(async () => {
    await engine.close();
  });

  it('starts, reports its version and answers SQL', async () => {
    const info = await engine.start();
    expect(info.version).toBe('v1.4.3');
    expect(engine.status).toBe('ready');
    const { rows, columns } = await engine.queryRows('SELECT 42 AS answer');
    expect(rows).toEqual([{ answer: 42 }]);
    expect(columns[0]?.name).toBe('answer');
  });

  it('switches extension auto-install off and points the repository away from the internet', async () => {
    const { rows } = await engine.queryRows(
      `SELECT current_setting('autoinstall_known_extensions') AS install,
              current_setting('autoload_known_extensions') AS load,
              current_setting('custom_extension_repository') AS repo`,
    );
    expect(rows[0]).toMatchObject({ install: false, load: false });
    expect(String(rows[0]?.repo)).toMatch(/^http:\/\/127\.0\.0\.1/);
  });

  it('executes several statements and keeps their effect', async () => {
    await engine.exec('CREATE TABLE t_exec(a INTEGER); INSERT INTO t_exec VALUES (1), (2), (3)');
    const { rows } = await engine.queryRows('SELECT sum(a) AS s FROM t_exec');
    expect(rows[0]?.s).toBe(6);
  });

  it('inserts Arrow IPC as a new table and appends to it', async () => {
    const batch = tableFromArrays({ actor: ['svc-a', 'svc-b'], n: Int32Array.from([1, 2]) });
    await engine.insertArrowIPC(tableToIPC(batch, 'stream'), { table: 'ipc_demo', create: true });
    await engine.insertArrowIPC(tableToIPC(batch, 'stream'), { table: 'ipc_demo', create: false });
    const { rows } = await engine.queryRows('SELECT actor, sum(n) AS n FROM ipc_demo GROUP BY actor ORDER BY actor');
    expect(rows).toEqual([
      { actor: 'svc-a', n: 2 },
      { actor: 'svc-b', n: 4 },
    ]);
    await expect(engine.insertArrowIPC(tableToIPC(batch, 'stream'), { table: 'x"; DROP TABLE t_exec; --', create: true })).rejects.toThrow(
      /Not a valid table name/,
    );
  });

  it('reads a registered file with SQL', async () => {
    const csv = 'event_time,actor\n2026-01-01 00:00:00,svc-a\n2026-01-01 01:00:00,svc-b\n';
    await engine.registerFile('evidence/t.csv', new Blob([csv]));
    const { rows } = await engine.queryRows("SELECT count(*) AS n FROM read_csv('evidence/t.csv')");
    expect(rows[0]?.n).toBe(2);
    await engine.dropFile('evidence/t.csv');
  });

  it('cancels a long query through its AbortSignal and stays usable', async () => {
    const controller = new AbortController();
    const began = performance.now();
    setTimeout(() => controller.abort(), 300);
    await expect(
      engine.query('SELECT sum(i) FROM range(1000000000000) t(i)', { signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    const elapsed = performance.now() - began;
    // A trillion-row sum takes hours; returning within seconds proves the statement was interrupted.
    expect(elapsed).toBeLessThan(5000);
    const { rows } = await engine.queryRows('SELECT 1 AS still_alive');
    expect(rows[0]?.still_alive).toBe(1);
  });

  it('does not start a query whose signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(engine.exec('CREATE TABLE never_made(a INT)', { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    await expect(engine.query('SELECT * FROM never_made')).rejects.toThrow(/never_made/);
  });

  it('reports memory use against the limit', async () => {
    await engine.exec('CREATE TABLE mem_demo AS SELECT range AS i, md5(range::VARCHAR) AS h FROM range(200000)');
    const memory = await engine.memory();
    expect(memory.usedBytes).toBeGreaterThan(1_000_000);
    expect(memory.limitBytes).toBeGreaterThan(memory.usedBytes);
    // The wasm heap holds what the buffer manager holds, in whole 64 KiB pages, and grows with the work, never back.
    expect(memory.heapBytes).toBeGreaterThan(memory.usedBytes);
    expect(memory.heapBytes! % 65536).toBe(0);
    await engine.exec('CREATE TABLE mem_more AS SELECT range AS i, md5(range::VARCHAR) || md5((range + 1)::VARCHAR) AS h FROM range(2000000)');
    const grown = await engine.memory();
    expect(grown.heapBytes).toBeGreaterThan(memory.heapBytes!);
    await engine.exec('DROP TABLE mem_more');
    expect((await engine.memory()).heapBytes).toBe(grown.heapBytes);
  });

  it('resets to a fresh instance: tables are gone, SQL still works', async () => {
    await engine.exec('CREATE TABLE before_reset AS SELECT 1 AS a');
    const info = await engine.reset();
    expect(info.version).toBe('v1.4.3');
    await expect(engine.query('SELECT * FROM before_reset')).rejects.toThrow(/before_reset/);
    const { rows } = await engine.queryRows('SELECT 7 AS seven');
    expect(rows[0]?.seven).toBe(7);
  });

  it('fails queued work started before a reset instead of leaving it hanging', async () => {
    const controller = new AbortController();
    const long = engine.query('SELECT sum(i) FROM range(1000000000000) t(i)', { signal: controller.signal });
    setTimeout(() => void engine.reset(), 200);
    await expect(long).rejects.toThrow();
    controller.abort();
    const { rows } = await engine.queryRows('SELECT 1 AS ok');
    expect(rows[0]?.ok).toBe(1);
  });
});

describe('a fetch DuckDB-WASM answers "not ready yet"', () => {
  // DuckDB-WASM answers a fetch with null when the next part is still being computed (its polling interval ran out):
  // "ask again". This backend answers so before every real part, as a slow machine can.
  let engine: DuckEngine;
  let retries = 0;
  beforeAll(async () => {
    engine = new DuckEngine(async () => {
      const backend = await createNodeBackend();
      const real = backend.bindings;
      let ready = false;
      const bindings = new Proxy(real, {
        get(target, prop) {
          if (prop === 'fetchQueryResults')
            return (connection: number) => {
              ready = !ready;
              if (!ready) return target.fetchQueryResults(connection);
              retries++;
              return null;
            };
          const value = Reflect.get(target, prop, target) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      return { ...backend, bindings };
    });
    await engine.start();
    await engine.exec('CREATE TABLE slow AS SELECT range AS n FROM range(100000)');
  });
  afterAll(async () => {
    await engine.close();
  });

  it('is asked again, never taken for the end of the result', async () => {
    const parts: Uint8Array[] = [];
    await engine.streamIpc('SELECT * FROM slow', (part) => void parts.push(part));
    expect(tableFromIPC(concatBytes(parts)).numRows).toBe(100_000);
    expect((await engine.queryRows('SELECT count(*) AS n, sum(n) AS s FROM slow')).rows).toEqual([{ n: 100_000, s: 4_999_950_000 }]);
    expect(retries).toBeGreaterThan(10);
  });
});
