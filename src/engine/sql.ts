// The one quoting helper: every identifier or literal that comes from evidence or the user goes through here.

/** Quote an SQL identifier (table, column): double quotes, inner quotes doubled, NUL refused. */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new Error('An SQL identifier cannot contain a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quote an SQL string literal: single quotes, inner quotes doubled, NUL refused. */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new Error('An SQL string cannot contain a NUL character');
  return `'${value.replaceAll("'", "''")}'`;
}

/** A literal for any scalar: numbers as numbers, null as NULL, everything else as a quoted string. */
export function sqlValue(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return quoteLiteral(value);
}
