// The receiver adapters in Node: webhookHandler() and honoWebhook() on Node's
// global Request/Response (and a real Hono app), expressWebhook() in real
// Express 5 and plain node:http (Connect-style) servers. Deliveries come from
// the independent node:crypto signer; both entries export the same adapters.
//
//   make consumer && node --test tests/js/adapters.test.mjs

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { Hono } from 'hono';
import { importFromConsumer, pkg } from './support/package.mjs';
import { NOW_MS, asDelivery, generateKeyPair, makeEvent, payloadBody, signRequest } from './support/upvest-signer.mjs';

const subpath = await importFromConsumer('upvest-webhooks/verifier');
const ENTRIES = [
  ['upvest-webhooks', pkg],
  ['upvest-webhooks/verifier', subpath],
];
const ADAPTERS = ['webhookHandler', 'honoWebhook', 'expressWebhook'];

const key = generateKeyPair({ kid: 'adapters-key' });
const URL_ = 'https://tenant.example/webhooks/upvest';
const LIMIT = 4096; // limits.maxBodyBytes of the small verifiers below

const newVerifier = (entry = pkg, options = {}) => new entry.WebhookVerifier({ keys: key.jwks, now: () => NOW_MS, ...options });

/** A signed delivery of `events` for `url`. */
function signed(events = [makeEvent(), makeEvent({ type: 'ORDER.FILLED', object: { id: 'order-1', quantity: '2' } })], url = URL_) {
  return { events, delivery: asDelivery(signRequest({ key, url, body: payloadBody(events) })) };
}
const tampered = (delivery) => ({ ...delivery, body: delivery.body.replace('POSITION.UPDATED', 'POSITION.UPDATEX') });
const toRequest = ({ method, url, headers, body }, init = {}) => new Request(url, { method, headers, body, ...init });

