// GCP Cloud Audit Logs adapter: real Panther fixtures field by field, the method shortening, and GKE entries handed to Kubernetes.
import { describe, expect, it } from 'vitest';
import { gcp, shortMethod } from '../../../src/ingest/formats/gcp';
import { k8s } from '../../../src/ingest/formats/k8s';
import type { CanonicalEvent } from '../../../src/ingest/canonical';
import { dataPath, iso, readNdjson, rowEvents, runFile } from './data';

const records = readNdjson(dataPath('panther_fixtures', 'GCP_AuditLog.ndjson'));
const run = runFile('GCP_AuditLog.ndjson', records);
const row = (n: number): CanonicalEvent => {
  const events = rowEvents(run, n);
  expect(events).toHaveLength(1);
  return events[0]!;
};
const where = { source_file: 'gcp.json', source_row: 1 };

describe('GCP audit logs: real events', () => {
  it('row 13: a service account using a key — the key (as `gcloud … keys list` names it) is the credential', () => {
    const e = row(13);
    expect(e).toMatchObject({
      platform: 'gcp',
      source_format: 'gcp_audit',
      event_id: null,
      actor: 'whodoneit@some-project.iam.gserviceaccount.com',
      actor_alt: 'serviceAccount:whodoneit@some-project.iam.gserviceaccount.com',
      actor_type: 'ServiceAccount',
      account: 'some-project',
      credential_id: 'projects/some-project/serviceAccounts/whodoneit@some-project.iam.gserviceaccount.com/keys/123er456788',
      action: 'cloudbuild:CreateBuild',
      resource: 'projects/some-project/builds',
      resource_account: 'some-project',
      source_ip: '189.163.74.177', // written `callerIP` by Panther, `callerIp` by GCP
      user_agent: '(gzip),gzip(gfe),gzip(gfe)',
      outcome: 'success',
      is_write: true,
      session_type: 'api',
    });
    expect(iso(e.event_time)).toBe('2024-01-25T11:55:08.919Z');
  });

  it('row 53: a denied object delete; objects are kept at bucket level', () => {
    const e = row(53);
    expect(e).toMatchObject({
      actor: 'user@example.com',
      actor_type: 'User',
      action: 'storage:objects.delete',
      resource: 'projects/_/buckets/test-bucket',
      resource_account: null, // `_` is not a project
      outcome: 'failure',
      error_code: '7',
      is_write: true,
    });
    expect(iso(e.event_time)).toBe('2025-12-15T15:40:29.533Z');
  });

  it('row 55: an object read from the CLI', () => {
    expect(row(55)).toMatchObject({
      action: 'storage:objects.get',
      resource: 'projects/_/buckets/source-bucket',
      account: 'victim-project',
      source_ip: '1.2.3.4',
      user_agent: 'google-cloud-sdk gcloud/548.0.0 command/gcloud.storage.cp',
      is_write: false,
      session_type: null,
    });
  });

  it('row 75: a token minted for a service account by impersonation (only principalSubject is logged)', () => {
    expect(row(75)).toMatchObject({
      actor: 'example_principal_subject',
      actor_alt: null,
      action: 'iamcredentials:GenerateAccessToken',
      resource: 'projects/-/serviceAccounts/11111222223333444455',
      resource_account: null,
      account: 'sample_project_id',
      source_ip: 'gce-internal-ip',
      session_type: 'impersonation',
      event_id: '1dy9ihte4iyjz',
    });
  });

  it('GKE entries in a GCP export become Kubernetes events, the same whichever adapter reads them', () => {
    const gke = records.filter((r) => JSON.stringify(r).includes('"io.k8s.core.v1.pods.create"') && JSON.stringify(r).includes('"timestamp"'));
    expect(gke.length).toBeGreaterThan(0);
    for (const record of gke) {
      const viaGcp = gcp.normalise(record, where);
      expect(viaGcp).toEqual(k8s.normalise(record, where));
      expect(viaGcp).toMatchObject({ events: [{ source_format: 'k8s_audit', platform: 'k8s', action: 'create pods' }] });
    }
  });
});

describe('GCP audit logs: method names', () => {
  it.each([
    ['google.iam.admin.v1.CreateServiceAccountKey', 'iam', 'CreateServiceAccountKey'],
    ['google.admin.AdminService.addGroupMember', 'admin', 'addGroupMember'],
    ['v1.compute.firewalls.patch', 'compute', 'firewalls.patch'],
    ['beta.compute.instances.insert', 'compute', 'instances.insert'],
    ['storage.objects.get', 'storage', 'objects.get'],
    ['google.storage.objects.get', 'storage', 'objects.get'],
    ['jobservice.insert', 'bigquery', 'jobservice.insert'],
    ['SetIamPolicy', 'cloudresourcemanager', 'SetIamPolicy'],
    ['google.ssh-serialport.v1.connect', 'us-central1-ssh-serialport', 'connect'],
  ])('%s → %s:%s', (method, service, expected) => {
    expect(shortMethod(method, service)).toBe(expected);
  });
});

describe('GCP audit logs: synthetic shapes', () => {
  const entry = {
    insertId: 'abc123',
    logName: 'projects/prod-data/logs/cloudaudit.googleapis.com%2Fdata_access',
    timestamp: '2024-07-01T02:03:04.567Z',
    resource: { type: 'bigquery_dataset', labels: { project_id: 'prod-data' } },
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      serviceName: 'bigquery.googleapis.com',
      methodName: 'google.cloud.bigquery.v2.TableDataService.List',
      resourceName: 'projects/prod-data/datasets/hr/tables/salaries',
      authenticationInfo: {
        principalEmail: 'etl@prod-data.iam.gserviceaccount.com',
        serviceAccountKeyName: '//iam.googleapis.com/projects/prod-data/serviceAccounts/etl@prod-data.iam.gserviceaccount.com/keys/0a1b2c',
        serviceAccountDelegationInfo: [{ firstPartyPrincipal: { principalEmail: 'dev@example.com' } }],
      },
      requestMetadata: { callerIp: '34.1.2.3', callerSuppliedUserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0' },
      status: { code: 0 },
    },
  };

  it('a browser agent outranks impersonation and key use as session_type', () => {
    const result = gcp.normalise(entry, where);
    expect(result).toMatchObject({
      events: [{
        action: 'bigquery:List',
        credential_id: 'projects/prod-data/serviceAccounts/etl@prod-data.iam.gserviceaccount.com/keys/0a1b2c',
        resource: 'projects/prod-data/datasets/hr/tables/salaries',
        is_write: false,
        outcome: 'success',
        session_type: 'browser',
      }],
    });
  });

  it('without serviceName the service comes from the method; without methodName the entry is rejected', () => {
    const noService = { ...entry, protoPayload: { ...entry.protoPayload, serviceName: undefined, methodName: 'compute.instances.list' } };
    expect(gcp.normalise(noService, where)).toMatchObject({ events: [{ action: 'compute:instances.list' }] });
    const noMethod = { ...entry, protoPayload: { ...entry.protoPayload, methodName: undefined } };
    expect(gcp.normalise(noMethod, where)).toEqual({ reject: 'GCP audit entry without methodName' });
  });
});
