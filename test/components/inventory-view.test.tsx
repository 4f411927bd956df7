// The Inventory view as a user and a screen reader meet it: the register (filter, sort, posture badges, identity pages) and
// the reconciliation both ways (silent identities, shadow and ambiguous actors, their events in the SQL console).
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { QueryOptions, RowsResult } from '../../src/engine/types';
import type { UiValue } from '../../src/engine/values';
import { shadowEventsSql } from '../../src/investigate/inventory';
import type { AppServices } from '../../src/state/actions';
import { createAppStore } from '../../src/state/store';
import { ServicesProvider } from '../../src/ui/context';
import { InventoryView } from '../../src/ui/views/InventoryView';
import { FakeEngine } from './fake-engine';

type Row = Record<string, UiValue>;

const HOSTILE_NAME = `<img src=x onerror=alert(1)>'; DROP TABLE identities; --`;
const HOSTILE_ACTOR = `evil'); DROP TABLE events; -- <b>bold</b>`;
const GHOST = 'arn:aws:iam::111122223333:user/ghost';
const DEPLOY = 'arn:aws:iam::111122223333:role/deploy';
const AS_OF = '2026-03-31T23:59:59.000Z';

const identityRow = (over: Row): Row => ({
  identity_key: 'k', name: 'n', kind: 'IAM user', platform: 'aws', account: '111122223333', owner: 'owner@example.com', owner_status: 'active',
  team: 'platform', environment: 'prod', criticality: 'medium', credential_type: 'static key', credential_age_days: 20,
  created_at: '2025-09-12T23:59:59.000Z', last_rotated_at: '2026-03-11T23:59:59.000Z', expires_at: null, last_used_at: null,
  first_seen: null, last_seen: null, events: 0, aliases: 1, nhi: true, as_of: AS_OF, as_of_source: 'analysis',
  ...over,
});

interface Workspace {
  identities: Row[];
  findings: Row[];
  silent: Row[];
  shadow: Row[];
  counts: Row;
}

const FULL: Workspace = {
  identities: [
    identityRow({ identity_key: 'arn:sync', name: 'sync', owner: null, owner_status: null, credential_age_days: 20, events: 10, last_seen: '2026-03-30T02:00:00.000Z' }),
    identityRow({ identity_key: 'arn:old-key', name: 'old-key', credential_age_days: 400, events: 3, last_seen: '2026-03-30T02:00:00.000Z' }),
    identityRow({ identity_key: 'okta:scim', name: 'scim-client', platform: 'okta', kind: 'OAuth app', account: 'acme.okta.com', credential_age_days: 5 }),
    identityRow({ identity_key: 'arn:hostile', name: HOSTILE_NAME, owner: '=HYPERLINK("http://x")', credential_age_days: 60 }),
  ],
  findings: [
    { identity_key: 'arn:sync', detection_id: 'posture.wildcard_permission', title: 'Wildcard or admin-equivalent grant', family: 'posture', severity: 'high', open: 1, settled: 0, max_risk: 84 },
    { identity_key: 'arn:sync', detection_id: 'posture.no_owner', title: 'No accountable owner', family: 'posture', severity: 'medium', open: 1, settled: 0, max_risk: 60 },
    { identity_key: 'arn:old-key', detection_id: 'posture.never_rotated', title: 'Credential never rotated', family: 'posture', severity: 'medium', open: 1, settled: 0, max_risk: 50 },
    { identity_key: 'okta:scim', detection_id: 'coverage.dormant', title: 'Dormant identity', family: 'coverage', severity: 'low', open: 1, settled: 0, max_risk: 33 },
  ],
  silent: [
    {
      identity_key: 'arn:idle', name: 'idle', kind: 'IAM user', platform: 'aws', account: '111122223333', owner: 'o@example.com', owner_status: 'active',
      environment: 'prod', criticality: 'medium', created_at: null, last_used_at: '2026-01-30T00:00:00.000Z', days_since_used: 60,
      logs_loaded: true, logs_from: '2026-03-21T02:00:00.000Z', logs_to: '2026-03-30T06:00:00.000Z', ambiguous_actors: [], as_of: AS_OF,
    },
    {
      identity_key: 'okta:scim', name: 'scim-client', kind: 'OAuth app', platform: 'okta', account: 'acme.okta.com', owner: null, owner_status: null,
      environment: null, criticality: null, created_at: null, last_used_at: null, days_since_used: null,
      logs_loaded: false, logs_from: null, logs_to: null, ambiguous_actors: [], as_of: AS_OF,
    },
  ],
  shadow: [
    {
      actor_key: DEPLOY, actor_type: 'AssumedRole', platforms: ['aws'], credential_ids: [], first_seen: '2026-03-27T02:00:00.000Z',
      last_seen: '2026-03-30T02:00:00.000Z', events: 4, source_ips: 1, ambiguous: true, distinct_actions: 1,
      top_actions: [{ action: 'ecs:UpdateService', count: 4 }],
      candidates: [
        { identity_key: 'reg:deploy-a', name: 'deploy', account: null },
        { identity_key: 'reg:deploy-b', name: 'deploy', account: null },
      ],
      provider: false,
    },
    {
      actor_key: GHOST, actor_type: 'IAMUser', platforms: ['aws'], credential_ids: ['AKIAGHOST0000000'], first_seen: '2026-03-29T02:00:00.000Z',
      last_seen: '2026-03-30T04:00:00.000Z', events: 4, source_ips: 2, ambiguous: false, distinct_actions: 2,
      top_actions: [{ action: 's3:GetObject', count: 3 }, { action: 'iam:CreateAccessKey', count: 1 }], candidates: [], provider: false,
    },
    {
      actor_key: HOSTILE_ACTOR, actor_type: null, platforms: ['aws'], credential_ids: [`AKIA'QUOTE`], first_seen: '2026-03-30T05:00:00.000Z',
      last_seen: '2026-03-30T05:00:00.000Z', events: 1, source_ips: 1, ambiguous: false, distinct_actions: 1,
      top_actions: [{ action: '<i>x</i>', count: 1 }], candidates: [], provider: false,
    },
  ],
  counts: { inventory: 4, not_nhi: 0, matched: 2, platforms: ['aws'] },
};

