// One table of webhook body cases (tests/fixtures/webhook-validation.json),
// passed by the emulator's validation (pkg/emulator/validation.mjs) and by the
// package's JS client against the emulator: each case the client refuses is
// refused with the table's field and rule before anything is sent; each case
// it lets through gets the emulator's answer the table expects. The Rust
// client passes the same table natively (src/client/validate.rs, cargo test).

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { validateWebhookBody } from '../../pkg/emulator/validation.mjs';
import { contractHolds, startEmulator } from './support.mjs';

const TABLE = JSON.parse(readFileSync(new URL('../fixtures/webhook-validation.json', import.meta.url), 'utf8'));
const label = (c) => `${c.op}: ${c.name}${c.allowHttpLocalhost ? ' (allowHttpLocalhost)' : ''}`;
const outcome = (expect) => (expect ? `${expect.field}/${expect.rule}` : 'accepted');
/** The client's expectation: its own column where the table gives one. */
const forClient = (c) => ('client' in c ? c.client : c.expect);

describe('the webhook validation table: the emulator (as Upvest)', () => {
  test('the table covers create and update, accepted and refused, and the client differs only where a note says why', () => {
    assert.ok(TABLE.cases.length >= 60);
    for (const op of ['create', 'update']) {
      assert.ok(TABLE.cases.some((c) => c.op === op && c.expect === null));
      assert.ok(TABLE.cases.some((c) => c.op === op && c.expect !== null));
    }
    for (const c of TABLE.cases) if ('client' in c) assert.ok(c.note, `${label(c)}: a client difference needs a note`);
    assert.equal(new Set(TABLE.cases.map(label)).size, TABLE.cases.length, 'case names are unique');
  });
  for (const c of TABLE.cases) {
    test(`${label(c)} → ${outcome(c.expect)}`, () => {
      let got = null;
      try {
        validateWebhookBody(structuredClone(c.body), { create: c.op === 'create', allowHttpLocalhost: c.allowHttpLocalhost ?? false });
      } catch (err) {
        assert.equal(err.status, 400, String(err));
        got = { field: err.extra.field, rule: err.extra.rule };
      }
      assert.deepEqual(got, c.expect);
    });
  }
});

const consumer = new URL('../../target/consumer/entry.mjs', import.meta.url);
const available = process.env.UPVEST_CONSUMER_DIR || existsSync(consumer);

describe('the webhook validation table: the JS client, against the emulator', { skip: available ? false : 'run `make consumer` first' }, () => {
  let pkg;
  let emu;
  /** @type {Record<string, any>} */
  const clients = {};
  let hookId;
  before(async () => {
    ({ pkg } = await import('../js/support/package.mjs'));
    emu = await startEmulator();
    for (const allowHttpLocalhost of [false, true]) {
      clients[String(allowHttpLocalhost)] = new pkg.UpvestClient({
        baseUrl: emu.baseUrl,
        clientId: emu.clientId,
        clientSecret: emu.clientSecret,
        keyId: emu.keyId,
        privateKey: emu.privateKeyPem,
        allowHttpLocalhost,
      });
    }
    hookId = (await clients.true.webhooks.create({ title: 'target of the updates', url: 'https://hooks.example.com/u' })).id;
  });
  after(() => emu?.close());

  for (const c of TABLE.cases) {
    const client = forClient(c);
    const what = client ? `refused by the client (${outcome(client)})` : `sent; the emulator answers ${c.expect ? `400 (${outcome(c.expect)})` : '2xx'}`;
    test(`${label(c)} → ${what}`, async () => {
      const upvest = clients[String(c.allowHttpLocalhost ?? false)];
      const body = structuredClone(c.body);
      const call = () => (c.op === 'create' ? upvest.webhooks.create(body) : upvest.webhooks.update(hookId, body));
      const before = emu.apiRequests.length;
      let result;
      let error;
      try {
        result = await call();
      } catch (err) {
        error = err;
      }
      if (client) {
        assert.ok(error instanceof pkg.UpvestValidationError, `expected UpvestValidationError, got ${error?.name}: ${error?.message}`);
        assert.deepEqual({ field: error.field, rule: error.rule }, client);
        assert.equal(emu.apiRequests.length, before, 'nothing was sent');
        return;
      }
      const sent = emu.apiRequests.slice(before).filter((r) => r.path.startsWith('/webhooks'));
      assert.equal(sent.length, 1, `the client sent the body (${error?.message ?? 'no error'})`);
      if (c.expect) {
        assert.equal(sent[0].status, 400, sent[0].response?.body);
        assert.ok(error, 'the client reports the 400');
        assert.match(JSON.parse(sent[0].response.body).detail, new RegExp(`^${c.expect.field.replace('.', '\\.')}:`));
      } else {
        assert.equal(error, undefined, `accepted: ${error?.message}`);
        assert.ok(sent[0].status === 200 || sent[0].status === 201, sent[0].response?.body);
        assert.equal(typeof result.id, 'string');
      }
    });
  }
});

contractHolds();
