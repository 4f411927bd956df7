// One file for a whole workspace: a zip whose first entry, manifest.json, lists every other entry with its size and
// SHA-256, optionally encrypted as a whole (crypto.ts). Unpacking verifies everything before handing anything back.
//
// Zip layout (written and read here, not by fflate's zipSync/unzipSync: zipSync orders entries by object-key rules,
// unzipSync silently merges duplicate names and does not bounds-check, and both copy stored data):
//   - plain PKZIP 2.0: no ZIP64, no data descriptors, no zip encryption, no archive comment, UTF-8 names (flag 11);
//   - entries whose path ends in `.json` (the manifest included) are deflated (fflate, level 6) when that makes them
//     smaller; everything else is stored, so `.arrow.gz` snapshots are not compressed twice;
//   - every entry gets the manifest's `createdAt` as its modification time (UTC; zip times have no zone), so packing
//     the same input twice gives the same bytes (before encryption, whose salt and IV are random).
// Reading accepts any zip with stored or deflated entries (so a workspace re-zipped by another tool still opens as
// long as it added nothing), but rejects ZIP64, multi-disk and zip-encrypted archives as `corrupt`.
//
// Memory: everything is whole-buffer. Packing holds the entries plus the finished archive (plus, when encrypting, the
// ciphertext and its copy with the header). Unpacking returns stored entries as views into the input (or into the
// decrypted buffer) without copying; deflated ones are inflated into buffers of their own. Deflate/inflate and CRC-32
// run synchronously on the calling thread; SHA-256 and AES-GCM go through WebCrypto.
import { deflateSync, inflateSync } from 'fflate';
import { ArchiveError, decryptBytes, encryptBytes, isEncryptedBytes, readEncryptionHeader } from './crypto';

export { ArchiveError, type ArchiveErrorCode } from './crypto';

export const ARCHIVE_FORMAT = 'driftline-workspace';
export const ARCHIVE_VERSION = 1;
export const MANIFEST_PATH = 'manifest.json';

export interface ArchiveEntry {
  /** e.g. 'tables/events.arrow.gz', 'triage.json'. Relative, '/'-separated; never used as a file-system path. */
  path: string;
  bytes: Uint8Array;
}

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  version: number;
  /** ISO 8601, UTC. */
  createdAt: string;
  app: { name: 'Driftline'; version: string };
  workspace: { id: string; name: string };
  /** Every entry but the manifest itself, in archive order. `sha256` is lowercase hex of the entry's bytes. */
  entries: { path: string; bytes: number; sha256: string }[];
}

export interface PackInfo {
  workspace: { id: string; name: string };
  appVersion: string;
  /** Any date string `Date` parses; stored as ISO 8601 UTC. Default: now. */
  createdAt?: string;
}

/** Largest manifest.json read (uncompressed). Millions of entries would fit. */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
const U32_LIMIT = 0xffffffff;

/**
 * Packs `entries` into one workspace file: a zip with `manifest.json` first, then the entries in the order given.
 * With `options.passphrase` the whole zip is encrypted (AES-GCM-256, PBKDF2-SHA-256; about a second of key
 * derivation). Bad entry paths (absolute, `..`, backslashes, NUL, duplicates, `manifest.json`) are programming errors
 * and throw `TypeError`; an empty passphrase throws `ArchiveError('needs-passphrase')`; an archive of 4 GiB or more,
 * or of 65,535 entries or more, throws `RangeError`.
 */
