#!/usr/bin/env node
// Ingest benchmark: how fast and how lean the app imports a large CSV event log and a large set of CloudTrail delivery
// files in Chromium (DuckDB-WASM), next to native DuckDB (@duckdb/node-api, 1 and 2 threads) doing the same load.
// It prints figures and the issue's goals with PASS/MISS; it is not a test and never fails on a MISS.
//
//   npm run bench:ingest                               # 1,000,000 events per dataset, 3 runs, medians
//   npm run bench:ingest -- --events 50000 --runs 1    # smoke run, well under a minute
//   node scripts/bench-ingest.mjs [--events N] [--runs R] [--seed S] [--no-build] [--skip-browser] [--skip-native]
//        [--datasets csv,cloudtrail] [--threads 1,2] [--timeout-min M] [--quiet-wait S] [--retries K]
//
// Steps: build the app (unless --no-build) and serve a copy of dist/ on a free port; generate (or reuse from
// bench-results/data/) events-<N>.csv and cloudtrail-<N>/*.json.gz; import each dataset into a fresh tab of Debian's
// Chromium (headless, the browser tests' flags) and read the app's `driftline:import` User Timing entry; run the native
// loads, each in a fresh process; print the table; write bench-results/bench-ingest-<ISO time>.json and latest-ingest.json.
// Needs Chromium at /usr/lib/chromium/chromium (or CHROMIUM_PATH); without it, --skip-browser still gives native figures.
//
// On a shared machine: before each run it waits (up to --quiet-wait seconds; 60, or 5 below 500k events) for other
// processes to go quiet, reports the share of the machine they used during each run ("other CPU"), and repeats a run
// where that share was above 15% (at most --retries extra attempts, default = --runs), leaving it out of the median.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail as failWith, parseBenchArgs, parseCount as countOf } from './bench/cli.mjs';
import { cloudTrailPlan, CHECK_SQL, csvPlan, loadAppModules, readAppSqlFiles } from './bench/app-sql.mjs';
import { browserImport, chromiumPath, launchChromium } from './bench/browser.mjs';
import { csvHead, DEFAULT_SEED, ensureData, RECORDS_PER_FILE } from './bench/generate.mjs';
import { busySeconds, cpuJiffies, dec, goalsWarningsNotes, int, machineInfo, medianOf, mib, MiB, ratio, size, table, waitForQuiet } from './bench/report.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench-results');

// The issue's goals.
const GOALS = { csvVsNative1t: 1.3, cloudTrailEventsPerSec: 70_000, cloudTrailVsNative1t: 2.5, mibPerMillionEvents: 300 };

const fail = (message) => failWith(message, 'bench:ingest');
const parseCount = (text, flag) => countOf(text, flag, 'bench:ingest');

function options() {
  const usage = 'Usage: npm run bench:ingest -- [--events N (1M)] [--runs R (3)] [--seed S] [--no-build] [--skip-browser] [--skip-native] [--datasets csv,cloudtrail] [--threads 1,2] [--timeout-min M] [--quiet-wait S (60; 5 below 500k events)] [--retries K (= runs)]';
  const parsed = parseBenchArgs('bench:ingest', usage, {
      events: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '3' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      'no-build': { type: 'boolean', default: false },
      'skip-browser': { type: 'boolean', default: false },
      'skip-native': { type: 'boolean', default: false },
      datasets: { type: 'string', default: 'csv,cloudtrail' },
      threads: { type: 'string', default: '1,2' },
      'timeout-min': { type: 'string' },
      'quiet-wait': { type: 'string' },
      retries: { type: 'string' },
  });
  const datasets = parsed.datasets.split(',').map((s) => s.trim()).filter(Boolean);
  for (const d of datasets) if (!['csv', 'cloudtrail'].includes(d)) fail(`unknown dataset "${d}" (csv, cloudtrail)`);
  const threads = parsed.threads.split(',').map((s) => parseCount(s.trim(), '--threads'));
  const events = parseCount(parsed.events, '--events');
  return {
    events,
    runs: parseCount(parsed.runs, '--runs'),
    seed: parseCount(parsed.seed, '--seed'),
    build: !parsed['no-build'],
    browser: !parsed['skip-browser'],
    native: !parsed['skip-native'],
    datasets,
    threads: threads.includes(1) ? threads : [1, ...threads],
    // A generous ceiling per import: 2 minutes, or 20 minutes per million events.
    retries: parsed.retries === undefined ? parseCount(parsed.runs, '--runs') : Math.max(0, Number(parsed.retries) || 0),
    // Waiting for quiet matters for long runs; a smoke run should stay quick.
    quietWaitMs: (parsed['quiet-wait'] === undefined ? (events >= 500_000 ? 60 : 5) : Math.max(0, Number(parsed['quiet-wait']) || 0)) * 1000,
    timeoutMs: parsed['timeout-min'] ? Number(parsed['timeout-min']) * 60_000 : Math.max(120_000, (events / 1e6) * 20 * 60_000),
  };
}

