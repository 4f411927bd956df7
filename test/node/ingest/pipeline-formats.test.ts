// Inventories and container quirks through the whole import (Node, real DuckDB): merges, encodings, zip/gzip, wrong
// extensions, hostile files in the same drop, remembered mappings. Fixtures are synthetic, written here.
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import { createNodeEngine } from '../../../src/engine/node/node-engine';
import { ensureSchema } from '../../../src/ingest/commit';
import { importEvidence, type ImportReport } from '../../../src/ingest/pipeline';
import { readEvidence } from '../../../src/ingest/reader';

const REGISTER = [
  'Service Account,Platform,Account,Owner,Owner Status,Environment,Criticality,Permissions,Secret Location,Access Key ID,ARN',
  'data-sync,aws,111122223333,alice@example.com,active,prod,high,s3:GetObject;s3:PutObject,Vault,AKIAEXAMPLE000000001,arn:aws:iam::111122223333:user/data-sync',
  'ci-deploy,aws,111122223333,bob@example.com,departed,prod,critical,*,.env file,,arn:aws:iam::111122223333:role/ci-deploy',
].join('\r\n');

const CRED_HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const CRED_REPORT = [
  CRED_HEADER,
  '<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00+00:00,not_supported,2026-01-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
  'data-sync,arn:aws:iam::111122223333:user/data-sync,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2025-06-01T00:00:00+00:00,2026-03-30T10:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
].join('\n');

const ENTRA_SPS = {
  value: [
    {
      id: '11111111-1111-1111-1111-111111111111', appId: '22222222-2222-2222-2222-222222222222', displayName: 'Payroll Sync', servicePrincipalType: 'Application',
      accountEnabled: true, appOwnerOrganizationId: '33333333-3333-3333-3333-333333333333',
      keyCredentials: [], passwordCredentials: [{ keyId: '44444444-4444-4444-4444-444444444444', startDateTime: '2025-01-01T00:00:00Z', endDateTime: '2026-06-01T00:00:00Z' }],
    },
  ],
};
const ENTRA_ACTIVITY = { value: [{ appId: '22222222-2222-2222-2222-222222222222', lastSignInActivity: { lastSignInDateTime: '2026-03-20T08:00:00Z' } }] };

const trail = (n: number, prefix: string) => ({
  Records: Array.from({ length: n }, (_, i) => ({
    eventVersion: '1.08', userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/data-sync', accountId: '111122223333', accessKeyId: 'AKIAEXAMPLE000000001' },
    eventTime: `2026-03-0${1 + (i % 9)}T0${i % 10}:00:00Z`, eventSource: 's3.amazonaws.com', eventName: 'GetObject', awsRegion: 'us-east-1',
    sourceIPAddress: '10.0.0.1', userAgent: 'aws-sdk', requestParameters: { bucketName: 'reports' }, eventID: `${prefix}-${i}`, readOnly: true,
  })),
});

const utf16le = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const file = (name: string, content: string | Uint8Array) => new File([content as BlobPart], name);