export async function packWorkspace(
  entries: ArchiveEntry[],
  info: PackInfo,
  options: { passphrase?: string } = {},
): Promise<Uint8Array> {
  const seen = new Set<string>();
  for (const entry of entries) {
    const problem = entryPathProblem(entry.path);
    if (problem !== null) throw new TypeError(`Cannot export the workspace entry ${JSON.stringify(entry.path)}: its path ${problem}.`);
    if (entry.path === MANIFEST_PATH) throw new TypeError(`Cannot export a workspace entry named ${MANIFEST_PATH}: that name is the archive's own.`);
    if (seen.has(entry.path)) throw new TypeError(`Cannot export the workspace: the entry ${JSON.stringify(entry.path)} is given twice.`);
    if (!(entry.bytes instanceof Uint8Array)) throw new TypeError(`Cannot export the workspace entry ${JSON.stringify(entry.path)}: its bytes are not a Uint8Array.`);
    seen.add(entry.path);
  }
  // Refuse an empty passphrase before hashing and zipping hundreds of megabytes (encryptBytes refuses it too).
  if (options.passphrase !== undefined && options.passphrase.normalize('NFC') === '') {
    throw new ArchiveError(
      'needs-passphrase',
      'An empty passphrase cannot protect the workspace file: enter a passphrase, or export without encryption.',
    );
  }
  const created = info.createdAt === undefined ? new Date() : new Date(info.createdAt);
  if (Number.isNaN(created.getTime())) throw new TypeError(`Cannot export the workspace: createdAt ${JSON.stringify(info.createdAt)} is not a date.`);

  const listed: ArchiveManifest['entries'] = [];
  for (const entry of entries) {
    // One at a time: WebCrypto copies its input, so hashing in parallel would double the peak memory.
    listed.push({ path: entry.path, bytes: entry.bytes.length, sha256: await sha256Hex(entry.bytes) });
  }
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    createdAt: created.toISOString(),
    app: { name: 'Driftline', version: info.appVersion },
    workspace: { id: info.workspace.id, name: info.workspace.name },
    entries: listed,
  };
  const manifestBytes = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  const zip = writeZip([{ path: MANIFEST_PATH, bytes: manifestBytes }, ...entries], created);
  return options.passphrase === undefined ? zip : encryptBytes(zip, options.passphrase);
}

/**
 * Opens a workspace file and verifies it completely: a zip (decrypted first when encrypted) with a Driftline manifest
 * of a supported version, holding exactly the entries the manifest lists, each with the recorded size and SHA-256.
 * Returns the entries in manifest order. Stored entries are views into `bytes` (or into the decrypted buffer), not
 * copies: do not modify `bytes` while you use them. A passphrase given for an unencrypted file is ignored.
 *
 * The SHA-256 sums detect damage and naive edits; they are not a signature (whoever can edit the file can rewrite the
 * manifest). Encrypted files are authenticated as a whole by AES-GCM.
 */
export async function unpackWorkspace(
  bytes: Uint8Array,
  options: { passphrase?: string } = {},
): Promise<{ manifest: ArchiveManifest; entries: Map<string, Uint8Array> }> {
  let zip = bytes;
  if (isEncryptedArchive(bytes)) {
    if (options.passphrase === undefined || options.passphrase.normalize('NFC') === '') {
      readEncryptionHeader(bytes); // an unreadable or unsupported header is said before asking for a passphrase
      throw new ArchiveError('needs-passphrase', 'This workspace file is encrypted: enter its passphrase to import it.');
    }
    zip = await decryptBytes(bytes, options.passphrase);
  }

  const members = readZip(zip);
  const manifestMember = members.find((m) => m.name === MANIFEST_PATH);
  if (manifestMember === undefined) {
    const files = members.filter((m) => !m.name.endsWith('/'));
    const sample = files.slice(0, 3).map((m) => m.name).join(', ');
    const holds = files.length === 0 ? 'it holds no files' : `it holds ${files.length} file${files.length === 1 ? '' : 's'}, such as ${sample}`;
    throw new ArchiveError('not-an-archive', `This zip archive is not a Driftline workspace file: it has no ${MANIFEST_PATH} (${holds}).`);
  }

  const byName = new Map<string, ZipMember>();
  for (const member of members) {
    const problem = entryPathProblem(member.name);
    if (problem !== null) {
      throw new ArchiveError('unexpected-entry', `The workspace file holds an entry whose name ${problem}: ${JSON.stringify(member.name)}. It is refused.`, member.name);
    }
    if (byName.has(member.name)) {
      throw new ArchiveError('unexpected-entry', `The workspace file holds ${member.name} more than once. It is refused.`, member.name);
    }
    byName.set(member.name, member);
  }

  const manifest = readManifest(zip, manifestMember);

  const missing = manifest.entries.filter((e) => !byName.has(e.path)).map((e) => e.path);
  if (missing.length > 0) {
    throw new ArchiveError(
      'missing-entry',
      `The workspace file is incomplete: ${missing[0]} is listed in its manifest but missing${more(missing.length)}.`,
      missing[0],
    );
  }
  const listedPaths = new Set(manifest.entries.map((e) => e.path));
  const unexpected = members.filter((m) => m.name !== MANIFEST_PATH && !listedPaths.has(m.name)).map((m) => m.name);
  if (unexpected.length > 0) {
    throw new ArchiveError(
      'unexpected-entry',
      `The workspace file was changed after export: it holds ${unexpected[0]}, which its manifest does not list${more(unexpected.length)}.`,
      unexpected[0],
    );
  }

  const entries = new Map<string, Uint8Array>();
  for (const listed of manifest.entries) {
    const member = byName.get(listed.path)!;
    const changed = (what: string) =>
      new ArchiveError('tampered', `The workspace file was changed after export: ${listed.path} ${what}.`, listed.path);
    if (member.size !== listed.bytes) {
      throw changed(`is ${member.size.toLocaleString('en-US')} bytes, not the ${listed.bytes.toLocaleString('en-US')} recorded in its manifest`);
    }
    const data = memberData(zip, member, () => changed('cannot be decompressed'));
    if ((await sha256Hex(data)) !== listed.sha256) throw changed('does not match its recorded SHA-256');
    entries.set(listed.path, data);
  }
  return { manifest, entries };
}

