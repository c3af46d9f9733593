// The two ways a body is hashed (src/wasm/body.rs): copied into WebAssembly
// and hashed by the core, or kept in JavaScript and hashed with the
// runtime's SHA (node:crypto in the Node entries) from
// `nativeDigestMinBytes` bytes on. Both must give the same verdict, the
// same error code and the same events, for string and byte bodies, on the
// mutation corpus and on bodies chosen to separate JSON readers; and the
// core, not the SHA, must decide (a wrong native digest is a mismatch).
//
// BODY_ROUTE_CASES (default 600) sets how many mutation cases run;
// MUTATION_SEED replays a run (the seed is printed).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { generateKeyPair, jwksOf, signRequest, NOW_MS } from './support/upvest-signer.mjs';
import { importFromConsumer, consumerDir } from './support/package.mjs';
import { pkg, verifierFor } from './support/verify.mjs';
import { asInput, mutations, rng, scenario } from './support/mutations.mjs';

const CASES = Number(process.env.BODY_ROUTE_CASES ?? 600);
const SEED = Number(process.env.MUTATION_SEED ?? Math.floor(Math.random() * 2 ** 31));
const verifierEntry = await importFromConsumer('upvest-webhooks/verifier');
const installed = `${realpathSync(`${consumerDir}node_modules/upvest-webhooks`)}/`;
const glue = await import(pathToFileURL(`${installed}dist/wasm/upvest_webhooks.js`).href);
const { bodyHelpers } = await import(pathToFileURL(`${installed}src/body.js`).href);
// node:crypto's SHA as the Node entries register it. They ship bundled
// (scripts/bundle-node.mjs), so its source is imported from the repository.
const { nodeSha } = await import(new URL('../../pkg/src/node-digest.js', import.meta.url).href);

/** The outcome of one verification: `{ code }` or `{ events }`. */
async function outcome(verifier, delivery) {
  try {
    return { events: (await verifier.verify(delivery)).events };
  } catch (err) {
    return { code: err.code ?? String(err) };
  }
}

/** The same bytes as the other kind of body, when there is one. */
function otherForm(body) {
  if (typeof body === 'string') return Buffer.from(body);
  const bytes = Buffer.from(body);
  const text = bytes.toString('utf8');
  return Buffer.from(text).equals(bytes) ? text : undefined;
}

/** Verifiers that hash in WebAssembly, natively, and by the default threshold; both entries. */
function routes(jwks) {
  return {
    wasm: verifierFor(jwks, { nativeDigestMinBytes: Number.POSITIVE_INFINITY }),
    native: verifierFor(jwks, { nativeDigestMinBytes: 0 }),
    default: verifierFor(jwks),
    'verifier entry, wasm': new verifierEntry.WebhookVerifier({ keys: jwks, now: () => NOW_MS, nativeDigestMinBytes: Number.POSITIVE_INFINITY }),
    'verifier entry, native': new verifierEntry.WebhookVerifier({ keys: jwks, now: () => NOW_MS, nativeDigestMinBytes: 0 }),
  };
}

/** Verifies `delivery` (and its body in the other form) on every route; asserts one outcome; returns it. */
async function sameOnEveryRoute(verifiers, delivery, where) {
  const forms = [delivery.body, otherForm(delivery.body)].filter((body) => body !== undefined);
  let first;
  for (const body of forms) {
    for (const [route, verifier] of Object.entries(verifiers)) {
      const got = await outcome(verifier, { ...delivery, body });
      if (first === undefined) first = { got, route };
      else assert.deepEqual(got, first.got, `${where}: ${route} (${typeof body} body) differs from ${first.route}`);
    }
  }
  // verifyRequest(): the body read from a stream, joined in JavaScript or copied in.
  if (/^https?:/.test(delivery.url)) {
    let request;
    try {
      request = () => new Request(delivery.url, { method: delivery.method ?? 'POST', headers: delivery.headers, body: delivery.body });
      request();
    } catch {
      request = undefined; // headers a Request cannot carry
    }
    if (request) {
      const fromStream = await outcome({ verify: (r) => verifiers.wasm.verifyRequest(r) }, request());
      for (const route of ['native', 'verifier entry, native']) {
        const got = await outcome({ verify: (r) => verifiers[route].verifyRequest(r) }, request());
        assert.deepEqual(got, fromStream, `${where}: verifyRequest() on ${route} differs from wasm`);
      }
    }
  }
  return first.got;
}