/** Answers the investigate queries by their SQL text, with plain rows (what queryRows returns after conversion). */
class InventoryEngine extends FakeEngine {
  constructor(private readonly ws: Workspace) {
    super();
  }
  override async queryRows(sql: string, _options?: QueryOptions): Promise<RowsResult> {
    this.queries.push(sql);
    const rows = (): Row[] => {
      if (sql.includes('information_schema.tables')) return [{ table_name: 'findings' }, { table_name: 'dl_context' }];
      if (sql.includes('credential_age_days')) return this.ws.identities;
      if (/FROM findings/.test(sql)) return this.ws.findings;
      if (sql.includes('days_since_used')) return this.ws.silent;
      if (sql.includes('top_actions')) return this.ws.shadow;
      if (sql.includes('AS not_nhi')) return [this.ws.counts];
      return [];
    };
    const out = rows();
    return { columns: Object.keys(out[0] ?? {}).map((name) => ({ name, type: 'Utf8' })), rows: out };
  }
}

function setup(ws: Workspace = FULL) {
  const engine = new InventoryEngine(ws);
  const services: AppServices = {
    store: createAppStore({ engine: { status: 'ready', info: null, error: null }, view: 'inventory' }),
    engine,
    sampleBaseUrl: '/sample/',
    fetch: async () => new Response('', { status: 404 }),
    reader: async function* () {},
    download: () => undefined,
  };
  render(
    <ServicesProvider services={services}>
      <InventoryView />
    </ServicesProvider>,
  );
  return { services, engine, user: userEvent.setup() };
}

const bodyRows = (table: HTMLElement) => within(table).getAllByRole('row').slice(1);
const firstCells = (table: HTMLElement) => bodyRows(table).map((r) => within(r).getAllByRole('cell')[0]!.textContent ?? '');

