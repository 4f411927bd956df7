-- coverage.unused_permission: grants never exercised in the whole observed window (≥ min_observed_days of the platform's logs),
-- at action level for AWS IAM actions (CloudTrail names mapped to IAM names), at scope / permission level for Okta and GitHub;
-- a wildcard grant is used when any matching action is. One finding per identity listing its unused grants.
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
aws_class(class, grant_like) AS (
  -- IAM actions CloudTrail only logs as data events (judged only when the trail holds such events at all), or never logs.
  VALUES ('S3 object-level data events', 's3:getobject%'), ('S3 object-level data events', 's3:putobject%'),
         ('S3 object-level data events', 's3:deleteobject%'), ('S3 object-level data events', 's3:listbucket'),
         ('S3 object-level data events', 's3:listbucketversions'), ('S3 object-level data events', 's3:listmultipartuploadparts'),
         ('S3 object-level data events', 's3:abortmultipartupload'), ('S3 object-level data events', 's3:restoreobject'),
         ('DynamoDB item-level data events', 'dynamodb:getitem'), ('DynamoDB item-level data events', 'dynamodb:putitem'),
         ('DynamoDB item-level data events', 'dynamodb:updateitem'), ('DynamoDB item-level data events', 'dynamodb:deleteitem'),
         ('DynamoDB item-level data events', 'dynamodb:query'), ('DynamoDB item-level data events', 'dynamodb:scan'),
         ('DynamoDB item-level data events', 'dynamodb:batchgetitem'), ('DynamoDB item-level data events', 'dynamodb:batchwriteitem'),
         ('Lambda invoke data events', 'lambda:invokefunction'),
         ('SQS message data events', 'sqs:sendmessage'), ('SQS message data events', 'sqs:receivemessage'),
         ('SQS message data events', 'sqs:deletemessage'), ('SQS message data events', 'sqs:changemessagevisibility'),
         ('SNS publish data events', 'sns:publish'),
         ('Kinesis record data events', 'kinesis:putrecord'), ('Kinesis record data events', 'kinesis:putrecords'),
         ('Kinesis record data events', 'kinesis:getrecords'),
         ('never logged', 'iam:passrole'), ('never logged', 'logs:putlogevents'), ('never logged', 'xray:puttracesegments'),
         ('never logged', 'xray:puttelemetryrecords')
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
per AS MATERIALIZED (
  -- Every (entity, action) up to as-of, any outcome (an attempt exercises the grant), from the shared per-action counts.
  SELECT entity_key, identity_key, platform, action, sum(n) AS n, min(t0) AS first_event
    FROM dl_entity_actions WHERE period <> 'after' GROUP BY entity_key, identity_key, platform, action
),
logs AS (SELECT platform, min(first_event) AS logs_from FROM per GROUP BY platform),
anorm AS MATERIALIZED (
  SELECT p.*, lower(p.action) AS act,
         lower(coalesce(m.iam_action, CASE WHEN lower(p.action) LIKE 'monitoring:%' THEN 'cloudwatch:' || substr(p.action, 12) END, p.action)) AS iam
    FROM per p LEFT JOIN name_map m ON p.platform = 'aws' AND m.event_action = lower(p.action)
   WHERE p.action IS NOT NULL
),
observable AS (
  -- Data-event classes the loaded trail holds at all (by anyone): only then can a grant of that class be called unused.
  SELECT DISTINCT c.class FROM aws_class c JOIN (SELECT DISTINCT iam FROM anorm WHERE platform = 'aws') a ON a.iam LIKE c.grant_like
),
mine AS (SELECT * FROM anorm WHERE identity_key IS NOT NULL),
fam AS (
  SELECT a.identity_key, a.action, a.n, f.grant_name
    FROM mine a JOIN family_map f ON f.platform = a.platform AND a.act LIKE f.action_like
  QUALIFY length(f.action_like) = max(length(f.action_like)) OVER (PARTITION BY a.identity_key, a.action)
),
active AS (
  -- Observed = from the start of the platform's logs (or the identity's creation, if later) to as-of.
  SELECT i.identity_key, i.platform, sum(m.n) AS n_events, l.logs_from, c.as_of,
         date_diff('second', greatest(l.logs_from, coalesce(i.created_at, l.logs_from)), c.as_of) / 86400.0 AS observed_days,
         dl_param('coverage.unused_permission', 'min_observed_days', i.identity_key, {{min_observed_days}}) AS min_days
    FROM identities i
    JOIN mine m ON m.identity_key = i.identity_key
    JOIN logs l ON l.platform = i.platform
   CROSS JOIN dl_context c
   GROUP BY i.identity_key, i.platform, i.created_at, l.logs_from, c.as_of
),
classified AS (
  SELECT g.*, cl.class,
         CASE
           WHEN g.kind IS NULL THEN 'not a grant name the logs can be matched against'
           WHEN g.kind = 'aws' AND cl.class = 'never logged' THEN 'CloudTrail never logs this action'
           WHEN g.kind = 'aws' AND cl.class IS NOT NULL AND o.class IS NULL THEN format('the loaded trail holds no {}', lower(cl.class))
           WHEN g.kind = 'scope' AND (g.g LIKE '%:read' OR g.g LIKE 'read:%' OR g.g LIKE 'okta.%.read')
             THEN 'reads are not recorded in the audit log'
           WHEN g.kind = 'scope' AND g.g NOT IN (SELECT f.grant_name FROM family_map f WHERE f.platform = g.platform)
             THEN 'the audit log does not record what this scope allows'
         END AS not_assessed
    FROM grants g
    LEFT JOIN aws_class cl ON g.kind = 'aws' AND NOT regexp_matches(g.pattern, '[%_]') AND g.pattern LIKE cl.grant_like
    LEFT JOIN observable o ON o.class = cl.class
),
exercised AS (
  SELECT c.identity_key, c.grant_raw, sum(m.n) AS uses
    FROM classified c JOIN mine m ON m.identity_key = c.identity_key AND c.kind = 'aws' AND (m.iam LIKE c.pattern OR m.act LIKE c.pattern)
   GROUP BY c.identity_key, c.grant_raw
  UNION ALL
  SELECT c.identity_key, c.grant_raw, sum(f.n) AS uses
    FROM classified c JOIN fam f ON f.identity_key = c.identity_key AND (c.kind = 'all' OR (c.kind = 'scope' AND f.grant_name = c.g))
   GROUP BY c.identity_key, c.grant_raw
),
usage AS (
  SELECT c.identity_key, c.grant_raw, c.g, c.kind, c.not_assessed, coalesce(x.uses, 0) AS uses
    FROM classified c
    LEFT JOIN (SELECT identity_key, grant_raw, sum(uses) AS uses FROM exercised GROUP BY ALL) x USING (identity_key, grant_raw)
   WHERE c.identity_key IN (SELECT identity_key FROM active)
),
summary AS (
  SELECT u.identity_key,
         count(*) AS n_grants,
         count(*) FILTER (WHERE not_assessed IS NULL) AS n_judged,
         count(*) FILTER (WHERE not_assessed IS NULL AND uses = 0) AS n_unused,
         string_agg(grant_raw, ', ' ORDER BY grant_raw) FILTER (WHERE not_assessed IS NULL AND uses = 0) AS unused,
         string_agg(grant_raw, '; ' ORDER BY grant_raw) FILTER (WHERE not_assessed IS NULL AND uses = 0) AS unused_list,
         string_agg(grant_raw || ' (' || format('{:,}', uses) || ')', ', ' ORDER BY uses DESC, grant_raw) FILTER (WHERE not_assessed IS NULL AND uses > 0) AS used,
         string_agg(grant_raw || ': ' || not_assessed, '; ' ORDER BY grant_raw) FILTER (WHERE not_assessed IS NOT NULL) AS skipped,
         string_agg(grant_raw, '; ' ORDER BY grant_raw) AS all_grants,
         bool_or(not_assessed IS NULL AND uses = 0 AND (g = '*' OR g LIKE '%:*' OR g LIKE '%:write' OR g LIKE '%.manage' OR g LIKE 'admin%' OR kind = 'all')) AS broad_unused
    FROM usage u GROUP BY u.identity_key
)
SELECT s.identity_key AS entity_key,
       '' AS subject,
       NULL::TIMESTAMP AS first_seen, NULL::TIMESTAMP AS last_seen,
       0 AS evidence_count, 0 AS evidence_outside_change, NULL AS change_id,
       format('{} of {} judged grant{} never exercised in {} days of {} logs: {}{}',
              s.n_unused, s.n_judged, CASE WHEN s.n_judged = 1 THEN '' ELSE 's' END,
              CAST(round(a.observed_days) AS INTEGER), a.platform, s.unused,
              CASE WHEN s.used IS NOT NULL THEN format('; exercised: {}', s.used) ELSE '' END) AS observed,
       '' AS baseline,
       format('{} recorded grant{}: {}{}', s.n_grants, CASE WHEN s.n_grants = 1 THEN '' ELSE 's' END, s.all_grants,
              CASE WHEN s.skipped IS NOT NULL THEN format(' (not judged: {})', s.skipped) ELSE '' END) AS declared,
       format('a grant with no matching call in the whole observed window (at least {} days of logs); wildcards count as used when any matching action is',
              CAST(a.min_days AS INTEGER)) AS threshold,
       least(1.0, s.n_unused / greatest(s.n_judged, 1) + CASE WHEN s.broad_unused THEN 0.5 ELSE 0 END) AS intensity,
       MAP {'unused': s.unused_list, 'unused_count': CAST(s.n_unused AS VARCHAR), 'judged': CAST(s.n_judged AS VARCHAR),
            'grants': CAST(s.n_grants AS VARCHAR), 'exercised': coalesce(s.used, ''), 'not_judged': coalesce(s.skipped, ''),
            'observed_days': CAST(CAST(round(a.observed_days) AS INTEGER) AS VARCHAR), 'events': CAST(a.n_events AS VARCHAR)} AS details
  FROM summary s
  JOIN active a USING (identity_key)
 WHERE s.n_unused > 0 AND a.observed_days >= a.min_days
