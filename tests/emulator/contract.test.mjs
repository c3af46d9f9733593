// The contract check (contract.mjs) catches what it is there to catch: each
// deviation the OpenAPI review found, fed in deliberately, is recorded; the
// emulator's own answers to the same requests are not.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ALLOWED_EXTRA, createContract } from './contract.mjs';
import { admin, closeRig, openRig, waitFor } from './support.mjs';

const requestId = () => crypto.randomUUID();
const json = (status, value, type = 'application/json') => ({
  status,
  headers: { 'content-type': type, 'upvest-request-id': requestId() },
  body: JSON.stringify(value),
});
const problem = (status, code) =>
  json(status, { type: `https://docs.upvest.co/errors/${code}`, status, title: 'x', request_id: requestId() }, 'application/problem+json');
const WEBHOOK = {
  id: crypto.randomUUID(),
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  title: 't',
  url: 'https://hooks.example.com/x',
  enabled: false,
  type: ['ALL'],
  config: { delay: '1s', max_package_size: 10240 },
};
const entry = (method, path, response, request = {}) => ({
  method,
  path,
  requestId: response.headers['upvest-request-id'],
  status: response.status,
  response,
  headers: { 'content-type': 'application/json', ...request.headers },
  body: request.body ?? '',
});
/** The violations recorded for one entry. */
function check(e, kind = 'response') {
  const c = createContract();
  c[kind](e);
  return c.violations;
}

describe('the contract check catches deviations', () => {
  test('a conforming answer records nothing (the baseline of every case below)', () => {
    assert.deepEqual(check(entry('GET', `/webhooks/${WEBHOOK.id}`, json(200, WEBHOOK))), []);
    assert.deepEqual(check(entry('DELETE', `/webhooks/${WEBHOOK.id}`, { status: 204, headers: { 'upvest-request-id': requestId() }, body: '' })), []);
    assert.deepEqual(check(entry('POST', '/webhooks', json(201, WEBHOOK), { body: JSON.stringify({ title: 't', url: WEBHOOK.url }) })), []);
  });
  test('a status the operation does not list: 400 on retrieve, 406 on delete', () => {
    assert.match(check(entry('GET', `/webhooks/not-a-uuid`, problem(400, 'bad_request')))[0].what, /retrieve_webhook lists .* not 400/);
    assert.match(check(entry('DELETE', `/webhooks/${WEBHOOK.id}`, problem(406, 'not_acceptable')))[0].what, /delete_webhook lists .* not 406/);
  });
  test('a body that breaks the schema: an unknown category stored and returned, a missing field, an extra field', () => {
    assert.match(check(entry('GET', `/webhooks/${WEBHOOK.id}`, json(200, { ...WEBHOOK, type: ['FOO'] })))[0].what, /breaks the application\/json schema/);
    const { config, ...noConfig } = WEBHOOK;
    assert.equal(check(entry('GET', `/webhooks/${WEBHOOK.id}`, json(200, noConfig))).length, 1);
    assert.equal(
      check(
        entry(
          'GET',
          '/webhooks',
          json(200, { meta: { offset: 0, limit: 1, count: 1, total_count: 1, sort: 'created_at', order: 'ASC' }, data: [{ ...WEBHOOK, secret: 'x' }] }),
        ),
      ).length,
      1,
    );
  });
  test('a wrong media type, a body on a 204, no upvest-request-id', () => {
    assert.match(check(entry('GET', `/webhooks/${WEBHOOK.id}`, json(200, WEBHOOK, 'text/plain')))[0].what, /content-type text\/plain/);
    assert.match(
      check(entry('POST', `/webhooks/${WEBHOOK.id}/test`, { status: 202, headers: { 'upvest-request-id': requestId() }, body: '{"ok":true}' }))[0].what,
      /a body where the spec declares none/,
    );
    const r = json(200, WEBHOOK);
    delete r.headers['upvest-request-id'];
    assert.match(check({ ...entry('GET', `/webhooks/${WEBHOOK.id}`, r), requestId: undefined })[0].what, /upvest-request-id/);
  });
  test('a request the emulator accepted (2xx) that Upvest would refuse; a client request that breaks the schema', () => {
    assert.match(
      check(entry('POST', '/webhooks', json(201, WEBHOOK), { body: JSON.stringify({ title: 't', url: WEBHOOK.url, type: ['FOO'] }) }))[0].where,
      /\(request\)/,
    );
    assert.equal(check(entry('POST', '/webhooks', problem(400, 'bad_request'), { body: '{"title":7}' })).length, 0, 'a refused bad request is fine');
    assert.equal(
      check(entry('POST', '/webhooks', problem(400, 'bad_request'), { body: '{"title":7}' }), 'request').length,
      1,
      'but not from a client under test',
    );
    assert.equal(check(entry('POST', '/webhooks/x/y', problem(404, 'not_found')), 'request').length, 1, 'nor a path the API lacks');
  });
  test('an unrouted request must be a 404 or 405 problem; the allowed extras are named, with their reasons', () => {
    assert.deepEqual(check(entry('GET', '/nothing', problem(404, 'not_found'))), []);
    assert.equal(check(entry('GET', '/nothing', json(200, {}))).length, 1);
    assert.deepEqual(check(entry('POST', `/webhooks/${WEBHOOK.id}/test`, problem(400, 'missing_idempotency_key'))), []);
    assert.equal(check(entry('POST', `/webhooks/${WEBHOOK.id}/test`, problem(400, 'invalid_scope'))).length, 1);
    for (const a of ALLOWED_EXTRA) assert.ok(a.why.length > 20);
  });
  test('a delivered event that breaks its x-webhooks schema (the old `test: true` in a Users object), of an unlisted type, or a package that is not {payload}', () => {
    const event = (type, object) => ({ id: crypto.randomUUID(), created_at: '2026-01-01T00:00:00.000Z', type, object, webhook_id: WEBHOOK.id });
    const c = createContract();
    c.delivery({ body: JSON.stringify({ payload: [event('USER.CREATED', { test: true })] }) });
    assert.match(c.violations[0].what, /breaks its schema/);
    assert.equal(check({ body: JSON.stringify({ payload: [event('NOPE.NEW', {})] }) }, 'delivery').length, 1);
    assert.equal(check({ body: JSON.stringify({ events: [] }) }, 'delivery').length, 1);
  });
});

describe('the contract check is wired into the emulator suites (support.mjs startEmulator)', () => {
  let emu;
  let rx;
  let s;
  before(async () => ({ emu, rx, s } = await openRig()));
  after(() => closeRig({ emu, rx }));
  test('an emitted event made schema-invalid on purpose is recorded once delivered; then forgotten so this file stays green', async () => {
    const { contract } = await import('./support.mjs');
    const hook = await s.hook(rx.url());
    const before = contract.violations.length;
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'USER.CREATED', object: { not_in_the_schema: true } } });
    emu.flush(hook.id);
    await waitFor(() => rx.received.length === 1, { message: 'the delivery' });
    assert.equal(contract.violations.length, before + 1, contract.report());
    assert.match(contract.violations.at(-1).where, /delivery of USER\.CREATED/);
    contract.violations.splice(before);
  });
});
