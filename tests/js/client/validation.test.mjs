// Validation before sending: every documented rule throws an
// UpvestValidationError (code ERR_VALIDATION, with `field` and `rule`) and
// nothing reaches the server, not even a token request. Each rule has a
// boundary value next to it that is accepted.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { UpvestError, UpvestValidationError, failure, sample, setup } from './helpers.mjs';

const ID = '0b5f6f0e-4a53-4c1e-9b8e-0d1f2a3b4c5d';
const base = { title: 'Orders', url: 'https://hooks.example.com/orders' };
const httpsUrlOf = (length) => {
  const prefix = 'https://hooks.example.com/';
  return prefix + 'a'.repeat(length - prefix.length);
};

describe('UpvestClient validates arguments before sending anything', () => {
  let fake;
  let upvest;
  before(async () => {
    ({ fake, client: upvest } = await setup());
  });
  after(() => fake.close());
  beforeEach(() => fake.clearLog());

  /**
   * `field`: exact string or RegExp; `rule`: exact string or array of
   * acceptable rules (where the contract leaves the choice open).
   */
  async function expectInvalid(call, field, rule) {
    const err = await failure(call);
    assert.ok(err instanceof UpvestValidationError, `expected UpvestValidationError, got ${err?.name}: ${err?.message}`);
    assert.ok(err instanceof UpvestError);
    assert.ok(err instanceof Error);
    assert.equal(err.code, 'ERR_VALIDATION');
    assert.equal(err.name, 'UpvestValidationError');
    if (field instanceof RegExp) assert.match(err.field, field);
    else assert.equal(err.field, field);
    if (Array.isArray(rule)) assert.ok(rule.includes(err.rule), `rule ${JSON.stringify(err.rule)} not in ${JSON.stringify(rule)}`);
    else assert.equal(err.rule, rule);
    assert.equal(typeof err.message, 'string');
    assert.ok(err.message.length > 0);
    assert.equal(fake.requests.length, 0, `nothing may be sent, but the server saw ${fake.requests.map((r) => `${r.method} ${r.path}`).join(', ')}`);
    return err;
  }

  describe('create', () => {
    const cases = [
      ['title missing', { url: base.url }, 'title', 'required'],
      ['url missing', { title: 'x' }, 'url', 'required'],
      ['title not a string', { ...base, title: 42 }, 'title', 'type'],
      ['title of 101 characters', { ...base, title: 'x'.repeat(101) }, 'title', 'max_length'],
      ['title of 101 characters counted as code points (emoji)', { ...base, title: '😀'.repeat(101) }, 'title', 'max_length'],
      ['url with http', { ...base, url: 'http://hooks.example.com/orders' }, 'url', 'https'],
      ['url without a scheme', { ...base, url: 'hooks.example.com/orders' }, 'url', ['https', 'pattern', 'type']],
      ['url of 1001 characters', { ...base, url: httpsUrlOf(1001) }, 'url', 'max_length'],
      ['url not a string', { ...base, url: 7 }, 'url', 'type'],
      ['config.delay "0s"', { ...base, config: { delay: '0s' } }, 'config.delay', 'pattern'],
      ['config.delay "100s"', { ...base, config: { delay: '100s' } }, 'config.delay', 'pattern'],
      ['config.delay "5h"', { ...base, config: { delay: '5h' } }, 'config.delay', 'pattern'],
      ['config.delay "5"', { ...base, config: { delay: '5' } }, 'config.delay', 'pattern'],
      ['config.delay " 5s"', { ...base, config: { delay: ' 5s' } }, 'config.delay', 'pattern'],
      ['config.delay "5s\\n"', { ...base, config: { delay: '5s\n' } }, 'config.delay', 'pattern'],
      ['config.delay a number', { ...base, config: { delay: 5 } }, 'config.delay', ['type', 'pattern']],
      ['config.max_package_size 99', { ...base, config: { max_package_size: 99 } }, 'config.max_package_size', 'range'],
      ['config.max_package_size 1048577', { ...base, config: { max_package_size: 1048577 } }, 'config.max_package_size', 'range'],
      ['config.max_package_size 1024.5', { ...base, config: { max_package_size: 1024.5 } }, 'config.max_package_size', ['type', 'range']],
      ['config.max_package_size a string', { ...base, config: { max_package_size: '1024' } }, 'config.max_package_size', 'type'],
      ['type an empty array', { ...base, type: [] }, 'type', 'non_empty'],
      ['type a string', { ...base, type: 'ORDER' }, 'type', 'type'],
      ['type with a non-string item', { ...base, type: ['ORDER', 3] }, /^type/, 'type'],
      ['an unknown field (enabled is not a create field)', { ...base, enabled: true }, 'enabled', 'unknown_field'],
      ['an unknown field', { ...base, callback: 'x' }, 'callback', 'unknown_field'],
    ];
    for (const [name, body, field, rule] of cases) {
      test(`rejects ${name} → field ${field}, rule ${rule}`, () => expectInvalid(() => upvest.webhooks.create(body), field, rule));
    }
    test('rejects a body that is not an object', async () => {
      for (const body of [null, undefined, 'title=x', ['x']]) {
        const err = await failure(() => upvest.webhooks.create(body));
        assert.ok(err instanceof UpvestError, `${JSON.stringify(body)}: ${err}`);
        assert.ok(['ERR_VALIDATION', 'ERR_INVALID_ARGUMENT'].includes(err.code), err.code);
        assert.equal(fake.requests.length, 0);
      }
    });
    test('accepts the boundaries: 100-character title, 1000-character https url, delay 1s and 99m, max_package_size 100 and 1048576', async () => {
      const ok = [
        { ...base, title: 'x'.repeat(100) },
        { ...base, title: '😀'.repeat(100) },
        { ...base, url: httpsUrlOf(1000) },
        { ...base, config: { delay: '1s', max_package_size: 100 } },
        { ...base, config: { delay: '99m', max_package_size: 1048576 } },
        { ...base, type: ['ALL'] },
      ];
      for (const body of ok) {
        const hook = await upvest.webhooks.create(body);
        assert.equal(hook.title, body.title);
      }
    });
    test('open categories: an unknown category is sent, and Upvest decides (the emulator answers 400)', async () => {
      const err = await failure(() => upvest.webhooks.create({ ...base, type: ['SOME_FUTURE_CATEGORY'] }));
      assert.equal(err.code, 'ERR_API_BAD_REQUEST');
      assert.deepEqual(JSON.parse(fake.requests.at(-1).body).type, ['SOME_FUTURE_CATEGORY']);
    });
  });

  describe('update', () => {
    const cases = [
      ['title of 101 characters', { title: 'x'.repeat(101) }, 'title', 'max_length'],
      ['url with http', { url: 'http://hooks.example.com/x' }, 'url', 'https'],
      ['url of 1001 characters', { url: httpsUrlOf(1001) }, 'url', 'max_length'],
      ['enabled not a boolean', { enabled: 'yes' }, 'enabled', 'type'],
      ['config.delay "60"', { config: { delay: '60' } }, 'config.delay', 'pattern'],
      ['config.max_package_size 0', { config: { max_package_size: 0 } }, 'config.max_package_size', 'range'],
      ['type an empty array', { type: [] }, 'type', 'non_empty'],
      ['an unknown field (id)', { id: ID }, 'id', 'unknown_field'],
      ['an unknown field (created_at)', { created_at: '2024-01-01T00:00:00Z' }, 'created_at', 'unknown_field'],
    ];
    for (const [name, body, field, rule] of cases) {
      test(`rejects ${name} → field ${field}, rule ${rule}`, () => expectInvalid(() => upvest.webhooks.update(ID, body), field, rule));
    }
    test('rejects an empty update (nothing to change)', async () => {
      const err = await failure(() => upvest.webhooks.update(ID, {}));
      assert.ok(err instanceof UpvestValidationError, `${err?.name}: ${err?.message}`);
      assert.equal(err.code, 'ERR_VALIDATION');
      assert.equal(fake.requests.length, 0);
    });
  });

  describe('list and listAll', () => {
    const cases = [
      ['limit 1001', { limit: 1001 }, 'limit', 'range'],
      ['limit -1', { limit: -1 }, 'limit', 'range'],
      ['limit 1.5', { limit: 1.5 }, 'limit', ['type', 'range']],
      ['limit "10"', { limit: '10' }, 'limit', 'type'],
      ['offset -1', { offset: -1 }, 'offset', 'range'],
      ['offset 0.5', { offset: 0.5 }, 'offset', ['type', 'range']],
      ['sort "id"', { sort: 'id' }, 'sort', 'enum'],
      ['sort "TITLE"', { sort: 'TITLE' }, 'sort', 'enum'],
      ['order "asc"', { order: 'asc' }, 'order', 'enum'],
    ];
    for (const [name, params, field, rule] of cases) {
      test(`list rejects ${name} → field ${field}, rule ${rule}`, () => expectInvalid(() => upvest.webhooks.list(params), field, rule));
    }
    test('listAll rejects pageSize 1001 and sort "id" before the first page', async () => {
      for (const [params, field, rule] of [
        [{ pageSize: 1001 }, /^(pageSize|limit)$/, 'range'],
        [{ sort: 'id' }, 'sort', 'enum'],
      ]) {
        await expectInvalid(
          async () => {
            for await (const h of upvest.webhooks.listAll(params)) assert.fail(`yielded ${h.id}`);
          },
          field,
          rule,
        );
      }
    });
    test('accepts limit 0 and 1000, offset 0, every sort field and order', async () => {
      assert.equal((await upvest.webhooks.list({ limit: 0 })).meta.limit, 0);
      assert.equal((await upvest.webhooks.list({ limit: 1000, offset: 0 })).meta.limit, 1000);
      for (const sort of ['created_at', 'updated_at', 'title', 'url', 'enabled']) {
        for (const order of ['ASC', 'DESC']) {
          const page = await upvest.webhooks.list({ sort, order });
          assert.equal(page.meta.sort, sort);
          assert.equal(page.meta.order, order);
        }
      }
    });
  });

  describe('webhook ids must be UUIDs', () => {
    const bad = ['not-a-uuid', '', '../auth/token', `${ID}/test`, `${ID}?x=1`, ` ${ID}`, ID.replace(/-/g, '')];
    const calls = {
      retrieve: (id) => upvest.webhooks.retrieve(id),
      update: (id) => upvest.webhooks.update(id, { enabled: true }),
      delete: (id) => upvest.webhooks.delete(id),
      test: (id) => upvest.webhooks.test(id),
    };
    for (const [name, call] of Object.entries(calls)) {
      test(`${name} rejects ${bad.map((b) => JSON.stringify(b)).join(', ')} → rule uuid`, async () => {
        for (const id of bad) await expectInvalid(() => call(id), /^(id|webhook_id)$/, 'uuid');
      });
    }
    test('a non-string id is rejected too', async () => {
      for (const id of [undefined, null, 42]) {
        const err = await failure(() => upvest.webhooks.retrieve(id));
        assert.ok(err instanceof UpvestError, String(err));
        assert.ok(['ERR_VALIDATION', 'ERR_INVALID_ARGUMENT'].includes(err.code));
        assert.equal(fake.requests.length, 0);
      }
    });
    test('an upper-case UUID is accepted (404 from the server, not a validation error)', async () => {
      const err = await failure(() => upvest.webhooks.retrieve(ID.toUpperCase()));
      assert.equal(err.code, 'ERR_API_NOT_FOUND', `${err.name}: ${err.message}`);
    });
  });

  test('a validation error does not consume the create call: the same body, fixed, goes through', async () => {
    await expectInvalid(() => upvest.webhooks.create({ ...sample('fix'), title: 'x'.repeat(101) }), 'title', 'max_length');
    const hook = await upvest.webhooks.create(sample('fix'));
    assert.equal(hook.title, 'Orders fix');
  });
});
