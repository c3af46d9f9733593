// GET /auth/verify_keys and upvest.webhookVerifier(): deliveries signed
// (with node:crypto, by the fake server) with a key the server publishes
// verify through the client's verifier; others do not.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startFakeUpvest } from '../support/fake-upvest.mjs';
import { newPrivateKey } from '../support/upvest-signer.mjs';
import { WebhookVerificationError, WebhookVerifier, assertAllVerified, clientFor, entriesFor, failure, pkg, sample } from './helpers.mjs';

const URL_ = 'https://tenant.example.com/upvest/webhooks';
const event = (over = {}) => ({
  id: crypto.randomUUID(),
  created_at: '2025-06-15T15:06:40.123456789Z',
  type: 'ORDER.FILLED',
  object: { id: crypto.randomUUID(), status: 'FILLED' },
  webhook_id: crypto.randomUUID(),
  ...over,
});

describe('verificationKeys() and webhookVerifier()', () => {
  let fake;
  let upvest;
  before(async () => {
    fake = await startFakeUpvest({ verificationKeyCount: 2 });
    upvest = clientFor(fake);
  });
  after(() => fake.close());

  test('verificationKeys() returns the published JWKS from a signed GET /auth/verify_keys', async () => {
    const jwks = await upvest.verificationKeys();
    assert.deepEqual(jwks, { keys: fake.state.verificationKeys.map((k) => k.publicJwk) });
    const [entry] = entriesFor(fake, 'GET', '/auth/verify_keys');
    assert.equal(entry.status, 200);
    assert.ok(entry.signature.components.includes('authorization'));
    assertAllVerified(fake);
  });

  test('webhookVerifier() returns a WebhookVerifier', () => {
    const verifier = upvest.webhookVerifier({ toleranceSeconds: 300 });
    assert.ok(verifier instanceof WebhookVerifier);
  });

  test('a delivery signed with a published key verifies, with its events', async () => {
    const verifier = upvest.webhookVerifier({ toleranceSeconds: 300 });
    const events = [event(), event({ type: 'ORDER.NEW' })];
    const delivery = fake.signDelivery({ url: URL_, events });
    const result = await verifier.verify(delivery);
    assert.deepEqual(result.events, events);
    assert.equal(result.keyId, fake.state.verificationKeys[0].kid);
    assert.equal(result.signatureVersion, 6);
  });

  test('the second published key verifies too, and the keys are fetched once for both', async () => {
    const before = entriesFor(fake, 'GET', '/auth/verify_keys').length;
    const verifier = upvest.webhookVerifier();
    await verifier.verify(fake.signDelivery({ url: URL_, events: [event()], keyIndex: 0 }));
    const r = await verifier.verify(fake.signDelivery({ url: URL_, events: [event()], keyIndex: 1 }));
    assert.equal(r.keyId, fake.state.verificationKeys[1].kid);
    assert.equal(entriesFor(fake, 'GET', '/auth/verify_keys').length - before, 1);
  });

  test('a verifier from a read-only client works (webhooks:read is enough for the keys)', async () => {
    const readOnly = clientFor(fake, { scopes: ['webhooks:read'] });
    const r = await readOnly.webhookVerifier().verify(fake.signDelivery({ url: URL_, events: [event()] }));
    assert.equal(r.events.length, 1);
  });

  test('the delivery produced by webhooks.test() verifies', async () => {
    const hook = await upvest.webhooks.create(sample('verify'));
    await upvest.webhooks.test(hook.id);
    const { delivery } = fake.state.testDeliveries.at(-1);
    const r = await upvest.webhookVerifier().verify(delivery);
    assert.equal(r.events[0].webhook_id, hook.id);
  });

  test('a delivery as a fetch Request (verifyRequest)', async () => {
    const delivery = fake.signDelivery({ url: URL_, events: [event()] });
    const request = new Request(delivery.url, { method: 'POST', headers: delivery.headers, body: delivery.body });
    const r = await upvest.webhookVerifier().verifyRequest(request);
    assert.equal(r.events.length, 1);
  });

  test('a delivery signed with a key Upvest does not publish is rejected (ERR_KEY_NOT_FOUND)', async () => {
    const stranger = newPrivateKey('ec', { namedCurve: 'P-521' });
    const delivery = fake.signDelivery({ url: URL_, events: [event()], privateKey: stranger, kid: crypto.randomUUID() });
    const err = await failure(() => upvest.webhookVerifier().verify(delivery));
    assert.ok(err instanceof WebhookVerificationError, String(err));
    assert.equal(err.code, 'ERR_KEY_NOT_FOUND');
  });

  test('a forged delivery under a published kid is rejected (ERR_SIGNATURE_INVALID)', async () => {
    const stranger = newPrivateKey('ec', { namedCurve: 'P-521' });
    const delivery = fake.signDelivery({ url: URL_, events: [event()], privateKey: stranger, kid: fake.state.verificationKeys[0].kid });
    const err = await failure(() => upvest.webhookVerifier().verify(delivery));
    assert.equal(err.code, 'ERR_SIGNATURE_INVALID');
  });

  test('a tampered body is rejected', async () => {
    const delivery = fake.signDelivery({ url: URL_, events: [event()] });
    delivery.body = delivery.body.replace('FILLED', 'FILLEX');
    const err = await failure(() => upvest.webhookVerifier().verify(delivery));
    assert.ok(['ERR_DIGEST_MISMATCH', 'ERR_SIGNATURE_INVALID'].includes(err.code), err.code);
  });

  test('toleranceSeconds is honoured: an expired delivery passes with a wide window only', async () => {
    const created = Math.floor(Date.now() / 1000) - 400;
    const delivery = fake.signDelivery({ url: URL_, events: [event()], created, expires: created + 60 });
    const err = await failure(() => upvest.webhookVerifier({ toleranceSeconds: 300 }).verify(delivery));
    assert.equal(err.code, 'ERR_SIGNATURE_EXPIRED');
    const r = await upvest.webhookVerifier({ toleranceSeconds: 600 }).verify(delivery);
    assert.equal(r.created, created);
  });

  test('a rotated key is picked up: the verifier refetches GET /auth/verify_keys for an unknown kid', async () => {
    const verifier = upvest.webhookVerifier({ keysCooldownMs: 0 });
    await verifier.verify(fake.signDelivery({ url: URL_, events: [event()] }));
    const before = entriesFor(fake, 'GET', '/auth/verify_keys').length;
    fake.addVerificationKey();
    const r = await verifier.verify(fake.signDelivery({ url: URL_, events: [event()], keyIndex: fake.state.verificationKeys.length - 1 }));
    assert.equal(r.keyId, fake.state.verificationKeys.at(-1).kid);
    assert.equal(entriesFor(fake, 'GET', '/auth/verify_keys').length - before, 1);
    assertAllVerified(fake);
  });

  test('when the keys cannot be fetched, verification fails with ERR_JWKS_FETCH_FAILED (not a hang)', async () => {
    const broken = clientFor(fake, { maxRetries: 0 });
    fake.inject({ path: '/auth/verify_keys', status: 503, times: Infinity });
    try {
      const err = await failure(() => broken.webhookVerifier().verify(fake.signDelivery({ url: URL_, events: [event()] })));
      assert.ok(err instanceof WebhookVerificationError, String(err));
      assert.equal(err.code, 'ERR_JWKS_FETCH_FAILED');
    } finally {
      fake.clearFaults();
    }
  });
});

