// A classic worker that hosts DuckDB-WASM's own worker script after taking a life lock (see lib/worker-life.ts): when
// the DuckDB worker dies without an error event (closed, killed, out of memory) the tab still learns of it, restarts the
// engine and restores the workspace, instead of waiting forever for an answer. No imports: it stays a plain script.
export {};

interface HostInit {
  type: 'driftline-host';
  lock: string;
  script: string;
}

const host = self as unknown as { onmessage: ((event: MessageEvent<HostInit>) => void) | null; importScripts(url: string): void };

host.onmessage = (event) => {
  const { lock, script } = event.data;
  host.onmessage = null;
  if (lock && typeof navigator !== 'undefined' && navigator.locks) {
    // Never released by us: the browser releases it when this worker's global scope goes away.
    navigator.locks.request(lock, () => new Promise<never>(() => undefined)).catch(() => undefined);
  }
  // DuckDB's worker installs its own onmessage; every later message (INSTANTIATE, queries…) goes to it, in order.
  host.importScripts(script);
};
