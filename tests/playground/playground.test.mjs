// The browser playground (www/) in headless Chromium:
//   - the inspector verifies "Load sample" (every step passes), then fails a
//     one-byte body change with ERR_DIGEST_MISMATCH;
//   - the manager connects to the local emulator (pkg/emulator), creates,
//     enables and tests a webhook pointing at a local receiver, and shows the
//     delivery verified in the browser;
//   - a 390 px phone viewport has no horizontal overflow;
//   - no console errors.
//
//   make consumer && node --test tests/playground/
//
// Chromium: /usr/bin/chromium (override with CHROMIUM_PATH). Screenshots:
// tests/artifacts/playground-*.png; UPDATE_DOCS_IMAGES=1 also refreshes
// docs/images/playground-{inspector,manager}.png.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CHROMIUM, launchChromium } from '../support/chromium.mjs';
import { startWwwServer } from '../../scripts/serve-www.mjs';
import { ARTIFACTS_DIR, PACKAGE_DIR, REPO_ROOT, requireInstalledPackage } from '../workers/support/package.mjs';

const EMULATOR_CLI = join(REPO_ROOT, 'pkg/emulator/cli.mjs');
const DOCS_IMAGES = join(REPO_ROOT, 'docs/images');
const shot = (name) => join(ARTIFACTS_DIR, `playground-${name}.png`);

