// A Cloudflare Worker that only verifies, so it imports `upvest-webhooks/verifier`
// by name: the verifier alone, resolved through that subpath's `workerd`
// export condition, its own (smaller) `.wasm` kept as a CompiledWasm module.
//
// Bindings (env):
//   UPVEST_JWKS        JSON text of the JWKS, or
//   UPVEST_JWKS_URL    the URL the verifier fetches the JWKS from.
//   UPVEST_WEBCRYPTO   optional: "false" sets the verifier option webCrypto: false.
//   UPVEST_KEYS_COOLDOWN_MS, UPVEST_KEYS_MAX_AGE_MS  optional keysCooldownMs, keysMaxAgeMs.
//
// Routes:
//   GET  /exports      the names the subpath exports
//   POST /verify       verifies the incoming request with verifyRequest();
//                      200 {ok:true, events, keyId, …, subtleCalls} or
//                      401 {ok:false, code, message, isWebhookVerificationError, subtleCalls}
//   POST /verify?fresh=1   the same with a new verifier (its key not yet precomputed)
//
// `subtleCalls` is how many times this request called crypto.subtle.verify
// (the path the verifier takes for a key's first verifications).

import * as upvest from 'upvest-webhooks/verifier';

const { WebhookVerifier, WebhookVerificationError } = upvest;

let subtleCalls = 0;
const realVerify = crypto.subtle.verify;
crypto.subtle.verify = function verify(...args) {
  subtleCalls += 1;
  return realVerify.apply(this, args);
};

const json = (value, status = 200) => new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

// One verifier per isolate, as a real Worker keeps it.
let shared;
function newVerifier(env) {
  const options = { keys: env.UPVEST_JWKS_URL ?? JSON.parse(env.UPVEST_JWKS) };
  if (env.UPVEST_WEBCRYPTO === 'false') options.webCrypto = false;
  if (env.UPVEST_KEYS_COOLDOWN_MS !== undefined) options.keysCooldownMs = Number(env.UPVEST_KEYS_COOLDOWN_MS);
  if (env.UPVEST_KEYS_MAX_AGE_MS !== undefined) options.keysMaxAgeMs = Number(env.UPVEST_KEYS_MAX_AGE_MS);
  return new WebhookVerifier(options);
}

async function verifyRoute(request, env) {
  const fresh = new URL(request.url).searchParams.has('fresh');
  const verifier = fresh ? newVerifier(env) : (shared ??= newVerifier(env));
  const before = subtleCalls;
  try {
    const verified = await verifier.verifyRequest(request);
    return json({ ok: true, ...verified, subtleCalls: subtleCalls - before });
  } catch (err) {
    const body = {
      ok: false,
      code: err?.code ?? null,
      message: String(err?.message ?? err),
      isWebhookVerificationError: err instanceof WebhookVerificationError,
      subtleCalls: subtleCalls - before,
    };
    return json(body, err instanceof WebhookVerificationError ? 401 : 500);
  }
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === '/exports') return json(Object.keys(upvest).sort());
    if (pathname === '/verify' && request.method === 'POST') return verifyRoute(request, env);
    return json({ ok: false, code: 'NOT_FOUND' }, 404);
  },
};
