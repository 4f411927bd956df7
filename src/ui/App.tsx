// The frame: navigation between the views, the evidence picker, engine status, progress and messages.
import { useEffect, useId } from 'react';
import { addEvidenceFiles, cancelImport } from '../state/actions';
import { setView, VIEW_LABELS, VIEWS, viewFromHash, type ViewId } from '../state/store';
import { EngineStatus } from './components/EngineStatus';
import { DropZone } from './components/DropZone';
import { Notices } from './components/Notices';
import { ProgressBar } from './components/ProgressBar';
import { WorkspaceButton } from './components/WorkspacePanel';
import { HelpMenu } from './components/Tour';
import { useAppState, useServices } from './context';
import { EvidenceView } from './views/EvidenceView';
import { FindingsView } from './views/FindingsView';
import { IdentityView } from './views/IdentityView';
import { InventoryView } from './views/InventoryView';
import { ReportsView } from './views/ReportsView';
import { SettingsView } from './views/SettingsView';
import { SqlView } from './views/SqlView';

function CurrentView({ view }: { view: ViewId }) {
  switch (view) {
    case 'evidence':
      return <EvidenceView />;
    case 'sql':
      return <SqlView />;
    case 'findings':
      return <FindingsView />;
    case 'settings':
      return <SettingsView />;
    case 'identities':
      return <IdentityView />;
    case 'inventory':
      return <InventoryView />;
    case 'reports':
      return <ReportsView />;
  }
}

export function App() {
  const services = useServices();
  const view = useAppState((state) => state.view);
  const progress = useAppState((state) => state.progress);
  const importing = useAppState((state) => state.importing !== null);
  const inputId = useId();

  // The view lives in the URL hash so reload and back/forward keep the analyst's place.
  useEffect(() => {
    const sync = () => {
      const fromHash = viewFromHash(window.location.hash);
      if (fromHash) setView(services.store, fromHash);
    };
    sync();
    window.addEventListener('hashchange', sync);
    return () => window.removeEventListener('hashchange', sync);
  }, [services.store]);

  return (
    <div className="app">
      <header className="topbar">
        <h1 className="brand">
          <img src="./driftline.svg" alt="" width={28} height={28} />
          Driftline
        </h1>
        <nav aria-label="Views">
          <ul>
            {VIEWS.map((id) => (
              <li key={id}>
                <a
                  href={`#/${id}`}
                  aria-current={view === id ? 'page' : undefined}
                  onClick={() => setView(services.store, id)}
                >
                  {VIEW_LABELS[id]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="actions">
          <WorkspaceButton />
          <label htmlFor={inputId} className="button">
            Add evidence files
          </label>
          <input
            id={inputId}
            className="visually-hidden"
            type="file"
            multiple
            onChange={(event) => {
              const files = Array.from(event.target.files ?? []);
              event.target.value = '';
              void addEvidenceFiles(services, files, 'picked');
            }}
          />
          <EngineStatus />
          <HelpMenu />
        </div>
      </header>
      {progress && <ProgressBar progress={progress} {...(importing ? { onCancel: cancelImport } : {})} />}
      <Notices />
      <main>
        <CurrentView view={view} />
      </main>
      <DropZone />
    </div>
  );
}
