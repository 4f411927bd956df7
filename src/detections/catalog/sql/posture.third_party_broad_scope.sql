-- posture.third_party_broad_scope: one finding per write or admin scope held by a vendor / third-party identity (a vendor is
-- recorded, or the kind says third party). Read-only scopes (okta.users.read, contents:read, ec2:Describe*) never fire.
WITH i AS (
  SELECT i.*, nullif(trim(coalesce(i.vendor, '')), '') AS vendor_text
    FROM identities i
   WHERE lower(coalesce(i.kind, '')) NOT IN ('root account', 'iam user (console)')
     AND NOT regexp_matches(coalesce(i.extra, ''), '(?i)"nhi"\s*:\s*"no"')
     AND NOT regexp_matches(i.identity_key, ':root$')
),
v AS (
  -- Microsoft's own first-party apps in an Entra tenant are the platform, not a supplier.
  SELECT i.* FROM i
   WHERE (vendor_text IS NOT NULL AND NOT regexp_matches(lower(vendor_text), '^(none|no|n/?a|-+|internal|in[- ]house|first[- ]party|microsoft)$'))
      OR regexp_matches(lower(coalesce(i.kind, '')), 'third[- ]?party|vendor|external|partner|marketplace|supplier')
),
g AS (
  SELECT DISTINCT v.identity_key, v.name, v.criticality, v.vendor_text, coalesce(v.vendor_text, 'third party') AS vendor_name,
         trim(p.perm) AS perm, lower(trim(p.perm)) AS gl
    FROM v, unnest(v.permissions) AS p(perm)
   WHERE nullif(trim(p.perm), '') IS NOT NULL
),
n AS (
  SELECT g.*, regexp_extract(gl, '^[^\s(]+') AS act,
         trim(regexp_replace(regexp_replace(gl, '\s*\(.*$', ''), '\s+', ' ', 'g')) AS gn
    FROM g
),
k AS (
  SELECT n.*,
         CASE
           -- Admin: everything, identity administration, or an admin-equivalent role / scope.
           WHEN act IN ('*', '*:*') OR regexp_matches(act, '^(iam|sts|organizations|sso|identitystore):\*$')
             OR regexp_matches(regexp_extract(gn, '[^/]+$'), '^(administratoraccess|poweruseraccess|iamfullaccess|organizationsfullaccess)$')
             OR regexp_matches(gn, '^(roles/owner|roles/editor|owner|contributor|admin|administrator|super_admin|super admin|super administrator|org_admin|org admin|organi[sz]ation administrator|global administrator|user access administrator|privileged role administrator|application administrator|cloud application administrator|cluster-admin|system:masters|admin:org|admin:enterprise|repo|delete_repo|okta\.roles\.manage|directory\.readwrite\.all|rolemanagement\.readwrite\.directory|approleassignment\.readwrite\.all|application\.readwrite\.all|full_access_as_app|sites\.fullcontrol\.all)$')
             OR regexp_matches(gn, '(^|[._])organization[._]administration:write$')
             THEN 'admin'
           -- Read-write before read; read-only: explicit read / view markers and read verbs of service:Action grants
           -- (ce:GetCostAndUsage, ec2:Describe*); "Read-only Administrator" is read-only.
           WHEN regexp_matches(gl, 'read[ _-]?write|readwrite|read ?(and|&|/) ?write|(^|[^a-z])rw([^a-z]|$)')
             THEN 'write'
           WHEN regexp_matches(gl, 'read[ _-]?only|readonly|(^|[^a-z])(reader|viewer|view|read)([^a-z]|$)|\.read(\.|$)|:read$|^read:')
             OR regexp_matches(act, '^[a-z0-9-]+:(get|list|describe|head|view|read|search|lookup|query|scan|batchget|check|simulate|estimate|validate)[a-z0-9]*\*?$')
             THEN 'read'
           -- Write: a write / manage word, a classic GitHub write scope, or any other service:Action (a mutation).
           WHEN regexp_matches(gl, 'write|manage|(^|[^a-z])(admin|delete|create|update|modify|edit|full|owner|contributor|push|publish|send|post|deploy|execute|impersonat\w*|upload|invite|provision|transfer|grant|assign)')
             OR regexp_matches(gn, '^(public_repo|workflow|gist|write:[a-z_]+)$')
             OR regexp_matches(act, '^[a-z0-9-]+:[a-z0-9*]+$')
             THEN 'write'
         END AS level
    FROM n
),
c AS (
  SELECT identity_key,
         count(*) FILTER (WHERE level = 'read') AS n_read,
         count(*) FILTER (WHERE level IN ('write', 'admin')) AS n_broad
    FROM k GROUP BY identity_key
)
SELECT k.identity_key AS entity_key,
       k.perm AS subject,
       NULL::TIMESTAMP AS first_seen, NULL::TIMESTAMP AS last_seen,
       0 AS evidence_count, 0 AS evidence_outside_change, NULL AS change_id,
       format('{} ({}) holds the {} scope "{}"', k.name, CASE WHEN k.vendor_text IS NULL THEN 'third party' ELSE 'vendor ' || k.vendor_text END, k.level, k.perm) AS observed,
       '' AS baseline, '' AS declared,
       'third parties get read-only scopes; write or admin access needs an owner-approved exception' AS threshold,
       least(1.0, 0.75 * CASE k.level WHEN 'admin' THEN 1.0 ELSE 0.6 END
                + 0.25 * CASE lower(trim(coalesce(k.criticality, ''))) WHEN 'critical' THEN 1.0 WHEN 'high' THEN 0.66 WHEN 'medium' THEN 0.33 ELSE 0.0 END) AS intensity,
       MAP {'vendor': k.vendor_name, 'scope': k.perm, 'level': k.level,
            'read_scopes': CAST(c.n_read AS VARCHAR), 'write_or_admin_scopes': CAST(c.n_broad AS VARCHAR)} AS details
  FROM k JOIN c USING (identity_key)
 WHERE k.level IN ('write', 'admin')
