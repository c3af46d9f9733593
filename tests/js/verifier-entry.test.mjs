// `upvest-webhooks/verifier`: the verifier alone, on its own WebAssembly
// module. It verifies what the main entry verifies, throws the same error
// classes, leaves out the API client and the test signer, and, like the main
// entry, checks a key's first signatures with WebCrypto
// (`crypto.subtle.verify`) until the key's tables are built, unless
// `webCrypto: false`. Deliveries come from the independent node:crypto signer.

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { consumerDir, importFromConsumer, pkg, resolveFromConsumer } from './support/package.mjs';
import { NOW_MS, asDelivery, generateKeyPair, makeEvent, payloadBody, signRequest } from './support/upvest-signer.mjs';
import { VERIFIER_ENTRY_EXPORTS } from '../support/entries.mjs';

const subpath = await importFromConsumer('upvest-webhooks/verifier');

/** Both entries, for the checks that hold for each. */
const ENTRIES = [
  ['upvest-webhooks', pkg],
  ['upvest-webhooks/verifier', subpath],
];

/** A fresh key and a delivery it signed (v6, DER, at NOW_MS), with its events. */
function signed(events = [makeEvent(), makeEvent({ type: 'ORDER.FILLED', object: { id: 'order-1', quantity: '2' } })]) {
  const key = generateKeyPair();
  return { key, events, delivery: asDelivery(signRequest({ key, body: payloadBody(events) })) };
}

/** The same body with one character changed, so the digest no longer matches. */
function tamperedBody(delivery) {
  const body = delivery.body.replace('POSITION.UPDATED', 'POSITION.UPDATEX');
  assert.notEqual(body, delivery.body);
  return { ...delivery, body };
}

/** The same delivery whose signature's last byte (in `s`, so still valid DER) is flipped. */
function alteredSignature(delivery) {
  const [, label, b64] = /^([^=]+)=:([^:]+):$/.exec(delivery.headers.signature);
  const bytes = Buffer.from(b64, 'base64');
  bytes[bytes.length - 1] ^= 0x01;
  return { ...delivery, headers: { ...delivery.headers, signature: `${label}=:${bytes.toString('base64')}:` } };
}

/** Awaits `promise`, which must reject with a WebhookVerificationError of `code` (of both entries); returns the error. */
async function rejectsWith(promise, code) {
  let caught;
  await assert.rejects(promise, (err) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof pkg.WebhookVerificationError, `expected WebhookVerificationError, got ${caught?.name}: ${caught?.message}`);
  assert.ok(caught instanceof subpath.WebhookVerificationError, "not an instance of the subpath's WebhookVerificationError");
  assert.equal(caught.code, code, `wrong code; message: ${caught.message}`);
  return caught;
}

// ---------------------------------------------------------------------------
// A counting stand-in for crypto.subtle.verify

const { subtle } = globalThis.crypto;
const ORIGINAL_VERIFY = subtle.verify;

/**
 * Runs `fn(spy)` with `crypto.subtle.verify` replaced: each call counts in
 * `spy.calls`, and `answer(real)` gives its result (`real()` calls the real
 * method). The real method is back afterwards, whatever happens.
 */
async function withSubtleVerify(answer, fn) {
  const spy = { calls: 0 };
  subtle.verify = function verify(...args) {
    spy.calls += 1;
    return answer(() => ORIGINAL_VERIFY.apply(this, args));
  };
  try {
    return await fn(spy);
  } finally {
    delete subtle.verify; // the real one lives on SubtleCrypto.prototype
  }
}

const passThrough = (real) => real();

afterEach(() => {
  assert.equal(subtle.verify, ORIGINAL_VERIFY, 'crypto.subtle.verify was not restored');
});

// ---------------------------------------------------------------------------

