// Delivery semantics (webhooks-api.md §4) against local node:http receivers:
// batching by delay and by size, ordering by created_at, the retry schedule
// (1, 2, 3, 5, 8 … capped at 600 s, scaled), blocking, filtering by type,
// disabled and deleted webhooks, test deliveries. Small time factors keep it fast.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createDeliveryEngine, retryDelaySeconds, sortByCreatedAt, timestampNanos } from '../../pkg/emulator/deliveries.mjs';
import { admin, contractHolds, rigs, session, sleep, startEmulator, startReceiver, waitFor } from './support.mjs';

const rig = rigs();

describe('retry schedule', () => {
  test('retryDelaySeconds: 1, 2, 3, 5, 8, 13, … each the sum of the two before, capped at 600', () => {
    const seq = Array.from({ length: 18 }, (_, i) => retryDelaySeconds(i + 1));
    assert.deepEqual(seq, [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 600, 600, 600, 600, 600]);
    assert.equal(retryDelaySeconds(1000), 600);
    assert.equal(retryDelaySeconds(50, 30), 30, 'another cap');
  });

  test('the engine waits retryDelaySeconds × 1000 × timeFactor between attempts, capped (injected timers)', async () => {
    const scheduled = [];
    const timers = {
      setTimeout: (fn, ms) => {
        const t = { fn, ms };
        scheduled.push(t);
        return t;
      },
      clearTimeout: (t) => {
        t.cancelled = true;
      },
    };
    const hook = { id: 'w1', url: 'http://127.0.0.1:1/x', enabled: true, config: { delay: '1s', max_package_size: 10240 } };
    let attempts = 0;
    const engine = createDeliveryEngine({
      getWebhook: (id) => (id === 'w1' ? hook : undefined),
      sign: ({ url, body }) => ({ method: 'POST', url, headers: {}, body }),
      transport: async () => {
        attempts += 1;
        return { status: 503 };
      },
      timers,
      timeFactor: 0.5,
    });
    engine.enqueue('w1', { id: 'e1', created_at: '2025-01-01T00:00:00Z', type: 'ORDER.NEW', object: {}, webhook_id: 'w1' });
    assert.equal(scheduled[0].ms, 500, 'the collection delay (1s) is scaled too');
    const waits = [];
    for (let i = 0; i < 16; i += 1) {
      const next = scheduled.find((t) => !t.ran && !t.cancelled);
      next.ran = true;
      next.fn();
      await waitFor(() => attempts === i + 1, { message: `attempt ${i + 1}` });
      await sleep(0);
      waits.push(scheduled.at(-1).ms);
    }
    assert.deepEqual(
      waits,
      [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 600, 600, 600].map((s) => s * 1000 * 0.5),
    );
    const [d] = engine.list();
    assert.equal(d.state, 'retrying');
    assert.equal(d.attempts.length, 16);
    assert.deepEqual(
      d.attempts.slice(0, 5).map((a) => a.retryInSeconds),
      [1, 2, 3, 5, 8],
    );
    engine.close();
  });

  test('over HTTP: a failing receiver sees attempts 1, 2, 3, 5, 8 (× timeFactor) s apart, each re-signed, until a 200', async () => {
    const factor = 0.02;
    const { emu, rx, s } = await rig({ timeFactor: factor, respond: (_, n) => (n <= 5 ? 500 : 200) });
    const hook = await s.hook(rx.url());
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.NEW' } });
    await waitFor(() => rx.received.length === 6, { timeout: 5000, message: '6 attempts' });
    const gaps = rx.received.slice(1).map((r, i) => r.at - rx.received[i].at);
    const expected = [1, 2, 3, 5, 8].map((sec) => sec * 1000 * factor);
    for (const [i, gap] of gaps.entries()) {
      assert.ok(gap >= expected[i] - 2, `gap ${i + 1} is ${gap.toFixed(1)} ms, expected ≥ ${expected[i]} ms`);
      assert.ok(gap < expected[i] + 250, `gap ${i + 1} is ${gap.toFixed(1)} ms, expected about ${expected[i]} ms`);
    }
    assert.equal(new Set(rx.received.map((r) => r.body)).size, 1, 'the same package every time');
    assert.equal(new Set(rx.received.map((r) => r.headers['signature-input'])).size, 6, 'each attempt signed afresh (new nonce)');
    const [d] = (await admin(emu, `/emulator/deliveries?webhook_id=${hook.id}`)).json.deliveries;
    assert.equal(d.state, 'delivered');
    assert.deepEqual(
      d.attempts.map((a) => a.status),
      [500, 500, 500, 500, 500, 200],
    );
    assert.deepEqual(
      d.attempts.slice(0, 5).map((a) => a.retryInSeconds),
      [1, 2, 3, 5, 8],
    );
    for (const a of d.attempts) {
      assert.equal(typeof a.durationMs, 'number');
      assert.ok(!Number.isNaN(Date.parse(a.at)));
    }
  });

  test('only 200 and 204 count: 201, 3xx, 4xx are retried; so are refused connections, dropped sockets and timeouts', async () => {
    const answers = [201, 302, 400, 500, 'destroy', 'hang', 204];
    const { emu, rx, s } = await rig({ timeFactor: 0.005, respond: (_, n) => answers[n - 1] ?? 200, emulator: { deliveryTimeoutMs: 150 } });
    const hook = await s.hook(rx.url());
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'POSITION.UPDATED' } });
    const d = await waitFor(() => emu.listDeliveries({ webhookId: hook.id }).find((x) => x.state === 'delivered'), { timeout: 8000, message: 'delivered' });
    const outcomes = d.attempts.map((a) => a.status ?? a.error);
    assert.deepEqual(outcomes.slice(0, 4), [201, 302, 400, 500]);
    assert.match(String(outcomes[4]), /ECONNRESET|socket hang up/);
    assert.match(String(outcomes[5]), /timeout/);
    assert.equal(outcomes[6], 204, 'a 204 (the x-webhooks response) is delivered');

    // connection refused: a webhook pointing at a closed port, then moved to the live receiver
    const dead = await s.hook('http://127.0.0.1:9/nothing');
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'POSITION.UPDATED' } });
    const failing = await waitFor(() => emu.listDeliveries({ webhookId: dead.id }).find((x) => x.attempts.length >= 2), { message: 'two refused attempts' });
    assert.match(failing.attempts[0].error, /ECONNREFUSED/);
    assert.equal(failing.state, 'retrying');
    await s.write('PATCH', `/webhooks/${dead.id}`, { url: rx.url('/moved') });
    const moved = await waitFor(() => emu.listDeliveries({ webhookId: dead.id }).find((x) => x.state === 'delivered'), {
      timeout: 5000,
      message: 'delivered after the URL change',
    });
    assert.equal(moved.url, rx.url('/moved'));
    assert.equal(rx.received.at(-1).path, '/moved');
  });
});

