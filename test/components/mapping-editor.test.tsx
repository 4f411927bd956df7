// The mapping editor as an analyst uses it: see the guess and its confidence, change a column, import, and the mapping
// is remembered for the same header.
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { EvidenceReader, ReadOptions } from '../../src/ingest/protocol';
import { bindEngineStatus, type AppServices } from '../../src/state/actions';
import { createAppStore } from '../../src/state/store';
import { App } from '../../src/ui/App';
import { ServicesProvider } from '../../src/ui/context';
import { FakeEngine } from './fake-engine';

describe('mapping editor', () => {
  it('lets the analyst map columns, imports with that mapping and remembers it by header signature', async () => {
    const seen: ReadOptions[] = [];
    const reader: EvidenceReader = async function* (files, options) {
      seen.push(options);
      for (const file of files) yield { type: 'file-start', fileId: 'x1', name: file.name, bytes: file.size };
    };
    const file = new File(['Zeit,Wer,Was,<b>Host</b>\n'], 'odd.csv');
    const store = createAppStore({
      pendingMappings: [
        {
          fileId: 'f1',
          name: 'odd.csv',
          file,
          request: {
            headers: ['Zeit', 'Wer', 'Was', '<b>Host</b>'],
            sample: [['2026-03-01T00:00:00Z', 'svc-a', 'login', 'h1']],
            signature: 'sig-odd',
            guess: { event_time: { column: 'Zeit', confidence: 0.4 } },
            reason: 'no column looks like an actor or an action',
          },
        },
      ],
    });
    const services: AppServices = { store, engine: new FakeEngine(), sampleBaseUrl: '/s/', fetch: globalThis.fetch, reader, download: () => undefined };
    bindEngineStatus(services);
    render(
      <ServicesProvider services={services}>
        <App />
      </ServicesProvider>,
    );
    const user = userEvent.setup();
    const editor = screen.getByRole('region', { name: 'Map the columns of odd.csv' });
    expect(within(editor).getByText(/guessed “Zeit”, 40% confidence/)).toBeTruthy();
    expect((within(editor).getByLabelText('Time (required)') as HTMLSelectElement).value).toBe('Zeit');
    await user.selectOptions(within(editor).getByLabelText('Actor (who)'), 'Wer');
    await user.selectOptions(within(editor).getByLabelText('Action (what)'), 'Was');
    // A hostile header is an option label, never markup.
    expect(within(editor).getAllByRole('option', { name: '<b>Host</b>' }).length).toBeGreaterThan(0);
    expect(editor.querySelector('b')).toBeNull();
    expect(within(editor).getByText(/Columns not mapped.*<b>Host<\/b>/)).toBeTruthy();
    await user.click(within(editor).getByRole('button', { name: 'Import odd.csv with this mapping' }));
    expect(store.getState().mappings['sig-odd']).toEqual({ event_time: 'Zeit', actor: 'Wer', action: 'Was' });
    expect(seen[0]?.mappings['sig-odd']).toEqual({ event_time: 'Zeit', actor: 'Wer', action: 'Was' });
    expect(screen.queryByRole('region', { name: 'Map the columns of odd.csv' })).toBeNull();
  });
});