test(`mutation corpus: one verdict, code and events on both digest routes and both body forms (${CASES} cases, seed ${SEED})`, {
  timeout: 10 * 60_000,
}, async () => {
  const r = rng(SEED);
  const keys = [generateKeyPair({ kid: 'key-a' }), generateKeyPair({ kid: 'key-b' })];
  const verifiers = routes(jwksOf(...keys));
  let cases = 0;
  let scenarios = 0;
  let large = 0;
  const codes = new Set();
  while (cases < CASES) {
    // Every other delivery is large (4 KiB to 1 MiB), past the default thresholds.
    const s = scenario(r, keys, scenarios++ % 2 ? { size: 4096 + r.int(1 << 20) } : {});
    for (const m of mutations(r, s, keys)) {
      if (cases >= CASES) break;
      cases++;
      const delivery = asInput(m.delivery);
      if (Buffer.byteLength(delivery.body) >= nodeSha.nativeDigestMinBytes) large++;
      const got = await sameOnEveryRoute(verifiers, delivery, `${m.cls} (case ${cases})`);
      codes.add(got.code ?? 'accepted');
    }
  }
  console.log(`${cases} cases, ${large} with bodies over the Node entries' default threshold, outcomes: ${[...codes].sort().join(', ')}`);
  // The corpus reached both verdicts and the body checks on both sides of the default threshold.
  assert.ok(codes.has('accepted') && codes.has('ERR_DIGEST_MISMATCH') && codes.has('ERR_CONTENT_LENGTH_MISMATCH'), [...codes].join());
  assert.ok(large > 0, 'no case had a body over the default threshold');
});

const EVENT = '{"id":"e1","created_at":"2021-07-21T14:10:00.00Z","type":"USER.CREATED","object":{},"webhook_id":"w1"}';
const without = (field) => EVENT.replace(new RegExp(`"${field}":("[^"]*"|\\{\\}),?`), '').replace(',}', '}');

// [body, expected: 'ok' or an error code]; string bodies are signed as their UTF-8 bytes.
const BODIES = [
  [`{"payload":[${EVENT}]}`, 'ok'],
  ['{"payload":[]}', 'ok'],
  [` \n{"payload":[${EVENT}]}\t`, 'ok'],
  [`{"payload":[${EVENT.replace('{}', 'null')}],"extra":{"a":[1,2]}}`, 'ok'],
  [`{"payload":[${EVENT.replace('"w1"}', '"w1","more":1}')}]}`, 'ok'],
  // a member named twice keeps its last value, in JSON.parse and in the core's parser alike
  [`{"payload":[{"bad":1}],"payload":[${EVENT}]}`, 'ok'],
  [`{"payload":[${EVENT}],"payload":[{"bad":1}]}`, 'ERR_PAYLOAD_INVALID'],
  [`{"payload":[${EVENT.replace('"id":"e1"', '"id":7,"id":"e1"')}]}`, 'ok'],
  [`{"__proto__":{"payload":[]},"payload":[${EVENT}]}`, 'ok'],
  [`{"__proto__":{"payload":[${EVENT}]}}`, 'ERR_PAYLOAD_INVALID'],
  [`{"payload":[${without('webhook_id').replace('}', ',"__proto__":{"webhook_id":"w"}}')}]}`, 'ERR_PAYLOAD_INVALID'],
  ['[]', 'ERR_PAYLOAD_INVALID'],
  ['{}', 'ERR_PAYLOAD_INVALID'],
  ['null', 'ERR_PAYLOAD_INVALID'],
  ['"payload"', 'ERR_PAYLOAD_INVALID'],
  ['{"payload":{}}', 'ERR_PAYLOAD_INVALID'],
  ['{"payload":null}', 'ERR_PAYLOAD_INVALID'],
  ['{"payload":[1]}', 'ERR_PAYLOAD_INVALID'],
  ['{"payload":[null]}', 'ERR_PAYLOAD_INVALID'],
  [`[{"payload":[${EVENT}]}]`, 'ERR_PAYLOAD_INVALID'],
  // serde reads a struct from an array; a delivery is objects only
  [`[[${EVENT}]]`, 'ERR_PAYLOAD_INVALID'],
  ['{"payload":[["e1","2021-07-21T14:10:00.00Z","USER.CREATED",{},"w1"]]}', 'ERR_PAYLOAD_INVALID'],
  ...['id', 'created_at', 'type', 'object', 'webhook_id'].map((field) => [`{"payload":[${without(field)}]}`, 'ERR_PAYLOAD_INVALID']),
  [`{"payload":[${EVENT.replace('"USER.CREATED"', '7')}]}`, 'ERR_PAYLOAD_INVALID'],
  [`{"payload":[${EVENT.replace('"e1"', 'null')}]}`, 'ERR_PAYLOAD_INVALID'],
  [`{"payload":[${EVENT}]} x`, 'ERR_PAYLOAD_INVALID'],
  [`{"payload":[${EVENT},]}`, 'ERR_PAYLOAD_INVALID'],
  [`{"payload":[${EVENT.replace('"e1"', '"e\\u0031"')}]}`, 'ok'],
  // bytes that are not UTF-8, anywhere (inside `object` too), and a BOM
  ...[[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf]].flatMap((bad) =>
    [12, 40, 90].map((at) => {
      const bytes = Buffer.from(`{"payload":[${EVENT.replace('{}', '{"note":"________"}')}]}`);
      return [Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at)]), 'ERR_PAYLOAD_INVALID'];
    }),
  ),
  [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`{"payload":[${EVENT}]}`)]), 'ERR_PAYLOAD_INVALID'],
];

