// The findings-queue measurements, shared by `npm run bench:queue` (100,000 findings, several runs, printed against the
// goal) and test/browser/queue-bench.spec.ts (a few thousand findings, one run, asserting only that numbers came out), so
// the harness cannot rot unnoticed.
//
// Every figure is taken inside the page, from the user's input to the frame after the result is on screen:
//   filter    the first input/change event of a control → the app's `driftline:queue-filter` measure (emitted once the
//             rows for that filter are committed) → the next animation frame (+ a task, so the frame has been produced)
//   scroll    scrollTop set (a jump to the middle / the end / the top) → the row of that position in the DOM → next frame;
//             and a programmatic smooth scroll (a constant number of pixels per animation frame for ~2 s), reporting the
//             frames dropped (requestAnimationFrame deltas beyond one frame interval) and the longest frame
//   keyboard  keydown of j / k → the next row marked aria-selected in the DOM → next frame
//   bulk      click on "Apply to N selected" for N rows selected (click the first, Shift+click the N-th) → the app's
//             `driftline:bulk-triage` measure (stored in IndexedDB and in the store) → the rows re-rendered → next frame
// Nothing here is a finding or a fake result: the queue holds what the app's analysis produced from the evidence.

/** Installed once in the page: arm a probe, let Playwright act as a user, then collect the in-page timings. */
function installProbe() {
  if (window.__dlq) return;
  const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0)));
  const probe = {
    t0: null,
    armed: false,
    arm() {
      this.t0 = null;
      this.armed = true;
    },
    mark() {
      if (this.armed && this.t0 === null) this.t0 = performance.now();
    },
    /** Resolve when a new User Timing measure `name` (started at or after the input) exists; then wait for a frame. */
    async measure(name, seen, timeoutMs) {
      const started = performance.now();
      for (;;) {
        const entries = performance.getEntriesByName(name);
        const entry = entries.length > seen ? entries.at(-1) : null;
        if (entry && this.t0 !== null) {
          const painted = await nextFrame();
          this.armed = false;
          return { ms: painted - this.t0, appMs: entry.duration, detail: entry.detail ?? null };
        }
        if (performance.now() - started > timeoutMs) throw new Error(`no ${name} measure within ${timeoutMs} ms (input seen: ${this.t0 !== null})`);
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    },
    /** Resolve when `test()` holds in the DOM (checked on every mutation), then wait for a frame. */
    async until(test, timeoutMs, root = document) {
      const start = this.t0 ?? performance.now();
      this.armed = false;
      if (!test()) {
        await new Promise((resolve, reject) => {
          const observer = new MutationObserver(() => {
            if (test()) {
              observer.disconnect();
              clearTimeout(timer);
              resolve();
            }
          });
          const timer = setTimeout(() => {
            observer.disconnect();
            reject(new Error(`the queue did not reach the expected state within ${timeoutMs} ms`));
          }, timeoutMs);
          observer.observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
        });
      }
      const painted = await nextFrame();
      this.armed = false;
      return { ms: painted - start };
    },
    queue: () => document.querySelector('.findings-view .queue'),
    row: (index) => document.querySelector(`table[aria-label="Findings queue"] tr[aria-rowindex="${index + 2}"]`),
    shown() {
      const text = document.querySelector('[aria-label="Queue status"]')?.textContent ?? '';
      return Number((/^([\d,]+) finding/.exec(text)?.[1] ?? '-1').replaceAll(',', ''));
    },
    /** Jump: scrollTop so that row `index` is at the top of the viewport; resolve when that row is rendered. */
    async jump(index, timeoutMs) {
      const queue = this.queue();
      this.t0 = performance.now();
      this.armed = true;
      queue.scrollTop = index * 34;
      return this.until(() => this.row(index) !== null, timeoutMs, queue);
    },
    /** Smooth programmatic scroll: `px` per animation frame for `ms`; rAF deltas tell the frames dropped. */
    async smooth(px, ms) {
      const queue = this.queue();
      queue.scrollTop = 0;
      await nextFrame();
      const deltas = [];
      await new Promise((resolve) => {
        let last = null;
        let first = null;
        const step = (t) => {
          if (last !== null) deltas.push(t - last);
          last = t;
          first ??= t;
          queue.scrollTop += px;
          if (t - first < ms && queue.scrollTop + queue.clientHeight < queue.scrollHeight) requestAnimationFrame(step);
          else resolve();
        };
        requestAnimationFrame(step);
      });
      const sorted = [...deltas].sort((a, b) => a - b);
      const interval = sorted[Math.floor(sorted.length / 2)] ?? 16.7; // the display's frame interval: the median delta
      const dropped = deltas.reduce((n, d) => n + Math.max(0, Math.round(d / interval) - 1), 0);
      return { frames: deltas.length, dropped, longestMs: sorted.at(-1) ?? null, intervalMs: interval, scrolledPx: queue.scrollTop };
    },
    activeIndex() {
      const row = document.querySelector('table[aria-label="Findings queue"] tr[aria-selected="true"]');
      return row ? Number(row.getAttribute('aria-rowindex')) - 2 : -1;
    },
  };
  window.__dlq = probe;
  for (const type of ['input', 'change', 'keydown', 'click']) document.addEventListener(type, () => probe.mark(), true);
}

