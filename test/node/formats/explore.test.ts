import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { it } from 'vitest';
import { detectLogFormat, normaliseRecord, bestFormatFor } from '../../../src/ingest/formats';

const DATA = path.resolve(process.cwd(), '../shared/data/public');
function ndjson(p: string): unknown[] { return readFileSync(p, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)); }
it('explore', () => {
  const files: [string, unknown[]][] = [];
  for (const f of readdirSync(path.join(DATA, 'panther_fixtures'))) files.push([f, ndjson(path.join(DATA, 'panther_fixtures', f))]);
  const strat: unknown[] = []; for (const f of readdirSync(path.join(DATA, 'stratus_red_team'))) strat.push(...(JSON.parse(readFileSync(path.join(DATA, 'stratus_red_team', f), 'utf8')) as unknown[]));
  files.push(['stratus', strat]);
  const gry: unknown[] = []; for (const f of readdirSync(path.join(DATA, 'grycap_cloudtrail'))) gry.push(...(JSON.parse(gunzipSync(readFileSync(path.join(DATA, 'grycap_cloudtrail', f))).toString()) as { Records: unknown[] }).Records);
  files.push(['grycap', gry]);
  const falco: unknown[] = []; for (const f of readdirSync(path.join(DATA, 'falco_k8s_audit'))) falco.push(...ndjson(path.join(DATA, 'falco_k8s_audit', f)));
  files.push(['falco', falco]);
  files.push(['github', ndjson(path.join(DATA, 'github_audit/azure_sentinel_Github_sample_logs.subset.ndjson'))]);
  for (const [name, recs] of files) {
    const d = detectLogFormat(recs);
    const reasons = new Map<string, number>(); let events = 0; let empty = 0; const routed = new Map<string, number>();
    recs.forEach((r, i) => {
      if (!d) return;
      const res = normaliseRecord(d.format, r, { source_file: name, source_row: i + 1 });
      if ('reject' in res) reasons.set(res.reject, (reasons.get(res.reject) ?? 0) + 1);
      else { events += res.events.length; if (!res.events.length) empty++; for (const e of res.events) routed.set(e.source_format, (routed.get(e.source_format) ?? 0) + 1); }
    });
    console.log(name, recs.length, d?.format.format, d?.confidence.toFixed(3), d?.matched, 'events', events, 'empty', empty, JSON.stringify([...routed]), JSON.stringify([...reasons]));
  }
  void bestFormatFor;
});
