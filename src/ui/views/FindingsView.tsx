// Findings: the queue ranked by risk (virtualised, filtered and sorted in DuckDB), counts per status, bulk triage,
// keyboard navigation (j/k, Enter, n/i/e/f/x), grouping by identity; each finding explains itself and leads to its
// evidence; export as OCSF JSON or CSV.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { UiValue } from '../../engine/values';
import { evidencePage, findingDetail, prepareQueue, queueOrder, type FindingFilter, type FindingRow, type QueueData } from '../../investigate/findings';
import { formatCount } from '../../lib/format';
import { defaultTriage, type TriageStatus } from '../../report/findings-export';
import { analyse, exportFindings, openIdentity, openInConsole } from '../../state/actions';
import { setTriage, setTriageMany } from '../../state/workspace-actions';
import { loadDraft, saveDraft } from '../../workspace/drafts';
import { ShowOriginalButton } from '../components/OriginalRecord';
import { useAppState, useServices } from '../context';
import './findings.css';

type Finding = Record<string, UiValue>;
const text = (v: UiValue | undefined) => (v === null || v === undefined ? '' : String(v));
const time = (v: UiValue | undefined) => text(v).replace('T', ' ').replace(/\.\d+Z$/, 'Z');

export const TRIAGE_LABELS: Record<TriageStatus, string> = {
  new: 'New',
  investigating: 'Investigating',
  explained: 'Explained',
  false_positive: 'False positive',
  escalated: 'Escalated',
};
const SHORTCUTS: Record<string, TriageStatus> = { n: 'new', i: 'investigating', e: 'explained', f: 'false_positive', x: 'escalated' };

/** Run the catalogue again over the evidence as it is (e.g. once an exception expired, or to time it). */
function AnalyseAgain() {
  const services = useServices();
  const evidence = useAppState((s) => s.evidence.length);
  const busy = useAppState((s) => s.importing !== null || s.analysis.running);
  return (
    <button type="button" disabled={evidence === 0 || busy} onClick={() => void analyse(services)} title="Run every detection again over the evidence as it is now">
      Analyse again
    </button>
  );
}

