// CloudTrail adapter: known real events field by field, the resource / session_type / cross-account choices, and Lake/OCSF rows.
import { describe, expect, it } from 'vitest';
import { cloudtrail } from '../../../src/ingest/formats/cloudtrail';
import type { CanonicalEvent } from '../../../src/ingest/canonical';
import { dataPath, iso, readJsonArray, readNdjson, readRecordsGz, rowEvents, runFile } from './data';

const where = { source_file: 't.json', source_row: 1 };

function one(record: unknown): CanonicalEvent {
  const result = cloudtrail.normalise(record, where);
  if ('reject' in result) throw new Error(`rejected: ${result.reject}`);
  expect(result.events).toHaveLength(1);
  return result.events[0]!;
}

function stratus(file: string, row: number): CanonicalEvent {
  const run = runFile(file, readJsonArray(dataPath('stratus_red_team', file)));
  const events = rowEvents(run, row);
  expect(events).toHaveLength(1);
  return events[0]!;
}

describe('CloudTrail: real events', () => {
  it('an IAM user assuming a role (Stratus organizations-leave, element 3): the role is the resource', () => {
    const e = stratus('aws.defense-evasion.organizations-leave.json', 3);
    expect(e).toMatchObject({
      platform: 'aws',
      source_format: 'cloudtrail',
      event_id: 'e3441619-0bf6-4818-bf18-391fb65ba98e',
      actor: 'arn:aws:iam::307578594326:user/christophe',
      actor_alt: 'AIDA7YYMW5FLWE3HGTNZ',
      actor_type: 'IAMUser',
      account: '307578594326',
      credential_id: 'AKIADVISM0T50G52IF0D',
      action: 'sts:AssumeRole',
      resource: 'arn:aws:iam::307578594326:role/stratus-red-team-leave-org-role',
      resource_account: '307578594326',
      source_ip: '252.5.222.230',
      user_agent: 'stratus-red-team_fd969928-3c0d-4feb-bd56-34f9aee3e6eb',
      outcome: 'success',
      error_code: null,
      is_write: false, // the record says readOnly: true
      session_type: null,
    });
    expect(iso(e.event_time)).toBe('2024-08-02T08:29:59.000Z');
  });

  it('the role session that follows resolves to the role; its session ARN is actor_alt; a denied call is a failure', () => {
    const e = stratus('aws.defense-evasion.organizations-leave.json', 2);
    expect(e).toMatchObject({
      actor: 'arn:aws:iam::307578594326:role/stratus-red-team-leave-org-role',
      actor_alt: 'arn:aws:sts::307578594326:assumed-role/stratus-red-team-leave-org-role/aws-go-sdk-1722587398902687000',
      actor_type: 'AssumedRole',
      credential_id: 'ASIA36EV31F1RB3OA8IG',
      action: 'organizations:LeaveOrganization',
      outcome: 'failure',
      error_code: 'AccessDenied',
      is_write: true,
    });
  });

  it('a federation token resolves to the IAM user that minted it; an invalid anonymised IP is kept as written', () => {
    const e = stratus('aws.persistence.sts-federation-token.json', 2);
    expect(e).toMatchObject({
      actor: 'arn:aws:iam::742491224508:user/stratus-red-team-user-federation-user',
      actor_alt: 'arn:aws:sts::742491224508:federated-user/stratus_red_team',
      actor_type: 'FederatedUser',
      credential_id: 'ASIASTJKC5GCM7ZE6LUP',
      action: 'sts:GetCallerIdentity',
      source_ip: '255.090.254.5',
      session_type: null, // webIdFederationData is empty: not an OIDC session
    });
  });

  it('CreateAccessKey for another user: the resource is that user, built as an IAM ARN in the account', () => {
    const e = stratus('aws.persistence.iam-backdoor-user.json', 1);
    expect(e).toMatchObject({
      actor: 'arn:aws:iam::946986569305:user/christophe',
      credential_id: 'AKIA30BEZSJBVKOFKZW0',
      action: 'iam:CreateAccessKey',
      resource: 'arn:aws:iam::946986569305:user/stratus-red-team-backdoor-u-user',
      resource_account: '946986569305',
      is_write: true,
    });
  });

  it('ConsoleLogin is a console session', () => {
    const e = stratus('aws.initial-access.console-login-without-mfa.json', 1);
    expect(e).toMatchObject({ action: 'signin:ConsoleLogin', session_type: 'console', outcome: 'success', credential_id: null });
  });

  it('grycap 2014: root via the console (GetSessionToken), eventVersion 1.01 without recipientAccountId', () => {
    const records = readRecordsGz(dataPath('grycap_cloudtrail', '974349055189_CloudTrail_us-east-1_20140926T1345Z_NZBN3WkMdr3ql5OT.json.gz'));
    const e = one(records[0]);
    expect(e).toMatchObject({
      event_id: '1aa72db4-c74f-4976-a53f-ed44a5168313',
      actor: 'arn:aws:iam::974349055189:root',
      actor_alt: '974349055189',
      actor_type: 'Root',
      account: '974349055189',
      credential_id: null,
      action: 'sts:GetSessionToken',
      resource: null,
      resource_account: null,
      source_ip: '158.42.105.124',
      user_agent: 'signin.amazonaws.com',
      outcome: 'success',
      is_write: false, // no readOnly in 1.01: inferred from the verb (Get…), as CloudTrail itself marks GetSessionToken
      session_type: 'console', // invoked by signin.amazonaws.com
    });
    expect(iso(e.event_time)).toBe('2014-09-26T13:43:42.000Z');
  });

  it('grycap 2014: an OpsWorks role session from an SDK', () => {
    const records = readRecordsGz(dataPath('grycap_cloudtrail', '974349055189_CloudTrail_us-east-1_20140927T1950Z_6eYA9tIux8XBSUzz.json.gz'));
    const e = one(records[0]);
    expect(e).toMatchObject({
      actor: 'arn:aws:iam::974349055189:role/aws-opsworks-service-role',
      actor_alt: 'arn:aws:sts::974349055189:assumed-role/aws-opsworks-service-role/charlie',
      credential_id: 'ASIAJFJIYUSPW5Z5B76Q',
      action: 'ec2:DescribeSecurityGroups',
      user_agent: 'OpsWorks aws-sdk-ruby/1.18.0 ruby/1.9.3 x86_64-linux',
      is_write: false,
      session_type: null,
    });
  });

  describe('Panther fixtures', () => {
    const run = runFile('AWS_CloudTrail.ndjson', readNdjson(dataPath('panther_fixtures', 'AWS_CloudTrail.ndjson')));
    const row = (n: number) => {
      const events = rowEvents(run, n);
      expect(events).toHaveLength(1);
      return events[0]!;
    };

    it('row 55: a failed ConsoleLogin says so only in responseElements; no ARN, so the principal id is the actor', () => {
      expect(row(55)).toMatchObject({
        actor: 'AIDACKCEVSQ6C2EXAMPLE',
        actor_alt: 'anaya',
        actor_type: 'IAMUser',
        account: '111122223333',
        credential_id: null, // written as ""
        action: 'signin:ConsoleLogin',
        outcome: 'failure',
        error_code: 'Failed authentication',
        session_type: 'console',
        source_ip: '192.0.2.0',
      });
      expect(iso(row(55).event_time)).toBe('2022-11-10T16:24:34.000Z');
    });

    it('row 50: non-ISO time with nanoseconds, bytes from additionalEventData, a bracketed browser agent, lowercase resources[].arn', () => {
      const e = row(50);
      expect(iso(e.event_time)).toBe('2024-11-26T17:23:59.000Z');
      expect(e).toMatchObject({
        action: 's3:GetBucketLifecycle',
        resource: 'arn:aws:s3:::sample-cloudtrail-bucket-name',
        resource_account: '111122223333',
        outcome: 'failure',
        error_code: 'NoSuchLifecycleConfiguration',
        bytes: 313,
        is_write: false,
        session_type: 'browser',
      });
    });

    it('row 32: a record whose keys are all lower-case (Panther duplicate-key quirk) and userIdentity.type missing', () => {
      const e = row(32);
      expect(iso(e.event_time)).toBe('2023-01-10T21:04:02.000Z');
      expect(e).toMatchObject({
        event_id: '5d4b45ed-a15c-41b6-80e9-031729fa060d',
        action: 'dynamodb:GetRecords',
        actor: 'arn:aws:test_arn',
        actor_type: null,
        is_write: false,
      });
    });

    it('Lambda API-version suffixes are dropped so the action is the IAM action', () => {
      expect(row(2).action).toBe('lambda:UpdateFunctionConfiguration');
      expect(row(2).resource).toBe('arn:aws:lambda:us-west-2:123456789012:function:my-lambda-function');
    });
  });
});

