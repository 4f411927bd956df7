// Change windows and resource classes from CSV (synthetic files): synonyms, date forms, several identities, bad rows.
import { describe, expect, it } from 'vitest';
import { changeWindowsFromTable } from '../../../src/ingest/inventory/change-windows';
import { resourceClassesFromTable } from '../../../src/ingest/inventory/resource-classes';
import { table, utc } from './helpers';

describe('changeWindowsFromTable', () => {
  it('reads the canonical columns', () => {
    const r = changeWindowsFromTable(
      table('changes.csv', `change_id,identity,starts_at,ends_at,summary\nCHG-1,svc-backup,2024-05-01T01:00:00Z,2024-05-01T04:00:00Z,Backup migration\n`),
    );
    expect(r.changes).toEqual([
      { change_id: 'CHG-1', identity: 'svc-backup', starts_at: utc('2024-05-01T01:00:00Z'), ends_at: utc('2024-05-01T04:00:00Z'), summary: 'Backup migration', source_file: 'changes.csv', source_row: 2 },
    ]);
  });

  it('reads synonyms, several identities per cell, whole-day ends, and rejects bad rows', () => {
    const r = changeWindowsFromTable(
      table(
        'cab.csv',
        `Ticket,Applies to,From,Until,Title
CR-7,"svc-a; svc-b",05/13/2024 22:00,05/14/2024,Rotate keys
CR-8,*,2024-06-01 00:00,2024-06-02 00:00,Freeze
CR-9,,2024-06-01,2024-06-02,No identity
CR-10,svc-c,2024-06-05,2024-06-01,Backwards
CR-11,svc-d,tomorrow,2024-06-01,Bad start
,svc-e,2024-07-01,2024-07-01,
`,
      ),
    );
    expect(r.changes.map((c) => [c.change_id, c.identity])).toEqual([
      ['CR-7', 'svc-a'],
      ['CR-7', 'svc-b'],
      ['CR-8', '*'],
      ['cab.csv#7', 'svc-e'],
    ]);
    expect(r.changes[0]!.starts_at).toBe(utc('2024-05-13T22:00:00Z'));
    expect(r.changes[0]!.ends_at).toBe(utc('2024-05-15T00:00:00Z') - 1);
    expect(r.changes[3]!.ends_at - r.changes[3]!.starts_at).toBe(86_400_000 - 1);
    expect(r.rejected.map((x) => [x.source_row, x.reason])).toEqual([
      [4, expect.stringContaining('No identity')],
      [5, 'The window ends before it starts.'],
      [6, expect.stringContaining('start "tomorrow"')],
    ]);
  });

  it('applies windows to everyone when there is no identity column, and says so', () => {
    const r = changeWindowsFromTable(table('c.csv', `change,start,end\nC1,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z\n`));
    expect(r.changes[0]!.identity).toBe('*');
    expect(r.notes.some((n) => n.includes('all identities'))).toBe(true);
  });

  it('reports a file without start and end columns', () => {
    const r = changeWindowsFromTable(table('c.csv', `a,b\n1,2\n`));
    expect(r.changes).toEqual([]);
    expect(r.notes[0]).toMatch(/No start and end columns/);
  });
});

describe('resourceClassesFromTable', () => {
  it('reads canonical and synonym headers, lower-cases classes, drops repeats', () => {
    const r = resourceClassesFromTable(
      table(
        'classes.csv',
        `Resource pattern,Data class
arn:aws:s3:::payroll-*,PII
arn:aws:s3:::payroll-*,pii
arn:aws:s3:::payroll-*,Financial
,public
arn:aws:s3:::logs-*,
`,
      ),
    );
    expect(r.resource_classes).toEqual([
      { pattern: 'arn:aws:s3:::payroll-*', data_class: 'pii', source_file: 'classes.csv', source_row: 2 },
      { pattern: 'arn:aws:s3:::payroll-*', data_class: 'financial', source_file: 'classes.csv', source_row: 4 },
    ]);
    expect(r.rejected.map((x) => [x.source_row, x.reason])).toEqual([
      [5, 'No resource pattern.'],
      [6, 'No data class.'],
    ]);
    expect(r.notes.some((n) => n.includes('several classes'))).toBe(true);
    const s = resourceClassesFromTable(table('b.csv', `Bucket,Sensitivity\nhr-docs/*,Confidential\n`));
    expect(s.resource_classes[0]).toMatchObject({ pattern: 'hr-docs/*', data_class: 'confidential' });
  });
});
