// The SQL editor: CodeMirror 6 with DuckDB-flavoured highlighting, completion of the workspace's table and column
// names, and Ctrl/Cmd+Enter to run. The editable element is a textbox named by `label` for assistive tech and tests.
import { PostgreSQL, SQLDialect, sql, type SQLNamespace } from '@codemirror/lang-sql';
import { Compartment, EditorState, Prec } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import { basicSetup, EditorView } from 'codemirror';
import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';
import type { SchemaTable } from '../../investigate/schema';

/** DuckDB is Postgres-like; these are the words it adds (or that analysts reach for) on top of the Postgres dialect. */
const DUCKDB_KEYWORDS =
  'qualify pivot unpivot pivot_wider pivot_longer exclude replace columns asof positional anti semi sample tablesample ' +
  'summarize describe macro glob ilike similar struct_pack list_value unnest install load attach detach pragma ' +
  'using sample reservoir bernoulli system percent rows rows_only';
const DUCKDB_TYPES =
  'tinyint utinyint usmallint uinteger ubigint hugeint uhugeint varchar blob timestamp_s timestamp_ms timestamp_ns ' +
  'struct map union list enum bit';
const DUCKDB_BUILTIN =
  'read_csv read_csv_auto read_parquet range generate_series duckdb_tables duckdb_views duckdb_columns duckdb_settings ' +
  'list_contains list_has_any list_distinct list_aggregate string_split regexp_matches regexp_extract regexp_replace ' +
  'strftime strptime epoch_ms make_timestamp date_trunc date_diff date_part count_if arg_max arg_min approx_count_distinct ' +
  'string_agg median quantile_cont mode hash md5 sha256 starts_with ends_with contains';

const spec = PostgreSQL.spec;
export const DuckDBDialect = SQLDialect.define({
  ...spec,
  // Postgres's $$-strings and E'' escapes are not DuckDB's.
  doubleDollarQuotedStrings: false,
  keywords: `${spec.keywords ?? ''} ${DUCKDB_KEYWORDS}`,
  types: `${spec.types ?? ''} ${DUCKDB_TYPES}`,
  builtin: DUCKDB_BUILTIN,
});

/** Tables complete as tables; after "table." their columns complete with the DuckDB type beside each. */
export function schemaNamespace(schema: readonly SchemaTable[]): SQLNamespace {
  const namespace: Record<string, SQLNamespace> = {};
  for (const table of schema) {
    namespace[table.name] = {
      self: { label: table.name, type: table.kind === 'view' ? 'class' : 'type', detail: table.kind },
      children: table.columns.map((column) => ({ label: column.name, type: 'property', detail: column.type })),
    };
  }
  return namespace;
}

function language(schema: readonly SchemaTable[]) {
  return sql({ dialect: DuckDBDialect, schema: schemaNamespace(schema), upperCaseKeywords: true });
}

// Inside a shadow root (below) the app's stylesheet does not reach the editor, so its few layout rules live here,
// in terms of the app's CSS variables, which do cross the boundary.
const layoutTheme = EditorView.theme({
  '&': { height: '100%', backgroundColor: 'var(--panel, #fff)', color: 'var(--ink, #17212b)', fontSize: '0.9rem' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': { fontFamily: "ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace", overflow: 'auto' },
  '.cm-gutters': { backgroundColor: 'var(--bg, #f6f7f9)', borderRight: '1px solid var(--line, #d9dee5)', color: 'var(--muted, #5b6776)' },
  '.cm-tooltip-autocomplete ul li[aria-selected]': { backgroundColor: 'var(--accent, #1f7a70)', color: 'var(--accent-ink, #fff)' },
});

/**
 * Where CodeMirror is mounted. In a document it injects its styles as a <style> element, which the app's CSP
 * (style-src 'self') refuses; in a shadow root it uses a constructed stylesheet, which CSP does not govern. Where
 * constructed stylesheets do not exist (jsdom), the editor mounts in place.
 */
function mountPoint(host: HTMLElement): HTMLElement | ShadowRoot {
  const adoptable =
    typeof CSSStyleSheet !== 'undefined' && 'replaceSync' in CSSStyleSheet.prototype && 'adoptedStyleSheets' in Document.prototype;
  if (!adoptable) return host;
  return host.shadowRoot ?? host.attachShadow({ mode: 'open' });
}

/**
 * Without a layout engine (jsdom) text ranges cannot be measured, and CodeMirror's scroll-into-view after an edit
 * would throw from an animation frame; there is nothing to scroll there, so scrolling is declared done.
 */
const canMeasureText = typeof Range !== 'undefined' && typeof Range.prototype.getClientRects === 'function';
const noScrollWithoutLayout = EditorView.scrollHandler.of(() => !canMeasureText);

export interface SqlEditorHandle {
  /** Insert text at the cursor (replacing a selection) and give the editor focus. */
  insert(text: string): void;
  focus(): void;
}

export interface SqlEditorProps {
  value: string;
  onChange: (text: string) => void;
  /** Ctrl/Cmd+Enter. */
  onRun: () => void;
  schema: readonly SchemaTable[];
  /** Accessible name of the editable area. */
  label?: string;
  className?: string;
  ref?: Ref<SqlEditorHandle>;
}

export function SqlEditor({ value, onChange, onRun, schema, label = 'SQL query', className, ref }: SqlEditorProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const languageSlot = useRef(new Compartment());
  // The editor is built once; these refs hand it the latest props without rebuilding it.
  const latest = useRef({ value, onChange, onRun, schema, label });
  latest.current = { value, onChange, onRun, schema, label };

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const view = new EditorView({
      parent: mountPoint(host),
      state: EditorState.create({
        doc: latest.current.value,
        extensions: [
          Prec.highest(
            keymap.of([
              {
                key: 'Mod-Enter',
                run: () => {
                  latest.current.onRun();
                  return true;
                },
              },
            ]),
          ),
          basicSetup,
          languageSlot.current.of(language(latest.current.schema)),
          layoutTheme,
          noScrollWithoutLayout,
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ 'aria-label': latest.current.label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) latest.current.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    viewRef.current = view;
    return () => {
      view.destroy();
      viewRef.current = null;
    };
  }, []);

  // Text set from outside (a finding's "Open in SQL console", a saved query) replaces the document.
  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    const current = view.state.doc.toString();
    if (current !== value) view.dispatch({ changes: { from: 0, to: current.length, insert: value } });
  }, [value]);

  useEffect(() => {
    viewRef.current?.dispatch({ effects: languageSlot.current.reconfigure(language(schema)) });
  }, [schema]);

  useImperativeHandle(
    ref,
    () => ({
      insert(text: string) {
        const view = viewRef.current;
        if (!view) return;
        view.dispatch(view.state.replaceSelection(text), { scrollIntoView: true });
        view.focus();
      },
      focus() {
        viewRef.current?.focus();
      },
    }),
    [],
  );

  return <div ref={hostRef} className={className ? `sql-editor ${className}` : 'sql-editor'} />;
}
