// Kubernetes API-server audit events (`audit.k8s.io/v1` and v1beta1: self-managed, EKS, AKS diagnostic wrappers, GKE's Cloud Audit
// Log form) → canonical events in one shape, so Kubernetes rules see every cluster the same way whichever cloud delivered it.
import type { CanonicalEvent, Outcome } from '../canonical';
import type { LogFormat, NormaliseResult, RecordWhere } from './types';
import {
  NO_TIME, PANTHER_EVENT_TIME, field, get, hasKey, isBrowserUserAgent, isObj, list, newEvent, num, obj, safeMatch, safeNormalise, str,
  timeOf, type Obj,
} from './util';

const VENDOR = 'Kubernetes audit log';
const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
const READ_VERBS = new Set(['get', 'list', 'watch']);

function actorType(username: string | null): string | null {
  if (username === null) return null;
  if (username.startsWith(SERVICE_ACCOUNT_PREFIX)) return 'ServiceAccount';
  if (username.startsWith('system:node:')) return 'Node';
  if (username.endsWith('.gserviceaccount.com')) return 'ServiceAccount'; // GKE: a Google service account calling the cluster
  return null;
}

/** `<verb> <resource>[/<subresource>]`, or `<verb> <path>` for non-resource requests (/healthz, /metrics). */
function actionOf(verb: string | null, resource: string | null, subresource: string | null, path: string | null): string | null {
  if (verb === null) return null;
  if (resource !== null) return `${verb} ${resource}${subresource !== null ? `/${subresource}` : ''}`;
  return path !== null ? `${verb} ${path}` : verb;
}

/** `namespace/resource/name`, skipping the parts a cluster-scoped or collection request does not have. */
function resourceOf(namespace: string | null, resource: string | null, name: string | null): string | null {
  const parts = [namespace, resource, name].filter((p): p is string => p !== null);
  return resource === null || parts.length === 0 ? null : parts.join('/');
}

/** The first string of a `user.extra` value (always a list in the API, sometimes a bare string in exports). */
function extraValue(extra: unknown, key: string): string | null {
  const v = field(extra, key);
  return Array.isArray(v) ? str(v[0]) : str(v);
}

// ---------------------------------------------------------------------------------------------------------------------------
// Native audit events (self-managed clusters, EKS via CloudWatch, falco traces)

function matchNative(r: Obj): number {
  if (str(field(r, 'kind')) !== 'Event') return 0;
  const apiVersion = str(field(r, 'apiVersion'));
  // core/v1 Events (scheduler and kubelet notices) are also `kind: Event`; they are not audit records.
  if (apiVersion !== null && !apiVersion.startsWith('audit.k8s.io/')) return 0;
  let score = 0.5;
  if (str(field(r, 'verb')) !== null) score += 0.2;
  if (hasKey(r, 'auditID')) score += 0.15;
  if (isObj(field(r, 'objectRef')) || isObj(field(r, 'user'))) score += 0.1;
  if (apiVersion !== null) score += 0.05;
  return score;
}

function normaliseNative(ev: Obj, where: RecordWhere, account: string | null): NormaliseResult {
  // Audit backends write one record per stage. RequestReceived carries no response; the same request is written again when its
  // response starts (long-running watch/exec: ResponseStarted) or completes (ResponseComplete), so it is skipped, not rejected.
  // ResponseStarted and ResponseComplete of one request share auditID = event_id, which de-duplication keys on.
  if (str(field(ev, 'stage')) === 'RequestReceived') return { events: [] };
  const time = timeOf(field(ev, 'requestReceivedTimestamp'), field(ev, 'stageTimestamp'), field(ev, 'timestamp'), field(ev, PANTHER_EVENT_TIME));
  if (time === null) return { reject: NO_TIME };

  const user = field(ev, 'user');
  const extra = field(user, 'extra');
  const objectRef = field(ev, 'objectRef');
  const verb = str(field(ev, 'verb'));
  const resource = str(field(objectRef, 'resource'));
  const uri = str(field(ev, 'requestURI'));

  const e = newEvent('k8s_audit', 'k8s', time, where);
  e.event_id = str(field(ev, 'auditID'));
  e.actor = str(field(user, 'username'));
  // EKS maps IAM principals to cluster users and records the IAM role behind them: the name an AWS inventory knows.
  e.actor_alt = extraValue(extra, 'canonicalArn') ?? extraValue(extra, 'arn') ?? str(field(user, 'uid'));
  e.actor_type = actorType(e.actor);
  e.account = account;
  // Credential: the service-account token's id (Kubernetes ≥ 1.29 records it) or, on EKS, the AWS access key.
  // (Panther renames `authentication.kubernetes.io/…` keys to `authentication_kubernetes_io_slash_…`.)
  e.credential_id = extraValue(extra, 'authentication.kubernetes.io/credential-id')
    ?? extraValue(extra, 'authentication_kubernetes_io_slash_credential-id') ?? extraValue(extra, 'accessKeyId');
  e.action = actionOf(verb, resource, str(field(objectRef, 'subresource')), uri !== null ? uri.split('?')[0]! : null);
  e.resource = resourceOf(str(field(objectRef, 'namespace')), resource, str(field(objectRef, 'name')));
  e.source_ip = str(list(field(ev, 'sourceIPs'))[0]);
  e.user_agent = str(field(ev, 'userAgent'));
  const code = num(get(ev, 'responseStatus.code'));
  if (code !== null) {
    e.outcome = code >= 400 ? 'failure' : 'success';
    if (e.outcome === 'failure') e.error_code = str(get(ev, 'responseStatus.reason')) ?? String(code);
  }
  e.is_write = verb !== null ? !READ_VERBS.has(verb.toLowerCase()) : null;
  if (isBrowserUserAgent(e.user_agent)) e.session_type = 'browser';
  return { events: [e] };
}

