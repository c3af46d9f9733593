// The admin API (no auth, not Upvest's): everything under /emulator/. One
// route table serves the requests and produces ADMIN_ROUTES, the list
// GET /emulator answers.

import { problem } from './problems.mjs';
import { compileRoutes, describeRoutes, empty, findRoute, json } from './routes.mjs';
import { categoryOf, catalog } from './samples.mjs';

/**
 * What the admin routes reach: the emulator's parts (see server.mjs).
 * @typedef {{
 *   baseUrl: string,
 *   state: { webhooks: Map<string, any>, events: Array<{ type: string }> },
 *   requests: Array<Record<string, any>>,
 *   keyring: { jwks(): unknown, rotate(options: { graceSeconds: number }): unknown },
 *   engine: { list(filter: { webhookId?: string, state?: string }): unknown[], get(id: string): any, payload(id: string): unknown, retryNow(id: string): boolean },
 *   faults: { view(): unknown[], clear(): void, inject(spec: any): unknown },
 *   pipeline: { emit(body: unknown): unknown },
 *   info(): Record<string, any>,
 *   reset(): Record<string, any>,
 *   strip(hook: any): Record<string, any>,
 * }} AdminContext
 */

/** @param {unknown} v @returns {v is Record<string, unknown>} */
const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** @param {import('./routes.mjs').Request} req */
function parseAdminJson(req) {
  const text = req.body.toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw problem(400, 'bad_request', 'the body is not valid JSON');
  }
}

/** @param {import('./routes.mjs').Request} req */
const queryOf = (req) => new URLSearchParams(req.query ?? '');
/** `?limit=` capped at 1000 (default 100). @param {URLSearchParams} q */
const limitOf = (q) => Math.min(1000, Number(q.get('limit') ?? 100) || 100);

