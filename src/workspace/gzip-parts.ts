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

export function gzipHere(): GzipParts {
  const stream = new CompressionStream('gzip');
  const writer = stream.writable.getWriter() as WritableStreamDefaultWriter<Uint8Array>;
  const out = new Response(stream.readable).arrayBuffer();
  // Its failure is reported by finish (or dropped with a cancelled stream).
  out.catch(() => undefined);
  return {
    // Resolves when the compressor has taken the part; a failure surfaces at close.
    push: (part) => writer.write(part).catch(() => undefined),
    finish: async () => {
      await writer.close();
      return new Uint8Array(await out);
    },
    cancel: () => void writer.abort().catch(() => undefined),
  };
}