// ---------------------------------------------------------------------------------------------------------------------------
// AKS: diagnostic-settings records (`category: kube-audit` / `kube-audit-admin`) carrying the audit event as a JSON string.

function aksInner(r: Obj): Obj | null {
  const category = str(field(r, 'category'));
  if (category === null || !/^kube-audit/i.test(category)) return null;
  return obj(get(r, 'properties.log'));
}

function aksCluster(r: Obj): string | null {
  return /\/managedClusters\/([^/]+)/i.exec(str(field(r, 'resourceId')) ?? '')?.[1] ?? null;
}

// ---------------------------------------------------------------------------------------------------------------------------
// GKE: Kubernetes audit events delivered as Cloud Audit Logs (protoPayload.serviceName "k8s.io").

/** True for a GKE Kubernetes audit record; gcp.ts hands these here so they become Kubernetes events whichever file they are in. */
export function isGkeRecord(r: unknown): boolean {
  const service = str(get(r, 'protoPayload.serviceName'));
  if (service !== null) return service === 'k8s.io';
  return str(get(r, 'protoPayload.methodName'))?.startsWith('io.k8s.') === true;
}

const VERSION = /^v\d+((alpha|beta)\d+)?$/;

/** `io.k8s.core.v1.pods.exec.create` → resource pods, subresource exec, verb create. */
function parseGkeMethod(method: string | null): { verb: string | null; resource: string | null; subresource: string | null } {
  const none = { verb: null, resource: null, subresource: null };
  if (method === null || !method.startsWith('io.k8s.')) return none;
  const segs = method.split('.');
  const v = segs.findIndex((s) => VERSION.test(s));
  const rest = v >= 0 ? segs.slice(v + 1) : [];
  if (rest.length < 2) return none;
  return { verb: rest[rest.length - 1]!, resource: rest[0]!, subresource: rest.length > 2 ? rest[1]! : null };
}

/** `core/v1/namespaces/default/pods/web/exec` → namespace default, name web. */
function parseGkeResourceName(name: string | null): { namespace: string | null; name: string | null } {
  if (name === null) return { namespace: null, name: null };
  const segs = name.split('/');
  const v = segs.findIndex((s) => VERSION.test(s));
  const after = v >= 0 ? segs.slice(v + 1) : segs;
  if (after[0] === 'namespaces' && after.length >= 3) return { namespace: after[1] ?? null, name: after[3] ?? null };
  return { namespace: null, name: after[1] ?? null };
}

export function normaliseGke(r: Obj, where: RecordWhere): NormaliseResult {
  const p = field(r, 'protoPayload');
  const time = timeOf(field(r, 'timestamp'), get(p, 'requestMetadata.requestAttributes.time'), field(r, PANTHER_EVENT_TIME));
  if (time === null) return { reject: NO_TIME };
  const method = str(field(p, 'methodName'));
  const m = parseGkeMethod(method);
  const rn = parseGkeResourceName(str(field(p, 'resourceName')));

  const e: CanonicalEvent = newEvent('k8s_audit', 'k8s', time, where);
  e.event_id = str(field(r, 'insertId'));
  e.actor = str(get(p, 'authenticationInfo.principalEmail'));
  e.actor_type = actorType(e.actor);
  e.account = str(get(r, 'resource.labels.cluster_name')) ?? str(get(r, 'resource.labels.project_id'));
  e.action = m.verb !== null ? actionOf(m.verb, m.resource, m.subresource, null) : method;
  e.resource = resourceOf(rn.namespace, m.resource, rn.name) ?? str(field(p, 'resourceName'));
  e.source_ip = str(get(p, 'requestMetadata.callerIp'));
  e.user_agent = str(get(p, 'requestMetadata.callerSuppliedUserAgent'));
  // GKE writes a gRPC status (0 = OK), not the HTTP code.
  const code = num(get(p, 'status.code'));
  const outcome: Outcome = code === null || code === 0 ? 'success' : 'failure';
  e.outcome = outcome;
  if (outcome === 'failure') e.error_code = String(code);
  e.is_write = m.verb !== null ? !READ_VERBS.has(m.verb) : null;
  if (isBrowserUserAgent(e.user_agent)) e.session_type = 'browser';
  return { events: [e] };
}

// ---------------------------------------------------------------------------------------------------------------------------

function match(r: Obj): number {
  const inner = aksInner(r);
  if (inner !== null) return matchNative(inner) > 0 ? 0.9 : 0;
  // Slightly above gcp's score for the same record, so GKE cluster events group with Kubernetes.
  if (isGkeRecord(r)) return 0.85;
  return matchNative(r);
}

function normalise(r: Obj, where: RecordWhere): NormaliseResult {
  const inner = aksInner(r);
  if (inner !== null) return normaliseNative(inner, where, aksCluster(r));
  if (isGkeRecord(r)) return normaliseGke(r, where);
  if (matchNative(r) === 0) return { reject: 'not a Kubernetes audit event (needs kind: Event of audit.k8s.io)' };
  return normaliseNative(r, where, null);
}

export const k8s: LogFormat = {
  format: 'k8s_audit',
  platform: 'k8s',
  vendor: VENDOR,
  match: safeMatch(match),
  normalise: safeNormalise(VENDOR, normalise),
};
