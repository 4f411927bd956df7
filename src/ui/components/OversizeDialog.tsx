// A drop refused because it would not fit in this tab: what it would take, and the two ways to narrow it (a narrower
// column set, a time slice). Nothing was read; Cancel leaves the workspace as it is.
import { useEffect, useId, useRef, useState } from 'react';
import { formatBytes, formatCount, formatMemory } from '../../lib/format';
import { NARROW_OMIT } from '../../ingest/estimate';
import type { ImportLimits } from '../../ingest/commit';
import { dismissOversize, importWithLimits } from '../../state/actions';
import { useAppState, useServices } from '../context';

/** datetime-local text (read as UTC) → epoch ms, or null. */
function utcMs(value: string): number | null {
  if (!value) return null;
  const ms = Date.parse(`${value}Z`);
  return Number.isFinite(ms) ? ms : null;
}

export function OversizeDialog() {
  const services = useServices();
  const pending = useAppState((state) => state.oversize);
  const titleId = useId();
  const first = useRef<HTMLInputElement>(null);
  const [narrow, setNarrow] = useState(false);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  useEffect(() => {
    if (!pending) return;
    setNarrow(false);
    setFrom('');
    setTo('');
    first.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      event.stopPropagation();
      dismissOversize(services);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [pending, services]);
  if (!pending) return null;
  const fromMs = utcMs(from);
  const toMs = utcMs(to);
  const sliceAsked = from !== '' || to !== '';
  const sliceValid = fromMs !== null && toMs !== null && fromMs <= toMs;
  const canImport = (narrow || sliceAsked) && (!sliceAsked || sliceValid);
  const shown = narrow ? pending.narrow : pending.estimate;
  const submit = () => {
    if (!canImport) return;
    const limits: ImportLimits = { ...(narrow ? { omit: NARROW_OMIT } : {}), ...(sliceValid ? { timeSlice: { from: fromMs!, to: toMs! } } : {}) };
    void importWithLimits(services, limits);
  };
  return (
    <div className="modal-backdrop">
      <div role="dialog" aria-modal="true" aria-labelledby={titleId} className="panel oversize">
        <h2 id={titleId}>Too large for this tab</h2>
        <p>{pending.message}</p>
        <table className="grid compact" aria-label="Estimate per file">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Size</th>
              <th scope="col">Events (estimate)</th>
            </tr>
          </thead>
          <tbody>
            {pending.estimate.files.map((f, i) => (
              <tr key={i}>
                <td>{f.name}</td>
                <td>{formatBytes(f.bytes)}</td>
                <td>{formatCount(f.events)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            submit();
          }}
        >
          <label>
            <input ref={first} type="checkbox" checked={narrow} onChange={(e) => setNarrow(e.target.checked)} /> Load a narrower column set (leaves
            out {NARROW_OMIT.map((f) => f.replace('_', ' ')).join(', ')})
          </label>
          <fieldset>
            <legend>Load a time slice (UTC): only events from … to … are kept</legend>
            <label>
              From (UTC) <input type="datetime-local" step={1} value={from} onChange={(e) => setFrom(e.target.value)} />
            </label>{' '}
            <label>
              To (UTC) <input type="datetime-local" step={1} value={to} onChange={(e) => setTo(e.target.value)} />
            </label>
            {sliceAsked && !sliceValid && <p className="error">Give both times, the first not after the second.</p>}
          </fieldset>
          <p role="status" aria-label="Memory estimate">
            {narrow ? 'With the narrower column set: ' : 'As dropped: '}about {formatMemory(shown.neededBytes)} needed, {formatMemory(shown.availableBytes)} available
            {sliceAsked ? '; a time slice keeps only the events in it, which the estimate cannot count before reading.' : '.'}
          </p>
          <div className="actions">
            <button type="submit" disabled={!canImport}>
              Import with these limits
            </button>
            <button type="button" onClick={() => dismissOversize(services)}>
              Cancel
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
