#!/usr/bin/env node
// Detection benchmark: the whole catalogue (runAnalysis over CATALOGUE with DEFAULT_SETTINGS) on N events in Chromium
// (DuckDB-WASM, the app as built) next to the very same TypeScript runner on native DuckDB 1.4.3 (@duckdb/node-api, 1 and
// 2 threads) over the same canonical tables. Prints figures and the issue's goals with PASS/MISS; never fails on a MISS.
//
//   npm run bench:detect                               # 1,000,000 events, 3 reloads / native runs, medians
//   npm run bench:detect -- --events 50000 --runs 1    # smoke run
//   node scripts/bench-detect.mjs [--events N] [--runs R] [--seed S] [--no-build] [--skip-browser] [--skip-native]
//        [--no-register] [--threads 1,2] [--timeout-min M] [--quiet-wait S] [--retries K]
//
// Data: events-<N>.csv from scripts/bench/generate.mjs (reused from bench-results/data/), plus nhi-register-<N>.csv written
// beside it: a register of the CSV's principals (most of them; some left out on purpose, a few registered ones never act)
// with owners, permissions, secret locations, rotation dates and schedules, so posture and coverage detections have
// identities to judge. Both files go in one import, in the tab and natively.
//
// Chromium: a persistent profile (IndexedDB on disk, as a user's browser), the app served from a copy of dist/. Import
// both files through "Add evidence files", wait for the findings; the analysis right after the import is reported on its
// own. Then the page is reloaded --runs times: the app reopens the workspace from IndexedDB (a fresh DuckDB-WASM
// instance) and "Analyse again" is pressed; each of those `driftline:analysis` User Timing entries (per-detection
// timings) is one run.
// Native: one fresh Node process per thread count (scripts/bench/native-engine.mjs) loads the app's modules through
// Vite's SSR loader, imports the same two files with the app's own importEvidence + in-process reader (the CSV still goes
// through DuckDB's read_csv, natively), then times runAnalysis --runs times.
//
// On a shared machine: before each run it waits (up to --quiet-wait s; 60, or 5 below 500k events) for others to go
// quiet, measures the share of the machine other processes used during the run, and repeats a run above 15% (at most
// --retries extra attempts), leaving it out of the median — as bench:ingest does.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fail as failWith, parseBenchArgs, parseCount as countOf } from './bench/cli.mjs';
import { chromiumArgs, chromiumPath, waitForEngineReady } from './bench/browser.mjs';
import { csvHead, DEFAULT_SEED, ensureData } from './bench/generate.mjs';
import { cpuWindow, dec, goalsWarningsNotes, int, machineInfo, median, MiB, mib, size, table, treeCpuSeconds, waitForQuiet } from './bench/report.mjs';
import { loadAppAnalysis, NATIVE_ENGINE_SCRIPT } from './bench/native-engine.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS = path.join(ROOT, 'bench-results');

/** The issue's goals. */
const GOALS = { browserMs: 3000, vsNative2t: 2.5 };
/** A run during which other processes used more than this share of the machine is "noisy" and is repeated. */
export const NOISY = 0.15;

const fail = (message, name = 'bench:detect') => failWith(message, name);
const parseCount = (text, flag) => countOf(text, flag, 'bench:detect');

export const log = (message) => console.log(message);
export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
export const pct = (x) => (x === null || x === undefined ? '–' : `${Math.round(x * 100)}%`);
export const stampOf = (date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll(':', '-');

export function build(name) {
  const t = performance.now();
  process.stdout.write('Building the app (npm run build)… ');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * MiB });
  if (result.status !== 0) {
    console.log('failed.');
    const output = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    fail(`the build failed (exit ${result.status}); its last lines:\n${output}\nFix the build, or pass --no-build to use the dist/ already there.`, name);
  }
  console.log(`done in ${seconds(performance.now() - t)}.`);
}

// CPU of this benchmark's process tree: treeCpuSeconds and cpuWindow live in bench/report.mjs (whole-path.mjs uses them too).
export { cpuWindow, treeCpuSeconds };

/** Before a run: wait for the machine to go quiet (bounded), and say so when it did not. */
export async function settle(quietWaitMs, label, warnings) {
  if (!quietWaitMs) return null;
  const share = await waitForQuiet(quietWaitMs);
  if (share !== null && share >= 0.2) warnings.push(`${label}: the machine was still ${Math.round(share * 100)}% busy with other processes when the run started`);
  return share;
}

// ───────────────────────────── the NHI register beside the events ─────────────────────────────

export const REGISTER_VERSION = 1;

