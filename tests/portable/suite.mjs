// The package's portable suite: the same file runs on Node 20/22/24/26,
// Deno 2 and Bun 1 (tests/portable/run.mjs starts each one), against the
// packed tarball installed in target/portable/ and imported by name.
//
// - verification of deliveries signed by an independent WebCrypto signer
//   (./signer.mjs), through both entries;
// - every verification error code, each beside a passing control;
// - remote keys against the local JWKS server that run.mjs provides
//   (PORTABLE_SERVER: per-test key sets, statuses, hangs, hit counts);
// - UpvestClient against this runtime's own emulator (UPVEST_EMULATOR_URL),
//   including a delivery the emulator signs and sends, verified here.

import assert from 'node:assert/strict';
import process from 'node:process';
import * as main from 'upvest-webhooks';
import * as verifierEntry from 'upvest-webhooks/verifier';
import { run, test } from './harness.mjs';
// The package ships the emulator's admin client; exports name only ./emulator, so it is imported by path.
import { adminJson } from './node_modules/upvest-webhooks/emulator/admin-client.mjs';
import { NOW_MS, NOW_SECONDS, base64, fromBase64, generateKeyPair, jwksOf, makeEvent, payloadBody, signRequest, withHeaders } from './signer.mjs';

const { WebhookVerifier, WebhookVerificationError, UpvestClient, UpvestApiError, UpvestValidationError, UpvestError, ERROR_CODES } = main;
const SERVER = process.env.PORTABLE_SERVER; // run.mjs's JWKS + sink server
const EMULATOR = process.env.UPVEST_EMULATOR_URL;
const ENTRIES = [
  ['upvest-webhooks', main],
  ['upvest-webhooks/verifier', verifierEntry],
];

/** Codes this run has seen rejected (the last test checks that every verification code was). */
const seen = new Set();
const asDelivery = ({ method, url, headers, body }) => ({ method, url, headers, body });

async function rejectsWithCode(promiseOrFn, code, ErrorClass = WebhookVerificationError) {
  let caught;
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught, `expected ${code}, but it succeeded`);
  assert.ok(caught instanceof ErrorClass, `expected ${ErrorClass.name} ${code}, got ${caught?.name} ${caught?.code}: ${caught?.message}`);
  assert.equal(caught.code, code, `wrong code; message: ${caught.message}`);
  seen.add(code);
  return caught;
}

const verifierFor = (keys, options = {}, Entry = main) => new Entry.WebhookVerifier({ keys, now: () => NOW_MS, ...options });
const verifyWith = async (keys, delivery, options, Entry) => verifierFor(keys, options, Entry).verify(asDelivery(delivery));

// Counts node:crypto createHash calls (wrapped before any large body is
// verified: the package looks createHash up once, on first use). Every
// runtime of the matrix lets the builtin's export be replaced; the large-body
// test fails where it could not be.
const nodeHashes = { calls: 0, counting: false };
try {
  const nodeCrypto = process.getBuiltinModule('node:crypto');
  const original = nodeCrypto.createHash;
  nodeCrypto.createHash = (...args) => {
    nodeHashes.calls += 1;
    return original.apply(nodeCrypto, args);
  };
  nodeHashes.counting = nodeCrypto.createHash !== original;
} catch {
  // reported by the large-body test
}

const key = await generateKeyPair('upvest-key-1');
const other = await generateKeyPair('upvest-key-1'); // same kid, another key
const events = [makeEvent(), makeEvent({ type: 'ORDER.FILLED', object: { id: 'o-1', quantity: '2' } })];
const body = payloadBody(events);
const good = await signRequest({ key, body });

// ---------------------------------------------------------------------------
// The package

