// Byte streams from a dropped file: decompression with a bomb guard, progress, SHA-256 of the bytes as received,
// text decoding and prompt cancellation. Web-standard streams only, so the same code runs in a Worker and in Node.
import { createSHA256, type IHasher } from 'hash-wasm';
import { Gunzip, Inflate } from 'fflate';
import { textDecoderFor, type TextEncodingName } from './encoding';
import { IngestError, abortError, formatBytes, onAbort, throwIfAborted } from './errors';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

// ───────────────────────────── relaying with cancellation and per-chunk checks ─────────────────────────────

const SLICE_MS = 30;
let sliceStart = 0;

/**
 * Reading in-memory data resolves only microtasks, so timers and messages (the abort from the UI thread) would wait
 * until a whole file is done. Every ~30 ms of continuous work this gives them a turn.
 */
export async function yieldToEventLoop(): Promise<void> {
  const now = performance.now();
  if (now - sliceStart < SLICE_MS) return;
  await new Promise<void>((resolve) => setTimeout(resolve, 0));
  sliceStart = performance.now();
}

export interface RelayHooks {
  signal?: AbortSignal;
  /** Sees every chunk before the reader does; throwing stops the stream with that error and cancels the source. */
  onChunk?: (chunk: Uint8Array) => void;
  /** Rewrites errors coming from the source (AbortErrors and IngestErrors pass unchanged). */
  mapError?: (error: unknown) => unknown;
}

/**
 * A stream that relays `open()`'s stream chunk by chunk. Opening is lazy (nothing is read until the first read), and
 * an abort errors the stream at once with an AbortError and cancels the source: a reader waiting on a slow
 * decompressor does not wait for it.
 */
export function relayStream(open: () => ReadableStream<Uint8Array> | Promise<ReadableStream<Uint8Array>>, hooks: RelayHooks = {}): ReadableStream<Uint8Array> {
  const { signal } = hooks;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let settled = false;
  let unsubscribe: () => void = () => undefined;

  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, error: unknown) => {
    if (settled) return;
    settled = true;
    unsubscribe();
    controller.error(error);
    reader?.cancel(error).catch(() => undefined);
  };

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        unsubscribe = onAbort(signal, () => fail(controller, abortError(signal)));
      },
      async pull(controller) {
        if (settled) return;
        let chunk: Uint8Array;
        try {
          await yieldToEventLoop();
          if (settled) return;
          reader ??= (await open()).getReader();
          if (settled) {
            // Aborted while opening: the fail() above had no reader to cancel yet.
            reader.cancel(abortError(signal)).catch(() => undefined);
            return;
          }
          const result = await reader.read();
          if (settled) return;
          if (result.done) {
            settled = true;
            unsubscribe();
            controller.close();
            return;
          }
          chunk = result.value;
        } catch (error) {
          const fromHook = error instanceof IngestError;
          fail(controller, signal?.aborted ? abortError(signal) : fromHook || !hooks.mapError ? error : hooks.mapError(error));
          return;
        }
        try {
          hooks.onChunk?.(chunk);
        } catch (error) {
          fail(controller, error);
          return;
        }
        controller.enqueue(chunk);
      },
      cancel(reason) {
        settled = true;
        unsubscribe();
        return reader?.cancel(reason);
      },
    },
    // No read-ahead: pull runs only when someone reads, so lazily opened streams stay closed until used.
    { highWaterMark: 0 },
  );
}

/** Reads a stream to its end, calling `onChunk` for each chunk (used to drain hashes and by tests). */
export async function consume(stream: ReadableStream<Uint8Array>, onChunk?: (chunk: Uint8Array) => void): Promise<number> {
  const reader = stream.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.length;
    onChunk?.(value);
  }
}

export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export interface Peeked {
  /** At least `bytes` bytes from the start (fewer only when the stream is shorter), possibly a little more. */
  head: Uint8Array;
  /** True when `head` is the whole stream. */
  complete: boolean;
  /** The same stream from its first byte again (the head is replayed, then the rest follows). */
  stream: ReadableStream<Uint8Array>;
}

