// One run of the whole path in the built app, as a user does it: open the app in a fresh browser context, hand the files
// to "Add evidence files", and wait for the findings. Every figure comes from the app's own User Timing measures
// (driftline:import, driftline:save, driftline:analysis), read with performance.getEntriesByType('measure'), plus the
// renderer's peak memory from /proc. `npm run bench` (scripts/bench.mjs) and test/browser/bench.spec.ts both call
// runBrowserWholePath, so the benchmark's code path is exercised by the browser suite and cannot rot.
//
// Times are on the page's clock (performance.now() in the tab):
//   drop       performance.now() in the page right before setInputFiles
//   findings   end of the first driftline:analysis measure that starts after the import ended (startTime + duration)
//   saved      end of the driftline:save measure that follows the import (before or after the analysis: no order assumed)
//   shown      the Findings summary first reads "N open · …" (MutationObserver, first time in the document)
import os from 'node:os';
import { rendererMemory, waitForEngineReady } from './browser.mjs';
import { cpuWindow } from './report.mjs';

/** The stages, in the order they are printed; `key` is the field of `stages` in the result. */
export const WHOLE_PATH_STAGES = [
  { key: 'recogniseMs', label: 'recognise', optional: true },
  { key: 'parseMs', label: 'parse', optional: true },
  { key: 'loadMs', label: 'load', optional: true },
  { key: 'stageMs', label: 'stage (hand CSV files to DuckDB)', optional: true },
  { key: 'stepMs', label: 'step commits (large imports)', optional: true },
  { key: 'readMs', label: 'read (recognise + parse + load + stage + steps)' },
  { key: 'commitMs', label: 'commit' },
  { key: 'resolveMs', label: 'resolve identities' },
  { key: 'importMs', label: 'import total' },
  { key: 'detectMs', label: 'detect (whole catalogue)' },
  { key: 'persistMs', label: 'persist (snapshot to IndexedDB)' },
];

/** Messages that end a run: the import or the analysis did not happen. */
const FATAL = /Import failed|Import cancelled|columns need mapping|could not start|Analysis failed|engine stopped/;

/** In every document of the context: the moment the Findings summary first shows an analysis ("N open · …"). */
function watchFindingsShown() {
  const check = () => {
    if (window.__dlBenchShown) return;
    const text = document.querySelector('[aria-label="Findings summary"]')?.textContent ?? '';
    if (/^[\d,]+ open ·/.test(text)) {
      window.__dlBenchShown = { at: performance.now(), text };
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, characterData: true });
}

/** Page side: the app's driftline:* measures, the "shown" mark and the messages on screen. */
function pageState() {
  const measures = performance
    .getEntriesByType('measure')
    .filter((e) => e.name.startsWith('driftline:'))
    .map((e) => ({ name: e.name, startTime: e.startTime, duration: e.duration, detail: e.detail ?? null }));
  const notices = [...document.querySelectorAll('ul[aria-label="Messages"] li')].map((li) => ({
    error: li.classList.contains('notice-error'),
    text: (li.querySelector('span')?.textContent ?? li.textContent ?? '').replace(/×$/, '').trim(),
  }));
  return { measures, shown: window.__dlBenchShown ?? null, notices, now: performance.now() };
}

/**
 * Pick the measures of the import started at `dropAt`: the import, the save that follows it, the analysis that follows
 * it. Rounding: the app computes an import's start as now − totalMs (whole ms), hence the 5 ms slack.
 */
function pickMeasures(measures, dropAt) {
  const slack = 5;
  const imp = measures.find((m) => m.name === 'driftline:import' && m.startTime >= dropAt - slack) ?? null;
  if (!imp) return { import: null, save: null, analysis: null };
  const importEnd = imp.startTime + imp.duration;
  const after = (name) => measures.find((m) => m.name === name && m.startTime >= importEnd - slack) ?? null;
  return { import: imp, save: after('driftline:save'), analysis: after('driftline:analysis') };
}

/** Length of the union of intervals [start, end], each clipped to [from, to]. */
function unionLength(intervals, from, to) {
  const clipped = intervals
    .map(([a, b]) => [Math.max(a, from), Math.min(b, to)])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of clipped) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

const num = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/**
 * The run's figures from the three measures.
 * @returns {{ stages: Record<string, number|null>, dropToImportMs: number|null, dropToFindingsMs: number|null, dropToSavedMs: number|null, betweenMs: number|null, order: string|null }}
 */
