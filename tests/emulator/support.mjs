// Helpers of the emulator suite: the emulator with its contract check
// (startEmulator, contractHolds), local receivers (node:http on 127.0.0.1),
// an independent v6 delivery verifier on node:crypto (rebuilds the base from
// the raw request; shares no code with pkg/emulator), signed API calls
// (tests/js/client/signer.mjs), and polling.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createServer } from 'node:http';
import { afterEach, test } from 'node:test';
import { httpTransport } from '../../pkg/emulator/deliveries.mjs';
import { callAdmin } from '../../pkg/emulator/admin-client.mjs';
import { startEmulator as start } from '../../pkg/emulator/server.mjs';
import { fetchToken, signedFetch } from '../js/client/signer.mjs';
import { checkUpvestDelivery } from '../js/support/upvest-signer.mjs';
import { createContract } from './contract.mjs';

export { fetchToken, signedFetch };

/** The contract check of every emulator this test file starts through `startEmulator` (tests/emulator/contract.mjs). */
export const contract = createContract();

/**
 * `startEmulator` of pkg/emulator/server.mjs, with the contract check wired
 * in: every answered API request (`onResponse`) and every delivery sent (the
 * transport) is checked against the OpenAPI. `clientUnderTest: true` also
 * checks every request body, whatever the answer (for a client's requests).
 * @param {Parameters<typeof start>[0] & { clientUnderTest?: boolean }} [options]
 */
export function startEmulator({ clientUnderTest = false, ...options } = {}) {
  const transport = options.transport ?? httpTransport;
  return start({
    ...options,
    onResponse(entry) {
      contract.response(entry);
      if (clientUnderTest) contract.request(entry);
      options.onResponse?.(entry);
    },
    transport(request, opts) {
      contract.delivery(request);
      return transport(request, opts);
    },
  });
}

/**
 * Registers the test file's last test: the emulators it started kept the
 * OpenAPI contract (no violation recorded), having answered `minResponses`.
 */
export function contractHolds({ minResponses = 1 } = {}) {
  test('every emulator response, delivered event and client request of this file kept the OpenAPI contract', () => {
    assert.ok(contract.counts.responses >= minResponses, `checked ${contract.counts.responses} responses`);
    assert.equal(contract.violations.length, 0, `contract violations:\n${contract.report()}`);
  });
}

