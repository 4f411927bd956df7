-- posture.credential_expiry: a credential already expired at as-of, or expiring within the notice period after it (default
-- 30 days; per-identity override): an outage waiting to happen, or an inventory row nobody maintains.
WITH c AS (SELECT as_of FROM dl_context),
i AS (
  SELECT i.*,
         coalesce(nullif(trim(i.credential_type), ''), 'credential') AS cred_text,
         i.expires_at <= c.as_of AS expired,
         CAST(date_diff('day', c.as_of, i.expires_at) AS BIGINT) AS days_left,
         dl_param('posture.credential_expiry', 'notice_days', i.identity_key, {{notice_days}}) AS notice,
         EXISTS (SELECT 1 FROM dl_overrides o WHERE o.detection_id = 'posture.credential_expiry' AND o.param = 'notice_days'
                    AND o.identity_key = i.identity_key) AS overridden
    FROM identities i CROSS JOIN c
   WHERE i.expires_at IS NOT NULL
     AND lower(coalesce(i.kind, '')) NOT IN ('root account', 'iam user (console)')
     AND NOT regexp_matches(coalesce(i.extra, ''), '(?i)"nhi"\s*:\s*"no"')
     AND NOT regexp_matches(i.identity_key, ':root$')
),
s AS (
  SELECT i.*,
         CASE WHEN notice = floor(notice) THEN CAST(CAST(notice AS BIGINT) AS VARCHAR) ELSE CAST(notice AS VARCHAR) END AS notice_text
    FROM i
)
SELECT s.identity_key AS entity_key,
       '' AS subject,
       NULL::TIMESTAMP AS first_seen, NULL::TIMESTAMP AS last_seen,
       0 AS evidence_count, 0 AS evidence_outside_change, NULL AS change_id,
       CASE WHEN s.expired AND s.days_left = 0 THEN format('{} expired {}, earlier on the as-of day', s.cred_text, strftime(s.expires_at, '%Y-%m-%d %H:%M UTC'))
            WHEN s.expired THEN format('{} expired {}, {} day{} before as-of', s.cred_text, strftime(s.expires_at, '%Y-%m-%d'), -s.days_left,
                                       CASE WHEN s.days_left = -1 THEN '' ELSE 's' END)
            WHEN s.days_left = 0 THEN format('{} expires {}, later on the as-of day', s.cred_text, strftime(s.expires_at, '%Y-%m-%d %H:%M UTC'))
            ELSE format('{} expires {}, {} day{} after as-of', s.cred_text, strftime(s.expires_at, '%Y-%m-%d'), s.days_left,
                        CASE WHEN s.days_left = 1 THEN '' ELSE 's' END) END AS observed,
       '' AS baseline, '' AS declared,
       format('expired, or expiring within {} days{}', s.notice_text, CASE WHEN s.overridden THEN ' (notice period set for this identity)' ELSE '' END) AS threshold,
       -- Expired is the worst; otherwise the closer the expiry, the higher.
       least(1.0, 0.75 * CASE WHEN s.expired THEN 1.0 ELSE least(1.0, greatest(0.0, 1 - s.days_left / greatest(s.notice, 1))) END
                + 0.25 * CASE lower(trim(coalesce(s.criticality, ''))) WHEN 'critical' THEN 1.0 WHEN 'high' THEN 0.66 WHEN 'medium' THEN 0.33 ELSE 0.0 END) AS intensity,
       MAP {'expires': strftime(s.expires_at, '%Y-%m-%d'), 'state': CASE WHEN s.expired THEN 'expired' ELSE 'expiring' END,
            'days_left': CAST(s.days_left AS VARCHAR), 'notice_days': s.notice_text,
            'credential_type': coalesce(s.credential_type, '')} AS details
  FROM s
 WHERE s.expired OR s.days_left <= s.notice
