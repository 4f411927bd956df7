-- posture.missing_purpose: a high or critical NHI that declares none of schedule, approved destinations or allowed data
-- classes, so nothing says what it is for and behaviour can only be judged against its own history.
SELECT i.identity_key AS entity_key,
       '' AS subject,
       NULL::TIMESTAMP AS first_seen, NULL::TIMESTAMP AS last_seen,
       0 AS evidence_count, 0 AS evidence_outside_change, NULL AS change_id,
       format('{} {} {} declares no schedule, approved destinations or allowed data classes',
              lower(trim(i.criticality)), coalesce(nullif(trim(i.kind), ''), 'identity'), i.name) AS observed,
       '' AS baseline, '' AS declared,
       'a high or critical identity declares its purpose: a schedule, approved destinations or allowed data classes' AS threshold,
       CASE lower(trim(i.criticality)) WHEN 'critical' THEN 1.0 ELSE 0.6 END AS intensity,
       MAP {'criticality': lower(trim(i.criticality)), 'schedule': '', 'approved_destinations': '0', 'allowed_data_classes': '0'} AS details
  FROM identities i
 WHERE lower(trim(coalesce(i.criticality, ''))) IN ('high', 'critical')
   AND nullif(trim(coalesce(i.schedule, '')), '') IS NULL
   AND coalesce(trim(array_to_string(i.approved_destinations, '')), '') = ''
   AND coalesce(trim(array_to_string(i.allowed_data_classes, '')), '') = ''
   AND lower(coalesce(i.kind, '')) NOT IN ('root account', 'iam user (console)')
   AND NOT regexp_matches(coalesce(i.extra, ''), '(?i)"nhi"\s*:\s*"no"')
   AND NOT regexp_matches(i.identity_key, ':root$')
