// unzipEntries yields file members as streams (junk and directories skipped, hostile names kept as names), guards each
// member and the whole archive against bombs, and still reads a cut-off archive that lost its central directory.
import { randomBytes } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';
import { describe, expect, it } from 'vitest';
import { IngestError } from '../../../src/ingest/container/errors';
import { MiB, openBlob } from '../../../src/ingest/container/streams';
import { decodeName, isZipJunk, unzipEntries, type UnzipOptions, type ZipMember } from '../../../src/ingest/container/zip';
import { gzip, readText, te } from './helpers';

const CT1 = JSON.stringify({ Records: [{ eventName: 'GetObject' }] });
const CT2 = JSON.stringify({ Records: [{ eventName: 'AssumeRole' }] });
const CSV = 'name,owner\r\ndeploy-bot,ops\r\n';

function archive(): Uint8Array<ArrayBuffer> {
  const files: Zippable = {
    'AWSLogs/123456789012/CloudTrail/eu-west-1/2024/03/01/a.json': te.encode(CT1),
    'AWSLogs/123456789012/CloudTrail/eu-west-1/2024/03/01/b.json.gz': [gzip(CT2), { level: 0 }],
    'inventory/nhi.csv': [te.encode(CSV), { level: 0 }],
    'inventory/._nhi.csv': te.encode('AppleDouble junk'),
    'inventory/.DS_Store': new Uint8Array(randomBytes(100)),
    '__MACOSX/inventory/._nhi.csv': te.encode('more junk'),
    'empty-dir': {},
    '../../etc/passwd': te.encode('root:x:0:0'),
    '/abs/path.json': te.encode('[]'),
  };
  return zipSync(files) as Uint8Array<ArrayBuffer>;
}

async function members(blob: Blob, options: UnzipOptions = {}): Promise<ZipMember[]> {
  const out: ZipMember[] = [];
  for await (const member of unzipEntries(blob, options)) out.push(member);
  return out;
}

async function contents(blob: Blob, options: UnzipOptions = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const member of unzipEntries(blob, options)) out[member.path] = await readText(openBlob(member.stream));
  return out;
}

/** Offset of the n-th occurrence of a 4-byte little-endian signature. */
function findSignature(bytes: Uint8Array, signature: number, nth = 0): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0, seen = 0; i + 4 <= bytes.length; i++) if (view.getUint32(i, true) === signature && seen++ === nth) return i;
  throw new Error('signature not found');
}

describe('unzipEntries', () => {
  it.each(['auto', 'native', 'fflate'] as const)('yields the file members, junk skipped, gzip members decompressed by openBlob (%s inflate)', async (decoder) => {
    expect(await contents(new Blob([archive()]), { decoder })).toEqual({
      'AWSLogs/123456789012/CloudTrail/eu-west-1/2024/03/01/a.json': CT1,
      'AWSLogs/123456789012/CloudTrail/eu-west-1/2024/03/01/b.json.gz': CT2,
      'inventory/nhi.csv': CSV,
      '../../etc/passwd': 'root:x:0:0',
      '/abs/path.json': '[]',
    });
  });

  it('reports declared sizes, and members can be read in any order or not at all', async () => {
    const list = await members(new Blob([archive()]));
    expect(list.map((m) => [m.path, m.size])).toContainEqual(['inventory/nhi.csv', CSV.length]);
    const csv = list.find((m) => m.path === 'inventory/nhi.csv');
    const first = list[0];
    expect(csv && (await readText(csv.stream))).toBe(CSV);
    expect(first && (await readText(first.stream))).toBe(CT1);
  });

  it('can include the junk when asked', async () => {
    const paths = (await members(new Blob([archive()]), { includeJunk: true })).map((m) => m.path);
    expect(paths).toEqual(expect.arrayContaining(['inventory/._nhi.csv', 'inventory/.DS_Store', '__MACOSX/inventory/._nhi.csv']));
    expect(paths).not.toContain('empty-dir/');
  });

  it('an empty archive has no members; bytes before the archive do not matter', async () => {
    expect(await members(new Blob([zipSync({}) as Uint8Array<ArrayBuffer>]))).toEqual([]);
    const prefixed = new Blob([new Uint8Array(randomBytes(1000)), archive()]);
    expect(Object.keys(await contents(prefixed))).toHaveLength(5);
  });

  it('something that is not a zip at all', async () => {
    await expect(members(new Blob(['{"Records":[]}']), { name: 'logs.zip' })).rejects.toMatchObject({
      code: 'corrupt',
      message: 'logs.zip is not a readable zip archive: it has no central directory and does not start with a member.',
    });
  });

  it('junk rules and CP437 names', () => {
    expect(['__MACOSX/a/b', 'x/._y', '.DS_Store', 'a\\Thumbs.db'].every(isZipJunk)).toBe(true);
    expect(['a/b.json', '_MACOSX/b', 'x/.y'].some(isZipJunk)).toBe(false);
    expect(decodeName(new Uint8Array([0x63, 0x61, 0x66, 0x82]), false)).toBe('café');
    expect(decodeName(te.encode('café'), false)).toBe('café');
  });
});

