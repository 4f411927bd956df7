// HTML reports over a real analysed workspace whose inventory, logs, change windows, exceptions, triage notes and file names
// carry hostile strings: the documents hold no script, no event handler, no external resource, the hostile text shows up
// escaped, and the content (identities, findings, frameworks, windows, exceptions, hashes) is complete.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type AnalysisSettings } from '../../../src/detections/runner';
import type { DuckEngine } from '../../../src/engine/duck-engine';
import type { TriageState } from '../../../src/report/findings-export';
import { escapeHtml, renderHygieneReport, renderIncidentReport, REPORT_CSP } from '../../../src/report/html';
import {
  gatherHygieneData,
  gatherIncidentData,
  listReportIdentities,
  OWASP_NHI_2025,
  type HygieneData,
  type IncidentData,
} from '../../../src/report/report-data';
import { AS_OF, DAY, DETECTION_START, HOUR, daily, event, findings as runFindings, identity, workspace, type Finding } from '../detections/harness';

// jsdom ships without type declarations here: load it through require and describe the little we use.
type Dom = { window: { document: Document } };
const { JSDOM: RealJSDOM } = createRequire(import.meta.url)('jsdom') as { JSDOM: new (html: string) => Dom };
/** Parsed once per document: the tests only read. */
const parsed = new Map<string, Dom>();
const JSDOM = function (this: unknown, html: string): Dom {
  let dom = parsed.get(html);
  if (!dom) parsed.set(html, (dom = new RealJSDOM(html)));
  return dom;
} as unknown as new (html: string) => Dom;

const SCRIPT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(1)>';
const SVG = '"><svg onload=alert(2)>';
const JS_URL = 'javascript:alert(1)';

const ACCOUNT = '111122223333';
const EVIL = `arn:aws:iam::${ACCOUNT}:user/${SCRIPT}`;
const JS = `arn:aws:iam::${ACCOUNT}:user/js-runner`;
const CLEAN = `arn:aws:iam::${ACCOUNT}:user/billing-sync`;
const SHADOW = `arn:aws:iam::${ACCOUNT}:user/<img src=x onerror=alert(3)>`;
const URL_NAME = 'https://evil.example/pixel.json';
const iso = (ms: number) => new Date(ms).toISOString();