/** A promise with its resolve function. */
function deferred() {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A Workers-like ExecutionContext that keeps what it is handed. */
function executionContext() {
  const promises = [];
  return { promises, waitUntil: (promise) => promises.push(promise), passThroughOnException() {} };
}

/** A stream that yields `chunkSize`-byte chunks forever; `pulled` counts the bytes handed out. */
function endlessStream(chunkSize = 1024) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream(
    {
      pull(controller) {
        state.pulled += chunkSize;
        controller.enqueue(new Uint8Array(chunkSize).fill(0x20));
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

test('both entries export the same three adapters', () => {
  for (const name of ADAPTERS) {
    assert.equal(typeof pkg[name], 'function', name);
    assert.equal(subpath[name], pkg[name], `${name} is the same function in both entries`);
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

// ---------------------------------------------------------------------------
// Express / Connect

/** Listens on a free port; resolves to `{ url, close }`. */
async function listen(handler) {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

/** POSTs a delivery signed for `origin + path` there; resolves to `{ status, body }`. */
async function post(origin, path, { mutate = (d) => d, events } = {}) {
  const { delivery } = signed(events, origin + path);
  const sent = mutate(delivery);
  const response = await fetch(sent.url, { method: sent.method, headers: sent.headers, body: sent.body });
  const text = await response.text();
  return { status: response.status, body: text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

/** An Express error handler that answers the error's code and message as JSON. */
// eslint-disable-next-line no-unused-vars -- Express tells error handlers by their four parameters
function errorsAsJson(err, req, res, next) {
  res.status(500).json({ code: err.code ?? null, message: err.message });
}

describe('expressWebhook() in Express 5', () => {
  const servers = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });
  async function serve(setup) {
    const app = express();
    setup(app);
    app.use(errorsAsJson);
    const server = await listen(app);
    servers.push(server);
    return server.origin;
  }

  for (const [entryName, entry] of ENTRIES) {
    test(`${entryName}: a signed delivery → next() with req.upvestDelivery; tampered → 400 { error: code }`, async () => {
      const seen = [];
      const origin = await serve((app) =>
        app.post('/webhooks/upvest', entry.expressWebhook(newVerifier(entry)), (req, res) => {
          seen.push({ events: req.upvestDelivery.events, keyId: req.upvestDelivery.keyId, body: req.body });
          res.sendStatus(200);
        }),
      );
      const events = [makeEvent(), makeEvent({ type: 'ORDER.FILLED' })];
      assert.deepEqual(await post(origin, '/webhooks/upvest', { events }), { status: 200, body: 'OK' });
      assert.deepEqual(seen, [{ events, keyId: key.kid, body: undefined }]);
      assert.deepEqual(await post(origin, '/webhooks/upvest', { mutate: tampered }), { status: 400, body: { error: 'ERR_DIGEST_MISMATCH' } });
      assert.equal(seen.length, 1);
    });
  }

  test('inside a mounted router the signed path is req.originalUrl (with the query)', async () => {
    const seen = [];
    const origin = await serve((app) => {
      const router = express.Router();
      router.post('/upvest', expressWebhook(), (req, res) => {
        seen.push([req.url, req.upvestDelivery.events.length]);
        res.sendStatus(204);
      });
      app.use('/webhooks', router);
    });
    assert.equal((await post(origin, '/webhooks/upvest?tenant=7')).status, 204);
    assert.deepEqual(seen, [['/upvest?tenant=7', 2]]);
  });

  test('express.json() before it (on the route or app-wide) → next(err) with ERR_BODY_NOT_RAW and the fix in the message', async () => {
    const onRoute = await serve((app) => app.post('/hooks', express.json(), expressWebhook(), () => assert.fail('reached')));
    const appWide = await serve((app) => {
      app.use(express.json());
      app.post('/hooks', expressWebhook(), () => assert.fail('reached'));
    });
    for (const origin of [onRoute, appWide]) {
      const { status, body } = await post(origin, '/hooks');
      assert.equal(status, 500);
      assert.equal(body.code, 'ERR_BODY_NOT_RAW');
      assert.match(body.message, /express\.json\(\) ran before expressWebhook\(\)/);
      assert.match(body.message, /app\.post\(path, expressWebhook\(verifier\), handler\)/);
    }
  });

  test('the express.raw() pitfalls are gone: without a parser, with express.raw() of any type, with express.json() after it', async () => {
    const handler = (req, res) => res.json({ events: req.upvestDelivery.events.length, body: req.body === undefined ? 'untouched' : typeof req.body });
    const origin = await serve((app) => {
      app.post('/plain', expressWebhook(), handler);
      app.post('/raw-json', express.raw({ type: 'application/json' }), expressWebhook(), handler); // req.body is the Buffer: verified as is
      app.post('/raw-default', express.raw(), expressWebhook(), handler); // reads only octet-stream: the stream is left to the middleware
      app.post('/json-after', expressWebhook(), express.json(), handler); // the parser sees a read body and skips it
      app.use(express.json());
      app.post('/other', (req, res) => res.json(req.body));
    });
    assert.deepEqual(await post(origin, '/plain'), { status: 200, body: { events: 2, body: 'untouched' } });
    assert.deepEqual(await post(origin, '/raw-json'), { status: 200, body: { events: 2, body: 'object' } });
    assert.deepEqual(await post(origin, '/raw-default'), { status: 200, body: { events: 2, body: 'untouched' } });
    assert.deepEqual(await post(origin, '/json-after'), { status: 200, body: { events: 2, body: 'untouched' } });
    const other = await fetch(`${origin}/other`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    assert.deepEqual(await other.json(), { a: 1 }, 'the rest of the app still parses JSON');
  });

  test('a body over limits.maxBodyBytes → 413 { error: ERR_LIMIT_EXCEEDED }, by content-length or chunked; the server keeps serving', async () => {
    const verifier = newVerifier(pkg, { limits: { maxBodyBytes: LIMIT } });
    const origin = await serve((app) => app.post('/hooks', pkg.expressWebhook(verifier), (req, res) => res.sendStatus(200)));
    const big = [makeEvent({ object: { note: 'x'.repeat(LIMIT) } })];
    assert.deepEqual(await post(origin, '/hooks', { events: big }), { status: 413, body: { error: 'ERR_LIMIT_EXCEEDED' } });
    // chunked: no content-length, 256 KiB in 1 KiB chunks
    const { delivery } = signed(undefined, `${origin}/hooks`);
    const { 'content-length': _, ...headers } = delivery.headers;
    const chunked = await new Promise((resolve, reject) => {
      const req = httpRequest(`${origin}/hooks`, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      Readable.from(
        (function* chunks() {
          for (let i = 0; i < 256; i += 1) yield Buffer.alloc(1024, 0x20);
        })(),
      ).pipe(req);
    });
    assert.deepEqual(chunked, { status: 413, body: { error: 'ERR_LIMIT_EXCEEDED' } });
    assert.equal((await post(origin, '/hooks')).status, 200, 'a delivery within the limit still verifies');
  });

  test('not POST → 405 with Allow: POST (app.use / app.all mounts)', async () => {
    const origin = await serve((app) => app.use('/hooks', pkg.expressWebhook(newVerifier()), () => assert.fail('reached')));
    for (const method of ['GET', 'PUT']) {
      const response = await fetch(`${origin}/hooks`, { method, body: method === 'PUT' ? 'x' : undefined });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get('allow'), 'POST');
    }
  });

  test('onRejected answers instead of the default, or returns to keep it (a logging hook)', async () => {
    const logged = [];
    const origin = await serve((app) => {
      app.post('/custom', pkg.expressWebhook(newVerifier(), { onRejected: (err, req, res) => res.status(401).send(`no: ${err.code}`) }), () =>
        assert.fail('reached'),
      );
      app.post('/log', pkg.expressWebhook(newVerifier(), { onRejected: (err, req) => void logged.push([err.code, req.originalUrl]) }), () =>
        assert.fail('reached'),
      );
    });
    assert.deepEqual(await post(origin, '/custom', { mutate: tampered }), { status: 401, body: 'no: ERR_DIGEST_MISMATCH' });
    assert.deepEqual(await post(origin, '/log', { mutate: tampered }), { status: 400, body: { error: 'ERR_DIGEST_MISMATCH' } });
    assert.deepEqual(logged, [['ERR_DIGEST_MISMATCH', '/log']]);
  });

  test('an error that is not a rejection (a verifier that fails unexpectedly) goes to next(err)', async () => {
    const failure = new TypeError('unexpected');
    const broken = {
      verify: async () => {
        throw failure;
      },
      verifyRequest: async () => {
        throw failure;
      },
    };
    const origin = await serve((app) => app.post('/hooks', pkg.expressWebhook(broken), () => assert.fail('reached')));
    assert.deepEqual(await post(origin, '/hooks'), { status: 500, body: { code: null, message: 'unexpected' } });
  });

  // the tests above that call expressWebhook() with no verifier use this one
  function expressWebhook() {
    return pkg.expressWebhook(newVerifier());
  }
});

describe('expressWebhook() as Connect-style middleware on node:http', () => {
  let server;
  const seen = [];
  before(async () => {
    const middleware = subpath.expressWebhook(newVerifier(subpath));
    server = await listen((req, res) => {
      middleware(req, res, (err) => {
        if (err) {
          res.statusCode = 500;
          res.end(String(err.code));
          return;
        }
        seen.push(req.upvestDelivery.events.length);
        res.end('done');
      });
    });
  });
  after(() => server?.close());

  test('plain req/res (no res.status/res.json): verifies, rejects with JSON, reads url when there is no originalUrl', async () => {
    assert.deepEqual(await post(server.origin, '/hooks?x=1'), { status: 200, body: 'done' });
    assert.deepEqual(seen, [2]);
    assert.deepEqual(await post(server.origin, '/hooks', { mutate: tampered }), { status: 400, body: { error: 'ERR_DIGEST_MISMATCH' } });
    const get = await fetch(`${server.origin}/hooks`);
    assert.deepEqual([get.status, get.headers.get('allow')], [405, 'POST']);
  });
});

describe('expressWebhook() reads the stream itself, at most up to the limit', () => {
  /** A request stream that yields 1 KiB chunks forever; `read` counts bytes taken from it. */
  function endlessRequest(delivery, headers) {
    const state = { read: 0 };
    const req = new Readable({
      read() {
        state.read += 1024;
        this.push(Buffer.alloc(1024, 0x20));
      },
    });
    Object.assign(req, { method: 'POST', url: new URL(delivery.url).pathname, originalUrl: new URL(delivery.url).pathname, headers });
    return { req, state };
  }
  function fakeResponse() {
    const done = deferred();
    const res = {
      statusCode: 200,
      headers: {},
      headersSent: false,
      writableEnded: false,
      setHeader(name, value) {
        this.headers[name.toLowerCase()] = value;
      },
      end(body) {
        this.body = body;
        this.writableEnded = this.headersSent = true;
        done.resolve();
      },
    };
    return { res, done: done.promise };
  }

  test('an endless chunked body is answered 413 after reading about the limit, without destroying the request', async () => {
    const { delivery } = signed();
    const { 'content-length': _, ...headers } = delivery.headers;
    const { req, state } = endlessRequest(delivery, headers);
    const { res, done } = fakeResponse();
    const readAtAnswer = {};
    pkg.expressWebhook(newVerifier(pkg, { limits: { maxBodyBytes: LIMIT } }))(req, res, (err) => assert.fail(`next(${err ?? ''}) called`));
    await done;
    readAtAnswer.bytes = state.read;
    readAtAnswer.destroyed = req.destroyed;
    req.destroy(); // the test's own cleanup: the middleware lets the rest drain
    assert.equal(res.statusCode, 413);
    assert.equal(res.body, JSON.stringify({ error: 'ERR_LIMIT_EXCEEDED' }));
    // Node's Readable buffers up to its highWaterMark (16 KiB) ahead of the reader
    assert.ok(readAtAnswer.bytes <= LIMIT + 16 * 1024 + 2048, `read ${readAtAnswer.bytes} bytes before answering, for a ${LIMIT}-byte limit`);
    assert.equal(readAtAnswer.destroyed, false, 'the request must survive, so the 413 reaches the sender');
  });

  test('a content-length over the limit is answered 413 without reading anything', async () => {
    const { delivery } = signed();
    const { req, state } = endlessRequest(delivery, { ...delivery.headers, 'content-length': String(LIMIT + 1) });
    req.pause();
    const { res, done } = fakeResponse();
    pkg.expressWebhook(newVerifier(pkg, { limits: { maxBodyBytes: LIMIT } }))(req, res, (err) => assert.fail(`next(${err ?? ''}) called`));
    await done;
    const read = state.read;
    req.destroy();
    assert.equal(res.statusCode, 413);
    assert.equal(read, 0);
  });

  test('Google Cloud Functions style: the stream is consumed but req.rawBody holds the bytes → verified', async () => {
    const { events, delivery } = signed();
    const req = Readable.from([]);
    for await (const _ of req); // consumed, as the platform does
    Object.assign(req, {
      method: 'POST',
      originalUrl: new URL(delivery.url).pathname,
      headers: delivery.headers,
      body: JSON.parse(delivery.body),
      rawBody: Buffer.from(delivery.body),
    });
    const { res } = fakeResponse();
    await new Promise((resolve, reject) => pkg.expressWebhook(newVerifier())(req, res, (err) => (err ? reject(err) : resolve())));
    assert.deepEqual(req.upvestDelivery.events, events);
  });
});
