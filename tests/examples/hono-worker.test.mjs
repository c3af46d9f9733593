// examples/hono-worker: a Hono app with honoWebhook() from
// `upvest-webhooks/verifier`, bundled by wrangler 4 (`deploy --dry-run`) from
// a copy with the packed tarball installed (hono from the root workspace),
// then run in workerd via Miniflare 4 with the compatibility date of its
// wrangler.toml. The emulator delivers to it for real; the Worker forwards
// each new event to a node:http sink (EVENTS_FORWARD_URL), which is how the
// test sees what was processed, and how often.
// wrangler 4 needs Node >= 22.12 (make test-examples and scripts/run-tests.sh
// pick it with scripts/wrangler-node.sh).
//
//   make consumer && node --test tests/examples/hono-worker.test.mjs

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  attemptedDeliveries,
  clientOptionsFor,
  collectStdio,
  compatibilityDateOf,
  importFrom,
  installExample,
  startEmulator,
  startEventSink,
  waitUntil,
  wranglerDryRun,
} from './support/helpers.mjs';

describe('examples/hono-worker (wrangler bundle in workerd)', { timeout: 60_000 }, () => {
  let dir;
  let dist;
  let wrangler;
  let emu;
  let mf;
  let workerUrl;
  let upvest;
  let sink; // the events the Worker forwarded (processed)
  const workerLogs = [];
  const countOf = (id) => sink.countOf(id);
  const event = (type = 'ORDER.NEW') => ({ id: crypto.randomUUID(), created_at: new Date().toISOString(), type, object: {}, webhook_id: crypto.randomUUID() });

  before(async () => {
    dir = await installExample('hono-worker');
    wrangler = await wranglerDryRun(dir, ['--outdir', 'dist']);
    dist = join(dir, 'dist');
    const wasmFile = readdirSync(dist).find((f) => f.endsWith('.wasm'));
    const compatibilityDate = compatibilityDateOf(dir);

    emu = await startEmulator();
    sink = await startEventSink();

    const { Miniflare } = await import('miniflare');
    mf = new Miniflare({
      host: '127.0.0.1',
      port: 0,
      compatibilityDate,
      modulesRoot: dist,
      modules: [
        { type: 'ESModule', path: join(dist, 'index.js') },
        { type: 'CompiledWasm', path: join(dist, wasmFile) },
      ],
      bindings: { UPVEST_JWKS: JSON.stringify(emu.jwks()), EVENTS_FORWARD_URL: sink.url },
      handleRuntimeStdio: collectStdio(workerLogs),
    });
    workerUrl = new URL('/webhooks/upvest', await mf.ready).href;
    const { UpvestClient } = await importFrom(dir, 'upvest-webhooks');
    upvest = new UpvestClient(clientOptionsFor(emu));
  });

  after(async () => {
    await mf?.dispose();
    await emu?.close();
    await sink?.close();
  });

  test('wrangler bundles hono and upvest-webhooks/verifier (the smaller .wasm)', (t) => {
    const files = readdirSync(dist);
    const wasm = files.filter((f) => f.endsWith('.wasm'));
    assert.equal(wasm.length, 1, files.join(', '));
    assert.match(wasm[0], /upvest_webhooks_verifier_bg\.wasm$/);
    const bundle = readFileSync(join(dist, 'index.js'), 'utf8');
    assert.match(bundle, /class Hono\b|Hono = class/, 'hono is in the bundle');
    t.diagnostic(`wrangler ${wrangler.report.version}: Total Upload ${wrangler.report.upload}`);
  });

  test('the emulator delivers to it: every event verified (200) and processed once, after the response', async (t) => {
    const hook = await upvest.webhooks.create({ title: 'hono-worker example', url: workerUrl, type: ['ALL'] });
    await upvest.webhooks.update(hook.id, { enabled: true });
    const { events } = emu.emit({ events: [{ type: 'ORDER.FILLED', count: 2 }, { type: 'POSITION.UPDATED' }] });
    await waitUntil(() => events.every((e) => countOf(e.id) === 1), {
      message: () => `forwarded: ${sink.forwarded.map((e) => e.id)}\nworker logs:\n${workerLogs.join('\n')}`,
    });
    const deliveries = await attemptedDeliveries(emu, hook.id);
    assert.ok(
      deliveries.every((d) => d.state === 'delivered' && d.attempts.at(-1).status === 200),
      JSON.stringify(deliveries.map((d) => [d.state, d.attempts])),
    );

    // a redelivery of the same events: 200, not processed again (the next fresh delivery is processed after it)
    const last = deliveries.at(-1).lastRequest;
    const retry = await fetch(workerUrl, { method: 'POST', headers: last.headers, body: last.body });
    assert.equal(retry.status, 200);
    const fresh = emu.signDelivery({ url: workerUrl, events: [event()] });
    assert.equal((await fetch(workerUrl, { method: 'POST', headers: fresh.headers, body: fresh.body })).status, 200);
    const freshId = JSON.parse(fresh.body).payload[0].id;
    await waitUntil(() => countOf(freshId) === 1, { message: () => `worker logs:\n${workerLogs.join('\n')}` });
    for (const e of events) assert.equal(countOf(e.id), 1, `${e.id} processed ${countOf(e.id)} times`);
    t.diagnostic(`${events.length} events in ${deliveries.length} deliveries verified and processed once; a retry was not processed again`);
  });

  test('tampered → 400 {"error":"ERR_DIGEST_MISMATCH"}; an oversized body → 413; GET → 404 (Hono), the route is POST only', async () => {
    const delivery = emu.signDelivery({ url: workerUrl, events: [event('ORDER.FILLED')] });
    const tamperedBody = delivery.body.replace('ORDER.FILLED', 'ORDER.FILLEX');
    const tampered = await fetch(workerUrl, { method: 'POST', headers: delivery.headers, body: tamperedBody });
    assert.deepEqual([tampered.status, await tampered.json()], [400, { error: 'ERR_DIGEST_MISMATCH' }]);
    // announces one byte over the default limits.maxBodyBytes, sends 1 KiB of it: answered without reading
    const oversized = await new Promise((resolve, reject) => {
      const req = httpRequest(workerUrl, { method: 'POST', headers: { ...delivery.headers, 'content-length': String(8 * 1024 * 1024 + 1) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          req.destroy();
          resolve({ status: res.statusCode, json: JSON.parse(text) });
        });
      });
      req.on('error', reject);
      req.write('x'.repeat(1024));
    });
    assert.deepEqual([oversized.status, oversized.json], [413, { error: 'ERR_LIMIT_EXCEEDED' }]);
    assert.ok(
      workerLogs.some((l) => l.includes('rejected ERR_DIGEST_MISMATCH')),
      `onRejected logs the rejection:\n${workerLogs.join('\n')}`,
    );
    const get = await fetch(workerUrl);
    assert.equal(get.status, 404);
    await get.arrayBuffer();
  });
});