const countOf = (page, name) => page.evaluate((n) => performance.getEntriesByName(n).length, name);

/** Import evidence files through "Add evidence files" on the Findings view and wait for the analysed queue. */
export async function importQueueEvidence(page, files, { timeoutMs = 600_000 } = {}) {
  const status = page.getByRole('status', { name: 'Engine status' });
  await status.filter({ hasText: /Engine ready/ }).waitFor({ timeout: 120_000 });
  const nav = page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Findings' });
  await nav.click();
  const seen = await countOf(page, 'driftline:analysis');
  await page.getByLabel('Add evidence files').setInputFiles(files);
  await page.waitForFunction((n) => performance.getEntriesByName('driftline:analysis').length > n, seen, { timeout: timeoutMs, polling: 250 });
  const analysis = await page.evaluate(() => {
    const m = performance.getEntriesByName('driftline:analysis').at(-1);
    return { ms: m.duration, findings: m.detail?.findings ?? null };
  });
  const imported = await page.evaluate(() => performance.getEntriesByName('driftline:import').at(-1)?.detail ?? null);
  // The queue is usable when its status counts the open findings.
  await page.waitForFunction(() => /^[\d,]+ findings? shown/.test(document.querySelector('[aria-label="Queue status"]')?.textContent ?? '') && document.querySelector('table[aria-label="Findings queue"] tr[aria-rowindex="2"]'), null, { timeout: 120_000 });
  return { analysisMs: analysis.ms, findings: analysis.findings, events: imported?.events ?? null };
}

/** Names of the measures, in print order. */
export const QUEUE_MEASURES = [
  'severity → one', 'severity → any', 'status → any', 'status → open', 'detection → one', 'detection → any',
  'identity text → typed', 'identity text → cleared', 'time range → from', 'time range → cleared', 'group by identity → on',
  'group by identity → off', 'sort → last seen', 'sort → risk',
  'scroll jump → middle', 'scroll jump → end', 'scroll jump → top', 'smooth scroll: frames dropped', 'smooth scroll: longest frame',
  'key j', 'key k', 'bulk triage',
];
/** Which measures the 200 ms filter goal applies to. */
export const FILTER_MEASURES = QUEUE_MEASURES.filter((n) => n.includes('→') && !n.startsWith('scroll'));

/**
 * Measure the queue on the page (the Findings view with an analysed workspace). Returns
 * { shown, findings, measures: { name: number[] }, details: {...} } with one value per run for every name of QUEUE_MEASURES.
 * @param {import('@playwright/test').Page} page
 * @param {{ runs?: number, bulk?: number, keys?: number, text?: string, log?: (s: string) => void, timeoutMs?: number }} o
 */
