// Inventory: the register of identities with their posture and coverage findings, then the reconciliation of the inventory
// with the logs both ways: identities the inventory lists that the logs never show, and actors the logs show that the
// inventory does not list. Every value is rendered as text.
import { useEffect, useMemo, useState } from 'react';
import {
  inventoryRegister,
  platformLabel,
  reconciliation,
  shadowEventsSql,
  type IdentityDetection,
  type Reconciliation,
  type Register,
  type RegisterRow,
  type ShadowActor,
  type SilentIdentity,
} from '../../investigate/inventory';
import { formatCount } from '../../lib/format';
import { openIdentity, openInConsole } from '../../state/actions';
import { useAppState, useServices } from '../context';
import './inventory.css';

const ADD_INVENTORY =
  'Add an inventory file (an NHI register CSV, an IAM credential report, Entra service principals, GitHub or Okta token exports…) to reconcile against.';
const ADD_LOGS =
  'Add audit logs (CloudTrail, Okta System Log, GitHub audit log, Entra sign-ins, GCP, Kubernetes…) to see which identities are active and which actors the inventory misses.';

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '');
const time = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC') : '');
const plural = (n: number, word: string, many = `${word}s`) => `${formatCount(n)} ${n === 1 ? word : many}`;
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
const byText = (a: string | null, b: string | null) => collator.compare(a ?? '', b ?? '');

type SortKey = 'name' | 'platform' | 'owner' | 'age' | 'lastSeen' | 'events' | 'findings';
const SORTS: Record<SortKey, { label: string; compare: (a: RegisterRow, b: RegisterRow) => number; numeric?: boolean }> = {
  name: { label: 'Identity', compare: (a, b) => byText(a.name, b.name) },
  platform: { label: 'Platform', compare: (a, b) => byText(platformLabel(a.platform), platformLabel(b.platform)) || byText(a.account, b.account) },
  owner: { label: 'Owner', compare: (a, b) => byText(a.owner, b.owner) },
  age: { label: 'Credential age', compare: (a, b) => (a.credentialAgeDays ?? -1) - (b.credentialAgeDays ?? -1), numeric: true },
  lastSeen: { label: 'Last seen (logs)', compare: (a, b) => (a.lastSeen ?? '').localeCompare(b.lastSeen ?? ''), numeric: true },
  events: { label: 'Events', compare: (a, b) => a.events - b.events, numeric: true },
  findings: {
    label: 'Findings',
    compare: (a, b) => (a.maxRisk ?? -1) - (b.maxRisk ?? -1) || a.findingCount - b.findingCount,
    numeric: true,
  },
};

interface Loaded {
  register: Register;
  reconciliation: Reconciliation;
}

function useInventory(): { data: Loaded | null; error: string | null; loading: boolean } {
  const services = useServices();
  const engineReady = useAppState((s) => s.engine.status === 'ready');
  const counts = useAppState((s) => s.counts);
  const report = useAppState((s) => s.analysis.report);
  const dormantDays = useAppState((s) => s.settings.params['coverage.dormant']?.dormant_days);
  const [state, setState] = useState<{ data: Loaded | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: false });

  useEffect(() => {
    if (!engineReady) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    const options = dormantDays === undefined ? {} : { dormantDays };
    Promise.all([inventoryRegister(services.engine), reconciliation(services.engine, options)])
      .then(([register, rec]) => {
        if (live) setState({ data: { register, reconciliation: rec }, error: null, loading: false });
      })
      .catch((error: unknown) => {
        if (live) setState((s) => ({ ...s, error: (error as Error).message, loading: false }));
      });
    return () => {
      live = false;
    };
  }, [services.engine, engineReady, counts, report, dormantDays]);
  return state;
}

export function InventoryView() {
  const { data, error, loading } = useInventory();
  const engineReady = useAppState((s) => s.engine.status === 'ready');
  return (
    <section aria-labelledby="inventory-title" className="inventory-view">
      <h2 id="inventory-title">Inventory</h2>
      <p className="summary" role="status" aria-label="Inventory summary">
        {!engineReady ? 'Waiting for the engine to start…' : data ? summaryText(data) : loading ? 'Reading the inventory…' : ''}
      </p>
      {error && <p role="alert">The inventory could not be read: {error}</p>}
      {data && (
        <>
          <RegisterTable register={data.register} />
          <ReconciliationSection data={data} />
        </>
      )}
    </section>
  );
}

