// posture.*: findings from the inventory alone (the control plane). Humans and the root account from the credential report
// are never posture findings: every query skips kind 'root account' / 'IAM user (console)' and extra "nhi":"no".
import type { DetectionDefinition } from '../types';
import credentialExpiry from './sql/posture.credential_expiry.sql?raw';
import insecureSecretLocation from './sql/posture.insecure_secret_location.sql?raw';
import missingPurpose from './sql/posture.missing_purpose.sql?raw';
import neverRotated from './sql/posture.never_rotated.sql?raw';
import noOwner from './sql/posture.no_owner.sql?raw';
import ownerDeparted from './sql/posture.owner_departed.sql?raw';
import staleCredential from './sql/posture.stale_credential.sql?raw';
import staticCiCredential from './sql/posture.static_ci_credential.sql?raw';
import thirdPartyBroadScope from './sql/posture.third_party_broad_scope.sql?raw';
import wildcardPermission from './sql/posture.wildcard_permission.sql?raw';

export const POSTURE: DetectionDefinition[] = [
  {
    id: 'posture.no_owner',
    family: 'posture',
    title: 'No accountable owner',
    description:
      'The inventory records no owner for this identity (blank or a placeholder such as "n/a" or "TBD"), so nobody is accountable for its access, rotation or retirement.',
    severity: 'medium',
    params: [],
    owasp: ['NHI1'],
    nist: ['ID.AM-08', 'PR.AA-01'],
    usesBaseline: false,
    evidence: null,
    sql: noOwner,
  },
  {
    id: 'posture.owner_departed',
    family: 'posture',
    title: 'Owner departed',
    description:
      'The recorded owner is marked departed, terminated or disabled: the identity is orphaned, and a leaver may still know its secret.',
    severity: 'high',
    params: [],
    owasp: ['NHI1'],
    nist: ['PR.AA-01'],
    usesBaseline: false,
    evidence: null,
    sql: ownerDeparted,
  },
  {
    id: 'posture.stale_credential',
    family: 'posture',
    title: 'Stale credential',
    description:
      'A long-lived secret (key, password, token or certificate) was last rotated longer ago than the policy age; the longer a secret lives, the more places it can have leaked to.',
    severity: 'medium',
    params: [{ name: 'max_age_days', label: 'Policy age', default: 90, unit: 'days', min: 1, max: 3650 }],
    owasp: ['NHI7'],
    nist: ['PR.AA-01'],
    usesBaseline: false,
    evidence: null,
    sql: staleCredential,
  },
  {
    id: 'posture.never_rotated',
    family: 'posture',
    title: 'Credential never rotated',
    description:
      'A long-lived secret has never been rotated since it was created, and it is older than the policy age: everyone who ever handled it can still use it.',
    severity: 'medium',
    params: [{ name: 'max_age_days', label: 'Policy age', default: 90, unit: 'days', min: 1, max: 3650 }],
    owasp: ['NHI7'],
    nist: ['PR.AA-01'],
    usesBaseline: false,
    evidence: null,
    sql: neverRotated,
  },
  {
    id: 'posture.credential_expiry',
    family: 'posture',
    title: 'Credential expired or expiring',
    description:
      'The credential has expired, or expires within the notice period: renew or retire it before a job breaks, or remove a dead inventory entry.',
    severity: 'low',
    params: [{ name: 'notice_days', label: 'Notice period', default: 30, unit: 'days', min: 0, max: 365 }],
    owasp: ['NHI7'],
    nist: ['PR.AA-01'],
    usesBaseline: false,
    evidence: null,
    sql: credentialExpiry,
  },
  {
    id: 'posture.wildcard_permission',
    family: 'posture',
    title: 'Wildcard or admin-equivalent grant',
    description:
      'A grant has "*" in its action (e.g. "*", "iam:*", "s3:*") or is an admin-equivalent role or scope (AdministratorAccess, Owner, admin:org, repo, SUPER_ADMIN, cluster-admin, Directory.ReadWrite.All). One finding per grant.',
    severity: 'high',
    params: [],
    owasp: ['NHI5'],
    nist: ['PR.AA-05'],
    usesBaseline: false,
    evidence: null,
    sql: wildcardPermission,
  },
  {
    id: 'posture.insecure_secret_location',
    family: 'posture',
    title: 'Secret kept outside a vault',
    description:
      'The secret is kept in plaintext, a .env or config file, code or a repository, chat, a wiki, e-mail or a spreadsheet rather than a vault, KMS, secrets manager or federation.',
    severity: 'high',
    params: [],
    owasp: ['NHI2'],
    nist: ['PR.DS-01'],
    usesBaseline: false,
    evidence: null,
    sql: insecureSecretLocation,
  },
  {
    id: 'posture.third_party_broad_scope',
    family: 'posture',
    title: 'Third party with write or admin scope',
    description:
      'A vendor or third-party identity holds a scope that writes or administers (e.g. okta.users.manage, s3:PutObject, Owner); a compromise at the vendor becomes a compromise here. One finding per scope.',
    severity: 'high',
    params: [],
    owasp: ['NHI3'],
    nist: ['ID.AM-04', 'GV.SC'],
    usesBaseline: false,
    evidence: null,
    sql: thirdPartyBroadScope,
  },
  {
    id: 'posture.static_ci_credential',
    family: 'posture',
    title: 'CI/CD on a static credential',
    description:
      'A CI/CD identity (pipeline, GitHub Actions, Jenkins, deploy or release job) authenticates with a long-lived key, password or token instead of federation (OIDC), so the secret sits in the CI system waiting to leak.',
    severity: 'medium',
    params: [],
    owasp: ['NHI6'],
    nist: ['PR.AA-01'],
    usesBaseline: false,
    evidence: null,
    sql: staticCiCredential,
  },
  {
    id: 'posture.missing_purpose',
    family: 'posture',
    title: 'No declared purpose',
    description:
      'A high or critical identity declares no schedule, approved destinations or allowed data classes, so nothing says what it is for and its behaviour can only be judged against its own history.',
    severity: 'low',
    params: [],
    owasp: [],
    nist: ['ID.AM-08', 'AI RMF GOVERN 1.6'],
    usesBaseline: false,
    evidence: null,
    sql: missingPurpose,
  },
];
