// Issue #8 in the real tab: the whole hostile corpus (test/fixtures/hostile, plus the generator's large cases at browser
// size) dropped at once with one good CloudTrail file. The good file's actor comes out as a shadow identity; every bad
// file is named; no dialog opens, no script from evidence runs, nothing leaves the origin (the fixtures' guard fails the
// test on egress, CSP violations and page errors); the findings and SQL-console CSV exports hold no live cell; the HTML
// reports hold no active markup.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Download, Page } from '@playwright/test';
import { SHADOW_ARN, writeLarge } from '../fixtures/hostile/generate.mjs';
import { engineReady, expect, runInConsole, test } from './fixtures';

const CORPUS = path.resolve(import.meta.dirname, '../fixtures/hostile');

/** Files of the drop that must fail, with the reason shown next to their name. */
const FAILED: Record<string, string | RegExp> = {
  'empty.json': 'the file is empty',
  'empty.csv': 'the file is empty',
  'blank-lines.ndjson': 'the file is empty: only blank lines or spaces',
  'binary.log': 'not a log or inventory: the content is binary (NUL bytes)',
  'truncated-early.json': /^the JSON is truncated: The text is truncated before the first record/,
  'unterminated-quote-register.csv': /^CSV row 3 opens a quote that is never closed/,
  'bomb.json.gz': /^Stopped reading bomb\.json\.gz: .* That looks like a decompression bomb/,
  'bomb-nested.json.gz.gz': /^a gzip file inside a gzip file was not opened/,
};
/** Files that load with rows rejected, and the first rejected row the analyst sees. */
const REJECTED: Record<string, string> = {
  'ragged.csv': 'row 3: Expected Number of Columns: 7 Found: 3',
  'unterminated-quote.csv': 'row 4: Value with unterminated quote found.',
  'timestamps.csv': 'row 3: unparseable time (empty)',
  'timestamps.ndjson': 'row 2: no parseable time',
  'line.csv': 'row 3: Maximum line size of 2000000 bytes exceeded.',
  'ragged-big.csv': 'row 8: Expected Number of Columns: 7 Found: 6',
};

const LIVE_CELL = /^[=+\-@\t\r]/;

/** RFC 4180 cells of a CSV document. */
function csvCells(text: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',' || (c === '\r' && text[i + 1] === '\n')) {
      cells.push(cell);
      cell = '';
      if (c === '\r') i++;
    } else cell += c;
  }
  return cells;
}

/** Tags that would do something: script elements, on* handlers, javascript: (escaped evidence has no raw "<"). */
function activeMarkup(html: string): string[] {
  const tags = [...html.matchAll(/<[a-z][^>]*>/gi)].map((m) => m[0]);
  return tags.filter((tag) => /^<script\b/i.test(tag) || /\son[a-z]+\s*=/i.test(tag) || /javascript:/i.test(tag));
}

const text = async (download: Download) => readFileSync((await download.path())!, 'utf8');

async function noActiveEvidenceInDom(page: Page) {
  const found = await page.evaluate(() => {
    const bad: string[] = [];
    for (const el of Array.from(document.querySelectorAll('*'))) {
      for (const attr of Array.from(el.attributes)) {
        if (/^on/i.test(attr.name) || /^\s*javascript:/i.test(attr.value)) bad.push(`<${el.localName} ${attr.name}="${attr.value}">`);
      }
    }
    for (const s of Array.from(document.querySelectorAll('script:not([src])'))) bad.push(`inline script: ${s.textContent?.slice(0, 60)}`);
    return bad;
  });
  expect(found).toEqual([]);
}

