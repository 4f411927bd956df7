// Workspaces as the user manages them: create, rename, switch, duplicate, delete; triage, settings and remembered
// mappings per workspace. Every write is one IndexedDB transaction.
import { DEFAULT_SETTINGS, type AnalysisSettings } from '../detections/runner';
import type { EventColumnMapping } from '../ingest/csv-events';
import type { TriageState, TriageStatus } from '../report/findings-export';
import type { DriftlineDB, TriageRecord, WorkspaceRecord } from './db';

const newId = () => `w${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

export class Workspaces {
  constructor(readonly db: DriftlineDB) {}

  list(): Promise<WorkspaceRecord[]> {
    return this.db.workspaces.orderBy('updatedAt').reverse().toArray();
  }

  get(id: string): Promise<WorkspaceRecord | undefined> {
    return this.db.workspaces.get(id);
  }

  async create(name: string): Promise<WorkspaceRecord> {
    const now = new Date().toISOString();
    const record: WorkspaceRecord = { id: newId(), name: name.trim() || 'Untitled workspace', createdAt: now, updatedAt: now, snapshotId: null, storedBytes: 0, events: 0, files: 0 };
    await this.db.workspaces.add(record);
    return record;
  }

  async rename(id: string, name: string): Promise<void> {
    const clean = name.trim();
    if (!clean) throw new Error('A workspace needs a name.');
    await this.db.workspaces.update(id, { name: clean, updatedAt: new Date().toISOString() });
  }

  /** A full copy: snapshot, triage, settings, saved queries, original files. */
  async duplicate(id: string, name: string): Promise<WorkspaceRecord> {
    const db = this.db;
    return db.transaction('rw', [db.workspaces, db.snapshots, db.blobs, db.triage, db.settings, db.queries, db.originals, db.originalFiles], async () => {
      const source = await db.workspaces.get(id);
      if (!source) throw new Error('That workspace no longer exists.');
      const now = new Date().toISOString();
      const copy: WorkspaceRecord = { ...source, id: newId(), name: name.trim() || `${source.name} (copy)`, createdAt: now, updatedAt: now, snapshotId: null, analysisId: null };
      if (source.snapshotId) {
        const snapshot = await db.snapshots.get(source.snapshotId);
        if (snapshot) {
          const snapshotId = `s${copy.id}`;
          const idMap = new Map<string, string>();
          for (const table of snapshot.tables) for (const blobId of table.blobIds) idMap.set(blobId, `${blobId}-${copy.id}`);
          const blobs = await db.blobs.where('snapshotId').equals(snapshot.id).toArray();
          await db.blobs.bulkAdd(blobs.map((b) => ({ ...b, id: idMap.get(b.id) ?? `${b.id}-${copy.id}`, workspaceId: copy.id, snapshotId })));
          await db.snapshots.add({
            ...snapshot, id: snapshotId, workspaceId: copy.id,
            tables: snapshot.tables.map((t) => ({ ...t, blobIds: t.blobIds.map((b) => idMap.get(b) ?? b) })),
          });
          copy.snapshotId = snapshotId;
        }
      }
      await db.workspaces.add(copy);
      const triage = await db.triage.where('workspaceId').equals(id).toArray();
      await db.triage.bulkAdd(triage.map((t) => ({ ...t, workspaceId: copy.id })));
      const settings = await db.settings.get(id);
      if (settings) await db.settings.add({ ...settings, workspaceId: copy.id });
      const queries = await db.queries.where('workspaceId').equals(id).toArray();
      await db.queries.bulkAdd(queries.map((q) => ({ ...q, id: `${q.id}-${copy.id}`, workspaceId: copy.id })));
      // Originals: the same Blobs under new ids (the browser shares or copies the bytes, as it likes).
      const originals = await db.originals.where('workspaceId').equals(id).toArray();
      await db.originals.bulkAdd(originals.map((o) => ({ ...o, id: `${o.id}-${copy.id}`, workspaceId: copy.id })));
      const pointers = await db.originalFiles.where('workspaceId').equals(id).toArray();
      await db.originalFiles.bulkAdd(pointers.map((p) => ({ ...p, workspaceId: copy.id, originalId: p.originalId && `${p.originalId}-${copy.id}` })));
      return copy;
    });
  }

  async remove(id: string): Promise<void> {
    const db = this.db;
    await db.transaction('rw', [db.workspaces, db.snapshots, db.blobs, db.triage, db.settings, db.queries, db.meta, db.originals, db.originalFiles], async () => {
      await db.blobs.where('workspaceId').equals(id).delete();
      await db.originals.where('workspaceId').equals(id).delete();
      await db.originalFiles.where('workspaceId').equals(id).delete();
      await db.snapshots.where('workspaceId').equals(id).delete();
      await db.triage.where('workspaceId').equals(id).delete();
      await db.queries.where('workspaceId').equals(id).delete();
      await db.settings.delete(id);
      await db.workspaces.delete(id);
      const last = await db.meta.get('lastWorkspaceId');
      if (last?.value === id) await db.meta.delete('lastWorkspaceId');
    });
  }

  async lastOpened(): Promise<string | null> {
    return (await this.db.meta.get('lastWorkspaceId'))?.value ?? null;
  }

  async markOpened(id: string): Promise<void> {
    await this.db.meta.put({ key: 'lastWorkspaceId', value: id });
  }

  async triage(workspaceId: string): Promise<Record<string, TriageState>> {
    const records = await this.db.triage.where('workspaceId').equals(workspaceId).toArray();
    return Object.fromEntries(records.map((r) => [r.findingUid, { status: r.status, notes: r.notes }]));
  }

  /** Set a finding's status (and optionally add a note); every change is kept in its history. */
  async setTriage(workspaceId: string, findingUid: string, change: { status?: TriageStatus; note?: string; by: string }): Promise<TriageRecord> {
    const db = this.db;
    return db.transaction('rw', db.triage, async () => {
      const at = new Date().toISOString();
      const current: TriageRecord = (await db.triage.get([workspaceId, findingUid])) ?? { workspaceId, findingUid, status: 'new', notes: [], history: [], updatedAt: at };
      const next: TriageRecord = { ...current, updatedAt: at };
      if (change.status && change.status !== current.status) {
        next.status = change.status;
        next.history = [...current.history, { at, by: change.by, status: change.status }];
      }
      if (change.note?.trim()) next.notes = [...current.notes, { at, by: change.by, text: change.note.trim() }];
      await db.triage.put(next);
      return next;
    });
  }

  /** Set the status of many findings in one transaction (bulk triage); unchanged ones are left as they are. */
  async setTriageMany(workspaceId: string, findingUids: string[], change: { status: TriageStatus; by: string }): Promise<TriageRecord[]> {
    const db = this.db;
    return db.transaction('rw', db.triage, async () => {
      const at = new Date().toISOString();
      const current = await db.triage.bulkGet(findingUids.map((uid) => [workspaceId, uid] as [string, string]));
      const next: TriageRecord[] = [];
      findingUids.forEach((findingUid, i) => {
        const prev: TriageRecord = current[i] ?? { workspaceId, findingUid, status: 'new', notes: [], history: [], updatedAt: at };
        if (prev.status === change.status && current[i]) return;
        next.push({ ...prev, status: change.status, updatedAt: at, history: prev.status === change.status ? prev.history : [...prev.history, { at, by: change.by, status: change.status }] });
      });
      await db.triage.bulkPut(next);
      return next;
    });
  }

  async settings(workspaceId: string): Promise<AnalysisSettings> {
    return { ...DEFAULT_SETTINGS, ...((await this.db.settings.get(workspaceId))?.settings ?? {}) };
  }

  async saveSettings(workspaceId: string, settings: AnalysisSettings): Promise<void> {
    await this.db.settings.put({ workspaceId, settings, updatedAt: new Date().toISOString() });
  }

  async mappings(): Promise<Record<string, EventColumnMapping>> {
    return Object.fromEntries((await this.db.mappings.toArray()).map((m) => [m.signature, m.mapping]));
  }

  async rememberMapping(signature: string, mapping: EventColumnMapping): Promise<void> {
    await this.db.mappings.put({ signature, mapping, updatedAt: new Date().toISOString() });
  }
}
