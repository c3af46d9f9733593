// Shared helpers of the API client tests: the package under test, a client
// wired to a fake server, log queries and assertions.

import assert from 'node:assert/strict';
import { after, before, beforeEach } from 'node:test';
import { inspect } from 'node:util';
import { pkg } from '../support/package.mjs';
import { startFakeUpvest } from '../support/fake-upvest.mjs';

export { pkg };
export const { UpvestClient, UpvestApiError, UpvestValidationError, UpvestError, WebhookVerifier, WebhookVerificationError } = pkg;

export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Retry and timeout knobs small enough for tests. */
export const FAST = Object.freeze({ retryBaseDelayMs: 5, retryMaxDelayMs: 100, timeoutMs: 2000 });

/** The client options for a fake server's tenant. */
export function clientOptions(fake, overrides = {}) {
  return {
    baseUrl: fake.baseUrl,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    keyId: fake.keyId,
    privateKey: fake.privateKeyPem,
    ...FAST,
    ...overrides,
  };
}

export function clientFor(fake, overrides) {
  return new UpvestClient(clientOptions(fake, overrides));
}

/** Starts a fake server and a client for it; `close()` stops the server. */
/**
 * The fake Upvest server of the enclosing describe(): started before its tests
 * (then `onStart(fake)` runs, to keep it and make clients), closed after them,
 * its faults and request log cleared before each test.
 */
export function useFakeUpvest(onStart, fakeOptions = {}) {
  let fake = null;
  before(async () => {
    fake = await startFakeUpvest(fakeOptions);
    await onStart(fake);
  });
  after(() => fake?.close());
  beforeEach(() => {
    fake.clearFaults();
    fake.clearLog();
  });
}

export async function setup(fakeOptions = {}, clientOverrides = {}) {
  const fake = await startFakeUpvest(fakeOptions);
  const client = clientFor(fake, clientOverrides);
  return { fake, client, close: () => fake.close() };
}

export const sample = (n = '') => ({
  title: `Orders ${n}`.trim(),
  url: `https://hooks.example.com/upvest/${n || 'orders'}`,
  type: ['ORDER'],
  config: { delay: '5s', max_package_size: 10240 },
});

/** Awaits a promise expected to reject, and returns the rejection. */
export async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected a rejection, but the promise resolved');
}

/** Calls `fn` expecting a synchronous throw or a rejection; returns the error. */
export async function failure(fn) {
  let result;
  try {
    result = fn();
  } catch (err) {
    return err;
  }
  return rejection(result);
}

/** The covered component names of a log entry, from its parsed signature-input. */
export const covered = (entry) => entry.signature?.components ?? [];

/** Asserts every request the fake received carried a valid signature. */
export function assertAllVerified(fake, entries = fake.requests) {
  for (const entry of entries) {
    assert.equal(entry.signature?.verified, true, `${entry.method} ${entry.url}: signature not verified (${entry.signature?.error ?? 'no signature info'})`);
  }
}

/** Log entries of one method and path (string or RegExp). */
export function entriesFor(fake, method, path) {
  return fake.requests.filter((r) => r.method === method && (path instanceof RegExp ? path.test(r.path) : r.path === path));
}

/**
 * Asserts that no secret string appears in the error's message, stack,
 * String(), JSON.stringify or util.inspect (cause chain included).
 */
export function assertNoSecrets(err, secrets) {
  const views = {
    message: String(err?.message),
    stack: String(err?.stack),
    string: String(err),
    json: safeJson(err),
    inspect: inspect(err, { depth: 8, showHidden: false }),
  };
  for (const secret of secrets.filter((s) => typeof s === 'string' && s.length >= 8)) {
    for (const [view, text] of Object.entries(views)) {
      assert.ok(!text.includes(secret), `the error's ${view} contains a secret (${secret.slice(0, 6)}…): ${text.slice(0, 300)}`);
    }
  }
}

function safeJson(value) {
  const out = [];
  for (const replacer of [undefined, Object.getOwnPropertyNames(Object(value ?? {}))]) {
    try {
      out.push(JSON.stringify(value, replacer));
    } catch {
      // circular: the other view still counts
    }
  }
  return out.join('\n');
}

/** Waits `ms` milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn`, waits `settleMs`, and fails if any promise rejection went
 * unhandled meanwhile (in plain Node such a rejection kills the process).
 */
export async function withoutUnhandledRejections(fn, settleMs = 100) {
  const seen = [];
  const onRejection = (reason) => seen.push(reason);
  process.on('unhandledRejection', onRejection);
  try {
    await fn();
    await sleep(settleMs);
  } finally {
    process.off('unhandledRejection', onRejection);
  }
  assert.equal(seen.length, 0, `unhandled rejections (these crash a Node process by default): ${seen.map((r) => `${r?.name}: ${r?.message}`).join('; ')}`);
}
