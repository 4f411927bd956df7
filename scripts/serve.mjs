// Zero-dependency static server for the built app on 127.0.0.1, with the right MIME types (application/wasm)
// and the app's CSP as a header too (a header also covers the workers, which a <meta> tag cannot).
import { createReadStream, promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CONTENT_SECURITY_POLICY } from './csp.mjs';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.ndjson': 'application/x-ndjson; charset=utf-8',
  // Served as the compressed bytes themselves (no Content-Encoding), exactly like a file on disk.
  '.gz': 'application/gzip',
  '.zip': 'application/zip',
};

/**
 * Serve `root` on host:port (port 0 picks a free one). Resolves with the server and its URL.
 * @param {{root?: string, host?: string, port?: number, quiet?: boolean}} [options]
 */
export async function startServer({ root = 'dist', host = '127.0.0.1', port = 4173, quiet = false } = {}) {
  const base = path.resolve(root);
  const server = http.createServer(async (req, res) => {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      let rel = decodeURIComponent(url.pathname);
      if (rel.endsWith('/')) rel += 'index.html';
      const file = path.resolve(base, `.${rel}`);
      if (file !== base && !file.startsWith(base + path.sep)) {
        res.writeHead(403).end();
        return;
      }
      let stat = await fs.stat(file).catch(() => null);
      let target = file;
      if (!stat || !stat.isFile()) {
        // Unknown paths without an extension are app routes: answer with the app.
        if (path.extname(file)) {
          res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
          return;
        }
        target = path.join(base, 'index.html');
        stat = await fs.stat(target);
      }
      const ext = path.extname(target).toLowerCase();
      const fresh = ext === '.html' || path.basename(target) === 'sw.js' || path.basename(target) === 'registerSW.js';
      res.writeHead(200, {
        'Content-Type': MIME[ext] ?? 'application/octet-stream',
        'Content-Length': stat.size,
        'Cache-Control': fresh ? 'no-cache' : 'public, max-age=31536000, immutable',
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cross-Origin-Resource-Policy': 'same-origin',
      });
      if (req.method === 'HEAD') res.end();
      else createReadStream(target).pipe(res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(String(error));
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : port}/`;
  if (!quiet) console.log(`Driftline is served at ${url}  (Ctrl+C to stop)`);
  return {
    url,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve(undefined));
      }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const flag = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const root = flag('--root') ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
  const port = Number(flag('--port') ?? process.env.PORT ?? 4173);
  try {
    await fs.access(path.join(root, 'index.html'));
  } catch {
    console.error(`No built app in ${root}: run "npm run build" first.`);
    process.exit(1);
  }
  await startServer({ root, port }).catch((error) => {
    console.error(`Could not serve on 127.0.0.1:${port}: ${error.message}. Set PORT to another port.`);
    process.exit(1);
  });
}