test('both entries load by name and share one set of error classes', () => {
  for (const [name, entry] of ENTRIES) {
    for (const exported of ['WebhookVerifier', 'WebhookVerificationError', 'UpvestError', 'inspectDelivery', 'on', 'isEventType', 'ERROR_CODES']) {
      assert.ok(exported in entry, `${name} exports ${exported}`);
    }
  }
  assert.equal(typeof UpvestClient, 'function');
  assert.ok(!('UpvestClient' in verifierEntry), 'the verifier entry has no client');
  assert.equal(verifierEntry.WebhookVerificationError, WebhookVerificationError, 'instanceof works across entries');
  assert.deepEqual([...verifierEntry.ERROR_CODES], [...ERROR_CODES]);
});

if (typeof globalThis.Deno !== 'undefined') {
  test('Deno: `npm:upvest-webhooks` (and /verifier) resolve to the package npm installed in node_modules', async () => {
    const viaNpm = await import('npm:upvest-webhooks');
    const viaNpmVerifier = await import('npm:upvest-webhooks/verifier');
    assert.equal(viaNpm.WebhookVerifier, WebhookVerifier, 'the same module instance as the bare specifier');
    assert.equal(viaNpmVerifier.WebhookVerifier, verifierEntry.WebhookVerifier);
    assert.match(import.meta.resolve('npm:upvest-webhooks'), /\/node_modules\/upvest-webhooks\/dist\/node\.js$/);
    assert.deepEqual((await new viaNpmVerifier.WebhookVerifier({ keys: key.jwks, now: () => NOW_MS }).verify(asDelivery(good))).events, events);
  });
}

// ---------------------------------------------------------------------------
// Verification

for (const [name, entry] of ENTRIES) {
  test(`${name}: a v6 DER delivery (as Upvest signs) verifies, with every result field`, async () => {
    const result = await verifyWith(key.jwks, good, {}, entry);
    assert.deepEqual(result.events, events);
    assert.equal(result.keyId, key.kid);
    assert.equal(result.label, 'sig1');
    assert.equal(result.created, NOW_SECONDS);
    assert.equal(result.expires, NOW_SECONDS + 60);
    assert.equal(result.signatureVersion, 6);
    assert.equal(result.signatureEncoding, 'der');
  });

  test(`${name}: raw r‖s, the quoted v15 base with content-digest, and webCrypto: false`, async () => {
    const raw = await signRequest({ key, body, encoding: 'raw' });
    assert.equal((await verifyWith(key.jwks, raw, {}, entry)).signatureEncoding, 'raw');
    const v15 = await signRequest({ key, body, form: 'v15', digest: 'content-sha-512' });
    assert.equal((await verifyWith(key.jwks, v15, {}, entry)).signatureVersion, 15);
    for (const delivery of [good, raw, v15]) {
      const result = await verifyWith(key.jwks, delivery, { webCrypto: false }, entry);
      assert.deepEqual(result.events, events);
    }
    await rejectsWithCode(verifyWith(key.jwks, withHeaders(v15, { 'content-digest': undefined }), { webCrypto: false }, entry), 'ERR_COMPONENT_MISSING');
  });

  test(`${name}: verifyRequest() reads a fetch Request of this runtime`, async () => {
    const v = verifierFor(key.jwks, {}, entry);
    const request = new Request(good.url, { method: good.method, headers: good.headers, body: good.body });
    // Node, Deno and Bun keep content-length on a constructed Request (browsers drop it), so Upvest's covered content-length is there.
    assert.equal(request.headers.get('content-length'), good.headers['content-length']);
    assert.deepEqual((await v.verifyRequest(request)).events, events);
    const noLength = await signRequest({ key, body, components: ['@method', '@path', '@query', 'content-type', 'digest'] });
    const request2 = new Request(noLength.url, { method: 'POST', headers: withHeaders(noLength, { 'content-length': undefined }).headers, body });
    assert.deepEqual((await v.verifyRequest(request2)).events, events);
    const used = new Request(noLength.url, { method: 'POST', headers: noLength.headers, body });
    await used.text();
    await rejectsWithCode(v.verifyRequest(used), 'ERR_BODY_NOT_RAW');
  });

  test(`${name}: header containers and body types (Headers, Map, pairs; Uint8Array, ArrayBuffer)`, async () => {
    const v = verifierFor(key.jwks, {}, entry);
    const bytes = new TextEncoder().encode(body);
    for (const headers of [new Headers(good.headers), new Map(Object.entries(good.headers)), Object.entries(good.headers)]) {
      assert.deepEqual((await v.verify({ ...asDelivery(good), headers })).events, events);
    }
    assert.deepEqual((await v.verify({ ...asDelivery(good), body: bytes })).events, events);
    assert.deepEqual((await v.verify({ ...asDelivery(good), body: bytes.buffer })).events, events);
    assert.deepEqual((await v.verify({ ...asDelivery(good), url: new URL(good.url).pathname + new URL(good.url).search })).events, events);
  });

  // From nativeDigestMinBytes (4 KiB in the Node entries, which Deno and Bun
  // resolve too) the runtime's SHA hashes the body: node:crypto, loaded on
  // first use. Both digest algorithms, string and bytes, and a changed byte.
  // A failing SHA would fall back to the package's own (same verdicts), so
  // node:crypto's calls are counted.
  test(`${name}: a 200 KB delivery is hashed by the runtime's SHA (both algorithms, string and bytes) and a changed byte fails`, async () => {
    const before = nodeHashes.calls;
    const manyEvents = Array.from({ length: 400 }, (_, i) => makeEvent({ type: 'ORDER.FILLED', object: { id: `o-${i}`, note: 'x'.repeat(400) } }));
    const largeBody = payloadBody(manyEvents);
    assert.ok(largeBody.length > 150_000, `body of ${largeBody.length} bytes`);
    const v = verifierFor(key.jwks, {}, entry);
    for (const digest of [undefined, 'content-sha-512']) {
      const large = await signRequest({ key, body: largeBody, ...(digest ? { form: 'v15', digest } : {}) });
      assert.equal((await v.verify(asDelivery(large))).events.length, 400);
      assert.equal((await v.verify({ ...asDelivery(large), body: new TextEncoder().encode(largeBody) })).events.length, 400);
      const changed = `${largeBody.slice(0, 100_000)}${largeBody[100_000] === 'x' ? 'y' : 'x'}${largeBody.slice(100_001)}`;
      await rejectsWithCode(v.verify({ ...asDelivery(large), body: changed }), 'ERR_DIGEST_MISMATCH');
    }
    assert.ok(nodeHashes.counting, "node:crypto's createHash could not be wrapped in this runtime");
    assert.ok(nodeHashes.calls - before >= 6, `node:crypto hashed ${nodeHashes.calls - before} of the 6 bodies`);
  });
}

