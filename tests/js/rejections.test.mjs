// Every way a delivery is rejected, with the exact code, each beside a
// positive control that differs only in the fault.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NOW_SECONDS,
  asDelivery,
  contentDigestValue,
  digestValue,
  generateKeyPair,
  makeEvent,
  payloadBody,
  signRequest,
  withSignatures,
} from './support/upvest-signer.mjs';
import { rejectsWithCode, verifyWith } from './support/verify.mjs';

const key = generateKeyPair();
const { jwks } = key;
const body = payloadBody([makeEvent()]);
const good = signRequest({ key, body });

/** The good delivery with some headers replaced (undefined removes one). */
function withHeaders(signed, changes) {
  const headers = { ...signed.headers };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return { ...asDelivery(signed), headers };
}

test('positive control: the unaltered delivery verifies', async () => {
  const result = await verifyWith(jwks, asDelivery(good));
  assert.equal(result.events.length, 1);
});

describe('signature headers', () => {
  test('rejects a request without a Signature header', async () => {
    await rejectsWithCode(verifyWith(jwks, withHeaders(good, { signature: undefined })), 'ERR_SIGNATURE_HEADERS_MISSING');
  });

  test('rejects a request without a Signature-Input header', async () => {
    await rejectsWithCode(verifyWith(jwks, withHeaders(good, { 'signature-input': undefined })), 'ERR_SIGNATURE_HEADERS_MISSING');
  });

  test('rejects a request with no headers at all', async () => {
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(good), headers: {} }), 'ERR_SIGNATURE_HEADERS_MISSING');
  });

  const malformedInputs = {
    'a member that is not an inner list': 'sig1=token',
    'an unclosed inner list': 'sig1=("@method" "@path";keyid="k";created=1',
    'a component name that is not a string': 'sig1=(@method);keyid="k";created=1',
    'no keyid': `sig1=("@method" "@path");created=${NOW_SECONDS}`,
    'no created': `sig1=("@method" "@path");keyid="${key.kid}"`,
    'a non-integer created': `sig1=("@method" "@path");keyid="${key.kid}";created="${NOW_SECONDS}"`,
    'a keyid that is not a string': `sig1=("@method" "@path");keyid=5;created=${NOW_SECONDS}`,
    'a non-dictionary value': 'not a dictionary at all!',
  };
  for (const [description, value] of Object.entries(malformedInputs)) {
    test(`rejects a Signature-Input with ${description}`, async () => {
      await rejectsWithCode(verifyWith(jwks, withHeaders(good, { 'signature-input': value })), 'ERR_SIGNATURE_INPUT_MALFORMED');
    });
  }

  const malformedSignatures = {
    'a token instead of a byte sequence': 'sig1=abc',
    'an inner list instead of a byte sequence': 'sig1=(:AAAA:)',
    'invalid base64 inside colons': 'sig1=:not*base64!:',
    'an unterminated byte sequence': `sig1=:${good.signatureB64}`,
  };
  for (const [description, value] of Object.entries(malformedSignatures)) {
    test(`rejects a Signature with ${description}`, async () => {
      await rejectsWithCode(verifyWith(jwks, withHeaders(good, { signature: value })), 'ERR_SIGNATURE_MALFORMED');
    });
  }

  test('rejects when Signature-Input and Signature share no label', async () => {
    await rejectsWithCode(verifyWith(jwks, withHeaders(good, { signature: `sig2=:${good.signatureB64}:` })), 'ERR_SIGNATURE_LABEL_NOT_FOUND');
  });

  test('rejects an alg other than ECDSA P-521/SHA-512', async () => {
    for (const alg of ['rsa-pss-sha512', 'ecdsa-p256-sha256', 'ed25519', 'hmac-sha256']) {
      const signed = signRequest({
        key,
        body,
        params: [
          ['keyid', key.kid],
          ['created', NOW_SECONDS],
          ['alg', alg],
        ],
      });
      await rejectsWithCode(verifyWith(jwks, asDelivery(signed)), 'ERR_UNSUPPORTED_ALGORITHM');
    }
    const control = signRequest({
      key,
      body,
      params: [
        ['keyid', key.kid],
        ['created', NOW_SECONDS],
        ['alg', 'ecdsa-p521-sha512'],
      ],
    });
    await verifyWith(jwks, asDelivery(control));
  });

  test('rejects a keyid that is not in the key set', async () => {
    const signed = signRequest({ key, body, keyid: 'not-a-known-kid' });
    await rejectsWithCode(verifyWith(jwks, asDelivery(signed)), 'ERR_KEY_NOT_FOUND');
  });

  test('rejects a signature made with another key under a known keyid', async () => {
    const signed = signRequest({ key: generateKeyPair(), keyid: key.kid, body });
    await rejectsWithCode(verifyWith(jwks, asDelivery(signed)), 'ERR_SIGNATURE_INVALID');
  });

  test('rejects a signature of the right length that is not valid (raw and DER)', async () => {
    for (const encoding of ['raw', 'der']) {
      const signed = signRequest({ key, body, encoding });
      const bytes = Buffer.from(signed.signatureB64, 'base64');
      bytes[bytes.length - 1] ^= 0x01;
      await rejectsWithCode(verifyWith(jwks, withHeaders(signed, { signature: `sig1=:${bytes.toString('base64')}:` })), 'ERR_SIGNATURE_INVALID');
    }
  });

  test('rejects a signature swapped in from another delivery', async () => {
    const other = signRequest({ key, body: payloadBody([makeEvent()]) });
    await rejectsWithCode(verifyWith(jwks, withHeaders(good, { signature: other.signature })), 'ERR_SIGNATURE_INVALID');
  });
});

