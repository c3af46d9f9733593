// The receiver adapters in Node: webhookHandler() and honoWebhook() on Node's
// global Request/Response (and a real Hono app); both entries export the same
// adapters. expressWebhook() is in adapters-express.test.mjs. Deliveries come
// from the independent node:crypto signer (fixtures: support/adapters.mjs).
//
//   make consumer && node --test tests/js/adapters.test.mjs

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Hono } from 'hono';
import { NOW_MS } from './support/upvest-signer.mjs';
import {
  ADAPTERS,
  ENTRIES,
  LIMIT,
  URL_,
  deferred,
  endlessStream,
  executionContext,
  key,
  newVerifier,
  pkg,
  signed,
  subpath,
  tampered,
  toRequest,
} from './support/adapters.mjs';

// Each Node entry is one bundle, so the adapters are the same code, not the
// same functions; every test below runs through both entries.
test('both entries export the three adapters', () => {
  for (const name of ADAPTERS) {
    assert.equal(typeof pkg[name], 'function', name);
    assert.equal(typeof subpath[name], 'function', name);
    assert.equal(subpath[name].length, pkg[name].length, `${name} takes the same arguments in both entries`);
  }
});

describe("webhookHandler() on Node's Request and Response", () => {
  for (const [entryName, entry] of ENTRIES) {
    test(`${entryName}: with ctx.waitUntil, answers 200 before the handler finishes, then the handler gets the verified delivery`, async () => {
      const { events, delivery } = signed();
      const gate = deferred();
      const seen = [];
      const env = { SOME_BINDING: 1 };
      const ctx = executionContext();
      const handler = entry.webhookHandler(newVerifier(entry), async (verified, context) => {
        await gate.promise; // held until the response is out
        seen.push({ verified, context });
      });
      const response = await handler(toRequest(delivery), env, ctx);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), '');
      assert.equal(ctx.promises.length, 1, 'the handler was handed to ctx.waitUntil');
      assert.equal(seen.length, 0, 'answered while the handler was still running');
      gate.resolve();
      await Promise.all(ctx.promises);
      assert.equal(seen.length, 1);
      assert.deepEqual(seen[0].verified.events, events);
      assert.equal(seen[0].verified.keyId, key.kid);
      assert.equal(seen[0].context.env, env);
      assert.equal(seen[0].context.ctx, ctx);
      assert.equal(seen[0].context.request.method, 'POST');
    });
  }

  test('without a ctx (Deno.serve, Bun.serve, Node), the handler is awaited before the 200', async () => {
    const { events, delivery } = signed();
    const order = [];
    const handler = pkg.webhookHandler(newVerifier(), async (verified) => {
      order.push('handler started');
      await new Promise((resolve) => setImmediate(resolve)); // a macrotask: an unawaited handler would finish after the response
      order.push(`handler done: ${verified.events.length} events`);
    });
    // Deno.serve passes (request, info), Bun.serve (request, server): neither has waitUntil.
    const response = await handler(toRequest(delivery), { remoteAddr: {} });
    order.push(`response ${response.status}`);
    assert.deepEqual(order, ['handler started', `handler done: ${events.length} events`, 'response 200']);
  });

  test('a handler that throws: 500 when awaited (onError gets the error and the delivery); 200 and onError with ctx.waitUntil', async () => {
    const { events, delivery } = signed();
    const failure = new Error('database down');
    const reported = [];
    const options = { onError: (error, verified, context) => reported.push({ error, ids: verified.events.map((e) => e.id), env: context.env }) };
    const handler = pkg.webhookHandler(
      newVerifier(),
      async () => {
        throw failure;
      },
      options,
    );

    const awaited = await handler(toRequest(delivery), 'env-1');
    assert.equal(awaited.status, 500);
    assert.deepEqual(reported, [{ error: failure, ids: events.map((e) => e.id), env: 'env-1' }]);

    const ctx = executionContext();
    const background = await handler(toRequest(signed(events).delivery), 'env-2', ctx);
    assert.equal(background.status, 200);
    await Promise.all(ctx.promises); // never rejects: the failure went to onError
    assert.equal(reported.length, 2);
    assert.equal(reported[1].error, failure);
    assert.equal(reported[1].env, 'env-2');

    // awaitHandler: true awaits even with a ctx, so the failure answers 500 and Upvest redelivers
    const strict = pkg.webhookHandler(
      newVerifier(),
      async () => {
        throw failure;
      },
      { ...options, awaitHandler: true },
    );
    const strictCtx = executionContext();
    assert.equal((await strict(toRequest(signed(events).delivery), 'env-3', strictCtx)).status, 500);
    assert.equal(strictCtx.promises.length, 0);
    assert.equal(reported.length, 3);
  });

  test('the default onError logs the failure with the event ids (it would be lost after the 200)', async (t) => {
    const { events, delivery } = signed();
    const logged = [];
    t.mock.method(console, 'error', (...args) => logged.push(args));
    const ctx = executionContext();
    const handler = pkg.webhookHandler(newVerifier(), async () => {
      throw new Error('boom');
    });
    assert.equal((await handler(toRequest(delivery), {}, ctx)).status, 200);
    await Promise.all(ctx.promises);
    assert.equal(logged.length, 1);
    assert.match(logged[0][0], new RegExp(events.map((e) => e.id).join(', ')));
    assert.equal(logged[0][1].message, 'boom');
  });

  for (const [entryName, entry] of ENTRIES) {
    test(`${entryName}: a tampered delivery → 400 { error: code } and the handler never runs; onRejected sees the error`, async () => {
      const rejected = [];
      let called = 0;
      const handler = entry.webhookHandler(
        newVerifier(entry),
        () => {
          called += 1;
        },
        { onRejected: (error, request) => void rejected.push([error, request.url]) },
      );
      const response = await handler(toRequest(tampered(signed().delivery)), {}, executionContext());
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.deepEqual(await response.json(), { error: 'ERR_DIGEST_MISMATCH' }, 'the code only, not the message');
      assert.equal(called, 0);
      assert.equal(rejected.length, 1);
      assert.ok(rejected[0][0] instanceof entry.WebhookVerificationError);
      assert.equal(rejected[0][0].code, 'ERR_DIGEST_MISMATCH');
      assert.equal(rejected[0][1], URL_);
    });
  }

  test('onRejected may answer itself with a Response', async () => {
    const handler = pkg.webhookHandler(newVerifier(), () => {}, {
      onRejected: (error) => new Response(`nope: ${error.code}`, { status: 401 }),
    });
    const response = await handler(toRequest(tampered(signed().delivery)));
    assert.deepEqual([response.status, await response.text()], [401, 'nope: ERR_DIGEST_MISMATCH']);
  });

  test('a body over limits.maxBodyBytes → 413 ERR_LIMIT_EXCEEDED: by content-length unread, or an endless stream cut off at the limit', async () => {
    let called = 0;
    const handler = pkg.webhookHandler(newVerifier(pkg, { limits: { maxBodyBytes: LIMIT } }), () => {
      called += 1;
    });
    const { delivery } = signed();
    const { stream: announced, state: announcedState } = endlessStream();
    const byLength = await handler(
      toRequest(delivery, { headers: { ...delivery.headers, 'content-length': String(LIMIT + 1) }, body: announced, duplex: 'half' }),
    );
    assert.equal(byLength.status, 413);
    assert.deepEqual(await byLength.json(), { error: 'ERR_LIMIT_EXCEEDED' });
    assert.equal(announcedState.pulled, 0, 'a content-length over the limit is refused before reading');

    const { 'content-length': _, ...withoutLength } = delivery.headers;
    const { stream, state } = endlessStream(1024);
    const streamed = await handler(toRequest(delivery, { headers: withoutLength, body: stream, duplex: 'half' }));
    assert.equal(streamed.status, 413, 'an endless body is answered, so it was not read to its end');
    assert.deepEqual(await streamed.json(), { error: 'ERR_LIMIT_EXCEEDED' });
    assert.ok(state.pulled <= LIMIT + 2 * 1024, `read ${state.pulled} bytes for a ${LIMIT}-byte limit`);
    assert.ok(state.cancelled, 'the stream was cancelled');
    assert.equal(called, 0);
  });

  test('not POST → 405 with Allow: POST; the body is not read and the verifier not called', async () => {
    let verifies = 0;
    const verifier = { verifyRequest: async () => void (verifies += 1) };
    const handler = pkg.webhookHandler(verifier, () => assert.fail('handler called'));
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const request = new Request(URL_, { method, body: method === 'PUT' ? 'x' : undefined });
      const response = await handler(request);
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get('allow'), 'POST');
      assert.equal(request.bodyUsed, false);
    }
    assert.equal(verifies, 0);
  });

  test('a Request whose body was already read throws ERR_BODY_NOT_RAW (a server bug, not a bad delivery)', async () => {
    const handler = pkg.webhookHandler(newVerifier(), () => assert.fail('handler called'));
    const request = toRequest(signed().delivery);
    await request.json();
    await assert.rejects(handler(request), (err) => {
      assert.ok(err instanceof pkg.WebhookVerificationError);
      assert.equal(err.code, 'ERR_BODY_NOT_RAW');
      assert.match(err.message, /already read/);
      return true;
    });
  });

  test('the verifier may be a function of env (Workers keep the keys in env), called per request', async () => {
    const envs = [];
    let verifier;
    const handler = pkg.webhookHandler(
      (env) => {
        envs.push(env);
        return (verifier ??= new pkg.WebhookVerifier({ keys: JSON.parse(env.UPVEST_JWKS), now: () => NOW_MS }));
      },
      () => {},
    );
    const env = { UPVEST_JWKS: JSON.stringify(key.jwks) };
    assert.equal((await handler(toRequest(signed().delivery), env)).status, 200);
    assert.equal((await handler(toRequest(tampered(signed().delivery)), env)).status, 400);
    assert.deepEqual(envs, [env, env]);
  });

  test('keys that cannot be loaded → 503 ERR_JWKS_FETCH_FAILED (Upvest retries later)', async () => {
    const verifier = new pkg.WebhookVerifier({ keys: 'http://127.0.0.1:9/keys', keysTimeoutMs: 2000, now: () => NOW_MS });
    const response = await pkg.webhookHandler(verifier, () => assert.fail('handler called'))(toRequest(signed().delivery));
    assert.deepEqual([response.status, await response.json()], [503, { error: 'ERR_JWKS_FETCH_FAILED' }]);
  });

  test('bad arguments are ERR_INVALID_ARGUMENT at construction', () => {
    const invalid = (fn) => assert.throws(fn, (err) => err instanceof pkg.WebhookVerificationError && err.code === 'ERR_INVALID_ARGUMENT');
    invalid(() => pkg.webhookHandler({}, () => {}));
    invalid(() => pkg.webhookHandler(pkg.WebhookVerifier, () => {})); // the class, not an instance
    invalid(() => pkg.webhookHandler(newVerifier()));
    invalid(() => pkg.webhookHandler(newVerifier(), () => {}, { onError: 'log' }));
    invalid(() => pkg.honoWebhook(null, () => {}));
    invalid(() => pkg.expressWebhook({ verifyRequest() {} }));
    invalid(() => pkg.expressWebhook(newVerifier(), { onRejected: 1 }));
  });
});

