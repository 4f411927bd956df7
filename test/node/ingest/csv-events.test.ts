// Event CSVs through DuckDB's reader: SQL time parsing agrees with the JS parser, ragged rows and bad times are rejected
// with reasons, hostile headers and values stay data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { quoteLiteral } from '../../../src/engine/sql';
import { ImportTransaction, ensureSchema } from '../../../src/ingest/commit';
import { detectTimeFormat, mappedEventsSelect, timeSql, trimmedTextSql, type TimeFormat } from '../../../src/ingest/csv-events';
import { parseTime } from '../../../src/ingest/time';

describe('CSV events', () => {
  let engine: DuckEngine;
  beforeAll(async () => {
    engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
  });
  afterAll(() => engine.close());

  it.each<[TimeFormat, string[]]>([
    ['iso', ['2026-03-01T12:00:00Z', '2026-03-01 12:00:00', '2026-03-01T12:00:00.123456789Z', '2026-03-01T12:00:00 UTC']],
    ['iso_offset', ['2026-03-01T14:00:00+02:00', '2026-03-01T07:00:00-0500', '2026-03-01T12:00:00Z', '2026-03-01T12:30:00+05:30']],
    ['epoch_ms', ['1772366400000']],
    ['epoch_s', ['1772366400', '1772366400.5']],
    ['mdy', ['03/01/2026 12:00', '3/1/2026 12:00:00', '03/01/2026 12:00:00 PM']],
    ['dmy', ['01.03.2026 12:00:00', '01/03/2026 12:00']],
    ['mixed', ['1772366400000', '2026-03-01T14:00:00+02:00', '03/01/2026 12:00', '01.03.2026 12:00:00', '2026-03-01 12:00:00']],
  ])('SQL and JS read %s times as the same instant', async (format, values) => {
    for (const value of values) {
      const { rows } = await engine.queryRows(`SELECT ${timeSql(quoteLiteral(value), format)} AS t`);
      const js = parseTime(value, format === 'dmy' ? 'dmy' : 'mdy');
      expect(js, value).not.toBeNull();
      expect(rows[0]?.t, `${format}: ${value}`).toBe(new Date(js!).toISOString());
    }
  });

  it('trims text exactly like nullif(trim(x), \'\') while skipping the copy for values with nothing to trim', async () => {
    const values = [
      'plain', '', ' ', '   ', ' lead', 'trail ', ' both ', '\u00a0nbsp', 'nbsp\u00a0', '\u3000ideo\u3000', 'thin\u2009', '\u202fnarrow',
      '\ttab\t', 'new\nline\n', 'ünïcödé', 'é ', ' 🙂', '🙂', 'a\u2003', '\u1680ogham', "quote'd ", 'x\u00a0y',
    ];
    const list = values.map((v) => quoteLiteral(v)).join(', ');
    const { rows } = await engine.queryRows(
      `SELECT v, nullif(trim(v), '') AS expected, ${trimmedTextSql('v')} AS got FROM unnest([${list}, NULL]) t(v)`,
    );
    expect(rows).toHaveLength(values.length + 1);
    for (const row of rows) expect(row.got, JSON.stringify(row.v)).toBe(row.expected);
  });

  it('detects a column format from samples', () => {
    expect(detectTimeFormat(['2026-03-01T12:00:00Z', '2026-03-02T12:00:00Z'])).toBe('iso');
    expect(detectTimeFormat(['2026-03-01T12:00:00Z', '2026-03-02T12:00:00+01:00'])).toBe('iso_offset');
    expect(detectTimeFormat(['1772366400000'])).toBe('epoch_ms');
    expect(detectTimeFormat(['03/01/2026', '25/01/2026'])).toBe('dmy');
    expect(detectTimeFormat(['03/01/2026', '12/01/2026'])).toBe('mdy');
    expect(detectTimeFormat(['2026-03-01', 'yesterday'])).toBe('mixed');
  });

  it('loads a mapped CSV, keeps hostile strings as data and rejects bad rows with reasons', async () => {
    const csv = [
      'When,Who,"What ""happened""","a""; DROP TABLE events; --",Result,IP',
      '2026-03-01T12:00:00Z,svc-a,s3:GetObject,"=HYPERLINK(""http://x"")",success,10.0.0.1',
      '2026-03-01T13:00:00+01:00,svc-b,"<img src=x onerror=alert(1)>",bucket,AccessDenied,10.0.0.2',
      'not a time,svc-c,x,y,success,10.0.0.3',
      'ragged,row',
      '2026-03-01T14:00:00Z,svc-d,"multi',
      'line action",r,ok,10.0.0.4',
    ].join('\r\n');
    await engine.registerFile('evidence/mapped.csv', new Blob([csv]));
    const tx = new ImportTransaction(engine, 'csv1');
    await tx.begin();
    await tx.addFile({ file_id: 'fcsv', name: 'mapped.csv', bytes: csv.length, sha256: null, container: 'CSV', kind: 'audit_log', vendor: 'CSV', source_format: 'csv_mapped', notes: [] });
    const headers = ['When', 'Who', 'What "happened"', 'a"; DROP TABLE events; --', 'Result', 'IP'];
    const select = mappedEventsSelect({
      engineFile: 'evidence/mapped.csv', delimiter: ',', rejectsTable: 'rej_fcsv', headers, timeFormat: 'iso_offset',
      mapping: { event_time: 'When', actor: 'Who', action: 'What "happened"', resource: 'a"; DROP TABLE events; --', outcome: 'Result', source_ip: 'IP' },
      platform: 'other', sourceFormat: 'csv_mapped', fileId: 'fcsv',
    });
    const counts = await tx.addCsvEvents('fcsv', select, 'rej_fcsv');
    expect(counts).toEqual({ loaded: 3, rejected: 2, refused: 1 });
    await tx.commit();
    const { rows } = await engine.queryRows("SELECT event_time, actor, action, resource, outcome FROM events WHERE file_id = 'fcsv' ORDER BY source_row");
    expect(rows).toEqual([
      { event_time: '2026-03-01T12:00:00.000Z', actor: 'svc-a', action: 's3:GetObject', resource: '=HYPERLINK("http://x")', outcome: 'success' },
      { event_time: '2026-03-01T12:00:00.000Z', actor: 'svc-b', action: '<img src=x onerror=alert(1)>', resource: 'bucket', outcome: 'failure' },
      { event_time: '2026-03-01T14:00:00.000Z', actor: 'svc-d', action: 'multi\r\nline action', resource: 'r', outcome: 'success' },
    ]);
    const { rows: rejected } = await engine.queryRows("SELECT source_row, reason FROM rejected_rows WHERE file_id = 'fcsv' ORDER BY source_row");
    expect(rejected).toHaveLength(2);
    expect(rejected.map((r) => String(r.reason)).join('\n')).toMatch(/unparseable time "not a time"/);
    expect(rejected.map((r) => String(r.reason)).join('\n')).toMatch(/Expected Number of Columns/);
    const { rows: file } = await engine.queryRows("SELECT rows_loaded, rows_rejected FROM evidence_files WHERE file_id = 'fcsv'");
    expect(file[0]).toEqual({ rows_loaded: 3, rows_rejected: 2 });
  });
});
