// coverage.*: the inventory reconciled with the logs.
import type { DetectionDefinition } from '../types';
import credentialReuse from './sql/coverage.credential_reuse.sql?raw';
import dormant from './sql/coverage.dormant.sql?raw';
import humanUse from './sql/coverage.human_use.sql?raw';
import ownerDepartedActive from './sql/coverage.owner_departed_active.sql?raw';
import shadowIdentity from './sql/coverage.shadow_identity.sql?raw';
import unusedPermission from './sql/coverage.unused_permission.sql?raw';
import usedOutsideGrant from './sql/coverage.used_outside_grant.sql?raw';

/**
 * Interactive events: a console / browser / MFA session, or a browser user agent that is not a bot (the same rule as
 * isBrowserUserAgent in the log adapters). Shared by the detection's SQL and its evidence query.
 */
const INTERACTIVE =
  "session_type IN ('console', 'mfa', 'browser') OR (regexp_matches(coalesce(user_agent, ''), '^\\[?Mozilla/\\d') AND NOT regexp_matches(user_agent, '(?i)\\b(bot|crawler|spider|headless)'))";

export const COVERAGE: DetectionDefinition[] = [
  {
    id: 'coverage.dormant',
    family: 'coverage',
    title: 'Dormant identity',
    description:
      'An inventory identity with no activity for the dormancy period before as-of, in the logs or in the inventory\'s last-used date. ' +
      'A dormant credential is attack surface nobody would miss: disable it or retire it.',
    severity: 'low',
    params: [{ name: 'dormant_days', label: 'Dormancy period', default: 30, unit: 'days', min: 1, max: 365 }],
    owasp: ['NHI1'],
    nist: ['ID.AM-08'],
    usesBaseline: false,
    evidence: null,
    sql: dormant,
  },
  {
    id: 'coverage.shadow_identity',
    family: 'coverage',
    title: 'Shadow identity',
    description:
      'An actor active in the logs that resolves to no inventory identity (or to several): a credential in use that nobody has registered, ' +
      'owns or rotates.',
    severity: 'high',
    params: [],
    owasp: [],
    nist: ['ID.AM-02', 'ID.AM-08'],
    usesBaseline: false,
    evidence: '',
    sql: shadowIdentity,
  },
  {
    id: 'coverage.unused_permission',
    family: 'coverage',
    title: 'Unused permission',
    description:
      'Grants the identity never exercised in the whole observed window: at action level where the log names the action (s3:GetObject), ' +
      'at scope level otherwise; a wildcard grant counts as used when any matching action is. Candidates for removal (least privilege).',
    severity: 'low',
    params: [{ name: 'min_observed_days', label: 'Minimum days of logs before judging', default: 14, unit: 'days', min: 1, max: 365 }],
    owasp: ['NHI5'],
    nist: ['PR.AA-05'],
    usesBaseline: false,
    evidence: null,
    sql: unusedPermission,
  },
  {
    id: 'coverage.used_outside_grant',
    family: 'coverage',
    title: 'Action outside recorded grants',
    description:
      'A successful action that none of the identity\'s recorded grants covers: either the register is wrong, or the identity holds ' +
      'more access than anyone declared (and is using it).',
    severity: 'medium',
    params: [],
    owasp: ['NHI5'],
    nist: ['PR.AA-05'],
    usesBaseline: false,
    evidence: "action = {subject} AND outcome IS DISTINCT FROM 'failure'",
    sql: usedOutsideGrant,
  },
  {
    id: 'coverage.owner_departed_active',
    family: 'coverage',
    title: 'Active identity with a departed owner',
    description:
      'The owner is marked departed, terminated or disabled, yet the identity was active in the detection window: a credential in use ' +
      'that nobody accountable is watching, possibly still known to a leaver.',
    severity: 'high',
    params: [],
    owasp: ['NHI1'],
    nist: ['DE.CM-03'],
    usesBaseline: false,
    evidence: '',
    sql: ownerDepartedActive,
  },
  {
    id: 'coverage.human_use',
    family: 'coverage',
    title: 'Human use of a non-human identity',
    description:
      'Interactive use of an NHI: a console or browser sign-in, a browser user agent or an MFA session. A person holds the machine\'s ' +
      'credential, so its actions are no longer attributable and its secret has left the workload.',
    severity: 'high',
    params: [],
    owasp: ['NHI10'],
    nist: ['DE.CM-03'],
    usesBaseline: false,
    evidence: INTERACTIVE,
    sql: humanUse,
  },
  {
    id: 'coverage.credential_reuse',
    family: 'coverage',
    title: 'Credential reused across workloads',
    description:
      'One credential used by several workloads at once (distinct networks and user-agent families within minutes of each other), or ' +
      'across environments: shared, copied or stolen.',
    severity: 'high',
    params: [
      { name: 'window_minutes', label: 'Concurrency window', default: 30, unit: 'minutes', min: 1, max: 1440 },
      { name: 'min_networks', label: 'Distinct networks (/24, /48 or AWS service)', default: 2, min: 2, max: 20 },
      { name: 'min_ua_families', label: 'Distinct user-agent families', default: 2, min: 1, max: 20 },
    ],
    owasp: ['NHI8', 'NHI9'],
    nist: ['DE.CM-09'],
    usesBaseline: false,
    evidence: 'credential_id = {subject}',
    sql: credentialReuse,
    // Its windows sort every use of a credential that could qualify: ~180 MiB of DuckDB-WASM's heap on a million
    // CloudTrail events in one piece. One part per 200k credential events, split by credential.
    parts: { count: "SELECT count(*) FROM ev WHERE credential_id IS NOT NULL AND period <> 'after'", rows: 200_000 },
  },
];
