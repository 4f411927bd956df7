// Shared inventory helpers: list splitting, per-column date order, identifier classification, identity keys, platforms.
import { describe, expect, it } from 'vitest';
import type { AliasType } from '../../../src/ingest/canonical';
import {
  chooseDateOrder,
  classifyIdentifier,
  dateOrderNote,
  identityKeyFrom,
  identityKeyFromArn,
  inferPlatform,
  normalisePlatform,
  splitList,
} from '../../../src/ingest/inventory/util';

describe('splitList', () => {
  it.each([
    ['s3:GetObject; s3:PutObject', ['s3:GetObject', 's3:PutObject']],
    ['a, b | c\nd\r\ne', ['a', 'b', 'c', 'd', 'e']],
    [' a ;; ;b; a ', ['a', 'b']],
    ['["iam:PassRole", "sts:AssumeRole"]', ['iam:PassRole', 'sts:AssumeRole']],
    ['{"Effect":"Allow","Action":["s3:*"]}; roles/viewer', ['{"Effect":"Allow","Action":["s3:*"]}', 'roles/viewer']],
    ['Contributor (rg-a, rg-b), Reader', ['Contributor (rg-a, rg-b)', 'Reader']],
    ['"a,b",c', ['"a,b"', 'c']],
    ['arn:aws:iam::123456789012:policy/Admin;arn:aws:s3:::bucket/key', ['arn:aws:iam::123456789012:policy/Admin', 'arn:aws:s3:::bucket/key']],
    ['N/A', []],
    ['', []],
    ['unbalanced ( a, b', ['unbalanced ( a, b']],
  ])('%j', (input, expected) => expect(splitList(input)).toEqual(expected));
});

describe('chooseDateOrder', () => {
  it('picks DMY when a day above 12 comes first, MDY when it comes second, MDY by default', () => {
    expect(chooseDateOrder(['03/04/2024', '13/04/2024'])).toMatchObject({ order: 'dmy', ambiguous: 1, decidedBy: '13/04/2024' });
    expect(chooseDateOrder(['03/04/2024', '04/13/2024'])).toMatchObject({ order: 'mdy', ambiguous: 1 });
    expect(chooseDateOrder(['03/04/2024', '2024-01-01'])).toMatchObject({ order: 'mdy', ambiguous: 1, decidedBy: null });
    expect(chooseDateOrder(['13/01/2024', '01/13/2024', '14/01/2024'])).toMatchObject({ order: 'dmy', conflict: true });
  });

  it('writes a note only when something was assumed', () => {
    expect(dateOrderNote('Created', chooseDateOrder(['2024-01-01', '13/02/2024']))).toBeNull();
    expect(dateOrderNote('Created', chooseDateOrder(['03/04/2024']))).toMatch(/assumed MM\/DD\/YYYY/);
    expect(dateOrderNote('Created', chooseDateOrder(['13/01/2024', '01/13/2024']))).toMatch(/point both ways/);
  });
});

describe('identifiers', () => {
  it.each([
    ['AKIAIOSFODNN7EXAMPLE', null, 'access_key_id'],
    ['ASIAIOSFODNN7EXAMPLE', 'key_id', 'access_key_id'],
    ['AROAEXAMPLEID1234567', null, 'principal_id'],
    ['arn:aws:iam::123456789012:role/Deployer', 'arn', 'role_arn'],
    ['arn:aws:iam::123456789012:user/bot', 'role_arn', 'arn'],
    ['system:serviceaccount:ci:runner', null, 'k8s_service_account'],
    ['etl@proj.iam.gserviceaccount.com', 'name', 'email'],
    ['11111111-2222-3333-4444-555555555555', 'app_id', 'app_id'],
    ['11111111-2222-3333-4444-555555555555', null, 'object_id'],
    ['98716', 'token_id', 'token_id'],
    ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'token_id', null],
    ['opaque', null, null],
  ] as const)('%s (hint %s) → %s', (v, hint, type) => expect(classifyIdentifier(v, hint)).toBe(type));

  it('lower-cases IAM ARNs whole but only the prefix of other ARNs', () => {
    expect(identityKeyFromArn('arn:aws:iam::123456789012:role/MyRole')).toBe('arn:aws:iam::123456789012:role/myrole');
    expect(identityKeyFromArn('ARN:AWS:S3:::My-Bucket/Key')).toBe('arn:aws:s3:::My-Bucket/Key');
  });

  it('keys by the strongest identifier, never by an access key', () => {
    const k = (aliases: { alias: string; alias_type: AliasType }[]) => identityKeyFrom(aliases, 'aws', '111', 'Svc  One');
    expect(k([{ alias: 'AKIAIOSFODNN7EXAMPLE', alias_type: 'access_key_id' }])).toBe('aws:111:svc one');
    expect(k([{ alias: 'AKIAIOSFODNN7EXAMPLE', alias_type: 'access_key_id' }, { alias: 'arn:aws:iam::111:user/Svc', alias_type: 'arn' }])).toBe('arn:aws:iam::111:user/svc');
    expect(k([{ alias: '{AAAAAAAA-0000-0000-0000-000000000000}', alias_type: 'object_id' }])).toBe('aaaaaaaa-0000-0000-0000-000000000000');
    expect(k([{ alias: '42', alias_type: 'token_id' }])).toBe('aws:token:42');
  });

  it('infers platforms from identifiers first, words second', () => {
    expect(inferPlatform(['arn:aws:iam::1:role/x'])).toBe('aws');
    expect(inferPlatform(['sa@p.iam.gserviceaccount.com'])).toBe('gcp');
    expect(inferPlatform(['system:serviceaccount:a:b'])).toBe('k8s');
    expect(inferPlatform(['11111111-2222-3333-4444-555555555555'])).toBe('entra');
    expect(inferPlatform([], ['GitHub App'])).toBe('github');
    expect(inferPlatform([], ['dependabot[bot]'])).toBe('github');
    expect(inferPlatform([], ['nightly job'])).toBeNull();
    expect(normalisePlatform('Azure AD')).toBe('entra');
    expect(normalisePlatform('Google Cloud')).toBe('gcp');
    expect(normalisePlatform('mainframe')).toBeNull();
  });
});
