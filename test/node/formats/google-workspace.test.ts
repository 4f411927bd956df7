// Google Workspace adapter: Panther's flattened fixtures field by field, and the Reports API's own shape (events[] with typed
// parameter lists), including token-audit events of an OAuth client, which the public samples only show flattened.
import { describe, expect, it } from 'vitest';
import { googleWorkspace } from '../../../src/ingest/formats/google-workspace';
import { detectLogFormat } from '../../../src/ingest/formats';
import type { CanonicalEvent } from '../../../src/ingest/canonical';
import { dataPath, iso, readNdjson, rowEvents, runFile } from './data';

const run = runFile('GSuite_ActivityEvent.ndjson', readNdjson(dataPath('panther_fixtures', 'GSuite_ActivityEvent.ndjson')));
const row = (n: number): CanonicalEvent => {
  const events = rowEvents(run, n);
  expect(events).toHaveLength(1);
  return events[0]!;
};
const where = { source_file: 'reports.json', source_row: 1 };

describe('Google Workspace: real (flattened) events', () => {
  it('row 83: a user authorises a third-party OAuth app — the client id is the credential, the app the resource', () => {
    const e = row(83);
    expect(e).toMatchObject({
      platform: 'google_workspace',
      source_format: 'google_workspace',
      event_id: '987654321098765432',
      actor: 'user@example.com',
      actor_alt: '123456789012345678901',
      account: 'C01234abc',
      credential_id: '123456789012-abcdefghijklmnopqrstuvwxyz123456.apps.googleusercontent.com',
      action: 'token:authorize',
      resource: 'LegitimateCalendarApp',
      source_ip: '192.0.2.1',
      user_agent: null,
      outcome: null,
      session_type: null,
    });
    expect(iso(e.event_time)).toBe('2024-01-15T10:30:00.000Z');
  });

  it('row 1: an admin deletes a role', () => {
    expect(row(1)).toMatchObject({
      actor: 'example@example.io',
      actor_type: 'USER',
      action: 'admin:DELETE_ROLE',
      resource: 'CustomAdminRoleName',
      is_write: true,
      source_ip: '12.12.12.12',
    });
  });

  it('row 21: a document download is a read; the title is the resource', () => {
    const e = row(21);
    expect(e).toMatchObject({ action: 'drive:download', resource: 'My Sensitive Document', is_write: false, account: 'CUSTID' });
    expect(iso(e.event_time)).toBe('2025-03-21T21:29:49.364Z');
  });

  it('row 62: a SAML login success', () => {
    expect(row(62)).toMatchObject({ action: 'saml:login_success', outcome: 'success', resource: 'Some SAML Application', event_id: null });
  });
});

/** Reports API activities.list item (token application): two events, typed parameters. */
const reportsActivity = {
  kind: 'admin#reports#activity',
  id: { time: '2024-08-01T12:00:00.000Z', uniqueQualifier: '-4242', applicationName: 'token', customerId: 'C03abc' },
  etag: '"x"',
  actor: { email: 'svc-reports@example.com', profileId: '1111', callerType: 'USER' },
  ipAddress: '203.0.113.77',
  events: [
    {
      type: 'auth',
      name: 'activity',
      parameters: [
        { name: 'client_id', value: '555-abc.apps.googleusercontent.com' },
        { name: 'app_name', value: 'Reporting Robot' },
        { name: 'api_name', value: 'gmail' },
        { name: 'method_name', value: 'gmail.users.messages.list' },
        { name: 'num_response_bytes', intValue: '20480' },
        { name: 'client_type', value: 'WEB' },
      ],
    },
    {
      type: 'auth',
      name: 'authorize',
      parameters: [
        { name: 'client_id', value: '555-abc.apps.googleusercontent.com' },
        { name: 'app_name', value: 'Reporting Robot' },
        { name: 'scope', multiValue: ['https://www.googleapis.com/auth/gmail.readonly', 'openid'] },
      ],
    },
  ],
};

describe('Google Workspace: Reports API activities (synthetic)', () => {
  it('one event per events[] item, with typed parameters read and ids kept unique', () => {
    expect(detectLogFormat([reportsActivity])?.format.format).toBe('google_workspace');
    const result = googleWorkspace.normalise(reportsActivity, where);
    expect(result).toMatchObject({
      events: [
        {
          event_id: '-4242#0',
          actor: 'svc-reports@example.com',
          actor_alt: '1111',
          credential_id: '555-abc.apps.googleusercontent.com',
          action: 'token:activity',
          resource: 'gmail.users.messages.list',
          bytes: 20480,
          source_ip: '203.0.113.77',
          account: 'C03abc',
        },
        { event_id: '-4242#1', action: 'token:authorize', resource: 'Reporting Robot', credential_id: '555-abc.apps.googleusercontent.com' },
      ],
    });
    if ('events' in result) expect(result.events.every((e) => iso(e.event_time) === '2024-08-01T12:00:00.000Z')).toBe(true);
  });

  it('an app acting on its own (actor.applicationInfo) is programmatic; login_failure is a failure', () => {
    const activity = {
      ...reportsActivity,
      id: { ...reportsActivity.id, applicationName: 'login' },
      actor: { callerType: 'KEY', key: 'SYSTEM', applicationInfo: { oauthClientId: '777-robot.apps.googleusercontent.com', applicationName: 'robot' } },
      events: [{ type: 'login', name: 'login_failure', parameters: [{ name: 'login_type', value: 'google_password' }] }],
    };
    expect(googleWorkspace.normalise(activity, where)).toMatchObject({
      events: [{ actor: 'SYSTEM', actor_type: 'KEY', credential_id: '777-robot.apps.googleusercontent.com', outcome: 'failure', session_type: 'api' }],
    });
  });

  it('rejects an activity without id.time, and one whose events have no names', () => {
    expect(googleWorkspace.normalise({ ...reportsActivity, id: { applicationName: 'token' } }, where)).toEqual({ reject: 'no parseable time' });
    expect(googleWorkspace.normalise({ ...reportsActivity, events: [{ type: 'x' }] }, where)).toEqual({
      reject: 'Google Workspace activity without an event name',
    });
  });
});
