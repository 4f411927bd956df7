-- behavior.dormant_reactivated: activity in the detection window after a silence of ≥ dormancy_days, measured from the entity's
-- last activity before it (events of any age, or the inventory's last-used date when that is later). Evidence: everything the
-- entity did from the return to the end of the window.
WITH
-- The last activity before the detection window, then the detection window's own hours (both from the shared per-hour counts).
edge AS (
  SELECT entity_key, max(t1) AS last_pre FROM dl_entity_hours WHERE period IN ('before', 'baseline') GROUP BY entity_key
),
hrs AS MATERIALIZED (
  SELECT entity_key, hour_ts, n, n_out, change_id, t0, t1 FROM dl_entity_hours WHERE period = 'detection'
),
-- Silences: between consecutive active hours of the window, and from the last earlier activity to the first hour in it.
gaps AS (
  SELECT h.entity_key, h.t0, h.in_window, lag(h.t1) OVER (PARTITION BY h.entity_key ORDER BY h.t0) AS prev_t1
    FROM (SELECT entity_key, t0, t1, true AS in_window FROM hrs
          UNION ALL
          SELECT entity_key, last_pre, last_pre, false FROM edge WHERE last_pre IS NOT NULL AND entity_key IN (SELECT entity_key FROM hrs)) h
),
back AS (
  SELECT g.entity_key, g.t0 AS back_at, g.prev_t1 AS last_event_before,
         -- The inventory's last use (credential report) shortens the silence when it falls inside it.
         CASE WHEN i.last_used_at > g.prev_t1 AND i.last_used_at < g.t0 THEN i.last_used_at END AS inventory_last_used,
         dl_param('behavior.dormant_reactivated', 'dormancy_days', g.entity_key, {{dormancy_days}}) AS dormancy_days
    FROM gaps g LEFT JOIN identities i ON i.identity_key = g.entity_key
   WHERE g.in_window AND g.prev_t1 IS NOT NULL
),
silent AS (
  SELECT b.*, greatest(b.last_event_before, coalesce(b.inventory_last_used, b.last_event_before)) AS last_before,
         date_diff('second', greatest(b.last_event_before, coalesce(b.inventory_last_used, b.last_event_before)), b.back_at) / 86400.0 AS silent_days
    FROM back b
),
firsts AS MATERIALIZED (
  SELECT * FROM silent WHERE silent_days >= dormancy_days
 QUALIFY row_number() OVER (PARTITION BY entity_key ORDER BY back_at) = 1
),
after_back AS (
  SELECT f.entity_key, sum(h.n) AS n, sum(h.n_out) AS n_out, min(h.change_id) AS change_id, max(h.t1) AS t1
    FROM firsts f JOIN hrs h ON h.entity_key = f.entity_key AND h.t0 >= f.back_at
   GROUP BY f.entity_key
),
actions AS (
  SELECT entity_key, string_agg(format('{:,} {}', n, action), ', ' ORDER BY n DESC, action) AS top
    FROM (SELECT e.entity_key, coalesce(e.action, '(no action)') AS action, count(*) AS n,
                 row_number() OVER (PARTITION BY e.entity_key ORDER BY count(*) DESC, coalesce(e.action, '(no action)')) AS rk
            FROM ev_detection e JOIN firsts f ON f.entity_key = e.entity_key AND e.event_time >= f.back_at
           GROUP BY e.entity_key, coalesce(e.action, '(no action)'))
   WHERE rk <= 3 GROUP BY entity_key
)
SELECT f.entity_key, '' AS subject, f.back_at AS first_seen, a.t1 AS last_seen, a.n AS evidence_count, a.n_out AS evidence_outside_change,
       a.change_id,
       format('{:,} event{} from {} UTC ({}) after {} days without activity', a.n, CASE WHEN a.n = 1 THEN '' ELSE 's' END,
              strftime(f.back_at, '%Y-%m-%d %H:%M'), t.top, round(f.silent_days, 1)) AS observed,
       format('last activity before it {} UTC{}; {} active baseline day{}, first seen {} UTC', strftime(f.last_before, '%Y-%m-%d %H:%M'),
              CASE WHEN f.inventory_last_used IS NOT NULL THEN ' (inventory last-used date)' ELSE '' END,
              p.baseline_active_days, CASE WHEN p.baseline_active_days = 1 THEN '' ELSE 's' END, strftime(p.first_seen, '%Y-%m-%d')) AS baseline,
       '' AS declared,
       format('silence ≥ {} days before activity in the detection window', rtrim(rtrim(printf('%.2f', f.dormancy_days), '0'), '.')) AS threshold,
       CAST(least(1.0, 0.3 + 0.7 * (f.silent_days - f.dormancy_days) / f.dormancy_days) AS DOUBLE) AS intensity,
       MAP {'silent_days': CAST(round(f.silent_days, 1) AS VARCHAR), 'last_activity_before': strftime(f.last_before, '%Y-%m-%d %H:%M:%S'),
            'returned_at': strftime(f.back_at, '%Y-%m-%d %H:%M:%S'), 'count': CAST(a.n AS VARCHAR),
            'inventory_last_used': coalesce(strftime(f.inventory_last_used, '%Y-%m-%d %H:%M:%S'), ''),
            'dormancy_days': CAST(f.dormancy_days AS VARCHAR)} AS details
  FROM firsts f
  JOIN after_back a ON a.entity_key = f.entity_key
  JOIN actions t ON t.entity_key = f.entity_key
  JOIN dl_entity_profile p ON p.entity_key = f.entity_key
