// Secrets never leak: every error path reachable without a network
// (verifier, test helpers, client construction with bad keys and
// passphrases) plus the client object itself are searched for key material
// (private `d`, PEM body lines, passphrases, client secret, bearer tokens)
// in message, stack, String(), JSON.stringify and util.inspect.
// tests/js/client/errors.test.mjs covers the client's API and network errors.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { inspect } from 'node:util';
import { asDelivery, generateKeyPair, signRequest } from './support/upvest-signer.mjs';
import { pkg, verifierFor } from './support/verify.mjs';

const { UpvestClient, signTestDelivery, generateTestKeyPair, inspectDelivery } = pkg;
const FIXTURES = new URL('../fixtures/keys/', import.meta.url);
const PASSPHRASE = 'upvest-test-passphrase';
const CLIENT_SECRET = 'cs_live_secret_value_never_printed_0123';
const TOKEN = 'eyJhbGciOiJFUzUxMiJ9.bearer-token-never-printed.sig';

function views(value) {
  const out = [String(value?.message), String(value?.stack), String(value), inspect(value, { depth: 8, showHidden: true })];
  for (const replacer of [undefined, Object.getOwnPropertyNames(Object(value ?? {}))]) {
    try {
      out.push(JSON.stringify(value, replacer));
    } catch {
      // circular
    }
  }
  if (value?.cause) out.push(...views(value.cause));
  return out;
}

function assertClean(label, value, secrets) {
  const text = views(value).join('\n');
  for (const secret of secrets.filter((s) => typeof s === 'string' && s.length >= 8)) {
    assert.ok(!text.includes(secret), `${label}: leaks ${secret.slice(0, 8)}…`);
  }
}

const pemLines = (pem) => pem.split(/\r?\n/).filter((l) => l.length >= 40 && !l.startsWith('-----'));
const caught = async (fn) => {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
};

describe('no key material in errors', () => {
  test('verifier errors: private JWK members, bearer tokens, signatures', async () => {
    const key = generateKeyPair();
    const secrets = [key.privateJwk.d, TOKEN];
    const errors = [];
    // A JWKS that carries the private key: refused without echoing d.
    errors.push(['private jwks', await caught(() => verifierFor({ keys: [key.privateJwk] }).verify(asDelivery(signRequest({ key }))))]);
    // A covered bearer token that fails to verify, or holds a control character.
    const signed = signRequest({
      key,
      headers: { authorization: `Bearer ${TOKEN}` },
      components: ['@method', '@path', 'authorization', 'content-type', 'content-length', 'digest'],
    });
    errors.push([
      'token changed',
      await caught(() => verifierFor(key.jwks).verify({ ...asDelivery(signed), headers: { ...signed.headers, authorization: `Bearer ${TOKEN}x` } })),
    ]);
    errors.push([
      'token control char',
      await caught(() => verifierFor(key.jwks).verify({ ...asDelivery(signed), headers: { ...signed.headers, authorization: `Bearer ${TOKEN}\u0001` } })),
    ]);
    // Test helpers with damaged private JWKs.
    const { privateJwk } = generateTestKeyPair({ kid: 'k' });
    secrets.push(privateJwk.d);
    errors.push([
      'sign: x from another key',
      await caught(() => signTestDelivery({ privateJwk: { ...privateJwk, x: key.privateJwk.x }, url: 'https://a.example/h', events: [] })),
    ]);
    errors.push([
      'sign: short d',
      await caught(() => signTestDelivery({ privateJwk: { ...privateJwk, d: privateJwk.d.slice(0, 40) }, url: 'https://a.example/h', events: [] })),
    ]);
    errors.push([
      'sign: public only',
      await caught(() => signTestDelivery({ privateJwk: { ...privateJwk, d: undefined }, url: 'https://a.example/h', events: [] })),
    ]);
    for (const [label, err] of errors) {
      assert.ok(err instanceof Error, label);
      assertClean(label, err, secrets);
    }
    // The inspection report of a failing delivery holds no token either.
    const report = inspectDelivery({ ...asDelivery(signed), headers: { ...signed.headers, authorization: `Bearer ${TOKEN}x` } }, { keys: key.jwks });
    assert.equal(report.ok, false);
    assert.ok(!JSON.stringify(report.message ?? '').includes(TOKEN));
  });

  test('client construction: every fixture key with a wrong, missing or right passphrase, damaged PEMs and JWKs', async () => {
    const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.pem') && !f.includes('.pub.'));
    let cases = 0;
    for (const file of files) {
      const pem = fs.readFileSync(new URL(file, FIXTURES), 'utf8');
      const lines = pemLines(pem);
      const damaged = pem.replace(lines[1] ?? lines[0], (l) => `${l.slice(0, 10)}!!${l.slice(12)}`);
      const variants = [
        ['wrong passphrase', pem, 'wrong-passphrase-456789'],
        ['no passphrase', pem, undefined],
        ['right passphrase', pem, PASSPHRASE],
        ['damaged body', damaged, PASSPHRASE],
        ['truncated', pem.slice(0, Math.floor(pem.length * 0.7)), PASSPHRASE],
        ['escaped newlines', pem.replace(/\n/g, '\\n'), PASSPHRASE],
      ];
      for (const [label, privateKey, privateKeyPassphrase] of variants) {
        cases += 1;
        const options = {
          baseUrl: 'https://sandbox.upvest.co',
          clientId: 'client-id',
          clientSecret: CLIENT_SECRET,
          keyId: 'key-id',
          privateKey,
          privateKeyPassphrase,
        };
        let result;
        try {
          result = new UpvestClient(options);
        } catch (err) {
          result = err;
          assert.equal(err.code, 'ERR_PRIVATE_KEY_INVALID', `${file} ${label}: ${err.message}`);
        }
        // Errors and the client object alike.
        assertClean(`${file} ${label}`, result, [...lines, PASSPHRASE, 'wrong-passphrase-456789', CLIENT_SECRET]);
      }
    }
    const jwk = JSON.parse(fs.readFileSync(new URL('node-p521.jwk.json', FIXTURES), 'utf8'));
    for (const [label, privateKey] of [
      ['jwk', jwk],
      ['jwk wrong y', { ...jwk, y: jwk.x }],
      ['jwk bad d', { ...jwk, d: `${jwk.d}A` }],
      ['jwk as text', JSON.stringify(jwk)],
    ]) {
      cases += 1;
      let result;
      try {
        result = new UpvestClient({ clientId: 'client-id', clientSecret: CLIENT_SECRET, keyId: 'key-id', privateKey });
      } catch (err) {
        result = err;
      }
      assertClean(label, result, [jwk.d, CLIENT_SECRET]);
    }
    console.log(`secrets: ${cases} client constructions searched`);
  });
});
