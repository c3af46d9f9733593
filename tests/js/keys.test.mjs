// Key sets given in code: a static JWKS and an async function, key
// selection by kid, rotation, unusable keys and malformed key sets.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { asDelivery, generateKeyPair, jwksOf, signRequest } from './support/upvest-signer.mjs';
import { DOCS_EXAMPLE_JWKS } from './support/shared-vectors.mjs';
import { manualClock, rejectsWithCode, verifierFor, verifyWith } from './support/verify.mjs';

const keyA = generateKeyPair();
const keyB = generateKeyPair();
const keyC = generateKeyPair();
const signedBy = (key, created) => asDelivery(signRequest({ key, ...(created === undefined ? {} : { created }) }));

describe('static JWKS', () => {
  test('selects the key whose kid is the keyid', async () => {
    const jwks = jwksOf(keyA, keyB, keyC);
    const verifier = verifierFor(jwks);
    for (const key of [keyC, keyA, keyB]) assert.equal((await verifier.verify(signedBy(key))).keyId, key.kid);
  });

  test('accepts JWKs carrying optional alg and use members', async () => {
    const jwks = { keys: [{ ...keyA.publicJwk, alg: 'ES512', use: 'sig' }] };
    assert.equal((await verifyWith(jwks, signedBy(keyA))).keyId, keyA.kid);
  });

  test('accepts the documented example JWKS of GET /auth/verify_keys (unknown kid is the only failure)', async () => {
    await rejectsWithCode(verifyWith(DOCS_EXAMPLE_JWKS, signedBy(keyA)), 'ERR_KEY_NOT_FOUND');
  });

  test('rejects a kid that is not in the set, even when another key would verify', async () => {
    const signed = asDelivery(signRequest({ key: keyA, keyid: 'rotated-away' }));
    await rejectsWithCode(verifyWith(keyA.jwks, signed), 'ERR_KEY_NOT_FOUND');
  });

  test('compares kid exactly (case-sensitive)', async () => {
    const signed = asDelivery(signRequest({ key: keyA, keyid: keyA.kid.toUpperCase() }));
    await rejectsWithCode(verifyWith(keyA.jwks, signed), 'ERR_KEY_NOT_FOUND');
  });

  test('an empty key set finds no key', async () => {
    await rejectsWithCode(verifyWith({ keys: [] }, signedBy(keyA)), 'ERR_KEY_NOT_FOUND');
  });

  test('rejects a malformed static JWKS with ERR_JWKS_INVALID', async () => {
    for (const jwks of [{ keys: 'nope' }, { keys: [42] }, { notKeys: [] }]) {
      await rejectsWithCode(verifyWith(jwks, signedBy(keyA)), 'ERR_JWKS_INVALID');
    }
  });
});

