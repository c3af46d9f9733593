// A local stand-in for GET /auth/verify_keys: serves a JWKS on 127.0.0.1,
// counts requests, and can rotate keys or misbehave on demand. `close()`
// ends every connection (hanging ones included) so the test process exits.

import http from 'node:http';

/**
 * Starts the server. Behaviours, switchable at any time:
 * `serve(jwks)` (normal, also used to rotate keys), `fail(status)`,
 * `hang()` (accepts the request, never answers), `delay(ms)` (applies to
 * normal answers), `nonJson()`, `invalidJwks()` (JSON, but not a JWKS),
 * `huge(bytes, { chunked })` (a valid JWKS padded to about `bytes`).
 */
export async function startJwksServer(jwks) {
  const state = { mode: 'ok', jwks, status: 200, delayMs: 0, hugeBytes: 0, chunked: false };
  const requests = [];
  const hanging = new Set();
  const timers = new Set();

  const answer = (res) => {
    switch (state.mode) {
      case 'ok':
        return send(res, 200, 'application/json', JSON.stringify(state.jwks));
      case 'fail':
        return send(res, state.status, 'application/problem+json', JSON.stringify({ status: state.status, type: 'internal_server_error' }));
      case 'non-json':
        return send(res, 200, 'text/html', '<html><body>Service Unavailable</body></html>');
      case 'invalid-jwks':
        return send(res, 200, 'application/json', JSON.stringify({ keys: 'not-an-array' }));
      case 'huge': {
        // Still a valid JWKS (an unknown member pads it), so size is the only fault.
        const padding = 'A'.repeat(Math.max(0, state.hugeBytes - JSON.stringify(state.jwks).length));
        const text = JSON.stringify({ ...state.jwks, padding });
        if (!state.chunked) return send(res, 200, 'application/json', text);
        res.writeHead(200, { 'content-type': 'application/json' }); // no content-length: chunked
        const chunk = 64 * 1024;
        for (let i = 0; i < text.length; i += chunk) res.write(text.slice(i, i + chunk));
        return res.end();
      }
      default:
        throw new Error(`unknown mode ${state.mode}`);
    }
  };

  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers, at: Date.now() });
    req.resume();
    if (state.mode === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (state.delayMs > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) answer(res);
      }, state.delayMs);
      timers.add(timer);
      return;
    }
    answer(res);
  });
  server.keepAliveTimeout = 100;

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const url = `http://127.0.0.1:${port}/auth/verify_keys`;

  const set = (changes) => Object.assign(state, changes);
  return {
    url,
    /** Number of requests received so far. */
    get requestCount() {
      return requests.length;
    },
    requests,
    serve(next = state.jwks) {
      set({ mode: 'ok', jwks: next });
    },
    fail(status = 500) {
      set({ mode: 'fail', status });
    },
    hang() {
      set({ mode: 'hang' });
    },
    delay(ms) {
      set({ delayMs: ms });
    },
    nonJson() {
      set({ mode: 'non-json' });
    },
    invalidJwks() {
      set({ mode: 'invalid-jwks' });
    },
    huge(bytes, { chunked = false } = {}) {
      set({ mode: 'huge', hugeBytes: bytes, chunked });
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const res of hanging) res.destroy();
      hanging.clear();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res, status, contentType, text) {
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, { 'content-type': contentType, 'content-length': body.length });
  res.end(body);
}
