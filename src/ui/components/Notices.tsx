// Messages about what happened (files added, errors by file): errors are alerts, the rest polite.
import { dismissNotice } from '../../state/store';
import { useAppState, useServices } from '../context';

export function Notices() {
  const notices = useAppState((state) => state.notices);
  const { store } = useServices();
  if (notices.length === 0) return null;
  return (
    <ul className="notices" aria-label="Messages">
      {notices.map((notice) => (
        <li key={notice.id} className={`notice notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : undefined}>
          <span>{notice.text}</span>
          <button type="button" className="link" onClick={() => dismissNotice(store, notice.id)} aria-label="Dismiss message">
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