describe('unzipEntries: bombs and limits', () => {
  const zeros = zipSync({ 'zeros.json': new Uint8Array(8 * MiB), 'ok.json': te.encode('[]') }, { level: 9 }) as Uint8Array<ArrayBuffer>;

  async function errorOf(member: ZipMember | undefined): Promise<IngestError> {
    if (!member) throw new Error('no member');
    return (await readText(member.stream).then(
      () => null,
      (e: unknown) => e,
    )) as IngestError;
  }

  it('a member that expands past the per-member size limit', async () => {
    const [bomb, ok] = await members(new Blob([zeros]), { maxBytes: MiB, name: 'logs.zip' });
    const error = await errorOf(bomb);
    expect(error).toBeInstanceOf(IngestError);
    expect(error.code).toBe('bomb');
    expect(error.message).toMatch(/^Stopped reading "zeros\.json" in logs\.zip: it expands to more than 1 MiB/);
    expect(ok && (await readText(ok.stream))).toBe('[]');
  });

  it('a member whose ratio is a bomb', async () => {
    const [bomb] = await members(new Blob([zeros]), { ratioAfterBytes: MiB, maxRatio: 50 });
    expect((await errorOf(bomb)).message).toMatch(/more than 50 times its size\. That looks like a decompression bomb/);
  });

  it('all members together past the total limit', async () => {
    const part = () => new Uint8Array(randomBytes(MiB));
    const blob = new Blob([zipSync({ a: part(), b: part(), c: part() }) as Uint8Array<ArrayBuffer>]);
    const [a, b, c] = await members(blob, { maxTotalBytes: 2.5 * MiB });
    expect((await readText(a!.stream)).length).toBeGreaterThan(0);
    expect((await readText(b!.stream)).length).toBeGreaterThan(0);
    expect((await errorOf(c)).message).toMatch(/^Stopped reading the zip archive: it expands to more than 2\.5 MiB/);
  });

  it('too many members: stops before reading anything', async () => {
    const files: Zippable = {};
    for (let i = 0; i < 20; i++) files[`f${i}.json`] = te.encode('[]');
    const blob = new Blob([zipSync(files) as Uint8Array<ArrayBuffer>]);
    await expect(members(blob, { maxMembers: 10 })).rejects.toMatchObject({
      code: 'too-many-members',
      message: 'the zip archive has more than 10 entries; stopped before reading it.',
    });
  });

  it('members that share compressed data (non-recursive zip bomb)', async () => {
    const zip = zipSync({ 'a.json': new Uint8Array(MiB) }) as Uint8Array<ArrayBuffer>;
    const cdAt = findSignature(zip, 0x02014b50);
    const eocdAt = findSignature(zip, 0x06054b50);
    const cd = zip.slice(cdAt, eocdAt);
    const eocd = zip.slice(eocdAt);
    const view = new DataView(eocd.buffer);
    view.setUint16(8, 2, true);
    view.setUint16(10, 2, true);
    view.setUint32(12, cd.length * 2, true);
    const forged = new Blob([zip.slice(0, cdAt), cd, cd, eocd]);
    await expect(members(forged)).rejects.toMatchObject({ code: 'bomb', message: expect.stringMatching(/share compressed data/) });
  });

  it('encrypted members and unknown compression methods say what they are', async () => {
    const zip = zipSync({ 'a.json': te.encode('[1,2,3]'), 'b.json': te.encode('[4]') }) as Uint8Array<ArrayBuffer>;
    const view = new DataView(zip.buffer);
    view.setUint16(findSignature(zip, 0x02014b50, 0) + 8, 1, true); // a.json: encrypted flag
    view.setUint16(findSignature(zip, 0x02014b50, 1) + 10, 12, true); // b.json: bzip2
    const [a, b] = await members(new Blob([zip]));
    expect(await errorOf(a)).toMatchObject({ code: 'unsupported', message: expect.stringMatching(/"a\.json" in the zip archive is encrypted/) });
    expect(await errorOf(b)).toMatchObject({ code: 'unsupported', message: expect.stringMatching(/compressed with bzip2/) });
  });
});

