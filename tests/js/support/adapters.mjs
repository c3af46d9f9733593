// Fixtures of the adapter tests (adapters.test.mjs, adapters-express.test.mjs):
// both entries, a key and signed deliveries from the independent node:crypto
// signer, and small stand-ins (a deferred promise, a Workers-like
// ExecutionContext, an endless body stream).

import { importFromConsumer, pkg } from './package.mjs';
import { NOW_MS, asDelivery, generateKeyPair, makeEvent, payloadBody, signRequest } from './upvest-signer.mjs';

export { pkg };
export const subpath = await importFromConsumer('upvest-webhooks/verifier');
export const ENTRIES = [
  ['upvest-webhooks', pkg],
  ['upvest-webhooks/verifier', subpath],
];
export const ADAPTERS = ['webhookHandler', 'honoWebhook', 'expressWebhook'];

export const key = generateKeyPair({ kid: 'adapters-key' });
export const URL_ = 'https://tenant.example/webhooks/upvest';
export const LIMIT = 4096; // limits.maxBodyBytes of the small verifiers below

export const newVerifier = (entry = pkg, options = {}) => new entry.WebhookVerifier({ keys: key.jwks, now: () => NOW_MS, ...options });

/** A signed delivery of `events` for `url`. */
export function signed(events = [makeEvent(), makeEvent({ type: 'ORDER.FILLED', object: { id: 'order-1', quantity: '2' } })], url = URL_) {
  return { events, delivery: asDelivery(signRequest({ key, url, body: payloadBody(events) })) };
}
export const tampered = (delivery) => ({ ...delivery, body: delivery.body.replace('POSITION.UPDATED', 'POSITION.UPDATEX') });
export const toRequest = ({ method, url, headers, body }, init = {}) => new Request(url, { method, headers, body, ...init });

/** A promise with its resolve function. */
export function deferred() {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A Workers-like ExecutionContext that keeps what it is handed. */
export function executionContext() {
  const promises = [];
  return { promises, waitUntil: (promise) => promises.push(promise), passThroughOnException() {} };
}

/** A stream that yields `chunkSize`-byte chunks forever; `pulled` counts the bytes handed out. */
export function endlessStream(chunkSize = 1024) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream(
    {
      pull(controller) {
        state.pulled += chunkSize;
        controller.enqueue(new Uint8Array(chunkSize).fill(0x20));
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}