describe('batching', () => {
  test('by delay: events within config.delay go in one package; later ones in the next', async () => {
    const factor = 0.05; // 1s → 50 ms
    const { emu, rx, s } = await rig({ timeFactor: factor });
    await s.hook(rx.url(), { config: { delay: '1s', max_package_size: 10240 } });
    const t0 = performance.now();
    for (let i = 0; i < 3; i += 1) await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'POSITION.UPDATED' } });
    await waitFor(() => rx.received.length === 1, { message: 'the first package' });
    assert.ok(rx.received[0].at - t0 >= 50 - 2, `sent after the delay (${(rx.received[0].at - t0).toFixed(1)} ms)`);
    assert.equal(rx.received[0].json.payload.length, 3);
    await sleep(100);
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'POSITION.UPDATED', count: 2 } });
    await waitFor(() => rx.received.length === 2, { message: 'the second package' });
    assert.equal(rx.received[1].json.payload.length, 2);
    assert.deepEqual(Object.keys(rx.received[0].json), ['payload']);
  });

  test('config.delay in minutes ("1m") and the default 1s', async () => {
    const { emu, rx, s } = await rig({ timeFactor: 0.001 }); // 1m → 60 ms, 1s → 1 ms
    await s.hook(rx.url('/m'), { config: { delay: '1m' } });
    await s.hook(rx.url('/s'));
    const t0 = performance.now();
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.NEW' } });
    await waitFor(() => rx.received.length === 2, { message: 'both packages' });
    const bySeconds = rx.received.find((r) => r.path === '/s');
    const byMinute = rx.received.find((r) => r.path === '/m');
    assert.ok(byMinute.at - t0 >= 58, `1m × 0.001 ≈ 60 ms (${(byMinute.at - t0).toFixed(1)})`);
    assert.ok(bySeconds.at < byMinute.at);
  });

  test('by size: a package never exceeds max_package_size and is sent as soon as it is full', async () => {
    const { emu, rx, s } = await rig({ timeFactor: 0.005 }); // delay 99s → 495 ms
    await s.hook(rx.url(), { config: { delay: '99s', max_package_size: 1000 } });
    const t0 = performance.now();
    const { json } = await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'POSITION.UPDATED', count: 5 } });
    await waitFor(() => rx.events.length === 5, { timeout: 3000, message: 'all 5 events' });
    const sizes = rx.received.map((r) => Buffer.byteLength(r.body));
    for (const size of sizes) assert.ok(size <= 1000, `package of ${size} bytes`);
    assert.deepEqual(
      rx.received.map((r) => r.json.payload.length),
      [2, 2, 1],
      'two ~413-byte events fit in 1000 bytes, three do not',
    );
    assert.ok(rx.received[0].at - t0 < 300, 'full packages go without waiting for the delay');
    assert.ok(rx.received[2].at - t0 >= 490, 'the last, partial package waits for the delay');
    assert.deepEqual(
      rx.events.map((e) => e.id),
      json.events.map((e) => e.id),
      'no event lost or reordered',
    );
    const eventBytes = Buffer.byteLength(JSON.stringify(rx.received[0].json.payload[0]));
    assert.ok(sizes[0] + 1 + eventBytes > 1000, 'the third event would not have fit');
  });

  test('a single event larger than max_package_size still goes, alone', async () => {
    const { emu, rx, s } = await rig({ timeFactor: 0.01 });
    await s.hook(rx.url(), { config: { delay: '30s', max_package_size: 100 } });
    const t0 = performance.now();
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.NEW', count: 3 } });
    await waitFor(() => rx.received.length === 3, { message: 'three packages' });
    for (const r of rx.received) {
      assert.equal(r.json.payload.length, 1);
      assert.ok(Buffer.byteLength(r.body) > 100);
    }
    assert.ok(rx.received[0].at - t0 < 250, 'without waiting for the delay (300 ms)');
  });

  test('ordering: events in a package are sorted by created_at; generated timestamps strictly increase', async () => {
    const { emu, rx, s } = await rig({ timeFactor: 0.01 });
    await s.hook(rx.url());
    const body = {
      events: [
        { type: 'ORDER.FILLED', created_at: '2025-06-15T15:06:40.300000000Z' },
        { type: 'ORDER.NEW', created_at: '2025-06-15T15:06:40.1Z' },
        { type: 'ORDER.PROCESSING', created_at: '2025-06-15T17:06:40.200+02:00' }, // = 15:06:40.200Z
        { type: 'ORDER.CANCELLED', created_at: '2025-06-15T15:06:40.100000001Z' },
      ],
    };
    await admin(emu, '/emulator/events', { method: 'POST', body });
    await waitFor(() => rx.received.length === 1, { message: 'one package' });
    assert.deepEqual(
      rx.received[0].json.payload.map((e) => e.type),
      ['ORDER.NEW', 'ORDER.CANCELLED', 'ORDER.PROCESSING', 'ORDER.FILLED'],
    );

    const { json } = await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.NEW', count: 50 } });
    const stamps = json.events.map((e) => timestampNanos(e.created_at));
    for (let i = 1; i < stamps.length; i += 1) assert.ok(stamps[i] > stamps[i - 1]);
    assert.match(json.events[0].created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });

  test('sortByCreatedAt is stable and puts unparseable timestamps last', () => {
    const events = [
      { n: 1, created_at: 'x' },
      { n: 2, created_at: '2025-01-01T00:00:01Z' },
      { n: 3, created_at: '2025-01-01T00:00:00Z' },
      { n: 4, created_at: '2025-01-01T00:00:00.000Z' },
    ];
    assert.deepEqual(
      sortByCreatedAt(events).map((e) => e.n),
      [3, 4, 2, 1],
    );
  });
});

