-- coverage.dormant: an inventory NHI with no activity for the dormancy period before as-of. Activity = any event up to as-of,
-- or the inventory's last-used date (credential report, token reports). Never-seen identities count only when their platform's
-- logs cover the whole period; identities created inside the period are new, not dormant. Humans and root never fire.
WITH c AS (SELECT as_of FROM dl_context),
per AS MATERIALIZED (
  -- Last activity per identity, first event per platform (how far back the logs reach), from the shared per-action counts.
  SELECT platform, identity_key, min(t0) AS first_event, max(t1) AS last_event,
         arg_max(action, t1) AS last_action, sum(n) AS n
    FROM dl_entity_actions WHERE period <> 'after' GROUP BY platform, identity_key
),
logs AS (SELECT platform, min(first_event) AS logs_from FROM per GROUP BY platform),
seen AS (
  SELECT identity_key, max(last_event) AS last_event, arg_max(last_action, last_event) AS last_action, sum(n) AS n
    FROM per WHERE identity_key IS NOT NULL GROUP BY identity_key
),
nhi AS (
  SELECT i.identity_key, i.name, i.platform, i.created_at, i.last_used_at,
         coalesce(nullif(trim(i.kind), ''), 'identity') AS kind_text,
         CAST(dl_param('coverage.dormant', 'dormant_days', i.identity_key, {{dormant_days}}) AS DOUBLE) AS days
    FROM identities i
   WHERE lower(coalesce(i.kind, '')) NOT IN ('root account', 'iam user (console)')
     AND NOT regexp_matches(coalesce(i.extra, ''), '"nhi"\s*:\s*"no"')
),
d AS (
  SELECT n.*, s.last_event, s.last_action, coalesce(s.n, 0) AS n_events, l.logs_from, c.as_of,
         -- The inventory's last use counts even when it is after as-of (a report exported after the logs end): not dormant then.
         CASE WHEN s.last_event IS NULL THEN n.last_used_at
              WHEN n.last_used_at IS NULL THEN s.last_event
              ELSE greatest(s.last_event, n.last_used_at) END AS last_activity,
         date_diff('second', l.logs_from, c.as_of) / 86400.0 AS logs_days
    FROM nhi n CROSS JOIN c
    LEFT JOIN seen s USING (identity_key)
    LEFT JOIN logs l ON l.platform = n.platform
),
f AS (
  SELECT d.*,
         date_diff('second', last_activity, as_of) / 86400.0 AS silent_days,
         date_diff('second', created_at, as_of) / 86400.0 AS age_days
    FROM d
   WHERE coalesce(created_at, TIMESTAMP '1970-01-01') <= as_of - to_seconds(CAST(days * 86400 AS BIGINT))
     AND CASE WHEN last_activity IS NOT NULL THEN last_activity <= as_of - to_seconds(CAST(days * 86400 AS BIGINT))
              -- Never seen: only when this platform's logs reach back over the whole dormancy period.
              ELSE logs_from IS NOT NULL AND logs_from <= as_of - to_seconds(CAST(days * 86400 AS BIGINT)) END
)
SELECT identity_key AS entity_key,
       '' AS subject,
       NULL::TIMESTAMP AS first_seen, NULL::TIMESTAMP AS last_seen,
       0 AS evidence_count, 0 AS evidence_outside_change, NULL AS change_id,
       CASE WHEN last_activity IS NULL
            THEN format('no activity in the evidence or the inventory: no event of {} {} in {} days of {} logs and no last-used date',
                        kind_text, name, CAST(round(logs_days) AS INTEGER), platform)
            ELSE format('no activity for {} days: {}', CAST(floor(silent_days) AS INTEGER),
                        concat_ws('; ',
                          CASE WHEN last_event IS NOT NULL
                               THEN format('last event {} ({})', strftime(last_event, '%Y-%m-%d %H:%M UTC'), coalesce(last_action, 'no action')) END,
                          CASE WHEN last_used_at IS NOT NULL
                               THEN format('inventory last used {}', strftime(last_used_at, '%Y-%m-%d')) END,
                          CASE WHEN last_event IS NULL AND logs_from IS NOT NULL
                               THEN format('no event in {} days of {} logs', CAST(round(logs_days) AS INTEGER), platform)
                               WHEN last_event IS NULL THEN format('no {} logs loaded', platform) END))
       END AS observed,
       '' AS baseline,
       CASE WHEN created_at IS NOT NULL THEN format('{} created {}', kind_text, strftime(created_at, '%Y-%m-%d')) ELSE '' END AS declared,
       format('no activity for {} days before as-of ({})', CAST(days AS INTEGER), strftime(as_of, '%Y-%m-%d %H:%M UTC')) AS threshold,
       CASE WHEN last_activity IS NULL THEN 1.0
            ELSE least(1.0, 0.3 + 0.7 * (silent_days - days) / (2 * days)) END AS intensity,
       MAP {'days_silent': CASE WHEN last_activity IS NULL THEN '' ELSE CAST(CAST(floor(silent_days) AS INTEGER) AS VARCHAR) END,
            'dormant_days': CAST(CAST(days AS INTEGER) AS VARCHAR),
            'last_event': coalesce(strftime(last_event, '%Y-%m-%d %H:%M:%S'), ''),
            'last_used_at': coalesce(strftime(last_used_at, '%Y-%m-%d %H:%M:%S'), ''),
            'created_at': coalesce(strftime(created_at, '%Y-%m-%d'), ''),
            'events': CAST(n_events AS VARCHAR),
            'logs_days': CASE WHEN logs_days IS NULL THEN '' ELSE CAST(CAST(round(logs_days) AS INTEGER) AS VARCHAR) END} AS details
  FROM f
