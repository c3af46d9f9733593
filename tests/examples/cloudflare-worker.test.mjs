// examples/cloudflare-worker: bundled by wrangler (`deploy --dry-run`) from a
// copy with the packed tarball installed, then run in workerd via Miniflare.
//
//   - "client-keys" (served on a port): keys via UpvestClient#webhookVerifier()
//     from the emulator, KV idempotency. The emulator delivers to it for real.
//   - "env-jwks": keys from the UPVEST_JWKS binding, no KV (in-memory Set).
//
// Both forward each new event to a node:http sink (EVENTS_FORWARD_URL), which
// is how the test sees what was processed, and how often.
//
//   make consumer && node --test tests/examples/cloudflare-worker.test.mjs

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, clientOptionsFor, describeRun, importFrom, installExample, run, sleep, startEmulator, waitUntil, wranglerEnv, wranglerSummary } from './support/helpers.mjs';

const COMPATIBILITY_DATE = '2025-07-18'; // the workerd bundled with miniflare 3.20250718 (and the example's wrangler.toml)

describe('examples/cloudflare-worker (wrangler bundle in workerd)', { timeout: 60_000 }, () => {
  let dir;
  let dist;
  let wasmFile;
  let wranglerRun;
  let emu;
  let mf;
  let workerUrl;
  let upvest;
  let sink;
  const forwarded = []; // events the Worker forwarded (processed)
  const workerLogs = [];
  const countOf = (id) => forwarded.filter((e) => e.id === id).length;

  before(async () => {
    dir = await installExample('cloudflare-worker');
    wranglerRun = await run(`${BIN}/wrangler`, ['deploy', '--dry-run', '--outdir', 'dist'], { cwd: dir, env: wranglerEnv(join(dir, '.home')) });
    assert.equal(wranglerRun.code, 0, describeRun('wrangler deploy --dry-run --outdir dist', wranglerRun));
    dist = join(dir, 'dist');
    wasmFile = readdirSync(dist).find((f) => f.endsWith('.wasm'));

    emu = await startEmulator();
    sink = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      forwarded.push(JSON.parse(body));
      res.writeHead(204).end();
    });
    await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const sinkUrl = `http://127.0.0.1:${sink.address().port}/events`;

    const { Miniflare } = await import('miniflare');
    const common = {
      compatibilityDate: COMPATIBILITY_DATE,
      modulesRoot: dist,
      modules: [
        { type: 'ESModule', path: join(dist, 'index.js') },
        { type: 'CompiledWasm', path: join(dist, wasmFile) },
      ],
    };
    mf = new Miniflare({
      host: '127.0.0.1',
      port: 0,
      handleRuntimeStdio(stdout, stderr) {
        for (const stream of [stdout, stderr]) stream.on('data', (chunk) => workerLogs.push(...String(chunk).split('\n').filter(Boolean)));
      },
      workers: [
        {
          name: 'client-keys',
          ...common,
          kvNamespaces: { UPVEST_EVENTS: 'upvest-events-client-keys' },
          bindings: {
            UPVEST_BASE_URL: emu.baseUrl,
            UPVEST_CLIENT_ID: emu.clientId,
            UPVEST_CLIENT_SECRET: emu.clientSecret,
            UPVEST_KEY_ID: emu.keyId,
            UPVEST_PRIVATE_KEY: emu.privateKeyPem,
            EVENTS_FORWARD_URL: sinkUrl,
          },
        },
        { name: 'env-jwks', ...common, bindings: { UPVEST_JWKS: JSON.stringify(emu.jwks()), EVENTS_FORWARD_URL: sinkUrl } },
      ],
    });
    workerUrl = new URL('/webhooks/upvest', await mf.ready).href;
    const { UpvestClient } = await importFrom(dir, 'upvest-webhooks');
    upvest = new UpvestClient(clientOptionsFor(emu));
  });

  after(async () => {
    await mf?.dispose();
    await emu?.close();
    await new Promise((resolve) => (sink ? sink.close(resolve) : resolve()));
  });

  test('wrangler bundles src/index.js with the workerd entry and the .wasm as a module', (t) => {
    t.diagnostic(`wrangler (${wranglerRun.ms} ms): ${wranglerSummary(wranglerRun.stdout)}`);
    assert.match(wasmFile ?? '', /upvest_webhooks_bg\.wasm$/, `dist/: ${readdirSync(dist)}`);
    const script = readFileSync(join(dist, 'index.js'), 'utf8');
    assert.ok(script.includes('node_modules/upvest-webhooks/src/workerd.js'), 'the workerd export condition');
    assert.ok(script.includes(`from "./${wasmFile}"`), 'the .wasm imported as a module');
    assert.match(wranglerRun.stdout, /UPVEST_EVENTS/, 'wrangler saw the KV binding of wrangler.toml');
  });

  test('the emulator delivers to the Worker; keys come from the client; events are processed once', async (t) => {
    const hook = await upvest.webhooks.create({ title: 'worker example', url: workerUrl, type: ['ORDER', 'POSITION'], config: { delay: '1s', max_package_size: 10240 } });
    await upvest.webhooks.update(hook.id, { enabled: true });
    const { events } = emu.emit({ events: [{ type: 'ORDER.FILLED', count: 2 }, { type: 'POSITION.UPDATED' }] });
    await waitUntil(() => events.every((e) => countOf(e.id) === 1), { message: () => `forwarded: ${JSON.stringify(forwarded.map((e) => e.id))}\nworker: ${workerLogs.join('\n')}` });
    // the emulator records an attempt once the response is back
    const deliveries = await waitUntil(() => {
      const list = emu.listDeliveries({ webhookId: hook.id });
      return list.length > 0 && list.every((d) => d.attempts.length > 0) && list;
    });
    assert.ok(deliveries.every((d) => d.state === 'delivered'), JSON.stringify(deliveries.map((d) => [d.state, d.attempts])));
    assert.deepEqual(JSON.parse(deliveries.at(-1).attempts.at(-1).responseBody ?? '{}').duplicates, 0);

    // Upvest retries a delivery (same signed body, same event ids): the Worker answers 200 and skips them.
    const replay = deliveries.at(-1).lastRequest;
    const again = await fetch(workerUrl, { method: 'POST', headers: replay.headers, body: replay.body });
    const againBody = await again.json();
    assert.equal(again.status, 200, JSON.stringify(againBody));
    assert.deepEqual(againBody, { received: 0, duplicates: deliveries.at(-1).events.length });
    await sleep(300); // give a (wrong) second processing time to show up
    for (const e of events) assert.equal(countOf(e.id), 1, `${e.id} processed ${countOf(e.id)} times`);
    const kv = await mf.getKVNamespace('UPVEST_EVENTS', 'client-keys');
    const keys = (await kv.list({ prefix: 'event:' })).keys.map((k) => k.name).sort();
    assert.deepEqual(keys, events.map((e) => `event:${e.id}`).sort(), 'KV records each event id once');
    t.diagnostic(`${events.length} events delivered in ${deliveries.length} delivery(ies), processed once each; replay → ${JSON.stringify(againBody)}`);

    // A tampered delivery (one byte of the body changed, same length): 400 with the code.
    const body = replay.body.replace(/"type":"([A-Z])/, (_, c) => `"type":"${c === 'X' ? 'Y' : 'X'}`);
    const tampered = await fetch(workerUrl, { method: 'POST', headers: replay.headers, body });
    assert.deepEqual([tampered.status, await tampered.json()], [400, { code: 'ERR_DIGEST_MISMATCH' }]);
    await upvest.webhooks.delete(hook.id);
  });

  test('keys from the UPVEST_JWKS binding; duplicates caught by the in-memory Set; tampered → 400', async (t) => {
    const worker = await mf.getWorker('env-jwks');
    const event = { id: crypto.randomUUID(), created_at: new Date().toISOString(), type: 'ORDER.NEW', object: { id: 'order-1' }, webhook_id: crypto.randomUUID() };
    const delivery = emu.signDelivery({ url: 'https://receiver.example/webhooks/upvest', events: [event] });
    const send = async (d) => {
      const response = await worker.fetch('http://worker/webhooks/upvest', { method: 'POST', headers: d.headers, body: d.body });
      return [response.status, await response.json()];
    };
    assert.deepEqual(await send(delivery), [200, { received: 1, duplicates: 0 }]);
    assert.deepEqual(await send(delivery), [200, { received: 0, duplicates: 1 }]);
    const tampered = { ...delivery, body: delivery.body.replace('order-1', 'order-2') };
    assert.deepEqual(await send(tampered), [400, { code: 'ERR_DIGEST_MISMATCH' }]);
    const otherKey = emu.signDelivery({ url: 'https://receiver.example/webhooks/upvest', events: [event], privateKey: emu.privateKey, kid: 'not-published' });
    assert.deepEqual(await send(otherKey), [400, { code: 'ERR_KEY_NOT_FOUND' }]);
    await waitUntil(() => countOf(event.id) === 1);
    await sleep(200);
    assert.equal(countOf(event.id), 1);
    assert.ok(workerLogs.some((l) => l.includes(`duplicate ORDER.NEW ${event.id}`)), workerLogs.join('\n'));
    t.diagnostic(`valid → 200, duplicate → 200 (skipped), tampered → 400 ERR_DIGEST_MISMATCH, unknown key → 400 ERR_KEY_NOT_FOUND`);
  });
});
