// The tenant's private key in every documented form: the client signs with
// it and the fake server verifies each request with node:crypto against the
// registered public key. Unusable keys fail at construction with
// ERR_PRIVATE_KEY_INVALID, and no message leaks the passphrase or the key.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startFakeUpvest } from '../support/fake-upvest.mjs';
import { newPrivateKey } from '../support/upvest-signer.mjs';
import { UpvestClient, UpvestError, assertAllVerified, assertNoSecrets, clientOptions, entriesFor, failure } from './helpers.mjs';

const PASSPHRASE = 'correct horse battery staple 42';

function opensslLegacyEncryptedP521(passphrase) {
  const plain = execFileSync('openssl', ['ecparam', '-genkey', '-name', 'secp521r1'], { encoding: 'utf8' });
  return execFileSync('openssl', ['ec', '-aes256', '-passout', `pass:${passphrase}`], { input: plain, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
}

describe('UpvestClient private keys', () => {
  let fake;
  before(async () => {
    fake = await startFakeUpvest();
  });
  after(() => fake.close());

  const p521 = newPrivateKey('ec', { namedCurve: 'P-521' });
  const ed25519 = newPrivateKey('ed25519');
  const legacyPem = opensslLegacyEncryptedP521(PASSPHRASE);
  const legacyKey = crypto.createPrivateKey({ key: legacyPem, passphrase: PASSPHRASE });

  const forms = [
    ['P-521 PKCS#8 PEM ("PRIVATE KEY")', p521, () => ({ privateKey: p521.export({ type: 'pkcs8', format: 'pem' }) }), /^-----BEGIN PRIVATE KEY-----/],
    [
      'P-521 SEC1 PEM ("EC PRIVATE KEY")',
      p521,
      () => ({ privateKey: p521.export({ type: 'sec1', format: 'pem' }) }),
      /^-----BEGIN EC PRIVATE KEY-----\n(?!Proc-Type)/,
    ],
    [
      'P-521 legacy-encrypted PEM from `openssl ec -aes256`',
      legacyKey,
      () => ({ privateKey: legacyPem, privateKeyPassphrase: PASSPHRASE }),
      /Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,/,
    ],
    [
      'P-521 encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY", aes-256-cbc, node:crypto)',
      p521,
      () => ({ privateKey: p521.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }), privateKeyPassphrase: PASSPHRASE }),
      /^-----BEGIN ENCRYPTED PRIVATE KEY-----/,
    ],
    ['P-521 private JWK', p521, () => ({ privateKey: p521.export({ format: 'jwk' }) }), null],
    [
      'P-521 private JWK with kid, alg and use members',
      p521,
      () => ({ privateKey: { ...p521.export({ format: 'jwk' }), kid: 'x', alg: 'ES512', use: 'sig' } }),
      null,
    ],
    ['Ed25519 PKCS#8 PEM', ed25519, () => ({ privateKey: ed25519.export({ type: 'pkcs8', format: 'pem' }) }), /^-----BEGIN PRIVATE KEY-----/],
    ['Ed25519 private JWK (OKP)', ed25519, () => ({ privateKey: ed25519.export({ format: 'jwk' }) }), null],
    [
      'Ed25519 encrypted PKCS#8',
      ed25519,
      () => ({ privateKey: ed25519.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }), privateKeyPassphrase: PASSPHRASE }),
      /^-----BEGIN ENCRYPTED PRIVATE KEY-----/,
    ],
    ['P-521 PKCS#8 PEM with CRLF line endings', p521, () => ({ privateKey: p521.export({ type: 'pkcs8', format: 'pem' }).replace(/\n/g, '\r\n') }), null],
  ];

  for (const [name, privateKey, options, shape] of forms) {
    test(`signs with a ${name}, verified by the server`, async () => {
      const opts = options();
      if (shape) assert.match(opts.privateKey, shape, 'the fixture has the intended shape');
      const keyId = fake.registerKey(privateKey);
      const before = fake.requests.length;
      const upvest = new UpvestClient(clientOptions(fake, { keyId, ...opts }));
      await upvest.webhooks.list();
      await upvest.webhooks.create({ title: name.slice(0, 100), url: 'https://hooks.example.com/k' });
      const mine = fake.requests.slice(before);
      assert.ok(mine.length >= 3, 'token, list and create');
      assertAllVerified(fake, mine);
      const expected = privateKey.asymmetricKeyType === 'ed25519' ? 'ed25519' : 'ecdsa-p521-sha512';
      for (const r of mine) {
        assert.equal(r.signature.keyId, keyId);
        assert.equal(r.signature.algorithm, expected);
      }
      if (expected === 'ecdsa-p521-sha512') {
        const der = Buffer.from(mine[0].headers.signature.slice('sig1=:'.length, -1), 'base64');
        assert.equal(der[0], 0x30, 'ECDSA signatures are DER (SEQUENCE)');
        assert.ok(der.length >= 136 && der.length <= 139, `DER length ${der.length}`);
      } else {
        assert.equal(Buffer.from(mine[0].headers.signature.slice('sig1=:'.length, -1), 'base64').length, 64);
      }
    });
  }

  describe('unusable keys fail at construction with ERR_PRIVATE_KEY_INVALID, sending nothing', () => {
    const encryptedPkcs8 = p521.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE });
    const p256 = newPrivateKey('ec', { namedCurve: 'P-256' });
    const rsa = newPrivateKey('rsa', { modulusLength: 2048 });
    const bad = [
      ['legacy-encrypted PEM, wrong passphrase', { privateKey: legacyPem, privateKeyPassphrase: 'not the passphrase at all' }],
      ['legacy-encrypted PEM, no passphrase', { privateKey: legacyPem }],
      ['encrypted PKCS#8, wrong passphrase', { privateKey: encryptedPkcs8, privateKeyPassphrase: 'not the passphrase at all' }],
      ['encrypted PKCS#8, no passphrase', { privateKey: encryptedPkcs8 }],
      ['a public key PEM', { privateKey: crypto.createPublicKey(p521).export({ type: 'spki', format: 'pem' }) }],
      ['a public JWK (no d)', { privateKey: crypto.createPublicKey(p521).export({ format: 'jwk' }) }],
      ['a truncated PEM', { privateKey: p521.export({ type: 'pkcs8', format: 'pem' }).slice(0, 120) }],
      ['garbage', { privateKey: 'hello' }],
      ['an RSA key', { privateKey: rsa.export({ type: 'pkcs8', format: 'pem' }) }],
      ['a P-256 key (Upvest needs P-521)', { privateKey: p256.export({ type: 'pkcs8', format: 'pem' }) }],
      ['a P-256 JWK', { privateKey: p256.export({ format: 'jwk' }) }],
      [
        'a JWK whose d does not match x/y',
        {
          privateKey: {
            ...p521.export({ format: 'jwk' }),
            d: newPrivateKey('ec', { namedCurve: 'P-521' }).export({ format: 'jwk' }).d,
          },
        },
      ],
    ];
    for (const [name, opts] of bad) {
      test(name, async () => {
        const before = fake.requests.length;
        let err;
        try {
          new UpvestClient(clientOptions(fake, opts));
        } catch (e) {
          err = e;
        }
        assert.ok(err, 'the constructor must throw');
        assert.ok(err instanceof UpvestError, `${err?.name}: ${err?.message}`);
        assert.equal(err.code, 'ERR_PRIVATE_KEY_INVALID', err.message);
        const secrets = [PASSPHRASE, 'not the passphrase at all', fake.clientSecret, p521.export({ format: 'jwk' }).d, legacyKey.export({ format: 'jwk' }).d];
        if (typeof opts.privateKey === 'string') secrets.push(...opts.privateKey.split(/\r?\n/).filter((l) => l.length >= 40));
        assertNoSecrets(err, secrets);
        assert.equal(fake.requests.length, before);
      });
    }
  });

  test('a passphrase given for an unencrypted key is harmless', async () => {
    const keyId = fake.registerKey(p521);
    const upvest = new UpvestClient(clientOptions(fake, { keyId, privateKey: p521.export({ type: 'pkcs8', format: 'pem' }), privateKeyPassphrase: 'unused' }));
    await upvest.webhooks.list();
    assertAllVerified(fake, entriesFor(fake, 'GET', '/webhooks'));
  });

  test('a key the server does not know under keyId: the server says 401, the client reports ERR_API_UNAUTHORIZED', async () => {
    const upvest = new UpvestClient(
      clientOptions(fake, { keyId: crypto.randomUUID(), privateKey: p521.export({ type: 'pkcs8', format: 'pem' }), maxRetries: 0 }),
    );
    const err = await failure(() => upvest.webhooks.list());
    assert.equal(err.code, 'ERR_API_UNAUTHORIZED', `${err.name}: ${err.message}`);
    assert.equal(err.status, 401);
    assert.match(fake.requests.at(-1).signature.error, /unknown keyid/);
  });
});
