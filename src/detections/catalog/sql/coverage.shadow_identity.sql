-- coverage.shadow_identity: one finding per actor of the logs that resolves to no inventory identity (ev.entity_key
-- 'shadow:…'), with its credentials, span, volume, actions and sources. Actors whose name matches several identities are
-- reported as ambiguous; the cloud provider's own service principals and records with no actor at all are not identities.
WITH per_action AS (
  -- The one pass over the events: shadow events by actor and action.
  SELECT entity_key, action,
         any_value(actor) AS actor, any_value(actor_type) AS actor_type, any_value(platform) AS platform,
         count(*) AS n, count(*) FILTER (WHERE period = 'detection') AS n_det, count(*) FILTER (WHERE outcome = 'failure') AS n_fail,
         count(*) FILTER (WHERE change_id IS NULL) AS outside, min(change_id) AS change_id,
         min(event_time) AS first_seen, max(event_time) AS last_seen,
         bool_or(coalesce(is_write, false)) AS any_write,
         list(DISTINCT credential_id) FILTER (WHERE credential_id IS NOT NULL) AS creds,
         list(DISTINCT source_ip) FILTER (WHERE source_ip IS NOT NULL) AS ips
    FROM ev
   WHERE identity_key IS NULL AND period <> 'after'
   GROUP BY entity_key, action
),
s AS (
  SELECT entity_key, any_value(actor) AS actor, any_value(actor_type) AS actor_type, any_value(platform) AS platform,
         sum(n) AS n, sum(n_det) AS n_det, sum(n_fail) AS n_fail, sum(outside) AS outside, min(change_id) AS change_id,
         min(first_seen) AS first_seen, max(last_seen) AS last_seen, bool_or(any_write) AS any_write,
         list_sort(list_distinct(flatten(list(creds)))) AS creds,
         list_sort(list_distinct(flatten(list(ips)))) AS ips,
         count(action) AS n_actions,
         -- Busiest actions first: "s3:GetObject ×340, s3:ListBuckets ×6".
         string_agg(coalesce(action, '(no action)') || ' ×' || format('{:,}', n), ', ' ORDER BY n DESC, action) AS actions_text,
         bool_or(regexp_matches(coalesce(action, ''), '(?i)^(iam|sts|kms|secretsmanager|organizations|ssm):|create|delete|put|attach|update|add|grant|policy'))
           AS sensitive
    FROM per_action GROUP BY entity_key
),
res AS (
  -- How resolution ended for these actors: no match at all ('shadow') or several identities ('ambiguous').
  SELECT 'shadow:' || coalesce(actor, credential_id, '?') AS entity_key,
         bool_or(resolution = 'ambiguous') AS ambiguous,
         list_sort(list_distinct(flatten(list(candidates) FILTER (WHERE candidates IS NOT NULL)))) AS candidates
    FROM actor_resolution WHERE identity_key IS NULL GROUP BY 1
),
r AS (
  SELECT s.*, coalesce(res.ambiguous, false) AS ambiguous, coalesce(res.candidates, []) AS candidates
    FROM s LEFT JOIN res USING (entity_key)
   WHERE s.entity_key <> 'shadow:?'
     AND coalesce(s.actor_type, '') NOT IN ('AWSService', 'SystemPrincipal')
     AND NOT regexp_matches(coalesce(s.actor, ''), '(?i)^([a-z0-9-]+\.)+amazonaws\.com$|^aws internal$')
)
SELECT entity_key,
       '' AS subject,
       first_seen, last_seen,
       n AS evidence_count, outside AS evidence_outside_change, change_id,
       format('{} event{} between {} and {} by {}{}: {}{}{}; {} in the detection window',
              format('{:,}', n), CASE WHEN n = 1 THEN '' ELSE 's' END,
              strftime(first_seen, '%Y-%m-%d %H:%M UTC'), strftime(last_seen, '%Y-%m-%d %H:%M UTC'),
              coalesce(actor, substr(entity_key, 8)),
              CASE WHEN ambiguous THEN format(', whose name matches {} inventory identities ({}) so its activity is attributed to none',
                                              len(candidates), array_to_string(candidates, ', '))
                   ELSE ', which matches no inventory identity' END,
              actions_text,
              CASE WHEN len(ips) > 0 THEN ' from ' || array_to_string(ips[1:5], ', ') || CASE WHEN len(ips) > 5 THEN format(' and {} more', len(ips) - 5) ELSE '' END ELSE '' END,
              CASE WHEN len(creds) > 0 THEN ' with credential ' || array_to_string(creds[1:3], ', ') || CASE WHEN len(creds) > 3 THEN format(' and {} more', len(creds) - 3) ELSE '' END ELSE '' END,
              format('{:,}', n_det)) AS observed,
       '' AS baseline,
       '' AS declared,
       'every actor in the logs resolves to exactly one inventory identity' AS threshold,
       CASE WHEN ambiguous THEN 0.2
            ELSE 0.4 + CASE WHEN n_det > 0 THEN 0.3 ELSE 0 END + CASE WHEN any_write OR sensitive THEN 0.3 ELSE 0 END END AS intensity,
       MAP {'actor': coalesce(actor, ''), 'actor_type': coalesce(actor_type, ''), 'platform': coalesce(platform, ''),
            'resolution': CASE WHEN ambiguous THEN 'ambiguous' ELSE 'shadow' END,
            'candidates': coalesce(array_to_string(candidates, '; '), ''),
            'credential_ids': coalesce(array_to_string(creds, '; '), ''), 'source_ips': coalesce(array_to_string(ips, '; '), ''),
            'events': CAST(n AS VARCHAR), 'detection_events': CAST(n_det AS VARCHAR), 'failures': CAST(n_fail AS VARCHAR),
            'actions': actions_text, 'distinct_actions': CAST(n_actions AS VARCHAR),
            'first_seen': strftime(first_seen, '%Y-%m-%d %H:%M:%S'), 'last_seen': strftime(last_seen, '%Y-%m-%d %H:%M:%S')} AS details
  FROM r