test('generateTestKeyPair + signTestDelivery sign deliveries the independent verifier setup accepts, and inspectDelivery explains them', async () => {
  const { jwks, privateJwk } = main.generateTestKeyPair({ kid: 'test-key' });
  const delivery = main.signTestDelivery({ privateJwk, url: 'https://tenant.example/hooks', events, created: NOW_SECONDS });
  assert.deepEqual((await verifyWith(jwks, delivery)).events, events);
  const report = main.inspectDelivery(asDelivery(delivery), { keys: jwks, now: () => NOW_MS });
  assert.equal(report.ok, true, JSON.stringify(report).slice(0, 500));
  const bad = main.inspectDelivery({ ...asDelivery(delivery), body: delivery.body.replace('ORDER', 'ORDEX') }, { keys: jwks, now: () => NOW_MS });
  assert.equal(bad.ok, false);
  assert.equal(bad.code, 'ERR_DIGEST_MISMATCH');
  await rejectsWithCode(
    async () => main.signTestDelivery({ privateJwk: { kty: 'EC', crv: 'P-521', d: 'AAAA' }, url: 'https://t.example/h', events }),
    'ERR_PRIVATE_KEY_INVALID',
    UpvestError,
  );
});

test('events narrow with on() and isEventType()', async () => {
  const { events: verified } = await verifyWith(key.jwks, good);
  const seenIds = [];
  assert.equal(await main.on(verified, 'ORDER.FILLED', async (e) => seenIds.push(e.id)), 1);
  assert.deepEqual(seenIds, [events[1].id]);
  assert.deepEqual(
    verified.filter((e) => main.isEventType(e, 'POSITION')).map((e) => e.id),
    [events[0].id],
  );
});

