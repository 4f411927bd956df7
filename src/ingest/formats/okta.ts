// Okta System Log → canonical events. Service apps (client-credential OAuth clients) and API tokens are the NHIs here; the
// System Log names an API token only in `transaction.detail.requestApiTokenId`, which is therefore the credential we keep.
import type { Outcome } from '../canonical';
import type { LogFormat, NormaliseResult, RecordWhere } from './types';
import {
  NO_TIME, PANTHER_EVENT_TIME, field, get, hasKey, isBrowserUserAgent, isObj, list, newEvent, safeMatch, safeNormalise, str, timeOf,
  type Obj,
} from './util';

const VENDOR = 'Okta System Log';

function match(r: Obj): number {
  const eventType = str(field(r, 'eventType'));
  // CloudTrail records also carry an `eventType` (AwsApiCall); an eventSource means it is not Okta.
  if (eventType === null || hasKey(r, 'eventSource')) return 0;
  let score = 0.3;
  const actor = field(r, 'actor');
  if (isObj(actor) && (hasKey(actor, 'id') || hasKey(actor, 'alternateId') || hasKey(actor, 'type'))) score += 0.3;
  if (hasKey(r, 'published')) score += 0.2;
  if (['legacyEventType', 'displayMessage', 'uuid', 'outcome', 'client', 'debugContext', 'authenticationContext'].some((k) => hasKey(r, k))) score += 0.15;
  // Okta event types are dotted lower-case paths (user.session.start); another vendor's eventType rarely is.
  if (/^[a-z0-9_]+(\.[A-Za-z0-9_]+)+$/.test(eventType)) score += 0.05;
  return score;
}

function outcomeOf(result: string | null): Outcome | null {
  if (result === null) return null;
  const r = result.toUpperCase();
  if (r === 'SUCCESS' || r === 'ALLOW') return 'success';
  if (r === 'FAILURE' || r === 'DENY') return 'failure';
  return null; // CHALLENGE, SKIPPED, UNKNOWN…: the action neither clearly happened nor was refused.
}

/** Okta writes the literal "unknown" when it has no alternate id; that is not a name. */
function named(value: unknown): string | null {
  const s = str(value);
  return s !== null && s.toLowerCase() !== 'unknown' ? s : null;
}

function normalise(r: Obj, where: RecordWhere): NormaliseResult {
  const eventType = str(field(r, 'eventType'));
  if (eventType === null) return { reject: 'not an Okta System Log event (no eventType)' };
  const time = timeOf(field(r, 'published'), field(r, PANTHER_EVENT_TIME));
  if (time === null) return { reject: NO_TIME };

  const actor = field(r, 'actor');
  const e = newEvent('okta_system_log', 'okta', time, where);
  e.event_id = str(field(r, 'uuid'));
  e.actor = str(field(actor, 'id'));
  e.actor_alt = named(field(actor, 'alternateId'));
  e.actor_type = str(field(actor, 'type'));
  e.action = eventType;
  // Resource: the first target's alternateId (login, app label, e-mail: what a person and a register use), else its displayName,
  // else its id.
  for (const target of list(field(r, 'target'))) {
    const name = named(field(target, 'alternateId')) ?? named(field(target, 'displayName')) ?? str(field(target, 'id'));
    if (name !== null) {
      e.resource = name;
      break;
    }
  }
  e.source_ip = str(get(r, 'client.ipAddress'));
  e.user_agent = str(get(r, 'client.userAgent.rawUserAgent'));
  e.outcome = outcomeOf(str(get(r, 'outcome.result')));
  if (e.outcome !== 'success') e.error_code = str(get(r, 'outcome.reason'));

  // Credential: the API token a request used. Not authenticationContext.externalSessionId (a browser session id) nor the granted
  // scopes (a permission set, not a secret).
  e.credential_id = str(get(r, 'transaction.detail.requestApiTokenId'));
  const grantType = str(get(r, 'debugContext.debugData.grantType'));
  // session_type: 'api' for calls made with an API token or a client-credentials grant (a program), 'browser' for a browser agent.
  if (e.credential_id !== null || grantType === 'client_credentials') e.session_type = 'api';
  else if (isBrowserUserAgent(e.user_agent)) e.session_type = 'browser';
  return { events: [e] };
}

export const okta: LogFormat = {
  format: 'okta_system_log',
  platform: 'okta',
  vendor: VENDOR,
  match: safeMatch(match),
  normalise: safeNormalise(VENDOR, normalise),
};
