// Evidence: the start page when the workspace is empty, the list of added files otherwise.
import { openSampleWorkspace } from '../../state/actions';
import { useAppState, useServices } from '../context';
import { formatBytes } from '../format';

function StartPage() {
  const services = useServices();
  const busy = useAppState((state) => state.progress !== null);
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

export function EvidenceView() {
  const evidence = useAppState((state) => state.evidence);
  if (evidence.length === 0) return <StartPage />;
  return (
    <section aria-labelledby="evidence-title">
      <h2 id="evidence-title">Evidence</h2>
      <table className="grid">
        <caption>
          {evidence.length} file{evidence.length === 1 ? '' : 's'} in this workspace
        </caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Size</th>
            <th scope="col">Added from</th>
            <th scope="col">Readable in SQL as</th>
          </tr>
        </thead>
        <tbody>
          {evidence.map((file) => (
            <tr key={file.id}>
              <td>{file.name}</td>
              <td className="num">{formatBytes(file.bytes)}</td>
              <td>{file.origin}</td>
              <td>
                <code>{file.engineName}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
