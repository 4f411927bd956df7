// Workspace export files: round trip, verification (tampered / missing / unexpected / not an archive / corrupt),
// hostile entry paths, and passphrase encryption (AES-GCM-256, PBKDF2-SHA-256 ≥ 600,000 iterations, header as AAD).
// PBKDF2 at 600k iterations costs about half a second per derivation, so the encrypted cases share one archive.
import { createHash } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { gzipSync, unzipSync, zipSync, type Zippable } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  ArchiveError,
  isEncryptedArchive,
  packWorkspace,
  unpackWorkspace,
  type ArchiveEntry,
  type ArchiveManifest,
} from '../../../src/workspace/archive';
import { decryptBytes, encryptBytes, MIN_PBKDF2_ITERATIONS } from '../../../src/workspace/crypto';

const enc = new TextEncoder();
const dec = new TextDecoder();

function pseudoRandom(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const EVENTS = gzipSync(enc.encode('event_id,identity,action\n' + Array.from({ length: 2000 }, (_, i) => `e${i},svc-${i % 17},AssumeRole`).join('\n')));
const ENTRIES: ArchiveEntry[] = [
  { path: 'tables/events.arrow.gz', bytes: EVENTS },
  { path: 'tables/identities.arrow.gz', bytes: pseudoRandom(40_000, 7) },
  { path: 'triage.json', bytes: enc.encode(JSON.stringify(Array.from({ length: 300 }, (_, i) => ({ finding: `f-${i}`, state: 'open', note: 'needs owner' })))) },
  { path: 'settings.json', bytes: enc.encode('{"theme":"dark"}') },
  { path: 'queries/saved queries/ünïcode ☃.json', bytes: enc.encode('[]') },
  { path: 'exceptions/empty.bin', bytes: new Uint8Array(0) },
];
const INFO = { workspace: { id: 'ws-1234', name: 'Prod AWS — Q2 review' }, appVersion: '0.1.0', createdAt: '2026-04-01T12:34:56Z' };

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** What the archive says when it refuses: the ArchiveError (fails the test if it resolves or throws anything else). */
async function refusal(promise: Promise<unknown>): Promise<ArchiveError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ArchiveError);
    return error as ArchiveError;
  }
  throw new Error('expected an ArchiveError, but it succeeded');
}

/** The local members of a zip as written by packWorkspace (no data descriptors), parsed independently of archive.ts. */
function localMembers(zip: Uint8Array) {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const members: { name: string; method: number; crc: number; compressedSize: number; size: number; dataStart: number }[] = [];
  let at = 0;
  while (view.getUint32(at, true) === 0x04034b50) {
    const compressedSize = view.getUint32(at + 18, true);
    const nameLength = view.getUint16(at + 26, true);
    const extraLength = view.getUint16(at + 28, true);
    const dataStart = at + 30 + nameLength + extraLength;
    members.push({
      name: dec.decode(zip.subarray(at + 30, at + 30 + nameLength)),
      method: view.getUint16(at + 8, true),
      crc: view.getUint32(at + 14, true),
      compressedSize,
      size: view.getUint32(at + 22, true),
      dataStart,
    });
    at = dataStart + compressedSize;
  }
  return members;
}

function member(zip: Uint8Array, name: string) {
  const found = localMembers(zip).find((m) => m.name === name);
  if (!found) throw new Error(`no ${name} in the zip`);
  return found;
}

/** A copy of `bytes` with the byte at `at` flipped. */
function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice();
  copy[at]! ^= 0xff;
  return copy;
}

/** Every occurrence of `from` replaced by `to` (same length), e.g. to rename an entry in both zip headers. */
function replaced(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const a = enc.encode(from);
  const b = enc.encode(to);
  expect(b.length).toBe(a.length);
  const copy = bytes.slice();
  let count = 0;
  outer: for (let i = 0; i + a.length <= copy.length; i++) {
    for (let j = 0; j < a.length; j++) if (copy[i + j] !== a[j]) continue outer;
    copy.set(b, i);
    count++;
  }
  expect(count).toBeGreaterThan(0);
  return copy;
}

