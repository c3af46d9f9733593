// Small shared pieces for the test files: the package's exports, a verifier
// with a fixed clock, and an exact-code rejection assertion.

import assert from 'node:assert/strict';
import { pkg } from './package.mjs';
import { NOW_MS } from './upvest-signer.mjs';

export { pkg };
export const { WebhookVerifier, WebhookVerificationError, UpvestError, ERROR_CODES, generateTestKeyPair, signTestDelivery } = pkg;

/** A verifier whose clock is fixed at NOW_MS unless `options.now` says otherwise. */
export function verifierFor(keys, options = {}) {
  return new WebhookVerifier({ keys, now: () => NOW_MS, ...options });
}

/**
 * Builds a verifier and verifies one delivery. Async, so a constructor that
 * throws becomes a rejection like any other.
 */
export async function verifyWith(keys, delivery, options = {}) {
  return verifierFor(keys, options).verify(delivery);
}

/** Asserts that `promise` rejects with a WebhookVerificationError of exactly `code`; returns the error. */
export async function rejectsWithCode(promise, code) {
  let caught;
  await assert.rejects(promise, (err) => {
    caught = err;
    return true;
  });
  assertVerificationError(caught, code);
  return caught;
}

/** Asserts that `fn()` throws synchronously with exactly `code`; returns the error. */
export function throwsWithCode(fn, code, ErrorClass = UpvestError) {
  let caught;
  assert.throws(fn, (err) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof ErrorClass, `expected ${ErrorClass.name}, got ${caught?.name}: ${caught?.message}`);
  assert.equal(caught.code, code, `wrong code; message: ${caught.message}`);
  return caught;
}

export function assertVerificationError(err, code) {
  assert.ok(err instanceof WebhookVerificationError, `expected WebhookVerificationError, got ${err?.name}: ${err?.message}`);
  assert.equal(err.code, code, `wrong code; message: ${err.message}`);
}

/** A clock (for the `now` option) that the test moves by hand; starts at NOW_MS. */
export function manualClock(start = NOW_MS) {
  let ms = start;
  return { now: () => ms, advance: (deltaMs) => (ms += deltaMs), seconds: () => Math.floor(ms / 1000) };
}

/**
 * `promise`'s outcome, `{ status: 'fulfilled', value }` or `{ status: 'rejected', reason }`,
 * or `{ status: 'unsettled' }` if it has not settled by a generous deadline (not a timing assertion).
 */
export async function settleWithin(promise, deadlineMs = 60_000) {
  let timer;
  const deadline = new Promise((resolve) => (timer = setTimeout(() => resolve({ status: 'unsettled' }), deadlineMs)));
  try {
    return await Promise.race([
      promise.then(
        (value) => ({ status: 'fulfilled', value }),
        (reason) => ({ status: 'rejected', reason }),
      ),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
