// Progress of long work (imports, analysis) with counts, announced to assistive technology.
import { formatBytes, formatCount } from '../../lib/format';
import type { Progress } from '../../state/store';

export function ProgressBar({ progress, onCancel, cancelLabel = 'Cancel import' }: { progress: Progress; onCancel?: () => void; cancelLabel?: string }) {
  const { label, done, total, unit, detail, note } = progress;
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
  const amount = unit === 'bytes' ? `${formatBytes(done)} of ${formatBytes(total)}` : `${formatCount(done)} of ${formatCount(total)} ${unit}`;
  const text = detail ? `${amount} · ${detail}` : amount;
  return (
    <div className="progress">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-valuetext={text}
        className="progress-track"
      >
        <div className="progress-fill" style={{ width: `${pct}%` }} />
      </div>
      <span className="progress-text">
        {label}: {text}
      </span>
      {note && <span className="progress-note">{note}</span>}
      {onCancel && (
        <button type="button" onClick={onCancel}>
          {cancelLabel}
        </button>
      )}
    </div>
  );
}
