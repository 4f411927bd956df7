// Detection by content: each format claims its own records and none of its look-alikes; hostile input never throws.
import { describe, expect, it } from 'vitest';
import { LOG_FORMATS, bestFormatFor, detectLogFormat, normaliseRecord } from '../../../src/ingest/formats';
import { field, MAX_TEXT } from '../../../src/ingest/formats/util';
import type { LogFormat } from '../../../src/ingest/formats';

/** One minimal but real-shaped record per format (format name → record). */
const SAMPLES: Record<string, Record<string, unknown>> = {
  cloudtrail: {
    eventVersion: '1.08', eventTime: '2024-01-01T00:00:00Z', eventSource: 's3.amazonaws.com', eventName: 'GetObject', eventType: 'AwsApiCall',
    userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/ci' }, sourceIPAddress: '1.2.3.4',
  },
  okta_system_log: {
    uuid: 'u1', published: '2024-01-01T00:00:00Z', eventType: 'user.session.start', actor: { id: '00u1', type: 'User', alternateId: 'a@b.c' },
    outcome: { result: 'SUCCESS' }, client: { ipAddress: '1.2.3.4' },
  },
  github_audit: { '@timestamp': 1704067200000, action: 'repo.create', actor: 'octocat', actor_id: 1, org: 'acme', repo: 'acme/x' },
  entra_signin: {
    time: '2024-01-01T00:00:00Z', category: 'ServicePrincipalSignInLogs', resultType: '0',
    properties: { servicePrincipalId: '11111111-1111-4111-8111-111111111111', appId: '22222222-2222-4222-8222-222222222222', resourceDisplayName: 'Microsoft Graph' },
  },
  entra_audit: {
    id: 'Directory_1', activityDateTime: '2024-01-01T00:00:00Z', activityDisplayName: 'Add owner to application',
    initiatedBy: { user: { userPrincipalName: 'a@b.c' } }, targetResources: [{ displayName: 'app' }], result: 'success',
  },
  gcp_audit: {
    insertId: 'i1', timestamp: '2024-01-01T00:00:00Z', logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity',
    protoPayload: { '@type': 'type.googleapis.com/google.cloud.audit.AuditLog', serviceName: 'iam.googleapis.com', methodName: 'google.iam.admin.v1.CreateServiceAccountKey' },
  },
  k8s_audit: {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', auditID: 'a1', stage: 'ResponseComplete', verb: 'get', user: { username: 'system:serviceaccount:ns:sa' },
    objectRef: { resource: 'secrets', namespace: 'ns', name: 's' }, requestReceivedTimestamp: '2024-01-01T00:00:00Z', responseStatus: { code: 200 },
  },
  google_workspace: {
    kind: 'admin#reports#activity', id: { time: '2024-01-01T00:00:00Z', applicationName: 'token', uniqueQualifier: '1' }, actor: { email: 'a@b.c' },
    events: [{ name: 'authorize', parameters: [{ name: 'client_id', value: 'c' }] }],
  },
  slack_audit: {
    id: 's1', date_create: 1704067200, action: 'user_login', actor: { type: 'user', user: { id: 'U1', email: 'a@b.c' } },
    entity: { type: 'user', user: { id: 'U1' } }, context: { ip_address: '1.2.3.4', ua: 'x' },
  },
};

function byFormat(name: string): LogFormat {
  const f = LOG_FORMATS.find((x) => x.format === name);
  if (!f) throw new Error(name);
  return f;
}

