// The mapping editor: for a CSV the app could not map with confidence, a preview of its rows and a column choice per
// canonical field (with the confidence of each automatic guess). The mapping is remembered for the same header.
import { useMemo, useState } from 'react';
import { EVENT_FIELDS, type EventColumnMapping, type EventField } from '../../ingest/csv-events';
import type { ImportReport } from '../../ingest/pipeline';
import { applyMapping, discardMappingRequest } from '../../state/actions';
import { useAppState, useServices } from '../context';

const FIELD_LABELS: Record<EventField, string> = {
  event_time: 'Time (required)',
  actor: 'Actor (who)',
  action: 'Action (what)',
  resource: 'Resource (on what)',
  source_ip: 'Source IP',
  user_agent: 'User agent',
  outcome: 'Outcome (success / failure)',
  error_code: 'Error code',
  bytes: 'Bytes',
  credential_id: 'Credential id (key, token)',
  event_id: 'Event id',
  actor_alt: 'Actor, second name',
  actor_type: 'Actor type',
  account: 'Account / tenant',
  resource_account: 'Resource account',
  session_type: 'Session type',
};

type Request = ImportReport['mappingRequests'][number];

function EditorFor({ request }: { request: Request }) {
  const services = useServices();
  const busy = useAppState((state) => state.importing !== null);
  const { headers, sample, guess, reason } = request.request;
  const [choice, setChoice] = useState<Partial<Record<EventField, string>>>(() =>
    Object.fromEntries(Object.entries(guess).map(([field, g]) => [field, g!.column])),
  );
  const used = useMemo(() => new Set(Object.values(choice).filter(Boolean)), [choice]);
  const unmapped = headers.filter((h) => !used.has(h));
  const titleId = `mapping-${request.fileId}`;
  return (
    <section className="mapping" aria-labelledby={titleId}>
      <h3 id={titleId}>Map the columns of {request.name}</h3>
      <p className="note">{reason}</p>
      <div className="mapping-fields">
        {EVENT_FIELDS.map((field) => {
          const auto = guess[field];
          const id = `${request.fileId}-${field}`;
          return (
            <div key={field} className="mapping-field">
              <label htmlFor={id}>{FIELD_LABELS[field]}</label>
              <select
                id={id}
                value={choice[field] ?? ''}
                onChange={(event) => setChoice({ ...choice, [field]: event.target.value || undefined })}
              >
                <option value="">— not mapped —</option>
                {headers.map((header, i) => (
                  <option key={i} value={header}>
                    {header || `(column ${i + 1})`}
                  </option>
                ))}
              </select>
              {auto && (
                <span className="note">
                  guessed “{auto.column}”, {Math.round(auto.confidence * 100)}% confidence
                </span>
              )}
            </div>
          );
        })}
      </div>
      <p className="note">Columns not mapped (kept in the original file, shown here): {unmapped.length ? unmapped.join(', ') : 'none'}</p>
      <div className="result-scroll preview" tabIndex={0} role="region" aria-label={`Preview of ${request.name}, scrollable`}>
        <table className="grid" aria-label={`Preview of ${request.name}`}>
          <thead>
            <tr>
              {headers.map((header, i) => (
                <th key={i} scope="col">
                  {header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {sample.slice(0, 10).map((row, r) => (
              <tr key={r}>
                {headers.map((_h, c) => (
                  <td key={c}>{row[c] ?? ''}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="toolbar">
        <button
          type="button"
          className="primary"
          disabled={!choice.event_time || busy}
          onClick={() => void applyMapping(services, request, choice as EventColumnMapping)}
        >
          Import {request.name} with this mapping
        </button>
        <button type="button" onClick={() => discardMappingRequest(services, request.fileId)}>
          Skip this file
        </button>
      </div>
    </section>
  );
}

export function MappingEditors() {
  const pending = useAppState((state) => state.pendingMappings);
  if (pending.length === 0) return null;
  return (
    <>
      {pending.map((request) => (
        <EditorFor key={request.fileId} request={request} />
      ))}
    </>
  );
}