/** @type {import('./routes.mjs').Route<AdminContext>[]} */
const ROUTES = [
  {
    method: 'GET',
    path: '/emulator',
    doc: 'this list',
    run: (ctx) => json(200, { emulator: 'upvest-webhooks local Upvest emulator', baseUrl: ctx.baseUrl, routes: ADMIN_ROUTES }),
  },
  { method: 'GET', path: '/emulator/info', doc: 'base URL, test client credentials, key id, private key PEM, scopes', run: (ctx) => json(200, ctx.info()) },
  { method: 'GET', path: '/emulator/verify_keys', doc: 'the delivery signing keys (JWKS), without auth', run: (ctx) => json(200, ctx.keyring.jwks()) },
  { method: 'GET', path: '/emulator/event-types', doc: 'categories, event types and example names of the samples', run: () => json(200, catalog()) },
  {
    method: 'POST',
    path: '/emulator/events',
    doc: 'emit sample events: { type, count?, object?, example?, created_at? } or { events: [...] }',
    run: (ctx, req) => json(201, ctx.pipeline.emit(parseAdminJson(req))),
  },
  {
    method: 'GET',
    path: '/emulator/events',
    doc: 'emitted events (?type=&limit=)',
    run: (ctx, req) => {
      const q = queryOf(req);
      const type = q.get('type');
      const events = ctx.state.events.filter((e) => !type || e.type === type || categoryOf(e.type) === type);
      return json(200, { events: events.slice(-limitOf(q)) });
    },
  },
  {
    method: 'POST',
    path: '/emulator/rotate-key',
    doc: 'new delivery signing key: { graceSeconds? = 300 }',
    run: (ctx, req) => {
      const body = parseAdminJson(req);
      if (!isPlainObject(body)) throw problem(400, 'bad_request', 'the body must be a JSON object');
      const grace = body.graceSeconds ?? 300;
      if (typeof grace !== 'number' || !Number.isFinite(grace) || grace < 0) throw problem(400, 'bad_request', 'graceSeconds must be a number ≥ 0');
      return json(200, ctx.keyring.rotate({ graceSeconds: grace }));
    },
  },
  {
    method: 'GET',
    path: '/emulator/deliveries',
    doc: 'deliveries (?webhook_id=&state=), with attempts and the last signed request',
    run: (ctx, req) => {
      const q = queryOf(req);
      return json(200, { deliveries: ctx.engine.list({ webhookId: q.get('webhook_id') ?? undefined, state: q.get('state') ?? undefined }) });
    },
  },
  {
    method: 'GET',
    path: '/emulator/deliveries/{id}',
    doc: 'one delivery, with its payload',
    run: (ctx, _req, { id }) => {
      const d = ctx.engine.get(id);
      if (!d) throw problem(404, 'not_found', `delivery ${id} not found`);
      return json(200, { ...d, payload: ctx.engine.payload(id) });
    },
  },
  {
    method: 'POST',
    path: '/emulator/deliveries/{id}/retry',
    doc: 'attempt a retrying delivery now',
    run: (ctx, _req, { id }) => {
      if (!ctx.engine.get(id)) throw problem(404, 'not_found', `delivery ${id} not found`);
      if (!ctx.engine.retryNow(id)) throw problem(409, 'conflict', 'the delivery is not waiting for a retry');
      return json(202, ctx.engine.get(id));
    },
  },
  {
    method: 'GET',
    path: '/emulator/webhooks',
    doc: 'the webhooks, without auth',
    run: (ctx) => json(200, { data: [...ctx.state.webhooks.values()].map(ctx.strip) }),
  },
  {
    method: 'GET',
    path: '/emulator/requests',
    doc: 'API requests received, with their signature check (?limit=)',
    run: (ctx, req) =>
      json(200, {
        requests: ctx.requests.slice(-limitOf(queryOf(req))).map((r) => ({
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
      }),
  },
  { method: 'GET', path: '/emulator/faults', doc: 'active API faults', run: (ctx) => json(200, { faults: ctx.faults.view() }) },
  {
    method: 'POST',
    path: '/emulator/faults',
    doc: 'inject an API fault: { status | kind, times?, method?, path?, pathPattern?, when?, retryAfter?, delayMs? }',
    run: (ctx, req) => {
      const body = parseAdminJson(req);
      if (!isPlainObject(body)) throw problem(400, 'bad_request', 'the body must be a JSON object');
      const { pathPattern, ...spec } = body;
      if (pathPattern !== undefined) {
        try {
          spec.path = new RegExp(String(pathPattern));
        } catch {
          throw problem(400, 'bad_request', 'pathPattern is not a valid regular expression');
        }
      }
      try {
        ctx.faults.inject(spec);
      } catch (err) {
        throw problem(400, 'bad_request', err instanceof Error ? err.message : String(err));
      }
      return json(201, { faults: ctx.faults.view() });
    },
  },
  {
    method: 'DELETE',
    path: '/emulator/faults',
    doc: 'clear the faults',
    run: (ctx) => {
      ctx.faults.clear();
      return empty(204);
    },
  },
  {
    method: 'POST',
    path: '/emulator/reset',
    doc: 'forget webhooks, events, deliveries, faults, logs (keeps credentials and keys)',
    run: (ctx) => json(200, ctx.reset()),
  },
];

const TABLE = compileRoutes(ROUTES);

/** The admin routes, as listed by GET /emulator (from the route table). */
export const ADMIN_ROUTES = describeRoutes(ROUTES);

/** Whether a path belongs to the admin API. @param {string} path */
export const isAdminPath = (path) => path === '/emulator' || path.startsWith('/emulator/');

/**
 * Answers an admin request; throws HttpProblem.
 * @param {AdminContext} ctx
 * @param {import('./routes.mjs').Request} req
 */
export function handleAdmin(ctx, req) {
  const path = req.path === '/emulator/' ? '/emulator' : req.path;
  const { route, params } = findRoute(TABLE, req.method, path, `no emulator route ${req.path} (GET /emulator lists them)`);
  return route.run(ctx, req, params);
}
