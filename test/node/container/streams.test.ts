// openBlob decompresses gzip (single and multi-member, native and fflate), stops bombs with a plain message, hashes the
// bytes as received, decodes text in every supported encoding, and stops promptly when cancelled.
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { IngestError } from '../../../src/ingest/container/errors';
import { sniffSource } from '../../../src/ingest/container/sniff';
import {
  MiB,
  consume,
  countingStream,
  decodeText,
  hashBlob,
  nativeGunzipReadsMultiMember,
  openBlob,
  resumingStream,
  sha256Transform,
  type DecodeStats,
} from '../../../src/ingest/container/streams';
import { chunkedBytes, endlessStream, gzip, latin1, readBytes, readStrings, readText, te, utf16 } from './helpers';

const decoders = ['auto', 'native', 'fflate', 'resume'] as const;

/** 1 GiB of zeros as 64 gzip members of 16 MiB each (~1 MiB on disk): a bomb that is quick to build. */
function zeroBomb(): Blob {
  const member = gzipSync(new Uint8Array(16 * MiB), { level: 9 });
  return new Blob(Array.from({ length: 64 }, () => member));
}

describe('openBlob: gzip', () => {
  it('DecompressionStream in Node 20 reads concatenated gzip members (Chromium does not: it is probed, not assumed)', async () => {
    expect(await nativeGunzipReadsMultiMember()).toBe(true);
  });

  it.each(decoders)('single and multi-member gzip with the %s decoder', async (decoder) => {
    const text = 'x'.repeat(100_000) + '\n{"a":"é"}\n';
    expect(await readText(openBlob(new Blob([gzip(text)]), { decoder }))).toBe(text);
    const multi = new Blob([gzip('first member\n'), gzip('second member\n'), gzip(text)]);
    expect(await readText(openBlob(multi, { decoder }))).toBe(`first member\nsecond member\n${text}`);
    // Arriving one byte at a time changes nothing.
    const bytes = new Uint8Array(await multi.arrayBuffer());
    expect(await readText(openBlob(chunkedBytes(bytes, 1), { decoder }))).toBe(`first member\nsecond member\n${text}`);
  });

  it('passes anything that is not gzip through untouched', async () => {
    const bytes = new Uint8Array(randomBytes(300_000));
    bytes[0] = 0x7b;
    expect(Buffer.from(await readBytes(openBlob(new Blob([bytes])))).equals(Buffer.from(bytes))).toBe(true);
    expect((await readBytes(openBlob(new Blob([])))).length).toBe(0);
  });

  it.each(decoders)('a truncated gzip is reported as such (%s decoder)', async (decoder) => {
    const bytes = gzip('{"a":1}\n'.repeat(10_000));
    const error = await readBytes(openBlob(new Blob([bytes.subarray(0, bytes.length >> 1)]), { decoder, name: 'cut.json.gz' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngestError);
    expect((error as IngestError).code).toBe('corrupt');
    expect((error as IngestError).message).toMatch(/^cut\.json\.gz could not be decompressed: the compressed data is truncated or corrupt/);
  });

  // fflate is fed 16 KiB at a time, so it stops just past 64 MiB. Node's native decoder takes in all the input it is
  // offered (while producing output only as it is read), so the ratio is against everything fed: ≤ 200 × 1 MiB.
  it.each([
    ['native', 256 * MiB],
    ['fflate', 80 * MiB],
  ] as const)('stops a 1 GiB gzip bomb by its ratio (%s decoder)', async (decoder, bound) => {
    const bomb = zeroBomb();
    let produced = 0;
    const error = await consume(openBlob(bomb, { decoder, name: 'bomb.json.gz' }), (c) => (produced += c.length)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngestError);
    expect((error as IngestError).code).toBe('bomb');
    expect((error as IngestError).message).toMatch(/^Stopped reading bomb\.json\.gz: .* expanded to .*, more than 200 times its size\. That looks like a decompression bomb/);
    expect(produced).toBeGreaterThanOrEqual(64 * MiB);
    expect(produced).toBeLessThan(bound);
  });

  it('stops at the size limit too', async () => {
    const error = await consume(openBlob(zeroBomb(), { maxBytes: 20 * MiB, maxRatio: 1e9 })).catch((e: unknown) => e);
    expect((error as IngestError).code).toBe('bomb');
    expect((error as IngestError).message).toBe(
      'Stopped reading the file: it expands to more than 20 MiB (decompression bomb guard). If the file is genuine, raise the size limit.',
    );
  });

  it('a genuine file well under the limits is read in full', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ i, arn: `arn:aws:iam::1:role/r${i % 50}` })).join('\n');
    expect(await readText(openBlob(new Blob([gzip(rows)]), { maxRatio: 200, ratioAfterBytes: 0 }))).toBe(rows);
  });
});

