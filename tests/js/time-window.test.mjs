// created/expires against an injected clock: toleranceSeconds (300) both
// ways, and maxAgeSeconds (300) when there is no expires. The clock is
// always injected, so nothing here depends on real time.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NOW_MS, NOW_SECONDS, asDelivery, generateKeyPair, signRequest } from './support/upvest-signer.mjs';
import { WebhookVerifier, rejectsWithCode, verifyWith } from './support/verify.mjs';

const key = generateKeyPair();
const { jwks } = key;
const at = (created, expires) => asDelivery(signRequest({ key, created, expires }));

describe('time window (default tolerance 300 s, max age 300 s)', () => {
  test('accepts created up to 300 s in the future', async () => {
    assert.equal((await verifyWith(jwks, at(NOW_SECONDS + 300, NOW_SECONDS + 360))).created, NOW_SECONDS + 300);
  });

  test('rejects created 301 s in the future as not yet valid', async () => {
    await rejectsWithCode(verifyWith(jwks, at(NOW_SECONDS + 301, NOW_SECONDS + 360)), 'ERR_SIGNATURE_NOT_YET_VALID');
  });

  test('accepts a signature whose expires passed 300 s ago', async () => {
    await verifyWith(jwks, at(NOW_SECONDS - 400, NOW_SECONDS - 300));
  });

  test('rejects a signature whose expires passed 301 s ago', async () => {
    await rejectsWithCode(verifyWith(jwks, at(NOW_SECONDS - 400, NOW_SECONDS - 301)), 'ERR_SIGNATURE_EXPIRED');
  });

  test('with expires, does not apply maxAgeSeconds to created', async () => {
    await verifyWith(jwks, at(NOW_SECONDS - 3600, NOW_SECONDS + 10));
  });

  test('without expires, accepts created 300 s ago and rejects 301 s ago', async () => {
    assert.equal((await verifyWith(jwks, at(NOW_SECONDS - 300, null))).expires, null);
    await rejectsWithCode(verifyWith(jwks, at(NOW_SECONDS - 301, null)), 'ERR_SIGNATURE_EXPIRED');
  });

  test('reads the clock in milliseconds (a seconds clock would make everything expired)', async () => {
    await verifyWith(jwks, at(NOW_SECONDS, NOW_SECONDS + 60), { now: () => NOW_MS + 999 });
    await rejectsWithCode(verifyWith(jwks, at(NOW_SECONDS, NOW_SECONDS + 60), { now: () => NOW_SECONDS }), 'ERR_SIGNATURE_NOT_YET_VALID');
  });

  test('uses the real clock when now is not given', async () => {
    const created = Math.floor(Date.now() / 1000);
    const verifier = new WebhookVerifier({ keys: jwks });
    await verifier.verify(at(created, created + 60));
    await rejectsWithCode(verifier.verify(at(created - 3600, created - 3000)), 'ERR_SIGNATURE_EXPIRED');
  });
});

describe('time options', () => {
  test('honours toleranceSeconds', async () => {
    await verifyWith(jwks, at(NOW_SECONDS + 10, NOW_SECONDS + 60), { toleranceSeconds: 10 });
    await rejectsWithCode(verifyWith(jwks, at(NOW_SECONDS + 11, NOW_SECONDS + 60), { toleranceSeconds: 10 }), 'ERR_SIGNATURE_NOT_YET_VALID');
    await verifyWith(jwks, at(NOW_SECONDS - 60, NOW_SECONDS - 10), { toleranceSeconds: 10 });
    await rejectsWithCode(verifyWith(jwks, at(NOW_SECONDS - 60, NOW_SECONDS - 11), { toleranceSeconds: 10 }), 'ERR_SIGNATURE_EXPIRED');
  });

  test('with toleranceSeconds 0, accepts exactly at expires and rejects one second later', async () => {
    await verifyWith(jwks, at(NOW_SECONDS - 5, NOW_SECONDS), { toleranceSeconds: 0 });
    await rejectsWithCode(verifyWith(jwks, at(NOW_SECONDS - 5, NOW_SECONDS - 1), { toleranceSeconds: 0 }), 'ERR_SIGNATURE_EXPIRED');
  });

  test('honours maxAgeSeconds for signatures without expires', async () => {
    await verifyWith(jwks, at(NOW_SECONDS - 3600, null), { maxAgeSeconds: 3600 });
    await rejectsWithCode(verifyWith(jwks, at(NOW_SECONDS - 3601, null), { maxAgeSeconds: 3600 }), 'ERR_SIGNATURE_EXPIRED');
  });

  test('a long tolerance lets retried deliveries with old signatures through', async () => {
    // Upvest may retry for hours without re-signing (UNKNOWN); users can widen the window.
    await verifyWith(jwks, at(NOW_SECONDS - 86_400, NOW_SECONDS - 86_340), { toleranceSeconds: 86_400 });
  });
});