test('bodies that separate JSON readers: the same verdict on every route and form, and from the inspector (the core parser)', async () => {
  const key = generateKeyPair({ kid: 'k' });
  const jwks = jwksOf(key);
  const verifiers = routes(jwks);
  for (const [body, expected] of BODIES) {
    const signed = asInput(signRequest({ key, body }));
    const where = JSON.stringify(String(body).slice(0, 90));
    const got = await sameOnEveryRoute(verifiers, signed, where);
    assert.equal(got.code ?? 'ok', expected, where);
    if (expected === 'ok') assert.ok(Array.isArray(got.events), where);
    const report = pkg.inspectDelivery(signed, { keys: jwks, now: () => NOW_MS });
    assert.equal(report.ok ? 'ok' : report.code, expected, `inspector: ${where}`);
  }
});

test('a string body with a lone surrogate is the bytes it encodes to (U+FFFD), in the digest and in the events', async () => {
  const key = generateKeyPair({ kid: 'k' });
  const verifiers = routes(jwksOf(key));
  const text = `{"payload":[${EVENT.replace('"e1"', '"e\uD800"')}]}`;
  // The signer hashes Buffer.from(text): the lone surrogate as EF BF BD.
  const signed = asInput(signRequest({ key, body: text }));
  for (const [route, verifier] of Object.entries(verifiers)) {
    const { events } = await verifier.verify(signed);
    assert.equal(events[0].id, 'e\uFFFD', route);
  }
});

