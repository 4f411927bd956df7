// The Identities view as a user and a screen reader meet it: the searchable list, an identity's page (facts, charts named by
// what they show, new-in-window tables, granted vs used permissions, findings to the SQL console), back to the list; the
// states before an analysis and for an empty workspace; hostile strings shown as text, never as markup or links.
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { quoteLiteral } from '../../src/engine/sql';
import type { QueryOptions, RowsResult } from '../../src/engine/types';
import type { UiValue } from '../../src/engine/values';
import type { AppServices } from '../../src/state/actions';
import { createAppStore } from '../../src/state/store';
import { ServicesProvider } from '../../src/ui/context';
import { IdentityView } from '../../src/ui/views/IdentityView';
import { FakeEngine } from './fake-engine';

type Row = Record<string, UiValue>;

const SYNC = 'arn:aws:iam::111122223333:user/svc-data-sync';
const HOSTILE_KEY = "arn:aws:iam::111122223333:user/'; DROP TABLE events; --";
const XSS = '<img src=x onerror=alert(1)>';
const JS_URL = 'javascript:alert(1)';
const AS_OF = '2026-03-31T23:59:59.000Z';
const DETECTION_START = '2026-03-24T23:59:59.000Z';
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** 46 days of hours ending on as-of's day: 3 events at 02:00 every day, 62 in the hour of the anomaly. */
function timeline(): Row[] {
  const start = Date.UTC(2026, 1, 14);
  const rows: Row[] = [];
  for (let h = 0; h < 46 * 24; h++) {
    const t = start + h * HOUR;
    const hour = new Date(t).getUTCHours();
    const spike = iso(t) === '2026-03-26T13:00:00.000Z';
    const n = spike ? 62 : hour === 2 ? 3 : 0;
    rows.push({ hour_ts: iso(t), n, n_det: t > Date.parse(DETECTION_START) - HOUR ? n : 0, med: hour === 2 ? 3 : 0, p95: hour === 2 ? 4.5 : 0 });
  }
  return rows;
}

function hourOfWeek(): Row[] {
  return Array.from({ length: 168 }, (_, how) => {
    const hour = how % 24;
    const base = hour === 2 ? 18 : 0;
    const det = hour === 2 ? 3 : how === 3 * 24 + 13 ? 62 : 0;
    return {
      hour_of_week: how, base_days: hour === 2 ? 6 : 0, base_n: base, det_n: det, base_per_week: base / 5.6, det_per_week: det,
      baseline_weeks: 5.6, detection_weeks: 1, in_declared: hour === 2 || hour === 3, schedule_readable: true,
      schedule: 'daily 02:00-04:00 UTC', schedule_problems: null,
    };
  });
}

interface Workspace {
  tables: string[];
  list: Row[];
}

const ANALYSED = [
  'dl_context', 'ev', 'dl_entity_windows', 'dl_entity_profile', 'dl_declared_schedule', 'dl_declared_slots', 'findings', 'dl_changes_resolved',
];

const LIST: Row[] = [
  {
    entity_key: SYNC, shadow: false, name: 'svc-data-sync', kind: 'IAM user', platform: 'aws', account: '111122223333', owner: 'dana@example.com',
    owner_status: 'active', environment: 'prod', criticality: 'high', events: 200, last_seen: '2026-03-31T03:00:00.000Z', open_findings: 3, max_risk: 91,
  },
  {
    entity_key: 'shadow:arn:aws:iam::111122223333:user/ghost', shadow: true, name: 'arn:aws:iam::111122223333:user/ghost', kind: null, platform: 'aws',
    account: '111122223333', owner: null, owner_status: null, environment: null, criticality: null, events: 4, last_seen: '2026-03-31T22:00:00.000Z',
    open_findings: 1, max_risk: 50,
  },
  {
    entity_key: HOSTILE_KEY, shadow: false, name: XSS, kind: 'IAM user', platform: 'aws', account: '111122223333', owner: JS_URL,
    owner_status: 'departed', environment: 'prod', criticality: 'medium', events: 22, last_seen: '2026-03-31T04:00:00.000Z', open_findings: 0, max_risk: null,
  },
];

