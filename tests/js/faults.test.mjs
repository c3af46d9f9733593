// Fault injection on the JWKS endpoint, beyond remote-keys.test.mjs (which
// covers a hanging server, 500/503/404, HTML, a non-JWKS JSON, 2 MiB bodies,
// refused connections and 25 concurrent cold verifications). Here: redirects
// (followed, looping, to a failing URL), a slow drip past the timeout,
// truncated JSON, a 10 MB body, a connection reset mid-body, and 1,000
// concurrent verifications with a cold cache. Every fault must give a typed
// error within the timeout, and keys already known must keep verifying.

import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { asDelivery, generateKeyPair, jwksOf, signRequest } from './support/upvest-signer.mjs';
import { WebhookVerifier, manualClock } from './support/verify.mjs';

const keyA = generateKeyPair();
const keyB = generateKeyPair();

/**
 * A JWKS server whose every path is a behaviour: `/ok`, `/redirect` (302 to
 * /ok), `/loop` (302 to itself), `/redirect-500`, `/drip` (declares the
 * whole length, then sends a byte every 100 ms), `/truncated`, `/huge`
 * (10 MB, with a content-length), `/huge-chunked`, `/reset` (half a body,
 * then a TCP reset), `/slow-ok` (a valid JWKS after 300 ms).
 */
