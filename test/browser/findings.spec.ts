// Findings in the real tab: analysis runs by itself after the sample loads, the queue explains itself, and
// "Export findings" hands over OCSF JSON and formula-safe CSV as downloads.
import { readFileSync } from 'node:fs';
import { engineReady, expect, test } from './fixtures';

test('the sample is analysed without pressing anything, and findings export as OCSF JSON and CSV', async ({ app }) => {
  await engineReady(app);
  const exportButton = app.getByRole('button', { name: 'Export findings' });
  await app.getByRole('link', { name: 'Findings' }).click();
  await expect(exportButton).toBeDisabled();
  await app.getByRole('link', { name: 'Evidence' }).click();
  await app.getByRole('button', { name: 'Open sample workspace' }).click();
  await app.getByRole('link', { name: 'Findings' }).click();
  await expect(app.getByRole('status', { name: 'Findings summary' })).toContainText(/\d+ open/, { timeout: 60_000 });
  const queue = app.getByRole('table', { name: 'Findings queue' });
  await expect(queue.getByRole('row').nth(1)).toBeVisible();

  // A finding explains itself and leads to its evidence in the SQL console.
  await queue.getByRole('button', { name: 'behavior.new_action' }).first().click();
  await expect(app.getByText(/^Observed: .* in the detection window\./)).toBeVisible();
  await expect(app.getByText(/\(medium severity\) × .* = \d+$/).first()).toBeVisible();

  await expect(exportButton).toBeEnabled();
  await exportButton.click();
  const [ocsf] = await Promise.all([app.waitForEvent('download'), app.getByRole('menuitem', { name: 'OCSF JSON' }).click()]);
  const docs = JSON.parse(readFileSync(await ocsf.path(), 'utf8')) as { class_uid: number; finding_info: { analytic: { uid: string } } }[];
  expect(docs.length).toBeGreaterThan(0);
  expect(docs.every((d) => d.class_uid === 2004)).toBe(true);
  expect(docs.some((d) => d.finding_info.analytic.uid === 'behavior.new_action')).toBe(true);
  await exportButton.click();
  const [csv] = await Promise.all([app.waitForEvent('download'), app.getByRole('menuitem', { name: 'CSV' }).click()]);
  const text = readFileSync(await csv.path(), 'utf8');
  expect(text.split('\r\n')[0]).toMatch(/^finding_uid,detection_id,title,severity,risk_score/);
  expect(text.split('\r\n').length - 2).toBe(docs.length);
});
