-- Identity resolution: every distinct actor of the logs → one inventory identity, or a shadow actor.
-- Resolves distinct actor tuples (thousands), not events (millions), then writes the answer back onto events.
-- Order of evidence, strongest first; the first rule that matches decides, and more than one identity there is 'ambiguous':
--   1 credential  the credential id (access key, hashed token, token id, key id) is an alias
--   2 actor       the actor string (ARN, client id, SA name, e-mail, GitHub login…) is an alias
--   3 actor_alt   the actor's second name (session ARN, Okta alternateId, GitHub actor_id, Entra appId) is an alias
--   4 arn_name    an IAM/STS ARN whose resource name equals an AWS identity's name in the same account
--   5 sa_name     system:serviceaccount:<ns>:<name> whose name (or ns/name) equals a Kubernetes identity's name
--   6 name        the actor equals an identity's name on the same platform

CREATE OR REPLACE TABLE actor_resolution AS
WITH actors AS (
  SELECT DISTINCT platform, actor, actor_alt, credential_id, account FROM events
),
parsed AS (
  SELECT *,
    -- arn:aws:iam::123:user/path/NAME, :role/NAME, arn:aws:sts::123:assumed-role/NAME/session
    CASE
      WHEN actor LIKE 'arn:aws%:sts::%:assumed-role/%' THEN regexp_extract(actor, ':assumed-role/([^/]+)', 1)
      WHEN actor LIKE 'arn:aws%:iam::%' THEN regexp_extract(actor, ':(?:user|role)/(?:.*/)?([^/]+)$', 1)
    END AS arn_name,
    regexp_extract(actor, '^arn:aws[^:]*:(?:iam|sts)::(\d{12}):', 1) AS arn_account,
    CASE WHEN actor LIKE 'system:serviceaccount:%' THEN split_part(actor, ':', 3) END AS sa_namespace,
    CASE WHEN actor LIKE 'system:serviceaccount:%' THEN split_part(actor, ':', 4) END AS sa_name
  FROM actors
),
matches AS (
  SELECT p.*, 1 AS prio, 'credential' AS how, al.identity_key
    FROM parsed p JOIN identity_aliases al ON al.alias_norm = lower(p.credential_id) AND al.alias_type <> 'name'
  UNION ALL
  SELECT p.*, 2, 'actor', al.identity_key
    FROM parsed p JOIN identity_aliases al ON al.alias_norm = lower(p.actor) AND al.alias_type <> 'name'
  UNION ALL
  SELECT p.*, 3, 'actor_alt', al.identity_key
    FROM parsed p JOIN identity_aliases al ON al.alias_norm = lower(p.actor_alt) AND al.alias_type <> 'name'
  UNION ALL
  SELECT p.*, 4, 'arn_name', i.identity_key
    FROM parsed p JOIN identities i
      ON i.platform = 'aws' AND p.arn_name <> '' AND lower(i.name) = lower(p.arn_name)
     AND (i.account IS NULL OR p.arn_account = '' OR i.account = p.arn_account)
  UNION ALL
  SELECT p.*, 5, 'sa_name', i.identity_key
    FROM parsed p JOIN identities i
      ON i.platform = 'k8s' AND p.sa_name IS NOT NULL
     AND (lower(i.name) = lower(p.sa_name) OR lower(i.name) = lower(p.sa_namespace || '/' || p.sa_name))
  UNION ALL
  SELECT p.*, 6, 'name', i.identity_key
    FROM parsed p JOIN identities i ON i.platform = p.platform AND lower(i.name) = lower(p.actor)
),
best AS (
  SELECT platform, actor, actor_alt, credential_id, account, prio, how, identity_key,
         min(prio) OVER (PARTITION BY platform, actor, actor_alt, credential_id, account) AS best_prio
    FROM matches
),
decided AS (
  SELECT platform, actor, actor_alt, credential_id, account,
         any_value(how) AS how,
         list(DISTINCT identity_key ORDER BY identity_key) AS candidates
    FROM best WHERE prio = best_prio
   GROUP BY ALL
)
SELECT a.platform, a.actor, a.actor_alt, a.credential_id, a.account,
       CASE WHEN len(d.candidates) = 1 THEN d.candidates[1] END AS identity_key,
       CASE WHEN d.candidates IS NULL THEN 'shadow' WHEN len(d.candidates) > 1 THEN 'ambiguous' ELSE d.how END AS resolution,
       d.candidates
  FROM actors a
  LEFT JOIN decided d
    ON  a.platform IS NOT DISTINCT FROM d.platform AND a.actor IS NOT DISTINCT FROM d.actor
    AND a.actor_alt IS NOT DISTINCT FROM d.actor_alt AND a.credential_id IS NOT DISTINCT FROM d.credential_id
    AND a.account IS NOT DISTINCT FROM d.account;

-- Only events whose answer changes are written: an update holds old and new values until COMMIT (~170 B an event), and a
-- small file added to a large workspace would otherwise rewrite every event it already had.
UPDATE events SET identity_key = r.identity_key, resolution = r.resolution
  FROM actor_resolution r
 WHERE events.platform IS NOT DISTINCT FROM r.platform AND events.actor IS NOT DISTINCT FROM r.actor
   AND events.actor_alt IS NOT DISTINCT FROM r.actor_alt AND events.credential_id IS NOT DISTINCT FROM r.credential_id
   AND events.account IS NOT DISTINCT FROM r.account
   AND (events.identity_key IS DISTINCT FROM r.identity_key OR events.resolution IS DISTINCT FROM r.resolution);