async function startServer(jwks) {
  const requests = [];
  const sockets = new Set();
  const timers = new Set();
  const body = () => Buffer.from(JSON.stringify(jwks));
  const server = http.createServer((req, res) => {
    requests.push(req.url);
    req.resume();
    const path = new URL(req.url, 'http://x').pathname;
    const json = (status, data) => {
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length });
      res.end(data);
    };
    switch (path) {
      case '/ok':
        return json(200, body());
      case '/slow-ok': {
        const t = setTimeout(() => json(200, body()), 300);
        timers.add(t);
        return;
      }
      case '/redirect':
        res.writeHead(302, { location: '/ok' });
        return res.end();
      case '/loop':
        res.writeHead(302, { location: '/loop' });
        return res.end();
      case '/redirect-500':
        res.writeHead(302, { location: '/status-500' });
        return res.end();
      case '/status-500':
        return json(500, Buffer.from('{"status":500}'));
      case '/drip': {
        const data = body();
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': data.length });
        let i = 0;
        const t = setInterval(() => {
          if (res.destroyed || i >= data.length) {
            clearInterval(t);
            timers.delete(t);
            if (!res.destroyed) res.end();
            return;
          }
          res.write(data.subarray(i, i + 1));
          i += 1;
        }, 100);
        timers.add(t);
        return;
      }
      case '/truncated': {
        const data = body();
        return json(200, data.subarray(0, Math.floor(data.length / 2)));
      }
      case '/huge':
      case '/huge-chunked': {
        const size = 10 * 1024 * 1024;
        const head = `{"keys":${JSON.stringify(jwks.keys)},"padding":"`;
        const chunk = Buffer.alloc(64 * 1024, 'A');
        res.writeHead(200, path === '/huge' ? { 'content-type': 'application/json', 'content-length': size } : { 'content-type': 'application/json' });
        res.write(head);
        let sent = head.length;
        const pump = () => {
          while (sent + chunk.length < size - 2) {
            sent += chunk.length;
            if (!res.write(chunk)) return res.once('drain', pump);
          }
          res.end(Buffer.from(`${'A'.repeat(size - 2 - sent)}"}`));
        };
        res.on('error', () => {});
        return pump();
      }
      case '/reset': {
        const data = body();
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': data.length });
        res.write(data.subarray(0, 40));
        const t = setTimeout(() => req.socket.resetAndDestroy?.() ?? req.socket.destroy(), 50);
        timers.add(t);
        return;
      }
      default:
        return json(404, Buffer.from('{"status":404}'));
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 100;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    url: (path) => `${base}${path}`,
    requests,
    count: (path) => requests.filter((u) => u === path).length,
    async close() {
      for (const t of timers) {
        clearTimeout(t);
        clearInterval(t);
      }
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let server;
let clock;
beforeEach(async () => {
  server = await startServer(jwksOf(keyA));
  clock = manualClock();
});
afterEach(async () => {
  await server.close();
});

const signedBy = (key) => asDelivery(signRequest({ key, created: clock.seconds() }));

/** Runs `promise`, asserts the code and that it settled within `withinMs`. */
async function failsWithin(promise, codes, withinMs) {
  const started = Date.now();
  let err;
  await promise.then(
    () => assert.fail('expected a rejection'),
    (e) => (err = e),
  );
  const elapsed = Date.now() - started;
  assert.ok([codes].flat().includes(err.code), `got ${err.code}: ${err.message}`);
  assert.ok(elapsed < withinMs, `took ${elapsed} ms, limit ${withinMs} ms`);
  return err;
}

describe('JWKS faults: each gives a typed error within the timeout', () => {
  test('a redirect to the keys is followed, as fetch does', async () => {
    const verifier = new WebhookVerifier({ keys: server.url('/redirect'), now: clock.now });
    assert.equal((await verifier.verify(signedBy(keyA))).keyId, keyA.kid);
    assert.equal(server.count('/redirect'), 1);
    assert.equal(server.count('/ok'), 1);
  });

  test('a redirect loop → ERR_JWKS_FETCH_FAILED', async () => {
    const verifier = new WebhookVerifier({ keys: server.url('/loop'), now: clock.now, keysTimeoutMs: 2_000 });
    await failsWithin(verifier.verify(signedBy(keyA)), 'ERR_JWKS_FETCH_FAILED', 3_000);
  });

  test('a redirect to a 500 → ERR_JWKS_FETCH_FAILED', async () => {
    const verifier = new WebhookVerifier({ keys: server.url('/redirect-500'), now: clock.now });
    await failsWithin(verifier.verify(signedBy(keyA)), 'ERR_JWKS_FETCH_FAILED', 2_000);
  });

  test('a slow drip (headers at once, a byte every 100 ms) is cut at keysTimeoutMs', async () => {
    const verifier = new WebhookVerifier({ keys: server.url('/drip'), now: clock.now, keysTimeoutMs: 500 });
    const started = Date.now();
    await failsWithin(verifier.verify(signedBy(keyA)), 'ERR_JWKS_FETCH_FAILED', 2_500);
    assert.ok(Date.now() - started >= 400, 'gave up before the timeout');
  });

  test('truncated JSON → ERR_JWKS_INVALID (or FETCH_FAILED)', async () => {
    const verifier = new WebhookVerifier({ keys: server.url('/truncated'), now: clock.now });
    await failsWithin(verifier.verify(signedBy(keyA)), ['ERR_JWKS_INVALID', 'ERR_JWKS_FETCH_FAILED'], 2_000);
  });

  for (const path of ['/huge', '/huge-chunked']) {
    test(`a 10 MB JWKS (${path === '/huge' ? 'with content-length' : 'chunked'}) is refused by the 1 MiB maxJwksBytes`, async () => {
      const verifier = new WebhookVerifier({ keys: server.url(path), now: clock.now });
      const err = await failsWithin(verifier.verify(signedBy(keyA)), 'ERR_JWKS_FETCH_FAILED', 5_000);
      assert.match(err.message, /maxJwksBytes/);
    });
  }

  test('a connection reset mid-body → ERR_JWKS_FETCH_FAILED with a cause', async () => {
    const verifier = new WebhookVerifier({ keys: server.url('/reset'), now: clock.now, keysTimeoutMs: 2_000 });
    await failsWithin(verifier.verify(signedBy(keyA)), 'ERR_JWKS_FETCH_FAILED', 2_500);
  });
});

describe('JWKS faults: keys already known keep verifying', () => {
  // A verifier whose keys come from a function: the first call serves the
  // good set, later calls hit the faulty path (the refetch an unknown kid
  // triggers, or the max-age refresh).
  for (const path of ['/loop', '/drip', '/truncated', '/huge-chunked', '/reset', '/status-500', '/nothing-here']) {
    test(`after a failed refresh from ${path}`, async () => {
      let calls = 0;
      const keys = async () => {
        calls += 1;
        const url = server.url(calls === 1 ? '/ok' : path);
        const res = await fetch(url, { signal: AbortSignal.timeout(600) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return res.text();
      };
      const verifier = new WebhookVerifier({ keys, now: clock.now, keysTimeoutMs: 1_000 });
      assert.equal((await verifier.verify(signedBy(keyA))).keyId, keyA.kid);
      clock.advance(31_000);
      // An unknown kid triggers the refetch, which fails…
      await failsWithin(verifier.verify(signedBy(keyB)), ['ERR_KEY_NOT_FOUND', 'ERR_JWKS_FETCH_FAILED', 'ERR_JWKS_INVALID'], 3_000);
      assert.equal(calls, 2);
      // …and the known key still verifies, without another fetch (cooldown).
      assert.equal((await verifier.verify(signedBy(keyA))).keyId, keyA.kid);
      // After max age, a failing refresh still leaves the known key working.
      clock.advance(601_000);
      assert.equal((await verifier.verify(signedBy(keyA))).keyId, keyA.kid);
      assert.equal(calls, 3);
    });
  }
});

describe('JWKS: concurrency', () => {
  test('1,000 concurrent verifications with a cold cache make exactly one key fetch', async () => {
    await server.close();
    server = await startServer(jwksOf(keyA, keyB));
    const verifier = new WebhookVerifier({ keys: server.url('/slow-ok'), now: clock.now });
    const deliveries = Array.from({ length: 1_000 }, (_, i) => signedBy(i % 2 ? keyA : keyB));
    const results = await Promise.all(deliveries.map((d) => verifier.verify(d)));
    assert.equal(results.length, 1_000);
    assert.equal(results.filter((r) => r.keyId === keyA.kid).length, 500);
    assert.equal(server.count('/slow-ok'), 1, 'one fetch for 1,000 cold verifications');
    console.log(`1,000 concurrent cold verifications: ${server.count('/slow-ok')} key fetch`);
  });

  test('1,000 concurrent verifications against a hanging-then-failing endpoint: one fetch, all typed errors', async () => {
    const verifier = new WebhookVerifier({ keys: server.url('/drip'), now: clock.now, keysTimeoutMs: 300 });
    const deliveries = Array.from({ length: 1_000 }, () => signedBy(keyA));
    const started = Date.now();
    const outcomes = await Promise.allSettled(deliveries.map((d) => verifier.verify(d)));
    assert.ok(outcomes.every((o) => o.status === 'rejected' && o.reason.code === 'ERR_JWKS_FETCH_FAILED'));
    assert.equal(server.count('/drip'), 1);
    assert.ok(Date.now() - started < 5_000);
  });
});

describe('resilience', () => {
  test('1,000 failing verifications alternating with 1,000 valid ones: every valid one passes', async () => {
    const { verifierFor } = await import('./support/verify.mjs');
    const verifier = verifierFor(jwksOf(keyA, keyB));
    const good = signRequest({ key: keyA });
    const other = generateKeyPair();
    const failing = [
      () => ({ ...asDelivery(good), body: `${good.body} ` }),
      () => ({ ...asDelivery(good), headers: { ...good.headers, signature: 'sig1=:AAAA:' } }),
      () => ({ ...asDelivery(good), headers: { ...good.headers, 'signature-input': 'sig1=(' } }),
      () => asDelivery(signRequest({ key: other })), // unknown kid
      () => asDelivery(signRequest({ key: other, keyid: keyA.kid })), // wrong key
      () => asDelivery(signRequest({ key: keyA, created: 1 })), // expired
      () => ({ ...asDelivery(good), headers: { ...good.headers, 'x-pad': 'a'.repeat(70_000) } }), // limit
      () => ({ ...asDelivery(good), body: { payload: [] } }), // not raw
      () => ({ ...asDelivery(good), headers: { ...good.headers, 'content-type': 'text/plain\n' } }),
    ];
    const codes = new Map();
    let valid = 0;
    for (let i = 0; i < 1_000; i += 1) {
      const bad = failing[i % failing.length]();
      await verifier.verify(bad).then(
        () => assert.fail(`failing case ${i % failing.length} verified`),
        (err) => codes.set(err.code, (codes.get(err.code) ?? 0) + 1),
      );
      const ok = await verifier.verify(asDelivery(signRequest({ key: i % 2 ? keyA : keyB })));
      assert.equal(ok.events.length, 1);
      valid += 1;
    }
    assert.equal(valid, 1_000);
    console.log(`resilience: 1,000 valid passed between 1,000 failures: ${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}`);
  });
});
