// OAuth2 client-credentials tokens: one signed form POST, cached until
// `expires_in` (minus a margin), one request shared by concurrent calls,
// refreshed on expiry and once on a 401.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { manualClock, startFakeUpvest } from '../support/fake-upvest.mjs';
import { UpvestApiError, assertAllVerified, clientFor, failure, sample } from './helpers.mjs';

async function withFake(options, fn) {
  const fake = await startFakeUpvest(options);
  try {
    await fn(fake);
  } finally {
    await fake.close();
  }
}

/** Method and path of each request, token requests as `TOKEN`, with the status. */
const trace = (fake) => fake.requests.map((r) => `${r.path === '/auth/token' ? 'TOKEN' : `${r.method} ${r.path}`} ${r.status}`);

describe('UpvestClient access tokens', () => {
  test('one token for many calls while it is valid', () =>
    withFake({}, async (fake) => {
      const upvest = clientFor(fake);
      await upvest.webhooks.list();
      await upvest.webhooks.create(sample());
      await upvest.verificationKeys();
      assert.equal(fake.tokenRequests.length, 1);
      assertAllVerified(fake);
    }));

  test('no token request at construction, only on the first call', () =>
    withFake({}, async (fake) => {
      clientFor(fake);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(fake.requests.length, 0);
    }));

  test('the configured scopes are requested, space-separated', () =>
    withFake({}, async (fake) => {
      const upvest = clientFor(fake, { scopes: ['webhooks:read'] });
      await upvest.webhooks.list();
      assert.equal(new URLSearchParams(fake.tokenRequests[0].body).get('scope'), 'webhooks:read');
      assert.deepEqual(fake.state.tokens.values().next().value.scopes, ['webhooks:read']);
    }));

  test('expiry: no refresh well before expires_in, a new token after it (injected clock shared with the server)', async () => {
    const clock = manualClock();
    await withFake({ now: clock.now, tokenExpiresIn: 1799 }, async (fake) => {
      const upvest = clientFor(fake, { now: clock.now });
      await upvest.webhooks.list();
      clock.advance(1000_000); // 1000 s of 1799
      await upvest.webhooks.list();
      assert.equal(fake.tokenRequests.length, 1, 'still valid at 1000 s');
      clock.advance(800_000); // 1800 s: expired
      await upvest.webhooks.list();
      assert.equal(fake.tokenRequests.length, 2, 'refreshed after expires_in');
      assert.deepEqual(
        trace(fake),
        ['TOKEN 200', 'GET /webhooks 200', 'GET /webhooks 200', 'TOKEN 200', 'GET /webhooks 200'],
        'refreshed before use, not after a 401',
      );
      assertAllVerified(fake);
    });
  });

  test('a short expires_in (2 s) is honoured with the real clock', () =>
    withFake({ tokenExpiresIn: 2 }, async (fake) => {
      const upvest = clientFor(fake);
      await upvest.webhooks.list();
      await new Promise((r) => setTimeout(r, 2100));
      await upvest.webhooks.list();
      assert.equal(fake.tokenRequests.length, 2);
      assert.ok(
        fake.apiRequests.every((r) => r.status === 200),
        `no API call may hit an expired token: ${trace(fake)}`,
      );
    }));

  test('20 concurrent calls share exactly one token request', () =>
    withFake({}, async (fake) => {
      const upvest = clientFor(fake);
      const results = await Promise.all(Array.from({ length: 20 }, () => upvest.webhooks.list({ limit: 1 })));
      assert.equal(results.length, 20);
      assert.equal(fake.tokenRequests.length, 1);
      assert.equal(fake.apiRequests.length, 20);
      assertAllVerified(fake);
    }));

  test('20 concurrent creates share one token and send 20 distinct idempotency keys', () =>
    withFake({}, async (fake) => {
      const upvest = clientFor(fake);
      await Promise.all(Array.from({ length: 20 }, (_, i) => upvest.webhooks.create(sample(`c${i}`))));
      assert.equal(fake.tokenRequests.length, 1);
      assert.equal(fake.state.webhooks.size, 20);
      assert.equal(new Set(fake.apiRequests.map((r) => r.idempotencyKey)).size, 20);
    }));

  test('a 401 on an API call (token revoked) triggers one refresh and one retry', () =>
    withFake({}, async (fake) => {
      const upvest = clientFor(fake);
      await upvest.webhooks.list();
      fake.revokeTokens();
      const hook = await upvest.webhooks.create(sample('after-revoke'));
      assert.equal(hook.title, 'Orders after-revoke');
      assert.deepEqual(trace(fake), ['TOKEN 200', 'GET /webhooks 200', 'POST /webhooks 401', 'TOKEN 200', 'POST /webhooks 201']);
      const posts = fake.apiRequests.filter((r) => r.method === 'POST');
      assert.equal(posts[0].idempotencyKey, posts[1].idempotencyKey, 'the retry reuses the idempotency key');
      assert.notEqual(posts[0].headers.authorization, posts[1].headers.authorization, 'the retry uses the new token');
      assert.equal(fake.state.webhooks.size, 1);
      assertAllVerified(fake);
    }));

  test('a persistent 401 gives up after one refresh: UpvestApiError ERR_API_UNAUTHORIZED', () =>
    withFake({}, async (fake) => {
      const upvest = clientFor(fake);
      fake.inject({ status: 401, times: Infinity, path: '/webhooks' });
      const err = await failure(() => upvest.webhooks.list());
      assert.ok(err instanceof UpvestApiError, String(err));
      assert.equal(err.code, 'ERR_API_UNAUTHORIZED');
      assert.equal(err.status, 401);
      assert.deepEqual(trace(fake), ['TOKEN 200', 'GET /webhooks 401', 'TOKEN 200', 'GET /webhooks 401']);
    }));

  test('after a revocation, concurrent calls share one refresh', () =>
    withFake({}, async (fake) => {
      const upvest = clientFor(fake);
      await upvest.webhooks.list();
      fake.revokeTokens();
      await Promise.all(Array.from({ length: 10 }, () => upvest.webhooks.list()));
      assert.equal(fake.tokenRequests.length, 2, `token requests: ${fake.tokenRequests.length}`);
    }));

  test('bad client credentials: the token request fails with ERR_API_UNAUTHORIZED and no API call is sent', () =>
    withFake({}, async (fake) => {
      const upvest = clientFor(fake, { clientSecret: 'definitely-the-wrong-secret' });
      const err = await failure(() => upvest.webhooks.list());
      assert.ok(err instanceof UpvestApiError, String(err));
      assert.equal(err.code, 'ERR_API_UNAUTHORIZED');
      assert.equal(err.status, 401);
      assert.equal(fake.apiRequests.length, 0);
      assert.ok(!err.message.includes('definitely-the-wrong-secret'));
    }));

  test('a failed token request is not cached: the next call asks again', () =>
    withFake({}, async (fake) => {
      const upvest = clientFor(fake, { maxRetries: 0 });
      fake.inject({ status: 503, path: '/auth/token' });
      const err = await failure(() => upvest.webhooks.list());
      assert.equal(err.code, 'ERR_API_SERVER_ERROR');
      await upvest.webhooks.list();
      assert.deepEqual(trace(fake), ['TOKEN 503', 'TOKEN 200', 'GET /webhooks 200']);
    }));

  test('a 503 on the token request is retried like any other', () =>
    withFake({}, async (fake) => {
      const upvest = clientFor(fake);
      fake.inject({ status: 503, path: '/auth/token' });
      await upvest.webhooks.list();
      assert.deepEqual(trace(fake), ['TOKEN 503', 'TOKEN 200', 'GET /webhooks 200']);
      assertAllVerified(fake);
    }));

  test('a read-only token cannot write: 403 ERR_API_FORBIDDEN, without a refresh loop', () =>
    withFake({}, async (fake) => {
      const upvest = clientFor(fake, { scopes: ['webhooks:read'] });
      const err = await failure(() => upvest.webhooks.create(sample()));
      assert.ok(err instanceof UpvestApiError);
      assert.equal(err.code, 'ERR_API_FORBIDDEN');
      assert.equal(err.status, 403);
      assert.equal(fake.tokenRequests.length, 1);
      assert.equal(fake.state.webhooks.size, 0);
    }));
});
