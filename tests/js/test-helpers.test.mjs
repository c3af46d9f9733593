// generateTestKeyPair and signTestDelivery, checked twice: by the
// independent node:crypto oracle (so the package's signer is not judged by
// its own verifier alone) and by the verifier.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { NOW_MS, NOW_SECONDS, asDelivery, generateKeyPair, keyPairFrom, makeEvent, signRequest, verifyUpvestDelivery } from './support/upvest-signer.mjs';
import { WebhookVerifier, generateTestKeyPair, rejectsWithCode, signTestDelivery, throwsWithCode, verifierFor } from './support/verify.mjs';

const b64urlBytes = (text) => Buffer.from(text, 'base64url').length;
const coveredComponents = (delivery) => [.../\(([^)]*)\)/.exec(delivery.headers['signature-input'])[1].matchAll(/"([^"]*)"/g)].map((m) => m[1]);

describe('generateTestKeyPair', () => {
  test('returns a one-key P-521 JWKS and the matching private JWK', () => {
    const { jwks, privateJwk } = generateTestKeyPair();
    assert.equal(jwks.keys.length, 1);
    const [publicJwk] = jwks.keys;
    assert.equal(publicJwk.kty, 'EC');
    assert.equal(publicJwk.crv, 'P-521');
    assert.equal(typeof publicJwk.kid, 'string');
    assert.ok(publicJwk.kid.length > 0);
    assert.equal(b64urlBytes(publicJwk.x), 66);
    assert.equal(b64urlBytes(publicJwk.y), 66);
    assert.ok(!('d' in publicJwk), 'the JWKS must not contain the private key');
    for (const member of ['kid', 'kty', 'crv', 'x', 'y']) assert.equal(privateJwk[member], publicJwk[member], member);
    assert.equal(b64urlBytes(privateJwk.d), 66);
  });

  test('uses the given kid', () => {
    const { jwks, privateJwk } = generateTestKeyPair({ kid: 'my-test-key' });
    assert.equal(jwks.keys[0].kid, 'my-test-key');
    assert.equal(privateJwk.kid, 'my-test-key');
  });

  test('makes a new key and kid on every call', () => {
    const first = generateTestKeyPair();
    const second = generateTestKeyPair();
    assert.notEqual(first.privateJwk.d, second.privateJwk.d);
    assert.notEqual(first.privateJwk.kid, second.privateJwk.kid);
  });

  test('makes a key node:crypto can import, whose public half matches the JWKS', () => {
    const { jwks, privateJwk } = generateTestKeyPair();
    const { kid: _kid, ...material } = privateJwk;
    const privateKey = crypto.createPrivateKey({ key: material, format: 'jwk' });
    assert.equal(privateKey.asymmetricKeyDetails.namedCurve, 'secp521r1');
    const derived = crypto.createPublicKey(privateKey).export({ format: 'jwk' });
    assert.equal(derived.x, jwks.keys[0].x);
    assert.equal(derived.y, jwks.keys[0].y);
  });

  test('a key from generateTestKeyPair signs (with node:crypto) deliveries the verifier accepts', async () => {
    const { jwks, privateJwk } = generateTestKeyPair();
    const { kid, ...material } = privateJwk;
    const key = keyPairFrom(crypto.createPrivateKey({ key: material, format: 'jwk' }), kid);
    const result = await verifierFor(jwks).verify(asDelivery(signRequest({ key })));
    assert.equal(result.keyId, kid);
  });
});

