// Smoke test of the packed tarball, installed into EMPTY projects under
// target/package-smoke/ with `npm install --offline <tgz>` and used four ways:
//
//   1. Node ESM:     `import … from 'upvest-webhooks'` (+ '/verifier', '/emulator',
//                    '/package.json')
//   2. Node CJS:     `require('upvest-webhooks')` and `require('upvest-webhooks/verifier')`.
//                    The package is ESM only. Node ≥ 20.19 / ≥ 22.12 load it anyway
//                    (require(esm): the `node` entries have no top-level await);
//                    older Node, or `--no-experimental-require-module`, throw
//                    ERR_REQUIRE_ESM. `await import(…)` works from CJS everywhere.
//   3. Browser:      esbuild (platform browser, conditions browser, ESM output)
//                    → Chromium, served by a static server on 127.0.0.1. esbuild
//                    leaves the glue's `new URL('upvest_webhooks_bg.wasm',
//                    import.meta.url)` alone and `--loader:.wasm=file` has nothing
//                    to act on (nothing imports the .wasm), so the user copies
//                    the .wasm next to the bundle. The test shows the page
//                    failing without it and verifying with it.
//   4. Worker:       `wrangler deploy --dry-run --outdir dist` (wrangler's own
//                    bundler, `workerd` condition, the .wasm as a module) → the
//                    bundle runs in workerd via Miniflare.
//
// Ways 3 and 4 run once for `upvest-webhooks` and once for
// `upvest-webhooks/verifier` (the verifier alone, its own smaller .wasm).
//
// Deliveries are signed by the local emulator (node:crypto, Upvest's v6 form).
//
//   make consumer && node --test tests/package/

import assert from 'node:assert/strict';
import { copyFileSync, createReadStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CHROMIUM, launchChromium } from '../support/chromium.mjs';
import { VERIFIER_ENTRY_EXPORTS } from '../support/entries.mjs';
import { BIN, EMULATOR_MODULE, describeRun, freshProject, installTarball, requireTarball, run, wranglerEnv, wranglerSummary } from './support/tarball.mjs';

const AREA = 'package-smoke';
const COMPATIBILITY_DATE = '2025-07-18'; // the workerd bundled with miniflare 3.20250718
const DELIVERY_URL = 'https://tenant.example/webhooks/upvest?tenant=42';

/** The package's two entry points: where each one's files are, and its .wasm. */
const ENTRIES = [
  { specifier: 'upvest-webhooks', suffix: '', src: 'src', dist: 'dist/wasm', glue: 'upvest_webhooks.js', wasm: 'upvest_webhooks_bg.wasm' },
  {
    specifier: 'upvest-webhooks/verifier',
    suffix: '-verifier',
    src: 'src/verifier',
    dist: 'dist/verifier',
    glue: 'upvest_webhooks_verifier.js',
    wasm: 'upvest_webhooks_verifier_bg.wasm',
  },
];
/** Every per-runtime entry file: a bundle must hold exactly one of them. */
const ENTRY_FILES = ENTRIES.flatMap((e) => ['node', 'workerd', 'browser'].map((runtime) => `${e.src}/${runtime}.js`));
/** The per-runtime entry files and glue modules of the package that `text` (a bundle, or its list of inputs) names. */
function packageFilesIn(text) {
  const files = [...ENTRY_FILES, ...ENTRIES.map((e) => `${e.dist}/${e.glue}`)];
  return files.filter((f) => text.includes(`node_modules/upvest-webhooks/${f}`));
}

let emulator;
const sampleEvents = () => [
  {
    id: crypto.randomUUID(),
    created_at: new Date().toISOString(),
    type: 'ORDER.FILLED',
    object: { id: 'o-1', quantity: '2' },
    webhook_id: crypto.randomUUID(),
  },
];
/** A delivery signed now by the emulator's active key, and the same with one body byte changed. */
function fixtures() {
  const events = sampleEvents();
  const valid = emulator.signDelivery({ url: DELIVERY_URL, events });
  const tampered = { ...valid, body: valid.body.replace('"quantity":"2"', '"quantity":"3"') };
  return { jwks: emulator.jwks(), events, valid, tampered };
}

