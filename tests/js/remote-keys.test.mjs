// Keys fetched from a URL (GET /auth/verify_keys), against a local server:
// caching, single-flight, cooldown, max age, rotation, timeouts, bad
// responses, size limits and the custom fetch hook. Cache timing runs on an
// injected clock; only timeouts use real time, with generous bounds.

import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { asDelivery, generateKeyPair, jwksOf, signRequest } from './support/upvest-signer.mjs';
import { startJwksServer } from './support/jwks-server.mjs';
import { WebhookVerifier, manualClock, rejectsWithCode } from './support/verify.mjs';

const keyA = generateKeyPair();
const keyB = generateKeyPair();
const keyC = generateKeyPair();

let server;
let clock;
beforeEach(async () => {
  server = await startJwksServer(keyA.jwks);
  clock = manualClock();
});
afterEach(async () => {
  await server.close();
});

const remoteVerifier = (options = {}) => new WebhookVerifier({ keys: server.url, now: clock.now, ...options });
const signedBy = (key) => asDelivery(signRequest({ key, created: clock.seconds() }));

describe('remote keys: caching', () => {
  test('fetches on first use with a GET to the URL, not in the constructor', async () => {
    const verifier = remoteVerifier();
    assert.equal(server.requestCount, 0);
    assert.equal((await verifier.verify(signedBy(keyA))).keyId, keyA.kid);
    assert.equal(server.requestCount, 1);
    assert.equal(server.requests[0].method, 'GET');
    assert.equal(server.requests[0].url, '/auth/verify_keys');
  });

  test('accepts a URL object as well as a string', async () => {
    const verifier = new WebhookVerifier({ keys: new URL(server.url), now: clock.now });
    assert.equal((await verifier.verify(signedBy(keyA))).keyId, keyA.kid);
    assert.equal(server.requestCount, 1);
  });

  test('makes one request for many verifications', async () => {
    const verifier = remoteVerifier();
    for (let i = 0; i < 20; i += 1) {
      await verifier.verify(signedBy(keyA));
      clock.advance(5_000);
    }
    assert.equal(server.requestCount, 1, '100 s of deliveries stay within keysMaxAgeMs');
  });

  test('makes exactly one request for 25 concurrent verifications with a cold cache', async () => {
    server.serve(jwksOf(keyA, keyB));
    server.delay(150);
    const verifier = remoteVerifier();
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => verifier.verify(signedBy(i % 2 ? keyA : keyB))));
    assert.equal(results.filter((r) => r.keyId === keyA.kid).length, 12);
    assert.equal(server.requestCount, 1);
  });

  test('makes exactly one refetch for 20 concurrent verifications with a new kid', async () => {
    const verifier = remoteVerifier();
    await verifier.verify(signedBy(keyA));
    server.serve(jwksOf(keyA, keyB));
    server.delay(150);
    clock.advance(31_000);
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(signedBy(keyB))));
    assert.ok(results.every((r) => r.keyId === keyB.kid));
    assert.equal(server.requestCount, 2);
  });

  test('makes exactly one request for 20 concurrent verifications during a max-age refresh', async () => {
    const verifier = remoteVerifier();
    await verifier.verify(signedBy(keyA));
    server.serve(jwksOf(keyA, keyB));
    server.delay(150);
    clock.advance(601_000);
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(signedBy(keyB))));
    assert.ok(results.every((r) => r.keyId === keyB.kid));
    assert.equal(server.requestCount, 2);
  });

  test('refreshes the set once it is older than keysMaxAgeMs (default 600 s)', async () => {
    const verifier = remoteVerifier();
    await verifier.verify(signedBy(keyA));
    clock.advance(599_000);
    await verifier.verify(signedBy(keyA));
    assert.equal(server.requestCount, 1);
    clock.advance(2_000);
    await verifier.verify(signedBy(keyA));
    assert.equal(server.requestCount, 2);
  });
});

