// API errors: problem+json fields mapped onto UpvestApiError, a stable code
// per status class, non-JSON bodies, and no secret (client secret, access
// token, private key) in any error the client produces.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startFakeUpvest } from '../support/fake-upvest.mjs';
import { UUID, UpvestApiError, UpvestError, UpvestValidationError, assertNoSecrets, clientFor, failure, pkg, sample } from './helpers.mjs';

const MISSING = '0b5f6f0e-4a53-4c1e-9b8e-0d1f2a3b4c5d';

describe('UpvestApiError', () => {
  let fake;
  let upvest;
  before(async () => {
    fake = await startFakeUpvest();
    upvest = clientFor(fake, { maxRetries: 0 });
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.clearFaults();
  });

  test('the classes are exported and form a hierarchy: UpvestApiError, UpvestValidationError → UpvestError → Error', () => {
    assert.equal(typeof pkg.UpvestClient, 'function');
    for (const C of [UpvestApiError, UpvestValidationError]) {
      assert.equal(typeof C, 'function');
      assert.ok(C.prototype instanceof UpvestError);
    }
    assert.ok(UpvestError.prototype instanceof Error);
    // ERROR_CODES, the client's codes included: pinned in tests/js/errors.test.mjs.
    for (const code of ['ERR_VALIDATION', 'ERR_API_BAD_REQUEST']) {
      assert.ok(pkg.ERROR_CODES.includes(code), `ERROR_CODES lacks ${code}`);
    }
  });

  test('404: every problem+json field, the upvest-request-id header, code ERR_API_NOT_FOUND', async () => {
    const err = await failure(() => upvest.webhooks.retrieve(MISSING));
    assert.ok(err instanceof UpvestApiError, `${err?.name}: ${err?.message}`);
    assert.ok(err instanceof UpvestError);
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'UpvestApiError');
    assert.equal(err.code, 'ERR_API_NOT_FOUND');
    assert.equal(err.status, 404);
    const entry = fake.requests.at(-1);
    const body = JSON.parse(entry.response.body);
    assert.equal(err.type, 'https://docs.upvest.co/errors/not_found');
    assert.equal(err.type, body.type);
    assert.equal(err.title, body.title);
    assert.equal(err.detail, body.detail);
    assert.equal(err.instance, undefined);
    assert.equal(err.request_id, entry.requestId);
    assert.equal(err.upvestRequestId, entry.requestId);
    assert.match(err.upvestRequestId, UUID);
    assert.ok(err.message.includes('404'), `the message names the status: ${err.message}`);
  });

  test('400 from the server (a rule the client does not check: an unknown category) → ERR_API_BAD_REQUEST with detail', async () => {
    const err = await failure(() => upvest.webhooks.create({ title: 'category', url: 'https://hooks.example.com/hook', type: ['NEW_CATEGORY_2030'] }));
    assert.ok(err instanceof UpvestApiError, `${err?.name}: ${err?.message}`);
    assert.equal(err.code, 'ERR_API_BAD_REQUEST');
    assert.equal(err.status, 400);
    assert.equal(err.type, 'https://docs.upvest.co/errors/bad_request');
    assert.match(err.detail, /unknown category "NEW_CATEGORY_2030"/);
  });

  test('an injected problem with every field (instance included) is mapped field by field', async () => {
    const problem = {
      type: 'https://docs.upvest.co/errors/teapot',
      status: 418,
      title: 'I am a teapot',
      detail: 'short and stout',
      instance: 'https://logs.example/err/123',
      request_id: 'b1a3c0de-0000-4000-8000-000000000001',
    };
    fake.inject({ status: 418, body: problem, headers: { 'upvest-request-id': 'b1a3c0de-0000-4000-8000-000000000002' } });
    const err = await failure(() => upvest.webhooks.list());
    assert.equal(err.code, 'ERR_API_UNEXPECTED_STATUS');
    assert.equal(err.status, 418);
    for (const key of ['type', 'title', 'detail', 'instance', 'request_id']) assert.equal(err[key], problem[key], key);
    assert.equal(err.upvestRequestId, 'b1a3c0de-0000-4000-8000-000000000002');
  });

  test('problem status codes map to stable codes', async () => {
    const expected = {
      400: 'ERR_API_BAD_REQUEST',
      401: 'ERR_API_UNAUTHORIZED',
      403: 'ERR_API_FORBIDDEN',
      404: 'ERR_API_NOT_FOUND',
      406: 'ERR_API_NOT_ACCEPTABLE',
      409: 'ERR_API_UNEXPECTED_STATUS',
      422: 'ERR_API_UNEXPECTED_STATUS',
      429: 'ERR_API_RATE_LIMITED',
      500: 'ERR_API_SERVER_ERROR',
      501: 'ERR_API_SERVER_ERROR',
      502: 'ERR_API_SERVER_ERROR',
      503: 'ERR_API_SERVER_ERROR',
      504: 'ERR_API_SERVER_ERROR',
      405: 'ERR_API_UNEXPECTED_STATUS',
      302: 'ERR_API_UNEXPECTED_STATUS',
    };
    for (const [status, code] of Object.entries(expected)) {
      fake.inject({ status: Number(status), times: 2, path: '/webhooks' }); // twice: a 401 is retried once after a refresh
      const err = await failure(() => upvest.webhooks.list());
      fake.clearFaults();
      assert.ok(err instanceof UpvestApiError, `${status}: ${err?.name} ${err?.message}`);
      assert.equal(err.status, Number(status));
      assert.equal(err.code, code, `status ${status}`);
      assert.equal(typeof err.title, 'string', `status ${status}: title`);
    }
  });

  test('403 (read-only scope) → ERR_API_FORBIDDEN', async () => {
    const readOnly = clientFor(fake, { scopes: ['webhooks:read'], maxRetries: 0 });
    const err = await failure(() => readOnly.webhooks.delete(MISSING));
    assert.equal(err.code, 'ERR_API_FORBIDDEN');
    assert.equal(err.type, 'https://docs.upvest.co/errors/forbidden');
  });

  test('406 → ERR_API_NOT_ACCEPTABLE', async () => {
    fake.inject({ status: 406 });
    const err = await failure(() => upvest.verificationKeys());
    assert.equal(err.code, 'ERR_API_NOT_ACCEPTABLE');
  });

  test('409 (an idempotency key reused for another body) → ERR_API_UNEXPECTED_STATUS', async () => {
    const key = crypto.randomUUID();
    await upvest.webhooks.create(sample('k1'), { idempotencyKey: key });
    const err = await failure(() => upvest.webhooks.create(sample('k2'), { idempotencyKey: key }));
    assert.equal(err.code, 'ERR_API_UNEXPECTED_STATUS');
    assert.equal(err.status, 409);
    assert.equal(err.type, 'https://docs.upvest.co/errors/idempotency_key_reused');
  });

  describe('non-JSON error bodies keep the status, with no problem fields', () => {
    const cases = [
      ['an HTML 502 from a proxy', { kind: 'html', status: 502 }, 502, 'ERR_API_SERVER_ERROR'],
      ['a text/plain 400', { status: 400, body: 'Bad Request', contentType: 'text/plain' }, 400, 'ERR_API_BAD_REQUEST'],
      ['an empty 503', { status: 503, body: '', contentType: 'text/plain' }, 503, 'ERR_API_SERVER_ERROR'],
      ['truncated JSON labelled problem+json', { status: 500, body: '{"type":"x","sta' }, 500, 'ERR_API_SERVER_ERROR'],
      ['a JSON array', { status: 404, body: '[1,2]', contentType: 'application/json' }, 404, 'ERR_API_NOT_FOUND'],
      ['an HTML 429 with Retry-After', { kind: 'html', status: 429, retryAfter: 0 }, 429, 'ERR_API_RATE_LIMITED'],
    ];
    for (const [name, fault, status, code] of cases) {
      test(name, async () => {
        fake.inject({ ...fault, path: '/webhooks' });
        const err = await failure(() => upvest.webhooks.list());
        assert.ok(err instanceof UpvestApiError, `${err?.name}: ${err?.message}`);
        assert.equal(err.status, status);
        assert.equal(err.code, code);
        assert.equal(err.type, undefined);
        assert.equal(err.title, undefined);
        assert.ok(err.message.includes(String(status)), err.message);
      });
    }
    test('the problem fields are taken only when they have the right types', async () => {
      fake.inject({ status: 400, body: { type: 42, status: '400', title: ['x'], detail: { a: 1 } }, path: '/webhooks' });
      const err = await failure(() => upvest.webhooks.list());
      assert.equal(err.status, 400);
      for (const key of ['type', 'title', 'detail']) assert.ok(err[key] === undefined || typeof err[key] === 'string', `${key}: ${JSON.stringify(err[key])}`);
    });
  });

  test('a 2xx answer that is not JSON where JSON is due → ERR_API_INVALID_RESPONSE', async () => {
    fake.inject({ status: 200, body: '<html>ok</html>', contentType: 'text/html', path: '/webhooks' });
    const err = await failure(() => upvest.webhooks.list());
    assert.ok(err instanceof UpvestError, String(err));
    assert.equal(err.code, 'ERR_API_INVALID_RESPONSE');
  });

  test('the Retry-After of a final 429 does not turn into a hang', async () => {
    fake.inject({ status: 429, retryAfter: 3600 });
    const t0 = Date.now();
    const err = await failure(() => upvest.webhooks.list());
    assert.equal(err.code, 'ERR_API_RATE_LIMITED');
    assert.ok(Date.now() - t0 < 1000, 'maxRetries 0: no wait');
  });
});

