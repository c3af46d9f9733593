// Parse time against header size: each hostile header shape from 1 KB to
// 1 MB, through the installed package's verifier (limits raised so parsing,
// not a limit, decides). Linear parsing shows as a flat µs/KB column.
// A benchmark, not a test: `node bench/parse-scaling.mjs` (after `make consumer`).

import { performance } from 'node:perf_hooks';
import { pkg } from '../tests/js/support/package.mjs';
import { NOW_MS, asDelivery, generateKeyPair, signRequest } from '../tests/js/support/upvest-signer.mjs';

const key = generateKeyPair({ kid: 'bench' });
const good = signRequest({ key });
const verifier = new pkg.WebhookVerifier({
  keys: key.jwks,
  now: () => NOW_MS,
  limits: { maxHeaderBytes: 4 * 1024 * 1024, maxComponents: 1_000_000, maxSignatures: 1_000_000 },
});

const fill = (unit, bytes) => Array.from({ length: Math.max(1, Math.floor(bytes / unit(0).length)) }, (_, i) => unit(i));
const base = good.input.slice(good.input.indexOf('=') + 1);
const shapes = {
  'Signature-Input: components': (n) =>
    `sig1=(${fill((i) => `"x-h${i % 1000}-${i}" `, n)
      .join('')
      .trim()});keyid="bench";created=1`,
  'Signature-Input: long nonce': (n) => `sig1=${base};nonce="${'a'.repeat(n)}"`,
  'Signature-Input: members': (n) => [good.input, ...fill((i) => `s${i}=("@method");keyid="k";created=1, `, n)].join(', ').replace(/, $/, ''),
  'Signature: members': (n) => [good.signature, ...fill((i) => `s${i}=:AAAA:, `, n)].join(', ').replace(/, $/, ''),
  'Digest: list': (n) => [...fill(() => 'MD5=AAAA, ', n), good.headers.digest].join(''),
  'uncovered header': (n) => 'a'.repeat(n),
};
const headerFor = {
  'Signature-Input: components': 'signature-input',
  'Signature-Input: long nonce': 'signature-input',
  'Signature-Input: members': 'signature-input',
  'Signature: members': 'signature',
  'Digest: list': 'digest',
  'uncovered header': 'x-padding',
};

const sizes = [1, 4, 16, 64, 256, 1024].map((kb) => kb * 1024);
async function timeOne(delivery) {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await verifier.verify(delivery).catch((e) => e);
    runs.push(performance.now() - t);
  }
  return runs.sort((a, b) => a - b)[2]; // median of 5
}

await verifier.verify(asDelivery(good)); // warm up keys and tables
console.log(`${'shape'.padEnd(30)}${sizes.map((s) => `${s / 1024} KB`.padStart(11)).join('')}   µs/KB at 1 KB → 1 MB`);
for (const [shape, make] of Object.entries(shapes)) {
  const cells = [];
  const perKb = [];
  let code = '';
  for (const size of sizes) {
    const value = make(size);
    const delivery = { ...asDelivery(good), headers: { ...good.headers, [headerFor[shape]]: value } };
    const ms = await timeOne(delivery);
    code = await verifier.verify(delivery).then(
      () => 'ok',
      (e) => e.code,
    );
    cells.push(`${ms.toFixed(2)} ms`.padStart(11));
    perKb.push(((ms * 1000) / (value.length / 1024)).toFixed(1));
  }
  console.log(`${shape.padEnd(30)}${cells.join('')}   ${perKb[0]} → ${perKb[perKb.length - 1]}  (${code})`);
}