const log = (message) => console.log(message);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

function build() {
  const t = performance.now();
  process.stdout.write('Building the app (npm run build)… ');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * MiB });
  if (result.status !== 0) {
    console.log('failed.');
    const output = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    fail(`the build failed (exit ${result.status}); its last lines:\n${output}\nFix the build, or pass --no-build to use the dist/ already there.`);
  }
  console.log(`done in ${seconds(performance.now() - t)}.`);
}

/** Run one native job in a fresh Node process; resolves with its JSON result plus the share of CPU others used meanwhile. */
async function nativeRun(job, tmpDir) {
  const file = path.join(tmpDir, `job-${process.hrtime.bigint()}.json`);
  writeFileSync(file, JSON.stringify(job));
  const before = { machine: cpuJiffies(), node: process.cpuUsage(), t: performance.now() };
  const result = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/bench/native-run.mjs'), file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(file, { force: true });
      if (code !== 0) reject(new Error(`native run failed (exit ${code}):\n${err.trim().slice(0, 3000)}`));
      else {
        try {
          resolve(JSON.parse(out.trim().split('\n').at(-1)));
        } catch {
          reject(new Error(`native run printed no result:\n${out.slice(0, 1000)}\n${err.slice(0, 1000)}`));
        }
      }
    });
  });
  const busy = busySeconds(before.machine, cpuJiffies());
  const nodeCpu = Object.values(process.cpuUsage(before.node)).reduce((a, b) => a + b, 0) / 1e6;
  const wall = (performance.now() - before.t) / 1000;
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  result.otherCpuShare = busy === null ? null : Math.max(0, busy - result.cpuSeconds - nodeCpu) / (wall * cores);
  return result;
}

/** Runs that started while other processes still kept the machine busy (kept in the JSON). */
const busyStarts = [];

/** Before a run: wait for the machine to go quiet (bounded), and say so when it did not. */
async function settle(opt, label, warnings) {
  if (!opt.quietWaitMs) return null;
  const share = await waitForQuiet(opt.quietWaitMs);
  if (share !== null && share >= 0.2) {
    const text = `${label}: other processes still kept ${Math.round(share * 100)}% of the machine busy after waiting ${opt.quietWaitMs / 1000} s; running anyway`;
    console.log(`  (${text})`);
    busyStarts.push(text);
  }
  return share;
}

/** A run during which other processes used more than this share of the machine is "noisy" and is repeated. */
const NOISY = 0.15;

/**
 * Up to opt.runs clean runs of one measurement, repeating noisy ones (at most opt.retries extra attempts). The median uses
 * the clean runs, or every run when none was clean (said in a warning).
 */
