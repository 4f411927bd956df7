// Normalises a change-window CSV (change id, identity or *, start, end, summary; synonyms like ticket/CR, from/until) into
// ChangeWindow rows, which explain findings of that identity inside the window.

import type { ChangeWindow, RejectedRow } from '../canonical';
import { mapHeaders, type HeaderMapping } from './header-map';
import { DateColumn, Notes, cellText, columnLabels, dataRows, reject, splitList, valueOrNull, safeTable, type ParsedTable } from './util';

export interface ChangeWindowResult {
  changes: ChangeWindow[];
  rejected: RejectedRow[];
  notes: string[];
}

const DAY_MS = 86_400_000;
// A date without a time of day ("2024-03-02", "02.03.2024", "03/02/2024").
const DATE_ONLY = /^(\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{4})$/;

/**
 * Change-window rows → ChangeWindow. A cell naming several identities ("svc-a; svc-b") gives one window per identity with the
 * same change id. An end written as a date alone covers that whole day (ends at 23:59:59.999 UTC). A file without an identity
 * column applies every window to all identities ('*') and says so; a blank identity cell is rejected rather than silently
 * widened to everyone. Rows without a change id get `<file>#<row>`.
 */
export function changeWindowsFromTable(input: ParsedTable, mapping?: HeaderMapping): ChangeWindowResult {
  const notes = new Notes();
  const rejected: RejectedRow[] = [];
  const table = safeTable(input);
  const { headers, rows } = table;
  const map = mapping ?? mapHeaders(headers, 'change', rows.slice(0, 50));
  const labels = columnLabels(headers);
  const col = (f: string) => map.fields[f]?.column;
  const changes: ChangeWindow[] = [];
  if (map.target !== 'change' || col('starts_at') === undefined || col('ends_at') === undefined) {
    return { changes, rejected, notes: ['No start and end columns found (e.g. "start", "end"); map them to read change windows.'] };
  }
  const dates = (f: 'starts_at' | 'ends_at') => new DateColumn(labels[col(f)!]!, rows.map((r) => cellText(Array.isArray(r) ? r : [], col(f))), notes);
  const starts = dates('starts_at');
  const ends = dates('ends_at');
  if (col('identity') === undefined) notes.add('No identity column: every change window applies to all identities (*).');

  for (const { sourceRow, cells } of dataRows(table, notes, rejected)) {
    const get = (f: string) => cellText(cells, col(f), notes, sourceRow);
    const startText = get('starts_at');
    const endText = get('ends_at');
    const s = starts.read(startText);
    let e = ends.read(endText);
    if (s === null || s === 'invalid' || e === null || e === 'invalid') {
      const bad = s === null || s === 'invalid' ? `start "${startText.slice(0, 40)}"` : `end "${endText.slice(0, 40)}"`;
      rejected.push(reject(table.fileName, sourceRow, `The ${bad} is not a date.`));
      continue;
    }
    if (DATE_ONLY.test(endText)) e = e + DAY_MS - 1;
    if (e < s) {
      rejected.push(reject(table.fileName, sourceRow, 'The window ends before it starts.'));
      continue;
    }
    let identities = col('identity') === undefined ? ['*'] : splitList(get('identity'));
    if (identities.length === 0) {
      rejected.push(reject(table.fileName, sourceRow, 'No identity (write * for a change that covers every identity).'));
      continue;
    }
    if (identities.includes('*')) identities = ['*'];
    let changeId = valueOrNull(get('change_id'));
    if (!changeId) {
      changeId = `${table.fileName}#${sourceRow}`;
      notes.count('no change id; one was made from the file name and row', sourceRow);
    }
    const summary = valueOrNull(get('summary'));
    for (const identity of identities) {
      changes.push({ change_id: changeId, identity, starts_at: s, ends_at: e, summary, source_file: table.fileName, source_row: sourceRow });
    }
  }
  return { changes, rejected, notes: notes.list() };
}
