// The analyst's path through the real app, plus an accessibility check (axe) and a screenshot of every view at 1280×800.
import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { engineReady, expect, test } from './fixtures';

async function openSample(page: Page) {
  await engineReady(page);
  await page.getByRole('button', { name: 'Open sample workspace' }).click();
  await page.getByRole('link', { name: 'Findings' }).click();
  await expect(page.getByRole('status', { name: 'Findings summary' })).toContainText(/\d+ open/, { timeout: 60_000 });
}

test('highest-risk behaviour finding → identity page with charts → evidence in the SQL console → HTML report', async ({ app }) => {
  await app.setViewportSize({ width: 1280, height: 800 });
  await openSample(app);
  const queue = app.getByRole('table', { name: 'Findings queue' });
  // The queue is ranked by risk: the first behaviour finding is the riskiest drift (its identity has activity to chart).
  const top = queue.getByRole('row').filter({ has: app.getByRole('button', { name: /^behavior\./ }) }).first();
  const identityName = (await top.getByRole('cell').nth(4).textContent())!.trim();
  await top.getByRole('button', { name: /^behavior\./ }).click();
  const detail = app.getByRole('region', { name: /^Finding / });
  await expect(detail.getByText(/^Observed: /)).toBeVisible();
  await expect(detail.getByRole('table', { name: /Evidence events/ })).toBeVisible();

  await detail.getByRole('button', { name: identityName, exact: true }).click();
  await expect(app.getByRole('heading', { name: identityName, level: 2 })).toBeVisible({ timeout: 30_000 });
  const timeline = app.getByRole('img', { name: /Hourly activity of/ });
  await expect(timeline).toBeVisible();
  await expect(timeline).toHaveAccessibleName(/[\d,]+ events; detection window shaded; .*peak [\d,]+ events at /);
  await expect(app.getByRole('img', { name: /hour-of-week/i }).first()).toBeVisible();

  await app.getByRole('link', { name: 'Findings' }).click();
  await app.getByRole('table', { name: 'Findings queue' }).getByRole('row').filter({ has: app.getByRole('button', { name: /^behavior\./ }) }).first().getByRole('button', { name: /^behavior\./ }).click();
  await app.getByRole('region', { name: /^Finding / }).getByRole('button', { name: 'Open in SQL console' }).click();
  await expect(app.getByRole('textbox', { name: 'SQL query' })).toContainText('FROM events_v');
  await app.getByRole('button', { name: 'Run query' }).click();
  await expect(app.getByRole('table', { name: 'Query result' }).getByRole('row').nth(1)).toBeVisible();

  await app.getByRole('link', { name: 'Reports' }).click();
  const [download] = await Promise.all([app.waitForEvent('download'), app.getByRole('button', { name: 'Incident Report (HTML)' }).click()]);
  const html = readFileSync(await download.path(), 'utf8');
  expect(html).not.toMatch(/<script/i);
  expect(html).toContain(identityName.replaceAll('&', '&amp;').replaceAll('<', '&lt;'));
  const hashes = await app.evaluate(async () => {
    const dbs = await indexedDB.databases();
    return dbs.length;
  });
  expect(hashes).toBeGreaterThan(0);
  for (const sha of await sha256sOfEvidence(app)) expect(html).toContain(sha);
});

async function sha256sOfEvidence(page: Page): Promise<string[]> {
  await page.getByRole('link', { name: 'Evidence' }).click();
  const cells = page.getByRole('table', { name: 'Evidence files' }).locator('code.hash');
  await expect(cells.first()).toBeVisible();
  return (await cells.allTextContents()).map((t) => t.trim());
}

/**
 * The header at the current viewport: nothing in it overflows its box or the header, and its links, buttons and status sit
 * on one row, each on one line. Returns problems in words (empty when the header is sound).
 */
async function headerLayoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const header = document.querySelector('header')!;
    const box = header.getBoundingClientRect();
    if (header.scrollWidth > header.clientWidth) problems.push(`the header's content is ${header.scrollWidth - header.clientWidth}px wider than the header`);
    if (box.right > document.documentElement.clientWidth + 0.5) problems.push('the header is wider than the window');
    const name = (el: Element) => `${el.tagName.toLowerCase()} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
    const visible = (el: Element) => {
      const r = el.getBoundingClientRect();
      return r.width > 1 && r.height > 1 && !el.closest('.visually-hidden, [role="menu"], #workspace-panel');
    };
    for (const el of header.querySelectorAll('*')) {
      if (!visible(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5) problems.push(`${name(el)} sticks out of the header`);
      // A box whose content is wider than itself overflows, unless it cuts its text on purpose with an ellipsis.
      const style = getComputedStyle(el);
      if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 && style.textOverflow !== 'ellipsis') problems.push(`${name(el)} overflows its box by ${el.scrollWidth - el.clientWidth}px`);
    }
    nav: for (const ul of header.querySelectorAll('nav ul')) if (ul.scrollWidth > ul.clientWidth) { problems.push('the view links overflow the navigation'); break nav; }
    const controls = [...header.querySelectorAll('h1, nav a, button, label.button, [role="status"]')].filter(visible);
    const middles = controls.map((el) => { const r = el.getBoundingClientRect(); return r.top + r.height / 2; });
    if (Math.max(...middles) - Math.min(...middles) > 4) problems.push(`the header's controls are on more than one row (centres ${Math.round(Math.min(...middles))}–${Math.round(Math.max(...middles))}px)`);
    for (const el of controls) {
      const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 20;
      const r = el.getBoundingClientRect();
      const padding = parseFloat(getComputedStyle(el).paddingTop) + parseFloat(getComputedStyle(el).paddingBottom) + 4;
      if (r.height > lineHeight * 1.5 + padding && el.tagName !== 'H1') problems.push(`${name(el)} wraps onto ${Math.round((r.height - padding) / lineHeight)} lines`);
    }
    return problems;
  });
}

const VIEWS = ['Evidence', 'Findings', 'Identities', 'Inventory', 'SQL', 'Reports', 'Settings'] as const;

test('every view: no serious or critical accessibility violation, a one-row header, screenshot at 1280×800, light and dark', async ({ app }, testInfo) => {
  test.setTimeout(240_000); // 14 axe runs and screenshots: minutes on a busy 2-core machine
  await app.setViewportSize({ width: 1280, height: 800 });
  await openSample(app);
  const problems: string[] = [];
  for (const theme of ['light', 'dark'] as const) {
    if (theme === 'dark') {
      await app.getByRole('button', { name: 'Help' }).click();
      await app.getByRole('menuitemcheckbox', { name: 'Dark theme' }).click();
    }
    for (const view of VIEWS) {
      await app.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: view, exact: true }).click();
      await app.waitForTimeout(400);
      if (view === 'Identities') {
        const first = app.getByRole('main').getByRole('button').first();
        if (await first.isVisible()) await first.click();
        await app.waitForTimeout(600);
      }
      await app.screenshot({ path: testInfo.outputPath(`${theme}-${view.toLowerCase()}.png`) });
      const overflow = await app.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (overflow > 0) problems.push(`${theme} ${view}: page overflows horizontally by ${overflow}px`);
      for (const p of await headerLayoutProblems(app)) problems.push(`${theme} ${view}: ${p}`);
      const results = await new AxeBuilder({ page: app }).analyze();
      for (const v of results.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
        problems.push(`${theme} ${view}: ${v.id} (${v.impact}) ${v.nodes.length} nodes: ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(' | ')}`);
      }
    }
  }
  expect(problems).toEqual([]);
});