/** True when `bytes` is an encrypted workspace file, so a passphrase should be asked for before unpacking. */
export function isEncryptedArchive(bytes: Uint8Array): boolean {
  return isEncryptedBytes(bytes);
}

/**
 * Why `path` cannot name an archive entry, or null when it can. Entry paths are relative, '/'-separated, with no
 * empty, `.` or `..` segments, no backslashes, no control characters (NUL included), no drive letters, well-formed
 * Unicode, at most 65,535 UTF-8 bytes.
 */
export function entryPathProblem(path: string): string | null {
  if (typeof path !== 'string') return 'is not a string';
  if (path.length === 0) return 'is empty';
  if (path.includes('\0')) return 'contains a NUL character';
  if (/[\u0001-\u001f\u007f]/.test(path)) return 'contains a control character';
  if (path.includes('\\')) return 'contains a backslash';
  if (path.startsWith('/')) return 'is absolute';
  if (/^[A-Za-z]:/.test(path)) return 'starts with a drive letter';
  if (/\p{Cs}/u.test(path)) return 'is not well-formed Unicode';
  for (const segment of path.split('/')) {
    if (segment === '..') return 'has a ".." segment';
    if (segment === '.') return 'has a "." segment';
    if (segment === '') return 'has an empty segment';
  }
  if (new TextEncoder().encode(path).length > 0xffff) return 'is too long';
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Manifest

function readManifest(zip: Uint8Array, member: ZipMember): ArchiveManifest {
  const damaged = () => new ArchiveError('corrupt', `The workspace file is damaged: its ${MANIFEST_PATH} cannot be read.`, MANIFEST_PATH);
  if (member.size > MAX_MANIFEST_BYTES) {
    throw new ArchiveError('corrupt', `The workspace file is damaged: its ${MANIFEST_PATH} claims to be ${member.size.toLocaleString('en-US')} bytes.`, MANIFEST_PATH);
  }
  const data = memberData(zip, member, damaged);
  // The manifest is the one entry no SHA-256 covers; its zip CRC-32 at least catches accidental damage.
  if (crc32(data) !== member.crc) throw damaged();
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    throw new ArchiveError('not-an-archive', `This zip archive is not a Driftline workspace file: its ${MANIFEST_PATH} is not JSON.`, MANIFEST_PATH);
  }
  const record = isRecord(parsed) ? parsed : null;
  if (record === null || record.format !== ARCHIVE_FORMAT) {
    const found =
      record === null
        ? 'is not a JSON object'
        : record.format === undefined
          ? 'has no "format"'
          : `says its format is ${JSON.stringify(String(record.format).slice(0, 60))}`;
    throw new ArchiveError(
      'not-an-archive',
      `This zip archive is not a Driftline workspace file: its ${MANIFEST_PATH} ${found}, not "${ARCHIVE_FORMAT}".`,
      MANIFEST_PATH,
    );
  }
  const version = record.version;
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw new ArchiveError('corrupt', `The workspace file is damaged: its ${MANIFEST_PATH} has no format version.`, MANIFEST_PATH);
  }
  if (version !== ARCHIVE_VERSION) {
    throw new ArchiveError(
      'unsupported-version',
      version > ARCHIVE_VERSION
        ? `This workspace file was made by a newer Driftline (workspace format version ${version}); this version reads version ${ARCHIVE_VERSION}. Update Driftline to import it.`
        : `This workspace file has workspace format version ${version}, which this version of Driftline cannot read (it reads version ${ARCHIVE_VERSION}).`,
    );
  }
  return checkManifest(record);
}

