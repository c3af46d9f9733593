// The fake Upvest API on its own, driven by a node:crypto signer
// (./signer.mjs) and fetch, without the package: it checks the yardstick the
// client tests rely on. If the fake accepted a bad signature, or rejected a
// good one, the client tests would prove nothing.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { manualClock, parseDictionary, startFakeUpvest } from '../support/fake-upvest.mjs';
import { newPrivateKey } from '../support/upvest-signer.mjs';
import { buildSignedRequest, fetchToken, signedFetch } from './signer.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function assertProblem(r, status, typeSuffix) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.headers.get('content-type'), 'application/problem+json');
  assert.match(r.headers.get('upvest-request-id'), UUID);
  assert.equal(r.json.status, status);
  assert.equal(r.json.request_id, r.headers.get('upvest-request-id'));
  assert.equal(typeof r.json.title, 'string');
  if (typeSuffix) assert.equal(r.json.type, `https://docs.upvest.co/errors/${typeSuffix}`);
}

describe('RFC 8941 dictionary parser (signature-input, signature)', () => {
  test('keeps the exact member text, parameters in any order, several members', () => {
    const text = 'sig1=("@method" "@path");nonce="a\\"b";keyid="k";created=1;expires=2, sig2=:AAAA:';
    const d = parseDictionary(text);
    assert.equal(d.get('sig1').raw, '("@method" "@path");nonce="a\\"b";keyid="k";created=1;expires=2');
    assert.deepEqual(
      d.get('sig1').items.map((i) => i.value),
      ['@method', '@path'],
    );
    assert.deepEqual(Object.fromEntries(d.get('sig1').params.map(([k, v]) => [k, v.value])), { nonce: 'a"b', keyid: 'k', created: 1, expires: 2 });
    assert.equal(d.get('sig2').type, 'bytes');
    assert.deepEqual([...d.get('sig2').value], [0, 0, 0]);
  });
  for (const bad of [
    'sig1=("@method"',
    'sig1=("a" "b");created=1x',
    'sig1=:not base64:',
    'Sig1=("a")',
    'sig1=("a"),',
    'sig1=("a")("b")',
    'a=1, a=2',
    'sig1=("\\x")',
  ]) {
    test(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => parseDictionary(bad)));
  }
});

