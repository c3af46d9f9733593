// The error contract: classes, names, codes, causes, messages without
// secrets, argument validation, and a verifier that stays healthy after
// many failures.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { consumerDir } from './support/package.mjs';
import { NOW_SECONDS, asDelivery, generateKeyPair, makeEvent, payloadBody, signRequest } from './support/upvest-signer.mjs';
import { ERROR_CODES, UpvestError, WebhookVerificationError, WebhookVerifier, pkg, rejectsWithCode, throwsWithCode, verifierFor } from './support/verify.mjs';

const CONTRACT_CODES = [
  'ERR_SIGNATURE_HEADERS_MISSING',
  'ERR_SIGNATURE_INPUT_MALFORMED',
  'ERR_SIGNATURE_MALFORMED',
  'ERR_SIGNATURE_LABEL_NOT_FOUND',
  'ERR_COMPONENT_MISSING',
  'ERR_COMPONENT_INVALID',
  'ERR_UNSUPPORTED_ALGORITHM',
  'ERR_KEY_NOT_FOUND',
  'ERR_KEY_INVALID',
  'ERR_JWKS_INVALID',
  'ERR_JWKS_FETCH_FAILED',
  'ERR_DIGEST_MISSING',
  'ERR_DIGEST_NOT_COVERED',
  'ERR_DIGEST_MISMATCH',
  'ERR_DIGEST_MALFORMED',
  'ERR_CONTENT_LENGTH_MISMATCH',
  'ERR_SIGNATURE_INVALID',
  'ERR_SIGNATURE_EXPIRED',
  'ERR_SIGNATURE_NOT_YET_VALID',
  'ERR_BODY_NOT_RAW',
  'ERR_PAYLOAD_INVALID',
  'ERR_LIMIT_EXCEEDED',
  'ERR_INVALID_ARGUMENT',
  'ERR_PRIVATE_KEY_INVALID',
  // the API client's codes
  'ERR_VALIDATION',
  'ERR_API_BAD_REQUEST',
  'ERR_API_UNAUTHORIZED',
  'ERR_API_FORBIDDEN',
  'ERR_API_NOT_FOUND',
  'ERR_API_NOT_ACCEPTABLE',
  'ERR_API_RATE_LIMITED',
  'ERR_API_SERVER_ERROR',
  'ERR_API_UNEXPECTED_STATUS',
  'ERR_API_INVALID_RESPONSE',
  'ERR_NETWORK',
  'ERR_TIMEOUT',
];

const key = generateKeyPair();
const { jwks } = key;
const good = signRequest({ key });

describe('exports', () => {
  test('exports the documented names', () => {
    for (const name of ['WebhookVerifier', 'WebhookVerificationError', 'UpvestError', 'generateTestKeyPair', 'signTestDelivery', 'ERROR_CODES']) {
      assert.ok(name in pkg, `missing export ${name}`);
    }
    assert.equal(typeof pkg.WebhookVerifier, 'function');
    assert.equal(typeof pkg.generateTestKeyPair, 'function');
    assert.equal(typeof pkg.signTestDelivery, 'function');
  });

  test('ERROR_CODES lists exactly the documented codes, once each', () => {
    assert.ok(Array.isArray(ERROR_CODES));
    assert.equal(new Set(ERROR_CODES).size, ERROR_CODES.length);
    assert.deepEqual([...ERROR_CODES].sort(), [...CONTRACT_CODES].sort());
  });

  test("ERROR_CODES (JavaScript) equals the Rust core's list, in order", async () => {
    const glue = new URL('node_modules/upvest-webhooks/dist/wasm/upvest_webhooks.js', pathToFileURL(consumerDir));
    const { errorCodes } = await import(glue.href);
    assert.deepEqual([...ERROR_CODES], errorCodes());
  });

  test('WebhookVerificationError extends UpvestError extends Error', () => {
    assert.ok(WebhookVerificationError.prototype instanceof UpvestError);
    assert.ok(UpvestError.prototype instanceof Error);
  });
});

