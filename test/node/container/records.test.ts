// The record splitter finds record boundaries in JSON arrays, records-bearing objects and NDJSON, whatever the chunking,
// reports truncation, oversized records and garbage with offsets, and resynchronises after them.
import { describe, expect, it } from 'vitest';
import { IngestError } from '../../../src/ingest/container/errors';
import { RecordSplitter, splitRecords, type RecordShape, type SplitItem, type SplitOptions } from '../../../src/ingest/container/records';
import { decodeText, openBlob } from '../../../src/ingest/container/streams';
import { chunkString, cloudTrailRecord, endlessStream, te, textStream } from './helpers';

/** Runs the splitter over `chunks` synchronously; returns the items and the fatal error, if any. */
function split(shape: RecordShape, chunks: readonly string[], options: SplitOptions = {}): { items: SplitItem[]; fatal: IngestError | null; key: string | null } {
  const splitter = RecordSplitter.for(shape, options);
  const items: SplitItem[] = [];
  for (const chunk of chunks) items.push(...splitter.push(chunk));
  const end = splitter.finish();
  items.push(...end.items);
  return { items, fatal: end.fatal, key: splitter.key };
}

async function collect(stream: ReadableStream<string>, shape: RecordShape, options: SplitOptions = {}): Promise<{ items: SplitItem[]; error: unknown }> {
  const items: SplitItem[] = [];
  try {
    for await (const item of splitRecords(stream, shape, options)) items.push(item);
    return { items, error: null };
  } catch (error) {
    return { items, error };
  }
}

const texts = (items: readonly SplitItem[]) => items.flatMap((i) => (i.kind === 'record' ? [i.text] : []));
const utf8Offset = (doc: string, index: number) => te.encode(doc.slice(0, index)).length;

// Elements chosen to break naive splitters: brackets and quotes inside strings, escaped backslashes before quotes,
// unicode escapes, scalars, nested arrays, non-ASCII and astral characters.
const ELEMENTS = [
  String.raw`{"a":"]}","b":"\"","c":"\\","d":"\u005d\u007b","e":[1,{"f":"}"}],"g":"x\\\"y"}`,
  String.raw`"just a string with ] and \" inside"`,
  '42',
  '-1.5e3',
  'true',
  'null',
  '[ "nested", ["array", {"x": "]"}] ]',
  '{"é":"naïve ☕ 😀","k":"\\\\"}',
  '{}',
  '[]',
  '""',
  String.raw`"\\"`,
  String.raw`{"tail":"\\\\\\"}`,
];
const ARRAY_DOC = ' [\n' + ELEMENTS.join(' ,\n  ') + '\n] ';

function expectedItems(doc: string): SplitItem[] {
  let from = 0;
  return ELEMENTS.map((text, i) => {
    const index = doc.indexOf(text, from);
    from = index + text.length;
    return { kind: 'record', row: i + 1, offset: utf8Offset(doc, index), text };
  });
}

describe('JSON array', () => {
  it('every element is valid JSON (the fixture itself is sound)', () => {
    expect((JSON.parse(ARRAY_DOC) as unknown[]).length).toBe(ELEMENTS.length);
  });

  it('yields each element with its row and byte offset', () => {
    const { items, fatal, key } = split('json-array', [ARRAY_DOC]);
    expect(fatal).toBeNull();
    expect(key).toBeNull();
    expect(items).toEqual(expectedItems(ARRAY_DOC));
  });

  it('gives identical output for chunks of every size from 1 to the whole document', () => {
    const expected = expectedItems(ARRAY_DOC);
    for (let size = 1; size <= ARRAY_DOC.length; size++) {
      expect(split('json-array', chunkString(ARRAY_DOC, size)).items, `chunk size ${size}`).toEqual(expected);
    }
  });

  it('gives identical output when the document is cut in two at every position', () => {
    const expected = expectedItems(ARRAY_DOC);
    for (let at = 0; at <= ARRAY_DOC.length; at++) {
      expect(split('json-array', [ARRAY_DOC.slice(0, at), ARRAY_DOC.slice(at)]).items, `cut at ${at}`).toEqual(expected);
    }
  });

  it('parses records on request', () => {
    const { items } = split('json-array', [ARRAY_DOC], { parse: true });
    expect(items.map((i) => (i.kind === 'record' ? i.value : i))).toEqual(JSON.parse(ARRAY_DOC));
  });

  it('counts offsets in UTF-16 bytes when told the source was UTF-16', () => {
    const { items } = split('json-array', ['[{"é":1}, {"b":2}]'], { encoding: 'utf-16le', offsetBase: 2 });
    expect(items.map((i) => i.offset)).toEqual([2 + 2, 2 + 20]);
  });
});