describe('fake Upvest API, exercised with an independent node:crypto signer', () => {
  let fake;
  let token;
  const clock = manualClock();

  before(async () => {
    fake = await startFakeUpvest({ now: clock.now });
    const r = await fetchToken(fake);
    assert.equal(r.status, 200, r.text);
    token = r.json.access_token;
  });
  after(() => fake?.close());

  const api = (opts) => signedFetch(fake, { token, now: clock.now(), ...opts });
  const create = (body, opts = {}) => api({ method: 'POST', path: '/webhooks', body: JSON.stringify(body), idempotencyKey: crypto.randomUUID(), ...opts });

  describe('POST /auth/token', () => {
    test('grants the requested scopes with expires_in 1799 and records them', async () => {
      const r = await fetchToken(fake, ['webhooks:read'], { now: clock.now() });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('content-type'), 'application/json');
      assert.deepEqual(Object.keys(r.json).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
      assert.equal(r.json.expires_in, 1799);
      assert.equal(r.json.token_type, 'bearer');
      assert.equal(r.json.scope, 'webhooks:read');
      assert.deepEqual(fake.state.tokens.get(r.json.access_token).scopes, ['webhooks:read']);
      assert.equal(fake.requests.at(-1).signature.verified, true);
    });
    test('bad credentials → 401 problem+json', async () => {
      assertProblem(await fetchToken(fake, undefined, { clientSecret: 'wrong', now: clock.now() }), 401, 'invalid_client');
    });
    test('a scope the tenant lacks → 400', async () => {
      assertProblem(await fetchToken(fake, ['users:admin'], { now: clock.now() }), 400, 'invalid_scope');
    });
    test('an unsigned token request → 401', async () => {
      const r = await fetchToken(fake, undefined, { now: clock.now(), signatureInput: 'sig1=("@method")', signatureVersion: '15' });
      assertProblem(r, 401, 'invalid_signature');
    });
  });

  describe('signature verification', () => {
    test('a correctly signed GET is accepted and logged with its base', async () => {
      const r = await api({ path: '/webhooks' });
      assert.equal(r.status, 200, r.text);
      const entry = fake.requests.at(-1);
      assert.equal(entry.signature.verified, true);
      assert.equal(entry.signature.algorithm, 'ecdsa-p521-sha512');
      assert.match(entry.signature.base, /^"@method": GET\n"@path": \/webhooks\n"accept": application\/json\n/);
      assert.match(entry.signature.base, /\n"@signature-params": \("@method" .*;nonce="[^"]+"$/);
    });
    test('signature parameters in any order, and an extra alg parameter', async () => {
      for (const paramOrder of [
        ['nonce', 'keyid', 'expires', 'created'],
        ['expires', 'created', 'nonce', 'keyid', 'alg'],
      ]) {
        const r = await api({ path: '/webhooks', query: 'limit=1', paramOrder, alg: 'ecdsa-p521-sha512' });
        assert.equal(r.status, 200, r.text);
      }
    });
    test('an Ed25519 tenant key', async () => {
      const key = fake.addTenantKey('ed25519');
      const r = await api({ path: '/auth/verify_keys', key });
      assert.equal(r.status, 200, r.text);
      assert.equal(fake.requests.at(-1).signature.algorithm, 'ed25519');
    });
    test('a body with the right content-digest and content-length', async () => {
      const r = await create({ title: 'sig', url: 'https://hooks.example.com/a' });
      assert.equal(r.status, 201, r.text);
    });

    const rejections = [
      ['no upvest-signature-version', { signatureVersion: null }],
      ['upvest-signature-version 6', { signatureVersion: '6' }],
      [
        'upvest-signature-version covered',
        {
          headers: { 'upvest-signature-version': '15' },
          components: ['@method', '@path', 'accept', 'authorization', 'upvest-client-id', 'upvest-signature-version'],
        },
      ],
      ['authorization not covered', { components: ['@method', '@path', 'accept', 'upvest-client-id'] }],
      ['accept not covered', { components: ['@method', '@path', 'authorization', 'upvest-client-id'] }],
      ['upvest-client-id not covered', { components: ['@method', '@path', 'accept', 'authorization'] }],
      ['@query not covered with a query', { query: 'limit=1', components: ['@method', '@path', 'accept', 'authorization', 'upvest-client-id'] }],
      ['@query covered without a query', { components: ['@method', '@path', '@query', 'accept', 'authorization', 'upvest-client-id'] }],
      [
        'idempotency-key sent but not covered',
        { idempotencyKey: crypto.randomUUID(), components: ['@method', '@path', 'accept', 'authorization', 'upvest-client-id'] },
      ],
      [
        'content-type covered without a body',
        { headers: { 'content-type': 'application/json' }, components: ['@method', '@path', 'accept', 'authorization', 'upvest-client-id', 'content-type'] },
      ],
      ['a duplicated component', { components: ['@method', '@path', '@path', 'accept', 'authorization', 'upvest-client-id'] }],
      ['an unsupported derived component', { components: ['@method', '@path', '@target-uri', 'accept', 'authorization', 'upvest-client-id'] }],
      ['created 301 s in the past', { created: () => Math.floor(clock.now() / 1000) - 301, expires: () => Math.floor(clock.now() / 1000) + 10 }],
      ['created 301 s in the future', { created: () => Math.floor(clock.now() / 1000) + 301 }],
      ['expired', { created: () => Math.floor(clock.now() / 1000) - 20, expires: () => Math.floor(clock.now() / 1000) - 1 }],
      ['an unknown keyid', { key: { keyId: 'nobody', privateKey: newPrivateKey('ec', { namedCurve: 'P-521' }) } }],
      ['a key other than the registered one', { key: { keyId: 'self', privateKey: newPrivateKey('ec', { namedCurve: 'P-521' }) } }],
      ['a signature over another base', { tamper: (b) => b.replace('"@path": /webhooks', '"@path": /webhooks/') }],
      ["another tenant's client id", { clientId: crypto.randomUUID() }],
      ['a missing keyid parameter', { paramOrder: ['created', 'expires', 'nonce'] }],
      ['an alg that does not fit the key', { alg: 'ed25519' }],
      ['a label other than sig1', { rename: 'sig2' }],
      ['a malformed signature-input', { signatureInput: 'sig1=("@method" "@path";keyid="x"' }],
      ['a malformed signature', { signatureHeader: 'sig1=:***:' }],
    ];
    const WHY = {
      'no upvest-signature-version': /missing upvest-signature-version/,
      'upvest-signature-version 6': /unsupported upvest-signature-version "6"/,
      'upvest-signature-version covered': /upvest-signature-version must not be covered/,
      'authorization not covered': /authorization must be covered/,
      'accept not covered': /accept must be covered/,
      'upvest-client-id not covered': /upvest-client-id must be covered/,
      '@query not covered with a query': /@query must be covered/,
      '@query covered without a query': /@query covered but the request has no query/,
      'idempotency-key sent but not covered': /idempotency-key must be covered/,
      'content-type covered without a body': /content-type must not be covered without a body/,
      'a duplicated component': /duplicate component @path/,
      'an unsupported derived component': /unsupported derived component @target-uri/,
      'created 301 s in the past': /outside ±300 s/,
      'created 301 s in the future': /outside ±300 s/,
      expired: /signature expired/,
      'an unknown keyid': /unknown keyid "nobody"/,
      'a key other than the registered one': /does not verify/,
      'a signature over another base': /does not verify/,
      "another tenant's client id": /upvest-client-id does not name this tenant/,
      'a missing keyid parameter': /missing signature parameter keyid/,
      'an alg that does not fit the key': /does not fit/,
      'a label other than sig1': /no sig1 member/,
      'a malformed signature-input': /malformed signature header/,
      'a malformed signature': /malformed signature header: invalid base64/,
    };
    for (const [name, spec] of rejections) {
      test(`rejects ${name} with 401`, async () => {
        const opts = { path: '/webhooks', ...spec };
        if (typeof spec.created === 'function') opts.created = spec.created();
        if (typeof spec.expires === 'function') opts.expires = spec.expires();
        if (spec.key?.keyId === 'self') opts.key = { ...spec.key, keyId: fake.keyId };
        if (spec.rename) {
          const built = buildSignedRequest(fake, { token, now: clock.now(), path: '/webhooks' });
          opts.signatureInput = built.init.headers['signature-input'].replace('sig1=', 'sig2=');
        }
        const r = await api(opts);
        assertProblem(r, 401, 'invalid_signature');
        const entry = fake.requests.at(-1);
        assert.equal(entry.signature.verified, false);
        assert.match(entry.signature.error, WHY[name], 'rejected for the intended reason');
      });
    }
    test('rejects a body whose content-digest does not match', async () => {
      const built = buildSignedRequest(fake, {
        token,
        now: clock.now(),
        method: 'POST',
        path: '/webhooks',
        body: '{"title":"a","url":"https://a.example"}',
        idempotencyKey: crypto.randomUUID(),
      });
      built.init.body = '{"title":"b","url":"https://a.example"}';
      const response = await fetch(built.url, built.init);
      assert.equal(response.status, 401);
      assert.match(fake.requests.at(-1).signature.error, /content-digest does not match/);
    });
    test('rejects a body without content-digest coverage', async () => {
      const r = await create(
        { title: 'x', url: 'https://a.example' },
        { components: ['@method', '@path', 'accept', 'authorization', 'content-type', 'content-length', 'idempotency-key', 'upvest-client-id'] },
      );
      assertProblem(r, 401, 'invalid_signature');
    });
    test('rejects a replayed nonce', async () => {
      const nonce = crypto.randomUUID();
      assert.equal((await api({ path: '/webhooks', nonce })).status, 200);
      assertProblem(await api({ path: '/webhooks', nonce }), 401, 'invalid_signature');
    });
  });

  describe('authorization, negotiation, idempotency', () => {
    test('no token, an unknown token, an expired token → 401', async () => {
      assertProblem(await signedFetch(fake, { now: clock.now(), path: '/webhooks', components: ['@method', '@path', 'accept', 'upvest-client-id'] }), 401);
      assertProblem(await api({ token: 'nope' }), 401, 'unauthorized');
      const c2 = manualClock(clock.now());
      const f2 = await startFakeUpvest({ now: c2.now, tokenExpiresIn: 60 });
      try {
        const t = (await fetchToken(f2, undefined, { now: c2.now() })).json.access_token;
        assert.equal((await signedFetch(f2, { token: t, now: c2.now() })).status, 200);
        c2.advance(60_000);
        assertProblem(await signedFetch(f2, { token: t, now: c2.now() }), 401, 'unauthorized');
      } finally {
        await f2.close();
      }
    });
    test('a read-only token may read but not write (403)', async () => {
      const readOnly = (await fetchToken(fake, ['webhooks:read'], { now: clock.now() })).json.access_token;
      assert.equal((await api({ token: readOnly, path: '/webhooks' })).status, 200);
      assert.equal((await api({ token: readOnly, path: '/auth/verify_keys' })).status, 200);
      assertProblem(await create({ title: 'x', url: 'https://a.example' }, { token: readOnly }), 403, 'forbidden');
    });
    test('accept other than application/json → 406', async () => {
      assertProblem(await api({ accept: 'text/html' }), 406, 'not_acceptable');
    });
    test('POST without idempotency-key → 400 missing_idempotency_key', async () => {
      const r = await create({ title: 'x', url: 'https://a.example' }, { idempotencyKey: null });
      assertProblem(r, 400, 'missing_idempotency_key');
      assert.equal(r.json.title, 'Missing idempotency key');
    });
    test('a repeated idempotency-key returns the first response and creates nothing', async () => {
      const before = fake.state.webhooks.size;
      const key = crypto.randomUUID();
      const first = await create({ title: 'idem', url: 'https://a.example' }, { idempotencyKey: key });
      const second = await create({ title: 'idem', url: 'https://a.example' }, { idempotencyKey: key });
      assert.equal(first.status, 201);
      assert.equal(second.status, 201);
      assert.deepEqual(second.json, first.json);
      assert.equal(second.headers.get('idempotency-replayed'), 'true');
      assert.equal(fake.state.webhooks.size, before + 1);
      assertProblem(await create({ title: 'other', url: 'https://a.example' }, { idempotencyKey: key }), 409);
    });
  });

  describe('webhook operations', () => {
    test('create defaults: disabled, type ["ALL"], uuid id, RFC 3339 timestamps', async () => {
      const r = await create({ title: 'defaults', url: 'https://hooks.example.com/x' });
      assert.equal(r.status, 201);
      assert.match(r.json.id, UUID);
      assert.equal(r.json.enabled, false);
      assert.deepEqual(r.json.type, ['ALL']);
      assert.match(r.json.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      assert.deepEqual(Object.keys(r.json).sort(), ['config', 'created_at', 'enabled', 'id', 'title', 'type', 'updated_at', 'url']);
    });
    test('update, retrieve, test (202 + a signed delivery), delete (204), then 404', async () => {
      const { json: hook } = await create({
        title: 'life',
        url: 'https://hooks.example.com/life',
        type: ['ORDER'],
        config: { delay: '5s', max_package_size: 10240 },
      });
      const patched = await api({ method: 'PATCH', path: `/webhooks/${hook.id}`, body: '{"enabled":true}', idempotencyKey: crypto.randomUUID() });
      assert.equal(patched.status, 200);
      assert.equal(patched.json.enabled, true);
      assert.deepEqual((await api({ path: `/webhooks/${hook.id}` })).json, patched.json);
      const tested = await api({ method: 'POST', path: `/webhooks/${hook.id}/test`, idempotencyKey: crypto.randomUUID() });
      assert.equal(tested.status, 202);
      assert.equal(tested.text, '');
      assert.equal(fake.state.testDeliveries.at(-1).webhookId, hook.id);
      const deleted = await api({ method: 'DELETE', path: `/webhooks/${hook.id}` });
      assert.equal(deleted.status, 204);
      assert.equal(deleted.text, '');
      assertProblem(await api({ path: `/webhooks/${hook.id}` }), 404, 'not_found');
      assertProblem(await api({ path: '/webhooks/not-a-uuid' }), 404, 'not_found'); // a malformed id is not found, like Upvest
    });
    const invalid = [
      ['title of 101 characters', { title: 'x'.repeat(101), url: 'https://a.example' }],
      ['http url', { title: 't', url: 'http://a.example' }],
      ['url of 1001 characters', { title: 't', url: `https://a.example/${'x'.repeat(1001 - 18)}` }],
      ['IP host', { title: 't', url: 'https://10.0.0.1/x' }],
      ['delay 0s', { title: 't', url: 'https://a.example', config: { delay: '0s' } }],
      ['delay 100s', { title: 't', url: 'https://a.example', config: { delay: '100s' } }],
      ['max_package_size 99', { title: 't', url: 'https://a.example', config: { max_package_size: 99 } }],
      ['max_package_size 1048577', { title: 't', url: 'https://a.example', config: { max_package_size: 1048577 } }],
      ['unknown field', { title: 't', url: 'https://a.example', enabled: true }],
      ['missing url', { title: 't' }],
      ['type not an array', { title: 't', url: 'https://a.example', type: 'ORDER' }],
    ];
    for (const [name, body] of invalid) {
      test(`create rejects ${name} with 400`, async () => {
        const before = fake.state.webhooks.size;
        assertProblem(await create(body), 400, 'bad_request');
        assert.equal(fake.state.webhooks.size, before);
      });
    }
    test('list: limit/offset pages, sort and order, meta; bad parameters → 400', async () => {
      const f = await startFakeUpvest({ now: clock.now });
      try {
        const t = (await fetchToken(f, undefined, { now: clock.now() })).json.access_token;
        for (const title of ['c', 'a', 'b']) {
          const r = await signedFetch(f, {
            token: t,
            now: clock.now(),
            method: 'POST',
            path: '/webhooks',
            body: JSON.stringify({ title, url: `https://h.example/${title}` }),
            idempotencyKey: crypto.randomUUID(),
          });
          assert.equal(r.status, 201);
        }
        const page = await signedFetch(f, { token: t, now: clock.now(), query: 'sort=title&order=DESC&limit=2&offset=1' });
        assert.equal(page.status, 200, page.text);
        assert.deepEqual(page.json.meta, { offset: 1, limit: 2, count: 2, total_count: 3, sort: 'title', order: 'DESC' });
        assert.deepEqual(
          page.json.data.map((h) => h.title),
          ['b', 'a'],
        );
        const all = await signedFetch(f, { token: t, now: clock.now() });
        assert.deepEqual(
          all.json.data.map((h) => h.title),
          ['c', 'a', 'b'],
        );
        assert.deepEqual(all.json.meta, { offset: 0, limit: 100, count: 3, total_count: 3, sort: 'created_at', order: 'ASC' });
        for (const q of ['limit=1001', 'limit=-1', 'offset=-1', 'sort=id', 'order=asc', 'limit=1.5', 'foo=1']) {
          assertProblem(await signedFetch(f, { token: t, now: clock.now(), query: q }), 400);
        }
      } finally {
        await f.close();
      }
    });
    test('GET /auth/verify_keys is a JWKS of P-521 keys', async () => {
      const r = await api({ path: '/auth/verify_keys' });
      assert.equal(r.status, 200);
      for (const k of r.json.keys) {
        assert.deepEqual(Object.keys(k).sort(), ['crv', 'kid', 'kty', 'x', 'y']);
        assert.equal(k.kty, 'EC');
        assert.equal(k.crv, 'P-521');
        assert.equal(Buffer.from(k.x, 'base64url').length, 66);
      }
    });
    test('signDelivery signs v6 with a published key (checked with node:crypto)', async () => {
      const jwks = (await api({ path: '/auth/verify_keys' })).json;
      const d = fake.signDelivery({ url: 'https://tenant.example/hook?x=1', events: [{ id: crypto.randomUUID() }] });
      const params = d.headers['signature-input'].slice('sig1='.length);
      const components = /^\(([^)]*)\)/
        .exec(params)[1]
        .split(' ')
        .map((c) => JSON.parse(c));
      assert.deepEqual(components, ['@method', '@path', '@query', 'content-type', 'content-length', 'digest']);
      const value = {
        '@method': 'POST',
        '@path': '/hook',
        '@query': '?x=1',
        'content-type': 'application/json',
        'content-length': d.headers['content-length'],
        digest: d.headers.digest,
      };
      const base = [...components.map((c) => `${c}: ${value[c]}`), `@signature-params: ${params}`].join('\n');
      const kid = /keyid="([^"]+)"/.exec(params)[1];
      const jwk = jwks.keys.find((k) => k.kid === kid);
      const sig = Buffer.from(d.headers.signature.slice(6, -1), 'base64');
      assert.ok(crypto.verify('sha512', Buffer.from(base), { key: crypto.createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: 'der' }, sig));
    });
  });

  describe('fault injection', () => {
    test('status faults (with Retry-After) for the next N matching requests, then normal answers', async () => {
      const fault = fake.inject({ status: 429, retryAfter: 2, times: 2, path: '/webhooks', method: 'GET' });
      const a = await api({});
      const b = await api({});
      const c = await api({});
      assertProblem(a, 429, 'too_many_requests');
      assert.equal(a.headers.get('retry-after'), '2');
      assert.equal(b.status, 429);
      assert.equal(c.status, 200);
      assert.equal(fault.hits, 2);
      assert.equal(fake.requests.at(-2).signature.verified, true, 'faulted requests are still checked and logged');
    });
    test('html 502 from a proxy', async () => {
      fake.inject({ kind: 'html', status: 502 });
      const r = await api({});
      assert.equal(r.status, 502);
      assert.match(r.headers.get('content-type'), /text\/html/);
      assert.match(r.text, /<h1>502 Bad Gateway<\/h1>/);
    });
    test('drop after processing: the webhook exists, the client saw a network error', async () => {
      const before = fake.state.webhooks.size;
      fake.inject({ kind: 'drop', when: 'after', method: 'POST' });
      await assert.rejects(create({ title: 'dropped', url: 'https://a.example' }), TypeError);
      assert.equal(fake.state.webhooks.size, before + 1);
    });
    test('partial response: headers and half the body, then the connection closes', async () => {
      fake.inject({ kind: 'partial', method: 'GET' });
      const { url, init } = buildSignedRequest(fake, { token, now: clock.now() });
      const response = await fetch(url, init);
      assert.equal(response.status, 200);
      await assert.rejects(response.text());
    });
    test('hang: no answer until the client gives up', async () => {
      fake.inject({ kind: 'hang' });
      const { url, init } = buildSignedRequest(fake, { token, now: clock.now() });
      await assert.rejects(fetch(url, { ...init, signal: AbortSignal.timeout(200) }), { name: 'TimeoutError' });
    });
    test('delay after processing', async () => {
      fake.inject({ kind: 'delay', delayMs: 150 });
      const t0 = Date.now();
      assert.equal((await api({})).status, 200);
      assert.ok(Date.now() - t0 >= 140);
    });
  });
});
