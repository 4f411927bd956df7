import { readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';
import { detectLogFormat, normaliseRecord } from '../../../src/ingest/formats';
const DATA = path.resolve(process.cwd(), '../shared/data/public');
function ndjson(p: string): unknown[] { return readFileSync(p, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)); }
it('explore2', () => {
  const f = process.env.F!; const rows = (process.env.ROWS ?? '').split(',').map(Number);
  const recs = f.endsWith('.json') ? JSON.parse(readFileSync(path.join(DATA, f), 'utf8')) as unknown[] : ndjson(path.join(DATA, f));
  const d = detectLogFormat(recs)!;
  recs.forEach((r, i) => {
    if (rows.length && rows[0] && !rows.includes(i + 1)) return;
    const res = normaliseRecord(d.format, r, { source_file: 'x', source_row: i + 1 });
    if ('reject' in res) { if (process.env.REJ) console.log(i + 1, 'REJECT', res.reject, JSON.stringify(r).slice(0, 300)); return; }
    if (process.env.REJ) return;
    for (const e of res.events) { const { source_file, platform, ...rest } = e; void source_file; void platform; console.log(JSON.stringify({ ...rest, event_time: new Date(e.event_time).toISOString() })); }
  });
});