describe('unzipEntries: archive without a central directory (cut-off download)', () => {
  const zip = zipSync({
    'one.json': te.encode(CT1),
    '__MACOSX/._one.json': te.encode('junk'),
    'two.csv': [te.encode(CSV), { level: 0 }],
    'three.json': new Uint8Array(randomBytes(50_000)),
  }) as Uint8Array<ArrayBuffer>;
  const third = findSignature(zip, 0x04034b50, 3);
  const cut = new Blob([zip.slice(0, third + 1000)]);

  it('reads the complete members front to back; the cut member errors as truncated', async () => {
    const seen: [string, string][] = [];
    let failure: unknown = null;
    for await (const member of unzipEntries(cut, { name: 'download.zip' })) {
      try {
        seen.push([member.path, (await readText(member.stream)).slice(0, 20)]);
      } catch (error) {
        failure = error;
      }
    }
    expect(seen).toEqual([
      ['one.json', CT1.slice(0, 20)],
      ['two.csv', CSV.slice(0, 20)],
    ]);
    expect(failure).toMatchObject({ code: 'truncated', message: expect.stringMatching(/^download\.zip is truncated or corrupt: "three\.json" is incomplete/) });
  });

  it('a member not read before the next one is asked for errors instead of returning wrong data', async () => {
    const list = await members(new Blob([zip.slice(0, third)]));
    expect(list.map((m) => m.path)).toEqual(['one.json', 'two.csv']);
    await expect(readText(list[0]!.stream)).rejects.toMatchObject({ message: expect.stringMatching(/was not read before the next member/) });
  });
});

describe('unzipEntries: cancellation', () => {
  it('an abort stops reading a member, even with a reader waiting on it', async () => {
    const controller = new AbortController();
    const zip = zipSync({ 'big.json': new Uint8Array(32 * MiB) }) as Uint8Array<ArrayBuffer>;
    const [member] = await members(new Blob([zip]), { signal: controller.signal, maxRatio: 1e9 });
    const reader = member!.stream.getReader();
    let chunks = 0;
    const reading = (async () => {
      for (;;) {
        const { done } = await reader.read();
        if (done) return null;
        chunks++;
        await new Promise((resolve) => setTimeout(resolve, 5)); // a slow consumer: the member outlives the abort
      }
    })().catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const started = performance.now();
    controller.abort();
    expect(await reading).toMatchObject({ name: 'AbortError' });
    expect(performance.now() - started).toBeLessThan(100);
    expect(chunks).toBeGreaterThan(0);
  });
});