// ---------------------------------------------------------------------------
// Every verification error code, each with a control that passes

const tamperedSignature = (delivery) => {
  const bytes = fromBase64(delivery.signatureB64);
  bytes[bytes.length - 1] ^= 1;
  return withHeaders(delivery, { signature: `sig1=:${base64(bytes)}:` });
};

const rejectionCases = [
  ['ERR_SIGNATURE_HEADERS_MISSING', 'no Signature header', () => withHeaders(good, { signature: undefined })],
  ['ERR_SIGNATURE_HEADERS_MISSING', 'no Signature-Input header', () => withHeaders(good, { 'signature-input': undefined })],
  ['ERR_SIGNATURE_INPUT_MALFORMED', 'a Signature-Input that is not a dictionary', () => withHeaders(good, { 'signature-input': 'not a dictionary!' })],
  ['ERR_SIGNATURE_INPUT_MALFORMED', 'no created parameter', () => withHeaders(good, { 'signature-input': `sig1=("@method" "@path");keyid="${key.kid}"` })],
  ['ERR_SIGNATURE_MALFORMED', 'a Signature that is a token', () => withHeaders(good, { signature: 'sig1=abc' })],
  ['ERR_SIGNATURE_LABEL_NOT_FOUND', 'no shared label', () => withHeaders(good, { signature: `sig2=:${good.signatureB64}:` })],
  [
    'ERR_COMPONENT_MISSING',
    'a covered header absent',
    async () =>
      withHeaders(
        await signRequest({ key, body, components: ['@method', '@path', 'content-length', 'digest', 'x-request-id'], headers: { 'x-request-id': 'r-1' } }),
        { 'x-request-id': undefined },
      ),
  ],
  [
    'ERR_COMPONENT_INVALID',
    'a covered value with a line break',
    async () =>
      withHeaders(
        await signRequest({ key, body, components: ['@method', '@path', 'content-length', 'digest', 'x-request-id'], headers: { 'x-request-id': 'r-1' } }),
        { 'x-request-id': 'r-1\n@path: /admin' },
      ),
  ],
  [
    'ERR_UNSUPPORTED_ALGORITHM',
    'alg=rsa-pss-sha512',
    () =>
      signRequest({
        key,
        body,
        params: [
          ['keyid', key.kid],
          ['created', NOW_SECONDS],
          ['alg', 'rsa-pss-sha512'],
        ],
      }),
  ],
  ['ERR_KEY_NOT_FOUND', 'an unknown keyid', () => signRequest({ key, body, keyid: 'not-a-known-kid' })],
  ['ERR_SIGNATURE_INVALID', 'another key under a known keyid', () => signRequest({ key: other, body })],
  ['ERR_SIGNATURE_INVALID', 'a flipped signature bit (DER)', () => tamperedSignature(good)],
  ['ERR_SIGNATURE_INVALID', 'a flipped signature bit (raw)', async () => tamperedSignature(await signRequest({ key, body, encoding: 'raw' }))],
  ['ERR_DIGEST_MISSING', 'a body without a digest header', () => signRequest({ key, body, digest: null })],
  [
    'ERR_DIGEST_NOT_COVERED',
    'a digest the signature does not cover',
    () => signRequest({ key, body, components: ['@method', '@path', 'content-type', 'content-length'] }),
  ],
  ['ERR_DIGEST_MISMATCH', 'one byte of the body changed', () => ({ ...good, body: body.replace('POSITION', 'POSITIOM') })],
  ['ERR_DIGEST_MALFORMED', 'an MD5 digest', () => signRequest({ key, body, headers: { digest: 'MD5=HUXZLQLMuI/KZ5KDcJPcOA==' } })],
  [
    'ERR_CONTENT_LENGTH_MISMATCH',
    'a covered content-length one too large',
    () => signRequest({ key, body, headers: { 'content-length': String(new TextEncoder().encode(body).length + 1) } }),
  ],
  ['ERR_SIGNATURE_EXPIRED', 'expires + tolerance in the past', () => signRequest({ key, body, created: NOW_SECONDS - 1000, expires: NOW_SECONDS - 301 })],
  ['ERR_SIGNATURE_EXPIRED', 'no expires and created older than maxAgeSeconds', () => signRequest({ key, body, created: NOW_SECONDS - 301, expires: null })],
  ['ERR_SIGNATURE_NOT_YET_VALID', 'created beyond the tolerance in the future', () => signRequest({ key, body, created: NOW_SECONDS + 301 })],
  ['ERR_PAYLOAD_INVALID', 'a signed body that is not {"payload":[…]}', () => signRequest({ key, body: JSON.stringify({ events }) })],
  [
    'ERR_PAYLOAD_INVALID',
    'an event without webhook_id',
    () => signRequest({ key, body: JSON.stringify({ payload: [{ ...events[0], webhook_id: undefined }] }) }),
  ],
  ['ERR_BODY_NOT_RAW', 'an already-parsed body', () => ({ ...good, body: JSON.parse(body) })],
  [
    'ERR_LIMIT_EXCEEDED',
    'nine signatures (the default limit is 8)',
    () => {
      const members = Array.from({ length: 9 }, (_, i) => i);
      return withHeaders(good, {
        'signature-input': members.map((i) => good.headers['signature-input'].replace(/^sig1=/, `s${i}=`)).join(', '),
        signature: members.map((i) => `s${i}=:${good.signatureB64}:`).join(', '),
      });
    },
  ],
  ['ERR_LIMIT_EXCEEDED', 'headers over 64 KiB', () => withHeaders(good, { 'x-padding': 'a'.repeat(70_000) })],
];

