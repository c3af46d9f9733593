// The vectors of http-signatures.md §11.6 and §11.7 through the package.
// Their bodies are not `{"payload":[…]}`, and the payload is checked only
// after the signature, so ERR_PAYLOAD_INVALID proves the signature passed;
// each has a tampered control that must fail earlier, with
// ERR_SIGNATURE_INVALID.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, keyPairFrom, makeEvent, payloadBody, signRequest } from './support/upvest-signer.mjs';
import {
  V15_SIGNATURE_DER,
  V15_SIGNATURE_RAW,
  VECTOR_JWKS,
  VECTOR_KID,
  VECTOR_NOW_MS,
  VECTOR_PRIVATE_KEY_PEM,
  v15Request,
  v6Request,
} from './support/shared-vectors.mjs';
import { rejectsWithCode, verifyWith } from './support/verify.mjs';

const atVectorTime = { now: () => VECTOR_NOW_MS };

describe('shared vector §11.6 (quoted v15 base)', () => {
  test('passes the signature check with the DER signature', async () => {
    await rejectsWithCode(verifyWith(VECTOR_JWKS, v15Request(V15_SIGNATURE_DER), atVectorTime), 'ERR_PAYLOAD_INVALID');
  });

  test('passes the signature check with the raw r‖s signature', async () => {
    await rejectsWithCode(verifyWith(VECTOR_JWKS, v15Request(V15_SIGNATURE_RAW), atVectorTime), 'ERR_PAYLOAD_INVALID');
  });

  test('passes without upvest-signature-version, by falling back to the quoted base', async () => {
    await rejectsWithCode(verifyWith(VECTOR_JWKS, v15Request(V15_SIGNATURE_DER, { versionHeader: false }), atVectorTime), 'ERR_PAYLOAD_INVALID');
  });

  test('rejects the vector with an altered covered header', async () => {
    const request = v15Request();
    request.headers['idempotency-key'] = '2133825797664cae';
    await rejectsWithCode(verifyWith(VECTOR_JWKS, request, atVectorTime), 'ERR_SIGNATURE_INVALID');
  });

  test('rejects the vector with an altered query', async () => {
    const request = { ...v15Request(V15_SIGNATURE_RAW), url: 'https://sandbox.upvest.co/users?limit=3' };
    await rejectsWithCode(verifyWith(VECTOR_JWKS, request, atVectorTime), 'ERR_SIGNATURE_INVALID');
  });

  test('rejects the vector as expired at the real current time', async () => {
    await rejectsWithCode(verifyWith(VECTOR_JWKS, v15Request(), { now: Date.now }), 'ERR_SIGNATURE_EXPIRED');
  });
});

describe('shared vector §11.7 (unquoted v6 base)', () => {
  test('passes the signature check', async () => {
    await rejectsWithCode(verifyWith(VECTOR_JWKS, v6Request(), atVectorTime), 'ERR_PAYLOAD_INVALID');
  });

  test('passes with an origin-form URL, as Node gives req.url', async () => {
    await rejectsWithCode(verifyWith(VECTOR_JWKS, v6Request({ url: '/webhooks/upvest' }), atVectorTime), 'ERR_PAYLOAD_INVALID');
  });

  test('rejects it when upvest-signature-version: 15 restricts verification to the quoted base', async () => {
    const request = v6Request({ headers: { 'upvest-signature-version': '15' } });
    await rejectsWithCode(verifyWith(VECTOR_JWKS, request, atVectorTime), 'ERR_SIGNATURE_INVALID');
  });

  test('rejects it delivered to another path', async () => {
    await rejectsWithCode(verifyWith(VECTOR_JWKS, v6Request({ url: 'https://tenant.example/webhooks/other' }), atVectorTime), 'ERR_SIGNATURE_INVALID');
  });

  test('rejects it with a signature made by another key under the same kid', async () => {
    const impostor = { keys: [{ ...keyPairFrom(VECTOR_PRIVATE_KEY_PEM, VECTOR_KID).publicJwk }] };
    // Positive control: the same JWK, derived from the PEM, still passes the signature check.
    await rejectsWithCode(verifyWith(impostor, v6Request(), atVectorTime), 'ERR_PAYLOAD_INVALID');
    const other = generateKeyPair({ kid: VECTOR_KID });
    await rejectsWithCode(verifyWith(other.jwks, v6Request(), atVectorTime), 'ERR_SIGNATURE_INVALID');
  });
});

describe('the §11.6 test key signing real deliveries', () => {
  const key = keyPairFrom(VECTOR_PRIVATE_KEY_PEM, VECTOR_KID);

  test('accepts a delivery signed v6 with the vector key and returns its events', async () => {
    const events = [makeEvent(), makeEvent({ type: 'ORDER.FILLED' })];
    const signed = signRequest({ key, body: payloadBody(events), created: 1_700_000_000, expires: 1_700_000_005 });
    const result = await verifyWith(VECTOR_JWKS, signed, atVectorTime);
    assert.deepEqual(result.events, events);
    assert.equal(result.keyId, VECTOR_KID);
    assert.equal(result.signatureVersion, 6);
  });
});