describe('a JWKS object from a keys function is converted without JSON text, within limits.maxJwksBytes', () => {
  const { generateTestKeyPair, signTestDelivery } = pkg;
  const { jwks, privateJwk } = generateTestKeyPair({ kid: 'bounded' });
  const delivery = signTestDelivery({ privateJwk, url: URL_, events: [event()] });
  const verifierFor = (keys, maxJwksBytes) => new WebhookVerifier({ keys: async () => keys, limits: { maxJwksBytes } });

  test('a JWKS whose JSON text is exactly the limit verifies; one byte more is refused', async () => {
    const base = JSON.stringify({ ...jwks, padding: '' }).length;
    const limit = base + 1000;
    const fits = { ...jwks, padding: 'A'.repeat(1000), skipped: undefined };
    assert.equal(JSON.stringify(fits).length, limit);
    assert.equal((await verifierFor(fits, limit).verify(delivery)).keyId, 'bounded');
    const err = await failure(() => verifierFor(fits, limit - 1).verify(delivery));
    assert.ok(err instanceof WebhookVerificationError);
    assert.equal(err.code, 'ERR_JWKS_FETCH_FAILED');
    assert.match(err.message, /limits\.maxJwksBytes/);
  });

  test('a 4 MiB string member is refused by its length, and a cycle is not JSON', async () => {
    const huge = { ...jwks, padding: 'A'.repeat(4 * 1024 * 1024) };
    const err = await failure(() => verifierFor(huge, 65536).verify(delivery));
    assert.equal(err.code, 'ERR_JWKS_FETCH_FAILED');
    assert.match(err.message, /larger than 65536 bytes/);
    const cycle = { ...jwks };
    cycle.self = cycle;
    const looped = await failure(() => verifierFor(cycle, 1 << 20).verify(delivery));
    assert.equal(looped.code, 'ERR_JWKS_INVALID');
  });
});