/** Waits `ms` milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `fn` until it returns a truthy value; returns it. Fails after `timeout` ms with `message`. */
export async function waitFor(fn, { timeout = 5000, interval = 5, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out after ${timeout} ms waiting for ${message}`);
    await sleep(interval);
  }
}

/**
 * A webhook receiver on 127.0.0.1. `respond(req, n)` (n = 1-based request
 * number) returns a status (default 200), `{ status, delayMs }`, `'hang'`
 * (never answer) or `'destroy'` (close the socket). Every request is kept raw
 * in `received`: `{ n, at, method, url, path, query, headers (lowercase
 * names), body (string), json }`.
 */
export async function startReceiver(respond = () => 200) {
  const received = [];
  const sockets = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i].toLowerCase();
        headers[name] = name in headers ? `${headers[name]}, ${req.rawHeaders[i + 1].trim()}` : req.rawHeaders[i + 1].trim();
      }
      const q = req.url.indexOf('?');
      let json;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const entry = {
        n: received.length + 1,
        at: performance.now(),
        method: req.method,
        url: req.url,
        path: q < 0 ? req.url : req.url.slice(0, q),
        query: q < 0 ? null : req.url.slice(q + 1),
        headers,
        body,
        json,
      };
      received.push(entry);
      let answer = respond(entry, entry.n);
      if (answer === 'hang') return;
      if (answer === 'destroy') {
        req.socket.destroy();
        return;
      }
      if (typeof answer === 'number') answer = { status: answer };
      answer ??= { status: 200 };
      if (answer.delayMs) await sleep(answer.delayMs);
      res.writeHead(answer.status, { 'content-type': 'text/plain' });
      res.end(answer.body ?? 'ok');
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: (path = '/hooks/upvest') => `http://127.0.0.1:${port}${path}`,
    port,
    received,
    /** Events of every received request, in arrival order. */
    get events() {
      return received.flatMap((r) => r.json?.payload ?? []);
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections?.(); // any connection the set missed: close() waits for them all
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Verifies a webhook delivery as Upvest signs it (http-signatures.md §2.2,
 * §6, §9) with the suites' one independent verifier on node:crypto
 * (tests/js/support/upvest-signer.mjs): v6 base, label `sig1`, a covered
 * `digest: SHA-256=` that matches the body, `content-length`, ECDSA
 * P-521/SHA-512 (DER) with the JWK whose kid is the keyid.
 * `request`: `{ method, path, query, headers, body }`.
 * Returns `{ ok, signatureOk, keyFound, keyId, created, expires, nonce, components, params, base, digestOk, lengthOk }`.
 */
export function verifyDelivery(request, jwks) {
  const { method, path, query, headers, body } = request;
  const report = checkUpvestDelivery({ method, url: query === null ? path : `${path}?${query}`, headers, body }, jwks, { form: 'v6', encoding: 'der' });
  assert.equal(report.label, 'sig1', `signature-input is sig1=(…)…: ${headers['signature-input']}`);
  const digestOk = report.digestCovered && report.digestOk;
  const { keyid: keyId, created, expires, nonce } = report.params;
  const { signatureOk, keyFound, lengthOk, components, base } = report;
  return {
    ok: signatureOk && digestOk && lengthOk,
    signatureOk,
    keyFound,
    keyId,
    created,
    expires,
    nonce,
    components,
    params: report.paramsText,
    base,
    digestOk,
    lengthOk,
  };
}

/** A `{ method, path, query, headers, body }` from a signed request record `{ method, url, headers, body }`. */
export function fromSignedRequest(r) {
  const u = new URL(r.url);
  return {
    method: r.method,
    path: u.pathname,
    query: u.search ? u.search.slice(1) : null,
    headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: r.body,
  };
}

/**
 * A small signed API session against an emulator (independent signer):
 * `api(opts)` → `{ status, headers, text, json }`, `create(body)`, `enable(id)`, `jwks()`.
 */
export async function session(emu, scopes = ['webhooks:read', 'webhooks:admin']) {
  const t = await fetchToken(emu, scopes);
  assert.equal(t.status, 200, t.text);
  const token = t.json.access_token;
  const api = (opts = {}) => signedFetch(emu, { token, ...opts });
  const write = (method, path, body) => api({ method, path, body: body === undefined ? '' : JSON.stringify(body), idempotencyKey: crypto.randomUUID() });
  return {
    token,
    api,
    write,
    async create(body) {
      const r = await write('POST', '/webhooks', body);
      assert.equal(r.status, 201, r.text);
      return r.json;
    },
    async enable(id, enabled = true) {
      const r = await write('PATCH', `/webhooks/${id}`, { enabled });
      assert.equal(r.status, 200, r.text);
      return r.json;
    },
    async hook(url, extra = {}) {
      const h = await this.create({ title: 'receiver', url, ...extra });
      return this.enable(h.id);
    },
    async jwks() {
      const r = await api({ path: '/auth/verify_keys' });
      assert.equal(r.status, 200, r.text);
      return r.json;
    },
  };
}

/**
 * An emulator (time factor 0.01), a receiver and an admin session for a
 * `describe` block: `before(async () => ({ emu, rx, s } = await openRig()))`,
 * `after(() => closeRig({ emu, rx }))`.
 */
export async function openRig() {
  const emu = await startEmulator({ timeFactor: 0.01 });
  const rx = await startReceiver();
  return { emu, rx, s: await session(emu) };
}

/** Closes what `openRig` opened (either may be missing if it failed). */
export async function closeRig({ emu, rx }) {
  await emu?.close();
  await rx?.close();
}

/** Calls an admin route on `emu`; resolves `{ status, ok, headers, text, json }` whatever the status. */
export function admin(emu, path, options) {
  return callAdmin(emu.baseUrl, path, options);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Asserts a problem+json answer with `status` (and `type` ending in `code`). */
export function assertProblem(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.headers.get('content-type'), 'application/problem+json');
  assert.match(r.headers.get('upvest-request-id') ?? '', UUID);
  assert.equal(r.json.status, status);
  assert.equal(typeof r.json.title, 'string');
  assert.equal(r.json.request_id, r.headers.get('upvest-request-id'));
  if (code) assert.equal(r.json.type, `https://docs.upvest.co/errors/${code}`);
}

/**
 * Returns `rig(options)`, which starts an emulator, a receiver and a signed
 * session, all closed after each test of the calling file.
 */
export function rigs() {
  const closers = [];
  afterEach(async () => {
    while (closers.length) await closers.pop()();
  });
  return async function rig({ timeFactor = 0.01, respond, emulator = {} } = {}) {
    const emu = await startEmulator({ timeFactor, ...emulator });
    const rx = await startReceiver(respond);
    closers.push(
      () => emu.close(),
      () => rx.close(),
    );
    const s = await session(emu);
    return { emu, rx, s };
  };
}