/** Stable hash of a string and a salt → [0, 1) (no RNG: the register depends only on the CSV's principals). */
function unit(text, salt) {
  let h = 0x811c9dc5 ^ salt;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return ((h ^ (h >>> 15)) >>> 0) / 2 ** 32;
}
const pick = (list, u) => list[Math.min(list.length - 1, Math.floor(u * list.length))];
const csvCell = (value) => {
  const s = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

export const REGISTER_HEADER = [
  'Service Account', 'Type', 'Platform', 'Account', 'Owner', 'Owner Status', 'Team', 'Environment', 'Criticality', 'Permissions',
  'Secret Location', 'Credential Type', 'Created', 'Last Rotated', 'Schedule', 'ARN',
];

/**
 * Write (or reuse) nhi-register-<N>.v<version>.csv beside the events CSV: one row per IAM principal of the CSV (about 8%
 * left out: shadow identities), with permissions drawn from what each one does (some used actions left out, some unused
 * ones and a few wildcards added), owners (a few missing or departed), secret locations (a few outside a vault),
 * rotation dates, schedules; plus 15 registered users that never act. AWS service principals are not registered.
 */
export async function ensureRegister({ csvPath, events, dataDir, log: say = () => {} }) {
  const file = path.join(dataDir, `nhi-register-${events}.v${REGISTER_VERSION}.csv`);
  if (existsSync(file) && statSync(file).mtimeMs >= statSync(csvPath).mtimeMs) return { path: file, bytes: statSync(file).size, generated: false, rows: readFileSync(file, 'utf8').trim().split('\n').length - 1 };
  const t = performance.now();
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const c = await db.connect();
  let stats;
  try {
    const reader = await c.runAndReadAll(
      `SELECT principal, operation, count(*)::BIGINT AS n FROM read_csv('${csvPath.replaceAll("'", "''")}', header = true, all_varchar = true)
        WHERE principal LIKE 'arn:%' GROUP BY ALL ORDER BY principal, n DESC, operation`,
    );
    stats = reader.getRowObjectsJS();
  } finally {
    c.closeSync();
    db.closeSync?.();
  }
  const byPrincipal = new Map();
  for (const r of stats) {
    if (!byPrincipal.has(r.principal)) byPrincipal.set(r.principal, []);
    byPrincipal.get(r.principal).push({ op: r.operation, n: Number(r.n) });
  }
  const allOps = [...new Set(stats.map((r) => r.operation))].sort();
  const day = 86_400_000;
  const t0 = Date.UTC(2026, 0, 5);
  const rows = [];
  const row = (o) => REGISTER_HEADER.map((h) => csvCell(o[h] ?? ''));
  for (const [arn, ops] of byPrincipal) {
    if (unit(arn, 1) < 0.08) continue; // not in the register: a shadow identity
    const account = arn.split(':')[4];
    const name = arn.slice(arn.lastIndexOf('/') + 1);
    const isUser = arn.includes(':user/');
    const team = name.split('-')[1] ?? 'platform';
    const total = ops.reduce((s, o) => s + o.n, 0);
    // Granted: the habitual actions (≥ 0.5% of its events); 15% lose their least used one (used outside the grant).
    let granted = ops.filter((o) => o.n >= Math.max(3, total * 0.005)).map((o) => o.op);
    if (granted.length > 2 && unit(arn, 2) < 0.15) granted = granted.slice(0, -1);
    // 30% hold one or two actions they never use (unused permissions), from the same services.
    if (unit(arn, 3) < 0.3) {
      const services = new Set(granted.map((g) => g.split(':')[0]));
      const unused = allOps.filter((op) => services.has(op.split(':')[0]) && !ops.some((o) => o.op === op));
      for (let k = 0; k < Math.min(unused.length, 1 + Math.floor(unit(arn, 4) * 2)); k++) granted.push(unused[Math.floor(unit(arn, 10 + k) * unused.length)]);
    }
    // 5% a service wildcard, 1% everything.
    const w = unit(arn, 5);
    if (w < 0.01) granted = ['*'];
    else if (w < 0.06) granted = [`${granted[0].split(':')[0]}:*`, ...granted.slice(1)];
    const kind = isUser ? 'IAM user' : name.startsWith('gha-') ? 'IAM role (GitHub OIDC)' : name.startsWith('eks-') ? 'IAM role (IRSA)' : 'IAM role';
    const federated = name.startsWith('gha-') || name.startsWith('eks-');
    const ownerless = unit(arn, 6) < 0.06;
    const secret = isUser
      ? pick(['AWS Secrets Manager (prod/' + name + ')', 'HashiCorp Vault (kv/' + team + '/' + name + ')', 'Jenkins credentials store', 'AWS Secrets Manager (shared/' + team + ')', '.env file (' + name + ' docker-compose)', 'config.yaml in the ' + team + ' repository'], unit(arn, 7) < 0.9 ? unit(arn, 8) * 0.66 : 0.67 + unit(arn, 8) * 0.33)
      : federated ? 'none (OIDC federation)' : 'none (STS role)';
    const created = t0 - (60 + Math.floor(unit(arn, 9) * 900)) * day;
    const rotated = isUser && unit(arn, 11) >= 0.12 ? isoDay(Math.max(created, t0 - Math.floor(unit(arn, 12) * 240) * day)) : '';
    const s = unit(arn, 13);
    rows.push(
      row({
        'Service Account': name, Type: kind, Platform: 'aws', Account: account,
        Owner: ownerless ? '' : `${team}.owner${1 + Math.floor(unit(arn, 14) * 3)}@example.test`,
        'Owner Status': ownerless ? '' : unit(arn, 15) < 0.05 ? 'departed' : 'active',
        Team: team, Environment: pick(['prod', 'prod', 'prod', 'staging', 'dev'], unit(arn, 16)), Criticality: pick(['low', 'medium', 'medium', 'high', 'critical'], unit(arn, 17)),
        Permissions: granted.join(';'), 'Secret Location': secret,
        'Credential Type': isUser ? 'static key' : federated ? 'federated/OIDC' : 'temporary (STS role)',
        Created: isoDay(created), 'Last Rotated': rotated,
        Schedule: s < 0.05 ? '01:00-05:00 UTC' : s < 0.1 ? '08:00-18:00 Mon-Fri' : '',
        ARN: arn,
      }),
    );
  }
  // Registered, never seen acting: dormant / unused identities.
  for (let i = 0; i < 15; i++) {
    const name = `svc-retired-${pick(['billing', 'etl', 'search', 'reporting', 'backup'], unit(String(i), 20))}-${i}`;
    const account = pick(['123456789012', '210987654321', '345678901234'], unit(name, 21));
    rows.push(
      row({
        'Service Account': name, Type: 'IAM user', Platform: 'aws', Account: account, Owner: `legacy.owner${i % 3}@example.test`, 'Owner Status': i % 5 === 0 ? 'departed' : 'active',
        Team: 'legacy', Environment: 'prod', Criticality: 'low', Permissions: 's3:GetObject;s3:ListBucket', 'Secret Location': 'Jenkins credentials store',
        'Credential Type': 'static key', Created: isoDay(t0 - (400 + i * 10) * day), 'Last Rotated': isoDay(t0 - (200 + i * 7) * day), ARN: `arn:aws:iam::${account}:user/${name}`,
      }),
    );
  }
  writeFileSync(file, `${[REGISTER_HEADER, ...rows].map((r) => r.join(',')).join('\n')}\n`);
  say(`Register written: ${path.relative(ROOT, file)} (${rows.length} identities, ${seconds(performance.now() - t)}).`);
  return { path: file, bytes: statSync(file).size, generated: true, rows: rows.length };
}

/** Ask the app's own classifier what the two files are (the reader decides the same way in the tab). */
export async function classify(app, files) {
  const out = [];
  for (const f of files) {
    const headText = csvHead(f, 51);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(headText);
        controller.close();
      },
    });
    const head = await app.csvHeadAndSample(stream, ',', 50);
    const c = app.classifyCsv(head.header, head.rows);
    out.push({ file: path.basename(f), kind: c.kind, confidence: c.confidence, reason: c.reason });
  }
  return out;
}

