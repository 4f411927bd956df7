// A sliced event CSV is trimmed only where it has to be: the reader marks each slice whose values may begin or end with a
// space separator (what DuckDB's trim() removes), and the load skips trim() for the others. Every kind of separator at
// every kind of edge must be seen, or its value would keep the space; values without one must not cost the trim.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { ensureSchema } from '../../../src/ingest/commit';
import { importEvidence } from '../../../src/ingest/pipeline';
import type { ReaderMessage } from '../../../src/ingest/protocol';
import { endsSpaceSeparator, readEvidence } from '../../../src/ingest/reader';

/** DuckDB's trim() removes these (Unicode Zs) from either end. */
const SEPARATORS = ['\u0020', '\u00a0', '\u1680', '\u2000', '\u2005', '\u200a', '\u202f', '\u205f', '\u3000'];
const HEADER = 'timestamp,principal,operation,resource,source_ip,user_agent,outcome';

/** One row whose resource is `value` (written as is: the caller quotes it when it wants to). */
const row = (i: number, resource: string, end = '\n') =>
  `2026-03-01T00:${String(i % 60).padStart(2, '0')}:00Z,svc-${i % 5},s3:GetObject,${resource},10.0.0.${i % 250},aws-cli/2.15 Python/3.11,success${end}`;

/** The csv-events messages of `csv` read in slices of one record each. */
async function slicesOf(csv: string, delimiter = ','): Promise<Extract<ReaderMessage, { type: 'csv-events' }>[]> {
  const text = delimiter === ',' ? csv : csv.replaceAll(',', delimiter);
  const out: Extract<ReaderMessage, { type: 'csv-events' }>[] = [];
  const options = { idPrefix: 't', mappings: {}, batchRows: 1000, csvSlice: { from: 1, bytes: 1 } };
  for await (const message of readEvidence([new File([text], 'edges.csv')], options, new AbortController().signal)) {
    if (message.type === 'csv-events') out.push(message);
    if (message.type === 'file-error') throw new Error(message.message);
  }
  return out;
}

describe('space separators at the edges of CSV values', () => {
  it('marks a one-record slice when a value of it begins or ends with any separator, quoted or not, last or not', async () => {
    for (const s of SEPARATORS) {
      // At an edge: marked. Inside a quoted value next to a delimiter: marked only for the non-ASCII separators, which
      // count anywhere.
      const cases: [string, boolean][] = [
        [`${s}lead`, true], [`trail${s}`, true], [`"${s}quoted lead"`, true], [`"quoted trail${s}"`, true], [`"in,${s}quotes"`, s !== ' '],
        [`"in ${s}quotes,"`, s !== ' '], [`"escaped "" ${s}quote"`, true],
      ];
      const edges = await slicesOf(`${HEADER}\n${row(0, 'clean')}${cases.map(([c], i) => row(i + 1, c)).join('')}`);
      expect(edges.map((m) => m.spacedEdges), `U+${s.codePointAt(0)!.toString(16)}`).toEqual([false, ...cases.map(([, marked]) => marked), false]);
    }
    // First and last values of a line, a CRLF line end, a file without a final line break, another delimiter.
    const spots = await slicesOf(`${HEADER}\n ${row(1, 'x').slice(0, -1)} \r\n${row(2, 'x', '\r\n')}${row(3, 'x', '')} `);
    expect(spots.map((m) => m.spacedEdges)).toEqual([true, false, true]);
    const tabs = await slicesOf(`${HEADER}\n${row(1, 'tab ')}${row(2, 'tab')}${row(3, '"a, b"')}`, '\t');
    expect(tabs.map((m) => m.spacedEdges)).toEqual([true, false, false, false]);
  });

  it('leaves slices unmarked when their values only have spaces inside, other non-ASCII text or tabs', async () => {
    const clean = ['a b', '"a, b"', '"(KHTML, like Gecko) x"', 'ünïcödé', 'a–b—c', '“quoted”', 'x\u00b7y', '🙂', '\ttab\t', '日本語'];
    const messages = await slicesOf(`${HEADER}\n${clean.map((v, i) => row(i, v)).join('')}`);
    expect(messages.map((m) => m.spacedEdges)).toEqual(clean.map(() => false).concat(false));
  });

  it('recognises the non-ASCII separators from their last three UTF-8 bytes, and not their neighbours', () => {
    const ends = (ch: string) => {
      const b = [...new TextEncoder().encode(`a${ch}`)];
      return endsSpaceSeparator(b.at(-3)!, b.at(-2)!, b.at(-1)!);
    };
    for (const s of SEPARATORS.slice(1)) expect(ends(s), `U+${s.codePointAt(0)!.toString(16)}`).toBe(true);
    for (const s of ['\u00a1', '\u1681', '\u200b', '\u2013', '\u201c', '\u2030', '\u205e', '\u3001', '\u00c2', 'é']) expect(ends(s), s).toBe(false);
  });

  describe('loaded', () => {
    let engine: DuckEngine;
    beforeEach(async () => {
      engine = createNodeEngine();
      await engine.start();
      await ensureSchema(engine);
    });
    afterEach(() => engine.close());

    it('stores the same values in slices (trimmed where marked) as in one piece (always trimmed)', async () => {
      const lines = [HEADER];
      for (let i = 0; i < 2400; i++) {
        // Clean stretches (their slices skip trim) around rows with separators at their edges.
        const s = SEPARATORS[i % SEPARATORS.length]!;
        const resource = i >= 800 && i < 1600 && i % 7 === 0 ? (i % 2 ? `${s}bucket-${i}` : `"bucket, ${i}${s}"`) : `bucket-${i % 13}/k${i} x`;
        lines.push(row(i, resource, '').replace('svc-', i % 11 === 0 && i >= 800 && i < 1600 ? ' svc-' : 'svc-'));
      }
      const csv = `${lines.join('\n')}\n`;
      const values = async (name: string) =>
        JSON.stringify((await engine.queryRows(`SELECT source_row, actor, resource FROM events JOIN evidence_files USING (file_id) WHERE name = '${name}' ORDER BY source_row`)).rows);

      let marked = 0;
      let unmarked = 0;
      const counting: typeof readEvidence = async function* (files, options, signal) {
        for await (const message of readEvidence(files, options, signal)) {
          if (message.type === 'csv-events') message.spacedEdges ? marked++ : unmarked++;
          yield message;
        }
      };
      const whole = await importEvidence(engine, [new File([csv], 'whole.csv')], { reader: readEvidence, signal: new AbortController().signal });
      expect(whole.status).toBe('committed');
      // The same rows under a header one space longer (same mapping, other bytes: not skipped as already loaded).
      const report = await importEvidence(engine, [new File([csv.replace('timestamp', 'timestamp ')], 'sliced.csv')], {
        reader: counting, signal: new AbortController().signal, csvSlice: { from: 10_000, bytes: 12_000 },
      });
      expect(report.status, report.error ?? '').toBe('committed');
      expect(marked).toBeGreaterThan(2);
      expect(unmarked).toBeGreaterThan(2);
      const once = await values('whole.csv');
      expect(once.includes('"bucket, 812"'), 'quoted value with a comma, trimmed').toBe(true);
      expect(/[\u0020\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"/.test(once), 'a value still has a separator at its end').toBe(false);
      expect((await values('sliced.csv')) === once, 'sliced values equal the whole import').toBe(true);
    });
  });
});
