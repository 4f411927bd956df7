// The snapshot leaves DuckDB part by part: the engine hands its Arrow IPC stream over as it is fetched (never gathered
// into one buffer), each part goes into gzip as it comes, a chunk is read in slices with the app's statements between
// them, and the chunks are the rowid ranges that hold rows.
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { concatBytes } from '../../../src/ingest/container/streams';
import { gzipHere } from '../../../src/workspace/gzip-parts';
import { gunzip, gzipParts, ipcRows, readTables, restoreTables } from '../../../src/workspace/snapshot';

describe('streaming a snapshot out of DuckDB', () => {
  let engine: DuckEngine;
  beforeAll(async () => {
    engine = createNodeEngine();
    await engine.start();
    await engine.exec(`CREATE TABLE big AS SELECT range AS n, 'row ' || range AS label FROM range(600000)`);
  });
  afterAll(async () => {
    await engine.close();
  });

  it('hands the IPC stream over in parts: schema first, the end-of-stream marker last, every row once', async () => {
    const parts: Uint8Array[] = [];
    await engine.streamIpc('SELECT * FROM big WHERE n < 300000', (part) => void parts.push(part));
    // Several record batches, each its own part: nothing gathered them into one buffer.
    expect(parts.length).toBeGreaterThan(3);
    expect([...parts.at(-1)!]).toEqual([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    const table = tableFromIPC(concatBytes(parts));
    expect(table.numRows).toBe(300_000);
    expect(Number(table.getChild('n')!.get(299_999))).toBe(299_999);
    expect(table.getChild('label')!.get(12)).toBe('row 12');
  });

  it('ends the stream when its consumer throws; the engine goes on and streams again', async () => {
    await expect(
      engine.streamIpc('SELECT * FROM big', () => {
        throw new Error('consumer stopped');
      }),
    ).rejects.toThrow('consumer stopped');
    expect((await engine.queryRows('SELECT count(*) AS n FROM big')).rows).toEqual([{ n: 600_000 }]);
    const again: Uint8Array[] = [];
    await engine.streamIpc('SELECT * FROM big WHERE n < 1000', (part) => void again.push(part));
    expect(tableFromIPC(concatBytes(again)).numRows).toBe(1000);
  });

  it("reads a chunk in slices, one query each, with the app's statements running between them", async () => {
    const log: string[] = [];
    // The engine itself, with its reads counted (every other call goes to the engine as it is).
    const spied = new Proxy(engine, {
      get(target, prop) {
        if (prop === 'streamIpc')
          return (...args: Parameters<DuckEngine['streamIpc']>) => {
            log.push('slice');
            return target.streamIpc(...args);
          };
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    let reading = true;
    const others = (async () => {
      while (reading) {
        await engine.queryRows('SELECT 1');
        log.push('query');
        // As the app's statements come, from events: in Node a loop of bare queries never lets a timer run.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    })();
    const { tables, chunks } = await readTables(spied, undefined, ['big']);
    reading = false;
    await others;
    // 600,000 rows: chunks of 250,000 read 4,096 rows at a time.
    expect(log.filter((e) => e === 'slice')).toHaveLength(62 + 62 + 25);
    // Not one slice after another: other statements had turns in between.
    const firstQuery = log.indexOf('query');
    expect(firstQuery).toBeGreaterThan(-1);
    expect(log.lastIndexOf('slice')).toBeGreaterThan(firstQuery);
    expect(log.slice(0, 8).filter((e) => e === 'query').length).toBeGreaterThan(1);
    // Each chunk one stream, every row once.
    let rows = 0;
    for (const id of tables[0]!.blobIds) {
      const t = tableFromIPC(await gunzip(chunks.get(id)!));
      rows += t.numRows;
      expect(t.getChild('label')!.get(20_000)).toMatch(/^row \d+$/);
    }
    expect(rows).toBe(600_000);
  });

  it('counts the rows of every part, and refuses to keep a chunk whose read came up short', async () => {
    const parts: Uint8Array[] = [];
    await engine.streamIpc('SELECT * FROM big WHERE n < 5000', (part) => void parts.push(part));
    expect(parts.map(ipcRows).reduce((a, b) => a + b, 0)).toBe(5000);
    expect(ipcRows(parts[0]!)).toBe(0); // the schema
    // An engine that loses one part of one slice (as a fetch taken for the end once did): the save fails by name.
    let dropped = false;
    const lossy = new Proxy(engine, {
      get(target, prop) {
        if (prop === 'streamIpc')
          return (sql: string, onPart: (part: Uint8Array) => void, options?: { signal?: AbortSignal }) => {
            let index = 0;
            return target.streamIpc(
              sql,
              (part) => {
                if (index++ === 1 && !dropped) dropped = true;
                else onPart(part);
              },
              options,
            );
          };
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    await expect(readTables(lossy, undefined, ['big'])).rejects.toThrow(/read 247,?952 of the 250,?000 rows of big/);
  });

  it('gzips parts in order as they are pushed; a cancelled stream gives nothing and does not throw', async () => {
    const gz = gzipParts();
    const pieces = ['alpha ', 'beta ', 'gamma'].map((t) => new TextEncoder().encode(t));
    for (const p of pieces) gz.push(p);
    expect(new TextDecoder().decode(await gunzip(await gz.finish()))).toBe('alpha beta gamma');
    const dropped = gzipParts();
    dropped.push(new TextEncoder().encode('never finished'));
    expect(() => dropped.cancel()).not.toThrow();
  });

  it('reads only the rowid chunks that hold rows and counts the rows there are', async () => {
    await engine.exec('CREATE TABLE gappy AS SELECT * FROM big; DELETE FROM gappy WHERE n < 260000 OR n BETWEEN 500000 AND 500009');
    const { tables, chunks } = await readTables(engine, undefined, ['gappy']);
    const [table] = tables;
    expect(table!.rows).toBe(600_000 - 260_000 - 10);
    // rowids 0..249,999 hold nothing any more: two chunks, not three.
    expect(table!.blobIds).toHaveLength(2);
    let rows = 0;
    let sum = 0n;
    for (const id of table!.blobIds) {
      const t = tableFromIPC(await gunzip(chunks.get(id)!));
      rows += t.numRows;
      for (const v of t.getChild('n')!) sum += BigInt(v as bigint);
    }
    expect(rows).toBe(table!.rows);
    let expected = 0n;
    for (let n = 260_000n; n < 600_000n; n++) if (n < 500_000n || n > 500_009n) expected += n;
    expect(sum).toBe(expected);
  });

  it('compresses a chunk as several gzip members (one job each) and reads them back as one stream', async () => {
    // ~29 MB of IPC in one 250k-row chunk: more than one 16 MiB member.
    await engine.exec(`CREATE TABLE wide AS SELECT range AS n, repeat('x', 100) || range AS label FROM range(250000)`);
    const { tables, chunks } = await readTables(engine, undefined, ['wide']);
    const [table] = tables;
    expect(table!.blobIds).toHaveLength(1);
    const members = table!.members![0]!;
    expect(members.length).toBeGreaterThanOrEqual(2);
    const stored = chunks.get(table!.blobIds[0]!)!;
    expect(members.reduce((n, s) => n + s, 0)).toBe((stored as Uint8Array).byteLength);
    // Each member is a whole gzip stream of its own.
    expect([...(stored as Uint8Array).subarray(members[0]!, members[0]! + 2)]).toEqual([0x1f, 0x8b]);
    const t = tableFromIPC(await gunzip(stored, members));
    expect(t.numRows).toBe(250_000);
    expect(t.getChild('label')!.get(249_999)).toBe(`${'x'.repeat(100)}249999`);
    // Sizes that do not describe the bytes are refused, not guessed around.
    await expect(gunzip(stored, [members[0]!, 100])).rejects.toThrow(/does not match its recorded parts/);
  });

  it("restores a chunk whose columns no longer line up through a scratch table, with the tab's insert that empties its buffer", async () => {
    // An older snapshot of resource_classes: its columns in another order, without one added since.
    const parts: Uint8Array[] = [];
    await engine.streamIpc(
      "SELECT 'ci-*' AS data_class, 'arn:aws:s3:::logs*' AS pattern, 'f1' AS file_id UNION ALL SELECT 'pii', 'arn:aws:s3:::hr*', 'f2'",
      (part) => void parts.push(part.slice()),
    );
    const gz = gzipHere();
    for (const part of parts) await gz.push(part);
    const stored = await gz.finish();
    // As DuckDB-WASM's AsyncDuckDB does: the bytes are transferred to its worker, the caller's buffer left empty.
    const tabLike = new Proxy(engine, {
      get(target, prop) {
        if (prop === 'insertArrowIPC')
          return async (ipc: Uint8Array, options: Parameters<DuckEngine['insertArrowIPC']>[1]) => {
            const copy = ipc.slice();
            structuredClone(ipc.buffer, { transfer: [ipc.buffer as ArrayBuffer] });
            return target.insertArrowIPC(copy, options);
          };
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    await restoreTables(tabLike, [{ name: 'resource_classes', rows: 2, blobIds: ['c0'] }], async () => stored);
    const { rows } = await engine.queryRows('SELECT pattern, data_class, file_id, source_row FROM resource_classes ORDER BY file_id');
    expect(rows).toEqual([
      { pattern: 'arn:aws:s3:::logs*', data_class: 'ci-*', file_id: 'f1', source_row: null },
      { pattern: 'arn:aws:s3:::hr*', data_class: 'pii', file_id: 'f2', source_row: null },
    ]);
  });
});