describe('blocking, filtering, lifecycle', () => {
  test('blocking: a later package waits behind a failing one, then flows, in order, after recovery', async () => {
    let failing = true;
    const { emu, rx, s } = await rig({ timeFactor: 0.01, respond: () => (failing ? 503 : 200) });
    const hook = await s.hook(rx.url());
    const a = (await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.NEW' } })).json.events[0];
    await waitFor(() => rx.received.length >= 2, { message: 'A failing twice' });
    const b = (await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.FILLED' } })).json.events[0];
    await sleep(80); // B's delay (10 ms) has long passed
    const c = (await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.CANCELLED' } })).json.events[0];
    await sleep(60);
    assert.ok(
      rx.received.every((r) => r.json.payload[0].id === a.id),
      'only A was attempted while it failed',
    );
    const list = (await admin(emu, `/emulator/deliveries?webhook_id=${hook.id}`)).json.deliveries;
    // A is between attempts, or in one (a retry every few ms at this time factor)
    assert.ok(['retrying', 'delivering'].includes(list[0].state), list[0].state);
    assert.deepEqual(
      list.slice(1).map((d) => d.state),
      ['pending', 'pending'],
    );
    assert.equal(list[1].waiting, 'behind an earlier delivery');
    failing = false;
    await waitFor(() => rx.events.some((e) => e.id === c.id), { timeout: 3000, message: 'C delivered' });
    const order = rx.received.filter((r) => r.headers && true).flatMap((r) => r.json.payload.map((e) => e.id));
    const firstB = order.indexOf(b.id);
    assert.ok(order.lastIndexOf(a.id) < firstB && firstB < order.indexOf(c.id), 'A (until it succeeded), then B, then C');
    assert.equal(order.filter((id) => id === b.id).length, 1);
    const states = (await admin(emu, `/emulator/deliveries?webhook_id=${hook.id}`)).json.deliveries.map((d) => d.state);
    assert.deepEqual(states, ['delivered', 'delivered', 'delivered']);
  });

  test('blocking is per webhook: another webhook keeps receiving', async () => {
    const { emu, rx, s } = await rig({ timeFactor: 0.01, respond: (r) => (r.path === '/bad' ? 500 : 200) });
    await s.hook(rx.url('/bad'));
    await s.hook(rx.url('/good'));
    for (let i = 0; i < 3; i += 1) {
      await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'USER.CREATED' } });
      await sleep(30);
    }
    await waitFor(() => rx.received.filter((r) => r.path === '/good').length === 3, { message: 'the good webhook got all three' });
    assert.equal(new Set(rx.received.filter((r) => r.path === '/bad').map((r) => r.body)).size, 1, 'the bad one only ever retried its first package');
  });

  test('filtering: ALL, ALL with exclude_type, specific categories; disabled webhooks get nothing', async () => {
    const { emu, rx, s } = await rig({ timeFactor: 0.01 });
    const hooks = {
      all: await s.hook(rx.url('/all')),
      excl: await s.hook(rx.url('/excl'), { exclude_type: ['ORDER.FILLED', 'USER.CREATED'] }),
      orders: await s.hook(rx.url('/orders'), { type: ['ORDER'] }),
      mixed: await s.hook(rx.url('/mixed'), { type: ['USER', 'POSITION'], exclude_type: ['USER.CREATED'] }),
      disabled: await s.create({ title: 'off', url: rx.url('/disabled') }),
      disabledLater: await s.hook(rx.url('/later')),
    };
    await s.enable(hooks.disabledLater.id, false);
    const { json } = await admin(emu, '/emulator/events', {
      method: 'POST',
      body: {
        events: [{ type: 'ORDER.FILLED' }, { type: 'ORDER.NEW' }, { type: 'USER.CREATED' }, { type: 'POSITION.UPDATED' }, { type: 'FEE_COLLECTION.CREATED' }],
      },
    });
    await sleep(100);
    await waitFor(() => rx.received.length === 4, { message: 'four packages' });
    await sleep(50);
    const got = (p) =>
      rx.received
        .filter((r) => r.path === p)
        .flatMap((r) => r.json.payload.map((e) => e.type))
        .sort();
    assert.deepEqual(got('/all'), ['FEE_COLLECTION.CREATED', 'ORDER.FILLED', 'ORDER.NEW', 'POSITION.UPDATED', 'USER.CREATED']);
    assert.deepEqual(got('/excl'), ['FEE_COLLECTION.CREATED', 'ORDER.NEW', 'POSITION.UPDATED']);
    assert.deepEqual(got('/orders'), ['ORDER.FILLED', 'ORDER.NEW']);
    assert.deepEqual(got('/mixed'), ['POSITION.UPDATED', 'USER.CREATED'], 'exclude_type has no effect without ALL');
    assert.deepEqual(got('/disabled'), []);
    assert.deepEqual(got('/later'), []);
    const routed = Object.fromEntries(json.events.map((e) => [e.type, e.webhookIds.length]));
    assert.deepEqual(routed, { 'ORDER.FILLED': 2, 'ORDER.NEW': 3, 'USER.CREATED': 2, 'POSITION.UPDATED': 3, 'FEE_COLLECTION.CREATED': 2 });
    for (const r of rx.received) {
      const id = Object.values(hooks).find((h) => h.url === `http://127.0.0.1:${rx.port}${r.path}`).id;
      assert.ok(
        r.json.payload.every((e) => e.webhook_id === id),
        'webhook_id names the receiving subscription',
      );
    }
  });

  test('disabling pauses a retrying queue; enabling resumes it; deleting drops it', async () => {
    let status = 500;
    const { emu, rx, s } = await rig({ timeFactor: 0.01, respond: () => status });
    const hook = await s.hook(rx.url());
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.NEW' } });
    await waitFor(() => rx.received.length >= 1, { message: 'a first attempt' });
    await s.enable(hook.id, false);
    const count = rx.received.length;
    await sleep(150); // well past 1 s × 0.01 and 2 s × 0.01
    assert.ok(rx.received.length <= count + 1, 'no attempts while disabled (at most one already in flight)');
    const paused = emu.listDeliveries({ webhookId: hook.id })[0];
    assert.equal(paused.state, 'pending');
    assert.equal(paused.waiting, 'webhook disabled');
    status = 200;
    await s.enable(hook.id, true);
    await waitFor(() => emu.listDeliveries({ webhookId: hook.id })[0].state === 'delivered', { message: 'delivered after re-enabling' });

    status = 500;
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.NEW' } });
    await waitFor(() => emu.listDeliveries({ webhookId: hook.id, state: 'retrying' }).length === 1, { message: 'retrying' });
    const r = await s.api({ method: 'DELETE', path: `/webhooks/${hook.id}` });
    assert.equal(r.status, 204);
    const before = rx.received.length;
    await sleep(100);
    assert.equal(rx.received.length, before, 'no attempt after deletion');
    assert.equal(emu.listDeliveries({ webhookId: hook.id }).at(-1).state, 'dropped');
  });

  test('POST /emulator/deliveries/{id}/retry attempts a retrying delivery now', async () => {
    let status = 500;
    const { emu, rx, s } = await rig({ timeFactor: 1, respond: () => status }); // real time: the next retry is 1 s away
    const hook = await s.hook(rx.url(), { config: { delay: '1s' } });
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.NEW' } });
    emu.flush(hook.id); // skip the 1 s collection delay
    const d = await waitFor(() => emu.listDeliveries({ webhookId: hook.id, state: 'retrying' })[0], { message: 'retrying' });
    status = 200;
    const r = await admin(emu, `/emulator/deliveries/${d.id}/retry`, { method: 'POST' });
    assert.equal(r.status, 202, r.text);
    await waitFor(() => emu.getDelivery(d.id).state === 'delivered', { timeout: 800, message: 'delivered before the scheduled retry' });
    assert.equal((await admin(emu, `/emulator/deliveries/${d.id}/retry`, { method: 'POST' })).status, 409);
  });

  test('POST /webhooks/{id}/test: one schema-valid USER.CREATED event (the delivery record says test), sent at once even to a disabled webhook, one attempt', async () => {
    const { emu, rx, s } = await rig({ timeFactor: 0.01, respond: (_, n) => (n === 1 ? 200 : 500) });
    const hook = await s.create({ title: 'test me', url: rx.url('/test?source=upvest') });
    assert.equal(hook.enabled, false);
    const r = await s.write('POST', `/webhooks/${hook.id}/test`);
    assert.equal(r.status, 202);
    await waitFor(() => rx.received.length === 1, { message: 'the test delivery' });
    const [event] = rx.received[0].json.payload;
    assert.deepEqual(Object.keys(event), ['id', 'created_at', 'type', 'object', 'webhook_id']);
    assert.equal(event.type, 'USER.CREATED');
    assert.equal('test' in event.object, false, 'the Users object allows no extra field');
    assert.equal(emu.listDeliveries({ webhookId: hook.id })[0].test, true);
    assert.equal(event.webhook_id, hook.id);
    assert.equal(rx.received[0].query, 'source=upvest');
    // a failing test delivery is not retried
    await s.write('POST', `/webhooks/${hook.id}/test`);
    await waitFor(() => emu.listDeliveries({ webhookId: hook.id }).at(-1).state === 'failed', { message: 'failed' });
    await sleep(60);
    assert.equal(rx.received.length, 2);
    const tests = emu.listDeliveries({ webhookId: hook.id });
    assert.ok(tests.every((d) => d.test));
    assert.deepEqual(
      tests.map((d) => d.state),
      ['delivered', 'failed'],
    );
    assert.equal(emu.state.testDeliveries.length, 2);
  });

  test('dispatch: false builds and signs packages but sends nothing', async () => {
    const { emu, rx, s } = await rig({ timeFactor: 0.01, emulator: { dispatch: false } });
    const hook = await s.hook(rx.url());
    await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'ORDER.NEW', count: 2 } });
    await s.write('POST', `/webhooks/${hook.id}/test`);
    await sleep(80);
    assert.equal(rx.received.length, 0);
    const list = emu.listDeliveries({ webhookId: hook.id });
    assert.equal(list.length, 2);
    assert.ok(list.every((d) => d.state === 'pending' && d.waiting === 'dispatch is off'));
    assert.equal(emu.state.testDeliveries.at(-1).delivery.headers['content-type'], 'application/json');
  });
});

