#!/usr/bin/env node
// Writes Driftline's deterministic workshop workspace: an NHI register, CloudTrail / Okta / GitHub audit logs and change
// windows, generated from per-identity behaviour profiles plus a handful of planted incidents (see sample-data/README.md).
//
//   node sample-data/generate.mjs --out public/sample [--seed 1337] [--force]
//
// Same seed and Node version → byte-identical files: no wall clock, no Math.random, one seeded PRNG stream per label.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

// ───────────────────────────── time frame ─────────────────────────────
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** The scenario's as-of: the latest event is pinned here so the app's derived as-of equals manifest.asOf. */
const END = Date.UTC(2026, 2, 31, 23, 59, 59);
/** 45 days of evidence: 38 baseline days, then the 7-day detection window. */
const START = Date.UTC(2026, 1, 15);
const WINDOW_START = END + 1000 - 7 * DAY; // 2026-03-25T00:00:00Z
const at = (iso) => Date.parse(iso);

const isoSec = (t) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
const isoMs = (t) => new Date(t).toISOString();
const ymd = (t) => new Date(t).toISOString().slice(0, 10);
/** IAM's own date style inside responseElements, e.g. "Mar 27, 2026 3:01:32 AM". */
function iamDate(t) {
  const d = new Date(t);
  const h = d.getUTCHours() % 12 || 12;
  const mon = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ')[d.getUTCMonth()];
  return `${mon} ${d.getUTCDate()}, ${d.getUTCFullYear()} ${h}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')} ${d.getUTCHours() < 12 ? 'AM' : 'PM'}`;
}
const compactStamp = (t) => new Date(t).toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z'; // 20260326T1305Z
const dow = (t) => new Date(t).getUTCDay(); // 0 = Sunday
const isWeekday = (t) => dow(t) >= 1 && dow(t) <= 5;

/** Every scenario day as its 00:00 UTC timestamp. */
function scenarioDays() {
  const days = [];
  for (let d = START; d < END; d += DAY) days.push(d);
  return days;
}

