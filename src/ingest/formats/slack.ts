// Slack Enterprise audit logs → canonical events. Apps and bots are the NHIs: an actor or entity of type `app` / `bot` names them.
import type { LogFormat, NormaliseResult, RecordWhere } from './types';
import {
  NO_TIME, PANTHER_EVENT_TIME, field, get, hasKey, isBrowserUserAgent, isObj, newEvent, safeMatch, safeNormalise, str, timeOf, type Obj,
} from './util';

const VENDOR = 'Slack audit logs';

/** Slack nests the details under a key named by the type: `{type: "user", user: {...}}`, `{type: "app", app: {...}}`. */
function typed(value: unknown): { type: string | null; body: unknown } {
  const type = str(field(value, 'type'));
  if (type !== null) {
    const body = field(value, type);
    if (isObj(body)) return { type, body };
  }
  // Type missing or body under another key: take whichever known body is there.
  for (const key of ['user', 'app', 'bot', 'workspace', 'enterprise', 'channel', 'file', 'workflow']) {
    const body = field(value, key);
    if (isObj(body)) return { type: type ?? key, body };
  }
  return { type, body: undefined };
}

function match(r: Obj): number {
  if (str(field(r, 'action')) === null) return 0;
  const actor = field(r, 'actor');
  if (!isObj(actor) || str(field(actor, 'type')) === null) return 0;
  let score = 0.5;
  if (hasKey(r, 'date_create')) score += 0.25;
  if (isObj(field(r, 'context'))) score += 0.15;
  if (isObj(field(r, 'entity'))) score += 0.1;
  return score;
}

function normalise(r: Obj, where: RecordWhere): NormaliseResult {
  const action = str(field(r, 'action'));
  if (action === null) return { reject: 'not a Slack audit event (no action)' };
  const time = timeOf(field(r, 'date_create'), field(r, PANTHER_EVENT_TIME));
  if (time === null) return { reject: NO_TIME };

  const actor = typed(field(r, 'actor'));
  const entity = typed(field(r, 'entity'));
  const e = newEvent('slack_audit', 'slack', time, where);
  e.event_id = str(field(r, 'id'));
  e.actor = str(field(actor.body, 'id'));
  e.actor_alt = str(field(actor.body, 'email')) ?? str(field(actor.body, 'name'));
  e.actor_type = actor.type;
  e.action = action;
  // Resource: `<entity type>:<id>` — Slack ids are stable where names are not unique (users) or change (channels, apps);
  // the name stands in only when the id is missing.
  const entityId = str(field(entity.body, 'id')) ?? str(field(entity.body, 'name'));
  e.resource = entity.type !== null && entityId !== null ? `${entity.type}:${entityId}` : null;
  // The actor's own workspace or organisation; the workspace where it happened owns the entity.
  e.account = str(field(actor.body, 'team')) ?? str(get(r, 'context.location.id'));
  e.resource_account = str(get(r, 'context.location.id'));
  e.source_ip = str(get(r, 'context.ip_address'));
  e.user_agent = str(get(r, 'context.ua'));
  // Slack does not log outcomes.
  if (isBrowserUserAgent(e.user_agent)) e.session_type = 'browser';
  return { events: [e] };
}

export const slack: LogFormat = {
  format: 'slack_audit',
  platform: 'slack',
  vendor: VENDOR,
  match: safeMatch(match),
  normalise: safeNormalise(VENDOR, normalise),
};
