// Compresses snapshot chunks off the main thread. The main thread relays every DuckDB message (queries poll through
// it), so gzip there slowed an analysis running beside a save ~4× on a 2-core machine; here it has a core of its own.
export {};

interface Job {
  id: number;
  bytes: Uint8Array;
}

const scope = self as unknown as { onmessage: ((event: MessageEvent<Job>) => void) | null; postMessage(message: unknown, transfer: Transferable[]): void };

scope.onmessage = async (event) => {
  const { id, bytes } = event.data;
  try {
    const out = new Uint8Array(await new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
    scope.postMessage({ id, out }, [out.buffer]);
  } catch (error) {
    scope.postMessage({ id, error: (error as Error).message }, []);
  }
};
