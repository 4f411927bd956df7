#!/usr/bin/env node
// Reopen benchmark: how long a workspace of N events takes to come back after a reload, up to a usable findings queue,
// and how much it stores. Prints figures and the issue's goal with PASS/MISS; never fails on a MISS.
//
//   npm run bench:reopen                               # 1,000,000 events, 3 reloads, medians
//   npm run bench:reopen -- --events 50000 --runs 1    # smoke run
//   node scripts/bench-reopen.mjs [--events N] [--runs R] [--seed S] [--no-build] [--no-register] [--timeout-min M]
//        [--quiet-wait S] [--retries K]
//
// Same data as bench:detect (events-<N>.csv + the NHI register beside it, one import). In a persistent Chromium profile
// (IndexedDB on disk): import, wait for the snapshot (`driftline:save`) and the findings; then reload --runs times. Each
// reload is timed by the page itself from navigation start (performance.timeOrigin):
//   restore   the app's `driftline:restore` measure (snapshot → DuckDB tables)
//   analysis  the app's `driftline:analysis` measure (the whole catalogue, run by itself after the reopen)
//   usable    when the Findings summary first reads "N open · …" (a MutationObserver installed before the app loads)
// Stored size: the snapshot's bytes (`driftline:save` detail), navigator.storage.estimate().usage, and the bytes of the
// profile's IndexedDB directory on disk.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fail as failWith, parseBenchArgs, parseCount } from './bench/cli.mjs';
import {
  build, classify, duBytes, ensureRegister, importThroughApp, log, pct, reloadOnce, RESULTS, ROOT, serveAndLaunch,
  series, settle, splitTimings, stampOf,
} from './bench-detect.mjs';
import { DEFAULT_SEED, ensureData } from './bench/generate.mjs';
import { dec, goalsWarningsNotes, int, machineInfo, median, MiB, mib, size, table } from './bench/report.mjs';
import { loadAppAnalysis } from './bench/native-engine.mjs';

const GOALS = { usableMs: 3000 };
const fail = (message) => failWith(message, 'bench:reopen');

function options() {
  const usage = 'Usage: npm run bench:reopen -- [--events N (1M)] [--runs R (3)] [--seed S] [--no-build] [--no-register] [--timeout-min M] [--quiet-wait S (60; 5 below 500k events)] [--retries K (= runs)]';
  const parsed = parseBenchArgs('bench:reopen', usage, {
      events: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '3' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      'no-build': { type: 'boolean', default: false },
      'no-register': { type: 'boolean', default: false },
      'timeout-min': { type: 'string' },
      'quiet-wait': { type: 'string' },
      retries: { type: 'string' },
  });
  const events = parseCount(parsed.events, '--events', 'bench:reopen');
  const runs = parseCount(parsed.runs, '--runs', 'bench:reopen');
  return {
    events,
    runs,
    seed: parseCount(parsed.seed, '--seed', 'bench:reopen'),
    build: !parsed['no-build'],
    register: !parsed['no-register'],
    retries: parsed.retries === undefined ? runs : Math.max(0, Number(parsed.retries) || 0),
    quietWaitMs: (parsed['quiet-wait'] === undefined ? (events >= 500_000 ? 60 : 5) : Math.max(0, Number(parsed['quiet-wait']) || 0)) * 1000,
    timeoutMs: parsed['timeout-min'] ? Number(parsed['timeout-min']) * 60_000 : Math.max(180_000, (events / 1e6) * 20 * 60_000),
  };
}

