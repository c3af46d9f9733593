// A Worker that bundles the browser entry (not the package's `workerd` one)
// is recognised by navigator.userAgent === 'Cloudflare-Workers' (issue 11,
// finding 6): concurrent verifications then never wait for a key load another
// one started; each loads for itself while nothing is cached. Simulated in
// Node by setting that user agent before the first verification (the module
// reads it once); the other test files check that Node itself keeps one
// shared load (faults.test.mjs: 1,000 cold verifications, one fetch).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asDelivery, generateKeyPair, signRequest } from './support/upvest-signer.mjs';
import { startJwksServer } from './support/jwks-server.mjs';

Object.defineProperty(globalThis, 'navigator', { value: { userAgent: 'Cloudflare-Workers' }, configurable: true, writable: true });
const { WebhookVerifier, manualClock } = await import('./support/verify.mjs');

test('with the Workers user agent, six concurrent cold verifications each fetch the keys themselves, and all verify', async (t) => {
  const key = generateKeyPair();
  const server = await startJwksServer(key.jwks);
  try {
    server.delay(200);
    const clock = manualClock();
    const verifier = new WebhookVerifier({ keys: server.url, now: clock.now });
    const results = await Promise.all(Array.from({ length: 6 }, () => verifier.verify(asDelivery(signRequest({ key, created: clock.seconds() })))));
    assert.ok(results.every((r) => r.keyId === key.kid));
    t.diagnostic(`fetches: ${server.requestCount}`);
    assert.equal(server.requestCount, 6, 'each cold verification fetched for itself (no shared load)');
    await verifier.verify(asDelivery(signRequest({ key, created: clock.seconds() })));
    assert.equal(server.requestCount, 6, 'then the cached keys serve');
  } finally {
    await server.close();
  }
});
