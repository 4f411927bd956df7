// Entra ID adapter: real diagnostic-export records (Panther Azure_Audit) and synthetic Graph / Log Analytics / managed-identity rows,
// which the public samples do not include.
import { describe, expect, it } from 'vitest';
import { entraAudit, entraSignin } from '../../../src/ingest/formats/entra';
import { detectLogFormat } from '../../../src/ingest/formats';
import type { CanonicalEvent } from '../../../src/ingest/canonical';
import { dataPath, iso, readNdjson, rowEvents, runFile } from './data';

const run = runFile('Azure_Audit.ndjson', readNdjson(dataPath('panther_fixtures', 'Azure_Audit.ndjson')));
const row = (n: number): CanonicalEvent => {
  const events = rowEvents(run, n);
  expect(events).toHaveLength(1);
  return events[0]!;
};
const where = { source_file: 'entra.json', source_row: 3 };

function one(record: unknown): CanonicalEvent {
  const result = entraSignin.normalise(record, where);
  if ('reject' in result) throw new Error(`rejected: ${result.reject}`);
  expect(result.events).toHaveLength(1);
  // Both Entra formats share one normaliser: the same record gives the same event whichever format the file was detected as.
  expect(entraAudit.normalise(record, where)).toEqual(result);
  return result.events[0]!;
}

describe('Entra ID: real diagnostic-settings records', () => {
  it('row 13: a service-principal sign-in with a client secret key id (Panther lower-cased top-level keys)', () => {
    const e = row(13);
    expect(e).toMatchObject({
      platform: 'entra',
      source_format: 'entra_signin',
      event_id: '55270060-d8fe-435e-9bf2-219a1d456b60',
      actor: '4b6986ec-c49c-40c0-89ce-b2ac51213e39',
      actor_alt: '3b245ca3-dcce-4a54-a070-49ad8de02963',
      actor_type: 'ServicePrincipal',
      account: '85e54ec3-85ee-4b03-9e3b-863075eb9b62',
      credential_id: '2afc776a-4e79-4588-b2ad-f62c94d6bea8',
      action: 'signin:Office 365 Management APIs',
      resource: 'Office 365 Management APIs',
      source_ip: '12.12.12.12',
      user_agent: null,
      outcome: 'success',
      error_code: null,
      is_write: false,
      session_type: 'api',
    });
    // properties.createdDateTime (the sign-in) rather than the export's `time` (when it was written, 48 s later).
    expect(iso(e.event_time)).toBe('2023-07-27T13:59:53.691Z');
  });

  it('row 12: a failed service-principal sign-in (AADSTS7000215, invalid client secret)', () => {
    expect(row(12)).toMatchObject({
      actor: 'b1c34143-e405-4058-8e29-84596ad737b8',
      actor_alt: 'cfceb902-8fab-4f8c-88ba-374d3c975c3a',
      credential_id: null,
      action: 'signin:Azure Storage',
      outcome: 'failure',
      error_code: '7000215',
    });
  });

  it('row 9: a user sign-in failure (status.errorCode wins over resultType "Failure")', () => {
    expect(row(9)).toMatchObject({
      actor: 'boromir@lotr.com',
      actor_alt: 'user-001',
      actor_type: 'User',
      outcome: 'failure',
      error_code: '50053',
      user_agent: 'python-requests/2.28.0',
      action: 'signin:Microsoft Graph',
      session_type: null,
    });
  });

  it('row 44: an admin adds credentials to a service principal (audit); the SP is the resource', () => {
    const e = row(44);
    expect(e).toMatchObject({
      source_format: 'entra_audit',
      actor: 'frodo@lotr.com',
      actor_alt: 'admin-123',
      actor_type: 'User',
      account: 'tenant-123',
      action: 'Add service principal credentials',
      resource: 'Production API Service',
      source_ip: '2.2.2.2',
      outcome: 'success',
      is_write: true,
      credential_id: null,
    });
    expect(iso(e.event_time)).toBe('2025-01-15T09:30:20.123Z');
  });

  it('a file of sign-ins and audits goes to whichever kind is the majority; both kinds normalise', () => {
    expect(run.format?.platform).toBe('entra');
    const audits = readNdjson(dataPath('panther_fixtures', 'Azure_Audit.ndjson')).filter((r) => entraAudit.match(r) > entraSignin.match(r));
    expect(audits).toHaveLength(21);
    expect(detectLogFormat(audits)?.format.format).toBe('entra_audit');
  });
});

