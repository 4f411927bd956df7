// The sniffer recognises containers, encodings and text shapes from content alone, including hostile files.
import { randomBytes } from 'node:crypto';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { sniffBytes, sniffSource } from '../../../src/ingest/container/sniff';
import { readText, gzip, latin1, te, utf16 } from './helpers';

const CSV = 'name,owner,last_rotated\r\n"deploy-bot","Ops, Team","2024-01-01"\r\nci-bot,"says ""hi""\nsecond line",2024-02-01\r\n';

describe('sniffBytes: containers', () => {
  it('recognises gzip, zip (also empty) and an empty file', () => {
    expect(sniffBytes(gzip('{"a":1}')).container).toBe('gzip');
    expect(sniffBytes(zipSync({ 'a.json': te.encode('[]') })).container).toBe('zip');
    const empty = zipSync({});
    expect(Array.from(empty.subarray(0, 4))).toEqual([0x50, 0x4b, 0x05, 0x06]);
    expect(sniffBytes(empty).description).toBe('zip archive');
    expect(sniffBytes(new Uint8Array(0), { complete: true })).toMatchObject({ container: 'empty', description: 'empty file' });
  });

  it('recognises Parquet and checks the footer when it has the tail', () => {
    const head = te.encode('PAR1\x15\x04rest-of-file');
    expect(sniffBytes(head)).toMatchObject({ container: 'parquet', parquetFooter: null, description: 'Parquet' });
    expect(sniffBytes(head, { tail: te.encode('...PAR1') }).parquetFooter).toBe(true);
    const cut = sniffBytes(head, { tail: te.encode('...xxxx') });
    expect(cut.parquetFooter).toBe(false);
    expect(cut.description).toMatch(/footer is missing/);
  });

  it('calls random bytes and a PNG binary, whatever the name', async () => {
    expect(sniffBytes(new Uint8Array(randomBytes(65536))).container).toBe('binary');
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, ...randomBytes(2000)]);
    const { sniff } = await sniffSource(new File([png], 'identities.json'));
    expect(sniff.container).toBe('binary');
    expect(sniff.description).toMatch(/^binary data/);
    // Control characters without NULs are binary too.
    const controls = Uint8Array.from({ length: 4000 }, (_, i) => (i % 7 === 0 ? 0x01 : 0x41));
    expect(sniffBytes(controls)).toMatchObject({ container: 'binary', reason: expect.stringMatching(/control characters/) });
  });
});

describe('sniffBytes: encodings', () => {
  it('UTF-8 with and without BOM', () => {
    const bom = sniffBytes(new Uint8Array([0xef, 0xbb, 0xbf, ...te.encode(CSV)]), { complete: true });
    expect(bom.text).toMatchObject({ encoding: 'utf-8', bomLength: 3, encodingGuessed: false, shape: 'csv', delimiter: ',' });
    expect(bom.description).toBe('CSV (delimiter ,), UTF-8 with BOM');
    expect(sniffBytes(te.encode(CSV), { complete: true }).description).toBe('CSV (delimiter ,), UTF-8');
  });

  it.each([
    ['le', true, 'UTF-16LE with BOM'],
    ['le', false, 'UTF-16LE without BOM (guessed)'],
    ['be', true, 'UTF-16BE with BOM'],
    ['be', false, 'UTF-16BE without BOM (guessed)'],
  ] as const)('UTF-16%s (BOM %s)', (endian, bom, label) => {
    const sniff = sniffBytes(utf16('user\tarn\r\nbot\tarn:aws:iam::1:user/bot\r\n', endian, bom), { complete: true });
    expect(sniff.container).toBe('text');
    expect(sniff.text).toMatchObject({ encoding: `utf-16${endian}`, bomLength: bom ? 2 : 0, encodingGuessed: !bom, shape: 'csv', delimiter: '\t' });
    expect(sniff.description).toBe(`TSV (tab-separated), ${label}`);
  });

  it('falls back to Latin-1 for invalid UTF-8 and says it guessed', () => {
    const sniff = sniffBytes(latin1('name;city\nJosé;Besançon\ncafé;Orléans\n'), { complete: true });
    expect(sniff.text).toMatchObject({ encoding: 'latin1', encodingGuessed: true, shape: 'csv', delimiter: ';' });
    expect(sniff.description).toBe('CSV (delimiter ;), Latin-1/Windows-1252 (not valid UTF-8, so guessed)');
  });

  it('a multi-byte character cut at the end of the head is still UTF-8', () => {
    const bytes = te.encode('[{"name":"café"}]');
    const cut = bytes.subarray(0, bytes.indexOf(0xc3) + 1);
    expect(sniffBytes(cut).text?.encoding).toBe('utf-8');
  });
});

