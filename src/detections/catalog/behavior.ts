// behavior.*: the detection window against each identity's own baseline (the detection plane), plus the two declared-purpose
// checks (destinations, data classes). Each detection is one SQL file in ./sql; the judgement calls are in their headers.
import type { DetectionDefinition } from '../types';
import deniedBurst from './sql/behavior.denied_burst.sql?raw';
import disallowedDataClass from './sql/behavior.disallowed_data_class.sql?raw';
import dormantReactivated from './sql/behavior.dormant_reactivated.sql?raw';
import newAction from './sql/behavior.new_action.sql?raw';
import newSource from './sql/behavior.new_source.sql?raw';
import offHours from './sql/behavior.off_hours.sql?raw';
import scopeExpansion from './sql/behavior.scope_expansion.sql?raw';
import unapprovedDestination from './sql/behavior.unapproved_destination.sql?raw';
import volumeSpike from './sql/behavior.volume_spike.sql?raw';

/** Writes and copies that put data somewhere (the same list as in behavior.unapproved_destination.sql). */
const DATA_WRITE =
  '(?i)^[a-z0-9-]+:(PutObject|CopyObject|UploadPart|UploadPartCopy|CompleteMultipartUpload|CreateMultipartUpload|ReplicateObject|RestoreObject|PutItem|BatchWriteItem|TransactWriteItems|PutRecords?|PutRecordBatch|SendMessage|SendMessageBatch|Publish|PublishBatch|PutEvents|CreateSnapshots?|CopySnapshot|ModifySnapshotAttribute|CreateDBSnapshot|CreateDBClusterSnapshot|CopyDBSnapshot|CopyDBClusterSnapshot|ModifyDBSnapshotAttribute|ModifyDBClusterSnapshotAttribute|ShareImage|CopyImage|ModifyImageAttribute|ExportImage|CreateStoreImageTask|ExportTableToPointInTime|StartExportTask|ExportSnapshot|PutSecretValue|ReplicateSecretToRegions)$|^git\\.push$|^repo\\.transfer$';

const IPV4_OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';

