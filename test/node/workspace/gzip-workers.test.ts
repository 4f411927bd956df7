// Snapshot chunks are compressed in a worker that ends once it has been handed its share of bytes (GZIP_WORKER_BYTES), so the
// spent parts it has not collected yet go with it. Driven here with a stand-in Worker that compresses as the real one
// does (gzip.worker.ts's protocol) and records its life.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { gzipHere, type GzipParts } from '../../../src/workspace/gzip-parts';

type Message = { id: number; part: Uint8Array } | { id: number; end: true } | { id: number; cancel: true };

class FakeWorker {
  static made: FakeWorker[] = [];
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: { message: string }) => void) | null = null;
  terminated = false;
  bytes = 0;
  /** While set, the compressor does not say it took parts (a slow gzip); release() lets the acks go. */
  holding = false;
  private held: (() => void)[] = [];
  private readonly jobs = new Map<number, GzipParts>();
  constructor() {
    FakeWorker.made.push(this);
  }
  postMessage(message: Message): void {
    if (this.terminated) throw new Error('posted to a terminated worker');
    let job = this.jobs.get(message.id);
    if (!job) this.jobs.set(message.id, (job = gzipHere({ asBlob: true })));
    if ('part' in message) {
      const bytes = message.part.byteLength;
      this.bytes += bytes;
      void job.push(message.part).then(() => {
        const ack = () => !this.terminated && this.onmessage?.({ data: { id: message.id, took: bytes } });
        if (this.holding) this.held.push(ack);
        else ack();
      });
      return;
    }
    this.jobs.delete(message.id);
    if ('cancel' in message) return job.cancel();
    // As gzip.worker.ts does: the compressed chunk comes back as a Blob.
    void job.finish().then((out) => {
      if (!this.terminated) this.onmessage?.({ data: { id: message.id, out } });
    });
  }
  terminate(): void {
    this.terminated = true;
  }
  release(): void {
    this.holding = false;
    for (const ack of this.held.splice(0)) ack();
  }
}

const MiB = 2 ** 20;
/** A part of `mib` MiB whose bytes compress to little. */
const part = (mib: number) => new Uint8Array(mib * MiB).fill(7);

describe('compression workers', () => {
  beforeEach(() => {
    FakeWorker.made = [];
    vi.stubGlobal('Worker', FakeWorker);
    vi.resetModules();
  });
  afterEach(() => vi.unstubAllGlobals());

  it('share one worker below its share, then end it once its last job is done; later jobs get a new one', async () => {
    const { gzipParts, gunzip, GZIP_WORKER_BYTES } = await import('../../../src/workspace/snapshot');
    // Small jobs (the small tables) share the worker.
    expect(3 * MiB).toBeLessThan(GZIP_WORKER_BYTES);
    for (let i = 0; i < 3; i++) {
      const gz = gzipParts();
      gz.push(part(1));
      const out = await gz.finish();
      expect(out).toBeInstanceOf(Blob);
      expect((await gunzip(out)).byteLength).toBe(MiB);
    }
    expect(FakeWorker.made).toHaveLength(1);
    expect(FakeWorker.made[0]!.terminated).toBe(false);

    // A job that takes it past its share: the next one, begun while this one still compresses, gets a new worker.
    expect(70 * MiB).toBeGreaterThan(GZIP_WORKER_BYTES);
    const big = gzipParts();
    big.push(part(40));
    big.push(part(30));
    const bigDone = big.finish();
    const next = gzipParts();
    expect(FakeWorker.made).toHaveLength(2);
    expect(FakeWorker.made[0]!.terminated).toBe(false);
    expect((await gunzip(await bigDone)).byteLength).toBe(70 * MiB);
    // Its last job done, the first worker has ended.
    expect(FakeWorker.made[0]!.terminated).toBe(true);
    next.push(part(2));
    expect((await gunzip(await next.finish())).byteLength).toBe(2 * MiB);
    expect(FakeWorker.made[1]!.bytes).toBe(2 * MiB);
    expect(FakeWorker.made[1]!.terminated).toBe(false);
  });

  it('end a worker past its share when its job is cancelled, too', async () => {
    const { gzipParts } = await import('../../../src/workspace/snapshot');
    const gz = gzipParts();
    gz.push(part(65));
    gz.cancel();
    expect(FakeWorker.made[0]!.terminated).toBe(true);
    const again = gzipParts();
    again.push(part(1));
    await again.finish();
    expect(FakeWorker.made).toHaveLength(2);
  });

  it('pace the save: a push waits while more than GZIP_WAITING_BYTES wait for the compressor, and goes on once it took them', async () => {
    const { gzipParts, gunzip, GZIP_WAITING_BYTES } = await import('../../../src/workspace/snapshot');
    const half = GZIP_WAITING_BYTES / 2 / MiB;
    const gz = gzipParts();
    const worker = FakeWorker.made[0]!;
    worker.holding = true;
    // Half the limit waiting: the push is done at once.
    let settled = false;
    await gz.push(part(half));
    // One and a half times the limit waiting: this push waits for the compressor.
    const waiting = gz.push(part(2 * half)).then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    worker.release();
    await waiting;
    expect(settled).toBe(true);
    expect((await gunzip(await gz.finish())).byteLength).toBe(3 * half * MiB);
  });
});
