// Whole-file passphrase encryption for exported workspaces: AES-GCM-256 with a key from PBKDF2-HMAC-SHA-256.
//
// File layout (all of it before the ciphertext is the AES-GCM additional data, so none of it can be altered):
//
//   bytes 0..7    magic "DLWSENC1" (ASCII; the digit is the container version)
//   bytes 8..11   header length N, unsigned 32-bit big-endian
//   bytes 12..    N bytes of UTF-8 JSON:
//                 {"alg":"AES-GCM-256","kdf":"PBKDF2-SHA-256","iterations":600000,"salt":"<16 bytes, base64>","iv":"<12 bytes, base64>"}
//   then          AES-GCM ciphertext followed by its 16-byte authentication tag (what WebCrypto returns)
//
// The iteration count is read from the header, so a later Driftline can raise it without breaking older files; a
// header asking for fewer than MIN_PBKDF2_ITERATIONS is refused before any key is derived (that is the downgrade an
// attacker who cannot decrypt would try), and one asking for absurdly many is refused so a crafted file cannot hang
// the tab. Everything is whole-buffer in memory: WebCrypto has no streaming AES-GCM.
//
// ArchiveError lives here, not in archive.ts, because this is the lower layer: archive.ts re-exports it, and so the
// two modules do not import each other.

export type ArchiveErrorCode =
  | 'not-an-archive'
  | 'unsupported-version'
  | 'needs-passphrase'
  | 'wrong-passphrase'
  | 'tampered'
  | 'missing-entry'
  | 'unexpected-entry'
  | 'corrupt';

/** Why a workspace file cannot be read (or, for `needs-passphrase`, cannot be written). `message` is for people. */
export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode;
  /** The archive entry the error is about, when there is one. */
  readonly entry?: string;

  constructor(code: ArchiveErrorCode, message: string, entry?: string) {
    super(message);
    this.name = 'ArchiveError';
    this.code = code;
    if (entry !== undefined) this.entry = entry;
  }
}

/** The first seven bytes of every encrypted workspace file, whatever its container version. */
const MAGIC_PREFIX = 'DLWSENC';
/** The container version this code writes and reads. */
export const ENCRYPTION_MAGIC = 'DLWSENC1';
export const ENCRYPTION_ALGORITHM = 'AES-GCM-256';
export const ENCRYPTION_KDF = 'PBKDF2-SHA-256';
/** OWASP's 2023 recommendation for PBKDF2-HMAC-SHA-256. Files asking for fewer are refused. */
export const MIN_PBKDF2_ITERATIONS = 600_000;
/** What new files are written with. */
export const PBKDF2_ITERATIONS = 600_000;
/** Files asking for more are refused (about a minute of derivation), so a crafted header cannot hang the page. */
export const MAX_PBKDF2_ITERATIONS = 50_000_000;

const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX_BYTES = 12; // magic + header length
const MAX_HEADER_BYTES = 64 * 1024;

