// Export → import of a whole workspace (fake-indexeddb + real DuckDB): identical tables, findings, triage, settings,
// mappings; a flipped byte names the entry and writes nothing; encryption round trip.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../src/detections/catalog';
import { DEFAULT_SETTINGS, runAnalysis } from '../../../src/detections/runner';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { packWorkspace } from '../../../src/workspace/archive';
import { DriftlineDB } from '../../../src/workspace/db';
import { Workspaces } from '../../../src/workspace/service';
import { restoreSnapshot, saveSnapshot } from '../../../src/workspace/snapshot';
import { exportWorkspace, importWorkspace } from '../../../src/workspace/transfer';
import { AS_OF, daily, identity, workspace } from '../detections/harness';

const SYNC = 'arn:aws:iam::111122223333:user/data-sync';

describe('workspace export/import', () => {
  let engine: DuckEngine;
  let db: DriftlineDB;
  let workspaces: Workspaces;
  let wsId: string;
  let uids: string;
  beforeAll(async () => {
    engine = await workspace({
      identities: [identity({ identity_key: SYNC, name: 'data-sync' })],
      events: [...daily(SYNC, { daysBack: [30, 0] }), ...daily(SYNC, { daysBack: [3, 1], over: { action: 'kms:Decrypt' } })],
    });
    db = new DriftlineDB(`x-${Math.random()}`);
    workspaces = new Workspaces(db);
    wsId = (await workspaces.create('Case 7')).id;
    await saveSnapshot(db, engine, wsId);
    const settings = { ...DEFAULT_SETTINGS, detectionDays: 5 };
    await workspaces.saveSettings(wsId, settings);
    await workspaces.rememberMapping('sig-1', { event_time: 'When', actor: 'Who' });
    await runAnalysis(engine, CATALOGUE, settings, { evaluatedAt: AS_OF });
    uids = String((await engine.queryRows("SELECT string_agg(finding_uid, ',' ORDER BY finding_uid) AS u FROM findings")).rows[0]?.u);
    const first = uids.split(',')[0]!;
    await workspaces.setTriage(wsId, first, { status: 'escalated', note: 'paged', by: 'me' });
  });
  afterAll(() => engine.close());

  it('restores everything in a fresh browser profile', async () => {
    const { bytes, name } = await exportWorkspace(db, wsId);
    expect(name).toBe('Case-7.driftline');
    const other = new DriftlineDB(`y-${Math.random()}`);
    const record = await importWorkspace(other, bytes);
    const otherWorkspaces = new Workspaces(other);
    expect(record.name).toBe('Case 7');
    const fresh = createNodeEngine();
    await fresh.start();
    expect(await restoreSnapshot(other, fresh, record.id)).toBe(true);
    const settings = await otherWorkspaces.settings(record.id);
    expect(settings.detectionDays).toBe(5);
    await runAnalysis(fresh, CATALOGUE, settings, { evaluatedAt: AS_OF });
    expect(String((await fresh.queryRows("SELECT string_agg(finding_uid, ',' ORDER BY finding_uid) AS u FROM findings")).rows[0]?.u)).toBe(uids);
    expect(Object.values(await otherWorkspaces.triage(record.id))).toEqual([{ status: 'escalated', notes: [expect.objectContaining({ text: 'paged' })] }]);
    expect(await otherWorkspaces.mappings()).toEqual({ 'sig-1': { event_time: 'When', actor: 'Who' } });
    await fresh.close();
  });

  it("carries each chunk's gzip member sizes through the file, and refuses sizes that do not match a part", async () => {
    const saved = await db.snapshots.get((await db.workspaces.get(wsId))!.snapshotId!);
    const { bytes } = await exportWorkspace(db, wsId);
    const other = new DriftlineDB(`m-${Math.random()}`);
    const record = await importWorkspace(other, bytes);
    const imported = await other.snapshots.get(record.snapshotId!);
    expect(imported!.tables.map((t) => t.members)).toEqual(saved!.tables.map((t) => t.members));
    expect(imported!.tables.find((t) => t.name === 'events')!.members).toHaveLength(1);

    const part = new Uint8Array(await new Response(new Blob([new Uint8Array([1, 2, 3])]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer());
    const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    const entries = [
      { path: 'tables/events/0000.arrow.gz', bytes: part },
      { path: 'snapshot.json', bytes: json({ tables: [{ name: 'events', rows: 1, parts: ['tables/events/0000.arrow.gz'], members: [[part.byteLength + 5]] }] }) },
      { path: 'triage.json', bytes: json([]) },
      { path: 'settings.json', bytes: json(null) },
      { path: 'mappings.json', bytes: json([]) },
      { path: 'queries.json', bytes: json([]) },
    ];
    const forged = await packWorkspace(entries, { workspace: { id: 'w1', name: 'Forged' }, appVersion: 'test' });
    const empty = new DriftlineDB(`f-${Math.random()}`);
    await expect(importWorkspace(empty, forged)).rejects.toThrow(/gzip members for events that do not match its parts/);
    expect(await empty.workspaces.count()).toBe(0);
  });

  it('refuses a file with a flipped byte, naming the entry, and writes nothing', async () => {
    const { bytes } = await exportWorkspace(db, wsId);
    const target = new TextEncoder().encode('tables/events/0000.arrow.gz');
    // Flip a byte inside the stored data of the first events part (just after its local header and name).
    let at = -1;
    for (let i = 0; i < bytes.length - target.length; i++) {
      if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 3 && target.every((b, j) => bytes[i + 30 + j] === b)) {
        at = i + 30 + target.length + 40;
        break;
      }
    }
    expect(at).toBeGreaterThan(0);
    const tampered = bytes.slice();
    tampered[at]! ^= 0xff;
    const other = new DriftlineDB(`z-${Math.random()}`);
    await expect(importWorkspace(other, tampered)).rejects.toThrow(/tables\/events\/0000\.arrow\.gz/);
    expect(await other.workspaces.count()).toBe(0);
  });

  it('encrypts with a passphrase and refuses a wrong one plainly', async () => {
    const { bytes, name } = await exportWorkspace(db, wsId, { passphrase: 'correct horse battery staple' });
    expect(name).toMatch(/\.driftline\.enc$/);
    const other = new DriftlineDB(`e-${Math.random()}`);
    await expect(importWorkspace(other, bytes)).rejects.toMatchObject({ code: 'needs-passphrase' });
    await expect(importWorkspace(other, bytes, { passphrase: 'wrong' })).rejects.toMatchObject({ code: 'wrong-passphrase' });
    const record = await importWorkspace(other, bytes, { passphrase: 'correct horse battery staple' });
    expect(record.events).toBeGreaterThan(0);
  });
});