/** Reads the first `bytes` bytes of a stream without losing them. */
export async function peekStream(stream: ReadableStream<Uint8Array>, bytes: number): Promise<Peeked> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let complete = false;
  try {
    while (length < bytes) {
      const { done, value } = await reader.read();
      if (done) {
        complete = true;
        break;
      }
      chunks.push(value);
      length += value.length;
    }
  } catch (error) {
    reader.releaseLock();
    throw error;
  }
  const head = concatBytes(chunks);
  const replay = chunks.slice();
  const rest = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = replay.shift();
        if (next) return controller.enqueue(next);
        if (complete) return controller.close();
        try {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (error) {
          controller.error(error);
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { head, complete, stream: rest };
}

// ───────────────────────────── progress and hashing ─────────────────────────────

/**
 * Cuts chunks larger than `max` into views of at most `max` bytes (no copy). Node's Blob.stream() hands an in-memory
 * Blob over as one chunk; bounded chunks keep decoding fast, progress smooth and cancellation prompt.
 */
export function boundedChunks(max = MiB): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (chunk.length <= max) return controller.enqueue(chunk);
      for (let at = 0; at < chunk.length; at += max) controller.enqueue(chunk.subarray(at, at + max));
    },
  });
}

/** Passes bytes through unchanged and reports the running total (for progress bars). */
export function countingStream(onProgress: (bytesRead: number) => void): TransformStream<Uint8Array, Uint8Array> {
  let total = 0;
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      total += chunk.length;
      onProgress(total);
      controller.enqueue(chunk);
    },
  });
}

export interface Sha256Transform extends TransformStream<Uint8Array, Uint8Array> {
  /** Lower-case hex SHA-256 of every byte that passed, resolved when the stream ends. Rejects if it errors. */
  readonly digest: Promise<string>;
}

/**
 * Passes bytes through unchanged while hashing them, so the hash costs no second read of the file.
 * Put it before decompression: the workspace manifest hashes files as received.
 * Cost: hash-wasm's SHA-256 (WebAssembly) runs ~480 MB/s in Node 20 on this machine; @noble/hashes, used before, ran
 * ~225 MB/s in Node but ~70 MB/s in Chromium 156, which put ~4 s of hashing on the path of a 270 MB CSV import.
 */
export function sha256Transform(): Sha256Transform {
  // The hasher instantiates its wasm asynchronously: chunks wait for it (once per stream, well under a millisecond).
  const hasher = newHasher();
  let resolve!: (hex: string) => void;
  let reject!: (error: unknown) => void;
  const digest = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Callers that never look at the digest must not get an unhandled rejection when the stream is cancelled.
  digest.catch(() => undefined);
  const transform = new TransformStream<Uint8Array, Uint8Array>({
    async transform(chunk, controller) {
      (await hasher).update(chunk);
      controller.enqueue(chunk);
    },
    async flush() {
      resolve((await hasher).digest('hex'));
    },
    // transformer.cancel (Chromium, Node 20.20): a cancelled or aborted stream rejects the digest instead of leaving it pending.
    cancel(reason: unknown) {
      reject(reason);
    },
  } as Transformer<Uint8Array, Uint8Array>);
  return Object.assign(transform, { digest });
}

/** SHA-256 (hex) of a Blob, read as a stream; `onProgress` gets bytes hashed so far. */
export async function hashBlob(blob: Blob, onProgress?: (bytesRead: number, totalBytes: number) => void, signal?: AbortSignal): Promise<string> {
  const hasher = await newHasher();
  let read = 0;
  await consume(relayStream(() => blob.stream().pipeThrough(boundedChunks()), { signal }), (chunk) => {
    hasher.update(chunk);
    read += chunk.length;
    onProgress?.(read, blob.size);
  });
  return hasher.digest('hex');
}

async function newHasher(): Promise<IHasher> {
  const hasher = await createSHA256();
  hasher.init();
  return hasher;
}

// ───────────────────────────── decompression and the bomb guard ─────────────────────────────

export interface ExpansionLimits {
  /** Stop once the expanded output passes this many bytes. Default 4 GiB. */
  maxBytes?: number;
  /** Stop when output/input passes this ratio… Default 200 (JSON logs compress ~10–30×). */
  maxRatio?: number;
  /** …but only once the output is past this size, so small, very repetitive files are fine. Default 64 MiB. */
  ratioAfterBytes?: number;
}

export const DEFAULT_LIMITS: Required<ExpansionLimits> = { maxBytes: 4 * GiB, maxRatio: 200, ratioAfterBytes: 64 * MiB };

/** Counts expanded bytes against the limits; `compressedBytes()` is the input consumed (or known) so far. */
export class ExpansionGuard {
  expanded = 0;
  private readonly limits: Required<ExpansionLimits>;

