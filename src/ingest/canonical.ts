// The canonical model (../shared/spec/formats.md) as TypeScript rows: what every adapter produces, whatever the vendor.
// Rows are plain objects here; the pipeline turns batches of them into Arrow and then into the DuckDB tables.

export type Platform = 'aws' | 'entra' | 'gcp' | 'okta' | 'github' | 'k8s' | 'slack' | 'google_workspace' | 'other';

/** Log sources we recognise; also the `source_format` column of events. */
export type SourceFormat =
  | 'cloudtrail'
  | 'okta_system_log'
  | 'github_audit'
  | 'entra_signin'
  | 'entra_audit'
  | 'gcp_audit'
  | 'k8s_audit'
  | 'google_workspace'
  | 'slack_audit'
  | 'csv_mapped';

export type Outcome = 'success' | 'failure';

/** One API call / sign-in / audit event. Times are epoch milliseconds UTC. */
export interface CanonicalEvent {
  event_time: number;
  platform: Platform;
  source_format: SourceFormat;
  /** The vendor's own id of the event (eventID, uuid, auditID, _document_id…): lets overlapping exports be de-duplicated. */
  event_id: string | null;
  /** The raw actor string used for resolution (role ARN behind a session, user ARN, client id, actor name, SA username…). */
  actor: string | null;
  /** A second name of the same actor (Okta alternateId, GitHub actor_id, Entra appId, a session's own ARN…). */
  actor_alt: string | null;
  /** The vendor's actor type, as written (AssumedRole, IAMUser, PublicClientApp, ServiceAccount, Bot…). */
  actor_type: string | null;
  /** The actor's own account / tenant / org / project / cluster, where the log says. */
  account: string | null;
  /** Credential used: access key id, token id, hashed token, key id. */
  credential_id: string | null;
  /** `service:Operation` where the platform has one (s3:GetObject), the vendor's event type otherwise. */
  action: string | null;
  /** Normalised resource: bucket ARN, owner/repo, namespace/resource/name… */
  resource: string | null;
  /** The account that owns the resource, when the log says (cross-account detection). */
  resource_account: string | null;
  source_ip: string | null;
  user_agent: string | null;
  outcome: Outcome | null;
  error_code: string | null;
  bytes: number | null;
  records: number | null;
  is_write: boolean | null;
  /** How the actor authenticated, when the log says: 'console', 'mfa', 'browser', 'api', 'oidc', … (human-use detection). */
  session_type: string | null;
  /** Where the original record is: file name and 1-based record number (line for NDJSON/CSV, element for arrays). */
  source_file: string;
  source_row: number;
}

/** One identity from an inventory (register CSV, credential report, Entra SPs, GCP keys, GitHub/Okta tokens). */
export interface CanonicalIdentity {
  /** Stable and unique: prefer the platform's own id (ARN, SP object id, SA email, token id), lower-cased where case-insensitive. */
  identity_key: string;
  name: string;
  kind: string | null;
  platform: Platform;
  account: string | null;
  owner: string | null;
  /** active / departed / disabled / terminated / unknown, as the inventory says. */
  owner_status: string | null;
  team: string | null;
  environment: string | null;
  /** low / medium / high / critical. */
  criticality: string | null;
  permissions: string[];
  secret_location: string | null;
  /** static key / password / certificate / federated / token. */
  credential_type: string | null;
  created_at: number | null;
  last_rotated_at: number | null;
  expires_at: number | null;
  last_used_at: number | null;
  vendor: string | null;
  /** Declared job windows as written (parsed by the detection layer). */
  schedule: string | null;
  approved_destinations: string[];
  allowed_data_classes: string[];
  /** Columns the mapping did not use, kept and shown: header → value. */
  extra: Record<string, string>;
  source_file: string;
  source_row: number;
}

export type AliasType =
  | 'arn'
  | 'role_arn'
  | 'access_key_id'
  | 'principal_id'
  | 'client_id'
  | 'app_id'
  | 'object_id'
  | 'service_principal_id'
  | 'email'
  | 'username'
  | 'github_actor'
  | 'github_actor_id'
  | 'hashed_token'
  | 'token_id'
  | 'k8s_service_account'
  | 'key_id'
  | 'name';

export interface IdentityAlias {
  identity_key: string;
  /** The string as it appears in logs; resolution compares case-insensitively. */
  alias: string;
  alias_type: AliasType;
}

/** A change window: explains findings of an identity (or every identity, '*') between two times. */
export interface ChangeWindow {
  change_id: string;
  identity: string;
  starts_at: number;
  ends_at: number;
  summary: string | null;
  source_file: string;
  source_row: number;
}

/** Optional resource classification: a pattern (SQL LIKE with * as wildcard) and its data class. */
export interface ResourceClass {
  pattern: string;
  data_class: string;
  source_file: string;
  source_row: number;
}

/** A record the adapter could not use, with why; the file carries on. */
export interface RejectedRow {
  source_file: string;
  source_row: number;
  reason: string;
}

/** What every inventory adapter returns for one file. */
export interface InventoryResult {
  identities: CanonicalIdentity[];
  aliases: IdentityAlias[];
  rejected: RejectedRow[];
  /** Notes for the user about assumptions (e.g. "dates read as MM/DD/YYYY"). */
  notes: string[];
}

/** Normalises one parsed JSON record of a log source into events (usually one; none when the record is not an event). */
export type EventNormaliser = (record: unknown, where: { source_file: string; source_row: number }) => CanonicalEvent[];
