// Delivery signatures, checked independently: the receiver's raw request is
// rebuilt into a v6 base (unquoted names, http-signatures.md §2.2) and
// verified with node:crypto against the JWKS from a signed
// GET /auth/verify_keys. Key rotation with a grace period.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';
import { admin, contractHolds, fromSignedRequest, rigs, sleep, verifyDelivery, waitFor } from './support.mjs';

const rig = rigs();

/** Minimal DER check: SEQUENCE { INTEGER r, INTEGER s }, each ≤ 66 bytes (P-521). */
function parseDer(sig) {
  assert.equal(sig[0], 0x30, 'DER SEQUENCE');
  let i = 2;
  let len = sig[1];
  if (len === 0x81) {
    len = sig[2];
    i = 3;
  }
  assert.equal(len, sig.length - i, 'sequence length');
  const ints = [];
  while (i < sig.length) {
    assert.equal(sig[i], 0x02, 'INTEGER');
    const l = sig[i + 1];
    ints.push(sig.subarray(i + 2, i + 2 + l));
    i += 2 + l;
  }
  assert.equal(ints.length, 2);
  for (const n of ints) assert.ok(n.length <= 66 && n.length > 0);
  return ints;
}

describe('delivery signatures (independent node:crypto check)', () => {
  test('v6 as Upvest signs: components, params, digest, DER ECDSA P-521/SHA-512 with a published kid', async () => {
    const { emu, rx, s } = await rig();
    await s.hook(rx.url('/hooks/upvest'));
    const t0 = Math.floor(Date.now() / 1000);
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.FILLED', count: 2 } });
    await waitFor(() => rx.received.length === 1, { message: 'a delivery' });
    const req = rx.received[0];
    const jwks = await s.jwks();

    assert.equal(req.method, 'POST');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.deepEqual(Object.keys(req.json), ['payload']);
    assert.equal(req.json.payload.length, 2);
    const v = verifyDelivery(req, jwks);
    assert.equal(v.signatureOk, true, `signature verifies over:\n${v.base}`);
    assert.equal(v.digestOk, true, 'digest: SHA-256=<b64> of the body');
    assert.equal(v.lengthOk, true);
    assert.ok(v.ok);
    assert.deepEqual(v.components, ['@method', '@path', 'content-type', 'content-length', 'digest']);
    assert.match(
      req.headers['signature-input'],
      /^sig1=\("@method" "@path" "content-type" "content-length" "digest"\);keyid="[0-9a-f-]{36}";created=\d+;expires=\d+;nonce="[A-Za-z0-9]{16}"$/,
    );
    assert.equal(v.keyId, jwks.keys[0].kid);
    assert.equal(v.keyId, emu.activeKeyId);
    assert.ok(Math.abs(v.created - t0) <= 2, 'created is now');
    assert.equal(v.expires, v.created + 60);
    assert.match(req.headers.digest, /^SHA-256=[A-Za-z0-9+/]{43}=$/);
    assert.match(req.headers.signature, /^sig1=:[A-Za-z0-9+/]+={0,2}:$/);
    const der = Buffer.from(req.headers.signature.slice(6, -1), 'base64');
    parseDer(der);
    assert.ok(der.length >= 135 && der.length <= 139, `P-521 DER signature length ${der.length}`);
    const lines = v.base.split('\n');
    assert.equal(lines[0], '@method: POST');
    assert.equal(lines[1], '@path: /hooks/upvest');
    assert.match(lines.at(-1), /^@signature-params: \("@method"/);
    // the draft-15 (quoted) form of the same base does not verify: deliveries are v6
    const quoted = lines.map((l) => l.replace(/^([@a-z-]+): /, '"$1": ')).join('\n');
    const jwk = jwks.keys.find((k) => k.kid === v.keyId);
    assert.equal(crypto.verify('sha512', Buffer.from(quoted), { key: crypto.createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'der' }, der), false);
    // and a tampered body fails the digest
    assert.equal(verifyDelivery({ ...req, body: req.body.replace('"payload"', '"payload" ') }, jwks).digestOk, false);
  });

  test('@query is covered, after @path, only when the URL has a query', async () => {
    const { emu, rx, s } = await rig();
    await s.hook(rx.url('/q?tenant=a&x=%20y'));
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'USER.CREATED' } });
    await waitFor(() => rx.received.length === 1, { message: 'a delivery' });
    const v = verifyDelivery(rx.received[0], await s.jwks());
    assert.ok(v.ok, v.base);
    assert.deepEqual(v.components, ['@method', '@path', '@query', 'content-type', 'content-length', 'digest']);
    assert.match(v.base, /^@method: POST\n@path: \/q\n@query: \?tenant=a&x=%20y\n/);
  });

  test('every attempt is re-signed (fresh nonce, created/expires), and each signature verifies', async () => {
    const { emu, rx, s } = await rig({ timeFactor: 0.01, respond: (_, n) => (n < 3 ? 500 : 200) });
    await s.hook(rx.url());
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.NEW' } });
    await waitFor(() => rx.received.length === 3, { message: 'three attempts' });
    const jwks = await s.jwks();
    const checks = rx.received.map((r) => verifyDelivery(r, jwks));
    assert.ok(checks.every((c) => c.ok));
    assert.equal(new Set(checks.map((c) => c.nonce)).size, 3);
    assert.ok(checks.every((c) => c.expires === c.created + 60));
  });

  test('the lastRequest of GET /emulator/deliveries re-verifies (a playground can check it)', async () => {
    const { emu, rx, s } = await rig();
    const hook = await s.hook(rx.url('/pg?x=1'));
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'WITHDRAWAL.CONFIRMED' } });
    await waitFor(() => emu.listDeliveries({ webhookId: hook.id })[0]?.state === 'delivered', { message: 'delivered' });
    const [d] = (await admin(emu, `/emulator/deliveries?webhook_id=${hook.id}`)).json.deliveries;
    const jwks = (await admin(emu, '/emulator/verify_keys')).json;
    assert.deepEqual(jwks, await s.jwks(), '/emulator/verify_keys = /auth/verify_keys');
    assert.ok(verifyDelivery(fromSignedRequest(d.lastRequest), jwks).ok);
  });

  test('JWKS: { keys: [{ kid, kty: "EC", crv: "P-521", x, y }] } with 66-byte coordinates', async () => {
    const { s } = await rig({ emulator: { verificationKeyCount: 2 } });
    const jwks = await s.jwks();
    assert.equal(jwks.keys.length, 2);
    for (const k of jwks.keys) {
      assert.deepEqual(Object.keys(k), ['kid', 'kty', 'crv', 'x', 'y']);
      assert.equal(k.kty, 'EC');
      assert.equal(k.crv, 'P-521');
      assert.equal(Buffer.from(k.x, 'base64url').length, 66);
      assert.equal(Buffer.from(k.y, 'base64url').length, 66);
      crypto.createPublicKey({ key: k, format: 'jwk' }); // a valid point
    }
  });
});

