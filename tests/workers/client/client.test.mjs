// The upvest-webhooks API client inside workerd (Miniflare 4), against the
// fake Upvest API on 127.0.0.1: create → list → delete and more, with every
// request's signature verified by the fake server with node:crypto.
//
//   make consumer && node --test tests/workers/client/

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Miniflare } from 'miniflare';
import { COMPATIBILITY_DATE, requireInstalledPackage } from '../support/package.mjs';
import { buildWorker } from '../support/build.mjs';
import { startFakeUpvest } from '../../js/support/fake-upvest.mjs';
import { newPrivateKey } from '../../js/support/upvest-signer.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

describe('UpvestClient in Cloudflare Workers (workerd via Miniflare) against the fake Upvest API', { timeout: 60_000 }, () => {
  let fake;
  let mf;
  let outdir;
  let bundle;
  const ed = newPrivateKey('ed25519');
  let edKeyId;

  before(async () => {
    requireInstalledPackage();
    fake = await startFakeUpvest();
    edKeyId = fake.registerKey(ed);
    outdir = mkdtempSync(join(tmpdir(), 'upvest-client-worker-'));
    bundle = await buildWorker({ entry: join(HERE, 'worker.js'), outdir });
    const common = { modules: bundle.modules, modulesRoot: outdir, compatibilityDate: COMPATIBILITY_DATE };
    const bindings = {
      UPVEST_BASE_URL: fake.baseUrl,
      UPVEST_CLIENT_ID: fake.clientId,
      UPVEST_CLIENT_SECRET: fake.clientSecret,
      UPVEST_KEY_ID: fake.keyId,
      UPVEST_PRIVATE_KEY: fake.privateKeyPem,
    };
    mf = new Miniflare({
      host: '127.0.0.1',
      workers: [
        { name: 'p521', ...common, bindings },
        { name: 'ed25519', ...common, bindings: { ...bindings, UPVEST_KEY_ID: edKeyId, UPVEST_PRIVATE_KEY: JSON.stringify(ed.export({ format: 'jwk' })) } },
        { name: 'short-timeout', ...common, bindings: { ...bindings, UPVEST_TIMEOUT_MS: '300' } },
      ],
    });
    await mf.ready;
  });

  after(async () => {
    await mf?.dispose();
    await fake?.close();
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  beforeEach(() => {
    fake.clearFaults();
  });

  async function call(worker, path, init = {}) {
    const w = await mf.getWorker(worker);
    const response = await w.fetch(`http://localhost${path}`, init);
    const text = await response.text();
    try {
      return { status: response.status, json: JSON.parse(text) };
    } catch {
      return assert.fail(`worker ${worker} answered ${response.status} with non-JSON: ${text.slice(0, 500)}`);
    }
  }

  test('the bundle uses the workerd entry and one CompiledWasm module', () => {
    assert.ok(
      bundle.inputs.some((p) => p.endsWith('upvest-webhooks/src/workerd.js')),
      bundle.inputs.join('\n'),
    );
    assert.equal(bundle.wasm.length, 1);
    assert.ok(bundle.modules.some((m) => m.type === 'CompiledWasm'));
  });

  test('create → enable → list → listAll → retrieve → test → delete inside workerd, every request verified by the server', async () => {
    fake.clearLog();
    const { status, json } = await call('p521', '/lifecycle', { method: 'POST' });
    assert.equal(status, 200, JSON.stringify(json));
    const steps = Object.fromEntries(json.steps);
    assert.equal(steps.create.enabled, false);
    assert.equal(steps.update.enabled, true);
    assert.equal(steps.list.meta.total_count, 1);
    assert.equal(steps.list.data[0].id, steps.create.id);
    assert.deepEqual(steps.listAll, [steps.create.id]);
    assert.deepEqual(steps.retrieve, steps.update);
    assert.equal(steps.test, null);
    assert.equal(steps.delete, null);
    assert.equal(fake.state.webhooks.size, 0);
    const trace = fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
    assert.equal(trace[0], 'POST /auth/token 200');
    assert.ok(trace.includes(`DELETE /webhooks/${steps.create.id} 204`), trace.join('\n'));
    for (const r of fake.requests) {
      assert.equal(r.signature?.verified, true, `${r.method} ${r.path}: ${r.signature?.error}`);
      assert.equal(r.signature.algorithm, 'ecdsa-p521-sha512');
      assert.equal(r.headers['upvest-signature-version'], '15');
    }
    const writes = fake.requests.filter((r) => r.method === 'POST' || r.method === 'PATCH').filter((r) => r.path !== '/auth/token');
    assert.ok(writes.every((r) => /^[0-9a-f-]{36}$/.test(r.idempotencyKey ?? '')));
  });

  test("create → list → delete as separate Worker requests, reusing the isolate's token", async () => {
    fake.clearLog();
    const created = await call('p521', '/create', { method: 'POST', body: JSON.stringify({ title: 'split', url: 'https://tenant.example.com/split' }) });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const listed = await call('p521', '/list?limit=5');
    assert.equal(listed.status, 200, JSON.stringify(listed.json));
    assert.deepEqual(
      listed.json.page.data.map((h) => h.id),
      [created.json.hook.id],
    );
    const deleted = await call('p521', `/delete/${created.json.hook.id}`, { method: 'POST' });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.json));
    assert.equal(fake.state.webhooks.size, 0);
    assert.equal(fake.tokenRequests.length, 0, 'the token from the previous request is reused');
  });

  test('an Ed25519 private JWK signs inside workerd too', async () => {
    fake.clearLog();
    const { status, json } = await call('ed25519', '/keys');
    assert.equal(status, 200, JSON.stringify(json));
    assert.deepEqual(json.jwks, { keys: fake.state.verificationKeys.map((k) => k.publicJwk) });
    assert.ok(fake.requests.length >= 2);
    for (const r of fake.requests) {
      assert.equal(r.signature?.verified, true, r.signature?.error);
      assert.equal(r.signature.algorithm, 'ed25519');
      assert.equal(r.signature.keyId, edKeyId);
    }
  });

  test('a connection dropped after processing is retried inside workerd with the same idempotency key, no duplicate', async () => {
    fake.clearLog();
    fake.inject({ method: 'POST', path: '/webhooks', kind: 'drop', when: 'after' });
    const { status, json } = await call('p521', '/create', { method: 'POST', body: JSON.stringify({ title: 'dropped', url: 'https://tenant.example.com/d' }) });
    assert.equal(status, 200, JSON.stringify(json));
    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path === '/webhooks');
    assert.equal(posts.length, 2);
    assert.equal(posts[0].idempotencyKey, posts[1].idempotencyKey);
    assert.equal(posts[1].replayed, true);
    assert.equal(fake.state.webhooks.size, 1);
    await call('p521', `/delete/${json.hook.id}`, { method: 'POST' });
  });

  test('typed errors cross into the Worker: 404 → UpvestApiError ERR_API_NOT_FOUND, a timeout → ERR_TIMEOUT, validation → ERR_VALIDATION', async () => {
    const missing = await call('p521', `/retrieve/${crypto.randomUUID()}`);
    assert.equal(missing.status, 500);
    assert.equal(missing.json.error.code, 'ERR_API_NOT_FOUND');
    assert.equal(missing.json.error.isApiError, true);
    assert.equal(missing.json.error.status, 404);
    assert.match(missing.json.error.upvestRequestId, /^[0-9a-f-]{36}$/);

    fake.inject({ kind: 'hang', times: Infinity, path: '/auth/verify_keys' });
    const t0 = Date.now();
    const timedOut = await call('short-timeout', '/keys');
    assert.equal(timedOut.json.error?.code, 'ERR_TIMEOUT', JSON.stringify(timedOut.json));
    assert.equal(timedOut.json.error.isUpvestError, true);
    assert.ok(Date.now() - t0 < 10_000);
    fake.clearFaults();

    const before = fake.requests.length;
    const invalid = await call('p521', '/invalid');
    assert.equal(invalid.json.error.code, 'ERR_VALIDATION');
    assert.equal(invalid.json.error.isValidationError, true);
    assert.equal(invalid.json.error.field, 'title');
    assert.equal(fake.requests.length, before);
  });

  test('webhookVerifier() inside workerd verifies a delivery signed with a key the fake publishes', async () => {
    const events = [{ id: crypto.randomUUID(), created_at: new Date().toISOString(), type: 'ORDER.FILLED', object: {}, webhook_id: crypto.randomUUID() }];
    const delivery = fake.signDelivery({ url: 'https://tenant.example.com/verify', events });
    const { status, json } = await call('p521', '/verify', { method: 'POST', headers: delivery.headers, body: delivery.body });
    assert.equal(status, 200, JSON.stringify(json));
    assert.deepEqual(json.events, events);
    assert.equal(json.keyId, fake.state.verificationKeys[0].kid);
  });
});
