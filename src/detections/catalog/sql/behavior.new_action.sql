-- behavior.new_action: an action the entity performed in the detection window that never appears in its baseline.
-- One finding per (entity, new action). Entities with no baseline at all still get findings, marked immature.
-- Reads the shared per-action counts (dl_entity_actions), not the events.
WITH base AS MATERIALIZED (
  SELECT DISTINCT entity_key, action FROM dl_entity_actions WHERE period = 'baseline' AND action IS NOT NULL
),
base_size AS (SELECT entity_key, count(*) AS n_actions FROM base GROUP BY entity_key),
det AS (
  SELECT entity_key, action, min(t0) AS first_seen, max(t1) AS last_seen, sum(n) AS n,
         sum(n_out) AS outside, min(change_id) AS change_id
    FROM dl_entity_actions WHERE period = 'detection' AND action IS NOT NULL GROUP BY entity_key, action
)
SELECT d.entity_key,
       d.action AS subject,
       d.first_seen, d.last_seen,
       d.n AS evidence_count, d.outside AS evidence_outside_change, d.change_id,
       format('{} call{} of {} in the detection window', d.n, CASE WHEN d.n = 1 THEN '' ELSE 's' END, d.action) AS observed,
       format('{} distinct action{} in the baseline, never {}', coalesce(b.n_actions, 0),
              CASE WHEN coalesce(b.n_actions, 0) = 1 THEN '' ELSE 's' END, d.action) AS baseline,
       '' AS declared,
       'any action absent from the baseline' AS threshold,
       -- Writes and IAM/secret actions matter more than one more read.
       CASE WHEN regexp_matches(d.action, '(?i)^(iam|sts|kms|secretsmanager|organizations):|create|delete|put|attach|update|add|grant|policy')
            THEN 1.0 ELSE 0.3 END AS intensity,
       MAP {'count': CAST(d.n AS VARCHAR), 'baseline_actions': CAST(coalesce(b.n_actions, 0) AS VARCHAR)} AS details
  FROM det d
  LEFT JOIN base x ON x.entity_key = d.entity_key AND x.action = d.action
  LEFT JOIN base_size b ON b.entity_key = d.entity_key
 WHERE x.action IS NULL
