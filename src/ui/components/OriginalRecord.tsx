// "Show original record": the record an event was normalised from, read on demand from the kept original file and
// shown as text in a dialog (Escape or Close closes it, focus returns to the button). Evidence text is untrusted: it is
// only ever a React text child, never markup.
import { useEffect, useId, useRef, useState } from 'react';
import { formatCount } from '../../lib/format';
import { loadOriginalRecord, type OriginalLookup } from '../../state/original-actions';
import { useServices } from '../context';

/** Longest record text shown (a record can be megabytes; the rest is said, not rendered). */
const SHOWN_CHARS = 512 * 1024;

export function ShowOriginalButton({ fileId, sourceRow, eventNumber }: { fileId: string; sourceRow: number; eventNumber: number }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const usable = fileId !== '' && Number.isInteger(sourceRow) && sourceRow > 0;
  return (
    <>
      <button type="button" ref={button} className="link" disabled={!usable} aria-label={`Show original record for event ${eventNumber}`} onClick={() => setOpen(true)}>
        Original
      </button>
      {open && (
        <OriginalRecordDialog
          fileId={fileId}
          sourceRow={sourceRow}
          eventNumber={eventNumber}
          onClose={() => {
            setOpen(false);
            button.current?.focus();
          }}
        />
      )}
    </>
  );
}

export function OriginalRecordDialog({ fileId, sourceRow, eventNumber, onClose }: { fileId: string; sourceRow: number; eventNumber: number; onClose: () => void }) {
  const services = useServices();
  const titleId = useId();
  const close = useRef<HTMLButtonElement>(null);
  const [lookup, setLookup] = useState<OriginalLookup | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    setLookup(null);
    loadOriginalRecord(services, fileId, sourceRow, controller.signal).then(
      (result) => !controller.signal.aborted && setLookup(result),
      (error: unknown) => !controller.signal.aborted && setLookup({ status: 'error', message: (error as Error).message }),
    );
    return () => controller.abort();
  }, [services, fileId, sourceRow]);
  useEffect(() => {
    close.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      event.stopPropagation();
      onClose();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [onClose]);
  const record = lookup?.status === 'found' ? lookup.record : null;
  const shown = record && record.text.length > SHOWN_CHARS ? record.text.slice(0, SHOWN_CHARS) : record?.text;
  return (
    <div className="modal-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div role="dialog" aria-modal="true" aria-labelledby={titleId} className="panel original-record">
        <div className="panel-head">
          <h2 id={titleId}>Original record of event {eventNumber}</h2>
          <button type="button" ref={close} onClick={onClose}>
            Close
          </button>
        </div>
        {lookup === null && <p role="status">Reading the original file…</p>}
        {lookup && lookup.status !== 'found' && (
          <p role="status" className={lookup.status === 'error' ? 'error' : 'note'}>
            {lookup.message}
          </p>
        )}
        {lookup?.status === 'found' && record && (
          <>
            <p className="note">
              {lookup.fileName} · record {formatCount(record.sourceRow)}
              {record.line !== null ? ` (starts on line ${formatCount(record.line)})` : ''}
              {record.offset !== null ? ` (byte ${formatCount(record.offset)})` : ''} · {record.container}
            </p>
            {record.kind === 'csv' && record.fields ? (
              <table className="grid compact" aria-label="Original record fields">
                <thead>
                  <tr>
                    <th scope="col">Field</th>
                    <th scope="col">Value</th>
                  </tr>
                </thead>
                <tbody>
                  {record.fields.map(([field, value], i) => (
                    <tr key={i}>
                      <th scope="row">{field}</th>
                      <td className="raw">{value}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <pre className="raw" tabIndex={0} aria-label="Original record text">
                {shown}
              </pre>
            )}
            {record.text.length > SHOWN_CHARS && (
              <p className="note">Only the first {formatCount(SHOWN_CHARS)} of {formatCount(record.text.length)} characters are shown.</p>
            )}
          </>
        )}
      </div>
    </div>
  );
}
