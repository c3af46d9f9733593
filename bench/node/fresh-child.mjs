// One fresh Node process of the `fresh` phase (bench/node/fresh.mjs copies
// this file next to target/consumer/node_modules, so the package is imported
// by name as a user would). Reads the fixture, then times with
// performance.now() from before the import to the first verified delivery,
// and prints one JSON line.
//   node child.mjs <verifier|full|webcrypto|nodeCrypto|baseline> <fixture.json>

import { readFileSync } from 'node:fs';

const [which, fixturePath] = process.argv.slice(2);
const fx = JSON.parse(readFileSync(fixturePath, 'utf8'));
const base = Buffer.from(fx.base, 'base64');
const raw = Buffer.from(fx.raw, 'base64');
const der = Buffer.from(fx.der, 'base64');
const jwk = fx.jwks.keys[0];
const marks = {};
let ok = false;

const t0 = performance.now();
const mark = (name) => {
  marks[name] = performance.now() - t0;
};
if (which === 'baseline') {
  ok = true;
} else if (which === 'webcrypto') {
  const key = await crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-521' }, false, ['verify']);
  mark('key');
  ok = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-512' }, key, raw, base);
} else if (which === 'nodeCrypto') {
  const { createPublicKey, verify } = await import('node:crypto');
  mark('import');
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  mark('key');
  ok = verify('sha512', base, { key, dsaEncoding: 'der' }, der);
} else if (which === 'verifier' || which === 'full') {
  const { WebhookVerifier } = await import(which === 'full' ? 'upvest-webhooks' : 'upvest-webhooks/verifier');
  mark('import');
  const verifier = new WebhookVerifier({ keys: fx.jwks });
  mark('key');
  const verified = await verifier.verify(fx.delivery);
  ok = verified.keyId === jwk.kid && verified.events.length === fx.events;
} else {
  throw new Error(`unknown candidate ${which}`);
}
const total = performance.now() - t0;
process.stdout.write(`${JSON.stringify({ ok, total, marks })}\n`);
