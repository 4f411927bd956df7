// Test harness for detections: build a small synthetic workspace (identities, events, changes, classes) in real DuckDB,
// run the catalogue (or one detection) and read the findings back as plain rows.
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { CATALOGUE } from '../../../src/detections/catalog';
import { DEFAULT_SETTINGS, runAnalysis, type AnalysisSettings } from '../../../src/detections/runner';
import type { DetectionDefinition } from '../../../src/detections/types';
import type { CanonicalEvent, CanonicalIdentity, ChangeWindow, IdentityAlias, ResourceClass } from '../../../src/ingest/canonical';
import { ImportTransaction, ensureSchema } from '../../../src/ingest/commit';
import type { UiValue } from '../../../src/engine/values';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** The synthetic evidence ends here (a Tuesday); detection window = the 7 days before. */
export const AS_OF = Date.UTC(2026, 2, 31, 23, 59, 59);
export const DETECTION_START = AS_OF - 7 * DAY;

export function identity(over: Partial<CanonicalIdentity> & { identity_key: string; name: string }): CanonicalIdentity {
  return {
    kind: 'IAM user', platform: 'aws', account: '111122223333', owner: 'owner@example.com', owner_status: 'active', team: 'platform',
    environment: 'prod', criticality: 'medium', permissions: [], secret_location: 'vault', credential_type: 'static key',
    created_at: AS_OF - 200 * DAY, last_rotated_at: AS_OF - 20 * DAY, expires_at: null, last_used_at: null, vendor: null, schedule: null,
    approved_destinations: [], allowed_data_classes: [], extra: {}, source_file: 'register.csv', source_row: 2,
    ...over,
  };
}

export function event(over: Partial<CanonicalEvent> & { event_time: number }): CanonicalEvent {
  return {
    platform: 'aws', source_format: 'cloudtrail', event_id: null, actor: null, actor_alt: null, actor_type: 'IAMUser', account: '111122223333',
    credential_id: null, action: 's3:GetObject', resource: 'arn:aws:s3:::reports', resource_account: '111122223333', source_ip: '10.0.0.1',
    user_agent: 'aws-sdk-go/1.44', outcome: 'success', error_code: null, bytes: null, records: null, is_write: false, session_type: 'api',
    source_file: 'trail.json', source_row: 1,
    ...over,
  };
}

/** Events at `hour` UTC on every day in [fromDay, toDay) counted back from AS_OF (day 0 = the last day). */
export function daily(
  actorArn: string,
  options: { daysBack: [number, number]; hour?: number; perDay?: number; over?: Partial<CanonicalEvent> },
): CanonicalEvent[] {
  const out: CanonicalEvent[] = [];
  const [from, to] = options.daysBack;
  for (let d = from; d > to; d--) {
    const dayStart = Math.floor((AS_OF - d * DAY) / DAY) * DAY;
    for (let i = 0; i < (options.perDay ?? 1); i++) {
      out.push(event({ actor: actorArn, event_time: dayStart + (options.hour ?? 2) * HOUR + i * 60_000, ...options.over }));
    }
  }
  return out;
}

export interface Workspace {
  identities?: CanonicalIdentity[];
  aliases?: IdentityAlias[];
  events?: CanonicalEvent[];
  changes?: ChangeWindow[];
  classes?: ResourceClass[];
}

/** An engine holding exactly this workspace (aliases: every identity's key is also an alias of type 'arn'). */
export async function workspace(ws: Workspace): Promise<DuckEngine> {
  const engine = createNodeEngine();
  await engine.start();
  await ensureSchema(engine);
  const tx = new ImportTransaction(engine, `t${Math.random().toString(36).slice(2, 8)}`);
  await tx.begin();
  const meta = (file_id: string, kind: 'audit_log' | 'inventory' | 'change_windows' | 'resource_classes') => ({
    file_id, name: `${file_id}.x`, bytes: 1, sha256: file_id, container: 'test', kind, vendor: 'test', source_format: null, notes: [],
  });
  await tx.addFile(meta('inv', 'inventory'));
  const identities = ws.identities ?? [];
  const aliases = ws.aliases ?? identities.map((i) => ({ identity_key: i.identity_key, alias: i.identity_key, alias_type: 'arn' as const }));
  await tx.addIdentities('inv', identities, aliases);
  if (ws.events?.length) {
    await tx.addFile(meta('log', 'audit_log'));
    await tx.addEvents('log', ws.events.map((e, i) => ({ ...e, source_row: i + 1 })));
  }
  if (ws.changes?.length) {
    await tx.addFile(meta('chg', 'change_windows'));
    await tx.addChanges('chg', ws.changes);
  }
  if (ws.classes?.length) {
    await tx.addFile(meta('cls', 'resource_classes'));
    await tx.addResourceClasses('cls', ws.classes);
  }
  await tx.commit();
  return engine;
}

export type Finding = Record<string, UiValue>;

/** Run detections (default: the whole catalogue) and return the findings of `onlyId` (or all). */
export async function findings(
  engine: DuckEngine,
  onlyId?: string,
  settings: Partial<AnalysisSettings> = {},
  catalogue: readonly DetectionDefinition[] = CATALOGUE,
): Promise<Finding[]> {
  const chosen = onlyId ? catalogue.filter((d) => d.id === onlyId) : catalogue;
  if (onlyId && chosen.length === 0) throw new Error(`no detection ${onlyId} in the catalogue`);
  await runAnalysis(engine, chosen, { ...DEFAULT_SETTINGS, ...settings }, { evaluatedAt: AS_OF });
  const { rows } = await engine.queryRows('SELECT * FROM findings ORDER BY detection_id, entity_key, subject');
  return rows;
}

/** The evidence events of a finding, by running its own evidence query. */
export async function evidenceOf(engine: DuckEngine, finding: Finding): Promise<Record<string, UiValue>[]> {
  return (await engine.queryRows(String(finding.evidence_sql))).rows;
}
