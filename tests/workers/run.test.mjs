// Cloudflare Workers harness: runs tests/workers/worker.js (bundled with the
// installed upvest-webhooks package) inside workerd via Miniflare 4.
//
//   make consumer                 # installs the package into target/consumer/
//   node --test tests/workers/
//
// Three Workers run the same bundle: `local` (the default, reached with
// mf.dispatchFetch) gets the JWKS as a text binding (UPVEST_JWKS); `remote`
// gets a URL (UPVEST_JWKS_URL) served by a node:http server on 127.0.0.1,
// which the package fetches from inside workerd; `broken` gets a URL that
// answers 503. Deliveries are signed by an independent node:crypto signer
// (support/upvest-signer.mjs) that shares no code with the package.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { Miniflare } from 'miniflare';
import { buildWorker } from './support/build.mjs';
import { COMPATIBILITY_DATE, requireInstalledPackage, workerdSupports } from './support/package.mjs';
import { generateKeyPair, sampleEvent, signDelivery, tamperBody, verifyDeliveryIndependently } from './support/upvest-signer.mjs';

const WORKER_ORIGIN = 'https://tenant.example'; // what the signer signs; only path and query are covered

let mf;
let jwksServer;
let jwksUrl;
let jwksHits = 0;
let jwksBody;
const keyA = generateKeyPair('upvest-key-a');
const keyB = generateKeyPair('upvest-key-a'); // same kid, different key: a forged/rotated-away key
const keyC = generateKeyPair('upvest-key-c'); // published only by the remote JWKS
const keyD = generateKeyPair('upvest-key-d'); // added to the remote JWKS later (rotation)