async function series(opt, name, warnings, runOnce) {
  const runs = [];
  const clean = () => runs.filter((r) => !r.noisy).length;
  for (let attempt = 1; clean() < opt.runs && attempt <= opt.runs + opt.retries; attempt++) {
    const label = `${name} run ${attempt}`;
    await settle(opt, label, warnings);
    process.stdout.write(`  ${label}… `);
    const { line, record } = await runOnce(label);
    record.noisy = record.otherCpuShare !== null && record.otherCpuShare > NOISY;
    console.log(`${line}, other CPU ${pct(record.otherCpuShare)}${record.noisy ? ' — noisy, not counted' : ''}`);
    runs.push(record);
  }
  const used = runs.filter((r) => !r.noisy);
  if (used.length < opt.runs) {
    warnings.push(
      `${name}: only ${used.length} of ${runs.length} runs had other processes under ${pct(NOISY)} of the machine; the median is over ${used.length ? 'those' : 'all runs, so it is inflated'}`,
    );
  }
  return { runs, used: used.length ? used : runs };
}

const pct = (x) => (x === null || x === undefined ? '–' : `${Math.round(x * 100)}%`);

async function main() {
  const opt = options();
  const startedAt = new Date();
  const machine = machineInfo();
  log(`Driftline ingest benchmark: ${int(opt.events)} events per dataset, ${opt.runs} run${opt.runs === 1 ? '' : 's'} each, seed ${opt.seed}`);
  log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${dec(machine.ramBytes / 1024 ** 3, 1)} GiB RAM, Node ${machine.node}`);
  machine.loadAverageAtStart = os.loadavg();

  // 1. Build + serve. A missing browser is said before anything slow happens.
  if (opt.browser && !existsSync(chromiumPath())) {
    fail(`No Chromium at ${chromiumPath()}. Install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH; or run with --skip-browser for the native figures only.`);
  }
  if (opt.browser) {
    if (opt.build) build();
    else if (!existsSync(path.join(ROOT, 'dist', 'index.html'))) fail('no built app in dist/: run without --no-build (or npm run build first).');
  }

  // 2. Data.
  const tData = performance.now();
  const data = await ensureData({ dataDir: path.join(RESULTS, 'data'), events: opt.events, seed: opt.seed, log });
  log(
    data.generated.length
      ? `Data generated: ${data.generated.join(', ')}.`
      : `Data reused from bench-results/data/ (same size and seed) in ${seconds(performance.now() - tData)}.`,
  );
  const datasets = {
    csv: { name: 'csv', files: [data.csv.path], bytes: data.csv.bytes, events: opt.events, label: path.relative(ROOT, data.csv.path) },
    cloudtrail: {
      name: 'cloudtrail', files: data.cloudtrail.files, bytes: data.cloudtrail.bytes, events: opt.events,
      label: `${path.relative(ROOT, data.cloudtrail.dir)}/ (${data.cloudtrail.files.length} × ≤${int(RECORDS_PER_FILE)} records, gzipped)`,
    },
  };

  // 3. The native SQL, rendered from the app's TypeScript (also tells whether the app will recognise the CSV).
  const sqlFiles = readAppSqlFiles(ROOT);
  const app = await loadAppModules(ROOT);
  const csv = await csvPlan(app, sqlFiles, { csvPath: data.csv.path, headText: csvHead(data.csv.path), bytes: data.csv.bytes });
  const ct = cloudTrailPlan(sqlFiles, { dir: data.cloudtrail.dir });
  if (csv.problems.length) log(`WARNING: the app will not import ${path.basename(data.csv.path)} on its own: ${csv.problems.join('; ')}`);
  else log(`CSV check: the app's classifier reads it as ${csv.classification.kind} (${csv.classification.confidence}), time format "${csv.timeFormat}".`);

  const notes = [];
  const warnings = [];
  const result = {
    benchmark: 'ingest',
    startedAt: startedAt.toISOString(),
    options: { events: opt.events, runs: opt.runs, seed: opt.seed, datasets: opt.datasets, threads: opt.threads },
    machine,
    data: Object.fromEntries(opt.datasets.map((d) => [d, { files: datasets[d].files.length, bytes: datasets[d].bytes, events: datasets[d].events, path: datasets[d].label }])),
    csvRecognition: { ...csv.classification, mapping: csv.mapping, timeFormat: csv.timeFormat, problems: csv.problems },
    chromium: null,
    native: null,
    goals: [],
    notes,
    warnings,
  };

  // 4. Chromium. The tab is served from a private copy of dist/, so a build started meanwhile by someone else (npm test
  // rebuilds dist/) cannot pull files from under a run.
  if (opt.browser) {
    const { startServer } = await import('./serve.mjs');
    const snapshot = mkdtempSync(path.join(os.tmpdir(), 'driftline-bench-dist-'));
    cpSync(path.join(ROOT, 'dist'), snapshot, { recursive: true });
    process.on('exit', () => rmSync(snapshot, { recursive: true, force: true }));
    const server = await startServer({ root: snapshot, port: 0, quiet: true });
    let launched;
    try {
      launched = await launchChromium(ROOT);
    } catch (error) {
      await server.close();
      fail(error.message);
    }
    const { browser, argsFrom } = launched;
    const version = browser.version();
    log(`Chromium ${version} (headless, flags from ${argsFrom}); app served at ${server.url}`);
    result.chromium = { version, flagsFrom: argsFrom, url: server.url, datasets: {} };
    try {
      for (const name of opt.datasets) {
        const ds = datasets[name];
        const { runs, used } = await series(opt, `chromium ${name}`, warnings, async (label) => {
          const r = await browserImport({ browser, url: server.url, files: ds.files, expectEvents: ds.events, timeoutMs: opt.timeoutMs });
          const d = r.detail;
          for (const p of r.problems) warnings.push(`${label}: ${p}`);
          if (r.outside.length) warnings.push(`${label}: requests outside the app's origin: ${r.outside.slice(0, 5).join(', ')}`);
          for (const e of r.pageErrors) warnings.push(`${label}: page error: ${e}`);
          return {
            line: `${int(d.totalMs)} ms (read ${int(d.readMs)}, commit ${int(d.commitMs)}, resolve ${int(d.resolveMs)}), ${int(d.events)} events, DuckDB ${mib(d.duckdbBytes)} MiB, renderer peak ${mib(r.rendererPeakBytes, 0)} MiB`,
            record: {
              ...d, wallMs: r.wallMs, otherCpuShare: r.otherCpuShare, chromiumCpuSeconds: r.chromiumCpuSeconds, jsHeapUsedBytes: r.jsHeapUsedBytes,
              jsHeapTotalBytes: r.jsHeapTotalBytes, rendererPeakBytes: r.rendererPeakBytes, rendererRssBytes: r.rendererRssBytes, engine: r.engineText, notice: r.noticeText,
            },
          };
        });
        const m = medianOf(used, ['readMs', 'commitMs', 'resolveMs', 'totalMs', 'wallMs', 'events', 'duckdbBytes', 'jsHeapUsedBytes', 'rendererPeakBytes', 'rendererRssBytes', 'otherCpuShare']);
        m.eventsPerSec = m.totalMs ? (m.events / m.totalMs) * 1000 : null;
        m.runsUsed = used.length;
        m.noisy = used.some((r) => r.noisy);
        result.chromium.datasets[name] = { runs, median: m };
      }
      result.chromium.engine = Object.values(result.chromium.datasets)[0]?.runs[0]?.engine ?? null;
    } catch (error) {
      await browser.close().catch(() => undefined);
      await server.close();
      fail(`the Chromium run failed: ${error.message}`);
    }
    await browser.close();
    await server.close();
  }

  // 5. Native.
  if (opt.native) {
    const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'driftline-bench-'));
    const variants = [];
    if (opt.datasets.includes('csv')) {
      variants.push({ dataset: 'csv', variant: 'direct', statements: csv.direct });
      variants.push({ dataset: 'csv', variant: 'app path', statements: csv.appPath });
    }
    if (opt.datasets.includes('cloudtrail')) variants.push({ dataset: 'cloudtrail', variant: 'direct', statements: ct.direct });
    result.native = { variants: [] };
    try {
      for (const v of variants) {
        for (const threads of opt.threads) {
          const { runs, used } = await series(opt, `native ${v.dataset} ${v.variant} ${threads}t`, warnings, async (label) => {
            const r = await nativeRun({ threads, statements: v.statements, check: CHECK_SQL }, tmpDir);
            if (Number(r.check.events) !== datasets[v.dataset].events) warnings.push(`${label}: ${r.check.events} events loaded, ${datasets[v.dataset].events} expected`);
            result.native.version = r.version;
            return {
              line: `${int(r.totalMs)} ms (${Object.entries(r.phases).map(([k, ms]) => `${k} ${int(ms)}`).join(', ')}), ${int(Number(r.check.events))} events`,
              record: {
                totalMs: r.totalMs, loadMs: r.phases.load ?? r.phases.stage ?? null, commitMs: r.phases.commit ?? null, resolveMs: r.phases.resolve ?? null,
                duckdbBytes: r.duckdbBytes, maxRssBytes: r.maxRssBytes, cpuSeconds: r.cpuSeconds, otherCpuShare: r.otherCpuShare, events: Number(r.check.events), check: r.check,
              },
            };
          });
          const m = medianOf(used, ['totalMs', 'loadMs', 'commitMs', 'resolveMs', 'duckdbBytes', 'maxRssBytes', 'events', 'otherCpuShare']);
          m.eventsPerSec = m.totalMs ? (m.events / m.totalMs) * 1000 : null;
          m.runsUsed = used.length;
          m.noisy = used.some((r) => r.noisy);
          result.native.variants.push({ dataset: v.dataset, variant: v.variant, threads, runs, median: m, check: runs[0].check });
        }
      }
    } catch (error) {
      fail(error.message);
    } finally {
      rmSync(tmpDir, { recursive: true, force: true });
    }
  }

  // 6. Goals, report, JSON.
  const chromiumOf = (d) => result.chromium?.datasets[d]?.median ?? null;
  const nativeOf = (d, threads, variant = 'direct') => result.native?.variants.find((v) => v.dataset === d && v.threads === threads && v.variant === variant)?.median ?? null;
  // A verdict resting on runs that were all disturbed by other processes is marked as such.
  const goal = (name, value, shown, target, pass, noisy = false) => {
    const verdict = value === null || value === undefined ? 'n/a' : pass ? 'PASS' : 'MISS';
    const g = { goal: name, value, shown, target, result: noisy && verdict !== 'n/a' ? `${verdict} (noisy runs)` : verdict, noisy };
    result.goals.push(g);
    return g;
  };
  if (opt.datasets.includes('csv')) {
    const c = chromiumOf('csv');
    const n = nativeOf('csv', 1);
    const r = c && n ? c.totalMs / n.totalMs : null;
    goal(`CSV load ≤ ${GOALS.csvVsNative1t}× native single-thread`, r, r === null ? '–' : `${dec(r, 2)}× (${int(c.totalMs)} / ${int(n.totalMs)} ms)`, GOALS.csvVsNative1t, r <= GOALS.csvVsNative1t, c?.noisy || n?.noisy);
  }
  if (opt.datasets.includes('cloudtrail')) {
    const c = chromiumOf('cloudtrail');
    const n = nativeOf('cloudtrail', 1);
    goal(`CloudTrail JSON ≥ ${int(GOALS.cloudTrailEventsPerSec)} events/s in Chromium`, c?.eventsPerSec ?? null, c ? `${int(c.eventsPerSec)} events/s` : '–', GOALS.cloudTrailEventsPerSec, c?.eventsPerSec >= GOALS.cloudTrailEventsPerSec, c?.noisy);
    const r = c && n ? c.totalMs / n.totalMs : null;
    goal(`CloudTrail JSON ≤ ${GOALS.cloudTrailVsNative1t}× native single-thread`, r, r === null ? '–' : `${dec(r, 2)}× (${int(c.totalMs)} / ${int(n.totalMs)} ms)`, GOALS.cloudTrailVsNative1t, r <= GOALS.cloudTrailVsNative1t, c?.noisy || n?.noisy);
  }
  for (const d of opt.datasets) {
    const c = chromiumOf(d);
    const perM = c && c.duckdbBytes !== null && c.events ? c.duckdbBytes / MiB / (c.events / 1e6) : null;
    if (c) c.mibPerMillionEvents = perM;
    goal(`DuckDB memory ≤ ${GOALS.mibPerMillionEvents} MiB per million events (${d})`, perM, perM === null ? '–' : `${dec(perM, 1)} MiB/M (${mib(c.duckdbBytes)} MiB for ${int(c.events)})`, GOALS.mibPerMillionEvents, perM <= GOALS.mibPerMillionEvents);
  }

  notes.push(
    'Chromium times are the app\'s own driftline:import measure: read = recognise, parse, normalise and stage (for CSV: DuckDB read_csv into staging, plus the reader hashing the file in parallel); commit = the one transaction that makes the import visible; resolve = identity resolution (resolve.sql).',
    'DuckDB MiB = sum(memory_usage_bytes) of duckdb_memory() right after the import (the app\'s duckdbBytes; natively the same query). JS heap = CDP Performance.getMetrics JSHeapUsedSize of the page (main thread only). Renderer peak = VmHWM of the tab\'s renderer process from /proc (workers and wasm heap included).',
    'Native "direct" = schema.sql, then INSERT INTO events SELECT <the app\'s mappedEventsSelect, rendered from src/ingest/csv-events.ts with the mapping and time format the app\'s classifier picks> WHERE event_time IS NOT NULL, then resolve.sql. Native "app path" = every statement the app\'s ImportTransaction issues for the file (staging, dedup commit, resolution), recorded and replayed: same SQL, only the engine differs. Its load column is the staging part.',
    'Native CloudTrail "direct" = read_json over the .json.gz files with an explicit record schema, unnest(Records), the field mapping of src/ingest/formats/cloudtrail.ts written as SQL, then resolve.sql (the JSON is parsed by DuckDB natively; in the tab it is parsed by the app\'s JS worker).',
    '"other CPU" = share of the whole machine (all cores) that processes other than this benchmark used during the runs (median): /proc/stat busy time minus Chromium\'s (CDP SystemInfo.getProcessInfo cpuTime) or the native child\'s, and this script\'s own. A run above 15% is repeated and left out of the median ("clean runs" = counted/attempted).',
    'Ratios are Chromium median total ÷ native median total. Each native run is a fresh process with a fresh in-memory DuckDB; each Chromium run a fresh browser context (new tab, engine and workers).',
  );

  if (opt.events < 500_000) notes.push('At this size the MiB-per-million figure is dominated by fixed per-table and per-column overhead: judge the memory goal at 1M events.');
  printReport(result, datasets, opt);
  mkdirSync(RESULTS, { recursive: true });
  const stamp = startedAt.toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll(':', '-');
  const file = path.join(RESULTS, `bench-ingest-${stamp}.json`);
  result.finishedAt = new Date().toISOString();
  result.busyStarts = busyStarts;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(RESULTS, 'latest-ingest.json'), `${JSON.stringify(result, null, 2)}\n`);
  log(`\nFigures written to ${path.relative(ROOT, file)} and bench-results/latest-ingest.json`);
}

