// The SQL the native runs execute, rendered from the app's own TypeScript so it cannot drift from what the tab runs:
// Vite's SSR loader imports src/ingest/*.ts (the CSV classifier, the time-format detector, mappedEventsSelect and the
// ImportTransaction of commit.ts) and we call them exactly as the import pipeline does.
//
// CSV  · "direct": schema.sql → INSERT INTO events SELECT <the app's mappedEventsSelect> → resolve.sql (the baseline).
//      · "app path": every statement the app's ImportTransaction issues for one CSV file (staging, commit, resolution),
//        recorded through a stand-in engine and replayed natively: same SQL, only the engine differs.
// CloudTrail · "direct": native read_json over the .json.gz files with an explicit schema, the app's field mapping
//        (src/ingest/formats/cloudtrail.ts) written as SQL, into the same events columns → resolve.sql.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The event fields of the app's header mapper, by the names the CSV event SQL uses (as in src/ingest/reader.ts). */
const EVENT_FIELD_NAMES = {
  time: 'event_time', actor: 'actor', action: 'action', resource: 'resource', source_ip: 'source_ip', user_agent: 'user_agent',
  outcome: 'outcome', error_code: 'error_code', bytes: 'bytes', credential_id: 'credential_id', event_id: 'event_id',
};

/**
 * Load the app modules through Vite's SSR loader. Returns plain functions/classes usable after the loader closes.
 * @param {string} root the project root
 */
export async function loadAppModules(root) {
  let createServer;
  try {
    ({ createServer } = await import('vite'));
  } catch (error) {
    throw new Error(`Vite is needed to render the app's SQL builders (npm install): ${error.message}`);
  }
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'silent',
    appType: 'custom',
    server: { middlewareMode: true, hmr: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  try {
    const load = (p) => server.ssrLoadModule(p);
    const [csvEvents, inventory, csvText, commit] = await Promise.all([
      load('/src/ingest/csv-events.ts'),
      load('/src/ingest/inventory/index.ts'),
      load('/src/ingest/container/csv-text.ts'),
      load('/src/ingest/commit.ts'),
    ]);
    return {
      mappedEventsSelect: csvEvents.mappedEventsSelect,
      detectTimeFormat: csvEvents.detectTimeFormat,
      classifyCsv: inventory.classifyCsv,
      MIN_CONFIDENCE: inventory.MIN_CONFIDENCE,
      csvHeadAndSample: csvText.csvHeadAndSample,
      ImportTransaction: commit.ImportTransaction,
    };
  } catch (error) {
    throw new Error(`Could not load the app's ingest modules through Vite (is the source mid-edit?): ${error.message}`);
  } finally {
    await server.close();
  }
}

export function readAppSqlFiles(root) {
  return {
    schemaSql: readFileSync(path.join(root, 'src/ingest/sql/schema.sql'), 'utf8'),
    resolveSql: readFileSync(path.join(root, 'src/ingest/sql/resolve.sql'), 'utf8'),
  };
}

/**
 * How the app would read this CSV: classification, mapping, time format (from the same 50 sample rows the reader takes),
 * and the SQL of both native variants.
 */
export async function csvPlan(app, sqlFiles, { csvPath, headText, bytes }) {
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(headText);
      controller.close();
    },
  });
  const head = await app.csvHeadAndSample(stream, ',', 50);
  const classification = app.classifyCsv(head.header, head.rows);
  const problems = [];
  if (classification.kind !== 'event_log') problems.push(`the app classifies it as "${classification.kind}", not an event log: ${classification.reason}`);
  const fields = classification.mapping?.fields ?? {};
  for (const f of ['time', 'actor', 'action']) {
    if (!fields[f]) problems.push(`no column is recognised as ${f}`);
    else if (fields[f].confidence < app.MIN_CONFIDENCE) problems.push(`${f} ← "${fields[f].header}" only at confidence ${fields[f].confidence}`);
  }
  const mapping = {};
  for (const [field, match] of Object.entries(fields)) {
    if (EVENT_FIELD_NAMES[field] && match) mapping[EVENT_FIELD_NAMES[field]] = match.header;
  }
  const timeColumn = head.header.indexOf(mapping.event_time);
  const timeFormat = app.detectTimeFormat(head.rows.map((r) => r[timeColumn] ?? ''));
  const fileId = 'bench_1';
  const rejectsTable = `rejects_${fileId}`;
  const select = app.mappedEventsSelect({
    engineFile: csvPath, delimiter: ',', rejectsTable, headers: head.header, mapping, timeFormat, platform: 'other', sourceFormat: 'csv_mapped', fileId,
  });

  const direct = [
    { phase: 'load', sql: sqlFiles.schemaSql },
    { phase: 'load', sql: `INSERT INTO events SELECT * EXCLUDE (_raw_time), NULL AS identity_key, NULL AS resolution FROM (${select}) WHERE event_time IS NOT NULL` },
    { phase: 'resolve', sql: sqlFiles.resolveSql },
  ];

  // The app path: record every statement ImportTransaction issues for this one file, in order, with its stage.
  const appPath = [];
  let phase = 'stage';
  const stand_in = {
    exec: async (sql) => void appPath.push({ phase: sql === sqlFiles.resolveSql ? 'resolve' : phase, sql }),
    queryRows: async (sql) => {
      appPath.push({ phase, sql, query: true });
      return { columns: [], rows: [{ loaded: 0, bad: 0, files: 1, events: 0, duplicates: 0, identities: 0, rejected: 0 }] };
    },
    insertArrowIPC: async () => {
      throw new Error('unexpected Arrow insert for a CSV');
    },
    // The import's transaction runs on a connection of its own; replayed here on the one native connection.
    session: async () => ({ ...stand_in, close: async () => undefined }),
  };
  const tx = new app.ImportTransaction(stand_in, 'bench');
  await tx.begin();
  await tx.addCsvEvents(fileId, select, rejectsTable);
  // pipeline.ts: the duplicate-bytes check, then the file record.
  appPath.push({ phase, sql: `SELECT name FROM evidence_files WHERE sha256 = '${'0'.repeat(64)}' LIMIT 1`, query: true });
  await tx.addFile({
    file_id: fileId, name: path.basename(csvPath), bytes, sha256: '0'.repeat(64), container: 'UTF-8 text (CSV)', kind: 'audit_log',
    vendor: 'CSV event log', source_format: 'csv_mapped', notes: [],
  });
  phase = 'commit';
  await tx.commit();
  if (!appPath.some((s) => s.phase === 'resolve')) throw new Error('the recorded app path has no resolution step (resolve.sql changed?)');

  return {
    classification: { kind: classification.kind, confidence: classification.confidence, reason: classification.reason },
    mapping,
    timeFormat,
    problems,
    select,
    direct,
    appPath,
  };
}

