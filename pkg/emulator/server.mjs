// The local Upvest emulator: the webhooks subset of the Upvest Investment
// API on node:http, signed webhook deliveries, and an admin API to drive it.
// Node ≥ 20 built-ins only. Test credentials only: nothing here talks to
// Upvest or holds a real secret.
//
//   import { startEmulator } from 'upvest-webhooks/emulator'; // or the CLI: npx upvest-webhooks-emulator
//   const emu = await startEmulator({ port: 8787, timeFactor: 1 });
//   emu.baseUrl, emu.clientId, emu.clientSecret, emu.keyId, emu.privateKeyPem
//   await emu.emit({ type: 'ORDER.FILLED', count: 3 });
//   emu.listDeliveries(); emu.rotateKey({ graceSeconds: 300 }); emu.inject({ status: 429 });
//   await emu.close();
//
// API (webhooks-api.md §1): POST /auth/token, GET /auth/verify_keys,
// GET/POST /webhooks, GET/PATCH/DELETE /webhooks/{id}, POST /webhooks/{id}/test.
//
// API request pipeline, in order:
//   1. read the raw request (body ≤ 1 MiB → 413)
//   2. faults with `when: 'before'` (a gateway in front of the API)
//   3. signature (→ 401): `upvest-signature-version: 15` (uncovered), the
//      `sig1` member of `signature-input`/`signature`, covered components per
//      request kind, `content-digest`/`content-length` against the body,
//      created/expires window, replayed nonce, ECDSA P-521/SHA-512 (DER) or
//      Ed25519 over the rebuilt base
//   4. `accept`, when present, must allow application/json (→ 406; not on
//      DELETE, which answers no body), `upvest-api-version` (→ 400)
//   5. routing (→ 404/405); `POST /auth/token` handled here
//   6. bearer token (→ 401), scopes (→ 403)
//   7. `idempotency-key` on POST/PATCH (→ 400 when missing; a repeat
//      returns the stored first response; another request with the same key → 409)
//   8. the operation (validation → 400, unknown or malformed id → 404)
//   9. faults with `when: 'after'` (the operation has run; the response is lost)
//
// Admin API (no auth, not Upvest's): everything under /emulator/ — see
// ADMIN_ROUTES below or GET /emulator. Every route, API and admin, answers
// CORS requests from any origin (preflights included).

import crypto from 'node:crypto';
import { createServer } from 'node:http';
import { createDeliveryEngine, httpTransport } from './deliveries.mjs';
import { createFaults } from './faults.mjs';
import { HttpProblem, problem, problemResponse } from './problems.mjs';
import { collectHeaders, describeTenantKey, generateTenantKey, keyKind, splitTarget, toPublicKey, verifyRequestSignature } from './request-signatures.mjs';
import { catalog, categoryOf, resolveEmitRequest, testEvent } from './samples.mjs';
import { createKeyring, signDelivery as signV6Delivery } from './signing.mjs';
import { SCOPES, UUID_RE, parseListQuery, validateWebhookBody } from './validation.mjs';

const MAX_BODY_BYTES = 1024 * 1024;
/** Idempotency keys remembered (oldest forgotten first). */
const MAX_IDEMPOTENCY_KEYS = 10_000;

/** The admin routes, as listed by GET /emulator. */
export const ADMIN_ROUTES = Object.freeze([
  'GET    /emulator                       this list',
  'GET    /emulator/info                  base URL, test client credentials, key id, private key PEM, scopes',
  'GET    /emulator/verify_keys           the delivery signing keys (JWKS), without auth',
  'GET    /emulator/event-types           categories, event types and example names of the samples',
  'POST   /emulator/events                emit sample events: { type, count?, object?, example?, created_at? } or { events: [...] }',
  'GET    /emulator/events                emitted events (?type=&limit=)',
  'POST   /emulator/rotate-key            new delivery signing key: { graceSeconds? = 300 }',
  'GET    /emulator/deliveries            deliveries (?webhook_id=&state=), with attempts and the last signed request',
  'GET    /emulator/deliveries/{id}       one delivery, with its payload',
  'POST   /emulator/deliveries/{id}/retry attempt a retrying delivery now',
  'GET    /emulator/webhooks              the webhooks, without auth',
  'GET    /emulator/requests              API requests received, with their signature check (?limit=)',
  'GET    /emulator/faults                active API faults',
  'POST   /emulator/faults                inject an API fault: { status | kind, times?, method?, path?, pathPattern?, when?, retryAfter?, delayMs? }',
  'DELETE /emulator/faults                clear the faults',
  'POST   /emulator/reset                 forget webhooks, events, deliveries, faults, logs (keeps credentials and keys)',
]);

