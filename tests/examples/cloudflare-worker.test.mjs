// examples/cloudflare-worker: bundled by wrangler 4 (`deploy --dry-run`) from a
// copy with the packed tarball installed, then run in workerd via Miniflare 4,
// with the compatibility date of the example's wrangler.toml.
//
//   - "client-keys" (served on a port): keys via UpvestClient#webhookVerifier()
//     from the emulator, KV idempotency. The emulator delivers to it for real.
//   - "env-jwks": keys from the UPVEST_JWKS binding, no KV (in-memory Set).
//   - "verifier-only": src/verifier-only.js (`upvest-webhooks/verifier`),
//     bundled from wrangler.verifier-only.toml; keys from UPVEST_JWKS.
//
// Each bundle's "Total Upload" line is reported (the README's sizes).
// wrangler 4 needs Node >= 22.12: run this file on one (make test-examples
// and scripts/run-tests.sh pick it with scripts/wrangler-node.sh).
//
// Both forward each new event to a node:http sink (EVENTS_FORWARD_URL), which
// is how the test sees what was processed, and how often.
//
//   make consumer && node --test tests/examples/cloudflare-worker.test.mjs

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  attemptedDeliveries,
  clientOptionsFor,
  collectStdio,
  compatibilityDateOf,
  importFrom,
  installExample,
  sleep,
  startEmulator,
  startEventSink,
  tamperedBody,
  waitUntil,
  wranglerDryRun,
} from './support/helpers.mjs';
import { COMPATIBILITY_DATE as TESTED_DATE, workerdSupports } from '../workers/support/package.mjs';

