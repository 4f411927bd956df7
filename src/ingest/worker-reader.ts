// The evidence reader of the tab: runs readEvidence in a dedicated ingest worker, one per import, so a cancelled or
// crashed import takes its memory with it.
import { watchWorkerLife } from '../lib/worker-life';
import type { EvidenceReader, ReaderMessage } from './protocol';

type WorkerOut = ReaderMessage | { type: 'end' } | { type: 'fatal'; message: string } | { type: 'alive' };

export function createWorkerReader(): EvidenceReader {
  return async function* workerReader(files, options, signal) {
    const worker = new Worker(new URL('./ingest.worker.ts', import.meta.url), { type: 'module', name: 'driftline-ingest' });
    const queue: WorkerOut[] = [];
    let notify: (() => void) | null = null;
    const push = (message: WorkerOut) => {
      queue.push(message);
      notify?.();
      notify = null;
    };
    // A worker that dies without an error event (closed, killed, out of memory) would leave the import waiting forever:
    // it holds a Web Lock for its whole life, and the lock coming free is how we learn that it is gone.
    const life = watchWorkerLife('ingest');
    worker.onmessage = (event: MessageEvent<WorkerOut>) => {
      if (event.data.type === 'alive') life.watch(() => push({ type: 'fatal', message: 'the ingest worker stopped unexpectedly (it crashed or was closed)' }));
      else push(event.data);
    };
    worker.onerror = (event) => push({ type: 'fatal', message: `the ingest worker stopped: ${event.message || 'unknown error'}` });
    const onAbort = () => {
      worker.postMessage({ type: 'cancel' });
      push({ type: 'end' });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      worker.postMessage({ type: 'start', files: [...files], options, lock: life.name });
      for (;;) {
        if (queue.length === 0) await new Promise<void>((resolve) => (notify = resolve));
        const message = queue.shift()!;
        if (message.type === 'end') return;
        if (message.type === 'fatal') throw new Error(message.message);
        if (message.type === 'alive') continue;
        yield message;
        if (message.type === 'events') worker.postMessage({ type: 'ack' });
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      life.stop();
      worker.terminate();
    }
  };
}
