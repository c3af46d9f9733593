// How the request reaches the verifier: header containers, header name
// case, trimming and repeated fields, derived components, URL forms, body
// types, WHATWG Request objects and a real node:http server.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { NOW_SECONDS, asDelivery, generateKeyPair, makeEvent, payloadBody, signRequest } from './support/upvest-signer.mjs';
import { rejectsWithCode, verifierFor, verifyWith } from './support/verify.mjs';

const key = generateKeyPair();
const { jwks } = key;
const events = [makeEvent(), makeEvent({ type: 'ORDER.NEW' })];
const body = payloadBody(events);

describe('header containers', () => {
  const signed = signRequest({
    key,
    body,
    headers: { 'x-tenant': 'acme' },
    components: ['@method', '@path', 'content-type', 'content-length', 'digest', 'x-tenant'],
  });
  const pairs = Object.entries(signed.headers);
  const containers = {
    'a plain object with lowercase names': () => ({ ...signed.headers }),
    'a plain object with mixed-case names': () => Object.fromEntries(pairs.map(([n, v]) => [n.replace(/(^|-)([a-z])/g, (_, d, c) => d + c.toUpperCase()), v])),
    'a Headers instance': () => new Headers(pairs),
    'an array of [name, value] pairs': () => pairs.map(([n, v]) => [n.toUpperCase(), v]),
    'a Map': () => new Map(pairs),
  };
  for (const [description, make] of Object.entries(containers)) {
    test(`accepts headers as ${description}`, async () => {
      const result = await verifyWith(jwks, { ...asDelivery(signed), headers: make() });
      assert.deepEqual(result.events, events);
    });
  }

  test('rejects an altered covered header whatever the container', async () => {
    const altered = pairs.map(([n, v]) => [n, n === 'x-tenant' ? 'evil' : v]);
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(signed), headers: new Map(altered) }), 'ERR_SIGNATURE_INVALID');
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(signed), headers: altered }), 'ERR_SIGNATURE_INVALID');
  });
});

describe('header components', () => {
  const components = ['@method', '@path', 'content-type', 'content-length', 'digest', 'x-multi'];

  test('trims leading and trailing whitespace of a covered value', async () => {
    const signed = signRequest({ key, body, components, headers: { 'x-multi': ' \t padded value \t ' } });
    assert.match(signed.base, /\nx-multi: padded value\n/);
    await verifyWith(jwks, asDelivery(signed));
  });

  test('keeps inner whitespace of a covered value', async () => {
    const signed = signRequest({ key, body, components, headers: { 'x-multi': 'a  b' } });
    await verifyWith(jwks, asDelivery(signed));
    const squeezed = { ...signed.headers, 'x-multi': 'a b' };
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(signed), headers: squeezed }), 'ERR_SIGNATURE_INVALID');
  });

  test('joins a repeated field given as a string[] with ", "', async () => {
    const signed = signRequest({ key, body, components, headers: { 'x-multi': ['one', ' two '] } });
    assert.match(signed.base, /\nx-multi: one, two\n/);
    await verifyWith(jwks, asDelivery(signed));
  });

  test('joins a repeated field given as separate pairs with ", ", whatever the name case', async () => {
    const signed = signRequest({ key, body, components, headers: { 'x-multi': ['one', 'two'] } });
    const headers = Object.entries(signed.headers).flatMap(([n, v]) =>
      n === 'x-multi'
        ? [
            ['X-Multi', 'one'],
            ['x-multi', 'two'],
          ]
        : [[n, v]],
    );
    await verifyWith(jwks, { ...asDelivery(signed), headers });
    const reordered = Object.entries(signed.headers).flatMap(([n, v]) =>
      n === 'x-multi'
        ? [
            ['x-multi', 'two'],
            ['x-multi', 'one'],
          ]
        : [[n, v]],
    );
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(signed), headers: reordered }), 'ERR_SIGNATURE_INVALID');
  });

  test('verifies an uncovered header changing freely', async () => {
    const signed = signRequest({ key, body, headers: { 'user-agent': 'Upvest' } });
    await verifyWith(jwks, { ...asDelivery(signed), headers: { ...signed.headers, 'user-agent': 'proxy/2.0', 'x-forwarded-for': '10.0.0.1' } });
  });
});

