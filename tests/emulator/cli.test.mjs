// The `upvest-webhooks-emulator` command (pkg/emulator/cli.mjs) as a user
// runs it, and its place in the npm package (bin, files).

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { session, startReceiver, waitFor } from './support.mjs';

const CLI = fileURLToPath(new URL('../../pkg/emulator/cli.mjs', import.meta.url));
const PKG_DIR = fileURLToPath(new URL('../../pkg/', import.meta.url));
const run = promisify(execFile);

/** Runs the CLI to completion: `{ code, stdout, stderr }`. */
async function cli(...args) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Starts `serve` in a child process; resolves `{ info, child, stop(), stderr() }` once it printed its JSON line. */
async function serve(...args) {
  const child = spawn(process.execPath, [CLI, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => {
    err += c;
  });
  const first = await new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('\n')) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}): ${err}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    first,
    out: () => out,
    child,
    stderr: () => err,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('upvest-webhooks-emulator CLI', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'emu-cli-test-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('help, and usage errors exit 2', async () => {
    const help = await cli('help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--port N/);
    assert.match(help.stdout, /emit TYPE/);
    assert.match(help.stdout, /rotate-key/);
    const bad = await cli('--nope');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Unknown option|unknown option/i);
    assert.equal((await cli('--port', 'abc')).code, 2);
    assert.equal((await cli('frobnicate', '--url', 'http://127.0.0.1:9')).code, 2);
  });

  test('serve prints the base URL, test credentials, key id and the private key path; SIGTERM stops it', async () => {
    const keyFile = join(tmp, 'human', 'tenant.pem');
    const emu = await serve('--key-file', keyFile, '--time-factor', '0.5');
    await waitFor(() => emu.out().includes('Admin API'), { message: 'the banner' });
    const text = emu.out();
    const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)[1];
    for (const label of ['base URL', 'client id', 'client secret', 'key id', 'private key', 'scopes', 'time factor'])
      assert.match(text, new RegExp(`  ${label}\\s+\\S`));
    assert.match(text, /test credentials/);
    assert.match(text, new RegExp(`private key\\s+${keyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(text, /time factor\s+0\.5/);
    const info = await (await fetch(`${base}/emulator/info`)).json();
    assert.equal(readFileSync(keyFile, 'utf8'), info.privateKeyPem);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.match(text, new RegExp(info.clientSecret));
    const { code, signal } = await emu.stop();
    assert.ok(code === 0 || signal === 'SIGTERM', `exit ${code} ${signal}`);
  });

  describe('against a running emulator', () => {
    let emu;
    let info;
    let rx;
    const keyFile = join(tmp, 'json', 'k.pem');
    after(async () => {
      await emu?.stop();
      await rx?.close();
    });

    test('serve --json: one JSON line with the configuration', async () => {
      emu = await serve(
        '--json',
        '--quiet',
        '--time-factor',
        '0.01',
        '--key-file',
        keyFile,
        '--key-id',
        'my-key-id',
        '--client-id',
        '11111111-2222-3333-4444-555555555555',
        '--client-secret',
        'local-secret',
      );
      info = JSON.parse(emu.first.split('\n')[0]);
      assert.match(info.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(info.clientId, '11111111-2222-3333-4444-555555555555');
      assert.equal(info.clientSecret, 'local-secret');
      assert.equal(info.keyId, 'my-key-id');
      assert.equal(info.privateKeyPath, keyFile);
      assert.equal(readFileSync(keyFile, 'utf8'), info.privateKeyPem);
      assert.deepEqual(info.scopes, ['webhooks:read', 'webhooks:admin']);
    });

    test('emit TYPE --count N: events reach an enabled webhook; --json gives the admin answer', async () => {
      rx = await startReceiver();
      const s = await session({ ...info, privateKey: (await import('node:crypto')).createPrivateKey(info.privateKeyPem) });
      await s.hook(rx.url(), { type: ['ORDER'] });
      const r = await cli('emit', 'ORDER.FILLED', '--count', '3', '--url', info.baseUrl);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /emitted 3 events/);
      assert.equal((r.stdout.match(/ORDER\.FILLED/g) ?? []).length, 3);
      await waitFor(() => rx.events.length === 3, { message: 'three events delivered' });
      const j = await cli('emit', 'ORDER', '--object', '{"quantity":"7"}', '--json', '--url', info.baseUrl);
      assert.equal(JSON.parse(j.stdout).events[0].object.quantity, '7');
      const badType = await cli('emit', 'PORTFOLIO', '--url', info.baseUrl);
      assert.equal(badType.code, 2);
      assert.match(badType.stderr, /documents no event type for PORTFOLIO/);
      assert.equal((await cli('emit', 'ORDER', '--object', '{oops', '--url', info.baseUrl)).code, 2);
      assert.equal((await cli('emit', '--url', info.baseUrl)).code, 2);
    });

    test('deliveries, event-types, rotate-key, info, reset', async () => {
      const d = await cli('deliveries', '--url', info.baseUrl);
      assert.equal(d.code, 0, d.stderr);
      assert.match(d.stdout, /delivery\s+state\s+webhook\s+events\s+attempts/);
      assert.match(d.stdout, /delivered/);
      const dj = JSON.parse((await cli('deliveries', '--json', '--state', 'delivered', '--url', info.baseUrl)).stdout);
      assert.ok(dj.deliveries.length >= 1 && dj.deliveries.every((x) => x.state === 'delivered'));
      assert.match((await cli('event-types', '--url', info.baseUrl)).stdout, /ORDER\s+ORDER\.NEW ORDER\.PROCESSING ORDER\.FILLED ORDER\.CANCELLED/);
      const r = await cli('rotate-key', '--grace', '1000', '--json', '--url', info.baseUrl); // × 0.01 = 10 s
      const rotated = JSON.parse(r.stdout);
      assert.equal(rotated.graceSeconds, 1000);
      const jwks = await (await fetch(`${info.baseUrl}/emulator/verify_keys`)).json();
      assert.deepEqual(
        jwks.keys.map((k) => k.kid),
        [rotated.keyId, rotated.previousKeyId],
      );
      const i = await cli('info', '--url', info.baseUrl);
      assert.match(i.stdout, new RegExp(`clientId: ${info.clientId}`));
      assert.match(i.stdout, /BEGIN PRIVATE KEY/);
      const reset = await cli('reset', '--url', info.baseUrl);
      assert.equal(reset.code, 0);
      assert.match((await cli('deliveries', '--url', info.baseUrl)).stdout, /no deliveries yet/);
    });

    test('--key-file reuses an existing key (same PEM, same --key-id) across restarts', async () => {
      const again = await serve('--json', '--quiet', '--key-file', keyFile, '--key-id', 'my-key-id');
      try {
        const second = JSON.parse(again.first.split('\n')[0]);
        assert.equal(second.privateKeyPem, info.privateKeyPem);
        assert.equal(second.keyId, 'my-key-id');
      } finally {
        await again.stop();
      }
    });
  });

  test('control commands explain an unreachable emulator (exit 2)', async () => {
    const r = await cli('deliveries', '--url', 'http://127.0.0.1:9');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot reach the emulator at http:\/\/127\.0\.0\.1:9/);
  });

  test('a port in use is a usage error', async () => {
    const a = await serve('--json', '--quiet');
    try {
      const port = new URL(JSON.parse(a.first.split('\n')[0]).baseUrl).port;
      const b = await cli('--port', port);
      assert.equal(b.code, 2);
      assert.match(b.stderr, /port \d+ is in use/);
    } finally {
      await a.stop();
    }
  });
});

describe('npm package', () => {
  test('pkg/package.json: bin upvest-webhooks-emulator → ./emulator/cli.mjs, emulator/ in files', () => {
    const pkg = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8'));
    assert.deepEqual(pkg.bin, { 'upvest-webhooks-emulator': './emulator/cli.mjs' });
    assert.ok(pkg.files.includes('emulator/'));
    assert.match(readFileSync(CLI, 'utf8'), /^#!\/usr\/bin\/env node\n/);
    assert.ok(statSync(CLI).mode & 0o100, 'cli.mjs is executable');
  });

  test('npm pack ships every emulator module and sample-events.json, and nothing from tests/ or scripts/', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PKG_DIR, timeout: 60_000 });
    const files = JSON.parse(stdout)[0].files.map((f) => f.path);
    for (const f of [
      'cli.mjs',
      'server.mjs',
      'deliveries.mjs',
      'signing.mjs',
      'samples.mjs',
      'sample-events.json',
      'request-signatures.mjs',
      'structured-fields.mjs',
      'validation.mjs',
      'faults.mjs',
      'problems.mjs',
    ]) {
      assert.ok(files.includes(`emulator/${f}`), `emulator/${f} in the tarball`);
    }
    assert.ok(!files.some((f) => f.startsWith('tests/') || f.startsWith('scripts/')));
  });
});
