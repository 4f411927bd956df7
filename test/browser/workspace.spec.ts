// Workspaces in the real tab: triage and findings survive a reload without dropping files again; a reload in the
// middle of an import leaves the state before it; a second tab is read-only until it takes over.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { engineReady, expect, runInConsole, test } from './fixtures';

async function findingUids(page: Page): Promise<string> {
  const grid = await runInConsole(page, "SELECT string_agg(finding_uid, ',' ORDER BY finding_uid) AS uids, count(*) AS n FROM findings");
  await expect(grid).toBeVisible();
  return (await grid.getByRole('cell').first().textContent()) ?? '';
}

async function openSample(page: Page) {
  await page.getByRole('link', { name: 'Evidence' }).click();
  await page.getByRole('button', { name: 'Open sample workspace' }).click();
  await page.getByRole('link', { name: 'Findings' }).click();
  await expect(page.getByRole('status', { name: 'Findings summary' })).toContainText(/\d+ open/, { timeout: 60_000 });
}

test('triage and findings survive a reload, with no file dropped again', async ({ app }) => {
  await engineReady(app);
  await openSample(app);
  const queue = app.getByRole('table', { name: 'Findings queue' });
  await queue.getByRole('button', { name: 'behavior.new_action' }).first().click();
  await app.getByLabel('Triage status').selectOption('investigating');
  await app.getByLabel('Note').fill('Asked the owner about the new key <b>now</b>');
  await app.getByRole('button', { name: 'Add note' }).click();
  await expect(app.getByRole('list', { name: 'Notes' })).toContainText('Asked the owner about the new key <b>now</b>');
  const before = await findingUids(app);
  expect(before.length).toBeGreaterThan(32);
  // The snapshot's gzipped chunks are stored as Blobs (their bytes left the tab for the browser's blob storage), and
  // they add up to the size the workspace records.
  const stored = await app.evaluate(async () => {
    const open = indexedDB.open('driftline');
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const read = <T,>(store: string) =>
      new Promise<T[]>((resolve, reject) => {
        const request = db.transaction(store).objectStore(store).getAll();
        request.onsuccess = () => resolve(request.result as T[]);
        request.onerror = () => reject(request.error);
      });
    const workspaces = await read<{ snapshotId: string | null; storedBytes: number }>('workspaces');
    const blobs = await read<{ snapshotId: string; bytes: unknown }>('blobs');
    db.close();
    const current = workspaces.find((w) => w.snapshotId)!;
    const chunks = blobs.filter((b) => b.snapshotId === current.snapshotId);
    return {
      chunks: chunks.length,
      blobs: chunks.filter((b) => b.bytes instanceof Blob).length,
      bytes: chunks.reduce((n, b) => n + (b.bytes instanceof Blob ? b.bytes.size : 0), 0),
      recorded: current.storedBytes,
    };
  });
  expect(stored.chunks).toBeGreaterThan(5);
  expect(stored.blobs).toBe(stored.chunks);
  expect(stored.bytes).toBe(stored.recorded);

  await app.reload();
  await engineReady(app);
  await app.getByRole('link', { name: 'Findings' }).click();
  await expect(app.getByRole('status', { name: 'Findings summary' })).toContainText(/\d+ open/, { timeout: 60_000 });
  await expect(app.getByRole('status', { name: 'Findings summary' })).toContainText('as saved with the workspace');
  await expect(app.getByRole('button', { name: 'Export findings' })).toBeEnabled();
  await expect(app.getByRole('table', { name: 'Findings queue' }).getByRole('row', { name: /Investigating/ })).toHaveCount(1);
  await app.getByRole('table', { name: 'Findings queue' }).getByRole('row', { name: /Investigating/ }).getByRole('button').click();
  await expect(app.getByRole('list', { name: 'Notes' })).toContainText('Asked the owner about the new key <b>now</b>');
  expect(await findingUids(app)).toBe(before);
  await app.getByRole('link', { name: 'Evidence' }).click();
  await expect(app.getByText(/15,097 events/)).toBeVisible();
  // The findings came back with the workspace: shown before the events were restored, and no catalogue run.
  const measures = await app.evaluate(() => performance.getEntriesByType('measure').map((m) => m.name));
  expect(measures).toContain('driftline:queue-ready');
  expect(measures).not.toContain('driftline:analysis');
  const queueReady = await app.evaluate(() => performance.getEntriesByName('driftline:queue-ready')[0]!.duration);
  const restore = await app.evaluate(() => performance.getEntriesByName('driftline:restore')[0]!.duration);
  expect(queueReady).toBeLessThan(restore);

  // "Analyse again" runs the catalogue over the restored events and finds the very same findings.
  await app.getByRole('link', { name: 'Findings' }).click();
  await app.getByRole('button', { name: 'Analyse again' }).click();
  await expect(app.getByRole('status', { name: 'Findings summary' })).toContainText(/catalogue ran in [\d,]+ ms$/, { timeout: 60_000 });
  expect(await findingUids(app)).toBe(before);
});

