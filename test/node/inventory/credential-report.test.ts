// The AWS IAM credential report, 22- and 16-column variants (synthetic rows): sentinels, root, NHIs vs humans, key dates.
import { describe, expect, it } from 'vitest';
import { CREDENTIAL_REPORT_COLUMNS, CREDENTIAL_REPORT_COLUMNS_16, credentialReportToInventory } from '../../../src/ingest/inventory/credential-report';
import { table, utc } from './helpers';

const H22 = CREDENTIAL_REPORT_COLUMNS.join(',');
const REPORT_22 = `${H22}
<root_account>,arn:aws:iam::123456789012:root,2019-01-01T00:00:00+00:00,not_supported,2024-05-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
ci-deployer,arn:aws:iam::123456789012:user/ci/ci-deployer,2021-03-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2021-03-01T00:00:00+00:00,2024-05-30T12:00:00+00:00,us-east-1,s3,true,2023-06-01T00:00:00+00:00,2024-05-31T08:00:00+00:00,eu-west-1,sts,false,N/A,false,N/A
alice,arn:aws:iam::123456789012:user/alice,2020-02-02T00:00:00+00:00,true,2024-05-29T09:00:00+00:00,2024-01-01T00:00:00+00:00,2024-04-01T00:00:00+00:00,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
bob,arn:aws:iam::123456789012:user/bob,2020-02-02T00:00:00+00:00,true,no_information,2024-01-01T00:00:00+00:00,N/A,false,true,2022-07-07T00:00:00+00:00,no_information,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
old-svc,arn:aws:iam::123456789012:user/old-svc,2018-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,false,2019-01-01T00:00:00+00:00,2020-01-01T00:00:00+00:00,us-east-1,ec2,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
broken,,2018-01-01T00:00:00+00:00,false
`;

const REPORT_16 = `${CREDENTIAL_REPORT_COLUMNS_16.join(',')}
legacy-bot,arn:aws:iam::210987654321:user/legacy-bot,2016-05-05T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2017-01-01T00:00:00+00:00,true,2018-01-01T00:00:00+00:00,false,N/A,false,N/A
`;

describe('credentialReportToInventory (22 columns)', () => {
  const r = credentialReportToInventory(table('credential-report.csv', REPORT_22));
  const by = (n: string) => r.identities.find((i) => i.name === n)!;

  it('reads every row with an ARN and rejects the rest', () => {
    expect(r.identities.map((i) => i.name)).toEqual(['<root_account>', 'ci-deployer', 'alice', 'bob', 'old-svc']);
    expect(r.rejected).toEqual([{ source_file: 'credential-report.csv', source_row: 7, reason: 'No ARN in this row.' }]);
  });

  it('keeps root but never as an NHI', () => {
    expect(by('<root_account>')).toMatchObject({ kind: 'root account', identity_key: 'arn:aws:iam::123456789012:root', extra: { nhi: 'no' }, credential_type: null });
    expect(r.aliases.filter((a) => a.identity_key === 'arn:aws:iam::123456789012:root').map((a) => a.alias_type)).toEqual(['arn']);
  });

  it('reads a key-only user as an NHI with oldest active rotation and latest use', () => {
    expect(by('ci-deployer')).toMatchObject({
      identity_key: 'arn:aws:iam::123456789012:user/ci/ci-deployer',
      platform: 'aws',
      account: '123456789012',
      kind: 'IAM user',
      credential_type: 'static key',
      created_at: utc('2021-03-01T00:00:00Z'),
      last_rotated_at: utc('2021-03-01T00:00:00Z'),
      last_used_at: utc('2024-05-31T08:00:00Z'),
      extra: { nhi: 'yes', mfa_active: 'false', access_key_1_last_used_region: 'us-east-1', access_key_2_last_used_service: 'sts' },
    });
    expect(r.aliases.filter((a) => a.identity_key.endsWith('ci-deployer'))).toEqual([
      { identity_key: 'arn:aws:iam::123456789012:user/ci/ci-deployer', alias: 'arn:aws:iam::123456789012:user/ci/ci-deployer', alias_type: 'arn' },
      { identity_key: 'arn:aws:iam::123456789012:user/ci/ci-deployer', alias: 'ci-deployer', alias_type: 'name' },
    ]);
  });

  it('marks humans and mixed users, and maps sentinels to null', () => {
    expect(by('alice')).toMatchObject({ kind: 'IAM user (console)', credential_type: 'password', last_used_at: utc('2024-05-29T09:00:00Z'), extra: { nhi: 'no' } });
    expect(by('bob')).toMatchObject({ kind: 'IAM user (console + keys)', last_used_at: null, last_rotated_at: utc('2022-07-07T00:00:00Z'), extra: { nhi: 'mixed' } });
    expect(by('bob').extra.password_next_rotation).toBeUndefined();
    expect(by('old-svc')).toMatchObject({ kind: 'IAM user (no credentials)', last_rotated_at: null, last_used_at: utc('2020-01-01T00:00:00Z'), extra: { nhi: 'unknown' } });
    expect(r.notes.some((n) => n.includes('22-column'))).toBe(true);
    expect(r.notes.some((n) => n.includes('1 IAM user(s) with keys and no password'))).toBe(true);
  });
});

describe('credentialReportToInventory (16 columns and non-reports)', () => {
  it('reads the older variant without last-used columns', () => {
    const r = credentialReportToInventory(table('old.csv', REPORT_16));
    expect(r.identities[0]).toMatchObject({
      name: 'legacy-bot',
      account: '210987654321',
      kind: 'IAM user',
      last_rotated_at: utc('2017-01-01T00:00:00Z'),
      last_used_at: null,
    });
    expect(r.notes.some((n) => n.includes('16-column'))).toBe(true);
  });

  it('refuses a table that is not a credential report', () => {
    const r = credentialReportToInventory(table('x.csv', 'user,arn\na,arn:aws:iam::1:user/a\n'));
    expect(r.identities).toEqual([]);
    expect(r.notes[0]).toMatch(/not an AWS IAM credential report/);
  });
});
