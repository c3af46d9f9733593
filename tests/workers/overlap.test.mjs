// Overlapping requests while keys (or a token) load, inside workerd
// (Miniflare 4): issue 11, finding 6. workerd cancels a request that awaits
// a promise another request created ("The Workers runtime canceled this
// request because it detected that your Worker's code had hung"). When
// verifications shared one in-flight key load, all but the first of several
// overlapping requests were cancelled, at every cold start and every
// refresh. Now each request in workerd loads for itself (or uses the cached
// keys), and every one answers.
//
// Each scenario sends six requests at once, each with a genuine delivery,
// while the key server (and, for the client, the token endpoint) delays its
// answer: during a cold load, then again during a refresh after
// keysMaxAgeMs. For `upvest-webhooks`, `upvest-webhooks/verifier`,
// UpvestClient's webhookVerifier() with its token, and the shipped
// examples/cloudflare-worker.
//
//   make consumer && node --test tests/workers/overlap.test.mjs

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Miniflare } from 'miniflare';
import { buildWorker } from './support/build.mjs';
import { ARTIFACTS_DIR, COMPATIBILITY_DATE, requireInstalledPackage } from './support/package.mjs';
import { generateKeyPair, signDelivery } from './support/upvest-signer.mjs';
import { startFakeUpvest } from '../js/support/fake-upvest.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const WORKER_ORIGIN = 'https://tenant.example';
const OVERLAPPING = 6;
const DELAY_MS = 600; // how long the key server (and token endpoint) take: the six requests all arrive meanwhile
const MAX_AGE_MS = 1_500; // keysMaxAgeMs, so the refresh scenario comes quickly

const key = generateKeyPair('upvest-key-overlap');