describe('derived components', () => {
  const absolute = 'https://hooks.example.com/upvest/hooks%20v1/%7Euser?tenant=a%2Fb&empty=&x=1+2';

  test('signs @path and @query exactly as sent, without decoding', async () => {
    const signed = signRequest({ key, body, url: absolute });
    assert.match(signed.base, /^@method: POST\n@path: \/upvest\/hooks%20v1\/%7Euser\n@query: \?tenant=a%2Fb&empty=&x=1\+2\n/);
    await verifyWith(jwks, asDelivery(signed));
    await verifyWith(jwks, { ...asDelivery(signed), url: '/upvest/hooks%20v1/%7Euser?tenant=a%2Fb&empty=&x=1+2' });
    await rejectsWithCode(
      verifyWith(jwks, { ...asDelivery(signed), url: 'https://hooks.example.com/upvest/hooks%20v1/~user?tenant=a/b&empty=&x=1+2' }),
      'ERR_SIGNATURE_INVALID',
    );
  });

  test('covers @authority, @scheme and @target-uri of an absolute URL', async () => {
    const components = ['@method', '@authority', '@scheme', '@target-uri', 'digest'];
    const signed = signRequest({ key, body, url: absolute, components });
    assert.match(
      signed.base,
      /\n@authority: hooks\.example\.com\n@scheme: https\n@target-uri: https:\/\/hooks\.example\.com\/upvest\/hooks%20v1\/%7Euser\?tenant=a%2Fb&empty=&x=1\+2\n/,
    );
    await verifyWith(jwks, asDelivery(signed));
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(signed), url: absolute.replace('hooks.example.com', 'evil.example.com') }), 'ERR_SIGNATURE_INVALID');
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(signed), url: absolute.replace('https:', 'http:') }), 'ERR_SIGNATURE_INVALID');
  });

  test('takes @authority from the Host header for an origin-form URL', async () => {
    const components = ['@method', '@path', '@authority', 'digest'];
    const signed = signRequest({ key, body, url: '/hooks', headers: { host: 'hooks.example.com' }, components });
    assert.match(signed.base, /\n@authority: hooks\.example\.com\n/);
    await verifyWith(jwks, asDelivery(signed));
  });

  test('covers @request-target as path and query', async () => {
    const components = ['@method', '@request-target', 'digest'];
    const signed = signRequest({ key, body, url: '/hooks/in?x=1', components });
    assert.match(signed.base, /\n@request-target: \/hooks\/in\?x=1\n/);
    await verifyWith(jwks, asDelivery(signed));
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(signed), url: '/hooks/in?x=2' }), 'ERR_SIGNATURE_INVALID');
  });

  test('binds @method to the method given', async () => {
    const signed = signRequest({ key, body });
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(signed), method: 'PUT' }), 'ERR_SIGNATURE_INVALID');
  });
});

describe('body types', () => {
  const text = payloadBody([makeEvent({ object: { name: 'Jürgen Müller', note: '€ – ✓' } })]);
  const signed = signRequest({ key, body: text });
  const bytes = Buffer.from(text, 'utf8');

  test('counts content-length in UTF-8 bytes, not characters', () => {
    assert.ok(bytes.length > text.length);
    assert.equal(signed.headers['content-length'], String(bytes.length));
  });

  const bodies = {
    'a string': () => text,
    'a Buffer': () => Buffer.from(bytes),
    'a plain Uint8Array': () => new Uint8Array(bytes),
    'an ArrayBuffer': () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    'a DataView': () => new DataView(new Uint8Array(bytes).buffer),
    'a Uint8Array view into a larger buffer (byteOffset honoured)': () => {
      const big = new Uint8Array(bytes.length + 20).fill(0x7b);
      big.set(bytes, 7);
      return new Uint8Array(big.buffer, 7, bytes.length);
    },
  };
  for (const [description, make] of Object.entries(bodies)) {
    test(`accepts the raw body as ${description}`, async () => {
      const result = await verifyWith(jwks, { ...asDelivery(signed), body: make() });
      assert.equal(result.events[0].object.name, 'Jürgen Müller');
    });
  }

  test('rejects a re-serialised body (same JSON, other bytes)', async () => {
    const pretty = JSON.stringify(JSON.parse(text), null, 2);
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(signed), body: pretty }), 'ERR_CONTENT_LENGTH_MISMATCH');
  });

  test('rejects a body changed without changing its length', async () => {
    const altered = text.replace('POSITION.UPDATED', 'POSITION.UPDATES');
    assert.equal(Buffer.byteLength(altered), bytes.length);
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(signed), body: altered }), 'ERR_DIGEST_MISMATCH');
  });

  test('rejects an already-parsed body with ERR_BODY_NOT_RAW', async () => {
    await rejectsWithCode(verifyWith(jwks, { ...asDelivery(signed), body: JSON.parse(text) }), 'ERR_BODY_NOT_RAW');
  });
});

