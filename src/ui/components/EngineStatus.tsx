// Live engine state for users and screen readers: starting, ready (with version and start time), or the error.
import { useAppState } from '../context';

export function EngineStatus() {
  const engine = useAppState((state) => state.engine);
  let text: string;
  if (engine.status === 'ready') {
    text = `Engine ready${engine.info ? ` (DuckDB ${engine.info.version}, ${engine.info.bundle}, started in ${engine.info.startMs} ms)` : ''}`;
  } else if (engine.status === 'error') {
    text = `Engine error: ${engine.error ?? 'unknown'}`;
  } else if (engine.status === 'starting') {
    text = 'Engine starting…';
  } else {
    text = 'Engine stopped';
  }
  return (
    <div role="status" aria-label="Engine status" className={`engine-status engine-${engine.status}`} data-status={engine.status}>
      <span className="dot" aria-hidden="true" />
      {text}
    </div>
  );
}