describe('overlapping requests while keys load, in workerd (Miniflare)', { timeout: 120_000 }, () => {
  let mf;
  let jwksServer;
  let jwksHits = 0;
  let fake;

  before(async () => {
    requireInstalledPackage();
    const [main, verifier, client, example] = await Promise.all([
      buildWorker({ outdir: join(ARTIFACTS_DIR, 'workers-overlap-main') }),
      buildWorker({ entry: join(HERE, 'verifier/worker.js'), outdir: join(ARTIFACTS_DIR, 'workers-overlap-verifier') }),
      buildWorker({ entry: join(HERE, 'client/worker.js'), outdir: join(ARTIFACTS_DIR, 'workers-overlap-client') }),
      buildWorker({ entry: join(HERE, '../../examples/cloudflare-worker/src/index.js'), outdir: join(ARTIFACTS_DIR, 'workers-overlap-example') }),
    ]);

    jwksServer = createServer((req, res) => {
      jwksHits += 1;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(key.jwks));
      }, DELAY_MS);
    });
    await new Promise((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${jwksServer.address().port}/auth/verify_keys`;

    fake = await startFakeUpvest();
    fake.inject({ kind: 'delay', delayMs: DELAY_MS, times: Infinity, path: /^\/auth\/(token|verify_keys)$/ });

    const keyCache = { UPVEST_KEYS_COOLDOWN_MS: '0', UPVEST_KEYS_MAX_AGE_MS: String(MAX_AGE_MS) };
    const worker = (name, build, bindings) => ({
      name,
      modules: build.modules,
      modulesRoot: build.outdir,
      compatibilityDate: COMPATIBILITY_DATE,
      bindings,
    });
    const credentials = {
      UPVEST_BASE_URL: fake.baseUrl,
      UPVEST_CLIENT_ID: fake.clientId,
      UPVEST_CLIENT_SECRET: fake.clientSecret,
      UPVEST_KEY_ID: fake.keyId,
      UPVEST_PRIVATE_KEY: fake.privateKeyPem,
    };
    const clientBindings = { ...credentials, ...keyCache };
    mf = new Miniflare({
      host: '127.0.0.1',
      workers: [
        worker('main', main, { UPVEST_JWKS_URL: jwksUrl, ...keyCache }),
        worker('verifier', verifier, { UPVEST_JWKS_URL: jwksUrl, ...keyCache }),
        worker('client-shared', client, clientBindings),
        worker('client-per-request', client, clientBindings),
        // The shipped example (esbuild here; tests/examples bundles it with wrangler): client keys, no KV.
        worker('example', example, credentials),
      ],
    });
    await mf.ready;
  });

  after(async () => {
    await mf?.dispose();
    await new Promise((resolve) => (jwksServer ? jwksServer.close(resolve) : resolve()));
    await fake?.close();
  });

  /** Sends OVERLAPPING requests at once; returns how many answered 200, and the other answers. */
  async function overlap(t, workerName, path, sign, label = '') {
    const worker = await mf.getWorker(workerName);
    const answers = await Promise.all(
      Array.from({ length: OVERLAPPING }, async () => {
        const delivery = sign(path);
        try {
          const response = await worker.fetch(`http://localhost${path}`, { method: 'POST', headers: delivery.headers, body: delivery.body });
          return { status: response.status, text: await response.text() };
        } catch (err) {
          return { status: 0, text: String(err?.message ?? err) };
        }
      }),
    );
    const answered = answers.filter((a) => a.status === 200).length;
    t.diagnostic(`${workerName} ${path}${label}: ${answered}/${OVERLAPPING} answered 200`);
    const others = [...new Set(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.text.slice(0, 300)}`))];
    for (const other of others) t.diagnostic(`  other answer: ${other}`);
    return { answered, others };
  }

  const signed = (path) => signDelivery({ privateKey: key.privateKey, keyId: key.kid, url: `${WORKER_ORIGIN}${path}` });

  for (const [entry, workerName] of [
    ['upvest-webhooks', 'main'],
    ['upvest-webhooks/verifier', 'verifier'],
  ]) {
    test(`${entry}: six overlapping requests during a cold key load all answer 200, then six during a refresh after keysMaxAgeMs`, async (t) => {
      const cold = await overlap(t, workerName, '/verify', signed, ' (cold)');
      await sleep(MAX_AGE_MS + 200); // the cached set is now older than keysMaxAgeMs
      const hitsBefore = jwksHits;
      const refresh = await overlap(t, workerName, '/verify', signed, ' (refresh)');
      assert.equal(cold.answered, OVERLAPPING, `cold: ${cold.others.join('\n')}`);
      assert.equal(refresh.answered, OVERLAPPING, `refresh: ${refresh.others.join('\n')}`);
      assert.ok(jwksHits > hitsBefore, 'the stale set was refreshed');
    });
  }

  const fakeSigned = (path) => {
    const events = [{ id: crypto.randomUUID(), created_at: new Date().toISOString(), type: 'ORDER.FILLED', object: {}, webhook_id: crypto.randomUUID() }];
    return fake.signDelivery({ url: `${WORKER_ORIGIN}${path}`, events });
  };

  test('UpvestClient: six overlapping requests while the token and the keys load (one webhookVerifier() per isolate) all answer 200, and during a refresh', async (t) => {
    const cold = await overlap(t, 'client-shared', '/verify-shared', fakeSigned, ' (cold)');
    await sleep(MAX_AGE_MS + 200);
    const refresh = await overlap(t, 'client-shared', '/verify-shared', fakeSigned, ' (refresh)');
    assert.equal(cold.answered, OVERLAPPING, `cold: ${cold.others.join('\n')}`);
    assert.equal(refresh.answered, OVERLAPPING, `refresh: ${refresh.others.join('\n')}`);
  });

  test('UpvestClient: six overlapping requests while the token loads (a webhookVerifier() per request) all answer 200', async (t) => {
    const cold = await overlap(t, 'client-per-request', '/verify', fakeSigned, ' (cold)');
    assert.equal(cold.answered, OVERLAPPING, `cold: ${cold.others.join('\n')}`);
  });

  test('examples/cloudflare-worker: six overlapping deliveries while its client loads the token and the keys all answer 200', async (t) => {
    const cold = await overlap(t, 'example', '/webhooks/upvest', fakeSigned, ' (cold)');
    assert.equal(cold.answered, OVERLAPPING, `cold: ${cold.others.join('\n')}`);
  });
});