describe('sniffBytes: text shapes', () => {
  it.each([
    ['[{"a":1},\n{"a":2}]', 'json-array'],
    ['  \n[', 'json-array'],
    ['{\n  "Records": [\n    {"eventName": "GetObject"}\n  ]\n}', 'json-object'],
    ['{"Records":[{"eventName":"GetObject"}]}', 'json-object'],
    ['{"a":1}\n{"a":2}\n', 'ndjson'],
    ['{"a":1}\n\n\n{"a":2}', 'ndjson'],
    ['{"a":1}\n[1]', 'json-object'],
    ['just some words\nand more words\n', 'unknown'],
  ])('%j → %s', (text, shape) => {
    expect(sniffBytes(te.encode(text), { complete: true }).text?.shape).toBe(shape);
  });

  it.each([
    ['a;b;c\n1;2,5;3\n4;5;6\n', ';'],
    ['a\tb\n1\t2\n', '\t'],
    ['a|b|c\n1|2|3\n', '|'],
    ['a,b\n"x;y;z",1\n"p\nq;r",2\n', ','],
    ['id;comment\n1;"a,b,c,d"\n2;"e,f\ng,h"\n', ';'],
  ])('CSV delimiter of %j is %j', (text, delimiter) => {
    expect(sniffBytes(te.encode(text), { complete: true }).text).toMatchObject({ shape: 'csv', delimiter });
  });

  it('ignores the incomplete last line of a head that is not the whole file', () => {
    const head = te.encode('a,b,c\n1,2,3\n4,5,6\n7,8');
    expect(sniffBytes(head).text).toMatchObject({ shape: 'csv', delimiter: ',' });
  });

  it('a truncated JSON array is still a JSON array (the splitter reports the truncation)', () => {
    expect(sniffBytes(te.encode('[{"a":1},{"b":'), { complete: true }).text?.shape).toBe('json-array');
  });
});

describe('sniffSource', () => {
  it('looks inside gzip and returns the decompressed content from its first byte', async () => {
    const ndjson = '{"eventType":"user.session.start"}\n{"eventType":"app.oauth2.token.grant"}\n';
    const { sniff, stream } = await sniffSource(new Blob([gzip(ndjson)]));
    expect(sniff.description).toBe('gzip → NDJSON, UTF-8');
    expect(sniff.inner?.text?.shape).toBe('ndjson');
    expect(await readText(stream)).toBe(ndjson);
  });

  it('returns raw bytes for text and reads the Parquet tail from the Blob', async () => {
    const text = '[1,2,3]';
    const plain = await sniffSource(new Blob([text]));
    expect(plain.sniff.description).toBe('JSON array, UTF-8');
    expect(await readText(plain.stream)).toBe(text);

    const big = new Uint8Array(100_000);
    big.set(te.encode('PAR1'), 0);
    expect((await sniffSource(new Blob([big]))).sniff.parquetFooter).toBe(false);
    big.set(te.encode('PAR1'), big.length - 4);
    expect((await sniffSource(new Blob([big]))).sniff.parquetFooter).toBe(true);
  });

  it('an empty file', async () => {
    const { sniff, stream } = await sniffSource(new Blob([]));
    expect(sniff.container).toBe('empty');
    expect((await readText(stream)).length).toBe(0);
  });
});
