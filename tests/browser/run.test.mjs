// Browser harness: loads the installed upvest-webhooks package in headless
// Chromium through an import map (the package's `browser` entry, which
// fetches its .wasm relative to import.meta.url), verifies deliveries signed
// in Node by an independent node:crypto signer, and checks the results.
//
//   make consumer                 # installs the package into target/consumer/
//   node --test tests/browser/
//
// Chromium: /usr/bin/chromium (override with CHROMIUM_PATH). Screenshot:
// tests/artifacts/browser.png.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CHROMIUM, launchChromium } from '../support/chromium.mjs';
import { ARTIFACTS_DIR, PACKAGE_DIR, requireInstalledPackage } from '../workers/support/package.mjs';
import { generateKeyPair, sampleEvent, signDelivery, tamperBody, verifyDeliveryIndependently } from '../workers/support/upvest-signer.mjs';
import { startServer } from './server.mjs';

const SCREENSHOT = join(ARTIFACTS_DIR, 'browser.png');

describe('upvest-webhooks in Chromium (browser entry via import map)', { timeout: 60_000 }, () => {
  let server;
  let browser;
  let results;
  let fixtures;
  const consoleErrors = [];
  const pageErrors = [];
  const failedRequests = [];

  before(async () => {
    requireInstalledPackage();
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);

    const key = generateKeyPair('upvest-browser-key');
    const otherKey = generateKeyPair('upvest-browser-key'); // same kid, different key
    const events = [sampleEvent(), sampleEvent({ type: 'POSITION.UPDATED', object: { quantity: '3' } })];
    const url = 'https://tenant.example/webhooks/upvest?tenant=42';
    const makeFixtures = () => {
      const valid = signDelivery({ privateKey: key.privateKey, keyId: key.kid, url, events });
      return {
        jwks: key.jwks,
        events,
        eventCount: events.length,
        valid,
        tampered: tamperBody(signDelivery({ privateKey: key.privateKey, keyId: key.kid, url, events })),
        wrongKey: signDelivery({ privateKey: otherKey.privateKey, keyId: key.kid, url, events }),
      };
    };
    server = await startServer({
      packageDir: PACKAGE_DIR,
      routes: {
        // Signed when the page asks, so the signatures are fresh.
        'GET /fixtures.json': () => (fixtures = makeFixtures()),
        'GET /jwks.json': () => key.jwks,
      },
    });

    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1000, height: 560 } });
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(`${msg.text()} @ ${msg.location()?.url ?? '?'}`);
    });
    page.on('pageerror', (err) => pageErrors.push(String(err?.stack ?? err)));
    page.on('requestfailed', (req) => failedRequests.push(`${req.url()}: ${req.failure()?.errorText}`));

    await page.goto(`${server.origin}/`, { waitUntil: 'load', timeout: 20_000 });
    try {
      await page.waitForFunction(() => window.__results?.done === true, null, { timeout: 30_000 });
    } finally {
      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true }).catch((err) => console.error(`screenshot failed: ${err}`));
    }
    results = await page.evaluate(() => window.__results);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const cases = () => results.cases;
  const detail = (name) => JSON.stringify(cases()[name], null, 2);

  test('the package loads in the page (import map -> src/browser.js, top-level await init())', () => {
    assert.equal(results.fatal, null, `page failed: ${JSON.stringify(results.fatal)}`);
    for (const name of ['WebhookVerifier', 'WebhookVerificationError', 'generateTestKeyPair', 'signTestDelivery']) {
      assert.ok(results.exports.includes(name), `missing export ${name}; exports: ${results.exports}`);
    }
  });

  test('the .wasm and JS were served from the installed package with the right MIME types', () => {
    const fromPackage = server.log.filter((e) => e.path.startsWith('/node_modules/upvest-webhooks/'));
    const entry = fromPackage.find((e) => e.path === '/node_modules/upvest-webhooks/src/browser.js');
    assert.ok(entry, `src/browser.js was not requested; requests: ${JSON.stringify(server.log)}`);
    const wasm = fromPackage.filter((e) => e.path.endsWith('.wasm'));
    assert.deepEqual(
      wasm.map((e) => [e.path, e.status, e.type]),
      [['/node_modules/upvest-webhooks/dist/wasm/upvest_webhooks_bg.wasm', 200, 'application/wasm']],
    );
    const bad = fromPackage.filter((e) => e.status !== 200);
    assert.deepEqual(bad, [], 'every package file the page asked for must exist');
    for (const e of fromPackage.filter((x) => x.path.endsWith('.js'))) assert.match(e.type, /^text\/javascript/);
  });

  test('accepts a delivery signed in Node by the independent node:crypto signer', () => {
    const c = cases()['node-signed delivery'];
    assert.equal(c.ok, true, detail('node-signed delivery'));
    assert.deepEqual(c.events, fixtures.events);
    assert.equal(c.keyId, 'upvest-browser-key');
    assert.equal(c.signatureVersion, 6);
  });

  test('tampered body -> ERR_DIGEST_MISMATCH, instanceof WebhookVerificationError', () => {
    const c = cases()['node-signed delivery, tampered body'];
    assert.equal(c.ok, false, detail('node-signed delivery, tampered body'));
    assert.equal(c.code, 'ERR_DIGEST_MISMATCH');
    assert.equal(c.isWebhookVerificationError, true);
    assert.equal(c.isError, true, 'WebhookVerificationError should extend Error');
  });

  test('wrong key -> ERR_SIGNATURE_INVALID', () => {
    const c = cases()['node-signed delivery, wrong key'];
    assert.equal(c.code, 'ERR_SIGNATURE_INVALID', detail('node-signed delivery, wrong key'));
    assert.equal(c.isWebhookVerificationError, true);
  });

  test('keys given as a URL are fetched by the page; keys given as an async function work', () => {
    assert.equal(cases()['keys fetched from a URL'].ok, true, detail('keys fetched from a URL'));
    assert.ok(
      server.log.some((e) => e.path === '/jwks.json' && e.status === 200),
      'the page never fetched /jwks.json',
    );
    assert.equal(cases()['keys from an async function'].ok, true, detail('keys from an async function'));
  });

  test('generateTestKeyPair + signTestDelivery work in the page, and node:crypto accepts the result', () => {
    const name = 'in-page generateTestKeyPair + signTestDelivery + verify';
    const c = cases()[name];
    assert.equal(c.ok, true, detail(name));
    assert.equal(c.events.length, 1);
    assert.equal(c.tampered.code, 'ERR_DIGEST_MISMATCH');
    assert.equal(c.jwksHadPrivate, false, 'generateTestKeyPair().jwks must hold public keys only');
    const checked = verifyDeliveryIndependently(c.delivery, c.jwks);
    assert.equal(checked.keyId, 'browser-k1');
  });

  test('no console errors, page errors or failed requests', () => {
    assert.deepEqual(pageErrors, [], 'page errors');
    assert.deepEqual(consoleErrors, [], 'console errors');
    assert.deepEqual(failedRequests, [], 'failed requests');
  });

  test('screenshot saved', () => {
    assert.ok(existsSync(SCREENSHOT), `no screenshot at ${SCREENSHOT}`);
  });
});
