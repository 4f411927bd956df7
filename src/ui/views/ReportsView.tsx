// Reports: the incident report (all open findings, or one identity) and the inventory hygiene report, each one
// self-contained HTML file made in the tab and handed over as a download; the OCSF / CSV findings export sits here too.
import { useEffect, useId, useState } from 'react';
import { formatBytes, formatCount } from '../../lib/format';
import { renderHygieneReport, renderIncidentReport, type ReportMeta } from '../../report/html';
import { gatherHygieneData, gatherIncidentData, listReportIdentities, type ReportIdentityChoice } from '../../report/report-data';
import { useAppState, useServices } from '../context';
import { ExportFindings } from './FindingsView';
import './reports.css';

type ReportKind = 'incident' | 'identity' | 'hygiene';

const BUSY_LABEL: Record<ReportKind, string> = {
  incident: 'Building the incident report…',
  identity: 'Building the incident report for the identity…',
  hygiene: 'Building the inventory hygiene report…',
};

/** A file-name-safe piece of an identity name (the name itself is printed, escaped, inside the report). */
function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/^shadow:/, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'identity'
  );
}

export function ReportsView() {
  const services = useServices();
  const evidenceCount = useAppState((s) => s.evidence.length);
  const importing = useAppState((s) => s.importing !== null);
  const analysing = useAppState((s) => s.analysis.running);
  const analysisReport = useAppState((s) => s.analysis.report);
  const [busy, setBusy] = useState<ReportKind | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [choices, setChoices] = useState<ReportIdentityChoice[]>([]);
  const [chosen, setChosen] = useState('');
  const reasonId = useId();
  const pickerId = useId();

  const reason =
    evidenceCount === 0
      ? 'Add evidence files first: a report describes the evidence of this workspace.'
      : importing
        ? 'An import is running: reports can be made when it has finished.'
        : analysing
          ? 'The analysis is running: reports can be made when it has finished.'
          : null;
  const disabled = reason !== null || busy !== null;

  // The identities a one-identity report can be made for, riskiest first; refreshed after every analysis.
  useEffect(() => {
    if (reason !== null) return;
    let current = true;
    listReportIdentities(services.engine).then(
      (list) => {
        if (!current) return;
        setChoices(list);
        setChosen((previous) => (list.some((c) => c.entityKey === previous) ? previous : (list[0]?.entityKey ?? '')));
      },
      () => current && setChoices([]),
    );
    return () => {
      current = false;
    };
  }, [services.engine, reason, analysisReport, evidenceCount]);

  async function produce(kind: ReportKind) {
    setBusy(kind);
    setError(null);
    setDone(null);
    try {
      const { settings, triage, workspace } = services.store.getState();
      const now = new Date();
      const meta: ReportMeta = { workspaceName: workspace.current?.name ?? 'Unsaved workspace', generatedAt: now };
      const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
      let html: string;
      let name: string;
      if (kind === 'hygiene') {
        html = renderHygieneReport(await gatherHygieneData(services.engine, { settings, triage, now: now.getTime() }), meta);
        name = `driftline-hygiene-report-${stamp}.html`;
      } else if (kind === 'identity') {
        const choice = choices.find((c) => c.entityKey === chosen);
        if (!choice) throw new Error('choose an identity first');
        html = renderIncidentReport(await gatherIncidentData(services.engine, { settings, triage, now: now.getTime(), identity: choice.entityKey }), meta);
        name = `driftline-incident-report-${slug(choice.name)}-${stamp}.html`;
      } else {
        html = renderIncidentReport(await gatherIncidentData(services.engine, { settings, triage, now: now.getTime() }), meta);
        name = `driftline-incident-report-${stamp}.html`;
      }
      const blob = new Blob([html], { type: 'text/html' });
      services.download(name, blob);
      setDone(`${name} is ready (${formatBytes(blob.size)}).`);
    } catch (e) {
      setError(`The report could not be produced: ${(e as Error).message}`);
    } finally {
      setBusy(null);
    }
  }

  const describedBy = reason ? reasonId : undefined;
  return (
    <section aria-labelledby="reports-title" className="reports-view">
      <h2 id="reports-title">Reports</h2>
      <p className="reports-intro">
        Each report is one HTML file made here, offline: inline styles, no script, nothing fetched, ready to print or to attach to a ticket. Both
        carry the mapping to the OWASP Non-Human Identities Top 10 (2025) and NIST CSF 2.0, the change windows and exceptions in force (expired
        ones marked), and the SHA-256 of every evidence file. Times are UTC.
      </p>
      {reason && (
        <p id={reasonId} className="reports-reason">
          {reason}
        </p>
      )}
      <div className="reports-grid">
        <article className="report-card" aria-labelledby="incident-report-title">
          <h3 id="incident-report-title">Incident report</h3>
          <p>
            The findings that need work, ranked by risk: identity, owner, environment, criticality, credential age, the explanation (observed,
            baseline, declared, threshold), evidence counts and times, triage status and notes, and the change window or exception that explains
            a finding.
          </p>
          <div className="report-actions">
            <button type="button" className="primary" disabled={disabled} aria-describedby={describedBy} onClick={() => void produce('incident')}>
              Incident Report (HTML)
            </button>
            <span className="report-hint">all open findings</span>
          </div>
          <div className="report-actions report-identity">
            <label htmlFor={pickerId}>Identity</label>
            <select id={pickerId} value={chosen} disabled={disabled || choices.length === 0} onChange={(e) => setChosen(e.target.value)}>
              {choices.length === 0 && <option value="">No identities</option>}
              {choices.map((c) => (
                <option key={c.entityKey} value={c.entityKey}>
                  {c.name}
                  {c.shadow ? ' (not in the inventory)' : ''} — {formatCount(c.open)} open of {formatCount(c.findings)}
                </option>
              ))}
            </select>
            <button type="button" disabled={disabled || !chosen} aria-describedby={describedBy} onClick={() => void produce('identity')}>
              Incident Report for this identity (HTML)
            </button>
          </div>
          <p className="report-hint">For one identity the report lists all its findings, explained and excepted ones included.</p>
        </article>
        <article className="report-card" aria-labelledby="hygiene-report-title">
          <h3 id="hygiene-report-title">Inventory hygiene report</h3>
          <p>
            For auditors: every identity in the inventory with its facts and its posture and coverage findings (owners, rotation, secret storage,
            least privilege, dormant and orphaned identities), with totals per control and the frameworks each control answers.
          </p>
          <div className="report-actions">
            <button type="button" className="primary" disabled={disabled} aria-describedby={describedBy} onClick={() => void produce('hygiene')}>
              Inventory Hygiene Report (HTML)
            </button>
          </div>
        </article>
        <article className="report-card" aria-labelledby="findings-export-title">
          <h3 id="findings-export-title">Findings export</h3>
          <p>Every finding as OCSF Detection Finding JSON (class 2004) or as CSV whose cells no spreadsheet evaluates, with its triage status.</p>
          <div className="report-actions">
            <ExportFindings />
          </div>
        </article>
      </div>
      <p className="reports-status" role="status" aria-label="Report status">
        {busy ? BUSY_LABEL[busy] : (done ?? '')}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
