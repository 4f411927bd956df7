import { ensureData } from './scripts/bench/generate.mjs';
const t=performance.now();
const d = await ensureData({ dataDir: '/tmp/bench-data-test', events: 50000, seed: 1, log: console.log });
console.log(d.generated, d.csv, d.cloudtrail.files.length, d.cloudtrail.bytes, (performance.now()-t)|0);