describe('remote keys: unknown kid and cooldown', () => {
  test('refetches once on an unknown kid after the cooldown, not before', async () => {
    const verifier = remoteVerifier();
    await verifier.verify(signedBy(keyA));
    server.serve(jwksOf(keyA, keyB));

    clock.advance(29_000);
    await rejectsWithCode(verifier.verify(signedBy(keyB)), 'ERR_KEY_NOT_FOUND');
    assert.equal(server.requestCount, 1, 'within keysCooldownMs (30 s) of the last fetch');

    clock.advance(2_000);
    assert.equal((await verifier.verify(signedBy(keyB))).keyId, keyB.kid);
    assert.equal(server.requestCount, 2);

    clock.advance(1_000);
    await rejectsWithCode(verifier.verify(signedBy(keyC)), 'ERR_KEY_NOT_FOUND');
    assert.equal(server.requestCount, 2, 'the refetch itself starts a new cooldown');

    clock.advance(30_000);
    await rejectsWithCode(verifier.verify(signedBy(keyC)), 'ERR_KEY_NOT_FOUND');
    assert.equal(server.requestCount, 3, 'one refetch per unknown kid, not a retry loop');
  });

  test('honours a custom keysCooldownMs', async () => {
    const verifier = remoteVerifier({ keysCooldownMs: 5_000 });
    await verifier.verify(signedBy(keyA));
    server.serve(keyB.jwks);
    clock.advance(4_000);
    await rejectsWithCode(verifier.verify(signedBy(keyB)), 'ERR_KEY_NOT_FOUND');
    assert.equal(server.requestCount, 1);
    clock.advance(1_500);
    await verifier.verify(signedBy(keyB));
    assert.equal(server.requestCount, 2);
  });

  test('follows a server that rotates keys: new key found, retired key dropped', async () => {
    const verifier = remoteVerifier();
    await verifier.verify(signedBy(keyA));
    server.serve(keyB.jwks); // A retired, B introduced

    clock.advance(10_000);
    await verifier.verify(signedBy(keyA)); // still cached
    clock.advance(25_000);
    assert.equal((await verifier.verify(signedBy(keyB))).keyId, keyB.kid);
    assert.equal(server.requestCount, 2);
    await rejectsWithCode(verifier.verify(signedBy(keyA)), 'ERR_KEY_NOT_FOUND');
  });
});