const FINDINGS: Row[] = [
  {
    finding_uid: 'a1', detection_id: 'behavior.volume_spike', title: 'Volume spike', severity: 'high', risk_score: 91, risk_formula: '70 × 1.2 …',
    status: 'open', subject: '2026-03-26 13:00–14:00 UTC', first_seen: '2026-03-26T13:00:00.000Z', last_seen: '2026-03-26T13:59:00.000Z',
    evidence_count: 62, explanation: `Observed: 62 events in 13:00–14:00 UTC on ${XSS}.`, evidence_sql: "SELECT * FROM events_v WHERE identity_key = 'x' AND (1)",
    change_id: null, exception_id: null,
  },
  {
    finding_uid: 'b2', detection_id: 'behavior.new_action', title: 'New action', severity: 'medium', risk_score: 70, risk_formula: '50 × 1.2 …',
    status: 'open', subject: 'iam:CreateAccessKey', first_seen: '2026-03-26T13:30:00.000Z', last_seen: '2026-03-26T13:31:00.000Z', evidence_count: 2,
    explanation: 'Observed: 2 calls of iam:CreateAccessKey in the detection window.', evidence_sql: "SELECT * FROM events_v WHERE action = 'iam:CreateAccessKey'",
    change_id: null, exception_id: null,
  },
];

