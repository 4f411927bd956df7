-- posture.static_ci_credential: a CI/CD identity (name, kind, team or secret location says CI, pipeline, GitHub Actions,
-- Jenkins, GitLab, CircleCI, deploy, build, release…) authenticating with a long-lived static key, password or token instead
-- of federation (OIDC). Federated roles and GitHub Apps (short-lived installation tokens, key pair) never fire.
WITH c AS (SELECT as_of FROM dl_context),
i AS (
  SELECT i.*,
         lower(trim(coalesce(i.credential_type, ''))) AS ct,
         EXISTS (SELECT 1 FROM identity_aliases a WHERE a.identity_key = i.identity_key AND a.alias_type = 'access_key_id'
                    AND upper(a.alias) LIKE 'AKIA%') AS has_access_key
    FROM identities i
   WHERE lower(coalesce(i.kind, '')) NOT IN ('root account', 'iam user (console)')
     AND NOT regexp_matches(coalesce(i.extra, ''), '(?i)"nhi"\s*:\s*"no"')
     AND NOT regexp_matches(i.identity_key, ':root$')
),
h AS (
  SELECT i.*,
         CASE WHEN regexp_matches(lower(i.name), p.re) THEN 'name'
              WHEN regexp_matches(lower(coalesce(i.kind, '')), p.re) THEN 'kind'
              WHEN regexp_matches(lower(coalesce(i.secret_location, '')), p.re) THEN 'secret location'
              WHEN regexp_matches(lower(coalesce(i.team, '')), p.re) THEN 'team' END AS hint_field,
         -- Static: a key, password or token. Federated / temporary credentials and certificates (GitHub App keys, which only
         -- mint hour-long tokens) are not. With no credential type, a long-term AKIA key or the kind (PAT, deploy key) says.
         CASE WHEN regexp_matches(i.ct, 'federat|oidc|temporary|(^|[^a-z])sts([^a-z]|$)|assume|workload identity|managed identity|instance profile|irsa|keyless|short[- ]lived|installation token|no (stored )?secret|^none|cert|x\.?509') THEN false
              WHEN regexp_matches(i.ct, 'static|key|secret|password|passphrase|token|(^|[^a-z])pat([^a-z]|$)|api|ssh|credential') THEN true
              WHEN i.ct = '' THEN i.has_access_key OR regexp_matches(lower(coalesce(i.kind, '')),
                     '(^|[^a-z])pat([^a-z]|$)|personal access token|api (key|token)|access key|deploy key|ssh key|client secret|static')
              ELSE false END AS is_static
    FROM i,
         (SELECT '(^|[^a-z0-9])(ci|cd|cicd|ci/cd|ci-cd)([^a-z0-9]|$)|pipeline|github[ -]?actions|gh[ -]actions|actions secret|jenkins|gitlab|circle ?ci|travis|buildkite|teamcity|bamboo|azure devops|azure pipelines|argo ?cd|spinnaker|tekton|(^|[^a-z])drone([^a-z]|$)|codebuild|codepipeline|octopus|(^|[^a-z])(deploy|deployer|deployers|deployment|deploys|build|builder|builds|release|releaser|releases)([^a-z]|$)' AS re) p
),
s AS (
  SELECT h.*,
         CASE h.hint_field WHEN 'name' THEN h.name WHEN 'kind' THEN h.kind WHEN 'secret location' THEN h.secret_location ELSE h.team END AS hint_value,
         CASE WHEN h.ct <> '' THEN trim(h.credential_type) WHEN h.has_access_key THEN 'static access key' ELSE lower(trim(h.kind)) END AS cred_text,
         CAST(date_diff('day', coalesce(h.last_rotated_at, h.created_at), (SELECT as_of FROM c)) AS BIGINT) AS key_age_days
    FROM h
   WHERE h.hint_field IS NOT NULL AND h.is_static
)
SELECT s.identity_key AS entity_key,
       '' AS subject,
       NULL::TIMESTAMP AS first_seen, NULL::TIMESTAMP AS last_seen,
       0 AS evidence_count, 0 AS evidence_outside_change, NULL AS change_id,
       format('CI/CD identity {} (recognised by its {}) authenticates with a long-lived {}{}', s.name,
              CASE WHEN s.hint_field = 'name' THEN 'name' ELSE format('{} "{}"', s.hint_field, trim(s.hint_value)) END, s.cred_text,
              CASE WHEN s.key_age_days IS NULL OR s.key_age_days < 0 THEN ''
                   WHEN s.last_rotated_at IS NOT NULL THEN format(', last rotated {} days before as-of', s.key_age_days)
                   ELSE format(', created {} days before as-of and never rotated', s.key_age_days) END) AS observed,
       '' AS baseline, '' AS declared,
       'CI/CD authenticates by federation (OIDC / workload identity) with short-lived credentials, not a stored key' AS threshold,
       least(1.0, 0.75 * CASE WHEN regexp_matches(s.ct, 'token|(^|[^a-z])pat([^a-z]|$)') THEN 0.7 ELSE 0.9 END
                + 0.25 * CASE lower(trim(coalesce(s.criticality, ''))) WHEN 'critical' THEN 1.0 WHEN 'high' THEN 0.66 WHEN 'medium' THEN 0.33 ELSE 0.0 END) AS intensity,
       MAP {'credential_type': coalesce(s.credential_type, ''), 'ci_hint_field': s.hint_field, 'ci_hint': trim(s.hint_value),
            'key_age_days': coalesce(CAST(s.key_age_days AS VARCHAR), '')} AS details
  FROM s
