// examples/admin: webhooks.js (from a copy with the packed tarball installed)
// run as a command against the local emulator, configured from the
// environment as a user would: create, enable, list, test, disable, delete,
// and the error paths (missing configuration, validation, unknown id).
//
//   make consumer && node --test tests/examples/admin.test.mjs

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeRun, installExample, run, startEmulator, upvestEnvFor, waitUntil } from './support/helpers.mjs';

describe('examples/admin against the emulator', { timeout: 60_000, concurrency: true }, () => {
  let dir;
  let emu;
  let env;
  const admin = (args, extraEnv = {}) => run(process.execPath, ['webhooks.js', ...args], { cwd: dir, env: { ...env, ...extraEnv } });
  const ok = async (args, extraEnv) => {
    const result = await admin(args, extraEnv);
    assert.equal(result.code, 0, describeRun(`node webhooks.js ${args.join(' ')}`, result));
    return result;
  };

  before(async () => {
    dir = await installExample('admin');
    emu = await startEmulator();
    const keyFile = join(dir, 'tenant-key.pem');
    writeFileSync(keyFile, emu.privateKeyPem, { mode: 0o600 });
    env = { ...upvestEnvFor(emu), UPVEST_PRIVATE_KEY: keyFile, UPVEST_ALLOW_HTTP_LOCALHOST: '1' };
  });

  after(async () => {
    await emu?.close();
  });

  test('create, enable, list, test, disable and delete a webhook', async (t) => {
    const url = 'http://127.0.0.1:9/webhooks/upvest'; // nothing listens: the test delivery fails, which is fine here
    const created = JSON.parse(
      (await ok(['create', '--url', url, '--title', 'Orders', '--type', 'ORDER', '--type', 'POSITION,USER', '--delay', '5s', '--json'])).stdout,
    );
    assert.equal(created.enabled, false, 'new webhooks start disabled');
    assert.deepEqual(created.type, ['ORDER', 'POSITION', 'USER']);
    assert.equal(created.config.delay, '5s');

    const enabled = await ok(['enable', created.id]);
    assert.match(enabled.stdout, new RegExp(`^enabled ${created.id}  enabled `));
    assert.equal(emu.state.webhooks.get(created.id).enabled, true, 'the emulator has it enabled');

    // Created and enabled in one go, with the PEM text instead of a path this time.
    const second = JSON.parse(
      (await ok(['create', '--url', 'http://127.0.0.1:9/other', '--enable', '--json'], { UPVEST_PRIVATE_KEY: emu.privateKeyPem })).stdout,
    );
    assert.equal(second.enabled, true);
    assert.deepEqual(second.type, ['ALL']);

    const [table] = await Promise.all([ok(['list']), ok(['test', created.id])]);
    assert.match(
      table.stdout,
      new RegExp(`^${created.id}  enabled   Orders  http://127\\.0\\.0\\.1:9/webhooks/upvest  \\[ORDER, POSITION, USER\\]  delay 5s`, 'm'),
    );
    assert.match(table.stdout, new RegExp(`^${second.id}  enabled   webhook for 127\\.0\\.0\\.1:9  http://127\\.0\\.0\\.1:9/other  \\[ALL\\]`, 'm'));
    await waitUntil(() => emu.listDeliveries({ webhookId: created.id }).some((d) => d.test));

    const [disabled, deleted] = await Promise.all([ok(['disable', second.id]), ok(['delete', created.id, '--json'])]);
    assert.match(disabled.stdout, /^disabled /);
    assert.deepEqual(JSON.parse(deleted.stdout), { id: created.id, deleted: true });
    assert.deepEqual(
      [...emu.state.webhooks.values()].map((h) => [h.id, h.enabled]),
      [[second.id, false]],
    );
    const calls = emu.apiRequests.filter((r) => r.signature?.verified).map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/, ':id')}`);
    t.diagnostic(`signed API calls the emulator verified: ${[...new Set(calls)].join(', ')}`);
  });

  test('errors: missing configuration (exit 2); validation and API errors (exit 1) with their codes', async () => {
    const [missing, http, unknown, badSecret] = await Promise.all([
      admin(['list'], { UPVEST_CLIENT_SECRET: '' }),
      admin(['create', '--url', 'http://127.0.0.1:9/x'], { UPVEST_ALLOW_HTTP_LOCALHOST: '' }),
      admin(['enable', crypto.randomUUID()]),
      admin(['list'], { UPVEST_CLIENT_SECRET: 'wrong' }),
    ]);
    assert.equal(missing.code, 2, describeRun('list without UPVEST_CLIENT_SECRET', missing));
    assert.match(missing.stderr, /missing environment variable\(s\): UPVEST_CLIENT_SECRET/);
    assert.equal(http.code, 1, describeRun('create with an http URL', http));
    assert.match(http.stderr, /^ERR_VALIDATION: .*\[field url \(https\)\]/);
    assert.equal(unknown.code, 1, describeRun('enable an unknown id', unknown));
    assert.match(unknown.stderr, /^ERR_API_NOT_FOUND: .*HTTP 404, upvest-request-id /);
    assert.equal(badSecret.code, 1, describeRun('list with a wrong secret', badSecret));
    assert.match(badSecret.stderr, /^ERR_API_UNAUTHORIZED: .*HTTP 401/);
  });
});
