// The original record on demand, in real Chromium: open the sample workspace, open a behaviour finding, show an
// evidence event's original record (read back from the file kept in IndexedDB), reload the page, and show it again:
// the dropped File objects are gone by then, so the record can only come from the stored original.
import type { Locator, Page } from '@playwright/test';
import { engineReady, expect, test } from './fixtures';

async function openTopBehaviourFinding(page: Page): Promise<Locator> {
  await page.getByRole('link', { name: 'Findings' }).click();
  await expect(page.getByRole('status', { name: 'Findings summary' })).toContainText(/\d+ open/, { timeout: 60_000 });
  const queue = page.getByRole('table', { name: 'Findings queue' });
  await queue.getByRole('row').filter({ has: page.getByRole('button', { name: /^behavior\./ }) }).first().getByRole('button', { name: /^behavior\./ }).click();
  const detail = page.getByRole('region', { name: /^Finding / });
  await expect(detail.getByRole('table', { name: /Evidence events/ })).toBeVisible();
  return detail;
}

async function showOriginal(page: Page, detail: Locator): Promise<{ record: string; file: string; row: string; ip: string }> {
  const table = detail.getByRole('table', { name: /Evidence events/ });
  const first = table.getByRole('row').nth(1);
  const cells = first.getByRole('cell');
  const file = ((await cells.nth(6).textContent()) ?? '').trim();
  const row = ((await cells.nth(7).textContent()) ?? '').trim();
  const ip = ((await cells.nth(3).textContent()) ?? '').trim();
  await first.getByRole('button', { name: 'Show original record for event 1' }).click();
  const dialog = page.getByRole('dialog', { name: 'Original record of event 1' });
  await expect(dialog).toBeVisible();
  const text = dialog.getByLabel('Original record text');
  await expect(text).toBeVisible({ timeout: 30_000 });
  await expect(dialog).toContainText(`${file} · record ${row}`);
  const record = (await text.textContent()) ?? '';
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Original record of event 1' })).toHaveCount(0);
  return { record, file, row, ip };
}

test('an evidence event shows its original record, and still does after a reload', async ({ app }) => {
  await app.setViewportSize({ width: 1280, height: 800 });
  await engineReady(app);
  await app.getByRole('button', { name: 'Open sample workspace' }).click();
  const detail = await openTopBehaviourFinding(app);
  const before = await showOriginal(app, detail);
  const parsed = JSON.parse(before.record) as Record<string, unknown>;
  expect(typeof (parsed.eventID ?? parsed.uuid ?? parsed._document_id)).toBe('string');
  // The record is the one the event came from: it names the event's source address.
  expect(before.ip).toMatch(/\d/);
  expect(before.record).toContain(JSON.stringify(before.ip));
  const stored = await app.evaluate(async () => {
    const open = indexedDB.open('driftline');
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const count = await new Promise<number>((resolve) => {
      const request = db.transaction('originals').objectStore('originals').count();
      request.onsuccess = () => resolve(request.result);
    });
    db.close();
    return { version: db.version, count };
  });
  expect(stored.version).toBe(30); // Dexie v3
  expect(stored.count).toBeGreaterThan(5); // one per sample file that became evidence

  await app.reload();
  await engineReady(app);
  const again = await showOriginal(app, await openTopBehaviourFinding(app));
  expect(again).toEqual(before);
});
