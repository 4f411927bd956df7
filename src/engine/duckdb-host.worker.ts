// A classic worker that hosts DuckDB-WASM's own worker script after taking a life lock (see lib/worker-life.ts): when
// the DuckDB worker dies without an error event (closed, killed, out of memory) the tab still learns of it, restarts the
// engine and restores the workspace, instead of waiting forever for an answer. It also answers, on a port of its own,
// how large DuckDB's wasm memory is (nothing in DuckDB's API says). No imports: it stays a plain script.
export {};

interface HostInit {
  type: 'driftline-host';
  lock: string;
  script: string;
  /** Asked `{ id }`, answers `{ id, heapBytes }`: the wasm memory's size now (null before DuckDB instantiated). */
  port?: MessagePort;
}

const host = self as unknown as { onmessage: ((event: MessageEvent<HostInit>) => void) | null; importScripts(url: string): void };

/**
 * DuckDB's linear memory. Its worker (both bundles, eh and mvp) creates it with `new WebAssembly.Memory` and imports it
 * into the module: the constructor is watched, nothing is altered. The imports themselves are never enumerated:
 * Emscripten's are proxies that resolve symbols when read.
 */
let memory: WebAssembly.Memory | null = null;

function watchMemory(): void {
  (WebAssembly as unknown as { Memory: typeof WebAssembly.Memory }).Memory = new Proxy(WebAssembly.Memory, {
    construct(target, args, newTarget) {
      const created = Reflect.construct(target, args, newTarget) as WebAssembly.Memory;
      memory = created;
      return created;
    },
  });
}

host.onmessage = (event) => {
  const { lock, script, port } = event.data;
  host.onmessage = null;
  if (lock && typeof navigator !== 'undefined' && navigator.locks) {
    // Never released by us: the browser releases it when this worker's global scope goes away.
    navigator.locks.request(lock, () => new Promise<never>(() => undefined)).catch(() => undefined);
  }
  if (port) {
    watchMemory();
    port.onmessage = (message: MessageEvent<{ id: number }>) => port.postMessage({ id: message.data.id, heapBytes: memory ? memory.buffer.byteLength : null });
  }
  // DuckDB's worker installs its own onmessage; every later message (INSTANTIATE, queries…) goes to it, in order.
  host.importScripts(script);
  // Read again: DuckDB's script has just set it (TypeScript still sees the null set above).
  const duckdb = (host as { onmessage: ((event: MessageEvent) => void) | null }).onmessage;
  if (duckdb) {
    host.onmessage = (message) => {
      duckdb.call(host, message);
      releaseInsertedBytes(message.data);
    };
  }
};

/**
 * The Arrow IPC bytes of an insert, once DuckDB has copied them into its memory. DuckDB's handler inserts them before
 * it first awaits, so they are spent when it returns; but this worker runs almost no JavaScript of its own (it sits in
 * wasm), so its V8 collected them late: 25-107 MiB of spent inserts were held here while a million CloudTrail events
 * were imported. Transferred into a message that is never delivered (its channel closed at once), their memory goes
 * with that message, without waiting for a collection.
 */
function releaseInsertedBytes(request: unknown): void {
  const { type, data } = (request ?? {}) as { type?: unknown; data?: unknown };
  if (type !== 'INSERT_ARROW_FROM_IPC_STREAM' || !Array.isArray(data)) return;
  const bytes = data[1];
  if (!(bytes instanceof Uint8Array) || !(bytes.buffer instanceof ArrayBuffer) || bytes.buffer.byteLength === 0) return;
  try {
    const channel = new MessageChannel();
    channel.port1.postMessage(null, [bytes.buffer]);
    channel.port1.close();
    channel.port2.close();
  } catch {
    // Not transferable (already detached): nothing to release.
  }
}