describe('error shape', () => {
  test('a rejection is a WebhookVerificationError with name, code, message and stack', async () => {
    const tampered = { ...asDelivery(good), headers: { ...good.headers, 'content-type': 'text/plain' } };
    const err = await rejectsWithCode(verifierFor(jwks).verify(tampered), 'ERR_SIGNATURE_INVALID');
    assert.ok(err instanceof UpvestError);
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'WebhookVerificationError');
    assert.equal(typeof err.message, 'string');
    assert.ok(err.message.length > 10, 'the message should explain the failure');
    assert.equal(typeof err.stack, 'string');
    assert.ok(ERROR_CODES.includes(err.code));
    assert.match(String(err), /^WebhookVerificationError: /);
  });

  test('messages contain no signature bytes', async () => {
    const other = signRequest({ key: generateKeyPair(), keyid: key.kid });
    const err = await rejectsWithCode(verifierFor(jwks).verify(asDelivery(other)), 'ERR_SIGNATURE_INVALID');
    assert.ok(!err.message.includes(other.signatureB64.slice(0, 24)), 'message leaks the signature');
    const malformed = await rejectsWithCode(
      verifierFor(jwks).verify({ ...asDelivery(good), headers: { ...good.headers, signature: `sig1=:${good.signatureB64.slice(0, 40)}` } }),
      'ERR_SIGNATURE_MALFORMED',
    );
    assert.ok(!malformed.message.includes(good.signatureB64.slice(0, 24)), 'message leaks the signature');
  });

  test('messages contain no public or private key coordinates', async () => {
    const err = await rejectsWithCode(
      verifierFor({ keys: [{ ...key.publicJwk, y: generateKeyPair().publicJwk.y }] }).verify(asDelivery(good)),
      'ERR_KEY_INVALID',
    );
    for (const part of [key.publicJwk.x, key.publicJwk.y]) assert.ok(!err.message.includes(part.slice(0, 16)));
  });

  test('UpvestError can be constructed with a code and a cause', () => {
    const cause = new Error('inner');
    const err = new UpvestError('outer', { code: 'ERR_X', cause });
    assert.equal(err.code, 'ERR_X');
    assert.equal(err.cause, cause);
    assert.equal(err.message, 'outer');
    assert.equal(err.name, 'UpvestError');
  });
});

describe('argument validation', () => {
  const invalidOptions = {
    'no options': undefined,
    'no keys': {},
    'keys as a number': { keys: 42 },
    'keys as null': { keys: null },
    'keys as a string that is not a URL': { keys: 'not a url' },
    'a negative toleranceSeconds': { keys: jwks, toleranceSeconds: -1 },
    'a string toleranceSeconds': { keys: jwks, toleranceSeconds: '300' },
    'a NaN maxAgeSeconds': { keys: jwks, maxAgeSeconds: Number.NaN },
    'a now that is not a function': { keys: jwks, now: 1_700_000_000_000 },
    'a fetch that is not a function': { keys: jwks, fetch: 'fetch' },
    'a negative keysTimeoutMs': { keys: jwks, keysTimeoutMs: -1 },
    'a string keysCooldownMs': { keys: jwks, keysCooldownMs: '30s' },
    'a negative keysMaxAgeMs': { keys: jwks, keysMaxAgeMs: -1 },
    'a label that is not a string': { keys: jwks, label: 1 },
    'limits that are not an object': { keys: jwks, limits: 5 },
    'a negative limit': { keys: jwks, limits: { maxSignatures: -1 } },
  };
  for (const [description, options] of Object.entries(invalidOptions)) {
    test(`the constructor throws ERR_INVALID_ARGUMENT for ${description}`, () => {
      throwsWithCode(() => new WebhookVerifier(options), 'ERR_INVALID_ARGUMENT');
    });
  }

  test('the constructor accepts every documented option', () => {
    const verifier = new WebhookVerifier({
      keys: jwks,
      toleranceSeconds: 60,
      maxAgeSeconds: 120,
      now: Date.now,
      fetch: globalThis.fetch,
      keysTimeoutMs: 1000,
      keysCooldownMs: 1000,
      keysMaxAgeMs: 60_000,
      label: 'sig1',
      limits: { maxSignatures: 2, maxComponents: 10, maxHeaderBytes: 4096, maxBodyBytes: 4096, maxJwksBytes: 4096 },
    });
    assert.equal(typeof verifier.verify, 'function');
    assert.equal(typeof verifier.verifyRequest, 'function');
  });

  const invalidRequests = {
    undefined: undefined,
    'a string': 'POST /hooks',
    'no url': { method: 'POST', headers: good.headers, body: good.body },
    'a url that is neither absolute nor a path': { method: 'POST', url: 'hooks.example.com/x', headers: good.headers, body: good.body },
    'headers as a number': { method: 'POST', url: good.url, headers: 42, body: good.body },
  };
  for (const [description, request] of Object.entries(invalidRequests)) {
    test(`verify() rejects (does not throw) with ERR_INVALID_ARGUMENT for ${description}`, async () => {
      let promise;
      assert.doesNotThrow(() => {
        promise = verifierFor(jwks).verify(request);
      });
      assert.ok(promise instanceof Promise);
      await rejectsWithCode(promise, 'ERR_INVALID_ARGUMENT');
    });
  }

  test('verifyRequest() rejects a value that is not a Request with ERR_INVALID_ARGUMENT', async () => {
    let promise;
    assert.doesNotThrow(() => {
      promise = verifierFor(jwks).verifyRequest(asDelivery(good));
    });
    await rejectsWithCode(promise, 'ERR_INVALID_ARGUMENT');
  });
});

