// The package's own client and verifier against the emulator, the way a
// user wires them: UpvestClient (allowHttpLocalhost) manages a webhook that
// points at a local receiver; every delivery verifies with webhookVerifier(),
// across a key rotation. Needs `make consumer` (skipped otherwise).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { clientOptionsFor } from '../support/client-options.mjs';
import { admin, contractHolds, startEmulator, startReceiver, waitFor } from './support.mjs';

const consumer = new URL('../../target/consumer/entry.mjs', import.meta.url);
const available = process.env.UPVEST_CONSUMER_DIR || existsSync(consumer);

describe('UpvestClient + WebhookVerifier against the emulator', { skip: available ? false : 'run `make consumer` first' }, () => {
  let pkg;
  let emu;
  let rx;
  let upvest;
  before(async () => {
    ({ pkg } = await import('../js/support/package.mjs'));
    emu = await startEmulator({ timeFactor: 0.01, clientUnderTest: true });
    rx = await startReceiver();
    upvest = new pkg.UpvestClient(clientOptionsFor(emu));
  });
  after(async () => {
    await emu?.close();
    await rx?.close();
  });

  test('create (disabled) → enable → emit → every delivery verifies, with its events; test() too; then a key rotation', async () => {
    const hook = await upvest.webhooks.create({ title: 'local', url: rx.url('/upvest?env=dev'), type: ['ORDER', 'USER'] });
    assert.equal(hook.enabled, false);
    await upvest.webhooks.update(hook.id, { enabled: true });
    // keysCooldownMs: 0 so the refetch for the rotated kid happens at once (default: 30 s between fetches)
    const verifier = upvest.webhookVerifier({ keysCooldownMs: 0 });
    const toRequest = (r) => ({ method: r.method, url: `http://127.0.0.1:${rx.port}${r.url}`, headers: r.headers, body: r.body });

    const { json } = await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.FILLED', count: 3 } });
    await waitFor(() => rx.events.length === 3, { message: 'three events' });
    const first = await verifier.verify(toRequest(rx.received[0]));
    assert.equal(first.signatureVersion, 6);
    assert.equal(first.keyId, emu.activeKeyId);
    assert.deepEqual(
      first.events.map((e) => e.id),
      json.events.map((e) => e.id),
    );

    assert.equal(await upvest.webhooks.test(hook.id), undefined);
    await waitFor(() => rx.received.length === 2, { message: 'the test delivery' });
    const t = await verifier.verify(toRequest(rx.received[1]));
    assert.equal(t.events[0].type, 'USER.CREATED');
    assert.equal(t.events[0].webhook_id, hook.id);

    const { json: rotated } = await admin(emu, '/emulator/rotate-key', { method: 'POST', body: { graceSeconds: 600 } });
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'USER.ACTIVATED' } });
    await waitFor(() => rx.received.length === 3, { message: 'a delivery after the rotation' });
    const r = await verifier.verify(toRequest(rx.received[2]));
    assert.equal(r.keyId, rotated.keyId, 'the verifier refetched the JWKS for the new kid');
    assert.equal(r.events[0].type, 'USER.ACTIVATED');

    const page = await upvest.webhooks.list();
    assert.equal(page.meta.total_count, 1);
    await upvest.webhooks.delete(hook.id);
    assert.ok(
      emu.requests.every((x) => x.signature?.verified),
      'every client request carried a valid v15 signature',
    );
  });
});

contractHolds();
