-- One entity's hour-of-week profile (168 slots, Monday 00:00 UTC = 0): baseline vs detection window.
-- {{entity}} is the entity key as an SQL literal; {{min_days}} a number.
-- Per slot: the distinct baseline days it was active on (behavior.off_hours learns a slot as usual from {{min_days}} such days,
-- unless a readable schedule is declared, which then decides), and events per week in each window so the two maps share one
-- scale: the baseline's count divided by the weeks the entity was observed in the baseline (from its first baseline day to the
-- start of the detection window), the detection window's count divided by its length in weeks (1 for the default 7 days).
WITH w AS (
  SELECT c.as_of,
         coalesce(x.detection_start, c.detection_start) AS detection_start,
         coalesce(x.baseline_start, c.baseline_start) AS baseline_start
    FROM dl_context c LEFT JOIN dl_entity_windows x ON x.entity_key = {{entity}}
),
mine AS MATERIALIZED (
  SELECT hour_of_week, day_ts, period FROM ev WHERE entity_key = {{entity}} AND period IN ('baseline', 'detection')
),
weeks AS (
  SELECT date_diff('second', greatest(w.baseline_start, (SELECT min(day_ts) FROM mine WHERE period = 'baseline')), w.detection_start) / 604800.0 AS baseline_weeks,
         date_diff('second', w.detection_start, w.as_of) / 604800.0 AS detection_weeks
    FROM w
),
cells AS (
  SELECT hour_of_week,
         count(DISTINCT day_ts) FILTER (WHERE period = 'baseline') AS base_days,
         count(*) FILTER (WHERE period = 'baseline') AS base_n,
         count(*) FILTER (WHERE period = 'detection') AS det_n
    FROM mine GROUP BY hour_of_week
),
declared AS (
  SELECT readable, schedule, problems FROM dl_declared_schedule WHERE identity_key = {{entity}}
)
SELECT CAST(s.range AS INTEGER) AS hour_of_week,
       coalesce(c.base_days, 0) AS base_days, coalesce(c.base_n, 0) AS base_n, coalesce(c.det_n, 0) AS det_n,
       CASE WHEN k.baseline_weeks > 0 THEN coalesce(c.base_n, 0) / k.baseline_weeks END AS base_per_week,
       CASE WHEN k.detection_weeks > 0 THEN coalesce(c.det_n, 0) / k.detection_weeks END AS det_per_week,
       k.baseline_weeks, k.detection_weeks,
       EXISTS (SELECT 1 FROM dl_declared_slots d WHERE d.identity_key = {{entity}} AND d.hour_of_week = s.range) AS in_declared,
       coalesce((SELECT any_value(readable) FROM declared), false) AS schedule_readable,
       (SELECT any_value(schedule) FROM declared) AS schedule,
       (SELECT any_value(problems) FROM declared) AS schedule_problems
  FROM range(168) s
  CROSS JOIN weeks k
  LEFT JOIN cells c ON c.hour_of_week = s.range
 ORDER BY s.range
