// The shell as a user and a screen reader meet it: views, evidence picker, engine status, progress, sample, SQL.
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { bindEngineStatus, startEngine, type AppServices } from '../../src/state/actions';
import { createAppStore } from '../../src/state/store';
import { App } from '../../src/ui/App';
import { ServicesProvider } from '../../src/ui/context';
import type { EvidenceReader, ReaderMessage } from '../../src/ingest/protocol';
import { FakeEngine } from './fake-engine';

/** A reader that reports each file as unreadable, so the shell's import path runs without the real ingest. */
const rejectingReader: EvidenceReader = async function* (files, options) {
  let n = 0;
  for (const file of files) {
    const fileId = `${options.idPrefix}_${++n}`;
    yield { type: 'file-start', fileId, name: file.name, bytes: file.size } satisfies ReaderMessage;
    yield { type: 'file-error', fileId, name: file.name, message: 'not recognised (test reader)' } satisfies ReaderMessage;
  }
};

function setup(engine = new FakeEngine(), fetchImpl: typeof fetch = async () => new Response('', { status: 404 })) {
  const services: AppServices = { store: createAppStore(), engine, sampleBaseUrl: '/sample/', fetch: fetchImpl, reader: rejectingReader, download: () => undefined };
  bindEngineStatus(services);
  render(
    <ServicesProvider services={services}>
      <App />
    </ServicesProvider>,
  );
  return { services, engine, user: userEvent.setup() };
}

describe('app shell', () => {
  it('offers every view in the navigation and switches between them', async () => {
    const { user } = setup();
    const nav = screen.getByRole('navigation', { name: 'Views' });
    for (const name of ['Evidence', 'Findings', 'Identities', 'Inventory', 'SQL', 'Reports']) {
      expect(within(nav).getByRole('link', { name })).toBeTruthy();
    }
    expect(within(nav).getByRole('link', { name: 'Evidence' }).getAttribute('aria-current')).toBe('page');
    await user.click(within(nav).getByRole('link', { name: 'Findings' }));
    expect(screen.getByRole('heading', { name: 'Findings' })).toBeTruthy();
    expect(within(nav).getByRole('link', { name: 'Findings' }).getAttribute('aria-current')).toBe('page');
    await user.click(within(nav).getByRole('link', { name: 'SQL' }));
    expect(screen.getByRole('heading', { name: 'SQL console' })).toBeTruthy();
  });

  it('shows the engine status as it starts and when it is ready', async () => {
    const engine = new FakeEngine();
    engine.holdStart = true;
    const { services } = setup(engine);
    const started = startEngine(services);
    await waitFor(() => expect(screen.getByRole('status', { name: 'Engine status' }).textContent).toMatch(/starting/i));
    engine.finishStart();
    await started;
    await waitFor(() => expect(screen.getByRole('status', { name: 'Engine status' }).textContent).toMatch(/Engine ready.*v1\.4\.3/));
  });

  it('says so when the engine cannot start', async () => {
    const engine = new FakeEngine();
    engine.failStart = new Error('wasm refused');
    const { services } = setup(engine);
    await startEngine(services);
    await waitFor(() => expect(screen.getByRole('status', { name: 'Engine status' }).textContent).toMatch(/error: wasm refused/));
    expect(screen.getByRole('alert').textContent).toMatch(/could not start: wasm refused/);
  });

  it('imports picked files through the "Add evidence files" input and names each file that could not be read', async () => {
    const { user } = setup();
    const input = screen.getByLabelText('Add evidence files') as HTMLInputElement;
    expect(input.type).toBe('file');
    expect(input.multiple).toBe(true);
    await user.upload(input, [new File(['a,b\n1,2\n'], 'register.csv'), new File(['{}'], 'trail "<b>x</b>".json')]);
    const alerts = await screen.findAllByRole('alert');
    expect(alerts.map((a) => a.textContent).join('\n')).toContain('register.csv: not recognised (test reader)');
    // Hostile file names are shown as text, not markup.
    expect(alerts.map((a) => a.textContent).join('\n')).toContain('trail "<b>x</b>".json: not recognised');
    expect(document.querySelector('b')).toBeNull();
  });

  it('shows a progress bar with counts while work runs', async () => {
    const { services } = setup();
    services.store.setState({ progress: { label: 'Adding evidence', done: 3, total: 10, unit: 'files' } });
    const bar = await screen.findByRole('progressbar', { name: 'Adding evidence' });
    expect(bar.getAttribute('aria-valuenow')).toBe('3');
    expect(bar.getAttribute('aria-valuemax')).toBe('10');
    expect(bar.getAttribute('aria-valuetext')).toBe('3 of 10 files');
  });

  it('opens the sample workspace from the start page through the same import path as dropped files', async () => {
    const manifest = { name: 'sample', files: [{ path: 'nhi-register.csv', bytes: 4 }, { path: 'cloudtrail/a.json.gz', bytes: 3 }] };
    const fetched: string[] = [];
    const fetchImpl = (async (url: string) => {
      fetched.push(url);
      return url.endsWith('manifest.json') ? new Response(JSON.stringify(manifest)) : new Response('data');
    }) as unknown as typeof fetch;
    const { user } = setup(new FakeEngine(), fetchImpl);
    await user.click(screen.getByRole('button', { name: 'Open sample workspace' }));
    const alerts = await screen.findAllByRole('alert');
    expect(alerts.map((a) => a.textContent).join('\n')).toContain('cloudtrail/a.json.gz: not recognised');
    expect(fetched).toEqual(['/sample/manifest.json', '/sample/nhi-register.csv', '/sample/cloudtrail/a.json.gz']);
  });

  it('tells the user when the sample cannot be fetched', async () => {
    const { user } = setup();
    await user.click(screen.getByRole('button', { name: 'Open sample workspace' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/sample workspace could not be opened.*404/);
  });

  it('runs SQL from the console and shows the result grid', async () => {
    const { user, services } = setup();
    await startEngine(services);
    await user.click(screen.getByRole('link', { name: 'SQL' }));
    const editor = screen.getByRole('textbox', { name: 'SQL query' });
    await user.click(editor);
    await user.keyboard('{Control>}a{/Control}{Backspace}');
    await user.type(editor, 'SELECT 42 AS answer');
    expect(services.store.getState().sql.text).toBe('SELECT 42 AS answer');
    await user.click(screen.getByRole('button', { name: 'Run query' }));
    const grid = await screen.findByRole('table', { name: 'Query result' });
    expect(within(grid).getByRole('columnheader', { name: 'answer' })).toBeTruthy();
    expect(within(grid).getByRole('cell', { name: '42' })).toBeTruthy();
  });

  it('runs the guided tour from the Help menu, moving through the views, and switches to the dark theme', async () => {
    const { user, services } = setup();
    await user.click(screen.getByRole('button', { name: 'Help' }));
    await user.click(screen.getByRole('menuitem', { name: 'Start the guided tour' }));
    const tour = screen.getByRole('dialog', { name: 'Evidence' });
    expect(within(tour).getByText(/Step 1 of \d+/)).toBeTruthy();
    await user.click(within(tour).getByRole('button', { name: 'Next step' }));
    expect(services.store.getState().view).toBe('findings');
    await user.click(screen.getByRole('button', { name: 'Next step' }));
    expect(screen.getByRole('dialog', { name: /Incident a/ })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Close tour' }));
    expect(screen.queryByRole('dialog', { name: /Incident a/ })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Help' }));
    await user.click(screen.getByRole('menuitemcheckbox', { name: 'Dark theme' }));
    expect(document.documentElement.dataset.theme).toBe('dark');
  });
});
