// Original files in the workspace (Node, fake-indexeddb + real DuckDB, the app's own actions): kept after a committed
// import (a zip once, its members by path), nothing kept for a failed import, the "Keep original files" setting,
// delete / duplicate / prune without orphans, and workspace export/import with and without originals.
import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { ensureSchema } from '../../../src/ingest/commit';
import type { EvidenceReader } from '../../../src/ingest/protocol';
import { readEvidence } from '../../../src/ingest/reader';
import { addEvidenceFiles, type AppServices } from '../../../src/state/actions';
import { loadOriginalRecord, saveKeepOriginals } from '../../../src/state/original-actions';
import { createAppStore } from '../../../src/state/store';
import { unpackWorkspace } from '../../../src/workspace/archive';
import { DriftlineDB } from '../../../src/workspace/db';
import { pruneOriginals } from '../../../src/workspace/originals';
import { Workspaces } from '../../../src/workspace/service';
import { exportWorkspace, importWorkspace } from '../../../src/workspace/transfer';
import { cloudTrailRecord } from '../container/helpers';

const te = new TextEncoder();
const trail = (prefix: string, n: number) => JSON.stringify({ Records: Array.from({ length: n }, (_, i) => ({ ...cloudTrailRecord(i), eventID: `${prefix}-${i}` })) });
const file = (name: string, content: string | Uint8Array) => new File([content as BlobPart], name);