describe('detection: every format claims its own records and rejects the others', () => {
  for (const [name, record] of Object.entries(SAMPLES)) {
    it(`${name} sample`, () => {
      expect(byFormat(name).match(record)).toBeGreaterThanOrEqual(0.85);
      expect(bestFormatFor(record)?.format.format).toBe(name);
      expect(detectLogFormat([record, record, record])?.format.format).toBe(name);
      for (const other of LOG_FORMATS) {
        if (other.format === name || other.platform === byFormat(name).platform) continue; // the two Entra formats share records
        expect(other.match(record), `${other.format} must not claim ${name}`).toBeLessThan(0.5);
      }
    });
  }

  it('Slack and GitHub both write `action` + `actor`: the actor being an object or a login decides', () => {
    const github = byFormat('github_audit');
    const slack = byFormat('slack_audit');
    expect(github.match(SAMPLES.slack_audit)).toBe(0);
    expect(slack.match(SAMPLES.github_audit)).toBe(0);
    // A GitHub CSV row with only strings is still GitHub; a Slack record with a dotted action is still Slack.
    expect(github.match({ action: 'git.clone', actor: 'bot', created_at: '1704067200000' })).toBeGreaterThan(0.8);
    expect(slack.match({ ...SAMPLES.slack_audit, action: 'pref.sso_setting_changed' })).toBeGreaterThan(0.8);
  });

  it('CloudTrail writes `eventType` too; without an actor object and with an eventSource it is not Okta', () => {
    expect(byFormat('okta_system_log').match(SAMPLES.cloudtrail)).toBe(0);
    expect(byFormat('cloudtrail').match(SAMPLES.okta_system_log)).toBe(0);
  });

  it('OCSF from other products is not CloudTrail; OCSF from CloudTrail is', () => {
    const ocsf = { class_uid: 6003, time: 1704067200000, api: { operation: 'GetObject', service: { name: 's3.amazonaws.com' } }, metadata: { product: { name: 'CloudTrail', vendor_name: 'AWS' } } };
    expect(detectLogFormat([ocsf])?.format.format).toBe('cloudtrail');
    expect(detectLogFormat([{ ...ocsf, metadata: { product: { name: 'Okta', vendor_name: 'Okta' } }, api: { operation: 'user.session.start' } }])).toBeNull();
  });

  it('Azure Activity Log and core/v1 Kubernetes Events are recognised as nothing', () => {
    expect(detectLogFormat([{ time: '2024-01-01T00:00:00Z', category: 'Administrative', operationName: 'Microsoft.Compute/virtualMachines/write', properties: { statusCode: 'Created' }, callerIpAddress: '1.2.3.4' }])).toBeNull();
    expect(detectLogFormat([{ kind: 'Event', apiVersion: 'v1', reason: 'Pulled', involvedObject: { kind: 'Pod' } }])).toBeNull();
  });

  it('a file is decided by its majority; the odd record is still normalised by the format that claims it', () => {
    const records = [SAMPLES.cloudtrail, SAMPLES.cloudtrail, SAMPLES.cloudtrail, SAMPLES.okta_system_log];
    const d = detectLogFormat(records);
    expect(d?.format.format).toBe('cloudtrail');
    expect(d?.matched).toBe(3);
    expect(d?.confidence).toBeGreaterThan(0.7);
    const result = normaliseRecord(d!.format, SAMPLES.okta_system_log, { source_file: 'f', source_row: 4 });
    expect(result).toMatchObject({ events: [{ source_format: 'okta_system_log', actor: '00u1' }] });
  });

  it('empty input, only junk, or a low-confidence sample gives no format', () => {
    expect(detectLogFormat([])).toBeNull();
    expect(detectLogFormat([null, 42, 'str', [], {}])).toBeNull();
    expect(detectLogFormat([{ kind: 0 }])).toBeNull();
    // One CloudTrail record among nine unrelated rows is not enough to call the file CloudTrail.
    expect(detectLogFormat([SAMPLES.cloudtrail, ...Array.from({ length: 9 }, (_, i) => ({ id: i, name: 'x' }))])).toBeNull();
  });
});

