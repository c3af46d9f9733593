// Hostile requests against a normal one of the same body size (security
// round 2, finding 2): the work a request causes must be a small constant
// times its size, whatever shape its headers take. Each row is the median of
// 5 verifications through the installed package, with the ratio to the
// genuine delivery. 0.1.0 took about 100 s on the first hostile row.
// A benchmark, not a test: `node bench/hostile.mjs` (after `make consumer`);
// `make bench` runs it.

import { performance } from 'node:perf_hooks';
import { pkg } from '../tests/js/support/package.mjs';
import { NOW_MS, NOW_SECONDS, asDelivery, digestValue, generateKeyPair, signRequest } from '../tests/js/support/upvest-signer.mjs';

const SIZE = 8 * 1024 * 1024 - 4096; // under the default limits.maxBodyBytes (8 MiB)
const key = generateKeyPair({ kid: 'bench' });
const body = Buffer.alloc(SIZE, 0x20);
body.write('{"payload":[]}');
const genuine = asDelivery(signRequest({ key, body }));
const verifier = new pkg.WebhookVerifier({ keys: key.jwks, now: () => NOW_MS });

const right = digestValue(body, 'sha-256');
const junk = Buffer.alloc(132, 1).toString('base64');
const eight = (make) => Array.from({ length: 8 }, (_, i) => make(i)).join(', ');
const hostile = (digest, covered = '"digest" "content-length"') => ({
  ...genuine,
  headers: {
    ...genuine.headers,
    digest,
    'signature-input': eight((i) => `s${i}=(${covered});keyid="k${i}";created=${NOW_SECONDS}`),
    signature: eight((i) => `s${i}=:${junk}:`),
  },
});
const rows = [
  ['genuine delivery (verifies; the baseline of the rows below)', genuine, true],
  ['right digest ×250, 8 junk signatures (as reported)', hostile(Array(250).fill(right).join(', '))],
  ['250 unknown digests + right one, 8 junk signatures', hostile([...Array.from({ length: 250 }, (_, i) => `x-${i}=AAAA`), right].join(', '))],
  ['SHA-256 and SHA-512 digests, 8 signatures cover both', hostile(`${right}, ${digestValue(body, 'sha-512')}`)],
];

// 59,000 one-byte headers, and 8 signatures each covering 63 of the other
// headers: a lookup per covered component must not scan every header.
{
  const pairs = Object.entries(genuine.headers).filter(([name]) => !name.startsWith('signature'));
  for (let i = 0; i < 63; i++) pairs.push([`x-${i}`, 'v']);
  const tiny = [...pairs, ...Array.from({ length: 59_000 }, () => ['y', ''])];
  const covered = Array.from({ length: 63 }, (_, i) => `"x-${i}"`).join(' ');
  const signed = asDelivery(signRequest({ key, body: '{"payload":[]}' }));
  const withTiny = (extra) => ({ ...signed, headers: [...Object.entries(signed.headers), ...tiny.filter(([n]) => !(n in signed.headers)), ...extra] });
  rows.push(['small genuine delivery + 59,000 tiny headers (baseline)', withTiny([]), true]);
  rows.push([
    'same headers, 8 signatures × 64 covered components',
    {
      ...withTiny([]),
      headers: [
        ...withTiny([]).headers.filter(([name]) => !name.startsWith('signature')),
        ['signature-input', eight((i) => `s${i}=("digest" ${covered});keyid="k${i}";created=${NOW_SECONDS}`)],
        ['signature', eight((i) => `s${i}=:${junk}:`)],
      ],
    },
  ]);
}

async function median(delivery) {
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await verifier.verify(delivery).catch((e) => e);
    runs.push(performance.now() - t);
  }
  return runs.sort((a, b) => a - b)[2];
}

await verifier.verify(genuine); // keys and tables warm
console.log(
  `hostile requests against genuine ones (ratio to the baseline above each), ${(SIZE / 1048576).toFixed(2)} MiB body, median of 5 (Node ${process.versions.node})`,
);
let baseline = null;
for (const [name, delivery, isBaseline] of rows) {
  const ms = await median(delivery);
  if (isBaseline) baseline = ms;
  const code = await verifier.verify(delivery).then(
    () => 'verified',
    (e) => e.code,
  );
  console.log(`  ${name.padEnd(62)} ${ms.toFixed(1).padStart(8)} ms  ${(ms / baseline).toFixed(2).padStart(6)}×  ${code}`);
}
