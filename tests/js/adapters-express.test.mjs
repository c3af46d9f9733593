// The receiver adapters in Node: expressWebhook() in real Express 5 and plain
// node:http (Connect-style) servers, and its own reading of the body stream.
// Deliveries come from the independent node:crypto signer (fixtures:
// support/adapters.mjs).
//
//   make consumer && node --test tests/js/adapters-express.test.mjs

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { makeEvent } from './support/upvest-signer.mjs';
import { ENTRIES, LIMIT, deferred, key, newVerifier, pkg, signed, subpath, tampered } from './support/adapters.mjs';

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
