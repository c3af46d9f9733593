// A Cloudflare Worker that drives the upvest-webhooks API client inside
// workerd against the fake Upvest API (node:http on 127.0.0.1, started by
// client.test.mjs). Bundled with esbuild like a Worker project: bare import,
// `workerd` export condition, the `.wasm` kept as a CompiledWasm module.
//
// Bindings: UPVEST_BASE_URL, UPVEST_CLIENT_ID, UPVEST_CLIENT_SECRET,
// UPVEST_KEY_ID, UPVEST_PRIVATE_KEY (PEM text, or JSON text of a JWK).
//
// Routes (each answers JSON; failures as { ok: false, error }):
//   POST /lifecycle   create → enable → list → listAll → retrieve → test → delete
//   POST /create      create one webhook (body: the create request)
//   GET  /list        list() with the query as parameters
//   POST /delete/:id  delete
//   GET  /retrieve/:id
//   GET  /keys        verificationKeys()
//   POST /verify      verify the incoming delivery with upvest.webhookVerifier()
//   POST /verify-shared  the same with one webhookVerifier() kept for the isolate
//                     (UPVEST_KEYS_MAX_AGE_MS, UPVEST_KEYS_COOLDOWN_MS: its options)
//   GET  /invalid     a validation error (nothing sent)

import { UpvestApiError, UpvestClient, UpvestError, UpvestValidationError } from 'upvest-webhooks';

const json = (value, status = 200) => new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

function clientFrom(env, overrides = {}) {
  const raw = env.UPVEST_PRIVATE_KEY;
  const privateKey = raw.trim().startsWith('{') ? JSON.parse(raw) : raw;
  return new UpvestClient({
    baseUrl: env.UPVEST_BASE_URL,
    clientId: env.UPVEST_CLIENT_ID,
    clientSecret: env.UPVEST_CLIENT_SECRET,
    keyId: env.UPVEST_KEY_ID,
    privateKey,
    timeoutMs: Number(env.UPVEST_TIMEOUT_MS ?? 5000),
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 100,
    ...overrides,
  });
}

function describeError(err) {
  return {
    name: err?.name ?? null,
    message: String(err?.message ?? err),
    code: err?.code ?? null,
    status: err?.status ?? null,
    type: err?.type ?? null,
    title: err?.title ?? null,
    upvestRequestId: err?.upvestRequestId ?? null,
    field: err?.field ?? null,
    rule: err?.rule ?? null,
    isUpvestError: err instanceof UpvestError,
    isApiError: err instanceof UpvestApiError,
    isValidationError: err instanceof UpvestValidationError,
  };
}

// One client per isolate, as a Worker would keep it (its token is cached across requests).
let shared;
// One verifier per isolate for /verify-shared (its keys are cached across requests).
let sharedVerifier;

function keyCacheOptions(env) {
  const options = {};
  if (env.UPVEST_KEYS_COOLDOWN_MS !== undefined) options.keysCooldownMs = Number(env.UPVEST_KEYS_COOLDOWN_MS);
  if (env.UPVEST_KEYS_MAX_AGE_MS !== undefined) options.keysMaxAgeMs = Number(env.UPVEST_KEYS_MAX_AGE_MS);
  return options;
}

async function route(request, env) {
  const url = new URL(request.url);
  const upvest = (shared ??= clientFrom(env));
  const [, action, id] = url.pathname.split('/');
  switch (`${request.method} /${action}`) {
    case 'POST /lifecycle': {
      const steps = [];
      const hook = await upvest.webhooks.create({
        title: 'Workers orders',
        url: 'https://tenant.example.com/upvest/orders',
        type: ['ORDER'],
        config: { delay: '5s', max_package_size: 10240 },
      });
      steps.push(['create', hook]);
      steps.push(['update', await upvest.webhooks.update(hook.id, { enabled: true })]);
      steps.push(['list', await upvest.webhooks.list({ limit: 10, sort: 'title', order: 'ASC' })]);
      const all = [];
      for await (const h of upvest.webhooks.listAll({ pageSize: 1 })) all.push(h.id);
      steps.push(['listAll', all]);
      steps.push(['retrieve', await upvest.webhooks.retrieve(hook.id)]);
      steps.push(['test', (await upvest.webhooks.test(hook.id)) ?? null]);
      steps.push(['delete', (await upvest.webhooks.delete(hook.id)) ?? null]);
      return json({ ok: true, steps });
    }
    case 'POST /create':
      return json({ ok: true, hook: await upvest.webhooks.create(await request.json()) });
    case 'GET /list':
      return json({
        ok: true,
        page: await upvest.webhooks.list(Object.fromEntries([...url.searchParams].map(([k, v]) => [k, /^\d+$/.test(v) ? Number(v) : v]))),
      });
    case 'POST /delete':
      return json({ ok: true, result: (await upvest.webhooks.delete(id)) ?? null });
    case 'GET /retrieve':
      return json({ ok: true, hook: await upvest.webhooks.retrieve(id) });
    case 'GET /keys':
      return json({ ok: true, jwks: await upvest.verificationKeys() });
    case 'POST /verify': {
      const verified = await upvest.webhookVerifier().verifyRequest(request);
      return json({ ok: true, events: verified.events, keyId: verified.keyId });
    }
    case 'POST /verify-shared': {
      const verified = await (sharedVerifier ??= upvest.webhookVerifier(keyCacheOptions(env))).verifyRequest(request);
      return json({ ok: true, events: verified.events, keyId: verified.keyId });
    }
    case 'GET /invalid':
      return json({ ok: true, hook: await upvest.webhooks.create({ title: 'x'.repeat(101), url: 'https://tenant.example.com/x' }) });
    default:
      return json({ ok: false, error: { message: `no route ${request.method} ${url.pathname}` } }, 404);
  }
}

export default {
  async fetch(request, env) {
    try {
      return await route(request, env);
    } catch (err) {
      return json({ ok: false, error: describeError(err) }, 500);
    }
  },
};
