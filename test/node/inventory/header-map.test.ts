// Header mapping by meaning: spellings, synonyms, content checks, one column per field, and the remembered-mapping signature.
import { describe, expect, it } from 'vitest';
import { applyRememberedMapping, headerSignature, headerWords, manualMapping, mapHeaders } from '../../../src/ingest/inventory/header-map';

const col = (headers: string[], target: Parameters<typeof mapHeaders>[1], field: string) => mapHeaders(headers, target).fields[field]?.column;

describe('mapHeaders (identity)', () => {
  it.each(['Service Account', 'SERVICE_ACCOUNT', 'service-account', 'serviceAccount', '  Service   account ', '\uFEFFService Account'])(
    'reads %j as the name',
    (h) => {
      const m = mapHeaders([h, 'Owner'], 'identity');
      expect(m.fields.name).toMatchObject({ column: 0, confidence: 1 });
      expect(m.fields.owner?.column).toBe(1);
    },
  );

  it('maps the formats.md synonyms', () => {
    const headers = ['Identity', 'Owner (email)', 'Scopes', 'Stored in', 'Rotated on', 'Job window', 'Key ID', 'Owner status', 'Tier', 'Env', 'Dept', 'Third party', 'Creation date', 'Expiry', 'Last used', 'Type', 'Cloud', 'Subscription', 'Approved destinations', 'Data classification'];
    const m = mapHeaders(headers, 'identity');
    const f = (name: string) => m.fields[name]?.header;
    expect(f('name')).toBe('Identity');
    expect(f('owner')).toBe('Owner (email)');
    expect(f('permissions')).toBe('Scopes');
    expect(f('secret_location')).toBe('Stored in');
    expect(f('last_rotated_at')).toBe('Rotated on');
    expect(f('schedule')).toBe('Job window');
    expect(f('owner_status')).toBe('Owner status');
    expect(f('criticality')).toBe('Tier');
    expect(f('environment')).toBe('Env');
    expect(f('team')).toBe('Dept');
    expect(f('vendor')).toBe('Third party');
    expect(f('created_at')).toBe('Creation date');
    expect(f('expires_at')).toBe('Expiry');
    expect(f('last_used_at')).toBe('Last used');
    expect(f('kind')).toBe('Type');
    expect(f('platform')).toBe('Cloud');
    expect(f('account')).toBe('Subscription');
    expect(f('approved_destinations')).toBe('Approved destinations');
    expect(f('allowed_data_classes')).toBe('Data classification');
    expect(m.aliases).toEqual([expect.objectContaining({ header: 'Key ID', alias_type: 'key_id' })]);
    expect(m.unmapped).toEqual([]);
  });

  it('reads several alias columns with their types', () => {
    const m = mapHeaders(['Name', 'ARN', 'Role ARN', 'Access key 1', 'Access key 2', 'Client ID', 'App ID', 'Object ID', 'Principal ID', 'SA email'], 'identity');
    expect(m.aliases.map((a) => [a.header, a.alias_type])).toEqual([
      ['ARN', 'arn'],
      ['Role ARN', 'role_arn'],
      ['Access key 1', 'access_key_id'],
      ['Access key 2', 'access_key_id'],
      ['Client ID', 'client_id'],
      ['App ID', 'app_id'],
      ['Object ID', 'object_id'],
      ['Principal ID', 'principal_id'],
      ['SA email', 'email'],
    ]);
  });

  it('never gives one column to two fields, and prefers the exact synonym', () => {
    const m = mapHeaders(['Owner', 'Owner status', 'Owner email'], 'identity');
    expect(m.fields.owner?.header).toBe('Owner');
    expect(m.fields.owner_status?.header).toBe('Owner status');
    const used = [...Object.values(m.fields).map((f) => f!.column), ...m.aliases.map((a) => a.column)];
    expect(new Set(used).size).toBe(used.length);
  });

  it('gives exact synonyms high confidence and contained words lower', () => {
    const m = mapHeaders(['Key last used on', 'Business owner'], 'identity');
    expect(m.fields.owner?.confidence).toBe(1);
    expect(m.fields.last_used_at?.confidence).toBeGreaterThan(0.5);
    expect(m.fields.last_used_at?.confidence).toBeLessThan(1);
  });

  it('does not map generic words merely contained in a header', () => {
    const m = mapHeaders(['Name', 'Notes about the date'], 'identity');
    expect(m.fields.created_at).toBeUndefined();
    expect(m.unmapped).toEqual([1]);
  });

  it('checks content: a date field refuses a column of non-dates, an alias column refuses dates', () => {
    const rows = [
      ['svc-a', '2024-01-02', 'yes'],
      ['svc-b', '2024-02-03', 'no'],
    ];
    const m = mapHeaders(['Name', 'Access key 1 last rotated', 'Expiry'], 'identity', rows);
    expect(m.fields.last_rotated_at?.column).toBe(1);
    expect(m.fields.expires_at).toBeUndefined();
    expect(m.aliases).toEqual([]);
  });

  it('maps "key age" to key_age_days, but a key-age column of dates to nothing numeric', () => {
    expect(col(['Name', 'Key age (days)'], 'identity', 'key_age_days')).toBe(1);
    const m = mapHeaders(['Name', 'Key age'], 'identity', [['a', '2024-01-01']]);
    expect(m.fields.key_age_days).toBeUndefined();
  });
});