for (const [code, description, make] of rejectionCases) {
  test(`${code}: ${description}`, async () => {
    await verifyWith(key.jwks, good); // the control
    const delivery = await make();
    for (const [, entry] of ENTRIES) await rejectsWithCode(verifyWith(key.jwks, delivery, {}, entry), code);
  });
}

test('ERR_LIMIT_EXCEEDED: limits.maxBodyBytes, at and one byte under the size', async () => {
  const size = new TextEncoder().encode(body).length;
  await verifyWith(key.jwks, good, { limits: { maxBodyBytes: size } });
  await rejectsWithCode(verifyWith(key.jwks, good, { limits: { maxBodyBytes: size - 1 } }), 'ERR_LIMIT_EXCEEDED');
});

test('ERR_KEY_INVALID: the key under that kid is a P-256 key', async () => {
  const p256 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', p256.publicKey);
  await rejectsWithCode(verifyWith({ keys: [{ kid: key.kid, kty, crv, x, y }] }, good), 'ERR_KEY_INVALID');
  const withPrivate = { keys: [{ ...key.publicJwk, d: 'AAAA' }] };
  await rejectsWithCode(verifyWith(withPrivate, good), 'ERR_KEY_INVALID');
});

test('ERR_JWKS_INVALID: an async key function that returns something other than a JWKS', async () => {
  await verifyWith(async () => key.jwks, good); // control: async keys work
  await verifyWith(async () => JSON.stringify(key.jwks), good); // and JSON text
  await rejectsWithCode(
    verifyWith(async () => 'not json', good),
    'ERR_JWKS_INVALID',
  );
  await rejectsWithCode(
    verifyWith(async () => ({ keys: 'x' }), good),
    'ERR_JWKS_INVALID',
  );
});

test('ERR_INVALID_ARGUMENT: wrong option and argument types', async () => {
  await rejectsWithCode(async () => new WebhookVerifier({ keys: key.jwks, toleranceSeconds: 'soon' }), 'ERR_INVALID_ARGUMENT', UpvestError);
  await rejectsWithCode(async () => new WebhookVerifier(), 'ERR_INVALID_ARGUMENT', UpvestError);
});