/** The archive's files as fflate reads them (an independent zip reader), to rebuild altered archives with zipSync. */
function filesOf(zip: Uint8Array): Record<string, Uint8Array> {
  return unzipSync(zip);
}

function manifestOf(files: Record<string, Uint8Array>): ArchiveManifest {
  return JSON.parse(dec.decode(files['manifest.json'])) as ArchiveManifest;
}

function zipOf(files: Zippable): Uint8Array {
  return zipSync(files);
}

let plain: Uint8Array;
beforeAll(async () => {
  plain = await packWorkspace(ENTRIES, INFO);
});

describe('packWorkspace / unpackWorkspace', () => {
  it('round-trips every entry byte for byte, in order, with a correct manifest', async () => {
    expect(isEncryptedArchive(plain)).toBe(false);
    const { manifest, entries } = await unpackWorkspace(plain);
    expect([...entries.keys()]).toEqual(ENTRIES.map((e) => e.path));
    for (const e of ENTRIES) expect(entries.get(e.path)).toEqual(e.bytes);
    expect(manifest).toEqual({
      format: ARCHIVE_FORMAT,
      version: ARCHIVE_VERSION,
      createdAt: '2026-04-01T12:34:56.000Z',
      app: { name: 'Driftline', version: '0.1.0' },
      workspace: { id: 'ws-1234', name: 'Prod AWS — Q2 review' },
      entries: ENTRIES.map((e) => ({ path: e.path, bytes: e.bytes.length, sha256: sha256(e.bytes) })),
    });
  });

  it('writes a standard zip: manifest first, .gz stored, .json deflated, correct CRC-32s, readable by another reader', async () => {
    const members = localMembers(plain);
    expect(members.map((m) => m.name)).toEqual(['manifest.json', ...ENTRIES.map((e) => e.path)]);
    const byName = new Map(members.map((m) => [m.name, m]));
    expect(byName.get('tables/events.arrow.gz')!.method).toBe(0);
    expect(byName.get('tables/identities.arrow.gz')!.method).toBe(0);
    expect(byName.get('triage.json')!.method).toBe(8);
    expect(byName.get('manifest.json')!.method).toBe(8);
    const files = filesOf(plain);
    for (const m of members) {
      const bytes = files[m.name]!;
      expect(m.size).toBe(bytes.length);
      expect(m.crc).toBe(zlibCrc32(bytes));
    }
    for (const e of ENTRIES) expect(files[e.path]).toEqual(e.bytes);
    expect(manifestOf(files).format).toBe(ARCHIVE_FORMAT);
  });

  it('is deterministic for the same input and creation time', async () => {
    expect(await packWorkspace(ENTRIES, INFO)).toEqual(plain);
  });

  it('reads a workspace re-zipped by another tool (deflated entries) as long as nothing changed', async () => {
    const { entries } = await unpackWorkspace(zipOf(filesOf(plain)));
    for (const e of ENTRIES) expect(entries.get(e.path)).toEqual(e.bytes);
  });

  it('packs and unpacks an empty workspace', async () => {
    const { manifest, entries } = await unpackWorkspace(await packWorkspace([], INFO));
    expect(manifest.entries).toEqual([]);
    expect(entries.size).toBe(0);
  });
});

