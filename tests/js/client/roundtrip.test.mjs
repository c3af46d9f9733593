// UpvestClient against the fake Upvest API: the full webhook life cycle, and
// what every request looks like on the wire (headers, covered components,
// signature parameters), as the fake server verified it with node:crypto.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { UUID, UUID_V4, assertAllVerified, clientFor, covered, entriesFor, failure, sample, setup } from './helpers.mjs';

describe('UpvestClient round trip against the fake Upvest API', () => {
  let fake;
  let upvest;
  before(async () => {
    ({ fake, client: upvest } = await setup());
  });
  after(() => fake.close());

  test('create → enable → list (listAll, several pages) → retrieve → test → delete, every request verified', async () => {
    const created = [];
    for (const n of ['delta', 'alpha', 'charlie', 'bravo', 'echo']) created.push(await upvest.webhooks.create(sample(n)));
    const hook = created[0];
    assert.match(hook.id, UUID);
    assert.equal(hook.title, 'Orders delta');
    assert.equal(hook.url, 'https://hooks.example.com/upvest/delta');
    assert.deepEqual(hook.type, ['ORDER']);
    assert.deepEqual(hook.config, { delay: '5s', max_package_size: 10240 });
    assert.equal(hook.enabled, false, 'new webhooks start disabled');
    assert.equal(typeof hook.created_at, 'string');

    const enabled = await upvest.webhooks.update(hook.id, { enabled: true });
    assert.equal(enabled.id, hook.id);
    assert.equal(enabled.enabled, true);
    assert.deepEqual(enabled, await upvest.webhooks.retrieve(hook.id));

    const listsBefore = entriesFor(fake, 'GET', '/webhooks').length;
    const titles = [];
    for await (const h of upvest.webhooks.listAll({ sort: 'title', pageSize: 2 })) titles.push(h.title);
    assert.deepEqual(titles, ['Orders alpha', 'Orders bravo', 'Orders charlie', 'Orders delta', 'Orders echo']);
    const pages = entriesFor(fake, 'GET', '/webhooks').slice(listsBefore);
    assert.ok(pages.length >= 3, `5 webhooks in pages of 2 need at least 3 requests, saw ${pages.length}`);
    for (const [i, page] of pages.slice(0, 3).entries()) {
      const q = new URLSearchParams(page.query);
      assert.equal(q.get('limit'), '2');
      assert.equal(q.get('sort'), 'title');
      assert.equal(Number(q.get('offset') ?? 0), i * 2);
    }

    const page = await upvest.webhooks.list({ limit: 2, offset: 1, sort: 'created_at', order: 'DESC' });
    assert.deepEqual(page.meta, { offset: 1, limit: 2, count: 2, total_count: 5, sort: 'created_at', order: 'DESC' });
    assert.deepEqual(
      page.data.map((h) => h.title),
      ['Orders bravo', 'Orders charlie'],
      'created delta, alpha, charlie, bravo, echo; DESC from offset 1',
    );

    assert.equal(await upvest.webhooks.test(hook.id), undefined);
    assert.equal(fake.state.testDeliveries.at(-1).webhookId, hook.id);

    for (const h of created) assert.equal(await upvest.webhooks.delete(h.id), undefined);
    assert.equal(fake.state.webhooks.size, 0);
    assert.equal((await upvest.webhooks.list()).meta.total_count, 0);

    assertAllVerified(fake);
    assert.ok(
      fake.requests.every((r) => typeof r.status === 'number' && r.status < 300),
      'no request failed',
    );
  });

  test('listAll fetches pages lazily: breaking after the first item sends one list request', async () => {
    for (const n of ['p1', 'p2', 'p3']) await upvest.webhooks.create(sample(n));
    const before = entriesFor(fake, 'GET', '/webhooks').length;
    for await (const h of upvest.webhooks.listAll({ pageSize: 1 })) {
      assert.equal(h.title, 'Orders p1');
      break;
    }
    assert.equal(entriesFor(fake, 'GET', '/webhooks').length - before, 1);
  });

  test('list() without parameters uses the API defaults (no query, or only defaults)', async () => {
    const page = await upvest.webhooks.list();
    assert.equal(page.meta.limit, 100);
    assert.equal(page.meta.offset, 0);
    assert.equal(page.data.length, page.meta.count);
  });

  test('create sends only the given fields; type defaults to ["ALL"] server-side', async () => {
    const hook = await upvest.webhooks.create({ title: 'minimal', url: 'https://hooks.example.com/min' });
    assert.deepEqual(hook.type, ['ALL']);
    const entry = entriesFor(fake, 'POST', '/webhooks').at(-1);
    assert.deepEqual(JSON.parse(entry.body), { title: 'minimal', url: 'https://hooks.example.com/min' });
  });

  test('arguments are read as JSON.stringify reads them: undefined members left out, NaN as null, key order kept', async () => {
    const hook = await upvest.webhooks.create({ url: 'https://hooks.example.com/json', title: 'as JSON', type: undefined, exclude_type: undefined });
    const entry = entriesFor(fake, 'POST', '/webhooks').at(-1);
    assert.equal(entry.body, JSON.stringify({ url: 'https://hooks.example.com/json', title: 'as JSON' }));
    await upvest.webhooks.update(hook.id, { title: 'renamed', url: undefined, enabled: undefined });
    assert.equal(entriesFor(fake, 'PATCH', `/webhooks/${hook.id}`).at(-1).body, '{"title":"renamed"}');
    const nan = await failure(() => upvest.webhooks.update(hook.id, { config: { delay: Number.NaN } }));
    assert.equal(nan.field, 'config.delay', 'NaN arrives as null, as in JSON');
    const cycle = { title: 'loop' };
    cycle.self = cycle;
    const err = await failure(() => upvest.webhooks.update(hook.id, cycle));
    assert.equal(err.code, 'ERR_VALIDATION');
    assert.equal(err.field, 'body');
  });

  describe('on the wire', () => {
    before(async () => {
      fake.clearLog();
      const fresh = clientFor(fake); // so that the log starts with its token request
      const hook = await fresh.webhooks.create(sample('wire'));
      await fresh.webhooks.update(hook.id, { title: 'renamed' });
      await fresh.webhooks.list({ limit: 5, sort: 'url' });
      await fresh.webhooks.retrieve(hook.id);
      await fresh.webhooks.test(hook.id);
      await fresh.verificationKeys();
      await fresh.webhooks.delete(hook.id);
    });

    test('every request carries upvest-signature-version: 15 (uncovered), upvest-api-version: 1, accept: application/json, upvest-client-id', () => {
      assert.ok(fake.requests.length >= 7);
      for (const r of fake.requests) {
        assert.equal(r.headers['upvest-signature-version'], '15');
        assert.ok(!covered(r).includes('upvest-signature-version'));
        assert.equal(r.headers['upvest-api-version'], '1');
        assert.equal(r.headers.accept, 'application/json');
        assert.equal(r.headers['upvest-client-id'], fake.clientId);
      }
      assertAllVerified(fake);
    });

    test('signature-input: label sig1 with keyid, created, expires, nonce', () => {
      const nonces = new Set();
      for (const r of fake.requests) {
        assert.match(r.headers['signature-input'], /^sig1=\(/);
        assert.match(r.headers.signature, /^sig1=:[A-Za-z0-9+/]+=*:$/);
        assert.equal(r.signature.keyId, fake.keyId);
        assert.ok(Number.isInteger(r.signature.created) && Number.isInteger(r.signature.expires));
        assert.ok(r.signature.expires > r.signature.created);
        assert.ok(Math.abs(r.signature.created - Date.now() / 1000) < 60);
        assert.ok(r.signature.nonce.length >= 8, 'a nonce of some entropy');
        nonces.add(r.signature.nonce);
      }
      assert.equal(nonces.size, fake.requests.length, 'a fresh nonce per request');
    });

    const base = ['@method', '@path', 'accept', 'upvest-client-id', 'upvest-api-version'];
    const body = ['content-type', 'content-length', 'content-digest'];
    const cases = [
      ['POST /auth/token', (r) => r.path === '/auth/token', [...base, ...body], ['authorization', '@query', 'idempotency-key']],
      ['POST /webhooks', (r) => r.method === 'POST' && r.path === '/webhooks', [...base, 'authorization', ...body, 'idempotency-key'], ['@query']],
      ['PATCH /webhooks/{id}', (r) => r.method === 'PATCH', [...base, 'authorization', ...body, 'idempotency-key'], ['@query']],
      ['GET /webhooks?…', (r) => r.method === 'GET' && r.path === '/webhooks', [...base, 'authorization', '@query'], [...body, 'idempotency-key']],
      [
        'GET /webhooks/{id}',
        (r) => r.method === 'GET' && /^\/webhooks\/[^/]+$/.test(r.path),
        [...base, 'authorization'],
        [...body, '@query', 'idempotency-key'],
      ],
      ['POST /webhooks/{id}/test (no body)', (r) => r.path.endsWith('/test'), [...base, 'authorization', 'idempotency-key'], [...body, '@query']],
      ['GET /auth/verify_keys', (r) => r.path === '/auth/verify_keys', [...base, 'authorization'], [...body, '@query', 'idempotency-key']],
      ['DELETE /webhooks/{id}', (r) => r.method === 'DELETE', [...base, 'authorization'], [...body, '@query', 'idempotency-key']],
    ];
    for (const [name, pick, must, mustNot] of cases) {
      test(`${name} covers ${must.join(' ')}${mustNot.length ? ` and not ${mustNot.join(' ')}` : ''}`, () => {
        const entries = fake.requests.filter(pick);
        assert.ok(entries.length > 0, `no ${name} request was sent`);
        for (const r of entries) {
          for (const c of must) assert.ok(covered(r).includes(c), `${name}: ${c} not covered (covered: ${covered(r).join(' ')})`);
          for (const c of mustNot) assert.ok(!covered(r).includes(c), `${name}: ${c} covered but must not be`);
        }
      });
    }

    test('the token request is a form POST with client credentials and the default scopes, without authorization', () => {
      const [token] = fake.tokenRequests;
      assert.equal(token.method, 'POST');
      assert.match(token.headers['content-type'], /^application\/x-www-form-urlencoded/);
      assert.equal(token.headers.authorization, undefined);
      const form = new URLSearchParams(token.body);
      assert.equal(form.get('client_id'), fake.clientId);
      assert.equal(form.get('client_secret'), fake.clientSecret);
      assert.equal(form.get('grant_type'), 'client_credentials');
      assert.deepEqual(form.get('scope').split(' ').sort(), ['webhooks:admin', 'webhooks:read']);
    });

    test('API calls carry the bearer token the fake issued', () => {
      for (const r of fake.apiRequests) {
        const m = /^Bearer (.+)$/.exec(r.headers.authorization ?? '');
        assert.ok(m && fake.state.tokens.has(m[1]), `${r.method} ${r.path}: unknown bearer`);
      }
    });

    test('each POST and PATCH has its own fresh UUID v4 idempotency-key; GET and DELETE have none', () => {
      const writes = fake.apiRequests.filter((r) => r.method === 'POST' || r.method === 'PATCH');
      assert.equal(writes.length, 3);
      for (const r of writes) assert.match(r.idempotencyKey ?? '', UUID_V4);
      assert.equal(new Set(writes.map((r) => r.idempotencyKey)).size, writes.length);
      for (const r of fake.apiRequests.filter((x) => x.method === 'GET' || x.method === 'DELETE')) {
        assert.equal(r.idempotencyKey, undefined, `${r.method} ${r.path} sent an idempotency-key`);
      }
    });

    test('JSON bodies are sent as application/json with a matching content-digest', () => {
      const create = fake.apiRequests.find((r) => r.method === 'POST' && r.path === '/webhooks');
      assert.match(create.headers['content-type'], /^application\/json/);
      assert.deepEqual(JSON.parse(create.body), sample('wire'));
      const patch = fake.apiRequests.find((r) => r.method === 'PATCH');
      assert.deepEqual(JSON.parse(patch.body), { title: 'renamed' });
    });

    test('list parameters travel in the query', () => {
      const list = fake.apiRequests.find((r) => r.method === 'GET' && r.path === '/webhooks');
      const q = new URLSearchParams(list.query);
      assert.equal(q.get('limit'), '5');
      assert.equal(q.get('sort'), 'url');
    });
  });

  test('a caller-supplied idempotencyKey is sent as is, and repeating it creates nothing new', async () => {
    const key = '5b0c3f3e-8f5d-4f7e-9d59-2f1e0f3c0a11';
    const before = fake.state.webhooks.size;
    const a = await upvest.webhooks.create(sample('same-key'), { idempotencyKey: key });
    const b = await upvest.webhooks.create(sample('same-key'), { idempotencyKey: key });
    assert.deepEqual(b, a);
    assert.equal(fake.state.webhooks.size, before + 1);
    const sent = entriesFor(fake, 'POST', '/webhooks').slice(-2);
    assert.deepEqual(
      sent.map((r) => r.idempotencyKey),
      [key, key],
    );
  });

  test('update accepts every documented field', async () => {
    const hook = await upvest.webhooks.create(sample('fields'));
    const updated = await upvest.webhooks.update(hook.id, {
      title: 'All fields',
      url: 'https://hooks.example.com/all',
      enabled: true,
      type: ['USER', 'ORDER'],
      config: { delay: '1m', max_package_size: 100 },
    });
    assert.deepEqual(
      { ...updated, created_at: undefined, updated_at: undefined },
      {
        id: hook.id,
        title: 'All fields',
        url: 'https://hooks.example.com/all',
        enabled: true,
        type: ['USER', 'ORDER'],
        config: { delay: '1m', max_package_size: 100 },
        created_at: undefined,
        updated_at: undefined,
      },
    );
  });
});