test('time window on an injected clock: created, expires, toleranceSeconds, maxAgeSeconds', async () => {
  const signed = await signRequest({ key, body, created: NOW_SECONDS, expires: NOW_SECONDS + 60 });
  const at = (seconds, options = {}) => verifyWith(key.jwks, signed, { now: () => seconds * 1000, ...options });
  await at(NOW_SECONDS + 60 + 300); // expires + tolerance: still accepted
  await rejectsWithCode(at(NOW_SECONDS + 60 + 301), 'ERR_SIGNATURE_EXPIRED');
  await at(NOW_SECONDS - 300);
  await rejectsWithCode(at(NOW_SECONDS - 301), 'ERR_SIGNATURE_NOT_YET_VALID');
  await rejectsWithCode(at(NOW_SECONDS + 70, { toleranceSeconds: 5 }), 'ERR_SIGNATURE_EXPIRED');
  const noExpiry = await signRequest({ key, body, created: NOW_SECONDS, expires: null });
  await verifyWith(key.jwks, noExpiry, { now: () => (NOW_SECONDS + 600) * 1000, maxAgeSeconds: 600 });
  await rejectsWithCode(verifyWith(key.jwks, noExpiry, { now: () => (NOW_SECONDS + 601) * 1000, maxAgeSeconds: 600 }), 'ERR_SIGNATURE_EXPIRED');
});

// ---------------------------------------------------------------------------
// Remote keys against the local JWKS server (run.mjs)

/** A fresh key set on the server: `{ url, set(config), hits() }`; config is `{ jwks?, status?, body?, hang? }`. */
async function jwksEndpoint(config) {
  const ns = crypto.randomUUID();
  const endpoint = {
    url: `${SERVER}/ns/${ns}/jwks.json`,
    async set(next) {
      const response = await fetch(`${SERVER}/ns/${ns}/config`, { method: 'POST', body: JSON.stringify(next) });
      assert.equal(response.status, 204);
    },
    async hits() {
      return (await (await fetch(`${SERVER}/ns/${ns}/hits`)).json()).hits;
    },
  };
  await endpoint.set(config);
  return endpoint;
}

test('remote keys: fetched once on first use, cached, and shared by concurrent verifications', async () => {
  const endpoint = await jwksEndpoint({ jwks: key.jwks });
  const v = verifierFor(endpoint.url);
  const results = await Promise.all(Array.from({ length: 5 }, () => v.verify(asDelivery(good))));
  assert.ok(results.every((r) => r.keyId === key.kid));
  assert.equal(await endpoint.hits(), 1, 'five concurrent verifications, one fetch');
  await v.verify(asDelivery(good));
  assert.equal(await endpoint.hits(), 1, 'cached');
  const viaUrlObject = verifierFor(new URL(endpoint.url), {}, verifierEntry);
  await viaUrlObject.verify(asDelivery(good));
  assert.equal(await endpoint.hits(), 2);
});

test('remote keys: rotation is picked up by an unknown kid; a kid still unknown right after is ERR_KEY_NOT_FOUND', async () => {
  const rotated = await generateKeyPair('upvest-key-2');
  const endpoint = await jwksEndpoint({ jwks: key.jwks });
  const v = verifierFor(endpoint.url, { keysCooldownMs: 0 });
  await v.verify(asDelivery(good));
  await endpoint.set({ jwks: jwksOf(key, rotated) });
  const result = await v.verify(asDelivery(await signRequest({ key: rotated, body })));
  assert.equal(result.keyId, 'upvest-key-2');
  assert.equal(await endpoint.hits(), 2);
  await rejectsWithCode(v.verify(asDelivery(await signRequest({ key, body, keyid: 'never-published' }))), 'ERR_KEY_NOT_FOUND');
  assert.equal(await endpoint.hits(), 3, 'one refetch for the unknown kid');
});

