// Normalises a resource-classification CSV (resource pattern, data class; synonyms like bucket/path, classification/
// sensitivity) into ResourceClass rows for behavior.disallowed_data_class.

import type { RejectedRow, ResourceClass } from '../canonical';
import { mapHeaders, type HeaderMapping } from './header-map';
import { Notes, cellText, dataRows, reject, valueOrNull, safeTable, type ParsedTable } from './util';

export interface ResourceClassResult {
  resource_classes: ResourceClass[];
  rejected: RejectedRow[];
  notes: string[];
}

/**
 * Rows → ResourceClass. Patterns are kept as written (`*` is the wildcard, case matters for S3 keys); data classes are
 * lower-cased, as the identities' allowed data classes are, so "PII" and "pii" meet. A pattern repeated with the same class
 * is dropped; repeated with another class both are kept (the resource carries both) and a note says so.
 */
export function resourceClassesFromTable(input: ParsedTable, mapping?: HeaderMapping): ResourceClassResult {
  const notes = new Notes();
  const rejected: RejectedRow[] = [];
  const table = safeTable(input);
  const { headers, rows } = table;
  const map = mapping ?? mapHeaders(headers, 'resource_class', rows.slice(0, 50));
  const patternCol = map.fields.pattern?.column;
  const classCol = map.fields.data_class?.column;
  const out: ResourceClass[] = [];
  if (map.target !== 'resource_class' || patternCol === undefined || classCol === undefined) {
    return { resource_classes: out, rejected, notes: ['No resource-pattern and data-class columns found; map them to read this file.'] };
  }
  const classesOf = new Map<string, Set<string>>();
  for (const { sourceRow, cells } of dataRows(table, notes, rejected)) {
    const pattern = valueOrNull(cellText(cells, patternCol, notes, sourceRow));
    const dataClass = valueOrNull(cellText(cells, classCol, notes, sourceRow))?.toLowerCase() ?? null;
    if (!pattern || !dataClass) {
      rejected.push(reject(table.fileName, sourceRow, pattern ? 'No data class.' : 'No resource pattern.'));
      continue;
    }
    const classes = classesOf.get(pattern) ?? new Set<string>();
    if (classes.has(dataClass)) continue;
    if (classes.size > 0) notes.count(`pattern "${pattern.slice(0, 60)}" has several classes`, sourceRow);
    classes.add(dataClass);
    classesOf.set(pattern, classes);
    out.push({ pattern, data_class: dataClass, source_file: table.fileName, source_row: sourceRow });
  }
  return { resource_classes: out, rejected, notes: notes.list() };
}