function checkManifest(m: Record<string, unknown>): ArchiveManifest {
  const bad = (what: string, entry?: string) =>
    new ArchiveError('corrupt', `The workspace file is damaged: its ${MANIFEST_PATH} ${what}.`, entry ?? MANIFEST_PATH);
  if (typeof m.createdAt !== 'string') throw bad('has no creation time');
  const app = m.app;
  if (!isRecord(app) || app.name !== 'Driftline' || typeof app.version !== 'string') throw bad('does not name the Driftline version that made it');
  const workspace = m.workspace;
  if (!isRecord(workspace) || typeof workspace.id !== 'string' || typeof workspace.name !== 'string') throw bad('does not name its workspace');
  if (!Array.isArray(m.entries)) throw bad('has no list of entries');
  const entries: ArchiveManifest['entries'] = [];
  const seen = new Set<string>();
  m.entries.forEach((value: unknown, i: number) => {
    if (!isRecord(value) || typeof value.path !== 'string') throw bad(`has an entry without a path (number ${i + 1})`);
    const path = value.path;
    const problem = entryPathProblem(path);
    if (problem !== null) throw bad(`lists an entry whose name ${problem}: ${JSON.stringify(path)}`, path);
    if (path === MANIFEST_PATH || seen.has(path)) throw bad(`lists ${path} more than once`, path);
    seen.add(path);
    if (typeof value.bytes !== 'number' || !Number.isSafeInteger(value.bytes) || value.bytes < 0) throw bad(`has no valid size for ${path}`, path);
    if (typeof value.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(value.sha256)) throw bad(`has no valid SHA-256 for ${path}`, path);
    entries.push({ path, bytes: value.bytes, sha256: value.sha256.toLowerCase() });
  });
  return {
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    createdAt: m.createdAt,
    app: { name: 'Driftline', version: app.version },
    workspace: { id: workspace.id, name: workspace.name },
    entries,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Zip writing

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const FLAG_UTF8 = 0x0800;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const EOCD = 22;

function writeZip(entries: ArchiveEntry[], modified: Date): Uint8Array<ArrayBuffer> {
  if (entries.length >= 0xffff) throw new RangeError(`A workspace file holds at most 65,534 entries; this one would hold ${entries.length}.`);
  const encoder = new TextEncoder();
  const members = entries.map((entry) => {
    const name = encoder.encode(entry.path);
    let data = entry.bytes;
    let method = METHOD_STORED;
    if (entry.path.endsWith('.json') && entry.bytes.length > 0) {
      const deflated = deflateSync(entry.bytes, { level: 6 });
      if (deflated.length < entry.bytes.length) {
        data = deflated;
        method = METHOD_DEFLATE;
      }
    }
    return { name, data, method, crc: crc32(entry.bytes), size: entry.bytes.length };
  });
  let total = EOCD;
  for (const m of members) total += LOCAL_HEADER + CENTRAL_HEADER + 2 * m.name.length + m.data.length;
  if (total > U32_LIMIT) {
    throw new RangeError(`A workspace file can be at most 4 GiB; this one would be ${(total / 2 ** 30).toFixed(1)} GiB.`);
  }
  const { time, date } = dosDateTime(modified);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const offsets: number[] = [];
  let at = 0;
  for (const m of members) {
    offsets.push(at);
    view.setUint32(at, SIG_LOCAL, true);
    view.setUint16(at + 4, 20, true); // version needed: 2.0
    view.setUint16(at + 6, FLAG_UTF8, true);
    view.setUint16(at + 8, m.method, true);
    view.setUint16(at + 10, time, true);
    view.setUint16(at + 12, date, true);
    view.setUint32(at + 14, m.crc, true);
    view.setUint32(at + 18, m.data.length, true);
    view.setUint32(at + 22, m.size, true);
    view.setUint16(at + 26, m.name.length, true);
    view.setUint16(at + 28, 0, true); // extra field length
    out.set(m.name, at + LOCAL_HEADER);
    at += LOCAL_HEADER + m.name.length;
    out.set(m.data, at);
    at += m.data.length;
  }
  const centralStart = at;
  members.forEach((m, i) => {
    view.setUint32(at, SIG_CENTRAL, true);
    view.setUint16(at + 4, 20, true); // made by: MS-DOS, 2.0
    view.setUint16(at + 6, 20, true); // version needed: 2.0
    view.setUint16(at + 8, FLAG_UTF8, true);
    view.setUint16(at + 10, m.method, true);
    view.setUint16(at + 12, time, true);
    view.setUint16(at + 14, date, true);
    view.setUint32(at + 16, m.crc, true);
    view.setUint32(at + 20, m.data.length, true);
    view.setUint32(at + 24, m.size, true);
    view.setUint16(at + 28, m.name.length, true);
    // extra length, comment length, disk number, internal and external attributes: all zero
    view.setUint32(at + 42, offsets[i]!, true);
    out.set(m.name, at + CENTRAL_HEADER);
    at += CENTRAL_HEADER + m.name.length;
  });
  view.setUint32(at, SIG_EOCD, true);
  view.setUint16(at + 8, members.length, true);
  view.setUint16(at + 10, members.length, true);
  view.setUint32(at + 12, at - centralStart, true);
  view.setUint32(at + 16, centralStart, true);
  return out;
}

function dosDateTime(when: Date): { time: number; date: number } {
  const year = Math.min(Math.max(when.getUTCFullYear(), 1980), 2107);
  const clamped = year !== when.getUTCFullYear();
  const time = clamped ? 0 : (when.getUTCHours() << 11) | (when.getUTCMinutes() << 5) | (when.getUTCSeconds() >> 1);
  const date = clamped ? ((year - 1980) << 9) | (1 << 5) | 1 : ((year - 1980) << 9) | ((when.getUTCMonth() + 1) << 5) | when.getUTCDate();
  return { time, date };
}

// ---------------------------------------------------------------------------------------------------------------
// Zip reading

interface ZipMember {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  /** Uncompressed size. */
  size: number;
  /** Offset of the member's (compressed) data. */
  dataStart: number;
}

function readZip(zip: Uint8Array): ZipMember[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const corrupt = (why: string) => new ArchiveError('corrupt', `The workspace file is damaged: ${why}.`);

  const eocd = findEndOfCentralDirectory(zip, view);
  if (eocd < 0) {
    if (zip.length >= 4 && u32(0) === SIG_LOCAL) throw corrupt('it starts like a zip archive but its end is missing (the file may be cut off)');
    throw new ArchiveError('not-an-archive', `This is not a Driftline workspace file: it is ${describeBytes(zip)}, not a zip archive.`);
  }
  const count = u16(eocd + 10);
  const centralSize = u32(eocd + 12);
  const centralStart = u32(eocd + 16);
  if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0 || u16(eocd + 8) !== count) throw corrupt('it is a multi-part zip archive');
  if ((eocd >= 20 && u32(eocd - 20) === SIG_ZIP64_LOCATOR) || count === 0xffff || centralSize === U32_LIMIT || centralStart === U32_LIMIT) {
    throw corrupt('it is a ZIP64 archive, which Driftline never writes');
  }
  if (centralStart + centralSize > eocd) throw corrupt('its zip directory points past the end of the file (the file may be cut off)');

  const decoder = new TextDecoder('utf-8', { fatal: true });
  const members: ZipMember[] = [];
  let at = centralStart;
  const centralEnd = centralStart + centralSize;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_HEADER > centralEnd || u32(at) !== SIG_CENTRAL) throw corrupt(`its zip directory is broken at entry ${i + 1} of ${count}`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc = u32(at + 16);
    const compressedSize = u32(at + 20);
    const size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    const localStart = u32(at + 42);
    const nameStart = at + CENTRAL_HEADER;
    at = nameStart + nameLength + extraLength + commentLength;
    if (at > centralEnd) throw corrupt(`its zip directory is broken at entry ${i + 1} of ${count}`);
    const nameBytes = zip.subarray(nameStart, nameStart + nameLength);
    let name: string;
    try {
      name = decoder.decode(nameBytes);
    } catch {
      throw corrupt(`entry ${i + 1} of its zip directory has a name that is not UTF-8`);
    }
    const label = JSON.stringify(name);
    if (flags & 0x0001 || flags & 0x0040) throw corrupt(`${label} is zip-encrypted, which Driftline never does`);
    if (method !== METHOD_STORED && method !== METHOD_DEFLATE) throw corrupt(`${label} uses zip compression method ${method}, which Driftline cannot read`);
    if (method === METHOD_STORED && compressedSize !== size) throw corrupt(`${label} is stored but its two recorded sizes differ`);
    if (compressedSize === U32_LIMIT || size === U32_LIMIT) throw corrupt(`${label} is a ZIP64 entry, which Driftline never writes`);

    if (localStart + LOCAL_HEADER > centralStart || u32(localStart) !== SIG_LOCAL) throw corrupt(`the zip header of ${label} is missing`);
    const localNameLength = u16(localStart + 26);
    const localExtraLength = u16(localStart + 28);
    const localName = zip.subarray(localStart + LOCAL_HEADER, localStart + LOCAL_HEADER + localNameLength);
    if (!sameBytes(localName, nameBytes)) throw corrupt(`the zip header of ${label} names a different entry`);
    const dataStart = localStart + LOCAL_HEADER + localNameLength + localExtraLength;
    if (dataStart + compressedSize > centralStart) throw corrupt(`the data of ${label} runs past its end (the file may be cut off)`);
    members.push({ name, method, crc, compressedSize, size, dataStart });
  }
  return members;
}

