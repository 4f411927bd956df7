// Google Workspace Reports API activities (`id.applicationName` + `events[]`, and Panther's flattened one-event form) → canonical
// events, one per `events[]` item. OAuth clients are the NHIs: token events name them by the `client_id` parameter.
import type { LogFormat, NormaliseResult, RecordWhere } from './types';
import {
  NO_TIME, PANTHER_EVENT_TIME, field, get, hasKey, isObj, isReadOperation, list, newEvent, num, safeMatch, safeNormalise, str, timeOf,
  type Obj,
} from './util';

const VENDOR = 'Google Workspace';

/**
 * A parameter's value. The Reports API writes a list of `{name, value | intValue | boolValue | multiValue | multiIntValue}`;
 * Panther flattens it to an object keyed by name.
 */
function paramOf(parameters: unknown, name: string): unknown {
  if (Array.isArray(parameters)) {
    const p = parameters.find((item) => str(field(item, 'name'))?.toLowerCase() === name.toLowerCase());
    if (p === undefined) return undefined;
    for (const key of ['value', 'intValue', 'boolValue', 'multiValue', 'multiIntValue']) {
      const v = field(p, key);
      if (v !== undefined && v !== null) return v;
    }
    return undefined;
  }
  return field(parameters, name);
}

/** A parameter as a string; lists (scope, multiValue) yield their first entry. */
function paramStr(parameters: unknown, name: string): string | null {
  const v = paramOf(parameters, name);
  return Array.isArray(v) ? str(v[0]) : str(v);
}

/**
 * Resource, from the parameters that name what the event touched, most specific first: the API method an OAuth client called,
 * the API, the app granted access, the document (title, which data classes match on, else id), then the user / group / role /
 * setting an admin changed, and at last the first scope granted.
 */
const RESOURCE_PARAMETERS = [
  'method_name', 'api_name', 'app_name', 'doc_title', 'doc_id', 'target_user', 'user_email', 'group_email', 'role_name',
  'application_name', 'setting_name', 'scope',
];

function match(r: Obj): number {
  if (str(get(r, 'id.applicationName')) === null) return 0;
  let score = 0.5;
  if (Array.isArray(field(r, 'events'))) score += 0.35;
  else if (str(field(r, 'name')) !== null || hasKey(r, 'parameters')) score += 0.25;
  if (str(field(r, 'kind'))?.startsWith('admin#reports#') === true) score += 0.1;
  if (isObj(field(r, 'actor'))) score += 0.05;
  return score;
}

function normalise(r: Obj, where: RecordWhere): NormaliseResult {
  const app = str(get(r, 'id.applicationName'));
  if (app === null) return { reject: 'not a Google Workspace activity (no id.applicationName)' };
  const time = timeOf(get(r, 'id.time'), field(r, PANTHER_EVENT_TIME));
  if (time === null) return { reject: NO_TIME };

  // Reports API: many events per activity; Panther: the activity is the event.
  const items: { name: string | null; parameters: unknown }[] = Array.isArray(field(r, 'events'))
    ? list(field(r, 'events')).filter(isObj).map((ev) => ({ name: str(field(ev, 'name')), parameters: field(ev, 'parameters') }))
    : [{ name: str(field(r, 'name')), parameters: field(r, 'parameters') }];
  const usable = items.filter((it) => it.name !== null);
  if (usable.length === 0) return { reject: 'Google Workspace activity without an event name' };

  const actor = field(r, 'actor');
  const email = str(field(actor, 'email'));
  const profileId = str(field(actor, 'profileId'));
  const uniqueQualifier = str(get(r, 'id.uniqueQualifier'));
  const appClient = str(get(actor, 'applicationInfo.oauthClientId'));

  const events = usable.map((item, i) => {
    const e = newEvent('google_workspace', 'google_workspace', time, where);
    // One activity shares its uniqueQualifier across its events: the position keeps each event's id unique and stable.
    e.event_id = uniqueQualifier === null ? null : usable.length > 1 ? `${uniqueQualifier}#${i}` : uniqueQualifier;
    e.actor = email ?? profileId ?? str(field(actor, 'key'));
    e.actor_alt = e.actor === email ? profileId : null;
    e.actor_type = str(field(actor, 'callerType'));
    e.account = str(get(r, 'id.customerId'));
    // Credential: the OAuth client whose grant is used or changed (token events), or the app acting on a user's behalf.
    e.credential_id = paramStr(item.parameters, 'client_id') ?? appClient;
    e.action = `${app}:${item.name!}`;
    for (const name of RESOURCE_PARAMETERS) {
      const value = paramStr(item.parameters, name);
      if (value !== null) {
        e.resource = value;
        break;
      }
    }
    e.source_ip = str(field(r, 'ipAddress'));
    // Workspace logs outcomes only as event names: login_success / login_failure.
    if (/_failure$/i.test(item.name!)) e.outcome = 'failure';
    else if (/_success$/i.test(item.name!)) e.outcome = 'success';
    e.bytes = num(paramOf(item.parameters, 'num_response_bytes'));
    // Admin console events are all changes; view / download style names are reads; otherwise Workspace does not say.
    e.is_write = isReadOperation(item.name) ? false : app === 'admin' ? true : null;
    if (appClient !== null || e.actor_type === 'KEY') e.session_type = 'api';
    return e;
  });
  return { events };
}

export const googleWorkspace: LogFormat = {
  format: 'google_workspace',
  platform: 'google_workspace',
  vendor: VENDOR,
  match: safeMatch(match),
  normalise: safeNormalise(VENDOR, normalise),
};
