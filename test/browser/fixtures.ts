// Fixtures for every browser test: a server for the built app and a page that fails the test on any request
// outside the app's origin, any CSP violation and any uncaught page error.
import { test as base, expect, type Page } from '@playwright/test';
import path from 'node:path';
import { startServer } from '../../scripts/serve.mjs';

const DIST = path.resolve(import.meta.dirname, '../../dist');

type AppServer = Awaited<ReturnType<typeof startServer>>;

/** Origins our own servers answer on; everything else is egress. */
const appOrigins = new Set<string>();

export async function startAppServer(): Promise<AppServer> {
  const server = await startServer({ root: DIST, port: 0, quiet: true });
  appOrigins.add(new URL(server.url).origin);
  return server;
}

function isAllowed(url: string): boolean {
  if (url.startsWith('blob:') || url.startsWith('data:')) return true;
  try {
    return appOrigins.has(new URL(url).origin);
  } catch {
    return false;
  }
}

export interface Guard {
  outside: string[];
  cspViolations: string[];
  pageErrors: string[];
  /** A test that provokes violations on purpose claims them here; only those matching are forgiven. */
  expected: RegExp[];
}

export const test = base.extend<{ guard: Guard; app: Page }, { server: AppServer }>({
  server: [
    async ({}, use) => {
      const server = await startAppServer();
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],
  guard: [
    async ({ context }, use) => {
      const guard: Guard = { outside: [], cspViolations: [], pageErrors: [], expected: [] };
      context.on('request', (request) => {
        if (!isAllowed(request.url())) guard.outside.push(`${request.method()} ${request.url()}`);
      });
      await context.addInitScript(() => {
        const w = window as unknown as { __cspViolations: string[] };
        w.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', (event) => {
          w.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
        });
      });
      context.on('page', (page) => {
        page.on('pageerror', (error) => guard.pageErrors.push(error.message));
        page.on('console', (message) => {
          if (/Content Security Policy/i.test(message.text())) guard.cspViolations.push(message.text());
        });
      });
      await use(guard);
      for (const page of context.pages()) {
        const seen = await page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []).catch(() => []);
        guard.cspViolations.push(...seen);
      }
      const unexpected = (list: string[]) => list.filter((entry) => !guard.expected.some((pattern) => pattern.test(entry)));
      expect(unexpected(guard.outside), 'requests outside the app origin').toEqual([]);
      expect(unexpected(guard.cspViolations), 'Content-Security-Policy violations').toEqual([]);
      expect(guard.pageErrors, 'uncaught page errors').toEqual([]);
    },
    { auto: true },
  ],
  app: async ({ page, server }, use) => {
    await page.goto(server.url);
    await use(page);
  },
});

export { expect };

/** Wait until the engine says it is ready; returns its status text (with version and start time). */
export async function engineReady(page: Page): Promise<string> {
  const status = page.getByRole('status', { name: 'Engine status' });
  await expect(status).toHaveText(/Engine ready/, { timeout: 60_000 });
  return (await status.textContent()) ?? '';
}

/** Run SQL through the console as a user would and return the result grid. */
export async function runInConsole(page: Page, sql: string) {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'SQL' }).click();
  // As a user does it: select all through the editor's own keymap, then type. (Playwright's fill() selects through
  // the DOM, which CodeMirror inside its shadow root did not always take: the text landed before the old query.)
  const editor = page.getByRole('textbox', { name: 'SQL query' });
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(sql);
  await expect.poll(() => editor.evaluate((el) => (el as HTMLElement).innerText.replace(/\u00a0/g, ' ').trim())).toBe(sql.trim());
  await page.getByRole('button', { name: 'Run query' }).click();
  return page.getByRole('table', { name: 'Query result' });
}
