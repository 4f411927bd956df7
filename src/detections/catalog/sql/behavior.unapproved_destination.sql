-- behavior.unapproved_destination: a write or copy (PutObject, CopyObject, ReplicateObject, snapshot / image sharing, git push…)
-- in the detection window to a destination outside the identity's approved destinations, or any write into another account or
-- tenant than the identity's own. Declared purpose, not a baseline: one finding per (entity, destination).
WITH
-- Detection-window events on a named resource, grouped by everything the rule looks at; the action test runs per group.
grp AS (
  SELECT entity_key, resource, resource_account, account, action, coalesce(is_write, false) AS is_write, count(*) AS n,
         count(*) FILTER (WHERE change_id IS NULL) AS n_out, min(change_id) AS change_id, min(event_time) AS t0, max(event_time) AS t1
    FROM ev_detection WHERE resource IS NOT NULL
   GROUP BY entity_key, resource, resource_account, account, action, coalesce(is_write, false)
),
writes AS (
  SELECT g.*, coalesce(g.action, '(no action)') AS action_name,
         regexp_matches(coalesce(g.action, ''), '(?i)^[a-z0-9-]+:(PutObject|CopyObject|UploadPart|UploadPartCopy|CompleteMultipartUpload|CreateMultipartUpload|ReplicateObject|RestoreObject|PutItem|BatchWriteItem|TransactWriteItems|PutRecords?|PutRecordBatch|SendMessage|SendMessageBatch|Publish|PublishBatch|PutEvents|CreateSnapshots?|CopySnapshot|ModifySnapshotAttribute|CreateDBSnapshot|CreateDBClusterSnapshot|CopyDBSnapshot|CopyDBClusterSnapshot|ModifyDBSnapshotAttribute|ModifyDBClusterSnapshotAttribute|ShareImage|CopyImage|ModifyImageAttribute|ExportImage|CreateStoreImageTask|ExportTableToPointInTime|StartExportTask|ExportSnapshot|PutSecretValue|ReplicateSecretToRegions)$|^git\.push$|^repo\.transfer$') AS data_write,
         coalesce(i.account, g.account) AS own_account,
         g.resource_account IS NOT NULL AND coalesce(i.account, g.account) IS NOT NULL
           AND lower(g.resource_account) <> lower(coalesce(i.account, g.account)) AS foreign_account
    FROM grp g LEFT JOIN identities i ON i.identity_key = g.entity_key
   -- "n > 0" keeps the optimizer from pushing the string test down onto every event of ev.
   WHERE CASE WHEN g.n > 0 THEN trim(g.resource) <> '' END
),
-- The events that count: data writes anywhere, and any write whose resource lives in another account than the identity's.
counted AS MATERIALIZED (SELECT * FROM writes WHERE data_write OR (is_write AND foreign_account)),
dest AS (
  SELECT entity_key, resource, any_value(resource_account) AS resource_account, any_value(own_account) AS own_account,
         bool_or(foreign_account) AS foreign_account, bool_or(data_write) AS any_data_write,
         sum(n) AS n, sum(n_out) AS n_out, min(change_id) AS change_id, min(t0) AS t0, max(t1) AS t1
    FROM counted GROUP BY entity_key, resource
),
dest_actions AS (
  SELECT entity_key, resource, string_agg(format('{:,} {}', n, action), ', ' ORDER BY n DESC, action) AS actions
    FROM (SELECT entity_key, resource, action_name AS action, sum(n) AS n FROM counted GROUP BY entity_key, resource, action_name)
   GROUP BY entity_key, resource
),
-- Approved destinations as written: an ARN, a '*' pattern, a bucket name or s3:// URL; objects under an approved bucket count.
approved AS (
  SELECT identity_key, dest
    FROM (SELECT identity_key, regexp_replace(lower(trim(unnest(approved_destinations))), '^s3://', 'arn:aws:s3:::') AS dest FROM identities)
   WHERE dest <> ''
),
declared AS (
  SELECT identity_key, count(*) AS n_approved, string_agg(dest, ', ' ORDER BY dest) AS list FROM approved GROUP BY identity_key
),
judged AS (
  SELECT d.*, coalesce(dc.n_approved, 0) AS n_approved, dc.list,
         EXISTS (SELECT 1 FROM approved a WHERE a.identity_key = d.entity_key
                   AND (lower(d.resource) = a.dest OR lower(d.resource) LIKE replace(a.dest, '*', '%') OR starts_with(lower(d.resource), a.dest || '/')
                        OR (a.dest NOT LIKE '%:%' AND a.dest NOT LIKE '%/%'
                            AND (lower(d.resource) LIKE '%:' || a.dest OR lower(d.resource) LIKE '%:' || a.dest || '/%')))) AS is_approved
    FROM dest d LEFT JOIN declared dc ON dc.identity_key = d.entity_key
),
kept AS (
  SELECT *, n_approved > 0 AND NOT is_approved AND any_data_write AS unapproved
    FROM judged
   WHERE foreign_account OR (n_approved > 0 AND NOT is_approved AND any_data_write)
),
history AS (
  SELECT e.entity_key, e.resource, count(*) AS n
    FROM ev e JOIN kept k ON k.entity_key = e.entity_key AND k.resource = e.resource
   WHERE e.period = 'baseline' GROUP BY e.entity_key, e.resource
)
SELECT k.entity_key, k.resource AS subject, k.t0 AS first_seen, k.t1 AS last_seen, k.n AS evidence_count, k.n_out AS evidence_outside_change,
       k.change_id,
       format('{} to {}{}', a.actions, k.resource,
              CASE WHEN k.foreign_account THEN format(' (account {}, not the identity''s own {})', k.resource_account, k.own_account)
                   WHEN k.resource_account IS NOT NULL THEN format(' (account {})', k.resource_account) ELSE '' END) AS observed,
       CASE WHEN h.n IS NULL THEN 'never used in the baseline' ELSE format('{:,} baseline event{} on it', h.n, CASE WHEN h.n = 1 THEN '' ELSE 's' END) END AS baseline,
       concat_ws('; ',
         CASE WHEN k.n_approved > 0 THEN 'approved destinations: ' || k.list ELSE 'no approved destinations declared' END,
         CASE WHEN k.own_account IS NOT NULL THEN 'own account ' || k.own_account END) AS declared,
       CASE WHEN k.n_approved > 0 THEN 'writes and copies only to approved destinations, and only into the identity''s own account'
            ELSE 'writes only into the identity''s own account (no approved destinations declared)' END AS threshold,
       CAST(CASE WHEN k.foreign_account THEN 1.0 ELSE 0.6 END AS DOUBLE) AS intensity,
       MAP {'count': CAST(k.n AS VARCHAR), 'reason': CASE WHEN k.foreign_account AND k.unapproved THEN 'other account, not approved'
                                                          WHEN k.foreign_account THEN 'other account' ELSE 'not approved' END,
            'resource_account': coalesce(k.resource_account, ''), 'own_account': coalesce(k.own_account, ''),
            'approved_destinations': coalesce(k.list, ''), 'actions': a.actions,
            'baseline_events_on_destination': CAST(coalesce(h.n, 0) AS VARCHAR)} AS details
  FROM kept k
  JOIN dest_actions a ON a.entity_key = k.entity_key AND a.resource = k.resource
  LEFT JOIN history h ON h.entity_key = k.entity_key AND h.resource = k.resource
