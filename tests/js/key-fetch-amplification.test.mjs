// Key-fetch amplification (issue 11, finding 4): a verification decides once,
// for all its key ids, whether to fetch, so it makes at most one fetch; the
// cooldown (keysCooldownMs) also follows failed fetches, including before
// any key set was ever loaded. Before the fix, 10 forged requests with 8
// made-up key ids made 80 fetches of a failing endpoint, and one such request
// waited for 8 timeouts in a row on a hanging one.
//
// Counting key server: support/jwks-server.mjs. The cache runs on a manual
// clock; only the timeout uses real time, and no assertion is about time.

import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { asDelivery, generateKeyPair, signRequest, withSignatures } from './support/upvest-signer.mjs';
import { startJwksServer } from './support/jwks-server.mjs';
import { WebhookVerifier, assertVerificationError, manualClock, settleWithin as settle } from './support/verify.mjs';

const genuine = generateKeyPair();
const attacker = generateKeyPair();

let server;
let clock;
beforeEach(async () => {
  server = await startJwksServer(genuine.jwks);
  clock = manualClock();
});
afterEach(async () => {
  await server.close();
});

const remoteVerifier = (options = {}) => new WebhookVerifier({ keys: server.url, now: clock.now, ...options });

/** A forged request: 8 signatures by the attacker's key, each naming a made-up key id. */
function forged(count = 8) {
  const signed = Array.from({ length: count }, (_, i) => signRequest({ key: attacker, keyid: crypto.randomUUID(), label: `s${i}`, created: clock.seconds() }));
  return asDelivery(withSignatures(signed));
}

describe('key-fetch amplification', () => {
  test('failing endpoint (HTTP 500): 10 forged requests with 8 made-up key ids each make 1 fetch within keysCooldownMs', async (t) => {
    server.fail(500);
    const verifier = remoteVerifier();
    const outcomes = [];
    for (let i = 0; i < 10; i += 1) {
      outcomes.push(await settle(verifier.verify(forged())));
      clock.advance(1_000);
    }
    t.diagnostic(`fetches for 10 forged requests × 8 key ids: ${server.requestCount}`);
    for (const outcome of outcomes) assertVerificationError(outcome.reason, 'ERR_JWKS_FETCH_FAILED');
    assert.equal(server.requestCount, 1);
    for (const { reason } of outcomes.slice(1)) {
      assert.match(reason.message, /HTTP 500/, 'names the failure it is waiting out');
      assert.match(reason.message, /next fetch may start in \d+ ms/);
      assert.match(reason.message, /keysCooldownMs/);
    }

    clock.advance(21_000); // 31 s after the failure: the cooldown has passed
    await assert.rejects(verifier.verify(forged()), (err) => err.code === 'ERR_JWKS_FETCH_FAILED');
    assert.equal(server.requestCount, 2, 'one fetch per cooldown');
  });

  test('failing endpoint: 10 concurrent forged requests with 8 made-up key ids make 1 fetch', async (t) => {
    server.fail(500);
    server.delay(100);
    const verifier = remoteVerifier();
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => settle(verifier.verify(forged()))));
    for (const outcome of outcomes) assertVerificationError(outcome.reason, 'ERR_JWKS_FETCH_FAILED');
    t.diagnostic(`fetches: ${server.requestCount}`);
    assert.equal(server.requestCount, 1);
  });

  test("the cooldown after a failed first fetch keeps the failure's cause (a refused connection)", async () => {
    const url = server.url;
    await server.close();
    const verifier = new WebhookVerifier({ keys: url, now: clock.now });
    const first = await settle(verifier.verify(forged(2)));
    assertVerificationError(first.reason, 'ERR_JWKS_FETCH_FAILED');
    assert.ok(first.reason.cause !== undefined, 'the first failure has the network error as cause');
    const second = await settle(verifier.verify(forged(2)));
    assertVerificationError(second.reason, 'ERR_JWKS_FETCH_FAILED');
    assert.match(second.reason.message, /keysCooldownMs/);
    assert.equal(second.reason.cause, first.reason.cause, 'the cooldown error keeps the cause');
    server = await startJwksServer(genuine.jwks); // for afterEach
  });

  test('hanging endpoint: one forged request with 8 key ids makes 1 fetch and settles after one keysTimeoutMs', async (t) => {
    server.hang();
    const verifier = remoteVerifier({ keysTimeoutMs: 300 });
    const started = Date.now();
    const outcome = await settle(verifier.verify(forged()));
    t.diagnostic(`settled after ${Date.now() - started} ms with keysTimeoutMs 300; fetches: ${server.requestCount}`);
    assert.equal(outcome.status, 'rejected');
    assertVerificationError(outcome.reason, 'ERR_JWKS_FETCH_FAILED');
    assert.match(outcome.reason.message, /keysTimeoutMs/);
    assert.equal(server.requestCount, 1);
    const again = await settle(verifier.verify(forged()));
    assertVerificationError(again.reason, 'ERR_JWKS_FETCH_FAILED');
    assert.equal(server.requestCount, 1, 'the next request within the cooldown does not wait for another timeout');
  });

  test('healthy endpoint: unknown key ids right after a fresh fetch are ERR_KEY_NOT_FOUND with 1 fetch (even with keysCooldownMs 0)', async (t) => {
    for (const keysCooldownMs of [30_000, 0]) {
      const before = server.requestCount;
      const verifier = remoteVerifier({ keysCooldownMs });
      const outcome = await settle(verifier.verify(forged()));
      assertVerificationError(outcome.reason, 'ERR_KEY_NOT_FOUND');
      t.diagnostic(`keysCooldownMs ${keysCooldownMs}: ${server.requestCount - before} fetch(es) for 8 unknown key ids`);
      assert.equal(server.requestCount - before, 1);
    }
  });

  test('healthy endpoint: a genuine signature followed by 7 made-up key ids verifies with 1 fetch', async () => {
    const verifier = remoteVerifier({ keysCooldownMs: 0 });
    const madeUp = Array.from({ length: 7 }, (_, i) => signRequest({ key: attacker, keyid: crypto.randomUUID(), label: `s${i}`, created: clock.seconds() }));
    const delivery = asDelivery(withSignatures([signRequest({ key: genuine, label: 'real', created: clock.seconds() }), ...madeUp]));
    assert.equal((await verifier.verify(delivery)).keyId, genuine.kid);
    assert.equal(server.requestCount, 1);
  });
});
