// Retries, timeouts and aborts. Every recoverable fault is retried with the
// same idempotency key (read from the fake server's log), and never creates
// a second webhook, even when the first attempt was processed and only its
// response was lost. Storms end in a typed error within the retry budget.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  UUID_V4,
  UpvestApiError,
  UpvestError,
  assertAllVerified,
  clientFor,
  entriesFor,
  failure,
  sample,
  sleep,
  useFakeUpvest,
  withoutUnhandledRejections,
} from './helpers.mjs';

describe('UpvestClient recovers from transient faults without duplicates', () => {
  let fake;
  let upvest;
  useFakeUpvest(async (f) => {
    fake = f;
    upvest = clientFor(fake, { timeoutMs: 400, retryBaseDelayMs: 5, retryMaxDelayMs: 2000 });
    await upvest.webhooks.list(); // token in hand
  });

  /** Creates through a fault; asserts one webhook, N attempts, one idempotency key. */
  async function createThrough(fault, { attempts = 2 } = {}) {
    const before = fake.state.webhooks.size;
    fake.inject({ method: 'POST', path: '/webhooks', ...fault });
    const t0 = Date.now();
    const hook = await upvest.webhooks.create(sample(`f${before}`));
    const elapsed = Date.now() - t0;
    const posts = entriesFor(fake, 'POST', '/webhooks');
    assert.equal(posts.length, attempts, `attempts: ${posts.map((p) => p.status).join(', ')}`);
    assert.match(posts[0].idempotencyKey ?? '', UUID_V4);
    assert.ok(
      posts.every((p) => p.idempotencyKey === posts[0].idempotencyKey),
      'every attempt has the same idempotency key',
    );
    assert.equal(new Set(posts.map((p) => p.signature.nonce)).size, posts.length, 'every attempt is signed afresh');
    assert.equal(fake.state.webhooks.size, before + 1, 'exactly one webhook was created');
    const { _seq, ...stored } = fake.state.webhooks.get(hook.id) ?? {};
    assert.deepEqual(hook, stored, 'the client returns the webhook the server created');
    assertAllVerified(fake);
    return { hook, posts, elapsed };
  }

  test('429 with Retry-After: 1 waits about a second, then succeeds', async () => {
    const { posts, elapsed } = await createThrough({ status: 429, retryAfter: 1 });
    assert.equal(posts[0].status, 429);
    assert.ok(elapsed >= 950, `waited only ${elapsed} ms`);
    assert.ok(posts[1].at - posts[0].at >= 950, 'the retry came after Retry-After');
  });

  test('Retry-After longer than retryMaxDelayMs is capped', async () => {
    const capped = clientFor(fake, { retryBaseDelayMs: 5, retryMaxDelayMs: 200 });
    fake.inject({ method: 'GET', path: '/webhooks', status: 429, retryAfter: 30 });
    const t0 = Date.now();
    await capped.webhooks.list();
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
  });

  for (const status of [500, 502, 503, 504]) {
    test(`${status} before processing is retried with the same key`, async () => {
      const { posts } = await createThrough({ status });
      assert.deepEqual(
        posts.map((p) => p.status),
        [status, 201],
      );
    });
  }

  test('a non-JSON 502 from a proxy (text/html) is retried', async () => {
    const { posts } = await createThrough({ kind: 'html', status: 502 });
    assert.deepEqual(
      posts.map((p) => p.status),
      [502, 201],
    );
  });

  test('a connection dropped before the request was processed is retried', async () => {
    const { posts } = await createThrough({ kind: 'drop', when: 'before' });
    assert.deepEqual(
      posts.map((p) => p.status),
      ['dropped', 201],
    );
    assert.equal(posts[1].replayed, false);
  });

  test('a connection dropped AFTER the webhook was created: the retry is deduplicated by the idempotency key', async () => {
    const { posts } = await createThrough({ kind: 'drop', when: 'after' });
    assert.equal(posts[0].status, 'dropped');
    assert.equal(posts[0].response.status, 201, 'the first attempt did create the webhook');
    assert.equal(posts[1].replayed, true, 'the retry got the stored first response');
  });

  test('a timeout (the server never answers after processing) is retried and deduplicated', async () => {
    const { posts, elapsed } = await createThrough({ kind: 'hang', when: 'after' });
    assert.equal(posts[0].status, 'hung');
    assert.equal(posts[1].replayed, true);
    assert.ok(elapsed >= 350, `the timeout fired after ${elapsed} ms (timeoutMs 400)`);
  });

  test('a timeout before processing is retried', async () => {
    await createThrough({ kind: 'hang', when: 'before' });
  });

  test('a half-written response (headers and part of the body) is retried and deduplicated', async () => {
    const { posts } = await createThrough({ kind: 'partial' });
    assert.equal(posts[0].status, 'partial');
    assert.equal(posts[1].replayed, true);
  });

  test('a response slower than timeoutMs counts as a timeout and is retried', async () => {
    const { posts } = await createThrough({ kind: 'delay', delayMs: 1500 });
    assert.equal(posts[1].replayed, true);
  });

  test('two different faults in a row (a 503, then a response lost after processing), then success (maxRetries 2)', async () => {
    fake.inject({ method: 'POST', path: '/webhooks', kind: 'drop', when: 'after' });
    const { posts } = await createThrough({ status: 503 }, { attempts: 3 });
    assert.deepEqual(
      posts.map((p) => p.status),
      [503, 'dropped', 201],
    );
    assert.equal(posts[2].replayed, true);
  });

  test('PATCH: a dropped response after the update is retried with the same key', async () => {
    const hook = await upvest.webhooks.create(sample('patch'));
    fake.clearLog();
    fake.inject({ method: 'PATCH', kind: 'drop', when: 'after' });
    const updated = await upvest.webhooks.update(hook.id, { enabled: true });
    assert.equal(updated.enabled, true);
    const patches = entriesFor(fake, 'PATCH', `/webhooks/${hook.id}`);
    assert.equal(patches.length, 2);
    assert.equal(patches[0].idempotencyKey, patches[1].idempotencyKey);
    assert.match(patches[0].idempotencyKey, UUID_V4);
    assert.equal(patches[1].replayed, true);
  });

  test('POST /webhooks/{id}/test: a 503 is retried with the same key', async () => {
    const hook = await upvest.webhooks.create(sample('test-retry'));
    fake.clearLog();
    fake.inject({ path: `/webhooks/${hook.id}/test`, status: 503 });
    assert.equal(await upvest.webhooks.test(hook.id), undefined);
    const posts = entriesFor(fake, 'POST', `/webhooks/${hook.id}/test`);
    assert.equal(posts.length, 2);
    assert.equal(posts[0].idempotencyKey, posts[1].idempotencyKey);
  });

  test('GET: a dropped connection and a 503 are retried', async () => {
    fake.inject({ method: 'GET', path: '/webhooks', kind: 'drop' });
    fake.inject({ method: 'GET', path: '/webhooks', status: 503 });
    const page = await upvest.webhooks.list();
    assert.ok(Array.isArray(page.data));
    assert.deepEqual(
      entriesFor(fake, 'GET', '/webhooks').map((r) => r.status),
      ['dropped', 503, 200],
    );
  });

  test('non-retryable statuses are not retried: 400, 403, 404, 406, 409', async () => {
    for (const status of [400, 403, 404, 406, 409]) {
      fake.clearLog();
      fake.inject({ method: 'GET', path: '/webhooks', status });
      const err = await failure(() => upvest.webhooks.list());
      assert.ok(err instanceof UpvestApiError, `${status}: ${err}`);
      assert.equal(err.status, status);
      assert.equal(entriesFor(fake, 'GET', '/webhooks').length, 1, `${status} was retried`);
    }
  });
});

