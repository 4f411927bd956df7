// Progress of long work (imports, analysis) with counts, announced to assistive technology.
import type { Progress } from '../../state/store';
import { formatCount } from '../format';

export function ProgressBar({ progress }: { progress: Progress }) {
  const { label, done, total, unit } = progress;
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0;
  const text = `${formatCount(done)} of ${formatCount(total)} ${unit}`;
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
    </div>
  );
}
