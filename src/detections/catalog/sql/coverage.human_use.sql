-- coverage.human_use: interactive use of a non-human identity: a console sign-in or console session, an MFA session, or a
-- browser user agent (Mozilla/… that is not a bot), over the observed evidence up to as-of. One finding per identity.
-- Never for identities the inventory says are people (credential report 'IAM user (console)', root) nor for shadow actors.
WITH hu AS (
  SELECT i.identity_key, coalesce(nullif(trim(i.kind), ''), 'identity') AS kind_text
    FROM identities i
   WHERE lower(coalesce(i.kind, '')) NOT IN ('root account', 'iam user (console)')
     AND NOT regexp_matches(coalesce(i.extra, ''), '"nhi"\s*:\s*"no"')
),
x AS (
  -- The one pass over the events: the interactive ones (the same predicate as the evidence query). The cheap prefix test
  -- comes first, so the regular expressions only see user agents that start like a browser's.
  SELECT entity_key, event_time, action, source_ip, user_agent, session_type, change_id, is_write,
         lower(coalesce(action, '')) LIKE '%consolelogin' OR (session_type IN ('console', 'browser') AND lower(coalesce(action, '')) LIKE 'user.session.start') AS sign_in,
         coalesce((user_agent LIKE 'Mozilla/%' OR user_agent LIKE '[Mozilla/%')
                  AND regexp_matches(user_agent, '^\[?Mozilla/\d') AND NOT regexp_matches(user_agent, '(?i)\b(bot|crawler|spider|headless)'), false) AS browser_ua
    FROM ev
   WHERE identity_key IS NOT NULL AND period <> 'after'
     AND (session_type IN ('console', 'mfa', 'browser')
          OR ((user_agent LIKE 'Mozilla/%' OR user_agent LIKE '[Mozilla/%')
              AND regexp_matches(user_agent, '^\[?Mozilla/\d') AND NOT regexp_matches(user_agent, '(?i)\b(bot|crawler|spider|headless)')))
),
a AS (
  SELECT entity_key, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS n,
         count(*) FILTER (WHERE change_id IS NULL) AS outside, min(change_id) AS change_id,
         count(*) FILTER (WHERE sign_in) AS sign_ins,
         count(*) FILTER (WHERE session_type = 'console') AS console,
         count(*) FILTER (WHERE session_type = 'mfa') AS mfa,
         count(*) FILTER (WHERE browser_ua) AS browser,
         count(*) FILTER (WHERE is_write AND NOT sign_in) AS writes,
         list_sort(list(DISTINCT source_ip) FILTER (WHERE source_ip IS NOT NULL)) AS ips,
         list_sort(list(DISTINCT action) FILTER (WHERE action IS NOT NULL)) AS actions,
         mode(user_agent) AS user_agent
    FROM x GROUP BY entity_key
)
SELECT a.entity_key,
       '' AS subject,
       a.first_seen, a.last_seen,
       a.n AS evidence_count, a.outside AS evidence_outside_change, a.change_id,
       format('{} interactive event{} ({}) between {} and {}{}: {}',
              format('{:,}', a.n), CASE WHEN a.n = 1 THEN '' ELSE 's' END,
              concat_ws(', ',
                CASE WHEN a.sign_ins > 0 THEN format('{} sign-in{}', a.sign_ins, CASE WHEN a.sign_ins = 1 THEN '' ELSE 's' END) END,
                CASE WHEN a.console > 0 THEN format('{} in a console session', a.console) END,
                CASE WHEN a.mfa > 0 THEN format('{} in an MFA session', a.mfa) END,
                CASE WHEN a.browser > 0 THEN format('{} with a browser user agent', a.browser) END),
              strftime(a.first_seen, '%Y-%m-%d %H:%M UTC'), strftime(a.last_seen, '%Y-%m-%d %H:%M UTC'),
              CASE WHEN len(a.ips) > 0 THEN ' from ' || array_to_string(a.ips[1:5], ', ') || CASE WHEN len(a.ips) > 5 THEN format(' and {} more', len(a.ips) - 5) ELSE '' END ELSE '' END,
              coalesce(array_to_string(a.actions[1:8], ', '), 'no named action') || CASE WHEN len(a.actions) > 8 THEN format(' and {} more', len(a.actions) - 8) ELSE '' END)
         AS observed,
       '' AS baseline,
       format('inventory kind: {} (a non-human identity)', h.kind_text) AS declared,
       'no interactive use of a non-human identity: no console or browser sign-in, browser user agent or MFA session' AS threshold,
       least(1.0, CASE WHEN a.sign_ins > 0 OR a.console > 0 THEN 0.8 WHEN a.mfa > 0 THEN 0.7 ELSE 0.5 END
                  + CASE WHEN a.writes > 0 THEN 0.2 ELSE 0 END) AS intensity,
       MAP {'events': CAST(a.n AS VARCHAR), 'sign_ins': CAST(a.sign_ins AS VARCHAR), 'console_session': CAST(a.console AS VARCHAR),
            'mfa_session': CAST(a.mfa AS VARCHAR), 'browser_user_agent': CAST(a.browser AS VARCHAR), 'writes': CAST(a.writes AS VARCHAR),
            'source_ips': coalesce(array_to_string(a.ips, '; '), ''), 'actions': coalesce(array_to_string(a.actions, '; '), ''),
            'user_agent': coalesce(a.user_agent, '')} AS details
  FROM a JOIN hu h ON h.identity_key = a.entity_key