/** DuckDB type of one CloudTrail record, as far as the app's CloudTrail adapter reads it. Other keys are ignored. */
const RECORD_TYPE = `STRUCT(
  eventVersion VARCHAR,
  userIdentity STRUCT(
    "type" VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, accessKeyId VARCHAR, userName VARCHAR, invokedBy VARCHAR,
    sessionContext STRUCT(
      sessionIssuer STRUCT("type" VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, userName VARCHAR),
      webIdFederationData STRUCT(federatedProvider VARCHAR),
      attributes STRUCT(creationDate VARCHAR, mfaAuthenticated VARCHAR))),
  eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, awsRegion VARCHAR, sourceIPAddress VARCHAR, userAgent VARCHAR,
  errorCode VARCHAR, errorMessage VARCHAR,
  requestParameters STRUCT(
    bucketName VARCHAR, roleArn VARCHAR, userName VARCHAR, roleName VARCHAR, groupName VARCHAR, policyArn VARCHAR, functionName VARCHAR,
    secretId VARCHAR, tableName VARCHAR, instanceId VARCHAR, topicArn VARCHAR, "name" VARCHAR, trailName VARCHAR, keyId VARCHAR,
    queueUrl VARCHAR, parameterName VARCHAR),
  additionalEventData STRUCT(bytesTransferredOut DOUBLE),
  eventID VARCHAR, readOnly BOOLEAN,
  resources STRUCT(accountId VARCHAR, "type" VARCHAR, ARN VARCHAR)[],
  eventType VARCHAR, recipientAccountId VARCHAR, sessionCredentialFromConsole VARCHAR
)[]`;

const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;

