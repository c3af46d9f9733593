// The emulated Upvest API (webhooks-api.md §1): POST /auth/token,
// GET /auth/verify_keys, GET/POST /webhooks, GET/PATCH/DELETE /webhooks/{id},
// POST /webhooks/{id}/test. `createApi(ctx).handle(req, entry)` runs steps 3–8
// of the request pipeline (server.mjs lists them all) and returns a response.

import crypto from 'node:crypto';
import { HttpProblem, problem, problemResponse } from './problems.mjs';
import { verifyRequestSignature } from './request-signatures.mjs';
import { compileRoutes, empty, findRoute, json } from './routes.mjs';
import { UUID_RE, parseListQuery, validateWebhookBody } from './validation.mjs';

/** Idempotency keys remembered (oldest forgotten first). */
const MAX_IDEMPOTENCY_KEYS = 10_000;

/**
 * @typedef {{ id: string, created_at: string, updated_at: string, title: string, url: string, enabled: boolean,
 *   type: string[], exclude_type?: string[], config: { delay: string, max_package_size: number }, _seq: number }} Webhook
 */

/**
 * What the API reaches: the emulator's parts (see server.mjs).
 * @typedef {{
 *   options: Record<string, any>,
 *   now: () => number,
 *   nowSeconds: () => number,
 *   clientId: string,
 *   clientSecret: string,
 *   allowedScopes: Set<string>,
 *   toleranceSeconds: number,
 *   rejectReplayedNonces: boolean,
 *   allowHttpLocalhost: boolean,
 *   defaultConfig: { delay: string, max_package_size: number },
 *   keys: Map<string, { publicKey: any, kind: string }>,
 *   keyring: { jwks(): unknown },
 *   state: { webhooks: Map<string, Webhook>, tokens: Map<string, { clientId: string, scopes: string[], expiresAt: number, revoked: boolean }>,
 *     idempotency: Map<string, { fingerprint: string, response: import('./routes.mjs').Response }>, nonces: Map<string, number>, tokensIssued: number },
 *   seq: { webhook: number },
 *   engine: { webhookChanged(id: string): void, webhookDeleted(id: string): void },
 *   pipeline: { sendTest(hook: Webhook): void },
 * }} ApiContext
 */

/** @typedef {import('./routes.mjs').Request} Request */

/** The webhook as the API shows it (without the emulator's bookkeeping). @param {Webhook} hook */
export const strip = (hook) => {
  const { _seq, ...rest } = hook;
  return structuredClone(rest);
};

const sha512b64 = (/** @type {Buffer} */ bytes) => crypto.createHash('sha512').update(bytes).digest('base64');

