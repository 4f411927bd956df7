-- posture.wildcard_permission: one finding per grant with `*` in its action (`*`, `*:*`, `iam:*`, `s3:*`, `ec2:Describe*`) or an
-- admin-equivalent role or scope (AdministratorAccess, Owner / Contributor, roles/owner, admin:org, repo, SUPER_ADMIN,
-- cluster-admin, Directory.ReadWrite.All…). "Read-only Administrator" and resource ARNs ending in `/*` are not wildcard actions.
WITH i AS (
  SELECT i.*, coalesce(nullif(trim(i.kind), ''), 'identity') AS kind_text
    FROM identities i
   WHERE lower(coalesce(i.kind, '')) NOT IN ('root account', 'iam user (console)')
     AND NOT regexp_matches(coalesce(i.extra, ''), '(?i)"nhi"\s*:\s*"no"')
     AND NOT regexp_matches(i.identity_key, ':root$')
),
g AS (
  SELECT DISTINCT i.identity_key, i.name, i.criticality, len(i.permissions) AS n_grants,
         trim(p.perm) AS perm, lower(trim(p.perm)) AS gl
    FROM i, unnest(i.permissions) AS p(perm)
   WHERE nullif(trim(p.perm), '') IS NOT NULL
),
n AS (
  SELECT g.*,
         -- The action or scope token (a grant may go on with a resource or a note), and the role name without its note.
         regexp_extract(gl, '^[^\s(]+') AS act,
         trim(regexp_replace(regexp_replace(gl, '\s*\(.*$', ''), '\s+', ' ', 'g')) AS gn
    FROM g
),
k AS (
  SELECT n.*, regexp_extract(gn, '[^/]+$') AS leaf,
         CASE
           WHEN act IN ('*', '*:*') OR gn IN ('*', '*:*') THEN 'full'
           WHEN act LIKE 'arn:%' OR act NOT LIKE '%*%' THEN NULL
           WHEN regexp_matches(act, '^(iam|sts|organizations|sso|identitystore):\*$') THEN 'identity'
           WHEN regexp_matches(act, '^[a-z0-9_-]+([:.][a-z0-9_-]+)*[:.]\*$') THEN 'service'
           WHEN regexp_matches(act, '[:.](get|list|describe|head|view|read|search|lookup|query|scan|batchget)[a-z0-9_]*\*$|/read$') THEN 'read_partial'
           WHEN regexp_matches(act, '^(iam|sts|organizations|sso|identitystore):') THEN 'identity_partial'
           ELSE 'partial'
         END AS wild
    FROM n
),
c AS (
  SELECT k.*,
         coalesce(wild,
           CASE
             WHEN regexp_matches(leaf, '^(administratoraccess|poweruseraccess|iamfullaccess|organizationsfullaccess)$')
               OR regexp_matches(gn, '^roles/(owner|editor|resourcemanager\.(organizationadmin|projectiamadmin|folderadmin)|iam\.(securityadmin|serviceaccounttokencreator|serviceaccountkeyadmin|organizationroleadmin|roleadmin))$')
               OR regexp_matches(gn, '^(owner|contributor|user access administrator|role based access control administrator|global administrator|company administrator|privileged role administrator|privileged authentication administrator|application administrator|cloud application administrator|hybrid identity administrator|super administrator|super admin|super_admin|organi[sz]ation administrator|org admin|org_admin|admin|administrator|administrators|root|superuser|super user|full access|full_access|fullaccess|cluster-admin|system:masters|site_admin|site admin|enterprise owner|organi[sz]ation owner|org owner|workspace owner|workspace admin|primary owner)$')
               OR regexp_matches(gn, '^(admin:org|admin:enterprise|repo|delete_repo|(organization[._])?organization_administration:write|organization[._]administration:write|okta\.roles\.manage)$')
               OR regexp_matches(gn, '^(directory\.readwrite\.all|rolemanagement\.readwrite\.directory|approleassignment\.readwrite\.all|application\.readwrite\.all|full_access_as_app|sites\.fullcontrol\.all)$')
               THEN 'admin'
             WHEN regexp_matches(leaf, '^[a-z0-9]+fullaccess$') OR regexp_matches(gn, '^roles/[a-z0-9]+\.admin$') THEN 'service_admin'
           END) AS class
    FROM k
),
w AS (
  SELECT c.*,
         CASE class
           WHEN 'full' THEN 'every action on every service and resource'
           WHEN 'identity' THEN format('every {} action, which controls identities and policies, so it can grant itself anything (admin-equivalent)', split_part(act, ':', 1))
           WHEN 'service' THEN format('every {} action', regexp_extract(act, '^(.*)[:.]\*$', 1))
           WHEN 'read_partial' THEN 'a wildcard over read-only actions'
           WHEN 'identity_partial' THEN format('a wildcard over {} actions, which can escalate privilege', split_part(act, ':', 1))
           WHEN 'partial' THEN 'a wildcard over several actions'
           WHEN 'service_admin' THEN 'full control of one service'
           ELSE CASE
             WHEN leaf = 'administratoraccess' THEN 'AWS AdministratorAccess, every action on every resource (admin-equivalent)'
             WHEN leaf = 'poweruseraccess' THEN 'AWS PowerUserAccess, every action outside IAM and Organizations'
             WHEN leaf IN ('iamfullaccess', 'organizationsfullaccess') THEN 'full control of IAM, so it can grant itself anything (admin-equivalent)'
             WHEN gn IN ('admin:org', 'admin:enterprise') OR gn LIKE '%organization_administration:write' OR gn LIKE '%organization.administration:write'
               THEN 'full control of the GitHub organisation, its members, teams and settings (admin-equivalent)'
             WHEN gn = 'repo' THEN 'full control of every repository the token can reach (classic PAT scope, admin-equivalent)'
             WHEN gn = 'delete_repo' THEN 'can delete any repository the token can reach'
             WHEN gn = 'okta.roles.manage' THEN 'can assign Okta administrator roles, including to itself (admin-equivalent)'
             WHEN gn IN ('super_admin', 'super admin', 'super administrator') THEN 'Okta super administrator (admin-equivalent)'
             WHEN gn IN ('cluster-admin', 'system:masters') THEN 'full control of the Kubernetes cluster (admin-equivalent)'
             WHEN gn LIKE '%.%.%' AND gn NOT LIKE 'roles/%' THEN 'a tenant-wide Microsoft Graph permission that can grant itself more access (admin-equivalent)'
             WHEN gn LIKE 'roles/%' THEN 'a GCP owner, editor or IAM-admin role (admin-equivalent)'
             ELSE 'an administrator or owner role over its whole scope (admin-equivalent)' END
         END AS why,
         CASE class WHEN 'full' THEN 1.0 WHEN 'identity' THEN 1.0 WHEN 'admin' THEN 0.9 WHEN 'identity_partial' THEN 0.8
                    WHEN 'service' THEN 0.6 WHEN 'service_admin' THEN 0.6 WHEN 'partial' THEN 0.4 ELSE 0.2 END AS badness
    FROM c
   WHERE class IS NOT NULL
)
SELECT w.identity_key AS entity_key,
       w.perm AS subject,
       NULL::TIMESTAMP AS first_seen, NULL::TIMESTAMP AS last_seen,
       0 AS evidence_count, 0 AS evidence_outside_change, NULL AS change_id,
       format('{} holds "{}": {}', w.name, w.perm, w.why) AS observed,
       '' AS baseline, '' AS declared,
       'no wildcard actions or admin-equivalent roles: grant the specific actions the job needs (least privilege)' AS threshold,
       least(1.0, 0.75 * w.badness
                + 0.25 * CASE lower(trim(coalesce(w.criticality, ''))) WHEN 'critical' THEN 1.0 WHEN 'high' THEN 0.66 WHEN 'medium' THEN 0.33 ELSE 0.0 END) AS intensity,
       MAP {'grant': w.perm,
            'class': CASE w.class WHEN 'full' THEN 'full wildcard' WHEN 'identity' THEN 'identity-service wildcard'
                                  WHEN 'service' THEN 'service wildcard' WHEN 'read_partial' THEN 'read-only wildcard'
                                  WHEN 'identity_partial' THEN 'identity-service partial wildcard' WHEN 'partial' THEN 'partial wildcard'
                                  WHEN 'service_admin' THEN 'service admin role' ELSE 'admin-equivalent role or scope' END,
            'grants_total': CAST(w.n_grants AS VARCHAR)} AS details
  FROM w
