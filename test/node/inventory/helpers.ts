// Test helper: parse synthetic CSV text (all fixtures in these tests are synthetic) into the ParsedTable the adapters take.
import Papa from 'papaparse';
import type { ParsedTable } from '../../../src/ingest/inventory/util';

export function table(fileName: string, csv: string): ParsedTable {
  const parsed = Papa.parse<string[]>(csv.replace(/^\n/, ''), { skipEmptyLines: false });
  const [headers = [], ...rows] = parsed.data;
  // A trailing newline makes one [''] row; real files have it too, and the adapters must skip it.
  return { fileName, headers, rows };
}

export const utc = (iso: string): number => Date.parse(iso);
