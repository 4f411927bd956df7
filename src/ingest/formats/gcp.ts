// GCP Cloud Audit Logs (LogEntry with an AuditLog `protoPayload`) → canonical events. Service accounts and their keys are the NHIs:
// principalEmail is the actor, serviceAccountKeyName the credential. GKE's Kubernetes entries (serviceName k8s.io) go to k8s.ts.
import type { LogFormat, NormaliseResult, RecordWhere } from './types';
import { isGkeRecord, normaliseGke } from './k8s';
import {
  NO_TIME, PANTHER_EVENT_TIME, field, get, isBrowserUserAgent, isObj, isReadOperation, list, newEvent, num, safeMatch, safeNormalise,
  str, timeOf, type Obj,
} from './util';

const VENDOR = 'GCP Cloud Audit Logs';

const VERSION_LIKE = /^(v\d+\w*|beta|alpha)$/;

/**
 * The operation part of `service:Operation`. gRPC-style names keep what follows their service class
 * (`google.iam.admin.v1.CreateServiceAccountKey` → `CreateServiceAccountKey`, `google.admin.AdminService.addGroupMember` →
 * `addGroupMember`); REST-style names drop versions, a leading `google` and the service's own name (`v1.compute.firewalls.patch` →
 * `firewalls.patch`, `storage.objects.get` → `objects.get`), because their last segment alone (`patch`, `get`) would merge
 * operations on different resource types. The result reads like an IAM permission.
 */
export function shortMethod(method: string, service: string | null): string {
  const segs = method.split('.').filter((s) => s !== '');
  if (segs.length <= 1) return method;
  let lastClass = -1;
  segs.forEach((s, i) => {
    if (/^[A-Z]/.test(s)) lastClass = i;
  });
  if (lastClass === segs.length - 1) return segs[lastClass]!;
  if (lastClass >= 0) return segs.slice(lastClass + 1).join('.');
  const ownName = (s: string) => s === 'google' || (service !== null && (s === service || service.endsWith(`-${s}`)));
  let rest = segs.filter((s) => !VERSION_LIKE.test(s));
  while (rest.length > 2 && ownName(rest[0]!)) rest = rest.slice(1);
  if (rest.length === 2 && ownName(rest[0]!)) rest = rest.slice(1);
  return rest.length > 0 ? rest.join('.') : method;
}

/**
 * Storage objects are kept at bucket level (`projects/_/buckets/b/objects/path` → `projects/_/buckets/b`), for the same reason as S3
 * in cloudtrail.ts: resources are counted and classified per bucket, and one row per object would make every object "new".
 */
function resourceOf(name: string | null): string | null {
  if (name === null) return null;
  const m = /^(projects\/[^/]+\/buckets\/[^/]+)\/objects\/.+$/s.exec(name);
  return m ? m[1]! : name;
}

/** The project a resource name lives in (`projects/<id>/…`); `_` and `-` are "any project" placeholders, not projects. */
function projectOf(name: string | null): string | null {
  const m = /(?:^|\/)projects\/([^/]+)/.exec(name ?? '');
  return m && m[1] !== '_' && m[1] !== '-' ? m[1]! : null;
}

/**
 * The service that logged the entry. Some exports omit `serviceName`; `resource.labels.service` (audited_resource) or a REST-style
 * method's leading segment (`compute.instances.list`, `v1.compute.firewalls.insert`) still says it.
 */
function serviceOf(r: Obj, p: unknown, method: string): string | null {
  const named = str(field(p, 'serviceName')) ?? str(get(r, 'resource.labels.service'));
  if (named !== null) return named;
  const segs = method.split('.');
  const first = segs.find((s) => !VERSION_LIKE.test(s));
  return segs.length > 2 && first !== undefined && first !== 'google' && /^[a-z][a-z0-9-]*$/.test(first) ? first : null;
}

/** GCP writes the principal's kind only as the prefix of principalSubject (`serviceAccount:…`, `user:…`); else the e-mail says it. */
function actorType(email: string | null, subject: string | null): string | null {
  const prefix = subject !== null && /^[A-Za-z]+:/.test(subject) ? subject.slice(0, subject.indexOf(':')) : null;
  if (prefix === 'serviceAccount') return 'ServiceAccount';
  if (prefix === 'user') return 'User';
  if (prefix !== null) return prefix;
  if (email === null) return null;
  return email.endsWith('.gserviceaccount.com') ? 'ServiceAccount' : email.includes('@') ? 'User' : null;
}

