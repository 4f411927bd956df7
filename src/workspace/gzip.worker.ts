// Compresses snapshot chunks off the main thread. The main thread relays every DuckDB message (queries poll through
// it), so gzip there slowed an analysis running beside a save ~4× on a 2-core machine; here it has a core of its own.
// A chunk arrives in parts, as DuckDB hands its Arrow IPC stream over, and is compressed as they come: the whole
// uncompressed chunk (~90 MB for 250k events) never exists anywhere.
export {};

type Message = { id: number; part: Uint8Array } | { id: number; end: true } | { id: number; cancel: true };

interface Job {
  writer: WritableStreamDefaultWriter<Uint8Array>;
  out: Promise<ArrayBuffer>;
}

const scope = self as unknown as { onmessage: ((event: MessageEvent<Message>) => void) | null; postMessage(message: unknown, transfer: Transferable[]): void };
const jobs = new Map<number, Job>();

function job(id: number): Job {
  let found = jobs.get(id);
  if (!found) {
    const stream = new CompressionStream('gzip');
    const out = new Response(stream.readable).arrayBuffer();
    // Its failure is reported when the job ends (or dropped with a cancelled one).
    out.catch(() => undefined);
    found = { writer: stream.writable.getWriter() as WritableStreamDefaultWriter<Uint8Array>, out };
    jobs.set(id, found);
  }
  return found;
}

scope.onmessage = async (event) => {
  const message = event.data;
  const { id } = message;
  if ('part' in message) {
    // Not awaited: parts queue in the stream in order; a failure surfaces at close.
    job(id).writer.write(message.part).catch(() => undefined);
    return;
  }
  const current = job(id);
  jobs.delete(id);
  if ('cancel' in message) {
    await current.writer.abort().catch(() => undefined);
    return;
  }
  try {
    await current.writer.close();
    const out = new Uint8Array(await current.out);
    scope.postMessage({ id, out }, [out.buffer]);
  } catch (error) {
    scope.postMessage({ id, error: (error as Error).message }, []);
  }
};