const base = {
  eventVersion: '1.09',
  eventTime: '2024-03-01T12:00:00Z',
  awsRegion: 'eu-west-1',
  eventID: 'evt-1',
  eventType: 'AwsApiCall',
  recipientAccountId: '111122223333',
  sourceIPAddress: '203.0.113.9',
  userAgent: 'aws-cli/2.15.0',
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLE:ci',
    arn: 'arn:aws:sts::111122223333:assumed-role/deployer/ci',
    accountId: '111122223333',
    accessKeyId: 'ASIAEXAMPLE0000001',
    sessionContext: {
      sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::111122223333:role/deployer', accountId: '111122223333', userName: 'deployer' },
      attributes: { mfaAuthenticated: 'false', creationDate: '2024-03-01T11:59:00Z' },
    },
  },
};

describe('CloudTrail: resource, cross-account and session_type choices', () => {
  it('S3 object access is kept at bucket level; resource_account is the bucket owner from resources[]', () => {
    const e = one({
      ...base,
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      readOnly: true,
      requestParameters: { bucketName: 'payroll-exports', key: '2024/03/run.csv' },
      resources: [
        { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::payroll-exports/2024/03/run.csv' },
        { accountId: '444455556666', type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::payroll-exports' },
      ],
      additionalEventData: { bytesTransferredOut: '52428800' },
    });
    expect(e.resource).toBe('arn:aws:s3:::payroll-exports');
    // The object entry comes first without accountId; the bucket entry names the owner, another account than the caller's.
    expect(e.resource_account).toBe('444455556666');
    expect(e.account).toBe('111122223333');
    expect(e.bytes).toBe(52428800);
    expect(e.is_write).toBe(false);
  });

  it('cross-account: resource_account is filled whenever known, so `resource_account <> account` finds cross-account use', () => {
    const e = one({
      ...base,
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRole',
      requestParameters: { roleArn: 'arn:aws:iam::999988887777:role/vendor-audit', roleSessionName: 's' },
      resources: [{ ARN: 'arn:aws:iam::999988887777:role/vendor-audit', accountId: '999988887777', type: 'AWS::IAM::Role' }],
    });
    expect(e.account).toBe('111122223333');
    expect(e.resource).toBe('arn:aws:iam::999988887777:role/vendor-audit');
    expect(e.resource_account).toBe('999988887777');
    const same = one({ ...base, eventSource: 'iam.amazonaws.com', eventName: 'DeleteRole', requestParameters: { roleName: 'old' } });
    expect(same.resource).toBe('arn:aws:iam::111122223333:role/old');
    expect(same.resource_account).toBe('111122223333'); // same account: present, equal, not null
  });

  it('well-known requestParameters become resources', () => {
    const rp = (requestParameters: unknown, eventSource = 'lambda.amazonaws.com', eventName = 'Invoke') =>
      one({ ...base, eventSource, eventName, requestParameters }).resource;
    expect(rp({ functionName: 'nightly-export' })).toBe('arn:aws:lambda:eu-west-1:111122223333:function:nightly-export');
    expect(rp({ secretId: 'prod/db' }, 'secretsmanager.amazonaws.com', 'GetSecretValue')).toBe('prod/db');
    expect(rp({ tableName: 'users' }, 'dynamodb.amazonaws.com', 'Scan')).toBe('arn:aws:dynamodb:eu-west-1:111122223333:table/users');
    expect(rp({ topicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts' }, 'sns.amazonaws.com', 'Publish')).toBe('arn:aws:sns:eu-west-1:111122223333:alerts');
    expect(rp({ policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess', userName: 'bob' }, 'iam.amazonaws.com', 'AttachUserPolicy'))
      .toBe('arn:aws:iam::111122223333:user/bob');
    expect(rp(null, 'sts.amazonaws.com', 'GetCallerIdentity')).toBeNull();
  });

  it('session_type precedence: console > mfa > browser > oidc', () => {
    const mfaBase = { ...base.userIdentity, sessionContext: { ...base.userIdentity.sessionContext, attributes: { mfaAuthenticated: 'true' } } };
    const ev = (extra: Record<string, unknown>) => one({ ...base, eventSource: 'ec2.amazonaws.com', eventName: 'DescribeInstances', ...extra });
    expect(ev({ sessionCredentialFromConsole: 'true', userIdentity: mfaBase }).session_type).toBe('console');
    expect(ev({ userIdentity: mfaBase, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0' }).session_type).toBe('mfa');
    expect(ev({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0' }).session_type).toBe('browser');
    expect(ev({ userAgent: 'console.ec2.amazonaws.com' }).session_type).toBe('console');
    const oidc = {
      ...base.userIdentity,
      sessionContext: {
        ...base.userIdentity.sessionContext,
        webIdFederationData: { federatedProvider: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com', attributes: {} },
      },
    };
    expect(ev({ userIdentity: oidc }).session_type).toBe('oidc');
    expect(ev({}).session_type).toBeNull();
  });

  it('an AWS service acting (no ARN) is named by invokedBy; Insight events and digests are not events', () => {
    const e = one({ ...base, eventSource: 'kms.amazonaws.com', eventName: 'Decrypt', userIdentity: { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' } });
    expect(e).toMatchObject({ actor: 'ec2.amazonaws.com', actor_type: 'AWSService', account: null });
    expect(cloudtrail.normalise({ ...base, eventType: 'AwsCloudTrailInsight', eventSource: 'x', eventName: 'y' }, where)).toEqual({ events: [] });
    expect(cloudtrail.normalise({ digestStartTime: '2024-01-01T00:00:00Z', logFiles: [] }, where)).toEqual({ events: [] });
  });

  it('rejects records without a parseable time or without eventSource/eventName', () => {
    expect(cloudtrail.normalise({ ...base, eventSource: 's3.amazonaws.com', eventName: 'GetObject', eventTime: 'redacted' }, where)).toEqual({ reject: 'no parseable time' });
    expect(cloudtrail.normalise({ ...base, eventName: 'GetObject' }, where)).toEqual({ reject: 'not a CloudTrail record (no eventSource/eventName)' });
  });
});

/** CloudTrail Lake / Security Lake (OCSF 1.1 API Activity), mapped as AWS documents the CloudTrail → OCSF fields. */
const ocsf = {
  metadata: { product: { name: 'CloudTrail', vendor_name: 'AWS', version: '1.09', feature: { name: 'Data' } }, uid: 'ocsf-evt-1', version: '1.1.0' },
  time: 1718013600000,
  time_dt: '2024-06-10T10:00:00.000Z',
  class_uid: 6003,
  class_name: 'API Activity',
  category_uid: 6,
  activity_id: 2,
  type_uid: 600302,
  api: { operation: 'GetObject', service: { name: 's3.amazonaws.com' }, request: { uid: 'R1', data: { bucketName: 'payroll-exports', key: 'a.csv' } } },
  actor: {
    user: {
      type: 'AssumedRole',
      uid: 'arn:aws:sts::111122223333:assumed-role/etl-runner/i-0abc',
      uid_alt: 'AROAEXAMPLEID:i-0abc',
      account: { uid: '111122223333' },
      credential_uid: 'ASIAEXAMPLEKEY0001',
      name: 'etl-runner',
    },
    session: { issuer: 'arn:aws:iam::111122223333:role/etl-runner', is_mfa: false },
  },
  src_endpoint: { ip: '198.51.100.7' },
  http_request: { user_agent: 'aws-sdk-java/2.20.0' },
  resources: [{ uid: 'arn:aws:s3:::payroll-exports/a.csv', type: 'AWS::S3::Object', owner: { account: { uid: '444455556666' } } }],
  cloud: { provider: 'AWS', region: 'eu-west-1', account: { uid: '444455556666' } },
  status: 'Success',
  status_id: 1,
};

describe('CloudTrail Lake / OCSF API Activity', () => {
  it('is recognised as CloudTrail and mapped like a classic record', () => {
    expect(cloudtrail.match(ocsf)).toBeGreaterThan(0.9);
    const e = one(ocsf);
    expect(e).toMatchObject({
      source_format: 'cloudtrail',
      event_id: 'ocsf-evt-1',
      actor: 'arn:aws:iam::111122223333:role/etl-runner',
      actor_alt: 'arn:aws:sts::111122223333:assumed-role/etl-runner/i-0abc',
      actor_type: 'AssumedRole',
      account: '111122223333',
      credential_id: 'ASIAEXAMPLEKEY0001',
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::payroll-exports',
      resource_account: '444455556666',
      source_ip: '198.51.100.7',
      user_agent: 'aws-sdk-java/2.20.0',
      outcome: 'success',
      is_write: false,
      session_type: null,
    });
    expect(iso(e.event_time)).toBe('2024-06-10T10:00:00.000Z');
  });

  it('reads failures from api.response.error / status_id and an MFA session', () => {
    const e = one({
      ...ocsf,
      activity_id: 3,
      api: { ...ocsf.api, operation: 'PutBucketPolicy', response: { error: 'AccessDenied', message: 'denied' } },
      actor: { ...ocsf.actor, session: { ...ocsf.actor.session, is_mfa: true } },
      status: 'Failure',
      status_id: 2,
    });
    expect(e).toMatchObject({ action: 's3:PutBucketPolicy', outcome: 'failure', error_code: 'AccessDenied', is_write: true, session_type: 'mfa' });
  });

  it('OCSF from another product is not CloudTrail', () => {
    const other = { ...ocsf, metadata: { ...ocsf.metadata, product: { name: 'Okta', vendor_name: 'Okta' } } };
    expect(cloudtrail.match(other)).toBe(0);
    expect(cloudtrail.normalise(other, where)).toEqual({ reject: 'OCSF record from another product than CloudTrail' });
  });
});