describe('covered components', () => {
  const components = ['@method', '@path', 'content-type', 'content-length', 'digest', 'x-request-id'];

  test('rejects a covered header that is absent from the request', async () => {
    const signed = signRequest({ key, body, components, headers: { 'x-request-id': 'r-1' } });
    await verifyWith(jwks, asDelivery(signed)); // control
    await rejectsWithCode(verifyWith(jwks, withHeaders(signed, { 'x-request-id': undefined })), 'ERR_COMPONENT_MISSING');
  });

  test('rejects a covered content-length that is absent from the request', async () => {
    await rejectsWithCode(verifyWith(jwks, withHeaders(good, { 'content-length': undefined })), 'ERR_COMPONENT_MISSING');
  });

  test('rejects a covered @authority when the URL is origin-form and there is no Host header', async () => {
    const signed = signRequest({ key, body, url: 'https://hooks.example.com/in', components: ['@method', '@authority', 'digest'] });
    await verifyWith(jwks, { ...asDelivery(signed), url: '/in', headers: { ...signed.headers, host: 'hooks.example.com' } }); // control
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(signed), url: '/in' }), 'ERR_COMPONENT_MISSING');
  });

  test('rejects a covered header value containing a line break (could forge base lines)', async () => {
    const signed = signRequest({ key, body, components, headers: { 'x-request-id': 'r-1' } });
    const forged = withHeaders(signed, { 'x-request-id': 'r-1\n@path: /admin' });
    await rejectsWithCode(verifyWith(jwks, forged), 'ERR_COMPONENT_INVALID');
  });

  test('rejects a covered header value containing another control character', async () => {
    const signed = signRequest({ key, body, components, headers: { 'x-request-id': 'r-1' }, componentValues: { 'x-request-id': 'r\u00011' } });
    await rejectsWithCode(verifyWith(jwks, withHeaders(signed, { 'x-request-id': 'r\u00011' })), 'ERR_COMPONENT_INVALID');
  });
});