function match(r: Obj): number {
  const p = field(r, 'protoPayload');
  if (!isObj(p)) return 0;
  const service = str(field(p, 'serviceName'));
  const method = str(field(p, 'methodName'));
  if (service === null && method === null) return 0;
  // GKE cluster events: also ours to read, but k8s.ts scores them higher so they group with Kubernetes.
  if (isGkeRecord(r)) return 0.75;
  let score = 0.8;
  if (/AuditLog/.test(str(field(p, '@type')) ?? str(field(p, 'at_sign_type')) ?? '')) score += 0.1;
  if (field(r, 'insertId') !== undefined || field(r, 'logName') !== undefined) score += 0.1;
  return score;
}

function normalise(r: Obj, where: RecordWhere): NormaliseResult {
  const p = field(r, 'protoPayload');
  if (!isObj(p)) return { reject: 'not a GCP audit log entry (no protoPayload)' };
  if (isGkeRecord(r)) return normaliseGke(r, where);
  const method = str(field(p, 'methodName'));
  if (method === null) return { reject: 'GCP audit entry without methodName' };
  const service = serviceOf(r, p, method);
  const time = timeOf(field(r, 'timestamp'), get(p, 'requestMetadata.requestAttributes.time'), field(r, PANTHER_EVENT_TIME));
  if (time === null) return { reject: NO_TIME };

  const auth = field(p, 'authenticationInfo');
  const prefix = service?.replace(/\.googleapis\.com$/i, '') ?? null;
  const op = shortMethod(method, prefix);
  const e = newEvent('gcp_audit', 'gcp', time, where);
  e.event_id = str(field(r, 'insertId'));
  e.actor = str(field(auth, 'principalEmail')) ?? str(field(auth, 'principalSubject'));
  const subject = str(field(auth, 'principalSubject'));
  e.actor_alt = subject !== null && subject !== e.actor ? subject : null;
  e.actor_type = actorType(e.actor, subject);
  // The key's resource name without the `//iam.googleapis.com/` service prefix equals the `name` that
  // `gcloud iam service-accounts keys list` prints, so an inventory of keys joins on it directly.
  e.credential_id = str(field(auth, 'serviceAccountKeyName'))?.replace(/^\/\/iam\.googleapis\.com\//, '') ?? null;
  e.action = prefix !== null ? `${prefix}:${op}` : op;
  const resourceName = str(field(p, 'resourceName'));
  e.resource = resourceOf(resourceName);
  e.account = str(get(r, 'resource.labels.project_id')) ?? projectOf(str(field(r, 'logName')));
  e.resource_account = projectOf(resourceName);
  e.source_ip = str(get(p, 'requestMetadata.callerIp'));
  e.user_agent = str(get(p, 'requestMetadata.callerSuppliedUserAgent'));
  // google.rpc.Status: code 0 (or no status at all) is OK.
  const code = num(get(p, 'status.code'));
  e.outcome = code === null || code === 0 ? 'success' : 'failure';
  if (e.outcome === 'failure') e.error_code = String(code);
  const segs = op.split('.');
  e.is_write = !isReadOperation(segs[segs.length - 1] ?? op);
  // session_type: 'browser' for a browser agent (a person, whatever the credential); 'impersonation' when another principal minted
  // the token (serviceAccountDelegationInfo); 'api' when a service-account key signed the call.
  if (isBrowserUserAgent(e.user_agent)) e.session_type = 'browser';
  else if (list(field(auth, 'serviceAccountDelegationInfo')).length > 0) e.session_type = 'impersonation';
  else if (e.credential_id !== null) e.session_type = 'api';
  return { events: [e] };
}

export const gcp: LogFormat = {
  format: 'gcp_audit',
  platform: 'gcp',
  vendor: VENDOR,
  match: safeMatch(match),
  normalise: safeNormalise(VENDOR, normalise),
};
