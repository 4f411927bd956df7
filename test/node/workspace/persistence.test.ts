// Persistence in Node (fake-indexeddb + real DuckDB): snapshot → reopen without re-parsing → identical findings and uids;
// schema migration from v1; a full disk half-way leaves the last saved state; duplicate and delete.
import 'fake-indexeddb/auto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../src/detections/catalog';
import { analysisFingerprint, DEFAULT_SETTINGS, exceptionsUnchangedSince, prepareContext, runAnalysis } from '../../../src/detections/runner';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { ensureSchema } from '../../../src/ingest/commit';
import { importEvidence } from '../../../src/ingest/pipeline';
import { readEvidence } from '../../../src/ingest/reader';
import { describeStorageError, DriftlineDB } from '../../../src/workspace/db';
import { Workspaces } from '../../../src/workspace/service';
import { restoreSnapshot, restoreWorkspace, saveAnalysis, saveSnapshot } from '../../../src/workspace/snapshot';

const EVALUATED_AT = Date.UTC(2026, 3, 1);

function sampleFiles(): File[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'driftline-sample-'));
  execFileSync(process.execPath, ['sample-data/generate.mjs', '--out', dir], { stdio: 'pipe' });
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
  return manifest.files.map((f) => new File([readFileSync(path.join(dir, f.path))], f.path));
}

async function fingerprint(engine: DuckEngine) {
  const one = async (sql: string) => String((await engine.queryRows(sql)).rows[0]?.h);
  return {
    events: await one("SELECT md5(string_agg(concat_ws('|', event_time, actor, action, resource, source_ip, identity_key, file_id, source_row), ',' ORDER BY file_id, source_row)) AS h FROM events"),
    identities: await one("SELECT md5(string_agg(concat_ws('|', identity_key, name, owner, permissions, last_rotated_at), ',' ORDER BY identity_key)) AS h FROM identities"),
    files: await one("SELECT md5(string_agg(concat_ws('|', file_id, name, sha256, rows_loaded, rows_rejected), ',' ORDER BY file_id)) AS h FROM evidence_files"),
    findings: await one("SELECT md5(string_agg(concat_ws('|', finding_uid, risk_score, status, evidence_count), ',' ORDER BY finding_uid)) AS h FROM findings"),
  };
}