  constructor(
    private readonly what: string,
    limits: ExpansionLimits,
    private readonly compressedBytes: () => number,
    private readonly parent?: ExpansionGuard,
  ) {
    this.limits = {
      maxBytes: limits.maxBytes ?? DEFAULT_LIMITS.maxBytes,
      maxRatio: limits.maxRatio ?? DEFAULT_LIMITS.maxRatio,
      ratioAfterBytes: limits.ratioAfterBytes ?? DEFAULT_LIMITS.ratioAfterBytes,
    };
  }

  add(bytes: number): void {
    this.expanded += bytes;
    const { maxBytes, maxRatio, ratioAfterBytes } = this.limits;
    if (this.expanded > maxBytes) {
      throw new IngestError(
        'bomb',
        `Stopped reading ${this.what}: it expands to more than ${formatBytes(maxBytes)} (decompression bomb guard). ` +
          'If the file is genuine, raise the size limit.',
      );
    }
    const compressed = Math.max(1, this.compressedBytes());
    if (this.expanded > ratioAfterBytes && this.expanded / compressed > maxRatio) {
      throw new IngestError(
        'bomb',
        `Stopped reading ${this.what}: ${formatBytes(compressed)} of compressed data expanded to ${formatBytes(this.expanded)}, ` +
          `more than ${maxRatio} times its size. That looks like a decompression bomb; if the file is genuine, raise the ratio limit.`,
      );
    }
    this.parent?.add(bytes);
  }
}

type Pushable = { push(chunk: Uint8Array, final?: boolean): void };

/** Turns a compressed stream into a decompressed one. */
export type Decode = (compressed: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;

/**
 * Drives one of fflate's synchronous streaming decoders from a web stream, pull by pull. Each pull feeds at most one
 * 16 KiB piece, so a bomb can never expand more than ~16 MiB ahead of the reader (and its guard): a TransformStream
 * would expand a whole input chunk, however large, before anyone could say stop.
 */
function fflateDecode(make: (ondata: (data: Uint8Array, final: boolean) => void) => Pushable): Decode {
  const PIECE = 16 * KiB;
  return (compressed) => {
    const reader = compressed.getReader();
    const ready: Uint8Array[] = [];
    const decoder = make((data) => {
      if (data.length > 0) ready.push(data);
    });
    let input: Uint8Array = new Uint8Array(0);
    let at = 0;
    let ended = false;
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          try {
            while (ready.length === 0) {
              if (ended) return controller.close();
              if (at >= input.length) {
                const { done, value } = await reader.read();
                if (done) {
                  ended = true;
                  decoder.push(new Uint8Array(0), true);
                } else {
                  input = value;
                  at = 0;
                }
                continue;
              }
              decoder.push(input.subarray(at, at + PIECE));
              at += PIECE;
            }
          } catch (error) {
            // Corrupt data: stop reading the compressed side too.
            reader.cancel(error).catch(() => undefined);
            throw error;
          }
          for (const chunk of ready.splice(0)) controller.enqueue(chunk);
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
      },
      { highWaterMark: 0 },
    );
  };
}

