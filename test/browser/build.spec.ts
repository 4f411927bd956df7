// The built artifacts themselves: CSP in dist/index.html, both wasm bundles self-hosted and precached, one Arrow.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures';

const root = path.resolve(import.meta.dirname, '../..');
const dist = path.join(root, 'dist');

test('dist/index.html carries the CSP and loads nothing from elsewhere', () => {
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
  expect(meta, 'CSP meta tag').not.toBeNull();
  const csp = meta![1]!.replaceAll('&#39;', "'");
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("connect-src 'self' blob: data:");
  expect(csp).not.toMatch(/https?:|\*/);
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
});

test('both DuckDB bundles (mvp, eh) are self-hosted and in the service worker precache', () => {
  const assets = readdirSync(path.join(dist, 'assets'));
  for (const pattern of [/^duckdb-mvp-.*\.wasm$/, /^duckdb-eh-.*\.wasm$/, /^duckdb-browser-mvp\.worker-.*\.js$/, /^duckdb-browser-eh\.worker-.*\.js$/]) {
    expect(assets.some((name) => pattern.test(name)), String(pattern)).toBe(true);
  }
  const sw = readFileSync(path.join(dist, 'sw.js'), 'utf8');
  expect(sw).toMatch(/duckdb-eh-[^"']*\.wasm/);
  expect(sw).toMatch(/duckdb-mvp-[^"']*\.wasm/);
  const js = readdirSync(path.join(dist, 'assets')).filter((name) => name.startsWith('index-') && name.endsWith('.js'));
  for (const name of js) expect(readFileSync(path.join(dist, 'assets', name), 'utf8')).not.toContain('cdn.jsdelivr.net/npm/@duckdb');
});

test('npm ls apache-arrow shows a single 17.0.0', () => {
  const tree = JSON.parse(execFileSync('npm', ['ls', 'apache-arrow', '--all', '--json'], { cwd: root, encoding: 'utf8' }));
  const versions = new Set<string>();
  const walk = (deps: Record<string, { version?: string; dependencies?: Record<string, unknown> }> | undefined) => {
    for (const [name, info] of Object.entries(deps ?? {})) {
      if (name === 'apache-arrow' && info.version) versions.add(info.version);
      walk(info.dependencies as never);
    }
  };
  walk(tree.dependencies);
  expect([...versions]).toEqual(['17.0.0']);
});

test('our bundles never evaluate strings as code (Arrow builders do; the CSP forbids it)', () => {
  const ours = readdirSync(path.join(dist, 'assets')).filter((name) => name.endsWith('.js') && !name.startsWith('duckdb-'));
  expect(ours.some((name) => name.startsWith('ingest.worker-'))).toBe(true);
  for (const name of ours) {
    const code = readFileSync(path.join(dist, 'assets', name), 'utf8');
    expect(code, name).not.toMatch(/\bFunction\(|[^\w.]eval\(/);
  }
});
