// Security round 2 (issue 11), findings 1, 2 and 5, through the installed
// package's two entries. Deliveries come from the independent node:crypto
// signer. Findings 3, 4 and 6 have their own files (body-limit,
// remote-keys, the Workers suite); the classes of each finding also have
// generators in support/mutations.mjs, tests/replay.rs and the fuzz targets.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { importFromConsumer, pkg } from './support/package.mjs';
import { NOW_MS, NOW_SECONDS, asDelivery, digestValue, generateKeyPair, makeEvent, payloadBody, signRequest } from './support/upvest-signer.mjs';
import { assertVerificationError } from './support/verify.mjs';

const subpath = await importFromConsumer('upvest-webhooks/verifier');
const ENTRIES = [
  ['upvest-webhooks', pkg],
  ['upvest-webhooks/verifier', subpath],
];
const OPTIONS = [
  ['defaults', {}],
  ['label: sig1', { label: 'sig1' }],
  ['webCrypto: false', { webCrypto: false }],
];
const FORMS = [
  ['v6', { form: 'v6', digest: 'sha-256' }],
  ['v15', { form: 'v15', digest: 'content-sha-512', versionHeader: 15 }],
];

/** A delivery signed an hour before NOW (so expired), and the times moved to NOW. */
function expiredDelivery(form, withExpires) {
  const key = generateKeyPair({ kid: 'key-1' });
  const created = NOW_SECONDS - 3600;
  const signed = signRequest({ key, ...form, created, expires: withExpires ? created + 60 : null, body: payloadBody([makeEvent()]) });
  const genuine = signed.paramsText;
  const moved = genuine.replace(/created=\d+/, `created=${NOW_SECONDS}`).replace(/expires=\d+/, `expires=${NOW_SECONDS + 60}`);
  assert.notEqual(moved, genuine);
  const withInput = (text) => ({ ...asDelivery(signed), headers: { ...signed.headers, 'signature-input': text } });
  return { key, delivery: asDelivery(signed), genuine, moved, withInput };
}

/** The reproducer of the report and the variants it names. */
function replays({ genuine, moved }) {
  return [
    ['as reported', `sig1=${genuine}, a=("@method");keyid="x";created=${NOW_SECONDS};p=%"\\", sig1=${moved}`],
    ['as a member value', `sig1=${genuine}, a=%"\\", sig1=${moved}`],
    ['first among the parameters', `sig1=${genuine}, a=("@method");p=%"\\";keyid="x";created=${NOW_SECONDS}, sig1=${moved}`],
    ['beside a date', `sig1=${genuine}, d=@${NOW_SECONDS}, a=%"\\", sig1=${moved}`],
    ['plain repetition', `sig1=${genuine}, sig1=${moved}`],
  ];
}

describe('finding 1: an expired delivery cannot be replayed by rewriting Signature-Input', () => {
  for (const [entry, mod] of ENTRIES) {
    for (const [formName, form] of FORMS) {
      for (const withExpires of [true, false]) {
        test(`${entry}, ${formName}, ${withExpires ? 'with' : 'without'} expires`, async () => {
          const d = expiredDelivery(form, withExpires);
          for (const [optionName, options] of OPTIONS) {
            const verifier = new mod.WebhookVerifier({ keys: d.key.jwks, now: () => NOW_MS, ...options });
            // The genuine delivery stays expired …
            await assert.rejects(verifier.verify(d.delivery), (err) => {
              assertVerificationError(err, 'ERR_SIGNATURE_EXPIRED');
              return true;
            });
            // … and verifies at the time it was sent (the fixture is sound).
            const then = new mod.WebhookVerifier({ keys: d.key.jwks, now: () => (NOW_SECONDS - 3599) * 1000, ...options });
            await then.verify(d.delivery);
            for (const [variant, header] of replays(d)) {
              await assert.rejects(
                verifier.verify(d.withInput(header)),
                (err) => {
                  assertVerificationError(err, 'ERR_SIGNATURE_INPUT_MALFORMED');
                  return true;
                },
                `${optionName}: ${variant}`,
              );
              const report = mod.inspectDelivery(d.withInput(header), { keys: d.key.jwks, now: () => NOW_MS, ...options });
              assert.equal(report.ok, false, `inspectDelivery, ${optionName}: ${variant}`);
              assert.equal(report.code, 'ERR_SIGNATURE_INPUT_MALFORMED');
            }
          }
        });
      }
    }
  }

  test('a label repeated in Signature is malformed', async () => {
    const key = generateKeyPair();
    const signed = signRequest({ key });
    const delivery = { ...asDelivery(signed), headers: { ...signed.headers, signature: `${signed.headers.signature}, ${signed.headers.signature}` } };
    for (const [, mod] of ENTRIES) {
      await assert.rejects(new mod.WebhookVerifier({ keys: key.jwks, now: () => NOW_MS }).verify(delivery), (err) => {
        assertVerificationError(err, 'ERR_SIGNATURE_MALFORMED');
        return true;
      });
    }
  });
});