describe('the packed tarball in empty projects, four ways', { timeout: 90_000 }, () => {
  before(async () => {
    requireTarball();
    const { startEmulator } = await import(pathToFileURL(EMULATOR_MODULE).href);
    emulator = await startEmulator({ port: 0 });
  });
  after(async () => {
    await emulator?.close();
  });

  test('1. Node ESM: import by name resolves the `node` entry and verifies a delivery', async (t) => {
    const dir = freshProject(AREA, 'node-esm', {
      packageJson: { name: 'smoke-esm', private: true, type: 'module' },
      files: {
        'index.js': `
import { WebhookVerifier, WebhookVerificationError, UpvestClient, ERROR_CODES } from 'upvest-webhooks';
import * as verifierEntry from 'upvest-webhooks/verifier';
import { startEmulator } from 'upvest-webhooks/emulator';
import manifest from 'upvest-webhooks/package.json' with { type: 'json' };

const emu = await startEmulator({ port: 0 });
const verifier = new WebhookVerifier({ keys: emu.jwks() });
const delivery = emu.signDelivery({ url: 'https://tenant.example/hooks', events: [{ id: 'e1', created_at: '2025-01-01T00:00:00Z', type: 'USER.CREATED', object: {}, webhook_id: 'w1' }] });
const { events, signatureVersion } = await verifier.verify(delivery);
let tampered;
try { await verifier.verify({ ...delivery, body: delivery.body.replace('e1', 'e2') }); } catch (err) { tampered = { code: err.code, isError: err instanceof WebhookVerificationError }; }
const small = new verifierEntry.WebhookVerifier({ keys: emu.jwks() });
const viaSubpath = await small.verify(delivery);
let subpathTampered;
try { await small.verify({ ...delivery, body: delivery.body.replace('e1', 'e2') }); } catch (err) {
  subpathTampered = { code: err.code, isError: err instanceof WebhookVerificationError, isSubpathError: err instanceof verifierEntry.WebhookVerificationError };
}
await emu.close();
console.log(JSON.stringify({
  resolved: import.meta.resolve('upvest-webhooks'),
  version: manifest.version,
  client: typeof UpvestClient,
  codes: ERROR_CODES.length,
  events: events.map((e) => e.id),
  signatureVersion,
  tampered,
  subpath: {
    resolved: import.meta.resolve('upvest-webhooks/verifier'),
    exports: Object.keys(verifierEntry).sort(),
    events: viaSubpath.events.map((e) => e.id),
    tampered: subpathTampered,
  },
}));
`,
      },
    });
    const install = await installTarball(dir);
    const result = await run(process.execPath, ['index.js'], { cwd: dir });
    assert.equal(result.code, 0, describeRun('node index.js', result));
    const out = JSON.parse(result.stdout);
    t.diagnostic(
      `installed in ${install.ms} ms; import 'upvest-webhooks' → ${out.resolved.replace(/.*node_modules\//, '')}; verified ${out.events.length} event(s); tampered → ${out.tampered.code}`,
    );
    assert.match(out.resolved, /node_modules\/upvest-webhooks\/dist\/node\.js$/);
    assert.equal(out.client, 'function');
    assert.ok(out.codes > 10);
    assert.deepEqual(out.events, ['e1']);
    assert.equal(out.signatureVersion, 6);
    assert.deepEqual(out.tampered, { code: 'ERR_DIGEST_MISMATCH', isError: true });
    // upvest-webhooks/verifier: its own `node` entry, the verifier without the client, the same error classes
    t.diagnostic(`import 'upvest-webhooks/verifier' → ${out.subpath.resolved.replace(/.*node_modules\//, '')}: ${out.subpath.exports.join(', ')}`);
    assert.match(out.subpath.resolved, /node_modules\/upvest-webhooks\/dist\/verifier\/node\.js$/);
    assert.deepEqual(out.subpath.exports, VERIFIER_ENTRY_EXPORTS);
    assert.deepEqual(out.subpath.events, ['e1']);
    assert.deepEqual(out.subpath.tampered, { code: 'ERR_DIGEST_MISMATCH', isError: true, isSubpathError: true });
  });

  test('2. Node CJS: require() works only through require(esm); otherwise ERR_REQUIRE_ESM; import() always works', async (t) => {
    const dir = freshProject(AREA, 'node-cjs', {
      packageJson: { name: 'smoke-cjs', private: true }, // no "type": CommonJS
      files: {
        'require.js': `
let outcome;
try {
  const m = require('upvest-webhooks');
  outcome = { ok: true, exports: Object.keys(m).sort(), verifier: typeof m.WebhookVerifier };
} catch (err) {
  outcome = { ok: false, code: err.code, message: String(err.message).split('\\n')[0] };
}
console.log(JSON.stringify({ requireModule: Boolean(process.features.require_module), node: process.versions.node, ...outcome }));
`,
        'require-verifier.js': `
let outcome;
try {
  const m = require('upvest-webhooks/verifier');
  outcome = { ok: true, exports: Object.keys(m).sort() };
} catch (err) {
  outcome = { ok: false, code: err.code, message: String(err.message).split('\\n')[0] };
}
console.log(JSON.stringify(outcome));
`,
        'dynamic-import.js': `
Promise.all([import('upvest-webhooks'), import('upvest-webhooks/verifier')]).then(([m, v]) =>
  console.log(JSON.stringify({ ok: true, verifier: typeof m.WebhookVerifier, subpathVerifier: typeof v.WebhookVerifier })));
`,
      },
    });
    await installTarball(dir);
    const [byDefault, withoutRequireEsm, subpath, subpathWithout, dynamic] = await Promise.all([
      run(process.execPath, ['require.js'], { cwd: dir }),
      run(process.execPath, ['--no-experimental-require-module', 'require.js'], { cwd: dir }),
      run(process.execPath, ['require-verifier.js'], { cwd: dir }),
      run(process.execPath, ['--no-experimental-require-module', 'require-verifier.js'], { cwd: dir }),
      run(process.execPath, ['dynamic-import.js'], { cwd: dir }),
    ]);
    for (const [label, r] of [
      ['node require.js', byDefault],
      ['node --no-experimental-require-module require.js', withoutRequireEsm],
      ['node require-verifier.js', subpath],
      ['node --no-experimental-require-module require-verifier.js', subpathWithout],
      ['node dynamic-import.js', dynamic],
    ]) {
      assert.equal(r.code, 0, describeRun(label, r));
    }
    const plain = JSON.parse(byDefault.stdout);
    const disabled = JSON.parse(withoutRequireEsm.stdout);
    t.diagnostic(
      `Node ${plain.node}: require('upvest-webhooks') ${plain.ok ? `loads it (require(esm), ${plain.exports.length} exports)` : `throws ${plain.code}`}; ` +
        `with --no-experimental-require-module: ${disabled.ok ? 'loads it' : `${disabled.code}: ${disabled.message.replaceAll(dir, '.')}`}`,
    );
    if (plain.requireModule) {
      // Node ≥ 20.19 / ≥ 22.12: require() of an ES module without top-level await.
      assert.equal(plain.ok, true, `require(esm) is enabled but require() failed: ${plain.code} ${plain.message}`);
      assert.equal(plain.verifier, 'function');
      assert.ok(plain.exports.includes('WebhookVerifier') && plain.exports.includes('UpvestClient'));
    } else {
      assert.equal(plain.ok, false);
      assert.equal(plain.code, 'ERR_REQUIRE_ESM');
    }
    // Where require(esm) is off (older Node 20, or this flag): a clear error naming the ES module.
    assert.equal(disabled.ok, false);
    assert.equal(disabled.code, 'ERR_REQUIRE_ESM');
    assert.match(disabled.message, /require\(\) of ES Module .*upvest-webhooks\/dist\/node\.js/);
    // The same for upvest-webhooks/verifier, whose `node` entry has no top-level await either.
    const small = JSON.parse(subpath.stdout);
    const smallDisabled = JSON.parse(subpathWithout.stdout);
    if (plain.requireModule) {
      assert.equal(small.ok, true, `require('upvest-webhooks/verifier') failed: ${small.code} ${small.message}`);
      assert.ok(small.exports.includes('WebhookVerifier') && !small.exports.includes('UpvestClient'), small.exports.join(', '));
    } else {
      assert.equal(small.code, 'ERR_REQUIRE_ESM');
    }
    assert.equal(smallDisabled.code, 'ERR_REQUIRE_ESM');
    assert.match(smallDisabled.message, /require\(\) of ES Module .*upvest-webhooks\/dist\/verifier\/node\.js/);
    assert.deepEqual(JSON.parse(dynamic.stdout), { ok: true, verifier: 'function', subpathVerifier: 'function' });
  });

  for (const entry of ENTRIES) {
    test(`3. browser (${entry.specifier}): esbuild bundle (+ the .wasm copied next to it) verifies a delivery in Chromium`, async (t) => {
      const { build } = await import('esbuild');
      assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (set CHROMIUM_PATH)`);
      const dir = freshProject(AREA, `browser-esbuild${entry.suffix}`, {
        packageJson: { name: 'smoke-browser', private: true, type: 'module' },
        files: {
          'src/main.js': `
import { WebhookVerifier, WebhookVerificationError } from '${entry.specifier}';

const fixtures = await (await fetch('/fixtures.json')).json();
const verifier = new WebhookVerifier({ keys: fixtures.jwks });
const result = {};
try {
  const { events, keyId, signatureVersion } = await verifier.verify(fixtures.valid);
  result.valid = { ok: true, events, keyId, signatureVersion };
} catch (err) {
  result.valid = { ok: false, code: err.code, message: err.message };
}
try {
  await verifier.verify(fixtures.tampered);
  result.tampered = { ok: true };
} catch (err) {
  result.tampered = { ok: false, code: err.code, isError: err instanceof WebhookVerificationError };
}
window.__result = result;
`,
          'public/index.html': '<!doctype html><meta charset="utf-8"><title>smoke</title><script type="module" src="./main.js"></script>\n',
        },
      });
      await installTarball(dir);
      const outdir = join(dir, 'public');

      // What a user runs: esbuild src/main.js --bundle --platform=browser --conditions=browser --format=esm --loader:.wasm=file --outdir=public
      const built = await build({
        absWorkingDir: dir,
        entryPoints: ['src/main.js'],
        bundle: true,
        platform: 'browser',
        conditions: ['browser'],
        format: 'esm', // required: the browser entry uses top-level await and import.meta.url
        target: 'es2022',
        loader: { '.wasm': 'file' },
        outdir,
        metafile: true,
        logLevel: 'silent',
      });
      const inputs = Object.keys(built.metafile.inputs).filter((p) => p.includes('node_modules/upvest-webhooks/'));
      // exactly this entry's browser file and its own glue (the verifier's bundle holds no client glue)
      assert.deepEqual(packageFilesIn(inputs.join('\n')), [`${entry.src}/browser.js`, `${entry.dist}/${entry.glue}`], `package inputs: ${inputs.join(', ')}`);
      const bundle = readFileSync(join(outdir, 'main.js'), 'utf8');
      // esbuild does not rewrite new URL(…, import.meta.url), and emits no .wasm: the user must ship it next to the bundle.
      assert.ok(bundle.includes(`new URL("${entry.wasm}", import.meta.url)`), `the bundle does not load ${entry.wasm} next to itself`);
      assert.deepEqual(
        readdirSync(outdir).filter((f) => f.endsWith('.wasm')),
        [],
        'esbuild emitted a .wasm after all: update the test and the README',
      );

      const log = [];
      const server = await serveStatic(outdir, log, { '/fixtures.json': () => fixtures() });
      const browser = await launchChromium();
      try {
        // (a) as esbuild left it: the page asks for the .wasm next to the bundle, gets a 404, and the module fails.
        const failed = await loadPage(browser, server.origin);
        assert.equal(failed.result, null, 'the page verified without the .wasm?');
        assert.ok(
          log.some((e) => e.path === `/${entry.wasm}` && e.status === 404),
          `requests: ${JSON.stringify(log)}`,
        );
        assert.ok(failed.errors.length > 0, 'expected a page error without the .wasm');

        // (b) what a user must do: copy the .wasm next to the bundle (served as application/wasm).
        copyFileSync(join(dir, 'node_modules/upvest-webhooks', entry.dist, entry.wasm), join(outdir, entry.wasm));
        log.length = 0;
        const ok = await loadPage(browser, server.origin);
        assert.deepEqual(ok.errors, [], 'page errors');
        assert.ok(ok.result, 'the page produced no result');
        t.diagnostic(
          `bundle ${(bundle.length / 1024).toFixed(0)} KiB + ${entry.wasm} (${(statSync(join(outdir, entry.wasm)).size / 1024).toFixed(0)} KiB); ` +
            `without the .wasm: ${failed.errors[0].split('\n')[0].slice(0, 120)}; ` +
            `with it: verified ${ok.result.valid.events?.length} event(s), tampered → ${ok.result.tampered.code}`,
        );
        assert.equal(ok.result.valid.ok, true, JSON.stringify(ok.result.valid));
        assert.equal(ok.result.valid.events[0].type, 'ORDER.FILLED');
        assert.equal(ok.result.valid.keyId, emulator.activeKeyId);
        assert.deepEqual(ok.result.tampered, { ok: false, code: 'ERR_DIGEST_MISMATCH', isError: true });
        const wasmRequest = log.find((e) => e.path === `/${entry.wasm}`);
        assert.deepEqual(wasmRequest && [wasmRequest.status, wasmRequest.type], [200, 'application/wasm']);
      } finally {
        await browser.close();
        await server.close();
      }
    });
  }

  for (const entry of ENTRIES) {
    test(`4. Worker (${entry.specifier}): wrangler deploy --dry-run bundles it, and the bundle verifies a delivery in workerd`, async (t) => {
      const { Miniflare } = await import('miniflare');
      const dir = freshProject(AREA, `worker-wrangler${entry.suffix}`, {
        packageJson: { name: 'smoke-worker', private: true, type: 'module' },
        files: {
          'wrangler.toml': `name = "smoke-worker"\nmain = "src/index.js"\ncompatibility_date = "${COMPATIBILITY_DATE}"\n`,
          'src/index.js': `
import { WebhookVerifier, WebhookVerificationError } from '${entry.specifier}';

let verifier;
export default {
  async fetch(request, env) {
    verifier ??= new WebhookVerifier({ keys: JSON.parse(env.UPVEST_JWKS) });
    try {
      const { events, keyId } = await verifier.verifyRequest(request);
      return Response.json({ ok: true, events, keyId });
    } catch (err) {
      if (err instanceof WebhookVerificationError) return Response.json({ ok: false, code: err.code }, { status: 400 });
      throw err;
    }
  },
};
`,
        },
      });
      await installTarball(dir);
      const wrangler = await run(`${BIN}/wrangler`, ['deploy', '--dry-run', '--outdir', 'dist'], { cwd: dir, env: wranglerEnv(join(dir, '.home')) });
      assert.equal(wrangler.code, 0, describeRun('wrangler deploy --dry-run --outdir dist', wrangler));
      const dist = join(dir, 'dist');
      const wasm = readdirSync(dist).filter((f) => f.endsWith('.wasm'));
      assert.equal(wasm.length, 1, `expected one .wasm in dist/: ${readdirSync(dist)}`);
      assert.ok(wasm[0].endsWith(`-${entry.wasm}`), `dist/${wasm[0]} is not ${entry.wasm}`);
      const script = readFileSync(join(dist, 'index.js'), 'utf8');
      assert.ok(script.includes(`from "./${wasm[0]}"`), 'the bundle imports the .wasm as a module');
      // wrangler took the workerd export condition of this entry, and bundled nothing of the other one
      assert.deepEqual(packageFilesIn(script), [`${entry.src}/workerd.js`, `${entry.dist}/${entry.glue}`]);

      const mf = new Miniflare({
        host: '127.0.0.1',
        compatibilityDate: COMPATIBILITY_DATE,
        modulesRoot: dist,
        modules: [
          { type: 'ESModule', path: join(dist, 'index.js') },
          { type: 'CompiledWasm', path: join(dist, wasm[0]) },
        ],
        bindings: { UPVEST_JWKS: JSON.stringify(emulator.jwks()) },
      });
      try {
        const { valid, tampered } = fixtures();
        const send = async (delivery) => {
          const response = await mf.dispatchFetch(`http://localhost${new URL(delivery.url).pathname}${new URL(delivery.url).search}`, {
            method: 'POST',
            headers: delivery.headers,
            body: delivery.body,
          });
          return { status: response.status, json: await response.json() };
        };
        const good = await send(valid);
        const bad = await send(tampered);
        t.diagnostic(
          `wrangler ${wrangler.ms} ms: ${wranglerSummary(wrangler.stdout)}; dist/: index.js + ${wasm[0]}; workerd: ${good.status}, tampered → ${bad.status} ${bad.json.code}`,
        );
        assert.equal(good.status, 200, JSON.stringify(good.json));
        assert.equal(good.json.events[0].type, 'ORDER.FILLED');
        assert.equal(good.json.keyId, emulator.activeKeyId);
        assert.deepEqual([bad.status, bad.json], [400, { ok: false, code: 'ERR_DIGEST_MISMATCH' }]);
      } finally {
        await mf.dispose();
      }
    });
  }
});

