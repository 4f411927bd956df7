// Read-side queries over the evidence catalogue, for the Evidence view and reports.
import { sqlValue } from '../engine/sql';
import type { Engine } from '../engine/types';
import { ensureSchema } from './commit';

export interface EvidenceFileRow {
  file_id: string;
  name: string;
  bytes: number;
  sha256: string | null;
  container: string | null;
  kind: string;
  vendor: string | null;
  source_format: string | null;
  rows_loaded: number;
  rows_rejected: number;
  rows_duplicate: number;
  first_event: string | null;
  last_event: string | null;
  notes: string | null;
  imported_at: string;
}

export async function listEvidenceFiles(engine: Engine): Promise<EvidenceFileRow[]> {
  await ensureSchema(engine);
  const { rows } = await engine.queryRows(
    `SELECT file_id, name, bytes, sha256, container, kind, vendor, source_format, rows_loaded, rows_rejected, rows_duplicate,
            first_event, last_event, notes, imported_at
       FROM evidence_files ORDER BY imported_at, name`,
  );
  return rows as unknown as EvidenceFileRow[];
}

export interface RejectedRowView {
  source_row: number | null;
  reason: string;
}

export async function listRejectedRows(engine: Engine, fileId: string, limit = 200): Promise<{ rows: RejectedRowView[]; total: number }> {
  const { rows } = await engine.queryRows(
    `SELECT source_row, reason, count(*) OVER () AS total FROM rejected_rows WHERE file_id = ${sqlValue(fileId)}
      ORDER BY source_row LIMIT ${Math.max(1, Math.floor(limit))}`,
  );
  return { rows: rows.map((r) => ({ source_row: r.source_row as number | null, reason: String(r.reason) })), total: Number(rows[0]?.total ?? 0) };
}

export interface WorkspaceCounts {
  events: number;
  identities: number;
  shadow_actors: number;
  files: number;
}

export async function workspaceCounts(engine: Engine): Promise<WorkspaceCounts> {
  await ensureSchema(engine);
  const { rows } = await engine.queryRows(`SELECT
      (SELECT count(*) FROM events) AS events,
      (SELECT count(*) FROM identities) AS identities,
      (SELECT count(*) FROM actor_resolution WHERE identity_key IS NULL) AS shadow_actors,
      (SELECT count(*) FROM evidence_files) AS files`);
  const r = rows[0] ?? {};
  return { events: Number(r.events ?? 0), identities: Number(r.identities ?? 0), shadow_actors: Number(r.shadow_actors ?? 0), files: Number(r.files ?? 0) };
}
