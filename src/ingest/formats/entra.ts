// Microsoft Entra ID sign-ins (service principal, managed identity, user) and directory audit events → canonical events, from the
// three shapes they are exported in: diagnostic settings (fields under `properties`), Log Analytics (flat PascalCase columns,
// nested values sometimes stringified JSON) and Microsoft Graph (flat camelCase). Two LogFormats share one normaliser, so a file
// that mixes sign-ins and audit events loads whichever of the two wins detection.
import type { Outcome } from '../canonical';
import type { LogFormat, NormaliseResult, RecordWhere } from './types';
import {
  NO_TIME, PANTHER_EVENT_TIME, field, guidLower, hasKey, isBrowserUserAgent, list, newEvent, num, obj, safeMatch, safeNormalise, str,
  timeOf, type Obj,
} from './util';

const VENDOR = 'Microsoft Entra ID';

type Kind = 'sp_signin' | 'mi_signin' | 'user_signin' | 'audit';
const SIGNIN_KINDS: ReadonlySet<Kind> = new Set(['sp_signin', 'mi_signin', 'user_signin']);

// Diagnostic-settings `category` / Log Analytics `Category`, and Log Analytics `Type` without its `AAD` prefix.
const CATEGORY_KIND: Record<string, Kind> = {
  serviceprincipalsigninlogs: 'sp_signin',
  managedidentitysigninlogs: 'mi_signin',
  signinlogs: 'user_signin',
  noninteractiveusersigninlogs: 'user_signin',
  auditlogs: 'audit',
};

/** Reads a field from `properties` (diagnostic export) first, then from the record itself (Log Analytics, Graph). */
function fields(r: Obj): (key: string) => unknown {
  const props = obj(field(r, 'properties'));
  return (key) => {
    const inProps = field(props, key);
    return inProps !== undefined && inProps !== null ? inProps : field(r, key);
  };
}

interface Classified {
  kind: Kind;
  /** Named by its category (certain) rather than inferred from its fields. */
  byCategory: boolean;
}

function classify(r: Obj): Classified | null {
  const pv = fields(r);
  const labels = [str(field(r, 'category')), str(field(r, 'Type'))?.replace(/^aad/i, '') ?? null];
  for (const label of labels) {
    const kind = label !== null ? CATEGORY_KIND[label.toLowerCase()] : undefined;
    if (kind !== undefined) return { kind, byCategory: true };
  }
  // No (known) category: Graph objects, or Panther fixtures whose category is the audit sub-category (Policy, ApplicationManagement…).
  if (obj(pv('initiatedBy')) !== null && (hasKey(r, 'properties') || pv('activityDisplayName') !== undefined || pv('activityDateTime') !== undefined)) {
    return { kind: 'audit', byCategory: false };
  }
  const eventTypes = list(pv('signInEventTypes')).map((t) => str(t)?.toLowerCase());
  const miType = str(pv('managedIdentityType'));
  if (eventTypes.includes('managedidentity') || (miType !== null && miType.toLowerCase() !== 'none')) return { kind: 'mi_signin', byCategory: false };
  const hasUser = str(pv('userPrincipalName')) !== null || str(pv('userId')) !== null;
  if (eventTypes.includes('serviceprincipal') || (str(pv('servicePrincipalId')) !== null && !hasUser)) return { kind: 'sp_signin', byCategory: false };
  const hasTime = ['createdDateTime', 'TimeGenerated', 'time'].some((k) => pv(k) !== undefined);
  if (hasUser && hasTime && (str(pv('appId')) !== null || str(pv('resourceDisplayName')) !== null)) return { kind: 'user_signin', byCategory: false };
  return null;
}

/** Confidence that the record is Entra at all; then the sign-in / audit formats lean towards their own kind. */
function entraScore(r: Obj): { score: number; kind: Kind } | null {
  const c = classify(r);
  if (c === null) return null;
  return { score: c.byCategory ? 0.95 : 0.85, kind: c.kind };
}

function tenantOf(r: Obj, pv: (k: string) => unknown): string | null {
  const fromResource = /\/tenants\/([^/]+)\//i.exec(str(field(r, 'resourceId')) ?? '')?.[1] ?? null;
  return guidLower(str(field(r, 'tenantId')) ?? str(pv('tenantId')) ?? str(pv('AADTenantId')) ?? str(pv('homeTenantId')) ?? fromResource);
}