/** A webhook receiver on 127.0.0.1 that answers 200 and keeps what it got. */
async function startReceiver() {
  const received = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${server.address().port}/webhooks/upvest`,
    received,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/** Starts `node pkg/emulator/cli.mjs --port 0 --json` and reads its base URL from the JSON line it prints. */
async function startEmulator() {
  const child = spawn(process.execPath, [EMULATOR_CLI, '--port', '0', '--json', '--quiet'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (d) => (output += d));
  const info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the emulator printed no configuration within 15 s:\n${output}`)), 15_000);
    child.stdout.on('data', (d) => {
      output += d;
      const line = output.split('\n').find((l) => l.trim().startsWith('{'));
      if (!line || !output.includes('\n')) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line));
      } catch (err) {
        reject(err);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited (${code}):\n${output}`));
    });
  });
  const base = info.baseUrl.replace(/\/+$/, '');
  return {
    base,
    output: () => output,
    close: () =>
      new Promise((ok) => {
        if (child.exitCode !== null || child.signalCode !== null) return ok();
        child.once('exit', () => ok());
        child.kill('SIGTERM');
      }),
  };
}

describe('browser playground (www/)', { timeout: 90_000 }, () => {
  let www;
  let receiver;
  let emulator;
  let browser;
  let page;
  const problems = [];

  before(async () => {
    requireInstalledPackage();
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    [www, receiver] = await Promise.all([startWwwServer({ port: 0, packageDir: PACKAGE_DIR }), startReceiver()]);
    if (existsSync(EMULATOR_CLI)) emulator = await startEmulator();
    browser = await launchChromium();
    page = await newPage({ width: 1200, height: 900 });
    await page.goto(www.url, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  });

  after(async () => {
    await browser?.close();
    await Promise.all([www?.close(), receiver?.close(), emulator?.close()]);
  });

  async function newPage(viewport) {
    const context = await browser.newContext({ viewport, reducedMotion: 'reduce' });
    const p = await context.newPage();
    p.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console.error: ${msg.text()} @ ${msg.location()?.url ?? '?'}`);
    });
    p.on('pageerror', (err) => problems.push(`page error: ${err?.stack ?? err}`));
    p.on('requestfailed', (req) => problems.push(`request failed: ${req.url()}: ${req.failure()?.errorText}`));
    p.on('response', (res) => {
      if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
    });
    return p;
  }

  const stepStatuses = () => page.$$eval('#inspect-report .step', (steps) => steps.map((s) => `${s.dataset.step}:${s.dataset.status}`));

  test('the page loads the package from the installed tarball (wasm as application/wasm)', () => {
    const wasm = www.log.filter((e) => e.path.endsWith('.wasm'));
    assert.deepEqual(
      wasm.map((e) => [e.path, e.status, e.type]),
      [['/vendor/upvest-webhooks/dist/wasm/upvest_webhooks_bg.wasm', 200, 'application/wasm']],
    );
    assert.ok(www.log.some((e) => e.path === '/vendor/upvest-webhooks/src/browser.js' && e.status === 200));
  });

  test('inspector: "Load sample" verifies, every step passes', async () => {
    await page.click('#load-sample');
    await page.click('#verify');
    const verdict = page.locator('#inspect-verdict');
    await verdict.locator('text=Verified').waitFor();
    assert.match(await verdict.getAttribute('class'), /\bpass\b/);
    const statuses = await stepStatuses();
    assert.deepEqual(
      statuses,
      ['headers', 'signature-input', 'key', 'digest', 'base', 'signature', 'time', 'payload'].map((s) => `${s}:pass`),
    );
    // Both bases are shown; the v6 one verified.
    const bases = await page.$$eval('#inspect-report .base', (nodes) => nodes.map((n) => [n.dataset.version, n.dataset.verified]));
    assert.deepEqual(bases, [
      ['6', 'true'],
      ['15', 'false'],
    ]);
    const v6 = await page.locator('#inspect-report .base[data-version="6"] pre').textContent();
    assert.match(v6, /^@method: POST\n@path: \/webhooks\/upvest\n/);
    await page.screenshot({ path: shot('inspector-pass'), fullPage: true });
    // For the README: from the buttons to the two signature bases.
    const clip = await page.evaluate(() => {
      const box = (sel) => {
        const r = document.querySelector(sel).getBoundingClientRect();
        return { top: r.top + window.scrollY, bottom: r.bottom + window.scrollY, left: r.left, width: r.width };
      };
      const panel = box('#inspector');
      const top = box('#inspect-form .actions').top - 16;
      const bottom = box('#inspect-report .step[data-step="base"]').bottom + 12;
      return { x: panel.left, y: top, width: panel.width, height: bottom - top };
    });
    await page.screenshot({ path: shot('inspector'), clip, fullPage: true });
  });

  test('inspector: changing one body byte fails with ERR_DIGEST_MISMATCH', async () => {
    const body = await page.inputValue('#body');
    const i = body.indexOf('"FILLED"') + 1;
    assert.ok(i > 0);
    const tampered = `${body.slice(0, i)}f${body.slice(i + 1)}`; // F → f: same length
    assert.equal(tampered.length, body.length);
    await page.fill('#body', tampered);
    await page.click('#verify');
    const verdict = page.locator('#inspect-verdict');
    await verdict.locator('text=ERR_DIGEST_MISMATCH').waitFor();
    assert.match(await verdict.getAttribute('class'), /\bfail\b/);
    // The verifier stops at the digest: the checks it did not make are skipped.
    const statuses = await stepStatuses();
    assert.deepEqual(statuses, ['headers:pass', 'signature-input:pass', 'key:skip', 'digest:fail', 'base:skip', 'signature:skip', 'time:pass', 'payload:skip']);
    assert.equal(await page.locator('#inspect-report .step[data-step="digest"] .code').textContent(), 'ERR_DIGEST_MISMATCH');
    await page.screenshot({ path: shot('inspector-tampered'), fullPage: true });
  });

  test('inspector: input problems and package errors are reported, with codes', async () => {
    await page.click('#clear');
    await page.click('#verify');
    await page.locator('#inspect-verdict', { hasText: 'Enter the URL' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'url');
    assert.equal(await page.getAttribute('#url', 'aria-invalid'), 'true');
    // A JWKS that is JSON but not a key set: the package's own code.
    await page.click('#load-sample');
    await page.fill('#jwks', '{"keys": 42}');
    await page.click('#verify');
    await page.locator('#inspect-verdict .code', { hasText: 'ERR_JWKS_INVALID' }).waitFor();
    assert.equal(await page.isHidden('#inspect-report'), true);
  });

  test('manager: connect, create, enable, test; the delivery verifies in the browser', async (t) => {
    if (!emulator) return t.skip(`no emulator at ${EMULATOR_CLI}`);
    await page.fill('#emulator-url', emulator.base);
    await page.click('#connect');
    await page.locator('#manager-status.ok').waitFor({ timeout: 15_000 });
    assert.match(await page.textContent('#manager-status'), /Connected/);

    await page.fill('#hook-title', 'Playground test hook');
    await page.fill('#hook-url', receiver.url);
    await page.fill('#hook-delay', '1s');
    await page.click('#create-webhook');
    const card = page.locator('#webhook-list .webhook', { hasText: 'Playground test hook' });
    await card.waitFor();
    assert.equal(await card.getAttribute('data-enabled'), 'false');

    await card.locator('button[data-action="enable"]').click();
    await page.locator('#webhook-list .webhook[data-enabled="true"]', { hasText: 'Playground test hook' }).waitFor();
    await card.locator('button[data-action="test"]').click();
    await page.locator('#manager-status', { hasText: 'Test requested' }).waitFor();

    const delivery = page.locator('#delivery-list .delivery[data-verification="pass"]');
    await delivery.first().waitFor({ timeout: 20_000 });
    const text = await delivery.first().textContent();
    assert.match(text, /signature verified/);
    assert.match(text, /#1: 200/);
    assert.ok(receiver.received.length >= 1, 'the receiver got the delivery');

    // The emulator rotates its signing key behind the page's back; an emitted
    // event arrives signed with the new kid, and the page refetches the JWKS.
    const rotated = await (
      await fetch(`${emulator.base}/emulator/rotate-key`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })
    ).json();
    assert.ok(rotated.keyId);
    await page.selectOption('#event-type', 'ORDER.FILLED');
    await page.fill('#event-count', '2');
    await page.click('#emit');
    await page.locator('#manager-status', { hasText: 'Emitted 2 event(s) (ORDER.FILLED) to 1 webhook(s)' }).waitFor();
    const batch = page.locator('#delivery-list .delivery[data-verification="pass"][data-state="delivered"]', { hasText: 'ORDER.FILLED, ORDER.FILLED' });
    await batch.waitFor({ timeout: 20_000 });
    assert.match(await batch.textContent(), new RegExp(`key ${rotated.keyId}`));
    assert.match(await page.textContent('#deliveries-summary'), /2 deliveries: 2 verified, 0 failed/);

    await page.locator('#manager').scrollIntoViewIfNeeded();
    await page.locator('#manager').screenshot({ path: shot('manager') });

    // The delivery opens in the inspector and passes there too.
    await delivery.first().locator('button[data-action="inspect"]').click();
    await page.locator('#inspect-verdict.pass').waitFor();
    assert.ok((await stepStatuses()).every((s) => s.endsWith(':pass')));
  });

  test('phone width (390 px): no horizontal overflow', async () => {
    const phone = await newPage({ width: 390, height: 844 });
    await phone.goto(www.url, { waitUntil: 'load' });
    await phone.waitForSelector('body[data-ready="true"]');
    await phone.click('#load-sample');
    await phone.locator('#inspect-verdict.pass').waitFor();
    const checkOverflow = async (where) => {
      const overflow = await phone.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        wide: [...document.querySelectorAll('body *')]
          .filter((n) => n.getClientRects().length && n.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .slice(0, 5)
          .map((n) => `${n.tagName.toLowerCase()}#${n.id}.${n.className}`),
      }));
      assert.ok(overflow.scrollWidth <= overflow.clientWidth, `${where}: ${JSON.stringify(overflow)}`);
      assert.deepEqual(overflow.wide, [], `${where}: elements wider than the viewport`);
    };
    await checkOverflow('inspector');
    await phone.screenshot({ path: shot('phone') });
    if (emulator) {
      // The manager with the webhook and deliveries of the previous test.
      await phone.fill('#emulator-url', emulator.base);
      await phone.click('#connect');
      await phone.locator('#delivery-list .delivery').first().waitFor({ timeout: 15_000 });
      await checkOverflow('manager');
      await phone.locator('#delivery-list').scrollIntoViewIfNeeded();
      await phone.screenshot({ path: shot('phone-manager') });
    }
    await phone.close();
  });

  test('keyboard: labelled controls in a logical tab order; Enter works the buttons', async () => {
    const unlabeled = await page.$$eval('input, select, textarea', (nodes) =>
      nodes.filter((n) => !n.labels?.length && !n.getAttribute('aria-label')).map((n) => n.id || n.name),
    );
    assert.deepEqual(unlabeled, []);
    const fresh = await newPage({ width: 1200, height: 900 });
    await fresh.goto(www.url, { waitUntil: 'load' });
    await fresh.waitForSelector('body[data-ready="true"]');
    const focused = () => fresh.evaluate(() => document.activeElement.id || document.activeElement.className || document.activeElement.textContent.trim());
    await fresh.keyboard.press('Tab');
    assert.equal(await focused(), 'skip-link');
    const order = [];
    while (order.at(-1) !== 'load-sample' && order.length < 20) {
      await fresh.keyboard.press('Tab');
      order.push(await focused());
    }
    const at = order.indexOf('method');
    assert.ok(at > 0, order.join(' | '));
    assert.deepEqual(order.slice(at), ['method', 'url', 'headers', 'body', 'jwks', 'Clock and time window', 'verify', 'load-sample'], order.join(' | '));
    await fresh.keyboard.press('Enter'); // on "Load sample"
    await fresh.locator('#inspect-verdict.pass').waitFor();
    const outline = await fresh.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused button shows a focus ring');
    await fresh.close();
  });

  test('no console errors, page errors or failed requests', () => {
    assert.deepEqual(problems, []);
  });

  after(() => {
    if (!process.env.UPDATE_DOCS_IMAGES) return;
    mkdirSync(DOCS_IMAGES, { recursive: true });
    for (const name of ['inspector', 'manager']) if (existsSync(shot(name))) copyFileSync(shot(name), join(DOCS_IMAGES, `playground-${name}.png`));
  });
});
