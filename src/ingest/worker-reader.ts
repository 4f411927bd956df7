// The evidence reader of the tab: runs readEvidence in dedicated ingest workers, made per import, so a cancelled or
// crashed import takes its memory with it. A drop of several files is shared among up to `maxWorkers` workers (one per
// core, at most 4), balanced by size: parsing JSON is the slow part of a CloudTrail import and one core does it alone.
import { watchWorkerLife } from '../lib/worker-life';
import type { EvidenceReader, ReaderMessage, ReadOptions } from './protocol';

type WorkerOut = ReaderMessage | { type: 'end' } | { type: 'fatal'; message: string } | { type: 'alive' };

/** Files split into `n` groups of about equal bytes (largest first, each to the lightest group), in drop order within. */
export function shareFiles(sizes: readonly number[], n: number): number[][] {
  const groups = Array.from({ length: Math.max(1, Math.min(n, sizes.length)) }, () => ({ bytes: 0, files: [] as number[] }));
  const order = sizes.map((size, index) => ({ size, index })).sort((a, b) => b.size - a.size || a.index - b.index);
  for (const { size, index } of order) {
    const lightest = groups.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    lightest.bytes += size;
    lightest.files.push(index);
  }
  return groups.map((g) => g.files.sort((a, b) => a - b)).filter((g) => g.length > 0);
}

export function createWorkerReader(maxWorkers = Math.min(4, Math.max(1, navigator.hardwareConcurrency || 1))): EvidenceReader {
  return async function* workerReader(files, options, signal) {
    const groups = shareFiles(files.map((f) => f.size), maxWorkers);
    const queue: { from: number; message: WorkerOut }[] = [];
    let notify: (() => void) | null = null;
    const push = (from: number, message: WorkerOut) => {
      queue.push({ from, message });
      notify?.();
      notify = null;
    };
    const workers = groups.map((group, k) => {
      const worker = new Worker(new URL('./ingest.worker.ts', import.meta.url), { type: 'module', name: 'driftline-ingest' });
      // A worker that dies without an error event (closed, killed, out of memory) would leave the import waiting
      // forever: it holds a Web Lock for its whole life, and the lock coming free is how we learn that it is gone.
      const life = watchWorkerLife('ingest');
      worker.onmessage = (event: MessageEvent<WorkerOut>) => {
        if (event.data.type === 'alive') life.watch(() => push(k, { type: 'fatal', message: 'the ingest worker stopped unexpectedly (it crashed or was closed)' }));
        else push(k, event.data);
      };
      worker.onerror = (event) => push(k, { type: 'fatal', message: `the ingest worker stopped: ${event.message || 'unknown error'}` });
      // Each worker numbers its own files: distinct id prefixes keep them apart; sources point back into the drop.
      const own: ReadOptions = { ...options, idPrefix: groups.length > 1 ? `${options.idPrefix}w${k}` : options.idPrefix };
      worker.postMessage({ type: 'start', files: group.map((i) => files[i]!), options: own, lock: life.name });
      return { worker, life, group };
    });
    const onAbort = () => {
      for (const { worker } of workers) worker.postMessage({ type: 'cancel' });
      push(-1, { type: 'end' });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let running = workers.length;
    try {
      while (running > 0) {
        if (queue.length === 0) await new Promise<void>((resolve) => (notify = resolve));
        const { from, message } = queue.shift()!;
        if (message.type === 'end') {
          if (from < 0) return;
          running--;
          continue;
        }
        if (message.type === 'fatal') throw new Error(message.message);
        if (message.type === 'alive') continue;
        const { group } = workers[from]!;
        if (message.type === 'file-start' && message.source) {
          yield { ...message, source: { ...message.source, index: group[message.source.index] ?? message.source.index } };
        } else yield message;
        if (message.type === 'events') workers[from]!.worker.postMessage({ type: 'ack' });
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      for (const { worker, life } of workers) {
        life.stop();
        worker.terminate();
      }
    }
  };
}
