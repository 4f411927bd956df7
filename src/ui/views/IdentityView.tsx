// Identities: every inventory identity and shadow actor (searchable, riskiest first); one identity's page with its inventory
// facts, its activity against its own baseline (hourly timeline, hour-of-week maps), what is new in the detection window,
// granted vs used permissions and its findings, each finding's evidence one click away in the SQL console.
import { useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import {
  hourOfWeekProfile,
  hourlyActivity,
  identityEventsSql,
  identityFacts,
  identityFindings,
  listIdentities,
  newInDetection,
  permissionUse,
  type HourOfWeekProfile,
  type HourlyActivity,
  type IdentityFacts,
  type IdentityFinding,
  type IdentityListItem,
  type NewInDetection,
  type NewList,
  type PermissionUse,
} from '../../investigate/identity';
import { formatCount } from '../../lib/format';
import { openInConsole } from '../../state/actions';
import { HourlyActivityChart } from '../charts/HourlyActivityChart';
import { HourOfWeekHeatmaps } from '../charts/HourOfWeekHeatmaps';
import { utcDate, utcMinute } from '../charts/utc';
import { useAppState, useServices } from '../context';
import './identity.css';

/** Rows of the identity list shown at once; the search narrows the rest. */
const LIST_LIMIT = 300;

type Loaded<T> = { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; data: T };

const isAbort = (error: unknown) => (error as Error)?.name === 'AbortError';

/** Re-read when the workspace or the analysis changes (an import, a settings change, a finished run). */
function useWorkspaceRevision() {
  const report = useAppState((s) => s.analysis.report);
  const counts = useAppState((s) => s.counts);
  const running = useAppState((s) => s.analysis.running);
  return { report, counts, running };
}

export function IdentityView() {
  const identityKey = useAppState((s) => s.identityKey);
  return identityKey === null ? <IdentityList /> : <IdentityPage key={identityKey} entityKey={identityKey} />;
}

// ---------------------------------------------------------------------------------------------------------------------
// The list

function IdentityList() {
  const services = useServices();
  const { report, counts, running } = useWorkspaceRevision();
  const [state, setState] = useState<Loaded<IdentityListItem[]>>({ status: 'loading' });
  const [search, setSearch] = useState('');
  const searchId = useId();

  useEffect(() => {
    if (running) return;
    const controller = new AbortController();
    listIdentities(services.engine, { signal: controller.signal }).then(
      (data) => setState({ status: 'ready', data }),
      (error: unknown) => !isAbort(error) && setState({ status: 'error', message: (error as Error).message }),
    );
    return () => controller.abort();
  }, [services.engine, report, counts, running]);

  const filtered = useMemo(() => {
    if (state.status !== 'ready') return [];
    const needle = search.trim().toLowerCase();
    if (!needle) return state.data;
    return state.data.filter((i) =>
      [i.name, i.entityKey, i.owner, i.platform, i.account, i.kind, i.environment].some((v) => v !== null && v.toLowerCase().includes(needle)),
    );
  }, [state, search]);

  const open = (entityKey: string) => services.store.setState({ identityKey: entityKey });

  return (
    <section className="identity-view" aria-labelledby="identities-title">
      <div className="view-head">
        <h2 id="identities-title">Identities</h2>
      </div>
      {state.status === 'loading' && (
        <p className="summary" role="status">
          Loading identities…
        </p>
      )}
      {state.status === 'error' && (
        <p role="alert" className="error">
          The identities could not be read: {state.message}. Try again after the current import or analysis finishes.
        </p>
      )}
      {state.status === 'ready' && state.data.length === 0 && (
        <div className="empty">
          <p>No identities yet.</p>
          <p>
            Add an inventory of non-human identities (an NHI register CSV, a credential report, service principals…) or audit logs
            with <strong>Add evidence files</strong>, or open the sample workspace from the <a href="#/evidence">Evidence</a> view.
            Actors of the logs that match no inventory identity appear here as shadow actors.
          </p>
        </div>
      )}
      {state.status === 'ready' && state.data.length > 0 && (
        <>
          <div className="toolbar">
            <label htmlFor={searchId}>Search identities</label>
            <input
              id={searchId}
              type="search"
              className="identity-search"
              value={search}
              placeholder="name, key, owner, platform…"
              onChange={(e) => setSearch(e.target.value)}
            />
            <span className="summary" role="status">
              {filtered.length === state.data.length
                ? `${formatCount(state.data.length)} identities and shadow actors`
                : `${formatCount(filtered.length)} of ${formatCount(state.data.length)} match`}
            </span>
          </div>
          {filtered.length === 0 ? (
            <p className="empty">No identity matches “{search}”. Search by name, key, owner, platform, account or environment.</p>
          ) : (
            <table className="grid identity-list" aria-label="Identities">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Platform</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Events</th>
                  <th scope="col">Open findings</th>
                  <th scope="col">Max risk</th>
                </tr>
              </thead>
              <tbody>
                {filtered.slice(0, LIST_LIMIT).map((i) => (
                  <tr key={i.entityKey}>
                    <td className="wrap">
                      <button type="button" className="link identity-open" onClick={() => open(i.entityKey)}>
                        {i.name}
                      </button>
                      <div className="note">
                        {i.shadow ? 'shadow actor: not in the inventory' : [i.kind, i.environment, i.criticality].filter(Boolean).join(' · ')}
                      </div>
                    </td>
                    <td>{[i.platform, i.account].filter(Boolean).join(' · ') || '—'}</td>
                    <td className="wrap">
                      {i.owner ?? (i.shadow ? '—' : 'none recorded')}
                      {i.ownerStatus && i.ownerStatus !== 'active' && <span className="owner-status"> ({i.ownerStatus})</span>}
                    </td>
                    <td className="num">{formatCount(i.events)}</td>
                    <td className="num">{formatCount(i.openFindings)}</td>
                    <td className="num">{i.maxRisk ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {filtered.length > LIST_LIMIT && (
            <p className="note">
              The first {LIST_LIMIT} of {formatCount(filtered.length)} are listed; search to narrow them.
            </p>
          )}
        </>
      )}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// One identity

interface IdentityPageData {
  facts: IdentityFacts | null;
  hourly: HourlyActivity | null;
  profile: HourOfWeekProfile | null;
  fresh: NewInDetection | null;
  permissions: PermissionUse | null;
  findings: IdentityFinding[] | null;
}

function IdentityPage({ entityKey }: { entityKey: string }) {
  const services = useServices();
  const settings = useAppState((s) => s.settings);
  const { report, counts, running } = useWorkspaceRevision();
  const [state, setState] = useState<Loaded<IdentityPageData>>({ status: 'loading' });

  useEffect(() => {
    if (running) return;
    const controller = new AbortController();
    const options = { signal: controller.signal };
    const engine = services.engine;
    (async (): Promise<IdentityPageData> => {
      const facts = await identityFacts(engine, entityKey, options);
      if (!facts) return { facts, hourly: null, profile: null, fresh: null, permissions: null, findings: null };
      return {
        facts,
        hourly: await hourlyActivity(engine, entityKey, options),
        profile: await hourOfWeekProfile(engine, entityKey, options),
        fresh: await newInDetection(engine, entityKey, options),
        permissions: await permissionUse(engine, entityKey, { ...options, settings }),
        findings: await identityFindings(engine, entityKey, options),
      };
    })().then(
      (data) => setState({ status: 'ready', data }),
      (error: unknown) => !isAbort(error) && setState({ status: 'error', message: (error as Error).message }),
    );
    return () => controller.abort();
  }, [services.engine, entityKey, settings, report, counts, running]);

  const back = (
    <button type="button" className="back" onClick={() => services.store.setState({ identityKey: null })}>
      ← Back to all identities
    </button>
  );

  if (state.status !== 'ready') {
    return (
      <section className="identity-view" aria-labelledby="identity-title">
        {back}
        <h2 id="identity-title">Identity</h2>
        {state.status === 'loading' ? (
          <p className="summary" role="status">
            {running ? 'The analysis is running; this identity loads when it finishes…' : 'Loading the identity…'}
          </p>
        ) : (
          <p role="alert" className="error">
            This identity could not be read: {state.message}
          </p>
        )}
      </section>
    );
  }

  const { facts, hourly, profile, fresh, permissions, findings } = state.data;
  if (!facts) {
    return (
      <section className="identity-view" aria-labelledby="identity-title">
        {back}
        <h2 id="identity-title">Identity not found</h2>
        <p className="empty">
          Nothing in this workspace has the key <code>{entityKey}</code>: no inventory identity and no actor of the logs. It may
          come from evidence that is no longer loaded. Go back to the list to pick another identity.
        </p>
      </section>
    );
  }

  return (
    <section className="identity-view" aria-labelledby="identity-title">
      {back}
      <IdentityHeader facts={facts} />
      <section className="identity-section" aria-labelledby="identity-activity-title">
        <div className="section-head">
          <h3 id="identity-activity-title">Activity against its baseline</h3>
          <button type="button" onClick={() => openInConsole(services, identityEventsSql(entityKey))}>
            Open its events in the SQL console
          </button>
        </div>
        {hourly === null || profile === null ? (
          <p className="empty">
            No analysis yet: the timeline and the hour-of-week maps appear once the detection catalogue has run over the evidence. It
            runs by itself after every import and settings change.
          </p>
        ) : (
          <>
            <HourlyActivityChart name={facts.name} activity={hourly} />
            <HourOfWeekHeatmaps name={facts.name} profile={profile} />
          </>
        )}
      </section>
      <NewInWindow fresh={fresh} />
      <Permissions permissions={permissions} facts={facts} />
      <Findings findings={findings} name={facts.name} />
    </section>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

const orDash = (v: string | null | undefined) => (v ? v : '—');

function IdentityHeader({ facts }: { facts: IdentityFacts }) {
  const a = facts.activity;
  const departed = facts.ownerStatus !== null && facts.ownerStatus.toLowerCase() !== 'active';
  const ageText =
    facts.credentialAgeDays === null
      ? '—'
      : `${formatCount(facts.credentialAgeDays)} days since ${facts.lastRotatedAt ? 'last rotation' : 'creation'} (as of ${utcDate(facts.asOf)})`;
  return (
    <header className="identity-header">
      <h2 id="identity-title">{facts.name}</h2>
      <p className="identity-kind">
        {facts.shadow ? 'Shadow actor: active in the logs, not in the inventory' : orDash(facts.kind)} · {orDash(facts.platform)}
        {facts.account ? ` · account ${facts.account}` : ''}
      </p>
      <dl className="facts">
        <Fact label="Key">
          <code>{facts.entityKey}</code>
        </Fact>
        {!facts.shadow && (
          <>
            <Fact label="Owner">
              {facts.owner ?? 'none recorded'}
              {facts.ownerStatus && <span className={departed ? 'owner-status departed' : 'owner-status'}> ({facts.ownerStatus})</span>}
              {facts.team ? ` · ${facts.team}` : ''}
            </Fact>
            <Fact label="Environment">{orDash(facts.environment)}</Fact>
            <Fact label="Criticality">{orDash(facts.criticality)}</Fact>
            <Fact label="Credential">
              {orDash(facts.credentialType)}
              {facts.secretLocation ? ` · kept in ${facts.secretLocation}` : ''}
            </Fact>
            <Fact label="Credential age">{ageText}</Fact>
            <Fact label="Created · rotated · expires · last used (UTC)">
              {[facts.createdAt, facts.lastRotatedAt, facts.expiresAt, facts.lastUsedAt].map((d) => utcDate(d) || '—').join(' · ')}
              {facts.expiresInDays !== null && (
                <span className={facts.expiresInDays < 0 ? 'owner-status departed' : 'owner-status'}>
                  {' '}
                  ({facts.expiresInDays < 0 ? `expired ${-facts.expiresInDays} days before as-of` : `expires ${facts.expiresInDays} days after as-of`})
                </span>
              )}
            </Fact>
            <Fact label="Declared schedule">
              {facts.schedule ?? 'none'}
              {facts.schedule && facts.scheduleReadable === false && ' (could not be read: the learned hours apply)'}
            </Fact>
            <Fact label="Approved destinations">{facts.approvedDestinations.join(', ') || 'none declared'}</Fact>
            <Fact label="Allowed data classes">{facts.allowedDataClasses.join(', ') || 'none declared'}</Fact>
            <Fact label="Aliases">{facts.aliases.map((x) => `${x.alias} (${x.type})`).join(', ') || 'none'}</Fact>
          </>
        )}
        {facts.shadowActor && (
          <>
            <Fact label="Credentials seen">{facts.shadowActor.credentialIds.join(', ') || 'none'}</Fact>
            <Fact label="Actor types">{facts.shadowActor.actorTypes.join(', ') || '—'}</Fact>
            <Fact label="Resolution">
              {facts.shadowActor.resolutions.join(', ') || 'shadow'}
              {facts.shadowActor.candidates.length > 0 && ` · could be: ${facts.shadowActor.candidates.join(', ')}`}
            </Fact>
          </>
        )}
        <Fact label="Activity">
          {formatCount(a.events)} events
          {a.firstSeen ? `, ${utcMinute(a.firstSeen)} – ${utcMinute(a.lastSeen)} UTC` : ''}
        </Fact>
        {a.baselineActiveDays !== null && facts.windows && (
          <Fact label="Baseline">
            {formatCount(a.baselineActiveDays)} active day{a.baselineActiveDays === 1 ? '' : 's'} (
            {a.baselineMature ? 'mature' : `immature: fewer than ${facts.windows.maturityDays}`}); {formatCount(a.detectionEvents ?? 0)} events in the{' '}
            {facts.windows.detectionDays}-day detection window
          </Fact>
        )}
      </dl>
      {Object.keys(facts.extra).length > 0 && (
        <details className="extra">
          <summary>Other inventory columns ({Object.keys(facts.extra).length})</summary>
          <dl className="facts">
            {Object.entries(facts.extra).map(([k, v]) => (
              <Fact key={k} label={k}>
                {v}
              </Fact>
            ))}
          </dl>
        </details>
      )}
    </header>
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// New in the detection window

const NEW_KINDS = [
  { key: 'actions', label: 'New actions', noun: 'action', related: 'Resources' },
  { key: 'resources', label: 'New resources', noun: 'resource', related: 'Actions' },
  { key: 'sources', label: 'New source IPs', noun: 'source IP', related: 'User agents' },
] as const;

function NewTable({ list, label, noun, related }: { list: NewList; label: string; noun: string; related: string }) {
  return (
    <div className="new-table">
      <h4>{label}</h4>
      {list.items.length === 0 ? (
        <p className="note">
          No new {noun}: every {noun} of the detection window was already in the baseline ({formatCount(list.known)} known).
        </p>
      ) : (
        <table className="grid compact" aria-label={label}>
          <caption>
            {formatCount(list.total)} new, {formatCount(list.known)} known from the baseline
            {list.total > list.items.length ? `; the first ${list.items.length} are listed` : ''}
          </caption>
          <thead>
            <tr>
              <th scope="col">{noun[0]!.toUpperCase() + noun.slice(1)}</th>
              <th scope="col">Events</th>
              <th scope="col">First seen (UTC)</th>
              <th scope="col">{related}</th>
            </tr>
          </thead>
          <tbody>
            {list.items.map((item) => (
              <tr key={item.value}>
                <td className="wrap">
                  <code>{item.value}</code>
                </td>
                <td className="num">
                  {formatCount(item.count)}
                  {item.outsideChange < item.count && <div className="note">{formatCount(item.count - item.outsideChange)} in change windows</div>}
                </td>
                <td>{utcMinute(item.firstSeen)}</td>
                <td className="wrap">
                  {item.related.join(', ')}
                  {item.relatedCount > item.related.length ? ` and ${item.relatedCount - item.related.length} more` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function NewInWindow({ fresh }: { fresh: NewInDetection | null }) {
  return (
    <section className="identity-section" aria-labelledby="identity-new-title">
      <h3 id="identity-new-title">New in the detection window</h3>
      {fresh === null ? (
        <p className="empty">No analysis yet: what is new appears once the catalogue has run (after every import).</p>
      ) : (
        <>
          <p className="note">Seen in the detection window and never in this identity's baseline.</p>
          <div className="new-tables">
            {NEW_KINDS.map((k) => (
              <NewTable key={k.key} list={fresh[k.key]} label={k.label} noun={k.noun} related={k.related} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// Granted vs used permissions

function Permissions({ permissions, facts }: { permissions: PermissionUse | null; facts: IdentityFacts }) {
  const counts = useMemo(() => {
    const c = { used: 0, unused: 0, 'not judged': 0 };
    for (const g of permissions?.grants ?? []) c[g.status]++;
    return c;
  }, [permissions]);
  return (
    <section className="identity-section" aria-labelledby="identity-permissions-title">
      <h3 id="identity-permissions-title">Granted vs used permissions</h3>
      {permissions === null ? (
        <p className="empty">
          No analysis yet: {facts.permissions.length ? `${facts.permissions.length} grants are recorded; ` : ''}their use is judged once the
          catalogue has run.
        </p>
      ) : (
        <>
          {permissions.note && <p className="note">{permissions.note}</p>}
          {permissions.grants.length > 0 && (
            <>
              <p className="summary">
                {counts.used} used · {counts.unused} never used · {counts['not judged']} not judgeable from the logs
                {permissions.observedDays !== null && `, over ${Math.round(permissions.observedDays)} days of logs`}
                {permissions.observedDays !== null && permissions.observedDays < permissions.minObservedDays
                  ? ` (fewer than ${permissions.minObservedDays}: too short for an unused-permission finding)`
                  : ''}
                .
              </p>
              <table className="grid compact" aria-label="Granted permissions">
                <thead>
                  <tr>
                    <th scope="col">Grant</th>
                    <th scope="col">Status</th>
                    <th scope="col">Events</th>
                    <th scope="col">Exercised by, or why it cannot be judged</th>
                  </tr>
                </thead>
                <tbody>
                  {permissions.grants.map((g) => (
                    <tr key={g.grant} className={`grant-${g.status.replace(' ', '-')}`}>
                      <td className="wrap">
                        <code>{g.grant}</code>
                      </td>
                      <td>{g.status}</td>
                      <td className="num">{formatCount(g.uses)}</td>
                      <td className="wrap">{g.reason ?? (g.actions.join(', ') || 'no matching call')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {permissions.outsideGrant !== null && (
            <>
              <h4>Used outside any grant</h4>
              {permissions.outsideGrant.length === 0 ? (
                <p className="note">Every successful action is covered by a recorded grant.</p>
              ) : (
                <table className="grid compact" aria-label="Actions used outside any grant">
                  <thead>
                    <tr>
                      <th scope="col">Action</th>
                      <th scope="col">Successful calls</th>
                      <th scope="col">In detection window</th>
                      <th scope="col">First – last seen (UTC)</th>
                      <th scope="col">Resources</th>
                    </tr>
                  </thead>
                  <tbody>
                    {permissions.outsideGrant.map((o) => (
                      <tr key={o.action}>
                        <td className="wrap">
                          <code>{o.action}</code>
                          {o.iamAction !== o.action && <div className="note">IAM action {o.iamAction}</div>}
                          {o.needs.length > 0 && <div className="note">needs one of {o.needs.join(', ')}</div>}
                        </td>
                        <td className="num">{formatCount(o.count)}</td>
                        <td className="num">{formatCount(o.detectionCount)}</td>
                        <td>
                          {utcMinute(o.firstSeen)} – {utcMinute(o.lastSeen)}
                        </td>
                        <td className="wrap">{o.resources.join(', ') || '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          )}
        </>
      )}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// Findings

function Findings({ findings, name }: { findings: IdentityFinding[] | null; name: string }) {
  const services = useServices();
  const open = findings?.filter((f) => f.status === 'open').length ?? 0;
  return (
    <section className="identity-section" aria-labelledby="identity-findings-title">
      <h3 id="identity-findings-title">Findings</h3>
      {findings === null ? (
        <p className="empty">No analysis yet: findings appear once the catalogue has run over the evidence.</p>
      ) : findings.length === 0 ? (
        <p className="empty">No findings for this identity.</p>
      ) : (
        <>
          <p className="summary">
            {formatCount(open)} open of {formatCount(findings.length)}
          </p>
          <ul className="identity-findings" aria-label={`Findings of ${name}`}>
            {findings.map((f) => (
              <li key={f.findingUid} className={`finding status-${f.status}`}>
                <div className="finding-head">
                  <span className={`risk severity-${f.severity}`} title={f.riskFormula}>
                    {f.riskScore}
                  </span>
                  <strong id={`finding-${f.findingUid}`}>
                    {f.title}
                    {f.subject ? `: ${f.subject}` : ''}
                  </strong>
                  <span className="note">
                    {f.detectionId} · {f.severity} · {f.status}
                    {f.changeId ? ` (change ${f.changeId})` : ''}
                    {f.lastSeen ? ` · last seen ${utcMinute(f.lastSeen)} UTC` : ''}
                  </span>
                </div>
                <p>{f.explanation}</p>
                <button type="button" aria-describedby={`finding-${f.findingUid}`} onClick={() => openInConsole(services, f.evidenceSql)}>
                  Open in SQL console
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