describe('JSON object holding the records', () => {
  const records = Array.from({ length: 5 }, (_, i) => JSON.stringify(cloudTrailRecord(i)));

  it('CloudTrail: the elements of "Records"', () => {
    const doc = `{"Records":[${records.join(',')}]}`;
    for (const size of [1, 7, 64, doc.length]) {
      const { items, fatal, key } = split('json-object', chunkString(doc, size));
      expect(fatal).toBeNull();
      expect(key).toBe('Records');
      expect(texts(items)).toEqual(records);
    }
  });

  it('Graph: "value" after other members, envelope members after it are skipped', () => {
    const doc = `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#servicePrincipals","value":[{"id":"1"},{"id":"2"}],"@odata.nextLink":"https://x/?$skiptoken=]"}`;
    const { items, fatal, key } = split('json-object', chunkString(doc, 5));
    expect(fatal).toBeNull();
    expect(key).toBe('value');
    expect(texts(items)).toEqual(['{"id":"1"}', '{"id":"2"}']);
  });

  it('a known key whose value is not an array is passed over for the next one', () => {
    const { items, key } = split('json-object', ['{"data":{"x":[1]},"items":[{"i":1}], "logs":[{"no":1}]}']);
    expect(key).toBe('items');
    expect(texts(items)).toEqual(['{"i":1}']);
  });

  it('an object without a records key is itself the record; so is one whose key is only nested or escaped', () => {
    for (const doc of ['{"kind":"Event","auditID":"x","verb":"get"}', '{"meta":{"Records":[1,2]},"x":1}', '{"Rec\\u006frds":[1]}']) {
      const { items, fatal, key } = split('json-object', chunkString(doc, 3));
      expect(fatal).toBeNull();
      expect(key).toBeNull();
      expect(items).toEqual([{ kind: 'record', row: 1, offset: 0, text: doc }]);
    }
  });

  it('concatenated documents (cat of CloudTrail files, or NDJSON read as JSON) keep numbering', () => {
    const doc = `{"Records":[{"a":1},{"a":2}]}\n{"Records":[{"a":3}]}\n{"other":true}`;
    const { items } = split('json-object', [doc]);
    expect(items.map((i) => [i.row, i.kind === 'record' ? i.text : i.message])).toEqual([
      [1, '{"a":1}'],
      [2, '{"a":2}'],
      [3, '{"a":3}'],
      [4, '{"other":true}'],
    ]);
  });
});

describe('truncation', () => {
  it('a truncated array: all complete records first, then a clear error', async () => {
    const doc = '[{"a":1},{"b":2},{"c":';
    const { items, error } = await collect(textStream(chunkString(doc, 4)), 'json-array');
    expect(texts(items)).toEqual(['{"a":1}', '{"b":2}']);
    expect(error).toBeInstanceOf(IngestError);
    expect((error as IngestError).code).toBe('truncated');
    expect((error as IngestError).message).toBe(
      'The text is truncated after record 2 (byte offset 22): the text ends inside record 3, which starts at byte offset 17.',
    );
  });

  it('a truncated {"Records":[ object', async () => {
    const { items, error } = await collect(textStream(['{"Records":[']), 'json-object');
    expect(items).toEqual([]);
    expect((error as IngestError).message).toBe(
      'The text is truncated before the first record (byte offset 12): the text ends inside the records array "Records" (the object starts at byte offset 0).',
    );
  });

  it('other ways to stop short', () => {
    expect(split('json-object', ['{"Records":[{"a":1}]']).fatal?.message).toMatch(/after record 1 .*the closing "}" of the object/);
    expect(split('json-array', ['[{"a":1},']).fatal?.message).toMatch(/after record 1 .*the closing "]" of the array is missing/);
    expect(split('json-array', ['[1,2']).fatal?.message).toMatch(/after record 2 .*closing "]"/);
    expect(split('json-object', ['{"a":{"b":1}']).fatal?.message).toMatch(/before the first record .*inside the JSON object/);
    expect(split('json-array', ['']).fatal).toBeNull();
  });
});

describe('oversized records', () => {
  const huge = `{"x":"${'a'.repeat(70_000_000)}"}`;

  it('a 70 MB record over an 8 MiB limit is reported and skipped; splitting resumes after it', async () => {
    const doc = `[{"before":1},${huge},{"after":[1,"]"]}]`;
    const { items, error } = await collect(textStream(chunkString(doc, 65_536)), 'json-array', { maxRecordChars: 8 * 1024 * 1024 });
    expect(error).toBeNull();
    expect(items.map((i) => (i.kind === 'record' ? [i.row, i.text] : [i.row, i.code, i.message]))).toEqual([
      [1, '{"before":1}'],
      [2, 'record-too-large', 'Record 2 (starting at byte offset 14) is larger than 8 MiB; it was skipped.'],
      [3, '{"after":[1,"]"]}'],
    ]);
  });

  it('also when the oversized record arrives in one chunk', () => {
    const { items } = split('json-object', [`{"Records":[${huge.slice(0, 2000)}"},{"ok":1}]}`], { maxRecordChars: 1000 });
    expect(items.map((i) => i.kind)).toEqual(['error', 'record']);
  });

  it('a top-level object over the limit', () => {
    const { items } = split('json-object', chunkString(`{"big":"${'b'.repeat(5000)}"}`, 100), { maxRecordChars: 1000 });
    expect(items).toEqual([expect.objectContaining({ kind: 'error', code: 'record-too-large', row: 1 })]);
  });

  it('a 20 MB NDJSON line with no newline over a 1 MiB limit: reported, and the next line is read', () => {
    const line = `{"x":"${'z'.repeat(20_000_000)}"}`;
    const { items, fatal } = split('ndjson', chunkString(`${line}\n{"ok":1}\n`, 65_536), { maxRecordChars: 1024 * 1024 });
    expect(fatal).toBeNull();
    expect(items).toEqual([
      { kind: 'error', code: 'record-too-large', row: 1, offset: 0, message: 'Line 1 (starting at byte offset 0) is larger than 1 MiB; it was skipped.' },
      { kind: 'record', row: 2, offset: line.length + 1, text: '{"ok":1}' },
    ]);
    // The same line at the end of the file, with no newline at all.
    const last = split('ndjson', ['{"a":1}\n', ...chunkString(line, 65_536)], { maxRecordChars: 1024 * 1024 });
    expect(last.items.map((i) => [i.kind, i.row])).toEqual([
      ['record', 1],
      ['error', 2],
    ]);
    expect(last.fatal).toBeNull();
  });
});

