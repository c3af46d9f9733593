// Bounds, beyond the accept/reject pairs of rejections.test.mjs: each limit's
// message names its option and the numbers, limits are checked before the
// expensive work (a refused request is never copied into WebAssembly memory,
// however big: counted by that memory's size, never timed), maxJwksBytes
// also binds keys from a function, and inputs at the default limits verify.
// The timings (parse time against size, hostile shapes) are `make bench`'s:
// bench/parse-scaling.mjs and bench/hostile.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { consumerDir } from './support/package.mjs';
import { NOW_MS, asDelivery, generateKeyPair, signRequest, withSignatures } from './support/upvest-signer.mjs';
import { WebhookVerifier, rejectsWithCode, verifyWith } from './support/verify.mjs';

const key = generateKeyPair();
const { jwks } = key;
const good = signRequest({ key });

// The package's WebAssembly memory (the instance its Node entry set up), which never shrinks.
const glue = await import(pathToFileURL(`${realpathSync(`${consumerDir}node_modules/upvest-webhooks`)}/dist/wasm/upvest_webhooks.js`).href);
const { memory } = glue.initSync();

/** Asserts a limit refusal naming `needles`; returns how much the WebAssembly memory grew meanwhile. */
async function limitMessage(delivery, options, ...needles) {
  const before = memory.buffer.byteLength;
  const err = await rejectsWithCode(verifyWith(jwks, delivery, options), 'ERR_LIMIT_EXCEEDED');
  for (const needle of needles) assert.ok(err.message.includes(needle), `message lacks ${needle}: ${err.message}`);
  return memory.buffer.byteLength - before;
}

test('each limit message names the option and the numbers', async () => {
  const headers = (extra) => ({ ...asDelivery(good), headers: { ...good.headers, ...extra } });
  await limitMessage(headers({ 'x-pad': 'a'.repeat(70_000) }), {}, 'limits.maxHeaderBytes', '65536');
  await limitMessage(asDelivery(good), { limits: { maxBodyBytes: 10 } }, 'limits.maxBodyBytes', '10');
  await limitMessage(asDelivery(good), { limits: { maxComponents: 2 } }, 'limits.maxComponents', '2');
  const nine = withSignatures(
    Array.from({ length: 9 }, (_, i) => ({ ...good, input: good.input.replace(/^sig1=/, `s${i}=`), signature: good.signature.replace(/^sig1=/, `s${i}=`) })),
  );
  await limitMessage(nine, {}, 'limits.maxSignatures', '8');
});

test('oversized input is refused before it is copied into WebAssembly: 8 MiB headers, a 64 MiB body, as bytes or a string', async () => {
  const hugeHeader = { ...asDelivery(good), headers: { ...good.headers, 'signature-input': `sig1=(${'"a" '.repeat(2 * 1024 * 1024)})` } };
  const huge = Buffer.alloc(64 * 1024 * 1024, 0x20);
  const grown = [
    await limitMessage(hugeHeader, {}, 'limits.maxHeaderBytes'),
    await limitMessage({ ...asDelivery(good), body: huge }, {}, 'limits.maxBodyBytes'),
    await limitMessage({ ...asDelivery(good), body: huge.toString() }, {}, 'limits.maxBodyBytes'),
    // … and not hashed natively either (the native route has the same limit, checked first).
    await limitMessage({ ...asDelivery(good), body: huge }, { nativeDigestMinBytes: 0 }, 'limits.maxBodyBytes'),
  ];
  assert.deepEqual(grown, [0, 0, 0, 0], 'WebAssembly memory grew while refusing');
  // The positive control: the meter sees a body that is copied in (8 MiB, within a raised limit).
  const before = memory.buffer.byteLength;
  const big = { ...asDelivery(good), body: Buffer.alloc(8 * 1024 * 1024, 0x20) };
  await rejectsWithCode(
    verifyWith(jwks, big, { nativeDigestMinBytes: Number.POSITIVE_INFINITY, limits: { maxBodyBytes: 16 * 1024 * 1024 } }),
    'ERR_CONTENT_LENGTH_MISMATCH',
  );
  assert.ok(memory.buffer.byteLength - before >= 8 * 1024 * 1024, 'an 8 MiB body copied in did not grow the memory');
});

test('limits.maxJwksBytes also binds a JWKS returned as text by a keys function', async () => {
  const padded = JSON.stringify({ ...jwks, padding: 'A'.repeat(2 * 1024 * 1024) });
  const verifier = new WebhookVerifier({ keys: async () => padded, now: () => NOW_MS });
  const err = await rejectsWithCode(verifier.verify(asDelivery(good)), 'ERR_JWKS_FETCH_FAILED');
  assert.match(err.message, /maxJwksBytes/);
});

test('at the default limits, worst-case shapes still verify', async () => {
  // 64 covered components, 8 signatures, ~60 KiB of headers: the most work
  // the defaults allow short of the body.
  const extra = Array.from({ length: 59 }, (_, i) => `x-h-${i}`);
  const extraHeaders = Object.fromEntries(extra.map((name) => [name, 'v'.repeat(900)]));
  const signed = Array.from({ length: 8 }, (_, i) =>
    signRequest({ key, label: `s${i}`, headers: extraHeaders, components: ['@method', '@path', 'content-type', 'content-length', 'digest', ...extra] }),
  );
  const delivery = withSignatures(signed);
  assert.ok((await verifyWith(jwks, delivery)).events);
});
