// Route tables of the emulator (the API's in api.mjs, the admin API's in
// admin.mjs): one entry per method and path template, matched by `findRoute`;
// `describeRoutes` turns a table into the lines GET /emulator lists.

import { problem } from './problems.mjs';

/**
 * A response before it is written: status, headers, body text.
 * @typedef {{ status: number, headers: Record<string, string>, body: string, noRequestId?: boolean }} Response
 */

/**
 * A request as the emulator reads it: headers by lowercase name (repeated
 * ones joined with `, `), the raw body.
 * @typedef {{ method: string, path: string, query: string | null, headers: Map<string, string>, body: Buffer }} Request
 */

/**
 * One route: `path` may hold `{name}` segments (one path segment each,
 * percent-decoded into `params`).
 * @template Ctx
 * @typedef {{ method: string, path: string, doc?: string, scope?: 'read' | 'write', run: (ctx: Ctx, req: Request, params: Record<string, string>) => Response }} Route
 */

/**
 * @param {number} status
 * @param {unknown} value
 * @returns {Response}
 */
export const json = (status, value) => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });

/**
 * @param {number} status
 * @returns {Response}
 */
export const empty = (status) => ({ status, headers: {}, body: '' });

/** @param {string} template */
function templateRe(template) {
  const names = [];
  const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([a-z_]+)\}/g, (_, name) => {
    names.push(name);
    return '([^/]+)';
  });
  return { re: new RegExp(`^${source}$`), names };
}

/**
 * Compiles a route table (keeps its order).
 * @template Ctx
 * @param {readonly Route<Ctx>[]} routes
 */
export function compileRoutes(routes) {
  return Object.freeze(routes.map((route) => Object.freeze({ ...route, ...templateRe(route.path) })));
}

/**
 * The route for `method` and `path`, with its params. Throws HttpProblem 404
 * when no template matches the path (`notFound` is the detail), 405 when one
 * does but not for this method; a param that does not percent-decode makes
 * the route miss (404).
 * @template Ctx
 * @param {ReturnType<typeof compileRoutes<Ctx>>} table
 * @param {string} method
 * @param {string} path
 * @param {string} notFound
 */
export function findRoute(table, method, path, notFound) {
  let pathMatched = false;
  for (const route of table) {
    const m = route.re.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    /** @type {Record<string, string>} */
    const params = {};
    for (const [i, name] of route.names.entries()) {
      try {
        params[name] = decodeURIComponent(m[i + 1]);
      } catch {
        throw problem(404, 'not_found', notFound);
      }
    }
    return { route, params };
  }
  if (pathMatched) throw problem(405, 'method_not_allowed', `${method} ${path} is not allowed`);
  throw problem(404, 'not_found', notFound);
}

/**
 * The table as lines `METHOD path  doc`, in its order (GET /emulator).
 * @param {readonly { method: string, path: string, doc?: string }[]} routes
 */
export function describeRoutes(routes) {
  return Object.freeze(routes.map((r) => `${r.method.padEnd(6)} ${r.path.padEnd(31)} ${r.doc ?? ''}`.trimEnd()));
}
