// Storage faults without a browser (fake-indexeddb + real DuckDB): a full disk reported in any of the shapes Dexie
// gives it reads in plain words; a save cancelled at its last moment, or failing inside its transaction, keeps the
// previous snapshot current with nothing of the new one stored.
import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { ensureSchema } from '../../../src/ingest/commit';
import { describeStorageError, DriftlineDB, isQuotaError } from '../../../src/workspace/db';
import { Workspaces } from '../../../src/workspace/service';
import { restoreSnapshot, saveSnapshot } from '../../../src/workspace/snapshot';
import type { AppServices } from '../../../src/state/actions';
import { createAppStore } from '../../../src/state/store';
import { retrySave, saveWorkspace } from '../../../src/state/workspace-actions';

const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');

describe('a full disk in plain words', () => {
  it('recognises the quota error directly, as the cause of an aborted transaction, and inside a bulk write', () => {
    const shapes: unknown[] = [
      quota(),
      new Dexie.AbortError('Transaction aborted', quota()),
      new Dexie.BulkError('blobs.bulkAdd(): 1 of 3 operations failed', { 1: quota() } as never),
      Object.assign(new Error('wrapped'), { cause: quota() }),
      new Error('QuotaExceededError: Transaction was aborted'),
    ];
    for (const error of shapes) {
      expect(isQuotaError(error)).toBe(true);
      expect(describeStorageError(error)).toMatch(/^The browser has no room left to save this workspace\. Nothing was half-written: the last saved state is intact\./);
    }
  });

  it('does not call every storage failure a full disk', () => {
    for (const error of [new Error('Database deleted by request of the user'), new Dexie.AbortError('Transaction aborted', new Error('constraint')), null, 'x']) {
      expect(isQuotaError(error)).toBe(false);
    }
    expect(describeStorageError(new Error('Database deleted by request of the user'))).toBe(
      'The workspace could not be saved: Database deleted by request of the user. The last saved state is intact.',
    );
  });
});

async function workspaceWithTwoStates() {
  const db = new DriftlineDB(`faults-${Math.random()}`);
  const ws = await new Workspaces(db).create('faults');
  const engine = createNodeEngine();
  await engine.start();
  await ensureSchema(engine);
  await engine.exec("INSERT INTO evidence_files (file_id, name, kind, import_id, imported_at) VALUES ('f1', 'first.json', 'audit_log', 'i1', TIMESTAMP '2026-01-01')");
  const first = await saveSnapshot(db, engine, ws.id);
  await engine.exec("INSERT INTO evidence_files (file_id, name, kind, import_id, imported_at) VALUES ('f2', 'second.json', 'audit_log', 'i2', TIMESTAMP '2026-01-02')");
  return { db, ws, engine, first };
}

async function expectOnlyFirst(db: DriftlineDB, workspaceId: string, firstSnapshotId: string) {
  expect((await db.workspaces.get(workspaceId))?.snapshotId).toBe(firstSnapshotId);
  expect(await db.snapshots.count()).toBe(1);
  expect(await db.blobs.where('snapshotId').notEqual(firstSnapshotId).count()).toBe(0);
  const fresh = createNodeEngine();
  await fresh.start();
  expect(await restoreSnapshot(db, fresh, workspaceId)).toBe(true);
  expect((await fresh.queryRows('SELECT name FROM evidence_files ORDER BY name')).rows).toEqual([{ name: 'first.json' }]);
  await fresh.close();
}

describe('snapshot saves are all or nothing', () => {
  it('a Cancel that lands after the new blobs were written inside the transaction keeps nothing of them', async () => {
    const { db, ws, engine, first } = await workspaceWithTwoStates();
    const controller = new AbortController();
    // Cancel arrives while the transaction is writing: the blobs and the snapshot record are already added.
    db.snapshots.hook('creating', () => controller.abort());
    const error = await saveSnapshot(db, engine, ws.id, controller.signal).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    await expectOnlyFirst(db, ws.id, first.snapshotId);
    await engine.close();
  });

  it('a Cancel before the write starts (while the tables are read out of DuckDB) writes nothing', async () => {
    const { db, ws, engine, first } = await workspaceWithTwoStates();
    const controller = new AbortController();
    controller.abort();
    const error = await saveSnapshot(db, engine, ws.id, controller.signal).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    await expectOnlyFirst(db, ws.id, first.snapshotId);
    await engine.close();
  });

  it('a full disk after the blobs were written (at the snapshot record) aborts the whole transaction and reads as a full disk', async () => {
    const { db, ws, engine, first } = await workspaceWithTwoStates();
    let blobs = 0;
    db.blobs.hook('creating', () => void blobs++);
    db.snapshots.hook('creating', () => {
      throw quota();
    });
    const error = await saveSnapshot(db, engine, ws.id).catch((e: unknown) => e);
    expect(blobs).toBeGreaterThanOrEqual(1);
    expect(describeStorageError(error)).toMatch(/^The browser has no room left/);
    await expectOnlyFirst(db, ws.id, first.snapshotId);
    await engine.close();
  });
});

describe('saving the workspace from the app', () => {
  async function appWithUnsavedImport() {
    const { db, ws, engine, first } = await workspaceWithTwoStates();
    const store = createAppStore();
    store.setState((s) => ({ workspace: { ...s.workspace, current: ws } }));
    const services: AppServices = {
      store, engine, sampleBaseUrl: '/s/', fetch: globalThis.fetch, reader: async function* () {}, download: () => undefined, workspaces: new Workspaces(db),
    };
    return { db, ws, engine, first, services };
  }

  it('a full disk is a failure said in plain words, not a Cancel, though IndexedDB reports it as an aborted transaction', async () => {
    const { db, ws, engine, first, services } = await appWithUnsavedImport();
    // What Chromium delivers: the transaction aborted (Dexie's AbortError), a QuotaExceededError inside.
    const full = () => {
      throw new Dexie.AbortError('Transaction aborted', quota());
    };
    db.snapshots.hook('creating', full);
    expect(await saveWorkspace(services, { signal: new AbortController().signal })).toBe('failed');
    const state = services.store.getState();
    expect(state.notices.at(-1)).toMatchObject({ kind: 'error', text: expect.stringMatching(/^The browser has no room left/) });
    expect(state.workspace.unsaved).toMatch(/What this tab shows is not saved: a reload or closing the tab returns to the last saved state\.$/);
    await expectOnlyFirst(db, ws.id, first.snapshotId);
    // Room again: Save again keeps what the tab shows and the warning goes.
    db.snapshots.hook('creating').unsubscribe(full);
    await retrySave(services);
    expect(services.store.getState().workspace.unsaved).toBeNull();
    expect(services.store.getState().notices.at(-1)?.text).toBe('Workspace saved: what this tab shows is now kept.');
    expect((await db.workspaces.get(ws.id))?.files).toBe(2);
    await engine.close();
  });

  it('a Cancel is reported as cancelled, with no error and nothing stored', async () => {
    const { db, ws, engine, first, services } = await appWithUnsavedImport();
    const controller = new AbortController();
    db.snapshots.hook('creating', () => controller.abort());
    expect(await saveWorkspace(services, { signal: controller.signal })).toBe('cancelled');
    expect(services.store.getState().notices).toEqual([]);
    expect(services.store.getState().workspace.unsaved).toBeNull();
    await expectOnlyFirst(db, ws.id, first.snapshotId);
    await engine.close();
  });
});