const graphSpSignin = {
  id: '7c1a0f3e-1111-4222-8333-944455556666',
  createdDateTime: '2024-05-06T07:08:09Z',
  appId: 'D0E1F2A3-B4C5-4D6E-8F70-8192A3B4C5D6',
  appDisplayName: 'payments-exporter',
  ipAddress: '20.50.60.70',
  servicePrincipalId: '11111111-2222-4333-8444-555555555555',
  servicePrincipalName: 'payments-exporter',
  servicePrincipalCredentialKeyId: '99999999-8888-4777-8666-555555555555',
  servicePrincipalCredentialThumbprint: '',
  clientCredentialType: 'clientSecret',
  resourceDisplayName: 'Microsoft Graph',
  resourceId: '00000003-0000-0000-c000-000000000000',
  resourceTenantId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
  homeTenantId: '12121212-3434-4565-8787-909090909090',
  signInEventTypes: ['servicePrincipal'],
  status: { errorCode: 0, failureReason: null },
};

describe('Entra ID: Graph, Log Analytics and managed identities (synthetic)', () => {
  it('Graph service-principal sign-in; GUIDs lower-cased; the resource tenant is resource_account (cross-tenant use)', () => {
    expect(entraSignin.match(graphSpSignin)).toBeGreaterThan(0.8);
    const e = one(graphSpSignin);
    expect(e).toMatchObject({
      event_id: '7c1a0f3e-1111-4222-8333-944455556666',
      actor: '11111111-2222-4333-8444-555555555555',
      actor_alt: 'd0e1f2a3-b4c5-4d6e-8f70-8192a3b4c5d6',
      actor_type: 'ServicePrincipal',
      account: '12121212-3434-4565-8787-909090909090',
      credential_id: '99999999-8888-4777-8666-555555555555',
      action: 'signin:Microsoft Graph',
      resource: 'Microsoft Graph',
      resource_account: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
      source_ip: '20.50.60.70',
      outcome: 'success',
      session_type: 'api',
    });
    expect(iso(e.event_time)).toBe('2024-05-06T07:08:09.000Z');
  });

  it('diagnostic-settings managed-identity sign-in', () => {
    const e = one({
      time: '2024-05-06T07:10:00.0000000Z',
      category: 'ManagedIdentitySignInLogs',
      tenantId: '12121212-3434-4565-8787-909090909090',
      resultType: '0',
      callerIpAddress: '10.1.2.3',
      properties: {
        id: 'mi-1',
        createdDateTime: '2024-05-06T07:09:58.1234567+00:00',
        servicePrincipalId: '22222222-2222-4222-8222-222222222222',
        appId: '33333333-3333-4333-8333-333333333333',
        servicePrincipalName: 'vm-backup-identity',
        managedIdentityType: 'systemAssigned',
        resourceDisplayName: 'Azure Key Vault',
        ipAddress: '',
      },
    });
    expect(e).toMatchObject({
      actor: '22222222-2222-4222-8222-222222222222',
      actor_type: 'ManagedIdentity',
      action: 'signin:Azure Key Vault',
      source_ip: '10.1.2.3', // properties.ipAddress is empty: the export's callerIpAddress stands in
      outcome: 'success',
      session_type: 'managed_identity',
      credential_id: null,
    });
    expect(iso(e.event_time)).toBe('2024-05-06T07:09:58.123Z');
  });

  it('Log Analytics AADServicePrincipalSignInLogs row: PascalCase columns, federated credential → oidc, failure code', () => {
    const e = one({
      TimeGenerated: '2024-05-06T08:00:00.000Z',
      Type: 'AADServicePrincipalSignInLogs',
      Category: 'ServicePrincipalSignInLogs',
      Id: 'la-1',
      ServicePrincipalId: 'A1B2C3D4-0000-4000-8000-000000000001',
      AppId: 'A1B2C3D4-0000-4000-8000-000000000002',
      ServicePrincipalName: 'gh-actions-deployer',
      IPAddress: '4.5.6.7',
      ResultType: '700213',
      ResourceDisplayName: 'Windows Azure Service Management API',
      ResourceIdentity: '797F4846-BA00-4FD7-BA43-DAC1F8F63013',
      ClientCredentialType: 'federatedIdentityCredential',
      TenantId: 'AAAAAAAA-0000-4000-8000-00000000000A',
    });
    expect(e).toMatchObject({
      event_id: 'la-1',
      actor: 'a1b2c3d4-0000-4000-8000-000000000001',
      actor_alt: 'a1b2c3d4-0000-4000-8000-000000000002',
      account: 'aaaaaaaa-0000-4000-8000-00000000000a',
      action: 'signin:Windows Azure Service Management API',
      source_ip: '4.5.6.7',
      outcome: 'failure',
      error_code: '700213',
      session_type: 'oidc',
    });
  });

  it('Log Analytics AuditLogs row: InitiatedBy / TargetResources as stringified JSON, an app as the actor', () => {
    const record = {
      TimeGenerated: '2024-05-06T09:00:00Z',
      Type: 'AuditLogs',
      Category: 'ApplicationManagement',
      OperationName: 'Update application – Certificates and secrets management ',
      Result: 'success',
      Id: 'Directory_ABC',
      AADTenantId: '12121212-3434-4565-8787-909090909090',
      InitiatedBy: '{"app":{"appId":"44444444-4444-4444-8444-444444444444","displayName":"terraform-cloud","servicePrincipalId":"55555555-5555-4555-8555-555555555555"}}',
      TargetResources: '[{"id":"66666666-6666-4666-8666-666666666666","displayName":"payments-api","type":"Application"}]',
    };
    expect(entraAudit.match(record)).toBeGreaterThan(entraSignin.match(record));
    const e = one(record);
    expect(e).toMatchObject({
      source_format: 'entra_audit',
      event_id: 'Directory_ABC',
      actor: '55555555-5555-4555-8555-555555555555',
      actor_alt: '44444444-4444-4444-8444-444444444444',
      actor_type: 'ServicePrincipal',
      account: '12121212-3434-4565-8787-909090909090',
      action: 'Update application – Certificates and secrets management',
      resource: 'payments-api',
      outcome: 'success',
      is_write: true,
    });
  });

  it('Graph directoryAudit with a failure and its reason', () => {
    const e = one({
      id: 'Directory_XYZ',
      category: 'RoleManagement',
      activityDateTime: '2024-05-06T10:00:00Z',
      activityDisplayName: 'Add member to role',
      operationType: 'Assign',
      result: 'failure',
      resultReason: 'Insufficient privileges',
      initiatedBy: { user: { id: '77777777-7777-4777-8777-777777777777', userPrincipalName: 'ops@contoso.com', ipAddress: '8.8.4.4' } },
      targetResources: [{ id: '88888888-8888-4888-8888-888888888888', userPrincipalName: 'svc-backup@contoso.com', type: 'User' }],
    });
    expect(e).toMatchObject({
      source_format: 'entra_audit',
      actor: 'ops@contoso.com',
      actor_alt: '77777777-7777-4777-8777-777777777777',
      action: 'Add member to role',
      resource: 'svc-backup@contoso.com',
      source_ip: '8.8.4.4',
      outcome: 'failure',
      error_code: 'Insufficient privileges',
    });
  });

  it('rejects an Azure Activity Log record and a sign-in without a time', () => {
    expect(entraSignin.match({ category: 'Administrative', operationName: 'Microsoft.Compute/virtualMachines/write', properties: {} })).toBe(0);
    expect(entraSignin.normalise({ category: 'Administrative', properties: {} }, where)).toEqual({ reject: 'not an Entra ID sign-in or audit record' });
    const { createdDateTime, ...noTime } = graphSpSignin;
    void createdDateTime;
    expect(entraSignin.normalise(noTime, where)).toEqual({ reject: 'no parseable time' });
  });
});
