-- One entity's activity per hour over its analysed span (baseline + detection window), with the baseline band of each hour.
-- {{entity}} is the entity key as an SQL literal (quoted by the caller); {{min_days}} a number.
--
-- The band of an hour is learned from the entity's own baseline, per slot = hour of day × day type (weekday / weekend):
-- the samples of a slot are the entity's counts at that hour on every *active* baseline day of that type (active = any event
-- of the entity that day; a silent hour on an active day counts as 0; silent days are left out, as behavior.volume_spike does,
-- so a weekly job is not judged against six empty days). The band is the median (lower edge) and the 95th percentile (upper
-- edge, quantile_cont) of those samples. A day type with fewer than {{min_days}} active days falls back to every active day.
-- Unlike volume_spike (hour ± 1), the slot is the exact hour drawn above it, so the band reads as "what this hour usually holds".
WITH w AS (
  SELECT c.as_of,
         coalesce(x.detection_start, c.detection_start) AS detection_start,
         coalesce(x.baseline_start, c.baseline_start) AS baseline_start
    FROM dl_context c LEFT JOIN dl_entity_windows x ON x.entity_key = {{entity}}
),
mine AS MATERIALIZED (
  SELECT hour_ts, day_ts, period FROM ev WHERE entity_key = {{entity}} AND period IN ('baseline', 'detection')
),
per_hour AS (
  SELECT hour_ts, count(*) AS n, count(*) FILTER (WHERE period = 'baseline') AS n_base,
         count(*) FILTER (WHERE period = 'detection') AS n_det
    FROM mine GROUP BY hour_ts
),
base_days AS (SELECT DISTINCT day_ts, isodow(day_ts) >= 6 AS weekend FROM mine WHERE period = 'baseline'),
hods AS (SELECT CAST(range AS INTEGER) AS hod FROM range(24)),
samples AS (
  SELECT d.day_ts, d.weekend, h.hod, coalesce(p.n_base, 0) AS v
    FROM base_days d CROSS JOIN hods h
    LEFT JOIN per_hour p ON p.hour_ts = d.day_ts + to_hours(CAST(h.hod AS BIGINT))
),
stats AS (
  SELECT hod, kind, count(*) AS days, median(v) AS med, quantile_cont(v, 0.95) AS p95, max(v) AS mx
    FROM (SELECT hod, CASE WHEN weekend THEN 'weekend' ELSE 'weekday' END AS kind, v FROM samples
          UNION ALL
          SELECT hod, 'all' AS kind, v FROM samples)
   GROUP BY hod, kind
),
slots AS (
  SELECT h.hod, t.weekend,
         CASE WHEN s.hod IS NOT NULL THEN s.kind WHEN a.hod IS NOT NULL THEN 'all' END AS basis,
         coalesce(s.days, a.days, 0) AS days,
         coalesce(s.med, a.med) AS med, coalesce(s.p95, a.p95) AS p95, coalesce(s.mx, a.mx) AS mx
    FROM hods h CROSS JOIN (VALUES (false), (true)) t(weekend)
    LEFT JOIN stats s ON s.hod = h.hod AND s.kind = CASE WHEN t.weekend THEN 'weekend' ELSE 'weekday' END AND s.days >= {{min_days}}
    LEFT JOIN stats a ON a.hod = h.hod AND a.kind = 'all'
),
span AS (SELECT date_trunc('day', min(hour_ts)) AS h0, (SELECT date_trunc('hour', as_of) FROM w) AS h1 FROM mine),
hours AS (SELECT unnest(generate_series(h0, h1, INTERVAL 1 HOUR)) AS hour_ts FROM span WHERE h0 IS NOT NULL AND h0 <= h1),
timeline AS (
  SELECT h.hour_ts, coalesce(p.n, 0) AS n, coalesce(p.n_det, 0) AS n_det, s.med, s.p95, s.basis, s.days
    FROM hours h
    LEFT JOIN per_hour p ON p.hour_ts = h.hour_ts
    LEFT JOIN slots s ON s.hod = hour(h.hour_ts) AND s.weekend = (isodow(h.hour_ts) >= 6)
)
