#!/usr/bin/env node
// Whole-path benchmark: drop the evidence on the built app in Chromium and time it to the findings, per stage, next to
// native DuckDB 1.4.3 (@duckdb/node-api, 1 and 2 threads) doing the same load and the same detection SQL on the same
// files. Prints figures and the issue's goals with PASS/MISS; it is not a test and never fails on a MISS.
//
//   npm run bench                                      # 1,000,000 events, CSV and CloudTrail, 3 runs each, medians
//   npm run bench -- --events 50k --runs 1             # smoke run
//   npm run bench -- --events 10M --datasets csv --runs 1 --timeout-min 240
//   node scripts/bench.mjs [--events N] [--runs R] [--datasets csv,cloudtrail] [--threads 1,2] [--seed S] [--no-build]
//        [--skip-browser] [--skip-native] [--timeout-min M] [--quiet-wait S] [--retries K]
//
// Data (scripts/bench/generate.mjs, cached in bench-results/data/): events-<N>.csv, cloudtrail-<N>/ (gzipped
// {"Records":[…]} delivery files of 10,000 records) and nhi-register-<N>.csv beside them (bench-detect.mjs's register:
// the events' principals with owners, permissions, schedules). Each dataset is one drop: its event files + the register.
//
// Chromium: each run launches Debian's Chromium with a fresh persistent profile (IndexedDB on disk, as a user's browser),
// opens the app (served from a private copy of dist/) on Findings, hands the files to "Add evidence files" and waits
// for the findings (scripts/bench/whole-path.mjs, also run by test/browser/bench.spec.ts). Every stage figure is the
// app's own User Timing measure: driftline:import (recognise/parse/load/read, commit, resolve), driftline:save
// (persist) and driftline:analysis (detect). drop → findings = end of the analysis that follows the import − the
// page's clock right before setInputFiles.
// Native: one fresh Node process per run (scripts/bench/native-engine.mjs) loads the app's modules through Vite and runs
// the app's importEvidence + runAnalysis on native DuckDB. CSV: importEvidence of both files (DuckDB's read_csv, as in
// the tab). CloudTrail: the register through importEvidence, then bench:ingest's native CloudTrail load (read_json,
// the field mapping of src/ingest/formats/cloudtrail.ts as SQL, resolve.sql; scripts/bench/app-sql.mjs), because this
// native engine has no Arrow insert for the app's JSON reader to feed.
//
// On a shared machine: before each run it waits (up to --quiet-wait s; 60, or 5 below 500k events) for other processes
// to go quiet, measures the share of the machine they used during the run ("other CPU"), and repeats a run above 15%
// (at most --retries extra attempts), leaving it out of the median — as the other benchmarks do.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  build, classify, ensureRegister, launchProfile, log, nativeChild, NOISY, pct, RESULTS, ROOT, seconds, series, serveDist, splitTimings, stampOf,
} from './bench-detect.mjs';
import { cloudTrailPlan, readAppSqlFiles } from './bench/app-sql.mjs';
import { chromiumPath } from './bench/browser.mjs';
import { fail as failWith, parseBenchArgs, parseCount as countOf } from './bench/cli.mjs';
import { DEFAULT_SEED, ensureData, RECORDS_PER_FILE } from './bench/generate.mjs';
import { loadAppAnalysis } from './bench/native-engine.mjs';
import { cpuWindow, dec, goalsWarningsNotes, int, machineInfo, median, MiB, mib, size, table } from './bench/report.mjs';
import { runBrowserWholePath, WHOLE_PATH_STAGES } from './bench/whole-path.mjs';

const NAME = 'bench';
/** The issue's goals. */
const GOALS = { cloudTrailVsNative: 2.5, csvDropToFindingsMs: 10_000, mibPerMillionEvents: 300, rendererVsDuckdb: 2.5, endToEndEvents: 10_000_000 };

const fail = (message) => failWith(message, NAME);
const parseCount = (text, flag) => countOf(text, flag, NAME);