/** Sign-in status: `status.errorCode` (0 = success) where present, else `resultType` ("0", 0, "Success", "Failure", "50126"). */
function signinOutcome(r: Obj, pv: (k: string) => unknown): { outcome: Outcome | null; code: string | null } {
  const status = obj(pv('status'));
  const errorCode = num(field(status, 'errorCode'));
  if (errorCode !== null) return errorCode === 0 ? { outcome: 'success', code: null } : { outcome: 'failure', code: String(errorCode) };
  const result = str(field(r, 'resultType')) ?? str(pv('resultType'));
  if (result === null) return { outcome: null, code: null };
  if (/^0$|^success$/i.test(result)) return { outcome: 'success', code: null };
  if (/^failure$/i.test(result)) return { outcome: 'failure', code: null };
  if (/^\d+$/.test(result)) return { outcome: 'failure', code: result };
  return { outcome: null, code: null };
}

/** The sign-in's resource as a GUID (`properties.resourceId`, Log Analytics `ResourceIdentity`); not the diagnostic `/tenants/…` path. */
function signinResourceId(pv: (k: string) => unknown): string | null {
  for (const key of ['ResourceIdentity', 'resourceId']) {
    const s = str(pv(key));
    if (s !== null && !s.startsWith('/')) return guidLower(s);
  }
  return null;
}

/**
 * session_type for sign-ins. Service principals: 'oidc' for a federated identity credential (workload identity federation, e.g. a
 * CI pipeline), 'api' for a secret, certificate or assertion. Managed identities: 'managed_identity'. Users: 'mfa' when MFA was
 * required, else 'interactive' for interactive sign-ins, else 'browser' for a browser agent.
 */
function signinSessionType(kind: Kind, pv: (k: string) => unknown, userAgent: string | null): string | null {
  if (kind === 'mi_signin') return 'managed_identity';
  if (kind === 'sp_signin') return /^federated/i.test(str(pv('clientCredentialType')) ?? '') ? 'oidc' : 'api';
  if (/multifactor/i.test(str(pv('authenticationRequirement')) ?? '')) return 'mfa';
  const interactive = pv('isInteractive');
  if (interactive === true || str(interactive)?.toLowerCase() === 'true') return 'interactive';
  return isBrowserUserAgent(userAgent) ? 'browser' : null;
}

function normaliseSignin(r: Obj, kind: Kind, where: RecordWhere): NormaliseResult {
  const pv = fields(r);
  const time = timeOf(pv('createdDateTime'), field(r, 'TimeGenerated'), field(r, 'time'), field(r, PANTHER_EVENT_TIME));
  if (time === null) return { reject: NO_TIME };
  const e = newEvent('entra_signin', 'entra', time, where);
  e.event_id = str(pv('id'));
  if (kind === 'user_signin') {
    const upn = str(pv('userPrincipalName'));
    const userId = guidLower(str(pv('userId')));
    e.actor = upn ?? userId;
    e.actor_alt = e.actor === upn ? userId : null;
    e.actor_type = 'User';
  } else {
    // Service principal / managed identity: the SP object id is the actor, its application (client) id the second name.
    const spId = guidLower(str(pv('servicePrincipalId')));
    const appId = guidLower(str(pv('appId')));
    const spName = str(pv('servicePrincipalName')) ?? str(pv('appDisplayName'));
    e.actor = spId ?? appId ?? spName;
    e.actor_alt = e.actor === spId ? appId ?? spName : e.actor === appId ? spName : null;
    e.actor_type = kind === 'mi_signin' ? 'ManagedIdentity' : 'ServicePrincipal';
    e.credential_id = guidLower(str(pv('servicePrincipalCredentialKeyId'))) ?? str(pv('servicePrincipalCredentialThumbprint'))
      ?? guidLower(str(pv('federatedCredentialId')));
  }
  e.account = tenantOf(r, pv);
  const resourceName = str(pv('resourceDisplayName'));
  e.resource = resourceName ?? signinResourceId(pv);
  // A sign-in is a token request for a resource: `signin:<resource>` keeps the service:Operation shape and makes "first sign-in
  // to a new resource" a new action, like a new API call elsewhere.
  e.action = e.resource !== null ? `signin:${e.resource}` : 'signin';
  const resourceTenant = guidLower(str(pv('resourceTenantId')));
  e.resource_account = resourceTenant;
  e.source_ip = str(pv('ipAddress')) ?? str(field(r, 'callerIpAddress'));
  e.user_agent = str(pv('userAgent'));
  const { outcome, code } = signinOutcome(r, pv);
  e.outcome = outcome;
  e.error_code = code;
  e.is_write = false;
  e.session_type = signinSessionType(kind, pv, e.user_agent);
  return { events: [e] };
}