describe('mapHeaders (other targets)', () => {
  it('maps generic event CSV headers', () => {
    const m = mapHeaders(['eventTime', 'Principal', 'Operation', 'Target', 'Client IP', 'User-Agent', 'Result', 'Bytes transferred', 'Access Key ID', 'Error code'], 'event');
    expect(Object.fromEntries(Object.entries(m.fields).map(([k, v]) => [k, v!.header]))).toEqual({
      time: 'eventTime',
      actor: 'Principal',
      action: 'Operation',
      resource: 'Target',
      source_ip: 'Client IP',
      user_agent: 'User-Agent',
      outcome: 'Result',
      bytes: 'Bytes transferred',
      credential_id: 'Access Key ID',
      error_code: 'Error code',
    });
  });

  it('maps change windows and resource classes', () => {
    expect(mapHeaders(['CR', 'Applies to', 'From', 'Until', 'Title'], 'change').fields).toMatchObject({
      change_id: { column: 0 },
      identity: { column: 1 },
      starts_at: { column: 2 },
      ends_at: { column: 3 },
      summary: { column: 4 },
    });
    expect(mapHeaders(['Bucket', 'Sensitivity'], 'resource_class').fields).toMatchObject({ pattern: { column: 0 }, data_class: { column: 1 } });
  });
});

describe('manualMapping and headerSignature', () => {
  it('builds a mapping from the user\'s choice, ignoring unknown fields and bad columns', () => {
    const m = manualMapping(['A', 'B', 'C'], 'identity', { name: 2, owner: 7, bogus: 0, 'alias:arn': [0, 1], permissions: 0 });
    expect(m.fields.name).toMatchObject({ column: 2, confidence: 1 });
    expect(m.fields.owner).toBeUndefined();
    expect(m.fields.permissions).toBeUndefined();
    expect(m.aliases.map((a) => a.column)).toEqual([0, 1]);
    expect(m.unmapped).toEqual([]);
  });

  it('re-applies a remembered mapping by header, whatever the column order', () => {
    const saved = manualMapping(['Svc', 'Who', 'K1', 'K2'], 'identity', { name: 0, owner: 1, 'alias:access_key_id': [2, 3] });
    const again = applyRememberedMapping(saved, ['who', 'K2', 'SVC', 'k1', 'New column']);
    expect(headerSignature(['Svc', 'Who', 'K1', 'K2'])).toBe(headerSignature(['who', 'K2', 'SVC', 'k1']));
    expect(again.fields.name?.column).toBe(2);
    expect(again.fields.owner?.column).toBe(0);
    expect(again.aliases.map((a) => a.column).sort()).toEqual([1, 3]);
    expect(again.unmapped).toEqual([4]);
  });

  it('is stable across order, case and punctuation', () => {
    expect(headerSignature(['Service Account', 'Owner'])).toBe(headerSignature(['owner', 'SERVICE_ACCOUNT']));
    expect(headerSignature(['Service Account', 'Owner'])).not.toBe(headerSignature(['Service Account', 'Owner', 'Env']));
    expect(headerWords('lastRotatedAt')).toEqual(['last', 'rotated', 'at']);
    expect(headerWords('OAuthAppID')).toEqual(['o', 'auth', 'app', 'id']);
  });
});