test('remote keys: 503, a hanging endpoint, non-JSON and oversized answers are rejected with their codes', async () => {
  const failing = await jwksEndpoint({ status: 503, body: 'unavailable' });
  const error = await rejectsWithCode(verifierFor(failing.url).verify(asDelivery(good)), 'ERR_JWKS_FETCH_FAILED');
  assert.match(error.message, /503/);
  const hanging = await jwksEndpoint({ hang: true });
  await rejectsWithCode(verifierFor(hanging.url, { keysTimeoutMs: 300 }).verify(asDelivery(good)), 'ERR_JWKS_FETCH_FAILED');
  const garbage = await jwksEndpoint({ status: 200, body: '<html>oops</html>' });
  await rejectsWithCode(verifierFor(garbage.url).verify(asDelivery(good)), 'ERR_JWKS_INVALID');
  const big = await jwksEndpoint({ jwks: { keys: [key.publicJwk, ...Array.from({ length: 50 }, (_, i) => ({ ...other.publicJwk, kid: `pad-${i}` }))] } });
  await rejectsWithCode(verifierFor(big.url, { limits: { maxJwksBytes: 2048 } }).verify(asDelivery(good)), 'ERR_JWKS_FETCH_FAILED');
  await verifierFor(big.url).verify(asDelivery(good)); // control: the same set under the default limit
});

test('remote keys: after a failed refresh the last good keys keep working', async () => {
  let nowMs = NOW_MS;
  const endpoint = await jwksEndpoint({ jwks: key.jwks });
  const v = verifierFor(endpoint.url, { now: () => nowMs, keysMaxAgeMs: 1000, keysCooldownMs: 0, toleranceSeconds: 3600 });
  await v.verify(asDelivery(good));
  await endpoint.set({ status: 500, body: 'down' });
  nowMs += 5000; // the keys are stale: the next verification refreshes, which fails
  assert.equal((await v.verify(asDelivery(good))).keyId, key.kid);
  assert.ok((await endpoint.hits()) >= 2, 'a refresh was attempted');
});

// ---------------------------------------------------------------------------
// UpvestClient against the emulator

let emulatorInfo;
async function emulator() {
  emulatorInfo ??= await adminJson(EMULATOR, '/emulator/info');
  return emulatorInfo;
}
async function clientFor(overrides = {}) {
  const info = await emulator();
  return new UpvestClient({
    baseUrl: info.baseUrl,
    clientId: info.clientId,
    clientSecret: info.clientSecret,
    keyId: info.keyId,
    privateKey: info.privateKeyPem,
    allowHttpLocalhost: true,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 50,
    timeoutMs: 5000,
    ...overrides,
  });
}
const admin = (path, init) => adminJson(EMULATOR, `/emulator/${path}`, init && { method: 'POST', body: init });
const sample = (title, url = 'https://hooks.example.com/upvest/orders') => ({ title, url, type: ['ORDER'], config: { delay: '1s', max_package_size: 10240 } });

test('UpvestClient: create, retrieve, list, update, test and delete a webhook (signed requests, checked by the emulator)', async () => {
  const upvest = await clientFor();
  const hook = await upvest.webhooks.create(sample('portable orders'));
  assert.equal(hook.enabled, false);
  assert.equal((await upvest.webhooks.retrieve(hook.id)).title, 'portable orders');
  const page = await upvest.webhooks.list({ limit: 100 });
  assert.ok(page.data.some((h) => h.id === hook.id));
  const listed = [];
  for await (const h of upvest.webhooks.listAll({ pageSize: 1 })) listed.push(h.id);
  assert.ok(listed.includes(hook.id));
  assert.equal((await upvest.webhooks.update(hook.id, { enabled: true, title: 'renamed' })).title, 'renamed');
  assert.equal(await upvest.webhooks.test(hook.id), undefined);
  assert.equal(await upvest.webhooks.delete(hook.id), undefined);
  await rejectsWithCode(upvest.webhooks.retrieve(hook.id), 'ERR_API_NOT_FOUND', UpvestApiError);
  const requests = await adminJson(EMULATOR, '/emulator/requests?limit=100');
  const list = Array.isArray(requests) ? requests : (requests.requests ?? requests.data);
  const api = list.filter((r) => r.path !== '/auth/token');
  assert.ok(api.length >= 7, `the emulator saw ${api.length} API requests`);
  assert.ok(
    api.every((r) => r.signature?.verified),
    `every API request's signature verified: ${JSON.stringify(api.map((r) => [r.method, r.path, r.signature?.verified]))}`,
  );
});

