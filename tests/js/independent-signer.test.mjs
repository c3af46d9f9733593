// The independent signer is the yardstick for every other test, so it is
// checked first against the published values in http-signatures.md §11,
// without the package.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  buildSignatureBase,
  componentValue,
  contentDigestValue,
  digestValue,
  generateKeyPair,
  keyPairFrom,
  serializeSignatureParams,
  signRequest,
  token,
  verifyUpvestDelivery,
} from './support/upvest-signer.mjs';
import {
  V15_BASE,
  V15_SIGNATURE_DER,
  V15_SIGNATURE_RAW,
  V6_BASE,
  V6_SIGNATURE_DER,
  VECTOR_JWKS,
  VECTOR_KID,
  VECTOR_PRIVATE_KEY_PEM,
  v15Request,
  v6Request,
} from './support/shared-vectors.mjs';

describe('independent signer (node:crypto only)', () => {
  test('computes the §11.1 digest values', () => {
    assert.equal(
      contentDigestValue('{"hello": "world"}'),
      'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
    );
    assert.equal(contentDigestValue('{"key": "value"}'), 'sha-512=:Hd9/AvGZkbjitW1+Ml8Fg1ux1mtcDYe6mLQjDyoowIWa3LM/PmwN2v9O+MjtQGrCA3EQWUL54dlgxKHyYbrucw==:');
    assert.equal(contentDigestValue('This is the body'), 'sha-512=:sx/EF1gU7hrBQ+uguUa0Jb7AQxSwESfXU5taHDbw27+uZ/gbcXrZQphKzjGwwyXodw0k8G87zV6T328FGkVsng==:');
    assert.equal(digestValue('{"key": "value"}'), 'SHA-256=lyTB4g5uPk1/V+0l+dTvsAblCFkNUoyQ2ll/andcE+U=');
    assert.match(digestValue('x', 'sha-512'), /^SHA-512=[A-Za-z0-9+/]{86}==$/);
  });

  test('rebuilds the §11.6 v15 base byte for byte from the request', () => {
    const request = v15Request();
    const input = request.headers['signature-input'].slice('sig1='.length);
    const components = [...input.matchAll(/"([^"]*)"/g)].map((m) => m[1]).slice(0, 12);
    const lines = components.map((name) => [name, componentValue(name, request)]);
    assert.equal(buildSignatureBase('v15', lines, input), V15_BASE);
  });

  test('rebuilds the §11.7 v6 base byte for byte from the request', () => {
    const request = v6Request();
    const input = request.headers['signature-input'].slice('sig1='.length);
    const components = ['@method', '@path', 'content-length', 'content-type', 'digest'];
    const lines = components.map((name) => [name, componentValue(name, request)]);
    assert.equal(buildSignatureBase('v6', lines, input), V6_BASE);
  });

  test('verifies the shared vectors with node:crypto (DER and raw), and rejects an altered base', () => {
    const publicKey = crypto.createPublicKey(VECTOR_PRIVATE_KEY_PEM);
    const check = (base, sig, dsaEncoding) => crypto.verify('sha512', Buffer.from(base), { key: publicKey, dsaEncoding }, Buffer.from(sig, 'base64'));
    assert.equal(check(V15_BASE, V15_SIGNATURE_DER, 'der'), true);
    assert.equal(check(V15_BASE, V15_SIGNATURE_RAW, 'ieee-p1363'), true);
    assert.equal(check(V6_BASE, V6_SIGNATURE_DER, 'der'), true);
    assert.equal(check(V6_BASE.replace('/webhooks/upvest', '/webhooks/other'), V6_SIGNATURE_DER, 'der'), false);
    assert.equal(Buffer.from(V15_SIGNATURE_RAW, 'base64').length, 132);
  });

  test('derives the §11.6 public JWK from the §11.6 private key', () => {
    const pair = keyPairFrom(VECTOR_PRIVATE_KEY_PEM, VECTOR_KID);
    assert.deepEqual(pair.publicJwk, VECTOR_JWKS.keys[0]);
  });

  test('the oracle accepts the §11.7 delivery and rejects it altered', () => {
    assert.equal(verifyUpvestDelivery(v6Request(), VECTOR_JWKS).label, 'sig1');
    assert.throws(() => verifyUpvestDelivery({ ...v6Request(), body: '{"key": "other"}' }, VECTOR_JWKS), /digest/);
    assert.throws(() => verifyUpvestDelivery(v6Request({ url: '/webhooks/elsewhere' }), VECTOR_JWKS), /ECDSA/);
  });

  test('serialises parameters in the given order with strings, integers, tokens and flags', () => {
    const text = serializeSignatureParams(
      ['@method', 'digest'],
      [
        ['nonce', 'n"1'],
        ['created', 5],
        ['tag', token('t1')],
        ['flag', true],
        ['keyid', 'k'],
      ],
    );
    assert.equal(text, '("@method" "digest");nonce="n\\"1";created=5;tag=t1;flag;keyid="k"');
  });

  test('signs v6 and v15, DER and raw, verifiable by the oracle', () => {
    const key = generateKeyPair();
    for (const form of ['v6', 'v15']) {
      for (const encoding of ['der', 'raw']) {
        const signed = signRequest({ key, form, encoding });
        assert.ok(
          signed.base
            .split('\n')
            .at(-1)
            .startsWith(form === 'v6' ? '@signature-params: (' : '"@signature-params": ('),
        );
        verifyUpvestDelivery(signed, key.jwks, { form, encoding });
        assert.throws(() => verifyUpvestDelivery(signed, key.jwks, { form: form === 'v6' ? 'v15' : 'v6', encoding }), /ECDSA/);
      }
    }
  });

  test('covers @query only when the URL has one, and the digest only with a body', () => {
    const key = generateKeyPair();
    assert.match(signRequest({ key }).input, /^sig1=\("@method" "@path" "content-type" "content-length" "digest"\);keyid="/);
    assert.match(signRequest({ key, url: 'https://h.example/p?a=1' }).input, /^sig1=\("@method" "@path" "@query" "content-type"/);
    const empty = signRequest({ key, body: '' });
    assert.match(empty.input, /^sig1=\("@method" "@path"\);/);
    assert.equal(empty.headers.digest, undefined);
  });
});
