// Reports as one self-contained HTML file: inline CSS, no script, no external resource, printable. A restrictive CSP in
// the document itself keeps script and remote loads off even if something slipped through.
// Every value that came from evidence or the analyst (log fields, file names, identity names, notes, change summaries…)
// reaches the markup through `escapeHtml`, the one escaping function, which the `h` template applies to every
// interpolation that is not itself markup built by `h`. Nothing untrusted is ever put in an attribute or in the CSS.
import { formatBytes, formatCount } from '../lib/format';
import { PRODUCT_VERSION, type TriageStatus } from './findings-export';
import type {
  FindingStatus,
  FrameworkEntry,
  HygieneData,
  IncidentData,
  ReportBase,
  ReportChange,
  ReportException,
  ReportFinding,
  ReportIdentity,
} from './report-data';

export interface ReportMeta {
  /** The workspace's name as the analyst gave it. */
  workspaceName: string;
  /** When the report was produced (ISO string, epoch ms or Date); printed in UTC. */
  generatedAt: string | number | Date;
}

/** The document's own policy: nothing may load or run; only the inline style applies. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

// ---- escaping ------------------------------------------------------------------------------------------------------

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The one escaping function: & < > " ' become entities, so text can be neither markup nor leave an attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** Markup built by `h` (already safe); anything else interpolated is text and gets escaped. */
class Markup {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

type Part = Markup | string | number | boolean | null | undefined | readonly Part[];

function partToHtml(part: Part): string {
  if (part instanceof Markup) return part.html;
  if (Array.isArray(part)) return part.map(partToHtml).join('');
  if (part === null || part === undefined || part === false || part === true) return '';
  return escapeHtml(String(part));
}

/** Tagged template: the literal parts are ours, every interpolation is escaped unless it is Markup from `h`. */
function h(strings: TemplateStringsArray, ...parts: Part[]): Markup {
  let out = strings[0] ?? '';
  for (let i = 0; i < parts.length; i++) out += partToHtml(parts[i]) + (strings[i + 1] ?? '');
  return new Markup(out);
}

const join = (parts: readonly Part[], separator: Markup | string): Markup => {
  const sep = partToHtml(separator);
  return new Markup(parts.map(partToHtml).filter((p) => p !== '').join(sep));
};

// ---- formatting ----------------------------------------------------------------------------------------------------

const DASH = '—';

/** A time as "2026-03-31 23:59:59 UTC" (the input is an ISO string from the engine or the settings). */
export function utc(value: string | number | Date | null | undefined): string {
  if (value === null || value === undefined || value === '') return DASH;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(ms)) return String(value);
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

const orDash = (v: string | number | null | undefined): string => (v === null || v === undefined || v === '' ? DASH : String(v));

const span = (from: string | null, to: string | null): string => (from || to ? `${utc(from)} – ${utc(to)}` : DASH);

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'] as const;
const STATUSES: readonly FindingStatus[] = ['open', 'explained', 'excepted'];
const STATUS_LABEL: Record<FindingStatus, string> = { open: 'Open', explained: 'Explained (change window)', excepted: 'Excepted' };

const TRIAGE_LABEL: Record<TriageStatus, string> = {
  new: 'New',
  investigating: 'Investigating',
  explained: 'Explained',
  false_positive: 'False positive',
  escalated: 'Escalated',
};

const PLACEMENT: Record<ReportChange['placement'], string> = {
  detection: 'in the detection window',
  baseline: 'in the baseline window',
  after: 'after the as-of',
  before: 'before the analysed period',
  unknown: 'not placed (no analysis)',
};

function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

function groupByEntity(findings: readonly ReportFinding[]): Map<string, ReportFinding[]> {
  const out = new Map<string, ReportFinding[]>();
  for (const f of findings) {
    const list = out.get(f.entityKey);
    if (list) list.push(f);
    else out.set(f.entityKey, [f]);
  }
  return out;
}

const maxRisk = (findings: readonly ReportFinding[]): number => findings.reduce((m, f) => Math.max(m, f.riskScore), 0);

function ageDays(from: string | null, asOf: string | null): number | null {
  if (!from || !asOf) return null;
  const [a, b] = [Date.parse(from), Date.parse(asOf)];
  return Number.isNaN(a) || Number.isNaN(b) ? null : Math.floor((b - a) / 86_400_000);
}

// ---- the document --------------------------------------------------------------------------------------------------

const CSS = `
:root { color-scheme: light; --ink: #17212b; --muted: #5b6776; --line: #c9d0d8; --accent: #1f7a70; --danger: #b3261e; --warn: #a15c00; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 1100px; padding: 1.5rem 2rem 3rem; color: var(--ink); background: #fff;
  font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; }
h1 { font-size: 1.6rem; margin: 0.2rem 0 0.6rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.6rem; padding-bottom: 0.2rem; border-bottom: 2px solid var(--ink); }
h3 { font-size: 1rem; margin: 0 0 0.4rem; }
p { margin: 0.3rem 0; }
code, .mono { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; font-size: 0.85em; }
.kicker { text-transform: uppercase; letter-spacing: 0.08em; font-size: 0.75rem; color: var(--muted); margin: 0; }
.muted, .note { color: var(--muted); }
.note { font-size: 0.85rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.15rem 1rem; margin: 0.5rem 0 1rem; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
nav.toc ol { columns: 2; margin: 0.25rem 0; padding-left: 1.25rem; }
nav.toc a { color: inherit; }
table { border-collapse: collapse; width: 100%; margin: 0.4rem 0 0.8rem; font-size: 0.9rem; }
table.compact { width: auto; min-width: 50%; }
caption { text-align: left; font-weight: 600; padding: 0.2rem 0; }
th, td { border: 1px solid var(--line); padding: 0.25rem 0.45rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
thead th { border-bottom: 2px solid var(--ink); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.hash { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.75rem; word-break: break-all; min-width: 16ch; }
.sev { display: inline-block; border: 1px solid currentColor; border-radius: 3px; padding: 0 0.3em; font-size: 0.75rem; font-weight: 700;
  text-transform: uppercase; letter-spacing: 0.04em; }
.sev-critical, .sev-high { color: var(--danger); }
.sev-medium { color: var(--warn); }
.sev-low, .sev-info { color: var(--muted); }
.risk { font-weight: 700; font-variant-numeric: tabular-nums; }
.flag { font-weight: 700; color: var(--danger); text-transform: uppercase; }
.ok { color: var(--accent); font-weight: 600; }
article.finding, article.identity { border: 1px solid var(--line); border-left: 4px solid var(--ink); border-radius: 4px; padding: 0.6rem 0.8rem; margin: 0.6rem 0; }
article.finding dl, article.identity dl { display: grid; grid-template-columns: 12rem 1fr; gap: 0.15rem 0.8rem; margin: 0.4rem 0 0; }
article.finding dt, article.identity dt { font-weight: 600; color: var(--muted); }
article.finding dd, article.identity dd { margin: 0; overflow-wrap: anywhere; }
.explanation { margin: 0.35rem 0; }
ul.notes { margin: 0; padding-left: 1.1rem; }
ul.plain { margin: 0; padding-left: 1.1rem; }
footer { margin-top: 2.5rem; padding-top: 0.6rem; border-top: 1px solid var(--line); color: var(--muted); font-size: 0.85rem; }
@page { margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav.toc { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h3 { break-after: avoid; page-break-after: avoid; }
  article.finding, article.identity, tr, dl.meta { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  section.appendix { break-before: page; page-break-before: always; }
  a { color: inherit; text-decoration: none; }
}
`;

function documentOf(title: string, body: Markup): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Driftline ${escapeHtml(PRODUCT_VERSION)}">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body.html}
</body>
</html>
`;
}

function header(kind: string, heading: string, data: ReportBase, meta: ReportMeta, extra: Markup | null): Markup {
  const c = data.context;
  return h`<header>
<p class="kicker">Driftline · ${kind}</p>
<h1>${heading}</h1>
<dl class="meta">
<dt>Workspace</dt><dd>${meta.workspaceName || 'Unnamed workspace'}</dd>
${extra}
<dt>Generated (UTC)</dt><dd>${utc(meta.generatedAt)}</dd>
<dt>Evidence as-of (UTC)</dt><dd>${utc(c.asOf)} <span class="note">(the end of the evidence unless set by the analyst; ages are measured against it, not the wall clock)</span></dd>
<dt>Detection window (UTC)</dt><dd>${c.detectionStart ? h`${utc(c.detectionStart)} – ${utc(c.asOf)} (${plural(c.detectionDays ?? 0, 'day')})` : DASH}</dd>
<dt>Baseline window (UTC)</dt><dd>${c.baselineStart ? h`${utc(c.baselineStart)} – ${utc(c.detectionStart)} (up to ${plural(c.baselineDays ?? 0, 'day')}; maturity needs ${plural(c.maturityDays ?? 0, 'active day')})` : DASH}</dd>
<dt>Events observed (UTC)</dt><dd>${span(c.firstEvent, c.lastEvent)}</dd>
<dt>Evidence files</dt><dd>${formatCount(data.evidence.length)}</dd>
</dl>
${data.analysed ? null : h`<p class="flag">This workspace has not been analysed yet: no findings are included.</p>`}
</header>`;
}

function toc(entries: readonly [string, string][]): Markup {
  return h`<nav class="toc" aria-label="Contents"><ol>${entries.map(([id, label]) => h`<li><a href="#${id}">${label}</a></li>`)}</ol></nav>`;
}

function severityBadge(severity: string): Markup {
  const known = (SEVERITY_ORDER as readonly string[]).includes(severity) ? severity : 'info';
  return h`<span class="sev sev-${known}">${known}</span>`;
}

function summaryTable(findings: readonly ReportFinding[], caption: string): Markup {
  const count = (sev: string | null, status: FindingStatus | null) =>
    findings.filter((f) => (sev === null || f.severity === sev) && (status === null || f.status === status)).length;
  return h`<table class="compact">
<caption>${caption}</caption>
<thead><tr><th scope="col">Severity</th>${STATUSES.map((s) => h`<th scope="col" class="num">${STATUS_LABEL[s]}</th>`)}<th scope="col" class="num">Total</th></tr></thead>
<tbody>
${SEVERITY_ORDER.map(
  (sev) => h`<tr><th scope="row">${severityBadge(sev)}</th>${STATUSES.map((s) => h`<td class="num">${formatCount(count(sev, s))}</td>`)}<td class="num">${formatCount(count(sev, null))}</td></tr>`,
)}
<tr><th scope="row">All</th>${STATUSES.map((s) => h`<td class="num">${formatCount(count(null, s))}</td>`)}<td class="num">${formatCount(findings.length)}</td></tr>
</tbody>
</table>`;
}

function triageTable(findings: readonly ReportFinding[]): Markup {
  const statuses = Object.keys(TRIAGE_LABEL) as TriageStatus[];
  return h`<table class="compact">
<caption>Triage status of these findings</caption>
<thead><tr>${statuses.map((s) => h`<th scope="col" class="num">${TRIAGE_LABEL[s]}</th>`)}<th scope="col" class="num">With notes</th></tr></thead>
<tbody><tr>${statuses.map((s) => h`<td class="num">${formatCount(findings.filter((f) => f.triage.status === s).length)}</td>`)}<td class="num">${formatCount(
    findings.filter((f) => f.triage.notes.length > 0).length,
  )}</td></tr></tbody>
</table>`;
}

function workspaceTotalsLine(data: ReportBase): Markup {
  const t = data.workspaceTotals;
  return h`<p class="note">Whole workspace: ${formatCount(t.open)} open · ${formatCount(t.explained)} explained by change windows · ${formatCount(t.excepted)} excepted.${
    data.disabled.length ? h` Detections switched off (not evaluated): ${data.disabled.join(', ')}.` : null
  }</p>`;
}

function frameworkRefs(f: ReportFinding): Markup {
  const owasp = f.owasp.map((id) => h`<span class="mono">${id}</span>`);
  const nist = f.nist.map((id) => h`<span class="mono">${id}</span>`);
  const parts: Markup[] = [];
  if (owasp.length) parts.push(h`OWASP NHI Top 10 2025: ${join(owasp, ', ')}`);
  if (nist.length) parts.push(h`NIST: ${join(nist, ', ')}`);
  return parts.length ? join(parts, ' · ') : new Markup(DASH);
}

function triageCell(f: ReportFinding): Markup {
  return h`${TRIAGE_LABEL[f.triage.status] ?? f.triage.status}${f.triageDefault ? h` <span class="note">(not triaged yet)</span>` : null}${
    f.triage.notes.length
      ? h`<ul class="notes">${f.triage.notes.map((n) => h`<li>${n.text} <span class="note">— ${n.by || 'unknown'}, ${utc(n.at)}</span></li>`)}</ul>`
      : null
  }`;
}

function explainedBy(f: ReportFinding, changes: readonly ReportChange[], exceptions: readonly ReportException[]): Markup | null {
  const parts: Markup[] = [];
  if (f.changeId) {
    const c = changes.find((x) => x.changeId === f.changeId);
    const share =
      f.status === 'explained'
        ? 'all its evidence falls in change window'
        : `${formatCount(f.evidenceCount - (f.evidenceOutsideChange ?? 0))} of ${formatCount(f.evidenceCount)} evidence events fall in change window`;
    parts.push(h`${share} <span class="mono">${f.changeId}</span>${c ? h` (${span(c.startsAt, c.endsAt)}${c.summary ? h`: ${c.summary}` : null})` : null}`);
  }
  if (f.exceptionId) {
    const x = exceptions.find((e) => e.id === f.exceptionId);
    parts.push(
      h`excepted by <span class="mono">${f.exceptionId}</span>${
        x ? h` (owner ${x.owner}; ${x.reason || DASH}${x.ticket ? h`; ticket ${x.ticket}` : null}; expires ${utc(x.expiresAt)}${x.expired ? h` — <span class="flag">expired</span>` : null})` : null
      }`,
    );
  }
  if (!f.exceptionId) {
    const lapsed = exceptions.filter(
      (x) => x.expired && (x.detectionId === '*' || x.detectionId === f.detectionId) && (x.identityKey === '*' || x.identityKey === f.entityKey),
    );
    for (const x of lapsed) {
      parts.push(h`exception <span class="mono">${x.id}</span> (owner ${x.owner}) <span class="flag">expired</span> ${utc(x.expiresAt)}: it no longer suppresses this finding`);
    }
  }
  return parts.length ? join(parts, h`<br>`) : null;
}

function findingArticle(f: ReportFinding, rank: number, data: ReportBase): Markup {
  const explained = explainedBy(f, data.changes, data.exceptions);
  return h`<article class="finding">
<h3>#${rank} · <span class="risk">Risk ${f.riskScore}</span> ${severityBadge(f.severity)} ${f.title} — ${f.identityName}</h3>
<p class="note"><span class="mono">${f.detectionId}</span> · ${STATUS_LABEL[f.status]}${f.subject ? h` · about ${f.subject}` : null}</p>
<p class="explanation">${f.explanation}</p>
<dl>
<dt>Identity</dt><dd>${f.identityName} <span class="note">(${f.shadow ? 'not in the inventory' : orDash(f.identityKey)}${f.identityKind ? h`, ${f.identityKind}` : null}${
    f.platform ? h`, ${f.platform}` : null
  })</span></dd>
<dt>Owner</dt><dd>${f.owner || 'none recorded'}${f.ownerStatus ? h` (${f.ownerStatus})` : null}</dd>
<dt>Environment · criticality</dt><dd>${orDash(f.environment)} · ${orDash(f.criticality)}</dd>
<dt>Credential age</dt><dd>${f.credentialAgeDays === null ? DASH : plural(f.credentialAgeDays, 'day')}${f.credentialType ? h` (${f.credentialType})` : null}</dd>
<dt>Observed</dt><dd>${orDash(f.observed)}</dd>
<dt>Baseline</dt><dd>${orDash(f.baseline)}${f.maturity && f.maturity !== 'n/a' ? h` <span class="note">(${f.maturity} baseline)</span>` : null}</dd>
<dt>Declared</dt><dd>${orDash(f.declared)}</dd>
<dt>Threshold</dt><dd>${orDash(f.threshold)}</dd>
<dt>Evidence</dt><dd>${
    f.evidenceCount === 0 && !f.firstSeen
      ? 'the inventory record (no log events)'
      : h`${plural(f.evidenceCount, 'event')}${f.firstSeen ? h`; first seen ${utc(f.firstSeen)}, last seen ${utc(f.lastSeen)}` : null}`
  }</dd>
<dt>Risk score</dt><dd>${f.riskFormula}</dd>
<dt>Frameworks</dt><dd>${frameworkRefs(f)}</dd>
<dt>Change window / exception</dt><dd>${explained ?? DASH}</dd>
<dt>Triage</dt><dd>${triageCell(f)}</dd>
<dt>Finding id</dt><dd class="mono">${f.uid}</dd>
</dl>
</article>`;
}

function frameworkSection(data: ReportBase, scopeText: string): Markup {
  const detectionsCell = (e: FrameworkEntry) =>
    e.detections.length
      ? h`<ul class="plain">${e.detections.map(
          (d) => h`<li><span class="mono">${d.id}</span> ${d.title}: ${d.disabled ? h`<span class="flag">switched off</span>` : plural(d.findings, 'finding')}</li>`,
        )}</ul>`
      : h`<span class="note">No detection in the catalogue maps to it: not assessed by this report.</span>`;
  const table = (entries: readonly FrameworkEntry[], idHead: string, titleHead: string, caption: string) => h`<table>
<caption>${caption}</caption>
<thead><tr><th scope="col">${idHead}</th><th scope="col">${titleHead}</th><th scope="col">Detections</th><th scope="col" class="num">Findings</th></tr></thead>
<tbody>${entries.map(
    (e) => h`<tr><th scope="row" class="mono">${e.id}</th><td>${e.title ?? DASH}${e.framework === 'NIST AI RMF 1.0' ? h` <span class="note">(NIST AI RMF 1.0, not CSF)</span>` : null}</td><td>${detectionsCell(e)}</td><td class="num">${formatCount(e.findings)}</td></tr>`,
  )}</tbody>
</table>`;
  return h`<section id="frameworks">
<h2>Framework mapping</h2>
<p class="note">For each OWASP Non-Human Identities Top 10 (2025) risk and each NIST Cybersecurity Framework 2.0 subcategory the detections reference: the detections that test it and the number of findings ${scopeText} that reference it. A count of zero means the detection ran and found nothing.</p>
${table(data.frameworks.owasp, 'OWASP NHI', 'Risk (Top 10 2025)', 'OWASP Non-Human Identities Top 10 — 2025')}
${table(data.frameworks.nist, 'NIST CSF 2.0', 'Outcome', 'NIST Cybersecurity Framework 2.0')}
</section>`;
}

function changesSection(data: ReportBase, scoped: boolean): Markup {
  const rows = data.changes;
  return h`<section id="changes">
<h2>Change windows</h2>
<p class="note">A change window explains the findings of its identity that fall inside it: they stay listed, carry the change id and leave the open queue; only the part of a deviation outside the window counts as drift.${
    scoped ? ' Only the windows that apply to this identity (or to every identity) are listed.' : ''
  }</p>
${
  rows.length
    ? h`<table>
<thead><tr><th scope="col">Change</th><th scope="col">Applies to</th><th scope="col">Window (UTC)</th><th scope="col">Placement</th><th scope="col">Summary</th><th scope="col" class="num">Findings explained / touched</th><th scope="col">Source</th></tr></thead>
<tbody>${rows.map(
        (c) => h`<tr><th scope="row" class="mono">${c.changeId}</th><td>${c.identity === '*' ? 'every identity' : c.identity}</td><td>${span(c.startsAt, c.endsAt)}</td><td>${PLACEMENT[c.placement]}</td><td>${orDash(
          c.summary,
        )}</td><td class="num">${formatCount(c.explained)} / ${formatCount(c.findings)}</td><td>${orDash(c.sourceFile)}${c.sourceRow !== null ? h` <span class="note">row ${c.sourceRow}</span>` : null}</td></tr>`,
      )}</tbody>
</table>`
    : h`<p>No change windows are loaded.</p>`
}
</section>`;
}

function exceptionState(x: ReportException): Markup {
  if (x.problem) return h`<span class="flag">Not applied</span>: ${x.problem}`;
  if (x.expired) return h`<span class="flag">Expired</span> — no longer suppresses anything`;
  return h`<span class="ok">In force</span>`;
}

function exceptionsSection(data: ReportBase, scoped: boolean, asOfNote: string): Markup {
  const rows = data.exceptions;
  return h`<section id="exceptions">
<h2>Exceptions</h2>
<p class="note">An exception suppresses a detection for an identity (or for all) and carries an owner, a reason or ticket and an expiry; an expired exception stops suppressing by itself. Expiry is judged at ${asOfNote}.${
    scoped ? ' Only the exceptions that apply to this identity (or to every identity) are listed.' : ''
  }</p>
${
  rows.length
    ? h`<table>
<thead><tr><th scope="col">Exception</th><th scope="col">Detection</th><th scope="col">Identity</th><th scope="col">Owner</th><th scope="col">Reason</th><th scope="col">Ticket</th><th scope="col">Expires (UTC)</th><th scope="col">State</th><th scope="col" class="num">Findings suppressed</th></tr></thead>
<tbody>${rows.map(
        (x) => h`<tr><th scope="row" class="mono">${x.id}</th><td class="mono">${x.detectionId === '*' ? 'every detection' : x.detectionId}</td><td>${
          x.identityKey === '*' ? 'every identity' : x.identityKey
        }</td><td>${orDash(x.owner)}</td><td>${orDash(x.reason)}</td><td>${orDash(x.ticket)}</td><td>${utc(x.expiresAt)}</td><td>${exceptionState(x)}</td><td class="num">${formatCount(
          x.findings,
        )}</td></tr>`,
      )}</tbody>
</table>`
    : h`<p>No exceptions are recorded.</p>`
}
</section>`;
}

function evidenceSection(data: ReportBase): Markup {
  return h`<section id="evidence" class="appendix">
<h2>Appendix: evidence files</h2>
<p class="note">Every file this workspace was built from, with the SHA-256 of its bytes as received (before any decompression). Anyone holding the files can recompute the hashes to confirm they are the evidence analysed here. Names are printed as given and are not links.</p>
${
  data.evidence.length
    ? h`<table>
<thead><tr><th scope="col" class="num">#</th><th scope="col">File</th><th scope="col">Kind · vendor · format</th><th scope="col" class="num">Size</th><th scope="col" class="num">Rows loaded / rejected / duplicate</th><th scope="col">Time range (UTC)</th><th scope="col">Imported (UTC)</th><th scope="col">SHA-256</th></tr></thead>
<tbody>${data.evidence.map(
        (f, i) => h`<tr><td class="num">${i + 1}</td><td>${f.name}${f.container ? h`<div class="note">${f.container}</div>` : null}${
          f.notes ? h`<div class="note">${f.notes}</div>` : null
        }</td><td>${join([f.kind, f.vendor, f.sourceFormat], ' · ')}</td><td class="num">${
          f.bytes === null ? DASH : h`${formatBytes(f.bytes)}<div class="note">${formatCount(f.bytes)} bytes</div>`
        }</td><td class="num">${formatCount(f.rowsLoaded)} / ${formatCount(f.rowsRejected)} / ${formatCount(f.rowsDuplicate)}</td><td>${span(f.firstEvent, f.lastEvent)}</td><td>${utc(
          f.importedAt,
        )}</td><td class="hash">${f.sha256 ?? 'not computed'}</td></tr>`,
      )}</tbody>
</table>`
    : h`<p>No evidence files are loaded.</p>`
}
</section>`;
}

function footer(meta: ReportMeta): Markup {
  return h`<footer>
<p>Produced offline by Driftline ${PRODUCT_VERSION} in the analyst's browser on ${utc(meta.generatedAt)}; nothing was sent over the network to make it. The SHA-256 hashes in the appendix identify the evidence files as received. All times are UTC. This file contains no script and loads nothing.</p>
</footer>`;
}

function identityFacts(i: ReportIdentity, asOf: string | null): Markup {
  const age = ageDays(i.lastRotatedAt ?? i.createdAt, asOf);
  return h`<dl>
<dt>Identity key</dt><dd class="mono">${i.key}</dd>
<dt>Kind · platform · account</dt><dd>${join([i.kind, i.platform, i.account], ' · ') || DASH}</dd>
<dt>Owner</dt><dd>${i.owner || 'none recorded'}${i.ownerStatus ? h` (${i.ownerStatus})` : null}${i.team ? h` · team ${i.team}` : null}</dd>
<dt>Environment · criticality</dt><dd>${orDash(i.environment)} · ${orDash(i.criticality)}</dd>
<dt>Credential</dt><dd>${orDash(i.credentialType)}; created ${utc(i.createdAt)}; last rotated ${utc(i.lastRotatedAt)}${age === null ? null : h` (${plural(age, 'day')} before as-of)`}; expires ${utc(i.expiresAt)}</dd>
<dt>Secret location</dt><dd>${orDash(i.secretLocation)}</dd>
<dt>Permissions</dt><dd>${i.permissions.length ? join(i.permissions.map((p) => h`<span class="mono">${p}</span>`), ', ') : DASH}</dd>
<dt>Activity</dt><dd>${plural(i.eventCount, 'event')} in the logs; last event ${utc(i.lastEvent)}; last used (inventory) ${utc(i.lastUsedAt)}</dd>
${i.vendor ? h`<dt>Vendor</dt><dd>${i.vendor}</dd>` : null}
${i.schedule ? h`<dt>Declared schedule</dt><dd>${i.schedule}</dd>` : null}
<dt>Inventory source</dt><dd>${orDash(i.sourceFile)}</dd>
</dl>`;
}

// ---- incident ------------------------------------------------------------------------------------------------------

/** The incident report: every open finding (or one identity's findings) ranked by risk, as one HTML document. */
export function renderIncidentReport(data: IncidentData, meta: ReportMeta): string {
  const scopeName = data.scope ? data.scope.name : null;
  const heading = scopeName === null ? 'Incident report: all open findings' : `Incident report: ${scopeName}`;
  const scopeLine = data.scope
    ? h`<dt>Scope</dt><dd>One identity: ${data.scope.name} <span class="note mono">(${data.scope.entityKey})</span>, all its findings whatever their status</dd>`
    : h`<dt>Scope</dt><dd>Every open finding of the workspace (not explained by a change window, not excepted)</dd>`;
  const identity = data.scope ? data.identities.find((i) => i.key === data.scope?.entityKey) : undefined;
  const body = h`${header('Incident report', heading, data, meta, scopeLine)}
${toc([
  ['summary', 'Summary'],
  ...(data.scope ? ([['identity', 'Identity']] as [string, string][]) : []),
  ['findings', 'Findings ranked by risk'],
  ['frameworks', 'Framework mapping'],
  ['changes', 'Change windows'],
  ['exceptions', 'Exceptions'],
  ['evidence', 'Evidence files'],
])}
<section id="summary">
<h2>Summary</h2>
<p>${plural(data.findings.length, 'finding')} in this report${
    data.findings.length ? h`, the highest risk ${maxRisk(data.findings)}` : null
  }, concerning ${plural(new Set(data.findings.map((f) => f.entityKey)).size, 'identity', 'identities')}.</p>
${summaryTable(data.findings, 'Findings by severity and status')}
${triageTable(data.findings)}
${workspaceTotalsLine(data)}
</section>
${
  data.scope
    ? h`<section id="identity">
<h2>Identity</h2>
${identity ? h`<article class="identity"><h3>${identity.name}</h3>${identityFacts(identity, data.context.asOf)}</article>` : h`<p>${data.scope.name} is not in the inventory: it is known only from the logs (a shadow identity).</p>`}
</section>`
    : null
}
<section id="findings">
<h2>Findings ranked by risk</h2>
${data.findings.length ? data.findings.map((f, i) => findingArticle(f, i + 1, data)) : h`<p>No ${data.scope ? '' : 'open '}findings.</p>`}
</section>
${frameworkSection(data, 'in this report')}
${changesSection(data, data.scope !== null)}
${exceptionsSection(data, data.scope !== null, `the time the report was generated (${utc(data.gatheredAt)})`)}
${evidenceSection(data)}
${footer(meta)}`;
  return documentOf(`Driftline ${heading} — ${meta.workspaceName || 'Unnamed workspace'}`, body);
}

// ---- hygiene -------------------------------------------------------------------------------------------------------

function controlsTable(data: HygieneData): Markup {
  const inventory = data.identities.length;
  return h`<table>
<thead><tr><th scope="col">Control</th><th scope="col">Detections</th><th scope="col" class="num">Identities affected</th>${STATUSES.map(
    (s) => h`<th scope="col" class="num">${STATUS_LABEL[s]}</th>`,
  )}</tr></thead>
<tbody>${data.controls.map(
    (c) => h`<tr><th scope="row">${c.title}</th><td><ul class="plain">${c.detections.map(
      (d) => h`<li><span class="mono">${d.id}</span> ${d.title}${d.disabled ? h` <span class="flag">switched off</span>` : null}</li>`,
    )}</ul></td><td class="num">${formatCount(c.identities)} <span class="note">of ${formatCount(inventory)}</span>${
      c.shadowActors ? h`<div class="note">+ ${plural(c.shadowActors, 'actor')} not in the inventory</div>` : null
    }</td>${STATUSES.map(
      (s) => h`<td class="num">${formatCount(c.byStatus[s])}</td>`,
    )}</tr>`,
  )}</tbody>
</table>`;
}

function inventoryTable(data: HygieneData): Markup {
  const byEntity = groupByEntity(data.findings);
  return h`<table>
<thead><tr><th scope="col">Identity</th><th scope="col">Kind · platform</th><th scope="col">Owner</th><th scope="col">Environment · criticality</th><th scope="col">Credential · last rotated (UTC)</th><th scope="col">Last activity (UTC)</th><th scope="col" class="num">Findings open / all</th></tr></thead>
<tbody>${data.identities.map((i) => {
    const mine = byEntity.get(i.key) ?? [];
    const age = ageDays(i.lastRotatedAt ?? i.createdAt, data.context.asOf);
    return h`<tr><th scope="row">${i.name}<div class="note mono">${i.key}</div></th><td>${join([i.kind, i.platform], ' · ') || DASH}</td><td>${i.owner || h`<span class="flag">none</span>`}${
      i.ownerStatus ? h`<div class="note">${i.ownerStatus}</div>` : null
    }</td><td>${orDash(i.environment)} · ${orDash(i.criticality)}</td><td>${orDash(i.credentialType)}<div class="note">${utc(i.lastRotatedAt)}${
      age === null ? null : h` · ${plural(age, 'day')} old`
    }</div></td><td>${i.lastEvent ? utc(i.lastEvent) : i.lastUsedAt ? h`${utc(i.lastUsedAt)} <span class="note">(inventory)</span>` : 'none seen'}</td><td class="num">${formatCount(
      mine.filter((f) => f.status === 'open').length,
    )} / ${formatCount(mine.length)}</td></tr>`;
  })}</tbody>
</table>`;
}

function hygieneFindingsTable(findings: readonly ReportFinding[], data: ReportBase): Markup {
  return h`<table>
<thead><tr><th scope="col">Detection</th><th scope="col">Severity · risk</th><th scope="col">Observed</th><th scope="col">Threshold</th><th scope="col">Status</th><th scope="col">Frameworks</th><th scope="col">Triage</th></tr></thead>
<tbody>${findings.map((f) => {
    const explained = explainedBy(f, data.changes, data.exceptions);
    return h`<tr><td><span class="mono">${f.detectionId}</span><div>${f.title}</div>${f.subject ? h`<div class="note">about ${f.subject}</div>` : null}</td><td>${severityBadge(f.severity)} <span class="risk">${
      f.riskScore
    }</span></td><td>${orDash(f.observed)}</td><td>${orDash(f.threshold)}</td><td>${STATUS_LABEL[f.status]}${explained ? h`<div class="note">${explained}</div>` : null}</td><td>${frameworkRefs(
      f,
    )}</td><td>${triageCell(f)}</td></tr>`;
  })}</tbody>
</table>`;
}

/** The inventory hygiene report for auditors: identities, their posture and coverage findings, totals per control. */
export function renderHygieneReport(data: HygieneData, meta: ReportMeta): string {
  const heading = 'Inventory hygiene report';
  const byEntity = groupByEntity(data.findings);
  const known = new Set(data.identities.map((i) => i.key));
  const withFindings = data.identities
    .filter((i) => byEntity.has(i.key))
    .sort((a, b) => maxRisk(byEntity.get(b.key) ?? []) - maxRisk(byEntity.get(a.key) ?? []));
  const unknownEntities = [...byEntity.keys()].filter((k) => !known.has(k));
  const clean = data.identities.length - withFindings.length;
  const body = h`${header('Inventory hygiene report', heading, data, meta, h`<dt>Scope</dt><dd>Every inventory identity, and every posture (inventory) and coverage (inventory against logs) finding whatever its status</dd>`)}
${toc([
  ['summary', 'Summary'],
  ['controls', 'Totals per control'],
  ['inventory', 'Inventory'],
  ['by-identity', 'Findings by identity'],
  ['frameworks', 'Framework mapping'],
  ['changes', 'Change windows'],
  ['exceptions', 'Exceptions'],
  ['evidence', 'Evidence files'],
])}
<section id="summary">
<h2>Summary</h2>
<p>${plural(data.identities.length, 'identity', 'identities')} in the inventory: ${formatCount(withFindings.length)} with at least one posture or coverage finding, ${formatCount(
    clean,
  )} with none. ${plural(unknownEntities.length, 'actor')} active in the logs ${unknownEntities.length === 1 ? 'is' : 'are'} not in the inventory.</p>
${summaryTable(data.findings, 'Posture and coverage findings by severity and status')}
${triageTable(data.findings)}
${workspaceTotalsLine(data)}
</section>
<section id="controls">
<h2>Totals per control</h2>
${controlsTable(data)}
</section>
<section id="inventory">
<h2>Inventory</h2>
${data.identities.length ? inventoryTable(data) : h`<p>No inventory is loaded.</p>`}
</section>
<section id="by-identity">
<h2>Findings by identity</h2>
${withFindings.length || unknownEntities.length ? null : h`<p>No posture or coverage findings.</p>`}
${withFindings.map(
  (i) => h`<article class="identity">
<h3>${i.name}</h3>
${identityFacts(i, data.context.asOf)}
${hygieneFindingsTable(byEntity.get(i.key) ?? [], data)}
</article>`,
)}
${
  unknownEntities.length
    ? h`<h3>Not in the inventory</h3>
${unknownEntities.map((k) => {
  const mine = byEntity.get(k) ?? [];
  return h`<article class="identity"><h3>${mine[0]?.identityName ?? k}</h3><p class="note mono">${k}</p>${hygieneFindingsTable(mine, data)}</article>`;
})}`
    : null
}
</section>
${frameworkSection(data, 'in this report (posture and coverage detections only)')}
${changesSection(data, false)}
${exceptionsSection(data, false, `the time the report was generated (${utc(data.gatheredAt)})`)}
${evidenceSection(data)}
${footer(meta)}`;
  return documentOf(`Driftline ${heading} — ${meta.workspaceName || 'Unnamed workspace'}`, body);
}