function wholePathFigures({ import: imp, save, analysis }, dropAt) {
  const d = imp?.detail ?? {};
  const stages = {
    recogniseMs: num(d.recogniseMs),
    parseMs: num(d.parseMs),
    loadMs: num(d.loadMs),
    stageMs: num(d.stageMs),
    stepMs: num(d.stepMs),
    readMs: num(d.readMs),
    commitMs: num(d.commitMs),
    resolveMs: num(d.resolveMs),
    importMs: num(d.totalMs) ?? num(imp?.duration),
    detectMs: num(analysis?.detail?.totalMs) ?? num(analysis?.duration),
    persistMs: num(save?.duration),
  };
  const end = (m) => (m ? m.startTime + m.duration : null);
  const findingsAt = end(analysis);
  const savedAt = end(save);
  const dropToFindingsMs = findingsAt === null ? null : findingsAt - dropAt;
  // Time inside drop → findings that no measured stage covers: handing the files over, keeping the originals, the UI.
  const betweenMs =
    findingsAt === null
      ? null
      : dropToFindingsMs - unionLength([imp, save, analysis].filter(Boolean).map((m) => [m.startTime, m.startTime + m.duration]), dropAt, findingsAt);
  let order = null;
  if (save && analysis) order = savedAt <= analysis.startTime ? 'save, then analysis' : findingsAt <= save.startTime ? 'analysis, then save' : 'save and analysis overlap';
  return {
    stages,
    dropToImportMs: imp ? imp.startTime - dropAt : null,
    dropToFindingsMs,
    dropToSavedMs: savedAt === null ? null : savedAt - dropAt,
    betweenMs,
    order,
  };
}

/**
 * One drop → findings run in the built app.
 * @param {object} o
 * @param {import('@playwright/test').BrowserContext} [o.context] a fresh context (the caller owns and closes it)
 * @param {import('@playwright/test').Browser} [o.browser] without `context`: a fresh context is made here and closed
 * @param {string} o.url the app's address
 * @param {string[]} o.files paths handed to "Add evidence files", all at once
 * @param {number} [o.expectEvents] events the import should commit (a mismatch is listed in `problems`)
 * @param {number} [o.timeoutMs] from the drop to findings and save (default 10 minutes)
 * Throws when the app cannot be opened or the wait times out; a failure the app reports itself (import or analysis
 * failed) comes back as `failure`, with the figures measured before it.
 */