export const BEHAVIOR: DetectionDefinition[] = [
  {
    id: 'behavior.new_action',
    family: 'behavior',
    title: 'New action',
    description: 'The identity performed an action (API call or event type) that never appears in its baseline.',
    severity: 'medium',
    params: [],
    owasp: [],
    nist: ['DE.CM-03'],
    usesBaseline: true,
    evidence: 'action = {subject}',
    sql: newAction,
  },
  {
    id: 'behavior.scope_expansion',
    family: 'behavior',
    title: 'New resource (scope expansion)',
    description:
      'The identity touched a resource (bucket, repository, table, secret…) it never touched in its baseline; sensitive data classes and many new resources at once weigh more.',
    severity: 'medium',
    params: [],
    owasp: [],
    nist: ['DE.CM-03', 'DE.CM-09'],
    usesBaseline: true,
    evidence: 'resource = {subject}',
    sql: scopeExpansion,
  },
  {
    id: 'behavior.new_source',
    family: 'behavior',
    title: 'New source network',
    description:
      'The identity was used from a source network (IPv4 /24, or an address) never seen in its baseline; a new user-agent family from it is supporting evidence of another workload or person holding the credential.',
    severity: 'medium',
    params: [
      { name: 'known_network', label: 'Also report a new address inside a /24 already seen (1 = yes, 0 = no)', default: 0, min: 0, max: 1 },
    ],
    owasp: [],
    nist: ['DE.CM-09'],
    usesBaseline: true,
    evidence: `CASE WHEN {subject} LIKE '%.0/24' THEN regexp_matches(trim(source_ip), '^' || replace(left({subject}, length({subject}) - 5), '.', '\\.') || '\\.${IPV4_OCTET}$') ELSE trim(source_ip) = {subject} END`,
    sql: newSource,
  },
  {
    id: 'behavior.off_hours',
    family: 'behavior',
    title: 'Activity outside usual hours',
    description:
      'Activity in an hour-of-week slot outside the declared schedule or, with no declaration, in a slot the identity was active in on fewer than the minimum number of baseline days. A declared schedule takes precedence over the learned one.',
    severity: 'low',
    params: [{ name: 'min_days', label: 'Baseline days that make a weekly slot usual', default: 3, unit: 'days', min: 1 }],
    owasp: [],
    nist: ['DE.CM-03'],
    usesBaseline: true,
    evidence: "strftime(event_time, '%a %H:00') = left({subject}, 9)",
    sql: offHours,
  },
  {
    id: 'behavior.volume_spike',
    family: 'behavior',
    title: 'Volume spike',
    description:
      "An hour (or a whole day) with far more events than the identity's own baseline hours of the same kind: robust z over median / MAD, a multiple of the baseline p99 and a floor; a bursty identity must also beat the largest burst its baseline already holds.",
    severity: 'high',
    params: [
      { name: 'z', label: 'Robust z-score (median / MAD)', default: 6, min: 1 },
      { name: 'p99_multiple', label: 'Multiple of the baseline p99 for the slot', default: 3, unit: '×', min: 1 },
      { name: 'min_events', label: 'Minimum events in the hour (or day)', default: 20, unit: 'events', min: 1 },
    ],
    owasp: [],
    nist: ['DE.CM-03'],
    usesBaseline: true,
    evidence: '',
    sql: volumeSpike,
  },
  {
    id: 'behavior.denied_burst',
    family: 'behavior',
    title: 'Burst of denied calls',
    description:
      'Many failed calls (access denied, unauthorized, invalid scope…) across several actions within minutes, at a failure rate above the identity\'s baseline: someone probing what a credential can do.',
    severity: 'medium',
    params: [
      { name: 'min_failures', label: 'Minimum failures in the window', default: 10, unit: 'failures', min: 1 },
      { name: 'min_actions', label: 'Minimum distinct actions among them', default: 3, unit: 'actions', min: 1 },
      { name: 'window_minutes', label: 'Window length', default: 15, unit: 'min', min: 1 },
    ],
    owasp: [],
    nist: ['DE.CM-09'],
    usesBaseline: true,
    evidence: "outcome = 'failure'",
    sql: deniedBurst,
  },
  {
    id: 'behavior.dormant_reactivated',
    family: 'behavior',
    title: 'Dormant identity reactivated',
    description:
      'The identity is active in the detection window after a silence at least as long as the dormancy period: a forgotten credential back in use is a classic sign of a leaked one.',
    severity: 'high',
    params: [{ name: 'dormancy_days', label: 'Silence that counts as dormant', default: 21, unit: 'days', min: 1 }],
    owasp: [],
    nist: ['DE.CM-03'],
    usesBaseline: false,
    evidence: '',
    sql: dormantReactivated,
  },
  {
    id: 'behavior.unapproved_destination',
    family: 'behavior',
    title: 'Write to an unapproved destination',
    description:
      "The identity wrote or copied data to a destination outside its approved destinations, or into another account or tenant than its own: the shape of data exfiltration or snapshot sharing.",
    severity: 'high',
    params: [],
    owasp: [],
    nist: ['DE.CM-09'],
    usesBaseline: false,
    evidence: `resource = {subject} AND (regexp_matches(coalesce(action, ''), '${DATA_WRITE}') OR (coalesce(is_write, false) AND resource_account IS NOT NULL AND lower(resource_account) <> lower(coalesce((SELECT i.account FROM identities i WHERE i.identity_key = events_v.identity_key), account))))`,
    sql: unapprovedDestination,
  },
  {
    id: 'behavior.disallowed_data_class',
    family: 'behavior',
    title: 'Access to a disallowed data class',
    description:
      'The identity accessed a resource whose data class (from the resource classification file) is not among the data classes it is allowed to handle.',
    severity: 'high',
    params: [],
    owasp: [],
    nist: ['DE.CM-09'],
    usesBaseline: false,
    evidence: 'resource = {subject}',
    sql: disallowedDataClass,
  },
];