describe('robustness', () => {
  test('still verifies after 200 failures of every kind', async () => {
    const verifier = verifierFor(jwks);
    const body = payloadBody([makeEvent()]);
    const signed = signRequest({ key, body });
    const faults = [
      [{ ...asDelivery(signed), body: body.replace('POSITION', 'POSITIOM') }, 'ERR_DIGEST_MISMATCH'],
      [
        { ...asDelivery(signed), headers: Object.fromEntries(Object.entries(signed.headers).filter(([n]) => n !== 'signature')) },
        'ERR_SIGNATURE_HEADERS_MISSING',
      ],
      [{ ...asDelivery(signed), headers: { ...signed.headers, 'signature-input': 'sig1=(' } }, 'ERR_SIGNATURE_INPUT_MALFORMED'],
      [{ ...asDelivery(signed), url: `${signed.url}/x` }, 'ERR_SIGNATURE_INVALID'],
      [asDelivery(signRequest({ key, body, keyid: 'unknown' })), 'ERR_KEY_NOT_FOUND'],
      [asDelivery(signRequest({ key, body, created: NOW_SECONDS - 1000 })), 'ERR_SIGNATURE_EXPIRED'],
      [asDelivery(signRequest({ key, body: '{"payload":1}' })), 'ERR_PAYLOAD_INVALID'],
      [{ ...asDelivery(signed), body: JSON.parse(body) }, 'ERR_BODY_NOT_RAW'],
      [{ ...asDelivery(signed), headers: { ...signed.headers, 'x-pad': 'a'.repeat(70_000) } }, 'ERR_LIMIT_EXCEEDED'],
      [undefined, 'ERR_INVALID_ARGUMENT'],
    ];
    for (let i = 0; i < 200; i += 1) {
      const [request, code] = faults[i % faults.length];
      await rejectsWithCode(verifier.verify(request), code);
    }
    assert.equal((await verifier.verify(asDelivery(signed))).keyId, key.kid);
  });

  test('gives each of 60 concurrent mixed verifications its own outcome', async () => {
    const verifier = verifierFor(jwks);
    const jobs = Array.from({ length: 60 }, (_, i) => {
      const events = [makeEvent({ id: `event-${i}` })];
      const signed = signRequest({ key, body: payloadBody(events) });
      if (i % 3 === 0) return { request: { ...asDelivery(signed), body: signed.body.replace('event-', 'evenT-') }, code: 'ERR_DIGEST_MISMATCH' };
      return { request: asDelivery(signed), id: `event-${i}` };
    });
    const outcomes = await Promise.allSettled(jobs.map((job) => verifier.verify(job.request)));
    outcomes.forEach((outcome, i) => {
      if (jobs[i].code) assert.equal(outcome.status === 'rejected' && outcome.reason.code, jobs[i].code, `job ${i}`);
      else assert.equal(outcome.status === 'fulfilled' && outcome.value.events[0].id, jobs[i].id, `job ${i}`);
    });
  });

  test('separate verifiers do not share keys', async () => {
    const other = generateKeyPair();
    const first = verifierFor(jwks);
    const second = verifierFor(other.jwks);
    await first.verify(asDelivery(good));
    await rejectsWithCode(second.verify(asDelivery(good)), 'ERR_KEY_NOT_FOUND');
  });
});
