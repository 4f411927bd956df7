// An import's save starts once its findings are on screen (Node, fake-indexeddb + real DuckDB, the app's own actions).
// DuckDB-WASM runs one statement at a time: a save reading the snapshot while the analysis ran made the findings later.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { ensureSchema } from '../../../src/ingest/commit';
import { readEvidence } from '../../../src/ingest/reader';
import { addEvidenceFiles, type AppServices } from '../../../src/state/actions';
import { createAppStore } from '../../../src/state/store';
import { DriftlineDB } from '../../../src/workspace/db';
import { Workspaces } from '../../../src/workspace/service';
import { cloudTrailRecord } from '../container/helpers';

const trail = (n: number) => JSON.stringify({ Records: Array.from({ length: n }, (_, i) => ({ ...cloudTrailRecord(i), eventID: `e-${i}` })) });

describe('the save of an import', () => {
  let engine: DuckEngine;
  let db: DriftlineDB;
  let services: AppServices;

  beforeEach(async () => {
    engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
    db = new DriftlineDB(`s-${Math.random()}`);
    const workspaces = new Workspaces(db);
    const ws = await workspaces.create('ws');
    const store = createAppStore();
    store.setState((s) => ({ workspace: { ...s.workspace, current: ws } }));
    services = { store, engine, sampleBaseUrl: '/', fetch: globalThis.fetch, reader: readEvidence, download: () => undefined, workspaces };
    performance.clearMeasures();
  });
  afterEach(async () => {
    await engine.close();
    db.close();
  });

  it('reads the snapshot only after the analysis has its findings, and then stores it', async () => {
    // When the snapshot's chunks are read (Arrow IPC streams) and when the saving bar says what.
    const reads: number[] = [];
    const stream = engine.streamIpc.bind(engine);
    engine.streamIpc = (...args: Parameters<typeof stream>) => {
      reads.push(performance.now());
      return stream(...args);
    };
    const notes: string[] = [];
    services.store.subscribe((state) => {
      const note = state.saving?.note;
      if (note && notes.at(-1) !== note) notes.push(note);
    });

    const result = await addEvidenceFiles(services, [new File([trail(400)], 'trail.json')], 'dropped');
    expect(result?.status).toBe('committed');
    const [analysis] = performance.getEntriesByName('driftline:analysis');
    expect(analysis).toBeDefined();
    expect(reads.length).toBeGreaterThan(0);
    expect(reads[0]).toBeGreaterThanOrEqual(analysis!.startTime + analysis!.duration);
    expect(notes).toEqual(['Starts once the findings are ready. Cancel now undoes the whole import.', 'Cancel now undoes the whole import.']);
    // The save happened: the workspace's snapshot holds the import's events.
    const ws = services.store.getState().workspace.current!.id;
    const snapshots = await db.snapshots.where('workspaceId').equals(ws).toArray();
    expect(snapshots.some((s) => s.tables.some((t) => t.name === 'events' && t.rows === 400))).toBe(true);
  });
});