function options() {
  const usage = [
    'Usage: npm run bench -- [options]',
    '  --events N        events per dataset: 300k, 1M (default), 5M, 10M or any count',
    '  --datasets LIST   csv,cloudtrail (default both)',
    '  --runs R          runs per measurement, median reported (default 3)',
    '  --threads LIST    native DuckDB thread counts (default 1,2)',
    '  --seed S          data generator seed (default 1)',
    '  --no-build        use the dist/ already built',
    '  --skip-browser    native figures only',
    '  --skip-native     Chromium figures only',
    '  --timeout-min M   per Chromium run, drop to findings and save (default 3, or 20 per million events)',
    '  --quiet-wait S    before each run, wait up to S seconds for other processes to go quiet (60; 5 below 500k events)',
    '  --retries K       extra attempts for runs disturbed by other processes (default = runs)',
    'Writes bench-results/bench-<ISO time>.json and bench-results/latest.json.',
  ].join('\n');
  const parsed = parseBenchArgs(NAME, usage, {
    events: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: String(DEFAULT_SEED) },
    datasets: { type: 'string', default: 'csv,cloudtrail' },
    threads: { type: 'string', default: '1,2' },
    'no-build': { type: 'boolean', default: false },
    'skip-browser': { type: 'boolean', default: false },
    'skip-native': { type: 'boolean', default: false },
    'timeout-min': { type: 'string' },
    'quiet-wait': { type: 'string' },
    retries: { type: 'string' },
  });
  const datasets = [...new Set(parsed.datasets.split(',').map((s) => s.trim()).filter(Boolean))];
  for (const d of datasets) if (!['csv', 'cloudtrail'].includes(d)) fail(`unknown dataset "${d}" (csv, cloudtrail)\n${usage}`);
  if (datasets.length === 0) fail(`--datasets names none\n${usage}`);
  const events = parseCount(parsed.events, '--events');
  const runs = parseCount(parsed.runs, '--runs');
  const threads = [...new Set(parsed.threads.split(',').map((s) => parseCount(s.trim(), '--threads')))].sort((a, b) => a - b);
  const timeoutMin = parsed['timeout-min'] === undefined ? null : Number(parsed['timeout-min']);
  if (timeoutMin !== null && !(timeoutMin > 0)) fail(`--timeout-min must be a positive number of minutes\n${usage}`);
  return {
    events,
    runs,
    seed: parseCount(parsed.seed, '--seed'),
    datasets,
    threads,
    build: !parsed['no-build'],
    browser: !parsed['skip-browser'],
    native: !parsed['skip-native'],
    retries: parsed.retries === undefined ? runs : Math.max(0, Number(parsed.retries) || 0),
    quietWaitMs: (parsed['quiet-wait'] === undefined ? (events >= 500_000 ? 60 : 5) : Math.max(0, Number(parsed['quiet-wait']) || 0)) * 1000,
    // Import + save + analysis: 3 minutes, or 20 minutes per million events.
    timeoutMs: timeoutMin !== null ? timeoutMin * 60_000 : Math.max(180_000, (events / 1e6) * 20 * 60_000),
  };
}

const num = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const STAGE_KEYS = WHOLE_PATH_STAGES.map((s) => s.key);
/** Flat figures of a run that get a median. */
const FIGURES = [
  ...STAGE_KEYS, 'dropToImportMs', 'dropToFindingsMs', 'dropToSavedMs', 'dropToShownMs', 'betweenMs', 'loadAndDetectMs', 'eventsPerSec', 'events', 'findings',
  'duckdbBytes', 'heapAfterImportBytes', 'heapBytes', 'savedBytes', 'rendererPeakBytes', 'rendererRssBytes', 'jsHeapUsedBytes', 'wallMs', 'otherCpuShare',
];
const medianFigures = (runs) => Object.fromEntries(FIGURES.map((f) => [f, median(runs.map((r) => r[f]))]));

// ───────────────────────────── Chromium ─────────────────────────────