const SETTINGS: AnalysisSettings = {
  ...DEFAULT_SETTINGS,
  asOf: iso(AS_OF),
  exceptions: [
    {
      id: 'EXC-ACTIVE', detectionId: 'posture.stale_credential', identityKey: EVIL, owner: `secops ${SCRIPT}`, reason: `accepted until migration ${IMG}`,
      ticket: 'SEC-1', expiresAt: iso(AS_OF + 30 * DAY),
    },
    { id: 'EXC-OLD', detectionId: 'posture.wildcard_permission', identityKey: EVIL, owner: 'secops', reason: 'legacy grant', ticket: 'SEC-0', expiresAt: iso(AS_OF - 10 * DAY) },
  ],
};

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('HTML reports', () => {
  let engine: DuckEngine;
  let all: Finding[];
  let triage: Record<string, TriageState>;
  let incident: IncidentData;
  let hygiene: HygieneData;
  let incidentHtml: string;
  let hygieneHtml: string;
  const hashes: string[] = [];
  const meta = { workspaceName: `Case ${SCRIPT}`, generatedAt: AS_OF + HOUR };

  beforeAll(async () => {
    engine = await workspace({
      identities: [
        identity({
          identity_key: EVIL, name: SCRIPT, owner: IMG, owner_status: 'departed', permissions: ['*'], criticality: 'high',
          secret_location: `plaintext config file ${SVG}`, last_rotated_at: AS_OF - 200 * DAY, team: SVG,
        }),
        identity({ identity_key: JS, name: JS_URL, owner: '', environment: `prod ${SVG}` }),
        identity({ identity_key: CLEAN, name: 'billing-sync' }),
      ],
      events: [
        ...daily(JS, { daysBack: [40, 0] }),
        ...daily(JS, { daysBack: [3, 1], hour: 3, over: { action: SVG, resource: `arn:aws:s3:::${SCRIPT}`, user_agent: IMG } }),
        ...daily(CLEAN, { daysBack: [40, 0] }),
        event({ actor: SHADOW, event_time: DETECTION_START + DAY, action: `s3:${IMG}` }),
      ],
      changes: [
        { change_id: 'CHG-1', identity: '*', starts_at: AS_OF - 2 * DAY, ends_at: AS_OF - DAY, summary: `rotate keys ${SCRIPT}`, source_file: 'chg', source_row: 2 },
      ],
    });
    // File names as dropped can be anything, URLs included; hashes as the reader computes them.
    for (const [id, name] of [['inv', `register ${SCRIPT}.csv`], ['log', URL_NAME], ['chg', `changes ${IMG}.csv`]] as const) {
      const hash = sha(id);
      hashes.push(hash);
      await engine.exec(`UPDATE evidence_files SET name = '${name.replaceAll("'", "''")}', sha256 = '${hash}' WHERE file_id = '${id}'`);
    }
    all = await runFindings(engine, undefined, SETTINGS);
    const target = all.find((f) => f.entity_key === JS && f.detection_id === 'behavior.new_action');
    expect(target).toBeDefined();
    triage = {
      [String(target!.finding_uid)]: { status: 'escalated', notes: [{ at: iso(AS_OF), by: `analyst ${SVG}`, text: `paged the owner ${IMG} ${JS_URL}` }] },
    };
    incident = await gatherIncidentData(engine, { settings: SETTINGS, triage, now: AS_OF });
    hygiene = await gatherHygieneData(engine, { settings: SETTINGS, triage, now: AS_OF });
    incidentHtml = renderIncidentReport(incident, meta);
    hygieneHtml = renderHygieneReport(hygiene, meta);
  });
  afterAll(() => engine?.close());

  const reports = () => [
    ['incident', incidentHtml],
    ['hygiene', hygieneHtml],
  ] as const;

  it('escapes with one function: & < > " \' become entities', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('produces complete documents with a charset, a restrictive CSP and inline print styles', () => {
    for (const [, html] of reports()) {
      expect(html.startsWith('<!doctype html>')).toBe(true);
      expect(html).toMatch(/<meta charset="utf-8">/);
      expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
      expect(REPORT_CSP).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:");
      expect(html).toMatch(/<style>[\s\S]*@media print[\s\S]*<\/style>/);
      expect(html).toMatch(/break-inside: avoid/);
      const doc = new JSDOM(html).window.document;
      expect(doc.querySelectorAll('html > head > meta[charset]').length).toBe(1);
      expect(doc.querySelector('h1')).not.toBeNull();
      expect(doc.querySelector('footer')?.textContent).toMatch(/offline by Driftline.*SHA-256 hashes .* identify the evidence files as received/s);
    }
  });

  it('holds no script, no event handler and no external resource, whatever the evidence says', () => {
    for (const [kind, html] of reports()) {
      expect(html, kind).not.toMatch(/<script/i);
      // Escaped text never contains a raw "<", so every "<…>" in the source is a real tag: none may carry a handler.
      for (const tag of html.match(/<[^>]*>/g) ?? []) {
        expect(tag, `${kind}: ${tag}`).not.toMatch(/\son\w+\s*=/i);
        expect(tag, `${kind}: ${tag}`).not.toMatch(/(src|href|action|srcset|data|poster|background)\s*=\s*["']?\s*(https?:|\/\/|javascript:)/i);
        expect(tag, `${kind}: ${tag}`).not.toMatch(/https?:/i);
      }
      expect(html).not.toMatch(/url\(|@import/i);
      const doc = new JSDOM(html).window.document;
      expect(doc.querySelectorAll('script, img, svg, iframe, object, embed, link, form, base, video, audio, source, input').length, kind).toBe(0);
      for (const el of Array.from(doc.querySelectorAll('*'))) {
        for (const attr of Array.from(el.attributes)) {
          expect(attr.name, `${kind}: <${el.tagName} ${attr.name}>`).not.toMatch(/^on/i);
          if (attr.name === 'href') expect(attr.value, kind).toMatch(/^#[a-z-]+$/);
          expect(attr.value, kind).not.toMatch(/https?:|javascript:/i);
        }
      }
      // The URL in a file name is printed as text only.
      expect(doc.querySelector('#evidence')?.textContent).toContain(URL_NAME);
    }
  });

  it('shows the hostile strings as escaped text', () => {
    for (const [kind, html] of reports()) {
      expect(html, kind).toContain(escapeHtml(SCRIPT));
      expect(html, kind).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html, kind).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(html, kind).toContain(JS_URL);
      const text = new JSDOM(html).window.document.body.textContent ?? '';
      for (const hostile of [SCRIPT, IMG, `register ${SCRIPT}.csv`, `changes ${IMG}.csv`, `rotate keys ${SCRIPT}`, `Case ${SCRIPT}`]) expect(text, `${kind}: ${hostile}`).toContain(hostile);
    }
    // Log fields and triage notes (the escalated finding is open, so it is in the incident report).
    const text = new JSDOM(incidentHtml).window.document.body.textContent ?? '';
    expect(incidentHtml).toContain(escapeHtml(SVG));
    expect(text).toContain(`paged the owner ${IMG} ${JS_URL}`);
    expect(text).toContain(`analyst ${SVG}`);
    expect(new JSDOM(incidentHtml).window.document.title).toBe(`Driftline Incident report: all open findings — Case ${SCRIPT}`);
  });

  it('names the identities and lists every evidence file with its SHA-256', () => {
    expect(hashes).toHaveLength(3);
    for (const [kind, html] of reports()) {
      const doc = new JSDOM(html).window.document;
      const appendix = doc.querySelector('#evidence')!;
      for (const hash of hashes) expect(appendix.textContent, kind).toContain(hash);
      expect(appendix.querySelectorAll('tbody tr').length, kind).toBe(3);
      expect(doc.body.textContent, kind).toContain(SCRIPT);
      expect(doc.body.textContent, kind).toContain(JS_URL);
      expect(doc.body.textContent).toMatch(/Evidence as-of \(UTC\)2026-03-31 23:59:59 UTC/);
      expect(doc.body.textContent).toMatch(/Generated \(UTC\)2026-04-01 00:59:59 UTC/);
    }
    expect(new JSDOM(hygieneHtml).window.document.querySelector('#inventory')?.textContent).toContain('billing-sync');
  });

  it('ranks the open findings by risk, each with its identity, explanation, evidence and triage', () => {
    const open = all.filter((f) => f.status === 'open');
    expect(incident.findings.map((f) => f.uid).sort()).toEqual(open.map((f) => String(f.finding_uid)).sort());
    expect(incident.findings.map((f) => f.riskScore)).toEqual([...incident.findings.map((f) => f.riskScore)].sort((a, b) => b - a));
    const doc = new JSDOM(incidentHtml).window.document;
    const articles = Array.from(doc.querySelectorAll('#findings article.finding'));
    expect(articles).toHaveLength(open.length);
    expect(articles[0]?.querySelector('h3')?.textContent).toMatch(/^#1 · Risk \d+/);
    const escalated = articles.find((a) => a.textContent?.includes('Escalated'));
    expect(escalated?.textContent).toMatch(/behavior\.new_action/);
    expect(escalated?.textContent).toMatch(/Observed.*Baseline.*Declared.*Threshold.*Evidence\d+ events?; first seen .* UTC, last seen .* UTC/s);
    // Summary: counts by severity and status.
    expect(doc.querySelector('#summary table')?.textContent).toMatch(/Open/);
    expect(doc.querySelector('#summary')?.textContent).toContain(`${open.length} finding`);
  });

  it('maps findings to the OWASP NHI Top 10 2025 (with titles) and NIST CSF 2.0', () => {
    expect(Object.entries(OWASP_NHI_2025)).toEqual([
      ['NHI1', 'Improper Offboarding'], ['NHI2', 'Secret Leakage'], ['NHI3', 'Vulnerable Third-Party NHI'], ['NHI4', 'Insecure Authentication'],
      ['NHI5', 'Overprivileged NHI'], ['NHI6', 'Insecure Cloud Deployment Configurations'], ['NHI7', 'Long-Lived Secrets'],
      ['NHI8', 'Environment Isolation'], ['NHI9', 'NHI Reuse'], ['NHI10', 'Human Use of NHI'],
    ]);
    for (const [kind, html, data] of [['incident', incidentHtml, incident], ['hygiene', hygieneHtml, hygiene]] as const) {
      const section = new JSDOM(html).window.document.querySelector('#frameworks')!;
      const rows = Array.from(section.querySelectorAll('tbody tr'));
      const row = (id: string) => rows.find((r) => r.querySelector('th')?.textContent === id);
      const owasp = new Set(data.findings.flatMap((f) => f.owasp));
      const nist = new Set(data.findings.flatMap((f) => f.nist));
      expect(owasp.size, kind).toBeGreaterThan(0);
      expect(nist.size, kind).toBeGreaterThan(0);
      for (const id of owasp) {
        expect(row(id)?.textContent, `${kind} ${id}`).toContain(OWASP_NHI_2025[id]);
        const n = data.findings.filter((f) => f.owasp.includes(id)).length;
        expect(row(id)?.querySelector('td.num')?.textContent, `${kind} ${id}`).toBe(String(n));
      }
      for (const id of nist) expect(row(id), `${kind} ${id}`).toBeDefined();
      // Every risk is listed, the uncovered ones said to be so.
      for (const id of Object.keys(OWASP_NHI_2025)) expect(row(id), `${kind} ${id}`).toBeDefined();
      expect(row('NHI4')?.textContent).toMatch(/No detection in the catalogue maps to it/);
    }
    // Findings present in the incident report: departed owner → NHI1 Improper Offboarding, PR.AA-01.
    expect(incident.findings.some((f) => f.detectionId === 'posture.owner_departed' && f.entityKey === EVIL)).toBe(true);
    expect(incidentHtml).toMatch(/NHI1<\/th><td>Improper Offboarding/);
    expect(incidentHtml).toMatch(/PR\.AA-01<\/th><td>Identities and credentials/);
  });

  it('lists the change windows and the exceptions with their expiry, expired ones marked', () => {
    for (const [kind, html] of reports()) {
      const doc = new JSDOM(html).window.document;
      const changes = doc.querySelector('#changes')!;
      expect(changes.textContent, kind).toContain('CHG-1');
      expect(changes.textContent, kind).toContain(`rotate keys ${SCRIPT}`);
      expect(changes.textContent, kind).toContain('every identity');
      const rows = Array.from(doc.querySelectorAll('#exceptions tbody tr'));
      const active = rows.find((r) => r.querySelector('th')?.textContent === 'EXC-ACTIVE');
      const old = rows.find((r) => r.querySelector('th')?.textContent === 'EXC-OLD');
      expect(active?.textContent, kind).toMatch(/In force/);
      expect(active?.textContent, kind).toContain(utcText(AS_OF + 30 * DAY));
      expect(active?.textContent, kind).toContain(IMG);
      expect(old?.textContent, kind).toMatch(/Expired/);
      expect(old?.textContent, kind).toContain(utcText(AS_OF - 10 * DAY));
    }
    // A finding an expired exception used to cover is open again, and says so.
    const wildcard = Array.from(new JSDOM(incidentHtml).window.document.querySelectorAll('#findings article.finding')).find((a) =>
      a.textContent?.includes('posture.wildcard_permission'),
    );
    expect(wildcard?.textContent).toMatch(/exception EXC-OLD \(owner secops\) expired .* UTC: it no longer suppresses this finding/);
    // The excepted finding counts under its exception and is out of the open queue.
    const excepted = all.filter((f) => f.exception_id === 'EXC-ACTIVE');
    expect(excepted.length).toBeGreaterThan(0);
    expect(incident.exceptions.find((x) => x.id === 'EXC-ACTIVE')?.findings).toBe(excepted.length);
    expect(incident.findings.some((f) => f.exceptionId === 'EXC-ACTIVE')).toBe(false);
    // The hygiene report (all statuses) shows it with the exception that explains it.
    const hygieneFinding = hygiene.findings.find((f) => f.exceptionId === 'EXC-ACTIVE');
    expect(hygieneFinding?.status).toBe('excepted');
    expect(new JSDOM(hygieneHtml).window.document.querySelector('#by-identity')?.textContent).toMatch(/excepted by EXC-ACTIVE \(owner secops <script>/);
  });

  it('limits a one-identity incident report to that identity, all statuses included', async () => {
    const mine = all.filter((f) => f.entity_key === EVIL);
    expect(mine.some((f) => f.status !== 'open')).toBe(true);
    const data = await gatherIncidentData(engine, { settings: SETTINGS, triage, now: AS_OF, identity: EVIL });
    expect(data.scope).toEqual({ entityKey: EVIL, name: SCRIPT });
    expect(data.findings.map((f) => f.uid).sort()).toEqual(mine.map((f) => String(f.finding_uid)).sort());
    const html = renderIncidentReport(data, meta);
    expect(html).not.toMatch(/<script/i);
    const doc = new JSDOM(html).window.document;
    expect(doc.querySelector('h1')?.textContent).toBe(`Incident report: ${SCRIPT}`);
    const articles = Array.from(doc.querySelectorAll('#findings article.finding'));
    expect(articles).toHaveLength(mine.length);
    for (const a of articles) expect(a.querySelector('h3')?.textContent?.endsWith(`— ${SCRIPT}`)).toBe(true);
    expect(doc.querySelector('#findings')?.textContent).not.toContain(JS_URL);
    expect(doc.querySelector('#identity')?.textContent).toContain(IMG);
    // The shadow actor's own report.
    const choices = await listReportIdentities(engine);
    const shadow = choices.find((c) => c.shadow);
    expect(shadow?.entityKey.startsWith('shadow:')).toBe(true);
    const shadowData = await gatherIncidentData(engine, { settings: SETTINGS, now: AS_OF, identity: shadow!.entityKey });
    expect(shadowData.findings.length).toBeGreaterThan(0);
    expect(shadowData.findings.every((f) => f.entityKey === shadow!.entityKey)).toBe(true);
    expect(renderIncidentReport(shadowData, meta)).toMatch(/not in the inventory/);
  });

  it('gives the hygiene report per identity facts, posture / coverage findings and totals per control', () => {
    expect(hygiene.findings.every((f) => f.family === 'posture' || f.family === 'coverage')).toBe(true);
    expect(hygiene.identities.map((i) => i.key).sort()).toEqual([CLEAN, EVIL, JS].sort());
    const doc = new JSDOM(hygieneHtml).window.document;
    const controls = Array.from(doc.querySelectorAll('#controls tbody tr'));
    const ownership = controls.find((r) => r.querySelector('th')?.textContent === 'Accountable owners');
    expect(ownership?.textContent).toMatch(/posture\.no_owner/);
    // no owner on JS, departed owner on EVIL: 2 of 3 identities.
    expect(ownership?.querySelectorAll('td.num')[0]?.textContent).toBe('2 of 3');
    // The shadow actor is counted apart from the inventory's identities.
    const lifecycle = controls.find((r) => r.querySelector('th')?.textContent === 'Dormant, orphaned and undeclared identities');
    expect(lifecycle?.querySelectorAll('td.num')[0]?.textContent).toMatch(/of 3\+ 1 actor not in the inventory$/);
    expect(controls.map((r) => r.querySelector('th')?.textContent)).toEqual(
      expect.arrayContaining(['Credential rotation and lifetime', 'Least privilege', 'Dormant, orphaned and undeclared identities']),
    );
    const byIdentity = doc.querySelector('#by-identity')!;
    expect(byIdentity.textContent).toMatch(/posture\.owner_departed/);
    expect(byIdentity.textContent).toMatch(/coverage\.shadow_identity/);
    expect(byIdentity.textContent).toContain('Not in the inventory');
    expect(byIdentity.textContent).not.toMatch(/behavior\./);
  });
});

function utcText(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

describe('reports on a workspace not analysed yet', () => {
  let engine: DuckEngine;
  afterAll(() => engine?.close());

  it('still lists the inventory and the evidence, and says no findings are included', async () => {
    engine = await workspace({ identities: [identity({ identity_key: CLEAN, name: 'billing-sync' })], events: daily(CLEAN, { daysBack: [5, 0] }) });
    const settings = { ...DEFAULT_SETTINGS, exceptions: SETTINGS.exceptions };
    const incident = await gatherIncidentData(engine, { settings, now: AS_OF });
    const hygiene = await gatherHygieneData(engine, { settings, now: AS_OF });
    expect(incident.analysed).toBe(false);
    expect(incident.findings).toEqual([]);
    expect(incident.context.lastEvent).not.toBeNull();
    expect(hygiene.identities.map((i) => i.name)).toEqual(['billing-sync']);
    expect(hygiene.identities[0]?.eventCount).toBe(5);
    expect(await listReportIdentities(engine)).toEqual([{ entityKey: CLEAN, name: 'billing-sync', shadow: false, findings: 0, open: 0, maxRisk: null }]);
    for (const html of [renderIncidentReport(incident, { workspaceName: 'w', generatedAt: AS_OF }), renderHygieneReport(hygiene, { workspaceName: 'w', generatedAt: AS_OF })]) {
      expect(html).toContain('has not been analysed yet');
      expect(html).toContain('inv.x');
      expect(html).toMatch(/EXC-OLD.*Expired/s);
    }
  });
});
