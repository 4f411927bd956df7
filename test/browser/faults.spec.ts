// Faults in the real tab: a reload or a closed tab during an import and during the analysis, Cancel at every stage, a
// full disk (quota shrunk through the DevTools protocol), and a worker dying in the middle of an import. After each,
// the workspace is asserted: the evidence it holds, that it survives a reload, and the message that says what happened.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page, Worker } from '@playwright/test';
import { engineReady, expect, runInConsole, test } from './fixtures';

const SAMPLE_EVENTS = 15_097;

/** Synthetic CloudTrail NDJSON on disk (as a user's file would be), large enough that each stage can be interrupted. */
function trailFile(name: string, events: number, tag: string): string {
  const lines: string[] = [];
  const t0 = Date.UTC(2026, 2, 1);
  for (let i = 0; i < events; i++) {
    lines.push(
      JSON.stringify({
        eventVersion: '1.08',
        userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::123456789012:user/${tag}-${i % 40}`, accountId: '123456789012', accessKeyId: `AKIA${tag.toUpperCase()}${i % 40}` },
        eventTime: new Date(t0 + i * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        eventSource: 's3.amazonaws.com',
        eventName: i % 7 === 0 ? 'PutObject' : 'GetObject',
        awsRegion: 'us-east-1',
        sourceIPAddress: `10.2.${i % 200}.${i % 250}`,
        userAgent: 'aws-sdk-go/1.44',
        requestParameters: { bucketName: `bucket-${i % 25}`, key: `objects/${i}.csv` },
        eventID: `${tag}-${i}`,
        readOnly: i % 7 !== 0,
        eventType: 'AwsApiCall',
      }),
    );
  }
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'driftline-faults-')), name);
  writeFileSync(file, lines.join('\n'));
  return file;
}

/** One large file per test worker: about 14 s to read, 3 s to commit, 3 s to save, 2 s to analyse on the CI machine. */
// Below the import's commit step (STEP_EVENTS, 200k): all of it is committed in the one final commit, whose stage the
// tests catch on screen.
const BIG_EVENTS = 150_000;
let bigFile: string | null = null;
const big = () => (bigFile ??= trailFile('big-trail.ndjson', BIG_EVENTS, 'big'));

const summaryOf = (page: Page) => page.getByText(/\d[\d,]* files · [\d,]+ events/);
const fmt = (n: number) => n.toLocaleString('en-US');

async function openSample(page: Page): Promise<string> {
  await engineReady(page);
  await page.getByRole('link', { name: 'Evidence' }).click();
  await page.getByRole('button', { name: 'Open sample workspace' }).click();
  await page.getByRole('link', { name: 'Findings' }).click();
  await expect(page.getByRole('status', { name: 'Findings summary' })).toContainText(/\d+ open/, { timeout: 90_000 });
  await page.getByRole('link', { name: 'Evidence' }).click();
  await expect(summaryOf(page)).toContainText(`${fmt(SAMPLE_EVENTS)} events`);
  return (await summaryOf(page).textContent())!;
}


const bar = (page: Page, name: string) => page.getByRole('progressbar', { name });
const findingsSummary = (page: Page) => page.getByRole('status', { name: 'Findings summary' });

/** Start importing the big file and wait until the given stage is on screen. */
async function importUntil(page: Page, stage: 'Importing evidence' | 'Committing import' | 'Saving workspace' | 'Analysing') {
  await page.getByRole('link', { name: 'Evidence' }).click();
  await page.getByLabel('Add evidence files').setInputFiles(big());
  await expect(bar(page, stage)).toBeVisible({ timeout: 120_000 });
}

/** Rows of one query in the console, as text of its first cell. */
async function scalar(page: Page, sql: string): Promise<string> {
  const grid = await runInConsole(page, sql);
  await expect(grid).toBeVisible();
  return (await grid.getByRole('cell').first().textContent()) ?? '';
}

/** The workspace holds exactly the sample (plus `extra` events from the big file), no staging leftovers, findings. */
async function expectWorkspace(page: Page, opts: { withBig: boolean; before: string }) {
  // Whatever was still running (save, analysis, restore of the events) has ended: a reload after this point tests the
  // stored state, not a save cut short.
  await expect(page.getByRole('progressbar')).toHaveCount(0, { timeout: 180_000 });
  await page.getByRole('link', { name: 'Evidence' }).click();
  if (opts.withBig) {
    await expect(summaryOf(page)).toContainText(`${fmt(SAMPLE_EVENTS + BIG_EVENTS)} events`, { timeout: 90_000 });
    await expect(page.getByRole('row', { name: /big-trail\.ndjson/ })).toHaveCount(1);
  } else {
    await expect(summaryOf(page)).toHaveText(opts.before, { timeout: 90_000 });
    await expect(page.getByRole('row', { name: /big-trail\.ndjson/ })).toHaveCount(0);
  }
  expect(await scalar(page, "SELECT count(*) || ' events, ' || (SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'stg_%') || ' staging' FROM events")).toBe(
    `${opts.withBig ? SAMPLE_EVENTS + BIG_EVENTS : SAMPLE_EVENTS} events, 0 staging`,
  );
  await page.getByRole('link', { name: 'Findings' }).click();
  await expect(findingsSummary(page)).toContainText(/[1-9][\d,]* open/, { timeout: 90_000 });
}

/** The workspace as the next visit finds it: a reload of the same tab. */
async function afterReload(page: Page, opts: { withBig: boolean; before: string }) {
  await page.reload();
  await engineReady(page);
  await expectWorkspace(page, opts);
}

test.describe('reload and tab close', () => {
  test('a reload before the import is saved (its analysis running first) comes back as before the import', async ({ app }) => {
    test.setTimeout(240_000);
    const before = await openSample(app);
    await importUntil(app, 'Saving workspace');
    await app.reload();
    await engineReady(app);
    await expectWorkspace(app, { withBig: false, before });
  });

  test('a reload once the import is saved keeps it, and the findings are computed again', async ({ app }) => {
    test.setTimeout(240_000);
    const before = await openSample(app);
    await importUntil(app, 'Analysing');
    // The save follows the analysis: once its bar is gone the snapshot holds the import.
    await expect(bar(app, 'Saving workspace')).toBeHidden({ timeout: 120_000 });
    await app.reload();
    await engineReady(app);
    await expectWorkspace(app, { withBig: true, before });
  });

  test('closing the tab during an import: the next tab finds the workspace as it was before that import', async ({ app, context, server }) => {
    test.setTimeout(240_000);
    const before = await openSample(app);
    await importUntil(app, 'Importing evidence');
    await expect(bar(app, 'Importing evidence')).toHaveAttribute('aria-valuetext', /[1-9][\d,]* rows/, { timeout: 60_000 });
    await app.close({ runBeforeUnload: true });
    const next = await context.newPage();
    await next.goto(server.url);
    await engineReady(next);
    // The closed tab's lock went with it: this tab owns the workspace (not read-only).
    await expect(next.getByRole('button', { name: /^Workspace: My first workspace$/ })).toBeVisible({ timeout: 30_000 });
    await expectWorkspace(next, { withBig: false, before });
  });

  test('closing the tab after the save: the next tab finds the import and its findings', async ({ app, context, server }) => {
    test.setTimeout(240_000);
    const before = await openSample(app);
    await importUntil(app, 'Analysing');
    await expect(bar(app, 'Saving workspace')).toBeHidden({ timeout: 120_000 });
    await app.close({ runBeforeUnload: true });
    const next = await context.newPage();
    await next.goto(server.url);
    await engineReady(next);
    await expect(next.getByRole('button', { name: /^Workspace: My first workspace$/ })).toBeVisible({ timeout: 30_000 });
    await expectWorkspace(next, { withBig: true, before });
  });
});

test.describe('Cancel at every stage', () => {
  test('while reading: nothing is added, the message names the stage', async ({ app }) => {
    test.setTimeout(240_000);
    const before = await openSample(app);
    await importUntil(app, 'Importing evidence');
    await app.getByRole('button', { name: 'Cancel import' }).click();
    await expect(app.getByText('Import cancelled: the workspace is as it was before (stopped while reading the files).')).toBeVisible({ timeout: 20_000 });
    await expect(bar(app, 'Importing evidence')).toBeHidden();
    await expectWorkspace(app, { withBig: false, before });
    await afterReload(app, { withBig: false, before });
  });

  test('while committing: the stage says it cannot be cancelled, offers no Cancel, and adds all of the import', async ({ app }) => {
    test.setTimeout(240_000);
    const before = await openSample(app);
    // The commit can be over in a second: the page notes what the stage showed, at every change while it is on screen,
    // rather than the test polling for it (a poll can fall before and after it).
    await app.evaluate(() => {
      const COMMIT_NOTE_TEXT = 'This step cannot be cancelled: it adds all of the import at once, or nothing.';
      const seen: { note: boolean; cancel: boolean }[] = [];
      (window as unknown as { __commitSeen: typeof seen }).__commitSeen = seen;
      const look = () => {
        const stage = document.querySelector('[role="progressbar"][aria-label="Committing import"]')?.closest('.progress');
        if (!stage) return;
        const buttons = [...document.querySelectorAll('button')].map((b) => (b.getAttribute('aria-label') ?? b.textContent ?? '').trim());
        seen.push({ note: (stage.textContent ?? '').includes(COMMIT_NOTE_TEXT), cancel: buttons.some((name) => /^Cancel/.test(name)) });
      };
      new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await app.getByRole('link', { name: 'Evidence' }).click();
    await app.getByLabel('Add evidence files').setInputFiles(big());
    await expect(app.getByText(`Imported 1 of 1 file (picked): ${fmt(BIG_EVENTS)} events`)).toBeVisible({ timeout: 120_000 });
    const seen = await app.evaluate(() => (window as unknown as { __commitSeen: { note: boolean; cancel: boolean }[] }).__commitSeen);
    // The stage was on screen, always with its note and never with a Cancel button.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.note && !s.cancel), JSON.stringify(seen.slice(0, 5))).toBe(true);
    await expectWorkspace(app, { withBig: true, before });
    await afterReload(app, { withBig: true, before });
  });

  test('while saving: the whole import is undone, nothing new is stored', async ({ app }) => {
    test.setTimeout(240_000);
    const before = await openSample(app);
    await importUntil(app, 'Saving workspace');
    await expect(app.getByText('Cancel now undoes the whole import.')).toBeVisible();
    await app.getByRole('button', { name: 'Cancel import' }).click();
    await expect(app.getByText('Import cancelled: the workspace is as it was before (stopped while saving, nothing was kept).')).toBeVisible({ timeout: 60_000 });
    await expect(app.getByRole('progressbar')).toHaveCount(0, { timeout: 60_000 });
    await expectWorkspace(app, { withBig: false, before });
    // Nothing was half-stored either: one snapshot's worth of events in the workspace list.
    await app.getByRole('button', { name: /^Workspace:/ }).click();
    const dialog = app.getByRole('dialog', { name: 'Workspaces' });
    await expect(dialog).toContainText(fmt(SAMPLE_EVENTS));
    await expect(dialog).not.toContainText(fmt(SAMPLE_EVENTS + BIG_EVENTS));
    await app.keyboard.press('Escape');
    await afterReload(app, { withBig: false, before });
  });

  test('while analysing: the import stays, the findings are marked out of date until the analysis runs again', async ({ app }) => {
    test.setTimeout(240_000);
    const before = await openSample(app);
    await importUntil(app, 'Analysing');
    await app.getByRole('button', { name: 'Cancel analysis' }).click();
    await expect(app.getByText('Analysis cancelled: the findings shown are from the previous analysis and may not include the latest evidence.')).toBeVisible({ timeout: 20_000 });
    await expect(app.getByRole('progressbar')).toHaveCount(0);
    await app.getByRole('link', { name: 'Findings' }).click();
    await expect(app.getByText('The last analysis was cancelled: these findings may not include the latest evidence.')).toBeVisible();
    await expect(findingsSummary(app)).toContainText(/[1-9][\d,]* open/);
    await app.getByRole('button', { name: 'Run analysis' }).click();
    await expect(app.getByText('The last analysis was cancelled')).toBeHidden({ timeout: 90_000 });
    await expectWorkspace(app, { withBig: true, before });
    await afterReload(app, { withBig: true, before });
  });
});

/** Write 200 KB to a scratch database of the app's origin: 'ok', or the name of the error that refused it. */
function probeWrite(): Promise<string> {
  return new Promise((resolve) => {
    const open = indexedDB.open('driftline-quota-probe', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('s');
    open.onerror = () => resolve(open.error?.name ?? 'error');
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('s', 'readwrite');
      tx.objectStore('s').put(new Uint8Array(200_000).map((_, i) => (i * 7919) % 251), 'k');
      tx.oncomplete = () => {
        db.close();
        indexedDB.deleteDatabase('driftline-quota-probe');
        resolve('ok');
      };
      tx.onabort = () => {
        db.close();
        resolve(tx.error?.name ?? 'aborted');
      };
    };
  });
}

test('a full disk (quota shrunk through the DevTools protocol): the save fails in plain words, the saved state stays, Save again works once there is room', async ({ app, server }) => {
  test.setTimeout(300_000);
  const before = await openSample(app);
  const origin = new URL(server.url).origin;
  const cdp = await app.context().newCDPSession(app);
  // 32 KB: far less than the origin already uses, and less than one snapshot, though small records (which workspace
  // was opened last) still fit.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 32 * 1024 });
  expect(await cdp.send('Storage.getUsageAndQuota', { origin })).toMatchObject({ quota: 32 * 1024, overrideActive: true });
  // IndexedDB keeps the room it last asked about for a while: wait until a 200 KB write in a scratch database is refused.
  await expect.poll(() => app.evaluate(probeWrite), { timeout: 120_000, intervals: [1_000] }).toBe('QuotaExceededError');
  const small = trailFile('small-trail.ndjson', 5_000, 'small');
  const unsaved = app.getByRole('alert', { name: 'Unsaved changes' });

  await app.getByLabel('Add evidence files').setInputFiles(small);
  await expect(app.getByRole('alert').filter({ hasText: 'The browser has no room left to save this workspace. Nothing was half-written' }).first()).toBeVisible({ timeout: 120_000 });
  await expect(unsaved).toContainText('What this tab shows is not saved');
  // The app keeps working: the import is in this tab and analysed.
  await app.getByRole('link', { name: 'Evidence' }).click();
  await expect(summaryOf(app)).toContainText(`${fmt(SAMPLE_EVENTS + 5_000)} events`);
  await app.getByRole('link', { name: 'Findings' }).click();
  await expect(findingsSummary(app)).toContainText(/[1-9][\d,]* open/, { timeout: 90_000 });

  // The stored workspace is the previous one.
  await app.reload();
  await engineReady(app);
  await expect(unsaved).toHaveCount(0);
  await app.getByRole('link', { name: 'Evidence' }).click();
  await expect(summaryOf(app)).toHaveText(before, { timeout: 90_000 });
  await expect(app.getByRole('row', { name: /small-trail\.ndjson/ })).toHaveCount(0);

  // Same again, then room is made and Save again keeps it.
  await app.getByLabel('Add evidence files').setInputFiles(small);
  await expect(unsaved).toBeVisible({ timeout: 120_000 });
  await expect(app.getByRole('button', { name: 'Save again' })).toBeEnabled({ timeout: 90_000 });
  await cdp.send('Storage.overrideQuotaForOrigin', { origin });
  await app.getByRole('button', { name: 'Save again' }).click();
  await expect(app.getByText('Workspace saved: what this tab shows is now kept.')).toBeVisible({ timeout: 60_000 });
  await expect(unsaved).toHaveCount(0);
  await app.reload();
  await engineReady(app);
  await app.getByRole('link', { name: 'Evidence' }).click();
  await expect(summaryOf(app)).toContainText(`${fmt(SAMPLE_EVENTS + 5_000)} events`, { timeout: 90_000 });
  await expect(app.getByRole('row', { name: /small-trail\.ndjson/ })).toHaveCount(1);
});

test.describe('a worker dies in the middle of an import', () => {
  /** The page's worker whose script matches, once it exists. */
  async function workerOf(page: Page, pattern: RegExp): Promise<Worker> {
    let found: Worker | undefined;
    await expect.poll(() => (found = page.workers().find((w) => pattern.test(w.url()))) !== undefined, { timeout: 30_000 }).toBe(true);
    return found!;
  }

  test('the ingest worker: the import fails naming it, the earlier evidence is intact, the next import works', async ({ app }) => {
    test.setTimeout(240_000);
    const before = await openSample(app);
    await importUntil(app, 'Importing evidence');
    await expect(bar(app, 'Importing evidence')).toHaveAttribute('aria-valuetext', /[1-9][\d,]* rows/, { timeout: 60_000 });
    const ingest = await workerOf(app, /ingest\.worker/);
    // Closed from inside, as a crash would: no error event reaches the page.
    await ingest.evaluate(() => (self as unknown as { close(): void }).close()).catch(() => undefined);
    await expect(app.getByRole('alert').filter({ hasText: 'Import failed, nothing was added: the ingest worker stopped unexpectedly' })).toBeVisible({ timeout: 30_000 });
    await expect(app.getByRole('progressbar')).toHaveCount(0, { timeout: 30_000 });
    await expectWorkspace(app, { withBig: false, before });
    await app.getByRole('link', { name: 'Evidence' }).click();
    await app.getByLabel('Add evidence files').setInputFiles(trailFile('after-crash.ndjson', 300, 'after'));
    await expect(app.getByText('Imported 1 of 1 file (picked): 300 events')).toBeVisible({ timeout: 60_000 });
    // Saved, then analysed: once the analysis is done the save is behind it.
    await expect(app.getByRole('progressbar')).toHaveCount(0, { timeout: 60_000 });
    await app.reload();
    await engineReady(app);
    await app.getByRole('link', { name: 'Evidence' }).click();
    await expect(summaryOf(app)).toContainText(`${fmt(SAMPLE_EVENTS + 300)} events`, { timeout: 90_000 });
    await expect(app.getByRole('row', { name: /after-crash\.ndjson/ })).toHaveCount(1);
    await expect(app.getByRole('row', { name: /big-trail\.ndjson/ })).toHaveCount(0);
  });

  test('the DuckDB worker: the import fails naming it, the engine restarts from the saved state, the app works on', async ({ app }) => {
    test.setTimeout(240_000);
    const before = await openSample(app);
    const duck = await workerOf(app, /duckdb-host\.worker/);
    await importUntil(app, 'Importing evidence');
    await expect(bar(app, 'Importing evidence')).toHaveAttribute('aria-valuetext', /[1-9][\d,]* rows/, { timeout: 60_000 });
    await duck.evaluate(() => (self as unknown as { close(): void }).close()).catch(() => undefined);
    await expect(app.getByRole('alert').filter({ hasText: 'Import failed, nothing was added: the DuckDB engine stopped during the import.' })).toBeVisible({ timeout: 60_000 });
    await expect(app.getByRole('alert').filter({ hasText: 'It was restarted and the workspace was reloaded from its last saved state.' })).toBeVisible({ timeout: 90_000 });
    await engineReady(app);
    await expect(app.getByRole('progressbar')).toHaveCount(0, { timeout: 60_000 });
    await expectWorkspace(app, { withBig: false, before });
    await afterReload(app, { withBig: false, before });
  });
});