describe('remote keys: failures', () => {
  test('rejects with ERR_JWKS_FETCH_FAILED on a 500', async () => {
    server.fail(500);
    await rejectsWithCode(remoteVerifier().verify(signedBy(keyA)), 'ERR_JWKS_FETCH_FAILED');
  });

  test('rejects with ERR_JWKS_FETCH_FAILED on a 404', async () => {
    server.fail(404);
    await rejectsWithCode(remoteVerifier().verify(signedBy(keyA)), 'ERR_JWKS_FETCH_FAILED');
  });

  test('rejects a non-JSON answer', async () => {
    server.nonJson();
    let err;
    await remoteVerifier()
      .verify(signedBy(keyA))
      .catch((e) => (err = e));
    // The contract allows either code: the fetch failed, or it fetched a malformed JWKS.
    assert.ok(err && ['ERR_JWKS_FETCH_FAILED', 'ERR_JWKS_INVALID'].includes(err.code), `got ${err?.code}: ${err?.message}`);
  });

  test('rejects JSON that is not a JWKS with ERR_JWKS_INVALID', async () => {
    server.invalidJwks();
    await rejectsWithCode(remoteVerifier().verify(signedBy(keyA)), 'ERR_JWKS_INVALID');
  });

  test('rejects with ERR_JWKS_FETCH_FAILED, with a cause, when nothing listens', async () => {
    const closed = http.createServer();
    await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address();
    await new Promise((resolve) => closed.close(resolve));
    const verifier = new WebhookVerifier({ keys: `http://127.0.0.1:${port}/keys`, now: clock.now });
    const err = await rejectsWithCode(verifier.verify(signedBy(keyA)), 'ERR_JWKS_FETCH_FAILED');
    assert.ok(err.cause !== undefined, 'cause must carry the network error');
  });

  test('times out a hanging server after about keysTimeoutMs', async () => {
    server.hang();
    const started = Date.now();
    await rejectsWithCode(remoteVerifier({ keysTimeoutMs: 300 }).verify(signedBy(keyA)), 'ERR_JWKS_FETCH_FAILED');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250, `gave up after ${elapsed} ms, before the timeout`);
    assert.ok(elapsed < 4_000, `took ${elapsed} ms for a 300 ms timeout`);
    assert.equal(server.requestCount, 1);
  });

  test('concurrent verifications waiting on a hanging server all fail with one request', async () => {
    server.hang();
    const verifier = remoteVerifier({ keysTimeoutMs: 300 });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => verifier.verify(signedBy(keyA))));
    assert.ok(outcomes.every((o) => o.status === 'rejected' && o.reason.code === 'ERR_JWKS_FETCH_FAILED'));
    assert.equal(server.requestCount, 1);
  });

  test('keeps the last good keys after a failed refresh, without retrying on every delivery', async () => {
    const verifier = remoteVerifier();
    await verifier.verify(signedBy(keyA));
    server.fail(503);
    clock.advance(601_000);
    assert.equal((await verifier.verify(signedBy(keyA))).keyId, keyA.kid);
    assert.equal(server.requestCount, 2, 'the stale set must have been refreshed (and failed)');
    for (let i = 0; i < 5; i += 1) await verifier.verify(signedBy(keyA));
    assert.equal(server.requestCount, 2, 'within the cooldown after a failed refresh');
  });

  test('keeps the last good keys after a refresh that times out', async () => {
    const verifier = remoteVerifier({ keysTimeoutMs: 200 });
    await verifier.verify(signedBy(keyA));
    server.hang();
    clock.advance(601_000);
    assert.equal((await verifier.verify(signedBy(keyA))).keyId, keyA.kid);
  });

  test('recovers once the server answers again', async () => {
    server.fail(500);
    const verifier = remoteVerifier();
    await rejectsWithCode(verifier.verify(signedBy(keyA)), 'ERR_JWKS_FETCH_FAILED');
    server.serve(keyA.jwks);
    clock.advance(31_000);
    assert.equal((await verifier.verify(signedBy(keyA))).keyId, keyA.kid);
  });
});

describe('remote keys: size limit', () => {
  test('accepts a padded 10 kB JWKS (positive control for the size tests)', async () => {
    server.huge(10_000);
    assert.equal((await remoteVerifier().verify(signedBy(keyA))).keyId, keyA.kid);
  });

  test('rejects a JWKS larger than limits.maxJwksBytes (with content-length)', async () => {
    server.huge(10_000);
    await rejectsWithCode(remoteVerifier({ limits: { maxJwksBytes: 4_096 } }).verify(signedBy(keyA)), 'ERR_JWKS_FETCH_FAILED');
  });

  test('rejects a JWKS larger than limits.maxJwksBytes (chunked, no content-length)', async () => {
    server.huge(10_000, { chunked: true });
    await rejectsWithCode(remoteVerifier({ limits: { maxJwksBytes: 4_096 } }).verify(signedBy(keyA)), 'ERR_JWKS_FETCH_FAILED');
  });

  test('rejects a 2 MiB JWKS under the default 1 MiB limit', async () => {
    server.huge(2 * 1024 * 1024, { chunked: true });
    await rejectsWithCode(remoteVerifier().verify(signedBy(keyA)), 'ERR_JWKS_FETCH_FAILED');
  });
});

