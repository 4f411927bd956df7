// GitHub audit-log adapter: a real export (Azure Sentinel sample), Panther fixtures, and a CSV-export row where every value is text.
import { describe, expect, it } from 'vitest';
import { github } from '../../../src/ingest/formats/github';
import { detectLogFormat } from '../../../src/ingest/formats';
import type { CanonicalEvent } from '../../../src/ingest/canonical';
import { dataPath, iso, readNdjson, rowEvents, runFile, type FileRun } from './data';

function at(run: FileRun, n: number): CanonicalEvent {
  const events = rowEvents(run, n);
  expect(events).toHaveLength(1);
  return events[0]!;
}

const sentinel = runFile('github.ndjson', readNdjson(dataPath('github_audit', 'azure_sentinel_Github_sample_logs.subset.ndjson')));
const panther = runFile('GitHub_Audit.ndjson', readNdjson(dataPath('panther_fixtures', 'GitHub_Audit.ndjson')));
const where = { source_file: 'audit.csv', source_row: 2 };

describe('GitHub audit log: real events', () => {
  it('Sentinel line 3: a fine-grained PAT created from the web UI — its hashed_token is the credential, the session a browser', () => {
    const e = at(sentinel, 3);
    expect(e).toMatchObject({
      platform: 'github',
      source_format: 'github_audit',
      event_id: 'EwzjMQf34x1JlVxp8sv1zQ',
      actor: 'siteshjha11',
      actor_alt: '13924979',
      actor_type: 'User',
      account: 'x-sentinellabs',
      credential_id: 'KjZa/GOlvFtvgzAfpJVdPNhNKFc4Lxt2otCHw9fp3Po=',
      action: 'personal_access_token.create',
      resource: 'x-sentinellabs',
      source_ip: null,
      outcome: null,
      is_write: true,
      session_type: 'browser',
    });
    expect(e.user_agent).toMatch(/^Mozilla\/5\.0 \(Windows NT 10\.0/);
    expect(iso(e.event_time)).toBe('2024-03-24T15:01:39.390Z');
  });

  it('Sentinel line 8: a repository created; the repository is the resource', () => {
    const e = at(sentinel, 8);
    expect(e).toMatchObject({ action: 'repo.create', resource: 'siteshjha11/Azure-Sentinel', account: null, credential_id: null });
    expect(iso(e.event_time)).toBe('2024-03-21T11:48:18.541Z');
  });

  it('Panther row 69: a clone with an OAuth token (hashed_token preferred to token_id), Panther-style at_sign_timestamp', () => {
    const e = at(panther, 69);
    expect(e).toMatchObject({
      event_id: 'KCYtigpnShPBSohA4OXbRg==',
      actor: 'acme-inc-user',
      actor_alt: '123456789',
      actor_type: null,
      account: 'acme-inc',
      credential_id: '0771cae4d170dc02a6ff393d9946cd684d6145c1=',
      action: 'git.clone',
      resource: 'acme-inc/a-repo',
      source_ip: '5.6.7.8',
      user_agent: 'git/2.30.2',
      outcome: null,
      session_type: 'api',
    });
    expect(iso(e.event_time)).toBe('2023-11-20T21:20:09.423Z');
  });

  it('Panther row 98: a GitHub App token run by a bot; token_id is the credential', () => {
    expect(at(panther, 98)).toMatchObject({
      actor: 'github-actions[bot]',
      actor_type: 'Bot',
      credential_id: '1111111111111',
      resource: 'YourCompany/YourRepo',
      account: 'YourCompany',
      session_type: 'api',
      is_write: true,
    });
  });
});

describe('GitHub audit log: CSV export rows (every value a string)', () => {
  const csvRow = {
    '@timestamp': '1711431195806',
    _document_id: 'FpmfFy7BlV_BRVzeuBc3Ww',
    action: 'git.fetch',
    actor: 'deploy-bot',
    actor_id: '13924979',
    actor_ip: ' 198.51.100.23 ',
    actor_is_bot: 'false',
    created_at: '1711431195806',
    hashed_token: '',
    token_id: '987654',
    operation_type: 'access',
    org: 'acme',
    programmatic_access_type: 'Fine-grained personal access token',
    repo: 'acme/payments',
    user_agent: 'git/2.43.0',
  };

  it('digit strings are times and ids, empty cells are absent, values are trimmed', () => {
    const result = github.normalise(csvRow, where);
    expect(result).toEqual({
      events: [
        expect.objectContaining({
          event_id: 'FpmfFy7BlV_BRVzeuBc3Ww',
          actor: 'deploy-bot',
          actor_alt: '13924979',
          actor_type: 'User',
          credential_id: '987654', // hashed_token is an empty cell
          action: 'git.fetch',
          resource: 'acme/payments',
          account: 'acme',
          source_ip: '198.51.100.23',
          is_write: false,
          session_type: 'api',
          source_file: 'audit.csv',
          source_row: 2,
        }),
      ],
    });
    if ('events' in result) expect(iso(result.events[0]!.event_time)).toBe('2024-03-26T05:33:15.806Z');
    expect(detectLogFormat([csvRow, csvRow])?.format.format).toBe('github_audit');
  });

  it('ISO times work too; no time at all is a reject', () => {
    const iso8601 = github.normalise({ action: 'org.add_member', actor: 'a', created_at: '2024-01-02T03:04:05Z', org: 'acme' }, where);
    expect(iso8601).toMatchObject({ events: [{ event_time: Date.UTC(2024, 0, 2, 3, 4, 5), resource: 'acme' }] });
    expect(github.normalise({ action: 'org.add_member', actor: 'a' }, where)).toEqual({ reject: 'no parseable time' });
  });
});
