// Workspaces: the current one (rename), the others (open, duplicate, delete with confirmation), a new one, storage used
// and free, persistent storage, and take-over when another tab holds this workspace.
import { useEffect, useState } from 'react';
import { formatBytes, formatCount } from '../../lib/format';
import {
  createWorkspace,
  deleteWorkspace,
  duplicateWorkspace,
  exportWorkspaceFile,
  importWorkspaceFile,
  openWorkspace,
  renameWorkspace,
  requestPersistentStorage,
} from '../../state/workspace-actions';
import { currentOriginalsSize } from '../../state/original-actions';
import { useAppState, useServices } from '../context';

export function WorkspaceButton() {
  const [open, setOpen] = useState(false);
  const current = useAppState((s) => s.workspace.current);
  const readOnly = useAppState((s) => s.workspace.readOnly);
  return (
    <div className="menu">
      <button
        type="button"
        className="workspace-button"
        title={`Workspace: ${current?.name ?? '—'}${readOnly ? ' (read-only)' : ''}`}
        aria-expanded={open}
        aria-controls="workspace-panel"
        onClick={() => setOpen(!open)}
      >
        Workspace: {current?.name ?? '—'}
        {readOnly ? ' (read-only)' : ''}
      </button>
      {open && <WorkspacePanel onClose={() => setOpen(false)} />}
    </div>
  );
}

/** Above this, the export leaves originals out unless asked: the workspace file is built in memory. */
const ORIGINALS_EXPORT_DEFAULT_LIMIT = 256 * 1024 * 1024;

function useOriginalsSize(workspaceId: string | null) {
  const services = useServices();
  const [size, setSize] = useState<{ files: number; bytes: number; label: string } | null>(null);
  useEffect(() => {
    let live = true;
    void currentOriginalsSize(services)
      .then((s) => live && setSize(s))
      .catch(() => live && setSize({ files: 0, bytes: 0, label: '0 B' }));
    return () => {
      live = false;
    };
  }, [services, workspaceId]);
  return size;
}

