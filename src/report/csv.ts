// CSV that spreadsheets cannot turn into formulas: RFC 4180 quoting, and any cell a spreadsheet would evaluate
// (starting with =, +, -, @, tab or CR) is prefixed with an apostrophe so it is shown as text.
import { uiValueToText, type UiValue } from '../engine/values';

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell, inert and quoted as needed. */
export function csvCell(value: UiValue | undefined): string {
  let text = value === undefined ? '' : uiValueToText(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A whole CSV document (CRLF line ends, header first). */
export function toCsv(columns: readonly string[], rows: readonly Record<string, UiValue>[]): string {
  const lines = [columns.map((c) => csvCell(c)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
