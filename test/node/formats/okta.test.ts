// Okta System Log adapter: real Panther fixtures field by field, plus a service app's client-credentials grant (not in the samples).
import { describe, expect, it } from 'vitest';
import { okta } from '../../../src/ingest/formats/okta';
import type { CanonicalEvent } from '../../../src/ingest/canonical';
import { dataPath, iso, readNdjson, rowEvents, runFile } from './data';

const run = runFile('Okta_SystemLog.ndjson', readNdjson(dataPath('panther_fixtures', 'Okta_SystemLog.ndjson')));
const row = (n: number): CanonicalEvent => {
  const events = rowEvents(run, n);
  expect(events).toHaveLength(1);
  return events[0]!;
};
const where = { source_file: 'okta.json', source_row: 7 };

describe('Okta System Log: real events', () => {
  it('row 5: an admin privilege grant; the target user is the resource', () => {
    const e = row(5);
    expect(e).toMatchObject({
      platform: 'okta',
      source_format: 'okta_system_log',
      event_id: '2a992f80-d1ad-4f62-900e-8c68bb72a21b',
      actor: '00uu1uuuuIlllaaaa356',
      actor_alt: 'jack@acme.io',
      actor_type: 'User',
      credential_id: null,
      action: 'user.account.privilege.grant',
      resource: 'alice@acme.io',
      source_ip: '136.24.229.58',
      user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/86.0.4240.198 Safari/537.36',
      outcome: 'success',
      error_code: null,
      session_type: 'browser',
    });
    expect(iso(e.event_time)).toBe('2020-11-25T21:27:03.496Z');
  });

  it('row 20: lower-cased Panther keys (eventtype, debugcontext…) and a failed MFA with its reason', () => {
    const e = row(20);
    expect(e).toMatchObject({
      action: 'user.authentication.auth_via_mfa',
      actor: '00abc123',
      actor_alt: 'homer.simpson@duff.com',
      outcome: 'failure',
      error_code: 'INVALID_CREDENTIALS',
      resource: 'peter.griffin@company.com',
      source_ip: '1.3.2.4',
    });
    expect(iso(e.event_time)).toBe('2022-06-22T18:18:29.015Z');
  });

  it('row 22: a call made with an API token — the token id is the credential, the session is programmatic', () => {
    expect(row(22)).toMatchObject({
      actor: '00u99ped55av2JpGs5d7',
      actor_alt: 'jim.kalafut@panther.com',
      credential_id: '00T1bjatrp6Nl1dOc5d7',
      action: 'system.org.rate_limit.warning',
      resource: '/api/v1/logs',
      user_agent: 'Go-http-client/2.0',
      session_type: 'api',
      event_id: '44aeb388-08b4-11ef-9cec-73ffcb6f9fdd',
    });
  });

  it('row 10: an API token created — its display name is the resource (Okta writes alternateId "unknown")', () => {
    expect(row(10)).toMatchObject({ action: 'system.api_token.create', resource: 'test_key', credential_id: null });
  });

  it('row 12: an OAuth client as the actor', () => {
    expect(row(12)).toMatchObject({ actor: 'okta.1234.', actor_alt: '123456', actor_type: 'PublicClientApp', action: 'app.oauth2.authorize.code' });
  });
});

const clientCredentials = {
  uuid: 'b1e1c2d3-0000-4000-8000-000000000042',
  published: '2024-04-02T03:04:05.678Z',
  eventType: 'app.oauth2.as.token.grant.access_token',
  version: '0',
  severity: 'INFO',
  displayMessage: 'OAuth2 access token is granted',
  actor: { id: '0oa8xyzServiceApp', type: 'PublicClientApp', alternateId: 'billing-sync', displayName: 'billing-sync' },
  client: { ipAddress: '203.0.113.50', userAgent: { rawUserAgent: 'python-requests/2.31.0', os: 'Unknown', browser: 'UNKNOWN' }, zone: 'null' },
  outcome: { result: 'SUCCESS' },
  target: [
    { id: 'aus1default', type: 'AuthorizationServer', alternateId: 'default', displayName: 'default' },
    { id: 'AT.4Zq', type: 'access_token', alternateId: 'unknown', displayName: 'Access Token' },
  ],
  debugContext: { debugData: { grantType: 'client_credentials', grantedScopes: 'okta.users.read', clientAuthType: 'private_key_jwt' } },
  transaction: { type: 'WEB', id: 'Zk9', detail: {} },
};

describe('Okta System Log: service apps (client credentials)', () => {
  it('the app is the actor; the grant is programmatic', () => {
    const result = okta.normalise(clientCredentials, where);
    expect(result).toEqual({
      events: [
        expect.objectContaining({
          event_id: 'b1e1c2d3-0000-4000-8000-000000000042',
          actor: '0oa8xyzServiceApp',
          actor_alt: 'billing-sync',
          actor_type: 'PublicClientApp',
          credential_id: null,
          action: 'app.oauth2.as.token.grant.access_token',
          resource: 'default',
          source_ip: '203.0.113.50',
          user_agent: 'python-requests/2.31.0',
          outcome: 'success',
          session_type: 'api',
          source_file: 'okta.json',
          source_row: 7,
        }),
      ],
    });
  });

  it('DENY is a failure with its reason; CHALLENGE is neither', () => {
    const deny = okta.normalise({ ...clientCredentials, outcome: { result: 'DENY', reason: 'Client IP not allowed' } }, where);
    expect(deny).toMatchObject({ events: [{ outcome: 'failure', error_code: 'Client IP not allowed' }] });
    const challenge = okta.normalise({ ...clientCredentials, outcome: { result: 'CHALLENGE' } }, where);
    expect(challenge).toMatchObject({ events: [{ outcome: null }] });
  });

  it('rejects an event without published', () => {
    const { published, ...rest } = clientCredentials;
    void published;
    expect(okta.normalise(rest, where)).toEqual({ reject: 'no parseable time' });
  });
});
