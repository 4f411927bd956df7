// Large event CSVs reach DuckDB through a copy in the origin-private file system (engine/staging.ts): the import says
// how many bytes it copied, the copies are gone once loaded, a dead tab's copies are cleared by the next tab, and a
// browser without OPFS loads the same file the old way.
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { engineReady, expect, runInConsole, test } from './fixtures';

const ROWS = 40_000;

/** An event CSV of ROWS rows (~10 MB, above the 8 MiB from which files are copied). */
function eventCsv(): string {
  const lines = ['eventTime,principal,operation,resource,sourceIp,userAgent,result'];
  const t0 = Date.UTC(2026, 2, 1);
  for (let i = 0; i < ROWS; i++) {
    lines.push(
      `${new Date(t0 + i * 60_000).toISOString().replace('.000Z', 'Z')},arn:aws:iam::123456789012:role/stage-${i % 20},s3:GetObject,` +
        `arn:aws:s3:::bucket-${i % 40}/objects/with-a-longer-key-for-size/${i}.parquet,10.9.${i % 200}.${i % 250},aws-sdk-java/2.21.40 Linux/5.15 OpenJDK_64-Bit_Server_VM/17,success`,
    );
  }
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'driftline-staging-')), 'staged-events.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Names in OPFS under driftline-staging: `dir/` for each tab directory, `dir/file` for each file in it. */
function stagingEntries(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const out: string[] = [];
    const root = await navigator.storage.getDirectory();
    let staging: FileSystemDirectoryHandle;
    try {
      staging = await root.getDirectoryHandle('driftline-staging');
    } catch {
      return out;
    }
    type Entries = { entries(): AsyncIterable<[string, FileSystemHandle]> };
    for await (const [name, handle] of (staging as unknown as Entries).entries()) {
      out.push(`${name}/`);
      if (handle.kind === 'directory') for await (const [inner] of (handle as unknown as Entries).entries()) out.push(`${name}/${inner}`);
    }
    return out.sort();
  });
}

async function importFile(app: Page, file: string): Promise<{ stagedBytes: number; events: number }> {
  await app.getByRole('link', { name: 'Evidence' }).click();
  await app.getByLabel('Add evidence files').setInputFiles(file);
  await expect.poll(() => app.evaluate(() => performance.getEntriesByName('driftline:import').length), { timeout: 120_000 }).toBe(1);
  return app.evaluate(() => {
    const detail = (performance.getEntriesByName('driftline:import')[0] as PerformanceMeasure).detail as { stagedBytes: number; events: number };
    return { stagedBytes: detail.stagedBytes, events: detail.events };
  });
}

/** Both the analysis and the save of the import end (they run side by side; once, the save's read stuck DuckDB). */
async function analysedAndSaved(app: Page): Promise<void> {
  await expect
    .poll(() => app.evaluate(() => ['driftline:analysis', 'driftline:save'].map((name) => performance.getEntriesByName(name).length)), { timeout: 60_000 })
    .toEqual([1, 1]);
}

/** The events and distinct source rows loaded, as the SQL console shows them. */
async function loaded(app: Page): Promise<string> {
  const grid = await runInConsole(app, "SELECT count(*) || ' events, ' || count(DISTINCT source_row) || ' rows' AS n FROM events");
  await expect(grid.getByRole('cell').first()).toHaveText(/events/);
  return (await grid.getByRole('cell').first().textContent())!.trim();
}

test('a large event CSV is copied into OPFS for DuckDB, loads whole, and its copy is gone afterwards', async ({ app }) => {
  test.setTimeout(180_000);
  const file = eventCsv();
  expect(statSync(file).size).toBeGreaterThan(8 * 2 ** 20);
  await engineReady(app);
  const { stagedBytes, events } = await importFile(app, file);
  // The file as read by DuckDB: the whole of it (it is below the size from which CSVs are sliced).
  expect(stagedBytes).toBe(statSync(file).size);
  expect(events).toBe(ROWS);
  // The tab's own directory remains, empty.
  const entries = await stagingEntries(app);
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatch(/^t[a-z0-9]+\/$/);
  await analysedAndSaved(app);
  expect(await loaded(app)).toBe(`${ROWS} events, ${ROWS} rows`);
  // What was saved is all of it: the workspace restored from storage holds every event.
  await app.reload();
  await engineReady(app);
  await expect.poll(() => app.evaluate(() => performance.getEntriesByName('driftline:restore').length), { timeout: 60_000 }).toBe(1);
  expect(await loaded(app)).toBe(`${ROWS} events, ${ROWS} rows`);
});

test("copies left by a tab that is gone are removed by the next one; a live tab's are not", async ({ app, context, server }) => {
  test.setTimeout(180_000);
  await engineReady(app);
  // The stager starts with the first large file: this tab's directory.
  await importFile(app, eventCsv());
  const before = await stagingEntries(app);
  expect(before).toHaveLength(1);
  // Another tab of the app, alive, with a copy in its directory (it holds the directory's lock, as the app does).
  const other = await context.newPage();
  await other.goto(`${server.url}404-not-the-app`);
  await other.evaluate(async () => {
    const held = new Promise<void>((resolve) => void navigator.locks.request('driftline-staging:tlivetab', () => (resolve(), new Promise(() => undefined))));
    await held;
    const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('driftline-staging', { create: true });
    const dir = await root.getDirectoryHandle('tlivetab', { create: true });
    const writable = await (await dir.getFileHandle('1-evidence_y.part0.csv', { create: true })).createWritable();
    await writable.write('eventTime,principal\n');
    await writable.close();
  });
  // The app's tab goes (a reload is a new tab: its lock is released) with a copy left in its directory, as a crash
  // mid-import would leave it.
  await app.evaluate(async (dirName) => {
    const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('driftline-staging');
    const dir = await root.getDirectoryHandle(dirName.replace(/\/$/, ''));
    const writable = await (await dir.getFileHandle('9-evidence_x.part3.csv', { create: true })).createWritable();
    await writable.write('eventTime,principal\n');
    await writable.close();
  }, before[0]!);
  expect(await stagingEntries(app)).toContain(`${before[0]}9-evidence_x.part3.csv`);
  await app.reload();
  await engineReady(app);
  await importFile(app, eventCsv());
  const after = await stagingEntries(app);
  expect(after).not.toContain(before[0]);
  expect(after).toContain('tlivetab/1-evidence_y.part0.csv');
  const own = after.filter((entry) => /^t[a-z0-9]+\/$/.test(entry) && entry !== 'tlivetab/');
  expect(own).toHaveLength(1);
  expect(after.filter((entry) => entry.startsWith(own[0]!))).toEqual(own);
  await other.close();
});

test('without OPFS the same CSV is read as it is, and loads whole', async ({ context, server }) => {
  test.setTimeout(180_000);
  await context.addInitScript(() => {
    if (typeof StorageManager !== 'undefined') StorageManager.prototype.getDirectory = () => Promise.reject(new DOMException('not here', 'SecurityError'));
  });
  const page = await context.newPage();
  await page.goto(server.url);
  await engineReady(page);
  const { stagedBytes, events } = await importFile(page, eventCsv());
  expect(stagedBytes).toBe(0);
  expect(events).toBe(ROWS);
  await analysedAndSaved(page);
  expect(await loaded(page)).toBe(`${ROWS} events, ${ROWS} rows`);
});
