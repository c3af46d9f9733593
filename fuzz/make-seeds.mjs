// Writes the committed seed corpus, fuzz/corpus/<target>/, from real inputs:
// Upvest's vectors (shared/upvest/http-signatures.md §11, as in
// tests/shared_vectors.rs), deliveries signed by the independent node:crypto
// signer with the §11.6 key, JWKS examples, the PEM fixtures and the
// emulator's sample events. Rerun with `node fuzz/make-seeds.mjs`.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { keyPairFrom, signRequest, payloadBody, makeEvent, contentDigestValue } from '../tests/js/support/upvest-signer.mjs';
import { DOCS_EXAMPLE_JWKS, VECTOR_JWKS, VECTOR_KID, V15_SIGNATURE_RAW, v15Request, v6Request } from '../tests/js/support/shared-vectors.mjs';

const root = new URL('..', import.meta.url).pathname;
const out = path.join(root, 'fuzz/corpus');
const write = (target, name, data) => {
  fs.mkdirSync(path.join(out, target), { recursive: true });
  fs.writeFileSync(path.join(out, target, name), data);
};
const nul = Buffer.from([0]);

// Upvest's vectors (tests/js/support/shared-vectors.mjs, src/testing/vectors.rs).
const v15 = v15Request();
const v6 = v6Request();
const V15_INPUT = v15.headers['signature-input'];
const V15_DER = v15.headers.signature;
const V15_RAW = `sig1=:${V15_SIGNATURE_RAW}:`;
const V6_INPUT = v6.headers['signature-input'];
const V6_DER = v6.headers.signature;
const BODY = v15.body;

// signature_input / signatures
write('signature_input', 'v15', V15_INPUT);
write('signature_input', 'v6', V6_INPUT);
write('signature_input', 'two-members', `${V6_INPUT}, sig2=("@method" "@target-uri" "@authority" "@scheme" "@request-target");keyid="k2";created=1;alg="ecdsa-p521-sha512"`);
write('signature_input', 'odd-params', 'sig1=("@method"  "digest");keyid="a,b\\"c";created=1 ,  sig2=("x");alg="ed25519";expires=2;tag="t";flag');
write('signatures', 'v15-der', V15_DER);
write('signatures', 'v15-raw', V15_RAW);
write('signatures', 'v6-der', V6_DER);
write('signatures', 'two', `${V6_DER}, sig2=:AAAA:`);

// dictionary_differential: selector 0 and a header text (the replay of
// security round 2, finding 1, and its relatives), or any other selector
// and generator choices.
const raw = (text) => Buffer.concat([Buffer.from([0]), Buffer.from(text)]);
write('dictionary_differential', 'replay', raw(`${V6_INPUT}, a=("@method");keyid="x";created=1700000000;p=%"\\", ${V6_INPUT.replace('created=1700000000', 'created=1800000000')}`));
write('dictionary_differential', 'display-and-date', raw('a=%"\\", b=("x");c=%"%22,", d=@1700000000, e="\\"x,"'));
write('dictionary_differential', 'v15', raw(V15_INPUT));
write('dictionary_differential', 'generated', Buffer.from([1, 7, 3, 9, 200, 17, 42, 5, 99, 1, 2, 3, 250, 128, 64, 32, 16, 8, 4, 2]));

// header_shapes: generator choices, then the body.
write('header_shapes', 'many-signatures', Buffer.concat([Buffer.from([2, 12, 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 9, 255, 255, 255, 255, 255, 255, 255]), Buffer.alloc(64, 1), Buffer.from(BODY)]));
write('header_shapes', 'small', Buffer.from([0, 0, 1, 1, 1, 1, 1, 1, 1, 16]));

// der_signature
const sigBytes = (member) => Buffer.from(member.slice(member.indexOf(':') + 1, -1), 'base64');
write('der_signature', 'v15-der', sigBytes(V15_DER));
write('der_signature', 'v15-raw', sigBytes(V15_RAW));
write('der_signature', 'v6-der', sigBytes(V6_DER));

// digest: value NUL body
write('digest', 'content-digest-512', Buffer.concat([Buffer.from('sha-512=:Hd9/AvGZkbjitW1+Ml8Fg1ux1mtcDYe6mLQjDyoowIWa3LM/PmwN2v9O+MjtQGrCA3EQWUL54dlgxKHyYbrucw==:'), nul, Buffer.from(BODY)]));
write('digest', 'digest-256', Buffer.concat([Buffer.from('SHA-256=lyTB4g5uPk1/V+0l+dTvsAblCFkNUoyQ2ll/andcE+U='), nul, Buffer.from(BODY)]));
write('digest', 'content-digest-both', Buffer.concat([Buffer.from(`${contentDigestValue(BODY, 'sha-256')}, ${contentDigestValue(BODY, 'sha-512')}, md5=:AAAA:`), nul, Buffer.from(BODY)]));
write('digest', 'digest-list', Buffer.concat([Buffer.from('MD5=AAAA, SHA-512=' + crypto.createHash('sha512').update(BODY).digest('base64')), nul, Buffer.from(BODY)]));