describe('hostile input never throws', () => {
  const huge = 'A'.repeat(1_000_000);
  const throwing = Object.defineProperty({}, 'eventSource', {
    enumerable: true,
    get() {
      throw new Error('boom');
    },
  });
  const proxy = new Proxy({}, {
    get() {
      throw new Error('proxy');
    },
    ownKeys() {
      throw new Error('proxy keys');
    },
    has() {
      throw new Error('proxy has');
    },
    getOwnPropertyDescriptor() {
      throw new Error('proxy descriptor');
    },
  });
  let deep: Record<string, unknown> = {};
  for (let i = 0; i < 10_000; i++) deep = { protoPayload: deep, actor: deep };

  const inputs: [string, unknown][] = [
    ['null', null],
    ['undefined', undefined],
    ['42', 42],
    ['a string', 'str'],
    ['an empty array', []],
    ['an array of records', [SAMPLES.cloudtrail]],
    ['eventSource as an object', { eventSource: {}, eventName: [], userIdentity: 'x', eventTime: {} }],
    ['wrong types everywhere', { action: 5, actor: [], '@timestamp': {}, eventType: true, published: [], id: 'x', kind: 'Event', verb: {}, protoPayload: [] }],
    ['a throwing getter', throwing],
    ['a throwing proxy', proxy],
    ['deep nesting', deep],
    ['JSON with __proto__', JSON.parse('{"__proto__": {"eventSource": "s3.amazonaws.com"}, "constructor": {"name": "x"}, "eventName": "GetObject"}')],
    ['NaN and Infinity times', { eventSource: 's3.amazonaws.com', eventName: 'GetObject', eventTime: Number.NaN, date_create: Infinity }],
  ];

  for (const format of LOG_FORMATS) {
    it(`${format.format}: match and normalise survive everything`, () => {
      for (const [label, input] of inputs) {
        let score = -1;
        expect(() => (score = format.match(input)), label).not.toThrow();
        expect(score, label).toBeGreaterThanOrEqual(0);
        expect(score, label).toBeLessThanOrEqual(1);
        let result: unknown;
        expect(() => (result = format.normalise(input, { source_file: 'x', source_row: 1 })), label).not.toThrow();
        expect(result, label).toBeTypeOf('object');
        if (result !== null && typeof result === 'object' && 'reject' in result) expect(typeof result.reject).toBe('string');
      }
    });
  }

  it('non-objects are rejected with a reason that says what arrived', () => {
    expect(byFormat('cloudtrail').normalise(null, { source_file: 'x', source_row: 1 })).toEqual({
      reject: 'not a AWS CloudTrail record (null, expected a JSON object)',
    });
    expect(byFormat('github_audit').normalise([], { source_file: 'x', source_row: 1 })).toEqual({
      reject: 'not a GitHub audit log record (an array, expected a JSON object)',
    });
  });

  it('a 1 MB value is cut to MAX_TEXT characters, the rest of the event intact', () => {
    for (const [name, record] of Object.entries(SAMPLES)) {
      const big = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
      if (name === 'cloudtrail') big.userAgent = huge;
      else if (name === 'github_audit') big.actor = huge;
      else if (name === 'slack_audit') (big.context as Record<string, unknown>).ua = huge;
      else big.__huge = huge; // other formats: an unknown huge field must not matter
      const result = byFormat(name).normalise(big, { source_file: 'x', source_row: 1 });
      expect('events' in result, name).toBe(true);
      if (!('events' in result)) continue;
      for (const e of result.events) {
        for (const v of Object.values(e)) if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(MAX_TEXT + 1);
      }
    }
  });

  it('detection survives hostile samples too', () => {
    expect(() => detectLogFormat([throwing, proxy, deep, huge, null])).not.toThrow();
  });
});

describe('field: exact key first, then the same key in another case', () => {
  it('matches ASCII keys ignoring case only, own properties only, and non-ASCII keys as toLowerCase does', () => {
    const record = JSON.parse('{"EventName":"a","eventname":"b","[x]":1,"ÉTAT":"é","Ärger":2}') as Record<string, unknown>;
    expect(field(record, 'eventname')).toBe('b');
    expect(field(record, 'EVENTNAME')).toBe('a');
    expect(field(record, 'EventNamf')).toBeUndefined();
    expect(field(record, '{X}')).toBeUndefined(); // '[' | 32 is '{': only letters fold
    expect(field(record, '[X]')).toBe(1);
    expect(field(record, 'état')).toBe('é');
    expect(field(record, 'ärger')).toBe(2);
    expect(field(record, 'Constructor')).toBeUndefined();
    expect(field(record, '__PROTO__')).toBeUndefined();
    expect(field([1], '0')).toBeUndefined();
  });
});
