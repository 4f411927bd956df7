// Importing in the real tab: progress with counts, Cancel mid-import leaves the workspace exactly as it was, a zip of
// CloudTrail delivery files (gzipped members) then imports completely.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
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
