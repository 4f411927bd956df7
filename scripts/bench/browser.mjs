// Imports one dataset into the built app in Debian's Chromium, as a user would (the "Add evidence files" input), and reads
// what the app measured itself: the `driftline:import` User Timing entry. Every run gets a fresh browser context, so a
// fresh page, engine, worker and renderer process.
//
// Memory figures:
//   duckdbBytes     the app's own measure: sum(memory_usage_bytes) of duckdb_memory() after the import (buffer manager)
//   jsHeapUsed      CDP Performance.getMetrics JSHeapUsedSize of the page (main thread's V8 heap only, not the workers)
//   rendererPeak    VmHWM of the renderer process(es) from /proc (pids from CDP SystemInfo.getProcessInfo): the peak
//                   resident memory of the tab, workers and wasm heap included. measureUserAgentSpecificMemory would need
//                   cross-origin isolation (COOP/COEP), which the app does not send.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { busySeconds, cpuJiffies } from './report.mjs';

export const DEFAULT_CHROMIUM_PATH = '/usr/lib/chromium/chromium';

/** A copy of test/browser/chromium.ts's list, used when that file cannot be read. */
const FALLBACK_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

/** The launch flags of the browser tests, read from test/browser/chromium.ts so the two cannot drift apart. */
export function chromiumArgs(root) {
  try {
    const text = readFileSync(path.join(root, 'test/browser/chromium.ts'), 'utf8');
    const body = /CHROMIUM_ARGS\s*=\s*\[([\s\S]*?)\];/.exec(text)?.[1];
    if (!body) return { args: FALLBACK_ARGS, from: 'built-in copy (CHROMIUM_ARGS not found in test/browser/chromium.ts)' };
    const args = [...body.replace(/\/\/.*$/gm, '').matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) => m[1]);
    return args.length ? { args, from: 'test/browser/chromium.ts' } : { args: FALLBACK_ARGS, from: 'built-in copy' };
  } catch {
    return { args: FALLBACK_ARGS, from: 'built-in copy (test/browser/chromium.ts unreadable)' };
  }
}

export function chromiumPath() {
  return process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;
}

/** Wait until the app's engine reports ready (90 s at most) and return the status text. */
export async function waitForEngineReady(page) {
  const status = page.getByRole('status', { name: 'Engine status' });
  try {
    await status.filter({ hasText: /Engine ready/ }).waitFor({ timeout: 90_000 });
  } catch {
    throw new Error(`The engine did not become ready within 90 s (status: "${(await status.textContent().catch(() => '?'))?.trim()}")`);
  }
  return ((await status.textContent()) ?? '').trim();
}

export async function launchChromium(root) {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(
      `No Chromium at ${executablePath}. Install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH; ` +
        'or run with --skip-browser for the native figures only.',
    );
  }
  let chromium;
  try {
    ({ chromium } = await import('@playwright/test'));
  } catch (error) {
    throw new Error(`@playwright/test is not installed (npm install): ${error.message}`);
  }
  const { args, from } = chromiumArgs(root);
  const browser = await chromium.launch({ executablePath, headless: true, args });
  return { browser, argsFrom: from, args };
}

