// Errors of the byte layer: one class with a machine-readable code and a message written for the analyst,
// plus the AbortSignal plumbing every stream here shares.

export type IngestErrorCode =
  | 'bomb' // expands past a size or ratio limit
  | 'corrupt' // compressed data or archive structure is broken
  | 'truncated' // the data stops in the middle of something
  | 'record-too-large' // one record/line/row is bigger than the limit
  | 'garbage' // unexpected characters between records
  | 'bad-json' // a record's text is not valid JSON (only when parsing was asked for)
  | 'too-many-members' // archive member count limit
  | 'unsupported'; // encrypted zip member, unknown compression method…

export class IngestError extends Error {
  override readonly name = 'IngestError';
  readonly code: IngestErrorCode;
  /** Byte offset in the stream the error refers to, when there is one. */
  readonly offset: number | undefined;

  constructor(code: IngestErrorCode, message: string, offset?: number) {
    super(message);
    this.code = code;
    this.offset = offset;
  }
}

/** The error every cancelled operation rejects with: a DOMException named AbortError, as fetch() does. */
export function abortError(signal?: AbortSignal): DOMException {
  const reason: unknown = signal?.reason;
  if (reason instanceof DOMException && reason.name === 'AbortError') return reason;
  return new DOMException('Reading was cancelled', 'AbortError');
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Runs `onAborted` once when the signal fires; returns the unsubscribe (signals are shared by many files, so always call it). */
export function onAbort(signal: AbortSignal | undefined, onAborted: () => void): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) {
    onAborted();
    return () => undefined;
  }
  signal.addEventListener('abort', onAborted, { once: true });
  return () => signal.removeEventListener('abort', onAborted);
}

/** "64 MiB", "1.5 GiB", "812 bytes": sizes in messages the analyst reads. */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} bytes`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = value >= 100 || Number.isInteger(value) ? Math.round(value).toString() : value.toFixed(1);
  return `${shown} ${units[unit]}`;
}

/** Thousands separators for offsets and counts in messages ("byte offset 5,234,567"). */
// Counts read the same here as everywhere in the app.
export { formatCount } from '../../lib/format';
