// examples/node-http: server.js (from a copy with the packed tarball
// installed) runs as its own process, configured like a user would, against
// the local emulator. A webhook points at it; emitted events and a test
// delivery must be verified and processed once; a retry (replay) is skipped
// as a duplicate and a tampered one is rejected with its code.
//
//   make consumer && node --test tests/examples/node-http.test.mjs

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { attemptedDeliveries, installExample, startReceiverExample, tamperedBody, waitUntil } from './support/helpers.mjs';

describe('examples/node-http against the emulator', { timeout: 60_000 }, () => {
  let rig;
  let hook;
  const processedIds = () => rig.server.lines.filter((l) => l.startsWith('processed ')).map((l) => l.split(' ')[2]);

  before(async () => {
    const dir = await installExample('node-http');
    rig = await startReceiverExample({
      dir,
      command: process.execPath,
      args: ['server.js'],
      env: (emulator) => {
        // The private key as a file path (the variable also takes PEM text).
        const keyFile = join(dir, 'tenant-key.pem');
        writeFileSync(keyFile, emulator.privateKeyPem, { mode: 0o600 });
        return { UPVEST_PRIVATE_KEY: keyFile };
      },
    });
  });

  after(() => rig?.close());

  test('a webhook pointing at it gets a test delivery and emitted events, all verified', async (t) => {
    hook = await rig.upvest.webhooks.create({ title: 'node-http example', url: rig.receiverUrl, type: ['ALL'] });
    await rig.upvest.webhooks.update(hook.id, { enabled: true });

    await rig.upvest.webhooks.test(hook.id);
    await rig.server.waitForLine(/^processed USER\.CREATED /);

    const { events } = rig.emu.emit({ events: [{ type: 'ORDER.FILLED', count: 2 }, { type: 'POSITION.UPDATED' }, { type: 'USER.CREATED' }] });
    await waitUntil(() => events.every((e) => processedIds().includes(e.id)), { message: () => `server output:\n${rig.server.output()}` });
    const deliveries = await attemptedDeliveries(rig.emu, hook.id);
    assert.ok(
      deliveries.every((d) => d.state === 'delivered' && d.attempts.at(-1).status === 200),
      JSON.stringify(deliveries.map((d) => [d.state, d.attempts])),
    );
    assert.ok(!rig.server.lines.some((l) => l.startsWith('rejected')), rig.server.output());
    t.diagnostic(`${processedIds().length} events verified and processed in ${deliveries.length} deliveries (test delivery included)`);
  });

  test('a retried delivery is skipped as duplicate; a tampered one gets 400 with its code', async () => {
    const last = rig.emu.listDeliveries({ webhookId: hook.id }).at(-1).lastRequest;
    const before = processedIds().length;
    const retry = await fetch(rig.receiverUrl, { method: 'POST', headers: last.headers, body: last.body });
    assert.equal(retry.status, 200);
    await rig.server.waitForLine(/^duplicate /);
    assert.equal(processedIds().length, before, 'nothing processed twice');

    const body = tamperedBody(last.body);
    const tampered = await fetch(rig.receiverUrl, { method: 'POST', headers: last.headers, body });
    assert.deepEqual([tampered.status, await tampered.json()], [400, { code: 'ERR_DIGEST_MISMATCH' }]);
    await rig.server.waitForLine(/^rejected ERR_DIGEST_MISMATCH: /);

    const unsigned = await fetch(rig.receiverUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: last.body });
    assert.deepEqual([unsigned.status, await unsigned.json()], [400, { code: 'ERR_SIGNATURE_HEADERS_MISSING' }]);
  });
});