export function ExportFindings() {
  const services = useServices();
  const count = useAppState((s) => s.analysis.totals.open + s.analysis.totals.explained + s.analysis.totals.excepted);
  const busy = useAppState((s) => s.importing !== null || s.analysis.running);
  const [open, setOpen] = useState(false);
  const disabled = count === 0 || busy;
  return (
    <div className="menu">
      <button type="button" aria-haspopup="menu" aria-expanded={open} disabled={disabled} onClick={() => setOpen(!open)}>
        Export findings
      </button>
      {open && !disabled && (
        <ul role="menu" aria-label="Export findings as">
          {(
            [
              ['ocsf', 'OCSF JSON'],
              ['csv', 'CSV'],
            ] as const
          ).map(([format, label]) => (
            <li key={format} role="none">
              <button
                type="button"
                role="menuitem"
                onClick={() => {
                  setOpen(false);
                  void exportFindings(services, format);
                }}
              >
                {label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Triage({ finding }: { finding: Finding }) {
  const services = useServices();
  const uid = text(finding.finding_uid);
  const triage = useAppState((s) => s.triage[uid]);
  const readOnly = useAppState((s) => s.workspace.readOnly);
  const workspaceId = useAppState((s) => s.workspace.current?.id ?? null);
  const [note, setNoteState] = useState('');
  const status = triage?.status ?? defaultTriage(finding);
  // A note being typed survives a reload or a closed laptop: saved as a draft, restored here.
  useEffect(() => {
    setNoteState(workspaceId ? loadDraft(workspaceId, uid) : '');
  }, [workspaceId, uid]);
  const setNote = (value: string) => {
    setNoteState(value);
    if (workspaceId) saveDraft(workspaceId, uid, value);
  };
  return (
    <div className="triage">
      <label>
        Triage status
        <select value={status} disabled={readOnly} onChange={(e) => void setTriage(services, uid, { status: e.target.value as TriageStatus })}>
          {Object.entries(TRIAGE_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Note
        <textarea rows={2} value={note} disabled={readOnly} onChange={(e) => setNote(e.target.value)} />
      </label>
      <button
        type="button"
        disabled={readOnly || !note.trim()}
        onClick={() => {
          void setTriage(services, uid, { note });
          setNote('');
        }}
      >
        Add note
      </button>
      {triage?.notes.length ? (
        <ul aria-label="Notes">
          {triage.notes.map((n, i) => (
            <li key={i}>
              {n.text} <span className="note">— {n.by}, {time(n.at)}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

const EVIDENCE_PAGE = 10;
const EVIDENCE_COLUMNS = ['event_time', 'action', 'resource', 'source_ip', 'user_agent', 'outcome', 'source_file', 'source_row'];

function Evidence({ finding }: { finding: Finding }) {
  const { engine } = useServices();
  const [page, setPage] = useState(0);
  const [data, setData] = useState<{ rows: Record<string, UiValue>[]; total: number } | null>(null);
  const sql = text(finding.evidence_sql);
  const isEvents = sql.includes('FROM events_v');
  useEffect(() => {
    if (!isEvents) return;
    let live = true;
    void evidencePage(engine, sql, page * EVIDENCE_PAGE, EVIDENCE_PAGE).then((d) => live && setData(d));
    return () => {
      live = false;
    };
  }, [engine, sql, page, isEvents]);
  if (!isEvents) return <p className="note">The evidence is the inventory row itself (see the identity's facts above).</p>;
  if (!data) return <p className="note">Loading evidence…</p>;
  const pages = Math.max(1, Math.ceil(data.total / EVIDENCE_PAGE));
  return (
    <div>
      <div className="result-scroll" tabIndex={0} role="region" aria-label="Evidence events, scrollable">
        <table className="grid compact" aria-label={`Evidence events (${data.total})`}>
          <thead>
            <tr>
              {EVIDENCE_COLUMNS.map((c) => (
                <th key={c} scope="col">
                  {c.replace('_', ' ')}
                </th>
              ))}
              <th scope="col">record</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.map((row, r) => (
              <tr key={r}>
                {EVIDENCE_COLUMNS.map((c) => (
                  <td key={c}>{c === 'event_time' ? time(row[c]) : text(row[c])}</td>
                ))}
                <td>
                  <ShowOriginalButton fileId={text(row.file_id)} sourceRow={Number(row.source_row)} eventNumber={page * EVIDENCE_PAGE + r + 1} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="toolbar">
        <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
          Previous evidence page
        </button>
        <span>
          Page {page + 1} of {pages} · {formatCount(data.total)} events
        </span>
        <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>
          Next evidence page
        </button>
      </div>
    </div>
  );
}

function FindingDetail({ uid }: { uid: string }) {
  const services = useServices();
  const [finding, setFinding] = useState<Finding | null>(null);
  useEffect(() => {
    let live = true;
    void findingDetail(services.engine, uid).then((f) => live && setFinding(f));
    return () => {
      live = false;
    };
  }, [services.engine, uid]);
  if (!finding) return <p className="note">Loading…</p>;
  const frameworks = [...(Array.isArray(finding.owasp) ? finding.owasp : []), ...(Array.isArray(finding.nist) ? finding.nist : [])].map(String);
  return (
    <section className="finding-detail" aria-label={`Finding ${text(finding.title)} for ${text(finding.identity_name)}`}>
      <h3>
        {text(finding.title)} <span className="note">{text(finding.detection_id)}</span>
      </h3>
      <Triage finding={finding} />
      <div className="explain">
        <p>{text(finding.explanation)}</p>
        <dl className="compare">
          <dt>Observed</dt>
          <dd>{text(finding.observed)}</dd>
          <dt>Learned baseline</dt>
          <dd>{text(finding.baseline) || '—'}</dd>
          <dt>Declared purpose</dt>
          <dd>{text(finding.declared) || '—'}</dd>
          <dt>Threshold</dt>
          <dd>{text(finding.threshold) || '—'}</dd>
          <dt>Baseline maturity</dt>
          <dd>{text(finding.maturity)}{finding.baseline_active_days !== null && finding.baseline_active_days !== undefined ? ` (${text(finding.baseline_active_days)} active baseline days)` : ''}</dd>
        </dl>
      </div>
      <dl>
        <dt>Risk score</dt>
        <dd>{text(finding.risk_formula)}</dd>
        <dt>Identity</dt>
        <dd>
          <button type="button" className="link" onClick={() => openIdentity(services, text(finding.entity_key))}>
            {text(finding.identity_name)}
          </button>{' '}
          ({text(finding.identity_kind) || (finding.shadow ? 'not in the inventory' : 'identity')}, {text(finding.platform) || 'unknown platform'})
        </dd>
        <dt>Owner</dt>
        <dd>
          {text(finding.owner) || 'none recorded'}
          {finding.owner_status ? ` (${text(finding.owner_status)})` : ''}
        </dd>
        <dt>Environment · criticality · credential age</dt>
        <dd>
          {text(finding.environment) || '—'} · {text(finding.criticality) || '—'} ·{' '}
          {finding.credential_age_days === null || finding.credential_age_days === undefined ? '—' : `${text(finding.credential_age_days)} days`}
        </dd>
        <dt>Evidence</dt>
        <dd>
          {formatCount(Number(finding.evidence_count ?? 0))} events
          {finding.first_seen ? `, ${time(finding.first_seen)} – ${time(finding.last_seen)}` : ''}
        </dd>
        <dt>Frameworks</dt>
        <dd>{frameworks.join(', ') || '—'}</dd>
        {finding.change_id && (
          <>
            <dt>Change window</dt>
            <dd>{text(finding.change_id)} explains this finding</dd>
          </>
        )}
        {finding.exception_id && (
          <>
            <dt>Exception</dt>
            <dd>{text(finding.exception_id)}</dd>
          </>
        )}
      </dl>
      <Evidence finding={finding} />
      <button type="button" onClick={() => openInConsole(services, text(finding.evidence_sql))}>
        Open in SQL console
      </button>
    </section>
  );
}

const ROW_HEIGHT = 34;
const NO_ORDER = new Int32Array(0);

/** Identity groups, highest-risk group first, each keeping the queue's order inside. */
function groupByIdentity(list: FindingRow[]): FindingRow[] {
  const groups = new Map<string, FindingRow[]>();
  for (const r of list) {
    const group = groups.get(r.entity_key);
    if (group) group.push(r);
    else groups.set(r.entity_key, [r]);
  }
  return [...groups.values()].sort((a, b) => b[0]!.risk_score - a[0]!.risk_score).flat();
}

export function FindingsView() {
  const services = useServices();
  const analysis = useAppState((s) => s.analysis);
  const triage = useAppState((s) => s.triage);
  const readOnly = useAppState((s) => s.workspace.readOnly);
  const busy = useAppState((s) => s.importing !== null || s.analysis.running);
  const [filter, setFilter] = useState<FindingFilter>({ status: 'open', sort: 'risk' });
  const [triageFilter, setTriageFilter] = useState<TriageStatus | ''>('');
  const [grouped, setGrouped] = useState(false);
  // The numbered queue of the last analysis (fetched once per analysis) and the row numbers the filter matches.
  const [queue, setQueue] = useState<QueueData | null>(null);
  const [order, setOrder] = useState<{ qids: Int32Array; gen: number; of: QueueData | null }>({ qids: NO_ORDER, gen: 0, of: null });
  const [elapsed, setElapsed] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const [opened, setOpened] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulkStatus, setBulkStatus] = useState<TriageStatus>('investigating');
  const scrollRef = useRef<HTMLDivElement>(null);
  const lastChecked = useRef<number | null>(null);
  // A change of a filter control, until the rows it asks for are on screen: reported as the `driftline:queue-filter`
  // User Timing measure (read by bench:queue). `gen` is the query generation whose result completes it.
  const gen = useRef(0);
  const pending = useRef<{ start: number; control: string; gen: number } | null>(null);
  const began = (control: string, query: boolean) => {
    if (query) gen.current += 1;
    pending.current = { start: performance.now(), control, gen: query ? gen.current : 0 };
  };

  useEffect(() => {
    const controller = new AbortController();
    prepareQueue(services.engine, { signal: controller.signal }).then(
      (data) => !controller.signal.aborted && setQueue(data),
      (error: Error) => {
        if (error.name !== 'AbortError') setQueue({ rows: [], facets: { owners: [], environments: [], detections: [], severities: [], statuses: {} } });
      },
    );
    return () => controller.abort();
  }, [services.engine, analysis.report]);

  useEffect(() => {
    if (!queue) return;
    const controller = new AbortController();
    const queryGen = gen.current;
    const start = performance.now();
    // Typing: a short pause coalesces a burst of keys; a newer filter aborts the query it supersedes.
    const timer = setTimeout(
      () => {
        queueOrder(services.engine, filter, { signal: controller.signal }).then(
          (qids) => {
            if (controller.signal.aborted) return;
            setOrder({ qids, gen: queryGen, of: queue });
            setElapsed(Math.round(performance.now() - start));
          },
          (error: Error) => {
            if (error.name !== 'AbortError') setOrder({ qids: NO_ORDER, gen: queryGen, of: queue });
          },
        );
      },
      filter.text ? 50 : 0,
    );
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [services.engine, filter, queue]);

  // Rows of the queue the order was computed on (a new analysis shows the previous rows until its own order is in).
  const rows = useMemo(() => {
    const all = order.of?.rows ?? [];
    const out: FindingRow[] = new Array(order.qids.length);
    for (let i = 0; i < order.qids.length; i++) out[i] = all[order.qids[i]!]!;
    return out.filter(Boolean);
  }, [order]);
  const facets = queue?.facets ?? null;

  const shown = useMemo(() => {
    const list = triageFilter ? rows.filter((r) => (triage[r.finding_uid]?.status ?? defaultTriage(r)) === triageFilter) : rows;
    return grouped ? groupByIdentity(list) : list;
  }, [rows, triage, triageFilter, grouped]);

  useEffect(() => {
    const p = pending.current;
    if (!p || order.gen < p.gen) return;
    pending.current = null;
    performance.measure('driftline:queue-filter', { start: p.start, end: performance.now(), detail: { control: p.control, shown: shown.length } });
  }, [shown, order]);

  const triageCounts = useMemo(() => {
    const counts: Record<string, number> = {};
    for (const r of rows) {
      const status = triage[r.finding_uid]?.status ?? defaultTriage(r);
      counts[status] = (counts[status] ?? 0) + 1;
    }
    return counts;
  }, [rows, triage]);

  // initialRect: a viewport to render before the first measurement (and where there is no layout, as in tests).
  const virtualizer = useVirtualizer({ count: shown.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12, initialRect: { width: 1000, height: 480 } });
  const items = virtualizer.getVirtualItems();

  const applyStatus = useCallback(
    (status: TriageStatus, uids: string[]) => {
      if (uids.length === 1) void setTriage(services, uids[0]!, { status });
      else void setTriageMany(services, uids, status);
    },
    [services],
  );

  const onKeyDown = (event: React.KeyboardEvent) => {
    if ((event.target as HTMLElement).closest('input, select, textarea')) return;
    if (event.key === 'j' || event.key === 'ArrowDown') {
      event.preventDefault();
      const next = Math.min(shown.length - 1, active + 1);
      setActive(next);
      virtualizer.scrollToIndex(next);
    } else if (event.key === 'k' || event.key === 'ArrowUp') {
      event.preventDefault();
      const next = Math.max(0, active - 1);
      setActive(next);
      virtualizer.scrollToIndex(next);
    } else if (event.key === 'Enter') {
      const uid = shown[active]?.finding_uid;
      if (uid) setOpened(opened === uid ? null : uid);
    } else if (SHORTCUTS[event.key] && !readOnly) {
      const targets = selected.size ? [...selected] : shown[active] ? [shown[active]!.finding_uid] : [];
      applyStatus(SHORTCUTS[event.key]!, targets);
    }
  };

  /** A row's checkbox; with Shift held, every row from the previously clicked one to this one takes its state. */
  const toggleRow = (index: number, uid: string, checked: boolean, range: boolean) => {
    const next = new Set(selected);
    const from = range && lastChecked.current !== null ? Math.min(lastChecked.current, index) : index;
    const to = range && lastChecked.current !== null ? Math.max(lastChecked.current, index) : index;
    for (let i = from; i <= to; i++) {
      const id = i === index ? uid : shown[i]?.finding_uid;
      if (!id) continue;
      if (checked) next.add(id);
      else next.delete(id);
    }
    lastChecked.current = index;
    setSelected(next);
  };

  const { open, explained, excepted } = analysis.totals;
  const set = (control: string, patch: Partial<FindingFilter>) => {
    began(control, true);
    setFilter({ ...filter, ...patch });
    setActive(0);
  };
  const options = (values: string[] | undefined) => (values ?? []).map((v) => <option key={v} value={v}>{v}</option>);
  // The filter bar does not change while the queue scrolls or the keys move: kept out of those renders (hundreds of options).
  const filterBar = useMemo(
    () => (
          <div className="filters" role="search" aria-label="Filter findings">
            <label>
              Identity, subject
              <input type="search" value={filter.text ?? ''} onChange={(e) => set('text', { text: e.target.value })} />
            </label>
            <label>
              Owner
              <select value={filter.owner ?? ''} onChange={(e) => set('owner', { owner: e.target.value || undefined })}>
                <option value="">Any</option>
                {options(facets?.owners)}
              </select>
            </label>
            <label>
              Environment
              <select value={filter.environment ?? ''} onChange={(e) => set('environment', { environment: e.target.value || undefined })}>
                <option value="">Any</option>
                {options(facets?.environments)}
              </select>
            </label>
            <label>
              Detection
              <select value={filter.detection ?? ''} onChange={(e) => set('detection', { detection: e.target.value || undefined })}>
                <option value="">Any</option>
                {options(facets?.detections)}
              </select>
            </label>
            <label>
              Severity
              <select value={filter.severity ?? ''} onChange={(e) => set('severity', { severity: e.target.value || undefined })}>
                <option value="">Any</option>
                {options(facets?.severities)}
              </select>
            </label>
            <label>
              Detection status
              <select value={filter.status ?? ''} onChange={(e) => set('status', { status: e.target.value || undefined })}>
                <option value="">Any</option>
                <option value="open">Open ({formatCount(facets?.statuses.open ?? 0)})</option>
                <option value="explained">Explained ({formatCount(facets?.statuses.explained ?? 0)})</option>
                <option value="excepted">Excepted ({formatCount(facets?.statuses.excepted ?? 0)})</option>
              </select>
            </label>
            <label>
              Triage
              <select value={triageFilter} onChange={(e) => {
                  began('triage', false);
                  setTriageFilter(e.target.value as TriageStatus | '');
                }}>
                <option value="">Any</option>
                {Object.entries(TRIAGE_LABELS).map(([v, l]) => (
                  <option key={v} value={v}>
                    {l} ({formatCount(triageCounts[v] ?? 0)})
                  </option>
                ))}
              </select>
            </label>
            <div className="range">
              <label>
                Seen from (UTC)
                <input type="date" value={filter.from ?? ''} onChange={(e) => set('from', { from: e.target.value || undefined })} />
              </label>
              <label>
                to
                <input type="date" value={filter.to ?? ''} onChange={(e) => set('to', { to: e.target.value || undefined })} />
              </label>
            </div>
            <label>
              Sort by
              <select value={filter.sort ?? 'risk'} onChange={(e) => set('sort', { sort: e.target.value as FindingFilter['sort'] })}>
                <option value="risk">Risk</option>
                <option value="last_seen">Last seen</option>
                <option value="severity">Severity</option>
                <option value="identity">Identity</option>
                <option value="detection">Detection</option>
              </select>
            </label>
            <label className="inline">
              <input type="checkbox" checked={grouped} onChange={(e) => {
                  began('group', false);
                  setGrouped(e.target.checked);
                }} /> Group by identity
            </label>
          </div>
    ),
    // set() and began() read only `filter` (a dependency) and refs.
    [filter, facets, triageFilter, triageCounts, grouped],
  );
  const paddingTop = items[0]?.start ?? 0;
  const paddingBottom = items.length ? virtualizer.getTotalSize() - items[items.length - 1]!.end : 0;

  return (
    <section aria-labelledby="findings-title" className="findings-view">
      <div className="view-head">
        <h2 id="findings-title">Findings</h2>
        <AnalyseAgain />
        <ExportFindings />
      </div>
      <p className="summary" role="status" aria-label="Findings summary">
        {analysis.running
          ? 'Analysing…'
          : analysis.report
            ? `${formatCount(open)} open · ${formatCount(explained)} explained by change windows · ${formatCount(excepted)} excepted · ${analysis.report.saved ? `as saved with the workspace (catalogue ran in ${formatCount(analysis.report.totalMs)} ms)` : `catalogue ran in ${formatCount(analysis.report.totalMs)} ms`}`
            : 'No analysis yet: add evidence files first.'}
      </p>
      {analysis.error && <p role="alert">{analysis.error}</p>}
      {analysis.outdated && !analysis.running && (
        <p className="outdated">
          The last analysis was cancelled: these findings may not include the latest evidence.{' '}
          <button type="button" disabled={busy} onClick={() => void analyse(services)}>
            Run analysis
          </button>
        </p>
      )}
      {filterBar}
      <div className="toolbar">
        <span role="status" aria-label="Queue status">
          {formatCount(shown.length)} finding{shown.length === 1 ? '' : 's'} shown{elapsed !== null ? ` (filtered in ${elapsed} ms)` : ''}
          {selected.size ? ` · ${formatCount(selected.size)} selected` : ''}
        </span>
        <label>
          Set selected to
          <select value={bulkStatus} onChange={(e) => setBulkStatus(e.target.value as TriageStatus)}>
            {Object.entries(TRIAGE_LABELS).map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={!selected.size || readOnly} onClick={() => applyStatus(bulkStatus, [...selected])}>
          Apply to {formatCount(selected.size)} selected
        </button>
        <span className="note">Keys: j/k move, Enter opens, n i e f x set New, Investigating, Explained, False positive, Escalated</span>
      </div>
      <div className="queue" ref={scrollRef} tabIndex={0} onKeyDown={onKeyDown} aria-label="Findings queue, use j and k to move">
        <table className="grid" aria-label="Findings queue" aria-rowcount={shown.length + 1}>
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select all shown findings"
                  checked={selected.size > 0 && selected.size === shown.length}
                  onChange={(e) => setSelected(e.target.checked ? new Set(shown.map((r) => r.finding_uid)) : new Set())}
                />
              </th>
              <th scope="col">Risk</th>
              <th scope="col">Severity</th>
              <th scope="col">Detection</th>
              <th scope="col">Identity</th>
              <th scope="col">About</th>
              <th scope="col">Triage</th>
              <th scope="col">Last seen (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {paddingTop > 0 && (
              <tr aria-hidden="true">
                <td colSpan={8} style={{ height: paddingTop }} />
              </tr>
            )}
            {items.map((item) => {
              const row = shown[item.index]!;
              const uid = row.finding_uid;
              const status = triage[uid]?.status ?? defaultTriage(row);
              const groupStart = grouped && (item.index === 0 || shown[item.index - 1]!.entity_key !== row.entity_key);
              return (
                <tr
                  key={uid}
                  data-index={item.index}
                  aria-rowindex={item.index + 2}
                  aria-selected={item.index === active}
                  className={`${item.index === active ? 'active' : ''} ${groupStart ? 'group-start' : ''}`}
                  onClick={() => setActive(item.index)}
                >
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select ${row.title} for ${row.identity_name ?? row.entity_key}`}
                      checked={selected.has(uid)}
                      onChange={(e) => toggleRow(item.index, uid, e.target.checked, (e.nativeEvent as MouseEvent).shiftKey === true)}
                    />
                  </td>
                  <td className="num">{row.risk_score}</td>
                  <td>
                    <span className={`sev sev-${row.severity}`}>{row.severity}</span>
                  </td>
                  <td>
                    <button type="button" className="link" aria-expanded={opened === uid} onClick={() => setOpened(opened === uid ? null : uid)}>
                      {row.detection_id}
                    </button>
                  </td>
                  <td className="identity" title={row.identity_name ?? row.entity_key}>
                    {row.identity_name ?? row.entity_key}
                  </td>
                  <td className="subject" title={row.subject ?? undefined}>
                    {row.subject}
                  </td>
                  <td>
                    {TRIAGE_LABELS[status]}
                    {row.status !== 'open' && <span className="note"> · {row.status}</span>}
                  </td>
                  <td>{time(row.last_seen)}</td>
                </tr>
              );
            })}
            {paddingBottom > 0 && (
              <tr aria-hidden="true">
                <td colSpan={8} style={{ height: paddingBottom }} />
              </tr>
            )}
          </tbody>
        </table>
        {shown.length === 0 && !analysis.running && (
          <p className="empty">{analysis.report ? 'No finding matches these filters.' : 'Add evidence files: findings appear here once they are analysed.'}</p>
        )}
      </div>
      {opened && <FindingDetail uid={opened} />}
    </section>
  );
}
