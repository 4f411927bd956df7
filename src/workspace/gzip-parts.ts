// A gzip stream fed in parts, compressed in the calling thread: the gzip worker runs one per snapshot chunk, and the
// snapshot uses one directly where there are no workers (Node tests). No imports, so the worker's bundle stays small.

/** A gzip stream fed in parts: `push` each part in order, then `finish` for the compressed bytes (or `cancel`). */
export interface GzipParts {
  /**
   * The part's buffer may be transferred: it is unusable afterwards. Resolves once the compressor has taken the part
   * (or, for a compressor elsewhere, once few enough bytes wait for it): a caller that waits never piles parts up.
   */
  push(part: Uint8Array): Promise<void>;
  finish(): Promise<Uint8Array | Blob>;
  cancel(): void;
}

/**
 * Compressed output gathered into a Blob of Blobs, a piece at a time: the tab holds at most one piece of it (a Blob's
 * bytes go to the browser's blob storage, and a Blob made of Blobs refers to them without copying). Gathered as one
 * ArrayBuffer instead, a chunk's output existed up to three times at its end (the stream's pieces, their
 * concatenation, the Blob made of that).
 */
const BLOB_PIECE_BYTES = 1 << 20;

async function collect(readable: ReadableStream<Uint8Array>, asBlob: boolean): Promise<Uint8Array | Blob> {
  const reader = readable.getReader();
  const pieces: Blob[] = [];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    pending.push(value);
    pendingBytes += value.byteLength;
    if (asBlob && pendingBytes >= BLOB_PIECE_BYTES) {
      pieces.push(new Blob(pending as BlobPart[]));
      pending = [];
      pendingBytes = 0;
    }
  }
  if (asBlob) return new Blob([...pieces, ...(pending as BlobPart[])]);
  return new Uint8Array(await new Blob(pending as BlobPart[]).arrayBuffer());
}

/** `asBlob`: finish with a Blob (in the tab's gzip worker), else with bytes. */
export function gzipHere(options: { asBlob?: boolean } = {}): GzipParts {
  const stream = new CompressionStream('gzip');
  const writer = stream.writable.getWriter() as WritableStreamDefaultWriter<Uint8Array>;
  const out = collect(stream.readable as ReadableStream<Uint8Array>, options.asBlob ?? false);
  // Its failure is reported by finish (or dropped with a cancelled stream).
  out.catch(() => undefined);
  return {
    // Resolves when the compressor has taken the part; a failure surfaces at close.
    push: (part) => writer.write(part).catch(() => undefined),
    finish: async () => {
      await writer.close();
      return out;
    },
    cancel: () => void writer.abort().catch(() => undefined),
  };
}
