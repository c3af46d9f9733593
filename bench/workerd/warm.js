// Warm benchmark Worker: the package imported by name, as a Worker project
// does (its wasm is instantiated at script start), through both entries:
// `upvest-webhooks/verifier` (the verifier's own, smaller module, what a
// Worker should ship) and `upvest-webhooks` (the whole package). Node drives it:
//   POST /setup  { delivery, jwks, base, raw }   base/raw in base64
//   POST /round  { batches, k: { verify, verifyFull, webcrypto }, offset }
// Each timed batch is `fence; t0 = Date.now(); k operations; fence; t1`,
// where a fence is a request to another Worker (real I/O): workerd may only
// advance its clock across I/O, so reading it right after a fence is exact
// either way. Fence-only intervals are returned as well, for subtraction.

import { WebhookVerifier } from 'upvest-webhooks/verifier';
import { WebhookVerifier as FullPackageVerifier } from 'upvest-webhooks';

let state;

const json = (value, status = 200) => new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
const fromBase64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

async function setup(input) {
  const verifier = new WebhookVerifier({ keys: input.jwks });
  const fullPackageVerifier = new FullPackageVerifier({ keys: input.jwks });
  const key = await crypto.subtle.importKey('jwk', input.jwks.keys[0], { name: 'ECDSA', namedCurve: 'P-521' }, false, ['verify']);
  const base = fromBase64(input.base);
  const raw = fromBase64(input.raw);
  const { method, url, headers, body } = input.delivery;
  const request = { method, url, headers, body };
  const algorithm = { name: 'ECDSA', hash: 'SHA-512' };
  state = {
    ops: {
      verify: () => verifier.verify(request),
      verifyFull: () => fullPackageVerifier.verify(request),
      webcrypto: () => crypto.subtle.verify(algorithm, key, raw, base),
    },
  };
  const verified = await state.ops.verify();
  const verifiedFull = await state.ops.verifyFull();
  const webcrypto = await state.ops.webcrypto();
  const kid = input.jwks.keys[0].kid;
  return json({ ok: verified.keyId === kid && verifiedFull.keyId === kid && webcrypto === true, keyId: verified.keyId, webcrypto });
}

async function round(input, env) {
  const fence = async () => {
    const response = await env.FENCE.fetch('http://fence/');
    await response.arrayBuffer();
  };
  const names = Object.keys(state.ops);
  const out = Object.fromEntries([...names, 'fence'].map((name) => [name, []]));
  for (let i = 0; i < input.batches; i++) {
    const order = names.map((_, j) => names[(i + j + input.offset) % names.length]);
    for (const name of order) {
      const op = state.ops[name];
      const k = input.k[name];
      await fence();
      const t0 = Date.now();
      for (let j = 0; j < k; j++) await op();
      await fence();
      out[name].push(Date.now() - t0);
    }
    await fence();
    const t0 = Date.now();
    await fence();
    out.fence.push(Date.now() - t0);
  }
  return json(out);
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    try {
      if (pathname === '/setup') return await setup(await request.json());
      if (pathname === '/round') return await round(await request.json(), env);
      return json({ error: 'not found' }, 404);
    } catch (err) {
      return json({ error: String(err?.stack ?? err), code: err?.code }, 500);
    }
  },
};
