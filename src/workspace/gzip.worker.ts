// Compresses snapshot chunks off the main thread. The main thread relays every DuckDB message (queries poll through
// it), so gzip there slowed an analysis running beside a save ~4× on a 2-core machine; here it has a core of its own.
// A chunk arrives in parts, as DuckDB hands its Arrow IPC stream over, and is compressed as they come: the whole
// uncompressed chunk (~90 MB for 250k events) never exists anywhere.
import { gzipHere, type GzipParts } from './gzip-parts';

type Message = { id: number; part: Uint8Array } | { id: number; end: true } | { id: number; cancel: true };

const scope = self as unknown as { onmessage: ((event: MessageEvent<Message>) => void) | null; postMessage(message: unknown, transfer: Transferable[]): void };
const jobs = new Map<number, GzipParts>();

function job(id: number): GzipParts {
  let found = jobs.get(id);
  if (!found) jobs.set(id, (found = gzipHere({ asBlob: true })));
  return found;
}

scope.onmessage = async (event) => {
  const message = event.data;
  const { id } = message;
  if ('part' in message) {
    const bytes = message.part.byteLength;
    // Says when the compressor has taken the part, so the tab sends more only as fast as they are compressed.
    void job(id).push(message.part).then(() => scope.postMessage({ id, took: bytes }, []));
    return;
  }
  const current = job(id);
  jobs.delete(id);
  if ('cancel' in message) {
    current.cancel();
    return;
  }
  try {
    const out = await current.finish();
    // A Blob (see gzipHere): its bytes are in the browser's blob storage, and IndexedDB stores it by reference. Handed
    // back as bytes, every compressed chunk of the save sat in the tab until the end, then again as IndexedDB's
    // serialised copy (~30 MiB of the renderer's peak at 1M events).
    scope.postMessage({ id, out }, []);
  } catch (error) {
    scope.postMessage({ id, error: (error as Error).message }, []);
  }
};
