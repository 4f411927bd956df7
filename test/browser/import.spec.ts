// Importing in the real tab: progress with counts, Cancel mid-import leaves the workspace exactly as it was, a zip of
// CloudTrail delivery files (gzipped members) then imports completely; gzip with several members, or damaged, is read
// whole or reported by name (Chromium's own gzip decoder stops after the first member: we read on with fflate).
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync, zipSync } from 'fflate';
import { engineReady, expect, runInConsole, test } from './fixtures';

const PUBLIC = path.resolve(import.meta.dirname, '../../../shared/data/public');

/** A large CloudTrail NDJSON export, big enough that an import is still running when Cancel is pressed. */
function bigCloudTrail(events: number): Buffer {
  const lines: string[] = [];
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < events; i++) {
    lines.push(
      JSON.stringify({
        eventVersion: '1.08',
        userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::123456789012:user/bulk-${i % 50}`, accountId: '123456789012', accessKeyId: `AKIABULK${i % 50}` },
        eventTime: new Date(t0 + i * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        awsRegion: 'us-east-1',
        sourceIPAddress: `10.1.${i % 200}.${i % 250}`,
        userAgent: 'aws-sdk-java/1.12',
        requestParameters: { bucketName: `bucket-${i % 30}`, key: `objects/${i}.csv` },
        eventID: `bulk-${i}`,
        readOnly: true,
        eventType: 'AwsApiCall',
      }),
    );
  }
  return Buffer.from(lines.join('\n'));
}

test('Cancel mid-import leaves the workspace as it was, and the next import (a zip of CloudTrail files) completes', async ({ app }) => {
  await engineReady(app);
  await app.getByRole('button', { name: 'Open sample workspace' }).click();
  const summary = app.getByText(/\d[\d,]* files · [\d,]+ events/);
  await expect(summary).toContainText('15,097 events', { timeout: 60_000 });
  const before = await summary.textContent();

  // Over 50 MB a file must come from disk (as it would from a user).
  const huge = path.join(mkdtempSync(path.join(os.tmpdir(), 'driftline-big-')), 'huge-trail.ndjson');
  writeFileSync(huge, bigCloudTrail(250_000));
  await app.getByLabel('Add evidence files').setInputFiles(huge);
  const bar = app.getByRole('progressbar', { name: 'Importing evidence' });
  await expect(bar).toBeVisible();
  await expect(bar).toHaveAttribute('aria-valuetext', /of .* · 0 of 1 file/);
  await app.getByRole('button', { name: 'Cancel import' }).click();
  await expect(app.getByText('Import cancelled: the workspace is as it was before (stopped while reading the files).')).toBeVisible({ timeout: 10_000 });
  await expect(bar).toBeHidden();
  await expect(summary).toHaveText(before!);
  await expect(app.getByRole('row', { name: /huge-trail/ })).toHaveCount(0);
  const leftovers = await runInConsole(app, "SELECT count(*) AS staging FROM duckdb_tables() WHERE table_name LIKE 'stg_%'");
  await expect(leftovers.getByRole('cell', { name: '0', exact: true })).toBeVisible();

  const dir = path.join(PUBLIC, 'grycap_cloudtrail');
  const members: Record<string, Uint8Array> = {};
  for (const name of readdirSync(dir).slice(0, 60)) members[`AWSLogs/974349055189/CloudTrail/sa-east-1/${name}`] = readFileSync(path.join(dir, name));
  await app.getByRole('link', { name: 'Evidence' }).click();
  await app.getByLabel('Add evidence files').setInputFiles([{ name: 'cloudtrail-delivery.zip', mimeType: 'application/zip', buffer: Buffer.from(zipSync(members)) }]);
  await expect(app.getByText(/Imported 60 of 60 files/)).toBeVisible({ timeout: 60_000 });
  await expect(app.getByRole('row', { name: /cloudtrail-delivery\.zip\/AWSLogs\/.*\.json\.gz.*AWS CloudTrail/ }).first()).toBeVisible();
  await expect(summary).not.toHaveText(before!);
});

test('a .json.gz of several gzip members loads every event; a cut-off one is named; the hashes are of the files as dropped', async ({ app }) => {
  await engineReady(app);
  const records = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      eventVersion: '1.08',
      userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/gz-bot', accountId: '123456789012', accessKeyId: 'AKIAGZBOT' },
      eventTime: new Date(Date.UTC(2026, 1, 1) + (from + i) * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      eventSource: 's3.amazonaws.com', eventName: 'GetObject', awsRegion: 'us-east-1', sourceIPAddress: '10.9.9.9', userAgent: 'aws-cli/2',
      requestParameters: { bucketName: 'gz-bucket' }, eventID: `gz-${from + i}`, readOnly: true, eventType: 'AwsApiCall',
    }));
  const text = JSON.stringify({ Records: records(0, 3000) });
  const cut = Math.floor(text.length / 3);
  // Three members, cut in the middle of records: what `cat a.gz b.gz c.gz` or a log shipper writes.
  const multi = Buffer.concat([text.slice(0, cut), text.slice(cut, 2 * cut), text.slice(2 * cut)].map((part) => Buffer.from(gzipSync(Buffer.from(part)))));
  const single = Buffer.from(gzipSync(Buffer.from(JSON.stringify({ Records: records(5000, 500) }))));
  const whole = Buffer.from(gzipSync(Buffer.from(JSON.stringify({ Records: records(9000, 2000) }))));
  const truncated = whole.subarray(0, Math.floor(whole.length * 0.6));
  // This Chromium's own decoder gives up on the second member, so the import must read on with fflate.
  const nativeGivesUp = await app.evaluate(async (base64) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    try {
      await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
      return false;
    } catch {
      return true;
    }
  }, multi.toString('base64'));
  expect(nativeGivesUp).toBe(true);
  await app.getByLabel('Add evidence files').setInputFiles([
    { name: 'members.json.gz', mimeType: 'application/gzip', buffer: multi },
    { name: 'single.json.gz', mimeType: 'application/gzip', buffer: single },
    { name: 'cut-off.json.gz', mimeType: 'application/gzip', buffer: truncated },
  ]);
  await expect(app.getByText(/Imported 2 of 3 files/)).toBeVisible({ timeout: 60_000 });
  await expect(app.getByText(/cut-off\.json\.gz.*could not be decompressed: the compressed data is truncated or corrupt/).first()).toBeVisible();

  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  const grid = await runInConsole(
    app,
    `SELECT f.name, f.sha256, count(e.file_id) AS n FROM evidence_files f LEFT JOIN events e USING (file_id)
      WHERE f.name LIKE '%.json.gz' GROUP BY ALL ORDER BY f.name`,
  );
  await expect(grid.getByRole('row', { name: new RegExp(`members\\.json\\.gz ${sha(multi)} 3,?000`) })).toBeVisible();
  await expect(grid.getByRole('row', { name: new RegExp(`single\\.json\\.gz ${sha(single)} 500`) })).toBeVisible();
  await expect(grid.getByRole('row', { name: /cut-off/ })).toHaveCount(0);
});
