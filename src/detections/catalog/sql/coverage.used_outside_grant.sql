-- coverage.used_outside_grant: a successful action of an identity that none of its recorded grants covers (case-insensitive;
-- wildcards such as s3:* or * cover; CloudTrail names are mapped to IAM names, e.g. s3:ListBuckets → s3:ListAllMyBuckets).
-- Only identities whose every grant we can read (AWS IAM actions, Okta scopes, GitHub permissions/scopes); one per action.
WITH name_map(event_action, iam_action) AS (
  -- CloudTrail eventName ≠ IAM action: the well-known S3 ones, Lambda Invoke, CloudWatch's 'monitoring' event source.
  VALUES ('s3:listbuckets', 's3:ListAllMyBuckets'),
         ('s3:putbucketlifecycle', 's3:PutLifecycleConfiguration'), ('s3:putbucketlifecycleconfiguration', 's3:PutLifecycleConfiguration'),
         ('s3:deletebucketlifecycle', 's3:PutLifecycleConfiguration'),
         ('s3:getbucketlifecycle', 's3:GetLifecycleConfiguration'), ('s3:getbucketlifecycleconfiguration', 's3:GetLifecycleConfiguration'),
         ('s3:listobjects', 's3:ListBucket'), ('s3:listobjectsv2', 's3:ListBucket'), ('s3:headbucket', 's3:ListBucket'),
         ('s3:listobjectversions', 's3:ListBucketVersions'),
         ('s3:headobject', 's3:GetObject'), ('s3:selectobjectcontent', 's3:GetObject'),
         ('s3:copyobject', 's3:PutObject'), ('s3:createmultipartupload', 's3:PutObject'), ('s3:uploadpart', 's3:PutObject'),
         ('s3:uploadpartcopy', 's3:PutObject'), ('s3:completemultipartupload', 's3:PutObject'),
         ('s3:deleteobjects', 's3:DeleteObject'),
         ('s3:getbucketencryption', 's3:GetEncryptionConfiguration'), ('s3:putbucketencryption', 's3:PutEncryptionConfiguration'),
         ('s3:deletebucketencryption', 's3:PutEncryptionConfiguration'),
         ('s3:getbucketreplication', 's3:GetReplicationConfiguration'), ('s3:putbucketreplication', 's3:PutReplicationConfiguration'),
         ('s3:deletebucketreplication', 's3:PutReplicationConfiguration'),
         ('s3:getpublicaccessblock', 's3:GetBucketPublicAccessBlock'), ('s3:putpublicaccessblock', 's3:PutBucketPublicAccessBlock'),
         ('s3:deletepublicaccessblock', 's3:PutBucketPublicAccessBlock'),
         ('s3:getobjectlockconfiguration', 's3:GetBucketObjectLockConfiguration'), ('s3:putobjectlockconfiguration', 's3:PutBucketObjectLockConfiguration'),
         ('s3:deletebucketcors', 's3:PutBucketCORS'), ('s3:deletebuckettagging', 's3:PutBucketTagging'),
         ('s3:deletebucketownershipcontrols', 's3:PutBucketOwnershipControls'),
         ('s3:getbucketaccelerateconfiguration', 's3:GetAccelerateConfiguration'), ('s3:putbucketaccelerateconfiguration', 's3:PutAccelerateConfiguration'),
         ('s3:getbucketinventoryconfiguration', 's3:GetInventoryConfiguration'), ('s3:putbucketinventoryconfiguration', 's3:PutInventoryConfiguration'),
         ('s3:getbucketanalyticsconfiguration', 's3:GetAnalyticsConfiguration'), ('s3:putbucketanalyticsconfiguration', 's3:PutAnalyticsConfiguration'),
         ('s3:getbucketmetricsconfiguration', 's3:GetMetricsConfiguration'), ('s3:putbucketmetricsconfiguration', 's3:PutMetricsConfiguration'),
         ('s3:getbucketintelligenttieringconfiguration', 's3:GetIntelligentTieringConfiguration'),
         ('s3:putbucketintelligenttieringconfiguration', 's3:PutIntelligentTieringConfiguration'),
         ('s3:getbucketnotificationconfiguration', 's3:GetBucketNotification'), ('s3:putbucketnotificationconfiguration', 's3:PutBucketNotification'),
         ('lambda:invoke', 'lambda:InvokeFunction')
),
no_grant(action_like) AS (
  -- Authentication, and calls AWS allows without any permission: no grant can be missing for them.
  VALUES ('signin:%'), ('sts:getcalleridentity'), ('sts:getsessiontoken'), ('sts:assumerolewithwebidentity'), ('sts:assumerolewithsaml')
),
family_map(platform, action_like, grant_name) AS (
  -- Okta System Log event types and GitHub audit-log actions → the scopes / permissions that allow them. The most specific
  -- pattern of an action decides; actions matching no pattern are not judged (their grant is not knowable from the log).
  VALUES ('okta', 'user.lifecycle.%', 'okta.users.manage'), ('okta', 'user.account.%', 'okta.users.manage'),
         ('okta', 'group.user_membership.%', 'okta.groups.manage'), ('okta', 'group.lifecycle.%', 'okta.groups.manage'),
         ('okta', 'group.profile.%', 'okta.groups.manage'), ('okta', 'application.%', 'okta.apps.manage'),
         ('okta', 'policy.lifecycle.%', 'okta.policies.manage'), ('okta', 'policy.rule.%', 'okta.policies.manage'),
         ('okta', 'zone.%', 'okta.networkzones.manage'), ('okta', 'system.idp.lifecycle.%', 'okta.idps.manage'),
         ('github', 'git.clone', 'contents:read'), ('github', 'git.clone', 'contents:write'), ('github', 'git.clone', 'repo'), ('github', 'git.clone', 'public_repo'),
         ('github', 'git.fetch', 'contents:read'), ('github', 'git.fetch', 'contents:write'), ('github', 'git.fetch', 'repo'), ('github', 'git.fetch', 'public_repo'),
         ('github', 'repo.download_zip', 'contents:read'), ('github', 'repo.download_zip', 'contents:write'), ('github', 'repo.download_zip', 'repo'),
         ('github', 'repo.download_zip', 'public_repo'),
         ('github', 'git.push', 'contents:write'), ('github', 'git.push', 'repo'), ('github', 'git.push', 'public_repo'),
         ('github', 'protected_branch.%', 'administration:write'), ('github', 'protected_branch.%', 'repo'),
         ('github', 'repo.%', 'administration:write'), ('github', 'repo.%', 'repo'),
         ('github', 'team.add_repository', 'administration:write'), ('github', 'team.add_repository', 'members:write'), ('github', 'team.add_repository', 'admin:org'),
         ('github', 'team.remove_repository', 'administration:write'), ('github', 'team.remove_repository', 'members:write'), ('github', 'team.remove_repository', 'admin:org'),
         ('github', 'team.%', 'members:write'), ('github', 'team.%', 'admin:org'), ('github', 'team.%', 'write:org'),
         ('github', 'org.add_member', 'members:write'), ('github', 'org.add_member', 'admin:org'),
         ('github', 'org.remove_member', 'members:write'), ('github', 'org.remove_member', 'admin:org'),
         ('github', 'org.invite_member', 'members:write'), ('github', 'org.invite_member', 'admin:org'),
         ('github', 'org.update_member', 'members:write'), ('github', 'org.update_member', 'admin:org'),
         ('github', 'org.%', 'organization_administration:write'), ('github', 'org.%', 'admin:org'),
         ('github', 'workflows.%', 'actions:write'), ('github', 'workflows.%', 'actions:read'), ('github', 'workflows.%', 'workflow'), ('github', 'workflows.%', 'repo')
),
raw_grants AS (
  SELECT identity_key, platform, grant_raw, lower(trim(regexp_replace(grant_raw, '\s*\(.*\)\s*$', ''))) AS g
    FROM (SELECT i.identity_key, i.platform, unnest(i.permissions) AS grant_raw
            FROM identities i
           WHERE lower(coalesce(i.kind, '')) NOT IN ('root account', 'iam user (console)')
             AND NOT regexp_matches(coalesce(i.extra, ''), '"nhi"\s*:\s*"no"'))
   WHERE nullif(trim(grant_raw), '') IS NOT NULL
),
grants AS (
  SELECT *,
         CASE
           WHEN platform = 'aws' AND (g = '*' OR regexp_full_match(g, '[a-z0-9-]+:[a-z0-9*?]+')) THEN replace(replace(g, '*', '%'), '?', '_')
           WHEN platform = 'aws' AND g IN ('administratoraccess', 'arn:aws:iam::aws:policy/administratoraccess') THEN '%'
         END AS pattern,
         CASE
           WHEN platform = 'aws' AND (g = '*' OR regexp_full_match(g, '[a-z0-9-]+:[a-z0-9*?]+') OR g IN ('administratoraccess', 'arn:aws:iam::aws:policy/administratoraccess')) THEN 'aws'
           WHEN platform = 'okta' AND g IN ('super administrator', 'super admin', 'super_admin') THEN 'all'
           WHEN platform = 'okta' AND regexp_full_match(g, 'okta\.[a-z]+\.(read|manage)') THEN 'scope'
           WHEN platform = 'github' AND (regexp_full_match(g, '[a-z_]+:(read|write|admin)')
                OR g IN ('repo', 'public_repo', 'workflow', 'admin:org', 'write:org', 'read:org', 'delete_repo', 'admin:repo_hook',
                         'admin:org_hook', 'read:user', 'user', 'gist', 'notifications', 'write:packages', 'read:packages', 'delete:packages',
                         'admin:public_key', 'admin:gpg_key', 'security_events', 'project', 'codespace', 'audit_log', 'read:audit_log')) THEN 'scope'
         END AS kind
    FROM raw_grants
),
judged AS (
  -- Identities with grants recorded, every one of them readable.
  SELECT identity_key, any_value(platform) AS platform, count(*) AS n_grants,
         string_agg(grant_raw, '; ' ORDER BY grant_raw) AS grants_text
    FROM grants GROUP BY identity_key
  HAVING count(*) FILTER (WHERE kind IS NULL) = 0 AND any_value(platform) IN ('aws', 'okta', 'github')
),
acts AS (
  -- Successful actions of the judged identities, from the shared per-action counts.
  SELECT entity_key AS identity_key, platform, action, sum(n) AS n, min(t0) AS first_seen, max(t1) AS last_seen,
         sum(n_out) AS outside, min(change_id) AS change_id, sum(n_write) AS writes,
         coalesce(sum(n) FILTER (WHERE period = 'detection'), 0) AS n_det
    FROM dl_entity_actions
   WHERE identity_key IN (SELECT identity_key FROM judged) AND period <> 'after' AND action IS NOT NULL AND NOT failed
   GROUP BY entity_key, platform, action
),
anorm AS MATERIALIZED (
  SELECT a.*, lower(a.action) AS act,
         lower(coalesce(m.iam_action, CASE WHEN lower(a.action) LIKE 'monitoring:%' THEN 'cloudwatch:' || substr(a.action, 12) END, a.action)) AS iam,
         coalesce(m.iam_action, CASE WHEN lower(a.action) LIKE 'monitoring:%' THEN 'cloudwatch:' || substr(a.action, 12) END, a.action) AS iam_name,
         (m.iam_action IS NOT NULL OR lower(a.action) LIKE 'monitoring:%') AS renamed
    FROM acts a LEFT JOIN name_map m ON a.platform = 'aws' AND m.event_action = lower(a.action)
),
aws_cov AS (
  SELECT a.identity_key, a.action, bool_or(a.iam LIKE g.pattern OR a.act LIKE g.pattern) AS covered
    FROM anorm a JOIN grants g ON g.identity_key = a.identity_key AND g.pattern IS NOT NULL
   WHERE a.platform = 'aws'
   GROUP BY a.identity_key, a.action
),
fam AS (
  SELECT a.identity_key, a.action, f.grant_name
    FROM anorm a JOIN family_map f ON f.platform = a.platform AND a.act LIKE f.action_like
  QUALIFY length(f.action_like) = max(length(f.action_like)) OVER (PARTITION BY a.identity_key, a.action)
),
fam_cov AS (
  SELECT f.identity_key, f.action, bool_or(g.kind = 'all' OR g.g = f.grant_name) AS covered,
         list_sort(list(DISTINCT f.grant_name)) AS needs
    FROM fam f JOIN grants g ON g.identity_key = f.identity_key
   GROUP BY f.identity_key, f.action
),
outside_grant AS MATERIALIZED (
  SELECT a.*, j.grants_text, j.n_grants, fc.needs
    FROM anorm a
    JOIN judged j USING (identity_key)
    LEFT JOIN aws_cov ac ON ac.identity_key = a.identity_key AND ac.action = a.action
    LEFT JOIN fam_cov fc ON fc.identity_key = a.identity_key AND fc.action = a.action
   WHERE CASE WHEN a.platform = 'aws'
              THEN NOT EXISTS (SELECT 1 FROM no_grant ng WHERE a.act LIKE ng.action_like) AND NOT coalesce(ac.covered, false)
              ELSE fc.covered IS NOT NULL AND NOT fc.covered END
),
-- Addresses and resources, listed only for the actions reported (a second, filtered pass: lists for every action cost more).
listed AS (
  SELECT o.*, l.ips, l.resources
    FROM outside_grant o
    LEFT JOIN (SELECT e.entity_key, e.platform, e.action,
                      list_sort(list(DISTINCT e.source_ip) FILTER (WHERE e.source_ip IS NOT NULL)) AS ips,
                      list_sort(list(DISTINCT e.resource) FILTER (WHERE e.resource IS NOT NULL)) AS resources
                 FROM ev e SEMI JOIN outside_grant g ON g.identity_key = e.entity_key AND g.platform = e.platform AND g.action = e.action
                WHERE e.period <> 'after' AND e.outcome IS DISTINCT FROM 'failure'
                GROUP BY e.entity_key, e.platform, e.action) l
      ON l.entity_key = o.identity_key AND l.platform = o.platform AND l.action = o.action
)
SELECT identity_key AS entity_key,
       action AS subject,
       first_seen, last_seen,
       n AS evidence_count, outside AS evidence_outside_change, change_id,
       format('{} successful call{} of {}{} {}{}',
              format('{:,}', n), CASE WHEN n = 1 THEN '' ELSE 's' END, action,
              CASE WHEN renamed THEN format(' (IAM action {})', iam_name) ELSE '' END,
              CASE WHEN n = 1 THEN 'at ' || strftime(first_seen, '%Y-%m-%d %H:%M UTC')
                   ELSE format('between {} and {}', strftime(first_seen, '%Y-%m-%d %H:%M UTC'), strftime(last_seen, '%Y-%m-%d %H:%M UTC')) END,
              CASE WHEN len(resources) > 0 THEN ' on ' || array_to_string(resources[1:3], ', ') || CASE WHEN len(resources) > 3 THEN format(' and {} more', len(resources) - 3) ELSE '' END ELSE '' END)
         AS observed,
       '' AS baseline,
       format('{} recorded grant{}: {}', n_grants, CASE WHEN n_grants = 1 THEN '' ELSE 's' END, grants_text) AS declared,
       CASE WHEN needs IS NOT NULL THEN format('every successful action covered by a recorded grant (this one needs one of: {})', array_to_string(needs, ', '))
            ELSE 'every successful action covered by a recorded grant (wildcards such as s3:* or * cover)' END AS threshold,
       CASE WHEN regexp_matches(iam, '^(iam|sts|kms|secretsmanager|organizations|ssm|account):|^(okta\.|user\.lifecycle|group\.user_membership)|^(org|team|protected_branch)\.') THEN 1.0
            WHEN writes > 0 THEN 0.6 ELSE 0.3 END AS intensity,
       MAP {'count': CAST(n AS VARCHAR), 'detection_count': CAST(n_det AS VARCHAR), 'iam_action': iam_name,
            'grants': grants_text, 'source_ips': coalesce(array_to_string(ips, '; '), ''), 'resources': coalesce(array_to_string(resources, '; '), '')} AS details
  FROM listed
