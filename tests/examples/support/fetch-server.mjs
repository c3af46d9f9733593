// The test of a fetch-handler receiver example (Deno.serve, Bun.serve): the
// example runs as its own process in its runtime (from the root workspace's
// devDependencies), in a copy with the packed tarball installed, configured
// like a user would, against the local emulator.
//
// - a webhook points at it; emitted events and a test delivery are verified
//   (the emulator records the 200s) and processed once (each event id in the
//   example's output);
// - a retry of a delivery → 200; a tampered one → 400 with ERR_DIGEST_MISMATCH;
//   an unsigned one → 400 with ERR_SIGNATURE_HEADERS_MISSING.
//
// The example prints `listening on <url>` once it serves, and answers a
// rejected delivery with a JSON body holding the code (`code` or `error`).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, installExample, startReceiverExample, tamperedBody, waitUntil } from './helpers.mjs';

/** The runtimes' binaries (npm packages of the root workspace). */
export const RUNTIME_BINARIES = {
  deno: join(REPO_ROOT, 'node_modules/@deno/linux-x64-glibc/deno'),
  bun: join(REPO_ROOT, 'node_modules/@oven/bun-linux-x64/bin/bun'),
};

const codeOf = (json) => json?.code ?? json?.error;

/**
 * Registers the tests of `examples/<example>`, run as `<runtime> ...args`
 * (`args` the runtime's arguments, e.g. ['run', '--allow-net', …, 'server.ts']).
 */
export function describeFetchServerExample({ example, runtime, args, env = {} }) {
  describe(`examples/${example} (${runtime}) against the emulator`, { timeout: 90_000 }, () => {
    let rig;
    let hook;
    const mentions = (id) => rig.server.lines.filter((l) => l.includes(id)).length;

    before(async () => {
      assert.ok(existsSync(RUNTIME_BINARIES[runtime]), `${RUNTIME_BINARIES[runtime]} is missing: run scripts/ensure-tools.sh base`);
      const dir = await installExample(example);
      rig = await startReceiverExample({
        dir,
        command: RUNTIME_BINARIES[runtime],
        args,
        env: () => ({ NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', ...env }),
        readyTimeoutMs: 30_000,
      });
    });

    after(() => rig?.close());

    test('a webhook pointing at it: a test delivery and emitted events are verified (200) and each event processed once', async (t) => {
      hook = await rig.upvest.webhooks.create({ title: `${example} example`, url: rig.receiverUrl, type: ['ALL'] });
      await rig.upvest.webhooks.update(hook.id, { enabled: true });
      await rig.upvest.webhooks.test(hook.id);
      const { events } = rig.emu.emit({ events: [{ type: 'ORDER.FILLED', count: 2 }, { type: 'POSITION.UPDATED' }] });
      const deliveries = await waitUntil(
        () => {
          const list = rig.emu.listDeliveries({ webhookId: hook.id });
          const ids = list.flatMap((d) => d.events.map((e) => e.id));
          return events.every((e) => ids.includes(e.id)) && list.every((d) => d.state === 'delivered') && list;
        },
        {
          timeoutMs: 20_000,
          message: () =>
            `deliveries: ${JSON.stringify(rig.emu.listDeliveries({ webhookId: hook.id }).map((d) => [d.state, d.attempts.map((a) => a.status)]))}\nserver output:\n${rig.server.output()}`,
        },
      );
      assert.ok(
        deliveries.every((d) => d.attempts.at(-1).status === 200),
        JSON.stringify(deliveries.map((d) => d.attempts)),
      );
      assert.ok(
        deliveries.some((d) => d.test),
        'the test delivery',
      );
      await waitUntil(() => events.every((e) => mentions(e.id) >= 1), { message: () => `not every event id in the output:\n${rig.server.output()}` });
      for (const e of events) assert.equal(mentions(e.id), 1, `${e.id} in the output ${mentions(e.id)} times:\n${rig.server.output()}`);
      t.diagnostic(`${deliveries.length} deliveries verified (test delivery included), ${events.length} emitted events processed once`);
    });

    test('a retry → 200; a tampered delivery → 400 ERR_DIGEST_MISMATCH; an unsigned one → 400 ERR_SIGNATURE_HEADERS_MISSING', async () => {
      const last = rig.emu
        .listDeliveries({ webhookId: hook.id })
        .filter((d) => !d.test)
        .at(-1);
      const request = last.lastRequest;
      const retry = await fetch(rig.receiverUrl, { method: 'POST', headers: request.headers, body: request.body });
      assert.equal(retry.status, 200, await retry.text());
      const body = tamperedBody(request.body);
      assert.notEqual(body, request.body);
      const tampered = await fetch(rig.receiverUrl, { method: 'POST', headers: request.headers, body });
      assert.deepEqual([tampered.status, codeOf(await tampered.json())], [400, 'ERR_DIGEST_MISMATCH']);
      const unsigned = await fetch(rig.receiverUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request.body });
      assert.deepEqual([unsigned.status, codeOf(await unsigned.json())], [400, 'ERR_SIGNATURE_HEADERS_MISSING']);
    });
  });
}