function WorkspacePanel({ onClose }: { onClose: () => void }) {
  const services = useServices();
  const ws = useAppState((s) => s.workspace);
  const busy = useAppState((s) => s.importing !== null || s.analysis.running);
  const [name, setName] = useState(ws.current?.name ?? '');
  const [newName, setNewName] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);
  const [exportPass, setExportPass] = useState('');
  const [importPass, setImportPass] = useState('');
  const originals = useOriginalsSize(ws.current?.id ?? null);
  const [withOriginals, setWithOriginals] = useState<boolean | null>(null);
  // Default: include the originals unless they would make a huge in-memory archive.
  const includeOriginals = withOriginals ?? (originals !== null && originals.bytes <= ORIGINALS_EXPORT_DEFAULT_LIMIT);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  if (!ws.available) {
    return (
      <div id="workspace-panel" role="dialog" aria-label="Workspaces" className="panel">
        <p>This browser offers no storage here (private mode?): work is not kept after this tab closes.</p>
      </div>
    );
  }
  return (
    <div id="workspace-panel" role="dialog" aria-label="Workspaces" className="panel">
      <div className="panel-head">
        <h2>Workspaces</h2>
        <button type="button" aria-label="Close workspaces" onClick={onClose}>
          ×
        </button>
      </div>
      {ws.readOnly && (
        <p role="alert">
          Another tab has this workspace open, so it is read-only here.{' '}
          <button
            type="button"
            onClick={() => {
              onClose();
              void openWorkspace(services, ws.current?.id, { takeOver: true });
            }}
          >
            Take over this workspace
          </button>
        </p>
      )}
      {ws.current && (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            void renameWorkspace(services, ws.current!.id, name);
          }}
        >
          <label>
            Name of this workspace
            <input value={name} onChange={(e) => setName(e.target.value)} disabled={ws.readOnly} />
          </label>
          <button type="submit" disabled={ws.readOnly || !name.trim() || name === ws.current.name}>
            Rename
          </button>
        </form>
      )}
      <table className="grid" aria-label="All workspaces">
        <thead>
          <tr>
            <th scope="col">Workspace</th>
            <th scope="col">Events</th>
            <th scope="col">Stored</th>
            <th scope="col">Saved (UTC)</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {ws.list.map((w) => (
            <tr key={w.id} aria-current={w.id === ws.current?.id ? 'true' : undefined}>
              <td>{w.name}{w.id === ws.current?.id ? ' (open)' : ''}</td>
              <td className="num">{formatCount(w.events)}</td>
              <td className="num">{formatBytes(w.storedBytes)}</td>
              <td>{w.updatedAt.slice(0, 16).replace('T', ' ')}</td>
              <td className="actions-cell">
                {w.id !== ws.current?.id && (
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() => {
                      onClose();
                      void openWorkspace(services, w.id);
                    }}
                    aria-label={`Open ${w.name}`}
                  >
                    Open
                  </button>
                )}
                <button type="button" disabled={busy} onClick={() => void duplicateWorkspace(services, w.id, `${w.name} (copy)`)} aria-label={`Duplicate ${w.name}`}>
                  Duplicate
                </button>
                {confirming === w.id ? (
                  <span role="alert">
                    Delete “{w.name}” and everything in it?{' '}
                    <button type="button" className="danger" onClick={() => void deleteWorkspace(services, w.id).then(() => setConfirming(null))}>
                      Yes, delete {w.name}
                    </button>{' '}
                    <button type="button" onClick={() => setConfirming(null)}>
                      Keep it
                    </button>
                  </span>
                ) : (
                  <button type="button" disabled={busy} onClick={() => setConfirming(w.id)} aria-label={`Delete ${w.name}`}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          onClose();
          void createWorkspace(services, newName);
        }}
      >
        <label>
          New workspace name
          <input value={newName} onChange={(e) => setNewName(e.target.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Create workspace
        </button>
      </form>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void exportWorkspaceFile(services, exportPass || undefined, { includeOriginals: includeOriginals && (originals?.files ?? 0) > 0 }).then(() => setExportPass(''));
        }}
      >
        <label>
          Passphrase for the export (optional)
          <input type="password" autoComplete="new-password" value={exportPass} onChange={(e) => setExportPass(e.target.value)} />
        </label>
        <label>
          <input
            type="checkbox"
            checked={includeOriginals && (originals?.files ?? 0) > 0}
            disabled={!originals || originals.files === 0}
            onChange={(e) => setWithOriginals(e.target.checked)}
          />
          Include original evidence files ({originals ? `${originals.files} file${originals.files === 1 ? '' : 's'}, ${originals.label}` : '…'})
        </label>
        <button type="submit" disabled={busy || !ws.current}>
          Export workspace
        </button>
      </form>
      <div className="row">
        <label>
          Passphrase of the file to import (if encrypted)
          <input type="password" autoComplete="off" value={importPass} onChange={(e) => setImportPass(e.target.value)} />
        </label>
        <label className="button">
          Import workspace file
          <input
            type="file"
            className="visually-hidden"
            accept=".driftline,.enc,application/octet-stream"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void importWorkspaceFile(services, file, importPass || undefined).then((ok) => ok && onClose());
            }}
          />
        </label>
      </div>
      <p className="note" role="status" aria-label="Storage">
        {ws.storage
          ? `This browser holds ${formatBytes(ws.storage.usage)} for Driftline; about ${formatBytes(Math.max(0, ws.storage.quota - ws.storage.usage))} more is available. Persistent storage: ${
              ws.storage.persisted === null ? 'unknown' : ws.storage.persisted ? 'granted' : 'not granted'
            }.`
          : 'Storage use is not known in this browser.'}{' '}
        {ws.storage && !ws.storage.persisted && (
          <button type="button" onClick={() => void requestPersistentStorage(services)}>
            Keep data persistently
          </button>
        )}
      </p>
    </div>
  );
}