describe('import pipeline: formats and containers', () => {
  let engine: DuckEngine;
  beforeEach(async () => {
    engine = createNodeEngine();
    await engine.start();
    await ensureSchema(engine);
  });
  afterEach(() => engine.close());
  const run = (files: File[], mappings = {}): Promise<ImportReport> =>
    importEvidence(engine, files, { reader: readEvidence, signal: new AbortController().signal, mappings });
  const rows = async (sql: string) => (await engine.queryRows(sql)).rows;

  it('merges a register and a credential report naming the same ARN, and applies an activity report to Entra SPs', async () => {
    const report = await run([
      file('register.csv', REGISTER),
      file('credential-report.csv', CRED_REPORT),
      file('service-principals.json', JSON.stringify(ENTRA_SPS)),
      file('sp-activity.json', JSON.stringify(ENTRA_ACTIVITY)),
    ]);
    expect(report.files.map((f) => [f.name, f.status, f.info?.vendor])).toEqual([
      ['register.csv', 'loaded', 'NHI register'],
      ['credential-report.csv', 'loaded', 'AWS IAM credential report'],
      ['service-principals.json', 'loaded', expect.stringMatching(/service.?principal/i)],
      ['sp-activity.json', 'loaded', expect.stringMatching(/sign.?in|activity/i)],
    ]);
    const dataSync = await rows("SELECT owner, credential_type, last_used_at, last_rotated_at FROM identities WHERE name = 'data-sync'");
    expect(dataSync).toHaveLength(1);
    expect(dataSync[0]).toMatchObject({ owner: 'alice@example.com', last_used_at: '2026-03-30T10:00:00.000Z', last_rotated_at: '2025-06-01T00:00:00.000Z' });
    const sp = await rows("SELECT platform, expires_at, last_used_at FROM identities WHERE name = 'Payroll Sync'");
    expect(sp[0]).toMatchObject({ platform: 'entra', expires_at: '2026-06-01T00:00:00.000Z', last_used_at: '2026-03-20T08:00:00.000Z' });
    const aliases = await rows("SELECT alias_type FROM identity_aliases a JOIN identities i USING (identity_key) WHERE i.name = 'Payroll Sync' ORDER BY 1");
    expect(aliases.map((a) => a.alias_type)).toEqual(expect.arrayContaining(['app_id', 'key_id']));
  });

  it('reads UTF-16 and Latin-1 registers, JSON with a wrong extension, a zip holding gzip members and folders', async () => {
    const latin1 = Buffer.from('Service Account,Owner,Platform\nsvc-caf\xe9,ren\xe9@example.com,aws\n', 'latin1');
    const zip = zipSync({
      'exports/2026/03/trail-a.json.gz': gzipSync(JSON.stringify(trail(5, 'za'))),
      'exports/2026/03/trail-b.json': Buffer.from(JSON.stringify(trail(3, 'zb'))),
      '__MACOSX/._trail-a.json.gz': Buffer.from('junk'),
    });
    const report = await run([
      file('register-utf16.csv', utf16le(REGISTER)),
      file('legacy.csv', latin1),
      file('trail.txt', JSON.stringify(trail(4, 'txt'))),
      file('delivery.zip', zip),
    ]);
    expect(report.status).toBe('committed');
    expect(report.files.filter((f) => f.status !== 'loaded')).toEqual([]);
    expect(report.files.map((f) => f.name)).toEqual([
      'register-utf16.csv', 'legacy.csv', 'trail.txt', 'delivery.zip/exports/2026/03/trail-a.json.gz', 'delivery.zip/exports/2026/03/trail-b.json',
    ]);
    expect(await rows("SELECT name, owner FROM identities WHERE name LIKE 'svc-caf%'")).toEqual([{ name: 'svc-café', owner: 'rené@example.com' }]);
    const notes = await rows("SELECT notes FROM evidence_files WHERE name = 'legacy.csv'");
    expect(String(notes[0]?.notes)).toMatch(/latin1|Latin-1/i);
    expect(await rows("SELECT count(*) AS n FROM events")).toEqual([{ n: 12 }]);
    // Every event resolved through the register's access key.
    expect(await rows("SELECT DISTINCT resolution FROM events")).toEqual([{ resolution: 'credential' }]);
  });

  it('names each hostile file and still loads the good ones dropped with them', async () => {
    const report = await run([
      file('empty.json', ''),
      file('image.json', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 1, 2, 3])),
      file('truncated.json', JSON.stringify(trail(3, 'tr')).slice(0, -40)),
      file('good.json', JSON.stringify(trail(2, 'good'))),
      file('ragged.ndjson', `${JSON.stringify(trail(1, 'nd').Records[0])}\n{"broken": \n${JSON.stringify({ ...trail(1, 'nd2').Records[0] })}\n`),
    ]);
    const by = Object.fromEntries(report.files.map((f) => [f.name, f]));
    expect(by['empty.json']).toMatchObject({ status: 'failed', message: expect.stringMatching(/empty/) });
    expect(by['image.json']).toMatchObject({ status: 'failed', message: expect.stringMatching(/binary/) });
    expect(by['good.json']).toMatchObject({ status: 'loaded', rows: 2 });
    // A truncated array keeps its complete records and says where it stopped.
    expect(by['truncated.json']?.status).toBe('loaded');
    expect(by['truncated.json']?.rows).toBe(2);
    const truncation = await rows("SELECT reason FROM rejected_rows r JOIN evidence_files f USING (file_id) WHERE f.name = 'truncated.json'");
    expect(String(truncation[0]?.reason)).toMatch(/truncated/);
    // A bad NDJSON line is a rejected row with its line number; the lines around it load.
    expect(by['ragged.ndjson']).toMatchObject({ status: 'loaded', rows: 2, rejected: 1 });
    const bad = await rows("SELECT source_row FROM rejected_rows r JOIN evidence_files f USING (file_id) WHERE f.name = 'ragged.ndjson'");
    expect(bad).toEqual([{ source_row: 2 }]);
  });

  it('asks for a mapping when a CSV is not recognised, and uses a remembered mapping for the same header', async () => {
    const csv = 'Zeitpunkt;Konto;Vorgang;Ziel\n2026-03-01T10:00:00Z;svc-a;login;portal\n2026-03-01T11:00:00Z;svc-b;export;reports\n';
    const first = await run([file('odd.csv', csv)]);
    expect(first.files[0]?.status).toBe('needs-mapping');
    expect(first.mappingRequests[0]?.request.headers).toEqual(['Zeitpunkt', 'Konto', 'Vorgang', 'Ziel']);
    expect(await rows('SELECT count(*) AS n FROM events')).toEqual([{ n: 0 }]);
    const signature = first.mappingRequests[0]!.request.signature;
    const second = await run([file('odd-2.csv', csv)], { [signature]: { event_time: 'Zeitpunkt', actor: 'Konto', action: 'Vorgang', resource: 'Ziel' } });
    expect(second.files[0]).toMatchObject({ status: 'loaded', rows: 2 });
    expect(await rows('SELECT actor, action, resource FROM events ORDER BY event_time')).toEqual([
      { actor: 'svc-a', action: 'login', resource: 'portal' },
      { actor: 'svc-b', action: 'export', resource: 'reports' },
    ]);
  });

  it('skips a file whose bytes were already loaded, and duplicate events across different files', async () => {
    await run([file('a.json', JSON.stringify(trail(3, 'dup')))]);
    const again = await run([file('a-copy.json', JSON.stringify(trail(3, 'dup')))]);
    expect(again.files[0]).toMatchObject({ status: 'duplicate', message: expect.stringContaining('a.json') });
    const overlap = await run([file('b.json', JSON.stringify({ Records: [...trail(3, 'dup').Records, ...trail(1, 'new').Records] }))]);
    expect(overlap.summary).toMatchObject({ events: 1, duplicates: 3 });
  });
});
