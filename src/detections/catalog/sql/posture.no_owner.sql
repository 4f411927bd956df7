-- posture.no_owner: an NHI with no accountable owner: the owner is blank or a placeholder ("n/a", "unknown", "TBD", "-").
-- A team alone is not an accountable person. Humans and the root account from the credential report never fire.
WITH i AS (
  SELECT i.*,
         coalesce(nullif(trim(i.kind), ''), 'identity') AS kind_text,
         nullif(trim(coalesce(i.team, '')), '') AS team_text,
         regexp_matches(lower(trim(coalesce(i.owner, ''))),
           '^(|[-–—_.?\s]+|n/?a|none|null|nil|unknown|unassigned|not assigned|no owner|nobody|tbd|tba|todo|to be (determined|assigned)|pending)$') AS ownerless
    FROM identities i
   WHERE lower(coalesce(i.kind, '')) NOT IN ('root account', 'iam user (console)')
     AND NOT regexp_matches(coalesce(i.extra, ''), '(?i)"nhi"\s*:\s*"no"')
     AND NOT regexp_matches(i.identity_key, ':root$')
)
SELECT i.identity_key AS entity_key,
       '' AS subject,
       NULL::TIMESTAMP AS first_seen, NULL::TIMESTAMP AS last_seen,
       0 AS evidence_count, 0 AS evidence_outside_change, NULL AS change_id,
       CASE WHEN nullif(trim(coalesce(i.owner, '')), '') IS NULL
            THEN format('no owner recorded for {} {}', i.kind_text, i.name)
            ELSE format('owner recorded as "{}" for {} {}, a placeholder rather than a person', trim(i.owner), i.kind_text, i.name) END
         || CASE WHEN i.team_text IS NOT NULL THEN format(' (only the team "{}" is named)', i.team_text) ELSE '' END AS observed,
       '' AS baseline, '' AS declared,
       'every NHI needs a named, accountable owner' AS threshold,
       -- An ownerless critical identity is the worst case: nobody reviews its access, rotation or retirement.
       CASE lower(trim(coalesce(i.criticality, ''))) WHEN 'critical' THEN 1.0 WHEN 'high' THEN 0.6 WHEN 'medium' THEN 0.3 ELSE 0.1 END AS intensity,
       MAP {'owner': coalesce(i.owner, ''), 'owner_status': coalesce(i.owner_status, ''), 'team': coalesce(i.team_text, ''),
            'criticality': coalesce(i.criticality, '')} AS details
  FROM i
 WHERE i.ownerless