describe('tampering', () => {
  it('a flipped byte inside a stored entry → tampered, naming the entry', async () => {
    const m = member(plain, 'tables/events.arrow.gz');
    const error = await refusal(unpackWorkspace(flipped(plain, m.dataStart + Math.floor(m.compressedSize / 2))));
    expect(error.code).toBe('tampered');
    expect(error.entry).toBe('tables/events.arrow.gz');
    expect(error.message).toBe(
      'The workspace file was changed after export: tables/events.arrow.gz does not match its recorded SHA-256.',
    );
  });

  it('a flipped byte inside a deflated entry → tampered, naming the entry', async () => {
    const m = member(plain, 'triage.json');
    const error = await refusal(unpackWorkspace(flipped(plain, m.dataStart + Math.floor(m.compressedSize / 2))));
    expect(error.code).toBe('tampered');
    expect(error.entry).toBe('triage.json');
    expect(error.message).toContain('triage.json');
  });

  it('an entry rebuilt with other bytes of the same size under the old manifest → tampered', async () => {
    const files = filesOf(plain);
    files['tables/identities.arrow.gz'] = pseudoRandom(40_000, 8);
    const error = await refusal(unpackWorkspace(zipOf(files)));
    expect(error).toMatchObject({ code: 'tampered', entry: 'tables/identities.arrow.gz' });
    expect(error.message).toMatch(/identities\.arrow\.gz does not match its recorded SHA-256/);
  });

  it('an entry of another size → tampered, naming the entry and the sizes', async () => {
    const files = filesOf(plain);
    files['settings.json'] = enc.encode('{"theme":"light!"}');
    const error = await refusal(unpackWorkspace(zipOf(files)));
    expect(error).toMatchObject({ code: 'tampered', entry: 'settings.json' });
    expect(error.message).toContain('settings.json is 18 bytes, not the 16 recorded');
  });

  it('a removed entry → missing-entry, naming it', async () => {
    const files = filesOf(plain);
    delete files['tables/events.arrow.gz'];
    const error = await refusal(unpackWorkspace(zipOf(files)));
    expect(error).toMatchObject({ code: 'missing-entry', entry: 'tables/events.arrow.gz' });
    expect(error.message).toContain('tables/events.arrow.gz');
  });

  it('an added entry → unexpected-entry, naming it', async () => {
    const files = filesOf(plain);
    files['tables/extra.arrow.gz'] = pseudoRandom(100, 3);
    const error = await refusal(unpackWorkspace(zipOf(files)));
    expect(error).toMatchObject({ code: 'unexpected-entry', entry: 'tables/extra.arrow.gz' });
    expect(error.message).toContain('tables/extra.arrow.gz');
  });

  it('a damaged manifest → corrupt', async () => {
    const m = member(plain, 'manifest.json');
    const error = await refusal(unpackWorkspace(flipped(plain, m.dataStart + 10)));
    expect(error.code).toBe('corrupt');
  });
});

