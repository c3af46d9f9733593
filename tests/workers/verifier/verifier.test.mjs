// `upvest-webhooks/verifier` inside workerd (Miniflare 4): tests/workers/verifier/worker.js
// imports the subpath by name and is bundled like tests/workers/worker.js
// (esbuild, `workerd` condition, the .wasm as a CompiledWasm module).
// Deliveries come from the independent node:crypto signer.
//
//   make consumer && node --test tests/workers/verifier/

import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Miniflare } from 'miniflare';
import { VERIFIER_ENTRY_EXPORTS } from '../../support/entries.mjs';
import { buildWorker } from '../support/build.mjs';
import { ARTIFACTS_DIR, COMPATIBILITY_DATE, requireInstalledPackage } from '../support/package.mjs';
import { generateKeyPair, sampleEvent, signDelivery, tamperBody } from '../support/upvest-signer.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const WORKER_ORIGIN = 'https://tenant.example'; // what the signer signs; only path and query are covered

const key = generateKeyPair('upvest-key-v');
const otherKey = generateKeyPair('upvest-key-v'); // same kid, another key

describe('upvest-webhooks/verifier in Cloudflare Workers (workerd via Miniflare)', { timeout: 60_000 }, () => {
  let mf;
  let bundle;

  before(async () => {
    requireInstalledPackage();
    bundle = await buildWorker({ entry: join(HERE, 'worker.js'), outdir: join(ARTIFACTS_DIR, 'workers-verifier') });
    const common = { modules: bundle.modules, modulesRoot: bundle.outdir, compatibilityDate: COMPATIBILITY_DATE };
    const jwks = JSON.stringify(key.jwks);
    mf = new Miniflare({
      host: '127.0.0.1',
      workers: [
        { name: 'verifier', ...common, bindings: { UPVEST_JWKS: jwks } },
        { name: 'no-webcrypto', ...common, bindings: { UPVEST_JWKS: jwks, UPVEST_WEBCRYPTO: 'false' } },
      ],
    });
    await mf.ready;
  });

  after(async () => {
    await mf?.dispose();
  });

  async function call(workerName, path, init) {
    const worker = await mf.getWorker(workerName);
    const response = await worker.fetch(`http://localhost${path}`, init);
    const text = await response.text();
    try {
      return { status: response.status, json: JSON.parse(text) };
    } catch {
      return assert.fail(`worker ${workerName} answered ${response.status} with non-JSON: ${text.slice(0, 500)}`);
    }
  }

  const post = (workerName, delivery, query = '') => call(workerName, `/verify${query}`, { method: 'POST', headers: delivery.headers, body: delivery.body });
  const sign = (options = {}) => signDelivery({ privateKey: key.privateKey, keyId: key.kid, url: `${WORKER_ORIGIN}/verify`, ...options });

  test("the bundle took the subpath's workerd entry and only the verifier's .wasm", (t) => {
    const pkgInputs = bundle.inputs.filter((p) => p.includes('node_modules/upvest-webhooks/'));
    assert.ok(
      pkgInputs.some((p) => p.endsWith('upvest-webhooks/src/verifier/workerd.js')),
      `package inputs: ${pkgInputs.join(', ')}`,
    );
    assert.ok(
      pkgInputs.some((p) => p.endsWith('upvest-webhooks/dist/verifier/upvest_webhooks_verifier.js')),
      `package inputs: ${pkgInputs.join(', ')}`,
    );
    for (const other of [
      'src/workerd.js',
      'dist/node.js',
      'src/browser.js',
      'dist/verifier/node.js',
      'src/verifier/browser.js',
      'dist/wasm/upvest_webhooks.js',
    ]) {
      assert.ok(!pkgInputs.some((p) => p.endsWith(`upvest-webhooks/${other}`)), `${other} must not be bundled`);
    }
    assert.equal(bundle.wasm.length, 1, `expected exactly one .wasm import, got ${JSON.stringify(bundle.wasm)}`);
    assert.match(bundle.wasm[0].source, /dist\/verifier\/upvest_webhooks_verifier_bg\.wasm$/);
    assert.deepEqual(
      bundle.modules.map((m) => m.type),
      ['ESModule', 'CompiledWasm'],
    );
    t.diagnostic(
      `bundle: ${(statSync(bundle.scriptPath).size / 1024).toFixed(0)} KiB + ${(statSync(bundle.modules[1].path).size / 1024).toFixed(0)} KiB .wasm`,
    );
  });

  test('GET /exports: the verifier, inspectDelivery, the error classes and event helpers; no client, no test signer', async () => {
    const { status, json } = await call('verifier', '/exports');
    assert.equal(status, 200);
    assert.deepEqual(json, VERIFIER_ENTRY_EXPORTS);
  });

  test('POST /verify accepts a delivery signed by the independent node:crypto signer', async () => {
    const events = [sampleEvent(), sampleEvent({ type: 'POSITION.UPDATED', object: { quantity: '1.5' } })];
    const { status, json } = await post('verifier', sign({ events }));
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.ok, true);
    assert.deepEqual(json.events, events);
    assert.equal(json.keyId, key.kid);
    assert.equal(json.signatureVersion, 6);
  });

  test('POST /verify rejects a tampered body with ERR_DIGEST_MISMATCH (a WebhookVerificationError)', async () => {
    const { status, json } = await post('verifier', tamperBody(sign()));
    assert.equal(status, 401, JSON.stringify(json));
    assert.equal(json.code, 'ERR_DIGEST_MISMATCH');
    assert.equal(json.isWebhookVerificationError, true);
  });

  test('POST /verify rejects a delivery signed with another key under the same kid: ERR_SIGNATURE_INVALID', async () => {
    const forged = signDelivery({ privateKey: otherKey.privateKey, keyId: otherKey.kid, url: `${WORKER_ORIGIN}/verify` });
    const { status, json } = await post('verifier', forged);
    assert.equal(status, 401, JSON.stringify(json));
    assert.equal(json.code, 'ERR_SIGNATURE_INVALID');
  });

  test("workerd's WebCrypto checks a fresh verifier's first signature; with webCrypto: false it is not called", async (t) => {
    const withWebCrypto = await post('verifier', sign(), '?fresh=1');
    const forged = await post('verifier', signDelivery({ privateKey: otherKey.privateKey, keyId: key.kid, url: `${WORKER_ORIGIN}/verify` }), '?fresh=1');
    const without = await post('no-webcrypto', sign(), '?fresh=1');
    const withoutForged = await post(
      'no-webcrypto',
      signDelivery({ privateKey: otherKey.privateKey, keyId: key.kid, url: `${WORKER_ORIGIN}/verify` }),
      '?fresh=1',
    );
    t.diagnostic(
      `crypto.subtle.verify calls: ${withWebCrypto.json.subtleCalls} (valid), ${forged.json.subtleCalls} (forged); webCrypto: false: ${without.json.subtleCalls}, ${withoutForged.json.subtleCalls}`,
    );
    assert.equal(withWebCrypto.status, 200, JSON.stringify(withWebCrypto.json));
    assert.ok(withWebCrypto.json.subtleCalls >= 1, 'the first verification did not go to WebCrypto');
    assert.equal(forged.json.code, 'ERR_SIGNATURE_INVALID');
    assert.ok(forged.json.subtleCalls >= 1, 'the forged signature was not checked by WebCrypto');
    assert.equal(without.status, 200, JSON.stringify(without.json));
    assert.equal(without.json.subtleCalls, 0);
    assert.equal(withoutForged.json.code, 'ERR_SIGNATURE_INVALID');
    assert.equal(withoutForged.json.subtleCalls, 0);
  });
});
