// The ingest worker: reads, decompresses, parses and normalises dropped files off the main thread, posting Arrow
// batches back. A credit scheme keeps it from running ahead of DuckDB (bounded memory); cancel stops it at once.
import { holdLifeLock } from '../lib/worker-life';
import type { ReaderMessage, ReadOptions } from './protocol';
import { readEvidence } from './reader';

type Incoming = { type: 'start'; files: File[]; options: ReadOptions; lock?: string } | { type: 'cancel' } | { type: 'ack' };

const MAX_IN_FLIGHT = 3;
let controller: AbortController | null = null;
let inFlight = 0;
let wake: (() => void) | null = null;

function post(message: ReaderMessage | { type: 'end' } | { type: 'fatal'; message: string } | { type: 'alive' }): void {
  const transfer = message.type === 'events' ? [message.ipc.buffer as ArrayBuffer] : [];
  (self as unknown as Worker).postMessage(message, transfer);
}

async function credit(signal: AbortSignal): Promise<void> {
  while (inFlight >= MAX_IN_FLIGHT && !signal.aborted) await new Promise<void>((resolve) => (wake = resolve));
}

self.onmessage = async (event: MessageEvent<Incoming>) => {
  const message = event.data;
  if (message.type === 'ack') {
    inFlight = Math.max(0, inFlight - 1);
    wake?.();
    wake = null;
    return;
  }
  if (message.type === 'cancel') {
    controller?.abort();
    wake?.();
    return;
  }
  controller = new AbortController();
  const { signal } = controller;
  // Held until this worker ends, however it ends: the tab learns of a silent death by the lock coming free.
  await holdLifeLock(message.lock);
  post({ type: 'alive' });
  try {
    for await (const out of readEvidence(message.files, message.options, signal)) {
      if (signal.aborted) break;
      if (out.type === 'events') {
        await credit(signal);
        inFlight++;
      }
      post(out);
    }
    post({ type: 'end' });
  } catch (error) {
    post(signal.aborted ? { type: 'end' } : { type: 'fatal', message: (error as Error).message });
  }
};