// ───────────────────────────── Chromium ─────────────────────────────

/** Debian's Chromium with the browser tests' flags, in a fresh persistent profile (IndexedDB on disk, like a user's). */
export async function launchProfile(root) {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(`No Chromium at ${executablePath}. Install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH; or pass --skip-browser.`);
  }
  let chromium;
  try {
    ({ chromium } = await import('@playwright/test'));
  } catch (error) {
    throw new Error(`@playwright/test is not installed (npm install): ${error.message}`);
  }
  const { args, from } = chromiumArgs(root);
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'driftline-bench-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath, headless: true, args, viewport: { width: 1400, height: 900 } });
  const version = (spawnSync(executablePath, ['--version'], { encoding: 'utf8' }).stdout ?? '').trim().replace(/^Chromium\s+/, '') || 'unknown';
  const outside = [];
  const pageErrors = [];
  context.on('request', (request) => {
    const u = request.url();
    if (!/^(blob:|data:|http:\/\/127\.0\.0\.1[:/]|http:\/\/localhost[:/])/.test(u)) outside.push(u);
  });
  // Mark the moment the findings queue is usable: the Findings summary shows "N open · …" (first time per document).
  await context.addInitScript(() => {
    const check = () => {
      if (window.__dlUsable) return;
      const el = document.querySelector('[aria-label="Findings summary"]');
      const text = el?.textContent ?? '';
      if (/^[\d,]+ open ·/.test(text)) {
        window.__dlUsable = { at: performance.now(), text };
        observer.disconnect();
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document, { subtree: true, childList: true, characterData: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return {
    context,
    page,
    userDataDir,
    version,
    argsFrom: from,
    outside,
    pageErrors,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Bytes on disk under a directory (the profile's IndexedDB). */
export function duBytes(dir) {
  if (!existsSync(dir)) return null;
  let total = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) total += statSync(p).size;
    }
  };
  walk(dir);
  return total;
}

/** Everything the page knows at this point: the app's measures, usable mark, navigation timing, storage, messages. */
function pageState() {
  const measures = performance
    .getEntriesByType('measure')
    .filter((e) => e.name.startsWith('driftline:'))
    .map((e) => ({ name: e.name, duration: e.duration, startTime: e.startTime, detail: e.detail }));
  const nav = performance.getEntriesByType('navigation')[0];
  const summary = document.querySelector('[aria-label="Findings summary"]')?.textContent ?? null;
  const notices = [...document.querySelectorAll('ul[aria-label="Messages"] li')].map((li) => ({
    error: li.classList.contains('notice-error'),
    text: (li.querySelector('span')?.textContent ?? li.textContent ?? '').trim(),
  }));
  return { measures, usable: window.__dlUsable ?? null, nav: nav ? { domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, responseEnd: nav.responseEnd } : null, summary, notices };
}

/** Wait until the page has the named measures and a usable queue, or an error message; return pageState(). */
async function waitForPage(page, { measures, timeoutMs }) {
  const handle = await page.waitForFunction(
    (names) => {
      const have = new Set(performance.getEntriesByType('measure').map((e) => e.name));
      if (names.every((n) => have.has(n)) && window.__dlUsable) return { ok: true };
      const errors = [...document.querySelectorAll('ul[aria-label="Messages"] li.notice-error')].map((li) => li.textContent ?? '');
      const alert = document.querySelector('.findings-view [role="alert"]')?.textContent;
      if (errors.length || alert) return { ok: false, message: [...errors, alert].filter(Boolean).join(' | ').replace(/×/g, '').trim() };
      return false;
    },
    measures,
    { polling: 100, timeout: timeoutMs },
  );
  const outcome = await handle.jsonValue();
  const state = await page.evaluate(pageState);
  if (!outcome.ok) throw new Error(`the app reported: ${outcome.message}`);
  return state;
}

const measureOf = (state, name) => state.measures.filter((m) => m.name === name).at(-1) ?? null;

/** Open the app on the Findings view in the profile and import the files as a user would; wait for save + findings. */
export async function importThroughApp(profile, { url, files, timeoutMs }) {
  const { page } = profile;
  await page.goto(`${url}#/findings`);
  const engineText = await waitForEngineReady(page);
  const cpu = cpuWindow();
  const started = performance.now();
  await page.getByLabel('Add evidence files').setInputFiles(files);
  const state = await waitForPage(page, { measures: ['driftline:import', 'driftline:save', 'driftline:analysis'], timeoutMs });
  const wallMs = performance.now() - started;
  const share = cpu.share();
  const storage = await page.evaluate(async () => (navigator.storage?.estimate ? await navigator.storage.estimate() : null)).catch(() => null);
  const imported = state.notices.find((n) => /Imported \d[\d,]* of \d[\d,]* files?/.test(n.text))?.text ?? null;
  return {
    engineText,
    wallMs,
    otherCpuShare: share.other,
    import: measureOf(state, 'driftline:import'),
    save: measureOf(state, 'driftline:save'),
    analysis: measureOf(state, 'driftline:analysis'),
    usableAt: state.usable?.at ?? null,
    summary: state.summary,
    notice: imported,
    notices: state.notices,
    storageUsage: storage?.usage ?? null,
    storageQuota: storage?.quota ?? null,
  };
}

/**
 * Reload the page: the app reopens the last workspace from IndexedDB (showing the findings saved with it, or analysing
 * it when there are none or they no longer hold). Times are the page's own, from navigation start
 * (performance.timeOrigin): restore start/duration, analysis start/duration when there was one, queue usable.
 * With `analyse`, once the workspace is back, "Analyse again" is pressed and its analysis awaited (a fresh DuckDB-WASM
 * instance for every run).
 */
export async function reloadOnce(profile, { timeoutMs, analyse = false }) {
  const { page } = profile;
  const cpu = cpuWindow();
  const started = performance.now();
  await page.reload({ waitUntil: 'commit' });
  let state = await waitForPage(page, { measures: ['driftline:restore'], timeoutMs });
  if (analyse) {
    const before = state.measures.filter((m) => m.name === 'driftline:analysis').length;
    // click() waits until the button is enabled; the analysis itself waits for the restore of the events to end.
    await page.getByRole('button', { name: 'Analyse again' }).click({ timeout: timeoutMs });
    await page.waitForFunction((n) => performance.getEntriesByType('measure').filter((e) => e.name === 'driftline:analysis').length > n, before, {
      polling: 100,
      timeout: timeoutMs,
    });
    state = await waitForPage(page, { measures: ['driftline:restore', 'driftline:analysis'], timeoutMs });
  }
  const wallMs = performance.now() - started;
  const share = cpu.share();
  const storage = await page.evaluate(async () => (navigator.storage?.estimate ? await navigator.storage.estimate() : null)).catch(() => null);
  const restore = measureOf(state, 'driftline:restore');
  const analysis = measureOf(state, 'driftline:analysis');
  const queueReady = measureOf(state, 'driftline:queue-ready');
  return {
    queueReady,
    wallMs,
    otherCpuShare: share.other,
    chromiumCpuSeconds: share.ours,
    usableMs: state.usable?.at ?? null,
    restore,
    analysis,
    nav: state.nav,
    summary: state.summary,
    readOnly: state.notices.some((n) => /read-only/.test(n.text)),
    notices: state.notices.map((n) => n.text),
    storageUsage: storage?.usage ?? null,
  };
}

/** serveDist + launchProfile: the app served and Chromium open on it; the server is closed again if Chromium fails. */
export async function serveAndLaunch(root, name) {
  const server = await serveDist(root);
  try {
    return { server, profile: await launchProfile(root) };
  } catch (error) {
    await server.close();
    fail(error.message, name);
  }
}

/** Serve a private copy of dist/ (a build started meanwhile by someone else cannot pull files from under a run). */
export async function serveDist(root) {
  const { startServer } = await import('./serve.mjs');
  const snapshot = mkdtempSync(path.join(os.tmpdir(), 'driftline-bench-dist-'));
  cpSync(path.join(root, 'dist'), snapshot, { recursive: true });
  process.on('exit', () => rmSync(snapshot, { recursive: true, force: true }));
  const server = await startServer({ root: snapshot, port: 0, quiet: true });
  return server;
}

/**
 * Up to `runs` clean runs (other processes under NOISY of the machine), repeating noisy ones at most `retries` times.
 * runOnce(label) → { line, record } with record.otherCpuShare.
 */
export async function series({ runs, retries, quietWaitMs }, name, warnings, runOnce) {
  const all = [];
  const clean = () => all.filter((r) => !r.noisy).length;
  for (let attempt = 1; clean() < runs && attempt <= runs + retries; attempt++) {
    const label = `${name} ${attempt}`;
    await settle(quietWaitMs, label, warnings);
    process.stdout.write(`  ${label}… `);
    const { line, record } = await runOnce(label);
    record.noisy = record.otherCpuShare !== null && record.otherCpuShare > NOISY;
    console.log(`${line}, other CPU ${pct(record.otherCpuShare)}, load ${os.loadavg()[0].toFixed(2)}${record.noisy ? ' — noisy, not counted' : ''}`);
    all.push(record);
  }
  const used = all.filter((r) => !r.noisy);
  if (used.length < runs) {
    warnings.push(`${name}: only ${used.length} of ${all.length} runs had other processes under ${pct(NOISY)} of the machine; the median is over ${used.length ? 'those' : 'all runs, so it is inflated'}`);
  }
  return { runs: all, used: used.length ? used : all };
}

// ───────────────────────────── per-detection figures ─────────────────────────────

const STAGES = new Set(['context', 'finalize', 'totalMs', 'findings']);

/** Split a runAnalysis timing record into { total, stages: {context, finalize, setup}, detections: {id: ms} }. */
export function splitTimings(detail) {
  const detections = {};
  let sum = 0;
  for (const [k, v] of Object.entries(detail ?? {})) {
    if (STAGES.has(k) || typeof v !== 'number') continue;
    detections[k] = v;
    sum += v;
  }
  const total = detail?.totalMs ?? null;
  const context = detail?.context ?? null;
  const finalize = detail?.finalize ?? null;
  const setup = total === null ? null : Math.max(0, total - sum - (context ?? 0) - (finalize ?? 0));
  return { total, stages: { setup, context, finalize }, detections, detectionsMs: sum };
}

/** Median per key over several { key: ms } records. */
export function medianByKey(records) {
  const keys = new Set(records.flatMap((r) => Object.keys(r)));
  return Object.fromEntries([...keys].map((k) => [k, median(records.map((r) => r[k]))]));
}

// ───────────────────────────── native ─────────────────────────────

/** One native child: import the files with the app's pipeline, then runAnalysis `runs` clean times. */
export function nativeChild(job) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'driftline-native-job-'));
  const file = path.join(dir, 'job.json');
  writeFileSync(file, JSON.stringify(job));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NATIVE_ENGINE_SCRIPT, file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`native run failed (exit ${code}):\n${err.trim().slice(0, 3000)}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)));
      } catch {
        reject(new Error(`native run printed no result:\n${out.slice(0, 1000)}\n${err.slice(0, 1000)}`));
      }
    });
  });
}

// ───────────────────────────── main ─────────────────────────────

function options() {
  const usage = 'Usage: npm run bench:detect -- [--events N (1M)] [--runs R (3)] [--seed S] [--no-build] [--skip-browser] [--skip-native] [--no-register] [--threads 1,2] [--timeout-min M] [--quiet-wait S (60; 5 below 500k events)] [--retries K (= runs)]';
  const parsed = parseBenchArgs('bench:detect', usage, {
      events: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '3' },
      seed: { type: 'string', default: String(DEFAULT_SEED) },
      'no-build': { type: 'boolean', default: false },
      'skip-browser': { type: 'boolean', default: false },
      'skip-native': { type: 'boolean', default: false },
      'no-register': { type: 'boolean', default: false },
      threads: { type: 'string', default: '1,2' },
      'timeout-min': { type: 'string' },
      'quiet-wait': { type: 'string' },
      retries: { type: 'string' },
  });
  const events = parseCount(parsed.events, '--events');
  const runs = parseCount(parsed.runs, '--runs');
  const threads = [...new Set(parsed.threads.split(',').map((s) => parseCount(s.trim(), '--threads')))].sort((a, b) => a - b);
  return {
    events,
    runs,
    seed: parseCount(parsed.seed, '--seed'),
    build: !parsed['no-build'],
    browser: !parsed['skip-browser'],
    native: !parsed['skip-native'],
    register: !parsed['no-register'],
    threads: threads.includes(2) ? threads : [...threads, 2],
    retries: parsed.retries === undefined ? runs : Math.max(0, Number(parsed.retries) || 0),
    quietWaitMs: (parsed['quiet-wait'] === undefined ? (events >= 500_000 ? 60 : 5) : Math.max(0, Number(parsed['quiet-wait']) || 0)) * 1000,
    // Import + save + first analysis: 3 minutes, or 20 minutes per million events.
    timeoutMs: parsed['timeout-min'] ? Number(parsed['timeout-min']) * 60_000 : Math.max(180_000, (events / 1e6) * 20 * 60_000),
  };
}

async function main() {
  const opt = options();
  const startedAt = new Date();
  const machine = machineInfo();
  machine.loadAverageAtStart = os.loadavg();
  log(`Driftline detection benchmark: ${int(opt.events)} events, ${opt.runs} run${opt.runs === 1 ? '' : 's'}, seed ${opt.seed}`);
  log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${dec(machine.ramBytes / 1024 ** 3, 1)} GiB RAM, Node ${machine.node}, load ${machine.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}`);

  if (opt.browser) {
    if (opt.build) build('bench:detect');
    else if (!existsSync(path.join(ROOT, 'dist', 'index.html'))) fail('no built app in dist/: run without --no-build (or npm run build first).');
  }

  const dataDir = path.join(RESULTS, 'data');
  const data = await ensureData({ dataDir, events: opt.events, seed: opt.seed, log });
  const files = [data.csv.path];
  let register = null;
  if (opt.register) {
    register = await ensureRegister({ csvPath: data.csv.path, events: opt.events, dataDir, log });
    files.push(register.path);
  }
  const app = await loadAppAnalysis(ROOT);
  const recognised = await classify(app, files);
  for (const r of recognised) log(`  ${r.file}: the app's classifier reads it as ${r.kind} (${r.confidence})`);
  const warnings = [];
  const notes = [];
  if (recognised[0].kind !== 'event_log') warnings.push(`${recognised[0].file} is not recognised as an event log (${recognised[0].reason})`);
  if (register && recognised[1].kind !== 'register') warnings.push(`${recognised[1].file} is not recognised as a register (${recognised[1].reason})`);

  const result = {
    benchmark: 'detect',
    startedAt: startedAt.toISOString(),
    options: { events: opt.events, runs: opt.runs, seed: opt.seed, register: opt.register, threads: opt.threads },
    machine,
    data: {
      files: files.map((f) => ({ path: path.relative(ROOT, f), bytes: statSync(f).size })),
      recognised,
      registerIdentities: register?.rows ?? null,
    },
    catalogue: app.CATALOGUE.map((d) => d.id),
    chromium: null,
    native: null,
    goals: [],
    notes,
    warnings,
  };

  // ── Chromium ──
  if (opt.browser) {
    const { server, profile } = await serveAndLaunch(ROOT, 'bench:detect');
    log(`Chromium ${profile.version} (headless, persistent profile, flags from ${profile.argsFrom}); app served at ${server.url}`);
    result.chromium = { version: profile.version, flagsFrom: profile.argsFrom, url: server.url };
    try {
      await settle(opt.quietWaitMs, 'chromium import', warnings);
      process.stdout.write('  chromium import + first analysis… ');
      const imp = await importThroughApp(profile, { url: server.url, files, timeoutMs: opt.timeoutMs });
      const first = splitTimings(imp.analysis?.detail);
      console.log(
        `import ${int(imp.import?.detail?.totalMs)} ms, save ${int(imp.save?.duration)} ms, analysis ${int(first.total)} ms, ${int(imp.analysis?.detail?.findings)} findings, other CPU ${pct(imp.otherCpuShare)}`,
      );
      if (imp.import?.detail?.events !== opt.events) warnings.push(`chromium import: ${imp.import?.detail?.events} events committed, ${opt.events} expected`);
      if (imp.notice && !/Imported (\d+) of \1 files?/.test(imp.notice)) warnings.push(`chromium import: ${imp.notice}`);
      result.chromium.engine = imp.engineText;
      result.chromium.import = {
        notice: imp.notice, wallMs: imp.wallMs, otherCpuShare: imp.otherCpuShare, importMs: imp.import?.detail?.totalMs ?? null, importDetail: imp.import?.detail ?? null,
        saveMs: imp.save?.duration ?? null, savedBytes: imp.save?.detail?.bytes ?? null, summary: imp.summary,
      };
      result.chromium.firstAnalysis = { totalMs: first.total, stages: first.stages, detections: first.detections, findings: imp.analysis?.detail?.findings ?? null, otherCpuShare: imp.otherCpuShare };

      const { runs, used } = await series(opt, 'chromium reload + analysis', warnings, async () => {
        const r = await reloadOnce(profile, { timeoutMs: opt.timeoutMs, analyse: true });
        const s = splitTimings(r.analysis?.detail);
        if (r.readOnly) warnings.push('a reload opened the workspace read-only (the previous page still held its Web Lock)');
        return {
          line: `analysis ${int(s.total)} ms (context ${int(s.stages.context)}, detections ${int(s.detectionsMs)}, finalize ${int(s.stages.finalize)}), ${int(r.analysis?.detail?.findings)} findings; restore ${int(r.restore?.duration)} ms, usable at ${int(r.usableMs)} ms`,
          record: {
            totalMs: s.total, stages: s.stages, detections: s.detections, detectionsMs: s.detectionsMs, findings: r.analysis?.detail?.findings ?? null,
            restoreMs: r.restore?.duration ?? null, usableMs: r.usableMs, otherCpuShare: r.otherCpuShare, summary: r.summary,
          },
        };
      });
      result.chromium.runs = runs;
      result.chromium.median = {
        totalMs: median(used.map((r) => r.totalMs)),
        detectionsMs: median(used.map((r) => r.detectionsMs)),
        stages: medianByKey(used.map((r) => r.stages)),
        detections: medianByKey(used.map((r) => r.detections)),
        findings: median(used.map((r) => r.findings)),
        otherCpuShare: median(used.map((r) => r.otherCpuShare)),
        runsUsed: used.length,
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
  }

  // ── Native ──
  if (opt.native) {
    result.native = { variants: [] };
    for (const threads of opt.threads) {
      await settle(opt.quietWaitMs, `native ${threads}t`, warnings);
      process.stdout.write(`  native ${threads} thread${threads === 1 ? '' : 's'}: import + ${opt.runs} analyses… `);
      let r;
      try {
        r = await nativeChild({ root: ROOT, threads, files, runs: opt.runs, retries: opt.retries, noisy: NOISY });
      } catch (error) {
        fail(error.message);
      }
      result.native.version = r.version;
      result.native.extensionsLoaded = r.extensionsLoaded;
      const counted = r.runs.filter((x) => !x.noisy);
      const used = counted.length ? counted : r.runs;
      if (counted.length < opt.runs) warnings.push(`native ${threads}t: only ${counted.length} of ${r.runs.length} runs had other processes under ${pct(NOISY)} of the machine`);
      const split = used.map((x) => splitTimings({ ...x.timingsMs, totalMs: x.totalMs }));
      const v = {
        threads,
        import: r.import,
        check: r.check,
        duckdbBytes: r.duckdbBytes,
        maxRssBytes: r.maxRssBytes,
        runs: r.runs,
        median: {
          totalMs: median(used.map((x) => x.totalMs)),
          detectionsMs: median(split.map((s) => s.detectionsMs)),
          stages: medianByKey(split.map((s) => s.stages)),
          detections: medianByKey(split.map((s) => s.detections)),
          findings: median(used.map((x) => x.findings)),
          otherCpuShare: median(used.map((x) => x.otherCpuShare)),
          runsUsed: used.length,
        },
      };
      console.log(
        `import ${int(r.import.ms)} ms (${int(r.check.events)} events, ${int(r.check.identities)} identities); analysis ${r.runs.map((x) => `${int(x.totalMs)}${x.noisy ? '*' : ''}`).join(' / ')} ms, ${int(v.median.findings)} findings, other CPU ${pct(v.median.otherCpuShare)}`,
      );
      if (r.check.events !== opt.events) warnings.push(`native ${threads}t: ${r.check.events} events loaded, ${opt.events} expected`);
      result.native.variants.push(v);
    }
  }

  // ── Goals ──
  const c = result.chromium?.median ?? null;
  const n2 = result.native?.variants.find((v) => v.threads === 2)?.median ?? null;
  const goal = (name, value, shown, target, pass) => result.goals.push({ goal: name, value, shown, target, result: value === null || value === undefined ? 'n/a' : pass ? 'PASS' : 'MISS' });
  goal(`Whole catalogue ≤ ${GOALS.browserMs / 1000} s in Chromium (median, after reopen)`, c?.totalMs ?? null, c ? `${int(c.totalMs)} ms` : '–', GOALS.browserMs, c?.totalMs <= GOALS.browserMs);
  const r2 = c && n2 ? c.totalMs / n2.totalMs : null;
  goal(`Chromium ≤ ${GOALS.vsNative2t}× native DuckDB, 2 threads`, r2, r2 === null ? '–' : `${dec(r2, 2)}× (${int(c.totalMs)} / ${int(n2.totalMs)} ms)`, GOALS.vsNative2t, r2 <= GOALS.vsNative2t);
  if (c && n2 && c.findings !== n2.findings) warnings.push(`findings differ: Chromium ${c.findings}, native ${n2.findings} (same data and SQL should give the same findings)`);
  for (const v of result.native?.variants ?? []) {
    if (v.median.findings !== result.native.variants[0].median.findings) warnings.push(`native ${v.threads}t found ${v.median.findings} findings, ${result.native.variants[0].threads}t ${result.native.variants[0].median.findings}`);
  }

  notes.push(
    'Whole catalogue = runAnalysis(engine, CATALOGUE, DEFAULT_SETTINGS): settings tables + declared schedules ("setup"), context.sql, every detection (one INSERT … SELECT each), finalize.sql, and the count per detection. In the tab it is the app\'s driftline:analysis measure; natively the same function\'s report.',
    'Chromium median = the analyses run by "Analyse again" after each reload (the workspace reopened from IndexedDB, a fresh DuckDB-WASM instance); "after import" is the analysis that follows the import, in the same tab as the import (one run, not repeated when noisy; its "other CPU" covers the whole import + save + analysis window).',
    'Native = the same runner, loaded from src/ through Vite\'s SSR loader, over @duckdb/node-api 1.4.3 (scripts/bench/native-engine.mjs), after the same files were imported with the app\'s importEvidence and in-process reader; one fresh process per thread count, analyses repeated in it. Native DuckDB links ICU (TimeZone set to UTC); auto-install/auto-load of extensions is off as in the tab.',
    '"other CPU" = share of the whole machine used by processes outside this benchmark\'s process tree during the run (/proc); runs above 15% are repeated and left out of the median.',
  );
  if (!opt.register) notes.push('--no-register: events only; posture and coverage detections have no registered identities to judge.');
  printReport(result, opt);
  mkdirSync(RESULTS, { recursive: true });
  result.finishedAt = new Date().toISOString();
  const file = path.join(RESULTS, `bench-detect-${stampOf(startedAt)}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.join(RESULTS, 'latest-detect.json'), `${JSON.stringify(result, null, 2)}\n`);
  log(`\nFigures written to ${path.relative(ROOT, file)} and bench-results/latest-detect.json`);
}

function printReport(result, opt) {
  const out = [];
  const m = result.machine;
  const c = result.chromium;
  const natives = result.native?.variants ?? [];
  const n2 = natives.find((v) => v.threads === 2);
  out.push('');
  out.push(`Driftline detection benchmark · ${int(opt.events)} events · ${result.catalogue.length} detections · median of ${opt.runs} run${opt.runs === 1 ? '' : 's'} · seed ${opt.seed} · ${result.startedAt}`);
  out.push(
    `Machine: ${m.cpu} · ${m.cores} cores · ${dec(m.ramBytes / 1024 ** 3, 1)} GiB RAM · ${m.os} · Node ${m.node} · load at start ${m.loadAverageAtStart.map((x) => x.toFixed(2)).join(' ')}` +
      (c ? ` · Chromium ${c.version}` : '') +
      (result.native?.version ? ` · native DuckDB ${result.native.version}` : '') +
      (c?.engine ? ` · tab: ${c.engine}` : ''),
  );
  out.push(`Data: ${result.data.files.map((f) => `${f.path} (${size(f.bytes)})`).join(' + ')}${result.data.registerIdentities ? ` · register: ${int(result.data.registerIdentities)} identities` : ''}`);
  out.push('');
  out.push('Whole catalogue');
  const rows = [];
  const stage = (s, k) => int(s?.[k]);
  if (c) {
    rows.push(['Chromium, after import', int(c.firstAnalysis.totalMs), stage(c.firstAnalysis.stages, 'setup'), stage(c.firstAnalysis.stages, 'context'), int(Object.values(c.firstAnalysis.detections).reduce((a, b) => a + b, 0)), stage(c.firstAnalysis.stages, 'finalize'), int(c.firstAnalysis.findings), ratio2(c.firstAnalysis.totalMs, n2?.median.totalMs), pct(c.firstAnalysis.otherCpuShare), '1']);
    const all = c.runs ?? [];
    rows.push(['Chromium, after reopen', int(c.median.totalMs), stage(c.median.stages, 'setup'), stage(c.median.stages, 'context'), int(c.median.detectionsMs), stage(c.median.stages, 'finalize'), int(c.median.findings), ratio2(c.median.totalMs, n2?.median.totalMs), pct(c.median.otherCpuShare), `${all.filter((r) => !r.noisy).length}/${all.length}`]);
  }
  for (const v of natives) {
    rows.push([`native, ${v.threads} thread${v.threads === 1 ? '' : 's'}`, int(v.median.totalMs), stage(v.median.stages, 'setup'), stage(v.median.stages, 'context'), int(v.median.detectionsMs), stage(v.median.stages, 'finalize'), int(v.median.findings), ratio2(v.median.totalMs, n2?.median.totalMs), pct(v.median.otherCpuShare), `${v.runs.filter((r) => !r.noisy).length}/${v.runs.length}`]);
  }
  out.push(
    table(
      [
        { title: 'where' }, { title: 'total ms', align: 'right' }, { title: 'setup', align: 'right' }, { title: 'context', align: 'right' }, { title: 'detections', align: 'right' },
        { title: 'finalize', align: 'right' }, { title: 'findings', align: 'right' }, { title: '÷ native 2t', align: 'right' }, { title: 'other CPU', align: 'right' }, { title: 'clean runs', align: 'right' },
      ],
      rows,
    ),
  );
  if (c?.import) out.push(`  (Chromium import of the same files: ${int(c.import.importMs)} ms, snapshot save ${int(c.import.saveMs)} ms, ${mib(c.import.savedBytes)} MiB stored)`);

  // Slowest detections (and the context/finalize stages), union of the top 10 in the tab and natively (2 threads).
  const withStages = (x) => (x ? { ...x.detections, '[context]': x.stages.context, '[finalize]': x.stages.finalize, '[setup]': x.stages.setup } : {});
  const cb = withStages(c?.median);
  const nb = Object.fromEntries(natives.map((v) => [v.threads, withStages(v.median)]));
  const top = (o) => Object.entries(o).filter(([, v]) => typeof v === 'number').sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k]) => k);
  const ids = [...new Set([...top(cb), ...(n2 ? top(nb[2]) : [])])].sort((a, b) => (cb[b] ?? nb[2]?.[b] ?? 0) - (cb[a] ?? nb[2]?.[a] ?? 0));
  out.push('');
  out.push('Slowest steps (top 10 in Chromium and natively with 2 threads; median ms)');
  out.push(
    table(
      [{ title: 'step' }, { title: 'Chromium', align: 'right' }, ...natives.map((v) => ({ title: `native ${v.threads}t`, align: 'right' })), { title: 'Chromium ÷ 2t', align: 'right' }, { title: 'share of Chromium total', align: 'right' }],
      ids.map((id) => [id, int(cb[id]), ...natives.map((v) => int(nb[v.threads][id])), ratio2(cb[id], nb[2]?.[id]), c ? pct(cb[id] / c.median.totalMs) : '–']),
    ),
  );
  out.push(...goalsWarningsNotes(result));
  console.log(out.join('\n'));
}

const ratio2 = (a, b) => (a && b ? `${dec(a / b, 2)}×` : '–');

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  main().catch((error) => fail(error.stack ?? String(error)));
}
