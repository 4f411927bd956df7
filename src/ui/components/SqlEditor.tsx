// The SQL editor: CodeMirror 6 with DuckDB-flavoured highlighting, completion of the workspace's table and column
// names, and Ctrl/Cmd+Enter to run. The editable element is a textbox named by `label` for assistive tech and tests.
import { PostgreSQL, SQLDialect, sql, type SQLNamespace } from '@codemirror/lang-sql';
import { Compartment, EditorState, Prec } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import { basicSetup, EditorView } from 'codemirror';
import { useEffect, useImperativeHandle, useLayoutEffect, useRef, type Ref } from 'react';
import type { SchemaTable } from '../../investigate/schema';

/** DuckDB is Postgres-like; these are the words it adds (or that analysts reach for) on top of the Postgres dialect. */
const DUCKDB_KEYWORDS =
  'qualify pivot unpivot pivot_wider pivot_longer exclude replace columns asof positional anti semi sample tablesample ' +
  'summarize describe macro glob ilike struct_pack list_value unnest install load attach detach pragma reservoir';
const DUCKDB_TYPES =
  'tinyint utinyint usmallint uinteger ubigint hugeint uhugeint varchar blob timestamp_s timestamp_ms timestamp_ns ' +
  'struct map union list enum bit';
const DUCKDB_BUILTIN =
  'read_csv read_csv_auto read_parquet range generate_series duckdb_tables duckdb_views duckdb_columns duckdb_settings ' +
  'list_contains list_has_any list_distinct list_aggregate string_split regexp_matches regexp_extract regexp_replace ' +
  'strftime strptime epoch_ms make_timestamp date_trunc date_diff date_part count_if arg_max arg_min approx_count_distinct ' +
  'string_agg median quantile_cont mode hash md5 sha256 starts_with ends_with contains';

const spec = PostgreSQL.spec;
/** Postgres's lexical rules ($$-strings, E'' escapes, "identifiers") are DuckDB's too; the word lists grow. */
export const DuckDBDialect = SQLDialect.define({
  ...spec,
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
  // The editor keeps a light page in both themes: CodeMirror's token colours are made for one.
  '&': { height: '100%', backgroundColor: 'var(--editor-bg, #fff)', color: 'var(--editor-ink, #17212b)', fontSize: '0.9rem' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': { fontFamily: "ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace", overflow: 'auto' },
  '.cm-gutters': { backgroundColor: 'var(--editor-gutter, #f6f7f9)', borderRight: '1px solid var(--line, #d9dee5)', color: 'var(--editor-muted, #5b6776)' },
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

/** The document range an input event will replace: its target range, else the DOM selection (shadow-root aware). */
function inputRange(view: EditorView, event: InputEvent): { from: number; to: number; collapsed: boolean } | null {
  let ends: [Node | null, number, Node | null, number];
  const target = typeof event.getTargetRanges === 'function' ? event.getTargetRanges()[0] : undefined;
  if (target) {
    ends = [target.startContainer, target.startOffset, target.endContainer, target.endOffset];
  } else {
    // Chromium gives no target ranges inside a shadow root; its ShadowRoot.getSelection() sees the selection there.
    const root = view.root as (Document | ShadowRoot) & { getSelection?: () => Selection | null };
    const selection = root.getSelection ? root.getSelection() : document.getSelection();
    if (!selection || selection.rangeCount === 0) return null;
    ends = [selection.anchorNode, selection.anchorOffset, selection.focusNode, selection.focusOffset];
  }
  const [startNode, startOffset, endNode, endOffset] = ends;
  if (!startNode || !endNode || !view.contentDOM.contains(startNode) || !view.contentDOM.contains(endNode)) return null;
  try {
    const a = view.posAtDOM(startNode, startOffset);
    const b = view.posAtDOM(endNode, endOffset);
    return { from: Math.min(a, b), to: Math.max(a, b), collapsed: a === b };
  } catch {
    return null;
  }
}

/**
 * Text typed over a selection (and Playwright's fill(), which selects everything and inserts) is otherwise inserted
 * by Chromium's editing, which carries the deleted text's highlight colour over as a style attribute on a new span:
 * the CSP refuses it and reports a violation. Such insertions, and multi-line ones, go through CodeMirror instead,
 * so the browser never edits the DOM for them. Plain typing at a cursor stays CodeMirror's own DOM reading.
 */
const insertThroughCodeMirror = EditorView.domEventHandlers({
  beforeinput(event, view) {
    if ((event.inputType !== 'insertText' && event.inputType !== 'insertReplacementText') || view.composing) return false;
    const data = event.data ?? event.dataTransfer?.getData('text/plain') ?? null;
    if (data === null) return false;
    const range = inputRange(view, event);
    if (!range || (range.collapsed && !data.includes('\n'))) return false;
    const { from, to } = range;
    event.preventDefault();
    const text = view.state.toText(data);
    const insert = () =>
      view.state.update({ changes: { from, to, insert: text }, selection: { anchor: from + text.length }, userEvent: 'input.type', scrollIntoView: true });
    if (!view.state.facet(EditorView.inputHandler).some((handler) => handler(view, from, to, data, insert))) view.dispatch(insert());
    return true;
  },
});

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
  useLayoutEffect(() => {
    latest.current = { value, onChange, onRun, schema, label };
  });

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
          insertThroughCodeMirror,
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