describe('body binding', () => {
  const accepted = ['sha-256', 'sha-512', 'content-sha-512', 'content-sha-256'];
  for (const digest of accepted) {
    test(`accepts a body bound by a covered ${digest.startsWith('content') ? 'content-digest' : 'digest'} (${digest.replace('content-', '')})`, async () => {
      const signed = signRequest({ key, body, digest });
      assert.equal((await verifyWith(jwks, asDelivery(signed))).events.length, 1);
    });
  }

  test('accepts a body bound by both digest and content-digest when both match', async () => {
    const headers = { 'content-digest': contentDigestValue(body) };
    const components = ['@method', '@path', 'content-type', 'content-length', 'digest', 'content-digest'];
    const signed = signRequest({ key, body, headers, components });
    await verifyWith(jwks, asDelivery(signed));
  });

  test('rejects when either of two covered digests does not match', async () => {
    const headers = { 'content-digest': contentDigestValue('{"other": 1}') };
    const components = ['@method', '@path', 'content-type', 'content-length', 'digest', 'content-digest'];
    await rejectsWithCode(verifyWith(jwks, asDelivery(signRequest({ key, body, headers, components }))), 'ERR_DIGEST_MISMATCH');
  });

  test('rejects a body with no digest header', async () => {
    const signed = signRequest({ key, body, digest: null });
    await rejectsWithCode(verifyWith(jwks, asDelivery(signed)), 'ERR_DIGEST_MISSING');
  });

  test('rejects a body whose digest header is not covered by the signature', async () => {
    const signed = signRequest({ key, body, components: ['@method', '@path', 'content-type', 'content-length'] });
    assert.ok(signed.headers.digest);
    await rejectsWithCode(verifyWith(jwks, asDelivery(signed)), 'ERR_DIGEST_NOT_COVERED');
  });

  test('rejects a body whose content-digest is not covered by the signature', async () => {
    const signed = signRequest({ key, body, digest: 'content-sha-512', components: ['@method', '@path', 'content-length'] });
    await rejectsWithCode(verifyWith(jwks, asDelivery(signed)), 'ERR_DIGEST_NOT_COVERED');
  });

  test('rejects a body that does not match the covered digest', async () => {
    const altered = body.replace('POSITION', 'POSITIOM');
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(good), body: altered }), 'ERR_DIGEST_MISMATCH');
  });

  test('rejects a signed digest of other bytes, even though the signature is valid', async () => {
    const signed = signRequest({ key, body, headers: { digest: digestValue('{"payload":[]}') } });
    await rejectsWithCode(verifyWith(jwks, asDelivery(signed)), 'ERR_DIGEST_MISMATCH');
  });

  const malformedDigests = {
    'an unsupported digest algorithm': ['digest', 'MD5=HUXZLQLMuI/KZ5KDcJPcOA=='],
    'a digest that is not base64': ['digest', 'SHA-256=***not-base64***'],
    'a content-digest that is not a byte sequence': ['content-digest', `sha-512=${contentDigestValue(body).slice(8, -1)}`],
    'a content-digest with only unsupported algorithms': ['content-digest', 'md5=:HUXZLQLMuI/KZ5KDcJPcOA==:'],
  };
  for (const [description, [name, value]] of Object.entries(malformedDigests)) {
    test(`rejects ${description}`, async () => {
      const signed = signRequest({ key, body, digest: name === 'digest' ? 'sha-256' : 'content-sha-512', headers: { [name]: value } });
      await rejectsWithCode(verifyWith(jwks, asDelivery(signed)), 'ERR_DIGEST_MALFORMED');
    });
  }

  test('rejects a covered content-length that differs from the body length', async () => {
    const signed = signRequest({ key, body, headers: { 'content-length': String(Buffer.byteLength(body) + 1) } });
    await rejectsWithCode(verifyWith(jwks, asDelivery(signed)), 'ERR_CONTENT_LENGTH_MISMATCH');
  });

  test('accepts an empty body without a digest, then rejects it as payload', async () => {
    const signed = signRequest({ key, body: '' });
    await rejectsWithCode(verifyWith(jwks, asDelivery(signed)), 'ERR_PAYLOAD_INVALID');
  });

  test('rejects an already-parsed object or array as the body', async () => {
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(good), body: JSON.parse(body) }), 'ERR_BODY_NOT_RAW');
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(good), body: JSON.parse(body).payload }), 'ERR_BODY_NOT_RAW');
  });
});