async function main() {
  const opt = options();
  const startedAt = new Date();
  const machine = machineInfo();
  machine.loadAverageAtStart = os.loadavg();
  log(`Driftline reopen benchmark: ${int(opt.events)} events, ${opt.runs} reload${opt.runs === 1 ? '' : 's'}, seed ${opt.seed}`);
  log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${dec(machine.ramBytes / 1024 ** 3, 1)} GiB RAM, Node ${machine.node}, load ${machine.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}`);
  if (opt.build) build('bench:reopen');
  else if (!existsSync(path.join(ROOT, 'dist', 'index.html'))) fail('no built app in dist/: run without --no-build (or npm run build first).');

  const dataDir = path.join(RESULTS, 'data');
  const data = await ensureData({ dataDir, events: opt.events, seed: opt.seed, log });
  const files = [data.csv.path];
  let register = null;
  if (opt.register) {
    register = await ensureRegister({ csvPath: data.csv.path, events: opt.events, dataDir, log });
    files.push(register.path);
  }
  const warnings = [];
  const notes = [];
  const recognised = await classify(await loadAppAnalysis(ROOT), files);
  for (const r of recognised) log(`  ${r.file}: the app's classifier reads it as ${r.kind} (${r.confidence})`);
  if (recognised[0].kind !== 'event_log') warnings.push(`${recognised[0].file} is not recognised as an event log (${recognised[0].reason})`);
  if (register && recognised[1].kind !== 'register') warnings.push(`${recognised[1].file} is not recognised as a register (${recognised[1].reason})`);

  const result = {
    benchmark: 'reopen',
    startedAt: startedAt.toISOString(),
    options: { events: opt.events, runs: opt.runs, seed: opt.seed, register: opt.register },
    machine,
    data: { files: files.map((f) => ({ path: path.relative(ROOT, f), bytes: statSync(f).size })), recognised, registerIdentities: register?.rows ?? null },
    chromium: null,
    goals: [],
    notes,
    warnings,
  };

  const { server, profile } = await serveAndLaunch(ROOT, 'bench:reopen');
  log(`Chromium ${profile.version} (headless, persistent profile, flags from ${profile.argsFrom}); app served at ${server.url}`);
  const idbDir = path.join(profile.userDataDir, 'Default', 'IndexedDB');
  result.chromium = { version: profile.version, flagsFrom: profile.argsFrom, url: server.url };
  try {
    await settle(opt.quietWaitMs, 'import', warnings);
    process.stdout.write('  import + snapshot + first analysis… ');
    const imp = await importThroughApp(profile, { url: server.url, files, timeoutMs: opt.timeoutMs });
    const events = imp.import?.detail?.events ?? null;
    const saved = { bytes: imp.save?.detail?.bytes ?? null, ms: imp.save?.duration ?? null, events: imp.save?.detail?.events ?? null };
    console.log(
      `import ${int(imp.import?.detail?.totalMs)} ms, snapshot ${int(saved.ms)} ms (${mib(saved.bytes)} MiB), analysis ${int(imp.analysis?.duration)} ms, ${int(imp.analysis?.detail?.findings)} findings, other CPU ${pct(imp.otherCpuShare)}`,
    );
    if (events !== opt.events) warnings.push(`import: ${events} events committed, ${opt.events} expected`);
    if (imp.notice && !/Imported (\d+) of \1 files?/.test(imp.notice)) warnings.push(`import: ${imp.notice}`);
    result.chromium.engine = imp.engineText;
    result.chromium.import = {
      notice: imp.notice, events, importMs: imp.import?.detail?.totalMs ?? null, saveMs: saved.ms, savedBytes: saved.bytes, analysisMs: imp.analysis?.duration ?? null,
      findings: imp.analysis?.detail?.findings ?? null, storageUsage: imp.storageUsage, storageQuota: imp.storageQuota, indexedDbDiskBytes: duBytes(idbDir), otherCpuShare: imp.otherCpuShare,
    };

    const { runs, used } = await series(opt, 'reload', warnings, async () => {
      const r = await reloadOnce(profile, { timeoutMs: opt.timeoutMs });
      const restoreStart = r.restore?.startTime ?? null;
      const restoreEnd = r.restore ? r.restore.startTime + r.restore.duration : null;
      const analysisEnd = r.analysis ? r.analysis.startTime + r.analysis.duration : null;
      const s = splitTimings(r.analysis?.detail);
      if (r.readOnly) warnings.push('a reload opened the workspace read-only (the previous page still held its Web Lock)');
      const record = {
        usableMs: r.usableMs,
        wallMs: r.wallMs,
        // Restore start → the saved findings in the queue (before the events are back), when the reopen had saved findings.
        queueReadyMs: r.queueReady ? r.queueReady.startTime + r.queueReady.duration : null,
        savedAnalysis: r.restore?.detail?.savedAnalysis ?? null,
        // Navigation start → restore start: page load, app boot, engine start (restore waits for it), IndexedDB lookups.
        bootMs: restoreStart,
        restoreMs: r.restore?.duration ?? null,
        // Restore end → analysis end, minus the catalogue: evidence/workspace refresh and the two queue queries.
        betweenMs: restoreEnd !== null && analysisEnd !== null && s.total !== null ? analysisEnd - restoreEnd - s.total : null,
        analysisMs: s.total,
        analysisStages: s.stages,
        // The analysis measure's end → "N open" on screen: React commit of the queue.
        renderMs: analysisEnd !== null && r.usableMs !== null ? r.usableMs - analysisEnd : null,
        domContentLoadedMs: r.nav?.domContentLoaded ?? null,
        findings: r.analysis?.detail?.findings ?? null,
        restoredEvents: r.restore?.detail?.events ?? null,
        storedBytes: r.restore?.detail?.storedBytes ?? null,
        storageUsage: r.storageUsage,
        otherCpuShare: r.otherCpuShare,
        summary: r.summary,
      };
      return {
        line: record.savedAnalysis
          ? `usable at ${int(record.usableMs)} ms with the saved findings (boot ${int(record.bootMs)}, queue ready ${int(record.queueReadyMs)}; whole restore ${int(record.restoreMs)} ms, no catalogue run)`
          : `usable at ${int(record.usableMs)} ms (boot ${int(record.bootMs)}, restore ${int(record.restoreMs)}, other ${int(record.betweenMs)}, analysis ${int(record.analysisMs)}, render ${int(record.renderMs)})`,
        record,
      };
    });
    const med = (k) => median(used.map((r) => r[k]));
    const storedBytes = saved.bytes ?? med('storedBytes');
    const perMillion = (bytes) => (bytes && events ? bytes / MiB / (events / 1e6) : null);
    result.chromium.runs = runs;
    result.chromium.median = {
      usableMs: med('usableMs'), wallMs: med('wallMs'), bootMs: med('bootMs'), restoreMs: med('restoreMs'), betweenMs: med('betweenMs'), analysisMs: med('analysisMs'),
      renderMs: med('renderMs'), domContentLoadedMs: med('domContentLoadedMs'), findings: med('findings'), otherCpuShare: med('otherCpuShare'), runsUsed: used.length,
    };
    result.chromium.storage = {
      snapshotBytes: storedBytes,
      snapshotMiBPerMillionEvents: perMillion(storedBytes),
      storageEstimateUsage: med('storageUsage') ?? imp.storageUsage,
      storageEstimateMiBPerMillionEvents: perMillion(med('storageUsage') ?? imp.storageUsage),
      indexedDbDiskBytes: duBytes(idbDir),
      indexedDbDiskMiBPerMillionEvents: perMillion(duBytes(idbDir)),
      sourceBytes: result.data.files.reduce((n, f) => n + f.bytes, 0),
    };
    if (profile.outside.length) warnings.push(`requests outside the app's origin: ${[...new Set(profile.outside)].slice(0, 5).join(', ')}`);
    for (const e of profile.pageErrors) warnings.push(`page error: ${e}`);
  } catch (error) {
    await profile.close();
    await server.close();
    fail(`the Chromium run failed: ${error.stack ?? error.message}`);
  }
  await profile.close();
  await server.close();

  const m = result.chromium.median;
  const goal = (name, value, shown, target, pass) => result.goals.push({ goal: name, value, shown, target, result: value === null || value === undefined ? 'n/a' : pass ? 'PASS' : 'MISS' });
  goal(`Reopen ${int(opt.events)} events to a usable findings queue ≤ ${GOALS.usableMs / 1000} s (median)`, m.usableMs, m.usableMs === null ? '–' : `${int(m.usableMs)} ms`, GOALS.usableMs, m.usableMs <= GOALS.usableMs);
  notes.push(
    'Times are the page\'s own, from navigation start of the reload (performance.timeOrigin). usable = the Findings summary first reads "N open · …" (the queue is loaded and rendered). boot = navigation start → restore start (HTML, scripts, DuckDB-WASM worker start, IndexedDB lookups). restore = driftline:restore (gunzip + Arrow inserts of the snapshot). analysis = driftline:analysis (the whole catalogue). other = restore end → analysis end minus the catalogue (evidence and workspace refresh, the totals and top-500 queue queries, which the analysis measure\'s start is shifted by). render = analysis measure end → queue on screen. With findings saved beside the snapshot (the normal case), a reopen shows them as soon as the small tables and the findings are restored (queue ready = driftline:queue-ready end), loads the events after that with a progress bar, and runs no catalogue: analysis/other/render are then empty and restore covers the whole restore, events included.',
    'Stored = the snapshot\'s bytes (driftline:save: gzipped Arrow IPC of the canonical tables), navigator.storage.estimate().usage (the whole origin: snapshot, service-worker precache incl. the wasm bundles, triage), and the bytes of the profile\'s IndexedDB directory on disk (LevelDB + blob files).',
    'One persistent Chromium profile for the whole run (so IndexedDB survives the reloads, on disk as in a user\'s browser); every reload starts a fresh DuckDB-WASM instance. The service worker precache serves the app after the first load.',
    '"other CPU" = share of the whole machine used by processes outside this benchmark\'s process tree during the reload (/proc); reloads above 15% are repeated and left out of the median.',
  );
  printReport(result, opt);
  mkdirSync(RESULTS, { recursive: true });
  result.finishedAt = new Date().toISOString();
  const file = path.join(RESULTS, `bench-reopen-${stampOf(startedAt)}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(RESULTS, 'latest-reopen.json'), `${JSON.stringify(result, null, 2)}\n`);
  log(`\nFigures written to ${path.relative(ROOT, file)} and bench-results/latest-reopen.json`);
}

function printReport(result, opt) {
  const out = [];
  const m = result.machine;
  const c = result.chromium;
  out.push('');
  out.push(`Driftline reopen benchmark · ${int(opt.events)} events · median of ${opt.runs} reload${opt.runs === 1 ? '' : 's'} · seed ${opt.seed} · ${result.startedAt}`);
  out.push(
    `Machine: ${m.cpu} · ${m.cores} cores · ${dec(m.ramBytes / 1024 ** 3, 1)} GiB RAM · ${m.os} · Node ${m.node} · load at start ${m.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')} · Chromium ${c.version}` +
      (c.engine ? ` · tab: ${c.engine}` : ''),
  );
  out.push(`Data: ${result.data.files.map((f) => `${f.path} (${size(f.bytes)})`).join(' + ')}${result.data.registerIdentities ? ` · register: ${int(result.data.registerIdentities)} identities` : ''}`);
  out.push(`Import (once): ${int(c.import.importMs)} ms, snapshot saved in ${int(c.import.saveMs)} ms, first analysis ${int(c.import.analysisMs)} ms, ${int(c.import.findings)} findings`);
  out.push('');
  out.push('Reload → usable findings queue (ms from navigation start)');
  const row = (label, r) => [label, int(r.usableMs), int(r.bootMs), int(r.restoreMs), int(r.betweenMs), int(r.analysisMs), int(r.renderMs), int(r.findings), pct(r.otherCpuShare)];
  const cols = [
    { title: 'reload' }, { title: 'usable', align: 'right' }, { title: 'boot', align: 'right' }, { title: 'restore', align: 'right' }, { title: 'other', align: 'right' },
    { title: 'analysis', align: 'right' }, { title: 'render', align: 'right' }, { title: 'findings', align: 'right' }, { title: 'other CPU', align: 'right' },
  ];
  out.push(table(cols, [...c.runs.map((r, i) => row(`${i + 1}${r.noisy ? ' (noisy)' : ''}`, r)), row(`median (${c.runs.filter((r) => !r.noisy).length} clean of ${c.runs.length})`, c.median)]));
  out.push('');
  out.push('Stored');
  const s = c.storage;
  out.push(
    table(
      [{ title: 'what' }, { title: 'MiB', align: 'right' }, { title: 'MiB per million events', align: 'right' }],
      [
        ['snapshot (driftline:save bytes)', mib(s.snapshotBytes), dec(s.snapshotMiBPerMillionEvents, 1)],
        ['navigator.storage.estimate().usage', mib(s.storageEstimateUsage), dec(s.storageEstimateMiBPerMillionEvents, 1)],
        ['IndexedDB directory on disk', mib(s.indexedDbDiskBytes), dec(s.indexedDbDiskMiBPerMillionEvents, 1)],
        ['source files (CSV + register)', mib(s.sourceBytes), dec(s.sourceBytes / MiB / (opt.events / 1e6), 1)],
      ],
    ),
  );
  out.push(...goalsWarningsNotes(result));
  console.log(out.join('\n'));
}

main().catch((error) => fail(error.stack ?? String(error)));
