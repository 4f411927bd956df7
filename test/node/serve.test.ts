// The zero-dependency static server: wasm MIME type, CSP header, app routes, and no escape from the root.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../scripts/serve.mjs';

function rawGet(url: string, rawPath: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    http
      .get({ hostname, port, path: rawPath }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('scripts/serve.mjs', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let outside: string;
  beforeAll(async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'driftline-serve-'));
    const root = path.join(tmp, 'dist');
    mkdirSync(path.join(root, 'assets'), { recursive: true });
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(path.join(root, 'assets', 'engine.wasm'), Buffer.from([0, 97, 115, 109]));
    writeFileSync(path.join(root, 'sample.json.gz'), Buffer.from([0x1f, 0x8b]));
    outside = path.join(tmp, 'secret.txt');
    writeFileSync(outside, 'do not serve');
    server = await startServer({ root, port: 0, quiet: true });
  });
  afterAll(() => server.close());

  it('listens on 127.0.0.1 only', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('serves wasm as application/wasm with the CSP header', async () => {
    const response = await fetch(`${server.url}assets/engine.wasm`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/wasm');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array([0, 97, 115, 109]));
  });

  it('serves gzip files as bytes, without Content-Encoding', async () => {
    const response = await fetch(`${server.url}sample.json.gz`);
    expect(response.headers.get('content-type')).toBe('application/gzip');
    expect(response.headers.get('content-encoding')).toBeNull();
  });

  it('answers app routes with index.html and missing assets with 404', async () => {
    expect(await (await fetch(`${server.url}findings`)).text()).toContain('<title>app</title>');
    expect((await fetch(`${server.url}assets/missing.js`)).status).toBe(404);
  });

  it('never serves a file outside its root', async () => {
    const traversal = await rawGet(server.url, '/../secret.txt');
    const encoded = await rawGet(server.url, '/%2e%2e/secret.txt');
    for (const response of [traversal, encoded]) {
      expect(response.body).not.toContain('do not serve');
      expect([403, 404]).toContain(response.status);
    }
  });
});
