// GitHub organisation / enterprise audit log (JSON, NDJSON, CSV rows where every value is a string) → canonical events.
// Tokens are the NHIs: `hashed_token` / `token_id` name the credential, `programmatic_access_type` says a program made the call.
import type { LogFormat, NormaliseResult, RecordWhere } from './types';
import {
  NO_TIME, PANTHER_EVENT_TIME, bool, field, hasKey, isBrowserUserAgent, isObj, newEvent, safeMatch, safeNormalise, str, timeOf, type Obj,
} from './util';

const VENDOR = 'GitHub audit log';

/** GitHub actions are `<category>.<operation>` (repo.create, git.clone); Slack's are snake_case without a dot. */
const GITHUB_ACTION = /^[a-z0-9_]+\.[a-z0-9_.]+$/i;

function match(r: Obj): number {
  const action = str(field(r, 'action'));
  if (action === null) return 0;
  const actor = field(r, 'actor');
  // Slack (and others) write the actor as an object; GitHub writes the login as a string.
  if (isObj(actor) || Array.isArray(actor)) return 0;
  let score = 0.2;
  if (GITHUB_ACTION.test(action)) score += 0.25;
  if (typeof actor === 'string' || hasKey(r, 'actor_id')) score += 0.2;
  if (['@timestamp', 'created_at', 'at_sign_timestamp', '_document_id'].some((k) => hasKey(r, k))) score += 0.2;
  if (['org', 'repo', 'repository', 'business', 'actor_ip', 'hashed_token', 'programmatic_access_type', 'operation_type'].some((k) => hasKey(r, k))) score += 0.15;
  return score;
}

// operation_type as GitHub writes it: only these do not change anything.
const READ_OPERATIONS = new Set(['access', 'authentication']);

function normalise(r: Obj, where: RecordWhere): NormaliseResult {
  const action = str(field(r, 'action'));
  if (action === null) return { reject: 'not a GitHub audit event (no action)' };
  // `at_sign_timestamp` is how Panther stores `@timestamp`; created_at is the same instant in GitHub's own exports.
  const time = timeOf(field(r, '@timestamp'), field(r, 'created_at'), field(r, 'at_sign_timestamp'), field(r, 'timestamp'), field(r, PANTHER_EVENT_TIME));
  if (time === null) return { reject: NO_TIME };

  const e = newEvent('github_audit', 'github', time, where);
  e.event_id = str(field(r, '_document_id'));
  e.actor = str(field(r, 'actor'));
  e.actor_alt = str(field(r, 'actor_id'));
  const isBot = bool(field(r, 'actor_is_bot'));
  e.actor_type = isBot === true || (e.actor !== null && e.actor.endsWith('[bot]')) ? 'Bot' : isBot === false ? 'User' : null;
  // Credential: the token used — or, on personal_access_token.* events, the token concerned, still the key that joins to it.
  e.credential_id = str(field(r, 'hashed_token')) ?? str(field(r, 'token_id'));
  e.action = action;
  // Resource: the repository (owner/name) when there is one, else the organisation or enterprise acted in. Names are kept as GitHub
  // writes them; GitHub compares them case-insensitively, and so does alias resolution.
  e.account = str(field(r, 'org')) ?? str(field(r, 'business'));
  e.resource = str(field(r, 'repo')) ?? str(field(r, 'repository')) ?? e.account;
  e.source_ip = str(field(r, 'actor_ip'));
  e.user_agent = str(field(r, 'user_agent'));
  // GitHub does not log whether the action succeeded.
  e.outcome = null;
  const operation = str(field(r, 'operation_type'));
  if (operation !== null) e.is_write = !READ_OPERATIONS.has(operation.toLowerCase());

  // session_type: 'api' when a token / key / app made the call. personal_access_token.* events describe the token being created or
  // revoked (its hashed_token included), usually from the web UI, so for them the user agent decides.
  const programmatic = str(field(r, 'programmatic_access_type'));
  if (programmatic !== null && !action.startsWith('personal_access_token.')) e.session_type = 'api';
  else if (isBrowserUserAgent(e.user_agent)) e.session_type = 'browser';
  return { events: [e] };
}

export const github: LogFormat = {
  format: 'github_audit',
  platform: 'github',
  vendor: VENDOR,
  match: safeMatch(match),
  normalise: safeNormalise(VENDOR, normalise),
};
