// Client options and robustness: baseUrl, a custom fetch, the injected
// clock in signatures, per-call options, tolerant response parsing, and
// pagination that cannot loop forever.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';
import { startFakeUpvest } from '../support/fake-upvest.mjs';
import { UpvestClient, assertAllVerified, clientFor, clientOptions, entriesFor, failure, sample, useFakeUpvest } from './helpers.mjs';

describe('UpvestClient options', () => {
  let fake;
  useFakeUpvest((f) => (fake = f));

  test('baseUrl defaults to https://sandbox.upvest.co (seen through a custom fetch, nothing leaves the process)', async () => {
    const urls = [];
    const upvest = new UpvestClient({
      ...clientOptions(fake),
      baseUrl: undefined,
      maxRetries: 0,
      fetch: async (request) => {
        urls.push(request.url);
        return new Response('{"type":"x","status":503}', { status: 503, headers: { 'content-type': 'application/problem+json' } });
      },
    });
    await failure(() => upvest.webhooks.list());
    assert.deepEqual(urls, ['https://sandbox.upvest.co/auth/token']);
  });

  test('a trailing slash on baseUrl does not double the slash in the path', async () => {
    const upvest = clientFor(fake, { baseUrl: `${fake.baseUrl}/` });
    await upvest.webhooks.list();
    assert.deepEqual(
      fake.requests.map((r) => r.path),
      ['/auth/token', '/webhooks'],
    );
    assertAllVerified(fake);
  });

  test('a custom fetch carries every request (token and API calls)', async () => {
    const seen = [];
    const upvest = clientFor(fake, {
      fetch: (...args) => {
        const [request] = args;
        assert.equal(args.length, 1, 'fetch is called with the built Request alone');
        assert.ok(request instanceof Request, 'fetch receives a Request');
        seen.push(`${request.method} ${new URL(request.url).pathname}`);
        return fetch(request);
      },
    });
    const hook = await upvest.webhooks.create(sample('custom-fetch'));
    await upvest.webhooks.delete(hook.id);
    assert.deepEqual(seen, ['POST /auth/token', 'POST /webhooks', `DELETE /webhooks/${hook.id}`]);
    assert.equal(fake.requests.length, 3);
    assertAllVerified(fake);
  });

  test('a request the runtime refuses to build (a baseUrl with credentials) is ERR_NETWORK with the cause, and the module keeps working', async () => {
    let calls = 0;
    const upvest = clientFor(fake, {
      baseUrl: 'http://user:pw@127.0.0.1:9',
      maxRetries: 0,
      fetch: () => {
        calls += 1;
        return fetch('http://127.0.0.1:9');
      },
    });
    const err = await failure(() => upvest.webhooks.list());
    assert.equal(err.code, 'ERR_NETWORK', err.message);
    assert.match(err.message, /the request could not be built/);
    assert.match(String(err.cause), /credentials/i);
    assert.equal(calls, 0, 'nothing was sent');
    const hook = await clientFor(fake).webhooks.create(sample('after-refused-request'));
    assert.ok(hook.id, 'a client on the same WebAssembly instance still works');
  });

  test('the Request given to a custom fetch carries the signed headers, the body and an AbortSignal', async () => {
    const requests = [];
    const upvest = clientFor(fake, {
      fetch: async (request) => {
        requests.push({ request, body: await request.clone().text() });
        return fetch(request);
      },
    });
    const hook = await upvest.webhooks.create(sample('request-shape'));
    const { request, body } = requests.at(-1);
    assert.equal(request.method, 'POST');
    assert.equal(JSON.parse(body).url, hook.url);
    for (const name of ['authorization', 'signature', 'signature-input', 'content-digest', 'idempotency-key', 'upvest-client-id']) {
      assert.ok(request.headers.get(name), `${name} is set`);
    }
    assert.ok(request.signal instanceof AbortSignal);
    assert.equal(request.signal.aborted, false);
    await upvest.webhooks.delete(hook.id);
  });

  for (const [name, value] of [
    ['a plain object shaped like a Response', { status: 200, headers: new Headers(), arrayBuffer: async () => new ArrayBuffer(0) }],
    ['a string', '{}'],
    ['undefined', undefined],
  ]) {
    test(`a custom fetch resolving to ${name} (not a Response) is ERR_API_INVALID_RESPONSE with the value as cause, not retried`, async () => {
      let calls = 0;
      const upvest = clientFor(fake, {
        maxRetries: 3,
        fetch: async () => {
          calls += 1;
          return value;
        },
      });
      const err = await failure(() => upvest.webhooks.list());
      assert.equal(err.code, 'ERR_API_INVALID_RESPONSE', err.message);
      assert.match(err.message, /the fetch function gave no Response/);
      assert.equal(err.cause, value);
      assert.equal(calls, 1, 'a fetch that gives no Response is not retried');
    });
  }

  test('the injected clock sets created/expires: a client an hour ahead is refused by the server (ERR_API_UNAUTHORIZED)', async () => {
    const ahead = () => Date.now() + 3600_000;
    const upvest = clientFor(fake, { now: ahead, maxRetries: 0 });
    const err = await failure(() => upvest.webhooks.list());
    assert.equal(err.code, 'ERR_API_UNAUTHORIZED', `${err.name}: ${err.message}`);
    const [entry] = fake.requests;
    assert.ok(Math.abs(entry.signature.created - Math.floor(ahead() / 1000)) <= 2, `created ${entry.signature.created}`);
    assert.match(entry.signature.error, /outside ±300 s/);
  });

  test('signatures are short-lived: expires after created, within 5 minutes', async () => {
    await clientFor(fake).webhooks.list();
    for (const r of fake.requests) {
      const lifetime = r.signature.expires - r.signature.created;
      assert.ok(lifetime > 0 && lifetime <= 300, `lifetime ${lifetime} s`);
    }
  });

  test('idempotencyKey on a GET or DELETE is not sent', async () => {
    const upvest = clientFor(fake);
    const hook = await upvest.webhooks.create(sample('idem-get'));
    await upvest.webhooks.list({}, { idempotencyKey: crypto.randomUUID() });
    await upvest.webhooks.retrieve(hook.id, { idempotencyKey: crypto.randomUUID() });
    await upvest.webhooks.delete(hook.id, { idempotencyKey: crypto.randomUUID() });
    for (const r of fake.apiRequests.filter((x) => x.method !== 'POST')) assert.equal(r.idempotencyKey, undefined, `${r.method} ${r.path}`);
  });

  test('idempotencyKey on test() is used for its POST', async () => {
    const upvest = clientFor(fake);
    const hook = await upvest.webhooks.create(sample('idem-test'));
    const key = crypto.randomUUID();
    await upvest.webhooks.test(hook.id, { idempotencyKey: key });
    assert.equal(entriesFor(fake, 'POST', `/webhooks/${hook.id}/test`)[0].idempotencyKey, key);
  });

  test('unknown fields in a webhook response are kept, not rejected', async () => {
    const upvest = clientFor(fake);
    const hook = await upvest.webhooks.create(sample('extra'));
    const { _seq, ...stored } = fake.state.webhooks.get(hook.id);
    const body = { ...stored, exclude_type: ['ORDER.NEW'], future_field: { nested: true } };
    fake.inject({ status: 200, body, contentType: 'application/json', path: `/webhooks/${hook.id}`, method: 'GET' });
    const got = await upvest.webhooks.retrieve(hook.id);
    assert.deepEqual(got, body);
  });

  test('exclude_type (documented by Upvest, not in OpenAPI 1.9.0) is sent when set, and only then', async () => {
    const upvest = clientFor(fake);
    const hook = await upvest.webhooks.create({ ...sample('exclude'), type: ['ALL'], exclude_type: ['ORDER.NEW'] });
    assert.deepEqual(hook.exclude_type, ['ORDER.NEW']);
    const withIt = entriesFor(fake, 'POST', '/webhooks').at(-1);
    assert.deepEqual(JSON.parse(withIt.body).exclude_type, ['ORDER.NEW']);
    await upvest.webhooks.create(sample('no-exclude'));
    assert.ok(!('exclude_type' in JSON.parse(entriesFor(fake, 'POST', '/webhooks').at(-1).body)));
  });

  test('unknown categories in a response are kept (open enum)', async () => {
    const upvest = clientFor(fake);
    const created = await upvest.webhooks.create(sample('open'));
    // A category added by Upvest after this version (the emulator itself refuses unknown ones).
    fake.inject({
      status: 200,
      contentType: 'application/json',
      method: 'GET',
      path: `/webhooks/${created.id}`,
      body: { ...created, type: ['NEW_CATEGORY_2030'] },
    });
    const hook = await upvest.webhooks.retrieve(created.id);
    assert.deepEqual(hook.type, ['NEW_CATEGORY_2030']);
  });

  test('Retry-After as an HTTP date is honoured too', async () => {
    const upvest = clientFor(fake, { retryBaseDelayMs: 5, retryMaxDelayMs: 5000 });
    await upvest.verificationKeys();
    const when = new Date(Date.now() + 2000).toUTCString(); // whole seconds: 1–2 s from now
    fake.inject({ status: 503, method: 'GET', path: '/webhooks', headers: { 'retry-after': when } });
    const t0 = Date.now();
    await upvest.webhooks.list();
    assert.ok(Date.now() - t0 >= 900, `retried after ${Date.now() - t0} ms, before the Retry-After date`);
  });

  test('listAll stops on an empty page even if total_count promises more (no endless loop)', async () => {
    const upvest = clientFor(fake);
    fake.inject({
      status: 200,
      contentType: 'application/json',
      method: 'GET',
      path: '/webhooks',
      times: 50,
      body: { meta: { offset: 0, limit: 2, count: 0, total_count: 5, sort: 'created_at', order: 'ASC' }, data: [] },
    });
    const items = [];
    for await (const h of upvest.webhooks.listAll({ pageSize: 2 })) items.push(h);
    assert.equal(items.length, 0);
    assert.ok(entriesFor(fake, 'GET', '/webhooks').length <= 2, `${entriesFor(fake, 'GET', '/webhooks').length} list requests`);
  });

  test('listAll sees each webhook once while pages are fetched', async () => {
    const f = await startFakeUpvest();
    try {
      const upvest = clientFor(f);
      const ids = [];
      for (let i = 0; i < 7; i += 1) ids.push((await upvest.webhooks.create(sample(`all${i}`))).id);
      const seen = [];
      for await (const h of upvest.webhooks.listAll({ pageSize: 3, sort: 'created_at', order: 'ASC' })) seen.push(h.id);
      assert.deepEqual(seen, ids);
      const pages = entriesFor(f, 'GET', '/webhooks');
      assert.ok(pages.length === 3 || pages.length === 4, `${pages.length} pages for 7 items of 3`);
    } finally {
      await f.close();
    }
  });

  test('concurrent calls all fail (none hangs) when the token request fails', async () => {
    const upvest = clientFor(fake, { maxRetries: 0 });
    fake.inject({ status: 503, path: '/auth/token', times: Infinity });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => upvest.webhooks.list()));
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      assert.equal(r.reason.code, 'ERR_API_SERVER_ERROR');
    }
    assert.equal(fake.tokenRequests.length, 1, 'one shared token request');
  });

  test('invalid options fail at construction with ERR_INVALID_ARGUMENT', async () => {
    const bad = [
      ['no clientId', { clientId: undefined }],
      ['no clientSecret', { clientSecret: undefined }],
      ['no keyId', { keyId: undefined }],
      ['no privateKey', { privateKey: undefined }],
      ['a baseUrl that is not a URL', { baseUrl: 'not a url' }],
      ['negative maxRetries', { maxRetries: -1 }],
      ['negative timeoutMs', { timeoutMs: -5 }],
      ['timeoutMs NaN', { timeoutMs: NaN }],
      ['scopes not an array', { scopes: 'webhooks:read' }],
      ['fetch not a function', { fetch: 'fetch' }],
    ];
    for (const [name, overrides] of bad) {
      let err;
      try {
        new UpvestClient({ ...clientOptions(fake), ...overrides });
      } catch (e) {
        err = e;
      }
      assert.ok(err, `${name}: no error`);
      assert.ok(['ERR_INVALID_ARGUMENT', 'ERR_PRIVATE_KEY_INVALID'].includes(err.code), `${name}: ${err.code} ${err.message}`);
      assert.ok(!err.message.includes(fake.clientSecret), name);
    }
    assert.equal(fake.requests.length, 0);
  });
});
