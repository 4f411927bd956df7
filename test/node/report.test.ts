// Exports: OCSF Detection Finding JSON checked against the contract's required fields, CSV cells inert in spreadsheets.
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../src/report/csv';
import { findingsToCsv, findingsToOcsfJson } from '../../src/report/findings-export';

/** The export contract of spec/detections.md as a schema check: path → predicate. */
const REQUIRED: Record<string, (v: unknown) => boolean> = {
  class_uid: (v) => v === 2004,
  category_uid: (v) => v === 2,
  type_uid: (v) => v === 200401,
  activity_id: (v) => v === 1,
  time: (v) => Number.isInteger(v) && (v as number) > 0,
  severity_id: (v) => [0, 1, 2, 3, 4, 5, 6, 99].includes(v as number),
  risk_score: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 100,
  status_id: (v) => [0, 1, 2, 3, 4, 5, 99].includes(v as number),
  status: (v) => typeof v === 'string' && v.length > 0,
  message: (v) => typeof v === 'string' && v.length > 0,
  'metadata.product.name': (v) => v === 'Driftline',
  'metadata.version': (v) => typeof v === 'string' && /^\d+\.\d+\.\d+$/.test(v),
  'finding_info.uid': (v) => typeof v === 'string' && /^[0-9a-f]{32}$/.test(v),
  'finding_info.title': (v) => typeof v === 'string' && v.length > 0,
  'finding_info.desc': (v) => typeof v === 'string' && v.length > 0,
  'finding_info.analytic.uid': (v) => typeof v === 'string' && /^(posture|coverage|behavior)\.[a-z_]+$/.test(v),
  'finding_info.analytic.name': (v) => typeof v === 'string' && v.length > 0,
  'finding_info.first_seen_time': (v) => Number.isInteger(v),
  'finding_info.last_seen_time': (v) => Number.isInteger(v),
  'resources.0.uid': (v) => typeof v === 'string' && v.length > 0,
  'resources.0.name': (v) => typeof v === 'string',
  'resources.0.type': (v) => typeof v === 'string',
  'resources.0.owner.name': (v) => typeof v === 'string',
  'resources.0.labels': (v) => Array.isArray(v) && v.some((l) => String(l).startsWith('platform:')) && v.some((l) => String(l).startsWith('environment:')),
};

export function ocsfProblems(doc: unknown): string[] {
  const problems: string[] = [];
  for (const [pathText, ok] of Object.entries(REQUIRED)) {
    const value = pathText.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), doc);
    if (!ok(value)) problems.push(`${pathText} = ${JSON.stringify(value)}`);
  }
  return problems;
}

const FINDING = {
  finding_uid: '0123456789abcdef0123456789abcdef', detection_id: 'behavior.new_action', family: 'behavior', title: 'New action', severity: 'high',
  risk_score: 91, risk_formula: '70 × 1.3 = 91', status: 'open', entity_key: 'arn:aws:iam::1:user/a', identity_key: 'arn:aws:iam::1:user/a',
  identity_name: 'a', identity_kind: 'IAM user', platform: 'aws', environment: 'prod', criticality: 'critical', owner: 'alice@example.com',
  owner_status: 'active', shadow: false, subject: '=1+1', first_seen: '2026-03-30T03:00:00.000Z', last_seen: '2026-03-30T03:05:00.000Z',
  evidence_count: 2, observed: '@SUM(A1)', baseline: '+cmd', declared: '', threshold: '-2', explanation: 'Observed: x.', owasp: [],
  nist: ['DE.CM-03'], change_id: null, exception_id: null, evidence_sql: 'SELECT 1', credential_age_days: 3, maturity: 'mature', as_of: '2026-03-31T00:00:00.000Z',
};

describe('findings export', () => {
  it('writes OCSF Detection Findings with every field of the contract', () => {
    const [doc] = JSON.parse(findingsToOcsfJson([FINDING], { [FINDING.finding_uid]: { status: 'investigating', notes: [] } }));
    expect(ocsfProblems(doc)).toEqual([]);
    expect(doc).toMatchObject({ severity_id: 4, status_id: 2, status: 'In Progress', finding_info: { analytic: { uid: 'behavior.new_action' } } });
    expect(doc.unmapped.nist_csf_2_0).toEqual(['DE.CM-03']);
  });

  it('the schema check catches a missing field', () => {
    const [doc] = JSON.parse(findingsToOcsfJson([{ ...FINDING, finding_uid: 'nope' }]));
    expect(ocsfProblems(doc)).toEqual(['finding_info.uid = "nope"']);
  });

  it('keeps every cell a spreadsheet would evaluate inert', () => {
    for (const cell of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) expect(csvCell(cell).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    const csv = findingsToCsv([FINDING]);
    expect(csv).toContain(",'=1+1,");
    expect(csv).toContain(",'@SUM(A1),'+cmd,,'-2,");
    expect(csv.split('\r\n')[0]).toMatch(/^finding_uid,detection_id,title,/);
    expect(toCsv(['a'], [{ a: null }])).toBe('a\r\n\r\n');
  });
});
