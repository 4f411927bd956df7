// The file members of a zip archive as decompressed streams, bomb-guarded, junk skipped. Members are located through
// the central directory and read with Blob.slice, so only the member being read is ever in memory; an archive without
// a readable central directory (a cut-off download) is read front to back with fflate's streaming Unzip instead.
import { Unzip, UnzipInflate, type UnzipFile } from 'fflate';
import { IngestError, formatBytes, formatCount, throwIfAborted } from './errors';
import {
  ExpansionGuard,
  GiB,
  boundedChunks,
  MiB,
  decompressionError,
  inflateRawDecoder,
  relayStream,
  type DecoderChoice,
  type ExpansionLimits,
} from './streams';

export interface ZipMember {
  /** The name as stored in the archive. Never used as a file-system path (`../x` and `/etc/x` are just names). */
  path: string;
  /** Uncompressed size the archive declares (unknown for some members of an archive without central directory). */
  size: number | undefined;
  compressedSize: number | undefined;
  /** The member's decompressed bytes. Created on first access; nothing is read before. */
  readonly stream: ReadableStream<Uint8Array>;
}

export interface UnzipOptions extends ExpansionLimits {
  signal?: AbortSignal;
  /** Archive name for messages. */
  name?: string;
  /** Most entries (directories included) an archive may have. Default 100,000. */
  maxMembers?: number;
  /** Most bytes all members together may expand to. Default 16 GiB. (`maxBytes` is the per-member limit, default 4 GiB.) */
  maxTotalBytes?: number;
  /** Also yield macOS `__MACOSX/` and `._*` entries, `.DS_Store`, `Thumbs.db`. Default false. */
  includeJunk?: boolean;
  decoder?: DecoderChoice;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const MAX_CENTRAL_DIRECTORY = 256 * MiB;

const METHOD_NAMES: Record<number, string> = { 9: 'Deflate64', 12: 'bzip2', 14: 'LZMA', 93: 'Zstandard', 95: 'XZ', 98: 'PPMd', 99: 'AES encryption' };

/** Directories and the junk macOS and Windows put into archives. */
export function isZipJunk(path: string): boolean {
  const parts = path.split(/[\\/]/);
  const base = parts[parts.length - 1] ?? '';
  return parts.includes('__MACOSX') || base.startsWith('._') || base === '.DS_Store' || base === 'Thumbs.db' || base === 'desktop.ini';
}

function isDirectory(path: string): boolean {
  return path.endsWith('/') || path.endsWith('\\');
}

/**
 * Yields every file member of a zip archive. With a central directory (the normal case) members are independent and
 * can be read in any order, or not at all. Without one, members come front to back: read each member's stream before
 * asking for the next (an unread member is dropped, and its stream errors).
 */
export async function* unzipEntries(blob: Blob, options: UnzipOptions = {}): AsyncGenerator<ZipMember, void, undefined> {
  throwIfAborted(options.signal);
  const archive = options.name ?? 'the zip archive';
  const maxMembers = options.maxMembers ?? 100_000;
  const total = new ExpansionGuard(archive, { ...options, maxBytes: options.maxTotalBytes ?? 16 * GiB }, () => blob.size);
  const entries = await readCentralDirectory(blob, archive, maxMembers);
  if (entries === null) {
    const head = viewOf(await bytesAt(blob, 0, 4));
    if (head.byteLength < 4 || head.getUint32(0, true) !== SIG_LOCAL) {
      throw new IngestError('corrupt', `${archive} is not a readable zip archive: it has no central directory and does not start with a member.`);
    }
    yield* sequentialEntries(blob, options, archive, maxMembers, total);
    return;
  }
  for (const entry of entries) {
    throwIfAborted(options.signal);
    if (isDirectory(entry.path) || (!options.includeJunk && isZipJunk(entry.path))) continue;
    yield centralMember(blob, entry, options, archive, total);
  }
}

interface CentralEntry {
  path: string;
  flags: number;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** Parses the central directory; null when there is none to find (truncated archive) or it does not add up. */
async function readCentralDirectory(blob: Blob, archive: string, maxMembers: number): Promise<CentralEntry[] | null> {
  const tailStart = Math.max(0, blob.size - (22 + 0xffff));
  const tail = await bytesAt(blob, tailStart, blob.size);
  const view = viewOf(tail);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (view.getUint32(i, true) === SIG_EOCD && i + 22 + view.getUint16(i + 20, true) <= tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const eocdAt = tailStart + eocd;
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  let shift = 0;
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    if (eocdAt < 20) return null;
    const locator = viewOf(await bytesAt(blob, eocdAt - 20, eocdAt));
    if (locator.getUint32(0, true) !== SIG_ZIP64_LOCATOR) return null;
    const recordAt = Number(locator.getBigUint64(8, true));
    if (recordAt + 56 > blob.size) return null;
    const record = viewOf(await bytesAt(blob, recordAt, recordAt + 56));
    if (record.getUint32(0, true) !== SIG_ZIP64_EOCD) return null;
    count = Number(record.getBigUint64(32, true));
    cdSize = Number(record.getBigUint64(40, true));
    cdOffset = Number(record.getBigUint64(48, true));
  } else {
    // Bytes prepended to the archive (self-extractors, some export tools) shift every offset by the same amount.
    shift = eocdAt - cdSize - cdOffset;
    if (shift < 0) return null;
  }
  if (count > maxMembers) throw tooManyMembers(archive, maxMembers);
  if (cdSize > MAX_CENTRAL_DIRECTORY || cdOffset + shift + cdSize > blob.size) return null;

  const cd = await bytesAt(blob, cdOffset + shift, cdOffset + shift + cdSize);
  const cdView = viewOf(cd);
  const entries: CentralEntry[] = [];
  let at = 0;
  while (at + 46 <= cd.length && cdView.getUint32(at, true) === SIG_CENTRAL) {
    if (entries.length >= maxMembers) throw tooManyMembers(archive, maxMembers);
    const flags = cdView.getUint16(at + 8, true);
    const nameLength = cdView.getUint16(at + 28, true);
    const extraLength = cdView.getUint16(at + 30, true);
    const commentLength = cdView.getUint16(at + 32, true);
    let compressedSize = cdView.getUint32(at + 20, true);
    let size = cdView.getUint32(at + 24, true);
    let localOffset = cdView.getUint32(at + 42, true);
    const nameEnd = at + 46 + nameLength;
    if (nameEnd + extraLength > cd.length) return null;
    // ZIP64 extra field: 64-bit values for exactly the fields that hold 0xFFFFFFFF, in this order.
    for (let e = nameEnd; e + 4 <= nameEnd + extraLength; ) {
      const id = cdView.getUint16(e, true);
      const length = cdView.getUint16(e + 2, true);
      if (id === 0x0001) {
        let p = e + 4;
        const next = () => {
          const value = p + 8 <= e + 4 + length ? Number(cdView.getBigUint64(p, true)) : 0xffffffff;
          p += 8;
          return value;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      e += 4 + length;
    }
    entries.push({
      path: decodeName(cd.subarray(at + 46, nameEnd), (flags & 0x800) !== 0),
      flags,
      method: cdView.getUint16(at + 10, true),
      compressedSize,
      size,
      localOffset: localOffset + shift,
    });
    at = nameEnd + extraLength + commentLength;
  }
  if (entries.length === 0 && count > 0) return null;
  checkNoOverlap(entries, archive);
  return entries;
}

/**
 * Members whose data overlap are how non-recursive zip bombs reach a huge output from a small file (every entry points
 * at the same compressed bytes). No archiver writes them.
 */
function checkNoOverlap(entries: readonly CentralEntry[], archive: string): void {
  const sorted = entries.filter((e) => e.compressedSize > 0).sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1];
    const entry = sorted[i];
    if (before && entry && before.localOffset + 30 + before.compressedSize > entry.localOffset) {
      throw new IngestError(
        'bomb',
        `Stopped reading ${archive}: members "${before.path}" and "${entry.path}" share compressed data, the construction of a zip bomb.`,
      );
    }
  }
}

function tooManyMembers(archive: string, maxMembers: number): IngestError {
  return new IngestError('too-many-members', `${archive} has more than ${formatCount(maxMembers)} entries; stopped before reading it.`);
}

function centralMember(blob: Blob, entry: CentralEntry, options: UnzipOptions, archive: string, total: ExpansionGuard): ZipMember {
  const what = `"${entry.path}" in ${archive}`;
  const open = async (): Promise<ReadableStream<Uint8Array>> => {
    if (entry.flags & 1) {
      throw new IngestError('unsupported', `${what} is encrypted; Driftline cannot read password-protected archives. Extract it and drop the files.`);
    }
    if (entry.method !== 0 && entry.method !== 8) {
      const method = METHOD_NAMES[entry.method] ?? `method ${entry.method}`;
      throw new IngestError('unsupported', `${what} is compressed with ${method}, which Driftline cannot read. Re-zip it with standard (Deflate) compression.`);
    }
    const header = viewOf(await bytesAt(blob, entry.localOffset, entry.localOffset + 30));
    if (header.byteLength < 30 || header.getUint32(0, true) !== SIG_LOCAL) {
      throw new IngestError('corrupt', `${what} cannot be read: its local header is missing (corrupt archive).`);
    }
    const start = entry.localOffset + 30 + header.getUint16(26, true) + header.getUint16(28, true);
    if (start + entry.compressedSize > blob.size) throw new IngestError('truncated', `${what} is cut off: the archive is truncated.`);
    const raw = blob.slice(start, start + entry.compressedSize).stream().pipeThrough(boundedChunks());
    return entry.method === 0 ? raw : inflateRawDecoder(options.decoder)(raw);
  };
  const guard = memberGuard(what, entry.size, options, () => entry.compressedSize, total);
  let stream: ReadableStream<Uint8Array> | undefined;
  return {
    path: entry.path,
    size: entry.size,
    compressedSize: entry.compressedSize,
    get stream() {
      stream ??= relayStream(open, { signal: options.signal, onChunk: guard, mapError: decompressionError(what) });
      return stream;
    },
  };
}

/** Counts a member's output against its own limits, its declared size and the archive's total. */
function memberGuard(
  what: string,
  declared: number | undefined,
  options: UnzipOptions,
  compressed: () => number,
  total: ExpansionGuard,
): (chunk: Uint8Array) => void {
  const guard = new ExpansionGuard(what, options, compressed, total);
  return (chunk) => {
    guard.add(chunk.length);
    if (declared !== undefined && guard.expanded > declared) {
      throw new IngestError(
        'corrupt',
        `${what} expands beyond the ${formatBytes(declared)} its header declares; stopped (corrupt archive, or one built to mislead).`,
      );
    }
  };
}

/** A member found by the streaming reader: its decompressed chunks wait here until its stream is read. */
interface SequentialMember {
  member: ZipMember;
  queue: Uint8Array[];
  done: boolean;
  error: unknown;
  dropped: boolean;
}

async function* sequentialEntries(
  blob: Blob,
  options: UnzipOptions,
  archive: string,
  maxMembers: number,
  total: ExpansionGuard,
): AsyncGenerator<ZipMember, void, undefined> {
  const source = relayStream(() => blob.stream().pipeThrough(boundedChunks()), { signal: options.signal }).getReader();
  const found: SequentialMember[] = [];
  let seen = 0;
  let ended = false;
  let latest = '';
  const unzip = new Unzip((file: UnzipFile) => {
    if (++seen > maxMembers) throw tooManyMembers(archive, maxMembers);
    latest = file.name;
    const skip = isDirectory(file.name) || (!options.includeJunk && isZipJunk(file.name));
    if (skip) {
      // Started with a no-op sink: an unstarted member's data would pile up inside fflate.
      file.ondata = () => undefined;
      file.start();
      return;
    }
    const entry = sequentialMember(file, options, archive, total, pump);
    file.ondata = (error, data, final) => {
      if (entry.dropped || entry.error) return;
      if (error) {
        entry.error = error instanceof IngestError ? error : decompressionError(`"${file.name}" in ${archive}`)(error);
        return;
      }
      entry.queue.push(data);
      if (final) entry.done = true;
    };
    found.push(entry);
    file.start();
  });
  unzip.register(UnzipInflate);

  let pumping: Promise<void> | null = null;
  let failure: unknown = null;
  function pump(): Promise<void> {
    if (failure) return Promise.reject(failure);
    pumping ??= (async () => {
      try {
        const { done, value } = await source.read();
        if (done) {
          ended = true;
          unzip.push(new Uint8Array(0), true);
        } else {
          unzip.push(value);
        }
      } catch (error) {
        ended = true;
        const known = error instanceof IngestError || (error instanceof DOMException && error.name === 'AbortError');
        failure = known
          ? error
          : new IngestError('truncated', `${archive} is truncated or corrupt: "${latest}" is incomplete, and the archive has no central directory.`);
        throw failure;
      } finally {
        pumping = null;
      }
    })();
    return pumping;
  }

  let previous: SequentialMember | undefined;
  try {
    for (;;) {
      const next = found.shift();
      if (next) {
        if (previous) drop(previous);
        previous = next;
        yield next.member;
        continue;
      }
      if (ended) return;
      await pump();
    }
  } finally {
    if (previous) drop(previous);
    if (!ended) await source.cancel().catch(() => undefined);
  }
}

function drop(entry: SequentialMember): void {
  if (entry.done && entry.queue.length === 0) return;
  entry.dropped = true;
  entry.queue = [];
}

function sequentialMember(file: UnzipFile, options: UnzipOptions, archive: string, total: ExpansionGuard, pump: () => Promise<void>): SequentialMember {
  const what = `"${file.name}" in ${archive}`;
  const guard = memberGuard(what, file.originalSize, options, () => file.size ?? total.expanded, total);
  let stream: ReadableStream<Uint8Array> | undefined;
  const entry: SequentialMember = {
    queue: [],
    done: false,
    error: null,
    dropped: false,
    member: {
      path: file.name,
      size: file.originalSize,
      compressedSize: file.size,
      get stream() {
        stream ??= relayStream(() => queueStream(entry, what, pump), { signal: options.signal, onChunk: guard });
        return stream;
      },
    },
  };
  return entry;
}

/** Drains a member's queue, pulling more of the archive when it runs dry. */
function queueStream(entry: SequentialMember, what: string, pump: () => Promise<void>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          if (entry.error) return controller.error(entry.error);
          const chunk = entry.queue.shift();
          if (chunk) return controller.enqueue(chunk);
          if (entry.dropped) {
            return controller.error(new IngestError('truncated', `${what} was not read before the next member was asked for; its data is gone.`));
          }
          if (entry.done) return controller.close();
          await pump();
        }
      },
      cancel() {
        entry.dropped = true;
        entry.queue = [];
      },
    },
    { highWaterMark: 0 },
  );
}

async function bytesAt(blob: Blob, start: number, end: number): Promise<Uint8Array> {
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// Code page 437, the zip default when the UTF-8 flag is not set: bytes 0x80–0xFF.
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

/** Names are UTF-8 when flagged; many tools write UTF-8 without the flag, so valid UTF-8 wins over CP437. */
export function decodeName(bytes: Uint8Array, utf8Flag: boolean): string {
  if (utf8Flag) return new TextDecoder('utf-8').decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    let name = '';
    for (const b of bytes) name += b < 0x80 ? String.fromCharCode(b) : (CP437_HIGH[b - 0x80] ?? '?');
    return name;
  }
}
