// A static node:http server on 127.0.0.1 for the browser harness.
//
//   /                     -> tests/browser/index.html
//   /node_modules/upvest-webhooks/**  -> the installed package (target/consumer)
//   /fixtures.json        -> deliveries signed in Node by the independent signer
//   /jwks.json            -> the public keys, for the "keys: URL" case
//   /report               -> POST target for the page's results (optional)
//
// Every request is logged as { method, path, status, type } so the test can
// check what the page loaded.

import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Starts the server. `packageDir` is the installed upvest-webhooks directory;
 * `routes` maps extra paths to functions returning a JSON-able value.
 * Resolves to `{ origin, log, close() }`.
 */
export async function startServer({ packageDir, routes = {} }) {
  const log = [];
  const packageRoot = resolve(packageDir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const entry = { method: req.method, path, status: 0, type: null };
    log.push(entry);
    const send = (status, type, body) => {
      entry.status = status;
      entry.type = type;
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const sendFile = (file) => {
      let stat;
      try {
        stat = statSync(file);
      } catch {
        return send(404, 'text/plain', `not found: ${path}`);
      }
      if (!stat.isFile()) return send(404, 'text/plain', `not a file: ${path}`);
      const type = MIME_TYPES[extname(file)] ?? 'application/octet-stream';
      entry.status = 200;
      entry.type = type;
      res.writeHead(200, { 'content-type': type, 'content-length': stat.size, 'cache-control': 'no-store' });
      createReadStream(file).pipe(res);
    };

    if (req.method === 'GET' && (path === '/' || path === '/index.html')) return sendFile(join(HERE, 'index.html'));
    const prefix = '/node_modules/upvest-webhooks/';
    if (req.method === 'GET' && path.startsWith(prefix)) {
      const file = resolve(packageRoot, path.slice(prefix.length));
      if (!file.startsWith(packageRoot + sep)) return send(403, 'text/plain', 'outside the package');
      return sendFile(file);
    }
    const route = routes[`${req.method} ${path}`];
    if (route) {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', async () => {
        try {
          const value = await route(Buffer.concat(chunks).toString('utf8'));
          send(200, MIME_TYPES['.json'], JSON.stringify(value ?? null));
        } catch (err) {
          send(500, 'text/plain', String(err?.stack ?? err));
        }
      });
      return;
    }
    send(404, 'text/plain', `not found: ${path}`);
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    log,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections?.();
        server.close(() => done());
      }),
  };
}
