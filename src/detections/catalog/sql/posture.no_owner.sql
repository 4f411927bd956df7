-- posture.no_owner: an inventory identity with no accountable owner recorded.
SELECT i.identity_key AS entity_key,
       '' AS subject,
       NULL::TIMESTAMP AS first_seen, NULL::TIMESTAMP AS last_seen,
       0 AS evidence_count, 0 AS evidence_outside_change, NULL AS change_id,
       'no owner recorded for ' || coalesce(i.kind, 'identity') || ' ' || i.name AS observed,
       '' AS baseline, '' AS declared,
       'every identity needs an accountable owner' AS threshold,
       CASE lower(coalesce(i.criticality, '')) WHEN 'critical' THEN 1.0 WHEN 'high' THEN 0.6 ELSE 0.2 END AS intensity,
       MAP {'owner_column': coalesce(i.owner, '')} AS details
  FROM identities i
 WHERE nullif(trim(coalesce(i.owner, '')), '') IS NULL
   AND coalesce(i.kind, '') NOT IN ('root account', 'IAM user (console)')
