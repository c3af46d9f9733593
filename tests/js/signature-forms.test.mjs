// Which signatures verify: both base forms, both encodings, the
// upvest-signature-version header, parameters in any order, several
// signatures in one request, and the `label` option.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NOW_SECONDS, asDelivery, generateKeyPair, jwksOf, makeEvent, payloadBody, signRequest, token, withSignatures } from './support/upvest-signer.mjs';
import { rejectsWithCode, verifyWith } from './support/verify.mjs';

const key = generateKeyPair();
const otherKey = generateKeyPair();
const stranger = generateKeyPair(); // never in any JWKS
const jwks = jwksOf(key, otherKey);

describe('base forms and signature encodings', () => {
  const cases = [
    { form: 'v6', encoding: 'der', signatureVersion: 6 },
    { form: 'v6', encoding: 'raw', signatureVersion: 6 },
    { form: 'v15', encoding: 'der', signatureVersion: 15 },
    { form: 'v15', encoding: 'raw', signatureVersion: 15 },
  ];
  for (const { form, encoding, signatureVersion } of cases) {
    test(`accepts a ${form} base with a ${encoding} signature and reports it`, async () => {
      const events = [makeEvent(), makeEvent({ type: 'USER.CREATED' })];
      const signed = signRequest({ key, form, encoding, body: payloadBody(events), created: NOW_SECONDS - 10, expires: NOW_SECONDS + 50 });
      const result = await verifyWith(jwks, asDelivery(signed));
      assert.deepEqual(result, {
        events,
        keyId: key.kid,
        label: 'sig1',
        created: NOW_SECONDS - 10,
        expires: NOW_SECONDS + 50,
        signatureVersion,
        signatureEncoding: encoding,
      });
    });
  }

  test('reports expires as null when the signature has none', async () => {
    const signed = signRequest({ key, expires: null, created: NOW_SECONDS - 5 });
    const result = await verifyWith(jwks, asDelivery(signed));
    assert.equal(result.expires, null);
    assert.equal(result.created, NOW_SECONDS - 5);
  });

  test('rejects a signature over a base with a trailing newline', async () => {
    const signed = signRequest({ key, transformBase: (base) => `${base}\n` });
    await rejectsWithCode(verifyWith(jwks, asDelivery(signed)), 'ERR_SIGNATURE_INVALID');
  });

  test('rejects a signature over a hybrid base (v6 lines, quoted @signature-params line)', async () => {
    const hybrid = (base) => base.replace(/\n@signature-params: /, '\n"@signature-params": ');
    const signed = signRequest({ key, transformBase: hybrid });
    assert.match(signed.base, /\n"@signature-params": \(/);
    await rejectsWithCode(verifyWith(jwks, asDelivery(signed)), 'ERR_SIGNATURE_INVALID');
  });
});

describe('upvest-signature-version header', () => {
  test('with value 15, accepts a quoted (v15) base', async () => {
    const result = await verifyWith(jwks, asDelivery(signRequest({ key, form: 'v15', versionHeader: 15 })));
    assert.equal(result.signatureVersion, 15);
  });

  test('with value 15, rejects an unquoted (v6) base', async () => {
    await rejectsWithCode(verifyWith(jwks, asDelivery(signRequest({ key, form: 'v6', versionHeader: 15 }))), 'ERR_SIGNATURE_INVALID');
  });

  test('with value 15 in any header-name case, still selects the quoted base only', async () => {
    const signed = signRequest({ key, form: 'v6' });
    const headers = { ...signed.headers, 'Upvest-Signature-Version': '15' };
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(signed), headers }), 'ERR_SIGNATURE_INVALID');
  });

  test('without it, tries v6 first and then the quoted base', async () => {
    assert.equal((await verifyWith(jwks, asDelivery(signRequest({ key, form: 'v6' })))).signatureVersion, 6);
    assert.equal((await verifyWith(jwks, asDelivery(signRequest({ key, form: 'v15' })))).signatureVersion, 15);
  });

  test('with another value, behaves as if absent', async () => {
    assert.equal((await verifyWith(jwks, asDelivery(signRequest({ key, form: 'v6', versionHeader: 6 })))).signatureVersion, 6);
    assert.equal((await verifyWith(jwks, asDelivery(signRequest({ key, form: 'v15', versionHeader: 6 })))).signatureVersion, 15);
  });
});

