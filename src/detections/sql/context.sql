-- The analysis context every detection reads. Built once per run, before the catalogue, from the canonical tables and the
-- settings tables (dl_settings, dl_overrides, dl_exceptions), which the runner fills.
-- Time semantics (spec/detections.md): as-of = the end of the evidence unless set; detection window = the last N days
-- before as-of; baseline = everything before it, capped; maturity = active baseline days. Never the wall clock.

-- One row: the global windows.
-- With no events at all (an inventory-only workspace) the as-of is when the evidence was imported: a fixed fact of the
-- workspace, so ages still read the same tomorrow.
CREATE OR REPLACE TABLE dl_context AS
WITH s AS (SELECT * FROM dl_settings),
     ends AS (SELECT max(event_time) AS last_event, min(event_time) AS first_event FROM events),
     imported AS (SELECT max(imported_at) AS at FROM evidence_files),
     a AS (SELECT coalesce(s.as_of, ends.last_event, imported.at, TIMESTAMP '1970-01-01') AS as_of FROM s, ends, imported)
SELECT a.as_of,
       a.as_of - to_days(CAST(s.detection_days AS INTEGER)) AS detection_start,
       a.as_of - to_days(CAST(s.detection_days + s.baseline_days AS INTEGER)) AS baseline_start,
       s.detection_days, s.baseline_days, s.maturity_days, ends.first_event, ends.last_event
  FROM s, ends, a;

-- Change windows resolved to identity keys: a window names an identity by key, name or alias, or '*' for every identity.
CREATE OR REPLACE TABLE dl_changes_resolved AS
SELECT change_id, starts_at, ends_at, summary, '*' AS identity_key FROM changes WHERE trim(identity) = '*'
UNION
SELECT c.change_id, c.starts_at, c.ends_at, c.summary, i.identity_key
  FROM changes c JOIN identities i ON lower(i.identity_key) = lower(trim(c.identity)) OR lower(i.name) = lower(trim(c.identity))
UNION
SELECT c.change_id, c.starts_at, c.ends_at, c.summary, a.identity_key
  FROM changes c JOIN identity_aliases a ON a.alias_norm = lower(trim(c.identity));

-- Who an event belongs to: its inventory identity, or the raw actor for shadow actors (kept apart by the prefix).
-- Per-entity windows: an override for one identity replaces the global detection / baseline lengths.
CREATE OR REPLACE TABLE dl_entity_windows AS
WITH o AS (
  SELECT identity_key,
         max(value) FILTER (WHERE param = 'detection_days') AS detection_days,
         max(value) FILTER (WHERE param = 'baseline_days') AS baseline_days
    FROM dl_overrides WHERE detection_id = '*' GROUP BY identity_key
)
SELECT o.identity_key AS entity_key,
       c.as_of - to_days(CAST(coalesce(o.detection_days, c.detection_days) AS INTEGER)) AS detection_start,
       c.as_of - to_days(CAST(coalesce(o.detection_days, c.detection_days) + coalesce(o.baseline_days, c.baseline_days) AS INTEGER)) AS baseline_start
  FROM o, dl_context c;

-- Events with what every detection needs derived once: entity, period, hour-of-week (Monday 00:00 UTC = 0), change window.
-- A view, not a table: each detection scans only the columns it uses, and 1M events are not held twice.
-- Change windows are few: events are matched to them by a range join on the (small) set of windows, not per event.
CREATE OR REPLACE TABLE dl_event_changes AS
SELECT e.rowid AS event_rowid, min(ch.change_id) AS change_id
  FROM events e
  JOIN dl_changes_resolved ch
    ON e.event_time >= ch.starts_at AND e.event_time <= ch.ends_at
   AND (ch.identity_key = '*' OR ch.identity_key = e.identity_key)
 GROUP BY e.rowid;

CREATE OR REPLACE VIEW ev AS
WITH c AS (SELECT * FROM dl_context)
SELECT e.*,
       coalesce(e.identity_key, 'shadow:' || coalesce(e.actor, e.credential_id, '?')) AS entity_key,
       date_trunc('hour', e.event_time) AS hour_ts,
       date_trunc('day', e.event_time) AS day_ts,
       CAST((isodow(e.event_time) - 1) * 24 + hour(e.event_time) AS INTEGER) AS hour_of_week,
       CASE
         WHEN e.event_time > c.as_of THEN 'after'
         WHEN e.event_time > coalesce(w.detection_start, c.detection_start) THEN 'detection'
         WHEN e.event_time > coalesce(w.baseline_start, c.baseline_start) THEN 'baseline'
         ELSE 'before'
       END AS period,
       x.change_id
  FROM events e
  CROSS JOIN c
  LEFT JOIN dl_entity_windows w ON w.entity_key = coalesce(e.identity_key, 'shadow:' || coalesce(e.actor, e.credential_id, '?'))
  LEFT JOIN dl_event_changes x ON x.event_rowid = e.rowid;

-- Shared aggregates: one pass over ev each, so detections that only need counts per hour or per action read a few hundred
-- thousand rows (or fewer) instead of every event again. Grouped by period too: the windows need not start on the hour.
CREATE OR REPLACE TABLE dl_entity_hours AS
SELECT entity_key, hour_ts, period,
       count(*) AS n, count(*) FILTER (WHERE change_id IS NULL) AS n_out,
       min(change_id) AS change_id, min(event_time) AS t0, max(event_time) AS t1
  FROM ev GROUP BY entity_key, hour_ts, period;

CREATE OR REPLACE TABLE dl_entity_actions AS
SELECT entity_key, identity_key, platform, action, period, coalesce(outcome = 'failure', false) AS failed,
       count(*) AS n, count(*) FILTER (WHERE change_id IS NULL) AS n_out, count(*) FILTER (WHERE is_write) AS n_write,
       min(change_id) AS change_id, min(event_time) AS t0, max(event_time) AS t1
  FROM ev GROUP BY entity_key, identity_key, platform, action, period, coalesce(outcome = 'failure', false);

-- The detection window's events, for detections that read nothing else: `period = 'detection'` plus a plain time bound
-- (the earliest detection start of any entity), which lets DuckDB skip the row groups of older events by their min/max.
CREATE OR REPLACE TABLE dl_detection_floor AS
SELECT least(c.detection_start, coalesce((SELECT min(detection_start) FROM dl_entity_windows), c.detection_start)) AS floor FROM dl_context c;

CREATE OR REPLACE VIEW ev_detection AS
SELECT * FROM ev WHERE period = 'detection' AND event_time > (SELECT floor FROM dl_detection_floor);

-- Baseline profile per entity: active days in the baseline and whether that is enough (maturity).
CREATE OR REPLACE TABLE dl_entity_profile AS
SELECT entity_key,
       CASE WHEN NOT starts_with(entity_key, 'shadow:') THEN entity_key END AS identity_key,
       count(DISTINCT date_trunc('day', hour_ts)) FILTER (WHERE period = 'baseline') AS baseline_active_days,
       CAST(coalesce(sum(n) FILTER (WHERE period = 'baseline'), 0) AS BIGINT) AS baseline_events,
       CAST(coalesce(sum(n) FILTER (WHERE period = 'detection'), 0) AS BIGINT) AS detection_events,
       min(t0) AS first_seen,
       max(t1) FILTER (WHERE period <> 'after') AS last_seen,
       count(DISTINCT date_trunc('day', hour_ts)) FILTER (WHERE period = 'baseline') >= (SELECT maturity_days FROM dl_context) AS baseline_mature
  FROM dl_entity_hours GROUP BY entity_key;