describe('GET /emulator/deliveries', () => {
  let emu;
  let rx;
  before(async () => {
    emu = await startEmulator({ timeFactor: 0.01 });
    rx = await startReceiver();
  });
  after(async () => {
    await emu.close();
    await rx.close();
  });

  test('deliveries with events (id, type, created_at), state, attempts and the exact signed request of the last attempt', async () => {
    const s = await session(emu);
    const hook = await s.hook(rx.url('/list?x=1'));
    const other = await s.hook(rx.url('/other'));
    const { json } = await admin(emu, '/emulator/events', { method: 'POST', body: { type: 'EXECUTION.FILLED', count: 2 } });
    await waitFor(() => rx.received.length === 2, { message: 'two packages' });
    await waitFor(() => emu.listDeliveries().every((d) => d.state === 'delivered'), { message: 'both delivered' });
    const r = await admin(emu, `/emulator/deliveries?webhook_id=${hook.id}`);
    assert.equal(r.status, 200);
    const [d] = r.json.deliveries;
    assert.equal(r.json.deliveries.length, 1);
    assert.equal(d.webhookId, hook.id);
    assert.equal(d.state, 'delivered');
    assert.equal(d.test, false);
    assert.deepEqual(
      d.events,
      json.events.map(({ id, type, created_at }) => ({ id, type, created_at })),
    );
    assert.equal(d.attempts.length, 1);
    assert.equal(d.attempts[0].status, 200);
    const received = rx.received.find((x) => x.path === '/list');
    assert.deepEqual(d.lastRequest, {
      method: 'POST',
      url: rx.url('/list?x=1'),
      headers: Object.fromEntries(Object.entries(d.lastRequest.headers)),
      body: received.body,
    });
    for (const name of ['content-type', 'content-length', 'digest', 'signature-input', 'signature'])
      assert.equal(d.lastRequest.headers[name], received.headers[name]);
    assert.equal((await admin(emu, '/emulator/deliveries')).json.deliveries.length, 2);
    assert.equal((await admin(emu, `/emulator/deliveries?webhook_id=${other.id}&state=retrying`)).json.deliveries.length, 0);
    const one = await admin(emu, `/emulator/deliveries/${d.id}`);
    assert.deepEqual(
      one.json.payload.map((e) => e.id),
      json.events.map((e) => e.id),
    );
    assert.equal((await admin(emu, '/emulator/deliveries/nope')).status, 404);
  });
});

contractHolds();
