-- posture.never_rotated: a long-lived secret (key, password, token, certificate) never rotated since it was created, created
-- longer ago than the policy age before as-of (default 90 days; per-identity override). Federated / temporary never fire.
WITH c AS (SELECT as_of FROM dl_context),
i AS (
  SELECT i.*,
         lower(trim(coalesce(i.credential_type, ''))) AS ct,
         coalesce(nullif(trim(i.credential_type), ''), 'credential') AS cred_text,
         CAST(date_diff('day', i.created_at, c.as_of) AS BIGINT) AS age_days,
         dl_param('posture.never_rotated', 'max_age_days', i.identity_key, {{max_age_days}}) AS max_age,
         EXISTS (SELECT 1 FROM dl_overrides o WHERE o.detection_id = 'posture.never_rotated' AND o.param = 'max_age_days'
                    AND o.identity_key = i.identity_key) AS overridden,
         EXISTS (SELECT 1 FROM identity_aliases a WHERE a.identity_key = i.identity_key AND a.alias_type = 'access_key_id'
                    AND upper(a.alias) LIKE 'AKIA%') AS has_access_key
    FROM identities i CROSS JOIN c
   WHERE i.last_rotated_at IS NULL AND i.created_at IS NOT NULL
     AND lower(coalesce(i.kind, '')) NOT IN ('root account', 'iam user (console)')
     AND NOT regexp_matches(coalesce(i.extra, ''), '(?i)"nhi"\s*:\s*"no"')
     AND NOT regexp_matches(i.identity_key, ':root$')
),
s AS (
  SELECT i.*,
         CASE WHEN max_age = floor(max_age) THEN CAST(CAST(max_age AS BIGINT) AS VARCHAR) ELSE CAST(max_age AS VARCHAR) END AS max_age_text,
         -- A long-lived secret: the credential type says so or, when it is not recorded, the kind or a long-term AKIA key does.
         NOT regexp_matches(ct, 'federat|oidc|temporary|(^|[^a-z])sts([^a-z]|$)|assume|workload identity|managed identity|instance profile|irsa|keyless|short[- ]lived|no (stored )?secret|^none')
         AND (regexp_matches(ct, 'static|key|secret|password|passphrase|token|(^|[^a-z])pat([^a-z]|$)|cert|api|ssh|credential')
              OR (ct = '' AND (has_access_key OR regexp_matches(lower(coalesce(kind, '')),
                    '(^|[^a-z])pat([^a-z]|$)|personal access token|api (key|token)|access key|deploy key|client secret|service account key|static')))) AS long_lived
    FROM i
)
SELECT s.identity_key AS entity_key,
       '' AS subject,
       NULL::TIMESTAMP AS first_seen, NULL::TIMESTAMP AS last_seen,
       0 AS evidence_count, 0 AS evidence_outside_change, NULL AS change_id,
       format('{} created {} and never rotated: {} days old at as-of', s.cred_text, strftime(s.created_at, '%Y-%m-%d'), s.age_days) AS observed,
       '' AS baseline, '' AS declared,
       format('rotate at least every {} days{}', s.max_age_text, CASE WHEN s.overridden THEN ' (policy set for this identity)' ELSE '' END) AS threshold,
       least(1.0, 0.75 * least(1.0, greatest(0.0, s.age_days / greatest(s.max_age, 1) - 1))
                + 0.25 * CASE lower(trim(coalesce(s.criticality, ''))) WHEN 'critical' THEN 1.0 WHEN 'high' THEN 0.66 WHEN 'medium' THEN 0.33 ELSE 0.0 END) AS intensity,
       MAP {'created': strftime(s.created_at, '%Y-%m-%d'), 'age_days': CAST(s.age_days AS VARCHAR), 'max_age_days': s.max_age_text,
            'overdue_days': CAST(CAST(s.age_days - s.max_age AS BIGINT) AS VARCHAR), 'credential_type': coalesce(s.credential_type, '')} AS details
  FROM s
 WHERE s.long_lived AND s.age_days > s.max_age
