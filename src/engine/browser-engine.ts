// The engine in the tab: DuckDB-WASM in its own worker, bundles served by the app itself (never a CDN).
import * as duckdb from '@duckdb/duckdb-wasm';
import ehWorkerUrl from '@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js?url';
import mvpWorkerUrl from '@duckdb/duckdb-wasm/dist/duckdb-browser-mvp.worker.js?url';
import ehWasmUrl from '@duckdb/duckdb-wasm/dist/duckdb-eh.wasm?url';
import mvpWasmUrl from '@duckdb/duckdb-wasm/dist/duckdb-mvp.wasm?url';
import { watchWorkerLife, whenLockHeld } from '../lib/worker-life';
import { DuckEngine, type BindingsLike, type DuckBackend } from './duck-engine';
import { createFileStager, type FileStager } from './staging';

const BUNDLES: duckdb.DuckDBBundles = {
  mvp: { mainModule: new URL(mvpWasmUrl, location.href).href, mainWorker: new URL(mvpWorkerUrl, location.href).href },
  eh: { mainModule: new URL(ehWasmUrl, location.href).href, mainWorker: new URL(ehWorkerUrl, location.href).href },
};

async function createBrowserBackend(): Promise<DuckBackend> {
  const bundle = await duckdb.selectBundle(BUNDLES);
  // DuckDB's worker script runs inside a host that holds a life lock, so a silent death is noticed too.
  const life = watchWorkerLife('duckdb');
  const worker = new Worker(new URL('./duckdb-host.worker.ts', import.meta.url), { name: 'driftline-duckdb' });
  const heap = new MessageChannel();
  worker.postMessage({ type: 'driftline-host', lock: life.name, script: bundle.mainWorker!, port: heap.port2 }, [heap.port2]);
  const heapAsks = new Map<number, (bytes: number | null) => void>();
  let heapAsked = 0;
  heap.port1.onmessage = (event: MessageEvent<{ id: number; heapBytes: number | null }>) => {
    heapAsks.get(event.data.id)?.(event.data.heapBytes);
    heapAsks.delete(event.data.id);
  };
  const crashListeners: ((error: Error) => void)[] = [];
  let crashed = false;
  const crash = (error: Error) => {
    if (crashed) return;
    crashed = true;
    life.stop();
    for (const listener of crashListeners) listener(error);
  };
  worker.addEventListener('error', (event: ErrorEvent) => crash(new Error(event.message || 'worker error')));
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(bundle.mainModule, bundle.pthreadWorker);
  if (await whenLockHeld(life.name, 10_000)) life.watch(() => crash(new Error('its worker is gone (it crashed or was closed)')));
  // No castBigIntToDouble: it mislabels BIGINTs nested in lists and structs; values.ts converts BigInt safely instead.
  await db.open({});
  const connection = await db.connect();
  const connectionId = connection.useUnsafe((_bindings, id) => id);
  return {
    // AsyncDuckDB mirrors the bindings method by method, each a message to the worker.
    bindings: db as unknown as BindingsLike,
    connection: connectionId,
    bundle: bundle.mainModule === BUNDLES.eh!.mainModule ? 'eh' : 'mvp',
    extensionRepository: new URL('duckdb-extensions', location.href).href,
    async registerFile(name, file) {
      // By handle: DuckDB reads slices on demand, so multi-GB files never sit whole in wasm memory.
      await db.registerFileHandle(name, file, duckdb.DuckDBDataProtocol.BROWSER_FILEREADER, true);
    },
    async registerStaged(name, handle) {
      // DuckDB's worker opens a sync access handle on it and reads straight into its heap (closed by dropFile).
      await db.registerFileHandle(name, handle, duckdb.DuckDBDataProtocol.BROWSER_FSACCESS, true);
    },
    connect: () => db.connectInternal(),
    heapBytes: () =>
      new Promise<number | null>((resolve) => {
        const id = ++heapAsked;
        heapAsks.set(id, resolve);
        heap.port1.postMessage({ id });
        // A worker that is gone never answers: no figure rather than a wait.
        setTimeout(() => {
          if (heapAsks.delete(id)) resolve(null);
        }, 2000);
      }),
    disconnect: (id) => db.disconnect(id),
    async terminate() {
      life.stop();
      heap.port1.close();
      await db.terminate();
    },
    onCrash(listener) {
      crashListeners.push(listener);
    },
  };
}

let stager: FileStager | null = null;

/** A fresh, unstarted engine running DuckDB-WASM in a dedicated worker. */
export function createBrowserEngine(): DuckEngine {
  // One per tab, beyond any engine restart: a copy made for a crashed engine is still removed when its file is dropped.
  stager ??= createFileStager();
  return new DuckEngine(createBrowserBackend, stager);
}