/** Answers the identity queries by their SQL text with plain rows (what queryRows returns after conversion). */
class IdentityEngine extends FakeEngine {
  constructor(private readonly ws: Workspace) {
    super();
  }
  override async queryRows(sql: string, options?: QueryOptions): Promise<RowsResult> {
    this.queries.push(sql);
    if (options?.signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
    const known = sql.includes(quoteLiteral(SYNC));
    const rows = (): Row[] => {
      if (sql.includes('information_schema.tables')) return this.ws.tables.map((table_name) => ({ table_name }));
      if (sql.includes('FULL OUTER JOIN act')) return this.ws.list;
      if (sql.includes('FROM timeline ORDER BY')) return timeline();
      if (sql.includes('FROM slots ORDER BY')) return [];
      if (sql.includes('in_declared')) return hourOfWeek();
      if (sql.includes('related_count')) {
        return [
          { kind: 'action', value: 'iam:CreateAccessKey', n: 2, n_out: 2, first_seen: '2026-03-26T13:30:00.000Z', last_seen: '2026-03-26T13:31:00.000Z', related: [SYNC], related_count: 1, total: 1, known: 2 },
          { kind: 'resource', value: 'arn:aws:s3:::payroll', n: 60, n_out: 60, first_seen: '2026-03-26T13:00:00.000Z', last_seen: '2026-03-26T13:59:00.000Z', related: ['s3:GetObject'], related_count: 1, total: 2, known: 1 },
          { kind: 'resource', value: JS_URL, n: 1, n_out: 0, first_seen: '2026-03-26T13:40:00.000Z', last_seen: '2026-03-26T13:40:00.000Z', related: [XSS], related_count: 1, total: 2, known: 1 },
          { kind: 'source', value: '203.0.113.9', n: 62, n_out: 62, first_seen: '2026-03-26T13:00:00.000Z', last_seen: '2026-03-26T13:59:00.000Z', related: ['aws-sdk-go/1.44'], related_count: 1, total: 1, known: 1 },
        ];
      }
      if (sql.includes('grant_actions')) {
        return [
          { grant_raw: 'kms:Decrypt', not_assessed: null, uses: 0, actions: [], observed_days: 46 },
          { grant_raw: 's3:PutObject', not_assessed: null, uses: 0, actions: [], observed_days: 46 },
          { grant_raw: 's3:GetObject', not_assessed: null, uses: 206, actions: ['s3:GetObject'], observed_days: 46 },
          { grant_raw: 's3:List*', not_assessed: null, uses: 46, actions: ['s3:ListBuckets'], observed_days: 46 },
        ];
      }
      if (sql.includes('count(*) AS n FROM judged')) return [{ n: 1 }];
      if (sql.includes('FROM outside_grant')) {
        return [
          { action: 'iam:CreateAccessKey', iam_name: 'iam:CreateAccessKey', n: 2, n_det: 2, first_seen: '2026-03-26T13:30:00.000Z', last_seen: '2026-03-26T13:31:00.000Z', resources: [SYNC], needs: [] },
        ];
      }
      if (sql.includes('SELECT permissions FROM identities')) return known ? [{ permissions: ['s3:GetObject', 's3:PutObject', 's3:List*', 'kms:Decrypt'] }] : [];
      if (sql.includes("period IN ('before', 'after')")) return [{ n: 0 }];
      if (sql.includes('FROM dl_changes_resolved')) return [];
      if (sql.includes('c.maturity_days')) {
        return [{ as_of: AS_OF, detection_start: DETECTION_START, baseline_start: '2025-12-24T23:59:59.000Z', detection_days: 7, baseline_days: 90, maturity_days: 3 }];
      }
      if (sql.includes('FROM dl_entity_profile')) return known ? [{ baseline_active_days: 39, baseline_events: 150, detection_events: 86, baseline_mature: true }] : [];
      if (sql.includes('FROM identity_aliases')) return known ? [{ alias: SYNC, alias_type: 'arn' }] : [];
      if (sql.includes('FROM dl_declared_schedule WHERE')) return known ? [{ readable: true, problems: null }] : [];
      if (sql.includes('FROM identities i LEFT JOIN evidence_files')) {
        return known
          ? [
              {
                identity_key: SYNC, name: 'svc-data-sync', kind: 'IAM user', platform: 'aws', account: '111122223333', owner: 'dana@example.com',
                owner_status: 'departed', team: 'data', environment: 'prod', criticality: 'high', permissions: ['s3:GetObject', 's3:PutObject', 's3:List*', 'kms:Decrypt'],
                secret_location: 'vault', credential_type: 'static key', created_at: '2025-06-04T23:59:59.000Z', last_rotated_at: '2025-12-01T23:59:59.000Z',
                expires_at: null, last_used_at: null, vendor: null, schedule: 'daily 02:00-04:00 UTC', approved_destinations: ['arn:aws:s3:::reports'],
                allowed_data_classes: [], extra: JSON.stringify({ ticket: XSS }), file_id: 'f1', source_row: 2, as_of: AS_OF, credential_age_days: 120,
                expires_in_days: null, source_file: 'register.csv',
              },
            ]
          : [];
      }
      if (sql.includes('AS events, min(event_time)')) return known ? [{ events: 200, first_seen: '2026-02-14T02:00:00.000Z', last_seen: '2026-03-31T03:00:00.000Z' }] : [{ events: 0, first_seen: null, last_seen: null }];
      if (sql.includes('FROM findings WHERE entity_key')) return known ? FINDINGS : [];
      return [];
    };
    const out = rows();
    return { columns: Object.keys(out[0] ?? {}).map((name) => ({ name, type: 'Utf8' })), rows: out };
  }
}

function setup(ws: Partial<Workspace> = {}, identityKey: string | null = null) {
  const engine = new IdentityEngine({ tables: ANALYSED, list: LIST, ...ws });
  const services: AppServices = {
    store: createAppStore({ engine: { status: 'ready', info: null, error: null }, view: 'identities', identityKey }),
    engine,
    sampleBaseUrl: '/sample/',
    fetch: async () => new Response('', { status: 404 }),
    reader: async function* () {},
    download: () => undefined,
  };
  render(
    <ServicesProvider services={services}>
      <IdentityView />
    </ServicesProvider>,
  );
  return { services, engine, user: userEvent.setup() };
}

const bodyRows = (table: HTMLElement) => within(table).getAllByRole('row').slice(1);
const noMarkupOrScriptLinks = () => {
  expect(document.querySelector('img')).toBeNull();
  expect(document.querySelector('a[href^="javascript"]')).toBeNull();
};

describe('Identities view', () => {
  it('lists identities and shadow actors, riskiest first, searchable, hostile names as text', async () => {
    const { user } = setup();
    const table = await screen.findByRole('table', { name: 'Identities' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Name', 'Platform', 'Owner', 'Events', 'Open findings', 'Max risk']);
    const rows = bodyRows(table);
    expect(rows).toHaveLength(3);
    expect(within(rows[0]!).getByRole('button', { name: 'svc-data-sync' })).toBeTruthy();
    expect(within(rows[0]!).getAllByRole('cell').map((c) => c.textContent)).toEqual([
      'svc-data-syncIAM user · prod · high', 'aws · 111122223333', 'dana@example.com', '200', '3', '91',
    ]);
    expect(within(rows[1]!).getByText('shadow actor: not in the inventory')).toBeTruthy();
    expect(within(rows[2]!).getByRole('button', { name: XSS })).toBeTruthy();
    expect(within(rows[2]!).getByText(JS_URL, { exact: false })).toBeTruthy();
    noMarkupOrScriptLinks();

    await user.type(screen.getByRole('searchbox', { name: 'Search identities' }), 'ghost');
    expect(bodyRows(screen.getByRole('table', { name: 'Identities' }))).toHaveLength(1);
    expect(screen.getByText('1 of 3 match')).toBeTruthy();
    await user.clear(screen.getByRole('searchbox', { name: 'Search identities' }));
    await user.type(screen.getByRole('searchbox', { name: 'Search identities' }), 'nobody-at-all');
    expect(screen.queryByRole('table', { name: 'Identities' })).toBeNull();
    expect(screen.getByText(/No identity matches/)).toBeTruthy();
  });

  it("opens an identity's page: facts, charts, new-in-window tables, permissions, findings to the console, and back", async () => {
    const { user, services } = setup();
    await user.click(await screen.findByRole('button', { name: 'svc-data-sync' }));
    expect(services.store.getState().identityKey).toBe(SYNC);

    expect(await screen.findByRole('heading', { level: 2, name: 'svc-data-sync' })).toBeTruthy();
    const header = screen.getByRole('heading', { level: 2, name: 'svc-data-sync' }).closest('header')!;
    expect(header.textContent).toContain('dana@example.com (departed)');
    expect(header.textContent).toContain('120 days since last rotation (as of 2026-03-31)');
    expect(header.textContent).toContain('39 active days (mature)');

    const hourly = screen.getByRole('img', { name: /^Hourly activity of svc-data-sync, 46 days;/ });
    expect(hourly.getAttribute('aria-label')).toMatch(/detection window shaded; .*peak 62 events at 2026-03-26 13:00 UTC$/);
    expect(screen.getByText(/Times are UTC/)).toBeTruthy();
    const hourTable = screen.getByRole('table', { name: 'Hourly activity of svc-data-sync' });
    expect(within(hourTable).getByRole('cell', { name: '2026-03-26 13:00' })).toBeTruthy();
    // A close-up of the last two weeks, and back.
    const span = screen.getByRole('group', { name: 'Time span' });
    await user.click(within(span).getByRole('button', { name: 'Last 14 days' }));
    expect(screen.getByRole('img', { name: /^Hourly activity of svc-data-sync, 14 days; 104 events;/ })).toBeTruthy();
    await user.click(within(span).getByRole('button', { name: 'All 46 days' }));
    expect(within(span).getByRole('button', { name: 'All 46 days' }).getAttribute('aria-pressed')).toBe('true');

    const baseline = screen.getByRole('img', { name: /^Hour-of-week profile of svc-data-sync in the baseline \(5\.6 weeks\): active in 7 of 168/ });
    expect(baseline.querySelectorAll('rect.hm-cell')).toHaveLength(168);
    const detection = screen.getByRole('img', { name: /in the detection window \(7 days\): active in 8 of 168 hourly slots, 1 of them outside the usual slots; busiest Thu 13:00–14:00 UTC with 62 events per week/ });
    expect(detection.querySelectorAll('rect.hm-unusual')).toHaveLength(1);
    expect(screen.getByRole('list', { name: 'Heatmap legend' }).textContent).toContain('the declared schedule (daily 02:00-04:00 UTC)');

    const actions = screen.getByRole('table', { name: 'New actions' });
    expect(within(actions).getByRole('cell', { name: 'iam:CreateAccessKey' })).toBeTruthy();
    const resources = screen.getByRole('table', { name: 'New resources' });
    expect(bodyRows(resources).map((r) => within(r).getAllByRole('cell')[0]!.textContent)).toEqual(['arn:aws:s3:::payroll', JS_URL]);
    expect(within(resources).getByText('1 in change windows')).toBeTruthy();
    expect(within(screen.getByRole('table', { name: 'New source IPs' })).getByRole('cell', { name: '203.0.113.9' })).toBeTruthy();

    const grants = screen.getByRole('table', { name: 'Granted permissions' });
    const statuses = Object.fromEntries(bodyRows(grants).map((r) => within(r).getAllByRole('cell').slice(0, 2).map((c) => c.textContent ?? '')));
    expect(statuses).toEqual({ 'kms:Decrypt': 'unused', 's3:PutObject': 'unused', 's3:GetObject': 'used', 's3:List*': 'used' });
    expect(screen.getByText(/2 used · 2 never used · 0 not judgeable from the logs, over 46 days of logs/)).toBeTruthy();
    const outside = screen.getByRole('table', { name: 'Actions used outside any grant' });
    expect(within(outside).getByRole('cell', { name: 'iam:CreateAccessKey' })).toBeTruthy();

    const findings = screen.getByRole('list', { name: 'Findings of svc-data-sync' });
    expect(within(findings).getAllByRole('listitem')).toHaveLength(2);
    expect(findings.textContent).toContain(XSS);
    noMarkupOrScriptLinks();
    await user.click(within(findings).getAllByRole('button', { name: 'Open in SQL console' })[1]!);
    expect(services.store.getState().sql.text).toBe("SELECT * FROM events_v WHERE action = 'iam:CreateAccessKey'");
    expect(services.store.getState().view).toBe('sql');

    services.store.setState({ view: 'identities' });
    await user.click(screen.getByRole('button', { name: /Back to all identities/ }));
    expect(services.store.getState().identityKey).toBeNull();
    expect(await screen.findByRole('table', { name: 'Identities' })).toBeTruthy();
  });

  it("puts the identity's own events in the SQL console", async () => {
    const { user, services } = setup({}, SYNC);
    await user.click(await screen.findByRole('button', { name: 'Open its events in the SQL console' }));
    expect(services.store.getState().sql.text).toBe(`SELECT * FROM events_v WHERE identity_key = ${quoteLiteral(SYNC)} ORDER BY event_time`);
  });

  it('says what comes once the analysis has run, before it has', async () => {
    setup({ tables: [] }, SYNC);
    expect(await screen.findByRole('heading', { level: 2, name: 'svc-data-sync' })).toBeTruthy();
    expect(screen.queryByRole('img')).toBeNull();
    expect(screen.getByText(/No analysis yet: the timeline and the hour-of-week maps appear/)).toBeTruthy();
    expect(screen.getByText(/No analysis yet: what is new appears/)).toBeTruthy();
    expect(screen.getByText(/No analysis yet: 4 grants are recorded/)).toBeTruthy();
    expect(screen.getByText(/No analysis yet: findings appear/)).toBeTruthy();
  });

  it('tells an empty workspace what to add, and an unknown key that nothing matches', async () => {
    setup({ list: [] });
    expect(await screen.findByText('No identities yet.')).toBeTruthy();
    expect(screen.getByText(/Add an inventory of non-human identities/)).toBeTruthy();
  });

  it('says so when the key matches nothing, with the way back', async () => {
    const { user, services } = setup({}, HOSTILE_KEY + XSS);
    expect(await screen.findByRole('heading', { level: 2, name: 'Identity not found' })).toBeTruthy();
    expect(screen.getByText(HOSTILE_KEY + XSS)).toBeTruthy();
    noMarkupOrScriptLinks();
    await user.click(screen.getByRole('button', { name: /Back to all identities/ }));
    await waitFor(() => expect(services.store.getState().identityKey).toBeNull());
  });
});
