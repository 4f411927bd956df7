-- posture.owner_departed: the recorded owner is marked departed / terminated / left, or disabled / suspended: nobody active
-- is accountable, and a leaver may still know the secret. Humans and the root account from the credential report never fire.
WITH i AS (
  SELECT i.*,
         coalesce(nullif(trim(i.kind), ''), 'identity') AS kind_text,
         lower(trim(coalesce(i.owner_status, ''))) AS st
    FROM identities i
   WHERE lower(coalesce(i.kind, '')) NOT IN ('root account', 'iam user (console)')
     AND NOT regexp_matches(coalesce(i.extra, ''), '(?i)"nhi"\s*:\s*"no"')
     AND NOT regexp_matches(i.identity_key, ':root$')
),
s AS (
  SELECT i.*,
         CASE WHEN regexp_matches(st, '(^|[^a-z])(depart\w*|terminat\w*|left|leaver|offboard\w*|former|resigned|retired|exited|gone|no longer\w*)([^a-z]|$)') THEN 'departed'
              WHEN regexp_matches(st, '(^|[^a-z])(disabled|suspended|deactivated|inactive|locked|deprovisioned|blocked)([^a-z]|$)') THEN 'disabled'
         END AS status_class
    FROM i
)
SELECT s.identity_key AS entity_key,
       '' AS subject,
       NULL::TIMESTAMP AS first_seen, NULL::TIMESTAMP AS last_seen,
       0 AS evidence_count, 0 AS evidence_outside_change, NULL AS change_id,
       CASE WHEN nullif(trim(coalesce(s.owner, '')), '') IS NULL
            THEN format('the owner of {} {} is marked {} (no owner name recorded)', s.kind_text, s.name, trim(s.owner_status))
            ELSE format('owner {} of {} {} is marked {}', trim(s.owner), s.kind_text, s.name, trim(s.owner_status)) END AS observed,
       '' AS baseline, '' AS declared,
       'the owner must be an active member of staff; reassign ownership when an owner leaves' AS threshold,
       least(1.0, 0.6 * CASE s.status_class WHEN 'departed' THEN 1.0 ELSE 0.6 END
                + 0.4 * CASE lower(trim(coalesce(s.criticality, ''))) WHEN 'critical' THEN 1.0 WHEN 'high' THEN 0.66 WHEN 'medium' THEN 0.33 ELSE 0.0 END) AS intensity,
       MAP {'owner': coalesce(s.owner, ''), 'owner_status': trim(s.owner_status), 'status_class': s.status_class,
            'team': coalesce(s.team, '')} AS details
  FROM s
 WHERE s.status_class IS NOT NULL