async function post(workerName, delivery, path = new URL(delivery.url).pathname + new URL(delivery.url).search) {
  const worker = await mf.getWorker(workerName);
  const response = await worker.fetch(`http://localhost${path}`, {
    method: delivery.method,
    headers: delivery.headers,
    body: delivery.body,
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    assert.fail(`worker ${workerName} answered ${response.status} with non-JSON: ${text.slice(0, 500)}`);
  }
  return { status: response.status, json };
}

function sign(key, options = {}) {
  return signDelivery({ privateKey: key.privateKey, keyId: key.kid, url: `${WORKER_ORIGIN}/verify`, ...options });
}

describe('upvest-webhooks in Cloudflare Workers (workerd via Miniflare)', { timeout: 60_000 }, () => {
  let build;

  before(async () => {
    requireInstalledPackage();
    build = await buildWorker();

    jwksBody = JSON.stringify({ keys: [keyA.publicJwk, keyC.publicJwk] });
    jwksServer = createServer((req, res) => {
      if (req.url === '/.well-known/upvest/jwks.json') {
        jwksHits += 1;
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
        res.end(jwksBody);
      } else if (req.url === '/broken/jwks.json') {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('unavailable');
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${jwksServer.address().port}/.well-known/upvest/jwks.json`;

    const common = { modules: build.modules, modulesRoot: build.outdir, compatibilityDate: COMPATIBILITY_DATE };
    mf = new Miniflare({
      host: '127.0.0.1',
      workers: [
        { name: 'local', ...common, bindings: { UPVEST_JWKS: JSON.stringify(keyA.jwks) } },
        { name: 'remote', ...common, bindings: { UPVEST_JWKS_URL: jwksUrl, UPVEST_KEYS_COOLDOWN_MS: '0' } },
        { name: 'broken', ...common, bindings: { UPVEST_JWKS_URL: jwksUrl.replace('/.well-known/upvest/', '/broken/') } },
      ],
    });
    await mf.ready;
  });

  after(async () => {
    await mf?.dispose();
    await new Promise((resolve) => (jwksServer ? jwksServer.close(resolve) : resolve()));
  });

  test('miniflare 4 runs workerd 1.20261117, which supports the compatibility date; wrangler 4 shares that workerd', async (t) => {
    const require = createRequire(import.meta.url);
    const miniflare = JSON.parse(readFileSync(require.resolve('miniflare/package.json'), 'utf8')).version;
    const wrangler = JSON.parse(readFileSync(require.resolve('wrangler/package.json'), 'utf8')).version;
    const workerd = await workerdSupports();
    assert.match(miniflare, /^4\./);
    assert.match(wrangler, /^4\./);
    assert.equal(workerd.version, '1.20261117.1');
    assert.ok(workerd.ok, `workerd ${workerd.version} supports dates up to ${workerd.compatibilityDate}, not ${COMPATIBILITY_DATE}`);
    const wranglerWorkerd = JSON.parse(readFileSync(createRequire(require.resolve('wrangler/package.json')).resolve('workerd/package.json'), 'utf8')).version;
    assert.equal(wranglerWorkerd, workerd.version, "wrangler's workerd");
    const [major, minor] = process.versions.node.split('.').map(Number);
    assert.ok(
      major > 22 || (major === 22 && minor >= 12),
      `miniflare 4 and wrangler 4 need Node >= 22.12; this is ${process.version} (run-tests.sh picks one with scripts/wrangler-node.sh)`,
    );
    t.diagnostic(
      `Node ${process.versions.node}, miniflare ${miniflare}, wrangler ${wrangler}, workerd ${workerd.version} (dates up to ${workerd.compatibilityDate}), compatibility date ${COMPATIBILITY_DATE}`,
    );
  });

  test('the bundle took the workerd export condition and kept the .wasm as a CompiledWasm module', () => {
    const pkgInputs = build.inputs.filter((p) => p.includes('node_modules/upvest-webhooks/'));
    assert.ok(
      pkgInputs.some((p) => p.endsWith('upvest-webhooks/src/workerd.js')),
      `expected src/workerd.js in the bundle; package inputs were: ${pkgInputs.join(', ')}`,
    );
    for (const other of ['src/browser.js', 'dist/node.js']) {
      assert.ok(!pkgInputs.some((p) => p.endsWith(other)), `${other} must not be bundled for workerd`);
    }
    assert.equal(build.wasm.length, 1, `expected exactly one .wasm import, got ${JSON.stringify(build.wasm)}`);
    assert.match(build.wasm[0].source, /dist\/wasm\/upvest_webhooks_bg\.wasm$/);
    assert.ok(build.modules.some((m) => m.type === 'CompiledWasm'));
  });

  test('GET /self-test: generateTestKeyPair + signTestDelivery + verify inside workerd', async () => {
    const response = await mf.dispatchFetch('http://localhost/self-test');
    const body = await response.json();
    assert.equal(response.status, 200, JSON.stringify(body));
    const { checks } = body;
    assert.equal(checks.valid.ok, true);
    assert.equal(checks.valid.events.length, 1);
    assert.equal(checks.valid.events[0].id, body.eventId);
    assert.equal(checks.valid.keyId, 'k1');
    assert.equal(checks.valid.signatureVersion, 6);
    assert.equal(checks.verifyRequest.events[0].id, body.eventId, 'verifyRequest(new Request(...)) with async keys');
    assert.equal(checks.tampered.code, 'ERR_DIGEST_MISMATCH');
    assert.equal(checks.tampered.isWebhookVerificationError, true, 'tampered: instanceof WebhookVerificationError');
    assert.equal(checks.wrongKey.code, 'ERR_SIGNATURE_INVALID');
    assert.equal(checks.wrongKey.isWebhookVerificationError, true);
    assert.equal(checks.wrongPath.code, 'ERR_SIGNATURE_INVALID');
    assert.equal(body.ok, true);
  });

  test('a delivery signed in workerd by signTestDelivery verifies with node:crypto (independent check)', async () => {
    const { delivery, jwks } = await (await mf.dispatchFetch('http://localhost/self-test')).json();
    assert.equal(delivery.method, 'POST');
    assert.equal(typeof delivery.body, 'string');
    assert.ok(
      jwks.keys.every((k) => !('d' in k)),
      'the public JWKS must not contain private members',
    );
    const checked = verifyDeliveryIndependently(delivery, jwks);
    assert.deepEqual(checked.components, ['@method', '@path', '@query', 'content-type', 'content-length', 'digest']);
    assert.equal(checked.keyId, 'k1');
    assert.equal(checked.form, 'v6');
    assert.equal(checked.dsaEncoding, 'der');
  });

  test('POST /verify accepts a delivery signed by an independent node:crypto signer (JWKS binding)', async () => {
    const events = [sampleEvent(), sampleEvent({ type: 'POSITION.UPDATED', object: { quantity: '1.5' } })];
    const delivery = sign(keyA, { events });
    verifyDeliveryIndependently(delivery, keyA.jwks); // the signer itself is sound
    const { status, json } = await post('local', delivery);
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.ok, true);
    assert.deepEqual(json.events, events);
    assert.equal(json.keyId, keyA.kid);
    assert.equal(json.signatureVersion, 6);
    assert.equal(json.signatureEncoding, 'der');
    assert.equal(json.label, 'sig1');
  });

  test('POST /verify accepts the quoted (v15) base with a raw r||s signature and a signed query', async () => {
    const delivery = sign(keyA, { form: 'v15', dsaEncoding: 'ieee-p1363', url: `${WORKER_ORIGIN}/verify?tenant=42` });
    const { status, json } = await post('local', delivery);
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.signatureVersion, 15);
    assert.equal(json.signatureEncoding, 'raw');
  });

  test('POST /verify rejects a tampered body with ERR_DIGEST_MISMATCH', async () => {
    const { status, json } = await post('local', tamperBody(sign(keyA)));
    assert.equal(status, 401, JSON.stringify(json));
    assert.equal(json.code, 'ERR_DIGEST_MISMATCH');
    assert.equal(json.isWebhookVerificationError, true);
  });

  test('POST /verify rejects a delivery signed with another key under the same kid: ERR_SIGNATURE_INVALID', async () => {
    const { status, json } = await post('local', sign(keyB));
    assert.equal(status, 401, JSON.stringify(json));
    assert.equal(json.code, 'ERR_SIGNATURE_INVALID');
  });

  test('POST /verify rejects an unknown keyid with ERR_KEY_NOT_FOUND', async () => {
    const { json } = await post('local', sign(keyC));
    assert.equal(json.code, 'ERR_KEY_NOT_FOUND');
  });

  test('POST /verify rejects a request whose signed query was changed: ERR_SIGNATURE_INVALID', async () => {
    const delivery = sign(keyA, { url: `${WORKER_ORIGIN}/verify?tenant=42` });
    assert.equal((await post('local', delivery)).status, 200);
    const moved = await post('local', delivery, '/verify?tenant=43');
    assert.equal(moved.json.code, 'ERR_SIGNATURE_INVALID', JSON.stringify(moved.json));
  });

  test('POST /verify rejects an old signature with ERR_SIGNATURE_EXPIRED', async () => {
    const created = Math.floor(Date.now() / 1000) - 3600;
    const { json } = await post('local', sign(keyA, { created, expires: created + 5 }));
    assert.equal(json.code, 'ERR_SIGNATURE_EXPIRED');
  });

  test('POST /verify rejects a request without signature headers', async () => {
    const delivery = sign(keyA);
    delete delivery.headers.signature;
    const { json } = await post('local', delivery);
    assert.equal(json.code, 'ERR_SIGNATURE_HEADERS_MISSING');
  });

  test('remote keys: the Worker fetches the JWKS from a URL (node:http on 127.0.0.1) and verifies', async () => {
    const before = jwksHits;
    const first = await post('remote', sign(keyA));
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.ok(jwksHits > before, 'the JWKS server was not contacted');
    const second = await post('remote', sign(keyC));
    assert.equal(second.status, 200, JSON.stringify(second.json));
    assert.equal(second.json.keyId, keyC.kid);
    const tampered = await post('remote', tamperBody(sign(keyC)));
    assert.equal(tampered.json.code, 'ERR_DIGEST_MISMATCH');
    const forged = await post('remote', sign(keyB));
    assert.equal(forged.json.code, 'ERR_SIGNATURE_INVALID');
    assert.equal(jwksHits, before + 1, 'the JWKS should be fetched once and then served from the verifier cache');
  });

  test('remote keys: a new kid published later is picked up by refetching (key rotation)', async () => {
    const before = jwksHits;
    jwksBody = JSON.stringify({ keys: [keyA.publicJwk, keyC.publicJwk, keyD.publicJwk] });
    const rotated = await post('remote', sign(keyD));
    assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
    assert.equal(rotated.json.keyId, keyD.kid);
    assert.equal(jwksHits, before + 1, 'an unknown kid should trigger exactly one refetch');
  });

  test('remote keys: an unreachable JWKS endpoint gives ERR_JWKS_FETCH_FAILED (HTTP 503)', async () => {
    const { status, json } = await post('broken', sign(keyA));
    assert.equal(status, 401, JSON.stringify(json));
    assert.equal(json.code, 'ERR_JWKS_FETCH_FAILED');
    assert.equal(json.isWebhookVerificationError, true);
  });
});