test('the whole hostile corpus dropped at once: named, contained, inert; the good file analysed', async ({ app }, testInfo) => {
  testInfo.setTimeout(150_000);
  const dialogs: string[] = [];
  app.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  let crashed = false;
  app.on('crash', () => (crashed = true));

  // The app's own CSP (header and meta tag) forbids inline script.
  const header = (await app.request.get(app.url())).headers()['content-security-policy'] ?? '';
  const meta = (await app.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')) ?? '';
  for (const csp of [header, meta]) {
    expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    expect(csp).not.toContain('unsafe-inline');
  }
  await engineReady(app);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'driftline-hostile-browser-'));
  try {
    const generated = writeLarge(dir, { lineMb: 3, bombGb: 1, raggedRows: 5_000 });
    const small = readdirSync(CORPUS).filter((name) => !/^generate\.|^README\.md$/.test(name));
    expect(small).toContain('good-cloudtrail.json');
    const files = [...small.map((name) => path.join(CORPUS, name)), ...Object.values(generated).map((c) => c.path)];
    await app.getByLabel('Add evidence files').setInputFiles(files);

    // Every failed file is listed by name with its reason.
    const problems = app.getByRole('region', { name: 'Files the last import did not load' });
    await expect(problems).toBeVisible({ timeout: 90_000 });
    await expect(app.getByRole('progressbar', { name: 'Importing evidence' })).toBeHidden({ timeout: 60_000 });
    for (const [name, reason] of Object.entries(FAILED)) {
      const item = problems.getByRole('listitem').filter({ hasText: `${name}: failed` });
      await expect(item).toHaveCount(1);
      const message = (await item.textContent())!.replace(`${name}: failed (`, '').replace(/\)$/, '');
      if (typeof reason === 'string') expect(message).toBe(reason);
      else expect(message).toMatch(reason);
    }
    await expect(problems.getByRole('listitem')).toHaveCount(Object.keys(FAILED).length);

    // Files with bad rows are loaded, and their rejected rows are named by number.
    const evidence = app.getByRole('table', { name: 'Evidence files' });
    await expect(evidence.getByRole('row', { name: /good-cloudtrail\.json/ })).toContainText('AWS CloudTrail');
    for (const [name, first] of Object.entries(REJECTED)) {
      await evidence.getByRole('button', { name: new RegExp(`^Show [\\d,]+ rejected rows of ${name.replace('.', '\\.')}$`) }).click();
      await expect(app.getByRole('list', { name: `Rejected rows of ${name}` }).getByRole('listitem').first()).toContainText(first);
    }
    // Payload text is shown as text, never as markup.
    await expect(evidence.getByRole('row', { name: /payloads-cloudtrail\.json/ })).toBeVisible();
    await noActiveEvidenceInDom(app);

    // The good file's actor is a shadow identity.
    await app.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Identities' }).click();
    await app.getByLabel('Search identities').fill('hostile-run-shadow');
    const identities = app.getByRole('table', { name: 'Identities' });
    await expect(identities.getByRole('row', { name: new RegExp(SHADOW_ARN.replace(/[/:]/g, '.')) })).toContainText('shadow actor: not in the inventory');
    await app.getByLabel('Search identities').fill('<script>');
    await expect(identities.getByRole('button', { name: '<script>alert(document.domain)</script>', exact: true }).first()).toBeVisible();
    await noActiveEvidenceInDom(app);

    // Findings export: no cell a spreadsheet would evaluate.
    await app.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Findings' }).click();
    await expect(app.getByRole('status', { name: 'Findings summary' })).toContainText(/\d+ open/, { timeout: 60_000 });
    await noActiveEvidenceInDom(app);
    await app.getByRole('button', { name: 'Export findings' }).click();
    const [findingsCsv] = await Promise.all([app.waitForEvent('download'), app.getByRole('menuitem', { name: 'CSV' }).click()]);
    const findingCells = csvCells(await text(findingsCsv));
    expect(findingCells.length).toBeGreaterThan(100);
    expect(findingCells.filter((c) => LIVE_CELL.test(c))).toEqual([]);
    expect(findingCells.some((c) => c.startsWith("'=HYPERLINK("))).toBe(true);

    // SQL console result export, hostile column names included.
    const grid = await runInConsole(
      app,
      `SELECT actor AS "=cmd|' /C calc'!A0", action AS "@x", resource, source_ip, user_agent, error_code FROM events WHERE actor IS NOT NULL ORDER BY actor <> '<img src=x onerror=alert(1)>', file_id, source_row`,
    );
    await expect(grid.getByRole('cell', { name: '<img src=x onerror=alert(1)>', exact: true }).first()).toBeVisible();
    await noActiveEvidenceInDom(app);
    const [queryCsv] = await Promise.all([app.waitForEvent('download'), app.getByRole('button', { name: 'Export result as CSV' }).click()]);
    const queryCells = csvCells(await text(queryCsv));
    expect(queryCells.slice(0, 2)).toEqual(["'=cmd|' /C calc'!A0", "'@x"]);
    expect(queryCells.filter((c) => LIVE_CELL.test(c))).toEqual([]);
    for (const inert of ["'=1+1", "'\t=1+1", "'\r=1+1", "'-2+3+cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"]) expect(queryCells).toContain(inert);

    // HTML reports: the payloads are there as text, and nothing in them is active.
    await app.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Reports' }).click();
    for (const button of ['Incident Report (HTML)', 'Inventory Hygiene Report (HTML)']) {
      const [report] = await Promise.all([app.waitForEvent('download'), app.getByRole('button', { name: button }).click()]);
      const html = await text(report);
      expect(activeMarkup(html), button).toEqual([]);
      expect(html).not.toMatch(/<script/i);
      expect(html, button).toContain('&lt;script&gt;alert(document.domain)&lt;/script&gt;');
    }

    // The tab is alive: the engine still answers.
    const alive = await runInConsole(app, 'SELECT count(*) AS n FROM events');
    await expect(alive.getByRole('cell').first()).toHaveText(/^[1-9][\d,]*$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  expect(crashed).toBe(false);
  expect(dialogs).toEqual([]);
});
