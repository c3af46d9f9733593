// A Cloudflare Worker that uses `upvest-webhooks` the way a Worker project
// would: a bare import resolved through the package's `workerd` export
// condition, bundled with the `.wasm` kept as a separate CompiledWasm module.
//
// Bindings (env):
//   UPVEST_JWKS      JSON text of the JWKS (a plain-text var / secret), or
//   UPVEST_JWKS_URL  URL the verifier fetches the JWKS from.
//   UPVEST_KEYS_COOLDOWN_MS  optional keysCooldownMs (how soon an unknown kid may refetch).
//   UPVEST_KEYS_MAX_AGE_MS   optional keysMaxAgeMs (when the cached set is refreshed).
//
// Routes:
//   POST /verify     verifies the incoming request with verifyRequest();
//                    200 {ok:true, events, keyId, signatureVersion} or
//                    401 {ok:false, code, message}
//   GET  /self-test  generateTestKeyPair + signTestDelivery + verify inside
//                    workerd, including tampered and wrong-key cases.

import { WebhookVerifier, WebhookVerificationError, generateTestKeyPair, signTestDelivery } from 'upvest-webhooks';

const json = (value, status = 200) => new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

// One verifier per isolate and key source, so a fetched JWKS can be cached
// across requests, as a real Worker would do.
const verifiers = new Map();

function verifierFor(env) {
  const source = env.UPVEST_JWKS_URL ? `url:${env.UPVEST_JWKS_URL}` : `jwks:${env.UPVEST_JWKS ?? ''}`;
  let verifier = verifiers.get(source);
  if (!verifier) {
    let keys;
    if (env.UPVEST_JWKS_URL) keys = env.UPVEST_JWKS_URL;
    else if (env.UPVEST_JWKS) keys = typeof env.UPVEST_JWKS === 'string' ? JSON.parse(env.UPVEST_JWKS) : env.UPVEST_JWKS;
    else throw new Error('configure UPVEST_JWKS or UPVEST_JWKS_URL');
    const options = { keys };
    if (env.UPVEST_KEYS_COOLDOWN_MS !== undefined) options.keysCooldownMs = Number(env.UPVEST_KEYS_COOLDOWN_MS);
    if (env.UPVEST_KEYS_MAX_AGE_MS !== undefined) options.keysMaxAgeMs = Number(env.UPVEST_KEYS_MAX_AGE_MS);
    verifier = new WebhookVerifier(options);
    verifiers.set(source, verifier);
  }
  return verifier;
}

function describeError(err) {
  return {
    ok: false,
    code: err?.code ?? null,
    message: String(err?.message ?? err),
    name: err?.name ?? null,
    isWebhookVerificationError: err instanceof WebhookVerificationError,
  };
}

async function verifyRoute(request, env) {
  try {
    const verified = await verifierFor(env).verifyRequest(request);
    return json({ ok: true, ...verified });
  } catch (err) {
    if (!(err instanceof WebhookVerificationError)) return json({ ...describeError(err), unexpected: true }, 500);
    return json(describeError(err), 401);
  }
}

async function expectFailure(promise) {
  try {
    await promise;
    return { ok: true, code: null, isWebhookVerificationError: false };
  } catch (err) {
    return describeError(err);
  }
}

async function selfTest() {
  const started = Date.now();
  const { jwks, privateJwk } = generateTestKeyPair({ kid: 'k1' });
  const other = generateTestKeyPair({ kid: 'k1' }); // same kid, different key
  const event = {
    id: crypto.randomUUID(),
    created_at: new Date().toISOString(),
    type: 'ORDER.FILLED',
    object: { id: 'order-1', status: 'FILLED' },
    webhook_id: 'wh-1',
  };
  const url = 'https://tenant.example/hooks?source=upvest';
  const d = signTestDelivery({ privateJwk, keyId: 'k1', url, events: [event] });
  const verifier = new WebhookVerifier({ keys: jwks, now: () => Date.now() });
  const asyncKeysVerifier = new WebhookVerifier({ keys: async () => jwks });
  const wrongKeyVerifier = new WebhookVerifier({ keys: other.jwks });

  const checks = {};
  const valid = await verifier.verify({ method: d.method, url: d.url, headers: d.headers, body: d.body });
  checks.valid = { ok: true, events: valid.events, keyId: valid.keyId, signatureVersion: valid.signatureVersion };

  const viaRequest = await asyncKeysVerifier.verifyRequest(new Request(d.url, { method: d.method, headers: d.headers, body: d.body }));
  checks.verifyRequest = { ok: true, events: viaRequest.events, keyId: viaRequest.keyId };

  const tamperedBody = d.body.replace('FILLED', 'FILLEd'); // same length: the digest, not content-length, must catch it
  checks.tampered = await expectFailure(verifier.verify({ ...d, body: tamperedBody }));
  checks.wrongKey = await expectFailure(wrongKeyVerifier.verify({ method: d.method, url: d.url, headers: d.headers, body: d.body }));
  checks.wrongPath = await expectFailure(verifier.verify({ ...d, url: 'https://tenant.example/other?source=upvest' }));

  return json({
    ok:
      checks.valid.events.length === 1 &&
      checks.valid.events[0].id === event.id &&
      checks.verifyRequest.events[0].id === event.id &&
      checks.tampered.code === 'ERR_DIGEST_MISMATCH' &&
      checks.wrongKey.code === 'ERR_SIGNATURE_INVALID' &&
      checks.wrongPath.code === 'ERR_SIGNATURE_INVALID',
    checks,
    delivery: { method: d.method, url: d.url, headers: d.headers, body: d.body },
    jwks,
    eventId: event.id,
    ms: Date.now() - started,
  });
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    try {
      if (pathname === '/verify') {
        if (request.method !== 'POST') return json({ ok: false, code: 'METHOD_NOT_ALLOWED' }, 405);
        return await verifyRoute(request, env);
      }
      if (pathname === '/self-test') return await selfTest();
      return json({ ok: false, code: 'NOT_FOUND' }, 404);
    } catch (err) {
      return json({ ...describeError(err), unexpected: true, stack: String(err?.stack ?? '') }, 500);
    }
  },
};