describe('key rotation', () => {
  test('POST /emulator/rotate-key: new deliveries use the new key; the old one stays in the JWKS during the grace period, then goes', async () => {
    const factor = 0.05;
    const { emu, rx, s } = await rig({ timeFactor: factor });
    await s.hook(rx.url());
    const before = await s.jwks();
    assert.equal(before.keys.length, 1);
    const oldKid = before.keys[0].kid;

    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.NEW' } });
    await waitFor(() => rx.received.length === 1, { message: 'first delivery' });
    assert.equal(verifyDelivery(rx.received[0], before).keyId, oldKid);

    const r = await admin(emu, '/emulator/rotate-key', { method: 'POST', body: { graceSeconds: 4 } }); // 4 s × 0.05 = 200 ms
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['graceSeconds', 'keyId', 'previousKeyId', 'previousKeyRetiresAt']);
    assert.equal(r.json.previousKeyId, oldKid);
    assert.notEqual(r.json.keyId, oldKid);
    const during = await s.jwks();
    assert.deepEqual(
      during.keys.map((k) => k.kid),
      [r.json.keyId, oldKid],
      'both published during the grace period, the new one first',
    );

    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.NEW' } });
    await waitFor(() => rx.received.length === 2, { message: 'second delivery' });
    const v2 = verifyDelivery(rx.received[1], during);
    assert.ok(v2.ok);
    assert.equal(v2.keyId, r.json.keyId);
    assert.equal(verifyDelivery(rx.received[1], before).keyFound, false, 'not verifiable with the old JWKS alone');
    assert.ok(verifyDelivery(rx.received[0], during).ok, 'an old delivery still verifies during the grace period');

    await waitFor(async () => (await s.jwks()).keys.length === 1, { timeout: 2000, message: 'the old key removed after the grace period' });
    const afterGrace = await s.jwks();
    assert.deepEqual(
      afterGrace.keys.map((k) => k.kid),
      [r.json.keyId],
    );
    assert.equal(verifyDelivery(rx.received[0], afterGrace).keyFound, false);
  });

  test('graceSeconds: 0 removes the old key at once; default grace is 300 s; bad bodies → 400', async () => {
    const { emu, s } = await rig({ timeFactor: 1 });
    const first = emu.activeKeyId;
    const r = await admin(emu, '/emulator/rotate-key', { method: 'POST', body: { graceSeconds: 0 } });
    assert.deepEqual(
      (await s.jwks()).keys.map((k) => k.kid),
      [r.json.keyId],
    );
    assert.equal(r.json.previousKeyId, first);
    const d = await admin(emu, '/emulator/rotate-key', { method: 'POST' });
    assert.equal(d.json.graceSeconds, 300);
    const retires = Date.parse(d.json.previousKeyRetiresAt) - Date.now();
    assert.ok(retires > 295_000 && retires <= 300_000, `retires in ${retires} ms`);
    assert.equal((await s.jwks()).keys.length, 2);
    assert.equal((await admin(emu, '/emulator/rotate-key', { method: 'POST', body: { graceSeconds: -1 } })).status, 400);
    assert.equal((await admin(emu, '/emulator/rotate-key', { method: 'POST', body: { graceSeconds: 'soon' } })).status, 400);
    assert.equal((await admin(emu, '/emulator/rotate-key', { method: 'GET' })).status, 405);
  });

  test('a delivery failing across a rotation is re-signed with the new key', async () => {
    let status = 500;
    const { emu, rx, s } = await rig({ timeFactor: 0.01, respond: () => status });
    await s.hook(rx.url());
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.NEW' } });
    await waitFor(() => rx.received.length >= 1, { message: 'a failed attempt' });
    const { json } = await admin(emu, '/emulator/rotate-key', { method: 'POST', body: { graceSeconds: 60 } });
    status = 200;
    const n = rx.received.length;
    await waitFor(() => rx.received.length > n, { message: 'the retry' });
    await sleep(20);
    const jwks = await s.jwks();
    assert.equal(verifyDelivery(rx.received[0], jwks).keyId, json.previousKeyId);
    const last = verifyDelivery(rx.received.at(-1), jwks);
    assert.ok(last.ok);
    assert.equal(last.keyId, json.keyId);
  });
});

contractHolds();
