// Detection settings: windows and as-of, every detection's thresholds, and exceptions. Changes are previewed (findings
// per detection, current vs proposed) before they are saved; saving analyses again.
import { useEffect, useMemo, useState } from 'react';
import { CATALOGUE } from '../../detections/catalog';
import { paramValue, previewTuning, validateException, type AnalysisSettings, type ExceptionRecord, type TuningPreview } from '../../detections/runner';
import { formatCount } from '../../lib/format';
import { readKeepOriginals, saveKeepOriginals } from '../../state/original-actions';
import { saveSettings } from '../../state/workspace-actions';
import { useAppState, useServices } from '../context';

function NumberField({ label, value, onChange, min = 0 }: { label: string; value: number; onChange: (v: number) => void; min?: number }) {
  return (
    <label>
      {label}
      <input type="number" min={min} value={Number.isFinite(value) ? value : ''} onChange={(e) => onChange(Number(e.target.value))} />
    </label>
  );
}

function Exceptions({ draft, setDraft }: { draft: AnalysisSettings; setDraft: (s: AnalysisSettings) => void }) {
  const empty: ExceptionRecord = { id: '', detectionId: '*', identityKey: '*', owner: '', reason: '', ticket: '', expiresAt: '' };
  const [form, setForm] = useState<ExceptionRecord>(empty);
  const problem = validateException(form);
  const now = Date.now();
  return (
    <section aria-labelledby="exceptions-title">
      <h3 id="exceptions-title">Exceptions</h3>
      <table className="grid" aria-label="Exceptions">
        <thead>
          <tr>
            <th scope="col">Detection</th>
            <th scope="col">Identity</th>
            <th scope="col">Owner</th>
            <th scope="col">Reason / ticket</th>
            <th scope="col">Expires</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {draft.exceptions.map((x) => (
            <tr key={x.id}>
              <td>{x.detectionId === '*' ? 'all detections' : x.detectionId}</td>
              <td>{x.identityKey === '*' ? 'all identities' : x.identityKey}</td>
              <td>{x.owner}</td>
              <td>{[x.reason, x.ticket].filter(Boolean).join(' · ')}</td>
              <td>
                {x.expiresAt.slice(0, 10)} {Date.parse(x.expiresAt) <= now ? '(expired: no longer applies)' : ''}
              </td>
              <td>
                <button type="button" onClick={() => setDraft({ ...draft, exceptions: draft.exceptions.filter((e) => e.id !== x.id) })} aria-label={`Remove exception ${x.id}`}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="row wrap"
        onSubmit={(e) => {
          e.preventDefault();
          if (problem) return;
          const id = `EX-${Date.now().toString(36).toUpperCase()}`;
          setDraft({ ...draft, exceptions: [...draft.exceptions, { ...form, id, expiresAt: new Date(form.expiresAt).toISOString() }] });
          setForm(empty);
        }}
      >
        <label>
          Detection
          <select value={form.detectionId} onChange={(e) => setForm({ ...form, detectionId: e.target.value })}>
            <option value="*">All detections</option>
            {CATALOGUE.map((d) => (
              <option key={d.id} value={d.id}>
                {d.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          Identity key (* for all)
          <input value={form.identityKey} onChange={(e) => setForm({ ...form, identityKey: e.target.value })} />
        </label>
        <label>
          Exception owner
          <input value={form.owner} onChange={(e) => setForm({ ...form, owner: e.target.value })} />
        </label>
        <label>
          Reason
          <input value={form.reason} onChange={(e) => setForm({ ...form, reason: e.target.value })} />
        </label>
        <label>
          Ticket
          <input value={form.ticket} onChange={(e) => setForm({ ...form, ticket: e.target.value })} />
        </label>
        <label>
          Expires on
          <input type="date" value={form.expiresAt.slice(0, 10)} onChange={(e) => setForm({ ...form, expiresAt: e.target.value })} />
        </label>
        <button type="submit" disabled={problem !== null} title={problem ?? undefined}>
          Add exception
        </button>
        {problem && form.owner + form.reason + form.ticket + form.expiresAt !== '' && <span className="note">{problem}</span>}
      </form>
    </section>
  );
}

export function SettingsView() {
  const services = useServices();
  const saved = useAppState((s) => s.settings);
  const readOnly = useAppState((s) => s.workspace.readOnly);
  const busy = useAppState((s) => s.analysis.running || s.importing !== null);
  const [draft, setDraft] = useState<AnalysisSettings>(saved);
  const [preview, setPreview] = useState<TuningPreview | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const changed = useMemo(() => JSON.stringify(draft) !== JSON.stringify(saved), [draft, saved]);
  const setParam = (id: string, name: string, value: number) => {
    setDraft({ ...draft, params: { ...draft.params, [id]: { ...(draft.params[id] ?? {}), [name]: value } } });
    setPreview(null);
  };
  const update = (next: AnalysisSettings) => {
    setDraft(next);
    setPreview(null);
  };
  return (
    <section aria-labelledby="settings-title" className="settings">
      <h2 id="settings-title">Detection settings</h2>
      <div className="row wrap">
        <label>
          As-of (UTC; empty = end of the evidence)
          <input type="datetime-local" value={draft.asOf ? draft.asOf.slice(0, 16) : ''} onChange={(e) => update({ ...draft, asOf: e.target.value ? new Date(`${e.target.value}:00Z`).toISOString() : null })} />
        </label>
        <NumberField label="Detection window (days)" min={1} value={draft.detectionDays} onChange={(v) => update({ ...draft, detectionDays: v })} />
        <NumberField label="Baseline window (days)" min={1} value={draft.baselineDays} onChange={(v) => update({ ...draft, baselineDays: v })} />
        <NumberField label="Mature baseline (active days)" min={1} value={draft.maturityDays} onChange={(v) => update({ ...draft, maturityDays: v })} />
      </div>
      <table className="grid" aria-label="Detections and thresholds">
        <thead>
          <tr>
            <th scope="col">Detection</th>
            <th scope="col">On</th>
            <th scope="col">Thresholds</th>
            <th scope="col">Findings now</th>
            <th scope="col">With these settings</th>
          </tr>
        </thead>
        <tbody>
          {CATALOGUE.map((d) => (
            <tr key={d.id}>
              <td>
                <strong>{d.id}</strong>
                <div className="note">{d.title}</div>
              </td>
              <td>
                <input
                  type="checkbox"
                  aria-label={`${d.id} enabled`}
                  checked={!draft.disabled.includes(d.id)}
                  onChange={(e) => update({ ...draft, disabled: e.target.checked ? draft.disabled.filter((x) => x !== d.id) : [...draft.disabled, d.id] })}
                />
              </td>
              <td className="params">
                {d.params.map((p) => (
                  <NumberField key={p.name} label={`${p.label}${p.unit ? ` (${p.unit})` : ''} for ${d.id}`} value={paramValue(d, p.name, draft)} onChange={(v) => setParam(d.id, p.name, v)} />
                ))}
              </td>
              <td className="num">{preview ? formatCount(preview.current[d.id] ?? 0) : ''}</td>
              <td className="num">
                {preview ? formatCount(preview.proposed[d.id] ?? 0) : ''}
                {preview && (preview.proposed[d.id] ?? 0) !== (preview.current[d.id] ?? 0) ? ' (changed)' : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Exceptions draft={draft} setDraft={update} />
      <div className="toolbar">
        <button
          type="button"
          disabled={!changed || previewing || busy}
          onClick={() => {
            setPreviewing(true);
            void previewTuning(services.engine, CATALOGUE, saved, draft)
              .then(setPreview)
              .finally(() => setPreviewing(false));
          }}
        >
          {previewing ? 'Previewing…' : 'Preview changes'}
        </button>
        <button type="button" className="primary" disabled={!changed || busy || readOnly} onClick={() => void saveSettings(services, draft).then(() => setPreview(null))}>
          Save and analyse again
        </button>
        <button type="button" disabled={!changed} onClick={() => update(saved)}>
          Discard changes
        </button>
        {preview && (
          <span role="status" aria-label="Tuning preview">
            {formatCount(Object.values(preview.current).reduce((a, b) => a + b, 0))} findings now →{' '}
            {formatCount(Object.values(preview.proposed).reduce((a, b) => a + b, 0))} with these settings (nothing saved yet)
          </span>
        )}
      </div>
      <KeepOriginals />
    </section>
  );
}

/** "Keep original files": an app-wide storage setting (not a detection setting), saved at once, applied to new imports. */
function KeepOriginals() {
  const services = useServices();
  const available = useAppState((s) => s.workspace.available) && !!services.workspaces;
  const [keep, setKeep] = useState<boolean | null>(null);
  useEffect(() => {
    let live = true;
    void readKeepOriginals(services).then((value) => live && setKeep(value), () => live && setKeep(true));
    return () => {
      live = false;
    };
  }, [services]);
  return (
    <section aria-labelledby="storage-title">
      <h3 id="storage-title">Evidence storage</h3>
      <label className="inline">
        <input
          type="checkbox"
          checked={keep ?? true}
          disabled={!available || keep === null}
          onChange={(e) => {
            setKeep(e.target.checked);
            void saveKeepOriginals(services, e.target.checked);
          }}
        />
        Keep original files
      </label>
      <p className="note">
        Dropped files are kept as received in this browser's storage (a zip once, compressed), so a finding can show the original record
        behind each event. Turn this off before dropping very large evidence you do not need to read again; files imported meanwhile
        then say that their originals were not kept.
      </p>
    </section>
  );
}
