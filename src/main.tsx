// Entry point: wire the store and the DuckDB worker engine, render the app, start the engine at once.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserEngine } from './engine/browser-engine';
import { createWorkerReader } from './ingest/worker-reader';
import { bindEngineStatus, type AppServices } from './state/actions';
import { browserLocks, openWorkspace } from './state/workspace-actions';
import { DriftlineDB } from './workspace/db';
import { flushDrafts } from './workspace/drafts';
import { Workspaces } from './workspace/service';
import { createAppStore } from './state/store';
import { App } from './ui/App';
import { ServicesProvider } from './ui/context';
import './ui/app.css';

// Light or dark: the analyst's choice (Help menu) if made, else the system's.
const savedTheme = (() => {
  try {
    return localStorage.getItem('driftline.theme');
  } catch {
    return null;
  }
})();
document.documentElement.dataset.theme = savedTheme ?? (window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');

const services: AppServices = {
  store: createAppStore(),
  engine: createBrowserEngine(),
  sampleBaseUrl: new URL('sample/', document.baseURI).href,
  fetch: (input, init) => window.fetch(input, init),
  reader: createWorkerReader(),
  download: (name, blob) => {
    const url = URL.createObjectURL(blob);
    const link = Object.assign(document.createElement('a'), { href: url, download: name });
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  },
};
services.workspaces = typeof indexedDB === 'undefined' ? null : new Workspaces(new DriftlineDB());
services.locks = browserLocks();
bindEngineStatus(services);
// Start the engine at once and bring back the last workspace (its tables from the snapshot, its triage, its findings).
void services.engine.start().then(
  (info) => services.store.setState((state) => ({ engine: { ...state.engine, info } })),
  () => undefined,
);
void openWorkspace(services);
// Whatever is still being typed is written when the page is hidden or closed.
window.addEventListener('pagehide', () => flushDrafts());
document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && flushDrafts());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ServicesProvider services={services}>
      <App />
    </ServicesProvider>
  </StrictMode>,
);
