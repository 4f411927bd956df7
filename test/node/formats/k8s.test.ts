// Kubernetes audit adapter: falco traces and EKS fixtures field by field, AKS diagnostic wrappers, GKE entries, stage handling.
import { describe, expect, it } from 'vitest';
import { k8s } from '../../../src/ingest/formats/k8s';
import type { CanonicalEvent } from '../../../src/ingest/canonical';
import { dataPath, iso, readNdjson, rowEvents, runFile } from './data';

const where = { source_file: 'audit.log', source_row: 4 };

function falco(file: string): CanonicalEvent {
  const run = runFile(file, readNdjson(dataPath('falco_k8s_audit', file)));
  expect(run.events).toHaveLength(1);
  return run.events[0]!;
}

const eks = runFile('Amazon_EKS_Audit.ndjson', readNdjson(dataPath('panther_fixtures', 'Amazon_EKS_Audit.ndjson')));
const eksRow = (n: number): CanonicalEvent => {
  const events = rowEvents(eks, n);
  expect(events).toHaveLength(1);
  return events[0]!;
};

describe('Kubernetes audit: real events', () => {
  it('falco create_secret: a user creates a secret', () => {
    const e = falco('create_secret.json');
    expect(e).toMatchObject({
      platform: 'k8s',
      source_format: 'k8s_audit',
      event_id: '55a81824-ab56-46c5-8b02-96336f5e78d7',
      actor: 'minikube-user',
      actor_alt: null,
      actor_type: null,
      account: null,
      credential_id: null,
      action: 'create secrets',
      resource: 'default/secrets/example-secret',
      source_ip: '192.168.64.1',
      user_agent: 'kubectl/v1.17.3 (darwin/amd64) kubernetes/06ad960',
      outcome: 'success',
      error_code: null,
      is_write: true,
      session_type: null,
    });
    expect(iso(e.event_time)).toBe('2020-04-21T17:57:05.541Z');
  });

  it('falco attach_pod: a ResponseStarted record of a long-running attach; subresource in the action', () => {
    const e = falco('attach_pod.json');
    expect(e).toMatchObject({
      action: 'create pods/attach',
      resource: 'default/pods/nginx-deployment-7998647bdf-phvq7',
      outcome: 'success', // 101 Switching Protocols
      event_id: '14933b4e-7b09-4964-af09-b7987367e1ba',
    });
    expect(iso(e.event_time)).toBe('2018-10-26T13:42:46.764Z');
  });

  it('falco create_nginx_pod_privileged (audit.k8s.io/v1beta1): a service account creating into a collection', () => {
    const e = falco('create_nginx_pod_privileged.json');
    expect(e).toMatchObject({
      actor: 'system:serviceaccount:kube-system:replicaset-controller',
      actor_alt: '8d5e1349-d30f-11e8-96d9-080027728ac4',
      actor_type: 'ServiceAccount',
      action: 'create pods',
      resource: 'default/pods',
      source_ip: '::1',
    });
    // requestReceivedTimestamp, not the second-resolution v1beta1 `timestamp` written first in the record.
    expect(iso(e.event_time)).toBe('2018-10-25T14:09:12.572Z');
  });

  it('EKS row 9: an IAM role mapped to a cluster user — its canonical IAM ARN and access key are kept', () => {
    const e = eksRow(9);
    expect(e).toMatchObject({
      event_id: '35506555-dffc-4337-b2b1-c4af52b88e18',
      actor: 'kubernetes-admin',
      actor_alt: 'arn:aws:iam::123412341234:role/DevAdministrator',
      credential_id: 'ASIARLIVEKVNN6Y6J5UW',
      action: 'get pods/log',
      resource: 'default/pods/kube-bench-drn4j',
      source_ip: '5.5.5.5',
      is_write: false,
      outcome: 'success',
    });
    expect(iso(e.event_time)).toBe('2022-11-29T00:09:04.380Z');
  });

  it('EKS row 11: a service account denied (403) on a cluster-scoped watch', () => {
    expect(eksRow(11)).toMatchObject({
      actor: 'system:serviceaccount:kube-system:coredns',
      actor_type: 'ServiceAccount',
      action: 'watch endpointslices',
      resource: 'endpointslices',
      outcome: 'failure',
      error_code: '403',
      is_write: false,
    });
  });

  it('EKS file row 133: a GKE entry (Cloud Audit Log form) becomes a Kubernetes event; the cluster is the account', () => {
    const e = eksRow(133);
    expect(e).toMatchObject({
      source_format: 'k8s_audit',
      actor: 'user@company.com',
      account: 'gke-cluster',
      action: 'create pods',
      resource: 'default/pods/test',
      source_ip: '1.2.3.4',
      outcome: 'success',
      is_write: true,
    });
    expect(iso(e.event_time)).toBe('2024-02-16T11:48:22.742Z');
  });
});

