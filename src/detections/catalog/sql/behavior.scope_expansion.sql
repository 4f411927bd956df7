-- behavior.scope_expansion: a resource (bucket, repository, table, secret…) the entity touched in the detection window and never
-- in its baseline; one finding per (entity, resource), weighted up for sensitive data classes and for many new resources at once.
-- People are not resources here (bare e-mail targets of Okta / Entra events), nor is the identity itself.
WITH
-- Baseline resources: a plain DISTINCT (no per-event string work); the detection window is small and aggregated in full.
base AS MATERIALIZED (SELECT DISTINCT entity_key, resource FROM ev WHERE period = 'baseline' AND resource IS NOT NULL),
base_size AS (
  SELECT entity_key,
         count(*) FILTER (WHERE trim(resource) <> '' AND NOT regexp_matches(resource, '^[^@/:\s]+@[^@/:\s]+$')
                            AND lower(resource) <> lower(entity_key)) AS n_resources
    FROM base GROUP BY entity_key
),
det AS (
  SELECT * FROM (
    SELECT entity_key, resource, coalesce(action, '(no action)') AS action, count(*) AS n,
           count(*) FILTER (WHERE change_id IS NULL) AS n_out, min(change_id) AS change_id, min(event_time) AS t0, max(event_time) AS t1
      FROM ev_detection WHERE resource IS NOT NULL
     GROUP BY entity_key, resource, coalesce(action, '(no action)'))
   -- String tests on the groups; "n > 0" keeps the optimizer from pushing them down onto every event of ev.
   WHERE CASE WHEN n > 0 THEN trim(resource) <> '' AND NOT regexp_matches(resource, '^[^@/:\s]+@[^@/:\s]+$')
                              AND lower(resource) <> lower(entity_key) END
),
fresh AS MATERIALIZED (
  SELECT d.entity_key, d.resource, sum(d.n) AS n, sum(d.n_out) AS n_out, min(d.change_id) AS change_id, min(d.t0) AS t0, max(d.t1) AS t1,
         string_agg(format('{:,} {}', d.n, d.action), ', ' ORDER BY d.n DESC, d.action) AS actions
    FROM det d ANTI JOIN base b ON b.entity_key = d.entity_key AND b.resource = d.resource
   GROUP BY d.entity_key, d.resource
),
-- Data classes from the classification file ('*' wildcard); a resource may match several patterns.
classes AS (
  SELECT f.entity_key, f.resource, string_agg(DISTINCT lower(rc.data_class), ', ' ORDER BY lower(rc.data_class)) AS classes,
         bool_or(lower(rc.data_class) IN ('restricted', 'confidential', 'secret', 'secrets', 'credentials', 'pii', 'phi', 'pci',
                                          'payroll', 'financial', 'finance', 'hr', 'health', 'customer', 'customer-data', 'sensitive')) AS sensitive
    FROM fresh f JOIN resource_classes rc ON f.resource LIKE replace(rc.pattern, '*', '%')
   GROUP BY f.entity_key, f.resource
),
sized AS (
  SELECT f.*, count(*) OVER (PARTITION BY f.entity_key) AS n_new, c.classes, coalesce(c.sensitive, false) AS sensitive
    FROM fresh f LEFT JOIN classes c ON c.entity_key = f.entity_key AND c.resource = f.resource
)
SELECT s.entity_key, s.resource AS subject, s.t0 AS first_seen, s.t1 AS last_seen, s.n AS evidence_count,
       s.n_out AS evidence_outside_change, s.change_id,
       format('{} on {}{}; {}', s.actions, s.resource,
              CASE WHEN s.classes IS NOT NULL THEN format(' (data class {})', s.classes) ELSE '' END,
              CASE WHEN s.n_new = 1 THEN 'the only resource new to this identity in the detection window'
                   ELSE format('one of {} resources new to this identity in the detection window', s.n_new) END) AS observed,
       format('{} distinct resource{} in the baseline, never {}', coalesce(b.n_resources, 0),
              CASE WHEN coalesce(b.n_resources, 0) = 1 THEN '' ELSE 's' END, s.resource) AS baseline,
       CASE WHEN len(coalesce(i.allowed_data_classes, [])) > 0
            THEN 'allowed data classes: ' || array_to_string(i.allowed_data_classes, ', ') ELSE '' END AS declared,
       'any resource absent from the baseline; weighted up for sensitive data classes and for many new resources at once' AS threshold,
       CAST(least(1.0, 0.3 + CASE WHEN s.sensitive THEN 0.4 ELSE 0 END + 0.3 * least(1.0, (s.n_new - 1) / 9.0)) AS DOUBLE) AS intensity,
       MAP {'count': CAST(s.n AS VARCHAR), 'new_resources_in_window': CAST(s.n_new AS VARCHAR),
            'baseline_resources': CAST(coalesce(b.n_resources, 0) AS VARCHAR), 'data_classes': coalesce(s.classes, ''),
            'sensitive': CAST(s.sensitive AS VARCHAR), 'actions': s.actions} AS details
  FROM sized s
  LEFT JOIN base_size b ON b.entity_key = s.entity_key
  LEFT JOIN identities i ON i.identity_key = s.entity_key
