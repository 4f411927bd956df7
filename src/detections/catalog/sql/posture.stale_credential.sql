-- posture.stale_credential: a long-lived secret (key, password, token, certificate) last rotated longer ago than the policy
-- age before as-of (default 90 days; per-identity override). Federated / temporary credentials hold no secret and never fire.
WITH c AS (SELECT as_of FROM dl_context),
i AS (
  SELECT i.*,
         coalesce(nullif(trim(i.credential_type), ''), 'credential') AS cred_text,
         CAST(date_diff('day', i.last_rotated_at, c.as_of) AS BIGINT) AS age_days,
         dl_param('posture.stale_credential', 'max_age_days', i.identity_key, {{max_age_days}}) AS max_age,
         EXISTS (SELECT 1 FROM dl_overrides o WHERE o.detection_id = 'posture.stale_credential' AND o.param = 'max_age_days'
                    AND o.identity_key = i.identity_key) AS overridden
    FROM identities i CROSS JOIN c
   WHERE i.last_rotated_at IS NOT NULL
     AND NOT regexp_matches(lower(coalesce(i.credential_type, '')),
           'federat|oidc|temporary|(^|[^a-z])sts([^a-z]|$)|assume|workload identity|managed identity|instance profile|irsa|keyless|short[- ]lived|no (stored )?secret|^none')
     AND lower(coalesce(i.kind, '')) NOT IN ('root account', 'iam user (console)')
     AND NOT regexp_matches(coalesce(i.extra, ''), '(?i)"nhi"\s*:\s*"no"')
     AND NOT regexp_matches(i.identity_key, ':root$')
),
s AS (
  SELECT i.*,
         CASE WHEN max_age = floor(max_age) THEN CAST(CAST(max_age AS BIGINT) AS VARCHAR) ELSE CAST(max_age AS VARCHAR) END AS max_age_text
    FROM i
)
SELECT s.identity_key AS entity_key,
       '' AS subject,
       NULL::TIMESTAMP AS first_seen, NULL::TIMESTAMP AS last_seen,
       0 AS evidence_count, 0 AS evidence_outside_change, NULL AS change_id,
       format('{} last rotated {}, {} days before as-of', s.cred_text, strftime(s.last_rotated_at, '%Y-%m-%d'), s.age_days) AS observed,
       '' AS baseline, '' AS declared,
       format('rotate at least every {} days{}', s.max_age_text, CASE WHEN s.overridden THEN ' (policy set for this identity)' ELSE '' END) AS threshold,
       -- Twice the policy age or more is as bad as it gets; critical identities rank higher.
       least(1.0, 0.75 * least(1.0, greatest(0.0, s.age_days / greatest(s.max_age, 1) - 1))
                + 0.25 * CASE lower(trim(coalesce(s.criticality, ''))) WHEN 'critical' THEN 1.0 WHEN 'high' THEN 0.66 WHEN 'medium' THEN 0.33 ELSE 0.0 END) AS intensity,
       MAP {'last_rotated': strftime(s.last_rotated_at, '%Y-%m-%d'), 'age_days': CAST(s.age_days AS VARCHAR),
            'max_age_days': s.max_age_text, 'overdue_days': CAST(CAST(s.age_days - s.max_age AS BIGINT) AS VARCHAR),
            'credential_type': coalesce(s.credential_type, '')} AS details
  FROM s
 WHERE s.age_days > s.max_age