function summaryText({ register, reconciliation: rec }: Loaded): string {
  const s = rec.summary;
  if (s.inventory === 0 && s.platformsWithLogs.length === 0) return 'No inventory and no audit logs in this workspace yet.';
  const parts = [
    `${plural(s.inventory, 'identity', 'identities')} in the inventory`,
    `${formatCount(s.matched)} active in the logs`,
    `${formatCount(s.silent)} silent`,
    `${plural(s.shadow, 'shadow actor')}`,
    `${formatCount(s.ambiguous)} ambiguous`,
  ];
  if (s.notNhi) parts.push(`${plural(s.notNhi, 'person or root account', 'people or root accounts')} not reconciled`);
  const logs = s.platformsWithLogs.length ? `Logs loaded for ${s.platformsWithLogs.map(platformLabel).join(', ')}` : 'No audit logs loaded';
  const asOf = register.asOf
    ? `credential ages as of ${time(register.asOf)} (${
        register.asOfSource === 'analysis' ? 'the analysis as-of' : register.asOfSource === 'latest_event' ? 'the latest event' : 'the last import'
      })`
    : 'no as-of for credential ages';
  return `${parts.join(' · ')}. ${logs}; ${asOf}.`;
}

function FindingBadges({ row }: { row: RegisterRow }) {
  if (row.detections.length === 0) {
    return row.settledCount ? <span className="note">{plural(row.settledCount, 'finding')} explained or excepted</span> : <span className="inv-none">—</span>;
  }
  return (
    <>
      <ul className="inv-badges" aria-label={`Findings of ${row.name}`}>
        {row.detections.map((d) => (
          <Badge key={d.detectionId} detection={d} />
        ))}
      </ul>
      {row.settledCount > 0 && <span className="note">+{plural(row.settledCount, 'finding')} explained or excepted</span>}
    </>
  );
}

function Badge({ detection: d }: { detection: IdentityDetection }) {
  const label = `${d.title} (${d.detectionId}): ${d.severity} severity, ${plural(d.open, 'open finding')}${d.maxRisk !== null ? `, risk ${d.maxRisk}` : ''}`;
  return (
    <li className={`inv-badge inv-sev-${d.severity} inv-${d.family}`} aria-label={label} title={label}>
      {d.detectionId}
      {d.open > 1 ? ` ×${d.open}` : ''}
    </li>
  );
}

function matches(row: RegisterRow, needle: string): boolean {
  if (!needle) return true;
  const hay = [row.name, row.identityKey, row.kind, row.platform, platformLabel(row.platform), row.account, row.owner, row.ownerStatus, row.team, row.environment, row.criticality, row.credentialType, ...row.findingIds]
    .filter((v): v is string => typeof v === 'string')
    .join('\n')
    .toLowerCase();
  return hay.includes(needle);
}