/** @param {Request} req */
function parseJsonBody(req) {
  const type = (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw problem(400, 'bad_request', 'content-type must be application/json');
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch {
    throw problem(400, 'bad_request', 'the body is not valid JSON');
  }
}

/**
 * @param {ApiContext} ctx
 * @param {string} id
 */
function findWebhook(ctx, id) {
  // a malformed id names no webhook: 404, which every {webhook_id} operation lists (400 only PATCH does)
  if (!UUID_RE.test(id)) throw problem(404, 'not_found', `webhook ${id} not found (webhook_id must be a UUID)`);
  const hook = ctx.state.webhooks.get(id.toLowerCase());
  if (!hook) throw problem(404, 'not_found', `webhook ${id} not found`);
  return hook;
}

const iso = (/** @type {ApiContext} */ ctx) => new Date(ctx.now()).toISOString();

/** @param {ApiContext} ctx @param {Request} req */
function issueToken(ctx, req) {
  const type = (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw problem(400, 'bad_request', 'content-type must be application/x-www-form-urlencoded');
  const form = new URLSearchParams(req.body.toString('utf8'));
  for (const field of ['client_id', 'client_secret', 'grant_type', 'scope']) {
    if (!form.has(field)) throw problem(400, 'bad_request', `${field} is required`);
  }
  if (form.get('grant_type') !== 'client_credentials') throw problem(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
  if (form.get('client_id') !== ctx.clientId || form.get('client_secret') !== ctx.clientSecret) {
    throw problem(401, 'invalid_client', 'invalid client credentials');
  }
  if (form.get('client_id') !== req.headers.get('upvest-client-id')) throw problem(401, 'invalid_client', 'client_id differs from upvest-client-id');
  const scopes = String(form.get('scope')).split(' ').filter(Boolean);
  if (scopes.length === 0) throw problem(400, 'invalid_scope', 'scope is empty');
  for (const scope of scopes) if (!ctx.allowedScopes.has(scope)) throw problem(400, 'invalid_scope', `scope ${scope} is not allowed for this client`);
  const expiresIn = ctx.options.tokenExpiresIn ?? 1799;
  const accessToken = `emu_at_${crypto.randomBytes(32).toString('base64url')}.${crypto.randomBytes(8).toString('base64url')}`;
  ctx.state.tokens.set(accessToken, { clientId: ctx.clientId, scopes, expiresAt: ctx.now() + expiresIn * 1000, revoked: false });
  ctx.state.tokensIssued += 1;
  return json(200, { access_token: accessToken, expires_in: expiresIn, token_type: 'bearer', scope: scopes.join(' ') });
}

/** @param {ApiContext} ctx @param {Request} req */
function authenticate(ctx, req) {
  const header = req.headers.get('authorization');
  const m = /^Bearer ([a-zA-Z0-9\-._~+/]+=*)$/.exec(header ?? '');
  if (!m) throw problem(401, 'unauthorized', header === undefined ? 'missing bearer token' : 'malformed authorization header');
  const token = ctx.state.tokens.get(m[1]);
  if (!token) throw problem(401, 'unauthorized', 'unknown access token');
  if (token.revoked) throw problem(401, 'unauthorized', 'the access token was revoked');
  if (ctx.now() >= token.expiresAt) throw problem(401, 'unauthorized', 'the access token expired');
  return token;
}

/** @param {{ scopes: string[] }} token @param {boolean} write */
function requireScope(token, write) {
  const ok = write ? token.scopes.includes('webhooks:admin') : token.scopes.some((s) => s === 'webhooks:read' || s === 'webhooks:admin');
  if (!ok) throw problem(403, 'forbidden', `the token lacks the ${write ? 'webhooks:admin' : 'webhooks:read or webhooks:admin'} scope`);
}

/** @param {ApiContext} ctx @param {any} body */
function createWebhook(ctx, body) {
  validateWebhookBody(body, { create: true, allowHttpLocalhost: ctx.allowHttpLocalhost });
  const at = iso(ctx);
  const config = { ...ctx.defaultConfig, ...(body.config ?? {}) };
  /** @type {Webhook} */
  const hook = {
    id: crypto.randomUUID(),
    created_at: at,
    updated_at: at,
    title: body.title,
    url: body.url,
    enabled: false, // new webhooks start disabled (webhooks-api.md §2): PATCH enabled: true
    type: body.type ? [...body.type] : ['ALL'],
    config: { delay: config.delay, max_package_size: config.max_package_size },
    _seq: (ctx.seq.webhook += 1),
  };
  if (body.exclude_type) hook.exclude_type = [...body.exclude_type];
  ctx.state.webhooks.set(hook.id, hook);
  return json(201, strip(hook));
}

/** @param {ApiContext} ctx @param {Webhook} hook @param {any} body */
function updateWebhook(ctx, hook, body) {
  validateWebhookBody(body, { create: false, allowHttpLocalhost: ctx.allowHttpLocalhost });
  for (const key of /** @type {const} */ (['title', 'url', 'enabled'])) if (key in body) /** @type {any} */ (hook)[key] = body[key];
  if ('type' in body) hook.type = [...body.type];
  if ('exclude_type' in body) hook.exclude_type = [...body.exclude_type];
  if ('config' in body) {
    if ('delay' in body.config) hook.config.delay = body.config.delay;
    if ('max_package_size' in body.config) hook.config.max_package_size = body.config.max_package_size;
  }
  hook.updated_at = iso(ctx);
  ctx.engine.webhookChanged(hook.id);
  return json(200, strip(hook));
}

/** @param {ApiContext} ctx @param {string | null} query */
function listWebhooks(ctx, query) {
  const q = parseListQuery(query);
  const dir = q.order === 'DESC' ? -1 : 1;
  const sortKey = /** @type {keyof Webhook} */ (q.sort);
  const all = [...ctx.state.webhooks.values()].sort((a, b) => {
    const x = /** @type {any} */ (a[sortKey]);
    const y = /** @type {any} */ (b[sortKey]);
    const c = x === y ? 0 : x < y ? -1 : 1;
    return (c || a._seq - b._seq) * dir;
  });
  const data = all.slice(q.offset, q.offset + q.limit).map(strip);
  return json(200, {
    meta: { offset: q.offset, limit: q.limit, count: data.length, total_count: all.length, sort: q.sort, order: q.order },
    data,
  });
}

/**
 * The API's route table (the token request is answered before authentication).
 * @type {import('./routes.mjs').Route<ApiContext>[]}
 */
const ROUTES = [
  { method: 'POST', path: '/auth/token', run: (ctx, req) => issueToken(ctx, req) },
  { method: 'GET', path: '/auth/verify_keys', scope: 'read', run: (ctx) => json(200, ctx.keyring.jwks()) },
  { method: 'GET', path: '/webhooks', scope: 'read', run: (ctx, req) => listWebhooks(ctx, req.query) },
  { method: 'POST', path: '/webhooks', scope: 'write', run: (ctx, req) => createWebhook(ctx, parseJsonBody(req)) },
  { method: 'GET', path: '/webhooks/{webhook_id}', scope: 'read', run: (ctx, _req, p) => json(200, strip(findWebhook(ctx, p.webhook_id))) },
  {
    method: 'PATCH',
    path: '/webhooks/{webhook_id}',
    scope: 'write',
    run: (ctx, req, p) => updateWebhook(ctx, findWebhook(ctx, p.webhook_id), parseJsonBody(req)),
  },
  {
    method: 'DELETE',
    path: '/webhooks/{webhook_id}',
    scope: 'write',
    run: (ctx, _req, p) => {
      const hook = findWebhook(ctx, p.webhook_id);
      ctx.state.webhooks.delete(hook.id);
      ctx.engine.webhookDeleted(hook.id);
      return empty(204);
    },
  },
  {
    method: 'POST',
    path: '/webhooks/{webhook_id}/test',
    scope: 'write',
    run: (ctx, _req, p) => {
      ctx.pipeline.sendTest(findWebhook(ctx, p.webhook_id));
      return empty(202);
    },
  },
];

const TABLE = compileRoutes(ROUTES);

/** The API's operations as `METHOD path` (for documentation and tests). */
export const API_ROUTES = Object.freeze(ROUTES.map((r) => `${r.method} ${r.path}`));

/**
 * Checks the request's signature and records the outcome in `entry.signature`
 * (also for requests a fault answers before the API sees them). Returns the
 * error (an HttpProblem, → 401) or null.
 * @param {Pick<ApiContext, 'keys' | 'clientId' | 'nowSeconds' | 'toleranceSeconds'>} ctx
 * @param {Request} req @param {Record<string, any>} entry
 * @returns {unknown}
 */
export function recordSignature(ctx, req, entry) {
  try {
    entry.signature = verifyRequestSignature(req, {
      keys: ctx.keys,
      clientId: ctx.clientId,
      nowSeconds: ctx.nowSeconds(),
      toleranceSeconds: ctx.toleranceSeconds,
      isTokenRequest: req.method === 'POST' && req.path === '/auth/token',
    });
    return null;
  } catch (err) {
    const e = /** @type {any} */ (err);
    entry.signature = { verified: false, error: e.detail ?? e.message, ...(e.extra?.signature ?? {}) };
    return err;
  }
}

/**
 * Step 3: the request signature (→ 401), and a replayed nonce (→ 401).
 * @param {ApiContext} ctx @param {Request} req @param {Record<string, any>} entry
 */
function checkSignature(ctx, req, entry) {
  const error = recordSignature(ctx, req, entry);
  if (error) throw error;
  if (!ctx.rejectReplayedNonces) return;
  const nonceKey = `${entry.signature.keyId} ${entry.signature.nonce}`;
  const horizon = ctx.nowSeconds() - 2 * ctx.toleranceSeconds;
  for (const [k, created] of ctx.state.nonces) if (created < horizon) ctx.state.nonces.delete(k);
  if (ctx.state.nonces.has(nonceKey)) {
    entry.signature.verified = false;
    entry.signature.error = 'replayed nonce';
    throw problem(401, 'invalid_signature', `nonce ${JSON.stringify(entry.signature.nonce)} was already used`);
  }
  ctx.state.nonces.set(nonceKey, entry.signature.created);
}

/**
 * Step 4: `accept`, when present, must allow application/json (→ 406; not on
 * DELETE, which answers no body and lists no 406); `upvest-api-version` (→ 400).
 * @param {Request} req
 */
function checkHeaders(req) {
  const accept = req.headers.get('accept');
  const mediaTypes = (accept ?? '').split(',').map((s) => s.split(';')[0].trim().toLowerCase());
  const acceptable = mediaTypes.some((t) => t === 'application/json' || t === 'application/*' || t === '*/*');
  if (accept !== undefined && req.method !== 'DELETE' && !acceptable) {
    throw problem(406, 'not_acceptable', `unsupported accept ${JSON.stringify(accept)}; only application/json`);
  }
  const apiVersion = req.headers.get('upvest-api-version');
  if (apiVersion !== undefined && apiVersion !== '1') throw problem(400, 'bad_request', `unsupported upvest-api-version ${apiVersion}`);
}

/**
 * Step 7: `idempotency-key` on POST and PATCH (→ 400 when missing; a repeat
 * returns the stored first response; another request with the same key → 409).
 * @param {ApiContext} ctx @param {Request} req @param {Record<string, any>} entry @param {() => import('./routes.mjs').Response} run
 */
function idempotent(ctx, req, entry, run) {
  const key = req.headers.get('idempotency-key');
  if (key === undefined) throw problem(400, 'missing_idempotency_key', 'POST and PATCH need an idempotency-key header', { title: 'Missing idempotency key' });
  if (key.length === 0 || key.length > 255) throw problem(400, 'bad_request', 'invalid idempotency-key');
  const fingerprint = `${req.method} ${req.path} ${sha512b64(req.body)}`;
  const id = `${ctx.clientId} ${key}`;
  const stored = ctx.state.idempotency.get(id);
  if (stored) {
    if (stored.fingerprint !== fingerprint) throw problem(409, 'idempotency_key_reused', 'the idempotency-key was used for a different request');
    entry.replayed = true;
    return { ...stored.response, headers: { ...stored.response.headers, 'idempotency-replayed': 'true' } };
  }
  let response;
  try {
    response = run();
  } catch (err) {
    if (!(err instanceof HttpProblem)) throw err;
    response = problemResponse(entry.requestId, err);
  }
  ctx.state.idempotency.set(id, { fingerprint, response: { ...response, headers: { ...response.headers, 'upvest-request-id': entry.requestId } } });
  if (ctx.state.idempotency.size > MAX_IDEMPOTENCY_KEYS) ctx.state.idempotency.delete(/** @type {string} */ (ctx.state.idempotency.keys().next().value));
  return response;
}

/**
 * The API of one emulator.
 * @param {ApiContext} ctx
 */
export function createApi(ctx) {
  /**
   * Runs steps 3–8 of the API pipeline; returns a response (never throws).
   * @param {Request} req
   * @param {Record<string, any>} entry the request's log entry (signature, scopes, replayed are recorded on it)
   */
  function handle(req, entry) {
    try {
      checkSignature(ctx, req, entry);
      checkHeaders(req);
      const notFound = `no route for ${req.path}`;
      if (req.path === '/auth/token') return findRoute(TABLE, req.method, req.path, notFound).route.run(ctx, req, {});

      const token = authenticate(ctx, req);
      entry.scopes = token.scopes;
      const { route, params } = findRoute(TABLE, req.method, req.path, notFound);
      requireScope(token, route.scope === 'write');
      const run = () => route.run(ctx, req, params);
      return req.method === 'POST' || req.method === 'PATCH' ? idempotent(ctx, req, entry, run) : run();
    } catch (err) {
      if (err instanceof HttpProblem) return problemResponse(entry.requestId, err);
      entry.internalError = err;
      return problemResponse(entry.requestId, problem(500, 'internal_server_error', 'the emulator failed'));
    }
  }
  return { handle };
}