test('the core decides: a native SHA that answers wrongly is a mismatch; one that fails falls back; sync or async, string or bytes', async (t) => {
  const key = generateKeyPair({ kid: 'k' });
  const signed = asInput(signRequest({ key, body: `{"payload":[${EVENT}]}` }));
  const verifier = new pkg.WebhookVerifier({ keys: jwksOf(key), now: () => NOW_MS, nativeDigestMinBytes: 0 });
  t.after(() => glue.registerBodyHelpers(bodyHelpers(nodeSha)));
  const calls = [];
  const register = (digest, sync) =>
    glue.registerBodyHelpers(
      bodyHelpers({
        ...(sync ? nodeSha : { sync: false }),
        digest: (name, data) => {
          calls.push(name);
          return digest(name, data);
        },
      }),
    );
  const zeros = (name) => new Uint8Array(name === 'SHA-256' ? 32 : 64);
  const cases = [
    ['node:crypto', nodeSha.digest, true, null],
    ['WebCrypto', (name, bytes) => crypto.subtle.digest(name, bytes), false, null],
    ['all zeros', zeros, true, 'ERR_DIGEST_MISMATCH'],
    ['all zeros, async', async (name) => zeros(name), false, 'ERR_DIGEST_MISMATCH'],
    ['too short', () => new Uint8Array(16), true, 'ERR_DIGEST_MISMATCH'],
    ['another body', (name, data) => nodeSha.digest(name, Buffer.concat([Buffer.from(data), Buffer.from(' ')])), true, 'ERR_DIGEST_MISMATCH'],
    [
      'throws (falls back to WebAssembly)',
      () => {
        throw new Error('no SHA here');
      },
      true,
      null,
    ],
    [
      'throws, async (falls back)',
      () => {
        throw new Error('no SHA here');
      },
      false,
      null,
    ],
    ['not bytes (falls back)', () => 'digest', true, null],
    ['a promise where an answer was due (falls back)', (name, data) => Promise.resolve(nodeSha.digest(name, data)), true, null],
    ['a rejected promise (falls back)', () => Promise.reject(new Error('no')), false, null],
  ];
  for (const [what, digest, sync, code] of cases) {
    for (const body of [signed.body, Buffer.from(signed.body)]) {
      register(digest, sync);
      calls.length = 0;
      const got = await outcome(verifier, { ...signed, body });
      assert.equal(got.code ?? null, code, `${what}, ${typeof body} body`);
      assert.deepEqual(calls, ['SHA-256'], `${what}: the one algorithm the digest header names`);
    }
  }
  // verifyRequest() takes the same route: its streamed body is hashed by the registered SHA too.
  for (const sync of [true, false]) {
    register(zeros, sync);
    const request = new Request(signed.url, { method: 'POST', headers: signed.headers, body: signed.body });
    assert.equal((await outcome({ verify: (r) => verifier.verifyRequest(r) }, request)).code, 'ERR_DIGEST_MISMATCH');
  }
  // Under the threshold the native SHA is never asked.
  register(() => assert.fail('asked for a digest under the threshold'), true);
  assert.ok((await verifierFor(jwksOf(key), { nativeDigestMinBytes: 1e6 }).verify(signed)).events);
});

test('bytes changed after verify() returned do not change the verdict', async () => {
  const key = generateKeyPair({ kid: 'k' });
  const signed = asInput(signRequest({ key, body: `{"payload":[${EVENT}]}` }));
  for (const [route, verifier] of Object.entries(routes(jwksOf(key)))) {
    const bytes = Buffer.from(signed.body);
    const verifying = verifier.verify({ ...signed, body: bytes });
    bytes.fill(0x20);
    const { events } = await verifying;
    assert.equal(events[0].id, 'e1', route);
  }
});

test('without the body helpers no delivery verifies (the bare glue fails closed)', async (t) => {
  const key = generateKeyPair({ kid: 'k' });
  const signed = asInput(signRequest({ key, body: `{"payload":[${EVENT}]}` }));
  t.after(() => glue.registerBodyHelpers(bodyHelpers(nodeSha)));
  glue.registerBodyHelpers({});
  const got = await outcome(verifierFor(jwksOf(key)), signed);
  assert.equal(got.code, 'ERR_INVALID_ARGUMENT');
});

test('members inherited from a polluted Object.prototype never count as members of an event', async (t) => {
  const key = generateKeyPair({ kid: 'k' });
  const verifiers = routes(jwksOf(key));
  const complete = asInput(signRequest({ key, body: `{"payload":[${EVENT}]}` }));
  for (const field of ['webhook_id', 'object']) {
    Object.prototype[field] = 'inherited';
    t.after(() => delete Object.prototype[field]);
    for (const [route, verifier] of Object.entries(verifiers)) {
      const body = `{"payload":[${without(field)}]}`;
      const got = await outcome(verifier, asInput(signRequest({ key, body })));
      assert.equal(got.code, 'ERR_PAYLOAD_INVALID', `${route}, ${field}`);
      assert.ok((await outcome(verifier, complete)).events, `${route}, ${field}: a complete event`);
    }
    delete Object.prototype[field];
  }
});

test('a body in shared memory (a SharedArrayBuffer view) verifies on every route', async () => {
  const key = generateKeyPair({ kid: 'k' });
  const signed = asInput(signRequest({ key, body: `{"payload":[${EVENT}]}` }));
  const text = Buffer.from(signed.body);
  const shared = new Uint8Array(new SharedArrayBuffer(text.length));
  shared.set(text);
  for (const [route, verifier] of Object.entries(routes(jwksOf(key)))) {
    const { events } = await verifier.verify({ ...signed, body: shared });
    assert.equal(events[0].id, 'e1', route);
  }
});
