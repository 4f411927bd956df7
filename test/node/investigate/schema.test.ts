// The SQL console's schema browser against the real engine: the workspace's tables and views with their columns,
// and nothing half-built (staging of a running import, snapshot restore scratch, temp tables, DuckDB's catalogue).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { ensureSchema, ImportTransaction } from '../../../src/ingest/commit';
import { describeSchema, type SchemaTable } from '../../../src/investigate/schema';

describe('describeSchema', () => {
  let engine: DuckEngine;
  let schema: SchemaTable[];
  let running: ImportTransaction;
  beforeAll(async () => {
    engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
    // An import in flight: its staging tables exist in its own transaction until the commit.
    running = new ImportTransaction(engine, 'imp-running');
    await running.begin();
    await engine.exec(`CREATE TABLE restore_chunk AS SELECT 1 AS x;
      CREATE TEMP TABLE scratch AS SELECT 1 AS y;
      CREATE TABLE dl_context AS SELECT TIMESTAMP '2026-03-01 00:00:00' AS as_of;
      CREATE VIEW ev AS SELECT event_time, action FROM events;
      CREATE TABLE stgnotes AS SELECT 'kept' AS note;`);
    schema = await describeSchema(engine);
  });
  afterAll(async () => {
    await running.rollback();
    await engine.close();
  });

  const table = (name: string) => schema.find((t) => t.name === name);

  it('lists the canonical tables with their columns in declared order and their DuckDB types', () => {
    for (const name of ['events', 'identities', 'identity_aliases', 'evidence_files', 'rejected_rows', 'changes', 'resource_classes']) {
      expect(table(name)?.kind, name).toBe('table');
    }
    const events = table('events')!;
    expect(events.columns[0]).toEqual({ name: 'event_time', type: 'TIMESTAMP' });
    expect(events.columns.map((c) => c.name)).toEqual(expect.arrayContaining(['actor', 'action', 'identity_key', 'source_ip']));
    expect(table('identities')!.columns).toContainEqual({ name: 'permissions', type: 'VARCHAR[]' });
  });

  it('lists views and analysis context tables', () => {
    expect(table('events_v')?.kind).toBe('view');
    expect(table('ev')).toEqual({ name: 'ev', kind: 'view', columns: [{ name: 'event_time', type: 'TIMESTAMP' }, { name: 'action', type: 'VARCHAR' }] });
    expect(table('dl_context')?.columns).toEqual([{ name: 'as_of', type: 'TIMESTAMP' }]);
    // Tables come first, then views.
    const kinds = schema.map((t) => t.kind);
    expect(kinds.indexOf('view')).toBeGreaterThan(kinds.lastIndexOf('table'));
  });

  it('hides staging tables, the restore chunk, temp tables and DuckDB internals', async () => {
    // The import's staging lives in its own transaction: the main connection does not even see it.
    const staged = await engine.queryRows("SELECT count(*) AS n FROM duckdb_tables() WHERE starts_with(table_name, 'stg_imp_running_')");
    expect(Number(staged.rows[0]?.n)).toBe(0);
    const names = schema.map((t) => t.name);
    expect(names.filter((n) => n.startsWith('stg_'))).toEqual([]);
    expect(names).not.toContain('restore_chunk');
    expect(names).not.toContain('scratch');
    expect(names.some((n) => n.startsWith('duckdb_') || n.startsWith('pg_') || n === 'columns' || n === 'tables')).toBe(false);
    // The underscore of "stg_" is literal: a table merely starting with "stg" is the analyst's own.
    expect(names).toContain('stgnotes');
  });
});
