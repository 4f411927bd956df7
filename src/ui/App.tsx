// The frame: navigation between the views, the evidence picker, engine status, progress and messages.
import { OversizeDialog } from './components/OversizeDialog';
import { useEffect, useId } from 'react';
import { addEvidenceFiles, cancelAnalysis, cancelImport } from '../state/actions';
import { retrySave } from '../state/workspace-actions';
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
  const savingImport = useAppState((state) => state.saving);
  const unsaved = useAppState((state) => state.workspace.unsaved);
  const saving = useAppState((state) => state.workspace.saving);
  const busy = useAppState((state) => state.importing !== null || state.analysis.running);
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
      {progress && (
        <ProgressBar
          progress={progress}
          {...(progress.cancel === 'import' ? { onCancel: cancelImport, cancelLabel: 'Cancel import' } : {})}
          {...(progress.cancel === 'analysis' ? { onCancel: cancelAnalysis, cancelLabel: 'Cancel analysis' } : {})}
        />
      )}
      {savingImport && (
        <ProgressBar
          progress={savingImport}
          {...(savingImport.cancel === 'import' ? { onCancel: cancelImport, cancelLabel: 'Cancel import' } : {})}
        />
      )}
      {unsaved && (
        <section className="unsaved" role="alert" aria-label="Unsaved changes">
          <p>{unsaved}</p>
          <button type="button" disabled={saving || busy} onClick={() => void retrySave(services)}>
            Save again
          </button>
        </section>
      )}
      <Notices />
      <OversizeDialog />
      <main>
        <CurrentView view={view} />
      </main>
      <DropZone />
    </div>
  );
}