describe('upvest-webhooks/verifier: what it exports', () => {
  test('resolves by name to its own `node` entry', () => {
    assert.match(resolveFromConsumer('upvest-webhooks/verifier'), /node_modules\/upvest-webhooks\/dist\/verifier\/node\.js$/);
    assert.match(resolveFromConsumer('upvest-webhooks'), /node_modules\/upvest-webhooks\/dist\/node\.js$/);
  });

  test('exports the verifier, inspectDelivery, the error classes and the event helpers, and nothing of the client or the test signer', () => {
    assert.deepEqual(Object.keys(subpath).sort(), VERIFIER_ENTRY_EXPORTS);
    for (const name of ['UpvestClient', 'signTestDelivery', 'generateTestKeyPair']) {
      assert.ok(!(name in subpath), `upvest-webhooks/verifier exports ${name}`);
      assert.equal(typeof pkg[name], 'function', `the main entry lacks ${name}`);
    }
  });

  test('shares the error classes and ERROR_CODES with the main entry (the same objects, so instanceof works across them)', () => {
    for (const name of ['UpvestError', 'WebhookVerificationError', 'UpvestApiError', 'UpvestValidationError', 'ERROR_CODES']) {
      assert.equal(subpath[name], pkg[name], `${name} differs between the two entries`);
    }
  });

  test('on and isEventType behave the same in both entries (each Node entry is one bundle: the same code, not the same function)', async () => {
    for (const entry of [pkg, subpath]) {
      assert.equal(entry.isEventType({ type: 'ORDER.FILLED' }, 'ORDER.FILLED'), true);
      assert.equal(entry.isEventType({ type: 'ORDER.FILLED' }, 'ORDER.CANCELLED'), false);
      const seen = [];
      const events = [
        { id: 'e1', type: 'ORDER.FILLED' },
        { id: 'e2', type: 'ORDER.CANCELLED' },
      ];
      assert.equal(await entry.on(events, 'ORDER.FILLED', (event) => seen.push(event.id)), 1);
      assert.deepEqual(seen, ['e1']);
      await assert.rejects(
        entry.on(events, 42, () => {}),
        (err) => err instanceof pkg.UpvestError && err.code === 'ERR_INVALID_ARGUMENT',
      );
    }
  });

  test('has its own WebAssembly module, whose error codes are ERROR_CODES', async () => {
    assert.notEqual(subpath.WebhookVerifier, pkg.WebhookVerifier);
    const glue = new URL('node_modules/upvest-webhooks/dist/verifier/upvest_webhooks_verifier.js', pathToFileURL(consumerDir));
    const { errorCodes, WebhookVerifier } = await import(glue.href);
    assert.equal(WebhookVerifier, subpath.WebhookVerifier, "the subpath does not export the verifier glue's class");
    assert.deepEqual(errorCodes(), [...subpath.ERROR_CODES]);
  });

  test('inspectDelivery explains a valid and a tampered delivery', () => {
    const { key, delivery } = signed();
    const ok = subpath.inspectDelivery(delivery, { keys: key.jwks, now: () => NOW_MS });
    assert.equal(ok.ok, true, JSON.stringify(ok));
    assert.equal(ok.signatures[0].keyid, key.kid);
    const bad = subpath.inspectDelivery(tamperedBody(delivery), { keys: key.jwks, now: () => NOW_MS });
    assert.equal(bad.ok, false);
    assert.equal(bad.code, 'ERR_DIGEST_MISMATCH');
  });

  test('on and isEventType dispatch the events it verified', async () => {
    const { key, events, delivery } = signed();
    const verified = await new subpath.WebhookVerifier({ keys: key.jwks, now: () => NOW_MS }).verify(delivery);
    const seen = [];
    assert.equal(await subpath.on(verified.events, 'ORDER', (event) => seen.push(event.id)), 1);
    assert.deepEqual(seen, [events[1].id]);
    assert.deepEqual(
      verified.events.filter((e) => subpath.isEventType(e, 'POSITION.UPDATED')).map((e) => e.id),
      [events[0].id],
    );
  });
});