describe('not an archive, unsupported, corrupt', () => {
  it.each([
    ['an empty file', new Uint8Array(0), 'an empty file'],
    ['text', enc.encode('identity,owner\nsvc-a,alice\n'), 'a text file'],
    ['JSON', enc.encode('{"format":"driftline-workspace"}'), 'JSON text'],
    ['gzip', gzipSync(enc.encode('hello')), 'a gzip file'],
    ['binary', pseudoRandom(5000, 11), 'binary data'],
  ])('%s → not-an-archive, saying what it is', async (_label, bytes, what) => {
    const error = await refusal(unpackWorkspace(bytes));
    expect(error.code).toBe('not-an-archive');
    expect(error.message).toBe(`This is not a Driftline workspace file: it is ${what}, not a zip archive.`);
  });

  it('a zip without manifest.json → not-an-archive, naming what it holds', async () => {
    const error = await refusal(unpackWorkspace(zipOf({ 'report.csv': enc.encode('a,b\n'), 'notes.txt': enc.encode('hi') })));
    expect(error.code).toBe('not-an-archive');
    expect(error.message).toBe(
      'This zip archive is not a Driftline workspace file: it has no manifest.json (it holds 2 files, such as report.csv, notes.txt).',
    );
  });

  it('a zip whose manifest has another format, or is not JSON → not-an-archive', async () => {
    const other = await refusal(unpackWorkspace(zipOf({ 'manifest.json': enc.encode('{"format":"something-else","version":1}') })));
    expect(other.code).toBe('not-an-archive');
    expect(other.message).toContain('"something-else"');
    const browserExtension = await refusal(unpackWorkspace(zipOf({ 'manifest.json': enc.encode('{"manifest_version":3}') })));
    expect(browserExtension.code).toBe('not-an-archive');
    expect(browserExtension.message).toContain('has no "format"');
    const notJson = await refusal(unpackWorkspace(zipOf({ 'manifest.json': enc.encode('format: yes') })));
    expect(notJson.code).toBe('not-an-archive');
    expect(notJson.message).toContain('not JSON');
  });

  it('a newer format version → unsupported-version', async () => {
    const files = filesOf(plain);
    files['manifest.json'] = enc.encode(JSON.stringify({ ...manifestOf(files), version: 2 }));
    const error = await refusal(unpackWorkspace(zipOf(files)));
    expect(error.code).toBe('unsupported-version');
    expect(error.message).toContain('newer Driftline');
  });

  it('a manifest of the right format with malformed entries → corrupt', async () => {
    const files = filesOf(plain);
    const manifest = manifestOf(files);
    manifest.entries[0]!.sha256 = 'not-a-hash';
    files['manifest.json'] = enc.encode(JSON.stringify(manifest));
    const error = await refusal(unpackWorkspace(zipOf(files)));
    expect(error.code).toBe('corrupt');
    expect(error.message).toContain('tables/events.arrow.gz');
  });

  it('a cut-off or structurally broken zip → corrupt, with a plain message', async () => {
    const cut = await refusal(unpackWorkspace(plain.subarray(0, Math.floor(plain.length / 2))));
    expect(cut.code).toBe('corrupt');
    expect(cut.message).toMatch(/cut off/);

    // Point the end record's central-directory offset elsewhere.
    const broken = plain.slice();
    const view = new DataView(broken.buffer);
    const eocd = broken.length - 22;
    expect(view.getUint32(eocd, true)).toBe(0x06054b50);
    view.setUint32(eocd + 16, view.getUint32(eocd + 16, true) - 7, true);
    const error = await refusal(unpackWorkspace(broken));
    expect(error.code).toBe('corrupt');
    expect(error.message).toMatch(/^The workspace file is damaged: /);
  });
});

describe('entry paths are data', () => {
  const HOSTILE = ['/etc/passwd', '../outside.json', 'tables/../../x', 'tables\\events.arrow.gz', 'a\0b', 'C:/Windows/x', '', 'tables/', 'a//b', './a'];

  it.each(HOSTILE)('packWorkspace refuses %j', async (path) => {
    await expect(packWorkspace([{ path, bytes: new Uint8Array(1) }], INFO)).rejects.toThrow(TypeError);
  });

  it('packWorkspace refuses duplicate paths and the manifest name', async () => {
    const e = { path: 'triage.json', bytes: new Uint8Array(1) };
    await expect(packWorkspace([e, e], INFO)).rejects.toThrow(/given twice/);
    await expect(packWorkspace([{ path: 'manifest.json', bytes: new Uint8Array(1) }], INFO)).rejects.toThrow(TypeError);
  });

  it.each(['../evil.json', '/abs.json', 'dir\\evil.json', 'nul\0.json'])('unpackWorkspace refuses an archive entry named %j', async (path) => {
    // A manifest that even lists the hostile entry, with the right hash: the name alone is refused.
    const bytes = enc.encode('{}');
    const files = filesOf(await packWorkspace([{ path: 'ok.json', bytes }], INFO));
    const manifest = manifestOf(files);
    manifest.entries.push({ path, bytes: bytes.length, sha256: sha256(bytes) });
    files['manifest.json'] = enc.encode(JSON.stringify(manifest));
    files[path] = bytes;
    const error = await refusal(unpackWorkspace(zipOf(files)));
    expect(error).toMatchObject({ code: 'unexpected-entry', entry: path });
  });

  it('unpackWorkspace refuses an archive holding the same name twice', async () => {
    // Two entries with same-length names, then the second renamed to the first in both zip headers.
    const files = filesOf(plain);
    files['tables/eventz.arrow.gz'] = files['tables/events.arrow.gz']!;
    const twice = replaced(zipOf(files), 'tables/eventz.arrow.gz', 'tables/events.arrow.gz');
    const error = await refusal(unpackWorkspace(twice));
    expect(error).toMatchObject({ code: 'unexpected-entry', entry: 'tables/events.arrow.gz' });
    expect(error.message).toContain('more than once');
  });

  it('a manifest listing a hostile path → corrupt', async () => {
    const files = filesOf(plain);
    const manifest = manifestOf(files);
    manifest.entries.push({ path: '../../etc/cron.d/x', bytes: 0, sha256: sha256(new Uint8Array(0)) });
    files['manifest.json'] = enc.encode(JSON.stringify(manifest));
    const error = await refusal(unpackWorkspace(zipOf(files)));
    expect(error).toMatchObject({ code: 'corrupt', entry: '../../etc/cron.d/x' });
  });
});