describe('finding 2: digest amplification', () => {
  // 8 MiB, the right digest 250 times, 8 junk signatures covering it: 0.1.0
  // hashed the body 2,000 times (about 100 s in Node) before any key lookup.
  // The time itself is measured by `make bench` (hostile vs normal, a ratio);
  // here: the verdicts, and that the promise settles.
  const body = Buffer.alloc(8 * 1024 * 1024 - 1024, 0x20);
  body.write('{"payload":[]}');
  const junk = Buffer.alloc(132, 1).toString('base64');
  const inputs = Array.from({ length: 8 }, (_, i) => `s${i}=("digest" "content-length");keyid="k${i}";created=${NOW_SECONDS}`).join(', ');
  const signatures = Array.from({ length: 8 }, (_, i) => `s${i}=:${junk}:`).join(', ');
  const hostile = (digest) => ({
    method: 'POST',
    url: 'https://hooks.example.com/upvest/webhooks',
    headers: { 'content-type': 'application/json', 'content-length': String(body.length), digest, 'signature-input': inputs, signature: signatures },
    body,
  });
  const right = digestValue(body, 'sha-256');

  for (const [entry, mod] of ENTRIES) {
    test(`${entry}: a repeated digest algorithm is refused before any hashing`, async () => {
      const verifier = new mod.WebhookVerifier({ keys: generateKeyPair().jwks, now: () => NOW_MS });
      await assert.rejects(verifier.verify(hostile(Array(250).fill(right).join(', '))), (err) => {
        assertVerificationError(err, 'ERR_DIGEST_MALFORMED');
        return true;
      });
    });

    test(`${entry}: 250 distinct entries and 8 signatures: one pass, then no key`, async () => {
      const verifier = new mod.WebhookVerifier({ keys: generateKeyPair().jwks, now: () => NOW_MS });
      const entries = [...Array.from({ length: 250 }, (_, i) => `x-${i}=AAAA`), right].join(', ');
      await assert.rejects(verifier.verify(hostile(entries)), (err) => {
        assertVerificationError(err, 'ERR_KEY_NOT_FOUND');
        return true;
      });
    });
  }
});

describe('finding 5: a signed body that is not UTF-8', () => {
  for (const [entry, mod] of ENTRIES) {
    test(`${entry}: is ERR_PAYLOAD_INVALID wherever the bad bytes are; a success always has an events array`, async () => {
      const key = generateKeyPair();
      const verifier = new mod.WebhookVerifier({ keys: key.jwks, now: () => NOW_MS });
      const text = payloadBody([makeEvent({ object: { note: 'ABCDEFGH' } })]);
      const good = await verifier.verify(asDelivery(signRequest({ key, body: text })));
      assert.ok(Array.isArray(good.events) && good.events.length === 1);
      // Invalid sequences inside `object` (which the shape check skips),
      // inside other strings, and between tokens.
      const places = [text.indexOf('ABCD') + 2, text.indexOf('"type"') + 2, text.indexOf('"payload"') + 3, text.indexOf(',') + 1];
      for (const at of places) {
        for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80]]) {
          const bytes = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bad), Buffer.from(text.slice(at))]);
          const delivery = asDelivery(signRequest({ key, body: bytes }));
          await assert.rejects(
            verifier.verify(delivery),
            (err) => {
              assertVerificationError(err, 'ERR_PAYLOAD_INVALID');
              return true;
            },
            `byte ${at}: ${Buffer.from(bad).toString('hex')}`,
          );
        }
      }
    });
  }
});