// ───────────────────────────── seeded randomness ─────────────────────────────
function hash32(text) {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A named PRNG stream: each identity / file family draws from its own, so editing one profile never reshuffles another. */
class Rng {
  constructor(seed, label) {
    this.next = mulberry32(hash32(`${seed}:${label}`));
  }
  int(min, max) { return min + Math.floor(this.next() * (max - min + 1)); }
  chance(p) { return this.next() < p; }
  pick(items) { return items[Math.floor(this.next() * items.length)]; }
  /** Picks by weight from [[item, weight], ...]. */
  weighted(pairs) {
    let x = this.next() * pairs.reduce((s, [, w]) => s + w, 0);
    for (const [item, w] of pairs) if ((x -= w) < 0) return item;
    return pairs[pairs.length - 1][0];
  }
  normal() {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  poisson(mean) {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    for (let p = this.next(); p > limit; p *= this.next()) k++;
    return k;
  }
  chars(n, alphabet) { let s = ''; for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)]; return s; }
  hex(n) { return this.chars(n, '0123456789abcdef'); }
  uuid() {
    const h = this.hex(32);
    const variant = '89ab'[this.int(0, 3)];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
  awsKeyId(prefix) { return prefix + this.chars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'); }
  awsUniqueId(prefix) { return prefix + this.chars(17, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'); }
  oktaId(prefix) { return prefix + this.chars(17, ALNUM); }
  /** base64 of 32 random bytes, the shape of GitHub's hashed_token. */
  hashedToken() { return Buffer.from(Array.from({ length: 32 }, () => this.int(0, 255))).toString('base64'); }
}

// ───────────────────────────── the organisation ─────────────────────────────
const ACCOUNT = '123456789012'; // Acme's production AWS account
const FOREIGN_ACCOUNT = '444455556666'; // nobody at Acme owns this one: the planted exfiltration destination
const VENDOR_ACCOUNT = '210987654321'; // CloudHealth's account, which assumes our cross-account role
const REGION = 'us-east-1';
const OKTA_ORG = 'acme-example.okta.com';
const GH_ORG = 'acme-example';
const GH_ORG_ID = 81234567;
const GH_BUSINESS = 'acme-example-ent';
const GH_BUSINESS_ID = 4242;

/** Source networks with the context Okta would attach to them. */
const NETWORKS = {
  awsUsEast1: { city: 'Ashburn', state: 'Virginia', country: 'United States', postalCode: '20149', lat: 39.0469, lon: -77.4903, asNumber: 14618, asOrg: 'amazon.com  inc.', domain: 'amazonaws.com', cc: 'US' },
  acmeDatacenter: { city: 'Frankfurt am Main', state: 'Hesse', country: 'Germany', postalCode: '60313', lat: 50.1109, lon: 8.6821, asNumber: 64512, asOrg: 'acme example gmbh', domain: 'acme.example', cc: 'DE' },
  zendesk: { city: 'San Francisco', state: 'California', country: 'United States', postalCode: '94103', lat: 37.7725, lon: -122.4091, asNumber: 64513, asOrg: 'zendesk  inc.', domain: 'zendesk.com', cc: 'US' },
  githubRunners: { city: 'Des Moines', state: 'Iowa', country: 'United States', postalCode: '50309', lat: 41.5868, lon: -93.625, asNumber: 8075, asOrg: 'microsoft corporation', domain: 'azure.com', cc: 'US' },
  unknownVps: { city: 'Amsterdam', state: 'North Holland', country: 'Netherlands', postalCode: '1012', lat: 52.3740, lon: 4.8897, asNumber: 64514, asOrg: 'bulletproof hosting b.v.', domain: 'example.net', cc: 'NL' },
};

const UA = {
  boto3: 'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-201.855.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69',
  boto3Onprem: 'Boto3/1.26.137 Python/3.9.16 Linux/5.4.0-150-generic Botocore/1.29.137',
  cliV1: 'aws-cli/1.18.69 Python/2.7.18 Linux/4.14.173-137.229.amzn2.x86_64 botocore/1.16.19',
  cli: (command) => `aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#5.15.0-1055-aws md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython exe/x86_64.ubuntu.22 prompt/off command/${command}`,
  cliGithubRunner: (command) => `aws-cli/2.15.40 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0-1018-azure md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython exe/x86_64.ubuntu.22 prompt/off command/${command}`,
  cliAttacker: (command) => `aws-cli/2.13.25 Python/3.11.5 Darwin/23.0.0 exe/x86_64 prompt/off command/${command}`,
  cliContractor: (command) => `aws-cli/2.11.2 Python/3.11.2 Windows/10 exe/AMD64 prompt/off command/${command}`,
  goSdk: 'aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64',
  lambdaNode: (api) => `aws-sdk-js/3.540.0 ua/2.0 os/linux#5.10.214-223.831.amzn2.x86_64 lang/js md/nodejs#20.12.0 api/${api}#3.540.0 exec-env/AWS_Lambda_nodejs20.x`,
  javaSdk: 'aws-sdk-java/1.12.600 Linux/5.10.205-195.804.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/11.0.21+9-LTS java/11.0.21 vendor/Amazon.com_Inc. exec-env/AWS_ECS_FARGATE',
  terraformAws: 'APN/1.0 HashiCorp/1.0 Terraform/1.7.5 (+https://www.terraform.io) terraform-provider-aws/5.42.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.3 ua/2.0 os/linux lang/go#1.22.1',
  chrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36',
  oktaJava: 'okta-sdk-java/17.0.0 java/17.0.10 Linux/5.10.213-201.855.amzn2.x86_64',
  oktaGo: 'okta-sdk-golang/2.20.0 golang/go1.21.6 linux/amd64 terraform/1.7.5 terraform-provider-okta/4.8.0',
  faraday: 'Faraday v2.9.0',
  apacheHttp: 'Apache-HttpClient/4.5.14 (Java/17.0.9)',
  git: 'git/2.43.0',
  gitRunner: 'git/2.44.0',
  gitSnyk: 'git/2.40.1',
  gitMac: 'git/2.39.3 (Apple Git-146)',
  terraformGithub: 'Terraform/1.7.5 (+https://www.terraform.io) Terraform-Plugin-SDK/2.33.0 terraform-provider-github/6.2.1',
  goGithub: 'go-github/v60.0.0',
};

// ───────────────────────────── the NHI register (inventory, with its posture problems) ─────────────────────────────
// Each entry is one register row; `ids` are generated per identity so keys, client ids and hashes stay stable.
const REGISTER = [
  { name: 'svc-data-sync', type: 'IAM user', platform: 'aws', account: ACCOUNT, owner: 'priya.raman@acme.example', ownerStatus: 'active', team: 'Data Platform', env: 'prod', criticality: 'high', permissions: 's3:GetObject;s3:PutObject;s3:ListBucket', secretLocation: 'AWS Secrets Manager (prod/data-sync/aws-key)', credentialType: 'static key', created: '2024-09-12', rotated: '2026-02-10', expires: '', vendor: '', schedule: '01:00-03:00 UTC', destinations: 'arn:aws:s3:::acme-analytics-landing', dataClasses: 'internal;confidential', notes: 'Nightly CRM + orders extracts into the analytics landing zone' },
  { name: 'ci-legacy-deployer', type: 'IAM user', platform: 'aws', account: ACCOUNT, owner: 'tomas.novak@acme.example', ownerStatus: 'active', team: 'Platform', env: 'prod', criticality: 'high', permissions: 'ecr:GetAuthorizationToken;ecr:BatchCheckLayerAvailability;ecr:InitiateLayerUpload;ecr:CompleteLayerUpload;ecr:PutImage;ecs:RegisterTaskDefinition;ecs:UpdateService;ecs:DescribeServices;s3:PutObject;iam:PassRole', secretLocation: 'Jenkins credentials store', credentialType: 'static key', created: '2023-06-01', rotated: '2026-01-20', expires: '', vendor: '', schedule: '08:00-18:00 Mon-Fri', destinations: 'arn:aws:s3:::acme-deploy-artifacts', dataClasses: 'internal', notes: 'Jenkins pipeline for the legacy ECS services; OIDC migration pending (PLAT-311)' },
  { name: 'github-actions-deploy', type: 'IAM role', platform: 'aws', account: ACCOUNT, owner: 'lena.fischer@acme.example', ownerStatus: 'active', team: 'Web', env: 'prod', criticality: 'medium', permissions: 's3:PutObject;s3:GetObject;cloudfront:CreateInvalidation;cloudformation:DescribeStacks', secretLocation: 'none (GitHub OIDC federation)', credentialType: 'federated/OIDC', created: '2025-03-04', rotated: '', expires: '', vendor: '', schedule: '12:00-22:00 Mon-Fri', destinations: 'arn:aws:s3:::acme-static-site-prod', dataClasses: 'public', notes: 'Deploys www from acme-example/website on merge to main' },
  { name: 'backup-nightly', type: 'IAM role', platform: 'aws', account: ACCOUNT, owner: 'marcus.lee@acme.example', ownerStatus: 'active', team: 'SRE', env: 'prod', criticality: 'critical', permissions: 'rds:CreateDBSnapshot;rds:DescribeDBSnapshots;rds:DeleteDBSnapshot;ec2:CreateSnapshot;ec2:DescribeSnapshots;ec2:DeleteSnapshot;dynamodb:CreateBackup;s3:PutObject;s3:GetLifecycleConfiguration;s3:PutLifecycleConfiguration', secretLocation: 'EC2 instance profile (no stored secret)', credentialType: 'temporary (STS role)', created: '2024-01-15', rotated: '', expires: '', vendor: '', schedule: '02:00-04:00 UTC', destinations: 'arn:aws:s3:::acme-prod-backups', dataClasses: 'confidential;restricted', notes: 'Runs on backup-runner-01 (i-0b7c3a2f9d1e4a5c6)' },
  { name: 'stripe-webhook-handler', type: 'IAM role (Lambda execution)', platform: 'aws', account: ACCOUNT, owner: 'sofia.marin@acme.example', ownerStatus: 'active', team: 'Payments', env: 'prod', criticality: 'high', permissions: 's3:PutObject;dynamodb:PutItem;secretsmanager:GetSecretValue', secretLocation: 'Lambda execution role (no stored secret)', credentialType: 'temporary (STS role)', created: '2024-11-03', rotated: '', expires: '', vendor: '', schedule: '', destinations: 'arn:aws:s3:::acme-webhook-payloads;arn:aws:dynamodb:us-east-1:123456789012:table/payments-events', dataClasses: 'confidential', notes: 'Event-driven (Stripe webhooks); bursts every Monday when payouts settle' },
  { name: 'svc-legacy-etl', type: 'IAM user', platform: 'aws', account: ACCOUNT, owner: 'marco.bianchi@acme.example', ownerStatus: 'departed', team: 'BI', env: 'prod', criticality: 'medium', permissions: 's3:*', secretLocation: 'Ansible Vault (etl-01)', credentialType: 'static key', created: '2022-04-19', rotated: '08/19/2025', expires: '', vendor: '', schedule: '', destinations: 'arn:aws:s3:::acme-legacy-dw-staging', dataClasses: 'internal', notes: 'Owner left in January; reassignment ticket BI-977 open' },
  { name: 'svc-cmdb-scanner', type: 'IAM user', platform: 'aws', account: ACCOUNT, owner: 'dev.patel@acme.example', ownerStatus: 'active', team: 'IT Operations', env: 'shared', criticality: 'low', permissions: 'ec2:DescribeInstances;ec2:DescribeVolumes;rds:DescribeDBInstances', secretLocation: '.env file (cmdb-collector docker-compose)', credentialType: 'static key', created: '2025-05-06', rotated: '01/27/2026', expires: '', vendor: '', schedule: '', destinations: '', dataClasses: 'internal', notes: 'Read-only inventory collector feeding the ServiceNow CMDB every 2 hours' },
  { name: 'svc-billing-export', type: 'IAM user', platform: 'aws', account: ACCOUNT, owner: 'hannah.okafor@acme.example', ownerStatus: 'active', team: 'Finance Systems', env: 'prod', criticality: 'medium', permissions: 'athena:StartQueryExecution;athena:GetQueryExecution;athena:GetQueryResults;s3:GetObject;s3:PutObject', secretLocation: 'AWS Secrets Manager (prod/billing-export)', credentialType: 'static key', created: '2025-02-02', rotated: '2026-03-02', expires: '', vendor: '', schedule: '05:00-06:00 UTC', destinations: 'arn:aws:s3:::acme-billing-exports', dataClasses: 'confidential', notes: 'Daily cost-and-usage export for finance' },
  { name: 'svc-old-reporting', type: 'IAM user', platform: 'aws', account: ACCOUNT, owner: 'grace.kim@acme.example', ownerStatus: 'active', team: 'BI', env: 'prod', criticality: 'low', permissions: 's3:GetObject;athena:StartQueryExecution', secretLocation: 'AWS Secrets Manager (prod/old-reporting)', credentialType: 'static key', created: '05/24/2024', rotated: '', expires: '', vendor: '', schedule: '', destinations: '', dataClasses: 'internal', notes: 'Replaced by Looker in 2025; decommission pending' },
  { name: 'vendor-cloudhealth', type: 'IAM role (cross-account)', platform: 'aws', account: ACCOUNT, owner: 'nora.hansen@acme.example', ownerStatus: 'active', team: 'FinOps', env: 'prod', criticality: 'medium', permissions: 'ec2:DescribeInstances;ec2:DescribeVolumes;rds:DescribeDBInstances;ce:GetCostAndUsage', secretLocation: 'External ID held by vendor', credentialType: 'temporary (cross-account role)', created: '2024-07-22', rotated: '', expires: '', vendor: 'CloudHealth (Broadcom)', schedule: '', destinations: '', dataClasses: 'internal', notes: `Polls every 6 hours from the vendor account ${VENDOR_ACCOUNT}` },
  { name: 'terraform-admin', type: 'IAM role', platform: 'aws', account: ACCOUNT, owner: 'oliver.grant@acme.example', ownerStatus: 'active', team: 'Platform', env: 'prod', criticality: 'critical', permissions: '*', secretLocation: 'none (Terraform Cloud dynamic credentials)', credentialType: 'federated/OIDC', created: '2023-11-08', rotated: '', expires: '', vendor: '', schedule: '13:00-20:00 Mon-Fri', destinations: '', dataClasses: 'internal;confidential', notes: 'Terraform Cloud workspace acme-prod-infra' },
  { name: 'HR Sync (Workday to Okta)', type: 'OAuth service app', platform: 'okta', account: OKTA_ORG, owner: 'ines.moreau@acme.example', ownerStatus: 'active', team: 'Identity', env: 'prod', criticality: 'high', permissions: 'okta.users.manage;okta.groups.manage', secretLocation: 'HashiCorp Vault (kv/okta/hr-sync)', credentialType: 'certificate (private_key_jwt)', created: '2025-01-10', rotated: '2026-01-28', expires: '2027-01-28', vendor: '', schedule: '', destinations: '', dataClasses: 'internal;pii', notes: 'Provisions joiners / movers from Workday' },
  { name: 'Terraform Okta provider', type: 'OAuth service app', platform: 'okta', account: OKTA_ORG, owner: 'oliver.grant@acme.example', ownerStatus: 'active', team: 'Platform', env: 'prod', criticality: 'high', permissions: 'okta.apps.manage;okta.policies.manage;okta.groups.read', secretLocation: 'HashiCorp Vault (kv/okta/terraform)', credentialType: 'certificate (private_key_jwt)', created: '2024-10-01', rotated: '2026-02-05', expires: '2027-02-05', vendor: '', schedule: '13:00-20:00 Mon-Fri', destinations: '', dataClasses: 'internal', notes: '' },
  { name: 'Zendesk', type: 'OAuth app (third party)', platform: 'okta', account: OKTA_ORG, owner: 'rachel.adams@acme.example', ownerStatus: 'active', team: 'Customer Support', env: 'prod', criticality: 'medium', permissions: 'okta.users.read;okta.users.manage', secretLocation: 'Vendor-held (Zendesk admin console)', credentialType: 'client secret', created: '2024-03-18', rotated: '2026-01-15', expires: '2027-01-15', vendor: 'Zendesk', schedule: '', destinations: '', dataClasses: 'pii', notes: 'Agent provisioning; vendor asked for manage scope in 2024' },
  { name: 'svc-jira-sync', type: 'Okta service user', platform: 'okta', account: OKTA_ORG, owner: '', ownerStatus: '', team: 'IT Operations', env: 'prod', criticality: 'medium', permissions: 'Read-only Administrator', secretLocation: 'Slack (#it-ops pinned message)', credentialType: 'password', created: '2023-08-14', rotated: '2026-02-20', expires: '', vendor: '', schedule: '', destinations: '', dataClasses: 'internal', notes: 'Jira Data Center user-directory connector' },
  { name: 'svc-docs-publisher', type: 'Fine-grained PAT', platform: 'github', account: GH_ORG, owner: 'kevin.brooks@acme.example', ownerStatus: 'active', team: 'Developer Experience', env: 'prod', criticality: 'medium', permissions: 'contents:read (all repositories);contents:write (docs-site);metadata:read', secretLocation: 'GitHub Actions secret (acme-example/docs-site)', credentialType: 'token', created: '2025-04-14', rotated: '2026-01-13', expires: '2026-04-12', vendor: '', schedule: '', destinations: 'acme-example/docs-site', dataClasses: 'public;internal', notes: 'Publishes docs-site to GitHub Pages' },
  { name: 'acme-ci[bot]', type: 'GitHub App', platform: 'github', account: GH_ORG, owner: 'lena.fischer@acme.example', ownerStatus: 'active', team: 'Developer Experience', env: 'prod', criticality: 'medium', permissions: 'contents:read;checks:write;statuses:write;actions:read', secretLocation: 'HashiCorp Vault (kv/github/acme-ci)', credentialType: 'certificate (App private key)', created: '2024-02-20', rotated: '2026-02-16', expires: '', vendor: '', schedule: '07:00-21:00 Mon-Fri', destinations: '', dataClasses: 'source-code', notes: 'Self-hosted runners, app id 812345' },
  { name: 'terraform-github[bot]', type: 'GitHub App', platform: 'github', account: GH_ORG, owner: 'oliver.grant@acme.example', ownerStatus: 'active', team: 'Platform', env: 'prod', criticality: 'high', permissions: 'administration:write;members:write;contents:read', secretLocation: 'HashiCorp Vault (kv/github/terraform)', credentialType: 'certificate (App private key)', created: '2024-05-02', rotated: '2026-02-03', expires: '', vendor: '', schedule: '13:00-20:00 Mon-Fri', destinations: '', dataClasses: 'source-code', notes: 'Org settings as code (branch protection, teams, members)' },
  { name: 'snyk-io[bot]', type: 'GitHub App (third party)', platform: 'github', account: GH_ORG, owner: 'amir.haddad@acme.example', ownerStatus: 'active', team: 'Security', env: 'prod', criticality: 'medium', permissions: 'contents:read;metadata:read;security_events:read', secretLocation: 'Vendor-held (Snyk)', credentialType: 'certificate (App private key)', created: '2024-09-30', rotated: '2026-01-09', expires: '', vendor: 'Snyk', schedule: '03:00-04:00 UTC', destinations: '', dataClasses: 'source-code', notes: 'Nightly dependency scan of the core repositories' },
  { name: 'acme-release-bot', type: 'Classic PAT (machine user)', platform: 'github', account: GH_ORG, owner: 'tomas.novak@acme.example', ownerStatus: 'active', team: 'Platform', env: 'prod', criticality: 'high', permissions: 'repo;workflow;admin:org', secretLocation: 'GitHub repo (acme-example/release-tools, .env.release)', credentialType: 'token', created: '2024-06-03', rotated: '2026-02-01', expires: '2026-08-01', vendor: '', schedule: '', destinations: '', dataClasses: 'source-code', notes: 'Nightly release workflow and weekly tag push' },
];
const identity = Object.fromEntries(REGISTER.map((row) => [row.name, row]));

/** Generated identifiers: AWS key / principal ids, Okta client and user ids, GitHub actor ids and token hashes. */
function assignIds(seed) {
  for (const row of REGISTER) {
    const r = new Rng(seed, `ids:${row.name}`);
    row.ids = {};
    if (row.platform === 'aws') {
      const kind = row.type.startsWith('IAM user') ? 'user' : 'role';
      row.ids.arn = `arn:aws:iam::${ACCOUNT}:${kind}/${row.name}`;
      row.ids.principalId = r.awsUniqueId(kind === 'user' ? 'AIDA' : 'AROA');
      if (kind === 'user') row.ids.accessKeyId = r.awsKeyId('AKIA');
    } else if (row.platform === 'okta') {
      row.ids.oktaId = r.oktaId(row.type.includes('user') ? '00u' : '0oa');
    } else if (row.platform === 'github') {
      row.ids.actorId = r.int(90_000_000, 160_000_000);
      if (row.type.includes('PAT')) {
        row.ids.hashedToken = r.hashedToken();
        row.ids.tokenId = r.int(4_000_000, 9_000_000);
      }
      if (row.type.startsWith('GitHub App')) row.ids.clientId = `Iv23li${r.chars(14, ALNUM)}`;
    }
  }
}

/** The register's alias column: the string each vendor log will name the identity by. */
function aliasOf(row) {
  return row.ids.accessKeyId ?? row.ids.oktaId ?? row.ids.hashedToken ?? row.ids.clientId ?? '';
}

// ───────────────────────────── CloudTrail records ─────────────────────────────
const SERVICE_HOST = { iam: 'iam.amazonaws.com', cloudfront: 'cloudfront.amazonaws.com', sts: 'sts.us-east-1.amazonaws.com' };

/** A long-term-key caller (IAM user with an AKIA key). */
function iamUserCaller(row, { ip, ua, accessKeyId = row.ids.accessKeyId }) {
  return {
    ip, ua,
    userIdentity: { type: 'IAMUser', principalId: row.ids.principalId, arn: row.ids.arn, accountId: ACCOUNT, accessKeyId, userName: row.name },
  };
}

/** A role-session caller (ASIA key, assumed-role ARN, session issuer = the role). */
function roleSessionCaller(row, { session, accessKeyId, createdAt, ip, ua, federatedProvider, ec2 }) {
  const sessionContext = {
    sessionIssuer: { type: 'Role', principalId: row.ids.principalId, arn: row.ids.arn, accountId: ACCOUNT, userName: row.name },
    webIdFederationData: federatedProvider ? { federatedProvider, attributes: {} } : {},
    attributes: { creationDate: isoSec(createdAt), mfaAuthenticated: 'false' },
  };
  if (ec2) sessionContext.ec2RoleDelivery = '2.0';
  return {
    ip, ua,
    userIdentity: {
      type: 'AssumedRole', principalId: `${row.ids.principalId}:${session}`, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${row.name}/${session}`,
      accountId: ACCOUNT, accessKeyId, sessionContext,
    },
  };
}

/**
 * Builds one CloudTrail record with the field order CloudTrail itself uses.
 * `call`: { svc, name, readOnly, data?, params?, response?, additional?, resources?, error?, eventType?, host? }
 */
function cloudTrailRecord(r, t, caller, call) {
  const rec = {
    eventVersion: '1.09',
    userIdentity: caller.userIdentity,
    eventTime: isoSec(t),
    eventSource: `${call.svc}.amazonaws.com`,
    eventName: call.name,
    awsRegion: REGION,
    sourceIPAddress: caller.ip,
    userAgent: caller.ua,
  };
  if (call.error) {
    rec.errorCode = call.error.code;
    rec.errorMessage = call.error.message;
  }
  rec.requestParameters = call.params ?? null;
  rec.responseElements = call.error ? null : call.response ?? null;
  if (call.additional) rec.additionalEventData = call.additional;
  rec.requestID = call.svc === 's3' ? r.chars(16, '0123456789ABCDEF') : r.uuid();
  rec.eventID = r.uuid();
  rec.readOnly = call.readOnly;
  if (call.resources) rec.resources = call.resources;
  rec.eventType = call.eventType ?? 'AwsApiCall';
  rec.managementEvent = !call.data;
  rec.recipientAccountId = ACCOUNT;
  if (call.sharedEventID) rec.sharedEventID = r.uuid();
  rec.eventCategory = call.data ? 'Data' : 'Management';
  rec.tlsDetails = {
    tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256',
    clientProvidedHostHeader: call.host ?? SERVICE_HOST[call.svc] ?? `${call.svc}.${REGION}.amazonaws.com`,
  };
  if (caller.fromConsole) rec.sessionCredentialFromConsole = 'true';
  return rec;
}

// Call builders for the API calls the profiles use. S3 object calls are data events, everything else management events.
function s3ObjectCall(name, bucket, key, { bytes = 0, bucketAccount = ACCOUNT } = {}) {
  const isGet = name === 'GetObject';
  return {
    svc: 's3', name, readOnly: isGet, data: true, host: `${bucket}.s3.${REGION}.amazonaws.com`,
    params: { bucketName: bucket, Host: `${bucket}.s3.${REGION}.amazonaws.com`, key },
    response: isGet ? null : { 'x-amz-server-side-encryption': 'AES256' },
    additional: { SignatureVersion: 'SigV4', CipherSuite: 'TLS_AES_128_GCM_SHA256', bytesTransferredIn: isGet ? 0 : bytes, AuthenticationMethod: 'AuthHeader', bytesTransferredOut: isGet ? bytes : 0 },
    resources: [
      { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` },
      { accountId: bucketAccount, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
    ],
    sharedEventID: bucketAccount !== ACCOUNT, // cross-account calls are delivered to both accounts
  };
}
const mgmt = (svc, name, readOnly, params = null, response = null, extra = {}) => ({ svc, name, readOnly, params, response, ...extra });
const accessDenied = (caller, action) => ({
  code: 'AccessDenied',
  message: `User: ${caller.userIdentity.arn} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
});

// ───────────────────────────── Okta System Log events ─────────────────────────────
// Display message, legacy type and request path of each event type the profiles emit (the path is built from the targets).
const OKTA_EVENT_TYPES = {
  'app.oauth2.as.token.grant.access_token': { display: 'OAuth2 access token is granted', legacy: 'app.oauth2.as.token.grant.access_token_success', uri: () => '/oauth2/v1/token' },
  'user.account.update_profile': { display: 'Update user profile for Okta', legacy: 'core.user.config.profile_update.success', uri: ([user]) => `/api/v1/users/${user.id}` },
  'group.user_membership.add': { display: 'Add user to group membership', legacy: 'core.user_group_member.user_add', uri: ([user, group]) => `/api/v1/groups/${group.id}/users/${user.id}` },
  'user.lifecycle.create': { display: 'Create Okta user', legacy: 'core.user.config.user_creation.success', uri: () => '/api/v1/users' },
  'application.lifecycle.update': { display: 'Update application', legacy: 'app.admin.app.update', uri: ([app]) => `/api/v1/apps/${app.id}` },
  'policy.rule.update': { display: 'Update policy rule', legacy: null, uri: ([rule, policy]) => `/api/v1/policies/${policy.id}/rules/${rule.id}` },
  'user.session.start': { display: 'User login to Okta', legacy: 'core.user_auth.login_success', uri: () => '/api/v1/authn' },
};

function oktaActor(row) {
  return row.type.includes('user')
    ? { id: row.ids.oktaId, type: 'User', alternateId: `${row.name}@acme.example`, displayName: row.name, detailEntry: null }
    : { id: row.ids.oktaId, type: 'PublicClientApp', alternateId: row.ids.oktaId, displayName: row.name, detailEntry: null };
}

function oktaEvent(r, t, actor, eventType, { ip, net, ua, outcome = 'SUCCESS', reason = null, target = [], debugData = {}, authn = {} }) {
  const spec = OKTA_EVENT_TYPES[eventType];
  const g = NETWORKS[net];
  const geo = { city: g.city, state: g.state, country: g.country, postalCode: g.postalCode, geolocation: { lat: g.lat, lon: g.lon } };
  const requestId = r.chars(27, ALNUM);
  const uri = spec.uri(target);
  return {
    actor,
    client: { userAgent: { rawUserAgent: ua, os: 'Unknown', browser: 'UNKNOWN' }, zone: 'null', device: 'Unknown', id: null, ipAddress: ip, geographicalContext: geo },
    device: null,
    authenticationContext: { authenticationProvider: null, credentialProvider: null, credentialType: null, issuer: null, interface: null, authenticationStep: 0, rootSessionId: 'unknown', externalSessionId: 'unknown', ...authn },
    displayMessage: spec.display,
    eventType,
    outcome: { result: outcome, reason },
    published: isoMs(t + r.int(0, 999)), // Okta stamps milliseconds; the profiles work in whole seconds
    securityContext: { asNumber: g.asNumber, asOrg: g.asOrg, isp: g.asOrg, domain: g.domain, isProxy: false },
    severity: outcome === 'SUCCESS' ? 'INFO' : 'WARN',
    debugContext: { debugData: { requestId, requestUri: uri, url: `${uri}?`, ...debugData } },
    legacyEventType: spec.legacy,
    transaction: { type: 'WEB', id: requestId, detail: {} },
    uuid: r.uuid(),
    version: '0',
    request: { ipChain: [{ ip, geographicalContext: geo, version: 'V4', source: null }] },
    target,
  };
}

/** People and groups that appear as Okta targets; joiners get fresh user ids. */
function oktaDirectory(seed) {
  const r = new Rng(seed, 'okta-directory');
  const first = ['Ana', 'Ben', 'Chloe', 'Daniel', 'Elif', 'Farah', 'George', 'Hana', 'Ivan', 'Julia', 'Kofi', 'Laura', 'Mateo', 'Nina', 'Omar', 'Paula'];
  const last = ['Silva', 'Weber', 'Nguyen', 'Kowalski', 'Haddad', 'Jensen', 'Rossi', 'Tanaka', 'Okoye', 'Moreau', 'Larsen', 'Costa'];
  const person = () => {
    const f = r.pick(first); const l = r.pick(last);
    return { id: r.oktaId('00u'), type: 'User', alternateId: `${f}.${l}@acme.example`.toLowerCase(), displayName: `${f} ${l}`, detailEntry: null };
  };
  const group = (name) => ({ id: r.oktaId('00g'), type: 'UserGroup', alternateId: 'unknown', displayName: name, detailEntry: null });
  return {
    people: Array.from({ length: 90 }, person),
    newPerson: person,
    groups: ['Engineering', 'Sales', 'Customer Support', 'Finance', 'All Staff', 'VPN Users'].map(group),
    privilegedGroups: ['AWS-Prod-Admins', 'Okta-Super-Admins'].map(group),
    apps: ['Salesforce', 'Slack', 'AWS IAM Identity Center', 'Jira'].map((name) => ({ id: r.oktaId('0oa'), type: 'AppInstance', alternateId: name, displayName: name, detailEntry: null })),
    policies: ['Default Policy', 'Contractors', 'Admins MFA'].map((name) => ({ id: r.oktaId('00p'), type: 'PolicyEntity', alternateId: 'unknown', displayName: name, detailEntry: null })),
  };
}

function accessTokenTarget(r, t, clientId) {
  return [{ id: `AT.${r.chars(43, ALNUM)}`, type: 'access_token', alternateId: 'access_token v1', displayName: 'Access Token', detailEntry: { expires: isoMs(t + HOUR), subject: clientId } }];
}

// ───────────────────────────── GitHub audit-log events ─────────────────────────────
const GH_OPERATION = { 'git.clone': 'access', 'git.push': 'modify', 'repo.download_zip': 'access', 'protected_branch.update': 'modify', 'team.add_repository': 'modify', 'org.add_member': 'create', 'workflows.completed_workflow_run': 'modify' };

/** A GitHub Enterprise audit-log stream event. `token`: { hashed, id, type } when a programmatic credential was used. */
function githubEvent(r, t, row, action, { repo, ip, ua, net, token, extra = {} }) {
  const ms = t + r.int(0, 999); // GitHub stamps milliseconds; the profiles work in whole seconds
  const ev = { '@timestamp': ms, _document_id: r.chars(22, ALNUM + '-_'), action, actor: row.name, actor_id: row.ids.actorId };
  if (ip) {
    ev.actor_ip = ip;
    ev.actor_location = { country_code: NETWORKS[net].cc };
  }
  Object.assign(ev, { business: GH_BUSINESS, business_id: GH_BUSINESS_ID, created_at: ms });
  if (token) ev.hashed_token = token.hashed;
  ev.operation_type = GH_OPERATION[action];
  Object.assign(ev, { org: GH_ORG, org_id: GH_ORG_ID });
  if (token) ev.programmatic_access_type = token.type;
  if (repo) Object.assign(ev, { repo: `${GH_ORG}/${repo.name}`, repo_id: repo.id, repository: `${GH_ORG}/${repo.name}`, repository_public: repo.name === 'docs-site' });
  if (token) ev.token_id = token.id;
  if (action.startsWith('git.')) Object.assign(ev, { transport_protocol: 1, transport_protocol_name: 'http' });
  Object.assign(ev, extra); // action-specific fields; `user` / `user_id` name the affected user where there is one
  if (ua) ev.user_agent = ua;
  ev.user_id ??= row.ids.actorId;
  return ev;
}

/** The organisation's repositories: a handful of core ones that automation touches, and the long tail. */
function githubRepos(seed) {
  const r = new Rng(seed, 'github-repos');
  const domains = ['payments', 'billing', 'orders', 'catalog', 'identity', 'search', 'notifications', 'analytics', 'mobile', 'checkout', 'pricing', 'ledger'];
  const kinds = ['api', 'worker', 'ui', 'sdk'];
  const names = ['platform-api', 'website', 'docs-site', 'shared-protos', 'infra-terraform', 'helm-charts', 'release-tools', 'security-policies',
    'payments-api', 'orders-api', 'orders-worker', 'catalog-api', 'billing-worker', 'identity-api', 'checkout-ui', 'notifications-worker'];
  for (const d of domains) for (const k of kinds) if (!names.includes(`${d}-${k}`) && r.chance(0.4)) names.push(`${d}-${k}`);
  return names.map((name) => ({ name, id: r.int(600_000_000, 800_000_000) }));
}

// ───────────────────────────── the scenario ─────────────────────────────
/** Collects generated records per source, each with its own timestamp (for sorting and file splitting). */
class Evidence {
  constructor() { this.cloudtrail = []; this.okta = []; this.github = []; }
  addCloudTrail(rec) { this.cloudtrail.push({ t: Date.parse(rec.eventTime), rec }); }
  addOkta(rec) { this.okta.push({ t: Date.parse(rec.published), rec }); }
  addGithub(rec) { this.github.push({ t: rec['@timestamp'], rec }); }
}

/** Diurnal weight in [0, 1]: 0 at `trough` hour, 1 twelve hours later. */
const diurnal = (hour, trough = 3) => (1 - Math.cos(((hour - trough) / 24) * 2 * Math.PI)) / 2;
const sec = (n) => n * 1000;

function simulate(seed) {
  const ev = new Evidence();
  const days = scenarioDays();
  const dir = oktaDirectory(seed);
  const repos = githubRepos(seed);
  const repo = (name) => repos.find((x) => x.name === name);
  const rngFor = (label) => new Rng(seed, label);
  const facts = {}; // when and how big each planted incident came out, for the CLI summary

  // ── AWS: svc-data-sync — nightly 01:00–03:00 copy of CRM and order extracts into the landing zone (declared schedule).
  {
    const row = identity['svc-data-sync'];
    const r = rngFor(row.name);
    const caller = iamUserCaller(row, { ip: '3.92.44.18', ua: UA.boto3 });
    for (const day of days) {
      let t = day + HOUR + sec(r.int(180, 540));
      const files = r.int(15, 22);
      for (let i = 0; i < files && t < day + 2 * HOUR + 50 * MIN; i++) {
        const source = r.pick(['crm', 'orders']);
        const key = `${source}/dt=${ymd(day)}/part-${String(i).padStart(5, '0')}.snappy.parquet`;
        const bytes = r.int(2_000_000, 40_000_000);
        ev.addCloudTrail(cloudTrailRecord(r, t, caller, s3ObjectCall('GetObject', `acme-${source}-exports`, key, { bytes })));
        t += sec(r.int(20, 90));
        ev.addCloudTrail(cloudTrailRecord(r, t, caller, s3ObjectCall('PutObject', 'acme-analytics-landing', `raw/${key}`, { bytes })));
        t += sec(r.int(30, 150));
      }
    }
    // Planted incident (b): at 13:00 UTC the key bulk-reads a payroll bucket it never touched and writes into a bucket
    // owned by a foreign account. Same host and user agent as every night: the credential, not the tooling, went rogue.
    const ri = rngFor('incident-b');
    let t = at('2026-03-26T13:02:14Z');
    facts.b = { reads: 0, writes: 0, start: t };
    for (let i = 0; i < 720; i++, t += sec(ri.int(1, 4))) {
      const key = `exports/2026-03/payslips/EMP${String(10000 + ri.int(0, 8999))}-${ri.hex(6)}.pdf`;
      ev.addCloudTrail(cloudTrailRecord(ri, t, caller, s3ObjectCall('GetObject', 'finance-payroll-exports', key, { bytes: ri.int(60_000, 400_000) })));
      facts.b.reads++;
    }
    for (let i = 0; i < 48; i++, t += sec(ri.int(5, 15))) {
      const key = `incoming/acme/batch-${String(i).padStart(3, '0')}.zip`;
      ev.addCloudTrail(cloudTrailRecord(ri, t, caller, s3ObjectCall('PutObject', 'northwind-transfer-drop', key, { bytes: ri.int(3_000_000, 9_000_000), bucketAccount: FOREIGN_ACCOUNT })));
      facts.b.writes++;
      facts.b.end = t;
    }
  }

  // ── AWS: ci-legacy-deployer — Jenkins pushes images and rolls ECS services 1–3 times per working day.
  {
    const row = identity['ci-legacy-deployer'];
    const r = rngFor(row.name);
    const services = ['orders-api', 'billing-worker', 'catalog-api', 'notifications-worker'];
    for (const day of days) {
      if (!isWeekday(day)) continue;
      const starts = Array.from({ length: r.int(1, 3) }, () => day + 9 * HOUR + sec(r.int(0, 8 * 3600))).sort((a, b) => a - b);
      for (let t of starts) {
        const ip = r.pick(['34.201.88.10', '34.201.88.11']);
        const call = (cmd, c) => { ev.addCloudTrail(cloudTrailRecord(r, t, iamUserCaller(row, { ip, ua: UA.cli(cmd) }), c)); t += sec(r.int(2, 25)); };
        const service = r.pick(services);
        const repoName = `acme/${service}`;
        const build = r.int(1000, 9999);
        call('ecr.get-login-password', mgmt('ecr', 'GetAuthorizationToken', true, { registryIds: [ACCOUNT] }));
        call('ecr.batch-check-layer-availability', mgmt('ecr', 'BatchCheckLayerAvailability', true, { repositoryName: repoName, registryId: ACCOUNT }));
        for (let layer = r.int(1, 2); layer > 0; layer--) {
          const uploadId = r.uuid();
          call('ecr.initiate-layer-upload', mgmt('ecr', 'InitiateLayerUpload', false, { repositoryName: repoName, registryId: ACCOUNT }, { uploadId, partSize: 10485760 }));
          call('ecr.complete-layer-upload', mgmt('ecr', 'CompleteLayerUpload', false, { repositoryName: repoName, registryId: ACCOUNT, uploadId }, null));
        }
        call('ecr.put-image', mgmt('ecr', 'PutImage', false, { repositoryName: repoName, imageTag: `build-${build}`, registryId: ACCOUNT }, null));
        call('ecs.register-task-definition', mgmt('ecs', 'RegisterTaskDefinition', false, { family: service, containerDefinitions: [{ name: service, image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${repoName}:build-${build}` }] }, null));
        call('ecs.update-service', mgmt('ecs', 'UpdateService', false, { cluster: 'legacy-prod', service, taskDefinition: service }, null));
        for (let n = r.int(2, 3); n > 0; n--) call('ecs.describe-services', mgmt('ecs', 'DescribeServices', true, { cluster: 'legacy-prod', services: [service] }, null));
        call('s3.cp', s3ObjectCall('PutObject', 'acme-deploy-artifacts', `${service}/build-${build}/manifest.json`, { bytes: r.int(2_000, 9_000) }));
      }
    }
    // Planted incident (a): 03:00 UTC on a Friday, a laptop that never used this key before mints a second key for the user
    // and attaches AdministratorAccess — persistence with a leaked CI credential.
    const ri = rngFor('incident-a');
    const ip = '203.0.113.89';
    const newKey = ri.awsKeyId('AKIA');
    let t = at('2026-03-27T03:00:41Z');
    const oldKey = row.ids.accessKeyId;
    const steps = [
      ['sts.get-caller-identity', oldKey, () => mgmt('sts', 'GetCallerIdentity', true)],
      ['iam.list-attached-user-policies', oldKey, () => mgmt('iam', 'ListAttachedUserPolicies', true, { userName: row.name }), 'iam:ListAttachedUserPolicies'],
      ['iam.create-access-key', oldKey, (t) => mgmt('iam', 'CreateAccessKey', false, { userName: row.name }, { accessKey: { accessKeyId: newKey, createDate: iamDate(t), status: 'Active', userName: row.name } })],
      ['iam.attach-user-policy', oldKey, () => mgmt('iam', 'AttachUserPolicy', false, { userName: row.name, policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })],
      ['iam.list-users', newKey, () => mgmt('iam', 'ListUsers', true, { maxItems: 100 })],
      ['iam.list-roles', newKey, () => mgmt('iam', 'ListRoles', true, { maxItems: 100 })],
    ];
    facts.a = { start: t, newKey, ip };
    for (const [cmd, key, makeCall, denied] of steps) {
      const caller = iamUserCaller(row, { ip, ua: UA.cliAttacker(cmd), accessKeyId: key });
      const call = makeCall(t);
      if (denied) call.error = accessDenied(caller, denied);
      ev.addCloudTrail(cloudTrailRecord(ri, t, caller, call));
      facts.a.end = t;
      t += sec(ri.int(15, 60));
    }
  }

  // ── AWS: github-actions-deploy — OIDC role assumed by the website's workflow on weekday afternoons (Europe + US).
  {
    const row = identity['github-actions-deploy'];
    const r = rngFor(row.name);
    const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
    for (const day of days) {
      if (!isWeekday(day)) continue;
      const runs = Math.min(4, r.poisson(2.2));
      for (let n = 0; n < runs; n++) {
        let t = day + 13 * HOUR + sec(r.int(0, 8 * 3600));
        const session = roleSessionCaller(row, { session: 'GitHubActions', accessKeyId: r.awsKeyId('ASIA'), createdAt: t - sec(r.int(5, 20)), ip: r.pick(['4.227.14.20', '4.227.14.21', '4.227.14.22']), ua: '', federatedProvider: provider });
        const call = (cmd, c) => { ev.addCloudTrail(cloudTrailRecord(r, t, { ...session, ua: UA.cliGithubRunner(cmd) }, c)); t += sec(r.int(1, 6)); };
        call('cloudformation.describe-stacks', mgmt('cloudformation', 'DescribeStacks', true, { stackName: 'website-prod' }));
        const release = r.hex(7);
        for (let f = r.int(3, 8); f > 0; f--) {
          call('s3.sync', s3ObjectCall('PutObject', 'acme-static-site-prod', `${release}/${r.pick(['assets', 'js', 'css', 'img'])}/${r.hex(10)}.${r.pick(['js', 'css', 'png', 'html'])}`, { bytes: r.int(2_000, 300_000) }));
        }
        call('cloudfront.create-invalidation', mgmt('cloudfront', 'CreateInvalidation', false, { distributionId: 'E2QWRUHAPOMQZL', invalidationBatch: { paths: { quantity: 1, items: ['/*'] }, callerReference: `cli-${release}` } }, { invalidation: { id: `I${r.chars(13, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}`, status: 'InProgress' } }));
      }
    }
  }

  // ── AWS: backup-nightly — instance-profile role on backup-runner-01, snapshots + dumps between 02:00 and ~03:30.
  {
    const row = identity['backup-nightly'];
    const r = rngFor(row.name);
    const instance = 'i-0b7c3a2f9d1e4a5c6';
    const volumes = ['vol-0a12bc34de56f7890', 'vol-0f98e76d54c32b101', 'vol-03c5e7a9b1d2f4a6c'];
    const databases = ['orders-prod', 'billing-prod'];
    for (const day of days) {
      let t = day + 2 * HOUR + sec(r.int(60, 420));
      const caller = roleSessionCaller(row, { session: instance, accessKeyId: r.awsKeyId('ASIA'), createdAt: t - sec(r.int(600, 3000)), ip: '52.4.17.200', ua: UA.goSdk, ec2: true });
      const call = (c) => { ev.addCloudTrail(cloudTrailRecord(r, t, caller, c)); t += sec(r.int(5, 50)); };
      for (const db of databases) {
        const snap = `nightly-${db}-${ymd(day)}`;
        call(mgmt('rds', 'CreateDBSnapshot', false, { dBSnapshotIdentifier: snap, dBInstanceIdentifier: db }, { dBSnapshotIdentifier: snap, dBInstanceIdentifier: db, status: 'creating', engine: 'postgres', allocatedStorage: 500 }));
        for (let n = r.int(1, 3); n > 0; n--) call(mgmt('rds', 'DescribeDBSnapshots', true, { dBSnapshotIdentifier: snap }));
        call(mgmt('rds', 'DeleteDBSnapshot', false, { dBSnapshotIdentifier: `nightly-${db}-${ymd(day - 14 * DAY)}` }, { dBSnapshotIdentifier: `nightly-${db}-${ymd(day - 14 * DAY)}`, status: 'deleted' }));
      }
      for (const volumeId of volumes) {
        const snapshotId = `snap-0${r.hex(16)}`;
        call(mgmt('ec2', 'CreateSnapshot', false, { volumeId, description: `nightly ${ymd(day)}` }, { requestId: r.uuid(), snapshotId, volumeId, status: 'pending', startTime: isoSec(t), volumeSize: 200 }));
        call(mgmt('ec2', 'DeleteSnapshot', false, { snapshotId: `snap-0${r.hex(16)}` }, { requestId: r.uuid(), _return: true }));
      }
      call(mgmt('ec2', 'DescribeSnapshots', true, { ownersSet: { items: [{ owner: 'self' }] }, filterSet: { items: [{ name: 'description', valueSet: { items: [{ value: `nightly ${ymd(day)}` }] } }] } }));
      for (const table of ['payments-events', 'customer-profiles']) {
        call(mgmt('dynamodb', 'CreateBackup', false, { tableName: table, backupName: `${table}-${ymd(day)}` }, { backupDetails: { backupName: `${table}-${ymd(day)}`, backupStatus: 'CREATING', backupType: 'USER' } }, { resources: [{ accountId: ACCOUNT, type: 'AWS::DynamoDB::Table', ARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}` }] }));
      }
      for (let n = r.int(5, 9); n > 0; n--) {
        const key = `dumps/${ymd(day)}/${r.pick(databases)}-${r.hex(8)}.sql.gz`;
        call(s3ObjectCall('PutObject', 'acme-prod-backups', key, { bytes: r.int(50_000_000, 900_000_000) }));
      }
      // Benign look-alike (i): CHG-2041 adds a 35-day expiry rule to the backup bucket. Two actions this role has never
      // used, performed only inside the change window listed in change-windows.csv.
      if (ymd(day) === '2026-03-28') {
        t += sec(r.int(60, 120));
        const host = `acme-prod-backups.s3.${REGION}.amazonaws.com`;
        facts.i = { get: t };
        call(mgmt('s3', 'GetBucketLifecycle', true, { bucketName: 'acme-prod-backups', Host: host, lifecycle: '' }, null, { host, error: { code: 'NoSuchLifecycleConfiguration', message: 'The lifecycle configuration does not exist' } }));
        facts.i.put = t;
        call(mgmt('s3', 'PutBucketLifecycle', false, { bucketName: 'acme-prod-backups', Host: host, lifecycle: '', LifecycleConfiguration: { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/', Rule: { ID: 'expire-dumps-35d', Status: 'Enabled', Filter: { Prefix: 'dumps/' }, Expiration: { Days: 35 } } } }, null, { host }));
      }
    }
  }

  // ── AWS: stripe-webhook-handler — event-driven Lambda: steady diurnal trickle plus a burst every Monday at 16:00 UTC
  // when Stripe settles payouts (benign look-alike h: the detection-window burst is smaller than the baseline's largest).
  {
    const row = identity['stripe-webhook-handler'];
    const r = rngFor(row.name);
    let caller = null;
    const handle = (t, { archive = r.chance(0.1) } = {}) => {
      const evt = `evt_${r.chars(24, ALNUM)}`;
      ev.addCloudTrail(cloudTrailRecord(r, t, { ...caller, ua: UA.lambdaNode('dynamodb') }, {
        svc: 'dynamodb', name: 'PutItem', readOnly: false, data: true,
        params: { tableName: 'payments-events', key: { pk: evt }, conditionExpression: 'attribute_not_exists(pk)' },
        resources: [{ accountId: ACCOUNT, type: 'AWS::DynamoDB::Table', ARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/payments-events` }],
      }));
      const t2 = t + sec(r.int(1, 20));
      if (archive && t2 <= END) { // only payout and dispute events (about one in ten) are archived in full
        ev.addCloudTrail(cloudTrailRecord(r, t2, { ...caller, ua: UA.lambdaNode('s3') }, s3ObjectCall('PutObject', 'acme-webhook-payloads', `stripe/${ymd(t)}/${evt}.json`, { bytes: r.int(1_500, 12_000) })));
      }
    };
    const coldStart = (t) => {
      caller = roleSessionCaller(row, { session: row.name, accessKeyId: r.awsKeyId('ASIA'), createdAt: t - sec(r.int(1, 5)), ip: r.pick(['44.211.50.12', '44.211.50.13']), ua: '' });
      ev.addCloudTrail(cloudTrailRecord(r, t, { ...caller, ua: UA.lambdaNode('secrets-manager') }, mgmt('secretsmanager', 'GetSecretValue', true, { secretId: 'prod/stripe/webhook-signing-secret' }, null,
        { resources: [{ accountId: ACCOUNT, type: 'AWS::SecretsManager::Secret', ARN: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/stripe/webhook-signing-secret-Xq3k9T` }] })));
    };
    // Monday payout bursts (webhooks in the 16:00 hour). Baseline sizes are drawn first so the detection-window burst can
    // be sized against the largest one the baseline really contains.
    const mondays = days.filter((d) => dow(d) === 1);
    const burstSize = new Map(mondays.filter((d) => d < WINDOW_START).map((d) => [d, r.int(110, 190)]));
    const largest = Math.max(...burstSize.values());
    for (const d of mondays) if (d >= WINDOW_START) burstSize.set(d, Math.round(largest * 0.8));
    facts.h = { bursts: [...burstSize].map(([d, n]) => [ymd(d), n]), largestBaseline: largest };
    for (const day of days) {
      const coldStartHour = r.int(0, 23);
      for (let h = 0; h < 24; h++) {
        const hourStart = day + h * HOUR;
        if (h === coldStartHour || caller === null) coldStart(hourStart + sec(r.int(0, 29)));
        // At Acme's volume Stripe never goes a whole hour without an event: every hour-of-week slot is active in the
        // baseline, so night-time traffic in the window is never "off hours".
        let webhooks = 1 + r.poisson(1.8 + 1.2 * diurnal(h, 4));
        if (h === 16) webhooks += burstSize.get(day) ?? 0;
        for (let n = 0; n < webhooks; n++) handle(hourStart + sec(r.int(30, 3599)));
      }
    }
    // The scenario's last record, pinned to END so the latest evidence (the app's default as-of) is exactly 23:59:59Z.
    handle(END, { archive: false });
  }

  // ── AWS: svc-legacy-etl — nightly 22:10 extract from the old warehouse; its owner has left (incident f).
  {
    const row = identity['svc-legacy-etl'];
    const r = rngFor(row.name);
    const caller = iamUserCaller(row, { ip: '198.51.100.23', ua: UA.cliV1 });
    for (const day of days) {
      let t = day + 22 * HOUR + 10 * MIN + sec(r.int(0, 300));
      for (let n = r.int(8, 14); n > 0; n--, t += sec(r.int(20, 90))) {
        ev.addCloudTrail(cloudTrailRecord(r, t, caller, s3ObjectCall('GetObject', 'acme-legacy-dw-extracts', `extracts/${ymd(day)}/${r.pick(['sales', 'stock', 'returns'])}_${r.hex(6)}.csv.gz`, { bytes: r.int(500_000, 20_000_000) })));
      }
      for (let n = r.int(4, 7); n > 0; n--, t += sec(r.int(20, 60))) {
        ev.addCloudTrail(cloudTrailRecord(r, t, caller, s3ObjectCall('PutObject', 'acme-legacy-dw-staging', `staging/${ymd(day)}/${r.hex(8)}.parquet`, { bytes: r.int(500_000, 20_000_000) })));
      }
    }
  }

  // ── AWS: svc-cmdb-scanner — on-prem collector polling Describe* every 2 hours; someone also signs in to the console with
  // the same IAM user (incident g: human use of an NHI).
  {
    const row = identity['svc-cmdb-scanner'];
    const r = rngFor(row.name);
    const caller = iamUserCaller(row, { ip: '198.51.100.40', ua: UA.boto3Onprem });
    for (const day of days) {
      for (let h = 0; h < 24; h += 2) {
        let t = day + h * HOUR + sec(r.int(5, 90));
        ev.addCloudTrail(cloudTrailRecord(r, t, caller, mgmt('ec2', 'DescribeInstances', true, { instancesSet: {}, filterSet: {} })));
        t += sec(r.int(1, 8));
        ev.addCloudTrail(cloudTrailRecord(r, t, caller, mgmt('rds', 'DescribeDBInstances', true)));
        if (h % 4 === 0) {
          t += sec(r.int(1, 8));
          ev.addCloudTrail(cloudTrailRecord(r, t, caller, mgmt('ec2', 'DescribeVolumes', true, { volumeSet: {}, filterSet: {} })));
        }
      }
    }
    const ri = rngFor('incident-g');
    let t = at('2026-03-26T09:47:12Z');
    const ip = '192.0.2.77'; // the office network
    const login = { ip, ua: UA.chrome, userIdentity: { type: 'IAMUser', principalId: row.ids.principalId, arn: row.ids.arn, accountId: ACCOUNT, userName: row.name } };
    facts.g = { login: t, ip };
    ev.addCloudTrail(cloudTrailRecord(ri, t, login, {
      svc: 'signin', name: 'ConsoleLogin', readOnly: false, eventType: 'AwsConsoleSignIn', host: 'signin.aws.amazon.com',
      response: { ConsoleLogin: 'Success' },
      additional: { LoginTo: 'https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_5f0b6a5c1e2d3f4a', MobileVersion: 'No', MFAUsed: 'No' },
    }));
    const consoleSession = {
      ip, ua: UA.chrome, fromConsole: true,
      userIdentity: { ...login.userIdentity, accessKeyId: ri.awsKeyId('ASIA'), sessionContext: { sessionIssuer: {}, webIdFederationData: {}, attributes: { creationDate: isoSec(t), mfaAuthenticated: 'false' } } },
    };
    for (const c of [
      mgmt('health', 'DescribeEventAggregates', true, { aggregateField: 'eventTypeCategory', filter: { eventStatusCodes: ['open', 'upcoming'] } }),
      mgmt('ec2', 'DescribeInstances', true, { instancesSet: {}, filterSet: {} }),
      mgmt('ec2', 'DescribeSecurityGroups', true, { securityGroupSet: {}, filterSet: {} }),
      mgmt('s3', 'ListBuckets', true, { Host: 's3.amazonaws.com' }, null, { host: 's3.amazonaws.com' }),
      mgmt('ec2', 'DescribeInstances', true, { instancesSet: {}, filterSet: {} }),
      mgmt('ce', 'GetCostAndUsage', true, { timePeriod: { start: '2026-03-01', end: '2026-03-26' }, granularity: 'MONTHLY', metrics: ['UnblendedCost'] }),
    ]) {
      t += sec(ri.int(20, 200));
      ev.addCloudTrail(cloudTrailRecord(ri, t, consoleSession, c));
    }
    facts.g.end = t;
  }

  // ── AWS: svc-billing-export — daily Athena export inside its declared 05:00–06:00 window (benign look-alike j).
  {
    const row = identity['svc-billing-export'];
    const r = rngFor(row.name);
    const caller = iamUserCaller(row, { ip: '54.85.120.33', ua: UA.boto3 });
    for (const day of days) {
      let t = day + 5 * HOUR + sec(r.int(60, 300));
      const call = (c) => { ev.addCloudTrail(cloudTrailRecord(r, t, caller, c)); t += sec(r.int(3, 40)); };
      const queryId = r.uuid();
      call(mgmt('athena', 'StartQueryExecution', false, { queryString: `SELECT line_item_usage_account_id, product_code, sum(line_item_unblended_cost) FROM billing.cur_daily WHERE dt = '${ymd(day - DAY)}' GROUP BY 1, 2`, queryExecutionContext: { database: 'billing' }, workGroup: 'finance', resultConfiguration: { outputLocation: 's3://acme-athena-results/finance/' } }, { queryExecutionId: queryId }));
      for (let n = r.int(2, 5); n > 0; n--) call(mgmt('athena', 'GetQueryExecution', true, { queryExecutionId: queryId }));
      call(mgmt('athena', 'GetQueryResults', true, { queryExecutionId: queryId, maxResults: 1000 }));
      call(s3ObjectCall('GetObject', 'acme-athena-results', `finance/${queryId}.csv`, { bytes: r.int(200_000, 2_000_000) }));
      call(s3ObjectCall('PutObject', 'acme-billing-exports', `daily/${ymd(day - DAY)}/cost-by-account.csv`, { bytes: r.int(200_000, 2_000_000) }));
    }
  }

  // ── AWS: vendor-cloudhealth — third-party role assumed from the vendor's account every 6 hours, read-only.
  {
    const row = identity['vendor-cloudhealth'];
    const r = rngFor(row.name);
    for (const day of days) {
      for (const h of [0, 6, 12, 18]) {
        let t = day + h * HOUR + sec(r.int(180, 600));
        const caller = roleSessionCaller(row, { session: `CloudHealth-${r.int(1e9, 9e9)}`, accessKeyId: r.awsKeyId('ASIA'), createdAt: t - sec(r.int(1, 4)), ip: r.pick(['18.144.20.4', '18.144.20.5', '18.144.20.6']), ua: UA.javaSdk });
        const call = (c) => { ev.addCloudTrail(cloudTrailRecord(r, t, caller, c)); t += sec(r.int(1, 20)); };
        call(mgmt('ec2', 'DescribeInstances', true, { instancesSet: {}, filterSet: {} }));
        call(mgmt('ec2', 'DescribeVolumes', true, { volumeSet: {}, filterSet: {} }));
        call(mgmt('rds', 'DescribeDBInstances', true));
        if (h === 6) call(mgmt('ce', 'GetCostAndUsage', true, { timePeriod: { start: ymd(day - 30 * DAY), end: ymd(day) }, granularity: 'DAILY', metrics: ['UnblendedCost', 'UsageQuantity'] }));
      }
    }
  }

  // ── AWS: terraform-admin — Terraform Cloud plans (and the odd tag-only apply) on weekday afternoons.
  {
    const row = identity['terraform-admin'];
    const r = rngFor(row.name);
    const provider = `arn:aws:iam::${ACCOUNT}:oidc-provider/app.terraform.io`;
    for (const day of days) {
      if (!isWeekday(day)) continue;
      for (let n = r.int(0, 2); n > 0; n--) {
        let t = day + 13 * HOUR + 10 * MIN + sec(r.int(0, 6 * 3600));
        const caller = roleSessionCaller(row, { session: `terraform-run-${r.chars(16, ALNUM)}`, accessKeyId: r.awsKeyId('ASIA'), createdAt: t - sec(r.int(2, 10)), ip: r.pick(['75.2.98.97', '99.83.150.238']), ua: UA.terraformAws, federatedProvider: provider });
        const call = (c) => { ev.addCloudTrail(cloudTrailRecord(r, t, caller, c)); t += sec(r.int(0, 4)); };
        call(mgmt('ec2', 'DescribeVpcs', true, { vpcSet: { items: [{ vpcId: 'vpc-0c1d2e3f4a5b6c7d8' }] }, filterSet: {} }));
        for (let k = 2; k > 0; k--) call(mgmt('ec2', 'DescribeSubnets', true, { subnetSet: {}, filterSet: { items: [{ name: 'vpc-id', valueSet: { items: [{ value: 'vpc-0c1d2e3f4a5b6c7d8' }] } }] } }));
        for (let k = 2; k > 0; k--) call(mgmt('ec2', 'DescribeSecurityGroups', true, { securityGroupIdSet: {}, filterSet: {} }));
        for (const roleName of ['backup-nightly', 'github-actions-deploy', 'stripe-webhook-handler']) call(mgmt('iam', 'GetRole', true, { roleName }));
        for (const policy of ['DataSyncS3', 'DeployArtifacts']) {
          const policyArn = `arn:aws:iam::${ACCOUNT}:policy/${policy}`;
          call(mgmt('iam', 'GetPolicy', true, { policyArn }));
          call(mgmt('iam', 'GetPolicyVersion', true, { policyArn, versionId: 'v3' }));
        }
        for (const bucket of ['acme-prod-backups', 'acme-analytics-landing']) call(mgmt('s3', 'GetBucketPolicy', true, { bucketName: bucket, Host: `${bucket}.s3.${REGION}.amazonaws.com`, policy: '' }, null, { host: `${bucket}.s3.${REGION}.amazonaws.com` }));
        call(mgmt('rds', 'DescribeDBInstances', true));
        if (r.chance(0.35)) call(mgmt('ec2', 'CreateTags', false, { resourcesSet: { items: [{ resourceId: `i-0${r.hex(16)}` }] }, tagSet: { items: [{ key: 'cost-center', value: r.pick(['cc-101', 'cc-204', 'cc-310']) }] } }, { requestId: r.uuid(), _return: true }));
      }
    }
  }

  // ── AWS: tmp-migration-user — NOT in the register (incident e: shadow identity). A contractor's key that copies
  // customer uploads every afternoon since 20 March.
  {
    const r = rngFor('incident-e');
    const user = { name: 'tmp-migration-user', ids: { arn: `arn:aws:iam::${ACCOUNT}:user/tmp-migration-user`, principalId: r.awsUniqueId('AIDA'), accessKeyId: r.awsKeyId('AKIA') } };
    facts.e = { accessKeyId: user.ids.accessKeyId, events: 0, first: null, last: null };
    for (const day of days.filter((d) => d >= at('2026-03-20T00:00:00Z'))) {
      let t = day + 15 * HOUR + sec(r.int(0, 3 * 3600));
      const caller = (cmd) => iamUserCaller(user, { ip: '198.51.100.77', ua: UA.cliContractor(cmd) });
      ev.addCloudTrail(cloudTrailRecord(r, t, caller('s3.ls'), mgmt('s3', 'ListBuckets', true, { Host: 's3.amazonaws.com' }, null, { host: 's3.amazonaws.com' })));
      facts.e.first ??= t;
      facts.e.events++;
      for (let n = r.int(10, 35); n > 0; n--) {
        t += sec(r.int(2, 30));
        ev.addCloudTrail(cloudTrailRecord(r, t, caller('s3.cp'), s3ObjectCall('GetObject', 'acme-customer-uploads', `uploads/${r.int(100000, 999999)}/${r.hex(12)}.${r.pick(['pdf', 'jpg', 'png'])}`, { bytes: r.int(50_000, 5_000_000) })));
        facts.e.events++;
      }
      facts.e.last = t;
    }
  }

  // ── Okta: HR Sync — service app; two weekday runs (09 and 15 UTC) and a weekend noon run, each with its own token.
  {
    const row = identity['HR Sync (Workday to Okta)'];
    const r = rngFor(row.name);
    const actor = oktaActor(row);
    const net = { ip: '44.211.50.20', net: 'awsUsEast1', ua: UA.oktaJava };
    const scopes = 'okta.users.manage okta.groups.manage';
    const grant = (t, ok = true, requested = scopes) => ev.addOkta(oktaEvent(r, t, actor, 'app.oauth2.as.token.grant.access_token', {
      ...net, outcome: ok ? 'SUCCESS' : 'FAILURE', reason: ok ? null : 'invalid_scope',
      target: ok ? accessTokenTarget(r, t, actor.id) : [],
      debugData: ok ? { grantType: 'client_credentials', requestedScopes: requested, grantedScopes: scopes, clientAuthType: 'private_key_jwt', tokenExpiresAt: isoMs(t + HOUR) } : { grantType: 'client_credentials', requestedScopes: requested, clientAuthType: 'private_key_jwt' },
    }));
    const change = (t, kind, { ok = true, person = r.pick(dir.people), group = r.pick(dir.groups) } = {}) => {
      const target = kind === 'group.user_membership.add' ? [person, group] : [person];
      const denied = 'E0000006: You do not have permission to perform the requested action';
      ev.addOkta(oktaEvent(r, t, actor, kind, { ...net, target, outcome: ok ? 'SUCCESS' : 'FAILURE', reason: ok ? null : denied }));
    };
    for (const day of days) {
      const runHours = isWeekday(day) ? [9, 15] : [12];
      for (const h of runHours) {
        let t = day + h * HOUR + sec(r.int(20, 200));
        grant(t);
        for (let n = isWeekday(day) ? r.int(0, 2) : r.int(0, 1); n > 0; n--) {
          t += sec(r.int(2, 40));
          const kind = r.weighted([['user.account.update_profile', 6], ['group.user_membership.add', 3], ['user.lifecycle.create', 1.5]]);
          // A rare, ordinary failure (a profile rule rejecting a value) so the baseline failure rate is not zero.
          change(t, kind, { ok: !r.chance(0.03), person: kind === 'user.lifecycle.create' ? dir.newPerson() : undefined });
        }
      }
    }
    // Planted incident (c): Thursday's 15:00 run is followed by 16 refused requests across four event types within
    // 11 minutes — the app's key asked for okta.roles.manage and tried to put people into admin groups.
    const ri = rngFor('incident-c');
    let t = at('2026-03-26T15:03:05Z');
    const plan = ['token', 'group', 'token', 'create', 'group', 'profile', 'token', 'group', 'create', 'token', 'profile', 'group', 'create', 'token', 'profile', 'create'];
    facts.c = { start: t, failures: plan.length };
    for (const step of plan) {
      if (step === 'token') grant(t, false, 'okta.roles.manage okta.users.manage');
      else if (step === 'group') change(t, 'group.user_membership.add', { ok: false, person: ri.pick(dir.people), group: ri.pick(dir.privilegedGroups) });
      else if (step === 'create') change(t, 'user.lifecycle.create', { ok: false, person: dir.newPerson() });
      else change(t, 'user.account.update_profile', { ok: false, person: ri.pick(dir.people) });
      facts.c.end = t;
      t += sec(ri.int(20, 60));
    }
  }

  // ── Okta: Terraform Okta provider — applies on weekday afternoons, inside its declared 13:00–20:00 window.
  {
    const row = identity['Terraform Okta provider'];
    const r = rngFor(row.name);
    const actor = oktaActor(row);
    const net = { ip: '75.2.98.97', net: 'awsUsEast1', ua: UA.oktaGo };
    const scopes = 'okta.apps.manage okta.policies.manage okta.groups.read';
    for (const day of days) {
      if (!isWeekday(day)) continue;
      for (let n = r.int(0, 2); n > 0; n--) {
        let t = day + 13 * HOUR + 15 * MIN + sec(r.int(0, 6 * 3600));
        ev.addOkta(oktaEvent(r, t, actor, 'app.oauth2.as.token.grant.access_token', { ...net, target: accessTokenTarget(r, t, actor.id), debugData: { grantType: 'client_credentials', requestedScopes: scopes, grantedScopes: scopes, clientAuthType: 'private_key_jwt', tokenExpiresAt: isoMs(t + HOUR) } }));
        for (let k = r.int(0, 2); k > 0; k--) {
          t += sec(r.int(3, 30));
          if (r.chance(0.5)) ev.addOkta(oktaEvent(r, t, actor, 'application.lifecycle.update', { ...net, target: [r.pick(dir.apps)] }));
          else {
            const policy = r.pick(dir.policies);
            ev.addOkta(oktaEvent(r, t, actor, 'policy.rule.update', { ...net, target: [{ id: r.oktaId('0pr'), type: 'PolicyRule', alternateId: 'unknown', displayName: `${policy.displayName} rule`, detailEntry: null }, policy] }));
          }
        }
      }
    }
  }

  // ── Okta: Zendesk — third-party app with users.manage: a token every morning, then agent profile updates.
  {
    const row = identity.Zendesk;
    const r = rngFor(row.name);
    const actor = oktaActor(row);
    const scopes = 'okta.users.read okta.users.manage';
    for (const day of days) {
      for (const h of [9]) {
        let t = day + h * HOUR + sec(r.int(240, 480));
        const net = { ip: r.pick(['192.161.148.10', '192.161.148.11']), net: 'zendesk', ua: UA.faraday };
        ev.addOkta(oktaEvent(r, t, actor, 'app.oauth2.as.token.grant.access_token', { ...net, target: accessTokenTarget(r, t, actor.id), debugData: { grantType: 'client_credentials', requestedScopes: scopes, grantedScopes: scopes, clientAuthType: 'client_secret_basic', tokenExpiresAt: isoMs(t + HOUR) } }));
        for (let k = r.int(0, 1); k > 0; k--) {
          t += sec(r.int(5, 60));
          ev.addOkta(oktaEvent(r, t, actor, 'user.account.update_profile', { ...net, target: [r.pick(dir.people.slice(0, 25))] }));
        }
      }
    }
  }

  // ── Okta: svc-jira-sync — a service *user* whose password the Jira connector uses for its daily directory sync.
  {
    const row = identity['svc-jira-sync'];
    const r = rngFor(row.name);
    const actor = oktaActor(row);
    for (const day of days) {
      for (const h of [7]) {
        const t = day + h * HOUR + 10 * MIN + sec(r.int(0, 59));
        ev.addOkta(oktaEvent(r, t, actor, 'user.session.start', {
          ip: '198.51.100.45', net: 'acmeDatacenter', ua: UA.apacheHttp,
          authn: { authenticationProvider: 'OKTA_AUTHENTICATION_PROVIDER', credentialType: 'PASSWORD', externalSessionId: `102${r.chars(22, ALNUM)}` },
          debugData: { behaviors: '{New Geo-Location=NEGATIVE, New Device=NEGATIVE, New IP=NEGATIVE, New State=NEGATIVE, New Country=NEGATIVE, Velocity=NEGATIVE, New City=NEGATIVE}' },
        }));
      }
    }
  }

  // ── GitHub: svc-docs-publisher — fine-grained PAT used by the docs workflow until 2 March, then silent; planted
  // incident (d) reactivates it from an unknown laptop to clone every repository it can read (all of them).
  {
    const row = identity['svc-docs-publisher'];
    const r = rngFor(row.name);
    const token = { hashed: row.ids.hashedToken, id: row.ids.tokenId, type: 'Fine-grained personal access token' };
    let last = 0;
    for (const day of days.filter((d) => d <= at('2026-03-02T00:00:00Z'))) {
      if (!isWeekday(day)) continue;
      for (let n = r.int(1, 3); n > 0; n--) {
        let t = day + 10 * HOUR + sec(r.int(0, 6 * 3600));
        const src = { ip: r.pick(['4.175.11.20', '4.175.11.21']), net: 'githubRunners', ua: UA.gitRunner, token };
        ev.addGithub(githubEvent(r, t, row, 'git.clone', { ...src, repo: repo('docs-site') }));
        t += sec(r.int(60, 240));
        ev.addGithub(githubEvent(r, t, row, 'git.push', { ...src, repo: repo('docs-site') }));
        last = Math.max(last, t);
      }
    }
    const ri = rngFor('incident-d');
    let t = at('2026-03-29T02:13:27Z');
    facts.d = { silentSince: last, start: t, repos: repos.length, ip: '203.0.113.66' };
    for (const target of repos) {
      ev.addGithub(githubEvent(ri, t, row, 'git.clone', { repo: target, ip: facts.d.ip, net: 'unknownVps', ua: UA.gitMac, token }));
      facts.d.end = t;
      t += sec(ri.int(8, 40));
    }
  }

  // ── GitHub: acme-ci[bot] — GitHub App on self-hosted runners: clones on weekday working hours, hourly installation tokens.
  {
    const row = identity['acme-ci[bot]'];
    const r = rngFor(row.name);
    const active = ['platform-api', 'website', 'payments-api', 'orders-api', 'orders-worker', 'catalog-api', 'billing-worker', 'identity-api', 'checkout-ui', 'shared-protos', 'helm-charts', 'notifications-worker']
      .map(repo);
    for (const day of days) {
      if (!isWeekday(day)) continue;
      for (let h = 7; h < 21; h++) {
        const token = { hashed: r.hashedToken(), id: r.int(10_000_000, 99_999_999), type: 'GitHub App server-to-server token' };
        if (h === 7) { // the vendor-bundle job pulls a source archive of the shared protobufs every morning
          const t = day + h * HOUR + sec(r.int(60, 600));
          ev.addGithub(githubEvent(r, t, row, 'repo.download_zip', { repo: repo('shared-protos'), ip: '35.171.44.10', net: 'awsUsEast1', ua: 'Go-http-client/2.0', token }));
        }
        for (let n = r.poisson(0.2 + 0.9 * diurnal(h, 3)); n > 0; n--) {
          const t = day + h * HOUR + sec(r.int(0, 3599));
          ev.addGithub(githubEvent(r, t, row, 'git.clone', { repo: r.pick(active), ip: r.pick(['35.171.44.10', '35.171.44.11', '35.171.44.12']), net: 'awsUsEast1', ua: UA.git, token }));
        }
      }
    }
  }

  // ── GitHub: terraform-github[bot] — org-settings-as-code applies on weekday afternoons.
  {
    const row = identity['terraform-github[bot]'];
    const r = rngFor(row.name);
    const managed = ['platform-api', 'website', 'payments-api', 'orders-api', 'identity-api', 'infra-terraform', 'helm-charts', 'security-policies'].map(repo);
    for (const day of days) {
      if (!isWeekday(day)) continue;
      for (let n = r.int(0, 2); n > 0; n--) {
        let t = day + 13 * HOUR + 20 * MIN + sec(r.int(0, 6 * 3600));
        const token = { hashed: r.hashedToken(), id: r.int(10_000_000, 99_999_999), type: 'GitHub App server-to-server token' };
        const src = { ip: r.pick(['75.2.98.97', '99.83.150.238']), net: 'awsUsEast1', ua: UA.terraformGithub, token };
        for (let k = r.int(1, 3); k > 0; k--) {
          const target = r.pick(managed);
          const action = r.weighted([['protected_branch.update', 5], ['team.add_repository', 3], ['org.add_member', 1]]);
          if (action === 'org.add_member') ev.addGithub(githubEvent(r, t, row, action, { ...src, extra: { user: `${r.pick(['ana', 'ben', 'chloe', 'omar', 'nina'])}-acme`, user_id: r.int(1e7, 9e7) } }));
          else if (action === 'team.add_repository') ev.addGithub(githubEvent(r, t, row, action, { ...src, repo: target, extra: { team: `${GH_ORG}/${r.pick(['platform', 'payments', 'web'])}`, permission: 'push' } }));
          else ev.addGithub(githubEvent(r, t, row, action, { ...src, repo: target, extra: { name: 'main', enforcement_level: 'everyone', required_approving_review_count: 2 } }));
          t += sec(r.int(1, 10));
        }
      }
    }
  }

  // ── GitHub: snyk-io[bot] — vendor app cloning the same core repositories every night between 03:00 and 04:00.
  {
    const row = identity['snyk-io[bot]'];
    const r = rngFor(row.name);
    const scanned = ['platform-api', 'payments-api', 'orders-api', 'identity-api'].map(repo);
    for (const day of days) {
      let t = day + 3 * HOUR + sec(r.int(60, 600));
      const token = { hashed: r.hashedToken(), id: r.int(10_000_000, 99_999_999), type: 'GitHub App server-to-server token' };
      for (const target of scanned) {
        ev.addGithub(githubEvent(r, t, row, 'git.clone', { repo: target, ip: r.pick(['34.243.12.30', '34.243.12.31']), net: 'awsUsEast1', ua: UA.gitSnyk, token }));
        t += sec(r.int(30, 200));
      }
    }
  }

  // ── GitHub: acme-release-bot — classic PAT behind the nightly release workflow and the Tuesday tag push.
  {
    const row = identity['acme-release-bot'];
    const r = rngFor(row.name);
    const token = { hashed: row.ids.hashedToken, id: row.ids.tokenId, type: 'Personal access token (classic)' };
    let runNumber = 400;
    for (const day of days) {
      const started = day + 2 * HOUR + sec(r.int(0, 120));
      const t = started + sec(r.int(240, 900));
      ev.addGithub(githubEvent(r, t, row, 'workflows.completed_workflow_run', {
        repo: repo('platform-api'),
        extra: { conclusion: r.chance(0.95) ? 'success' : 'failure', event: 'schedule', head_branch: 'main', head_sha: r.hex(40), name: 'Nightly release', run_attempt: 1, run_number: ++runNumber, started_at: isoSec(started), workflow_id: 48213377, workflow_run_id: r.int(8_000_000_000, 8_999_999_999) },
      }));
      if (dow(day) === 2) {
        let tt = day + 10 * HOUR + sec(r.int(0, 1800));
        const src = { ip: '35.171.44.20', net: 'awsUsEast1', ua: UA.git, token };
        ev.addGithub(githubEvent(r, tt, row, 'git.clone', { ...src, repo: repo('platform-api') }));
        tt += sec(r.int(30, 120));
        ev.addGithub(githubEvent(r, tt, row, 'git.push', { ...src, repo: repo('platform-api') }));
      }
    }
  }

  // Stable order: by time, ties in generation order (Array.prototype.sort is stable).
  for (const list of [ev.cloudtrail, ev.okta, ev.github]) list.sort((a, b) => a.t - b.t);
  return { ev, facts };
}

// ───────────────────────────── file writers ─────────────────────────────
function csvCell(value) {
  const s = String(value ?? '');
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const csvLine = (cells) => cells.map(csvCell).join(',');

/** The register as a spreadsheet would export it: UTF-8 BOM and CRLF line ends. */
function registerCsv() {
  const header = ['Service Account', 'Type', 'Platform', 'Account', 'Owner', 'Owner Status', 'Team', 'Environment', 'Criticality', 'Permissions', 'Secret Location', 'Credential Type', 'Created', 'Last Rotated', 'Expires', 'Vendor', 'Schedule', 'Approved Destinations', 'Allowed Data Classes', 'Access Key / Client ID', 'ARN', 'Notes'];
  const rows = REGISTER.map((x) => [x.name, x.type, x.platform, x.account, x.owner, x.ownerStatus, x.team, x.env, x.criticality, x.permissions, x.secretLocation, x.credentialType, x.created, x.rotated, x.expires, x.vendor, x.schedule, x.destinations, x.dataClasses, aliasOf(x), x.ids.arn ?? '', x.notes]);
  return '\ufeff' + [header, ...rows].map(csvLine).join('\r\n') + '\r\n';
}

const CHANGE_WINDOWS = [
  ['CHG-2017', '*', '2026-03-07T22:00:00Z', '2026-03-08T02:00:00Z', 'Quarterly network maintenance: NAT gateway failover test'],
  ['CHG-2033', 'github-actions-deploy', '2026-03-18T14:00:00Z', '2026-03-18T18:00:00Z', 'Move www to the new CloudFront distribution'],
  ['CHG-2041', 'backup-nightly', '2026-03-28T02:00:00Z', '2026-03-28T04:00:00Z', 'Add 35-day expiry lifecycle rule to acme-prod-backups (OPS-1182)'],
  ['CHG-2049', 'terraform-admin', '2026-04-02T13:00:00Z', '2026-04-02T17:00:00Z', 'VPC peering for the analytics account (scheduled, not yet run)'],
];
const changeWindowsCsv = () => [['change_id', 'identity', 'starts_at', 'ends_at', 'summary'], ...CHANGE_WINDOWS].map(csvLine).join('\n') + '\n';

/**
 * CloudTrail delivers a file every few minutes; the sample consolidates each day into two deliveries: a gzipped one for
 * 00:00–23:00 UTC, as S3 stores them, and a small plain-JSON one for the quiet last hour (easy to read by eye, and it keeps
 * the plain files small enough for the size budget).
 */
function cloudTrailFiles(seed, records) {
  const r = new Rng(seed, 'cloudtrail-files');
  const files = [];
  for (const day of scenarioDays()) {
    for (const [from, to, gz] of [[day, day + 23 * HOUR, true], [day + 23 * HOUR, day + DAY, false]]) {
      const batch = records.filter((x) => x.t >= from && x.t < Math.min(to, END + 1000)).map((x) => x.rec);
      if (batch.length === 0) continue;
      const delivered = to + (5 + r.int(0, 9)) * MIN;
      const name = `cloudtrail/${ACCOUNT}_CloudTrail_${REGION}_${compactStamp(delivered)}_${r.chars(16, ALNUM)}.json${gz ? '.gz' : ''}`;
      const json = Buffer.from(JSON.stringify({ Records: batch }));
      files.push({ path: name, data: gz ? gzipDeterministic(json) : json, events: batch.length, from, to, gz });
    }
  }
  return files;
}

/** gzip with a zeroed mtime (Node's default) and the OS byte pinned to Unix so output does not depend on the platform. */
function gzipDeterministic(buf) {
  const out = gzipSync(buf, { level: 9 });
  out[9] = 3;
  return out;
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const hhmm = (t) => new Date(t).toISOString().slice(11, 16);

function buildWorkspace(seed) {
  assignIds(seed);
  const { ev, facts } = simulate(seed);
  const files = [];
  files.push({ path: 'nhi-register.csv', data: Buffer.from(registerCsv()), description: `NHI register (spreadsheet export, UTF-8 BOM, CRLF): ${REGISTER.length} identities across aws, okta and github` });
  for (const f of cloudTrailFiles(seed, ev.cloudtrail)) {
    files.push({ path: f.path, data: f.data, events: f.events, description: `CloudTrail S3 delivery${f.gz ? ' (gzip)' : ''}: ${f.events} events, ${ymd(f.from)} ${hhmm(f.from)}–${hhmm(f.to) === '00:00' ? '24:00' : hhmm(f.to)} UTC` });
  }
  const okta = '[\n' + ev.okta.map((x) => JSON.stringify(x.rec)).join(',\n') + '\n]\n';
  files.push({ path: 'okta/okta-system-log.json', data: Buffer.from(okta), events: ev.okta.length, description: `Okta System Log (/api/v1/logs JSON array): ${ev.okta.length} events` });
  const github = ev.github.map((x) => JSON.stringify(x.rec)).join('\n') + '\n';
  files.push({ path: 'github/github-audit.ndjson', data: Buffer.from(github), events: ev.github.length, description: `GitHub Enterprise audit-log stream (NDJSON): ${ev.github.length} events` });
  files.push({ path: 'change-windows.csv', data: Buffer.from(changeWindowsCsv()), description: `Change windows: ${CHANGE_WINDOWS.length} rows` });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const manifest = {
    name: 'Driftline workshop sample',
    seed,
    asOf: isoSec(END),
    baselineStart: isoSec(START),
    detectionWindowStart: isoSec(WINDOW_START),
    files: files.map((f) => ({ path: f.path, bytes: f.data.length, sha256: sha256(f.data), description: f.description })),
  };
  files.push({ path: 'manifest.json', data: Buffer.from(JSON.stringify(manifest, null, 2) + '\n') });
  return { files, ev, facts };
}

/** One line per planted incident / look-alike, from what the simulation actually generated. */
function plantedSummary(f) {
  const span = (a, b) => `${isoSec(a).slice(0, 16).replace('T', ' ')}–${isoSec(b).slice(11, 16)}`;
  return [
    `a ci-legacy-deployer      ${span(f.a.start, f.a.end)}  IAM persistence from ${f.a.ip}, new key ${f.a.newKey}`,
    `b svc-data-sync           ${span(f.b.start, f.b.end)}  ${f.b.reads} GetObject finance-payroll-exports, ${f.b.writes} PutObject to ${FOREIGN_ACCOUNT}`,
    `c HR Sync (Workday...)    ${span(f.c.start, f.c.end)}  ${f.c.failures} refused Okta requests`,
    `d svc-docs-publisher      ${span(f.d.start, f.d.end)}  clones ${f.d.repos} repos from ${f.d.ip}; silent since ${isoSec(f.d.silentSince)}`,
    `e tmp-migration-user      ${isoSec(f.e.first).slice(0, 10)}..${isoSec(f.e.last).slice(0, 10)}  ${f.e.events} events, key ${f.e.accessKeyId}, not in the register`,
    `g svc-cmdb-scanner        ${span(f.g.login, f.g.end)}  console sign-in from ${f.g.ip}`,
    `h stripe-webhook-handler  Monday 16:00 bursts ${f.h.bursts.map(([d, n]) => `${d.slice(5)}:${n}`).join(' ')} (baseline max ${f.h.largestBaseline})`,
    `i backup-nightly          ${isoSec(f.i.get).replace('T', ' ')}  lifecycle change inside CHG-2041`,
  ];
}

// ───────────────────────────── CLI ─────────────────────────────
const SIZE_BUDGET = 3_000_000; // the sample ships inside the app bundle
/** Clears the output folder, but only if it is empty or was written by this script (it holds our manifest). */
function prepareOutDir(outDir, force) {
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    const manifestPath = join(outDir, 'manifest.json');
    let ours = false;
    try { ours = JSON.parse(readFileSync(manifestPath, 'utf8')).name === 'Driftline workshop sample'; } catch { ours = false; }
    if (!ours && !force) {
      throw new Error(`${outDir} is not empty and holds no Driftline sample manifest; refusing to clear it (pass --force to override)`);
    }
    rmSync(outDir, { recursive: true, force: true });
  }
  mkdirSync(outDir, { recursive: true });
}

function main() {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, seed: { type: 'string', default: '1337' }, force: { type: 'boolean', default: false }, quiet: { type: 'boolean', default: false } },
  });
  if (!values.out) {
    console.error('usage: node sample-data/generate.mjs --out <folder> [--seed 1337] [--force]');
    process.exit(2);
  }
  if (!/^\d+$/.test(values.seed)) throw new Error(`--seed must be a non-negative integer, got "${values.seed}"`);
  const seed = Number(values.seed);
  const outDir = resolve(values.out);

  const { files, ev, facts } = buildWorkspace(seed);
  prepareOutDir(outDir, values.force);
  for (const f of files) {
    mkdirSync(dirname(join(outDir, f.path)), { recursive: true });
    writeFileSync(join(outDir, f.path), f.data);
  }
  if (!values.quiet) {
    const ct = files.filter((f) => f.path.startsWith('cloudtrail/'));
    const total = files.reduce((s, f) => s + f.data.length, 0);
    console.log(`Driftline sample (seed ${seed}) → ${outDir}`);
    console.log(`  CloudTrail: ${ev.cloudtrail.length} events in ${ct.length} files (${ct.filter((f) => f.path.endsWith('.gz')).length} gzipped)`);
    console.log(`  Okta:       ${ev.okta.length} events`);
    console.log(`  GitHub:     ${ev.github.length} events`);
    console.log(`  Register:   ${REGISTER.length} identities; change windows: ${CHANGE_WINDOWS.length}`);
    console.log(`  ${files.length} files, ${total} bytes`);
    if (total > SIZE_BUDGET) console.warn(`  warning: over the ${SIZE_BUDGET}-byte budget for the sample shipped with the app`);
    console.log('Planted (UTC):');
    for (const line of plantedSummary(facts)) console.log(`  ${line}`);
  }
}

try {
  main();
} catch (err) {
  console.error(`generate.mjs: ${err.message}`);
  process.exit(1);
}