// ---------------------------------------------------------------------------------------------------------------

const PASSPHRASE = 'correct horse battery staple café'; // NFC "é"
const PASSPHRASE_NFD = PASSPHRASE.normalize('NFD');
const MAGIC = 'DLWSENC1';

function splitEncrypted(bytes: Uint8Array) {
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, false);
  const headerText = dec.decode(bytes.subarray(12, 12 + headerLength));
  return { magic, headerText, header: JSON.parse(headerText) as Record<string, unknown>, body: bytes.subarray(12 + headerLength) };
}

function joinEncrypted(magic: string, headerText: string, body: Uint8Array): Uint8Array {
  const header = enc.encode(headerText);
  const out = new Uint8Array(12 + header.length + body.length);
  out.set(enc.encode(magic), 0);
  new DataView(out.buffer).setUint32(8, header.length, false);
  out.set(header, 12);
  out.set(body, 12 + header.length);
  return out;
}

describe('encryption', () => {
  let encrypted: Uint8Array;
  let packMs = 0;
  beforeAll(async () => {
    const started = performance.now();
    encrypted = await packWorkspace(ENTRIES, INFO, { passphrase: PASSPHRASE });
    packMs = performance.now() - started;
  });

  it('writes DLWSENC1, a JSON header with AES-GCM-256, PBKDF2-SHA-256 ≥ 600,000 iterations, 16-byte salt, 12-byte IV', () => {
    expect(isEncryptedArchive(encrypted)).toBe(true);
    const { magic, header, body } = splitEncrypted(encrypted);
    expect(magic).toBe(MAGIC);
    expect(header).toMatchObject({ alg: 'AES-GCM-256', kdf: 'PBKDF2-SHA-256' });
    expect(header.iterations).toBeGreaterThanOrEqual(600_000);
    expect(MIN_PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(600_000);
    expect(Buffer.from(header.salt as string, 'base64')).toHaveLength(16);
    expect(Buffer.from(header.iv as string, 'base64')).toHaveLength(12);
    // Ciphertext plus 16-byte tag, the same size as the zip; nothing of the zip or its names in clear.
    expect(body.length).toBe(plain.length + 16);
    expect(Buffer.from(encrypted).includes('manifest.json')).toBe(false);
    expect(Buffer.from(encrypted).includes('PK\u0003\u0004')).toBe(false);
    console.info(`packWorkspace with a passphrase (one PBKDF2 derivation): ${packMs.toFixed(0)} ms`);
  });

  it('round-trips with the passphrase, NFC-normalised (an NFD spelling opens it too)', async () => {
    expect(PASSPHRASE_NFD).not.toBe(PASSPHRASE);
    const { manifest, entries } = await unpackWorkspace(encrypted, { passphrase: PASSPHRASE_NFD });
    expect(manifest.workspace.name).toBe(INFO.workspace.name);
    for (const e of ENTRIES) expect(entries.get(e.path)).toEqual(e.bytes);
  });

  it('a wrong passphrase → wrong-passphrase, never output', async () => {
    const error = await refusal(unpackWorkspace(encrypted, { passphrase: 'correct horse battery stapler' }));
    expect(error.code).toBe('wrong-passphrase');
    expect(error.message).toBe('The passphrase is wrong, or the file was damaged.');
  });

  it('no passphrase, or an empty one → needs-passphrase', async () => {
    expect((await refusal(unpackWorkspace(encrypted))).code).toBe('needs-passphrase');
    expect((await refusal(unpackWorkspace(encrypted, { passphrase: '' }))).code).toBe('needs-passphrase');
    expect((await refusal(decryptBytes(encrypted, ''))).code).toBe('needs-passphrase');
  });

  it('refuses to encrypt with an empty passphrase', async () => {
    expect((await refusal(packWorkspace(ENTRIES, INFO, { passphrase: '' }))).code).toBe('needs-passphrase');
    expect((await refusal(encryptBytes(new Uint8Array(1), ''))).code).toBe('needs-passphrase');
  });

  it('a header with fewer iterations is refused before any key is derived', async () => {
    const { magic, header, body } = splitEncrypted(encrypted);
    const lowered = joinEncrypted(magic, JSON.stringify({ ...header, iterations: 1000 }), body);
    const started = performance.now();
    const error = await refusal(unpackWorkspace(lowered, { passphrase: PASSPHRASE }));
    expect(error.code).toBe('tampered');
    expect(error.message).toContain('600,000');
    expect(performance.now() - started).toBeLessThan(200);
    // Without a passphrase the header is still checked first, so nobody is asked for one in vain.
    expect((await refusal(unpackWorkspace(lowered))).code).toBe('tampered');
  });

  it('any other change to the header fails authentication (the header is AES-GCM additional data)', async () => {
    const { magic, header, body } = splitEncrypted(encrypted);
    // Same values, different bytes: only the additional data differs.
    const reformatted = joinEncrypted(magic, JSON.stringify(header, null, 1), body);
    expect((await refusal(unpackWorkspace(reformatted, { passphrase: PASSPHRASE }))).code).toBe('wrong-passphrase');
  });

  it('a flipped ciphertext byte → wrong-passphrase (authentication fails), never garbage', async () => {
    const error = await refusal(unpackWorkspace(flipped(encrypted, encrypted.length - 100), { passphrase: PASSPHRASE }));
    expect(error.code).toBe('wrong-passphrase');
  });

  it('a newer container version, absurd iterations, or a cut-off file are refused without deriving', async () => {
    const { headerText, header, body } = splitEncrypted(encrypted);
    const newer = joinEncrypted('DLWSENC2', headerText, body);
    expect(isEncryptedArchive(newer)).toBe(true);
    expect((await refusal(unpackWorkspace(newer, { passphrase: PASSPHRASE }))).code).toBe('unsupported-version');
    expect((await refusal(unpackWorkspace(newer))).code).toBe('unsupported-version');
    const slow = joinEncrypted(MAGIC, JSON.stringify({ ...header, iterations: 1e12 }), body);
    expect((await refusal(unpackWorkspace(slow, { passphrase: PASSPHRASE }))).code).toBe('unsupported-version');
    const weird = joinEncrypted(MAGIC, JSON.stringify({ ...header, alg: 'AES-CBC' }), body);
    expect((await refusal(unpackWorkspace(weird, { passphrase: PASSPHRASE }))).code).toBe('corrupt');
    const shortIv = joinEncrypted(MAGIC, JSON.stringify({ ...header, iv: 'AAAA' }), body);
    expect((await refusal(unpackWorkspace(shortIv, { passphrase: PASSPHRASE }))).code).toBe('corrupt');
    expect((await refusal(unpackWorkspace(encrypted.subarray(0, 30), { passphrase: PASSPHRASE }))).code).toBe('corrupt');
  });

  it('encryptBytes / decryptBytes round-trip arbitrary bytes with a fresh salt and IV each time', async () => {
    const data = pseudoRandom(10_000, 99);
    const a = await encryptBytes(data, 'pw');
    const b = await encryptBytes(data, 'pw');
    expect(splitEncrypted(a).header.salt).not.toBe(splitEncrypted(b).header.salt);
    expect(splitEncrypted(a).header.iv).not.toBe(splitEncrypted(b).header.iv);
    expect(await decryptBytes(b, 'pw')).toEqual(data);
  });
});