describe('honoWebhook() in a Hono app on Node', () => {
  function app(handle, options) {
    const hono = new Hono();
    hono.post('/webhooks/upvest', pkg.honoWebhook(newVerifier(), handle, options));
    return hono;
  }

  test('without an execution context (Node, Bun, Deno) the handler is awaited and gets c; a failure → 500', async () => {
    const { events, delivery } = signed();
    const seen = [];
    const hono = app((verified, context) => {
      seen.push([verified.events, context.env, typeof context.c?.req?.header, context.ctx]);
    });
    const response = await hono.fetch(toRequest(delivery), { BINDING: 'b' });
    assert.equal(response.status, 200);
    assert.deepEqual(seen, [[events, { BINDING: 'b' }, 'function', undefined]]);

    const failing = app(
      () => {
        throw new Error('nope');
      },
      { onError: () => {} },
    );
    assert.equal((await failing.fetch(toRequest(signed().delivery))).status, 500);
  });

  test('with an execution context (Workers) the 200 comes first, the handler runs through waitUntil', async () => {
    const { events, delivery } = signed();
    const gate = deferred();
    const seen = [];
    const hono = app(async (verified) => {
      await gate.promise;
      seen.push(verified.events);
    });
    const ctx = executionContext();
    const response = await hono.fetch(toRequest(delivery), {}, ctx);
    assert.equal(response.status, 200);
    assert.equal(ctx.promises.length, 1);
    assert.deepEqual(seen, []);
    gate.resolve();
    await Promise.all(ctx.promises);
    assert.deepEqual(seen, [events]);
  });

  test("tampered → 400 { error }; a body read by earlier middleware → Hono's error handler gets ERR_BODY_NOT_RAW", async () => {
    const hono = app(() => assert.fail('handler called'));
    const response = await hono.fetch(toRequest(tampered(signed().delivery)));
    assert.deepEqual([response.status, await response.json()], [400, { error: 'ERR_DIGEST_MISMATCH' }]);

    const reading = new Hono();
    const caught = [];
    reading.onError((err, c) => {
      caught.push(err);
      return c.text('error', 500);
    });
    reading.use('*', async (c, next) => {
      await c.req.json(); // a logging middleware that parses the body
      await next();
    });
    reading.post(
      '/webhooks/upvest',
      pkg.honoWebhook(newVerifier(), () => assert.fail('handler called')),
    );
    assert.equal((await reading.fetch(toRequest(signed().delivery))).status, 500);
    assert.equal(caught[0]?.code, 'ERR_BODY_NOT_RAW');
  });
});
