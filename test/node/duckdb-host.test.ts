// The DuckDB host worker (engine/duckdb-host.worker.ts) in a stand-in worker scope: DuckDB's own handler sees every
// message whole, and an insert's Arrow bytes are released (detached) once that handler has returned.
import { afterEach, describe, expect, it, vi } from 'vitest';

type Handler = (event: { data: unknown }) => unknown;

async function loadHost() {
  const seen: { type: string; bytes: number }[] = [];
  const scope: { onmessage: Handler | null; importScripts(url: string): void } = {
    onmessage: null,
    importScripts() {
      // What DuckDB's worker script does: install its own async handler, which inserts before its first await.
      scope.onmessage = async (event) => {
        const request = event.data as { type: string; data: [number, Uint8Array, unknown] };
        seen.push({ type: request.type, bytes: request.data[1].byteLength });
        await Promise.resolve();
      };
    },
  };
  vi.stubGlobal('self', scope);
  vi.resetModules();
  await import('../../src/engine/duckdb-host.worker');
  scope.onmessage!({ data: { type: 'driftline-host', lock: '', script: 'duckdb-worker.js' } });
  return { scope, seen };
}

describe('DuckDB host worker', () => {
  afterEach(() => vi.unstubAllGlobals());

  it("hands DuckDB an insert's bytes whole, then releases them", async () => {
    const { scope, seen } = await loadHost();
    const bytes = new Uint8Array(1 << 20).fill(1);
    scope.onmessage!({ data: { messageId: 1, type: 'INSERT_ARROW_FROM_IPC_STREAM', data: [7, bytes, { name: 'events' }] } });
    expect(seen).toEqual([{ type: 'INSERT_ARROW_FROM_IPC_STREAM', bytes: 1 << 20 }]);
    // Detached: its memory went with a message that is never delivered.
    expect(bytes.buffer.byteLength).toBe(0);
  });

  it('leaves the bytes of any other request alone', async () => {
    const { scope, seen } = await loadHost();
    const bytes = new Uint8Array(4096).fill(2);
    scope.onmessage!({ data: { messageId: 2, type: 'REGISTER_FILE_BUFFER', data: [0, bytes, null] } });
    expect(seen).toEqual([{ type: 'REGISTER_FILE_BUFFER', bytes: 4096 }]);
    expect(bytes.byteLength).toBe(4096);
  });
});
