-- behavior.denied_burst: ≥ min_failures failed calls (outcome 'failure') across ≥ min_actions distinct actions within
-- window_minutes, at a failure rate above the entity's baseline rate and larger than any such burst in its baseline. Overlapping
-- qualifying windows merge into one burst; thresholds are decided on the failures outside change windows.
WITH
f AS MATERIALIZED (
  SELECT entity_key, period, event_time, coalesce(action, '(no action)') AS action, change_id, error_code
    FROM ev WHERE period IN ('baseline', 'detection') AND outcome = 'failure'
),
-- Sliding windows that start at each failure: all failures, and the failures outside change windows only.
w_all AS (
  SELECT *, count(*) OVER w AS n_fail, count(DISTINCT action) OVER w AS n_actions
    FROM f WHERE period = 'detection'
  WINDOW w AS (PARTITION BY entity_key ORDER BY event_time RANGE BETWEEN CURRENT ROW AND to_minutes(CAST({{window_minutes}} AS BIGINT)) FOLLOWING)
),
w_out AS (
  SELECT *, count(*) OVER w AS n_fail, count(DISTINCT action) OVER w AS n_actions
    FROM f WHERE period = 'detection' AND change_id IS NULL
  WINDOW w AS (PARTITION BY entity_key ORDER BY event_time RANGE BETWEEN CURRENT ROW AND to_minutes(CAST({{window_minutes}} AS BIGINT)) FOLLOWING)
),
prm AS (
  SELECT DISTINCT entity_key,
         dl_param('behavior.denied_burst', 'min_failures', entity_key, {{min_failures}}) AS min_failures,
         dl_param('behavior.denied_burst', 'min_actions', entity_key, {{min_actions}}) AS min_actions
    FROM w_all
),
starts AS (
  SELECT w.entity_key, w.event_time AS t, w.event_time + to_minutes(CAST({{window_minutes}} AS BIGINT)) AS t_end
    FROM w_all w JOIN prm p ON p.entity_key = w.entity_key
   WHERE w.n_fail >= p.min_failures AND w.n_actions >= p.min_actions
),
-- Merge overlapping windows into bursts (gaps and islands).
marked AS (
  SELECT *, CASE WHEN t > max(t_end) OVER (PARTITION BY entity_key ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                 THEN 1 ELSE 0 END AS new_island
    FROM starts
),
islands AS (
  SELECT entity_key, island, min(t) AS s0, max(t_end) AS s1
    FROM (SELECT *, sum(new_island) OVER (PARTITION BY entity_key ORDER BY t ROWS UNBOUNDED PRECEDING) AS island FROM marked)
   GROUP BY entity_key, island
),
-- The baseline's own failure profile: its rate, and its largest failure count in any window.
w_base AS (
  SELECT entity_key, max(n_fail) AS max_burst
    FROM (SELECT entity_key, count(*) OVER (PARTITION BY entity_key ORDER BY event_time
                 RANGE BETWEEN CURRENT ROW AND to_minutes(CAST({{window_minutes}} AS BIGINT)) FOLLOWING) AS n_fail
            FROM f WHERE period = 'baseline' AND entity_key IN (SELECT entity_key FROM islands))
   GROUP BY entity_key
),
base_rate AS (
  SELECT entity_key, count(*) AS n, count(*) FILTER (WHERE outcome = 'failure') AS n_fail
    FROM ev WHERE period = 'baseline' AND entity_key IN (SELECT entity_key FROM islands) GROUP BY entity_key
),
burst_fail AS (
  SELECT i.entity_key, i.island, count(*) AS n_fail, count(*) FILTER (WHERE x.change_id IS NULL) AS n_fail_out,
         count(DISTINCT x.action) AS n_actions, min(x.event_time) AS t0, max(x.event_time) AS t1, min(x.change_id) AS change_id
    FROM islands i JOIN f x ON x.entity_key = i.entity_key AND x.period = 'detection' AND x.event_time BETWEEN i.s0 AND i.s1
   GROUP BY i.entity_key, i.island
),
burst_all AS (
  SELECT b.entity_key, b.island, count(*) AS n_all, count(*) FILTER (WHERE e.change_id IS NULL) AS n_all_out
    FROM burst_fail b JOIN ev_detection e ON e.entity_key = b.entity_key AND e.event_time BETWEEN b.t0 AND b.t1
   GROUP BY b.entity_key, b.island
),
burst_actions AS (
  SELECT entity_key, island, string_agg(format('{:,} {}', n, action), ', ' ORDER BY n DESC, action) AS actions,
         string_agg(DISTINCT error_code, '; ' ORDER BY error_code) FILTER (WHERE error_code IS NOT NULL) AS errors
    FROM (SELECT b.entity_key, b.island, x.action, max(x.error_code) AS error_code, count(*) AS n
            FROM burst_fail b JOIN f x ON x.entity_key = b.entity_key AND x.period = 'detection' AND x.event_time BETWEEN b.t0 AND b.t1
           GROUP BY b.entity_key, b.island, x.action)
   GROUP BY entity_key, island
),
judged AS (
  SELECT b.*, a.n_all, a.n_all_out, t.actions, t.errors, p.min_failures, p.min_actions,
         coalesce(r.n, 0) AS base_n, coalesce(r.n_fail, 0) AS base_fail, coalesce(r.n_fail / nullif(r.n, 0), 0) AS base_rate,
         coalesce(wb.max_burst, 0) AS base_max_burst,
         b.n_fail / a.n_all AS rate,
         -- Outside change windows alone: a qualifying window start inside this burst, at a rate still above the baseline's.
         EXISTS (SELECT 1 FROM w_out o WHERE o.entity_key = b.entity_key AND o.event_time BETWEEN b.t0 AND b.t1
                   AND o.n_fail >= p.min_failures AND o.n_actions >= p.min_actions) AS out_window
    FROM burst_fail b
    JOIN burst_all a ON a.entity_key = b.entity_key AND a.island = b.island
    JOIN burst_actions t ON t.entity_key = b.entity_key AND t.island = b.island
    JOIN prm p ON p.entity_key = b.entity_key
    LEFT JOIN base_rate r ON r.entity_key = b.entity_key
    LEFT JOIN w_base wb ON wb.entity_key = b.entity_key
),
kept AS (
  SELECT *,
         out_window AND n_fail_out > base_max_burst AND n_fail_out / nullif(n_all_out, 0) > base_rate AS drift
    FROM judged
   WHERE n_fail > base_max_burst AND rate > base_rate
)
SELECT k.entity_key, strftime(k.t0, '%Y-%m-%d %H:%M UTC') AS subject, k.t0 AS first_seen, k.t1 AS last_seen,
       k.n_fail AS evidence_count,
       -- Count thresholds: failures outside change windows are drift only if they make a burst on their own.
       CASE WHEN k.drift THEN k.n_fail_out ELSE 0 END AS evidence_outside_change, k.change_id,
       format('{:,} failures across {} actions in {} min ({}–{} UTC on {}): {}; {:,} of {:,} calls failed ({}%){}{}',
              k.n_fail, k.n_actions, CAST(ceil(date_diff('second', k.t0, k.t1) / 60.0) AS BIGINT), strftime(k.t0, '%H:%M'), strftime(k.t1, '%H:%M'),
              strftime(k.t0, '%a %Y-%m-%d'), k.actions, k.n_fail, k.n_all, round(100 * k.rate, 1),
              CASE WHEN k.errors IS NOT NULL THEN '; errors: ' || k.errors ELSE '' END,
              CASE WHEN NOT k.drift THEN format('; only {:,} outside change windows', k.n_fail_out) ELSE '' END) AS observed,
       format('failure rate {}% ({:,} of {:,} baseline events); largest baseline failure count in {} min: {}',
              round(100 * k.base_rate, 1), k.base_fail, k.base_n, {{window_minutes}}, k.base_max_burst) AS baseline,
       '' AS declared,
       format('≥ {} failures across ≥ {} actions within {} min, above the baseline failure rate and the largest baseline burst',
              rtrim(rtrim(printf('%.2f', k.min_failures), '0'), '.'), rtrim(rtrim(printf('%.2f', k.min_actions), '0'), '.'), {{window_minutes}}) AS threshold,
       CAST(least(1.0, 0.3 + 0.35 * least(1.0, (k.n_fail - k.min_failures) / k.min_failures) + 0.35 * least(1.0, (k.n_actions - k.min_actions) / k.min_actions)) AS DOUBLE) AS intensity,
       MAP {'failures': CAST(k.n_fail AS VARCHAR), 'actions': CAST(k.n_actions AS VARCHAR), 'events_in_burst': CAST(k.n_all AS VARCHAR),
            'failure_rate': CAST(round(k.rate, 4) AS VARCHAR), 'baseline_failure_rate': CAST(round(k.base_rate, 4) AS VARCHAR),
            'baseline_failures': CAST(k.base_fail AS VARCHAR), 'baseline_events': CAST(k.base_n AS VARCHAR),
            'baseline_max_burst': CAST(k.base_max_burst AS VARCHAR), 'failures_outside_change': CAST(k.n_fail_out AS VARCHAR),
            'error_codes': coalesce(k.errors, ''), 'by_action': k.actions} AS details
  FROM kept k
