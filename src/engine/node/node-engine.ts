// The engine in Node (tests, benchmark): the same DuckDB-WASM build the browser runs, through its blocking Node target.
// SQL tested here behaves as in the tab: same version, same missing extensions.
import { createRequire } from 'node:module';
import path from 'node:path';
import { setImmediate as nextTick } from 'node:timers/promises';
import * as duckdb from '@duckdb/duckdb-wasm/blocking';
import { DuckEngine, type DuckBackend } from '../duck-engine';

const require = createRequire(import.meta.url);
const dist = path.dirname(require.resolve('@duckdb/duckdb-wasm/dist/duckdb-node-blocking.cjs'));

/** The blocking build in this process, as the engine drives it (exported for tests that wrap its bindings). */
export async function createNodeBackend(): Promise<DuckBackend> {
  const db = await duckdb.createDuckDB(
    {
      mvp: { mainModule: path.join(dist, 'duckdb-mvp.wasm'), mainWorker: path.join(dist, 'duckdb-node-mvp.worker.cjs') },
      eh: { mainModule: path.join(dist, 'duckdb-eh.wasm'), mainWorker: path.join(dist, 'duckdb-node-eh.worker.cjs') },
    },
    new duckdb.VoidLogger(),
    duckdb.NODE_RUNTIME,
  );
  await db.instantiate(() => {});
  // No castBigIntToDouble: it mislabels BIGINTs nested in lists and structs; values.ts converts BigInt safely instead.
  db.open({});
  const connection = db.connect();
  const connectionId = connection.useUnsafe((_bindings, id) => id);
  let alive = true;
  return {
    bindings: db,
    connection: connectionId,
    bundle: 'node-eh',
    // Nothing is served here: any extension load fails locally instead of reaching a network.
    extensionRepository: 'http://127.0.0.1:9/driftline-no-extensions',
    async registerFile(name, file) {
      db.registerFileBuffer(name, new Uint8Array(await file.arrayBuffer()));
    },
    async connect() {
      return db.connect().useUnsafe((_bindings, id) => id);
    },
    async disconnect(id) {
      db.disconnect(id);
    },
    async terminate() {
      if (!alive) return;
      alive = false;
      try {
        connection.close();
        db.reset();
      } catch {
        // An instance that failed half-way is dropped all the same.
      }
    },
    onCrash() {
      // The blocking build runs in-process: a failure surfaces as a thrown error of the call that hit it.
    },
    yieldBetweenPolls: () => nextTick(),
    // The blocking bindings hold their Emscripten module: its heap view is the wasm memory.
    heapBytes: async () => (db as unknown as { mod?: { HEAPU8?: Uint8Array } }).mod?.HEAPU8?.byteLength ?? null,
  };
}

/** A fresh, unstarted engine on Node. */
export function createNodeEngine(): DuckEngine {
  return new DuckEngine(createNodeBackend);
}
