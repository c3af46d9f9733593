// The emulated API (webhooks-api.md §1–§3) driven by an independent
// node:crypto signer: tokens, scopes, every error status with
// application/problem+json, validation, pagination and sorting, http
// localhost URLs, CORS.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { buildSignedRequest } from '../js/client/signer.mjs';
import { newPrivateKey } from '../js/support/upvest-signer.mjs';
import { admin, assertProblem, contractHolds, fetchToken, session, signedFetch, startEmulator } from './support.mjs';

describe('emulator API', () => {
  let emu;
  let s;
  before(async () => {
    emu = await startEmulator({ timeFactor: 0.01 });
    s = await session(emu);
  });
  after(() => emu.close());

  describe('tokens and scopes', () => {
    test('POST /auth/token grants the requested scopes (signed, form body)', async () => {
      const r = await fetchToken(emu, ['webhooks:read']);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(Object.keys(r.json).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
      assert.equal(r.json.scope, 'webhooks:read');
      assert.equal(r.json.token_type, 'bearer');
      assert.equal(emu.requests.at(-1).signature.verified, true);
    });
    test('wrong secret → 401 invalid_client; unknown scope → 400 invalid_scope', async () => {
      assertProblem(await fetchToken(emu, undefined, { clientSecret: 'nope' }), 401, 'invalid_client');
      assertProblem(await fetchToken(emu, ['users:admin']), 400, 'invalid_scope');
    });
    test('read scope may list, retrieve and get keys; writes need webhooks:admin (403)', async () => {
      const hook = await s.create({ title: 'scoped', url: 'https://hooks.example.com/scoped' });
      const read = await session(emu, ['webhooks:read']);
      assert.equal((await read.api({ path: '/webhooks' })).status, 200);
      assert.equal((await read.api({ path: `/webhooks/${hook.id}` })).status, 200);
      assert.equal((await read.api({ path: '/auth/verify_keys' })).status, 200);
      assertProblem(await read.write('POST', '/webhooks', { title: 'x', url: 'https://a.example' }), 403, 'forbidden');
      assertProblem(await read.write('PATCH', `/webhooks/${hook.id}`, { enabled: true }), 403, 'forbidden');
      assertProblem(await read.api({ method: 'DELETE', path: `/webhooks/${hook.id}` }), 403, 'forbidden');
      assertProblem(await read.write('POST', `/webhooks/${hook.id}/test`), 403, 'forbidden');
      const adminOnly = await session(emu, ['webhooks:admin']);
      assert.equal((await adminOnly.api({ path: '/webhooks' })).status, 200, 'admin implies read');
    });
  });

  describe('401: every request is signature-checked with node:crypto', () => {
    test('a tampered base, an unknown keyid, no signature version → 401 invalid_signature, with the reason logged', async () => {
      const cases = [
        [{ tamper: (b) => b.replace('"@path": /webhooks', '"@path": /other') }, /does not verify/],
        [{ key: { keyId: crypto.randomUUID(), privateKey: newPrivateKey('ec', { namedCurve: 'P-521' }) } }, /unknown keyid/],
        [{ signatureVersion: null }, /missing upvest-signature-version/],
        [{ created: Math.floor(Date.now() / 1000) - 400, expires: Math.floor(Date.now() / 1000) + 10 }, /outside ±300 s/],
      ];
      for (const [opts, why] of cases) {
        const r = await s.api({ path: '/webhooks', ...opts });
        assertProblem(r, 401, 'invalid_signature');
        assert.match(emu.requests.at(-1).signature.error, why);
        assert.match(r.json.detail, why);
      }
    });
    test('no token, an unknown token, a revoked token → 401 unauthorized', async () => {
      // without a token, `authorization` cannot be covered: the signature check answers first
      assertProblem(await signedFetch(emu, { path: '/webhooks', components: ['@method', '@path', 'accept', 'upvest-client-id'] }), 401, 'invalid_signature');
      assert.match(emu.requests.at(-1).signature.error, /authorization must be covered/);
      assertProblem(await signedFetch(emu, { token: 'not-a-token', path: '/webhooks' }), 401, 'unauthorized');
      const other = await session(emu);
      emu.revokeTokens();
      assertProblem(await other.api({ path: '/webhooks' }), 401, 'unauthorized');
      s = await session(emu); // fresh token for the rest
    });
    test('an expired token → 401 (injected clock)', async () => {
      let t = Date.now();
      const e2 = await startEmulator({ now: () => t, tokenExpiresIn: 60 });
      try {
        const token = (await fetchToken(e2, undefined, { now: t })).json.access_token;
        assert.equal((await signedFetch(e2, { token, now: t })).status, 200);
        t += 61_000;
        assertProblem(await signedFetch(e2, { token, now: t }), 401, 'unauthorized');
      } finally {
        await e2.close();
      }
    });
  });

  describe('404, 405, 406', () => {
    test('unknown webhook → 404 not_found (GET, PATCH, DELETE, test)', async () => {
      const id = crypto.randomUUID();
      assertProblem(await s.api({ path: `/webhooks/${id}` }), 404, 'not_found');
      assertProblem(await s.write('PATCH', `/webhooks/${id}`, { enabled: true }), 404, 'not_found');
      assertProblem(await s.api({ method: 'DELETE', path: `/webhooks/${id}` }), 404, 'not_found');
      assertProblem(await s.write('POST', `/webhooks/${id}/test`), 404, 'not_found');
      assertProblem(await s.api({ path: '/nothing-here' }), 404, 'not_found');
    });
    test('a method the route lacks → 405', async () => {
      assertProblem(await s.api({ method: 'DELETE', path: '/webhooks' }), 405, 'method_not_allowed');
    });
    test('accept other than application/json → 406 not_acceptable (not on DELETE, which lists no 406)', async () => {
      assertProblem(await s.api({ path: '/webhooks', accept: 'text/html' }), 406, 'not_acceptable');
      assertProblem(await s.api({ path: '/auth/verify_keys', accept: 'application/problem+json' }), 406, 'not_acceptable');
      const hook = await s.create({ title: 'd', url: 'https://a.example/d' });
      assert.equal((await s.api({ method: 'DELETE', path: `/webhooks/${hook.id}`, accept: 'text/html' })).status, 204);
      assert.equal((await s.api({ path: '/webhooks', accept: 'application/*;q=0.9' })).status, 200);
      assert.equal((await s.api({ path: '/webhooks', accept: '*/*' })).status, 200);
    });
    test('no accept header → answered (Upvest signs accept only if present); a present accept must be covered', async () => {
      const components = ['@method', '@path', 'authorization', 'upvest-api-version', 'upvest-client-id'];
      const { url, init } = buildSignedRequest(emu, { token: s.token, path: '/webhooks', components });
      delete init.headers.accept;
      // node:http, not fetch: fetch adds `accept: */*` by itself
      const status = await new Promise((resolve, reject) => {
        const req = http.request(url, { method: 'GET', headers: init.headers }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(status, 200, emu.requests.at(-1).signature?.error);
      assertProblem(await s.api({ path: '/webhooks', components }), 401, 'invalid_signature');
      assert.match(emu.requests.at(-1).signature.error, /accept must be covered/);
    });
  });

  describe('400 validation (OAS 1.9.0)', () => {
    const invalid = [
      ['missing title', { url: 'https://a.example' }, /title: is required/],
      ['missing url', { title: 't' }, /url: is required/],
      ['title of 101 characters', { title: 'x'.repeat(101), url: 'https://a.example' }, /title/],
      ['url of 1001 characters', { title: 't', url: `https://a.example/${'x'.repeat(983)}` }, /url: longer/],
      ['http to a public host', { title: 't', url: 'http://hooks.example.com/x' }, /url: must use https/],
      ['https to an IP address', { title: 't', url: 'https://10.0.0.1/x' }, /DNS name/],
      ['a relative url', { title: 't', url: '/hooks' }, /not a URL/],
      ['type not an array', { title: 't', url: 'https://a.example', type: 'ORDER' }, /type/],
      ['an empty type list', { title: 't', url: 'https://a.example', type: [] }, /type/],
      ['a lowercase category', { title: 't', url: 'https://a.example', type: ['order'] }, /unknown category/],
      ['an unknown category (not stored)', { title: 't', url: 'https://a.example', type: ['FOO'] }, /unknown category "FOO"/],
      ['delay 0s', { title: 't', url: 'https://a.example', config: { delay: '0s' } }, /config.delay/],
      ['delay 100s', { title: 't', url: 'https://a.example', config: { delay: '100s' } }, /config.delay/],
      ['max_package_size 99', { title: 't', url: 'https://a.example', config: { max_package_size: 99 } }, /max_package_size/],
      ['max_package_size 1048577', { title: 't', url: 'https://a.example', config: { max_package_size: 1048577 } }, /max_package_size/],
      ['enabled on create', { title: 't', url: 'https://a.example', enabled: true }, /enabled: unknown field/],
      ['exclude_type not event types', { title: 't', url: 'https://a.example', exclude_type: ['ORDER'] }, /exclude_type/],
    ];
    for (const [name, body, why] of invalid) {
      test(`create rejects ${name}`, async () => {
        const before = emu.state.webhooks.size;
        const r = await s.write('POST', '/webhooks', body);
        assertProblem(r, 400, 'bad_request');
        assert.match(r.json.detail, why);
        assert.equal(emu.state.webhooks.size, before);
      });
    }
    test('PATCH rejects bad fields; a body that is not JSON; a non-UUID id names no webhook (404)', async () => {
      const hook = await s.create({ title: 'p', url: 'https://a.example/p' });
      assertProblem(await s.write('PATCH', `/webhooks/${hook.id}`, { enabled: 'yes' }), 400, 'bad_request');
      assertProblem(await s.write('PATCH', `/webhooks/${hook.id}`, { id: hook.id }), 400, 'bad_request');
      const r = await s.api({ method: 'PATCH', path: `/webhooks/${hook.id}`, body: '{not json', idempotencyKey: crypto.randomUUID() });
      assertProblem(r, 400, 'bad_request');
      assertProblem(await s.api({ path: '/webhooks/not-a-uuid' }), 404, 'not_found');
    });
    test('POST without idempotency-key → 400 missing_idempotency_key', async () => {
      const r = await s.api({ method: 'POST', path: '/webhooks', body: JSON.stringify({ title: 't', url: 'https://a.example' }) });
      assertProblem(r, 400, 'missing_idempotency_key');
    });
  });

  describe('webhooks', () => {
    test('create: disabled, type ["ALL"], default config { delay: "1s", max_package_size: 10240 }', async () => {
      const hook = await s.create({ title: 'defaults', url: 'https://hooks.example.com/defaults' });
      assert.equal(hook.enabled, false);
      assert.deepEqual(hook.type, ['ALL']);
      assert.deepEqual(hook.config, { delay: '1s', max_package_size: 10240 });
      assert.deepEqual(Object.keys(hook).sort(), ['config', 'created_at', 'enabled', 'id', 'title', 'type', 'updated_at', 'url']);
    });
    test('http://localhost, 127.0.0.1 and [::1] receiver URLs are accepted (local emulator)', async () => {
      for (const url of ['http://localhost:9999/h', 'http://127.0.0.1:9999/h', 'http://[::1]:9999/h', 'https://127.0.0.1/h']) {
        const r = await s.write('POST', '/webhooks', { title: 'local', url });
        assert.equal(r.status, 201, `${url}: ${r.text}`);
      }
      const strict = await startEmulator({ allowHttpLocalhost: false });
      try {
        const s2 = await session(strict);
        assertProblem(await s2.write('POST', '/webhooks', { title: 'local', url: 'http://127.0.0.1:9999/h' }), 400, 'bad_request');
      } finally {
        await strict.close();
      }
    });
    test('exclude_type round-trips; update changes only the given fields', async () => {
      const hook = await s.create({ title: 'ex', url: 'https://a.example/ex', exclude_type: ['ORDER.NEW'] });
      assert.deepEqual(hook.exclude_type, ['ORDER.NEW']);
      const r = await s.write('PATCH', `/webhooks/${hook.id}`, { title: 'ex2', config: { delay: '2s' } });
      assert.equal(r.status, 200);
      assert.equal(r.json.title, 'ex2');
      assert.equal(r.json.url, 'https://a.example/ex');
      assert.deepEqual(r.json.config, { delay: '2s', max_package_size: 10240 });
    });
    test('POST /webhooks/{id}/test → 202 with an empty body; DELETE → 204', async () => {
      const hook = await s.create({ title: 't', url: 'https://hooks.example.com/t' });
      const r = await s.write('POST', `/webhooks/${hook.id}/test`);
      assert.equal(r.status, 202);
      assert.equal(r.text, '');
      const d = await s.api({ method: 'DELETE', path: `/webhooks/${hook.id}` });
      assert.equal(d.status, 204);
      assert.equal(d.text, '');
    });
    test('list: pagination, sorting by every field, ASC/DESC, meta; bad parameters → 400', async () => {
      const e2 = await startEmulator();
      try {
        const s2 = await session(e2);
        for (const title of ['c', 'a', 'b', 'e', 'd']) await s2.create({ title, url: `https://h.example/${title}` });
        await s2.enable((await s2.api({ path: '/webhooks' })).json.data[1].id);
        const page = await s2.api({ query: 'sort=title&order=DESC&limit=2&offset=1' });
        assert.deepEqual(page.json.meta, { offset: 1, limit: 2, count: 2, total_count: 5, sort: 'title', order: 'DESC' });
        assert.deepEqual(
          page.json.data.map((h) => h.title),
          ['d', 'c'],
        );
        const all = await s2.api({});
        assert.deepEqual(
          all.json.data.map((h) => h.title),
          ['c', 'a', 'b', 'e', 'd'],
        );
        assert.deepEqual(all.json.meta, { offset: 0, limit: 100, count: 5, total_count: 5, sort: 'created_at', order: 'ASC' });
        const byUrl = await s2.api({ query: 'sort=url' });
        assert.deepEqual(
          byUrl.json.data.map((h) => h.title),
          ['a', 'b', 'c', 'd', 'e'],
        );
        const byEnabled = await s2.api({ query: 'sort=enabled&order=DESC' });
        assert.equal(byEnabled.json.data[0].title, 'a');
        const beyond = await s2.api({ query: 'offset=10' });
        assert.deepEqual(beyond.json.data, []);
        assert.equal(beyond.json.meta.total_count, 5);
        assert.equal((await s2.api({ query: 'limit=0' })).json.meta.count, 0);
        assert.equal((await s2.api({ query: 'limit=&offset=' })).status, 200, 'allowEmptyValue');
        for (const q of ['limit=1001', 'limit=-1', 'offset=-1', 'sort=id', 'order=asc', 'limit=1.5', 'foo=1', 'limit=1&limit=2']) {
          assertProblem(await s2.api({ query: q }), 400, 'bad_request');
        }
      } finally {
        await e2.close();
      }
    });
  });

  describe('429 and other faults', () => {
    test('inject({ status: 429, retryAfter }) (JS) → 429 too_many_requests with Retry-After, then normal answers', async () => {
      const fault = emu.inject({ status: 429, retryAfter: 3, times: 2, path: '/webhooks' });
      const a = await s.api({ path: '/webhooks' });
      assertProblem(a, 429, 'too_many_requests');
      assert.equal(a.headers.get('retry-after'), '3');
      assert.equal((await s.api({ path: '/webhooks' })).status, 429);
      assert.equal((await s.api({ path: '/webhooks' })).status, 200);
      assert.equal(fault.hits, 2);
    });
    test('POST /emulator/faults (HTTP) → 429 on the matching route; GET lists, DELETE clears', async () => {
      const r = await admin(emu, '/emulator/faults', { method: 'POST', body: { status: 429, times: -1, method: 'GET', pathPattern: '^/webhooks' } });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.faults[0].remaining, -1);
      assertProblem(await s.api({ path: '/webhooks' }), 429, 'too_many_requests');
      assertProblem(await s.api({ path: '/webhooks' }), 429, 'too_many_requests');
      assert.equal((await s.api({ path: '/auth/verify_keys' })).status, 200, 'other paths unaffected');
      assert.equal((await admin(emu, '/emulator/faults')).json.faults.length, 1);
      assert.equal((await admin(emu, '/emulator/faults', { method: 'DELETE' })).status, 204);
      assert.equal((await s.api({ path: '/webhooks' })).status, 200);
      assert.equal((await admin(emu, '/emulator/faults', { method: 'POST', body: { kind: 'nonsense' } })).status, 400);
      assert.equal((await admin(emu, '/emulator/faults', { method: 'POST', body: { status: 503, pathPattern: '(' } })).status, 400);
    });
    test('a 503 on the token endpoint, a dropped connection', async () => {
      emu.inject({ status: 503, path: '/auth/token' });
      assertProblem(await fetchToken(emu), 503, 'service_unavailable');
      emu.inject({ kind: 'drop', path: '/webhooks' });
      await assert.rejects(s.api({ path: '/webhooks' }), TypeError);
      assert.equal((await s.api({ path: '/webhooks' })).status, 200);
    });
  });

  describe('CORS (browser playgrounds on another origin)', () => {
    test('API, admin and error answers carry access-control-allow-origin: *', async () => {
      assert.equal((await s.api({ path: '/webhooks' })).headers.get('access-control-allow-origin'), '*');
      assert.equal((await s.api({ path: '/webhooks', accept: 'text/html' })).headers.get('access-control-allow-origin'), '*');
      assert.equal((await admin(emu, '/emulator/info')).headers.get('access-control-allow-origin'), '*');
      assert.equal((await admin(emu, '/emulator/nothing')).headers.get('access-control-allow-origin'), '*');
    });
    test('preflights on any route → 204 with the requested headers allowed (authorization, signature…)', async () => {
      for (const path of ['/webhooks', '/auth/token', '/emulator/events', '/webhooks/x/test']) {
        const r = await fetch(`${emu.baseUrl}${path}`, {
          method: 'OPTIONS',
          headers: {
            origin: 'http://localhost:5173',
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization,signature,signature-input,content-digest,idempotency-key,upvest-client-id',
          },
        });
        assert.equal(r.status, 204);
        assert.equal(r.headers.get('access-control-allow-origin'), '*');
        assert.match(r.headers.get('access-control-allow-methods'), /PATCH/);
        assert.match(r.headers.get('access-control-allow-headers'), /authorization/);
        assert.equal(r.headers.get('access-control-expose-headers'), '*');
      }
      assert.ok(!emu.requests.some((r) => r.method === 'OPTIONS'), 'preflights are not API requests');
    });
  });
});

contractHolds();
