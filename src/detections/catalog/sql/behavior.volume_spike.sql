-- behavior.volume_spike: an hour (or a whole day) in the detection window far above the entity's own baseline hours of the same
-- kind (same day type, hour of day ± 1, silent hours of active days counted as 0): robust z, a multiple of p99 and a floor; a
-- bursty entity must also beat the largest hour its baseline holds. Thresholds are decided on events outside change windows.
WITH
prof AS (
  SELECT p.entity_key, p.baseline_active_days, ds.schedule,
         dl_param('behavior.volume_spike', 'z', p.entity_key, {{z}}) AS z_min,
         dl_param('behavior.volume_spike', 'p99_multiple', p.entity_key, {{p99_multiple}}) AS p99_mult,
         dl_param('behavior.volume_spike', 'min_events', p.entity_key, {{min_events}}) AS min_events
    FROM dl_entity_profile p LEFT JOIN dl_declared_schedule ds ON ds.identity_key = p.entity_key
   WHERE p.baseline_active_days > 0 AND p.detection_events > 0
),
-- Detection-window hours and days, from the shared per-hour counts; only those already above the floor are candidates.
dh AS MATERIALIZED (
  SELECT entity_key, hour_ts, n, n_out, t0, t1, change_id FROM dl_entity_hours WHERE period = 'detection'
),
hcand AS (
  SELECT x.*, hour(x.hour_ts) AS hod, isodow(x.hour_ts) >= 6 AS weekend
    FROM dh x JOIN prof p ON p.entity_key = x.entity_key WHERE x.n >= p.min_events
),
dday AS (
  SELECT x.entity_key, date_trunc('day', x.hour_ts) AS day_ts, sum(x.n) AS n, sum(x.n_out) AS n_out, min(x.t0) AS t0, max(x.t1) AS t1,
         min(x.change_id) AS change_id
    FROM dh x JOIN prof p ON p.entity_key = x.entity_key
   GROUP BY x.entity_key, date_trunc('day', x.hour_ts)
  HAVING sum(x.n) >= any_value(p.min_events)
),
-- Baseline hours, counted only for entities with a candidate hour.
hourly AS MATERIALIZED (
  SELECT entity_key, hour_ts, n FROM dl_entity_hours
   WHERE period = 'baseline' AND entity_key IN (SELECT entity_key FROM hcand)
),
-- Bursty: the entity's own active baseline hours hold outliers (robust z ≥ the threshold against their median); the largest one
-- is the bar a detection-window hour must beat.
burst AS (
  SELECT b.entity_key, b.max_hour,
         (b.max_hour - b.med) / greatest(1.4826 * b.mad, sqrt(greatest(b.med, 1))) >= p.z_min AND b.max_hour >= p.min_events AS bursty
    FROM (SELECT entity_key, median(n) AS med, mad(n) AS mad, max(n) AS max_hour FROM hourly GROUP BY entity_key) b
    JOIN prof p ON p.entity_key = b.entity_key
),
need AS (SELECT DISTINCT entity_key, hod, weekend FROM hcand),
bdays AS (SELECT DISTINCT entity_key, date_trunc('day', hour_ts) AS day_ts FROM hourly),
-- Baseline samples of the same kind, one per active baseline day: the busiest hour within ± 1 h of the same hour of day (jobs
-- drift), 0 when the entity was silent around then.
samples AS MATERIALIZED (
  SELECT n.entity_key, n.hod, n.weekend, d.day_ts, (isodow(d.day_ts) >= 6) = n.weekend AS same_type, max(coalesce(x.n, 0)) AS v
    FROM need n JOIN bdays d ON d.entity_key = n.entity_key
   CROSS JOIN (VALUES (-1), (0), (1)) o(off)
    LEFT JOIN hourly x ON x.entity_key = n.entity_key AND x.hour_ts = d.day_ts + to_hours(CAST((n.hod + o.off + 24) % 24 AS BIGINT))
   GROUP BY n.entity_key, n.hod, n.weekend, d.day_ts
),
-- Same day type when it has ≥ 3 active days, else every active day (a weekday-only entity seen on a Sunday).
kinds AS (
  SELECT entity_key, hod, weekend, count(*) FILTER (WHERE same_type) >= 3 AS use_same
    FROM samples GROUP BY entity_key, hod, weekend
),
stats0 AS (
  SELECT s.entity_key, s.hod, s.weekend, k.use_same, count(*) AS days,
         median(s.v) AS med, mad(s.v) AS mad, quantile_cont(s.v, 0.99) AS p99, max(s.v) AS mx
    FROM samples s JOIN kinds k ON k.entity_key = s.entity_key AND k.hod = s.hod AND k.weekend = s.weekend
   WHERE s.same_type OR NOT k.use_same
   GROUP BY s.entity_key, s.hod, s.weekend, k.use_same
),
-- MAD = 0 (more than half the samples identical, e.g. all silent): 1.2533 × mean absolute deviation instead; never below the
-- Poisson floor √max(median, 1), so one extra call in a silent or constant slot is not an infinite z.
stats AS MATERIALIZED (
  SELECT t.entity_key, t.hod, t.weekend, t.use_same, t.days, t.med, t.mad, t.p99, t.mx,
         greatest(CASE WHEN t.mad > 0 THEN 1.4826 * t.mad ELSE 1.2533 * avg(abs(s.v - t.med)) END, sqrt(greatest(t.med, 1))) AS scale
    FROM stats0 t JOIN samples s ON s.entity_key = t.entity_key AND s.hod = t.hod AND s.weekend = t.weekend AND (s.same_type OR NOT t.use_same)
   GROUP BY t.entity_key, t.hod, t.weekend, t.use_same, t.days, t.med, t.mad, t.p99, t.mx
),
hjudged AS (
  SELECT c.*, p.z_min, p.p99_mult, p.min_events, p.schedule, b.max_hour, b.bursty,
         s.use_same, s.days, s.med, s.mad, s.p99, s.scale,
         (c.n - s.med) / s.scale AS z_all, (c.n_out - s.med) / s.scale AS z_out,
         -- The smallest count that crosses every threshold at once.
         greatest(p.min_events, p.p99_mult * s.p99, ceil(s.med + p.z_min * s.scale), CASE WHEN b.bursty THEN b.max_hour + 1 ELSE 0 END) AS bar
    FROM hcand c
    JOIN prof p ON p.entity_key = c.entity_key
    JOIN burst b ON b.entity_key = c.entity_key
    JOIN stats s ON s.entity_key = c.entity_key AND s.hod = c.hod AND s.weekend = c.weekend
),
hspikes AS MATERIALIZED (SELECT *, n_out >= bar AS drift FROM hjudged WHERE n >= bar),
htop AS (
  SELECT entity_key, hour_ts, string_agg(format('{:,} {}', n, action), ', ' ORDER BY n DESC, action) AS top
    FROM (SELECT e.entity_key, e.hour_ts, coalesce(e.action, '(no action)') AS action, count(*) AS n,
                 row_number() OVER (PARTITION BY e.entity_key, e.hour_ts ORDER BY count(*) DESC, coalesce(e.action, '(no action)')) AS rk
            FROM ev_detection e SEMI JOIN hspikes s ON s.entity_key = e.entity_key AND s.hour_ts = e.hour_ts
           GROUP BY e.entity_key, e.hour_ts, coalesce(e.action, '(no action)'))
   WHERE rk <= 3 GROUP BY entity_key, hour_ts
),
hour_findings AS (
  SELECT s.entity_key,
         strftime(s.hour_ts, '%Y-%m-%d %H:00') || '–' || strftime(s.hour_ts + INTERVAL 1 HOUR, '%H:00') || ' UTC' AS subject,
         s.t0 AS first_seen, s.t1 AS last_seen, s.n AS evidence_count,
         -- Count thresholds: the events outside change windows are drift only if they cross the bar on their own.
         CASE WHEN s.drift THEN s.n_out ELSE 0 END AS evidence_outside_change, s.change_id,
         format('{:,} events in {}–{} UTC on {} ({})', s.n, strftime(s.hour_ts, '%H:00'), strftime(s.hour_ts + INTERVAL 1 HOUR, '%H:00'),
                strftime(s.hour_ts, '%a %Y-%m-%d'), t.top)
           || CASE WHEN NOT s.drift THEN format('; only {:,} outside change windows, below the bar of {:,}', s.n_out, CAST(s.bar AS BIGINT)) ELSE '' END AS observed,
         format('median {} / p99 {} in that slot ({}–{} UTC ± 1 h, {}) over {} active day{}; largest baseline hour {:,}{}',
                rtrim(rtrim(printf('%.2f', s.med), '0'), '.'), rtrim(rtrim(printf('%.2f', s.p99), '0'), '.'), strftime(s.hour_ts, '%H:00'), strftime(s.hour_ts + INTERVAL 1 HOUR, '%H:00'),
                CASE WHEN NOT s.use_same THEN 'all days' WHEN s.weekend THEN 'weekends' ELSE 'weekdays' END, s.days,
                CASE WHEN s.days = 1 THEN '' ELSE 's' END, s.max_hour, CASE WHEN s.bursty THEN ' (bursty identity)' ELSE '' END) AS baseline,
         CASE WHEN s.schedule IS NOT NULL THEN 'schedule ' || s.schedule ELSE '' END AS declared,
         format('robust z ≥ {} (observed {}), ≥ {}× p99 and ≥ {} events{}', rtrim(rtrim(printf('%.2f', s.z_min), '0'), '.'), round(s.z_all, 1), rtrim(rtrim(printf('%.2f', s.p99_mult), '0'), '.'), rtrim(rtrim(printf('%.2f', s.min_events), '0'), '.'),
                CASE WHEN s.bursty THEN format(', above the largest baseline hour ({:,})', s.max_hour) ELSE '' END) AS threshold,
         least(1.0, 0.2 + ln(s.n / s.bar) / ln(10)) AS intensity,
         MAP {'granularity': 'hour', 'count': CAST(s.n AS VARCHAR), 'count_outside_change': CAST(s.n_out AS VARCHAR),
              'median': rtrim(rtrim(printf('%.2f', s.med), '0'), '.'), 'mad': rtrim(rtrim(printf('%.2f', s.mad), '0'), '.'), 'scale': rtrim(rtrim(printf('%.2f', s.scale), '0'), '.'),
              'p99': rtrim(rtrim(printf('%.2f', s.p99), '0'), '.'), 'z': CAST(round(s.z_all, 1) AS VARCHAR), 'z_outside_change': CAST(round(s.z_out, 1) AS VARCHAR),
              'baseline_days': CAST(s.days AS VARCHAR), 'kind': CASE WHEN NOT s.use_same THEN 'all days' WHEN s.weekend THEN 'weekend' ELSE 'weekday' END,
              'largest_baseline_hour': CAST(s.max_hour AS VARCHAR), 'bursty': CAST(s.bursty AS VARCHAR), 'bar': CAST(CAST(s.bar AS BIGINT) AS VARCHAR)} AS details
    FROM hspikes s JOIN htop t ON t.entity_key = s.entity_key AND t.hour_ts = s.hour_ts
),
-- Daily totals: a detection day against the baseline days of the same type, silent days between the entity's first baseline
-- day and the end of its baseline counted as 0. Reported only for days no hourly spike covers (volume spread over the day).
dcand AS (
  SELECT x.* FROM dday x
   WHERE NOT EXISTS (SELECT 1 FROM hspikes h WHERE h.entity_key = x.entity_key AND date_trunc('day', h.hour_ts) = x.day_ts)
),
-- Baseline days (one grouped pass, kept for the entities with a candidate day).
daily AS MATERIALIZED (
  SELECT b.* FROM (SELECT entity_key, date_trunc('day', hour_ts) AS day_ts, sum(n) AS n FROM dl_entity_hours WHERE period = 'baseline'
                    GROUP BY entity_key, date_trunc('day', hour_ts)) b
   WHERE b.n > 0 AND b.entity_key IN (SELECT entity_key FROM dcand)
),
dspan AS (SELECT entity_key, min(day_ts) AS d0, max(day_ts) AS d1 FROM daily GROUP BY entity_key),
dgrid AS MATERIALIZED (
  SELECT s.entity_key, g.day_ts, isodow(g.day_ts) >= 6 AS weekend, coalesce(d.n, 0) AS v
    FROM dspan s CROSS JOIN LATERAL (SELECT unnest(generate_series(s.d0, s.d1, INTERVAL 1 DAY)) AS day_ts) g
    LEFT JOIN daily d ON d.entity_key = s.entity_key AND d.day_ts = g.day_ts
),
dburst AS (
  SELECT b.entity_key, b.max_day,
         (b.max_day - b.med) / greatest(1.4826 * b.mad, sqrt(greatest(b.med, 1))) >= p.z_min AND b.max_day >= p.min_events AS bursty
    FROM (SELECT entity_key, median(n) AS med, mad(n) AS mad, max(n) AS max_day FROM daily GROUP BY entity_key) b
    JOIN prof p ON p.entity_key = b.entity_key
),
-- One set of statistics per entity and day type: same day type when it has ≥ 3 baseline days, else every day.
dtypes AS (SELECT entity_key, weekend, count(*) AS days FROM dgrid GROUP BY entity_key, weekend),
dkinds AS (
  SELECT DISTINCT c.entity_key, isodow(c.day_ts) >= 6 AS weekend, coalesce(t.days, 0) >= 3 AS use_same
    FROM dcand c LEFT JOIN dtypes t ON t.entity_key = c.entity_key AND t.weekend = (isodow(c.day_ts) >= 6)
),
dstats0 AS (
  SELECT k.entity_key, k.weekend, k.use_same, count(*) AS days, median(g.v) AS med, mad(g.v) AS mad, quantile_cont(g.v, 0.99) AS p99
    FROM dkinds k JOIN dgrid g ON g.entity_key = k.entity_key AND (g.weekend = k.weekend OR NOT k.use_same)
   GROUP BY k.entity_key, k.weekend, k.use_same
),
dstats AS (
  SELECT t.entity_key, t.weekend, t.use_same, t.days, t.med, t.mad, t.p99,
         greatest(CASE WHEN t.mad > 0 THEN 1.4826 * t.mad ELSE 1.2533 * avg(abs(g.v - t.med)) END, sqrt(greatest(t.med, 1))) AS scale
    FROM dstats0 t JOIN dgrid g ON g.entity_key = t.entity_key AND (g.weekend = t.weekend OR NOT t.use_same)
   GROUP BY t.entity_key, t.weekend, t.use_same, t.days, t.med, t.mad, t.p99
),
djudged AS (
  SELECT c.*, p.z_min, p.p99_mult, p.min_events, p.schedule, b.max_day, b.bursty, s.use_same, s.weekend, s.days, s.med, s.mad, s.p99, s.scale,
         (c.n - s.med) / s.scale AS z_all, (c.n_out - s.med) / s.scale AS z_out,
         greatest(p.min_events, p.p99_mult * s.p99, ceil(s.med + p.z_min * s.scale), CASE WHEN b.bursty THEN b.max_day + 1 ELSE 0 END) AS bar
    FROM dcand c
    JOIN prof p ON p.entity_key = c.entity_key
    JOIN dburst b ON b.entity_key = c.entity_key
    JOIN dstats s ON s.entity_key = c.entity_key AND s.weekend = (isodow(c.day_ts) >= 6)
),
day_findings AS (
  SELECT s.entity_key, strftime(s.day_ts, '%Y-%m-%d') || ' (whole day, UTC)' AS subject,
         s.t0 AS first_seen, s.t1 AS last_seen, s.n AS evidence_count,
         CASE WHEN s.n_out >= s.bar THEN s.n_out ELSE 0 END AS evidence_outside_change, s.change_id,
         format('{:,} events on {}', s.n, strftime(s.day_ts, '%a %Y-%m-%d'))
           || CASE WHEN s.n_out < s.bar THEN format('; only {:,} outside change windows, below the bar of {:,}', s.n_out, CAST(s.bar AS BIGINT)) ELSE '' END AS observed,
         format('median {} / p99 {} per day ({}) over {} baseline day{}; largest baseline day {:,}{}', rtrim(rtrim(printf('%.2f', s.med), '0'), '.'), rtrim(rtrim(printf('%.2f', s.p99), '0'), '.'),
                CASE WHEN NOT s.use_same THEN 'all days' WHEN s.weekend THEN 'weekends' ELSE 'weekdays' END, s.days,
                CASE WHEN s.days = 1 THEN '' ELSE 's' END, s.max_day, CASE WHEN s.bursty THEN ' (bursty identity)' ELSE '' END) AS baseline,
         CASE WHEN s.schedule IS NOT NULL THEN 'schedule ' || s.schedule ELSE '' END AS declared,
         format('robust z ≥ {} (observed {}), ≥ {}× p99 and ≥ {} events{}', rtrim(rtrim(printf('%.2f', s.z_min), '0'), '.'), round(s.z_all, 1), rtrim(rtrim(printf('%.2f', s.p99_mult), '0'), '.'), rtrim(rtrim(printf('%.2f', s.min_events), '0'), '.'),
                CASE WHEN s.bursty THEN format(', above the largest baseline day ({:,})', s.max_day) ELSE '' END) AS threshold,
         least(1.0, 0.2 + ln(s.n / s.bar) / ln(10)) AS intensity,
         MAP {'granularity': 'day', 'count': CAST(s.n AS VARCHAR), 'count_outside_change': CAST(s.n_out AS VARCHAR),
              'median': rtrim(rtrim(printf('%.2f', s.med), '0'), '.'), 'mad': rtrim(rtrim(printf('%.2f', s.mad), '0'), '.'), 'scale': rtrim(rtrim(printf('%.2f', s.scale), '0'), '.'),
              'p99': rtrim(rtrim(printf('%.2f', s.p99), '0'), '.'), 'z': CAST(round(s.z_all, 1) AS VARCHAR), 'z_outside_change': CAST(round(s.z_out, 1) AS VARCHAR),
              'baseline_days': CAST(s.days AS VARCHAR), 'kind': CASE WHEN NOT s.use_same THEN 'all days' WHEN s.weekend THEN 'weekend' ELSE 'weekday' END,
              'largest_baseline_day': CAST(s.max_day AS VARCHAR), 'bursty': CAST(s.bursty AS VARCHAR), 'bar': CAST(CAST(s.bar AS BIGINT) AS VARCHAR)} AS details
    FROM djudged s WHERE s.n >= s.bar
)
SELECT * FROM hour_findings
UNION ALL
SELECT * FROM day_findings