// prepare: "METHOD URL\nname: value\n...\n\nbody"
const asText = ({ method, url, headers, body }) => {
  const lines = [`${method} ${url}`];
  for (const [name, value] of Object.entries(headers)) for (const v of [value].flat()) lines.push(`${name}: ${v}`);
  return Buffer.concat([Buffer.from(lines.join('\n') + '\n\n'), Buffer.from(body)]);
};
write('prepare', 'upvest-v15-vector', asText(v15));
write('prepare', 'upvest-v6-vector', asText(v6));
// Deliveries signed by the node:crypto signer with the §11.6 key, at the vectors' time.
const specKey = keyPairFrom(fs.readFileSync(path.join(root, 'tests/fixtures/keys/upvest-spec-11-6-p521-sec1.pem'), 'utf8'), VECTOR_KID);
const signed = [
  ['webhook-v6-der', { url: 'https://tenant.example/hooks?x=1&y=%20' }],
  ['webhook-v6-raw', { encoding: 'raw', digest: 'sha-512' }],
  ['webhook-v15', { form: 'v15', versionHeader: 15, digest: 'content-sha-512' }],
  ['webhook-empty-body', { body: '', url: '/hooks' }],
  ['webhook-derived', { components: ['@method', '@target-uri', '@authority', '@scheme', '@request-target', 'digest'], expires: null }],
];
for (const [name, options] of signed) {
  write('prepare', name, asText(signRequest({ key: specKey, created: 1_700_000_000, body: payloadBody([makeEvent({ id: '8962b496-8d42-4560-bfab-10490dd1a724' })]), ...options })));
}

// jwks
const SPEC_JWKS = JSON.stringify(VECTOR_JWKS);
const DOCS_JWKS = JSON.stringify(DOCS_EXAMPLE_JWKS);
write('jwks', 'spec', SPEC_JWKS);
write('jwks', 'docs-11-4', DOCS_JWKS);
const docs = JSON.parse(DOCS_JWKS).keys[0];
const spec = JSON.parse(SPEC_JWKS).keys[0];
write('jwks', 'mixed', JSON.stringify({ keys: [spec, { ...docs, alg: 'ES512', use: 'sig' }, { kid: 'p256', kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }, { kid: 'dup', ...docs }, { kid: 'dup', ...spec, kid: 'dup' }, { kty: 'EC' }, { ...spec, kid: 'priv', d: 'AA' }] }));

// private_key_pem: selector byte (0 none, 1 fuzzed NUL-terminated, 2 fixtures' passphrase, 3 "123456"), then PEM
const keysDir = path.join(root, 'tests/fixtures/keys');
for (const file of fs.readdirSync(keysDir).filter((f) => f.endsWith('.pem') && !f.includes('.pub.'))) {
  const pem = fs.readFileSync(path.join(keysDir, file));
  const encrypted = /ENCRYPTED/.test(pem.toString());
  write('private_key_pem', file.replace(/\.pem$/, ''), Buffer.concat([Buffer.from([encrypted ? 2 : 0]), pem]));
}
write('private_key_pem', 'escaped-newlines', Buffer.concat([Buffer.from([0]), Buffer.from(fs.readFileSync(path.join(keysDir, 'p521-pkcs8.pem'), 'utf8').replace(/\n/g, '\\n'))]));
write('private_key_pem', 'fuzzed-passphrase', Buffer.concat([Buffer.from([1]), Buffer.from('upvest-test-passphrase'), nul, fs.readFileSync(path.join(keysDir, 'p521-sec1-aes128.pem'))]));

// private_key_jwk
write('private_key_jwk', 'node-p521', fs.readFileSync(path.join(keysDir, 'node-p521.jwk.json')));
write('private_key_jwk', 'node-ed25519', fs.readFileSync(path.join(keysDir, 'node-ed25519.jwk.json')));
write('private_key_jwk', 'public-only', JSON.stringify(spec));

// delivery: emulator sample events (one per category, a few categories)
const samples = JSON.parse(fs.readFileSync(path.join(root, 'pkg/emulator/sample-events.json'), 'utf8')).categories;
for (const category of Object.keys(samples).slice(0, 6)) {
  const event = samples[category].examples?.[0]?.event;
  if (event) write('delivery', category.toLowerCase(), JSON.stringify({ payload: [event] }));
}
write('delivery', 'empty', '{"payload":[]}');

// problem: two status bytes, then a body
const status = (n) => Buffer.from([n >> 8, n & 0xff]);
write('problem', 'upvest-400', Buffer.concat([status(400), Buffer.from('{"type":"https://docs.upvest.co/errors/missing_idempotency_key","status":400,"title":"Missing idempotency key","request_id":"e7378103-7d45-4052-a049-7c9ac88d041c"}')]));
write('problem', 'oas-503', Buffer.concat([status(503), Buffer.from('{"status":503,"type":"method_not_allowed","detail":{"nested":[1,2]}}')]));
write('problem', 'html-502', Buffer.concat([status(502), Buffer.from('<html><body>Bad Gateway</body></html>')]));

// ecdsa_differential: key, mode, bit position (2 bytes), then data
write('ecdsa_differential', 'valid', Buffer.concat([Buffer.from([3, 1, 0, 7]), Buffer.from(BODY)]));
write('ecdsa_differential', 'flipped-sig', Buffer.concat([Buffer.from([0, 2, 1, 3]), Buffer.from(BODY)]));
write('ecdsa_differential', 'flipped-msg', Buffer.concat([Buffer.from([2, 3, 0, 9]), Buffer.from(BODY)]));
write('ecdsa_differential', 'raw-input', Buffer.concat([Buffer.from([1, 0, 0, 0]), sigBytes(V15_RAW), nul, Buffer.from(BODY)]));
console.log('seed corpus written to', out);
