// The one place Arrow results become plain UI values: BigInt, decimals, timestamps, dates, lists, structs and maps.
// Everything that shows or exports query results goes through here so a value reads the same everywhere.
import { DataType, Type, type Field, type Table, type Vector } from 'apache-arrow';
import type { ColumnInfo, RowsResult } from './types';

/** What a cell can be once converted: JSON-safe except for binary, which stays bytes. */
export type UiValue = null | boolean | number | string | Uint8Array | UiValue[] | { [key: string]: UiValue };

/** Timestamps become ISO-8601 UTC strings ("2024-01-02T03:04:05.123Z"): readable, sortable, JSON-safe. */
export function timestampToIso(epochMs: number): string {
  return new Date(Math.round(epochMs * 1000) / 1000).toISOString();
}

function bigintToUi(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** Arrow JS 17 hands decimals out as little-endian 32-bit word arrays; turn them into numbers (or exact strings if huge). */
function decimalToUi(words: Uint32Array, scale: number): number | string {
  let big = 0n;
  for (let i = words.length - 1; i >= 0; i--) big = (big << 32n) | BigInt(words[i]!);
  const bits = BigInt(words.length * 32);
  if (big >> (bits - 1n)) big -= 1n << bits; // two's complement sign
  const negative = big < 0n;
  const abs = negative ? -big : big;
  const digits = abs.toString().padStart(scale + 1, '0');
  const text = (negative ? '-' : '') + (scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits);
  const asNumber = Number(text);
  return Number.isSafeInteger(Math.trunc(asNumber)) ? asNumber : text;
}

/** Convert one Arrow value of the given type. */
export function toUiValue(value: unknown, type: DataType): UiValue {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case Type.Timestamp:
      return timestampToIso(typeof value === 'bigint' ? Number(value) : (value as number));
    case Type.Date: {
      const ms = typeof value === 'bigint' ? Number(value) : value instanceof Date ? value.getTime() : (value as number);
      return new Date(ms).toISOString().slice(0, 10);
    }
    case Type.Decimal:
      return decimalToUi(value as Uint32Array, (type as unknown as { scale: number }).scale);
    case Type.Int:
    case Type.Float:
      return typeof value === 'bigint' ? bigintToUi(value) : (value as number);
    case Type.Bool:
      return Boolean(value);
    case Type.Utf8:
    case Type.LargeUtf8:
      return value as string;
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return value as Uint8Array;
    case Type.List:
    case Type.FixedSizeList: {
      const child = (type.children[0] as Field).type;
      const vector = value as Vector;
      const out: UiValue[] = [];
      for (let i = 0; i < vector.length; i++) out.push(toUiValue(vector.get(i), child));
      return out;
    }
    case Type.Struct: {
      const out: { [key: string]: UiValue } = {};
      const row = value as { [key: string]: unknown };
      for (const field of type.children as Field[]) out[field.name] = toUiValue(row[field.name], field.type);
      return out;
    }
    case Type.Map: {
      const out: { [key: string]: UiValue } = {};
      const entries = (type.children[0] as Field).type.children as Field[];
      const [keyField, valueField] = [entries[0]!, entries[1]!];
      for (const [k, v] of value as Iterable<[unknown, unknown]>) {
        out[String(toUiValue(k, keyField.type))] = toUiValue(v, valueField.type);
      }
      return out;
    }
    case Type.Interval:
    case Type.Duration:
    case Type.Time:
      return typeof value === 'bigint' ? bigintToUi(value) : String(value);
    default:
      return typeof value === 'bigint' ? bigintToUi(value) : (value as UiValue);
  }
}

export function columnsOf(table: Table): ColumnInfo[] {
  return table.schema.fields.map((field) => ({ name: field.name, type: String(field.type) }));
}

/** Convert a whole Arrow table into rows of UI values (column order kept in `columns`). */
export function tableToRows(table: Table): RowsResult {
  const fields = table.schema.fields;
  const columns = fields.map((field) => table.getChild(field.name));
  const rows: Record<string, UiValue>[] = new Array(table.numRows);
  for (let r = 0; r < table.numRows; r++) {
    const row: Record<string, UiValue> = {};
    for (let c = 0; c < fields.length; c++) row[fields[c]!.name] = toUiValue(columns[c]?.get(r), fields[c]!.type);
    rows[r] = row;
  }
  return { columns: columnsOf(table), rows };
}

/** Text for a cell in a grid or a CSV: null is empty, structures are JSON, binary is hex. */
export function uiValueToText(value: UiValue): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) return Array.from(value, (b) => b.toString(16).padStart(2, '0')).join('');
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? uiValueToText(v) : v));
}
