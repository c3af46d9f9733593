// Node, large deliveries: a body up to Upvest's `max_package_size`
// (1,048,576 bytes, ~1,100 ORDER.FILLED events) and a size sweep below it.
// (a) verify() of `upvest-webhooks/verifier` and (a′) of `upvest-webhooks`,
// each with the body as a string and as bytes (a Buffer), against the
// reference a user could write with node:crypto alone: SHA-256 of the body
// compared with the Digest header (node:crypto encodes a string body as
// UTF-8 itself), ECDSA verify of the base (DER, KeyObject) and JSON.parse of
// the text (decoded from the bytes with a fatal TextDecoder for the bytes
// variant, as the verifier checks UTF-8; the string as is for the string
// variant). The steps alone are timed in the same rotation, with WebCrypto's
// subtle.digest (for a native-digest threshold). Each operation is timed alone; candidates alternate in batches,
// rotating order.

import { createHash, verify as nodeVerify } from 'node:crypto';
import { makeLargeDelivery } from '../lib/fixtures.mjs';
import { interleaved, ratio, summarize } from '../lib/stats.mjs';

export const LARGE_CANDIDATES = {
  verifyString: '(a) verify() of upvest-webhooks/verifier, body a string',
  verifyBytes: '(a) verify() of upvest-webhooks/verifier, body a Buffer',
  fullString: '(a′) verify() of upvest-webhooks, body a string',
  fullBytes: '(a′) verify() of upvest-webhooks, body a Buffer',
  refString: 'reference, string: SHA-256 + ECDSA verify + JSON.parse',
  refBytes: 'reference, bytes: SHA-256 + ECDSA verify + decode + JSON.parse',
  sha256: '  alone: node:crypto SHA-256 of the bytes',
  subtleDigest: '  alone: WebCrypto subtle.digest SHA-256 of the bytes',
  jsonParse: '  alone: JSON.parse of the text',
  decode: '  alone: TextDecoder (fatal) of the bytes',
  ecdsa: '  alone: node:crypto ECDSA verify of the base',
};

/** `sizes`: [{ bytes, ops }], largest body allowed and timed operations per candidate. */
export async function benchLarge({ pkg, verifierPkg, fx, sizes, warmupOps, batch }) {
  const verifier = new verifierPkg.WebhookVerifier({ keys: fx.jwks });
  const full = new pkg.WebhookVerifier({ keys: fx.jwks });
  // A key's first verifications go to WebCrypto while its tables are built: get past them first.
  for (let i = 0; i < 40; i++) {
    await verifier.verify(fx.delivery);
    await full.verify(fx.delivery);
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const key = { key: fx.keyObject, dsaEncoding: 'der' };
  const out = [];
  for (const { bytes: maxBytes, ops } of sizes) {
    const large = makeLargeDelivery(pkg, fx, maxBytes);
    const { delivery, bodyBytes, digestB64, base, der } = large;
    const text = delivery.body;
    const asString = { method: delivery.method, url: delivery.url, headers: delivery.headers, body: text };
    const asBytes = { ...asString, body: bodyBytes };
    const reference = (body, parse) => {
      if (createHash('sha256').update(body).digest('base64') !== digestB64) throw new Error('digest mismatch');
      if (!nodeVerify('sha512', base, key, der)) throw new Error('bad signature');
      return parse(body).payload;
    };
    const candidates = {
      verifyString: () => verifier.verify(asString),
      verifyBytes: () => verifier.verify(asBytes),
      fullString: () => full.verify(asString),
      fullBytes: () => full.verify(asBytes),
      refString: () => reference(text, JSON.parse),
      refBytes: () => reference(bodyBytes, (b) => JSON.parse(decoder.decode(b))),
      sha256: () => createHash('sha256').update(bodyBytes).digest(),
      subtleDigest: () => crypto.subtle.digest('SHA-256', bodyBytes),
      jsonParse: () => JSON.parse(text),
      decode: () => decoder.decode(bodyBytes),
      ecdsa: () => nodeVerify('sha512', base, key, der),
    };
    // Every candidate agrees on the result before anything is timed.
    for (const name of ['verifyString', 'verifyBytes', 'fullString', 'fullBytes']) {
      const verified = await candidates[name]();
      if (verified.events?.length !== large.events) throw new Error(`${name}: ${verified.events?.length} events, expected ${large.events}`);
    }
    for (const name of ['refString', 'refBytes']) if (candidates[name]().length !== large.events) throw new Error(`${name}: wrong event count`);
    for (let i = 0; i < warmupOps; i++) for (const fn of Object.values(candidates)) await fn();

    const names = Object.keys(candidates);
    const samples = await interleaved(candidates, ops, Math.max(1, Math.min(batch, Math.ceil(ops / 10))));
    const stats = Object.fromEntries(names.map((n) => [n, summarize(samples[n])]));
    const vs = (a, b) => ({ median: ratio(stats[a].median, stats[b].median), p99: ratio(stats[a].p99, stats[b].p99) });
    out.push({
      maxBytes,
      bodyBytes: bodyBytes.length,
      events: large.events,
      baseBytes: base.length,
      digestHeader: 'Digest: SHA-256=…',
      stats,
      ratios: {
        verifyStringToRef: vs('verifyString', 'refString'),
        verifyBytesToRef: vs('verifyBytes', 'refBytes'),
        fullStringToRef: vs('fullString', 'refString'),
        fullBytesToRef: vs('fullBytes', 'refBytes'),
      },
    });
  }
  verifier.free();
  full.free();
  return { unit: 'ms per operation', candidates: LARGE_CANDIDATES, sizes: out };
}