describe('payload', () => {
  const invalidPayloads = {
    'a body that is not JSON': 'payload=1',
    'a JSON array': JSON.stringify([makeEvent()]),
    'a payload that is an object': JSON.stringify({ payload: makeEvent() }),
    'a payload that is a string': JSON.stringify({ payload: 'x' }),
    'events under another key': JSON.stringify({ events: [makeEvent()] }),
    'an event that is not an object': JSON.stringify({ payload: [1] }),
    'an event without webhook_id': JSON.stringify({ payload: [{ ...makeEvent(), webhook_id: undefined }] }),
    'an event without id': JSON.stringify({ payload: [{ ...makeEvent(), id: undefined }] }),
    'an event without type': JSON.stringify({ payload: [{ ...makeEvent(), type: undefined }] }),
    'an event without created_at': JSON.stringify({ payload: [{ ...makeEvent(), created_at: undefined }] }),
    'an event without object': JSON.stringify({ payload: [{ ...makeEvent(), object: undefined }] }),
    'one bad event among good ones': JSON.stringify({ payload: [makeEvent(), { id: 'x' }] }),
  };
  for (const [description, invalid] of Object.entries(invalidPayloads)) {
    test(`rejects ${description} after a valid signature`, async () => {
      await rejectsWithCode(verifyWith(jwks, asDelivery(signRequest({ key, body: invalid }))), 'ERR_PAYLOAD_INVALID');
    });
  }

  test('checks the payload only after the signature', async () => {
    const signed = signRequest({ key: generateKeyPair(), keyid: key.kid, body: 'not json' });
    await rejectsWithCode(verifyWith(jwks, asDelivery(signed)), 'ERR_SIGNATURE_INVALID');
  });

  test('returns events with unknown fields and unknown types untouched', async () => {
    const events = [makeEvent({ type: 'SOMETHING_NEW.HAPPENED', extra: { nested: [1, 'two'] } }), makeEvent()];
    const result = await verifyWith(jwks, asDelivery(signRequest({ key, body: payloadBody(events) })));
    assert.deepEqual(result.events, events);
  });
});

describe('limits', () => {
  /** The good signature repeated under `count` labels (the label is not part of the base). */
  function membersRequest(count) {
    const members = Array.from({ length: count }, (_, i) => ({
      ...good,
      input: good.input.replace(/^sig1=/, `s${i}=`),
      signature: good.signature.replace(/^sig1=/, `s${i}=`),
    }));
    return withSignatures(members);
  }

  test('accepts 8 signatures by default and rejects 9', async () => {
    await verifyWith(jwks, membersRequest(8));
    await rejectsWithCode(verifyWith(jwks, membersRequest(9)), 'ERR_LIMIT_EXCEEDED');
  });

  test('honours limits.maxSignatures', async () => {
    await verifyWith(jwks, membersRequest(2), { limits: { maxSignatures: 2 } });
    await rejectsWithCode(verifyWith(jwks, membersRequest(3), { limits: { maxSignatures: 2 } }), 'ERR_LIMIT_EXCEEDED');
  });

  function manyComponents(count) {
    const extra = Array.from({ length: count - 5 }, (_, i) => `x-h-${i}`);
    const headers = Object.fromEntries(extra.map((name) => [name, 'v']));
    return asDelivery(signRequest({ key, body, headers, components: ['@method', '@path', 'content-type', 'content-length', 'digest', ...extra] }));
  }

  test('accepts 64 covered components by default and rejects 65', async () => {
    await verifyWith(jwks, manyComponents(64));
    await rejectsWithCode(verifyWith(jwks, manyComponents(65)), 'ERR_LIMIT_EXCEEDED');
  });

  test('honours limits.maxComponents', async () => {
    await verifyWith(jwks, asDelivery(good), { limits: { maxComponents: 5 } });
    await rejectsWithCode(verifyWith(jwks, asDelivery(good), { limits: { maxComponents: 4 } }), 'ERR_LIMIT_EXCEEDED');
  });

  test('rejects headers over 64 KiB by default, and honours limits.maxHeaderBytes', async () => {
    const padded = (size) => withHeaders(good, { 'x-padding': 'a'.repeat(size) });
    await verifyWith(jwks, padded(1000));
    await rejectsWithCode(verifyWith(jwks, padded(70_000)), 'ERR_LIMIT_EXCEEDED');
    await rejectsWithCode(verifyWith(jwks, padded(1000), { limits: { maxHeaderBytes: 1024 } }), 'ERR_LIMIT_EXCEEDED');
  });

  test('rejects a body over 8 MiB by default, and honours limits.maxBodyBytes', async () => {
    const size = Buffer.byteLength(body);
    await verifyWith(jwks, asDelivery(good), { limits: { maxBodyBytes: size } });
    await rejectsWithCode(verifyWith(jwks, asDelivery(good), { limits: { maxBodyBytes: size - 1 } }), 'ERR_LIMIT_EXCEEDED');
    const big = Buffer.alloc(8 * 1024 * 1024 + 1, 0x20);
    const signedBig = signRequest({ key, body: big });
    await rejectsWithCode(verifyWith(jwks, asDelivery(signedBig)), 'ERR_LIMIT_EXCEEDED');
  });
});