const auditEvent = {
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID: '0f8e7d6c-aaaa-4bbb-8ccc-000000000001',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/payments/secrets/db-creds',
  verb: 'get',
  user: {
    username: 'system:serviceaccount:payments:api',
    uid: 'f00dcafe-0000-4000-8000-000000000001',
    groups: ['system:serviceaccounts'],
    extra: { 'authentication.kubernetes.io/credential-id': ['JTI=7d2c3b4a-1111-4222-8333-444455556666'] },
  },
  sourceIPs: ['10.244.1.7', '10.0.0.1'],
  userAgent: 'python-requests/2.31.0',
  objectRef: { resource: 'secrets', namespace: 'payments', name: 'db-creds', apiVersion: 'v1' },
  responseStatus: { metadata: {}, code: 200 },
  requestReceivedTimestamp: '2024-09-01T10:00:00.123456Z',
  stageTimestamp: '2024-09-01T10:00:00.130000Z',
};

describe('Kubernetes audit: stages, wrappers and credentials (synthetic)', () => {
  it('a service-account token id (Kubernetes ≥ 1.29) is the credential; the first source IP is the client', () => {
    expect(k8s.normalise(auditEvent, where)).toMatchObject({
      events: [{
        actor: 'system:serviceaccount:payments:api',
        credential_id: 'JTI=7d2c3b4a-1111-4222-8333-444455556666',
        action: 'get secrets',
        resource: 'payments/secrets/db-creds',
        source_ip: '10.244.1.7',
        source_row: 4,
      }],
    });
  });

  it('RequestReceived stages are skipped (not rejected); ResponseComplete and ResponseStarted are kept with the shared auditID', () => {
    expect(k8s.normalise({ ...auditEvent, stage: 'RequestReceived', responseStatus: undefined }, where)).toEqual({ events: [] });
    const started = k8s.normalise({ ...auditEvent, stage: 'ResponseStarted' }, where);
    expect(started).toMatchObject({ events: [{ event_id: auditEvent.auditID }] });
  });

  it('non-resource requests use the path; a missing response status leaves outcome unknown', () => {
    const { objectRef, responseStatus, ...rest } = auditEvent;
    void objectRef;
    void responseStatus;
    expect(k8s.normalise({ ...rest, requestURI: '/healthz?verbose=1' }, where)).toMatchObject({
      events: [{ action: 'get /healthz', resource: null, outcome: null }],
    });
  });

  it('AKS diagnostic records carry the event as a JSON string; the managed cluster is the account', () => {
    const aks = {
      category: 'kube-audit',
      operationName: 'Microsoft.ContainerService/managedClusters/diagnosticLogs/Read',
      resourceId: '/SUBSCRIPTIONS/0000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/prod-aks',
      time: '2024-09-01T10:00:01Z',
      properties: { log: JSON.stringify(auditEvent), stream: 'stdout', pod: 'kube-apiserver-1' },
    };
    expect(k8s.match(aks)).toBeGreaterThan(0.85);
    expect(k8s.normalise(aks, where)).toMatchObject({ events: [{ account: 'prod-aks', action: 'get secrets', actor: 'system:serviceaccount:payments:api' }] });
  });

  it('core/v1 Events (kubelet notices) are not audit records', () => {
    const coreEvent = { kind: 'Event', apiVersion: 'v1', reason: 'Pulled', message: 'Container image pulled', involvedObject: { kind: 'Pod' } };
    expect(k8s.match(coreEvent)).toBe(0);
    expect(k8s.normalise(coreEvent, where)).toEqual({ reject: 'not a Kubernetes audit event (needs kind: Event of audit.k8s.io)' });
  });
});