describe('Inventory view', () => {
  it('shows the register with a summary, posture badges named by their title, and hostile strings as text', async () => {
    setup();
    const table = await screen.findByRole('table', { name: 'Register' });
    expect(bodyRows(table)).toHaveLength(4);
    expect(screen.getByRole('status', { name: 'Inventory summary' }).textContent).toMatch(
      /4 identities in the inventory · 2 active in the logs · 2 silent · 2 shadow actors · 1 ambiguous\. Logs loaded for AWS; credential ages as of 2026-03-31 23:59 UTC/,
    );
    const sync = within(table).getByRole('button', { name: 'sync' }).closest('tr')!;
    const badges = within(sync).getByRole('list', { name: 'Findings of sync' });
    expect(within(badges).getByRole('listitem', { name: /^No accountable owner \(posture\.no_owner\): medium severity/ })).toBeTruthy();
    expect(within(badges).getByRole('listitem', { name: /^Wildcard or admin-equivalent grant \(posture\.wildcard_permission\): high severity, 1 open finding, risk 84/ })).toBeTruthy();
    expect(within(sync).getByText('none recorded')).toBeTruthy();
    // Hostile values are text.
    expect(within(table).getByRole('button', { name: HOSTILE_NAME })).toBeTruthy();
    expect(within(table).getByText('=HYPERLINK("http://x")')).toBeTruthy();
    expect(document.querySelector('img')).toBeNull();
    expect(document.querySelector('b, i')).toBeNull();
  });

  it('narrows the register with "Filter identities" and "Only identities with posture findings", and sorts by header', async () => {
    const { user } = setup();
    await screen.findByRole('table', { name: 'Register' });
    await user.type(screen.getByRole('textbox', { name: 'Filter identities' }), 'okta');
    expect(firstCells(screen.getByRole('table', { name: 'Register' })).map((t) => t.split('OAuth')[0])).toEqual(['scim-client']);
    await user.clear(screen.getByRole('textbox', { name: 'Filter identities' }));
    await user.type(screen.getByRole('textbox', { name: 'Filter identities' }), 'never_rotated');
    expect(bodyRows(screen.getByRole('table', { name: 'Register' }))).toHaveLength(1);
    await user.type(screen.getByRole('textbox', { name: 'Filter identities' }), 'zzz');
    expect(screen.queryByRole('table', { name: 'Register' })).toBeNull();
    expect(screen.getByText(/No identity matches the filter/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(bodyRows(screen.getByRole('table', { name: 'Register' }))).toHaveLength(4);

    // Posture only: scim-client has a coverage finding only, the hostile row none.
    await user.click(screen.getByRole('checkbox', { name: 'Only identities with posture findings' }));
    const names = () =>
      bodyRows(screen.getByRole('table', { name: 'Register' })).map((r) => within(r).getAllByRole('button')[0]!.textContent);
    expect(names()).toEqual(['old-key', 'sync']);
    await user.click(screen.getByRole('checkbox', { name: 'Only identities with posture findings' }));

    // Sort by credential age: oldest first, then the other way.
    const ageHeader = within(screen.getByRole('table', { name: 'Register' })).getByRole('button', { name: /Credential age/ });
    await user.click(ageHeader);
    expect(names()).toEqual(['old-key', HOSTILE_NAME, 'sync', 'scim-client']);
    expect(ageHeader.closest('th')?.getAttribute('aria-sort')).toBe('descending');
    await user.click(ageHeader);
    expect(names()).toEqual(['scim-client', 'sync', HOSTILE_NAME, 'old-key']);
    expect(ageHeader.closest('th')?.getAttribute('aria-sort')).toBe('ascending');
  });

  it('opens an identity page from the register', async () => {
    const { services, user } = setup();
    const table = await screen.findByRole('table', { name: 'Register' });
    await user.click(within(table).getByRole('button', { name: 'old-key' }));
    expect(services.store.getState()).toMatchObject({ identityKey: 'arn:old-key', view: 'identities' });
  });

  it('shows both reconciliation tables, with platform coverage, ambiguous candidates and shadow actors', async () => {
    const { services, user } = setup();
    const silent = await screen.findByRole('table', { name: 'In the inventory but silent' });
    expect(bodyRows(silent)).toHaveLength(2);
    const idle = within(silent).getByRole('button', { name: 'idle' }).closest('tr')!;
    expect(idle.textContent).toContain('Dormant');
    expect(idle.textContent).toContain('AWS logs loaded (2026-03-21 – 2026-03-30), no activity');
    const scim = within(silent).getByRole('button', { name: 'scim-client' }).closest('tr')!;
    expect(scim.textContent).toContain('Never used');
    expect(scim.textContent).toContain('No Okta logs loaded');

    const shadow = screen.getByRole('table', { name: 'Active but not in the inventory' });
    expect(bodyRows(shadow)).toHaveLength(3);
    const ghost = within(shadow).getByText(GHOST).closest('tr')!;
    expect(ghost.textContent).toContain('AKIAGHOST0000000');
    expect(ghost.textContent).toContain('s3:GetObject ×3');
    expect(ghost.textContent).toContain('Not in the inventory');
    const deploy = within(shadow).getByText(DEPLOY).closest('tr')!;
    expect(deploy.textContent).toContain('Ambiguous');
    const candidates = within(deploy).getByRole('list', { name: `Candidates for ${DEPLOY}` });
    await user.click(within(candidates).getByRole('button', { name: 'deploy (reg:deploy-b)' }));
    expect(services.store.getState()).toMatchObject({ identityKey: 'reg:deploy-b', view: 'identities' });
    expect(within(shadow).getByText(HOSTILE_ACTOR)).toBeTruthy();
    expect(within(shadow).getByText('<i>x</i> ×1')).toBeTruthy();
  });

  it('"Show events in SQL console" puts a quoted SELECT over events_v for that actor in the console', async () => {
    const { services, user } = setup();
    const shadow = await screen.findByRole('table', { name: 'Active but not in the inventory' });
    const row = within(shadow).getByText(HOSTILE_ACTOR).closest('tr')!;
    const button = within(row).getByRole('button', { name: 'Show events in SQL console' });
    expect(button.getAttribute('aria-describedby')).toBeTruthy();
    await user.click(button);
    const state = services.store.getState();
    expect(state.view).toBe('sql');
    expect(state.sql.text).toBe(shadowEventsSql(HOSTILE_ACTOR));
    expect(state.sql.text).toContain(`FROM events_v`);
    expect(state.sql.text).toContain(`'evil''); DROP TABLE events; -- <b>bold</b>'`);
  });

  it('says what to do next when the workspace has no inventory and no logs', async () => {
    setup({ identities: [], findings: [], silent: [], shadow: [], counts: { inventory: 0, not_nhi: 0, matched: 0, platforms: [] } });
    await waitFor(() => expect(screen.getByRole('status', { name: 'Inventory summary' }).textContent).toMatch(/No inventory and no audit logs/));
    expect(screen.queryByRole('table')).toBeNull();
    expect(screen.getAllByText(/Add an inventory file \(an NHI register CSV, an IAM credential report/).length).toBeGreaterThan(0);
    expect(screen.getByText(/No audit logs loaded\. Add audit logs/)).toBeTruthy();
  });
});
