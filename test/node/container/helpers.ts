// Fixture builders and stream helpers for the container tests: everything is generated in memory, nothing big is stored.
import { gzipSync } from 'node:zlib';

export const te = new TextEncoder();

/** A stream that hands out `bytes` in chunks of `size` (Node's Blob.stream() gives an in-memory Blob as one chunk). */
export function chunkedBytes(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

export function textStream(chunks: readonly string[]): ReadableStream<string> {
  let i = 0;
  return new ReadableStream<string>({
    pull(controller) {
      const next = chunks[i++];
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
  });
}

export function chunkString(text: string, size: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length; at += size) out.push(text.slice(at, at + size));
  return out;
}

export async function readBytes(stream: ReadableStream<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

export async function readText(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new TextDecoder().decode(await readBytes(stream));
}

export async function readStrings(stream: ReadableStream<string>): Promise<string> {
  let text = '';
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += value;
  }
}

export function gzip(text: string | Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(gzipSync(typeof text === 'string' ? te.encode(text) : text));
}

/** UTF-16 bytes of `text`, little- or big-endian, with or without BOM. */
export function utf16(text: string, endian: 'le' | 'be', bom: boolean): Uint8Array<ArrayBuffer> {
  const units = (bom ? '\ufeff' : '') + text;
  const out = new Uint8Array(units.length * 2);
  for (let i = 0; i < units.length; i++) {
    const c = units.charCodeAt(i);
    out[2 * i + (endian === 'le' ? 0 : 1)] = c & 0xff;
    out[2 * i + (endian === 'le' ? 1 : 0)] = c >> 8;
  }
  return out;
}

/** Latin-1 bytes (every character must be ≤ U+00FF). */
export function latin1(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
}

/** A stream that never ends on its own: one chunk every `everyMs`, until cancelled. Counts what was cancelled. */
export function endlessStream(chunk: Uint8Array, everyMs: number): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      if (!cancelled) controller.enqueue(chunk.slice());
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

/** One CloudTrail-shaped record with strings that stress the splitter. */
export function cloudTrailRecord(i: number): Record<string, unknown> {
  return {
    eventVersion: '1.08',
    userIdentity: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::123456789012:assumed-role/deploy-bot/s-${i}`,
      accessKeyId: `ASIA${String(i).padStart(12, '0')}`,
      sessionContext: { sessionIssuer: { arn: 'arn:aws:iam::123456789012:role/deploy-bot' } },
    },
    eventTime: '2024-03-01T10:00:00Z',
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    requestParameters: { bucketName: 'prod', key: `a]b}c"d\\e/${i}` },
    resources: [{ ARN: `arn:aws:s3:::prod/${i}` }],
  };
}
