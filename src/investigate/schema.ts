// What the SQL console can query: the workspace's tables and views with their columns and types, for the schema
// browser and the editor's completion. DuckDB's own catalogue, staging tables and restore scratch are left out.
import type { Engine } from '../engine/types';

export interface SchemaColumn {
  name: string;
  /** DuckDB's type name, e.g. "VARCHAR", "TIMESTAMP", "VARCHAR[]". */
  type: string;
}

export interface SchemaTable {
  name: string;
  kind: 'table' | 'view';
  columns: SchemaColumn[];
}

// Only the main schema of the workspace database: temp tables (staging of a running import) live elsewhere.
// Staging tables (stg_<import>_*) and the snapshot restore chunk are half-built state, never something to query.
const SCHEMA_SQL = `
WITH relations AS (
  SELECT table_name AS name, 'table' AS kind FROM duckdb_tables()
   WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary
  UNION ALL
  SELECT view_name AS name, 'view' AS kind FROM duckdb_views()
   WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary
)
SELECT r.name AS table_name, r.kind, c.column_name, c.data_type, c.column_index
  FROM relations r
  JOIN duckdb_columns() c
    ON c.database_name = current_database() AND c.schema_name = 'main' AND c.table_name = r.name
 WHERE r.name NOT LIKE 'stg\\_%' ESCAPE '\\' AND r.name <> 'restore_chunk'
 ORDER BY r.kind, r.name, c.column_index`;

/** Tables first, then views, each alphabetically; columns in their declared order. */
export async function describeSchema(engine: Engine, options: { signal?: AbortSignal } = {}): Promise<SchemaTable[]> {
  const { rows } = await engine.queryRows(SCHEMA_SQL, options.signal ? { signal: options.signal } : {});
  const tables: SchemaTable[] = [];
  let current: SchemaTable | null = null;
  for (const row of rows) {
    const name = String(row.table_name);
    if (!current || current.name !== name) {
      current = { name, kind: row.kind === 'view' ? 'view' : 'table', columns: [] };
      tables.push(current);
    }
    current.columns.push({ name: String(row.column_name), type: String(row.data_type) });
  }
  return tables;
}