describe('workspace persistence', () => {
  it('keeps the findings beside their snapshot: a reopen shows them before the events are back, and only while they still hold', async () => {
    const db = new DriftlineDB(`t-${Math.random()}`);
    const workspaces = new Workspaces(db);
    const ws = await workspaces.create('Saved analysis');
    const engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
    expect((await importEvidence(engine, sampleFiles(), { reader: readEvidence, signal: new AbortController().signal })).status).toBe('committed');
    const { snapshotId } = await saveSnapshot(db, engine, ws.id);
    const report = await runAnalysis(engine, CATALOGUE, DEFAULT_SETTINGS, { evaluatedAt: EVALUATED_AT });
    const before = await fingerprint(engine);
    const info = { basedOn: snapshotId, fingerprint: analysisFingerprint(CATALOGUE, DEFAULT_SETTINGS), evaluatedAt: EVALUATED_AT, report };
    expect(await saveAnalysis(db, engine, ws.id, info)).toBe(true);
    // An analysis of evidence that is no longer the workspace's current snapshot is never saved.
    expect(await saveAnalysis(db, engine, ws.id, { ...info, basedOn: 'an-older-snapshot' })).toBe(false);
    await engine.close();

    // Reopen: the findings are queryable in onEarly, while the events table is still empty.
    const reopened = createNodeEngine();
    await reopened.start();
    let early: { findings: number; events: number } | null = null;
    const result = await restoreWorkspace(db, reopened, ws.id, {
      accept: (saved) => saved.fingerprint === analysisFingerprint(CATALOGUE, DEFAULT_SETTINGS),
      onEarly: async (saved) => {
        expect(saved?.report.counts).toEqual(report.counts);
        const { rows } = await reopened.queryRows('SELECT (SELECT count(*) FROM findings) AS f, (SELECT count(*) FROM events) AS e');
        early = { findings: Number(rows[0]?.f), events: Number(rows[0]?.e) };
      },
    });
    expect(result?.analysis?.evaluatedAt).toBe(EVALUATED_AT);
    expect(early).toEqual({ findings: Object.values(report.counts).reduce((a, b) => a + b, 0), events: 0 });
    await prepareContext(reopened, CATALOGUE, DEFAULT_SETTINGS, { evaluatedAt: EVALUATED_AT });
    expect(await fingerprint(reopened)).toEqual(before);
    // The identity page and evidence queries read the context: it is there without running the catalogue.
    expect(Number((await reopened.queryRows('SELECT count(*) AS n FROM dl_entity_profile')).rows[0]?.n)).toBeGreaterThan(0);
    await reopened.close();

    // Other settings: the saved findings are not restored (the app runs the catalogue again).
    const other = { ...DEFAULT_SETTINGS, detectionDays: 3 };
    const third = createNodeEngine();
    await third.start();
    const stale = await restoreWorkspace(db, third, ws.id, { accept: (saved) => saved.fingerprint === analysisFingerprint(CATALOGUE, other) });
    expect(stale?.analysis).toBeNull();
    expect((await third.queryRows("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'findings'")).rows[0]?.n).toBe(0);
    // New evidence saved: the analysis of the old evidence goes with it.
    await saveSnapshot(db, third, ws.id);
    expect((await workspaces.get(ws.id))?.analysisId).toBeNull();
    expect(await db.snapshots.where('workspaceId').equals(ws.id).count()).toBe(1);
    await third.close();
  });

  it('an exception that expired since the findings were saved makes them stale', () => {
    const exception = { id: 'x1', detectionId: '*', identityKey: '*', owner: 'o', reason: 'r', ticket: '', expiresAt: new Date(EVALUATED_AT + 3_600_000).toISOString() };
    const settings = { ...DEFAULT_SETTINGS, exceptions: [exception] };
    expect(exceptionsUnchangedSince(settings, EVALUATED_AT, EVALUATED_AT + 60_000)).toBe(true);
    expect(exceptionsUnchangedSince(settings, EVALUATED_AT, EVALUATED_AT + 7_200_000)).toBe(false);
    expect(analysisFingerprint(CATALOGUE, settings)).not.toBe(analysisFingerprint(CATALOGUE, DEFAULT_SETTINGS));
    expect(analysisFingerprint(CATALOGUE, { ...DEFAULT_SETTINGS })).toBe(analysisFingerprint(CATALOGUE, DEFAULT_SETTINGS));
  });

  it('reopens a workspace from its snapshot with identical tables, findings and uids, and keeps triage', async () => {
    const db = new DriftlineDB(`t-${Math.random()}`);
    const workspaces = new Workspaces(db);
    const ws = await workspaces.create('Incident 42');
    const engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
    const report = await importEvidence(engine, sampleFiles(), { reader: readEvidence, signal: new AbortController().signal });
    expect(report.status).toBe('committed');
    await runAnalysis(engine, CATALOGUE, DEFAULT_SETTINGS, { evaluatedAt: EVALUATED_AT });
    const before = await fingerprint(engine);
    const stats = await saveSnapshot(db, engine, ws.id);
    expect(stats.rows.events).toBe(15_097);
    const uid = String((await engine.queryRows('SELECT finding_uid FROM findings LIMIT 1')).rows[0]?.finding_uid);
    await workspaces.setTriage(ws.id, uid, { status: 'investigating', note: 'called the owner', by: 'analyst' });
    await engine.close();

    const reopened = createNodeEngine();
    await reopened.start();
    const began = performance.now();
    expect(await restoreSnapshot(db, reopened, ws.id)).toBe(true);
    await runAnalysis(reopened, CATALOGUE, await workspaces.settings(ws.id), { evaluatedAt: EVALUATED_AT });
    console.log(`reopen of ${stats.rows.events} events: ${Math.round(performance.now() - began)} ms; stored ${stats.bytes} bytes`);
    expect(await fingerprint(reopened)).toEqual(before);
    const triage = await workspaces.triage(ws.id);
    expect(triage[uid]).toMatchObject({ status: 'investigating', notes: [{ by: 'analyst', text: 'called the owner' }] });
    expect((await workspaces.get(ws.id))?.events).toBe(15_097);
    await reopened.close();
  });

  it('migrates a v1 store (one note per finding) to the current schema', async () => {
    const name = `mig-${Math.random()}`;
    const v1 = new Dexie(name);
    v1.version(1).stores({
      workspaces: 'id, name, updatedAt', snapshots: 'id, workspaceId', blobs: 'id, workspaceId, snapshotId',
      triage: '[workspaceId+findingUid], workspaceId', mappings: 'signature', settings: 'workspaceId', queries: 'id, workspaceId', meta: 'key',
    });
    await v1.open();
    await v1.table('triage').add({ workspaceId: 'w1', findingUid: 'f1', status: 'escalated', note: 'paged on-call', updatedAt: '2026-03-01T00:00:00.000Z' });
    v1.close();
    const current = new DriftlineDB(name);
    await current.open();
    expect(current.verno).toBe(3);
    expect(await current.triage.get(['w1', 'f1'])).toEqual({
      workspaceId: 'w1', findingUid: 'f1', status: 'escalated', updatedAt: '2026-03-01T00:00:00.000Z',
      notes: [{ at: '2026-03-01T00:00:00.000Z', by: 'unknown', text: 'paged on-call' }],
      history: [{ at: '2026-03-01T00:00:00.000Z', by: 'unknown', status: 'escalated' }],
    });
    current.close();
  });

  it('migrates a v2 store to v3: originals tables appear empty, and workspaces saved before are marked as having no originals', async () => {
    const name = `mig3-${Math.random()}`;
    const v2 = new Dexie(name);
    v2.version(1).stores({
      workspaces: 'id, name, updatedAt', snapshots: 'id, workspaceId', blobs: 'id, workspaceId, snapshotId',
      triage: '[workspaceId+findingUid], workspaceId', mappings: 'signature', settings: 'workspaceId', queries: 'id, workspaceId', meta: 'key',
    });
    v2.version(2).stores({ triage: '[workspaceId+findingUid], workspaceId, updatedAt' });
    await v2.open();
    const base = { createdAt: '2026-03-01T00:00:00.000Z', updatedAt: '2026-03-01T00:00:00.000Z', storedBytes: 10, events: 5, files: 1 };
    await v2.table('workspaces').bulkAdd([{ ...base, id: 'w1', name: 'saved', snapshotId: 's1' }, { ...base, id: 'w2', name: 'empty', snapshotId: null, events: 0, files: 0 }]);
    const note = { workspaceId: 'w1', findingUid: 'f1', status: 'explained', notes: [{ at: base.createdAt, by: 'me', text: 'ok' }], history: [], updatedAt: base.updatedAt };
    await v2.table('triage').add(note);
    v2.close();
    const current = new DriftlineDB(name);
    await current.open();
    expect(current.verno).toBe(3);
    expect(await current.workspaces.get('w1')).toMatchObject({ name: 'saved', snapshotId: 's1', legacyWithoutOriginals: true });
    expect((await current.workspaces.get('w2'))?.legacyWithoutOriginals).toBeUndefined();
    expect(await current.triage.get(['w1', 'f1'])).toEqual(note);
    expect(await current.originals.count()).toBe(0);
    expect(await current.originalFiles.count()).toBe(0);
    await current.originalFiles.add({ workspaceId: 'w1', fileId: 'f1', originalId: null, members: [], missing: 'not-kept' });
    expect(await current.originalFiles.where('workspaceId').equals('w1').count()).toBe(1);
    current.close();
  });

  it('leaves the last saved state intact when the disk fills half-way through a save, and says so plainly', async () => {
    const db = new DriftlineDB(`q-${Math.random()}`);
    const ws = await new Workspaces(db).create('quota');
    const engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
    await engine.exec("INSERT INTO evidence_files (file_id, name, kind, import_id, imported_at) VALUES ('f1', 'first.json', 'audit_log', 'i1', TIMESTAMP '2026-01-01')");
    const first = await saveSnapshot(db, engine, ws.id);
    await engine.exec("INSERT INTO evidence_files (file_id, name, kind, import_id, imported_at) VALUES ('f2', 'second.json', 'audit_log', 'i2', TIMESTAMP '2026-01-02')");
    const original = db.snapshots.add.bind(db.snapshots);
    db.snapshots.add = (() => Promise.reject(new DOMException("The quota has been exceeded.", "QuotaExceededError"))) as unknown as typeof db.snapshots.add;
    const error = await saveSnapshot(db, engine, ws.id).catch((e: unknown) => e);
    db.snapshots.add = original;
    expect(describeStorageError(error)).toMatch(/no room left.*Nothing was half-written/);
    expect((await db.workspaces.get(ws.id))?.snapshotId).toBe(first.snapshotId);
    expect(await db.blobs.where('snapshotId').notEqual(first.snapshotId).count()).toBe(0);
    const fresh = createNodeEngine();
    await fresh.start();
    await restoreSnapshot(db, fresh, ws.id);
    expect((await fresh.queryRows('SELECT name FROM evidence_files')).rows).toEqual([{ name: 'first.json' }]);
    await Promise.all([engine.close(), fresh.close()]);
  });

  it('duplicates a workspace with its state and deletes one without touching the other', async () => {
    const db = new DriftlineDB(`d-${Math.random()}`);
    const workspaces = new Workspaces(db);
    const ws = await workspaces.create('original');
    const engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
    await engine.exec("INSERT INTO evidence_files (file_id, name, kind, import_id, imported_at) VALUES ('f1', 'a.json', 'audit_log', 'i1', TIMESTAMP '2026-01-01')");
    await saveSnapshot(db, engine, ws.id);
    await workspaces.setTriage(ws.id, 'uid1', { status: 'escalated', by: 'me' });
    const copy = await workspaces.duplicate(ws.id, 'copy');
    await workspaces.rename(copy.id, 'renamed copy');
    await workspaces.remove(ws.id);
    expect((await workspaces.list()).map((w) => w.name)).toEqual(['renamed copy']);
    expect((await workspaces.triage(copy.id)).uid1?.status).toBe('escalated');
    const fresh = createNodeEngine();
    await fresh.start();
    expect(await restoreSnapshot(db, fresh, copy.id)).toBe(true);
    expect((await fresh.queryRows('SELECT name FROM evidence_files')).rows).toEqual([{ name: 'a.json' }]);
    expect(await db.blobs.where('workspaceId').equals(ws.id).count()).toBe(0);
    await Promise.all([engine.close(), fresh.close()]);
  });
});