export async function runBrowserWholePath({ context, browser, url, files, expectEvents, timeoutMs = 600_000 }) {
  const own = !context;
  if (own) {
    if (!browser) throw new Error('runBrowserWholePath needs a browser context or a browser');
    context = await browser.newContext();
  }
  const origin = new URL(url).origin;
  const outside = [];
  const pageErrors = [];
  const onRequest = (request) => {
    const u = request.url();
    if (!u.startsWith('blob:') && !u.startsWith('data:') && !u.startsWith(origin)) outside.push(u);
  };
  context.on('request', onRequest);
  const browserSession = await (context.browser() ?? browser)?.newBrowserCDPSession().catch(() => null);
  try {
    await context.addInitScript(watchFindingsShown);
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${url}#/findings`);
    const engineText = await waitForEngineReady(page);
    const input = page.getByLabel('Add evidence files');
    await input.waitFor({ state: 'attached' });

    const cpu = cpuWindow();
    const started = performance.now();
    const dropAt = await page.evaluate(() => performance.now());
    await input.setInputFiles(files);
    // Done: import, analysis and save measured; or the save failed (its error message) once import and analysis are in.
    const handle = await page.waitForFunction(
      ({ dropAt, fatal }) => {
        const slack = 5;
        const all = performance.getEntriesByType('measure');
        const imp = all.find((m) => m.name === 'driftline:import' && m.startTime >= dropAt - slack);
        const texts = [...document.querySelectorAll('ul[aria-label="Messages"] li')].map((li) => (li.textContent ?? '').replace(/×$/, '').trim());
        const bad = texts.find((t) => new RegExp(fatal).test(t));
        if (bad) return { ok: false, message: bad };
        const alert = document.querySelector('.findings-view [role="alert"]')?.textContent;
        if (alert) return { ok: false, message: `Analysis: ${alert}` };
        if (!imp) return false;
        const end = imp.startTime + imp.duration - slack;
        const analysed = all.some((m) => m.name === 'driftline:analysis' && m.startTime >= end);
        const saved = all.some((m) => m.name === 'driftline:save' && m.startTime >= end);
        const saveFailed = [...document.querySelectorAll('ul[aria-label="Messages"] li.notice-error')].some((li) => /not saved|could not be saved/i.test(li.textContent ?? ''));
        return analysed && (saved || saveFailed) ? { ok: true } : false;
      },
      { dropAt, fatal: FATAL.source },
      { polling: 100, timeout: timeoutMs },
    );
    const outcome = await handle.jsonValue();
    const wallMs = performance.now() - started;
    const share = cpu.share();
    // A failure the app reported (import or analysis) is returned with what was measured up to it, not thrown.
    const failure = outcome.ok ? null : `the app reported: ${outcome.message}`;
    // The queue renders right after the analysis measure; give React its turn before reading "shown".
    if (!failure) await page.waitForFunction(() => window.__dlBenchShown, null, { polling: 50, timeout: 10_000 }).catch(() => undefined);
    const state = await page.evaluate(pageState);

    const picked = pickMeasures(state.measures, dropAt);
    const figures = wholePathFigures(picked, dropAt);
    const d = picked.import?.detail ?? {};
    const problems = failure ? [failure] : [];
    if (!picked.save && !failure) problems.push('no driftline:save measure after the import (the save failed: see notices)');
    if (typeof expectEvents === 'number' && d.events !== expectEvents) problems.push(`${d.events} events committed, ${expectEvents} expected`);
    const imported = state.notices.find((n) => /Imported \d[\d,]* of \d[\d,]* files?/.test(n.text))?.text ?? null;
    const m = imported && /Imported ([\d,]+) of ([\d,]+) file/.exec(imported);
    if (m && m[1] !== m[2]) problems.push(`only ${m[1]} of ${m[2]} files imported`);
    if (m && Number(m[2].replaceAll(',', '')) !== files.length) problems.push(`the app saw ${m[2]} files, ${files.length} were given`);
    for (const n of state.notices.filter((x) => x.error && !failure?.includes(x.text))) problems.push(`error message: ${n.text}`);

    const cdp = await context.newCDPSession(page).catch(() => null);
    const metrics = cdp ? ((await cdp.send('Performance.enable').then(() => cdp.send('Performance.getMetrics')).catch(() => null))?.metrics ?? []) : [];
    const jsHeapUsedBytes = metrics.find((x) => x.name === 'JSHeapUsedSize')?.value ?? null;
    await cdp?.detach().catch(() => undefined);
    const renderer = browserSession ? await rendererMemory(browserSession) : null;
    const cores = os.availableParallelism?.() ?? os.cpus().length;

    return {
      failure,
      events: d.events ?? null,
      files: d.files ?? null,
      bytes: d.bytes ?? null,
      findings: picked.analysis?.detail?.findings ?? null,
      ...figures,
      dropToShownMs: state.shown ? state.shown.at - dropAt : null,
      eventsPerSec: d.events && figures.dropToFindingsMs ? (d.events / figures.dropToFindingsMs) * 1000 : null,
      duckdbBytes: d.duckdbBytes ?? null,
      // DuckDB-WASM's linear memory (it never shrinks): after the import, and its high-water mark once saved.
      heapAfterImportBytes: num(d.heapBytes),
      heapBytes: Math.max(num(d.heapBytes) ?? 0, num(picked.save?.detail?.heapBytes) ?? 0) || null,
      savedBytes: picked.save?.detail?.bytes ?? null,
      rendererPeakBytes: renderer?.peakBytes ?? null,
      rendererRssBytes: renderer?.rssBytes ?? null,
      rendererProcesses: renderer?.processes ?? null,
      jsHeapUsedBytes,
      wallMs,
      otherCpuShare: share.other,
      ourCpuShare: share.ours === null ? null : share.ours / (share.wallS * cores),
      engineText,
      notice: imported,
      notices: state.notices.map((n) => n.text),
      measures: picked,
      problems,
      outside: [...new Set(outside)],
      pageErrors,
    };
  } finally {
    context.off('request', onRequest);
    await browserSession?.detach().catch(() => undefined);
    if (own) await context.close().catch(() => undefined);
  }
}
