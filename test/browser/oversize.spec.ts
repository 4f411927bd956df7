// A drop too large for the tab: refused before anything is read, with the estimate in plain words and the two ways to
// narrow it. Cancel leaves the workspace as it was; a time slice with a narrower column set imports just that. The
// tab's limit is lowered through the SQL console (SET memory_limit), as an analyst could, so a 70 MB file is "too large".
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { engineReady, expect, runInConsole, test } from './fixtures';

const SAMPLE_EVENTS = 15_097;
const ROWS = 400_000;
const fmt = (n: number) => n.toLocaleString('en-US');
const summaryOf = (page: Page) => page.getByText(/\d[\d,]* files · [\d,]+ events/);

/** An event CSV of ROWS rows, one a minute from 2026-03-01 00:00 UTC. */
function eventCsv(): string {
  const lines = ['eventTime,principal,operation,resource,sourceIp,userAgent,result'];
  const t0 = Date.UTC(2026, 2, 1);
  for (let i = 0; i < ROWS; i++) {
    lines.push(
      `${new Date(t0 + i * 60_000).toISOString().replace('.000Z', 'Z')},arn:aws:iam::123456789012:role/bulk-${i % 30},s3:GetObject,` +
        `arn:aws:s3:::bucket-${i % 40}/objects/${i}.parquet,10.9.${i % 200}.${i % 250},aws-sdk-java/2.21.40 Linux/5.15 OpenJDK_64-Bit_Server_VM/17,success`,
    );
  }
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'driftline-oversize-')), 'month-of-events.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

test('an over-size drop is refused with the estimate, leaves the workspace as it was, and a narrowed load imports only that', async ({ app }) => {
  test.setTimeout(240_000);
  await engineReady(app);
  await app.getByRole('link', { name: 'Evidence' }).click();
  await app.getByRole('button', { name: 'Open sample workspace' }).click();
  await app.getByRole('link', { name: 'Findings' }).click();
  await expect(app.getByRole('status', { name: 'Findings summary' })).toContainText(/\d+ open/, { timeout: 90_000 });
  await app.getByRole('link', { name: 'Evidence' }).click();
  await expect(summaryOf(app)).toContainText(`${fmt(SAMPLE_EVENTS)} events`);
  const before = (await summaryOf(app).textContent())!;

  await runInConsole(app, "SET memory_limit = '256MB'");
  const file = eventCsv();
  await app.getByRole('link', { name: 'Evidence' }).click();
  await app.getByLabel('Add evidence files').setInputFiles(file);

  const dialog = app.getByRole('dialog', { name: 'Too large for this tab' });
  await expect(dialog).toBeVisible({ timeout: 30_000 });
  await expect(dialog).toContainText(/Not imported: month-of-events\.csv \([\d.]+ MiB, about [34]\d\d,000 events\) would need about \d+ MiB of working memory, and this tab's DuckDB can use about \d+ MiB/);
  await expect(dialog).toContainText('Nothing was read and the workspace is unchanged.');
  await expect(dialog.getByRole('table', { name: 'Estimate per file' })).toContainText('month-of-events.csv');
  // The same words stay among the messages after the dialog is closed.
  await expect(app.getByRole('list', { name: 'Messages' })).toContainText('Not imported: month-of-events.csv');

  // A narrower column set lowers the estimate shown; the button needs a choice first.
  const importButton = dialog.getByRole('button', { name: 'Import with these limits' });
  await expect(importButton).toBeDisabled();
  const estimate = dialog.getByRole('status', { name: 'Memory estimate' });
  const asDropped = (await estimate.textContent())!;
  await dialog.getByRole('checkbox', { name: /Load a narrower column set/ }).check();
  await expect(estimate).toContainText('With the narrower column set');
  expect(await estimate.textContent()).not.toBe(asDropped);

  // Cancel: nothing happened.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(summaryOf(app)).toHaveText(before);
  await expect(app.getByRole('row', { name: /month-of-events\.csv/ })).toHaveCount(0);
  await expect(app.getByRole('progressbar')).toHaveCount(0);

  // Dropped again, narrowed to one hour (61 events at one a minute) without the long columns.
  await app.getByLabel('Add evidence files').setInputFiles(file);
  await expect(dialog).toBeVisible({ timeout: 30_000 });
  await dialog.getByRole('checkbox', { name: /Load a narrower column set/ }).check();
  await dialog.getByLabel('From (UTC)').fill('2026-03-02T10:00:00');
  await dialog.getByLabel('To (UTC)').fill('2026-03-02T11:00:00');
  await importButton.click();
  await expect(dialog).toBeHidden();
  await expect(summaryOf(app)).toContainText(`${fmt(SAMPLE_EVENTS + 61)} events`, { timeout: 120_000 });
  await expect(app.getByRole('progressbar')).toHaveCount(0, { timeout: 120_000 });
  const grid = await runInConsole(
    app,
    "SELECT count(*) || ' events, ' || count(user_agent) || ' with agent, ' || strftime(min(event_time), '%H:%M') || '-' || strftime(max(event_time), '%H:%M') FROM events WHERE file_id IN (SELECT file_id FROM evidence_files WHERE name = 'month-of-events.csv')",
  );
  await expect(grid.getByRole('cell').first()).toHaveText('61 events, 0 with agent, 10:00-11:00');
});
