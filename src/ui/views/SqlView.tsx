// The SQL console over the workspace, the one place raw SQL from the user runs: an editor that knows the schema, a
// schema browser, saved queries per workspace, and a virtualised result that exports as CSV.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { quoteIdent } from '../../engine/sql';
import type { SchemaTable } from '../../investigate/schema';
import { cancelSql, runSql, type AppServices } from '../../state/actions';
import {
  deleteSavedQuery,
  exportSqlResult,
  listSavedQueries,
  loadSqlSchema,
  saveQuery,
  savedQueriesAreKept,
  type SavedQueryRecord,
} from '../../state/sql-actions';
import type { AppStore } from '../../state/store';
import { ResultGrid } from '../components/ResultGrid';
import { SqlEditor, type SqlEditorHandle } from '../components/SqlEditor';
import { useAppState, useServices } from '../context';
import './sql.css';

/** Saved queries of a tab without IndexedDB: they outlive the view (switching away and back), not the page. */
const unkeptQueries = new WeakMap<AppStore, SavedQueryRecord[]>();

const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const identifier = (name: string) => (PLAIN_IDENTIFIER.test(name) ? name : quoteIdent(name));

function setSqlText(services: AppServices, text: string) {
  services.store.setState((state) => ({ sql: { ...state.sql, text } }));
}

