-- behavior.disallowed_data_class: detection-window access to a resource whose data class (resource classification file, '*'
-- wildcard) is not among the identity's declared allowed data classes. Only identities that declare allowed classes are judged.
-- One finding per (entity, resource).
WITH
allowed AS (
  SELECT identity_key, lower(trim(c)) AS data_class
    FROM (SELECT identity_key, unnest(allowed_data_classes) AS c FROM identities)
   WHERE trim(c) <> ''
),
declaring AS (
  SELECT identity_key, string_agg(data_class, ', ' ORDER BY data_class) AS list FROM allowed GROUP BY identity_key
),
touched AS (
  SELECT e.entity_key, e.resource, coalesce(e.action, '(no action)') AS action, count(*) AS n,
         count(*) FILTER (WHERE e.change_id IS NULL) AS n_out, min(e.change_id) AS change_id, min(e.event_time) AS t0, max(e.event_time) AS t1
    FROM ev_detection e JOIN declaring d ON d.identity_key = e.entity_key
   WHERE e.resource IS NOT NULL
   GROUP BY e.entity_key, e.resource, coalesce(e.action, '(no action)')
),
res AS (
  SELECT entity_key, resource, sum(n) AS n, sum(n_out) AS n_out, min(change_id) AS change_id, min(t0) AS t0, max(t1) AS t1,
         string_agg(format('{:,} {}', n, action), ', ' ORDER BY n DESC, action) AS actions
    FROM touched GROUP BY entity_key, resource
  HAVING CASE WHEN sum(n) > 0 THEN trim(resource) <> '' END
),
classed AS (
  SELECT r.entity_key, r.resource, lower(trim(rc.data_class)) AS data_class, any_value(rc.pattern) AS pattern
    FROM res r JOIN resource_classes rc ON r.resource LIKE replace(rc.pattern, '*', '%')
   GROUP BY r.entity_key, r.resource, lower(trim(rc.data_class))
),
bad AS (
  SELECT c.entity_key, c.resource, string_agg(c.data_class, ', ' ORDER BY c.data_class) AS classes,
         string_agg(DISTINCT c.pattern, ', ' ORDER BY c.pattern) AS patterns
    FROM classed c LEFT JOIN allowed a ON a.identity_key = c.entity_key AND a.data_class = c.data_class
   WHERE a.data_class IS NULL
   GROUP BY c.entity_key, c.resource
)
SELECT r.entity_key, r.resource AS subject, r.t0 AS first_seen, r.t1 AS last_seen, r.n AS evidence_count, r.n_out AS evidence_outside_change,
       r.change_id,
       format('{} on {} (data class {}, from pattern {})', r.actions, r.resource, b.classes, b.patterns) AS observed,
       '' AS baseline,
       'allowed data classes: ' || d.list AS declared,
       'access only to resources of the allowed data classes' AS threshold,
       CAST(CASE WHEN regexp_matches(b.classes, 'restricted|secret|credential|pii|phi|pci|payroll|confidential') THEN 1.0 ELSE 0.6 END AS DOUBLE) AS intensity,
       MAP {'count': CAST(r.n AS VARCHAR), 'data_classes': b.classes, 'patterns': b.patterns, 'allowed_data_classes': d.list,
            'actions': r.actions} AS details
  FROM bad b
  JOIN res r ON r.entity_key = b.entity_key AND r.resource = b.resource
  JOIN declaring d ON d.identity_key = b.entity_key