function findEndOfCentralDirectory(zip: Uint8Array, view: DataView): number {
  // The record is 22 bytes plus a comment of up to 65,535; take the last signature whose comment ends the file.
  const lowest = Math.max(0, zip.length - EOCD - 0xffff);
  for (let at = zip.length - EOCD; at >= lowest; at--) {
    if (zip[at] === 0x50 && view.getUint32(at, true) === SIG_EOCD && at + EOCD + view.getUint16(at + 20, true) === zip.length) return at;
  }
  return -1;
}

/** The member's uncompressed bytes: a view for stored members, a new buffer for deflated ones. */
function memberData(zip: Uint8Array, member: ZipMember, fail: () => ArchiveError): Uint8Array {
  const raw = zip.subarray(member.dataStart, member.dataStart + member.compressedSize);
  if (member.method === METHOD_STORED) return raw;
  let inflated: Uint8Array;
  try {
    // A fixed-size output: a deflate stream that expands further cannot grow past the recorded size.
    inflated = inflateSync(raw, { out: new Uint8Array(member.size) });
  } catch {
    throw fail();
  }
  if (inflated.length !== member.size) throw fail();
  return inflated;
}

/** What a file that is not a zip looks like, for the not-an-archive message. */
function describeBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'an empty file';
  const starts = (text: string, at = 0) => bytes.length >= at + text.length && [...text].every((c, i) => bytes[at + i] === c.charCodeAt(0));
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'a gzip file';
  if (starts('ARROW1')) return 'an Arrow IPC file';
  if (starts('PAR1')) return 'a Parquet file';
  if (starts('%PDF')) return 'a PDF document';
  if (starts('SQLite format 3')) return 'an SQLite database';
  if (starts('PK')) return 'a damaged or unusual zip archive';
  const head = bytes.subarray(0, 512);
  let text = true;
  for (const b of head) if (b === 0 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d)) text = false;
  if (text) {
    const first = new TextDecoder().decode(head).trimStart()[0];
    return first === '{' || first === '[' ? 'JSON text' : 'a text file';
  }
  return 'binary data';
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const view = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', view));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

const CRC_TABLE = (() => {
  // Slicing-by-8: table k maps a byte to its CRC contribution k bytes further on.
  const t = new Int32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

/** CRC-32 (ISO-HDLC, the zip one), as an unsigned 32-bit number. */
function crc32(data: Uint8Array): number {
  const t = CRC_TABLE;
  let crc = -1;
  let i = 0;
  const n = data.length;
  for (; i + 8 <= n; i += 8) {
    const a = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) ^ crc;
    const b = data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
    crc =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + (b & 0xff)]! ^
      t[512 + ((b >>> 8) & 0xff)]! ^
      t[256 + ((b >>> 16) & 0xff)]! ^
      t[b >>> 24]!;
  }
  for (; i < n; i++) crc = t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function more(count: number): string {
  return count > 1 ? ` (and ${count - 1} more)` : '';
}
