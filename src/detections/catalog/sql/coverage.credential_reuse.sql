-- coverage.credential_reuse: one credential (access key, token, key id) used by several workloads at once — within
-- window_minutes from ≥ min_networks networks (IPv4 /24, IPv6 /48, or the AWS service name) AND ≥ min_ua_families user-agent
-- families (product + OS) — or against accounts the inventory places in different environments. One finding per credential.
-- Runs in {{parts}} parts (see `parts` in coverage.ts), each over the credentials whose hash falls in part {{part}}: every
-- step below is per credential, so the parts' findings together are the findings of one run.
WITH src AS (
  -- The one pass over the events: distinct credential × source × user agent (small, even on millions of events).
  SELECT credential_id, entity_key, source_ip, user_agent, count(*) AS n,
         list_distinct(list(coalesce(resource_account, account)) FILTER (WHERE coalesce(resource_account, account) IS NOT NULL)) AS accounts
    FROM ev
   WHERE credential_id IS NOT NULL AND period <> 'after' AND hash(credential_id) % {{parts}} = {{part}}
   GROUP BY credential_id, entity_key, source_ip, user_agent
),
tagged AS (
  SELECT *,
         CASE
           WHEN source_ip IS NULL OR trim(source_ip) = '' THEN NULL
           WHEN regexp_full_match(source_ip, '\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}') THEN regexp_extract(source_ip, '^(\d+\.\d+\.\d+)\.', 1) || '.0/24'
           WHEN source_ip LIKE '%:%' AND regexp_full_match(source_ip, '[0-9A-Fa-f:.]+')
             THEN lower(regexp_extract(source_ip, '^([0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4})', 1)) || '::/48'
           ELSE lower(trim(source_ip))                                   -- an AWS service name (s3.amazonaws.com), 'AWS Internal'
         END AS network,
         -- An AWS service calling on the caller's behalf (forward access session: the service is both source and agent) is the
         -- caller's own workload, not another holder of the credential.
         regexp_matches(coalesce(source_ip, ''), '(?i)(^|\.)amazonaws\.com$|^aws internal$')
           AND (user_agent IS NULL OR lower(user_agent) = lower(source_ip) OR regexp_matches(user_agent, '(?i)^([a-z0-9-]+\.)+amazonaws\.com$|^aws internal$'))
           AS forwarded,
         CASE WHEN user_agent IS NULL OR trim(user_agent) = '' THEN NULL
              ELSE CASE WHEN regexp_matches(user_agent, '^\[?Mozilla/\d') THEN 'browser'
                        ELSE lower(coalesce(nullif(regexp_extract(user_agent, '^\[?([A-Za-z][A-Za-z0-9._-]*)', 1), ''), trim(user_agent))) END
                   || coalesce(' on ' || CASE
                        WHEN regexp_matches(user_agent, '(?i)windows|win64|win32') THEN 'windows'
                        WHEN regexp_matches(user_agent, '(?i)darwin|mac os|macintosh|apple git') THEN 'macos'
                        WHEN regexp_matches(user_agent, '(?i)android') THEN 'android'
                        WHEN regexp_matches(user_agent, '(?i)\b(iphone|ipad|ios)\b') THEN 'ios'
                        WHEN regexp_matches(user_agent, '(?i)linux|ubuntu|amzn|debian|centos|rhel') THEN 'linux' END, '')
         END AS ua_family
    FROM src
),
used AS (SELECT * FROM tagged WHERE NOT forwarded),
acct_env AS (
  -- An account's environment, when every inventory identity of that account agrees on one.
  SELECT account, min(lower(trim(environment))) AS environment
    FROM identities WHERE nullif(trim(coalesce(environment, '')), '') IS NOT NULL AND account IS NOT NULL
   GROUP BY account HAVING count(DISTINCT lower(trim(environment))) = 1
),
per_cred AS (
  SELECT credential_id, entity_key, count(DISTINCT network) AS n_networks, count(DISTINCT ua_family) AS n_families
    FROM used GROUP BY credential_id, entity_key
),
envs AS (
  SELECT u.credential_id, u.entity_key, list_sort(list(DISTINCT e.environment)) AS environments, list_sort(list(DISTINCT e.account)) AS env_accounts
    FROM (SELECT credential_id, entity_key, unnest(accounts) AS account FROM used) u
    JOIN acct_env e USING (account)
   GROUP BY u.credential_id, u.entity_key
),
limits AS (
  SELECT p.*, e.environments, e.env_accounts,
         dl_param('coverage.credential_reuse', 'min_networks', p.entity_key, {{min_networks}}) AS min_networks,
         dl_param('coverage.credential_reuse', 'min_ua_families', p.entity_key, {{min_ua_families}}) AS min_families
    FROM per_cred p LEFT JOIN envs e USING (credential_id, entity_key)
),
cand AS (
  -- Only credentials that could qualify at all go on to the time analysis.
  SELECT * FROM limits
   WHERE (n_networks >= min_networks AND n_families >= min_families) OR len(coalesce(environments, [])) >= 2
),
-- Small numbers for the time analysis below: k for a workload (credential × entity) that could qualify, v for a network or an
-- agent family. Its windows sort most of the credential events (~780k of a million CloudTrail events); on numbers instead
-- of strings that takes a fraction of the memory (DuckDB-WASM's heap, which never shrinks, grew 650 MiB on the strings).
-- Numbered in string order, so every ORDER BY and tie below falls as it would on the strings.
keys AS MATERIALIZED (
  SELECT credential_id, entity_key, row_number() OVER (ORDER BY credential_id, entity_key) AS k FROM cand
),
vals AS MATERIALIZED (
  SELECT kind, val, row_number() OVER (ORDER BY kind, val) AS v
    FROM (SELECT DISTINCT 'n' AS kind, network AS val FROM used WHERE network IS NOT NULL
          UNION
          SELECT DISTINCT 'f', ua_family FROM used WHERE ua_family IS NOT NULL)
),
used_k AS MATERIALIZED (
  SELECT k.k, u.credential_id, u.entity_key, u.source_ip, u.user_agent, n.v AS network, f.v AS ua_family,
         u.network AS network_name, u.ua_family AS ua_family_name
    FROM used u
    JOIN keys k USING (credential_id, entity_key)
    LEFT JOIN vals n ON n.kind = 'n' AND n.val = u.network
    LEFT JOIN vals f ON f.kind = 'f' AND f.val = u.ua_family
),
timeline AS (
  SELECT t.k, e.event_time, t.network, t.ua_family
    FROM (SELECT credential_id, entity_key, event_time, source_ip, user_agent FROM ev
           WHERE period <> 'after' AND credential_id IN (SELECT credential_id FROM cand)) e
    JOIN used_k t ON t.credential_id = e.credential_id AND t.entity_key = e.entity_key
                 AND t.source_ip IS NOT DISTINCT FROM e.source_ip AND t.user_agent IS NOT DISTINCT FROM e.user_agent
),
marked AS (
  SELECT *, CASE WHEN lag(network) OVER p IS NOT DISTINCT FROM network AND lag(ua_family) OVER p IS NOT DISTINCT FROM ua_family
                 THEN 0 ELSE 1 END AS new_run
    FROM timeline
  WINDOW p AS (PARTITION BY k ORDER BY event_time, network, ua_family)
),
runs AS (
  -- Consecutive uses from the same network and agent family collapse into one run; only a run's first and last use can
  -- start or end an overlap with another workload, so the windows below look at run edges only (few rows, same answer).
  SELECT k, network, ua_family, run, min(event_time) AS run_start, max(event_time) AS run_end
    FROM (SELECT *, sum(new_run) OVER (PARTITION BY k ORDER BY event_time, network, ua_family ROWS UNBOUNDED PRECEDING) AS run
            FROM marked)
   GROUP BY ALL
),
edges AS (
  SELECT k, network, ua_family, run_start AS event_time FROM runs
  UNION ALL
  SELECT k, network, ua_family, run_end AS event_time FROM runs WHERE run_end > run_start
),
-- Distinct networks and agent families in each edge's window [t − window, t] (a RANGE frame, peers included), without
-- DISTINCT window aggregates, which cost ~50 µs per edge (24 s natively on the 488k edges of a million CloudTrail
-- events). A network is in the window ending at t exactly when t lies in [x, x + window] for one of its edges x; those
-- intervals merge into islands per network, and one sweep over island starts, edge times and island ends counts how
-- many islands are open at each edge time. Same counts, one sort.
pts AS (
  SELECT k, event_time,
         min(event_time) OVER (PARTITION BY k ORDER BY event_time
                               RANGE BETWEEN to_minutes(CAST({{window_minutes}} AS INTEGER)) PRECEDING AND CURRENT ROW) AS window_start
    FROM (SELECT DISTINCT k, event_time FROM edges)
),
kind_edges AS (
  -- kind 0: a network, 1: an agent family.
  SELECT DISTINCT k, 0 AS kind, network AS val, event_time FROM edges WHERE network IS NOT NULL
  UNION ALL
  SELECT DISTINCT k, 1, ua_family, event_time FROM edges WHERE ua_family IS NOT NULL
),
islands AS MATERIALIZED (
  SELECT k, kind, val, min(event_time) AS s, max(event_time) + to_minutes(CAST({{window_minutes}} AS INTEGER)) AS e
    FROM (SELECT *, sum(new_island) OVER (PARTITION BY k, kind, val ORDER BY event_time ROWS UNBOUNDED PRECEDING) AS island
            FROM (SELECT *, CASE WHEN lag(event_time) OVER (PARTITION BY k, kind, val ORDER BY event_time)
                                      >= event_time - to_minutes(CAST({{window_minutes}} AS INTEGER)) THEN 0 ELSE 1 END AS new_island
                    FROM kind_edges))
   GROUP BY k, kind, val, island
),
sweep AS (
  -- At one instant: islands open (0) before edge times are counted (1), and close (2) after: both ends are inclusive.
  -- dn / df: a network's / an agent family's island opening (+1) or closing (-1). An edge time carries its window start
  -- along, so nothing has to be joined back to pts afterwards; every column is a number or a time.
  SELECT k, s AS t, 0 AS step, CAST(kind = 0 AS INTEGER) AS dn, CAST(kind = 1 AS INTEGER) AS df, NULL AS window_start FROM islands
  UNION ALL
  SELECT k, e, 2, -CAST(kind = 0 AS INTEGER), -CAST(kind = 1 AS INTEGER), NULL FROM islands
  UNION ALL
  SELECT k, event_time, 1, 0, 0, window_start FROM pts
),
win AS (
  SELECT k, t AS event_time, window_start, nets, fams
    FROM (SELECT *, sum(dn) OVER w AS nets, sum(df) OVER w AS fams
            FROM sweep
          WINDOW w AS (PARTITION BY k ORDER BY t, step ROWS UNBOUNDED PRECEDING))
   WHERE step = 1
),
lim AS MATERIALIZED (
  -- Each workload that could qualify, by its number, with its thresholds and what spans needs.
  SELECT keys.k, c.* FROM keys JOIN cand c USING (credential_id, entity_key)
),
qualified AS (
  SELECT w.*, l.min_networks, l.min_families
    FROM win w JOIN lim l USING (k)
   WHERE w.nets >= l.min_networks AND w.fams >= l.min_families
),
best AS (
  -- The example shown: the window with the most networks, then families; the earliest such. Plain aggregates per
  -- workload (a window over each workload's qualified times, grouped again, held them all at once for the same answer).
  SELECT k, min(window_start) AS first_hit, max(event_time) AS last_hit, max(nets) AS max_nets, max(fams) AS max_fams,
         count(DISTINCT date_trunc('day', event_time)) AS hit_days, arg_min(event_time, (-(nets * 1000 + fams), event_time)) AS best_time
    FROM qualified
   GROUP BY k
),
hit_vals AS (
  -- The networks and families of the example window: the islands open at its time (numbers; named below).
  SELECT b.k, i.kind, i.val FROM best b JOIN islands i ON i.k = b.k AND b.best_time BETWEEN i.s AND i.e
),
hits AS (
  SELECT b.k, b.first_hit, b.last_hit, b.max_nets, b.max_fams, b.hit_days,
         list_sort(list(DISTINCT v.val) FILTER (WHERE h.kind = 0)) AS nets_example,
         list_sort(list(DISTINCT v.val) FILTER (WHERE h.kind = 1)) AS fams_example
    FROM best b
    JOIN hit_vals h USING (k)
    JOIN (SELECT DISTINCT network AS v, network_name AS val FROM used_k WHERE network IS NOT NULL
          UNION ALL
          SELECT DISTINCT ua_family, ua_family_name FROM used_k WHERE ua_family IS NOT NULL) v ON v.v = h.val
   GROUP BY ALL
),
spans AS (
  SELECT l.*, h.first_hit, h.last_hit, h.max_nets, h.max_fams, h.nets_example, h.fams_example, h.hit_days,
         len(coalesce(l.environments, [])) >= 2 AS cross_env
    FROM lim l LEFT JOIN hits h USING (k)
   WHERE h.k IS NOT NULL OR len(coalesce(l.environments, [])) >= 2
),
bounds AS (
  -- Concurrent use: from the first to the last overlapping window. Across environments: the credential's whole use.
  SELECT s.credential_id, s.entity_key,
         CASE WHEN s.cross_env THEN min(r.run_start) ELSE s.first_hit END AS first_seen,
         CASE WHEN s.cross_env THEN max(r.run_end) ELSE s.last_hit END AS last_seen
    FROM spans s JOIN runs r USING (k)
   GROUP BY s.credential_id, s.entity_key, s.cross_env, s.first_hit, s.last_hit
),
evidence AS (
  SELECT b.credential_id, b.entity_key, count(*) AS n, count(*) FILTER (WHERE e.change_id IS NULL) AS outside, min(e.change_id) AS change_id,
         list_sort(list(DISTINCT e.source_ip) FILTER (WHERE e.source_ip IS NOT NULL)) AS ips
    FROM bounds b
    JOIN ev e ON e.credential_id = b.credential_id AND e.entity_key = b.entity_key AND e.event_time BETWEEN b.first_seen AND b.last_seen
   GROUP BY b.credential_id, b.entity_key
)
SELECT s.entity_key,
       s.credential_id AS subject,
       b.first_seen, b.last_seen,
       x.n AS evidence_count, x.outside AS evidence_outside_change, x.change_id,
       concat_ws('; ',
         CASE WHEN s.first_hit IS NOT NULL
              THEN format('credential {} used within {} minutes from {} networks ({}) by {} user-agent families ({}), on {} day{} between {} and {}',
                          s.credential_id, {{window_minutes}}, s.max_nets, array_to_string(s.nets_example, ', '),
                          s.max_fams, array_to_string(s.fams_example, ', '), s.hit_days, CASE WHEN s.hit_days = 1 THEN '' ELSE 's' END,
                          strftime(s.first_hit, '%Y-%m-%d %H:%M UTC'), strftime(s.last_hit, '%Y-%m-%d %H:%M UTC')) END,
         CASE WHEN s.cross_env
              THEN format('credential {} used against {} environments ({}: accounts {})', s.credential_id, len(s.environments),
                          array_to_string(s.environments, ', '), array_to_string(s.env_accounts, ', ')) END) AS observed,
       format('{} network{} and {} user-agent famil{} over all its use', s.n_networks, CASE WHEN s.n_networks = 1 THEN '' ELSE 's' END,
              s.n_families, CASE WHEN s.n_families = 1 THEN 'y' ELSE 'ies' END) AS baseline,
       '' AS declared,
       format('≥ {} networks and ≥ {} user-agent families within {} minutes, or ≥ 2 environments', CAST(s.min_networks AS INTEGER),
              CAST(s.min_families AS INTEGER), {{window_minutes}}) AS threshold,
       least(1.0, CASE WHEN s.first_hit IS NOT NULL THEN 0.5 + 0.25 * (s.max_nets - s.min_networks) + 0.25 * (s.max_fams - s.min_families)
                       ELSE 0 END
                  + CASE WHEN s.cross_env THEN 0.6 ELSE 0 END) AS intensity,
       MAP {'credential_id': s.credential_id, 'networks_at_once': coalesce(CAST(s.max_nets AS VARCHAR), ''),
            'ua_families_at_once': coalesce(CAST(s.max_fams AS VARCHAR), ''),
            'networks': coalesce(array_to_string(coalesce(s.nets_example, []), '; '), ''), 'ua_families': coalesce(array_to_string(coalesce(s.fams_example, []), '; '), ''),
            'days_with_overlap': coalesce(CAST(s.hit_days AS VARCHAR), ''),
            'environments': coalesce(array_to_string(coalesce(s.environments, []), '; '), ''), 'environment_accounts': coalesce(array_to_string(coalesce(s.env_accounts, []), '; '), ''),
            'source_ips': coalesce(array_to_string(x.ips, '; '), ''), 'window_minutes': CAST({{window_minutes}} AS VARCHAR)} AS details
  FROM spans s
  JOIN bounds b USING (credential_id, entity_key)
  JOIN evidence x USING (credential_id, entity_key)
