// Slack audit-log adapter: Panther fixtures field by field and the API's own epoch-second records with an app as the actor.
import { describe, expect, it } from 'vitest';
import { slack } from '../../../src/ingest/formats/slack';
import type { CanonicalEvent } from '../../../src/ingest/canonical';
import { dataPath, iso, readNdjson, rowEvents, runFile } from './data';

const run = runFile('Slack_AuditLogs.ndjson', readNdjson(dataPath('panther_fixtures', 'Slack_AuditLogs.ndjson')));
const row = (n: number): CanonicalEvent => {
  const events = rowEvents(run, n);
  expect(events).toHaveLength(1);
  return events[0]!;
};
const where = { source_file: 'slack.json', source_row: 9 };

describe('Slack audit logs: real events', () => {
  it('row 1: an app’s scopes expanded in a workspace (Panther writes date_create as text)', () => {
    const e = row(1);
    expect(e).toMatchObject({
      platform: 'slack',
      source_format: 'slack_audit',
      event_id: '9d9b76ce-47bb-4838-a96a-1b5fd4d1b564',
      actor: 'A012B3CDEFG',
      actor_alt: 'user@example.com',
      actor_type: 'user',
      account: 'T01234N56GB',
      action: 'app_scopes_expanded',
      resource: 'workspace:T01234N56GB',
      resource_account: 'T01234N56GB',
      source_ip: '1.2.3.4',
      outcome: null,
      session_type: 'browser',
    });
    expect(e.user_agent).toMatch(/^Mozilla\/5\.0 \(Macintosh/);
    expect(iso(e.event_time)).toBe('2022-07-28T16:48:14.000Z');
  });

  it('row 9: an app installed by a user of an Enterprise Grid org; the app is the resource', () => {
    expect(row(9)).toMatchObject({
      actor: 'W012J3FEWAU',
      account: 'E012MH3HS94',
      action: 'app_installed',
      resource: 'app:A012F34BFEF',
      resource_account: 'T01770N79GB',
      user_agent: 'Go-http-client/2.0',
      session_type: null,
    });
  });
});

describe('Slack audit logs: API records (synthetic)', () => {
  const record = {
    id: '0123a45b-6c7d-8900-e12f-3456789gh0i1',
    date_create: 1717243200,
    action: 'file_downloaded',
    actor: { type: 'app', app: { id: 'A0BOT12345', name: 'export-bot', is_distributed: false, team: 'T0ACME' } },
    entity: { type: 'file', file: { id: 'F0SECRET1', name: 'payroll.xlsx', filetype: 'xlsx', title: 'payroll' } },
    context: { location: { type: 'workspace', id: 'T0ACME', name: 'acme', domain: 'acme' }, ua: 'Slackbot 1.0', ip_address: '198.51.100.99' },
  };

  it('epoch seconds, an app actor, a file entity', () => {
    const result = slack.normalise(record, where);
    expect(result).toEqual({
      events: [expect.objectContaining({
        event_time: Date.UTC(2024, 5, 1, 12, 0, 0),
        actor: 'A0BOT12345',
        actor_alt: 'export-bot',
        actor_type: 'app',
        account: 'T0ACME',
        action: 'file_downloaded',
        resource: 'file:F0SECRET1',
        source_ip: '198.51.100.99',
        user_agent: 'Slackbot 1.0',
        session_type: null,
        source_row: 9,
      })],
    });
  });

  it('no date_create is a reject', () => {
    const { date_create, ...rest } = record;
    void date_create;
    expect(slack.normalise(rest, where)).toEqual({ reject: 'no parseable time' });
  });
});
