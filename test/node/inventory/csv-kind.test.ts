// CSV recognition by content (synthetic files): every kind, plus look-alikes decided by the strongest evidence.
import { describe, expect, it } from 'vitest';
import { CREDENTIAL_REPORT_COLUMNS, CREDENTIAL_REPORT_COLUMNS_16 } from '../../../src/ingest/inventory/credential-report';
import { classifyCsv } from '../../../src/ingest/inventory/csv-kind';
import { table } from './helpers';

const classify = (csv: string) => {
  const t = table('x.csv', csv);
  return classifyCsv(t.headers, t.rows);
};

const EVENTS = `Timestamp,User,Operation,Resource,Source IP,Result,Owner
2024-05-01T01:02:03Z,svc-backup,s3:GetObject,arn:aws:s3:::b/k1,10.0.0.1,success,alice
2024-05-01T01:02:04Z,svc-backup,s3:GetObject,arn:aws:s3:::b/k2,10.0.0.1,success,alice
2024-05-01T01:05:00Z,svc-etl,s3:PutObject,arn:aws:s3:::c/k,10.0.0.2,success,bob
2024-05-01T02:00:00Z,svc-backup,s3:ListBucket,arn:aws:s3:::b,10.0.0.1,failure,alice
2024-05-01T02:00:01Z,svc-etl,s3:GetObject,arn:aws:s3:::c/k,10.0.0.2,success,bob
2024-05-01T02:00:02Z,svc-backup,s3:GetObject,arn:aws:s3:::b/k3,10.0.0.1,success,alice
`;

const REGISTER = `Service Account,Owner,Permissions,Last used,Environment
svc-backup,alice,s3:GetObject,2024-05-01,prod
svc-etl,bob,s3:PutObject,2024-04-30,prod
svc-report,carol,s3:ListBucket,2024-03-01,dev
svc-ci,dan,iam:PassRole,2024-05-02,prod
svc-old,erin,*,2023-01-01,test
`;

describe('classifyCsv', () => {
  it('recognises both credential report variants by their exact columns', () => {
    const r22 = classify(`${CREDENTIAL_REPORT_COLUMNS.join(',')}\n`);
    expect(r22).toMatchObject({ kind: 'credential_report', confidence: 0.99 });
    expect(r22.reason).toMatch(/22-column/);
    expect(classify(`${CREDENTIAL_REPORT_COLUMNS_16.join(',')}\n`).reason).toMatch(/16-column/);
  });

  it('recognises a GitHub audit CSV', () => {
    const r = classify(`@timestamp,action,actor,actor_ip,repo,user_agent\n1714525323000,repo.create,deploy-bot,1.2.3.4,org/app,curl/8\n1714525324000,git.clone,deploy-bot,1.2.3.4,org/app,git/2\n`);
    expect(r.kind).toBe('github_audit');
    expect(r.reason).toContain('action, actor and @timestamp');
    expect(r.reason).toContain('repo.create');
  });

  it('recognises a generic event log, even with an owner column', () => {
    const r = classify(EVENTS);
    expect(r.kind).toBe('event_log');
    expect(r.reason).toContain('time in "Timestamp", actor in "User", action in "Operation"');
    expect(r.reason).toMatch(/also resembles an NHI register/);
    expect(r.mapping?.target).toBe('event');
  });

  it('recognises a register, even with a last-used date column', () => {
    const r = classify(REGISTER);
    expect(r.kind).toBe('register');
    expect(r.reason).toContain('names in "Service Account"');
    expect(r.reason).toContain('"Owner"');
    expect(r.mapping?.fields.last_used_at?.header).toBe('Last used');
  });

  it('prefers a register over change windows for a wide table with validity dates', () => {
    const r = classify(`Name,Owner,Permissions,Valid from,Valid until\nsvc,alice,s3:GetObject,2024-01-01,2025-01-01\n`);
    expect(r.kind).toBe('register');
    expect(r.reason).toMatch(/also resembles a change-window list/);
  });

  it('recognises the messy register of the register tests', () => {
    expect(classify(`Service Account,Owner (email),Key ID,Tier\nsvc,a@b.c,AKIAABCDEFGHIJKLMNOP,1\n`).kind).toBe('register');
    expect(classify(`ARN,Description\narn:aws:iam::1:role/x,deploys\n`).kind).toBe('register');
  });

  it('recognises change windows and resource classes', () => {
    const c = classify(`Ticket,Applies to,From,Until,Title\nCR-7,svc-a,2024-05-13 22:00,2024-05-14 02:00,Rotate keys\n`);
    expect(c.kind).toBe('change_windows');
    expect(c.reason).toContain('start in "From", end in "Until"');
    const r = classify(`resource pattern,data_class\narn:aws:s3:::payroll-*,PII\nhr/*,confidential\n`);
    expect(r.kind).toBe('resource_classes');
    expect(r.confidence).toBeGreaterThan(0.8);
  });

  it('says unknown, with its best guess, when nothing fits', () => {
    const r = classify(`a,b,c\n1,2,3\n`);
    expect(r).toMatchObject({ kind: 'unknown', confidence: 0 });
    expect(r.reason).toMatch(/map the columns by hand/);
    const weak = classify(`Name,Colour\nx,blue\n`);
    expect(weak.kind).toBe('unknown');
    expect(weak.reason).toMatch(/looks most like an NHI register/);
  });

  it('never throws on hostile input', () => {
    expect(classifyCsv([], []).kind).toBe('unknown');
    expect(classifyCsv(null as unknown as string[], null as unknown as string[][]).kind).toBe('unknown');
    expect(classifyCsv(['Name', 'Owner'], [['=cmd|\' /C calc\'!A0', '<script>'], 'x' as unknown as string[]]).kind).toBe('register');
  });
});