describe('garbage between records', () => {
  it('is reported with its offset, and the records around it still come out', () => {
    const { items, fatal } = split('json-array', ['[{"a":1} x {"b":2}, {"c":3}] trailing']);
    expect(fatal).toBeNull();
    expect(texts(items)).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    const problems = items.filter((i) => i.kind === 'error');
    expect(problems).toEqual([
      expect.objectContaining({ code: 'garbage', offset: 9, message: 'Unexpected "x" at byte offset 9 after record 1; skipping to the next record.' }),
      expect.objectContaining({ code: 'garbage', offset: 29, row: 3 }),
    ]);
  });

  it('before any JSON at all', () => {
    const { items } = split('json-array', ['\u0001\u0002 [1]']);
    expect(items.map((i) => i.kind)).toEqual(['error', 'record']);
    expect(items[0]).toMatchObject({ message: 'Unexpected character U+0001 at byte offset 0 before the first record; skipping to the next record.' });
  });
});

describe('NDJSON', () => {
  const doc = '{"a":1}\n\n{"a":2}\r\n   \n{bad json\n{"a":"ü"}';

  it('yields non-blank lines with their line numbers and offsets; a bad line is just text unless parsing', () => {
    for (const size of [1, 3, doc.length]) {
      const { items, fatal } = split('ndjson', chunkString(doc, size));
      expect(fatal).toBeNull();
      expect(items).toEqual([
        { kind: 'record', row: 1, offset: 0, text: '{"a":1}' },
        { kind: 'record', row: 3, offset: 9, text: '{"a":2}' },
        { kind: 'record', row: 5, offset: 22, text: '{bad json' },
        { kind: 'record', row: 6, offset: 32, text: '{"a":"ü"}' },
      ]);
    }
  });

  it('with parsing, the bad line becomes a problem and the rest are parsed', () => {
    const { items } = split('ndjson', chunkString(doc, 4), { parse: true });
    expect(items.map((i) => (i.kind === 'record' ? [i.row, i.value] : [i.row, i.code]))).toEqual([
      [1, { a: 1 }],
      [3, { a: 2 }],
      [5, 'bad-json'],
      [6, { a: 'ü' }],
    ]);
  });

  it('a cut-off last line ends the file with a truncation error', async () => {
    const { items, error } = await collect(textStream(['{"a":1}\n{"a":2}\n{"a":']), 'ndjson');
    expect(texts(items)).toEqual(['{"a":1}', '{"a":2}']);
    expect((error as IngestError).message).toBe(
      'The text is truncated after record 2 (byte offset 21): the last line (line 3) is not complete JSON.',
    );
  });
});

describe('through the real byte path, and cancellation', () => {
  it('Blob → decode → split, CloudTrail file', async () => {
    const records = Array.from({ length: 2000 }, (_, i) => cloudTrailRecord(i));
    const blob = new Blob([JSON.stringify({ Records: records }, null, 2)]);
    const splitter = RecordSplitter.for('json-object', { parse: true });
    const values: unknown[] = [];
    for await (const item of splitter.split(decodeText(openBlob(blob), 'utf-8'))) if (item.kind === 'record') values.push(item.value);
    expect(values).toEqual(records);
    expect(splitter.key).toBe('Records');
  });

  it('an abort stops splitting promptly with an AbortError', async () => {
    const controller = new AbortController();
    const { stream } = endlessStream(te.encode('{"eventName":"GetObject"}\n'.repeat(100)), 2);
    let seen = 0;
    const run = (async () => {
      for await (const item of splitRecords(decodeText(openBlob(stream, { signal: controller.signal }), 'utf-8'), 'ndjson', {
        signal: controller.signal,
      })) {
        if (item.kind === 'record') seen++;
      }
    })();
    const outcome = run.then(
      () => null,
      (e: unknown) => e,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    controller.abort();
    const error = await outcome;
    expect(performance.now() - started).toBeLessThan(100);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(seen).toBeGreaterThan(0);
  });
});