describe('examples/cloudflare-worker (wrangler bundle in workerd)', { timeout: 60_000 }, () => {
  let dir;
  let dist;
  let wasmFile;
  let wranglerRun;
  let verifierRun;
  let verifierDist;
  let verifierWasm;
  let compatibilityDate;
  let emu;
  let mf;
  let workerUrl;
  let upvest;
  let sink; // the events the Worker forwarded (processed)
  const workerLogs = [];
  const countOf = (id) => sink.countOf(id);

  before(async () => {
    dir = await installExample('cloudflare-worker');
    compatibilityDate = compatibilityDateOf(dir, 'wrangler.toml');
    wranglerRun = await wranglerDryRun(dir, ['--outdir', 'dist']);
    dist = join(dir, 'dist');
    wasmFile = readdirSync(dist).find((f) => f.endsWith('.wasm'));
    verifierRun = await wranglerDryRun(dir, ['--config', 'wrangler.verifier-only.toml', '--outdir', 'dist-verifier-only']);
    verifierDist = join(dir, 'dist-verifier-only');
    verifierWasm = readdirSync(verifierDist).find((f) => f.endsWith('.wasm'));

    emu = await startEmulator();
    sink = await startEventSink();
    const sinkUrl = sink.url;

    const { Miniflare } = await import('miniflare');
    const common = {
      compatibilityDate,
      modulesRoot: dist,
      modules: [
        { type: 'ESModule', path: join(dist, 'index.js') },
        { type: 'CompiledWasm', path: join(dist, wasmFile) },
      ],
    };
    mf = new Miniflare({
      host: '127.0.0.1',
      port: 0,
      handleRuntimeStdio: collectStdio(workerLogs),
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
        {
          name: 'verifier-only',
          compatibilityDate: compatibilityDateOf(dir, 'wrangler.verifier-only.toml'),
          modulesRoot: verifierDist,
          modules: [
            { type: 'ESModule', path: join(verifierDist, 'verifier-only.js') },
            { type: 'CompiledWasm', path: join(verifierDist, verifierWasm) },
          ],
          bindings: { UPVEST_JWKS: JSON.stringify(emu.jwks()), EVENTS_FORWARD_URL: sinkUrl },
        },
      ],
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

  test('wrangler 4 on Node >= 22.12; both configs use the compatibility date the tests run, which this workerd supports', async (t) => {
    const workerd = await workerdSupports(compatibilityDate);
    assert.match(wranglerRun.report.version ?? '', /^4\./, wranglerRun.stdout);
    assert.equal(compatibilityDate, TESTED_DATE, 'wrangler.toml');
    assert.equal(compatibilityDateOf(dir, 'wrangler.verifier-only.toml'), TESTED_DATE, 'wrangler.verifier-only.toml');
    assert.ok(workerd.ok, `workerd ${workerd.version} supports dates up to ${workerd.compatibilityDate}`);
    t.diagnostic(`Node ${process.versions.node}, wrangler ${wranglerRun.report.version}, workerd ${workerd.version}, compatibility date ${compatibilityDate}`);
  });

  test('wrangler bundles src/index.js with the workerd entry and the .wasm as a module', (t) => {
    t.diagnostic(
      `upvest-webhooks (src/index.js): wrangler ${wranglerRun.ms} ms, upload ${wranglerRun.report.upload}; bindings: ${wranglerRun.report.bindings.join(', ')}`,
    );
    assert.match(wasmFile ?? '', /upvest_webhooks_bg\.wasm$/, `dist/: ${readdirSync(dist)}`);
    const script = readFileSync(join(dist, 'index.js'), 'utf8');
    assert.ok(script.includes('node_modules/upvest-webhooks/src/workerd.js'), 'the workerd export condition');
    assert.ok(script.includes(`from "./${wasmFile}"`), 'the .wasm imported as a module');
    assert.deepEqual(wranglerRun.report.bindings, ['UPVEST_EVENTS', 'UPVEST_BASE_URL'], 'wrangler saw the KV binding and the var of wrangler.toml');
    assert.match(wranglerRun.report.upload ?? '', /^[\d.]+ KiB \/ gzip: [\d.]+ KiB$/, wranglerRun.stdout);
  });

  test('wrangler bundles src/verifier-only.js with the verifier entry only: its own, smaller .wasm', (t) => {
    t.diagnostic(`upvest-webhooks/verifier (src/verifier-only.js): wrangler ${verifierRun.ms} ms, upload ${verifierRun.report.upload}`);
    assert.match(verifierWasm ?? '', /upvest_webhooks_verifier_bg\.wasm$/, `dist-verifier-only/: ${readdirSync(verifierDist)}`);
    const script = readFileSync(join(verifierDist, 'verifier-only.js'), 'utf8');
    assert.ok(script.includes('node_modules/upvest-webhooks/src/verifier/workerd.js'), "the verifier entry's workerd condition");
    assert.ok(!script.includes('upvest-webhooks/src/workerd.js'), 'nothing of the whole package');
    const kib = (report) => Number(/gzip: ([\d.]+) KiB/.exec(report.upload ?? '')?.[1]);
    assert.ok(
      kib(verifierRun.report) > 0 && kib(verifierRun.report) < kib(wranglerRun.report) / 2,
      `verifier-only ${verifierRun.report.upload} vs ${wranglerRun.report.upload}: less than half`,
    );
  });

  test('the emulator delivers to the Worker; keys come from the client; events are processed once', async (t) => {
    const hook = await upvest.webhooks.create({
      title: 'worker example',
      url: workerUrl,
      type: ['ORDER', 'POSITION'],
      config: { delay: '1s', max_package_size: 10240 },
    });
    await upvest.webhooks.update(hook.id, { enabled: true });
    const { events } = emu.emit({ events: [{ type: 'ORDER.FILLED', count: 2 }, { type: 'POSITION.UPDATED' }] });
    await waitUntil(() => events.every((e) => countOf(e.id) === 1), {
      message: () => `forwarded: ${JSON.stringify(sink.forwarded.map((e) => e.id))}\nworker: ${workerLogs.join('\n')}`,
    });
    const deliveries = await attemptedDeliveries(emu, hook.id);
    assert.ok(
      deliveries.every((d) => d.state === 'delivered'),
      JSON.stringify(deliveries.map((d) => [d.state, d.attempts])),
    );
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
    const body = tamperedBody(replay.body);
    const tampered = await fetch(workerUrl, { method: 'POST', headers: replay.headers, body });
    assert.deepEqual([tampered.status, await tampered.json()], [400, { code: 'ERR_DIGEST_MISMATCH' }]);
    await upvest.webhooks.delete(hook.id);
  });

  test('keys from the UPVEST_JWKS binding; duplicates caught by the in-memory Set; tampered → 400', async (t) => {
    const worker = await mf.getWorker('env-jwks');
    const event = {
      id: crypto.randomUUID(),
      created_at: new Date().toISOString(),
      type: 'ORDER.NEW',
      object: { id: 'order-1' },
      webhook_id: crypto.randomUUID(),
    };
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
    assert.ok(
      workerLogs.some((l) => l.includes(`duplicate ORDER.NEW ${event.id}`)),
      workerLogs.join('\n'),
    );
    t.diagnostic(`valid → 200, duplicate → 200 (skipped), tampered → 400 ERR_DIGEST_MISMATCH, unknown key → 400 ERR_KEY_NOT_FOUND`);
  });

  test('verifier-only: a signed delivery → 200 and processed after the response; tampered → 400', async () => {
    const worker = await mf.getWorker('verifier-only');
    const event = {
      id: crypto.randomUUID(),
      created_at: new Date().toISOString(),
      type: 'ORDER.FILLED',
      object: { id: 'order-9' },
      webhook_id: crypto.randomUUID(),
    };
    const delivery = emu.signDelivery({ url: 'https://receiver.example/webhooks/upvest', events: [event] });
    const send = async (d) => {
      const response = await worker.fetch('http://worker/webhooks/upvest', { method: 'POST', headers: d.headers, body: d.body });
      return [response.status, await response.json()];
    };
    assert.deepEqual(await send(delivery), [200, { received: 1 }]);
    await waitUntil(() => countOf(event.id) === 1, { message: () => `forwarded: ${JSON.stringify(sink.forwarded.map((e) => e.id))}` });
    assert.deepEqual(await send({ ...delivery, body: delivery.body.replace('order-9', 'order-8') }), [400, { code: 'ERR_DIGEST_MISMATCH' }]);
    const otherKey = emu.signDelivery({ url: 'https://receiver.example/webhooks/upvest', events: [event], privateKey: emu.privateKey, kid: 'not-published' });
    assert.deepEqual(await send(otherKey), [400, { code: 'ERR_KEY_NOT_FOUND' }]);
    assert.equal(countOf(event.id), 1, 'rejected deliveries are not processed');
  });
});
