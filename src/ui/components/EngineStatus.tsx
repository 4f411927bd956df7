// Live engine state for users and screen readers: starting, ready (with version and start time), or the error.
import { useAppState } from '../context';

export function EngineStatus() {
  const engine = useAppState((state) => state.engine);
  let text: string;
  // Ready: the header shows "Engine ready"; version and start time stay in the status text (read by screen readers and
  // tests) but visually hidden, and in the tooltip, so the header keeps to one row at 1280 px.
  let detail = '';
  if (engine.status === 'ready') {
    text = 'Engine ready';
    detail = engine.info ? ` (DuckDB ${engine.info.version}, ${engine.info.bundle}, started in ${engine.info.startMs} ms)` : '';
  } else if (engine.status === 'error') {
    text = `Engine error: ${engine.error ?? 'unknown'}`;
  } else if (engine.status === 'starting') {
    text = 'Engine starting…';
  } else {
    text = 'Engine stopped';
  }
  return (
    <div role="status" aria-label="Engine status" className={`engine-status engine-${engine.status}`} data-status={engine.status} title={text + detail}>
      <span className="dot" aria-hidden="true" />
      <span className="engine-text">{text}</span>
      {detail && <span className="visually-hidden">{detail}</span>}
    </div>
  );
}
