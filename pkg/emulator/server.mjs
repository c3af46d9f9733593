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
// ADMIN_ROUTES (admin.mjs) or GET /emulator. Every route, API and admin,
// answers CORS requests from any origin (preflights included).
//
// The parts: http.mjs (the node:http server, steps 1, 2 and 9), api.mjs
// (steps 3–8, its route table), admin.mjs (the admin route table, which also
// gives ADMIN_ROUTES), delivery-pipeline.mjs (emitted and test events to the
// delivery engine, deliveries.mjs). This file puts them together.

import crypto from 'node:crypto';
import { ADMIN_ROUTES } from './admin.mjs';
import { createApi, strip } from './api.mjs';
import { createDeliveryEngine, httpTransport } from './deliveries.mjs';
import { createDeliveryPipeline } from './delivery-pipeline.mjs';
import { createFaults } from './faults.mjs';
import { createHttpServer, send } from './http.mjs';
import { describeTenantKey, generateTenantKey, keyKind, toPublicKey } from './request-signatures.mjs';
import { createKeyring, signDelivery as signV6Delivery } from './signing.mjs';
import { SCOPES } from './validation.mjs';

export { ADMIN_ROUTES };

/**
 * A manual clock for tests: `clock.now()` in ms, `clock.set(ms)`, `clock.advance(ms)`.
 * @type {typeof import('./server.d.mts').manualClock}
 */
export const manualClock = function manualClock(startMs = Date.now()) {
  let t = startMs;
  return {
    now: () => t,
    set: (/** @type {number} */ ms) => {
      t = ms;
    },
    advance: (/** @type {number} */ ms) => {
      t += ms;
      return t;
    },
  };
};

/** @type {typeof import('./server.d.mts').ADMIN_ROUTES} */
const declaredAdminRoutes = ADMIN_ROUTES; // ADMIN_ROUTES is what server.d.mts says
void declaredAdminRoutes;

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
 *
 * Typed as server.d.mts declares it (`./server.mjs` resolves to the
 * declarations), so `tsc -p pkg/emulator` fails when the two drift apart.
 *
 * @type {typeof import('./server.d.mts').startEmulator}
 */
export const startEmulator = async function startEmulator(options = {}) {
  const now = options.now ?? Date.now;
  const nowSeconds = () => Math.floor(now() / 1000);
  const clientId = options.clientId ?? crypto.randomUUID();
  const clientSecret = options.clientSecret ?? `secret-${crypto.randomBytes(24).toString('base64url')}`;
  const allowedScopes = new Set(options.allowedScopes ?? SCOPES);
  const timeFactor = options.timeFactor ?? 1;
  if (!(Number.isFinite(timeFactor) && timeFactor > 0)) throw new TypeError('timeFactor must be a finite number > 0');
  const timers = options.timers ?? { setTimeout, clearTimeout };

  const given = /** @type {any} */ (options.tenantKey);
  const givenKey = typeof given === 'string' || given instanceof crypto.KeyObject ? given : given?.privateKey;
  const tenantKey = givenKey
    ? describeTenantKey(givenKey, given?.keyId ?? crypto.randomUUID())
    : generateTenantKey(options.keyType ?? 'p521', given?.keyId ?? crypto.randomUUID());
  /** keyId → { publicKey, kind } */
  const keys = new Map();
  const registerKey = (/** @type {any} */ publicKeyLike, /** @type {string} */ keyId = crypto.randomUUID()) => {
    const publicKey = toPublicKey(publicKeyLike);
    keys.set(keyId, { publicKey, kind: keyKind(publicKey) });
    return keyId;
  };
  registerKey(tenantKey.publicKey, tenantKey.keyId);
  for (const { keyId, publicKey } of options.keys ?? []) registerKey(publicKey, keyId);

  let closed = false;
  const schedule = (/** @type {() => void} */ fn, /** @type {number} */ ms) => {
    const t = timers.setTimeout(fn, ms);
    /** @type {any} */ (t)?.unref?.();
    return t;
  };
  const keyring = createKeyring({
    count: options.verificationKeyCount ?? 1,
    schedule,
    cancel: (/** @type {any} */ t) => timers.clearTimeout(t),
    scaleMs: (/** @type {number} */ ms) => ms * timeFactor,
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
    testDeliveries: /** @type {any[]} */ ([]),
    /** emitted events (without webhook_id), with the webhooks they were routed to: `{ …event, webhookIds }` */
    events: /** @type {any[]} */ ([]),
    /** number of token grants */
    tokensIssued: 0,
  };
  const seq = { webhook: 0, request: 0 };
  /** every API request received, in arrival order */
  const requests = /** @type {any[]} */ ([]);

  const faults = createFaults({ send });
  const engine = createDeliveryEngine({
    getWebhook: (id) => state.webhooks.get(id),
    sign: ({ url, body }) => signV6Delivery({ key: keyring.active, url, body, created: nowSeconds() }),
    transport: /** @type {typeof httpTransport} */ (options.transport ?? httpTransport),
    timeFactor,
    now,
    timers,
    dispatch: options.dispatch ?? true,
    timeoutMs: options.deliveryTimeoutMs ?? 10_000,
    maxBackoffSeconds: options.maxBackoffSeconds,
    onAttempt: options.onDelivery,
  });
  const pipeline = createDeliveryPipeline({ now, nowSeconds, state, engine, onEmit: options.onEmit });
  const api = createApi({
    options,
    now,
    nowSeconds,
    clientId,
    clientSecret,
    allowedScopes,
    toleranceSeconds: options.toleranceSeconds ?? 300,
    rejectReplayedNonces: options.rejectReplayedNonces ?? true,
    allowHttpLocalhost: options.allowHttpLocalhost ?? true,
    defaultConfig: options.defaultConfig ?? { delay: '1s', max_package_size: 10240 },
    keys,
    keyring,
    state,
    seq,
    engine,
    pipeline,
  });

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
    return { reset: /** @type {const} */ (true) };
  }

  const http = createHttpServer({
    now,
    nowSeconds,
    options,
    keys,
    clientId,
    toleranceSeconds: options.toleranceSeconds ?? 300,
    requests,
    seq,
    faults,
    api,
    admin: {
      get baseUrl() {
        return baseUrl;
      },
      state,
      requests,
      keyring,
      engine,
      faults,
      pipeline,
      info,
      reset,
      strip,
    },
  });
  const { address, port } = await http.listen(options.port ?? 0, options.host ?? '127.0.0.1');
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
    jwks: () => /** @type {import('../index.js').Jwks} */ (keyring.jwks()),
    /** The kid of the key that signs deliveries now. */
    get activeKeyId() {
      return keyring.active.kid;
    },
    /** `{ keyId, previousKeyId, graceSeconds, previousKeyRetiresAt }` (see signing.mjs `rotate`). */
    rotateKey: (opts) => keyring.rotate(opts),
    signDelivery: (input) => /** @type {import('./server.d.mts').SignedDelivery} */ (pipeline.signDelivery(input)),
    emit: pipeline.emit,
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
      await http.close();
    },
  };
};