describe('original files in a workspace', () => {
  let engine: DuckEngine;
  let db: DriftlineDB;
  let workspaces: Workspaces;
  let services: AppServices;

  async function servicesFor(reader: EvidenceReader = readEvidence): Promise<AppServices> {
    const ws = await workspaces.create(`ws ${Math.random()}`);
    const store = createAppStore();
    store.setState((s) => ({ workspace: { ...s.workspace, current: ws } }));
    return { store, engine, sampleBaseUrl: '/', fetch: globalThis.fetch, reader, download: () => undefined, workspaces };
  }
  const idOf = async (eventId: string) => {
    const { rows } = await engine.queryRows(`SELECT file_id, source_row FROM events WHERE event_id = '${eventId}'`);
    return { fileId: String(rows[0]?.file_id), row: Number(rows[0]?.source_row) };
  };
  const recordId = async (s: AppServices, eventId: string) => {
    const { fileId, row } = await idOf(eventId);
    const result = await loadOriginalRecord(s, fileId, row);
    if (result.status !== 'found') return result;
    return (JSON.parse(result.record.raw!) as { eventID: string }).eventID;
  };

  beforeEach(async () => {
    engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
    db = new DriftlineDB(`o-${Math.random()}`);
    workspaces = new Workspaces(db);
    services = await servicesFor();
  });
  afterEach(async () => {
    await engine.close();
    db.close();
  });

  it('keeps each dropped file once (a zip as received, members by path) and reads records back from it', async () => {
    const zip = zipSync({ 'logs/a.json': te.encode(trail('a', 5)), 'logs/b.json.gz': gzipSync(trail('b', 6)) });
    const result = await addEvidenceFiles(services, [file('bundle.zip', zip), file('plain.json', trail('p', 4)), file('bad.json', '{"not": "a log"}')], 'dropped');
    expect(result?.status).toBe('committed');
    const ws = services.store.getState().workspace.current!.id;
    const originals = await db.originals.where('workspaceId').equals(ws).toArray();
    expect(originals.map((o) => [o.name, o.size]).sort()).toEqual([['bundle.zip', zip.byteLength], ['plain.json', trail('p', 4).length]]);
    const pointers = await db.originalFiles.where('workspaceId').equals(ws).toArray();
    expect(pointers.map((p) => p.members).sort()).toEqual([[], ['logs/a.json'], ['logs/b.json.gz']]);
    expect(await recordId(services, 'b-4')).toBe('b-4');
    expect(await recordId(services, 'a-2')).toBe('a-2');
    expect(await recordId(services, 'p-3')).toBe('p-3');
  });

  it('keeps nothing for a failed import, and only pointers ("not kept") when the setting is off', async () => {
    const failing: EvidenceReader = async function* (files, options, signal) {
      for await (const message of readEvidence(files, options, signal)) {
        yield message;
        if (message.type === 'file-done') throw new Error('disk unplugged');
      }
    };
    const failed = await servicesFor(failing);
    const report = await addEvidenceFiles(failed, [file('one.json', trail('f', 3)), file('two.json', trail('g', 3))], 'dropped');
    expect(report?.status).toBe('failed');
    expect(await db.originals.count()).toBe(0);
    expect(await db.originalFiles.count()).toBe(0);

    await saveKeepOriginals(services, false);
    await addEvidenceFiles(services, [file('off.json', trail('off', 3))], 'dropped');
    expect(await db.originals.count()).toBe(0);
    const result = await recordId(services, 'off-1');
    expect(result).toEqual({ status: 'unavailable', message: expect.stringMatching(/not kept.*"Keep original files" was off/) });
  });

  it('deletes originals with their workspace, copies them with a duplicate, and prunes what no evidence uses', async () => {
    await addEvidenceFiles(services, [file('x.json', trail('x', 3)), file('y.json', trail('y', 3))], 'dropped');
    const ws = services.store.getState().workspace.current!.id;
    const copy = await workspaces.duplicate(ws, 'copy');
    expect(await db.originals.where('workspaceId').equals(copy.id).count()).toBe(2);
    const { fileId } = await idOf('x-0');
    expect(await pruneOriginals(db, ws, new Set([fileId]))).toBe(1);
    expect((await db.originals.where('workspaceId').equals(ws).toArray()).map((o) => o.name)).toEqual(['x.json']);
    await workspaces.remove(ws);
    expect(await db.originals.where('workspaceId').equals(ws).count()).toBe(0);
    expect(await db.originalFiles.where('workspaceId').equals(ws).count()).toBe(0);
    expect(await db.originals.where('workspaceId').equals(copy.id).count()).toBe(2);
    const copyServices = { ...services, store: createAppStore() };
    copyServices.store.setState((s) => ({ workspace: { ...s.workspace, current: copy } }));
    expect(await recordId(copyServices, 'y-2')).toBe('y-2');
  });

  it('exports originals with their SHA-256 in the manifest when asked, and says so when they were left out', async () => {
    const zip = zipSync({ 'in/z.json': te.encode(trail('z', 4)) });
    await addEvidenceFiles(services, [file('z.zip', zip)], 'dropped');
    // The snapshot is saved by the import; export it both ways.
    const ws = services.store.getState().workspace.current!.id;
    const withOriginals = await exportWorkspace(db, ws, { includeOriginals: true });
    const { manifest, entries } = await unpackWorkspace(withOriginals.bytes);
    const entry = manifest.entries.find((e) => e.path.startsWith('originals/'))!;
    expect(entry).toEqual({ path: 'originals/0000', bytes: zip.byteLength, sha256: createHash('sha256').update(zip).digest('hex') });
    expect(entries.has('originals.json')).toBe(true);
    const without = await exportWorkspace(db, ws);
    expect((await unpackWorkspace(without.bytes)).manifest.entries.some((e) => e.path.startsWith('originals/'))).toBe(false);

    const imported = await importWorkspace(db, withOriginals.bytes);
    const importedServices = { ...services, store: createAppStore() };
    importedServices.store.setState((s) => ({ workspace: { ...s.workspace, current: imported } }));
    expect(await recordId(importedServices, 'z-3')).toBe('z-3');
    const bare = await importWorkspace(db, without.bytes);
    importedServices.store.setState((s) => ({ workspace: { ...s.workspace, current: bare } }));
    expect(await recordId(importedServices, 'z-3')).toEqual({ status: 'unavailable', message: expect.stringMatching(/exported without original files/) });
  });
});