describe('UpvestClient gives up with a typed error when the retry budget is spent', () => {
  let fake;
  useFakeUpvest((f) => (fake = f));

  async function storm(fault, clientOverrides = {}) {
    const upvest = clientFor(fake, { timeoutMs: 200, retryBaseDelayMs: 5, retryMaxDelayMs: 50, ...clientOverrides });
    await upvest.verificationKeys(); // token in hand
    fake.clearLog();
    fake.inject({ times: Infinity, method: 'POST', path: '/webhooks', ...fault });
    const before = fake.state.webhooks.size;
    const t0 = Date.now();
    const err = await failure(() => upvest.webhooks.create(sample('storm')));
    const elapsed = Date.now() - t0;
    const posts = entriesFor(fake, 'POST', '/webhooks');
    assert.ok(posts.every((p) => p.idempotencyKey === posts[0].idempotencyKey));
    return { err, elapsed, posts, created: fake.state.webhooks.size - before };
  }

  test('503 storm → UpvestApiError ERR_API_SERVER_ERROR after 1 + maxRetries (2) attempts', async () => {
    const { err, posts, elapsed } = await storm({ status: 503 });
    assert.ok(err instanceof UpvestApiError, String(err));
    assert.equal(err.code, 'ERR_API_SERVER_ERROR');
    assert.equal(err.status, 503);
    assert.equal(posts.length, 3);
    assert.ok(elapsed < 3000);
  });

  test('429 storm (Retry-After: 0) → ERR_API_RATE_LIMITED after 3 attempts', async () => {
    const { err, posts } = await storm({ status: 429, retryAfter: 0 });
    assert.ok(err instanceof UpvestApiError);
    assert.equal(err.code, 'ERR_API_RATE_LIMITED');
    assert.equal(err.status, 429);
    assert.equal(posts.length, 3);
  });

  test('dropped connections → UpvestError ERR_NETWORK (not an API error) after 3 attempts', async () => {
    const { err, posts } = await storm({ kind: 'drop' });
    assert.ok(err instanceof UpvestError, String(err));
    assert.ok(!(err instanceof UpvestApiError));
    assert.equal(err.code, 'ERR_NETWORK');
    assert.equal(posts.length, 3);
  });

  test('a server that never answers → ERR_TIMEOUT after 3 attempts, never a hang', async () => {
    const { err, posts, elapsed } = await storm({ kind: 'hang' });
    assert.ok(err instanceof UpvestError, String(err));
    assert.equal(err.code, 'ERR_TIMEOUT');
    assert.equal(posts.length, 3);
    assert.ok(elapsed >= 3 * 180 && elapsed < 3000, `elapsed ${elapsed} ms for 3 × 200 ms`);
  });

  test('half-written responses → a typed error after 3 attempts', async () => {
    const { err, posts, created } = await storm({ kind: 'partial' });
    assert.ok(err instanceof UpvestError, String(err));
    assert.ok(['ERR_NETWORK', 'ERR_API_INVALID_RESPONSE'].includes(err.code), err.code);
    assert.equal(posts.length, 3);
    assert.equal(created, 1, 'processed once, deduplicated twice');
  });

  test('non-JSON 502 storm → UpvestApiError with status 502 and no problem fields', async () => {
    const { err, posts } = await storm({ kind: 'html', status: 502 });
    assert.ok(err instanceof UpvestApiError);
    assert.equal(err.code, 'ERR_API_SERVER_ERROR');
    assert.equal(err.status, 502);
    assert.equal(err.type, undefined);
    assert.equal(err.title, undefined);
    assert.equal(posts.length, 3);
  });

  test('maxRetries: 0 sends exactly one attempt', async () => {
    const { err, posts } = await storm({ status: 503 }, { maxRetries: 0 });
    assert.equal(err.code, 'ERR_API_SERVER_ERROR');
    assert.equal(posts.length, 1);
  });

  test('maxRetries: 4 sends five attempts', async () => {
    const { posts } = await storm({ status: 500 }, { maxRetries: 4 });
    assert.equal(posts.length, 5);
  });

  test('backoff waits between attempts, and retryMaxDelayMs caps every wait', async () => {
    const { posts } = await storm({ status: 503 }, { maxRetries: 3, retryBaseDelayMs: 100, retryMaxDelayMs: 5000 });
    const gaps = posts.slice(1).map((p, i) => p.at - posts[i].at);
    assert.equal(gaps.length, 3);
    assert.ok(gaps.reduce((a, b) => a + b, 0) >= 150, `gaps ${gaps.join(', ')} ms: exponential from 100 ms should add up`);
    const capped = await storm({ status: 503 }, { maxRetries: 3, retryBaseDelayMs: 10_000, retryMaxDelayMs: 60 });
    const cappedGaps = capped.posts.slice(1).map((p, i) => p.at - capped.posts[i].at);
    assert.ok(
      cappedGaps.every((g) => g <= 60 + 150),
      `gaps ${cappedGaps.join(', ')} ms exceed retryMaxDelayMs 60`,
    );
  });
});