export async function measureQueue(page, { runs = 3, bulk = 1000, keys = 6, text = 'payments', log = () => {}, timeoutMs = 60_000 } = {}) {
  await page.evaluate(installProbe);
  const measures = Object.fromEntries(QUEUE_MEASURES.map((n) => [n, []]));
  const details = { smooth: [], bulk: [] };
  const filters = page.getByRole('search', { name: 'Filter findings' });
  const queueEl = page.getByLabel('Findings queue, use j and k to move');

  /** One user action on a filter control, timed from its input event to the frame after the filtered rows. */
  const filterStep = async (name, act) => {
    const seen = await countOf(page, 'driftline:queue-filter');
    await page.evaluate(() => window.__dlq.arm());
    await act();
    const r = await page.evaluate(([n, t]) => window.__dlq.measure('driftline:queue-filter', n, t), [seen, timeoutMs]);
    // The table shows what the status counts.
    const shown = await page.evaluate(() => window.__dlq.shown());
    if (r.detail && shown !== r.detail.shown) throw new Error(`${name}: the queue status shows ${shown} findings, the app measured ${r.detail.shown}`);
    measures[name].push(r.ms);
    return { ...r, shown };
  };
  // By role and accessible name (a label's text content also holds the options of the select it wraps).
  const select = (name) => filters.getByRole('combobox', { name, exact: true });
  const firstOption = async (name) =>
    select(name).evaluate((el) => [...el.options].map((o) => o.value).find((v) => v !== '') ?? '');

  const base = await page.evaluate(() => window.__dlq.shown());
  // The time filter's day: two days before the most recent "Last seen" of the queue (risk order, so read it from the data).
  const lastSeen = await page.evaluate(() => document.querySelector('table[aria-label="Findings queue"] tr[aria-rowindex="2"] td:last-child')?.textContent ?? '');
  const day = /^\d{4}-\d{2}-\d{2}/.test(lastSeen) ? new Date(Date.parse(lastSeen.slice(0, 10)) - 2 * 86_400_000).toISOString().slice(0, 10) : '2026-01-01';

  for (let run = 1; run <= runs; run++) {
    const line = [];
    const severity = await firstOption('Severity');
    await filterStep('severity → one', () => select('Severity').selectOption(severity));
    await filterStep('severity → any', () => select('Severity').selectOption(''));
    await filterStep('status → any', () => select('Detection status').selectOption(''));
    await filterStep('status → open', () => select('Detection status').selectOption('open'));
    const detection = await firstOption('Detection');
    await filterStep('detection → one', () => select('Detection').selectOption(detection));
    await filterStep('detection → any', () => select('Detection').selectOption(''));
    await filterStep('identity text → typed', () => filters.getByRole('searchbox', { name: 'Identity, subject' }).fill(text));
    await filterStep('identity text → cleared', () => filters.getByRole('searchbox', { name: 'Identity, subject' }).fill(''));
    await filterStep('time range → from', () => filters.getByLabel('Seen from (UTC)', { exact: true }).fill(day));
    await filterStep('time range → cleared', () => filters.getByLabel('Seen from (UTC)', { exact: true }).fill(''));
    await filterStep('group by identity → on', () => filters.getByRole('checkbox', { name: 'Group by identity' }).check());
    await filterStep('group by identity → off', () => filters.getByRole('checkbox', { name: 'Group by identity' }).uncheck());
    await filterStep('sort → last seen', () => select('Sort by').selectOption('last_seen'));
    await filterStep('sort → risk', () => select('Sort by').selectOption('risk'));
    line.push(`filters ${FILTER_MEASURES.map((n) => Math.round(measures[n].at(-1))).join('/')} ms`);

    const shown = await page.evaluate(() => window.__dlq.shown());
    for (const [name, index] of [['scroll jump → middle', Math.floor(shown / 2)], ['scroll jump → end', shown - 1], ['scroll jump → top', 0]]) {
      const r = await page.evaluate(([i, t]) => window.__dlq.jump(i, t), [index, timeoutMs]);
      measures[name].push(r.ms);
    }
    const smooth = await page.evaluate(() => window.__dlq.smooth(40, 2000));
    measures['smooth scroll: frames dropped'].push(smooth.dropped);
    measures['smooth scroll: longest frame'].push(smooth.longestMs);
    details.smooth.push(smooth);
    line.push(`jumps ${['middle', 'end', 'top'].map((w) => Math.round(measures[`scroll jump → ${w}`].at(-1))).join('/')} ms, smooth ${smooth.dropped} of ${smooth.frames} frames dropped`);

    // Keyboard: from the top, j then k, each press timed to the next row marked selected.
    await page.evaluate(() => window.__dlq.jump(0, 10_000));
    await queueEl.focus();
    for (let k = 0; k < keys; k++) {
      const key = k < keys / 2 ? 'j' : 'k';
      const before = await page.evaluate(() => window.__dlq.activeIndex());
      const target = key === 'j' ? before + 1 : Math.max(0, before - 1);
      await page.evaluate(() => window.__dlq.arm());
      await page.keyboard.press(key);
      const r = await page.evaluate(([i, t]) => window.__dlq.until(() => window.__dlq.activeIndex() === i, t), [target, timeoutMs]);
      measures[`key ${key}`].push(r.ms);
    }
    line.push(`j ${Math.round(measures['key j'].at(-1))} ms, k ${Math.round(measures['key k'].at(-1))} ms`);

    // Bulk triage: select rows 0…bulk-1 (click the first, Shift+click the last), apply a status they do not have yet.
    const n = Math.min(bulk, shown);
    await page.evaluate(() => window.__dlq.jump(0, 10_000));
    const rowBox = (i) => page.locator(`table[aria-label="Findings queue"] tr[aria-rowindex="${i + 2}"] input[type="checkbox"]`);
    await rowBox(0).check();
    await page.evaluate(([i, t]) => window.__dlq.jump(Math.max(0, i - 3), t), [n - 1, timeoutMs]);
    await rowBox(n - 1).click({ modifiers: ['Shift'] });
    await page.getByRole('button', { name: new RegExp(`^Apply to ${n.toLocaleString('en-US')} selected$`) }).waitFor({ timeout: timeoutMs });
    const status = run % 2 ? 'escalated' : 'investigating';
    const label = status === 'escalated' ? 'Escalated' : 'Investigating';
    await page.getByRole('combobox', { name: 'Set selected to', exact: true }).selectOption(status);
    const seenBulk = await countOf(page, 'driftline:bulk-triage');
    await page.evaluate(() => window.__dlq.arm());
    await page.getByRole('button', { name: /^Apply to [\d,]+ selected$/ }).click();
    const stored = await page.evaluate(([s, t]) => window.__dlq.measure('driftline:bulk-triage', s, t), [seenBulk, timeoutMs]);
    // …and the last selected row, on screen, reads the new status (timed from the same click).
    const onScreen = await page.evaluate(([i, l, t]) => window.__dlq.until(() => (window.__dlq.row(i)?.textContent ?? '').includes(l), t), [n - 1, label, timeoutMs]);
    measures['bulk triage'].push(Math.max(stored.ms, onScreen.ms));
    details.bulk.push({ selected: n, status, storedMs: stored.appMs, findings: stored.detail?.findings ?? null });
    // Clear the selection: "Select all shown" (checks all), then again (clears).
    const all = page.getByLabel('Select all shown findings');
    await all.click();
    await all.click();
    line.push(`bulk triage of ${n.toLocaleString('en-US')} ${Math.round(stored.ms)} ms`);
    log(`  run ${run}: ${line.join('; ')}`);
  }
  return { shown: base, measures, details };
}
