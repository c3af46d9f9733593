// honoWebhook() in a Hono app inside workerd (Miniflare): tests/workers/hono/worker.js
// imports hono and `upvest-webhooks/verifier` by name and is bundled like the
// other test Workers; fetch-worker.js is webhookHandler() as a whole `fetch`
// export (esbuild, `workerd` condition, the .wasm as a
// CompiledWasm module). Deliveries come from the independent node:crypto
// signer. The Worker reports what its handlers received to a node:http sink.
//
//   make consumer && node --test tests/workers/hono/

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Miniflare } from 'miniflare';
import { buildWorker } from '../support/build.mjs';
import { ARTIFACTS_DIR, COMPATIBILITY_DATE, requireInstalledPackage } from '../support/package.mjs';
import { generateKeyPair, sampleEvent, signDelivery, tamperBody } from '../support/upvest-signer.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const WORKER_ORIGIN = 'https://tenant.example'; // what the signer signs; only path and query are covered
const MAX_BODY_BYTES = 4096;

const key = generateKeyPair('upvest-key-hono');

/**
 * The sink the Worker's handlers report to. `next(kind)` resolves to the next
 * report of that kind; `hold()` makes the sink keep its answers to /events
 * until `release()`, so a handler that reports cannot finish before then.
 */
function createSink() {
  const queues = { events: [], errors: [] };
  const waiting = { events: [], errors: [] };
  let held = null;
  const arrivals = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const kind = req.url.slice(1);
    const report = JSON.parse(body);
    for (const arrival of arrivals.filter(([k]) => k === kind)) arrival[1]();
    if (waiting[kind].length) waiting[kind].shift()(report);
    else queues[kind].push(report);
    if (kind === 'events' && held) await held.promise;
    res.writeHead(204).end();
  });
  return {
    server,
    next: (kind) => (queues[kind].length ? Promise.resolve(queues[kind].shift()) : new Promise((resolve) => waiting[kind].push(resolve))),
    pending: (kind) => queues[kind].length,
    /** Resolves once a report of `kind` has arrived (without taking it). */
    received: (kind) =>
      new Promise((resolve) => {
        if (queues[kind].length) resolve();
        else arrivals.push([kind, resolve]);
      }),
    hold() {
      let resolve;
      held = { promise: new Promise((r) => (resolve = r)) };
      held.resolve = resolve;
    },
    release() {
      held?.resolve();
      held = null;
    },
  };
}

