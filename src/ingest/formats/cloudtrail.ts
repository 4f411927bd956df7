// AWS CloudTrail → canonical events: classic records (S3 `Records` files, arrays, NDJSON, Panther fixtures) and the OCSF rows
// that CloudTrail Lake / Security Lake export. Role sessions resolve to the role that issued them, the identity an inventory lists.
import type { CanonicalEvent } from '../canonical';
import type { LogFormat, NormaliseResult, RecordWhere } from './types';
import {
  NO_TIME, PANTHER_EVENT_TIME, bool, field, get, hasKey, isBrowserUserAgent, isObj, isReadOperation, list, newEvent, num, safeMatch,
  safeNormalise, str, timeOf, type Obj,
} from './util';

const VENDOR = 'AWS CloudTrail';

// ---------------------------------------------------------------------------------------------------------------------------
// ARNs

interface ArnParts {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

function parseArn(arn: string | null): ArnParts | null {
  if (arn === null || !arn.startsWith('arn:')) return null;
  const parts = arn.split(':');
  if (parts.length < 6) return null;
  return { partition: parts[1]!, service: parts[2]!, region: parts[3]!, account: parts[4]!, resource: parts.slice(5).join(':') };
}

function arnAccount(arn: string | null): string | null {
  const a = parseArn(arn);
  return a && a.account !== '' ? a.account : null;
}

/**
 * S3 resources are kept at bucket level: an object ARN (`arn:aws:s3:::bucket/key`) becomes the bucket ARN.
 * Why: detections count distinct resources per identity, and one value per object key would make every new object a "new resource";
 * data classes are declared per bucket (`arn:aws:s3:::payroll-*`) anyway. The object key is not kept in the event.
 */
function bucketLevel(arn: string): string {
  const m = /^arn:([\w-]+):s3:::([^/]+)\/.*$/s.exec(arn);
  return m ? `arn:${m[1]}:s3:::${m[2]}` : arn;
}

/** `s3.amazonaws.com` → `s3`; a non-AWS source (CloudTrail Lake integrations) is kept whole. */
function servicePrefix(eventSource: string): string {
  return eventSource.replace(/\.amazonaws\.com(\.cn)?$/i, '');
}

/**
 * Some services log the API version in the event name (Lambda `UpdateFunctionCode20150331v2`, CloudFront
 * `CreateDistribution2020_05_31`); without it the name is the IAM action, so one operation is one action across versions.
 */
function operationName(eventName: string): string {
  const stripped = eventName.replace(/(19|20)\d{2}_?\d{2}_?\d{2}(v\d+)?$/, '');
  return stripped !== '' ? stripped : eventName;
}

/** When `userIdentity.type` is missing (Panther fixtures, some exports), the ARN still says what kind of principal it is. */
function inferActorType(arn: string | null, invokedBy: string | null): string | null {
  if (arn !== null) {
    if (arn.includes(':assumed-role/')) return 'AssumedRole';
    if (arn.includes(':federated-user/')) return 'FederatedUser';
    if (/:root$/.test(arn)) return 'Root';
    if (arn.includes(':user/')) return 'IAMUser';
    if (arn.includes(':role/')) return 'Role';
  }
  return invokedBy !== null ? 'AWSService' : null;
}

/**
 * What a call acted on, from `requestParameters` when the record has no `resources[]`. IAM names become IAM ARNs when the account
 * is known (alias resolution matches `user/<name>` / `role/<name>` inside an account); Lambda, DynamoDB and EC2 ids become ARNs
 * when region and account are known, because those ARNs are fully determined by them. Secret names stay names: a secret's ARN
 * carries a random suffix we cannot rebuild. Anything else that is already an ARN is taken as is.
 */
function resourceFromRequest(rp: unknown, ctx: { partition: string; region: string | null; account: string | null }): string | null {
  if (!isObj(rp)) return null;
  const { partition, region, account } = ctx;
  const bucket = str(field(rp, 'bucketName'));
  if (bucket !== null) return `arn:${partition}:s3:::${bucket}`;
  const roleArn = str(field(rp, 'roleArn'));
  if (roleArn !== null) return roleArn;
  for (const [key, kind] of [['userName', 'user'], ['roleName', 'role'], ['groupName', 'group']] as const) {
    const name = str(field(rp, key));
    if (name === null) continue;
    if (name.startsWith('arn:')) return name;
    return account !== null ? `arn:${partition}:iam::${account}:${kind}/${name}` : `${kind}/${name}`;
  }
  const policyArn = str(field(rp, 'policyArn'));
  if (policyArn !== null) return policyArn;
  const fn = str(field(rp, 'functionName'));
  if (fn !== null) return fn.startsWith('arn:') || region === null || account === null ? fn : `arn:${partition}:lambda:${region}:${account}:function:${fn}`;
  const secret = str(field(rp, 'secretId'));
  if (secret !== null) return secret;
  const table = str(field(rp, 'tableName'));
  if (table !== null) return table.startsWith('arn:') || region === null || account === null ? table : `arn:${partition}:dynamodb:${region}:${account}:table/${table}`;
  const instance = str(field(rp, 'instanceId'));
  if (instance !== null) return region === null || account === null ? instance : `arn:${partition}:ec2:${region}:${account}:instance/${instance}`;
  // Any other parameter that already is an ARN (topicArn, stackName, keyId given as an ARN…), in the record's own order.
  for (const value of Object.values(rp)) {
    const s = str(value);
    if (s !== null && s.startsWith('arn:')) return s;
  }
  for (const key of ['name', 'trailName', 'keyId', 'queueUrl', 'parameterName']) {
    const s = str(field(rp, key));
    if (s !== null) return s;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------------------
// session_type

/** User agents / invokers that mean "made from the AWS Management Console" (older trails have no sessionCredentialFromConsole). */
function isConsoleAgent(value: string | null): boolean {
  if (value === null) return false;
  return /^(signin|console(\.[a-z0-9-]+)?)\.amazonaws\.com$/i.test(value) || /^\[?S3Console\//.test(value) || /\.console\.aws\.amazon\.com$/i.test(value);
}

/**
 * How the caller authenticated, most specific human signal first:
 *   'console' — ConsoleLogin, `sessionCredentialFromConsole`, or a console user agent / invoker (a person at the AWS console);
 *   'mfa'     — the session was MFA-authenticated (a person typed a code);
 *   'browser' — a browser user agent;
 *   'oidc'    — a web-identity (OIDC) federated session, e.g. a CI role assumed with GitHub's token;
 *   null      — nothing says (plain access keys or role sessions).
 */
function sessionType(s: {
  eventName: string | null; fromConsole: unknown; mfa: unknown; userAgent: string | null; invokedBy: string | null; webIdentity: boolean;
}): string | null {
  if (s.eventName === 'ConsoleLogin' || bool(s.fromConsole) === true || isConsoleAgent(s.userAgent) || isConsoleAgent(s.invokedBy)) return 'console';
  if (bool(s.mfa) === true) return 'mfa';
  if (isBrowserUserAgent(s.userAgent)) return 'browser';
  if (s.webIdentity) return 'oidc';
  return null;
}

// ---------------------------------------------------------------------------------------------------------------------------
// Classic CloudTrail records

function matchClassic(r: Obj): number {
  const source = str(field(r, 'eventSource'));
  const name = str(field(r, 'eventName'));
  if (source === null || name === null) return 0;
  let score = 0.6;
  if (/\.amazonaws\.com$/i.test(source)) score += 0.15;
  if (isObj(field(r, 'userIdentity'))) score += 0.15;
  if (['eventTime', 'eventVersion', 'awsRegion', 'recipientAccountId', 'eventID'].some((k) => hasKey(r, k))) score += 0.1;
  return score;
}

function normaliseClassic(r: Obj, where: RecordWhere): NormaliseResult {
  const eventType = str(field(r, 'eventType'));
  // Insights summarise call rates; they are not calls by anyone.
  if (eventType === 'AwsCloudTrailInsight') return { events: [] };
  const source = str(field(r, 'eventSource'));
  const name = str(field(r, 'eventName'));
  if (source === null || name === null) return { reject: 'not a CloudTrail record (no eventSource/eventName)' };
  const time = timeOf(field(r, 'eventTime'), field(r, PANTHER_EVENT_TIME));
  if (time === null) return { reject: NO_TIME };

  const ui = field(r, 'userIdentity');
  const issuerArn = str(get(ui, 'sessionContext.sessionIssuer.arn'));
  const arn = str(field(ui, 'arn'));
  const principalId = str(field(ui, 'principalId'));
  const invokedBy = str(field(ui, 'invokedBy'));
  const userName = str(field(ui, 'userName'));

  const e = newEvent('cloudtrail', 'aws', time, where);
  e.event_id = str(field(r, 'eventID'));
  e.actor = issuerArn ?? arn ?? principalId ?? invokedBy ?? userName;
  e.actor_alt = e.actor === issuerArn ? arn ?? principalId : e.actor === arn ? principalId : e.actor === principalId ? userName : null;
  e.actor_type = str(field(ui, 'type')) ?? inferActorType(arn ?? issuerArn, invokedBy);
  e.account = str(field(ui, 'accountId')) ?? arnAccount(arn ?? issuerArn);
  e.credential_id = str(field(ui, 'accessKeyId'));
  e.action = `${servicePrefix(source)}:${operationName(name)}`;
  fillResource(e, {
    resources: list(field(r, 'resources')),
    requestParameters: field(r, 'requestParameters'),
    partition: parseArn(arn ?? issuerArn)?.partition ?? 'aws',
    region: str(field(r, 'awsRegion')),
    recipient: str(field(r, 'recipientAccountId')),
  });
  e.source_ip = str(field(r, 'sourceIPAddress'));
  e.user_agent = str(field(r, 'userAgent'));

  const errorCode = str(field(r, 'errorCode'));
  // ConsoleLogin (and other sign-in events) report failure in responseElements, with an errorMessage but no errorCode.
  const signinResult = str(field(field(r, 'responseElements'), name));
  if (errorCode !== null) {
    e.outcome = 'failure';
    e.error_code = errorCode;
  } else if (signinResult !== null && /^failure$/i.test(signinResult)) {
    e.outcome = 'failure';
    e.error_code = str(field(r, 'errorMessage')) ?? signinResult;
  } else {
    e.outcome = 'success';
  }

  const readOnly = bool(field(r, 'readOnly'));
  e.is_write = readOnly !== null ? !readOnly : !isReadOperation(name);
  e.bytes = num(get(r, 'additionalEventData.bytesTransferredOut'));
  e.session_type = sessionType({
    eventName: name,
    fromConsole: field(r, 'sessionCredentialFromConsole'),
    mfa: get(ui, 'sessionContext.attributes.mfaAuthenticated'),
    userAgent: e.user_agent,
    invokedBy,
    webIdentity: str(field(ui, 'type')) === 'WebIdentityUser' || str(get(ui, 'sessionContext.webIdFederationData.federatedProvider')) !== null,
  });
  return { events: [e] };
}

/**
 * resource + resource_account. The resource is the first `resources[].ARN` (S3 objects reduced to their bucket), else one derived
 * from requestParameters. resource_account is filled whenever the log says who owns the resource — not only when it differs from
 * the actor's account — because cross-account detection is `resource_account <> account`, and a null must keep meaning "unknown",
 * never "same account". Owner, in order: `resources[].accountId`, the account inside the resource ARN, then `recipientAccountId`
 * (the account whose trail received the event: the resource owner's copy for cross-account data events).
 */
function fillResource(
  e: CanonicalEvent,
  ctx: { resources: unknown[]; requestParameters: unknown; partition: string; region: string | null; recipient: string | null },
): void {
  const first = ctx.resources.map((res) => str(field(res, 'ARN'))).find((arn) => arn !== null);
  if (first !== undefined && first !== null) {
    e.resource = bucketLevel(first);
    // S3 data events list the object (no accountId) before its bucket (with the owner's accountId): any entry naming the same
    // resource may carry the owner.
    const owner = ctx.resources.find((res) => {
      const arn = str(field(res, 'ARN'));
      return arn !== null && bucketLevel(arn) === e.resource && str(field(res, 'accountId')) !== null;
    });
    e.resource_account = str(field(owner, 'accountId')) ?? arnAccount(first) ?? ctx.recipient;
    return;
  }
  const account = e.account ?? ctx.recipient;
  e.resource = resourceFromRequest(ctx.requestParameters, { partition: ctx.partition, region: ctx.region, account });
  if (e.resource !== null) e.resource_account = arnAccount(e.resource) ?? ctx.recipient;
}

// ---------------------------------------------------------------------------------------------------------------------------
// OCSF (CloudTrail Lake / Security Lake). Field names follow the AWS mapping of CloudTrail into OCSF 1.x: actor.user.uid is the
// ARN (1.1; `uuid` held it in 1.0-rc), uid_alt the principal id, credential_uid the access key, actor.session.issuer the role.

function isCloudTrailOcsf(r: Obj): boolean {
  const product = str(get(r, 'metadata.product.name'));
  if (product !== null) return /cloudtrail/i.test(product);
  // Some exports drop metadata.product; an AWS vendor with an AWS service name is still CloudTrail.
  const vendor = str(get(r, 'metadata.product.vendor_name'));
  const service = str(get(r, 'api.service.name'));
  return vendor !== null && /^(aws|amazon)/i.test(vendor) && service !== null && /\.amazonaws\.com$/i.test(service);
}

function matchOcsf(r: Obj): number {
  if (str(get(r, 'api.operation')) === null || !hasKey(r, 'class_uid')) return 0;
  return isCloudTrailOcsf(r) ? 0.95 : 0;
}

function normaliseOcsf(r: Obj, where: RecordWhere): NormaliseResult {
  if (!isCloudTrailOcsf(r)) return { reject: 'OCSF record from another product than CloudTrail' };
  const op = str(get(r, 'api.operation'));
  if (op === null) return { reject: 'OCSF record without api.operation' };
  const time = timeOf(field(r, 'time'), field(r, 'time_dt'), field(r, PANTHER_EVENT_TIME));
  if (time === null) return { reject: NO_TIME };

  const user = get(r, 'actor.user');
  const uid = str(field(user, 'uid'));
  const uuid = str(field(user, 'uuid'));
  const uidAlt = str(field(user, 'uid_alt'));
  const userArn = [uid, uuid].find((s) => s?.startsWith('arn:')) ?? null;
  const principalId = [uidAlt, uid].find((s) => s !== null && !s.startsWith('arn:')) ?? null;
  const issuer = str(get(r, 'actor.session.issuer'));
  const invokedBy = str(get(r, 'actor.invoked_by'));
  const service = str(get(r, 'api.service.name'));

  const e = newEvent('cloudtrail', 'aws', time, where);
  e.event_id = str(get(r, 'metadata.uid'));
  e.actor = issuer ?? userArn ?? principalId ?? invokedBy ?? str(field(user, 'name'));
  e.actor_alt = e.actor === issuer ? userArn ?? principalId : e.actor === userArn ? principalId : null;
  e.actor_type = str(field(user, 'type')) ?? inferActorType(userArn ?? issuer, invokedBy);
  e.account = str(get(user, 'account.uid')) ?? str(field(user, 'account_uid')) ?? arnAccount(userArn ?? issuer);
  e.credential_id = str(field(user, 'credential_uid'));
  e.action = service !== null ? `${servicePrefix(service)}:${operationName(op)}` : operationName(op);

  const resources = list(field(r, 'resources'));
  const cloudAccount = str(get(r, 'cloud.account.uid'));
  const first = resources.find((res) => str(field(res, 'uid')) !== null);
  if (first !== undefined) {
    const arn = str(field(first, 'uid'))!;
    e.resource = bucketLevel(arn);
    e.resource_account = str(get(first, 'owner.account.uid')) ?? str(field(first, 'account_uid')) ?? arnAccount(arn) ?? cloudAccount;
  } else {
    e.resource = resourceFromRequest(get(r, 'api.request.data'), {
      partition: parseArn(userArn ?? issuer)?.partition ?? 'aws',
      region: str(get(r, 'cloud.region')),
      account: e.account ?? cloudAccount,
    });
    if (e.resource !== null) e.resource_account = arnAccount(e.resource) ?? cloudAccount;
  }

  e.source_ip = str(get(r, 'src_endpoint.ip')) ?? str(get(r, 'src_endpoint.domain'));
  e.user_agent = str(get(r, 'http_request.user_agent'));
  const error = str(get(r, 'api.response.error'));
  const status = str(field(r, 'status'));
  const statusId = num(field(r, 'status_id'));
  if (error !== null || statusId === 2 || (status !== null && /^fail/i.test(status))) {
    e.outcome = 'failure';
    e.error_code = error ?? str(field(r, 'status_code')) ?? status;
  } else if (statusId === 1 || (status !== null && /^success/i.test(status))) {
    e.outcome = 'success';
  }
  // API Activity's activity_id: 1 Create, 2 Read, 3 Update, 4 Delete; other classes fall back to the operation's verb.
  const activity = num(field(r, 'activity_id'));
  e.is_write = num(field(r, 'class_uid')) === 6003 && activity !== null && activity >= 1 && activity <= 4 ? activity !== 2 : !isReadOperation(op);
  e.session_type = sessionType({
    eventName: op,
    fromConsole: get(r, 'unmapped.sessionCredentialFromConsole'),
    mfa: get(r, 'actor.session.is_mfa') ?? get(r, 'actor.session.mfa'),
    userAgent: e.user_agent,
    invokedBy,
    webIdentity: str(field(user, 'type')) === 'WebIdentityUser',
  });
  return { events: [e] };
}

// ---------------------------------------------------------------------------------------------------------------------------

function match(r: Obj): number {
  return Math.max(matchClassic(r), matchOcsf(r));
}

function normalise(r: Obj, where: RecordWhere): NormaliseResult {
  // A digest file's body (log-file hashes), if it ever arrives as a record, holds no events.
  if (hasKey(r, 'digestStartTime') && hasKey(r, 'logFiles')) return { events: [] };
  if (matchOcsf(r) > 0) return normaliseOcsf(r, where);
  if (hasKey(r, 'class_uid') && hasKey(r, 'api') && !hasKey(r, 'eventSource')) return normaliseOcsf(r, where);
  return normaliseClassic(r, where);
}

export const cloudtrail: LogFormat = {
  format: 'cloudtrail',
  platform: 'aws',
  vendor: VENDOR,
  match: safeMatch(match),
  normalise: safeNormalise(VENDOR, normalise),
};