for (const [name, entry] of ENTRIES) {
  describe(`${name}: verification`, () => {
    const verifierFor = (keys, options = {}) => new entry.WebhookVerifier({ keys, now: () => NOW_MS, ...options });

    test('verifies a delivery signed by the independent node:crypto signer', async () => {
      const { key, events, delivery } = signed();
      const verified = await verifierFor(key.jwks).verify(delivery);
      assert.deepEqual(verified.events, events);
      assert.equal(verified.keyId, key.kid);
      assert.equal(verified.signatureVersion, 6);
      assert.equal(verified.signatureEncoding, 'der');
    });

    test("rejects a tampered body with ERR_DIGEST_MISMATCH, an error of both entries' classes", async () => {
      const { key, delivery } = signed();
      const verifier = verifierFor(key.jwks);
      await verifier.verify(delivery); // the positive control
      const err = await rejectsWith(verifier.verify(tamperedBody(delivery)), 'ERR_DIGEST_MISMATCH');
      assert.ok(err instanceof pkg.UpvestError && err instanceof subpath.UpvestError);
      assert.equal(err.name, 'WebhookVerificationError');
    });

    test("a bad option throws ERR_INVALID_ARGUMENT, an error of both entries' classes", () => {
      for (const options of [{}, { keys: { keys: [] }, webCrypto: 'yes' }]) {
        let caught;
        assert.throws(
          () => new entry.WebhookVerifier(options),
          (err) => {
            caught = err;
            return true;
          },
        );
        assert.ok(caught instanceof pkg.WebhookVerificationError && caught instanceof subpath.WebhookVerificationError, `${caught?.name}: ${caught?.message}`);
        assert.equal(caught.code, 'ERR_INVALID_ARGUMENT');
      }
    });

    test('keys from a URL through a custom fetch: it gets a GET Request alone; a value that is not a Response, or an endless body, is ERR_JWKS_FETCH_FAILED', async () => {
      const { key, delivery } = signed();
      const calls = [];
      const verifierAnswering = (answer) =>
        verifierFor('https://keys.example/jwks', {
          limits: { maxJwksBytes: 64 * 1024 },
          fetch: async (...args) => {
            calls.push(args);
            return answer();
          },
        });
      assert.equal((await verifierAnswering(() => new Response(JSON.stringify(key.jwks))).verify(delivery)).keyId, key.kid);
      assert.equal(calls.length, 1);
      assert.equal(calls[0].length, 1, 'fetch is called with the built Request alone');
      const [request] = calls[0];
      assert.ok(request instanceof Request);
      assert.equal(request.url, 'https://keys.example/jwks');
      assert.equal(request.method, 'GET');
      assert.equal(request.headers.get('accept'), 'application/json');
      assert.ok(request.signal instanceof AbortSignal);

      const notResponse = { status: 200, headers: new Headers(), arrayBuffer: async () => new ArrayBuffer(2) };
      let err = await rejectsWith(verifierAnswering(() => notResponse).verify(delivery), 'ERR_JWKS_FETCH_FAILED');
      assert.match(err.message, /the fetch function gave no Response/);
      assert.equal(err.cause, notResponse);

      let cancelled = false;
      const endless = () =>
        new Response(
          new ReadableStream({
            pull: (controller) => controller.enqueue(new Uint8Array(16 * 1024)),
            cancel: () => {
              cancelled = true;
            },
          }),
        );
      err = await rejectsWith(verifierAnswering(endless).verify(delivery), 'ERR_JWKS_FETCH_FAILED');
      assert.match(err.message, /limits\.maxJwksBytes \(65536\)/);
      assert.equal(cancelled, true, 'the endless body is cancelled');
    });

    test('webCrypto: false verifies, and rejects a tampered body and an altered signature', async () => {
      const { key, events, delivery } = signed();
      const verifier = verifierFor(key.jwks, { webCrypto: false });
      assert.deepEqual((await verifier.verify(delivery)).events, events);
      await rejectsWith(verifier.verify(tamperedBody(delivery)), 'ERR_DIGEST_MISMATCH');
      await rejectsWith(verifier.verify(alteredSignature(delivery)), 'ERR_SIGNATURE_INVALID');
    });
  });

  describe(`${name}: WebCrypto for a key's first verifications`, () => {
    const verifierFor = (keys, options = {}) => new entry.WebhookVerifier({ keys, now: () => NOW_MS, ...options });

    test('a fresh verifier calls crypto.subtle.verify on its first verification; the WebAssembly path takes over later', async (t) => {
      const { key, delivery } = signed();
      const verifier = verifierFor(key.jwks);
      await withSubtleVerify(passThrough, async (spy) => {
        const perVerification = [];
        while (perVerification.length < 100 && perVerification.at(-1) !== 0) {
          const before = spy.calls;
          assert.equal((await verifier.verify(delivery)).keyId, key.kid);
          perVerification.push(spy.calls - before);
        }
        t.diagnostic(`crypto.subtle.verify calls per verification: ${perVerification.join(' ')}`);
        assert.ok(perVerification[0] >= 1, 'the first verification did not go to WebCrypto');
        assert.equal(perVerification.at(-1), 0, 'WebCrypto was still used after 100 verifications of one key');
        // once taken over, it stays with the WebAssembly path
        for (let i = 0; i < 3; i += 1) await verifier.verify(delivery);
        const calls = spy.calls;
        await verifier.verify(delivery);
        assert.equal(spy.calls, calls);
      });
    });

    test('webCrypto: false never calls crypto.subtle.verify', async () => {
      const { key, delivery } = signed();
      const verifier = verifierFor(key.jwks, { webCrypto: false });
      await withSubtleVerify(passThrough, async (spy) => {
        for (let i = 0; i < 3; i += 1) assert.equal((await verifier.verify(delivery)).keyId, key.kid);
        await rejectsWith(verifier.verify(alteredSignature(delivery)), 'ERR_SIGNATURE_INVALID');
        assert.equal(spy.calls, 0);
      });
    });

    test('when crypto.subtle.verify throws or rejects, the WebAssembly path verifies instead (and still rejects a bad signature)', async () => {
      const failures = {
        throws: () => {
          throw new Error('no P-521 here');
        },
        rejects: () => Promise.reject(new DOMException('not supported', 'NotSupportedError')),
      };
      for (const [how, answer] of Object.entries(failures)) {
        const { key, events, delivery } = signed();
        const verifier = verifierFor(key.jwks);
        await withSubtleVerify(answer, async (spy) => {
          assert.deepEqual((await verifier.verify(delivery)).events, events, `subtle.verify ${how}`);
          assert.ok(spy.calls >= 1, `subtle.verify (${how}) was not tried`);
          // a failed WebCrypto is not asked again by this verifier
          const calls = spy.calls;
          await rejectsWith(verifier.verify(alteredSignature(delivery)), 'ERR_SIGNATURE_INVALID');
          assert.deepEqual((await verifier.verify(delivery)).events, events);
          assert.equal(spy.calls, calls, `subtle.verify (${how}) was asked again after it failed`);
        });
      }
    });

    test("an altered signature is rejected by WebCrypto's answer (subtle.verify reports false)", async () => {
      const { key, delivery } = signed();
      const verifier = verifierFor(key.jwks);
      const answers = [];
      await withSubtleVerify(
        async (real) => {
          const valid = await real();
          answers.push(valid);
          return valid;
        },
        async () => {
          await rejectsWith(verifier.verify(alteredSignature(delivery)), 'ERR_SIGNATURE_INVALID');
        },
      );
      assert.ok(answers.length >= 1, 'WebCrypto was not asked');
      assert.ok(
        answers.every((valid) => valid === false),
        `subtle.verify answered ${answers}`,
      );
    });

    test("WebCrypto's false stands: a valid delivery is rejected when subtle.verify says no", async () => {
      const { key, events, delivery } = signed();
      const verifier = verifierFor(key.jwks);
      await withSubtleVerify(
        async () => false,
        async (spy) => {
          await rejectsWith(verifier.verify(delivery), 'ERR_SIGNATURE_INVALID');
          assert.ok(spy.calls >= 1);
        },
      );
      // with the real WebCrypto back, the same verifier accepts it
      assert.deepEqual((await verifier.verify(delivery)).events, events);
    });
  });
}