test('UpvestClient: a delivery the emulator signs and sends verifies with webhookVerifier(); a tampered copy does not', async () => {
  const upvest = await clientFor();
  const jwks = await upvest.verificationKeys();
  assert.ok(
    jwks.keys.some((k) => k.kid === emulatorInfo.deliverySigningKeyId),
    JSON.stringify(jwks),
  );
  const sink = `${SERVER}/ns/${crypto.randomUUID()}`;
  const hook = await upvest.webhooks.create(sample('portable sink', `${sink}/hook`));
  await upvest.webhooks.update(hook.id, { enabled: true });
  const emitted = await admin('events', { type: 'ORDER.FILLED', count: 2 });
  let received = [];
  for (let i = 0; i < 500 && received.length === 0; i += 1) {
    received = (await (await fetch(`${sink}/received`)).json()).received;
    if (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(received.length > 0, 'the emulator delivered to the sink');
  const delivery = received[0];
  const verifier = upvest.webhookVerifier();
  const result = await verifier.verify({ method: delivery.method, url: `${sink}/hook`, headers: delivery.headers, body: delivery.body });
  const emittedIds = (emitted.events ?? emitted).map((e) => e.id);
  assert.ok(
    result.events.length > 0 && result.events.every((e) => emittedIds.includes(e.id) && e.webhook_id === hook.id),
    JSON.stringify({ emittedIds, got: result.events }),
  );
  assert.equal(result.signatureVersion, 6);
  const tampered = delivery.body.replace('ORDER.FILLED', 'ORDER.FILLEX');
  await rejectsWithCode(verifier.verify({ method: 'POST', url: `${sink}/hook`, headers: delivery.headers, body: tampered }), 'ERR_DIGEST_MISMATCH');
  await upvest.webhooks.delete(hook.id);
});

test('UpvestClient: errors carry codes (validation, 401, retried 503, 429, timeout, network)', async () => {
  const upvest = await clientFor({ maxRetries: 1 });
  await rejectsWithCode(upvest.webhooks.create({ title: '', url: 'ftp://x', type: [] }), 'ERR_VALIDATION', UpvestValidationError);
  await rejectsWithCode((await clientFor({ clientSecret: 'wrong' })).webhooks.list(), 'ERR_API_UNAUTHORIZED', UpvestApiError);
  await admin('faults', { status: 503, times: 1 });
  assert.ok(Array.isArray((await upvest.webhooks.list()).data), 'one 503, then retried and answered');
  await admin('faults', { status: 503, times: 2 });
  await rejectsWithCode(upvest.webhooks.list(), 'ERR_API_SERVER_ERROR', UpvestApiError);
  await admin('faults', { status: 429, times: 2, retryAfter: 0 });
  await rejectsWithCode(upvest.webhooks.list(), 'ERR_API_RATE_LIMITED', UpvestApiError);
  await admin('faults', { kind: 'hang', times: 1 });
  await rejectsWithCode((await clientFor({ maxRetries: 0, timeoutMs: 300 })).webhooks.list(), 'ERR_TIMEOUT', UpvestError);
  await rejectsWithCode((await clientFor({ baseUrl: 'http://127.0.0.1:9', maxRetries: 0 })).webhooks.list(), 'ERR_NETWORK', UpvestError);
  await rejectsWithCode(async () => clientFor({ privateKey: 'not a key' }), 'ERR_PRIVATE_KEY_INVALID', UpvestError);
});

// ---------------------------------------------------------------------------

test('every verification error code was produced by this run', () => {
  const verificationCodes = ERROR_CODES.slice(0, ERROR_CODES.indexOf('ERR_PRIVATE_KEY_INVALID') + 1);
  const missing = verificationCodes.filter((code) => !seen.has(code));
  assert.deepEqual(missing, [], `codes never produced: ${missing.join(', ')}`);
});

await run();