describe('remote keys: custom fetch', () => {
  test('uses the fetch option instead of the global fetch', async () => {
    const seen = [];
    const verifier = new WebhookVerifier({
      keys: 'https://sandbox.upvest.co/auth/verify_keys',
      now: clock.now,
      fetch: async (...args) => {
        const [input] = args;
        assert.equal(args.length, 1, 'fetch is called with the built Request alone');
        assert.ok(input instanceof Request, 'fetch receives a Request');
        seen.push({ url: input.url, method: input.method, accept: input.headers.get('accept') });
        return new Response(JSON.stringify(keyB.jwks), { headers: { 'content-type': 'application/json' } });
      },
    });
    assert.equal((await verifier.verify(signedBy(keyB))).keyId, keyB.kid);
    assert.deepEqual(seen, [{ url: 'https://sandbox.upvest.co/auth/verify_keys', method: 'GET', accept: 'application/json' }]);
  });

  // Before gloo-net the response was read by reflection, so such values were
  // half-read; now each is a typed error with the value as its cause, and
  // the instance is still usable afterwards (nothing trapped).
  for (const [name, value] of [
    [
      'a plain object shaped like a Response',
      { status: 200, headers: new Headers(), arrayBuffer: async () => new TextEncoder().encode(JSON.stringify(keyB.jwks)).buffer },
    ],
    ['a string', JSON.stringify(keyB.jwks)],
    ['undefined', undefined],
    ['null', null],
  ]) {
    test(`a custom fetch resolving to ${name} (not a Response) is ERR_JWKS_FETCH_FAILED with the value as cause`, async () => {
      let answer = value;
      const verifier = new WebhookVerifier({
        keys: 'https://sandbox.upvest.co/auth/verify_keys',
        now: clock.now,
        keysCooldownMs: 0,
        fetch: async () => answer,
      });
      const err = await rejectsWithCode(verifier.verify(signedBy(keyB)), 'ERR_JWKS_FETCH_FAILED');
      assert.match(err.message, /the fetch function gave no Response/);
      assert.equal(err.cause, value);
      answer = new Response(JSON.stringify(keyB.jwks));
      clock.advance(1_000); // past the failure's cooldown
      assert.equal((await verifier.verify(signedBy(keyB))).keyId, keyB.kid, 'the same verifier works afterwards');
    });
  }

  test('an endless JWKS stream without content-length is refused once maxJwksBytes is passed, and the stream is cancelled', async () => {
    let pulled = 0;
    let cancelled = false;
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    const verifier = new WebhookVerifier({
      keys: 'https://sandbox.upvest.co/auth/verify_keys',
      now: clock.now,
      keysTimeoutMs: 10_000, // the size stops it at once; reading it whole would run into this
      limits: { maxJwksBytes: 256 * 1024 },
      fetch: async () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              pulled += chunk.length;
              controller.enqueue(chunk);
            },
            cancel() {
              cancelled = true;
            },
          }),
        ),
    });
    const err = await rejectsWithCode(verifier.verify(signedBy(keyB)), 'ERR_JWKS_FETCH_FAILED');
    assert.match(err.message, /maxJwksBytes \(262144\)/);
    assert.equal(cancelled, true, 'the body stream is cancelled');
    assert.ok(pulled <= 256 * 1024 + 4 * chunk.length, `read ${pulled} bytes of an endless body`);
  });

  test('rejects with ERR_JWKS_FETCH_FAILED and the cause when the custom fetch rejects', async () => {
    const boom = new TypeError('fetch failed: ECONNRESET');
    const verifier = new WebhookVerifier({ keys: 'https://sandbox.upvest.co/auth/verify_keys', now: clock.now, fetch: async () => Promise.reject(boom) });
    const err = await rejectsWithCode(verifier.verify(signedBy(keyA)), 'ERR_JWKS_FETCH_FAILED');
    assert.ok(err.cause === boom || String(err.cause?.message ?? err.cause).includes('ECONNRESET'), `unexpected cause ${err.cause}`);
  });

  test('passes an abort signal that fires after keysTimeoutMs', async () => {
    let signal;
    const verifier = new WebhookVerifier({
      keys: 'https://sandbox.upvest.co/auth/verify_keys',
      now: clock.now,
      keysTimeoutMs: 200,
      fetch: (input) => {
        signal = input.signal; // the Request's signal follows the verifier's
        return new Promise(() => {}); // ignores the signal: the verifier must still give up
      },
    });
    const started = Date.now();
    await rejectsWithCode(verifier.verify(signedBy(keyA)), 'ERR_JWKS_FETCH_FAILED');
    assert.ok(Date.now() - started < 4_000);
    assert.ok(signal instanceof AbortSignal, 'fetch must receive an AbortSignal');
    assert.equal(signal.aborted, true);
  });
});