describe('honoWebhook() in a Hono app in Cloudflare Workers (workerd via Miniflare)', { timeout: 60_000 }, () => {
  let mf;
  let sink;
  let bundle;
  let fetchBundle;

  before(async () => {
    requireInstalledPackage();
    bundle = await buildWorker({ entry: join(HERE, 'worker.js'), outdir: join(ARTIFACTS_DIR, 'workers-hono') });
    fetchBundle = await buildWorker({ entry: join(HERE, 'fetch-worker.js'), outdir: join(ARTIFACTS_DIR, 'workers-fetch-export') });
    sink = createSink();
    sink.server.listen(0, '127.0.0.1');
    await once(sink.server, 'listening');
    const bindings = {
      UPVEST_JWKS: JSON.stringify(key.jwks),
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      SINK_URL: `http://127.0.0.1:${sink.server.address().port}`,
    };
    mf = new Miniflare({
      host: '127.0.0.1',
      workers: [
        { name: 'hono', modules: bundle.modules, modulesRoot: bundle.outdir, compatibilityDate: COMPATIBILITY_DATE, bindings },
        { name: 'fetch-export', modules: fetchBundle.modules, modulesRoot: fetchBundle.outdir, compatibilityDate: COMPATIBILITY_DATE, bindings },
      ],
    });
    await mf.ready;
  });

  after(async () => {
    sink?.release();
    await mf?.dispose();
    sink?.server.closeAllConnections();
    sink?.server.close();
  });

  const sign = (path, options = {}) => signDelivery({ privateKey: key.privateKey, keyId: key.kid, url: `${WORKER_ORIGIN}${path}`, ...options });

  async function send(delivery, init = {}) {
    const { pathname } = new URL(delivery.url);
    const response = await mf.dispatchFetch(`http://localhost${pathname}`, {
      method: delivery.method,
      headers: delivery.headers,
      body: delivery.body,
      ...init,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : null };
  }

  test('the bundle holds hono and the verifier entry only', () => {
    const inputs = bundle.inputs;
    assert.ok(
      inputs.some((p) => p.includes('node_modules/hono/')),
      'hono is bundled',
    );
    assert.ok(
      inputs.some((p) => p.endsWith('upvest-webhooks/src/verifier/workerd.js')),
      inputs.join(', '),
    );
    assert.ok(
      inputs.some((p) => p.endsWith('upvest-webhooks/src/adapters.js')),
      inputs.join(', '),
    );
    assert.equal(bundle.wasm.length, 1);
    assert.match(bundle.wasm[0].source, /dist\/verifier\/upvest_webhooks_verifier_bg\.wasm$/);
  });

  test('a signed delivery → 200 at once; the handler gets the events afterwards, through ctx.waitUntil', async () => {
    const events = [sampleEvent(), sampleEvent({ type: 'POSITION.UPDATED', object: { quantity: '1.5' } })];
    sink.hold(); // the handler's report cannot complete until release(): a 200 now means it was not awaited
    try {
      // failure path only: a Worker that awaits the handler never answers while the sink holds it
      const stuck = sink.received('events').then(() => new Promise((resolve) => setTimeout(resolve, 15_000, 'stuck').unref()));
      const response = await Promise.race([send(sign('/webhooks/upvest', { events })), stuck]);
      assert.notEqual(response, 'stuck', 'no response while the handler was held: the Worker awaited it instead of ctx.waitUntil');
      assert.equal(response.status, 200, response.text);
      assert.equal(response.text, '');
    } finally {
      sink.release();
    }
    const report = await sink.next('events');
    assert.deepEqual(report, { route: '/webhooks/upvest', ids: events.map((e) => e.id), keyId: key.kid, waitUntil: true });
  });

  test('awaitHandler: true answers only after the handler finished', async () => {
    const events = [sampleEvent()];
    const response = await send(sign('/webhooks/awaited', { events }));
    assert.equal(response.status, 200, response.text);
    assert.equal(sink.pending('events'), 1, 'the report was in before the response');
    assert.deepEqual(
      (await sink.next('events')).ids,
      events.map((e) => e.id),
    );
  });

  test('a tampered delivery → 400 { error: ERR_DIGEST_MISMATCH }; the handler never runs', async () => {
    const response = await send(tamperBody(sign('/webhooks/upvest')));
    assert.equal(response.status, 400);
    assert.deepEqual(response.json, { error: 'ERR_DIGEST_MISMATCH' });
    // a valid delivery afterwards is the next report: the tampered one made none
    const events = [sampleEvent()];
    assert.equal((await send(sign('/webhooks/upvest', { events }))).status, 200);
    assert.deepEqual(
      (await sink.next('events')).ids,
      events.map((e) => e.id),
    );
  });

  test('a body over limits.maxBodyBytes → 413 ERR_LIMIT_EXCEEDED: by content-length, and an endless stream is cut off', async () => {
    const delivery = sign('/webhooks/upvest');
    const byLength = await send(delivery, {
      headers: { ...delivery.headers, 'content-length': String(MAX_BODY_BYTES + 1) },
      body: 'x'.repeat(MAX_BODY_BYTES + 1),
    });
    assert.equal(byLength.status, 413, byLength.text);
    assert.deepEqual(byLength.json, { error: 'ERR_LIMIT_EXCEEDED' });

    // an endless body without content-length, sent from inside workerd (over HTTP, the sender
    // would fail writing once the Worker answers): cut off just past the limit, then answered
    const { 'content-length': _, ...headers } = delivery.headers;
    const response = await mf.dispatchFetch('http://localhost/self/endless', { method: 'POST', body: JSON.stringify({ headers }) });
    const endless = await response.json();
    assert.equal(endless.status, 413, JSON.stringify(endless));
    assert.deepEqual(endless.body, { error: 'ERR_LIMIT_EXCEEDED' });
    assert.ok(endless.pulled <= MAX_BODY_BYTES + 2 * 1024, `read ${endless.pulled} bytes for a ${MAX_BODY_BYTES}-byte limit`);
    assert.equal(endless.cancelled, true, 'the stream was cancelled');
  });

  test('a handler that throws: the 200 is already out, onError gets the failure', async () => {
    const events = [sampleEvent()];
    const response = await send(sign('/webhooks/failing', { events }));
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(await sink.next('errors'), { message: `cannot store ${events[0].id}`, ids: [events[0].id] });
  });

  test('not POST → 405 with Allow: POST', async () => {
    for (const method of ['GET', 'PUT']) {
      const response = await mf.dispatchFetch('http://localhost/webhooks/any-method', { method, body: method === 'PUT' ? 'x' : undefined });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get('allow'), 'POST');
      await response.arrayBuffer();
    }
  });

  test("a middleware that read the body first → Hono's onError gets ERR_BODY_NOT_RAW", async () => {
    const response = await send(sign('/parsed/webhooks/upvest'));
    assert.equal(response.status, 500);
    assert.equal(response.json.thrown, true);
    assert.equal(response.json.code, 'ERR_BODY_NOT_RAW');
    assert.match(response.json.message, /c\.req\.json\(\)/);
  });

  test("webhookHandler() as a Worker's fetch export: 200 before the held handler finishes, then the events; tampered → 400", async () => {
    const worker = await mf.getWorker('fetch-export');
    const events = [sampleEvent()];
    const delivery = sign('/hooks', { events });
    sink.hold();
    try {
      const stuck = sink.received('events').then(() => new Promise((resolve) => setTimeout(resolve, 15_000, 'stuck').unref()));
      const response = await Promise.race([worker.fetch('http://localhost/hooks', { method: 'POST', headers: delivery.headers, body: delivery.body }), stuck]);
      assert.notEqual(response, 'stuck', 'no response while the handler was held: the Worker awaited it instead of ctx.waitUntil');
      assert.equal(response.status, 200, await response.text());
    } finally {
      sink.release();
    }
    assert.deepEqual(await sink.next('events'), { route: 'fetch export /hooks', ids: events.map((e) => e.id), keyId: key.kid, waitUntil: true });
    const tampered = tamperBody(sign('/hooks'));
    const rejected = await worker.fetch('http://localhost/hooks', { method: 'POST', headers: tampered.headers, body: tampered.body });
    assert.deepEqual([rejected.status, await rejected.json()], [400, { error: 'ERR_DIGEST_MISMATCH' }]);
  });
});
