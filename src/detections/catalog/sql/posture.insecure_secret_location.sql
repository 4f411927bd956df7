-- posture.insecure_secret_location: the secret is kept in plaintext, a .env / config file, code or a repository, chat, a wiki,
-- e-mail, a spreadsheet, a ticket or a shared drive rather than a vault, KMS, secrets manager or federation. When the location
-- names a vault, only its own words count, not its path: "Vault (kv/prod/env)" is not an env file.
WITH i AS (
  SELECT i.*, trim(i.secret_location) AS loc_text, lower(trim(i.secret_location)) AS loc
    FROM identities i
   WHERE nullif(trim(coalesce(i.secret_location, '')), '') IS NOT NULL
     AND lower(coalesce(i.kind, '')) NOT IN ('root account', 'iam user (console)')
     AND NOT regexp_matches(coalesce(i.extra, ''), '(?i)"nhi"\s*:\s*"no"')
     AND NOT regexp_matches(i.identity_key, ':root$')
),
h AS (
  -- head: the location without its notes in parentheses and without paths (vault:kv/prod/env → vault:kv).
  SELECT i.*, trim(regexp_replace(regexp_replace(loc, '\([^)]*\)?', ' ', 'g'), '/\S*', ' ', 'g')) AS head
    FROM i
),
s AS (
  SELECT h.*,
         regexp_matches(head, 'vault|(^|[^a-z])kms([^a-z]|$)|(^|[^a-z])hsm([^a-z]|$)|secrets? ?manager|key ?vault|parameter store|(^|[^a-z])ssm([^a-z]|$)|keychain|keystore|credentials? (store|manager)|secret store|actions secret|sealed ?secret|external ?secrets|1password|lastpass|bitwarden|keeper|cyberark|conjur|doppler|infisical|akeyless|sops|git-crypt|federat|oidc|workload identity|managed identity|instance profile|irsa|no stored secret|^none')
 AS safe_store
    FROM h
),
t AS (
  -- A vault named in the head: only the head's own words count. A config that merely references or receives the secret from
  -- the vault at run time ("Key Vault reference in appsettings.json"), or an encrypted file (SOPS, git-crypt, Ansible Vault,
  -- sealed secret) holds no readable secret: only plaintext counts.
  SELECT s.*,
         CASE WHEN safe_store AND regexp_matches(head, 'referenc|pointer|injected|mounted|fetched|retrieved|pulled|synced from|sops|git-crypt|sealed ?secret|ansible vault') THEN ''
              WHEN safe_store THEN head ELSE loc END AS scope
    FROM s
),
k AS (
  SELECT t.*,
         concat_ws('; ',
           CASE WHEN regexp_matches(loc, 'plain ?text|clear ?text|in the clear|unencrypted|hard[- ]?coded') THEN 'plaintext / hardcoded' END,
           CASE WHEN regexp_matches(scope, '(^|[^a-z])(source )?code([^a-z]|$)|codebase|source control|dockerfile|(^|[^a-z])repo(s|sitory|sitories)?([^a-z]|$)|committed|(^|[^a-z])git([^a-z]|$)')
                THEN 'source code / repository' END,
           CASE WHEN regexp_matches(scope, '(^|[^a-z0-9])\.env([^a-z0-9]|$)|dotenv|env(ironment)?[ _-]?(file|var|variable)s?([^a-z]|$)')
                THEN 'environment (.env) file' END,
           CASE WHEN regexp_matches(scope, '(^|[^a-z])(slack|ms teams|microsoft teams|teams (chat|channel|message)|chat|discord|whatsapp|telegram|mattermost|hipchat|irc|signal)([^a-z]|$)')
                THEN 'chat' END,
           CASE WHEN regexp_matches(scope, 'wiki|confluence|notion|onenote|sharepoint|google docs?([^a-z]|$)|(^|[^a-z])runbook|readme|\.(md|docx?)([^a-z]|$)') THEN 'wiki / document' END,
           CASE WHEN regexp_matches(scope, 'e-?mail|outlook|gmail|inbox') THEN 'e-mail' END,
           CASE WHEN regexp_matches(scope, 'spreadsheet|excel|\.xlsx?([^a-z]|$)|\.csv([^a-z]|$)|google sheets?|(^|[^a-z])sheet([^a-z]|$)') THEN 'spreadsheet' END,
           CASE WHEN regexp_matches(scope, 'config(uration)?[ _-]?(file|map)|configmap|settings file|properties file|ini file|tfstate|terraform state|appsettings|web\.config|\.(ya?ml|json|ini|conf|cfg|properties|toml|xml|tfvars)([^a-z0-9]|$)')
                THEN 'config file' END,
           CASE WHEN regexp_matches(scope, '\.(txt|pem|key|p12|pfx)([^a-z0-9]|$)|text file|notepad|sticky|post-it|desktop|laptop|local disk|home directory|~/|shared drive|file share|network share|dropbox|onedrive|google drive')
                THEN 'file on a disk or share' END,
           CASE WHEN regexp_matches(scope, '(^|[^a-z])(ticket|jira issue|servicenow)([^a-z]|$)') THEN 'ticket' END
         ) AS categories
    FROM t
),
f AS (
  SELECT k.*,
         -- Shared with many people and kept forever (code, chat, wiki, e-mail) is worse than one host's file.
         CASE WHEN regexp_matches(categories, 'plaintext|source code|chat|wiki|e-mail|spreadsheet|ticket') THEN 1.0 ELSE 0.7 END AS badness
    FROM k
   WHERE categories <> ''
)
SELECT f.identity_key AS entity_key,
       f.loc_text AS subject,
       NULL::TIMESTAMP AS first_seen, NULL::TIMESTAMP AS last_seen,
       0 AS evidence_count, 0 AS evidence_outside_change, NULL AS change_id,
       format('{} kept in "{}": {}, not a vault', coalesce(nullif(trim(f.credential_type), ''), 'secret'), f.loc_text, f.categories) AS observed,
       '' AS baseline, '' AS declared,
       'secrets live in a vault, KMS or secrets manager, or are replaced by federation (OIDC / workload identity)' AS threshold,
       least(1.0, 0.75 * f.badness
                + 0.25 * CASE lower(trim(coalesce(f.criticality, ''))) WHEN 'critical' THEN 1.0 WHEN 'high' THEN 0.66 WHEN 'medium' THEN 0.33 ELSE 0.0 END) AS intensity,
       MAP {'location': f.loc_text, 'categories': f.categories, 'credential_type': coalesce(f.credential_type, '')} AS details
  FROM f