describe('UpvestClient honours AbortSignal', () => {
  let fake;
  useFakeUpvest((f) => (fake = f));

  const slowClient = () => clientFor(fake, { timeoutMs: 10_000, retryBaseDelayMs: 5, retryMaxDelayMs: 10_000 });

  test('abort during a hanging request rejects promptly with the signal reason, with no further attempts', () =>
    withoutUnhandledRejections(async () => {
      const upvest = slowClient();
      await upvest.verificationKeys();
      fake.clearLog();
      fake.inject({ kind: 'hang', times: Infinity });
      const controller = new AbortController();
      const reason = new Error('caller gave up');
      setTimeout(() => controller.abort(reason), 50);
      const t0 = Date.now();
      const err = await failure(() => upvest.webhooks.create(sample('abort'), { signal: controller.signal }));
      const elapsed = Date.now() - t0;
      assert.equal(err, reason, `rejected with ${err}`);
      assert.ok(elapsed < 1000, `took ${elapsed} ms`);
      await sleep(150);
      assert.equal(fake.apiRequests.length, 1, 'no retry after the abort');
    }));

  test('abort during the backoff wait (Retry-After: 5) rejects promptly', () =>
    withoutUnhandledRejections(async () => {
      const upvest = slowClient();
      await upvest.verificationKeys();
      fake.clearLog();
      fake.inject({ method: 'GET', path: '/webhooks', status: 429, retryAfter: 5 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const t0 = Date.now();
      const err = await failure(() => upvest.webhooks.list({}, { signal: controller.signal }));
      assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
      assert.equal(err, controller.signal.reason);
      assert.equal(err.name, 'AbortError');
      await sleep(100);
      assert.equal(entriesFor(fake, 'GET', '/webhooks').length, 1);
    }));

  test('an already aborted signal rejects without sending anything', () =>
    withoutUnhandledRejections(async () => {
      const upvest = slowClient();
      const reason = new Error('too late');
      const err = await failure(() => upvest.webhooks.list({}, { signal: AbortSignal.abort(reason) }));
      assert.equal(err, reason);
      await sleep(50);
      assert.equal(fake.requests.length, 0, 'not even a token request');
    }));

  test('AbortSignal.timeout() rejects with its TimeoutError', () =>
    withoutUnhandledRejections(async () => {
      const upvest = slowClient();
      await upvest.verificationKeys();
      fake.inject({ kind: 'hang', times: Infinity });
      const signal = AbortSignal.timeout(100);
      const err = await failure(() => upvest.webhooks.retrieve('0b5f6f0e-4a53-4c1e-9b8e-0d1f2a3b4c5d', { signal }));
      assert.equal(err, signal.reason);
      assert.equal(err.name, 'TimeoutError');
    }));

  test('abort while the token request hangs', () =>
    withoutUnhandledRejections(async () => {
      const upvest = slowClient();
      fake.inject({ kind: 'hang', path: '/auth/token' });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const t0 = Date.now();
      const err = await failure(() => upvest.webhooks.list({}, { signal: controller.signal }));
      assert.equal(err, controller.signal.reason);
      assert.ok(Date.now() - t0 < 1000);
      assert.equal(fake.apiRequests.length, 0);
    }));

  test('every method accepts { signal } as its last argument', () =>
    withoutUnhandledRejections(async () => {
      const upvest = slowClient();
      const hook = await upvest.webhooks.create(sample('signal'));
      const signal = AbortSignal.abort();
      const calls = [
        () => upvest.webhooks.create(sample('x'), { signal }),
        () => upvest.webhooks.update(hook.id, { enabled: true }, { signal }),
        () => upvest.webhooks.list({}, { signal }),
        () => upvest.webhooks.retrieve(hook.id, { signal }),
        () => upvest.webhooks.test(hook.id, { signal }),
        () => upvest.webhooks.delete(hook.id, { signal }),
        () => upvest.verificationKeys({ signal }),
        async () => {
          for await (const h of upvest.webhooks.listAll({}, { signal })) assert.fail(`yielded ${h.id}`);
        },
      ];
      fake.clearLog();
      for (const call of calls) {
        const err = await failure(call);
        assert.equal(err, signal.reason, `${call}: ${err}`);
      }
      await sleep(100); // a request started anyway would arrive by now
      assert.deepEqual(
        fake.requests.map((r) => `${r.method} ${r.path}`),
        [],
        'nothing may be sent with an aborted signal',
      );
      assert.ok(fake.state.webhooks.has(hook.id));
    }));
});