export interface EncryptionHeader {
  alg: typeof ENCRYPTION_ALGORITHM;
  kdf: typeof ENCRYPTION_KDF;
  iterations: number;
  /** base64 of the 16-byte PBKDF2 salt. */
  salt: string;
  /** base64 of the 12-byte AES-GCM IV. */
  iv: string;
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const MAGIC_BYTES = ascii(ENCRYPTION_MAGIC);

/** True when `bytes` starts like an encrypted workspace file (of any container version). Reads 7 bytes. */
export function isEncryptedBytes(bytes: Uint8Array): boolean {
  if (bytes.length < MAGIC_PREFIX.length) return false;
  for (let i = 0; i < MAGIC_PREFIX.length; i++) if (bytes[i] !== MAGIC_PREFIX.charCodeAt(i)) return false;
  return true;
}

/**
 * Encrypts `plain` under `passphrase` (NFC-normalised; empty is refused with `needs-passphrase`). Derives a fresh key
 * from a random salt every time, so this takes one PBKDF2 derivation (a fraction of a second to about a second).
 * Peak memory is about three times `plain` (WebCrypto's input copy, its output, and the output with the header).
 */
export async function encryptBytes(plain: Uint8Array, passphrase: string): Promise<Uint8Array<ArrayBuffer>> {
  const secret = normalisePassphrase(passphrase);
  if (secret === null) {
    throw new ArchiveError(
      'needs-passphrase',
      'An empty passphrase cannot protect the workspace file: enter a passphrase, or export without encryption.',
    );
  }
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const header: EncryptionHeader = {
    alg: ENCRYPTION_ALGORITHM,
    kdf: ENCRYPTION_KDF,
    iterations: PBKDF2_ITERATIONS,
    salt: toBase64(salt),
    iv: toBase64(iv),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const prefix = new Uint8Array(PREFIX_BYTES + headerBytes.length);
  prefix.set(MAGIC_BYTES, 0);
  new DataView(prefix.buffer).setUint32(MAGIC_BYTES.length, headerBytes.length, false);
  prefix.set(headerBytes, PREFIX_BYTES);

  const key = await deriveKey(secret, salt, header.iterations, 'encrypt');
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: prefix, tagLength: TAG_BYTES * 8 }, key, ownBuffer(plain));
  const out = new Uint8Array(prefix.length + sealed.byteLength);
  out.set(prefix, 0);
  out.set(new Uint8Array(sealed), prefix.length);
  return out;
}

/** Reads and checks the clear header of an encrypted workspace file without deriving anything. */
export function readEncryptionHeader(data: Uint8Array): { header: EncryptionHeader; headerEnd: number } {
  if (!isEncryptedBytes(data)) {
    throw new ArchiveError('not-an-archive', 'This is not an encrypted Driftline workspace file.');
  }
  if (data.length < MAGIC_BYTES.length) {
    throw new ArchiveError('corrupt', 'The encrypted workspace file is cut off: it ends inside its header.');
  }
  for (let i = 0; i < MAGIC_BYTES.length; i++) {
    if (data[i] !== MAGIC_BYTES[i]) {
      const found = String.fromCharCode(...data.subarray(0, MAGIC_BYTES.length));
      throw new ArchiveError(
        'unsupported-version',
        `This encrypted workspace file uses a newer encryption format (${JSON.stringify(found)}); this version of Driftline reads ${ENCRYPTION_MAGIC}. Update Driftline to import it.`,
      );
    }
  }
  if (data.length < PREFIX_BYTES) {
    throw new ArchiveError('corrupt', 'The encrypted workspace file is cut off: it ends inside its header.');
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const headerLength = view.getUint32(MAGIC_BYTES.length, false);
  if (headerLength === 0 || headerLength > MAX_HEADER_BYTES) {
    throw new ArchiveError('corrupt', `The encrypted workspace file is damaged: its header claims to be ${headerLength} bytes long.`);
  }
  const headerEnd = PREFIX_BYTES + headerLength;
  if (data.length < headerEnd + TAG_BYTES) {
    throw new ArchiveError('corrupt', 'The encrypted workspace file is cut off: it ends before its encrypted content.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(PREFIX_BYTES, headerEnd)));
  } catch {
    throw new ArchiveError('corrupt', 'The encrypted workspace file is damaged: its header is not readable JSON.');
  }
  return { header: checkHeader(parsed), headerEnd };
}

/**
 * Decrypts a file made by `encryptBytes`. Refuses, before deriving a key, a header that is not ours or asks for fewer
 * than 600,000 PBKDF2 iterations (`tampered`). A wrong passphrase, or any change to the header or the ciphertext,
 * fails AES-GCM authentication and throws `wrong-passphrase` — never partial or garbage output.
 */
export async function decryptBytes(data: Uint8Array, passphrase: string): Promise<Uint8Array<ArrayBuffer>> {
  const { header, headerEnd } = readEncryptionHeader(data);
  const secret = normalisePassphrase(passphrase);
  if (secret === null) {
    throw new ArchiveError('needs-passphrase', 'This workspace file is encrypted: enter its passphrase to import it.');
  }
  const salt = fromBase64(header.salt);
  const iv = fromBase64(header.iv);
  const key = await deriveKey(secret, salt, header.iterations, 'decrypt');
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv, additionalData: ownBuffer(data.subarray(0, headerEnd)), tagLength: TAG_BYTES * 8 },
      key,
      ownBuffer(data.subarray(headerEnd)),
    );
  } catch (error) {
    // DOMException "OperationError": the tag did not verify (wrong key, or changed header or ciphertext).
    if (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'OperationError') {
      throw new ArchiveError('wrong-passphrase', 'The passphrase is wrong, or the file was damaged.');
    }
    throw error;
  }
  return new Uint8Array(plain);
}