describe('unusable keys', () => {
  const p256 = generateKeyPair({ namedCurve: 'P-256' });
  const cases = {
    'a P-256 key': { ...p256.publicJwk, kid: keyA.kid },
    'a P-521 JWK with P-256 coordinates': { ...p256.publicJwk, kid: keyA.kid, crv: 'P-521' },
    'a point that is not on the curve': { ...keyA.publicJwk, y: keyB.publicJwk.y },
    'coordinates of the wrong length': { ...keyA.publicJwk, x: keyA.publicJwk.x.slice(2) },
    'coordinates that are not base64url': { ...keyA.publicJwk, x: `${keyA.publicJwk.x.slice(1)}*` },
    'a key type other than EC': { kid: keyA.kid, kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
    'a private key (d present)': { ...keyA.privateJwk },
  };
  for (const [description, jwk] of Object.entries(cases)) {
    test(`rejects ${description} with ERR_KEY_INVALID`, async () => {
      await rejectsWithCode(verifyWith({ keys: [jwk] }, signedBy(keyA)), 'ERR_KEY_INVALID');
    });
  }

  test('a wrong-curve key does not stop other keys in the set from working', async () => {
    const jwks = { keys: [{ ...p256.publicJwk }, keyB.publicJwk] };
    const verifier = verifierFor(jwks);
    assert.equal((await verifier.verify(signedBy(keyB))).keyId, keyB.kid);
    await rejectsWithCode(verifier.verify(asDelivery(signRequest({ key: keyA, keyid: p256.kid }))), 'ERR_KEY_INVALID');
  });

  test('never puts key material into the message', async () => {
    const err = await rejectsWithCode(verifyWith({ keys: [keyA.privateJwk] }, signedBy(keyA)), 'ERR_KEY_INVALID');
    for (const secret of [keyA.privateJwk.d, keyA.privateJwk.x, keyA.privateJwk.y]) {
      assert.ok(!err.message.includes(secret), 'message leaks key material');
      assert.ok(!err.message.includes(secret.slice(0, 16)), 'message leaks part of the key material');
    }
  });
});

describe('keys from an async function', () => {
  test('calls the function on first use, not in the constructor, and caches the result', async () => {
    let calls = 0;
    const verifier = verifierFor(async () => {
      calls += 1;
      return keyA.jwks;
    });
    assert.equal(calls, 0);
    for (let i = 0; i < 10; i += 1) await verifier.verify(signedBy(keyA));
    assert.equal(calls, 1);
  });

  test('shares one call among 25 concurrent verifications with a cold cache', async () => {
    let calls = 0;
    const verifier = verifierFor(async () => {
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
      return jwksOf(keyA, keyB);
    });
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => verifier.verify(signedBy(i % 2 ? keyA : keyB))));
    assert.equal(results.length, 25);
    assert.equal(calls, 1);
  });

  test('picks up a rotated key set on an unknown kid, once the cooldown has passed', async () => {
    const clock = manualClock();
    let current = keyA.jwks;
    let calls = 0;
    const verifier = verifierFor(
      async () => {
        calls += 1;
        return current;
      },
      { now: clock.now },
    );
    await verifier.verify(signedBy(keyA, clock.seconds()));
    assert.equal(calls, 1);

    current = keyB.jwks; // rotation: A retired, B introduced
    clock.advance(1_000);
    await rejectsWithCode(verifier.verify(signedBy(keyB, clock.seconds())), 'ERR_KEY_NOT_FOUND');
    assert.equal(calls, 1, 'must not refetch within keysCooldownMs (30 s)');
    await verifier.verify(signedBy(keyA, clock.seconds())); // the cached set still has A

    clock.advance(30_000);
    assert.equal((await verifier.verify(signedBy(keyB, clock.seconds()))).keyId, keyB.kid);
    assert.equal(calls, 2);
    clock.advance(31_000);
    await rejectsWithCode(verifier.verify(signedBy(keyA, clock.seconds())), 'ERR_KEY_NOT_FOUND');
    assert.equal(calls, 3, 'an unknown kid refetches once after the cooldown');
  });

  test('with keysCooldownMs 0, refetches on every unknown kid, once per verification', async () => {
    let calls = 0;
    const verifier = verifierFor(
      async () => {
        calls += 1;
        return keyA.jwks;
      },
      { keysCooldownMs: 0 },
    );
    await verifier.verify(signedBy(keyA));
    await rejectsWithCode(verifier.verify(signedBy(keyB)), 'ERR_KEY_NOT_FOUND');
    assert.equal(calls, 2);
    await rejectsWithCode(verifier.verify(signedBy(keyB)), 'ERR_KEY_NOT_FOUND');
    assert.equal(calls, 3);
  });

  test('refreshes keys older than keysMaxAgeMs', async () => {
    const clock = manualClock();
    let calls = 0;
    const verifier = verifierFor(
      async () => {
        calls += 1;
        return keyA.jwks;
      },
      { now: clock.now, keysMaxAgeMs: 120_000 },
    );
    await verifier.verify(signedBy(keyA, clock.seconds()));
    clock.advance(119_000);
    await verifier.verify(signedBy(keyA, clock.seconds()));
    assert.equal(calls, 1);
    clock.advance(2_000);
    await verifier.verify(signedBy(keyA, clock.seconds()));
    assert.equal(calls, 2);
  });

  test('rejects a function result that is not a JWKS with ERR_JWKS_INVALID', async () => {
    await rejectsWithCode(
      verifyWith(async () => ({ keys: 'nope' }), signedBy(keyA)),
      'ERR_JWKS_INVALID',
    );
    await rejectsWithCode(
      verifyWith(async () => 42, signedBy(keyA)),
      'ERR_JWKS_INVALID',
    );
  });

  test('rejects with ERR_JWKS_FETCH_FAILED, with the cause, when the function throws', async () => {
    const boom = new Error('key service unavailable');
    const err = await rejectsWithCode(
      verifyWith(async () => {
        throw boom;
      }, signedBy(keyA)),
      'ERR_JWKS_FETCH_FAILED',
    );
    assert.ok(err.cause !== undefined, 'cause must be set');
    assert.ok(err.cause === boom || String(err.cause?.message ?? err.cause).includes('key service unavailable'), `unexpected cause ${err.cause}`);
  });

  test('keeps the last good keys when a refresh fails', async () => {
    const clock = manualClock();
    let fail = false;
    let calls = 0;
    const verifier = verifierFor(
      async () => {
        calls += 1;
        if (fail) throw new Error('down');
        return keyA.jwks;
      },
      { now: clock.now },
    );
    await verifier.verify(signedBy(keyA, clock.seconds()));
    fail = true;
    clock.advance(601_000); // past keysMaxAgeMs (600 s)
    assert.equal((await verifier.verify(signedBy(keyA, clock.seconds()))).keyId, keyA.kid);
    assert.equal(calls, 2, 'the stale set must have been refreshed (and failed)');
    for (let i = 0; i < 3; i += 1) await verifier.verify(signedBy(keyA, clock.seconds()));
    assert.equal(calls, 2, 'a failed refresh must not be retried on every verification within the cooldown');
  });

  test('times out a function that never settles after keysTimeoutMs', async () => {
    const started = Date.now();
    await rejectsWithCode(
      verifyWith(() => new Promise(() => {}), signedBy(keyA), { keysTimeoutMs: 200 }),
      'ERR_JWKS_FETCH_FAILED',
    );
    assert.ok(Date.now() - started < 4_000, `took ${Date.now() - started} ms`);
  });
});