test('a reload in the middle of an import leaves the workspace as it was before that import', async ({ app }) => {
  await engineReady(app);
  await openSample(app);
  await app.getByRole('link', { name: 'Evidence' }).click();
  const summary = app.getByText(/\d[\d,]* files · [\d,]+ events/);
  const before = await summary.textContent();
  const lines: string[] = [];
  for (let i = 0; i < 200_000; i++) {
    lines.push(JSON.stringify({ eventVersion: '1.08', userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::123456789012:user/u${i % 20}` }, eventTime: new Date(Date.UTC(2026, 2, 1) + i * 1000).toISOString(), eventSource: 's3.amazonaws.com', eventName: 'GetObject', sourceIPAddress: '10.0.0.1', eventID: `reload-${i}` }));
  }
  const big = path.join(mkdtempSync(path.join(os.tmpdir(), 'driftline-reload-')), 'big.ndjson');
  writeFileSync(big, lines.join('\n'));
  await app.getByLabel('Add evidence files').setInputFiles(big);
  await expect(app.getByRole('progressbar', { name: 'Importing evidence' })).toBeVisible();
  await app.reload();
  await engineReady(app);
  await app.getByRole('link', { name: 'Evidence' }).click();
  await expect(summary).toHaveText(before!, { timeout: 60_000 });
  await expect(app.getByRole('row', { name: /big\.ndjson/ })).toHaveCount(0);
});

test('a second tab on the same workspace is read-only until it takes over', async ({ app, context, server }) => {
  await engineReady(app);
  await openSample(app);
  const second = await context.newPage();
  await second.goto(server.url);
  await engineReady(second);
  // Reading works in the second tab; changing does not.
  await second.getByRole('link', { name: 'Findings' }).click();
  await expect(second.getByRole('status', { name: 'Findings summary' })).toContainText(/\d+ open/, { timeout: 60_000 });
  await second.getByRole('table', { name: 'Findings queue' }).getByRole('button').first().click();
  await expect(second.getByLabel('Triage status')).toBeDisabled();
  await second.getByRole('button', { name: /Workspace: .*\(read-only\)/ }).click();
  const dialog = second.getByRole('dialog', { name: 'Workspaces' });
  await expect(dialog.getByRole('alert')).toContainText('read-only here');
  await dialog.getByRole('button', { name: 'Take over this workspace' }).click();
  await expect(second.getByRole('button', { name: /^Workspace: My first workspace$/ })).toBeVisible({ timeout: 30_000 });
  await second.getByRole('link', { name: 'Evidence' }).click();
  await second.getByRole('link', { name: 'Findings' }).click();
  await expect(second.getByRole('status', { name: 'Findings summary' })).toContainText(/\d+ open/, { timeout: 60_000 });
  await second.getByRole('table', { name: 'Findings queue' }).getByRole('button').first().click();
  await expect(second.getByLabel('Triage status')).toBeEnabled();
  await second.close();
});

test('export a workspace, delete it, import the file: findings, triage and settings come back; a flipped byte is refused by name', async ({ app }) => {
  await engineReady(app);
  await openSample(app);
  const queue = app.getByRole('table', { name: 'Findings queue' });
  await queue.getByRole('button').first().click();
  await app.getByLabel('Triage status').selectOption('escalated');
  const before = await findingUids(app);
  await app.getByRole('button', { name: /^Workspace:/ }).click();
  const dialog = app.getByRole('dialog', { name: 'Workspaces' });
  const [download] = await Promise.all([app.waitForEvent('download'), dialog.getByRole('button', { name: 'Export workspace' }).click()]);
  const file = await download.path();
  expect(download.suggestedFilename()).toBe('My-first-workspace.driftline');
  await dialog.getByRole('button', { name: 'Delete My first workspace' }).click();
  await dialog.getByRole('button', { name: 'Yes, delete My first workspace' }).click();
  await expect(app.getByRole('button', { name: /^Workspace: My first workspace$/ })).toBeVisible();
  await app.getByRole('link', { name: 'Evidence' }).click();
  await expect(app.getByRole('button', { name: 'Open sample workspace' })).toBeVisible();

  // Tampered copy first: refused, naming the entry; nothing added.
  const bytes = readFileSync(file);
  const marker = bytes.indexOf(Buffer.from('tables/events/0000.arrow.gz'));
  const tampered = Buffer.from(bytes);
  tampered[marker + 'tables/events/0000.arrow.gz'.length + 50]! ^= 0xff;
  const tamperedPath = path.join(mkdtempSync(path.join(os.tmpdir(), 'driftline-tamper-')), 'tampered.driftline');
  writeFileSync(tamperedPath, tampered);
  if (!(await app.getByRole('dialog', { name: 'Workspaces' }).isVisible())) await app.getByRole('button', { name: /^Workspace:/ }).click();
  await app.getByRole('dialog', { name: 'Workspaces' }).getByLabel('Import workspace file').setInputFiles(tamperedPath);
  await expect(app.getByRole('alert').filter({ hasText: 'tampered.driftline was not imported' })).toContainText('tables/events/0000.arrow.gz');

  await app.getByRole('dialog', { name: 'Workspaces' }).getByLabel('Import workspace file').setInputFiles(file);
  await expect(app.getByText('as workspace "My first workspace').first()).toBeVisible({ timeout: 30_000 });
  await app.getByRole('link', { name: 'Findings' }).click();
  await expect(app.getByRole('status', { name: 'Findings summary' })).toContainText(/\d+ open/, { timeout: 60_000 });
  expect(await findingUids(app)).toBe(before);
  await app.getByRole('link', { name: 'Findings' }).click();
  await expect(app.getByRole('table', { name: 'Findings queue' }).getByRole('row', { name: /Escalated/ })).toHaveCount(1);
});

test('a note still being typed survives a reload (autosaved draft, flushed on pagehide)', async ({ app }) => {
  await engineReady(app);
  await openSample(app);
  await app.getByRole('table', { name: 'Findings queue' }).getByRole('row').nth(1).getByRole('button').click();
  await app.getByLabel('Note').fill('half-written thought about the key');
  await app.reload();
  await engineReady(app);
  await app.getByRole('link', { name: 'Findings' }).click();
  await expect(app.getByRole('status', { name: 'Findings summary' })).toContainText(/\d+ open/, { timeout: 60_000 });
  await app.getByRole('table', { name: 'Findings queue' }).getByRole('row').nth(1).getByRole('button').click();
  await expect(app.getByLabel('Note')).toHaveValue('half-written thought about the key');
});
