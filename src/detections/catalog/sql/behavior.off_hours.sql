-- behavior.off_hours: detection-window activity in an hour-of-week slot outside the declared schedule or, with no readable
-- declaration, in a slot active on fewer than min_days distinct baseline days. Declared purpose beats the learned baseline.
-- One finding per (entity, slot); subject 'Fri 03:00–04:00 UTC'.
WITH
-- One pass over the detection window: events per (entity, slot, action).
obs_a AS MATERIALIZED (
  SELECT entity_key, hour_of_week, coalesce(action, '(no action)') AS action, count(*) AS n,
         count(*) FILTER (WHERE change_id IS NULL) AS n_out, min(change_id) AS change_id, min(event_time) AS t0, max(event_time) AS t1
    FROM ev_detection GROUP BY entity_key, hour_of_week, coalesce(action, '(no action)')
),
obs AS (
  SELECT entity_key, hour_of_week, sum(n) AS n, sum(n_out) AS n_out, min(change_id) AS change_id, min(t0) AS t0, max(t1) AS t1
    FROM obs_a GROUP BY entity_key, hour_of_week
),
prm AS (
  SELECT entity_key, baseline_active_days, dl_param('behavior.off_hours', 'min_days', entity_key, {{min_days}}) AS min_days
    FROM dl_entity_profile WHERE detection_events > 0
),
declared AS (
  SELECT s.identity_key AS entity_key, s.schedule, s.readable, s.problems,
         (SELECT count(*) FROM dl_declared_slots d WHERE d.identity_key = s.identity_key) AS declared_slots
    FROM dl_declared_schedule s
),
-- Slots that can still be off-hours: outside a readable declared schedule, or any slot of an entity without one.
pot AS MATERIALIZED (
  SELECT o.entity_key, o.hour_of_week
    FROM obs o
    LEFT JOIN declared d ON d.entity_key = o.entity_key
    LEFT JOIN dl_declared_slots ds ON ds.identity_key = o.entity_key AND ds.hour_of_week = o.hour_of_week
   WHERE NOT coalesce(d.readable, false) OR ds.hour_of_week IS NULL
),
-- Learned: distinct baseline days per slot, from the shared per-hour counts.
learned AS MATERIALIZED (
  SELECT entity_key, CAST((isodow(hour_ts) - 1) * 24 + hour(hour_ts) AS INTEGER) AS hour_of_week, count(DISTINCT date_trunc('day', hour_ts)) AS days
    FROM dl_entity_hours WHERE period = 'baseline' GROUP BY ALL
),
judged AS (
  SELECT o.*, p.baseline_active_days, coalesce(l.days, 0) AS slot_days, p.min_days,
         d.schedule, coalesce(d.readable, false) AS use_declared, d.problems, d.declared_slots,
         ds.hour_of_week IS NOT NULL AS in_declared
    FROM obs o
    SEMI JOIN pot USING (entity_key, hour_of_week)
    JOIN prm p ON p.entity_key = o.entity_key
    LEFT JOIN learned l ON l.entity_key = o.entity_key AND l.hour_of_week = o.hour_of_week
    LEFT JOIN declared d ON d.entity_key = o.entity_key
    LEFT JOIN dl_declared_slots ds ON ds.identity_key = o.entity_key AND ds.hour_of_week = o.hour_of_week
),
named AS MATERIALIZED (
  SELECT j.*,
         ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][j.hour_of_week // 24 + 1] || ' ' || lpad(CAST(j.hour_of_week % 24 AS VARCHAR), 2, '0')
           || ':00–' || lpad(CAST(j.hour_of_week % 24 + 1 AS VARCHAR), 2, '0') || ':00 UTC' AS slot
    FROM judged j
   WHERE CASE WHEN j.use_declared THEN NOT j.in_declared ELSE j.slot_days < j.min_days END
),
obs_actions AS (
  SELECT a.entity_key, a.hour_of_week, string_agg(format('{:,} {}', a.n, a.action), ', ' ORDER BY a.n DESC, a.action) AS top
    FROM (SELECT x.*, row_number() OVER (PARTITION BY x.entity_key, x.hour_of_week ORDER BY x.n DESC, x.action) AS rk
            FROM obs_a x SEMI JOIN named n ON n.entity_key = x.entity_key AND n.hour_of_week = x.hour_of_week) a
   WHERE a.rk <= 3 GROUP BY a.entity_key, a.hour_of_week
)
SELECT n.entity_key,
       n.slot AS subject,
       n.t0 AS first_seen, n.t1 AS last_seen, n.n AS evidence_count, n.n_out AS evidence_outside_change, n.change_id,
       format('{:,} event{} in {} ({}–{}): {}', n.n, CASE WHEN n.n = 1 THEN '' ELSE 's' END, n.slot,
              strftime(n.t0, '%Y-%m-%d %H:%M'), CASE WHEN date_trunc('day', n.t0) = date_trunc('day', n.t1) THEN strftime(n.t1, '%H:%M')
                                                     ELSE strftime(n.t1, '%Y-%m-%d %H:%M') END, a.top) AS observed,
       format('learned: this slot active on {} of {} active baseline day{} (usual from {} days)', n.slot_days, n.baseline_active_days,
              CASE WHEN n.baseline_active_days = 1 THEN '' ELSE 's' END, rtrim(rtrim(printf('%.2f', n.min_days), '0'), '.')) AS baseline,
       CASE WHEN n.use_declared THEN format('schedule {} ({} of 168 weekly slots); this slot is outside it', n.schedule, n.declared_slots)
            WHEN n.schedule IS NOT NULL THEN format('schedule "{}" could not be read ({}), so the learned slots apply', n.schedule, coalesce(n.problems, 'no slot'))
            ELSE 'no schedule declared' END AS declared,
       CASE WHEN n.use_declared THEN 'activity outside the declared schedule (declared purpose takes precedence over the learned baseline)'
            ELSE format('a slot active on ≥ {} distinct baseline days', rtrim(rtrim(printf('%.2f', n.min_days), '0'), '.')) END AS threshold,
       -- Declared and never learned = clearly out of pattern; declared but habitually used = drift from the declaration.
       CASE WHEN n.use_declared THEN CASE WHEN n.slot_days >= n.min_days THEN 0.4 ELSE 1.0 END
            ELSE greatest(0.0, 1 - n.slot_days / n.min_days) END AS intensity,
       MAP {'hour_of_week': CAST(n.hour_of_week AS VARCHAR), 'count': CAST(n.n AS VARCHAR), 'slot_baseline_days': CAST(n.slot_days AS VARCHAR),
            'baseline_active_days': CAST(n.baseline_active_days AS VARCHAR),
            'declared_schedule': coalesce(n.schedule, ''), 'declared_slots': CAST(coalesce(n.declared_slots, 0) AS VARCHAR),
            'rule': CASE WHEN n.use_declared THEN 'declared' ELSE 'learned' END} AS details
  FROM named n JOIN obs_actions a ON a.entity_key = n.entity_key AND a.hour_of_week = n.hour_of_week