function checkHeader(value: unknown): EncryptionHeader {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ArchiveError('corrupt', 'The encrypted workspace file is damaged: its header is not a JSON object.');
  }
  const h = value as Record<string, unknown>;
  if (h.alg !== ENCRYPTION_ALGORITHM || h.kdf !== ENCRYPTION_KDF) {
    throw new ArchiveError(
      'corrupt',
      `The encrypted workspace file is damaged: its header names ${describe(h.alg)} with ${describe(h.kdf)}, but ${ENCRYPTION_MAGIC} files always use ${ENCRYPTION_ALGORITHM} with ${ENCRYPTION_KDF}.`,
    );
  }
  const iterations = h.iterations;
  if (typeof iterations !== 'number' || !Number.isSafeInteger(iterations) || iterations < 1) {
    throw new ArchiveError('corrupt', 'The encrypted workspace file is damaged: its header has no valid PBKDF2 iteration count.');
  }
  if (iterations < MIN_PBKDF2_ITERATIONS) {
    throw new ArchiveError(
      'tampered',
      `The encrypted workspace file asks for only ${iterations.toLocaleString('en-US')} PBKDF2 iterations; Driftline requires at least ${MIN_PBKDF2_ITERATIONS.toLocaleString('en-US')}. The file was altered or not made by Driftline, so it is refused.`,
    );
  }
  if (iterations > MAX_PBKDF2_ITERATIONS) {
    throw new ArchiveError(
      'unsupported-version',
      `The encrypted workspace file asks for ${iterations.toLocaleString('en-US')} PBKDF2 iterations, more than this version of Driftline allows (${MAX_PBKDF2_ITERATIONS.toLocaleString('en-US')}).`,
    );
  }
  const salt = typeof h.salt === 'string' ? fromBase64OrNull(h.salt) : null;
  const iv = typeof h.iv === 'string' ? fromBase64OrNull(h.iv) : null;
  if (salt === null || salt.length !== SALT_BYTES || iv === null || iv.length !== IV_BYTES) {
    throw new ArchiveError(
      'corrupt',
      `The encrypted workspace file is damaged: its header needs a ${SALT_BYTES}-byte salt and a ${IV_BYTES}-byte IV in base64.`,
    );
  }
  return { alg: ENCRYPTION_ALGORITHM, kdf: ENCRYPTION_KDF, iterations, salt: h.salt as string, iv: h.iv as string };
}

async function deriveKey(secret: Uint8Array<ArrayBuffer>, salt: Uint8Array<ArrayBuffer>, iterations: number, usage: KeyUsage): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', secret, 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base, { name: 'AES-GCM', length: 256 }, false, [usage]);
}

/** NFC-normalised UTF-8 bytes of the passphrase, or null when it is empty. Whitespace is kept: it may be meant. */
function normalisePassphrase(passphrase: string): Uint8Array<ArrayBuffer> | null {
  if (typeof passphrase !== 'string') return null;
  const normalised = passphrase.normalize('NFC');
  return normalised.length === 0 ? null : new TextEncoder().encode(normalised);
}

/** WebCrypto takes only ArrayBuffer-backed views (not SharedArrayBuffer); copy only when the view is not one. */
function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function fromBase64OrNull(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  try {
    return fromBase64(text);
  } catch {
    return null;
  }
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : 'nothing';
}
