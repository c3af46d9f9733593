// limits.maxBodyBytes (and maxHeaderBytes) are checked before the body (the
// headers) are copied into WebAssembly memory (issue 11, finding 3). Wasm memory never shrinks: a body copied in
// before the check left the instance that large for good, and 2 GiB or more
// trapped inside the copy, leaving the promise unsettled. Here a 192 MiB body
// of every kind is refused with ERR_LIMIT_EXCEEDED while the instance's
// memory (memory.buffer.byteLength, as bench/ reads it) grows by at most a
// few MiB, every promise settles, and a valid delivery verifies afterwards.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { consumerDir, importFromConsumer } from './support/package.mjs';
import { NOW_MS, asDelivery, generateKeyPair, signRequest } from './support/upvest-signer.mjs';
import { assertVerificationError, pkg, settleWithin, verifierFor } from './support/verify.mjs';

const HUGE = 192 * 1024 * 1024;
const LIMIT = 8 * 1024 * 1024; // the default limits.maxBodyBytes
const MAX_GROWTH = 4 * 1024 * 1024;
const MiB = (bytes) => (bytes / 1024 / 1024).toFixed(1);

const key = generateKeyPair();
const good = asDelivery(signRequest({ key }));

/** The linear memory of the instance the package's Node entry set up (its glue's initSync() returns it). */
async function memoryOf(gluePath) {
  const glue = await import(pathToFileURL(`${consumerDir}node_modules/upvest-webhooks/${gluePath}`).href);
  const { memory } = glue.initSync();
  assert.ok(memory instanceof WebAssembly.Memory, `no memory from ${gluePath}`);
  return memory;
}
const memory = await memoryOf('dist/wasm/upvest_webhooks.js');

const settle = (promise) => settleWithin(promise, 120_000);

async function refusedWithoutCopy(t, what, attempt, mem = memory, option = /limits\.maxBodyBytes/) {
  const before = mem.buffer.byteLength;
  const outcome = await settle(Promise.resolve().then(attempt));
  const growth = mem.buffer.byteLength - before;
  t.diagnostic(`${what}: wasm memory ${MiB(before)} → ${MiB(mem.buffer.byteLength)} MiB (+${MiB(growth)} MiB)`);
  assert.notEqual(outcome.status, 'unsettled', `${what}: the promise never settled`);
  assert.equal(outcome.status, 'rejected', `${what}: ${MiB(HUGE)} MiB of input was accepted`);
  assertVerificationError(outcome.reason, 'ERR_LIMIT_EXCEEDED');
  assert.match(outcome.reason.message, option);
  assert.ok(growth <= MAX_GROWTH, `${what}: wasm memory grew by ${MiB(growth)} MiB (at most ${MiB(MAX_GROWTH)} allowed)`);
  return outcome.reason;
}

const huge = Buffer.alloc(HUGE, 0x20);
const hugeBuffer = huge.buffer.slice(huge.byteOffset, huge.byteOffset + HUGE);
const verifier = verifierFor(key.jwks);
const post = (init) => new Request(good.url, { method: 'POST', headers: good.headers, ...init });
// The signed headers without their content-length (which describes the small genuine body).
const { 'content-length': _, ...headersWithoutLength } = good.headers;
const postHuge = (init) => post({ headers: headersWithoutLength, ...init });

test('a 192 MiB body of every kind is refused with ERR_LIMIT_EXCEEDED before it is copied into wasm memory (verify, inspectDelivery)', async (t) => {
  await refusedWithoutCopy(t, 'Buffer', () => verifier.verify({ ...good, body: huge }));
  await refusedWithoutCopy(t, 'ArrayBuffer', () => verifier.verify({ ...good, body: hugeBuffer }));
  await refusedWithoutCopy(t, 'Uint8Array view at an offset', () => verifier.verify({ ...good, body: new Uint8Array(hugeBuffer, 4096, HUGE - 8192) }));
  await refusedWithoutCopy(t, 'DataView', () => verifier.verify({ ...good, body: new DataView(hugeBuffer, 1) }));
  const text = await refusedWithoutCopy(t, 'string', () => verifier.verify({ ...good, body: ' '.repeat(HUGE) }));
  assert.match(text.message, /UTF-16 code units/);
  const before = memory.buffer.byteLength;
  const report = pkg.inspectDelivery({ ...good, body: huge }, { keys: key.jwks, now: () => NOW_MS });
  t.diagnostic(`inspectDelivery: wasm memory +${MiB(memory.buffer.byteLength - before)} MiB`);
  assert.equal(report.ok, false);
  assert.equal(report.code, 'ERR_LIMIT_EXCEEDED');
  assert.match(report.message, /limits\.maxBodyBytes/);
  assert.deepEqual(
    report.steps.map((s) => [s.name, s.status, s.code]),
    [['payload', 'fail', 'ERR_LIMIT_EXCEEDED']],
  );
  assert.ok(memory.buffer.byteLength - before <= MAX_GROWTH, 'inspectDelivery copied the body');
  assert.equal((await verifier.verify(good)).keyId, key.kid, 'a valid delivery verifies afterwards');
});