async function chromiumRuns(opt, server, ds, warnings) {
  let version = null;
  const { runs, used } = await series(opt, `chromium ${ds.name} run`, warnings, async (label) => {
    let profile = null;
    try {
      profile = await launchProfile(ROOT);
      version = profile.version;
      const r = await runBrowserWholePath({ context: profile.context, url: server.url, files: ds.files, expectEvents: ds.events, timeoutMs: opt.timeoutMs });
      for (const p of r.problems) warnings.push(`${label}: ${p === r.failure ? `failed: ${p}` : p}`);
      if (r.outside.length) warnings.push(`${label}: requests outside the app's origin: ${r.outside.slice(0, 5).join(', ')}`);
      for (const e of r.pageErrors) warnings.push(`${label}: page error: ${e}`);
      const s = r.stages;
      const failed = r.failure ? `FAILED (${r.failure}); measured before it: ` : '';
      return {
        line:
          `${failed}drop → findings ${int(r.dropToFindingsMs)} ms (import ${int(s.importMs)}, persist ${int(s.persistMs)}, detect ${int(s.detectMs)}, between ${int(r.betweenMs)}), ` +
          `saved at ${int(r.dropToSavedMs)} ms, ${int(r.events)} events, ${int(r.findings)} findings, DuckDB ${mib(r.duckdbBytes)} MiB (wasm heap ${mib(r.heapBytes, 0)} MiB), renderer peak ${mib(r.rendererPeakBytes, 0)} MiB`,
        record: {
          ...s, ...Object.fromEntries(FIGURES.filter((f) => !STAGE_KEYS.includes(f) && f in r).map((f) => [f, r[f]])),
          order: r.order, engine: r.engineText, notice: r.notice, problems: r.problems, analysis: splitTimings(r.measures.analysis?.detail), importDetail: r.measures.import?.detail ?? null,
          ...(r.failure ? { error: r.failure } : {}),
        },
      };
    } catch (error) {
      const message = String(error?.message ?? error).split('\n')[0];
      warnings.push(`${label} failed: ${message}`);
      return { line: `FAILED: ${message}`, record: { error: message, otherCpuShare: null } };
    } finally {
      await profile?.close();
    }
  });
  return { version, runs, median: medianOfRuns(used) };
}

/** Medians over the runs that reached their findings; when none did, over what the failed runs measured before failing. */
function medianOfRuns(used) {
  const ok = used.filter((r) => !r.error);
  const basis = ok.length ? ok : used;
  return { ...medianFigures(basis), runsUsed: ok.length, failedOnly: ok.length === 0, order: basis.find((r) => r.order)?.order ?? null };
}

// ───────────────────────────── native ─────────────────────────────

async function nativeRuns(opt, ds, threads, warnings) {
  let version = null;
  const { runs, used } = await series(opt, `native ${ds.name} ${threads}t run`, warnings, async (label) => {
    const cpu = cpuWindow();
    let r;
    try {
      r = await nativeChild({ root: ROOT, threads, files: ds.nativeFiles, statements: ds.nativeStatements, runs: 1, retries: 0, noisy: NOISY });
    } catch (error) {
      const message = String(error?.message ?? error).split('\n').slice(0, 3).join(' ');
      warnings.push(`${label} failed: ${message}`);
      return { line: `FAILED: ${message}`, record: { error: message, otherCpuShare: null } };
    }
    const share = cpu.share();
    version = r.version;
    const a = r.runs[0];
    const t = r.import.timings ?? {};
    const sql = r.import.statementMs ?? {};
    const direct = ds.nativeStatements.length > 0;
    // CSV: the app's own import timings. CloudTrail: the native read_json load and resolve.sql (the register's import,
    // a few hundred rows, is in the import total only).
    const stages = direct
      ? { recogniseMs: null, parseMs: null, loadMs: num(sql.load), stageMs: null, stepMs: null, readMs: null, commitMs: null, resolveMs: num(sql.resolve), importMs: r.import.ms }
      : { recogniseMs: num(t.recogniseMs), parseMs: num(t.parseMs), loadMs: num(t.loadMs), stageMs: num(t.stageMs), stepMs: num(t.stepMs), readMs: num(t.readMs), commitMs: num(t.commitMs), resolveMs: num(t.resolveMs), importMs: r.import.ms };
    stages.detectMs = a?.totalMs ?? null;
    stages.persistMs = null;
    const events = Number(r.check.events);
    if (events !== ds.events) warnings.push(`${label}: ${events} events loaded, ${ds.events} expected`);
    const loadAndDetectMs = stages.detectMs === null ? null : stages.importMs + stages.detectMs;
    return {
      line: `load ${int(stages.importMs)} ms + detect ${int(stages.detectMs)} ms = ${int(loadAndDetectMs)} ms, ${int(events)} events, ${int(a?.findings)} findings, DuckDB ${mib(r.import.duckdbBytes)} MiB after load`,
      record: {
        ...stages, loadAndDetectMs, events, findings: a?.findings ?? null, eventsPerSec: loadAndDetectMs ? (events / loadAndDetectMs) * 1000 : null,
        duckdbBytes: r.import.duckdbBytes ?? null, duckdbBytesAfterAnalysis: r.duckdbBytes, maxRssBytes: r.maxRssBytes, otherCpuShare: share.other,
        analysis: splitTimings({ ...a?.timingsMs, totalMs: a?.totalMs }), check: r.check, importFiles: r.import.files,
      },
    };
  });
  return { threads, version, runs, median: medianOfRuns(used) };
}