describe('verifyRequest with a WHATWG Request', () => {
  test('verifies a global Request and returns its events', async () => {
    const signed = signRequest({ key, body, url: 'https://hooks.example.com/upvest?x=1' });
    const request = new Request(signed.url, { method: 'POST', headers: signed.headers, body: signed.body });
    const result = await verifierFor(jwks).verifyRequest(request);
    assert.deepEqual(result.events, events);
    assert.equal(result.keyId, key.kid);
  });

  test('verifies a Request with a binary body and a v15 signature', async () => {
    const signed = signRequest({ key, body: Buffer.from(body), form: 'v15', digest: 'content-sha-512', versionHeader: 15 });
    const request = new Request(signed.url, { method: 'POST', headers: new Headers(Object.entries(signed.headers)), body: new Uint8Array(Buffer.from(body)) });
    const result = await verifierFor(jwks).verifyRequest(request);
    assert.equal(result.signatureVersion, 15);
  });

  test('rejects a Request whose body was altered', async () => {
    const signed = signRequest({ key, body });
    const request = new Request(signed.url, { method: 'POST', headers: signed.headers, body: body.replace('ORDER.NEW', 'ORDER.OLD') });
    await rejectsWithCode(verifierFor(jwks).verifyRequest(request), 'ERR_DIGEST_MISMATCH');
  });

  test('rejects a Request signed for another path', async () => {
    const signed = signRequest({ key, body });
    const request = new Request('https://hooks.example.com/elsewhere', { method: 'POST', headers: signed.headers, body });
    await rejectsWithCode(verifierFor(jwks).verifyRequest(request), 'ERR_SIGNATURE_INVALID');
  });
});

describe('a node:http webhook endpoint', () => {
  let server;
  let port;
  const verifier = verifierFor(jwks);
  before(async () => {
    server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', async () => {
        const headers = req.url.includes('raw-headers') ? chunkPairs(req.rawHeaders) : req.headers;
        try {
          const result = await verifier.verify({ method: req.method, url: req.url, headers, body: Buffer.concat(chunks) });
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ids: result.events.map((e) => e.id) }));
        } catch (err) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: err.code }));
        }
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = server.address().port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const chunkPairs = (raw) => raw.flatMap((v, i) => (i % 2 === 0 ? [[v, raw[i + 1]]] : []));

  async function deliver(signed, { bodyOverride } = {}) {
    const payload = Buffer.from(bodyOverride ?? signed.body);
    return new Promise((resolve, reject) => {
      const req = http.request(signed.url, { method: 'POST', headers: signed.headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  test('accepts a delivery using req.url (origin-form), req.headers and the raw body', async () => {
    const signed = signRequest({ key, body, url: `http://127.0.0.1:${port}/upvest/webhooks?tenant=1`, created: NOW_SECONDS });
    const { status, json } = await deliver(signed);
    assert.equal(status, 200, JSON.stringify(json));
    assert.deepEqual(
      json.ids,
      events.map((e) => e.id),
    );
  });

  test('accepts a delivery using req.rawHeaders as pairs', async () => {
    const signed = signRequest({ key, body, url: `http://127.0.0.1:${port}/upvest/raw-headers` });
    const { status, json } = await deliver(signed);
    assert.equal(status, 200, JSON.stringify(json));
  });

  test('rejects a delivery whose body was altered in transit', async () => {
    const signed = signRequest({ key, body, url: `http://127.0.0.1:${port}/upvest/webhooks` });
    const { status, json } = await deliver(signed, { bodyOverride: body.replace('ORDER.NEW', 'ORDER.XYZ') });
    assert.equal(status, 400);
    assert.equal(json.code, 'ERR_DIGEST_MISMATCH');
  });
});
