// Findings: the open queue ranked by risk, explained and excepted findings still visible, each finding's explanation,
// score formula and evidence query one click away; export as OCSF JSON or CSV.
import { useState } from 'react';
import type { UiValue } from '../../engine/values';
import { formatCount } from '../../lib/format';
import { defaultTriage, type TriageStatus } from '../../report/findings-export';
import { exportFindings } from '../../state/actions';
import { setTriage } from '../../state/workspace-actions';
import { setView } from '../../state/store';
import { useAppState, useServices } from '../context';

type Finding = Record<string, UiValue>;
const text = (v: UiValue | undefined) => (v === null || v === undefined ? '' : String(v));
const time = (v: UiValue | undefined) => text(v).replace('T', ' ').replace(/\.\d+Z$/, 'Z');

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

const TRIAGE_LABELS: Record<TriageStatus, string> = {
  new: 'New',
  investigating: 'Investigating',
  explained: 'Explained',
  false_positive: 'False positive',
  escalated: 'Escalated',
};

function Triage({ finding }: { finding: Finding }) {
  const services = useServices();
  const uid = text(finding.finding_uid);
  const triage = useAppState((s) => s.triage[uid]);
  const readOnly = useAppState((s) => s.workspace.readOnly);
  const [note, setNote] = useState('');
  const status = triage?.status ?? defaultTriage(finding);
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

function FindingDetail({ finding }: { finding: Finding }) {
  const services = useServices();
  return (
    <div className="finding-detail">
      <Triage finding={finding} />
      <p>{text(finding.explanation)}</p>
      <dl>
        <dt>Risk score</dt>
        <dd>{text(finding.risk_formula)}</dd>
        <dt>Identity</dt>
        <dd>
          {text(finding.identity_name)} ({text(finding.identity_kind) || (finding.shadow ? 'not in the inventory' : 'identity')}, {text(finding.platform) || 'unknown platform'})
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
        <dd>
          {[...(Array.isArray(finding.owasp) ? finding.owasp : []), ...(Array.isArray(finding.nist) ? finding.nist : [])].map(String).join(', ') || '—'}
        </dd>
        {finding.change_id && (
          <>
            <dt>Change window</dt>
            <dd>{text(finding.change_id)}</dd>
          </>
        )}
        {finding.exception_id && (
          <>
            <dt>Exception</dt>
            <dd>{text(finding.exception_id)}</dd>
          </>
        )}
      </dl>
      <button
        type="button"
        onClick={() => {
          services.store.setState((state) => ({ sql: { ...state.sql, text: text(finding.evidence_sql) } }));
          window.location.hash = '#/sql';
          setView(services.store, 'sql');
        }}
      >
        Open in SQL console
      </button>
    </div>
  );
}

export function FindingsView() {
  const findings = useAppState((s) => s.findings);
  const analysis = useAppState((s) => s.analysis);
  const triage = useAppState((s) => s.triage);
  const [selected, setSelected] = useState<string | null>(null);
  const { open, explained, excepted } = analysis.totals;
  return (
    <section aria-labelledby="findings-title">
      <div className="view-head">
        <h2 id="findings-title">Findings</h2>
        <ExportFindings />
      </div>
      <p className="summary" role="status" aria-label="Findings summary">
        {analysis.running
          ? 'Analysing…'
          : analysis.report
            ? `${formatCount(open)} open · ${formatCount(explained)} explained by change windows · ${formatCount(excepted)} excepted · catalogue ran in ${formatCount(analysis.report.totalMs)} ms`
            : 'No analysis yet: add evidence files first.'}
      </p>
      {analysis.error && <p role="alert">{analysis.error}</p>}
      {findings.length > 0 && (
        <div className="result-scroll">
          <table className="grid" aria-label="Findings queue">
            <thead>
              <tr>
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
              {findings.map((finding) => {
                const uid = text(finding.finding_uid);
                const expanded = selected === uid;
                return [
                  <tr key={uid} aria-selected={expanded}>
                    <td className="num">{text(finding.risk_score)}</td>
                    <td>{text(finding.severity)}</td>
                    <td>
                      <button type="button" className="link" aria-expanded={expanded} onClick={() => setSelected(expanded ? null : uid)}>
                        {text(finding.detection_id)}
                      </button>
                    </td>
                    <td>{text(finding.identity_name)}</td>
                    <td>{text(finding.subject)}</td>
                    <td>
                      {TRIAGE_LABELS[triage[uid]?.status ?? defaultTriage(finding)]}
                      {finding.status !== 'open' && <div className="note">{text(finding.status)}</div>}
                    </td>
                    <td>{time(finding.last_seen)}</td>
                  </tr>,
                  expanded ? (
                    <tr key={`${uid}-detail`}>
                      <td colSpan={7}>
                        <FindingDetail finding={finding} />
                      </td>
                    </tr>
                  ) : null,
                ];
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
