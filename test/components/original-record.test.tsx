// "Show original record" in a finding's evidence, end to end below the browser: the workshop sample imported by the
// app's own action (real reader, real DuckDB, IndexedDB via fake-indexeddb), a finding opened, an event's original
// record shown in a labelled dialog as text, closed with Escape; and the message when the original was not kept.
import 'fake-indexeddb/auto';
import { execFileSync } from 'node:child_process';
import { Blob as NodeBlob, File as NodeFile } from 'node:buffer';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../src/engine/duck-engine';
import { createNodeEngine } from '../../src/engine/node/node-engine';
import { ensureSchema } from '../../src/ingest/commit';
import { readEvidence } from '../../src/ingest/reader';
import { addEvidenceFiles, type AppServices } from '../../src/state/actions';
import { createAppStore } from '../../src/state/store';
import { ServicesProvider } from '../../src/ui/context';
import { FindingsView } from '../../src/ui/views/FindingsView';
import { SettingsView } from '../../src/ui/views/SettingsView';
import { DriftlineDB } from '../../src/workspace/db';
import { keepOriginalsSetting } from '../../src/workspace/originals';
import { Workspaces } from '../../src/workspace/service';

// jsdom's Blob cannot be streamed, nor stored by fake-indexeddb's structuredClone: evidence files are Node's, as they
// are the browser's own in the tab.
Object.assign(globalThis, { Blob: NodeBlob, File: NodeFile });

function sampleFiles(): File[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'driftline-sample-'));
  execFileSync(process.execPath, ['sample-data/generate.mjs', '--out', dir, '--quiet'], { stdio: 'pipe' });
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
  return manifest.files.map((f) => new File([readFileSync(path.join(dir, f.path))], f.path));
}

describe('original record of an evidence event', () => {
  let engine: DuckEngine;
  let services: AppServices;
  let db: DriftlineDB;
  beforeAll(async () => {
    engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
    db = new DriftlineDB(`c-${Math.random()}`);
    const workspaces = new Workspaces(db);
    const ws = await workspaces.create('components');
    const store = createAppStore();
    store.setState((s) => ({ workspace: { ...s.workspace, current: ws } }));
    services = { store, engine, sampleBaseUrl: '/', fetch: globalThis.fetch, reader: readEvidence, download: () => undefined, workspaces };
    const report = await addEvidenceFiles(services, sampleFiles(), 'sample');
    expect(report?.status).toBe('committed');
    expect(services.store.getState().findings.length).toBeGreaterThan(0);
  }, 120_000);
  afterAll(async () => {
    await engine.close();
    db.close();
  });

  async function openFirstFindingWithEvents() {
    render(
      <ServicesProvider services={services}>
        <FindingsView />
      </ServicesProvider>,
    );
    const user = userEvent.setup();
    const queue = screen.getByLabelText('Findings queue, use j and k to move');
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Findings queue' })).getAllByRole('row').length).toBeGreaterThan(2));
    // The queue opens on Enter; walk down until a finding whose evidence is events (posture findings cite the inventory).
    queue.focus();
    for (let i = 0; i < 40; i++) {
      await user.keyboard('{Enter}');
      const detail = await screen.findByRole('region', { name: /^Finding / });
      const table = await within(detail)
        .findByRole('table', { name: /^Evidence events/ }, { timeout: 3000 })
        .catch(() => null);
      if (table) return { user, detail, table };
      queue.focus();
      await user.keyboard('j');
    }
    throw new Error('no finding with evidence events');
  }

  it('shows the raw record of an event in a labelled dialog, as text, and closes it with Escape', async () => {
    const { user, table } = await openFirstFindingWithEvents();
    const firstRow = within(table).getAllByRole('row')[1]!;
    const cells = within(firstRow).getAllByRole('cell').map((c) => c.textContent ?? '');
    const [sourceFile, sourceRow] = cells.slice(6, 8);
    const { rows } = await engine.queryRows(`SELECT event_id FROM events_v WHERE source_file = '${sourceFile}' AND source_row = ${Number(sourceRow)}`);
    const eventId = String(rows[0]?.event_id);
    expect(eventId).not.toBe('null');

    const button = within(firstRow).getByRole('button', { name: 'Show original record for event 1' });
    await user.click(button);
    const dialog = screen.getByRole('dialog', { name: 'Original record of event 1' });
    const text = await within(dialog).findByLabelText('Original record text', {}, { timeout: 15_000 });
    expect(text.tagName).toBe('PRE');
    expect(text.textContent).toContain(JSON.stringify(eventId));
    expect(() => JSON.parse(text.textContent ?? '')).not.toThrow();
    expect(within(dialog).getByText(new RegExp(`${sourceFile!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · record ${Number(sourceRow)}`))).toBeTruthy();
    expect(text.children).toHaveLength(0); // text only, no markup from the evidence

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(button);
  }, 60_000);

  it('"Keep original files" in Settings is on by default and is saved when turned off', async () => {
    render(
      <ServicesProvider services={services}>
        <SettingsView />
      </ServicesProvider>,
    );
    const user = userEvent.setup();
    const box = screen.getByRole('checkbox', { name: 'Keep original files' });
    await waitFor(() => expect((box as HTMLInputElement).disabled).toBe(false));
    expect((box as HTMLInputElement).checked).toBe(true);
    await user.click(box);
    await waitFor(async () => expect(await keepOriginalsSetting(db)).toBe(false));
    expect((box as HTMLInputElement).checked).toBe(false);
    await user.click(box);
    await waitFor(async () => expect(await keepOriginalsSetting(db)).toBe(true));
  });

  it('says plainly when the original was not kept', async () => {
    const ws = services.store.getState().workspace.current!.id;
    await db.originalFiles.where('workspaceId').equals(ws).modify({ originalId: null, missing: 'not-kept' });
    const { user, table } = await openFirstFindingWithEvents();
    await user.click(within(table).getByRole('button', { name: 'Show original record for event 2' }));
    const dialog = screen.getByRole('dialog', { name: 'Original record of event 2' });
    expect((await within(dialog).findByText(/original file was not kept/)).textContent).toMatch(/"Keep original files" was off/);
    expect(within(dialog).queryByLabelText('Original record text')).toBeNull();
    await user.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  }, 60_000);
});
