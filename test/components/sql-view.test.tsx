// The SQL console as an analyst meets it, by role and label: the CodeMirror editor, running (button and Ctrl+Enter),
// the virtualised result grid, CSV export with inert formulas, saved queries (IndexedDB or memory), the schema browser.
import 'fake-indexeddb/auto';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { tableFromArrays, tableToIPC, type Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import type { Engine, EngineInfo, EngineMemory, EngineSession, EngineStatus, QueryOptions, RowsResult } from '../../src/engine/types';
import { tableToRows } from '../../src/engine/values';
import type { AppServices } from '../../src/state/actions';
import { openInConsole } from '../../src/state/actions';
import { createAppStore } from '../../src/state/store';
import { ServicesProvider } from '../../src/ui/context';
import { SqlView } from '../../src/ui/views/SqlView';
import { DriftlineDB } from '../../src/workspace/db';
import { Workspaces } from '../../src/workspace/service';

/** The schema the fake catalogue reports: two canonical tables and a view. */
const CATALOGUE = [
  ['events', 'table', 'event_time', 'TIMESTAMP'],
  ['events', 'table', 'actor', 'VARCHAR'],
  ['events', 'table', 'action', 'VARCHAR'],
  ['identities', 'table', 'identity_key', 'VARCHAR'],
  ['identities', 'table', 'permissions', 'VARCHAR[]'],
  ['ev', 'view', 'entity_key', 'VARCHAR'],
] as const;

/** An engine that answers the console's queries from a script: the catalogue, small results and a 50,000-row one. */
class ScriptedEngine implements Engine {
  status: EngineStatus = 'ready';
  queries: string[] = [];

  answer(sql: string): Table {
    if (/duckdb_columns\(\)/.test(sql)) {
      return tableFromArrays({
        table_name: CATALOGUE.map((c) => c[0]),
        kind: CATALOGUE.map((c) => c[1]),
        column_name: CATALOGUE.map((c) => c[2]),
        data_type: CATALOGUE.map((c) => c[3]),
        column_index: Int32Array.from(CATALOGUE, (_, i) => i),
      });
    }
    if (/range\(50000\)/.test(sql)) {
      return tableFromArrays({ i: Int32Array.from({ length: 50_000 }, (_, i) => i), label: Array.from({ length: 50_000 }, (_, i) => `row ${i}`) });
    }
    if (/formulas/.test(sql)) {
      return tableFromArrays({ actor: ['=HYPERLINK("http://evil.example","x")', '+cmd|calc', 'plain, with comma'], n: Int32Array.from([1, 2, 3]) });
    }
    if (/SELECT 42/i.test(sql)) return tableFromArrays({ answer: Int32Array.from([42]) });
    throw new Error(`Parser Error: syntax error at or near "${sql.slice(0, 10)}"`);
  }

  async query(sql: string, options: QueryOptions = {}): Promise<Table> {
    this.queries.push(sql);
    if (options.signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
    return this.answer(sql);
  }
  async queryRows(sql: string, options?: QueryOptions): Promise<RowsResult> {
    return tableToRows(await this.query(sql, options));
  }
  async streamIpc(sql: string, onPart: (part: Uint8Array) => void, options?: QueryOptions): Promise<void> {
    onPart(tableToIPC(await this.query(sql, options), 'stream'));
  }
  async start(): Promise<EngineInfo> {
    return { version: 'v1.4.3', bundle: 'scripted', startMs: 1 };
  }
  async registerFile(): Promise<void> {}
  async dropFile(): Promise<void> {}
  async exec(sql: string): Promise<void> {
    this.queries.push(sql);
  }
  async insertArrowIPC(): Promise<void> {}
  /** The same engine answers a session's statements (component tests never see a second connection's isolation). */
  async session(): Promise<EngineSession> {
    return {
      query: (sql, options) => this.query(sql, options),
      queryRows: (sql, options) => this.queryRows(sql, options),
      exec: (sql) => this.exec(sql),
      insertArrowIPC: () => this.insertArrowIPC(),
      close: async () => undefined,
    };
  }
  async memory(): Promise<EngineMemory> {
    return { usedBytes: 0, limitBytes: 1, temporaryBytes: 0, heapBytes: null };
  }
  async reset(): Promise<EngineInfo> {
    return this.start();
  }
  async close(): Promise<void> {}
  onStatus(): () => void {
    return () => undefined;
  }
}

interface Download {
  name: string;
  blob: Blob;
}

async function setup(options: { workspaces?: Workspaces; workspaceId?: string } = {}) {
  const engine = new ScriptedEngine();
  const downloads: Download[] = [];
  const store = createAppStore({ engine: { status: 'ready', info: null, error: null } });
  if (options.workspaces) {
    const current = options.workspaceId ? ((await options.workspaces.get(options.workspaceId)) ?? null) : null;
    store.setState((state) => ({ workspace: { ...state.workspace, current } }));
  }
  const services: AppServices = {
    store,
    engine,
    sampleBaseUrl: '/sample/',
    fetch: globalThis.fetch,
    reader: async function* () {},
    download: (name, blob) => downloads.push({ name, blob }),
    workspaces: options.workspaces ?? null,
  };
  const view = render(
    <ServicesProvider services={services}>
      <SqlView />
    </ServicesProvider>,
  );
  return { services, engine, downloads, view, user: userEvent.setup() };
}

/**
 * Replace the editor's text as a user would: select all, delete, type. (user.clear() empties the contenteditable
 * behind CodeMirror's back in jsdom, and CodeMirror restores its document; keys go through CodeMirror's keymap.)
 */
async function typeQuery(user: ReturnType<typeof userEvent.setup>, sql: string) {
  const editor = screen.getByRole('textbox', { name: 'SQL query' });
  await user.click(editor);
  await user.keyboard('{Control>}a{/Control}{Backspace}');
  await user.type(editor, sql);
  return editor;
}

const bodyRows = (grid: HTMLElement) => within(grid).getAllByRole('row').filter((row) => row.getAttribute('aria-rowindex') !== '1');

describe('SQL console', () => {
  it('edits SQL in an accessible CodeMirror textbox and shows the result grid with typed headers', async () => {
    const { user, services } = await setup();
    const editor = screen.getByRole('textbox', { name: 'SQL query' });
    expect(editor.getAttribute('contenteditable')).toBe('true');
    expect(editor.closest('.cm-editor')).not.toBeNull();
    expect(editor.textContent).toBe('SELECT 42 AS answer');
    await typeQuery(user, 'SELECT 42 AS answer, 1');
    expect(services.store.getState().sql.text).toBe('SELECT 42 AS answer, 1');
    await user.click(screen.getByRole('button', { name: 'Run query' }));
    const grid = await screen.findByRole('table', { name: 'Query result' });
    const header = within(grid).getByRole('columnheader', { name: 'answer' });
    expect(header.getAttribute('title')).toBe('Int32');
    expect(within(grid).getByRole('cell', { name: '42' })).toBeTruthy();
    expect(screen.getByRole('status', { name: 'Result size' }).textContent).toMatch(/^1 row · 1 column · \d+ ms$/);
  });

  it('runs with Ctrl+Enter from the editor and shows errors as an alert', async () => {
    const { user, engine } = await setup();
    const editor = await typeQuery(user, 'SELEC nonsense');
    await user.click(editor);
    await user.keyboard('{Control>}{Enter}{/Control}');
    expect((await screen.findByRole('alert')).textContent).toMatch(/Parser Error/);
    expect(engine.queries).toContain('SELEC nonsense');
  });

  it('renders only a window of a 50,000-row result and still reports every row', async () => {
    const { user } = await setup();
    await typeQuery(user, 'SELECT i, label FROM range(50000)');
    await user.click(screen.getByRole('button', { name: 'Run query' }));
    const grid = await screen.findByRole('table', { name: 'Query result' });
    expect(screen.getByRole('status', { name: 'Result size' }).textContent).toMatch(/^50,000 rows · 2 columns/);
    expect(grid.getAttribute('aria-rowcount')).toBe('50001');
    const rows = bodyRows(grid);
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(200);
    expect(grid.querySelectorAll('tr').length).toBeLessThan(200);
    expect(within(grid).getByRole('cell', { name: 'row 0' })).toBeTruthy();
    expect(within(grid).queryByRole('cell', { name: 'row 49999' })).toBeNull();
    // Number columns are right-aligned.
    expect(within(rows[0]!).getAllByRole('cell')[0]!.className).toBe('num');
  });

  it('exports the whole result as CSV whose formula-like cells are inert', async () => {
    const { user, downloads } = await setup();
    await typeQuery(user, 'SELECT * FROM formulas');
    await user.click(screen.getByRole('button', { name: 'Run query' }));
    await screen.findByRole('table', { name: 'Query result' });
    await user.click(screen.getByRole('button', { name: 'Export result as CSV' }));
    expect(downloads).toHaveLength(1);
    expect(downloads[0]!.name).toMatch(/^driftline-query-\d{8}-\d{6}\.csv$/);
    expect(downloads[0]!.blob.type).toBe('text/csv');
    const text = await downloads[0]!.blob.text();
    expect(text.split('\r\n')).toEqual(['actor,n', `"'=HYPERLINK(""http://evil.example"",""x"")",1`, "'+cmd|calc,2", '"plain, with comma",3', '']);
  });

  it('saves, loads and deletes queries in memory when the browser keeps nothing, and says so', async () => {
    const { user, services } = await setup();
    expect(screen.getByText(/saved queries last until the page is closed/)).toBeTruthy();
    await typeQuery(user, 'SELECT 42 AS top_actors');
    await user.type(screen.getByRole('textbox', { name: 'Query name' }), 'top actors');
    await user.click(screen.getByRole('button', { name: 'Save query' }));
    const list = await screen.findByRole('list', { name: 'Saved queries' });
    expect(within(list).getByRole('button', { name: 'Load top actors' })).toBeTruthy();
    await typeQuery(user, 'SELECT 1');
    await user.click(within(list).getByRole('button', { name: 'Load top actors' }));
    expect(services.store.getState().sql.text).toBe('SELECT 42 AS top_actors');
    await waitFor(() => expect(screen.getByRole('textbox', { name: 'SQL query' }).textContent).toBe('SELECT 42 AS top_actors'));
    await user.click(within(list).getByRole('button', { name: 'Delete top actors' }));
    await waitFor(() => expect(screen.queryByRole('list', { name: 'Saved queries' })).toBeNull());
  });

  it('keeps saved queries per workspace in IndexedDB, and saving a name again updates it', async () => {
    const workspaces = new Workspaces(new DriftlineDB(`sql-view-${Math.random()}`));
    const mine = await workspaces.create('mine');
    const other = await workspaces.create('other');
    await workspaces.db.queries.add({ id: 'q-other', workspaceId: other.id, name: 'not mine', sql: 'SELECT 0', updatedAt: '2026-01-01T00:00:00.000Z' });
    const first = await setup({ workspaces, workspaceId: mine.id });
    expect(screen.queryByText(/saved queries last until the page is closed/)).toBeNull();
    await typeQuery(first.user, 'SELECT 42 AS v1');
    await first.user.type(screen.getByRole('textbox', { name: 'Query name' }), 'answer');
    await first.user.click(screen.getByRole('button', { name: 'Save query' }));
    await screen.findByRole('button', { name: 'Load answer' });
    await typeQuery(first.user, 'SELECT 42 AS v2');
    await first.user.click(screen.getByRole('button', { name: 'Save query' }));
    await waitFor(async () => expect((await workspaces.db.queries.where('workspaceId').equals(mine.id).toArray()).map((q) => [q.name, q.sql])).toEqual([['answer', 'SELECT 42 AS v2']]));
    first.view.unmount();

    // A fresh console on the same workspace lists it; the other workspace's query is not shown.
    const second = await setup({ workspaces, workspaceId: mine.id });
    const list = await screen.findByRole('list', { name: 'Saved queries' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(1);
    await second.user.click(within(list).getByRole('button', { name: 'Load answer' }));
    expect(second.services.store.getState().sql.text).toBe('SELECT 42 AS v2');
    await second.user.click(within(list).getByRole('button', { name: 'Delete answer' }));
    await waitFor(async () => expect(await workspaces.db.queries.where('workspaceId').equals(mine.id).count()).toBe(0));
    expect(await workspaces.db.queries.get('q-other')).toBeTruthy();
  });

  it('browses the schema: tables and views with columns and types; a column click inserts its name', async () => {
    const { user, services } = await setup();
    const tables = await screen.findByRole('list', { name: 'Tables and views' });
    expect(within(tables).getAllByRole('listitem').filter((li) => li.parentElement === tables).map((li) => li.querySelector('summary')?.textContent)).toEqual([
      'eventstable · 3',
      'identitiestable · 2',
      'evview · 1',
    ]);
    const identities = within(tables).getByRole('list', { name: 'Columns of identities' });
    expect(identities.textContent).toContain('permissionsVARCHAR[]');
    await typeQuery(user, 'SELECT  FROM identities');
    // Put the cursor after "SELECT " and insert from the browser.
    const editor = screen.getByRole('textbox', { name: 'SQL query' });
    await user.click(editor);
    await user.keyboard('{Control>}{Home}{/Control}{ArrowRight>7/}');
    await user.click(within(identities).getByRole('button', { name: 'permissions' }));
    expect(services.store.getState().sql.text).toBe('SELECT permissions FROM identities');
    // The filter narrows tables and columns.
    await user.type(screen.getByRole('searchbox', { name: 'Filter tables and columns' }), 'actor');
    await waitFor(() => expect(within(screen.getByRole('list', { name: 'Tables and views' })).getAllByRole('button').map((b) => b.textContent)).toEqual(['actor']));
  });

  it('shows SQL put in the console from elsewhere (a finding\'s evidence query) in the editor', async () => {
    const { services } = await setup();
    openInConsole(services, "SELECT * FROM events WHERE actor = 'svc-deploy'");
    await waitFor(() => expect(screen.getByRole('textbox', { name: 'SQL query' }).textContent).toBe("SELECT * FROM events WHERE actor = 'svc-deploy'"));
  });
});