function nativeDecode(format: string): Decode {
  return (compressed) => compressed.pipeThrough(new DecompressionStream(format as CompressionFormat) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
}

// gzip('a') followed by gzip('b'): two members.
const TWO_MEMBER_GZIP = new Uint8Array([
  0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b, 0x04, 0x00, 0x43, 0xbe, 0xb7, 0xe8, 0x01, 0x00, 0x00, 0x00, 0x1f, 0x8b, 0x08,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b, 0x02, 0x00, 0xf9, 0xef, 0xbe, 0x71, 0x01, 0x00, 0x00, 0x00,
]);
let nativeMultiMember: Promise<boolean> | undefined;

/**
 * Whether this runtime's DecompressionStream('gzip') reads concatenated gzip members. Node 20 does (zlib continues into
 * the next member); Chromium stops with "Junk found after end of compressed data". Probed once, on a 42-byte sample.
 */
export function nativeGunzipReadsMultiMember(): Promise<boolean> {
  nativeMultiMember ??= (async () => {
    try {
      const stream = new Blob([TWO_MEMBER_GZIP]).stream().pipeThrough(new DecompressionStream('gzip'));
      const chunks: Uint8Array[] = [];
      await consume(stream, (c) => chunks.push(c));
      return new TextDecoder().decode(concatBytes(chunks)) === 'ab';
    } catch {
      return false;
    }
  })();
  return nativeMultiMember;
}

/**
 * `first`, and when it fails, the rest from `again()`: a second reading of the same bytes from the start, of which the
 * part `first` already delivered is skipped. An abort never falls back, and a failure of `again()` is the stream's.
 */
export function resumingStream(
  first: ReadableStream<Uint8Array>,
  again: () => ReadableStream<Uint8Array> | Promise<ReadableStream<Uint8Array>>,
  signal?: AbortSignal,
): ReadableStream<Uint8Array> {
  let reader = first.getReader();
  let delivered = 0;
  let skip = 0; // bytes of the second reading still to drop
  let resumed = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          let result: ReadableStreamReadResult<Uint8Array>;
          try {
            result = await reader.read();
          } catch (error) {
            if (resumed || signal?.aborted) throw error;
            resumed = true;
            reader.releaseLock();
            reader = (await again()).getReader();
            skip = delivered;
            continue;
          }
          if (result.done) return controller.close();
          let chunk = result.value;
          if (skip > 0) {
            const dropped = Math.min(skip, chunk.length);
            skip -= dropped;
            chunk = chunk.subarray(dropped);
          }
          if (chunk.length === 0) continue;
          delivered += chunk.length;
          controller.enqueue(chunk);
          return;
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * 'auto' is native where it reads multi-member gzip; elsewhere (Chromium) a dropped file is decoded natively first and,
 * if that fails (a second member, or damage), read again with fflate ('resume'). Chromium's zlib inflates CloudTrail
 * delivery files several times faster than fflate's JavaScript, and almost every .gz has one member.
 */
export type DecoderChoice = 'auto' | 'native' | 'fflate' | 'resume';

/** A gzip decoder that reads multi-member files: the native one where it can, fflate's streaming Gunzip otherwise. */
export async function gunzipDecoder(choice: Exclude<DecoderChoice, 'resume'> = 'auto'): Promise<Decode> {
  if (choice === 'native' || (choice === 'auto' && (await nativeGunzipReadsMultiMember()))) return nativeDecode('gzip');
  return fflateDecode((ondata) => new Gunzip(ondata));
}

let nativeDeflateRaw: boolean | undefined;

/** A raw-DEFLATE decoder (zip members): native when the runtime has 'deflate-raw', fflate otherwise. */
export function inflateRawDecoder(choice: DecoderChoice = 'auto'): Decode {
  if (choice === 'auto' && nativeDeflateRaw === undefined) {
    try {
      new DecompressionStream('deflate-raw' as CompressionFormat);
      nativeDeflateRaw = true;
    } catch {
      nativeDeflateRaw = false;
    }
  }
  if (choice === 'native' || (choice === 'auto' && nativeDeflateRaw)) return nativeDecode('deflate-raw');
  return fflateDecode((ondata) => new Inflate(ondata));
}

/** Errors from a decoder become an IngestError that says which file could not be decompressed. */
export function decompressionError(what: string): (error: unknown) => unknown {
  return (error) => {
    if (error instanceof DOMException && error.name === 'AbortError') return error;
    const detail = error instanceof Error ? error.message : String(error);
    return new IngestError('corrupt', `${what} could not be decompressed: the compressed data is truncated or corrupt (${detail}).`);
  };
}

export interface OpenOptions extends ExpansionLimits {
  signal?: AbortSignal;
  /** 'auto' (default) looks for the gzip magic bytes 1f 8b. */
  compression?: 'auto' | 'gzip' | 'none';
  /** Name used in error messages. */
  name?: string;
  /** Bytes of the source read so far (compressed bytes for a gzip file). */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
  /** Receives the SHA-256 of the source bytes (as received, before decompression) once they have all been read. */
  onSha256?: (hex: string) => void;
  /** Which gzip decoder; 'auto' picks native when it reads multi-member gzip, 'resume' where the bytes can be read again. */
  decoder?: DecoderChoice;
  /** For a stream source: the same compressed bytes again from the start (for 'resume'); a Blob is simply read again. */
  reread?: () => ReadableStream<Uint8Array> | Promise<ReadableStream<Uint8Array>>;
}

/** The options with an onProgress that never goes back: a second reading of the source counts its bytes from zero. */
export function monotonicProgress<T extends OpenOptions>(options: T): T {
  const report = options.onProgress;
  if (!report) return options;
  let shown = 0;
  return {
    ...options,
    onProgress: (n: number, total: number | undefined) => {
      if (n <= shown) return;
      shown = n;
      report(n, total);
    },
  };
}

export function isGzipMagic(head: Uint8Array): boolean {
  return head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * The decompressed bytes of a file (or of a zip member's stream): gzip is expanded, anything else passes through.
 * Nothing is read until the returned stream is; the whole file is never held in memory.
 */
export function openBlob(source: Blob | ReadableStream<Uint8Array>, options: OpenOptions = {}): ReadableStream<Uint8Array> {
  const what = options.name ?? 'the file';
  let guard: ExpansionGuard | undefined;
  let mapError: ((error: unknown) => unknown) | undefined;
  return relayStream(
    async () => {
      const sourceOptions = monotonicProgress(options);
      const { stream, gzip } = await openSource(source, sourceOptions);
      if (!gzip) return stream;
      // The ratio is taken against the compressed bytes handed to the decoder; small pieces keep that count close to
      // what it has actually consumed, so a bomb is caught soon after the ratio threshold.
      let fed = 0;
      guard = new ExpansionGuard(what, options, () => fed);
      mapError = decompressionError(what);
      const feed = (compressed: ReadableStream<Uint8Array>) =>
        compressed.pipeThrough(boundedChunks(64 * KiB)).pipeThrough(countingStream((n) => (fed = Math.max(fed, n))));
      const reread =
        options.reread ?? (source instanceof Blob ? async () => (await openSource(source, { ...sourceOptions, compression: 'gzip' })).stream : undefined);
      let choice = options.decoder ?? 'auto';
      if (choice === 'auto' && reread && !(await nativeGunzipReadsMultiMember())) choice = 'resume';
      if (choice === 'resume' && reread) {
        const gunzip = fflateDecode((ondata) => new Gunzip(ondata));
        return resumingStream(nativeDecode('gzip')(feed(stream)), async () => gunzip(feed(await reread())), options.signal);
      }
      const decode = await gunzipDecoder(choice === 'resume' ? 'fflate' : choice);
      return decode(feed(stream));
    },
    {
      signal: options.signal,
      onChunk: (chunk) => guard?.add(chunk.length),
      mapError: (error) => (mapError ? mapError(error) : error),
    },
  );
}

/** The source's raw bytes with progress and hashing attached, and whether they are gzip. */
async function openSource(source: Blob | ReadableStream<Uint8Array>, options: OpenOptions): Promise<{ stream: ReadableStream<Uint8Array>; gzip: boolean }> {
  throwIfAborted(options.signal);
  const total = source instanceof Blob ? source.size : undefined;
  let raw = (source instanceof Blob ? source.stream() : source).pipeThrough(boundedChunks()).pipeThrough(
    countingStream((n) => options.onProgress?.(n, total)),
  );
  if (options.onSha256) {
    const hashing = sha256Transform();
    raw = raw.pipeThrough(hashing);
    hashing.digest.then(options.onSha256, () => undefined);
  }
  const compression = options.compression ?? 'auto';
  if (compression !== 'auto') return { stream: raw, gzip: compression === 'gzip' };
  const peeked = await peekStream(raw, 2);
  return { stream: peeked.stream, gzip: isGzipMagic(peeked.head) };
}

// ───────────────────────────── text ─────────────────────────────

export interface DecodeStats {
  /** Characters produced so far. */
  chars: number;
  /** U+FFFD characters produced: bytes that were not valid in the chosen encoding (or U+FFFD in the source). */
  replacementChars: number;
}

/**
 * Decodes bytes to text chunks: BOM stripped, never fatal (invalid bytes become U+FFFD and are counted in `stats`).
 * A surrogate pair or multi-byte sequence split across chunks is carried over by the streaming decoder.
 */
export function decodeText(stream: ReadableStream<Uint8Array>, encoding: TextEncodingName, options: { stats?: DecodeStats } = {}): ReadableStream<string> {
  const decoder = textDecoderFor(encoding);
  const { stats } = options;
  const emit = (text: string, controller: TransformStreamDefaultController<string>) => {
    if (text.length === 0) return;
    if (stats) {
      stats.chars += text.length;
      if (encoding !== 'latin1') {
        for (let at = text.indexOf('\ufffd'); at !== -1; at = text.indexOf('\ufffd', at + 1)) stats.replacementChars++;
      }
    }
    controller.enqueue(text);
  };
  return stream.pipeThrough(
    new TransformStream<Uint8Array, string>({
      transform(chunk, controller) {
        emit(decoder.decode(chunk, { stream: true }), controller);
      },
      flush(controller) {
        emit(decoder.decode(), controller);
      },
    }),
  );
}
