// Node, warm: (a) verify() end to end of `upvest-webhooks/verifier` (the
// verifier module) and (a′) of `upvest-webhooks` (the whole package's
// module), (b) WebCrypto subtle.verify on the same base and raw signature,
// (c) node:crypto verify with DER. Each operation is timed on its own with performance.now(); the
// candidates run in interleaved batches (rotating order) so drifts in CPU
// speed and background load hit all three alike.

import { verify as nodeVerify } from 'node:crypto';
import { interleaved, ratio, summarize } from '../lib/stats.mjs';

export async function benchNodeVerify({ pkg, verifierPkg, fx, ops, warmupOps, batch }) {
  const verifier = new verifierPkg.WebhookVerifier({ keys: fx.jwks });
  const fullPackageVerifier = new pkg.WebhookVerifier({ keys: fx.jwks });
  const cryptoKey = await crypto.subtle.importKey('jwk', fx.publicJwk, { name: 'ECDSA', namedCurve: 'P-521' }, false, ['verify']);
  const algorithm = { name: 'ECDSA', hash: 'SHA-512' };
  const keyForNode = { key: fx.keyObject, dsaEncoding: 'der' };
  const { delivery, baseBytes, raw, der } = fx;
  const request = { method: delivery.method, url: delivery.url, headers: delivery.headers, body: delivery.body };

  const candidates = {
    verify: () => verifier.verify(request),
    verifyFull: () => fullPackageVerifier.verify(request),
    webcrypto: () => crypto.subtle.verify(algorithm, cryptoKey, raw, baseBytes),
    nodeCrypto: () => nodeVerify('sha512', baseBytes, keyForNode, der),
  };

  // Warm-up, checking every candidate accepts the delivery.
  for (let i = 0; i < warmupOps; i++) {
    const verified = await candidates.verify();
    if (verified.keyId !== fx.publicJwk.kid) throw new Error('verify() returned an unexpected result');
    if ((await candidates.verifyFull()).keyId !== fx.publicJwk.kid) throw new Error('verify() of the whole package returned an unexpected result');
    if ((await candidates.webcrypto()) !== true) throw new Error('WebCrypto rejected the signature');
    if (candidates.nodeCrypto() !== true) throw new Error('node:crypto rejected the signature');
  }

  const names = Object.keys(candidates);
  const samples = await interleaved(candidates, ops, batch);
  verifier.free();
  fullPackageVerifier.free();

  const stats = Object.fromEntries(names.map((n) => [n, summarize(samples[n])]));
  return {
    unit: 'ms per operation',
    stats,
    ratios: {
      verifyToWebcrypto: { median: ratio(stats.verify.median, stats.webcrypto.median), p99: ratio(stats.verify.p99, stats.webcrypto.p99) },
      verifyFullToWebcrypto: { median: ratio(stats.verifyFull.median, stats.webcrypto.median), p99: ratio(stats.verifyFull.p99, stats.webcrypto.p99) },
      verifyToNodeCrypto: { median: ratio(stats.verify.median, stats.nodeCrypto.median), p99: ratio(stats.verify.p99, stats.nodeCrypto.p99) },
      webcryptoToNodeCrypto: { median: ratio(stats.webcrypto.median, stats.nodeCrypto.median) },
    },
  };
}
