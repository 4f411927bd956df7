// The text encodings the byte layer understands, how to decode each one, and how many bytes a decoded character took
// (error messages give byte offsets, but the splitters only see decoded strings).

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';

/**
 * A non-fatal streaming decoder for `encoding` that strips a matching BOM.
 * `latin1` decodes as Windows-1252, which is what WHATWG means by "latin1" and what Excel/Windows tools actually write
 * (0x80–0x9F are € ‚ ƒ … there, not C1 controls).
 */
export function textDecoderFor(encoding: TextEncodingName): TextDecoder {
  return new TextDecoder(encoding === 'latin1' ? 'windows-1252' : encoding, { fatal: false, ignoreBOM: false });
}

export function encodingLabel(encoding: TextEncodingName): string {
  switch (encoding) {
    case 'utf-8':
      return 'UTF-8';
    case 'utf-16le':
      return 'UTF-16LE';
    case 'utf-16be':
      return 'UTF-16BE';
    case 'latin1':
      return 'Latin-1/Windows-1252';
  }
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Bytes that `text.slice(from, to)` occupied in `encoding` (UTF-8 replacement characters count as 3, which is close enough). */
export function encodedLength(text: string, encoding: TextEncodingName, from = 0, to = text.length): number {
  if (encoding === 'latin1') return to - from;
  if (encoding !== 'utf-8') return 2 * (to - from);
  let bytes = to - from;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    // Each half of a surrogate pair counts 2: the pair is one 4-byte sequence.
    bytes += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

/**
 * Maps character positions in a sequence of decoded chunks to byte positions in the encoded stream.
 * Queries must move forward within a chunk; pure-ASCII chunks (the usual case) cost one regex test each.
 */
export class ByteOffsets {
  private chunk = '';
  private chunkStart = 0;
  private oneBytePerChar = true;
  private cursorIndex = 0;
  private cursorBytes = 0;

  constructor(
    private readonly encoding: TextEncodingName,
    base = 0,
  ) {
    this.chunkStart = base;
  }

  /** Starts a new chunk; the previous one is counted in full. */
  next(chunk: string): void {
    this.chunkStart = this.at(this.chunk.length);
    this.chunk = chunk;
    this.cursorIndex = 0;
    this.cursorBytes = 0;
    this.oneBytePerChar = this.encoding === 'latin1' || (this.encoding === 'utf-8' && !NON_ASCII.test(chunk));
  }

  /** Byte offset of character `index` of the current chunk. */
  at(index: number): number {
    if (this.oneBytePerChar) return this.chunkStart + index;
    if (this.encoding !== 'utf-8') return this.chunkStart + 2 * index;
    if (index < this.cursorIndex) {
      // Out-of-order query: recount from the chunk start rather than give a wrong number.
      this.cursorIndex = 0;
      this.cursorBytes = 0;
    }
    this.cursorBytes += encodedLength(this.chunk, 'utf-8', this.cursorIndex, index);
    this.cursorIndex = index;
    return this.chunkStart + this.cursorBytes;
  }

  /** Byte offset just past everything seen so far. */
  end(): number {
    return this.at(this.chunk.length);
  }
}