function procStatus(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** CPU-seconds used so far by every Chromium process (CDP SystemInfo.getProcessInfo cpuTime). */
async function chromiumCpuSeconds(browserSession) {
  try {
    const { processInfo } = await browserSession.send('SystemInfo.getProcessInfo');
    return processInfo.reduce((sum, p) => sum + (p.cpuTime ?? 0), 0);
  } catch {
    return null;
  }
}

/** Peak (VmHWM) and current (VmRSS) resident memory of the largest renderer process of a browser (CDP browser session). */
export async function rendererMemory(browserSession) {
  try {
    const { processInfo } = await browserSession.send('SystemInfo.getProcessInfo');
    const renderers = processInfo.filter((p) => p.type === 'renderer').map((p) => ({ pid: p.id, ...procStatus(p.id) })).filter((p) => Number.isFinite(p.hwm));
    if (renderers.length === 0) return null;
    return { peakBytes: Math.max(...renderers.map((r) => r.hwm)), rssBytes: Math.max(...renderers.map((r) => r.rss)), processes: renderers.length };
  } catch {
    return null;
  }
}

const FAILURE = /Import failed|Import cancelled|columns need mapping|could not start|could not be read/;

/**
 * One import in a fresh context. Returns the app's measure plus wall time and memory.
 * @param {{ browser: import('@playwright/test').Browser, url: string, files: string[], expectEvents: number, timeoutMs: number }} o
 */
export async function browserImport({ browser, url, files, expectEvents, timeoutMs }) {
  const context = await browser.newContext();
  const origin = new URL(url).origin;
  const outside = [];
  const pageErrors = [];
  context.on('request', (request) => {
    const u = request.url();
    if (!u.startsWith('blob:') && !u.startsWith('data:') && !u.startsWith(origin)) outside.push(u);
  });
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const browserSession = await browser.newBrowserCDPSession();

    await page.goto(url);
    const engineText = await waitForEngineReady(page);

    const input = page.getByLabel('Add evidence files');
    const cpuBefore = { machine: cpuJiffies(), chromium: await chromiumCpuSeconds(browserSession), node: process.cpuUsage() };
    const started = performance.now();
    await input.setInputFiles(files);
    const outcome = await page.waitForFunction(
      (failure) => {
        const entries = performance.getEntriesByName('driftline:import');
        if (entries.length > 0) return { ok: true };
        const messages = [...document.querySelectorAll('ul[aria-label="Messages"] li')].map((li) => li.textContent ?? '');
        const bad = messages.find((m) => new RegExp(failure).test(m));
        return bad ? { ok: false, message: bad, messages } : false;
      },
      FAILURE.source,
      { polling: 250, timeout: timeoutMs },
    );
    const wallMs = performance.now() - started;
    // CPU the rest of the machine used meanwhile: all busy time minus Chromium's and this Node process's own.
    const machineBusy = busySeconds(cpuBefore.machine, cpuJiffies());
    const chromiumCpu = cpuBefore.chromium === null ? null : (await chromiumCpuSeconds(browserSession)) - cpuBefore.chromium;
    const nodeCpu = Object.values(process.cpuUsage(cpuBefore.node)).reduce((a, b) => a + b, 0) / 1e6;
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    const otherCpuShare = machineBusy === null || chromiumCpu === null ? null : Math.max(0, machineBusy - chromiumCpu - nodeCpu) / ((wallMs / 1000) * cores);
    const result = await outcome.jsonValue();
    if (!result.ok) throw new Error(`The app did not import the files: ${result.message.replace(/×$/, '').trim()}`);
    const detail = await page.evaluate(() => performance.getEntriesByName('driftline:import').at(-1).detail);
    const notice = page.locator('ul[aria-label="Messages"] li').filter({ hasText: /Imported \d[\d,]* of \d[\d,]* files?/ }).last();
    await notice.waitFor({ timeout: 60_000 });
    const noticeText = ((await notice.textContent()) ?? '').replace(/×$/, '').trim();
    const m = /Imported ([\d,]+) of ([\d,]+) file/.exec(noticeText);
    const problems = [];
    if (m && m[1] !== m[2]) problems.push(`only ${m[1]} of ${m[2]} files imported`);
    if (m && Number(m[2].replaceAll(',', '')) !== files.length) problems.push(`the app saw ${m[2]} files, ${files.length} were given`);
    if (detail.events !== expectEvents) problems.push(`${detail.events} events committed, ${expectEvents} expected`);

    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name) => metrics.find((x) => x.name === name)?.value ?? null;
    const renderer = await rendererMemory(browserSession);
    await browserSession.detach().catch(() => undefined);
    return {
      detail,
      wallMs,
      chromiumCpuSeconds: chromiumCpu,
      otherCpuShare,
      engineText,
      noticeText,
      problems,
      jsHeapUsedBytes: metric('JSHeapUsedSize'),
      jsHeapTotalBytes: metric('JSHeapTotalSize'),
      rendererPeakBytes: renderer?.peakBytes ?? null,
      rendererRssBytes: renderer?.rssBytes ?? null,
      outside: [...new Set(outside)],
      pageErrors,
    };
  } finally {
    await context.close().catch(() => undefined);
  }
}