describe('no secret in any error', () => {
  test('client secret, access tokens, private key and passphrase never appear in message, stack, JSON or inspect', async () => {
    const passphrase = 'p4ss-phrase-that-must-not-leak';
    const fake = await startFakeUpvest({ clientSecret: 'cs_live_super_secret_value_0123456789' });
    try {
      const pem = fake.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase });
      const d = fake.privateKeyJwk.d;
      const errors = [];
      const collect = async (label, fn) => {
        const err = await failure(fn);
        errors.push([label, err]);
        return err;
      };
      const upvest = clientFor(fake, { privateKey: pem, privateKeyPassphrase: passphrase, maxRetries: 0, timeoutMs: 200 });
      await upvest.webhooks.list();
      await collect('404', () => upvest.webhooks.retrieve(MISSING));
      await collect('validation', () => upvest.webhooks.create({ title: 'x'.repeat(101), url: 'https://a.example' }));
      fake.inject({ status: 500, detail: 'boom' });
      await collect('500', () => upvest.webhooks.list());
      fake.inject({ kind: 'drop' });
      await collect('network', () => upvest.webhooks.list());
      fake.inject({ kind: 'hang' });
      await collect('timeout', () => upvest.webhooks.list());
      fake.inject({ status: 401, times: 2 });
      await collect('401 after refresh', () => upvest.webhooks.list());
      fake.inject({ kind: 'partial', method: 'GET' });
      await collect('partial', () => upvest.webhooks.list());
      await collect('bad secret', () => clientFor(fake, { clientSecret: 'cs_wrong_secret_value_9876543210', maxRetries: 0 }).webhooks.list());
      await collect('bad passphrase', () => clientFor(fake, { privateKey: pem, privateKeyPassphrase: 'wrong-passphrase-123' }));
      await collect('no passphrase', () => clientFor(fake, { privateKey: pem }));
      const controller = new AbortController();
      fake.inject({ kind: 'hang' });
      setTimeout(() => controller.abort(), 30);
      await collect('abort', () => upvest.webhooks.list({}, { signal: controller.signal }));

      const secrets = [
        fake.clientSecret,
        'cs_wrong_secret_value_9876543210',
        passphrase,
        'wrong-passphrase-123',
        d,
        ...fake.state.tokens.keys(),
        ...fake.privateKeyPem.split('\n').filter((l) => l.length >= 40),
        ...pem.split('\n').filter((l) => l.length >= 40),
      ];
      assert.ok(fake.state.tokens.size >= 2);
      for (const [label, err] of errors) {
        assert.ok(err instanceof Error, `${label}: ${err}`);
        try {
          assertNoSecrets(err, secrets);
        } catch (e) {
          e.message = `${label}: ${e.message}`;
          throw e;
        }
      }
    } finally {
      await fake.close();
    }
  });
});