/**
 * Native CloudTrail load: read_json over the gzipped delivery files (explicit schema), one row per record through unnest,
 * mapped like src/ingest/formats/cloudtrail.ts (normaliseClassic) into the events columns; then resolution.
 * Simplifications, none of which the generated data exercises: no API-version stripping of eventName, no ConsoleLogin
 * responseElements check, no AwsCloudTrailInsight skip, only the requestParameters keys listed above.
 */
export function cloudTrailPlan(sqlFiles, { dir }) {
  const glob = path.join(dir, '*.json.gz');
  const arnAccount = (x) => `(CASE WHEN ${x} LIKE 'arn:%' THEN nullif(split_part(${x}, ':', 5), '') END)`;
  const iam = (col, kind) =>
    `WHEN rp.${col} IS NOT NULL THEN (CASE WHEN rp.${col} LIKE 'arn:%' THEN rp.${col} WHEN acct_or_recipient IS NOT NULL THEN 'arn:' || part || ':iam::' || acct_or_recipient || ':${kind}/' || rp.${col} ELSE '${kind}/' || rp.${col} END)`;
  const regional = (col, service, shape) =>
    `WHEN rp.${col} IS NOT NULL THEN (CASE WHEN rp.${col} LIKE 'arn:%' OR region IS NULL OR acct_or_recipient IS NULL THEN rp.${col} ELSE 'arn:' || part || ':${service}:' || region || ':' || acct_or_recipient || ':${shape}' || rp.${col} END)`;
  const load = `INSERT INTO events
WITH files AS (
  SELECT filename, Records
    FROM read_json(${sqlString(glob)}, format = 'auto', records = true, filename = true, maximum_object_size = 1073741824,
                   columns = {'Records': '${RECORD_TYPE.replaceAll("'", "''").replace(/\s+/g, ' ')}'})
),
recs AS (
  SELECT 'ct_' || regexp_extract(filename, '(\\d+)_[^/]*$', 1) AS file_id,
         unnest(Records) AS r, unnest(generate_series(1, len(Records))) AS source_row
    FROM files
),
fields AS (
  SELECT r, file_id, source_row,
         r.userIdentity AS ui,
         r.userIdentity.sessionContext.sessionIssuer.arn AS issuer,
         r.requestParameters AS rp,
         r.awsRegion AS region,
         list_filter(r.resources, x -> x.ARN IS NOT NULL)[1] AS res0
    FROM recs
),
mapped AS (
  SELECT *,
         coalesce(issuer, ui.arn, ui.principalId, ui.invokedBy, ui.userName) AS actor,
         coalesce(ui.accountId, ${arnAccount('coalesce(ui.arn, issuer)')}) AS account,
         CASE WHEN coalesce(ui.arn, issuer) LIKE 'arn:%' THEN split_part(coalesce(ui.arn, issuer), ':', 2) ELSE 'aws' END AS part
    FROM fields
),
located AS (
  SELECT *, coalesce(account, r.recipientAccountId) AS acct_or_recipient FROM mapped
),
resourced AS (
  SELECT *,
         CASE WHEN res0 IS NOT NULL THEN (CASE WHEN res0.ARN LIKE 'arn:%:s3:::%/%' THEN split_part(res0.ARN, '/', 1) ELSE res0.ARN END)
              WHEN rp.bucketName IS NOT NULL THEN 'arn:' || part || ':s3:::' || rp.bucketName
              WHEN rp.roleArn IS NOT NULL THEN rp.roleArn
              ${iam('userName', 'user')}
              ${iam('roleName', 'role')}
              ${iam('groupName', 'group')}
              WHEN rp.policyArn IS NOT NULL THEN rp.policyArn
              ${regional('functionName', 'lambda', 'function:')}
              WHEN rp.secretId IS NOT NULL THEN rp.secretId
              ${regional('tableName', 'dynamodb', 'table/')}
              ${regional('instanceId', 'ec2', 'instance/')}
              WHEN rp.topicArn LIKE 'arn:%' THEN rp.topicArn
              WHEN rp.keyId LIKE 'arn:%' THEN rp.keyId
              WHEN rp.name IS NOT NULL THEN rp.name
              WHEN rp.trailName IS NOT NULL THEN rp.trailName
              WHEN rp.keyId IS NOT NULL THEN rp.keyId
              WHEN rp.queueUrl IS NOT NULL THEN rp.queueUrl
              WHEN rp.parameterName IS NOT NULL THEN rp.parameterName
         END AS resource
    FROM located
)
SELECT try_cast(r.eventTime AS TIMESTAMP) AS event_time,
       'aws' AS platform,
       'cloudtrail' AS source_format,
       r.eventID AS event_id,
       actor,
       CASE WHEN actor = issuer THEN coalesce(ui.arn, ui.principalId)
            WHEN actor = ui.arn THEN ui.principalId
            WHEN actor = ui.principalId THEN ui.userName END AS actor_alt,
       coalesce(ui."type", CASE
            WHEN coalesce(ui.arn, issuer) LIKE '%:assumed-role/%' THEN 'AssumedRole'
            WHEN coalesce(ui.arn, issuer) LIKE '%:federated-user/%' THEN 'FederatedUser'
            WHEN coalesce(ui.arn, issuer) LIKE '%:root' THEN 'Root'
            WHEN coalesce(ui.arn, issuer) LIKE '%:user/%' THEN 'IAMUser'
            WHEN coalesce(ui.arn, issuer) LIKE '%:role/%' THEN 'Role'
            WHEN ui.invokedBy IS NOT NULL THEN 'AWSService' END) AS actor_type,
       account,
       ui.accessKeyId AS credential_id,
       regexp_replace(r.eventSource, '\\.amazonaws\\.com(\\.cn)?$', '') || ':' || r.eventName AS action,
       resource,
       CASE WHEN res0 IS NOT NULL THEN coalesce(res0.accountId, ${arnAccount('res0.ARN')}, r.recipientAccountId)
            WHEN resource IS NOT NULL THEN coalesce(${arnAccount('resource')}, r.recipientAccountId) END AS resource_account,
       r.sourceIPAddress AS source_ip,
       r.userAgent AS user_agent,
       CASE WHEN r.errorCode IS NOT NULL THEN 'failure' ELSE 'success' END AS outcome,
       r.errorCode AS error_code,
       r.additionalEventData.bytesTransferredOut AS bytes,
       NULL::DOUBLE AS records,
       NOT r.readOnly AS is_write,
       CASE WHEN r.eventName = 'ConsoleLogin' OR lower(r.sessionCredentialFromConsole) = 'true'
                 OR regexp_full_match(coalesce(r.userAgent, ''), '(?i)(signin|console(\\.[a-z0-9-]+)?)\\.amazonaws\\.com')
                 OR regexp_matches(coalesce(r.userAgent, ''), '^\\[?S3Console/')
                 OR regexp_full_match(coalesce(ui.invokedBy, ''), '(?i)(signin|console(\\.[a-z0-9-]+)?)\\.amazonaws\\.com') THEN 'console'
            WHEN lower(ui.sessionContext.attributes.mfaAuthenticated) = 'true' THEN 'mfa'
            WHEN regexp_matches(coalesce(r.userAgent, ''), '^\\[?Mozilla/\\d') AND NOT regexp_matches(r.userAgent, '(?i)\\b(bot|crawler|spider|headless)') THEN 'browser'
            WHEN ui."type" = 'WebIdentityUser' OR ui.sessionContext.webIdFederationData.federatedProvider IS NOT NULL THEN 'oidc' END AS session_type,
       file_id,
       CAST(source_row AS BIGINT) AS source_row,
       NULL AS identity_key,
       NULL AS resolution
  FROM resourced
 WHERE try_cast(r.eventTime AS TIMESTAMP) IS NOT NULL`;
  return {
    direct: [
      { phase: 'load', sql: sqlFiles.schemaSql },
      { phase: 'load', sql: load },
      { phase: 'resolve', sql: sqlFiles.resolveSql },
    ],
  };
}

/** What every native run reports about the loaded table (the same figures for every variant, to compare them). */
export const CHECK_SQL = `SELECT count(*) AS events, count(DISTINCT actor) AS actors, count(DISTINCT action) AS actions,
  count(DISTINCT resource) AS resources, count(DISTINCT source_ip) AS ips, count(DISTINCT user_agent) AS agents,
  count(*) FILTER (WHERE outcome = 'failure') AS failures, count(*) FILTER (WHERE resolution IS NOT NULL) AS resolved,
  min(event_time)::VARCHAR AS first_event, max(event_time)::VARCHAR AS last_event
  FROM events`;
