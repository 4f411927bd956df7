// gzipHere: parts in, one gzip stream out, as bytes (Node) or as a Blob gathered a piece at a time (the tab's worker).
import { gunzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { gzipHere } from '../../../src/workspace/gzip-parts';

/** Bytes that do not compress (xorshift), so the output is as large as the input. */
function noise(bytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function compress(parts: Uint8Array[], asBlob: boolean) {
  const gz = gzipHere({ asBlob });
  for (const part of parts) await gz.push(part.slice());
  return gz.finish();
}

describe('gzipHere', () => {
  const parts = [noise(1_500_000, 1), noise(700_000, 2), noise(1_200_000, 3)];
  const whole = Buffer.concat(parts);

  it('gives the gzip of the parts in order, as bytes', async () => {
    const out = await compress(parts, false);
    expect(out).toBeInstanceOf(Uint8Array);
    expect(gunzipSync(out as Uint8Array).equals(whole)).toBe(true);
  });

  it('as a Blob, made of 1 MiB pieces as the output comes (never the whole output in one buffer)', async () => {
    const made: number[] = [];
    const RealBlob = Blob;
    // Records the size of every Blob made of bytes (pieces), not of Blobs (the final one).
    vi.stubGlobal(
      'Blob',
      class extends RealBlob {
        constructor(items: BlobPart[] = [], options?: BlobPropertyBag) {
          super(items, options);
          if (items.every((item) => !(item instanceof RealBlob))) made.push(this.size);
        }
      },
    );
    try {
      const out = await compress(parts, true);
      expect(out).toBeInstanceOf(RealBlob);
      expect(gunzipSync(Buffer.from(await (out as Blob).arrayBuffer())).equals(whole)).toBe(true);
      // 3.4 MB of noise: at least three pieces, none much over 1 MiB (a piece closes at the first output past it).
      expect(made.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...made)).toBeLessThan(1.2 * 2 ** 20);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
