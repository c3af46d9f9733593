// examples/express: server.js (expressWebhook() on the webhook route) runs as
// its own process against the local emulator and verifies what it delivers.
// In-process, with the example's own middleware and handler: a JSON parser
// before it must fail with ERR_BODY_NOT_RAW (next(err) → 500), and the old
// express.raw() setups, pitfalls included, must now verify.
//
//   make consumer && node --test tests/examples/express.test.mjs

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { attemptedDeliveries, importFrom, installExample, startReceiverExample, waitUntil } from './support/helpers.mjs';

describe('examples/express', { timeout: 60_000 }, () => {
  let dir;
  let rig;
  let pkg;

  before(async () => {
    dir = await installExample('express');
    rig = await startReceiverExample({ dir, command: process.execPath, args: ['server.js'] });
    pkg = await importFrom(dir, 'upvest-webhooks');
  });

  after(() => rig?.close());

  test('the right way (expressWebhook): the emulator delivers, every event is verified', async (t) => {
    const hook = await rig.upvest.webhooks.create({ title: 'express example', url: rig.receiverUrl, type: ['ORDER', 'USER'] });
    await rig.upvest.webhooks.update(hook.id, { enabled: true });
    const { events } = rig.emu.emit({ events: [{ type: 'ORDER.FILLED', count: 2 }, { type: 'USER.CREATED' }] });
    const processed = () => rig.server.lines.filter((l) => l.startsWith('processed ')).map((l) => l.split(' ')[2]);
    await waitUntil(() => events.every((e) => processed().includes(e.id)), { message: () => `server output:\n${rig.server.output()}` });
    const deliveries = await attemptedDeliveries(rig.emu, hook.id);
    assert.ok(
      deliveries.every((d) => d.state === 'delivered' && d.attempts.at(-1).status === 200),
      JSON.stringify(deliveries.map((d) => [d.state, d.attempts])),
    );

    // A retry of the same delivery is a duplicate; a tampered one is rejected with its code.
    const last = deliveries.at(-1).lastRequest;
    assert.equal((await fetch(rig.receiverUrl, { method: 'POST', headers: last.headers, body: last.body })).status, 200);
    await rig.server.waitForLine(/^duplicate /);
    const tamperedBody = last.body.replace(/"type":"([A-Z])/, (_, c) => `"type":"${c === 'X' ? 'Y' : 'X'}`);
    const tampered = await fetch(rig.receiverUrl, { method: 'POST', headers: last.headers, body: tamperedBody });
    assert.deepEqual([tampered.status, await tampered.json()], [400, { error: 'ERR_DIGEST_MISMATCH' }]);
    await rig.server.waitForLine(/^rejected ERR_DIGEST_MISMATCH: /); // onRejected logs the message
    assert.equal(processed().length, events.length, 'each event processed once');
    assert.deepEqual(await (await fetch(new URL('/health', rig.receiverUrl))).json(), { ok: true }, 'the rest of the app still gets express.json()');
    t.diagnostic(`${events.length} events verified in ${deliveries.length} delivery(ies); retry → duplicate; tampered → 400 ERR_DIGEST_MISMATCH`);
  });

  test('a JSON parser before the middleware fails with ERR_BODY_NOT_RAW; the express.raw() setups, pitfalls included, verify', async (t) => {
    const { default: express } = await import('express');
    const { upvestWebhook, upvestWebhookHandler } = await import(pathToFileURL(join(dir, 'app.js')).href);
    const verifier = new pkg.WebhookVerifier({ keys: rig.emu.jwks() });
    const route = () => [upvestWebhook(verifier), upvestWebhookHandler({ onEvent: () => {} })];
    const path = '/webhooks/upvest';
    const apps = {
      'express.json() on the route': (app) => app.post(path, express.json(), ...route()),
      'app.use(express.json()) before the route': (app) => {
        app.use(express.json());
        app.post(path, ...route());
      },
      "express.raw() without type: 'application/json' (reads nothing: the middleware reads the stream)": (app) => app.post(path, express.raw(), ...route()),
      "express.raw({ type: 'application/json' }) (req.body is the Buffer: verified as is)": (app) =>
        app.post(path, express.raw({ type: 'application/json' }), ...route()),
      'the fix: expressWebhook() alone, before app.use(express.json())': (app) => {
        app.post(path, ...route());
        app.use(express.json());
      },
    };
    const outcomes = {};
    const messages = [];
    for (const [name, setup] of Object.entries(apps)) {
      const app = express();
      setup(app);
      // what Express's default handler would log: the code and the message
      app.use((err, req, res, next) => {
        messages.push(err.message);
        res.status(500).json({ code: err.code });
        void next;
      });
      const listener = await new Promise((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      try {
        const url = `http://127.0.0.1:${listener.address().port}${path}`;
        const delivery = rig.emu.signDelivery({
          url,
          events: [{ id: crypto.randomUUID(), created_at: new Date().toISOString(), type: 'ORDER.NEW', object: {}, webhook_id: crypto.randomUUID() }],
        });
        const response = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });
        const text = await response.text();
        outcomes[name] = response.status === 200 ? 200 : `${response.status} ${JSON.parse(text).code ?? JSON.parse(text).error}`;
      } finally {
        await new Promise((resolve) => listener.close(resolve));
      }
    }
    for (const [name, outcome] of Object.entries(outcomes)) t.diagnostic(`${name} → ${outcome}`);
    t.diagnostic(`next(err) got: ${messages[0]?.slice(0, 200)}…`);
    assert.deepEqual(outcomes, {
      'express.json() on the route': '500 ERR_BODY_NOT_RAW',
      'app.use(express.json()) before the route': '500 ERR_BODY_NOT_RAW',
      "express.raw() without type: 'application/json' (reads nothing: the middleware reads the stream)": 200,
      "express.raw({ type: 'application/json' }) (req.body is the Buffer: verified as is)": 200,
      'the fix: expressWebhook() alone, before app.use(express.json())': 200,
    });
    assert.equal(messages.length, 2);
    for (const message of messages)
      assert.match(message, /express\.json\(\) ran before expressWebhook\(\).*app\.post\(path, expressWebhook\(verifier\), handler\)/s);
  });
});