const CORS = Object.freeze({ 'access-control-allow-origin': '*', 'access-control-expose-headers': '*' });

/** A manual clock for tests: `clock.now()` in ms, `clock.set(ms)`, `clock.advance(ms)`. */
export function manualClock(startMs = Date.now()) {
  let t = startMs;
  return {
    now: () => t,
    set: (ms) => {
      t = ms;
    },
    advance: (ms) => {
      t += ms;
      return t;
    },
  };
}

const sha512b64 = (bytes) => crypto.createHash('sha512').update(bytes).digest('base64');
const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `2025-06-15T15:06:40.123456789Z` from nanoseconds since the epoch (BigInt). */
function formatNanos(ns) {
  const ms = Number(ns / 1_000_000n);
  return `${new Date(ms).toISOString().slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

/**
 * Starts the emulator. Resolves once it listens.
 *
 * Options (all optional):
 * - `host` (default `127.0.0.1`), `port` (default 0: any free port).
 * - `clientId`, `clientSecret`: tenant credentials (default: random).
 * - `tenantKey`: `{ keyId?, privateKey? }` (PEM, JWK or KeyObject) to reuse a
 *   key (or fix its id); otherwise one is generated (`keyType`: `'p521'` default, or `'ed25519'`).
 * - `keys`: extra tenant public keys, `[{ keyId, publicKey }]` (KeyObject, PEM or JWK).
 * - `allowedScopes`: scopes the tenant may request (default both webhook scopes).
 * - `tokenExpiresIn`: seconds (default 1799).
 * - `now`: clock in ms (default `Date.now`), for tokens, timestamps, the signature window, event times.
 * - `toleranceSeconds`: signature `created` window (default 300).
 * - `rejectReplayedNonces`: reject a (keyid, nonce) seen before (default true).
 * - `allowHttpLocalhost`: accept `http://localhost|127.0.0.1|[::1]` webhook URLs (default true).
 * - `defaultConfig`: config of a webhook created without one (default `{ delay: '1s', max_package_size: 10240 }`).
 * - `verificationKeyCount`: delivery signing keys published at /auth/verify_keys (default 1).
 * - `timeFactor`: multiplies batching delays, retry backoff and key grace periods (> 0; default 1; 0.01 → 1 s is 10 ms).
 * - `dispatch`: false builds and queues deliveries without sending them (default true).
 * - `deliveryTimeoutMs`: per-attempt timeout, not scaled (default 10000).
 * - `maxBackoffSeconds`: retry backoff cap (default 600).
 * - `transport`, `timers`: injectable delivery transport and timer functions.
 * - `requestLogLimit`: API requests kept in `requests` (default unlimited).
 * - `info`: extra fields for GET /emulator/info (the CLI adds `privateKeyPath`).
 * - `onResponse(entry)`: called with each API log entry once answered (or faulted).
 * - `onDelivery(delivery, attempt)`: called after each delivery attempt.
 * - `onEmit(events)`: called with the events of each emit.
 */
export async function startEmulator(options = {}) {
  const now = options.now ?? Date.now;
  const nowSeconds = () => Math.floor(now() / 1000);
  const clientId = options.clientId ?? crypto.randomUUID();
  const clientSecret = options.clientSecret ?? `secret-${crypto.randomBytes(24).toString('base64url')}`;
  const allowedScopes = new Set(options.allowedScopes ?? SCOPES);
  const toleranceSeconds = options.toleranceSeconds ?? 300;
  const rejectReplayedNonces = options.rejectReplayedNonces ?? true;
  const allowHttpLocalhost = options.allowHttpLocalhost ?? true;
  const defaultConfig = options.defaultConfig ?? { delay: '1s', max_package_size: 10240 };
  const timeFactor = options.timeFactor ?? 1;
  if (!(Number.isFinite(timeFactor) && timeFactor > 0)) throw new TypeError('timeFactor must be a finite number > 0');
  const timers = options.timers ?? { setTimeout, clearTimeout };
  const requestLogLimit = options.requestLogLimit ?? Infinity;

  const given = options.tenantKey;
  const givenKey = typeof given === 'string' || given instanceof crypto.KeyObject ? given : given?.privateKey;
  const tenantKey = givenKey
    ? describeTenantKey(givenKey, given?.keyId ?? crypto.randomUUID())
    : generateTenantKey(options.keyType ?? 'p521', given?.keyId ?? crypto.randomUUID());
  /** keyId → { publicKey, kind } */
  const keys = new Map();
  const registerKey = (publicKeyLike, keyId = crypto.randomUUID()) => {
    const publicKey = toPublicKey(publicKeyLike);
    keys.set(keyId, { publicKey, kind: keyKind(publicKey) });
    return keyId;
  };
  registerKey(tenantKey.publicKey, tenantKey.keyId);
  for (const { keyId, publicKey } of options.keys ?? []) registerKey(publicKey, keyId);

  const sockets = new Set();
  let closed = false;
  const schedule = (fn, ms) => {
    const t = timers.setTimeout(fn, ms);
    t?.unref?.();
    return t;
  };
  const keyring = createKeyring({
    count: options.verificationKeyCount ?? 1,
    schedule,
    cancel: (t) => timers.clearTimeout(t),
    scaleMs: (ms) => ms * timeFactor,
    now,
  });

  const state = {
    /** id → webhook (insertion order = creation order) */
    webhooks: new Map(),
    /** access token → { clientId, scopes: string[], expiresAt (ms), revoked } */
    tokens: new Map(),
    /** `${clientId} ${key}` → { fingerprint, response } */
    idempotency: new Map(),
    /** `${keyid} ${nonce}` → created */
    nonces: new Map(),
    /** Upvest's delivery signing keys, the active one first (`{ kid, privateKey, publicKey, publicJwk }`) */
    verificationKeys: keyring.keys,
    /** one record per POST /webhooks/{id}/test: `{ webhookId, deliveryId, event, delivery }` (delivery: a signed request) */
    testDeliveries: [],
    /** emitted events (without webhook_id), with the webhooks they were routed to: `{ …event, webhookIds }` */
    events: [],
    /** number of token grants */
    tokensIssued: 0,
  };
  const seq = { webhook: 0, request: 0 };
  /** every API request received, in arrival order */
  const requests = [];

  // -- responses ------------------------------------------------------------

  const json = (status, value) => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
  const empty = (status) => ({ status, headers: {}, body: '' });

  function send(res, requestId, response) {
    const headers = { ...CORS, ...response.headers };
    if (!('upvest-request-id' in headers) && !response.noRequestId && requestId) headers['upvest-request-id'] = requestId;
    const body = Buffer.from(response.body ?? '');
    if (response.status !== 204) headers['content-length'] = String(body.length);
    res.writeHead(response.status, headers);
    res.end(response.status === 204 ? undefined : body);
  }

  const faults = createFaults({ send });

  // -- deliveries -----------------------------------------------------------

  const engine = createDeliveryEngine({
    getWebhook: (id) => state.webhooks.get(id),
    sign: ({ url, body }) => signV6Delivery({ key: keyring.active, url, body, created: nowSeconds() }),
    transport: options.transport ?? httpTransport,
    timeFactor,
    now,
    timers,
    dispatch: options.dispatch ?? true,
    timeoutMs: options.deliveryTimeoutMs ?? 10_000,
    maxBackoffSeconds: options.maxBackoffSeconds,
    onAttempt: options.onDelivery,
  });

  let lastEventNs = 0n;
  function nextTimestamp() {
    let ns = BigInt(Math.floor(now())) * 1_000_000n;
    if (ns <= lastEventNs) ns = lastEventNs + 1n;
    lastEventNs = ns;
    return formatNanos(ns);
  }

  /** Is `hook` subscribed to events of `type`? (enabled; `ALL` minus `exclude_type`, or the category listed) */
  function subscribed(hook, type) {
    if (!hook.enabled) return false;
    if (hook.type.includes('ALL')) return !(hook.exclude_type ?? []).includes(type);
    return hook.type.includes(categoryOf(type));
  }

  /**
   * Emits events (see samples.mjs `resolveEmitRequest` for the body) to every
   * enabled, subscribed webhook. Returns `{ events: [{ id, created_at, type, object, webhookIds }] }`.
   */
  function emit(body) {
    const specs = resolveEmitRequest(body);
    const events = [];
    const hooks = [...state.webhooks.values()];
    for (const spec of specs) {
      const event = { id: crypto.randomUUID(), created_at: spec.created_at ?? nextTimestamp(), type: spec.type, object: spec.object };
      const targets = hooks.filter((h) => subscribed(h, event.type));
      for (const hook of targets) engine.enqueue(hook.id, { ...structuredClone(event), webhook_id: hook.id });
      const record = { ...event, webhookIds: targets.map((h) => h.id) };
      state.events.push(record);
      events.push(structuredClone(record));
    }
    if (state.events.length > 1000) state.events.splice(0, state.events.length - 1000);
    options.onEmit?.(events);
    return { events };
  }

  /**
   * Signs a webhook delivery as Upvest does (v6 base with unquoted names,
   * `digest: SHA-256=…` covered, ECDSA P-521/SHA-512, DER), with one of the
   * keys published at /auth/verify_keys (`keyIndex`, default 0 = the active
   * key) or any `privateKey` + `kid`. Sends nothing.
   */
  function signDelivery({ url, events, body, keyIndex = 0, privateKey, kid, created = nowSeconds(), expires, nonce }) {
    const key = privateKey ? { privateKey, kid } : state.verificationKeys[keyIndex];
    return signV6Delivery({ key, url, events, body, created, expires, nonce });
  }

  // -- operations -----------------------------------------------------------

  const iso = () => new Date(now()).toISOString();

  function requireScope(token, write) {
    const ok = write ? token.scopes.includes('webhooks:admin') : token.scopes.some((s) => s === 'webhooks:read' || s === 'webhooks:admin');
    if (!ok) throw problem(403, 'forbidden', `the token lacks the ${write ? 'webhooks:admin' : 'webhooks:read or webhooks:admin'} scope`);
  }

  function parseJsonBody(req) {
    const type = (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw problem(400, 'bad_request', 'content-type must be application/json');
    try {
      return JSON.parse(req.body.toString('utf8'));
    } catch {
      throw problem(400, 'bad_request', 'the body is not valid JSON');
    }
  }

  function findWebhook(id) {
    // a malformed id names no webhook: 404, which every {webhook_id} operation lists (400 only PATCH does)
    if (!UUID_RE.test(id)) throw problem(404, 'not_found', `webhook ${id} not found (webhook_id must be a UUID)`);
    const hook = state.webhooks.get(id.toLowerCase());
    if (!hook) throw problem(404, 'not_found', `webhook ${id} not found`);
    return hook;
  }

  const strip = (hook) => {
    const { _seq, ...rest } = hook;
    return structuredClone(rest);
  };

  function issueToken(req) {
    const type = (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') throw problem(400, 'bad_request', 'content-type must be application/x-www-form-urlencoded');
    const form = new URLSearchParams(req.body.toString('utf8'));
    for (const field of ['client_id', 'client_secret', 'grant_type', 'scope']) {
      if (!form.has(field)) throw problem(400, 'bad_request', `${field} is required`);
    }
    if (form.get('grant_type') !== 'client_credentials') throw problem(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
      throw problem(401, 'invalid_client', 'invalid client credentials');
    }
    if (form.get('client_id') !== req.headers.get('upvest-client-id')) throw problem(401, 'invalid_client', 'client_id differs from upvest-client-id');
    const scopes = form.get('scope').split(' ').filter(Boolean);
    if (scopes.length === 0) throw problem(400, 'invalid_scope', 'scope is empty');
    for (const scope of scopes) if (!allowedScopes.has(scope)) throw problem(400, 'invalid_scope', `scope ${scope} is not allowed for this client`);
    const expiresIn = options.tokenExpiresIn ?? 1799;
    const accessToken = `emu_at_${crypto.randomBytes(32).toString('base64url')}.${crypto.randomBytes(8).toString('base64url')}`;
    state.tokens.set(accessToken, { clientId, scopes, expiresAt: now() + expiresIn * 1000, revoked: false });
    state.tokensIssued += 1;
    return json(200, { access_token: accessToken, expires_in: expiresIn, token_type: 'bearer', scope: scopes.join(' ') });
  }

  function authenticate(req) {
    const header = req.headers.get('authorization');
    const m = /^Bearer ([a-zA-Z0-9\-._~+/]+=*)$/.exec(header ?? '');
    if (!m) throw problem(401, 'unauthorized', header === undefined ? 'missing bearer token' : 'malformed authorization header');
    const token = state.tokens.get(m[1]);
    if (!token) throw problem(401, 'unauthorized', 'unknown access token');
    if (token.revoked) throw problem(401, 'unauthorized', 'the access token was revoked');
    if (now() >= token.expiresAt) throw problem(401, 'unauthorized', 'the access token expired');
    return token;
  }

  function createWebhook(body) {
    validateWebhookBody(body, { create: true, allowHttpLocalhost });
    const at = iso();
    const config = { ...defaultConfig, ...(body.config ?? {}) };
    const hook = {
      id: crypto.randomUUID(),
      created_at: at,
      updated_at: at,
      title: body.title,
      url: body.url,
      enabled: false, // new webhooks start disabled (webhooks-api.md §2): PATCH enabled: true
      type: body.type ? [...body.type] : ['ALL'],
      config: { delay: config.delay, max_package_size: config.max_package_size },
      _seq: (seq.webhook += 1),
    };
    if (body.exclude_type) hook.exclude_type = [...body.exclude_type];
    state.webhooks.set(hook.id, hook);
    return json(201, strip(hook));
  }

  function updateWebhook(hook, body) {
    validateWebhookBody(body, { create: false, allowHttpLocalhost });
    for (const key of ['title', 'url', 'enabled']) if (key in body) hook[key] = body[key];
    if ('type' in body) hook.type = [...body.type];
    if ('exclude_type' in body) hook.exclude_type = [...body.exclude_type];
    if ('config' in body) {
      if ('delay' in body.config) hook.config.delay = body.config.delay;
      if ('max_package_size' in body.config) hook.config.max_package_size = body.config.max_package_size;
    }
    hook.updated_at = iso();
    engine.webhookChanged(hook.id);
    return json(200, strip(hook));
  }

  function listWebhooks(query) {
    const q = parseListQuery(query);
    const dir = q.order === 'DESC' ? -1 : 1;
    const all = [...state.webhooks.values()].sort((a, b) => {
      const x = a[q.sort];
      const y = b[q.sort];
      const c = x === y ? 0 : x < y ? -1 : 1;
      return (c || a._seq - b._seq) * dir;
    });
    const data = all.slice(q.offset, q.offset + q.limit).map(strip);
    return json(200, {
      meta: { offset: q.offset, limit: q.limit, count: data.length, total_count: all.length, sort: q.sort, order: q.order },
      data,
    });
  }

  function testWebhook(hook) {
    const event = testEvent({ createdAt: nextTimestamp(), webhookId: hook.id });
    const d = engine.sendTest(hook.id, event);
    state.testDeliveries.push({ webhookId: hook.id, deliveryId: d.id, event, delivery: signDelivery({ url: hook.url, body: JSON.stringify({ payload: [event] }) }) });
    if (state.testDeliveries.length > 1000) state.testDeliveries.shift();
    return empty(202);
  }

  function route(req) {
    const { method, path } = req;
    const notAllowed = () => problem(405, 'method_not_allowed', `${method} ${path} is not allowed`);
    if (path === '/auth/verify_keys') {
      if (method !== 'GET') throw notAllowed();
      return { scope: 'read', run: () => json(200, keyring.jwks()) };
    }
    if (path === '/webhooks') {
      if (method === 'GET') return { scope: 'read', run: () => listWebhooks(req.query) };
      if (method === 'POST') return { scope: 'write', run: () => createWebhook(parseJsonBody(req)) };
      throw notAllowed();
    }
    let m = /^\/webhooks\/([^/]+)$/.exec(path);
    if (m) {
      const id = decodeURIComponent(m[1]);
      if (method === 'GET') return { scope: 'read', run: () => json(200, strip(findWebhook(id))) };
      if (method === 'PATCH') return { scope: 'write', run: () => updateWebhook(findWebhook(id), parseJsonBody(req)) };
      if (method === 'DELETE') {
        return {
          scope: 'write',
          run: () => {
            const hook = findWebhook(id);
            state.webhooks.delete(hook.id);
            engine.webhookDeleted(hook.id);
            return empty(204);
          },
        };
      }
      throw notAllowed();
    }
    m = /^\/webhooks\/([^/]+)\/test$/.exec(path);
    if (m) {
      if (method !== 'POST') throw notAllowed();
      const id = decodeURIComponent(m[1]);
      return { scope: 'write', run: () => testWebhook(findWebhook(id)) };
    }
    throw problem(404, 'not_found', `no route for ${path}`);
  }

  /** Runs steps 3–8 of the API pipeline; returns a response (never throws). */
  function handle(req, entry) {
    try {
      const isTokenRequest = req.method === 'POST' && req.path === '/auth/token';
      entry.signature = { verified: false };
      try {
        entry.signature = verifyRequestSignature(req, { keys, clientId, nowSeconds: nowSeconds(), toleranceSeconds, isTokenRequest });
      } catch (err) {
        if (err instanceof HttpProblem) entry.signature = { verified: false, error: err.detail, ...err.extra.signature };
        throw err;
      }
      if (rejectReplayedNonces) {
        const nonceKey = `${entry.signature.keyId} ${entry.signature.nonce}`;
        const horizon = nowSeconds() - 2 * toleranceSeconds;
        for (const [k, created] of state.nonces) if (created < horizon) state.nonces.delete(k);
        if (state.nonces.has(nonceKey)) {
          entry.signature.verified = false;
          entry.signature.error = 'replayed nonce';
          throw problem(401, 'invalid_signature', `nonce ${JSON.stringify(entry.signature.nonce)} was already used`);
        }
        state.nonces.set(nonceKey, entry.signature.created);
      }

      // `accept` is optional (Upvest signs it only if present); DELETE answers no body and lists no 406
      const accept = req.headers.get('accept');
      const mediaTypes = (accept ?? '').split(',').map((s) => s.split(';')[0].trim().toLowerCase());
      const acceptable = mediaTypes.some((t) => t === 'application/json' || t === 'application/*' || t === '*/*');
      if (accept !== undefined && req.method !== 'DELETE' && !acceptable) {
        throw problem(406, 'not_acceptable', `unsupported accept ${JSON.stringify(accept)}; only application/json`);
      }
      const apiVersion = req.headers.get('upvest-api-version');
      if (apiVersion !== undefined && apiVersion !== '1') throw problem(400, 'bad_request', `unsupported upvest-api-version ${apiVersion}`);

      if (isTokenRequest) return issueToken(req);
      if (req.path === '/auth/token') throw problem(405, 'method_not_allowed', `${req.method} /auth/token is not allowed`);

      const token = authenticate(req);
      entry.scopes = token.scopes;
      const handler = route(req);
      requireScope(token, handler.scope === 'write');

      if (req.method === 'POST' || req.method === 'PATCH') {
        const key = req.headers.get('idempotency-key');
        if (key === undefined) {
          throw problem(400, 'missing_idempotency_key', 'POST and PATCH need an idempotency-key header', { title: 'Missing idempotency key' });
        }
        if (key.length === 0 || key.length > 255) throw problem(400, 'bad_request', 'invalid idempotency-key');
        const fingerprint = `${req.method} ${req.path} ${sha512b64(req.body)}`;
        const stored = state.idempotency.get(`${clientId} ${key}`);
        if (stored) {
          if (stored.fingerprint !== fingerprint) {
            throw problem(409, 'idempotency_key_reused', 'the idempotency-key was used for a different request');
          }
          entry.replayed = true;
          return { ...stored.response, headers: { ...stored.response.headers, 'idempotency-replayed': 'true' } };
        }
        let response;
        try {
          response = handler.run();
        } catch (err) {
          if (!(err instanceof HttpProblem)) throw err;
          response = problemResponse(entry.requestId, err);
        }
        state.idempotency.set(`${clientId} ${key}`, { fingerprint, response: { ...response, headers: { ...response.headers, 'upvest-request-id': entry.requestId } } });
        if (state.idempotency.size > MAX_IDEMPOTENCY_KEYS) state.idempotency.delete(state.idempotency.keys().next().value);
        return response;
      }
      return handler.run();
    } catch (err) {
      if (err instanceof HttpProblem) return problemResponse(entry.requestId, err);
      entry.internalError = err;
      return problemResponse(entry.requestId, problem(500, 'internal_server_error', 'the emulator failed'));
    }
  }

  // -- admin API (/emulator/…) ----------------------------------------------

  function info() {
    return {
      emulator: 'upvest-webhooks local Upvest emulator',
      note: 'Test credentials of a local emulator: not Upvest secrets, and not accepted by Upvest.',
      baseUrl,
      clientId,
      clientSecret,
      keyId: tenantKey.keyId,
      keyType: tenantKey.type,
      privateKeyPem: tenantKey.privateKeyPem,
      scopes: [...allowedScopes],
      deliverySigningKeyId: keyring.active.kid,
      timeFactor,
      ...(options.info ?? {}),
    };
  }

  function reset() {
    engine.reset();
    keyring.dropRetiring();
    state.webhooks.clear();
    state.idempotency.clear();
    state.nonces.clear();
    state.testDeliveries.length = 0;
    state.events.length = 0;
    requests.length = 0;
    faults.clear();
    return { reset: true };
  }

  function parseAdminJson(req) {
    const text = req.body.toString('utf8');
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text);
    } catch {
      throw problem(400, 'bad_request', 'the body is not valid JSON');
    }
  }

  function adminRoute(req) {
    const { method, path } = req;
    const q = new URLSearchParams(req.query ?? '');
    const notAllowed = () => problem(405, 'method_not_allowed', `${method} ${path} is not allowed`);
    const sub = path.replace(/^\/emulator\/?/, '');
    if (sub === '') {
      if (method !== 'GET') throw notAllowed();
      return json(200, { emulator: 'upvest-webhooks local Upvest emulator', baseUrl, routes: ADMIN_ROUTES });
    }
    if (sub === 'info') {
      if (method !== 'GET') throw notAllowed();
      return json(200, info());
    }
    if (sub === 'verify_keys') {
      if (method !== 'GET') throw notAllowed();
      return json(200, keyring.jwks());
    }
    if (sub === 'event-types') {
      if (method !== 'GET') throw notAllowed();
      return json(200, catalog());
    }
    if (sub === 'events') {
      if (method === 'POST') {
        const body = parseAdminJson(req);
        return json(201, emit(body));
      }
      if (method === 'GET') {
        const type = q.get('type');
        const limit = Math.min(1000, Number(q.get('limit') ?? 100) || 100);
        const events = state.events.filter((e) => !type || e.type === type || categoryOf(e.type) === type);
        return json(200, { events: events.slice(-limit) });
      }
      throw notAllowed();
    }
    if (sub === 'rotate-key') {
      if (method !== 'POST') throw notAllowed();
      const body = parseAdminJson(req);
      if (!isPlainObject(body)) throw problem(400, 'bad_request', 'the body must be a JSON object');
      const grace = body.graceSeconds ?? 300;
      if (typeof grace !== 'number' || !Number.isFinite(grace) || grace < 0) throw problem(400, 'bad_request', 'graceSeconds must be a number ≥ 0');
      return json(200, keyring.rotate({ graceSeconds: grace }));
    }
    if (sub === 'deliveries') {
      if (method !== 'GET') throw notAllowed();
      const webhookId = q.get('webhook_id') ?? undefined;
      const st = q.get('state') ?? undefined;
      return json(200, { deliveries: engine.list({ webhookId, state: st }) });
    }
    let m = /^deliveries\/([^/]+)$/.exec(sub);
    if (m) {
      if (method !== 'GET') throw notAllowed();
      const d = engine.get(m[1]);
      if (!d) throw problem(404, 'not_found', `delivery ${m[1]} not found`);
      return json(200, { ...d, payload: engine.payload(m[1]) });
    }
    m = /^deliveries\/([^/]+)\/retry$/.exec(sub);
    if (m) {
      if (method !== 'POST') throw notAllowed();
      if (!engine.get(m[1])) throw problem(404, 'not_found', `delivery ${m[1]} not found`);
      if (!engine.retryNow(m[1])) throw problem(409, 'conflict', 'the delivery is not waiting for a retry');
      return json(202, engine.get(m[1]));
    }
    if (sub === 'webhooks') {
      if (method !== 'GET') throw notAllowed();
      return json(200, { data: [...state.webhooks.values()].map(strip) });
    }
    if (sub === 'requests') {
      if (method !== 'GET') throw notAllowed();
      const limit = Math.min(1000, Number(q.get('limit') ?? 100) || 100);
      return json(200, {
        requests: requests.slice(-limit).map((r) => ({
          seq: r.seq,
          requestId: r.requestId,
          at: new Date(r.at).toISOString(),
          method: r.method,
          url: r.url,
          status: r.status,
          fault: r.fault,
          replayed: r.replayed,
          headers: r.headers,
          body: r.body,
          signature: r.signature && { ...r.signature },
        })),
      });
    }
    if (sub === 'faults') {
      if (method === 'GET') return json(200, { faults: faults.view() });
      if (method === 'DELETE') {
        faults.clear();
        return empty(204);
      }
      if (method === 'POST') {
        const body = parseAdminJson(req);
        if (!isPlainObject(body)) throw problem(400, 'bad_request', 'the body must be a JSON object');
        const { pathPattern, ...spec } = body;
        if (pathPattern !== undefined) {
          try {
            spec.path = new RegExp(pathPattern);
          } catch {
            throw problem(400, 'bad_request', 'pathPattern is not a valid regular expression');
          }
        }
        try {
          faults.inject(spec);
        } catch (err) {
          throw problem(400, 'bad_request', err.message);
        }
        return json(201, { faults: faults.view() });
      }
      throw notAllowed();
    }
    if (sub === 'reset') {
      if (method !== 'POST') throw notAllowed();
      return json(200, reset());
    }
    throw problem(404, 'not_found', `no emulator route ${path} (GET /emulator lists them)`);
  }

  // -- HTTP -----------------------------------------------------------------

  const server = createServer(async (nodeReq, res) => {
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    try {
      for await (const chunk of nodeReq) {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) tooLarge = true;
        else chunks.push(chunk);
      }
    } catch {
      return; // the client went away
    }
    const { path, query } = splitTarget(nodeReq.url);
    const headers = collectHeaders(nodeReq.rawHeaders);
    const req = { method: nodeReq.method, path, query, headers, body: Buffer.concat(chunks) };
    const requestId = crypto.randomUUID();

    if (req.method === 'OPTIONS') {
      // CORS preflight, any route: a browser playground on another origin may call everything
      const allow = {
        ...CORS,
        'access-control-allow-methods': 'GET, POST, PATCH, DELETE, OPTIONS',
        'access-control-allow-headers': headers.get('access-control-request-headers') || '*',
        'access-control-max-age': '600',
        ...(headers.get('access-control-request-private-network') === 'true' ? { 'access-control-allow-private-network': 'true' } : {}),
      };
      res.writeHead(204, allow);
      res.end();
      return;
    }

    if (path === '/emulator' || path.startsWith('/emulator/')) {
      let response;
      try {
        if (tooLarge) throw problem(413, 'payload_too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`);
        response = adminRoute(req);
      } catch (err) {
        response = problemResponse(requestId, err instanceof HttpProblem ? err : problem(500, 'internal_server_error', String(err?.message ?? err)));
      }
      send(res, requestId, response);
      return;
    }

    const entry = {
      seq: (seq.request += 1),
      requestId,
      at: now(),
      method: req.method,
      path,
      query,
      url: nodeReq.url,
      headers: Object.fromEntries(headers),
      body: req.body.toString('utf8'),
      idempotencyKey: headers.get('idempotency-key'),
      signature: null,
      status: null,
      fault: null,
      replayed: false,
    };
    requests.push(entry);
    if (requests.length > requestLogLimit) requests.splice(0, requests.length - requestLogLimit);

    if (tooLarge) {
      entry.status = 413;
      send(res, requestId, problemResponse(requestId, problem(413, 'payload_too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`)));
      options.onResponse?.(entry);
      return;
    }

    const before = faults.take(req, 'before');
    if (before) {
      // a gateway answers; record what the API would have thought of the signature
      try {
        entry.signature = verifyRequestSignature(req, {
          keys,
          clientId,
          nowSeconds: nowSeconds(),
          toleranceSeconds,
          isTokenRequest: req.method === 'POST' && path === '/auth/token',
        });
      } catch (err) {
        entry.signature = { verified: false, error: err.detail ?? err.message, ...(err.extra?.signature ?? {}) };
      }
      faults.apply(before, res, entry, null, CORS);
      options.onResponse?.(entry);
      return;
    }

    const response = handle(req, entry);
    entry.status = response.status;
    entry.response = response;
    const after = faults.take(req, 'after');
    if (after) faults.apply(after, res, entry, response, CORS);
    else send(res, requestId, response);
    options.onResponse?.(entry);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address();
  const baseUrl = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;

  return {
    baseUrl,
    host: address,
    port,
    clientId,
    clientSecret,
    keyId: tenantKey.keyId,
    keyType: tenantKey.type,
    privateKey: tenantKey.privateKey,
    privateKeyPem: tenantKey.privateKeyPem,
    privateKeyJwk: tenantKey.privateKeyJwk,
    publicKeyPem: tenantKey.publicKeyPem,
    scopes: [...allowedScopes],
    timeFactor,
    state,
    /** Every API request received (not admin routes or preflights), with its signature check. */
    requests,
    /** The live fault records. */
    faults: faults.list,
    /** Every request whose signature verified. */
    get verifiedRequests() {
      return requests.filter((r) => r.signature?.verified);
    },
    /** Requests other than token requests. */
    get apiRequests() {
      return requests.filter((r) => r.path !== '/auth/token');
    },
    /** Token requests. */
    get tokenRequests() {
      return requests.filter((r) => r.path === '/auth/token');
    },
    /** Injects an API fault (see faults.mjs `inject`); returns its record. */
    inject: faults.inject,
    clearFaults: faults.clear,
    /** Registers another tenant public key; returns its key id. */
    registerKey,
    /** Generates and registers a tenant key: `{ keyId, privateKey, privateKeyPem, privateKeyJwk, … }`. */
    addTenantKey(type = 'p521') {
      const k = generateTenantKey(type);
      registerKey(k.publicKey, k.keyId);
      return k;
    },
    /** Marks every issued token revoked (the next API call with one gets 401). */
    revokeTokens() {
      let n = 0;
      for (const token of state.tokens.values()) {
        if (!token.revoked) n += 1;
        token.revoked = true;
      }
      return n;
    },
    /** Publishes one more (inactive) delivery signing key at /auth/verify_keys; returns its kid. */
    addVerificationKey: () => keyring.add(),
    /** The JWKS of /auth/verify_keys. */
    jwks: () => keyring.jwks(),
    /** The kid of the key that signs deliveries now. */
    get activeKeyId() {
      return keyring.active.kid;
    },
    /** `{ keyId, previousKeyId, graceSeconds, previousKeyRetiresAt }` (see signing.mjs `rotate`). */
    rotateKey: (opts) => keyring.rotate(opts),
    signDelivery,
    emit,
    /** Delivery views (see deliveries.mjs), oldest first: `{ webhookId?, state? }`. */
    listDeliveries: (filter) => engine.list(filter),
    getDelivery: (id) => engine.get(id),
    /** Attempts a retrying delivery now. */
    retryDelivery: (id) => engine.retryNow(id),
    /** Seals a webhook's open package now. */
    flush: (webhookId) => engine.flush(webhookId),
    info,
    reset,
    /** Forgets the request log (not the state). */
    clearLog() {
      requests.length = 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      engine.close();
      keyring.stop();
      for (const socket of sockets) socket.destroy();
      // Also any connection the set missed: server.close() waits for them all.
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