describe('signTestDelivery', () => {
  const { jwks, privateJwk } = generateTestKeyPair({ kid: 'helper-key' });
  const events = [makeEvent(), makeEvent({ type: 'USER.ACTIVATED' })];
  const url = 'https://hooks.example.com/upvest/webhooks';

  test('returns a POST with lowercase headers and the events as {"payload":[…]}', () => {
    const delivery = signTestDelivery({ privateJwk, url, events, created: NOW_SECONDS });
    assert.equal(delivery.method, 'POST');
    assert.equal(delivery.url, url);
    assert.equal(typeof delivery.body, 'string');
    assert.deepEqual(JSON.parse(delivery.body), { payload: events });
    for (const name of Object.keys(delivery.headers)) assert.equal(name, name.toLowerCase());
    assert.equal(delivery.headers['content-type'], 'application/json');
    assert.equal(delivery.headers['content-length'], String(Buffer.byteLength(delivery.body)));
    assert.match(delivery.headers.digest, /^SHA-256=[A-Za-z0-9+/]{43}=$/);
    assert.ok(delivery.headers['signature-input']);
    assert.ok(delivery.headers.signature);
    assert.ok(!('upvest-signature-version' in delivery.headers), 'Upvest signs webhooks v6 without the version header');
  });

  test('covers @method @path content-type content-length digest, like Upvest', () => {
    const delivery = signTestDelivery({ privateJwk, url, events, created: NOW_SECONDS });
    assert.deepEqual(coveredComponents(delivery).sort(), ['@method', '@path', 'content-length', 'content-type', 'digest']);
  });

  test('also covers @query when the URL has a query', () => {
    const delivery = signTestDelivery({ privateJwk, url: `${url}?tenant=acme&x=%2F`, events, created: NOW_SECONDS });
    assert.deepEqual(coveredComponents(delivery).sort(), ['@method', '@path', '@query', 'content-length', 'content-type', 'digest']);
    const checked = verifyUpvestDelivery(delivery, jwks);
    assert.ok(checked.base.split('\n').includes('@query: ?tenant=acme&x=%2F'), checked.base);
  });

  test('produces a v6 base and DER signature that node:crypto verifies independently', () => {
    const delivery = signTestDelivery({ privateJwk, url, events, created: NOW_SECONDS });
    const checked = verifyUpvestDelivery(delivery, jwks, { form: 'v6', encoding: 'der' });
    assert.match(checked.base, /^@method: POST\n@path: \/upvest\/webhooks\n/);
    assert.match(checked.base, /\n@signature-params: \(/);
    const signature = Buffer.from(/=:([^:]+):/.exec(delivery.headers.signature)[1], 'base64');
    assert.equal(signature[0], 0x30, 'DER SEQUENCE');
    assert.throws(() => verifyUpvestDelivery(delivery, jwks, { form: 'v15' }), /ECDSA/);
    assert.throws(() => verifyUpvestDelivery({ ...delivery, body: delivery.body.replace('USER', 'USEX') }, jwks), /digest/);
  });

  test('produces a delivery the verifier accepts, reported as v6 DER', async () => {
    const delivery = signTestDelivery({ privateJwk, url, events, created: NOW_SECONDS, expires: NOW_SECONDS + 30 });
    const result = await verifierFor(jwks).verify(delivery);
    assert.deepEqual(result.events, events);
    assert.equal(result.keyId, 'helper-key');
    assert.equal(result.created, NOW_SECONDS);
    assert.equal(result.expires, NOW_SECONDS + 30);
    assert.equal(result.signatureVersion, 6);
    assert.equal(result.signatureEncoding, 'der');
  });

  test('produces a delivery the verifier rejects once altered', async () => {
    const delivery = signTestDelivery({ privateJwk, url, events, created: NOW_SECONDS });
    await rejectsWithCode(verifierFor(jwks).verify({ ...delivery, body: delivery.body.replace('USER', 'USEX') }), 'ERR_DIGEST_MISMATCH');
    await rejectsWithCode(verifierFor(jwks).verify({ ...delivery, url: `${url}/other` }), 'ERR_SIGNATURE_INVALID');
  });

  test('defaults created to now and expires to created + 60', () => {
    const before = Math.floor(Date.now() / 1000);
    const delivery = signTestDelivery({ privateJwk, url, events });
    const after = Math.floor(Date.now() / 1000);
    const created = Number(/;created=(\d+)/.exec(delivery.headers['signature-input'])[1]);
    const expires = Number(/;expires=(\d+)/.exec(delivery.headers['signature-input'])[1]);
    assert.ok(created >= before && created <= after, `created ${created} not in [${before}, ${after}]`);
    assert.equal(expires, created + 60);
  });

  test('verifies at the real current time with the default created', async () => {
    const delivery = signTestDelivery({ privateJwk, url, events });
    assert.equal((await new WebhookVerifier({ keys: jwks }).verify(delivery)).keyId, 'helper-key');
  });

  test('omits expires when expires is null', async () => {
    const delivery = signTestDelivery({ privateJwk, url, events, created: NOW_SECONDS, expires: null });
    assert.doesNotMatch(delivery.headers['signature-input'], /;expires=/);
    assert.equal((await verifierFor(jwks).verify(delivery)).expires, null);
  });

  test('puts keyId into the keyid parameter', async () => {
    const delivery = signTestDelivery({ privateJwk, keyId: 'other-kid', url, events, created: NOW_SECONDS });
    assert.match(delivery.headers['signature-input'], /;keyid="other-kid"/);
    await rejectsWithCode(verifierFor(jwks).verify(delivery), 'ERR_KEY_NOT_FOUND');
    const renamed = { keys: [{ ...jwks.keys[0], kid: 'other-kid' }] };
    assert.equal((await verifierFor(renamed).verify(delivery)).keyId, 'other-kid');
  });

  test('signs a raw body byte for byte', async () => {
    const body = `{"payload": [ ${JSON.stringify(makeEvent())} ]}`;
    const delivery = signTestDelivery({ privateJwk, url, body, created: NOW_SECONDS });
    assert.equal(delivery.body, body);
    verifyUpvestDelivery(delivery, jwks);
    assert.equal((await verifierFor(jwks).verify(delivery)).events.length, 1);
  });

  test('output can be sent as a WHATWG Request to verifyRequest', async () => {
    const delivery = signTestDelivery({ privateJwk, url, events, created: NOW_SECONDS });
    const request = new Request(delivery.url, { method: delivery.method, headers: delivery.headers, body: delivery.body });
    assert.deepEqual((await verifierFor(jwks).verifyRequest(request)).events, events);
  });

  test('throws ERR_PRIVATE_KEY_INVALID for a JWK without d', () => {
    const { d: _d, ...publicOnly } = privateJwk;
    throwsWithCode(() => signTestDelivery({ privateJwk: publicOnly, url, events }), 'ERR_PRIVATE_KEY_INVALID');
  });

  test('throws ERR_PRIVATE_KEY_INVALID for a P-256 key', () => {
    const p256 = generateKeyPair({ namedCurve: 'P-256' });
    throwsWithCode(() => signTestDelivery({ privateJwk: p256.privateJwk, url, events }), 'ERR_PRIVATE_KEY_INVALID');
  });

  test('throws ERR_PRIVATE_KEY_INVALID for a d that does not match x and y, without echoing d', () => {
    const other = generateTestKeyPair().privateJwk;
    const err = throwsWithCode(() => signTestDelivery({ privateJwk: { ...privateJwk, d: other.d }, url, events }), 'ERR_PRIVATE_KEY_INVALID');
    assert.ok(!err.message.includes(other.d.slice(0, 16)));
  });

  test('throws ERR_INVALID_ARGUMENT without a url', () => {
    throwsWithCode(() => signTestDelivery({ privateJwk, events }), 'ERR_INVALID_ARGUMENT');
  });

  test('a fixed created of NOW verifies with the fixed test clock', async () => {
    const delivery = signTestDelivery({ privateJwk, url, events, created: NOW_SECONDS });
    assert.equal((await verifierFor(jwks, { now: () => NOW_MS }).verify(delivery)).created, NOW_SECONDS);
  });
});