function printReport(result, datasets, opt) {
  const out = [];
  const m = result.machine;
  out.push('');
  out.push(`Driftline ingest benchmark · ${int(opt.events)} events per dataset · median of ${opt.runs} run${opt.runs === 1 ? '' : 's'} · seed ${opt.seed} · ${result.startedAt}`);
  out.push(
    `Machine: ${m.cpu} · ${m.cores} cores · ${dec(m.ramBytes / 1024 ** 3, 1)} GiB RAM · ${m.os} · Node ${m.node}` +
      (result.chromium ? ` · Chromium ${result.chromium.version}` : '') +
      (result.native?.version ? ` · native DuckDB ${result.native.version}` : '') +
      (result.chromium?.engine ? ` · tab: ${result.chromium.engine}` : ''),
  );
  out.push('');
  out.push('Data');
  out.push(
    table(
      [{ title: 'dataset' }, { title: 'files', align: 'right' }, { title: 'events', align: 'right' }, { title: 'bytes', align: 'right' }, { title: 'where' }],
      opt.datasets.map((d) => [d, int(datasets[d].files.length), int(datasets[d].events), size(datasets[d].bytes), datasets[d].label]),
    ),
  );
  if (result.chromium) {
    out.push('');
    out.push('Chromium (the app in a fresh headless tab, DuckDB-WASM)');
    out.push(
      table(
        [
          { title: 'dataset' }, { title: 'events', align: 'right' }, { title: 'total ms', align: 'right' }, { title: 'read/parse/stage', align: 'right' },
          { title: 'commit', align: 'right' }, { title: 'resolve', align: 'right' }, { title: 'events/s', align: 'right' }, { title: 'DuckDB MiB', align: 'right' },
          { title: 'MiB/M events', align: 'right' }, { title: 'JS heap MiB', align: 'right' }, { title: 'renderer peak MiB', align: 'right' },
          { title: 'other CPU', align: 'right' }, { title: 'clean runs', align: 'right' },
        ],
        opt.datasets.map((d) => {
          const c = result.chromium.datasets[d]?.median;
          const all = result.chromium.datasets[d]?.runs ?? [];
          return [d, int(c?.events), int(c?.totalMs), int(c?.readMs), int(c?.commitMs), int(c?.resolveMs), int(c?.eventsPerSec), mib(c?.duckdbBytes), dec(c?.mibPerMillionEvents, 1), mib(c?.jsHeapUsedBytes), mib(c?.rendererPeakBytes, 0), pct(c?.otherCpuShare), `${all.filter((r) => !r.noisy).length}/${all.length}`];
        }),
      ),
    );
  }
  if (result.native) {
    out.push('');
    out.push('Native DuckDB (@duckdb/node-api, same files, fresh process per run)');
    out.push(
      table(
        [
          { title: 'dataset' }, { title: 'variant' }, { title: 'threads', align: 'right' }, { title: 'total ms', align: 'right' }, { title: 'load/stage', align: 'right' },
          { title: 'commit', align: 'right' }, { title: 'resolve', align: 'right' }, { title: 'events/s', align: 'right' }, { title: 'DuckDB MiB', align: 'right' },
          { title: 'Chromium ÷ native', align: 'right' }, { title: 'other CPU', align: 'right' }, { title: 'clean runs', align: 'right' },
        ],
        result.native.variants.map((v) => {
          const c = result.chromium?.datasets[v.dataset]?.median;
          const n = v.median;
          return [v.dataset, v.variant, String(v.threads), int(n.totalMs), int(n.loadMs), int(n.commitMs), int(n.resolveMs), int(n.eventsPerSec), mib(n.duckdbBytes), ratio(c?.totalMs, n.totalMs), pct(n.otherCpuShare), `${v.runs.filter((r) => !r.noisy).length}/${v.runs.length}`];
        }),
      ),
    );
  }
  out.push(...goalsWarningsNotes(result));
  console.log(out.join('\n'));
}

main().catch((error) => fail(error.stack ?? String(error)));