function SchemaBrowser({ schema, loaded, onInsert }: { schema: SchemaTable[]; loaded: boolean; onInsert: (text: string) => void }) {
  const [filter, setFilter] = useState('');
  const filterId = useId();
  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    if (!needle) return schema;
    return schema
      .map((table) =>
        table.name.toLowerCase().includes(needle) ? table : { ...table, columns: table.columns.filter((c) => c.name.toLowerCase().includes(needle)) },
      )
      .filter((table) => table.columns.length > 0 || table.name.toLowerCase().includes(needle));
  }, [schema, filter]);
  return (
    <section className="sql-schema" aria-labelledby="sql-schema-title">
      <h3 id="sql-schema-title">Schema</h3>
      <label htmlFor={filterId} className="visually-hidden">
        Filter tables and columns
      </label>
      <input id={filterId} type="search" placeholder="Filter tables and columns" value={filter} onChange={(event) => setFilter(event.target.value)} />
      {!loaded ? (
        <p className="note">Reading the schema…</p>
      ) : shown.length === 0 ? (
        <p className="note">{schema.length === 0 ? 'No tables yet: add evidence files first.' : 'Nothing matches.'}</p>
      ) : (
        <ul className="sql-tables" aria-label="Tables and views">
          {shown.map((table) => (
            <li key={table.name}>
              <details open={filter.trim() !== '' || undefined}>
                <summary>
                  <span className="sql-table-name">{table.name}</span>
                  <span className="sql-kind">
                    {table.kind} · {table.columns.length}
                  </span>
                </summary>
                <ul className="sql-columns" aria-label={`Columns of ${table.name}`}>
                  {table.columns.map((column) => (
                    <li key={column.name}>
                      <button type="button" className="link" title={`Insert ${column.name} into the query`} onClick={() => onInsert(identifier(column.name))}>
                        {column.name}
                      </button>
                      <span className="sql-type">{column.type}</span>
                    </li>
                  ))}
                </ul>
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function SavedQueries({ text }: { text: string }) {
  const services = useServices();
  const workspaceId = useAppState((state) => state.workspace.current?.id ?? null);
  const readOnly = useAppState((state) => state.workspace.readOnly);
  const kept = savedQueriesAreKept(services, workspaceId);
  const [saved, setSaved] = useState<SavedQueryRecord[]>(() => (kept ? [] : (unkeptQueries.get(services.store) ?? [])));
  const [name, setName] = useState('');
  const [message, setMessage] = useState('');
  const [error, setError] = useState<string | null>(null);
  const nameId = useId();

  useEffect(() => {
    if (!kept) {
      setSaved(unkeptQueries.get(services.store) ?? []);
      return;
    }
    let live = true;
    listSavedQueries(services, workspaceId).then(
      (list) => live && setSaved(list),
      (e: unknown) => live && setError(`Saved queries could not be read: ${(e as Error).message}`),
    );
    return () => {
      live = false;
    };
  }, [services, workspaceId, kept]);

  const update = (list: SavedQueryRecord[]) => {
    setSaved(list);
    if (!kept) unkeptQueries.set(services.store, list);
  };

  const save = async () => {
    setError(null);
    try {
      const { saved: record, list } = await saveQuery(services, workspaceId, name, text, saved);
      update(list);
      setName(record.name);
      setMessage(`Saved “${record.name}”.`);
    } catch (e) {
      setError(`The query could not be saved: ${(e as Error).message}`);
    }
  };

  const remove = async (query: SavedQueryRecord) => {
    setError(null);
    try {
      update(await deleteSavedQuery(services, workspaceId, query.id, saved));
      setMessage(`Deleted “${query.name}”.`);
    } catch (e) {
      setError(`The saved query could not be deleted: ${(e as Error).message}`);
    }
  };

  const writable = !(kept && readOnly);
  return (
    <section className="sql-saved" aria-labelledby="sql-saved-title">
      <h3 id="sql-saved-title">Saved queries</h3>
      <form
        className="sql-save"
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <label htmlFor={nameId}>Query name</label>
        <div className="sql-save-row">
          <input id={nameId} value={name} onChange={(event) => setName(event.target.value)} autoComplete="off" />
          <button type="submit" disabled={!writable || !name.trim() || !text.trim()}>
            Save query
          </button>
        </div>
      </form>
      {!kept && <p className="note">This browser keeps no storage for Driftline: saved queries last until the page is closed.</p>}
      {kept && readOnly && <p className="note">Another tab owns this workspace: saved queries are read-only here.</p>}
      <p className="note" role="status" aria-label="Saved queries status">
        {message}
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {saved.length === 0 ? (
        <p className="note">No saved queries yet.</p>
      ) : (
        <ul className="sql-saved-list" aria-label="Saved queries">
          {saved.map((query) => (
            <li key={query.id}>
              <button
                type="button"
                className="link"
                aria-label={`Load ${query.name}`}
                title={query.sql}
                onClick={() => {
                  setSqlText(services, query.sql);
                  setName(query.name);
                  setMessage(`Loaded “${query.name}”.`);
                }}
              >
                {query.name}
              </button>
              <button type="button" className="link danger-link" aria-label={`Delete ${query.name}`} disabled={!writable} onClick={() => void remove(query)}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function SqlView() {
  const services = useServices();
  const sql = useAppState((state) => state.sql);
  const engineReady = useAppState((state) => state.engine.status === 'ready');
  const evidence = useAppState((state) => state.evidence);
  const analysisReport = useAppState((state) => state.analysis.report);
  const [schema, setSchema] = useState<SchemaTable[]>([]);
  const [schemaLoaded, setSchemaLoaded] = useState(false);
  const editorRef = useRef<SqlEditorHandle>(null);
  const result = sql.result;

  // The schema changes with imports, analyses and the analyst's own DDL, so it is read again after each of them.
  useEffect(() => {
    if (!engineReady) return;
    const controller = new AbortController();
    loadSqlSchema(services, controller.signal).then(
      (tables) => {
        if (controller.signal.aborted) return;
        setSchema(tables);
        setSchemaLoaded(true);
      },
      () => {
        // A failed or superseded read keeps the schema shown so far.
        if (!controller.signal.aborted) setSchemaLoaded(true);
      },
    );
    return () => controller.abort();
  }, [services, engineReady, evidence, analysisReport, result]);

  const run = () => {
    const state = services.store.getState();
    if (state.engine.status !== 'ready' || state.sql.running) return;
    void runSql(services);
  };

  return (
    <section aria-labelledby="sql-title" className="sql-console">
      <h2 id="sql-title">SQL console</h2>
      <div className="sql-layout">
        <aside className="sql-side" aria-label="Schema and saved queries">
          <SchemaBrowser schema={schema} loaded={schemaLoaded || !engineReady} onInsert={(text) => editorRef.current?.insert(text)} />
          <SavedQueries text={sql.text} />
        </aside>
        <div className="sql-main">
          <form
            onSubmit={(event) => {
              event.preventDefault();
              run();
            }}
          >
            <div className="sql-editor-head">
              <span className="sql-editor-title" aria-hidden="true">
                SQL query
              </span>
              <span className="note">Ctrl/⌘+Enter runs · Ctrl+Space completes table and column names</span>
            </div>
            <SqlEditor ref={editorRef} value={sql.text} onChange={(text) => setSqlText(services, text)} onRun={run} schema={schema} />
            <div className="toolbar">
              <button type="submit" className="primary" disabled={!engineReady || sql.running}>
                Run query
              </button>
              <button type="button" disabled={!sql.running} onClick={() => cancelSql()}>
                Cancel query
              </button>
              <span role="status" aria-label="Query status">
                {sql.running ? 'Running…' : ''}
              </span>
            </div>
          </form>
          {sql.error && (
            <p role="alert" className="error">
              {sql.error}
            </p>
          )}
          {result && <ResultGrid result={result} elapsedMs={sql.elapsedMs} onExport={() => exportSqlResult(services, result)} />}
        </div>
      </div>
    </section>
  );
}