describe('signature parameters', () => {
  const orders = [
    ['keyid', 'created', 'expires', 'nonce'], // docs, httpsignature-proxy (v15 order differs), Java
    ['keyid', 'nonce', 'created', 'expires'], // Python
    ['alg', 'keyid', 'created', 'expires', 'nonce'], // JavaScript example signer
    ['nonce', 'expires', 'created', 'keyid'],
  ];
  for (const order of orders) {
    test(`accepts parameters in the order ${order.join(';')}`, async () => {
      const values = { keyid: key.kid, created: NOW_SECONDS, expires: NOW_SECONDS + 30, nonce: '1234567890', alg: 'ecdsa-p521-sha512' };
      const signed = signRequest({ key, params: order.map((name) => [name, values[name]]) });
      const result = await verifyWith(jwks, asDelivery(signed));
      assert.equal(result.keyId, key.kid);
      assert.equal(result.expires, NOW_SECONDS + 30);
    });
  }

  test('accepts alg="ES512" (the JWS name for ECDSA P-521/SHA-512)', async () => {
    const signed = signRequest({
      key,
      params: [
        ['keyid', key.kid],
        ['alg', 'ES512'],
        ['created', NOW_SECONDS],
      ],
    });
    assert.equal((await verifyWith(jwks, asDelivery(signed))).keyId, key.kid);
  });

  test('keeps unknown parameters (string, integer, token, flag) in the signed @signature-params', async () => {
    const params = [
      ['keyid', key.kid],
      ['tag', 'upvest'],
      ['created', NOW_SECONDS],
      ['n', 42],
      ['t', token('tok')],
      ['flag', true],
      ['expires', NOW_SECONDS + 5],
    ];
    const signed = signRequest({ key, params });
    assert.equal((await verifyWith(jwks, asDelivery(signed))).label, 'sig1');
    // Control: drop the unknown ones from the header but not from the signed base.
    const stripped = { ...signed.headers, 'signature-input': signed.input.replace(';tag="upvest"', '') };
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(signed), headers: stripped }), 'ERR_SIGNATURE_INVALID');
  });

  test('uses the Signature-Input member text exactly as received (extra spaces in the inner list kept)', async () => {
    const signed = signRequest({ key, innerListSeparator: '  ' });
    assert.match(signed.input, /"@method" {2}"@path"/);
    assert.equal((await verifyWith(jwks, asDelivery(signed))).label, 'sig1');
  });
});

describe('several signatures and the label option', () => {
  const events = [makeEvent()];
  const body = payloadBody(events);
  const sigA = signRequest({ key, body, label: 'sig1' });
  const sigB = signRequest({ key: otherKey, body, label: 'upvest' });
  const bogus = signRequest({ key: stranger, body, label: 'sig1' });

  test('accepts a request with two valid members and names the one that verified', async () => {
    const result = await verifyWith(jwks, withSignatures([sigA, sigB]));
    assert.ok(['sig1', 'upvest'].includes(result.label));
    assert.equal(result.keyId, result.label === 'sig1' ? key.kid : otherKey.kid);
  });

  test('with label, uses only that member', async () => {
    const request = withSignatures([sigA, sigB]);
    const second = await verifyWith(jwks, request, { label: 'upvest' });
    assert.equal(second.label, 'upvest');
    assert.equal(second.keyId, otherKey.kid);
    const first = await verifyWith(jwks, request, { label: 'sig1' });
    assert.equal(first.label, 'sig1');
    assert.equal(first.keyId, key.kid);
  });

  test('without label, accepts any member that verifies even if another does not', async () => {
    const result = await verifyWith(jwks, withSignatures([bogus, sigB]));
    assert.equal(result.label, 'upvest');
    assert.equal(result.keyId, otherKey.kid);
  });

  test('with label, does not fall back to another member', async () => {
    await rejectsWithCode(verifyWith(jwks, withSignatures([bogus, sigB]), { label: 'sig1' }), 'ERR_KEY_NOT_FOUND');
  });

  test('with label naming no member, rejects with ERR_SIGNATURE_LABEL_NOT_FOUND', async () => {
    await rejectsWithCode(verifyWith(jwks, withSignatures([sigA, sigB]), { label: 'sig2' }), 'ERR_SIGNATURE_LABEL_NOT_FOUND');
  });

  test('rejects with ERR_SIGNATURE_INVALID when no member verifies', async () => {
    const forgedA = signRequest({ key: stranger, keyid: key.kid, body, label: 'sig1' });
    const forgedB = signRequest({ key: stranger, keyid: otherKey.kid, body, label: 'upvest' });
    await rejectsWithCode(verifyWith(jwks, withSignatures([forgedA, forgedB])), 'ERR_SIGNATURE_INVALID');
  });

  test('accepts members in separate header fields of a repeated Signature-Input/Signature', async () => {
    const base = asDelivery(sigA);
    const pairs = Object.entries(base.headers).filter(([n]) => n !== 'signature-input' && n !== 'signature');
    pairs.push(['Signature-Input', sigB.input], ['signature-input', sigA.input], ['Signature', sigB.signature], ['signature', sigA.signature]);
    const result = await verifyWith(jwks, { ...base, headers: pairs }, { label: 'sig1' });
    assert.equal(result.keyId, key.kid);
  });
});