describe("'resume': native gzip first, fflate from where it stopped", () => {
  const Native = globalThis.DecompressionStream;
  afterEach(() => vi.unstubAllGlobals());

  /** A DecompressionStream that gives up after `limit` output bytes, as Chromium's does at a second gzip member. */
  function stopsAfter(limit: number): { opened: () => number } {
    let opened = 0;
    class GivesUp {
      readable: ReadableStream<Uint8Array>;
      writable: WritableStream<Uint8Array>;
      constructor(format: CompressionFormat) {
        opened++;
        const real = new Native(format);
        let out = 0;
        const cut = new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            if (out + chunk.length > limit) {
              controller.enqueue(chunk.subarray(0, limit - out));
              throw new TypeError('Junk found after end of compressed data.');
            }
            out += chunk.length;
            controller.enqueue(chunk);
          },
        });
        this.writable = real.writable as unknown as WritableStream<Uint8Array>;
        this.readable = real.readable.pipeThrough(cut);
      }
    }
    vi.stubGlobal('DecompressionStream', GivesUp);
    return { opened: () => opened };
  }

  const text = Array.from({ length: 40_000 }, (_, i) => `{"n":${i},"s":"é${'x'.repeat(i % 50)}"}`).join('\n') + '\n';

  it('reads the rest again with fflate, skipping what was delivered: same text, one digest, progress never goes back', async () => {
    const stub = stopsAfter(123_457);
    const file = new Blob([gzip(text)]);
    const digests: string[] = [];
    const progress: number[] = [];
    const out = await readText(
      openBlob(file, { decoder: 'resume', onSha256: (hex) => digests.push(hex), onProgress: (n) => progress.push(n) }),
    );
    expect(out).toBe(text);
    expect(stub.opened()).toBe(1);
    const expected = createHash('sha256').update(new Uint8Array(await file.arrayBuffer())).digest('hex');
    expect(new Set(digests)).toEqual(new Set([expected]));
    expect(progress.at(-1)).toBe(file.size);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('the import path (sniffSource on a dropped file) falls back the same way, and a damaged file keeps its message', async () => {
    stopsAfter(70_001);
    const bytes = gzip(text);
    const digests: string[] = [];
    const { sniff, stream } = await sniffSource(new Blob([bytes]), { decoder: 'resume', name: 'x.json.gz', onSha256: (hex) => digests.push(hex) });
    expect(sniff.container).toBe('gzip');
    expect(await readText(stream)).toBe(text);
    expect(digests.at(-1)).toBe(createHash('sha256').update(bytes).digest('hex'));

    const cut = new Blob([bytes.subarray(0, bytes.length - 5000)]);
    const error = await sniffSource(cut, { decoder: 'resume', name: 'cut.json.gz' }).then((s) => readText(s.stream)).catch((e: unknown) => e);
    expect((error as IngestError).message).toMatch(/^cut\.json\.gz could not be decompressed: the compressed data is truncated or corrupt \(.*invalid|unexpected/);
  });

  it('resumingStream never falls back after an abort, and a failure of the second reading is the stream\'s', async () => {
    const bytes = (t: string) => new TextEncoder().encode(t);
    // Delivers 'abc', then fails.
    const failing = () => {
      let pulls = 0;
      return new ReadableStream<Uint8Array>(
        {
          pull(controller) {
            if (pulls++ === 0) controller.enqueue(bytes('abc'));
            else controller.error(new Error('first gave up'));
          },
        },
        { highWaterMark: 0 },
      );
    };
    const aborted = new AbortController();
    aborted.abort();
    let reread = 0;
    const again = () => {
      reread++;
      return new Blob([bytes('abcdef')]).stream();
    };
    await expect(readText(resumingStream(failing(), again, aborted.signal))).rejects.toThrow('first gave up');
    expect(reread).toBe(0);
    expect(await readText(resumingStream(failing(), again))).toBe('abcdef');
    expect(reread).toBe(1);
    await expect(readText(resumingStream(failing(), () => failing()))).rejects.toThrow('first gave up');
  });
});

describe('hashing and progress', () => {
  const parts = Array.from({ length: 5 }, () => new Uint8Array(randomBytes(MiB + 12345)));
  const expected = createHash('sha256').update(Buffer.concat(parts)).digest('hex');

  it('hashBlob streams a multi-chunk Blob and matches node:crypto', async () => {
    const seen: number[] = [];
    const blob = new Blob(parts);
    expect(await hashBlob(blob, (read) => seen.push(read))).toBe(expected);
    expect(seen.length).toBeGreaterThan(4);
    expect(seen.at(-1)).toBe(blob.size);
  });

  it('sha256Transform passes bytes through and yields the digest at the end', async () => {
    const hashing = sha256Transform();
    const out = await readBytes(chunkedBytes(Buffer.concat(parts), 65_537).pipeThrough(hashing));
    expect(out.length).toBe(parts.reduce((n, p) => n + p.length, 0));
    expect(await hashing.digest).toBe(expected);
  });

  it('openBlob hashes the file as received (compressed) while it decompresses, and reports compressed progress', async () => {
    const compressed = gzip(Buffer.concat(parts));
    const hashes: string[] = [];
    const progress: number[] = [];
    const text = await readBytes(
      openBlob(new Blob([compressed]), { onSha256: (h) => hashes.push(h), onProgress: (n, total) => progress.push(n / (total ?? 1)) }),
    );
    expect(text.length).toBe(parts.reduce((n, p) => n + p.length, 0));
    expect(hashes).toEqual([createHash('sha256').update(compressed).digest('hex')]);
    expect(progress.at(-1)).toBe(1);
  });

  it('countingStream reports the running total', async () => {
    const totals: number[] = [];
    await consume(chunkedBytes(new Uint8Array(1000), 300).pipeThrough(countingStream((n) => totals.push(n))));
    expect(totals).toEqual([300, 600, 900, 1000]);
  });
});

describe('cancellation', () => {
  async function expectAbortWithin(promise: Promise<unknown>, abort: () => void, ms = 100): Promise<void> {
    const caught = promise.then(
      () => null,
      (e: unknown) => e,
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    const started = performance.now();
    abort();
    const error = await caught;
    expect(performance.now() - started).toBeLessThan(ms);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
  }

  it('an abort errors a pending read at once and cancels the source', async () => {
    const controller = new AbortController();
    const { stream, cancelled } = endlessStream(te.encode('{"a":1}\n'), 5);
    await expectAbortWithin(consume(openBlob(stream, { signal: controller.signal })), () => controller.abort());
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(cancelled()).toBe(true);
  });

  it('an abort stops a long decompression', async () => {
    const controller = new AbortController();
    const run = consume(openBlob(zeroBomb(), { signal: controller.signal, maxBytes: 1e15, maxRatio: 1e9 }));
    await expectAbortWithin(run, () => controller.abort());
  });

  it('an abort stops hashing, and an aborted signal fails at once', async () => {
    const controller = new AbortController();
    const big = new Blob(Array.from({ length: 64 }, () => new Uint8Array(16 * MiB)));
    await expectAbortWithin(hashBlob(big, undefined, controller.signal), () => controller.abort());
    await expect(consume(openBlob(new Blob(['x']), { signal: controller.signal }))).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('decodeText', () => {
  const text = 'id,name\r\n1,café ☕ 😀 "x"\r\n';

  it.each([
    ['utf-8 with BOM', new Uint8Array([0xef, 0xbb, 0xbf, ...te.encode(text)]), 'utf-8'],
    ['utf-16le with BOM', utf16(text, 'le', true), 'utf-16le'],
    ['utf-16le without BOM', utf16(text, 'le', false), 'utf-16le'],
    ['utf-16be with BOM', utf16(text, 'be', true), 'utf-16be'],
    ['utf-16be without BOM', utf16(text, 'be', false), 'utf-16be'],
  ] as const)('%s, fed in chunks of every size from 1 to 7 bytes', async (_label, bytes, encoding) => {
    for (let size = 1; size <= 7; size++) {
      expect(await readStrings(decodeText(chunkedBytes(bytes, size), encoding))).toBe(text);
    }
  });

  it('Latin-1 (café as 0xE9), and Windows-1252 extras such as €', async () => {
    const bytes = new Uint8Array([...latin1('café '), 0x80]);
    expect(await readStrings(decodeText(chunkedBytes(bytes, 2), 'latin1'))).toBe('café €');
  });

  it('counts replacement characters instead of failing on invalid bytes', async () => {
    const stats: DecodeStats = { chars: 0, replacementChars: 0 };
    const out = await readStrings(decodeText(chunkedBytes(latin1('café, naïve'), 3), 'utf-8', { stats }));
    expect(out).toBe('caf\ufffd, na\ufffdve');
    expect(stats).toEqual({ chars: 11, replacementChars: 2 });
  });
});