test('a 192 Mi-character header value is refused with ERR_LIMIT_EXCEEDED (limits.maxHeaderBytes) before it is copied', async (t) => {
  const err = await refusedWithoutCopy(
    t,
    'header',
    () => verifier.verify({ ...good, headers: { ...good.headers, 'x-pad': 'a'.repeat(HUGE) } }),
    memory,
    /limits\.maxHeaderBytes/,
  );
  assert.match(err.message, /65536/);
  assert.equal((await verifier.verify(good)).keyId, key.kid);
});

test('a string just over the limit in UTF-16 code units is refused; one within it is encoded and checked by bytes', async () => {
  const limits = { maxBodyBytes: 10 };
  const small = verifierFor(key.jwks, { limits });
  const over = await settle(small.verify({ ...good, body: 'x'.repeat(11) }));
  assertVerificationError(over.reason, 'ERR_LIMIT_EXCEEDED');
  // 4 code units, 12 UTF-8 bytes: passes the conservative check, then the core's byte check refuses it.
  const wide = await settle(small.verify({ ...good, body: '€€€€' }));
  assertVerificationError(wide.reason, 'ERR_LIMIT_EXCEEDED');
  assert.match(wide.reason.message, /12 bytes/);
});

test('verifyRequest(): a 192 MiB Request body is refused by content-length, or while streaming, without being copied', async (t) => {
  const withLength = await refusedWithoutCopy(t, 'Request with content-length', () =>
    verifier.verifyRequest(postHuge({ headers: { ...headersWithoutLength, 'content-length': String(HUGE) }, body: huge })),
  );
  assert.match(withLength.message, /content-length/);
  await refusedWithoutCopy(t, 'Request without content-length', () => verifier.verifyRequest(postHuge({ body: huge })));

  // A streamed body of 1 MiB chunks, 192 MiB in all if read to the end.
  let pulled = 0;
  let cancelled = false;
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  const stream = new ReadableStream({
    pull(controller) {
      if (pulled >= HUGE) return controller.close();
      pulled += chunk.length;
      controller.enqueue(new Uint8Array(chunk));
    },
    cancel() {
      cancelled = true;
    },
  });
  await refusedWithoutCopy(t, 'streamed Request', () => verifier.verifyRequest(postHuge({ body: stream, duplex: 'half' })));
  t.diagnostic(`streamed Request: ${MiB(pulled)} MiB pulled of ${MiB(HUGE)} MiB`);
  assert.ok(cancelled, 'the stream was not cancelled');
  assert.ok(pulled <= LIMIT + 4 * chunk.length, `read ${MiB(pulled)} MiB of a body over an ${MiB(LIMIT)} MiB limit`);

  const valid = await settle(verifier.verifyRequest(post({ body: good.body })));
  assert.equal(valid.status, 'fulfilled', String(valid.reason?.message));
  assert.equal(valid.value.keyId, key.kid, 'a valid delivery verifies afterwards');
});

test('a body within the limit read from a Request stream verifies (chunks joined in order)', async () => {
  const bytes = Buffer.from(good.body);
  const stream = new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 7) controller.enqueue(new Uint8Array(bytes.subarray(i, i + 7)));
      controller.close();
    },
  });
  const verified = await verifier.verifyRequest(post({ body: stream, duplex: 'half' }));
  assert.equal(verified.keyId, key.kid);
});

test('upvest-webhooks/verifier: a 192 MiB body is refused before it is copied too', async (t) => {
  const { WebhookVerifier } = await importFromConsumer('upvest-webhooks/verifier');
  const own = await memoryOf('dist/verifier/upvest_webhooks_verifier.js');
  const alone = new WebhookVerifier({ keys: key.jwks, now: () => NOW_MS });
  await refusedWithoutCopy(t, 'verifier entry, Buffer', () => alone.verify({ ...good, body: huge }), own);
  await refusedWithoutCopy(t, 'verifier entry, Request', () => alone.verifyRequest(postHuge({ body: huge })), own);
  assert.equal((await alone.verify(good)).keyId, key.kid);
});
