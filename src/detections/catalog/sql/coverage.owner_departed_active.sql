-- coverage.owner_departed_active: the owner is marked departed / terminated / disabled (same reading as posture.owner_departed)
-- and the identity is still active in the detection window: nobody accountable is watching a credential that is in use.
-- Evidence: every event of the identity in the detection window. Humans and root never fire.
WITH o AS (
  SELECT i.identity_key, i.name, i.owner, trim(i.owner_status) AS owner_status,
         coalesce(nullif(trim(i.kind), ''), 'identity') AS kind_text,
         CASE WHEN regexp_matches(lower(trim(i.owner_status)), '(^|[^a-z])(depart\w*|terminat\w*|left|leaver|offboard\w*|former|resigned|retired|exited|gone|no longer\w*)([^a-z]|$)') THEN 'departed'
              WHEN regexp_matches(lower(trim(i.owner_status)), '(^|[^a-z])(disabled|suspended|deactivated|inactive|locked|deprovisioned|blocked)([^a-z]|$)') THEN 'disabled'
         END AS status_class
    FROM identities i
   WHERE lower(coalesce(i.kind, '')) NOT IN ('root account', 'iam user (console)')
     AND NOT regexp_matches(coalesce(i.extra, ''), '"nhi"\s*:\s*"no"')
     AND nullif(trim(coalesce(i.owner_status, '')), '') IS NOT NULL
),
gone AS (SELECT * FROM o WHERE status_class IS NOT NULL),
act AS (
  -- Detection-window activity of identities whose owner is gone, from the shared per-hour and per-action counts.
  SELECT h.entity_key, min(h.t0) AS first_seen, max(h.t1) AS last_seen, sum(h.n) AS n,
         sum(h.n_out) AS outside, min(h.change_id) AS change_id,
         count(DISTINCT date_trunc('day', h.hour_ts)) AS active_days, any_value(x.writes) AS writes,
         any_value(x.actions) AS actions
    FROM dl_entity_hours h
    LEFT JOIN (SELECT entity_key, list_sort(list(DISTINCT action) FILTER (WHERE action IS NOT NULL)) AS actions, sum(n_write) AS writes
                 FROM dl_entity_actions WHERE period = 'detection' GROUP BY entity_key) x ON x.entity_key = h.entity_key
   WHERE h.period = 'detection' AND h.entity_key IN (SELECT identity_key FROM gone)
   GROUP BY h.entity_key
)
SELECT g.identity_key AS entity_key,
       '' AS subject,
       a.first_seen, a.last_seen,
       a.n AS evidence_count, a.outside AS evidence_outside_change, a.change_id,
       format('{} event{} on {} day{} of the detection window ({} → {}): {}{}',
              format('{:,}', a.n), CASE WHEN a.n = 1 THEN '' ELSE 's' END,
              a.active_days, CASE WHEN a.active_days = 1 THEN '' ELSE 's' END,
              strftime(a.first_seen, '%Y-%m-%d %H:%M UTC'), strftime(a.last_seen, '%Y-%m-%d %H:%M UTC'),
              coalesce(array_to_string(a.actions[1:8], ', '), 'no named action'), CASE WHEN len(a.actions) > 8 THEN format(' and {} more', len(a.actions) - 8) ELSE '' END)
         AS observed,
       '' AS baseline,
       CASE WHEN nullif(trim(coalesce(g.owner, '')), '') IS NULL
            THEN format('owner of {} {} marked {} (no owner name recorded)', g.kind_text, g.name, g.owner_status)
            ELSE format('owner {} of {} {} marked {}', trim(g.owner), g.kind_text, g.name, g.owner_status) END AS declared,
       format('any activity in the detection window ({} days) while the owner is departed or disabled', c.detection_days) AS threshold,
       least(1.0, 0.4 + 0.6 * a.active_days / greatest(c.detection_days, 1)
                  + CASE WHEN a.writes > 0 THEN 0.1 ELSE 0 END) * CASE g.status_class WHEN 'departed' THEN 1.0 ELSE 0.8 END AS intensity,
       MAP {'owner': coalesce(g.owner, ''), 'owner_status': g.owner_status, 'status_class': g.status_class,
            'events': CAST(a.n AS VARCHAR), 'active_days': CAST(a.active_days AS VARCHAR), 'writes': CAST(a.writes AS VARCHAR),
            'actions': coalesce(array_to_string(a.actions, '; '), '')} AS details
  FROM gone g
  JOIN act a ON a.entity_key = g.identity_key
 CROSS JOIN dl_context c