function auditOutcome(value: string | null): Outcome | null {
  if (value === null) return null;
  if (/^success/i.test(value)) return 'success';
  if (/^(failure|timeout)/i.test(value)) return 'failure';
  return null;
}

function normaliseAudit(r: Obj, where: RecordWhere): NormaliseResult {
  const pv = fields(r);
  const time = timeOf(pv('activityDateTime'), field(r, 'TimeGenerated'), field(r, 'time'), field(r, PANTHER_EVENT_TIME));
  if (time === null) return { reject: NO_TIME };
  const e = newEvent('entra_audit', 'entra', time, where);
  e.event_id = str(pv('id'));
  const initiatedBy = obj(pv('initiatedBy'));
  const app = obj(field(initiatedBy, 'app'));
  const user = obj(field(initiatedBy, 'user'));
  const spId = guidLower(str(field(app, 'servicePrincipalId')));
  const appId = guidLower(str(field(app, 'appId')));
  const appName = str(field(app, 'servicePrincipalName')) ?? str(field(app, 'displayName'));
  if (spId !== null || appId !== null || appName !== null) {
    e.actor = spId ?? appId ?? appName;
    e.actor_alt = e.actor === spId ? appId ?? appName : e.actor === appId ? appName : null;
    e.actor_type = 'ServicePrincipal';
  } else if (user !== null) {
    const upn = str(field(user, 'userPrincipalName'));
    const id = guidLower(str(field(user, 'id')));
    e.actor = upn ?? id ?? str(field(user, 'displayName'));
    e.actor_alt = e.actor === upn ? id : null;
    e.actor_type = 'User';
  } else {
    e.actor = str(pv('identity')); // Log Analytics `Identity`: a display name when nothing better is logged
  }
  e.account = tenantOf(r, pv);
  e.action = str(pv('activityDisplayName')) ?? str(pv('operationName'));
  // Resource: the first target's UPN (users), else its display name (apps, service principals, policies), else its object id.
  for (const target of list(pv('targetResources'))) {
    const name = str(field(target, 'userPrincipalName')) ?? str(field(target, 'displayName')) ?? guidLower(str(field(target, 'id')));
    if (name !== null) {
      e.resource = name;
      break;
    }
  }
  e.source_ip = str(field(user, 'ipAddress')) ?? str(field(app, 'ipAddress')) ?? str(field(r, 'callerIpAddress'));
  e.user_agent = str(pv('userAgent'));
  e.outcome = auditOutcome(str(pv('result')) ?? str(field(r, 'resultType')));
  if (e.outcome === 'failure') e.error_code = str(pv('resultReason'));
  // Directory audit events are changes; operationType says otherwise only for reads.
  e.is_write = !/^(read|get|list)/i.test(str(pv('operationType')) ?? '');
  return { events: [e] };
}

function normalise(r: Obj, where: RecordWhere): NormaliseResult {
  const c = classify(r);
  if (c === null) return { reject: 'not an Entra ID sign-in or audit record' };
  return SIGNIN_KINDS.has(c.kind) ? normaliseSignin(r, c.kind, where) : normaliseAudit(r, where);
}

/** Full confidence for records of the format's own kind, a little less for the other Entra kind (the shared normaliser handles both). */
function matcher(own: (kind: Kind) => boolean): (r: Obj) => number {
  return (r) => {
    const s = entraScore(r);
    if (s === null) return 0;
    return own(s.kind) ? s.score : s.score - 0.05;
  };
}

export const entraSignin: LogFormat = {
  format: 'entra_signin',
  platform: 'entra',
  vendor: `${VENDOR} sign-ins`,
  match: safeMatch(matcher((k) => SIGNIN_KINDS.has(k))),
  normalise: safeNormalise(VENDOR, normalise),
};

export const entraAudit: LogFormat = {
  format: 'entra_audit',
  platform: 'entra',
  vendor: `${VENDOR} audit log`,
  match: safeMatch(matcher((k) => k === 'audit')),
  normalise: safeNormalise(VENDOR, normalise),
};
