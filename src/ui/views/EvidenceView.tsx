// Evidence: the start page when the workspace is empty; otherwise every file with what was recognised, rows loaded and
// rejected (with reasons), time range and SHA-256, and the outcome of the last import.
import { useState } from 'react';
import { listRejectedRows, type EvidenceFileRow, type RejectedRowView } from '../../ingest/catalog';
import { formatBytes, formatCount } from '../../lib/format';
import { openSampleWorkspace } from '../../state/actions';
import { useAppState, useServices } from '../context';
import { MappingEditors } from './MappingEditor';

function StartPage() {
  const services = useServices();
  const busy = useAppState((state) => state.progress !== null || state.importing !== null);
  return (
    <section className="start" aria-labelledby="start-title">
      <h2 id="start-title">Start an investigation</h2>
      <p>
        Drop audit-log exports (CloudTrail, Okta, GitHub, Entra ID, GCP, Kubernetes) and your inventory of service accounts, API
        keys and apps anywhere on this window, or use <strong>Add evidence files</strong>. Everything stays on this machine: the
        analysis runs in this tab and nothing is sent anywhere.
      </p>
      <p>New here? The sample workspace is a small scenario with planted incidents and benign look-alikes.</p>
      <button type="button" className="primary" disabled={busy} onClick={() => void openSampleWorkspace(services)}>
        Open sample workspace
      </button>
    </section>
  );
}

const timeText = (iso: string | null) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');

function RejectedRows({ file }: { file: EvidenceFileRow }) {
  const { engine } = useServices();
  const [open, setOpen] = useState(false);
  const [rows, setRows] = useState<{ rows: RejectedRowView[]; total: number } | null>(null);
  if (file.rows_rejected === 0) return <>0</>;
  return (
    <>
      <button
        type="button"
        className="link"
        aria-expanded={open}
        aria-label={`${open ? 'Hide' : 'Show'} ${formatCount(file.rows_rejected)} rejected rows of ${file.name}`}
        onClick={() => {
          setOpen(!open);
          if (!rows) void listRejectedRows(engine, file.file_id).then(setRows);
        }}
      >
        {formatCount(file.rows_rejected)}
      </button>
      {open && rows && (
        <ul className="rejected" aria-label={`Rejected rows of ${file.name}`}>
          {rows.rows.map((row, i) => (
            <li key={i}>
              {row.source_row !== null ? `row ${row.source_row}: ` : ''}
              {row.reason}
            </li>
          ))}
          {rows.total > rows.rows.length && <li>… and {formatCount(rows.total - rows.rows.length)} more</li>}
        </ul>
      )}
    </>
  );
}

function LastImport() {
  const lastImport = useAppState((state) => state.lastImport);
  if (!lastImport) return null;
  const problems = lastImport.files.filter((f) => f.status !== 'loaded');
  if (problems.length === 0) return null;
  return (
    <section aria-labelledby="last-import-title" className="last-import">
      <h3 id="last-import-title">Files the last import did not load</h3>
      <ul>
        {problems.map((f) => (
          <li key={f.fileId}>
            <strong>{f.name}</strong>: {f.status === 'needs-mapping' ? 'columns need mapping' : f.status}
            {f.message ? ` (${f.message})` : ''}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function EvidenceView() {
  const evidence = useAppState((state) => state.evidence);
  const counts = useAppState((state) => state.counts);
  const importing = useAppState((state) => state.importing !== null);
  if (evidence.length === 0 && !importing) {
    return (
      <>
        <StartPage />
        <LastImport />
        <MappingEditors />
      </>
    );
  }
  return (
    <section aria-labelledby="evidence-title">
      <h2 id="evidence-title">Evidence</h2>
      {counts && (
        <p className="summary">
          {formatCount(counts.files)} files · {formatCount(counts.events)} events · {formatCount(counts.identities)} inventory identities ·{' '}
          {formatCount(counts.shadow_actors)} actors not in the inventory
        </p>
      )}
      <LastImport />
      <MappingEditors />
      <div className="result-scroll" tabIndex={0} role="region" aria-label="Evidence files table, scrollable">
        <table className="grid" aria-label="Evidence files">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Recognised as</th>
              <th scope="col">Rows loaded</th>
              <th scope="col">Rejected</th>
              <th scope="col">Time range (UTC)</th>
              <th scope="col">Size</th>
              <th scope="col">SHA-256</th>
            </tr>
          </thead>
          <tbody>
            {evidence.map((file) => (
              <tr key={file.file_id}>
                <td>
                  {file.name}
                  {file.notes && <div className="note">{file.notes}</div>}
                </td>
                <td>
                  {file.vendor ?? file.kind}
                  <div className="note">{file.container}</div>
                </td>
                <td className="num">
                  {formatCount(file.rows_loaded)}
                  {file.rows_duplicate > 0 && <div className="note">{formatCount(file.rows_duplicate)} duplicates skipped</div>}
                </td>
                <td className="num">
                  <RejectedRows file={file} />
                </td>
                <td>{file.first_event ? `${timeText(file.first_event)} – ${timeText(file.last_event)}` : '—'}</td>
                <td className="num">{formatBytes(file.bytes)}</td>
                <td>
                  <code className="hash">{file.sha256}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
