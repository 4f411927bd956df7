// `npm test`: the unit suites (vitest: Node engine/SQL + jsdom components) and the browser suite in real Chromium,
// then one closing line "N passed, N failed" over all of them.
// Without Chromium the browser suite is skipped loudly, unless REQUIRE_E2E=1, where that is a failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = path.join(root, '.test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const run = (cmd, args, env = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

let passed = 0;
let failed = 0;
let skipped = 0;
let broken = false;

// 1. Unit suites.
const vitestJson = path.join(results, 'vitest.json');
const vitestStatus = run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
if (existsSync(vitestJson)) {
  const report = JSON.parse(readFileSync(vitestJson, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  if (vitestStatus !== 0 && (report.numFailedTests ?? 0) === 0) broken = true; // e.g. a suite failed to load
} else {
  broken = true;
}

// 2. Browser suite.
const chromium = process.env.CHROMIUM_PATH || '/usr/lib/chromium/chromium';
const requireE2E = process.env.REQUIRE_E2E === '1';
if (!existsSync(chromium)) {
  const banner = '#'.repeat(78);
  console.error(`\n${banner}\n# NO CHROMIUM at ${chromium}: the browser suite did NOT run.\n# Install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH.\n${banner}\n`);
  if (requireE2E) {
    console.error('REQUIRE_E2E=1: a missing browser is a failure.');
    failed += 1;
    broken = true;
  }
} else {
  if (process.env.DRIFTLINE_SKIP_BUILD !== '1') {
    // The browser suite tests the built app: build it from the current sources first.
    if (run('npm', ['run', '--silent', 'build']) !== 0) {
      console.error('The build failed: the browser suite cannot run.');
      broken = true;
    }
  }
  if (!broken || existsSync(path.join(root, 'dist', 'index.html'))) {
    const pwJson = path.join(results, 'playwright.json');
    const status = run(bin('playwright'), ['test', '-c', 'test/browser/playwright.config.ts'], {
      PLAYWRIGHT_REPORTERS: 'ci',
      PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson,
      CHROMIUM_PATH: chromium,
    });
    if (existsSync(pwJson)) {
      const { stats } = JSON.parse(readFileSync(pwJson, 'utf8'));
      passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
      failed += stats.unexpected ?? 0;
      skipped += stats.skipped ?? 0;
      if (status !== 0 && (stats.unexpected ?? 0) === 0) broken = true;
    } else {
      broken = true;
    }
  }
}

if (broken && failed === 0) failed = 1; // a suite that could not run counts as a failure, never as a pass
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || broken ? 1 : 0);
