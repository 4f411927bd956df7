-- Canonical tables of a Driftline workspace (see ../shared/spec/formats.md). All times are UTC TIMESTAMP.
-- Created once per engine instance; imports stage their rows elsewhere and commit here in one transaction.

CREATE TABLE IF NOT EXISTS evidence_files (
  file_id        VARCHAR PRIMARY KEY,   -- short id, e.g. f12; events point here instead of repeating the name
  name           VARCHAR NOT NULL,      -- as the user dropped it (folder path / zip member path included)
  bytes          BIGINT,                -- size as received (compressed, if it was)
  sha256         VARCHAR,               -- of the bytes as received, computed while reading
  container      VARCHAR,               -- e.g. 'gzip → NDJSON, UTF-8'
  kind           VARCHAR NOT NULL,      -- audit_log | inventory | change_windows | resource_classes
  vendor         VARCHAR,               -- e.g. 'AWS CloudTrail', 'NHI register'
  source_format  VARCHAR,               -- for audit logs: cloudtrail, okta_system_log, …
  rows_loaded    BIGINT NOT NULL DEFAULT 0,
  rows_rejected  BIGINT NOT NULL DEFAULT 0,
  rows_duplicate BIGINT NOT NULL DEFAULT 0,
  first_event    TIMESTAMP,
  last_event     TIMESTAMP,
  notes          VARCHAR,               -- assumptions made (date order, encoding), shown to the user
  import_id      VARCHAR NOT NULL,
  imported_at    TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS rejected_rows (
  file_id    VARCHAR NOT NULL,
  source_row BIGINT,
  reason     VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS identities (
  identity_key          VARCHAR PRIMARY KEY,
  name                  VARCHAR NOT NULL,
  kind                  VARCHAR,
  platform              VARCHAR NOT NULL,
  account               VARCHAR,
  owner                 VARCHAR,
  owner_status          VARCHAR,
  team                  VARCHAR,
  environment           VARCHAR,
  criticality           VARCHAR,
  permissions           VARCHAR[],
  secret_location       VARCHAR,
  credential_type       VARCHAR,
  created_at            TIMESTAMP,
  last_rotated_at       TIMESTAMP,
  expires_at            TIMESTAMP,
  last_used_at          TIMESTAMP,
  vendor                VARCHAR,
  schedule              VARCHAR,
  approved_destinations VARCHAR[],
  allowed_data_classes  VARCHAR[],
  extra                 VARCHAR,        -- JSON object of columns no field took
  file_id               VARCHAR,
  source_row            BIGINT
);

CREATE TABLE IF NOT EXISTS identity_aliases (
  identity_key VARCHAR NOT NULL,
  alias        VARCHAR NOT NULL,
  alias_norm   VARCHAR NOT NULL,        -- lower(alias): resolution is case-insensitive
  alias_type   VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS events (
  event_time       TIMESTAMP NOT NULL,
  platform         VARCHAR NOT NULL,
  source_format    VARCHAR NOT NULL,
  event_id         VARCHAR,
  actor            VARCHAR,
  actor_alt        VARCHAR,
  actor_type       VARCHAR,
  account          VARCHAR,
  credential_id    VARCHAR,
  action           VARCHAR,
  resource         VARCHAR,
  resource_account VARCHAR,
  source_ip        VARCHAR,
  user_agent       VARCHAR,
  outcome          VARCHAR,
  error_code       VARCHAR,
  bytes            DOUBLE,
  records          DOUBLE,
  is_write         BOOLEAN,
  session_type     VARCHAR,
  file_id          VARCHAR NOT NULL,
  source_row       BIGINT NOT NULL,
  identity_key     VARCHAR,             -- resolved through identity_aliases; NULL = shadow actor
  resolution       VARCHAR              -- how: credential, actor, actor_alt, arn_name, ambiguous, shadow
);

CREATE TABLE IF NOT EXISTS changes (
  change_id  VARCHAR NOT NULL,
  identity   VARCHAR NOT NULL,          -- identity key, name or alias; '*' = every identity
  starts_at  TIMESTAMP NOT NULL,
  ends_at    TIMESTAMP NOT NULL,
  summary    VARCHAR,
  file_id    VARCHAR,
  source_row BIGINT
);

CREATE TABLE IF NOT EXISTS resource_classes (
  pattern    VARCHAR NOT NULL,          -- '*' is a wildcard
  data_class VARCHAR NOT NULL,
  file_id    VARCHAR,
  source_row BIGINT
);

-- Distinct actors of the logs and what they resolved to: small, rebuilt after every import (see resolve.sql).
CREATE TABLE IF NOT EXISTS actor_resolution (
  platform      VARCHAR,
  actor         VARCHAR,
  actor_alt     VARCHAR,
  credential_id VARCHAR,
  account       VARCHAR,
  identity_key  VARCHAR,
  resolution    VARCHAR,
  candidates    VARCHAR[]               -- for ambiguous names: every identity that matched
);

-- The spec's event shape, with the file name instead of its id.
CREATE OR REPLACE VIEW events_v AS
  SELECT e.*, f.name AS source_file FROM events e LEFT JOIN evidence_files f USING (file_id);
