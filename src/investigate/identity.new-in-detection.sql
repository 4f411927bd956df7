-- Actions, resources and source IPs of one entity first seen in the detection window: present there, absent from its baseline
-- (the same "new" as behavior.new_action / scope_expansion / new_source, before their filters and grouping by network).
-- {{entity}} is the entity key as an SQL literal; {{limit}} the most rows returned per kind (the totals count them all).
WITH mine AS MATERIALIZED (
  SELECT event_time, period, change_id, action, resource, source_ip, user_agent
    FROM ev WHERE entity_key = {{entity}} AND period IN ('baseline', 'detection')
),
items AS (
  SELECT 'action' AS kind, action AS value, resource AS related, event_time, period, change_id FROM mine WHERE action IS NOT NULL
  UNION ALL
  SELECT 'resource', resource, action, event_time, period, change_id FROM mine WHERE nullif(trim(resource), '') IS NOT NULL
  UNION ALL
  SELECT 'source', source_ip, user_agent, event_time, period, change_id FROM mine WHERE nullif(trim(source_ip), '') IS NOT NULL
),
base AS (SELECT DISTINCT kind, value FROM items WHERE period = 'baseline'),
base_size AS (SELECT kind, count(*) AS known FROM base GROUP BY kind),
fresh AS (
  SELECT i.kind, i.value, count(*) AS n, count(*) FILTER (WHERE i.change_id IS NULL) AS n_out,
         min(i.event_time) AS first_seen, max(i.event_time) AS last_seen,
         list_sort(list(DISTINCT i.related) FILTER (WHERE i.related IS NOT NULL)) AS related
    FROM items i ANTI JOIN base b ON b.kind = i.kind AND b.value = i.value
   WHERE i.period = 'detection'
   GROUP BY i.kind, i.value
),
ranked AS (
  SELECT f.*, row_number() OVER (PARTITION BY f.kind ORDER BY f.first_seen, f.value) AS rk,
         count(*) OVER (PARTITION BY f.kind) AS total
    FROM fresh f
)
SELECT r.kind, r.value, r.n, r.n_out, r.first_seen, r.last_seen, r.related[1:5] AS related, len(r.related) AS related_count,
       r.total, coalesce(b.known, 0) AS known
  FROM ranked r LEFT JOIN base_size b USING (kind)
 WHERE r.rk <= {{limit}}
UNION ALL
-- One row per kind with no new value, so the known counts still arrive.
SELECT b.kind, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, b.known
  FROM base_size b WHERE b.kind NOT IN (SELECT kind FROM fresh)
ORDER BY 1, 5 NULLS FIRST, 2
