// The CSV helpers parse headers and samples the way spreadsheets write them, and re-encode anything that is not
// BOM-less UTF-8 before DuckDB's reader sees it.
import { describe, expect, it } from 'vitest';
import { CsvParser, csvHeadAndSample, needsTranscoding, transcodeToUtf8 } from '../../../src/ingest/container/csv-text';
import { IngestError } from '../../../src/ingest/container/errors';
import { sniffBytes } from '../../../src/ingest/container/sniff';
import { decodeText } from '../../../src/ingest/container/streams';
import { chunkString, chunkedBytes, gzip, latin1, readBytes, te, textStream, utf16 } from './helpers';

const CSV =
  'name;owner;permissions;notes\r\n' +
  'deploy-bot;"Ops; Platform";"s3:GetObject\r\ns3:PutObject";"said ""hi"""\r\n' +
  '\r\n' +
  'ci-bot;dev@example.com;;"line one\nline two"\n' +
  'last;x;"";end';
const PARSED = [
  ['name', 'owner', 'permissions', 'notes'],
  ['deploy-bot', 'Ops; Platform', 's3:GetObject\r\ns3:PutObject', 'said "hi"'],
  [''],
  ['ci-bot', 'dev@example.com', '', 'line one\nline two'],
  ['last', 'x', '', 'end'],
];

function parseAll(chunks: readonly string[], delimiter = ';'): string[][] {
  const parser = new CsvParser(delimiter);
  const rows = chunks.flatMap((c) => parser.push(c));
  return [...rows, ...parser.end()];
}

describe('CsvParser', () => {
  it('quotes, doubled quotes, CRLF, quoted newlines and empty fields, in chunks of every size', () => {
    for (let size = 1; size <= CSV.length; size++) expect(parseAll(chunkString(CSV, size)), `chunk size ${size}`).toEqual(PARSED);
  });

  it('cut in two at every position', () => {
    for (let at = 0; at <= CSV.length; at++) expect(parseAll([CSV.slice(0, at), CSV.slice(at)]), `cut at ${at}`).toEqual(PARSED);
  });

  it('tabs, CR-only line ends, and lenient quotes', () => {
    expect(parseAll(['a\tb\rc\t"d"\r\n'], '\t')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(parseAll(['x,ab"c,"q"tail\n'], ',')).toEqual([['x', 'ab"c', 'qtail']]);
  });

  it('an unbalanced quote is stopped by the row size limit', () => {
    const parser = new CsvParser(',', 1000);
    expect(() => parser.push(`a,"never closed${'x'.repeat(2000)}`)).toThrow(IngestError);
    expect(() => new CsvParser(',', 10).push('"aaaaaaaaaaaaaaaa')).toThrow(/CSV row 1 is longer than 10 bytes: a quote is probably left open/);
  });
});

describe('csvHeadAndSample', () => {
  it('header and the first n rows, blank lines skipped', async () => {
    const sample = await csvHeadAndSample(textStream(chunkString(CSV, 5)), ';', 2);
    expect(sample).toEqual({ header: PARSED[0], rows: [PARSED[1], PARSED[3]], complete: false });
    expect(await csvHeadAndSample(textStream([CSV]), ';', 100)).toEqual({ header: PARSED[0], rows: [PARSED[1], PARSED[3], PARSED[4]], complete: true });
  });

  it('stops reading once it has the rows, and cancels the stream', async () => {
    let pulls = 0;
    let cancelled = false;
    const endless = new ReadableStream<string>({
      pull(controller) {
        pulls++;
        controller.enqueue(pulls === 1 ? 'a,b\n' : `${pulls},x\n`);
      },
      cancel() {
        cancelled = true;
      },
    });
    const sample = await csvHeadAndSample(endless, ',', 3);
    expect(sample.rows).toEqual([
      ['2', 'x'],
      ['3', 'x'],
      ['4', 'x'],
    ]);
    expect(cancelled).toBe(true);
    expect(pulls).toBeLessThan(10);
  });

  it('works on decoded UTF-16 with a BOM', async () => {
    const text = 'user\tarn\r\nbot\tarn:aws:iam::1:user/bot\r\n';
    const sample = await csvHeadAndSample(decodeText(chunkedBytes(utf16(text, 'le', true), 3), 'utf-16le'), '\t', 5);
    expect(sample).toEqual({ header: ['user', 'arn'], rows: [['bot', 'arn:aws:iam::1:user/bot']], complete: true });
  });
});

describe('transcoding for DuckDB', () => {
  const text = 'name,city\r\nJosé,Orléans 😀\r\n';

  it('needsTranscoding: anything but BOM-less UTF-8', () => {
    const sniffOf = (bytes: Uint8Array) => sniffBytes(bytes, { complete: true });
    expect(needsTranscoding(sniffOf(te.encode(text)))).toBe(false);
    expect(needsTranscoding(sniffOf(new Uint8Array([0xef, 0xbb, 0xbf, ...te.encode(text)])))).toBe(true);
    expect(needsTranscoding(sniffOf(utf16(text, 'le', false)))).toBe(true);
    expect(needsTranscoding(sniffOf(utf16(text, 'be', true)))).toBe(true);
    expect(needsTranscoding(sniffOf(latin1('name,city\r\nJosé,Orléans\r\n')))).toBe(true);
    const gzipped = { ...sniffOf(gzip(text)), inner: sniffOf(utf16(text, 'le', true)) };
    expect(needsTranscoding(gzipped)).toBe(true);
    expect(needsTranscoding(sniffOf(new Uint8Array([0, 1, 2, 3])))).toBe(false);
  });

  it.each([
    ['UTF-16LE with BOM', utf16(text, 'le', true), 'utf-16le'],
    ['UTF-16BE without BOM', utf16(text, 'be', false), 'utf-16be'],
    ['UTF-8 with BOM', new Uint8Array([0xef, 0xbb, 0xbf, ...te.encode(text)]), 'utf-8'],
  ] as const)('%s becomes BOM-less UTF-8, whatever the chunking', async (_label, bytes, encoding) => {
    for (const size of [1, 2, 3, 5, 4096]) {
      expect(new TextDecoder().decode(await readBytes(transcodeToUtf8(chunkedBytes(bytes, size), encoding)))).toBe(text);
      expect((await readBytes(transcodeToUtf8(chunkedBytes(bytes, size), encoding)))[0]).toBe(0x6e);
    }
  });

  it('Latin-1: café as 0xE9 becomes C3 A9', async () => {
    const out = await readBytes(transcodeToUtf8(chunkedBytes(latin1('café'), 1), 'latin1'));
    expect(Array.from(out)).toEqual([0x63, 0x61, 0x66, 0xc3, 0xa9]);
  });
});