// ---------------------------------------------------------------------------
// warmUp(): what the workerd entries run at script start (not exported by the
// package; called through each module's glue).

for (const [name, gluePath] of [
  ['upvest-webhooks/verifier', 'node_modules/upvest-webhooks/dist/verifier/upvest_webhooks_verifier.js'],
  ['upvest-webhooks', 'node_modules/upvest-webhooks/dist/wasm/upvest_webhooks.js'],
]) {
  describe(`${name}: warmUp()`, () => {
    const glue = () => import(new URL(gluePath, pathToFileURL(consumerDir)).href);

    test('verifies its embedded delivery through WebCrypto and resolves to true', async () => {
      const { warmUp } = await glue();
      await withSubtleVerify(passThrough, async (spy) => {
        assert.equal(await warmUp(), true);
        assert.ok(spy.calls >= 1, 'the warm-up did not check its signature with WebCrypto');
      });
    });

    test('without a working WebCrypto it runs no WebAssembly ECDSA: it resolves to false (a rejection), never throws', async () => {
      const { warmUp } = await glue();
      const failures = [
        () => {
          throw new Error('no P-521 here');
        },
        () => Promise.reject(new DOMException('not supported', 'NotSupportedError')),
        async () => false,
      ];
      for (const answer of failures) {
        await withSubtleVerify(answer, async (spy) => {
          assert.equal(await warmUp(), false);
          assert.ok(spy.calls >= 1);
        });
      }
    });
  });
}