/** Loads the page; resolves to `{ result, errors }` once it reported or failed (or after 10 s). */
async function loadPage(browser, origin) {
  const page = await browser.newPage();
  const errors = [];
  // uncaught errors first (the module failing), then console errors (a failed resource load)
  page.on('pageerror', (err) => errors.unshift(`${err?.name ?? 'Error'}: ${err?.message ?? err}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  try {
    await page.goto(`${origin}/`, { waitUntil: 'load', timeout: 15_000 });
    const deadline = Date.now() + 10_000;
    let result = null;
    while (Date.now() < deadline) {
      result = await page.evaluate(() => window.__result ?? null);
      if (result || errors.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return { result, errors };
  } finally {
    await page.close();
  }
}

const MIME_TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json' };

/** A static server for `root` on 127.0.0.1, plus JSON `routes`; logs `{ path, status, type }`. */
async function serveStatic(root, log, routes = {}) {
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/favicon.ico') {
      // Chromium asks for it on every page; a 404 would show up as a console error.
      res.writeHead(204).end();
      return;
    }
    const entry = { path, status: 404, type: 'text/plain' };
    log.push(entry);
    if (routes[path]) {
      Object.assign(entry, { status: 200, type: 'application/json' });
      res.writeHead(200, { 'content-type': entry.type, 'cache-control': 'no-store' }).end(JSON.stringify(routes[path]()));
      return;
    }
    const file = join(root, path === '/' ? 'index.html' : path.slice(1));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    Object.assign(entry, { status: 200, type: MIME_TYPES[extname(file)] ?? 'application/octet-stream' });
    res.writeHead(200, { 'content-type': entry.type, 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
