// Bounds, beyond the accept/reject pairs of rejections.test.mjs: each limit's
// message names its option and the numbers, limits are checked before the
// expensive work (a refused request is fast however big), maxJwksBytes also
// binds keys from a function, and inputs at the default limits stay fast.
// The parse-time scaling table is bench/parse-scaling.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NOW_MS, asDelivery, generateKeyPair, signRequest, withSignatures } from './support/upvest-signer.mjs';
import { WebhookVerifier, rejectsWithCode, verifyWith } from './support/verify.mjs';

const key = generateKeyPair();
const { jwks } = key;
const good = signRequest({ key });

async function limitMessage(delivery, options, ...needles) {
  const started = performance.now();
  const err = await rejectsWithCode(verifyWith(jwks, delivery, options), 'ERR_LIMIT_EXCEEDED');
  const ms = performance.now() - started;
  for (const needle of needles) assert.ok(err.message.includes(needle), `message lacks ${needle}: ${err.message}`);
  return ms;
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

test('oversized input is refused before it is parsed: 8 MiB headers and a 64 MiB body are fast', async () => {
  const hugeHeader = await limitMessage(
    { ...asDelivery(good), headers: { ...good.headers, 'signature-input': `sig1=(${'"a" '.repeat(2 * 1024 * 1024)})` } },
    {},
    'limits.maxHeaderBytes',
  );
  const hugeBody = await limitMessage({ ...asDelivery(good), body: Buffer.alloc(64 * 1024 * 1024, 0x20) }, {}, 'limits.maxBodyBytes');
  assert.ok(hugeHeader < 2_000, `8 MiB header took ${hugeHeader} ms`);
  assert.ok(hugeBody < 2_000, `64 MiB body took ${hugeBody} ms`);
});

test('limits.maxJwksBytes also binds a JWKS returned as text by a keys function', async () => {
  const padded = JSON.stringify({ ...jwks, padding: 'A'.repeat(2 * 1024 * 1024) });
  const verifier = new WebhookVerifier({ keys: async () => padded, now: () => NOW_MS });
  const err = await rejectsWithCode(verifier.verify(asDelivery(good)), 'ERR_JWKS_FETCH_FAILED');
  assert.match(err.message, /maxJwksBytes/);
});

test('at the default limits, worst-case shapes still verify quickly', async () => {
  // 64 covered components, 8 signatures, ~60 KiB of headers: the most work
  // the defaults allow short of the body.
  const extra = Array.from({ length: 59 }, (_, i) => `x-h-${i}`);
  const extraHeaders = Object.fromEntries(extra.map((name) => [name, 'v'.repeat(900)]));
  const signed = Array.from({ length: 8 }, (_, i) =>
    signRequest({ key, label: `s${i}`, headers: extraHeaders, components: ['@method', '@path', 'content-type', 'content-length', 'digest', ...extra] }),
  );
  const delivery = withSignatures(signed);
  const started = performance.now();
  for (let i = 0; i < 20; i++) await verifyWith(jwks, delivery);
  const perVerify = (performance.now() - started) / 20;
  assert.ok(perVerify < 250, `${perVerify} ms per worst-case verification`);
});