function RegisterTable({ register }: { register: Register }) {
  const services = useServices();
  const [filter, setFilter] = useState('');
  const [onlyPosture, setOnlyPosture] = useState(false);
  const [sort, setSort] = useState<{ key: SortKey; dir: 'asc' | 'desc' }>({ key: 'name', dir: 'asc' });

  const rows = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const kept = register.rows.filter((r) => matches(r, needle) && (!onlyPosture || r.postureCount > 0));
    const { compare } = SORTS[sort.key];
    const sign = sort.dir === 'asc' ? 1 : -1;
    return [...kept].sort((a, b) => sign * compare(a, b) || byText(a.name, b.name) || byText(a.identityKey, b.identityKey));
  }, [register.rows, filter, onlyPosture, sort]);

  const header = (key: SortKey) => {
    const active = sort.key === key;
    return (
      <th scope="col" aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
        <button
          type="button"
          className="inv-sort"
          onClick={() => setSort(active ? { key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: SORTS[key].numeric ? 'desc' : 'asc' })}
        >
          {SORTS[key].label}
          <span aria-hidden="true" className="inv-sort-mark">
            {active ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
          </span>
        </button>
      </th>
    );
  };

  return (
    <div className="inv-block">
      <h3 id="inventory-register-title">Register</h3>
      {register.rows.length === 0 ? (
        <p className="empty">The inventory is empty. {ADD_INVENTORY}</p>
      ) : (
        <>
          <div className="inv-controls">
            <label>
              Filter identities
              <input type="text" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="name, owner, platform, finding…" />
            </label>
            <label className="inv-check">
              <input type="checkbox" checked={onlyPosture} onChange={(e) => setOnlyPosture(e.target.checked)} />
              Only identities with posture findings
            </label>
            <span className="note" aria-live="polite">
              Showing {formatCount(rows.length)} of {plural(register.rows.length, 'identity', 'identities')}
            </span>
          </div>
          {!register.findingsAvailable && <p className="note">Posture and coverage findings appear here once the analysis has run.</p>}
          {rows.length === 0 ? (
            <p className="empty">
              No identity matches the filter.{' '}
              <button
                type="button"
                onClick={() => {
                  setFilter('');
                  setOnlyPosture(false);
                }}
              >
                Clear filters
              </button>
            </p>
          ) : (
            <div className="inv-scroll">
              <table className="grid inv-table" aria-labelledby="inventory-register-title">
                <thead>
                  <tr>
                    {header('name')}
                    {header('platform')}
                    {header('owner')}
                    <th scope="col">Team · environment · criticality</th>
                    {header('age')}
                    <th scope="col">Last rotated</th>
                    <th scope="col">Last used (inventory)</th>
                    {header('lastSeen')}
                    {header('events')}
                    <th scope="col">Aliases</th>
                    {header('findings')}
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.identityKey}>
                      <td className="inv-id">
                        <button type="button" className="link inv-name" onClick={() => openIdentity(services, r.identityKey)}>
                          {r.name || r.identityKey}
                        </button>
                        <div className="note">
                          {r.kind || 'identity'}
                          {r.nhi ? '' : ' · not an NHI'}
                        </div>
                      </td>
                      <td>
                        {platformLabel(r.platform)}
                        {r.account && <div className="note">{r.account}</div>}
                      </td>
                      <td className="inv-owner">
                        {r.owner || <span className="inv-missing">none recorded</span>}
                        {r.ownerStatus && <div className="note">{r.ownerStatus}</div>}
                      </td>
                      <td>{[r.team, r.environment, r.criticality].map((v) => v || '—').join(' · ')}</td>
                      <td className="num">
                        {r.credentialAgeDays === null ? '—' : plural(r.credentialAgeDays, 'day')}
                        {r.credentialType && <div className="note">{r.credentialType}</div>}
                      </td>
                      <td className="inv-date">
                        {day(r.lastRotatedAt) || 'never'}
                        <div className="note">{r.expiresAt ? `expires ${day(r.expiresAt)}` : 'no expiry'}</div>
                      </td>
                      <td className="inv-date">{day(r.lastUsedAt) || '—'}</td>
                      <td className="inv-date">{time(r.lastSeen) || 'not seen'}</td>
                      <td className="num">{formatCount(r.events)}</td>
                      <td className="num">{formatCount(r.aliases)}</td>
                      <td className="inv-findings">
                        <FindingBadges row={r} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </div>
  );
}

function ReconciliationSection({ data }: { data: Loaded }) {
  const rec = data.reconciliation;
  const hasInventory = rec.summary.inventory > 0;
  const hasLogs = rec.summary.platformsWithLogs.length > 0;
  return (
    <div className="inv-block">
      <h3>Reconciliation</h3>
      <p className="note">
        The inventory against the logs, both ways. Dormant means no use for {plural(rec.dormantDays, 'day')} before as-of
        {rec.asOf ? ` (${time(rec.asOf)})` : ''}.
        {rec.summary.excludedActors > 0 &&
          ` ${plural(rec.summary.excludedActors, 'actor')} (${plural(rec.summary.excludedEvents, 'event')}) left out: the cloud provider's own services and records with no actor are not identities.`}
      </p>
      <h4 id="inventory-silent-title">In the inventory but silent</h4>
      {!hasInventory ? (
        <p className="empty">No inventory to reconcile. {ADD_INVENTORY}</p>
      ) : rec.silent.length === 0 ? (
        <p className="empty">{hasLogs ? 'Every inventory identity has activity in the logs.' : ADD_LOGS}</p>
      ) : (
        <>
          {!hasLogs && <p className="empty">{ADD_LOGS}</p>}
          <SilentTable rows={rec.silent} />
        </>
      )}
      <h4 id="inventory-shadow-title">Active but not in the inventory</h4>
      {!hasLogs ? (
        <p className="empty">No audit logs loaded. {ADD_LOGS}</p>
      ) : rec.shadow.length === 0 ? (
        <p className="empty">Every actor in the logs resolves to exactly one inventory identity.</p>
      ) : (
        <>
          {!hasInventory && <p className="empty">Every actor is unregistered because there is no inventory yet. {ADD_INVENTORY}</p>}
          <ShadowTable rows={rec.shadow} />
        </>
      )}
    </div>
  );
}

const USAGE_LABELS: Record<SilentIdentity['usage'], string> = {
  never_used: 'Never used',
  dormant: 'Dormant',
  recent: 'Recently used',
  unknown: 'Used',
};

function SilentTable({ rows }: { rows: SilentIdentity[] }) {
  const services = useServices();
  return (
    <div className="inv-scroll">
      <table className="grid inv-table" aria-labelledby="inventory-silent-title">
        <thead>
          <tr>
            <th scope="col">Identity</th>
            <th scope="col">Platform</th>
            <th scope="col">Owner</th>
            <th scope="col">Use per the inventory</th>
            <th scope="col">What the evidence covers</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.identityKey}>
              <td className="inv-id">
                <button type="button" className="link inv-name" onClick={() => openIdentity(services, s.identityKey)}>
                  {s.name || s.identityKey}
                </button>
                <div className="note">{[s.kind, s.environment, s.criticality].filter(Boolean).join(' · ')}</div>
              </td>
              <td>
                {platformLabel(s.platform)}
                {s.account && <div className="note inv-break">{s.account}</div>}
              </td>
              <td>
                {s.owner || <span className="inv-missing">none recorded</span>}
                {s.ownerStatus && <div className="note">{s.ownerStatus}</div>}
              </td>
              <td>
                <span className={`inv-usage inv-usage-${s.usage}`}>{USAGE_LABELS[s.usage]}</span>
                <div className="note">{s.usageText}</div>
              </td>
              <td>
                <span className={s.logsLoaded ? '' : 'inv-missing'}>{s.coverageText}</span>
                {s.notes.map((n, i) => (
                  <div key={i} className="note inv-break">
                    {n}
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ShadowTable({ rows }: { rows: ShadowActor[] }) {
  const services = useServices();
  return (
    <div className="inv-scroll">
      <table className="grid inv-table" aria-labelledby="inventory-shadow-title">
        <thead>
          <tr>
            <th scope="col">Actor</th>
            <th scope="col">Platform</th>
            <th scope="col">Credentials</th>
            <th scope="col">First · last seen (UTC)</th>
            <th scope="col">Events</th>
            <th scope="col">Top actions</th>
            <th scope="col">Source IPs</th>
            <th scope="col">Resolution</th>
            <th scope="col">Evidence</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a, index) => {
            const actorId = `inventory-shadow-actor-${index}`;
            return (
              <tr key={a.actor}>
                <td className="inv-id">
                  <code id={actorId} className="inv-break">
                    {a.actor}
                  </code>
                  {a.actorType && <div className="note">{a.actorType}</div>}
                </td>
                <td>{a.platforms.map(platformLabel).join(', ') || '—'}</td>
                <td>
                  {a.credentialIds.length === 0 ? (
                    '—'
                  ) : (
                    <ul className="inv-list">
                      {a.credentialIds.slice(0, 5).map((c) => (
                        <li key={c}>
                          <code className="inv-break">{c}</code>
                        </li>
                      ))}
                      {a.credentialIds.length > 5 && <li className="note">and {formatCount(a.credentialIds.length - 5)} more</li>}
                    </ul>
                  )}
                </td>
                <td className="inv-date">
                  {time(a.firstSeen)}
                  <div>{time(a.lastSeen)}</div>
                </td>
                <td className="num">{formatCount(a.events)}</td>
                <td>
                  <ul className="inv-list">
                    {a.topActions.map((t) => (
                      <li key={t.action} className="inv-break">
                        {t.action} ×{formatCount(t.count)}
                      </li>
                    ))}
                    {a.distinctActions > a.topActions.length && (
                      <li className="note">and {plural(a.distinctActions - a.topActions.length, 'other action')}</li>
                    )}
                  </ul>
                </td>
                <td className="num">{formatCount(a.sourceIps)}</td>
                <td>
                  {a.ambiguous ? (
                    <>
                      <span className="inv-usage inv-usage-ambiguous">Ambiguous</span>
                      <div className="note">matches {plural(a.candidates.length, 'identity', 'identities')}; attributed to none:</div>
                      <ul className="inv-list" aria-label={`Candidates for ${a.actor}`}>
                        {a.candidates.map((c) => (
                          <li key={c.identityKey}>
                            <button type="button" className="link inv-name" onClick={() => openIdentity(services, c.identityKey)}>
                              {c.name ? `${c.name} (${c.identityKey})` : c.identityKey}
                            </button>
                          </li>
                        ))}
                      </ul>
                    </>
                  ) : (
                    <span className="inv-usage inv-usage-shadow">Not in the inventory</span>
                  )}
                </td>
                <td>
                  <button type="button" aria-describedby={actorId} onClick={() => openInConsole(services, shadowEventsSql(a.actor))}>
                    Show events in SQL console
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