// ───────────────────────────── main ─────────────────────────────

async function main() {
  const opt = options();
  const startedAt = new Date();
  const machine = machineInfo();
  machine.loadAverageAtStart = os.loadavg();
  log(`Driftline whole-path benchmark: ${int(opt.events)} events per dataset (${opt.datasets.join(', ')}), ${opt.runs} run${opt.runs === 1 ? '' : 's'} each, seed ${opt.seed}`);
  log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${dec(machine.ramBytes / 1024 ** 3, 1)} GiB RAM, Node ${machine.node}, load ${machine.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}`);

  if (opt.browser) {
    if (!existsSync(chromiumPath())) {
      fail(`No Chromium at ${chromiumPath()}. Install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH; or run with --skip-browser for the native figures only.`);
    }
    if (opt.build) build(NAME);
    else if (!existsSync(path.join(ROOT, 'dist', 'index.html'))) fail('no built app in dist/: run without --no-build (or npm run build first).');
  }

  // Data: both event shapes (generate.mjs makes both) and the register beside them.
  const dataDir = path.join(RESULTS, 'data');
  const tData = performance.now();
  const data = await ensureData({ dataDir, events: opt.events, seed: opt.seed, log });
  const register = await ensureRegister({ csvPath: data.csv.path, events: opt.events, dataDir, log });
  log(data.generated.length || register.generated ? `Data ready in ${seconds(performance.now() - tData)}.` : 'Data reused from bench-results/data/ (same size and seed).');
  const app = await loadAppAnalysis(ROOT);
  const recognised = await classify(app, [data.csv.path, register.path]);
  const warnings = [];
  const notes = [];
  if (recognised[0].kind !== 'event_log') warnings.push(`${recognised[0].file} is not recognised as an event log (${recognised[0].reason})`);
  if (recognised[1].kind !== 'register') warnings.push(`${recognised[1].file} is not recognised as a register (${recognised[1].reason})`);
  const rel = (p) => path.relative(ROOT, p);
  const datasets = {
    csv: {
      name: 'csv', title: 'CSV event log', events: opt.events, files: [data.csv.path, register.path], eventBytes: data.csv.bytes,
      label: `${rel(data.csv.path)} (${size(data.csv.bytes)})`, nativeFiles: [data.csv.path, register.path], nativeStatements: [],
    },
    cloudtrail: {
      name: 'cloudtrail', title: 'CloudTrail delivery files', events: opt.events, files: [...data.cloudtrail.files, register.path], eventBytes: data.cloudtrail.bytes,
      label: `${rel(data.cloudtrail.dir)}/ (${data.cloudtrail.files.length} × ≤${int(RECORDS_PER_FILE)} records, gzipped, ${size(data.cloudtrail.bytes)})`,
      nativeFiles: [register.path], nativeStatements: cloudTrailPlan(readAppSqlFiles(ROOT), { dir: data.cloudtrail.dir }).direct,
    },
  };
  for (const d of opt.datasets) log(`  ${d}: ${datasets[d].label} + ${rel(register.path)} (${int(register.rows)} identities)`);

  const result = {
    benchmark: 'whole-path',
    startedAt: startedAt.toISOString(),
    options: { events: opt.events, runs: opt.runs, seed: opt.seed, datasets: opt.datasets, threads: opt.threads, timeoutMs: opt.timeoutMs },
    machine,
    data: {
      register: { path: rel(register.path), bytes: register.bytes, identities: register.rows },
      recognised,
      ...Object.fromEntries(opt.datasets.map((d) => [d, { path: datasets[d].label, files: datasets[d].files.length, bytes: datasets[d].eventBytes + register.bytes, events: opt.events }])),
    },
    catalogue: app.CATALOGUE.length,
    chromium: null,
    native: null,
    goals: [],
    notes,
    warnings,
  };

  if (opt.browser) {
    const server = await serveDist(ROOT);
    log(`App served from a copy of dist/ at ${server.url}`);
    result.chromium = { url: server.url, version: null, engine: null, datasets: {} };
    try {
      for (const d of opt.datasets) {
        const c = await chromiumRuns(opt, server, datasets[d], warnings);
        result.chromium.version ??= c.version;
        result.chromium.engine ??= c.runs.find((r) => r.engine)?.engine ?? null;
        result.chromium.datasets[d] = { runs: c.runs, median: c.median };
      }
    } finally {
      await server.close();
    }
  }

  if (opt.native) {
    result.native = { version: null, datasets: {} };
    for (const d of opt.datasets) {
      result.native.datasets[d] = {};
      for (const threads of opt.threads) {
        const n = await nativeRuns(opt, datasets[d], threads, warnings);
        result.native.version ??= n.version;
        result.native.datasets[d][threads] = { runs: n.runs, median: n.median };
      }
    }
  }

  goals(result, opt);
  for (const d of opt.datasets) {
    const c = result.chromium?.datasets[d]?.median;
    const n = result.native?.datasets[d];
    for (const t of opt.threads) {
      const nf = n?.[t]?.median?.findings;
      if (num(c?.findings) !== null && num(nf) !== null && c.findings !== nf) {
        warnings.push(`${d}: Chromium found ${int(c.findings)} findings, native ${t}t ${int(nf)}${d === 'cloudtrail' ? ' (the native CloudTrail load maps records in SQL, with the simplifications listed in scripts/bench/app-sql.mjs)' : ''}`);
      }
    }
  }
  notes.push(
    'Chromium: a fresh browser with a fresh persistent profile per run, the built app opened on Findings; both files of a dataset handed at once to "Add evidence files". Stages are the app\'s User Timing measures: read = driftline:import readMs (recognise, parse, load and stage; recognise/parse/load when the app reports them, "–" otherwise), commit, resolve identities; detect = driftline:analysis; persist = driftline:save (the snapshot to IndexedDB).',
    'drop → findings = end of the driftline:analysis measure that follows the import, minus performance.now() in the page right before setInputFiles; drop → saved likewise with driftline:save (the save may come before or after the analysis: "save order"). "between stages" = the part of drop → findings in no measure (handing the files over, keeping the original files, the UI). "findings on screen" = the Findings summary first reads "N open · …".',
    'DuckDB MiB = sum(memory_usage_bytes) of duckdb_memory() right after the import, before the analysis (the import measure\'s duckdbBytes; natively the same query at the same point). Renderer peak = VmHWM of the largest renderer process (the tab, its workers and the wasm heap) from /proc, read after findings and save.',
    'DuckDB-WASM heap = the size of DuckDB\'s wasm linear memory (the engine reports it), after the import and once the snapshot is saved. It grows to DuckDB\'s peak working memory (CSV reader buffers, sorts, uncommitted rows) and never shrinks, so it is what the engine really takes in the tab; DuckDB MiB above is only what its buffer manager holds. If the save ends before the analysis, the analysis\' own growth is not in it.',
    'Native: a fresh Node process per run, the app\'s modules loaded through Vite (not timed). CSV: the app\'s importEvidence with its in-process reader (DuckDB\'s read_csv, natively) for the events and the register, then runAnalysis. CloudTrail: the register through importEvidence, then native read_json over the .json.gz files with the field mapping of src/ingest/formats/cloudtrail.ts written as SQL and resolve.sql (bench:ingest\'s native CloudTrail load), then runAnalysis. In the tab the JSON is parsed by the app\'s JS worker. Native "drop → findings" = load + detect.',
    'Ratios: Chromium median ÷ native median. "other CPU" = share of the whole machine used by processes outside this benchmark\'s process tree during the run; runs above 15% are repeated and left out of the median ("clean runs" = counted/attempted).',
  );
  if (opt.events < 500_000) notes.push('Below ~500k events fixed costs dominate: MiB per million events and renderer ÷ DuckDB memory are far above what 1M gives; judge those goals at 1M.');

  printReport(result, datasets, opt);
  mkdirSync(RESULTS, { recursive: true });
  result.finishedAt = new Date().toISOString();
  const file = path.join(RESULTS, `bench-${stampOf(startedAt)}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(RESULTS, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  log(`\nFigures written to ${rel(file)} and bench-results/latest.json`);
}

function goals(result, opt) {
  const chromium = (d) => result.chromium?.datasets[d]?.median ?? null;
  const native = (d, t) => result.native?.datasets[d]?.[t]?.median ?? null;
  const noisy = (d) => (result.chromium?.datasets[d]?.runs ?? []).some((r) => r.noisy);
  const goal = (name, value, shown, target, pass, note = '') => {
    const verdict = value === null || value === undefined ? 'n/a' : pass ? 'PASS' : 'MISS';
    result.goals.push({ goal: name, value, shown, target, result: `${verdict}${note}` });
  };
  const at = opt.events === 1_000_000 ? '' : ` (measured at ${int(opt.events)} events; stated for 1M)`;
  // The tab never reached findings (every run failed): a time goal is missed, and says why.
  const failedAll = (d) => (result.chromium?.datasets[d]?.median?.failedOnly ? result.chromium.datasets[d].runs.find((r) => r.error)?.error ?? 'failed' : null);
  const noisyNote = (d) => (noisy(d) ? ' (noisy runs)' : '');
  if (opt.datasets.includes('cloudtrail')) {
    const c = chromium('cloudtrail');
    const n1 = native('cloudtrail', 1);
    const n2 = native('cloudtrail', 2);
    const r = num(c?.dropToFindingsMs) && num(n1?.loadAndDetectMs) ? c.dropToFindingsMs / n1.loadAndDetectMs : null;
    const r2 = num(c?.dropToFindingsMs) && num(n2?.loadAndDetectMs) ? c.dropToFindingsMs / n2.loadAndDetectMs : null;
    if (failedAll('cloudtrail')) {
      result.goals.push({ goal: `CloudTrail drop → findings ≤ ${GOALS.cloudTrailVsNative}× native DuckDB 1 thread (load + detection)${at}`, value: null, shown: `no findings: ${failedAll('cloudtrail')}`, target: GOALS.cloudTrailVsNative, result: 'MISS' });
    } else goal(
      `CloudTrail drop → findings ≤ ${GOALS.cloudTrailVsNative}× native DuckDB 1 thread (load + detection)${at}`,
      r,
      r === null ? '–' : `${dec(r, 2)}× (${int(c.dropToFindingsMs)} / ${int(n1.loadAndDetectMs)} ms)${r2 === null ? '' : `; vs 2 threads ${dec(r2, 2)}×`}`,
      GOALS.cloudTrailVsNative,
      r <= GOALS.cloudTrailVsNative,
      noisyNote('cloudtrail'),
    );
  }
  if (opt.datasets.includes('csv')) {
    const c = chromium('csv');
    const v = num(c?.dropToFindingsMs);
    // A time stated for 1M events is only judged at 1M.
    if (failedAll('csv') && opt.events === 1_000_000) {
      result.goals.push({ goal: `CSV drop → findings ≤ ${GOALS.csvDropToFindingsMs / 1000} s at 1M events`, value: null, shown: `no findings: ${failedAll('csv')}`, target: GOALS.csvDropToFindingsMs, result: 'MISS' });
    } else goal(
      `CSV drop → findings ≤ ${GOALS.csvDropToFindingsMs / 1000} s at 1M events${at}`,
      opt.events === 1_000_000 ? v : null,
      v === null ? '–' : `${dec(v / 1000, 2)} s`,
      GOALS.csvDropToFindingsMs,
      v <= GOALS.csvDropToFindingsMs,
      opt.events === 1_000_000 ? noisyNote('csv') : ' (judged at 1M only)',
    );
  }
  // Memory per million events, per dataset: the bytes of one figure of the Chromium median against a budget.
  const perMillionGoal = (name, key, budget, digits) => {
    for (const d of opt.datasets) {
      const c = chromium(d);
      const perM = num(c?.[key]) && num(c?.events) ? c[key] / MiB / (c.events / 1e6) : null;
      goal(
        `${name} (${d})`,
        perM,
        perM === null ? '–' : `${dec(perM, digits)} MiB/M (${mib(c[key], digits)} MiB for ${int(c.events)})`,
        budget,
        perM <= budget,
      );
    }
  };
  perMillionGoal(`DuckDB memory ≤ ${GOALS.mibPerMillionEvents} MiB per million events`, 'duckdbBytes', GOALS.mibPerMillionEvents, 1);
  // The same budget read against DuckDB-WASM's heap: everything the engine grew to in the tab, transient working memory
  // included (the buffer manager's figure above is only what it holds once the import is done).
  perMillionGoal(`DuckDB-WASM heap ≤ ${GOALS.mibPerMillionEvents} MiB per million events, high-water`, 'heapBytes', GOALS.mibPerMillionEvents, 0);
  // "Renderer peak ≤ 2.5× that": read as 2.5× the DuckDB budget of 300 MiB per million events (750 MiB per million).
  // Read as 2.5× the DuckDB memory measured, the goal would get harder the better DuckDB compresses (15 MiB per million
  // here); that ratio is printed in the table instead.
  const rendererBudget = GOALS.rendererVsDuckdb * GOALS.mibPerMillionEvents;
  perMillionGoal(`Renderer peak ≤ ${GOALS.rendererVsDuckdb}× ${GOALS.mibPerMillionEvents} MiB = ${rendererBudget} MiB per million events`, 'rendererPeakBytes', rendererBudget, 0);
  if (opt.events >= GOALS.endToEndEvents && opt.datasets.includes('csv') && result.chromium) {
    const runs = result.chromium.datasets.csv?.runs ?? [];
    const ok = runs.filter((r) => !r.error && num(r.findings) !== null).length;
    goal(`${int(opt.events)} CSV events analysed end to end in Chromium`, runs.length ? ok : null, `${ok} of ${runs.length} runs returned findings`, runs.length, runs.length > 0 && ok === runs.length);
  }
}

function printReport(result, datasets, opt) {
  const out = [];
  const m = result.machine;
  out.push('');
  out.push(`Driftline whole-path benchmark · ${int(opt.events)} events per dataset · ${result.catalogue} detections · median of ${opt.runs} run${opt.runs === 1 ? '' : 's'} · seed ${opt.seed} · ${result.startedAt}`);
  out.push(
    `Machine: ${m.cpu} · ${m.cores} cores · ${dec(m.ramBytes / 1024 ** 3, 1)} GiB RAM · ${m.os} · Node ${m.node} · load at start ${m.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}` +
      (result.chromium?.version ? ` · Chromium ${result.chromium.version}` : '') +
      (result.native?.version ? ` · native DuckDB ${result.native.version}` : '') +
      (result.chromium?.engine ? ` · tab: ${result.chromium.engine}` : ''),
  );
  const threads = opt.threads;
  for (const d of opt.datasets) {
    const ds = datasets[d];
    const cRuns = result.chromium?.datasets[d]?.runs ?? null;
    const c = result.chromium?.datasets[d]?.median ?? null;
    const n = Object.fromEntries(threads.map((t) => [t, result.native?.datasets[d]?.[t] ?? null]));
    out.push('');
    out.push(`${ds.title} · ${int(ds.events)} events · ${ds.label} + ${result.data.register.path} (${int(result.data.register.identities)} identities), one drop`);
    const cols = [{ title: 'stage' }];
    if (result.chromium) cols.push({ title: 'Chromium', align: 'right' });
    for (const t of threads) if (result.native) cols.push({ title: `native ${t}t`, align: 'right' });
    if (result.chromium && result.native) for (const t of threads) cols.push({ title: `Chromium ÷ ${t}t`, align: 'right' });
    const ratioCell = (a, b) => (num(a) && num(b) ? `${dec(a / b, 2)}×` : '–');
    const row = (label, cv, nv, fmt = int, ratios = true) => {
      const r = [label];
      if (result.chromium) r.push(fmt(cv));
      if (result.native) for (const t of threads) r.push(fmt(nv?.(t)));
      if (result.chromium && result.native) for (const t of threads) r.push(ratios ? ratioCell(cv, nv?.(t)) : '');
      return r;
    };
    const nm = (key) => (t) => n[t]?.median?.[key] ?? null;
    const rows = [];
    for (const s of WHOLE_PATH_STAGES) rows.push(row(`${s.optional ? '  ' : ''}${s.label} ms`, c?.[s.key], nm(s.key)));
    rows.push(row('between stages ms (in no measure)', c?.betweenMs, null, int, false));
    rows.push(row('drop → findings ms (native: load + detect)', c?.dropToFindingsMs, nm('loadAndDetectMs')));
    rows.push(row('drop → saved ms', c?.dropToSavedMs, null, int, false));
    rows.push(row('findings on screen ms (after drop)', c?.dropToShownMs, null, int, false));
    rows.push(row('events/s (drop → findings)', c?.eventsPerSec, nm('eventsPerSec'), int, false));
    rows.push(row('DuckDB MiB after import', c?.duckdbBytes, nm('duckdbBytes'), (x) => mib(x)));
    const perM = (bytes, events) => (num(bytes) && num(events) ? bytes / MiB / (events / 1e6) : null);
    rows.push(row('DuckDB MiB per million events', perM(c?.duckdbBytes, c?.events), (t) => perM(nm('duckdbBytes')(t), nm('events')(t)), (x) => dec(x, 1)));
    rows.push(row('DuckDB-WASM heap MiB after import', c?.heapAfterImportBytes, null, (x) => mib(x, 0), false));
    rows.push(row('DuckDB-WASM heap MiB once saved (high-water)', c?.heapBytes, null, (x) => mib(x, 0), false));
    rows.push(row('renderer peak MiB (VmHWM)', c?.rendererPeakBytes, null, (x) => mib(x, 0), false));
    rows.push(row('renderer peak ÷ DuckDB memory', num(c?.rendererPeakBytes) && num(c?.duckdbBytes) ? c.rendererPeakBytes / c.duckdbBytes : null, null, (x) => (num(x) ? `${dec(x, 2)}×` : '–'), false));
    rows.push(row('snapshot MiB stored', c?.savedBytes, null, (x) => mib(x), false));
    rows.push(row('events', c?.events, nm('events'), int, false));
    rows.push(row('findings', c?.findings, nm('findings'), int, false));
    rows.push(row('other CPU (median)', c?.otherCpuShare, nm('otherCpuShare'), pct, false));
    const clean = (runs) => (runs ? `${runs.filter((r) => !r.noisy && !r.error).length}/${runs.length}` : '–');
    rows.push(row('clean runs', cRuns, (t) => n[t]?.runs, clean, false));
    out.push(table(cols, rows));
    if (c?.failedOnly) out.push(`  Chromium: no run reached its findings (${cRuns.find((r) => r.error)?.error}); its column shows what was measured before the failure.`);
    if (c?.order) out.push(`  save order: ${c.order}`);
  }
  out.push(...goalsWarningsNotes(result));
  console.log(out.join('\n'));
}

main().catch((error) => fail(error.stack ?? String(error)));
