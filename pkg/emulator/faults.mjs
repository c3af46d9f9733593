// Fault injection for the emulated API: the next N matching requests get an
// error status, a proxy's HTML page, a dropped connection, no answer, half a
// body, or a late answer. Used by the client's test suites and available to
// users (JS: `emulator.inject(spec)`; HTTP: `POST /emulator/faults`).

import { CODES, TITLES, problem, problemResponse } from './problems.mjs';

const KINDS = new Set(['status', 'html', 'drop', 'hang', 'partial', 'delay']);

/**
 * Creates the fault list of one emulator.
 *
 * @param {{ send: (res: import('node:http').ServerResponse, requestId: string, response: {status:number, headers:Record<string, string>, body:string, noRequestId?:boolean}) => void }} io
 */
export function createFaults({ send }) {
  /** @type {any[]} */
  const faults = [];
  const hanging = new Set();

  function matches(fault, req) {
    if (fault.remaining <= 0) return false;
    if (fault.method && fault.method.toUpperCase() !== req.method) return false;
    const isToken = req.path === '/auth/token';
    if (fault.path === undefined) {
      if (isToken && !fault.includeTokenRequests) return false;
    } else if (fault.path instanceof RegExp) {
      if (!fault.path.test(req.path)) return false;
    } else if (typeof fault.path === 'function') {
      if (!fault.path(req.path, req)) return false;
    } else if (fault.path !== req.path) {
      return false;
    }
    return true;
  }

  /**
   * Injects a fault for the next `times` matching API requests (default 1;
   * `Infinity` — or `-1` — for a storm). Returns the fault record (`hits`,
   * `remaining`).
   *
   * - `kind`: `'status'` (default when `status` is set: a problem+json
   *   error, or `body`/`contentType` as given; `retryAfter` adds
   *   Retry-After), `'html'` (a proxy's HTML page, default 502, no
   *   upvest-request-id), `'drop'` (destroy the socket, nothing written),
   *   `'hang'` (never answer), `'partial'` (headers and half the body, then
   *   destroy), `'delay'` (answer normally after `delayMs`; only `when: 'after'`).
   * - `when`: `'before'` the request reaches the API (default), or `'after'`
   *   it was processed (the operation has taken effect and its response is
   *   what gets lost or delayed; default for `partial` and `delay`).
   * - `method`, `path` (string, RegExp or function; over HTTP also
   *   `pathPattern`, a RegExp source): which requests match. By default every
   *   API request except `POST /auth/token` (`includeTokenRequests: true` to
   *   include it). Admin routes (`/emulator/…`) and CORS preflights never match.
   */
  function inject(spec) {
    if (!spec || typeof spec !== 'object') throw new TypeError('inject: give a fault spec object');
    const kind = spec.kind ?? (spec.status !== undefined ? 'status' : undefined);
    if (!kind) throw new TypeError('inject: give a kind or a status');
    if (!KINDS.has(kind)) throw new TypeError(`inject: unknown fault kind ${JSON.stringify(kind)}`);
    if (kind === 'status' && (!Number.isInteger(spec.status) || spec.status < 100 || spec.status > 599)) {
      throw new TypeError('inject: status must be an HTTP status code');
    }
    const times = spec.times === undefined ? 1 : spec.times === -1 || spec.times === null ? Infinity : spec.times;
    if (!(times === Infinity || (Number.isInteger(times) && times > 0))) throw new TypeError('inject: times must be a positive integer, -1 or Infinity');
    const fault = {
      ...spec,
      kind,
      when: spec.when ?? (kind === 'partial' || kind === 'delay' ? 'after' : 'before'),
      remaining: times,
      hits: 0,
    };
    if (fault.when !== 'before' && fault.when !== 'after') throw new TypeError("inject: when must be 'before' or 'after'");
    if (fault.kind === 'delay' && fault.when !== 'after') throw new TypeError("inject: 'delay' needs when: 'after'");
    faults.push(fault);
    return fault;
  }

  /** Takes (counts down) the first fault matching `req` at stage `when`, or returns null. */
  function take(req, when) {
    const fault = faults.find((f) => f.when === when && matches(f, req));
    if (!fault) return null;
    fault.remaining -= 1;
    fault.hits += 1;
    return fault;
  }

  /** Answers (or not) `res` as the fault says; records the outcome in the log `entry`. */
  function apply(fault, res, entry, realResponse, cors = {}) {
    entry.fault = fault.kind;
    const socket = res.socket;
    switch (fault.kind) {
      case 'status': {
        const err = problem(fault.status, CODES[fault.status] ?? 'error', fault.detail ?? `injected ${fault.status}`, {
          retryAfter: fault.retryAfter,
          instance: fault.instance,
        });
        const response =
          fault.body !== undefined
            ? {
                status: fault.status,
                headers: {
                  'content-type': fault.contentType ?? 'application/problem+json',
                  ...(fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {}),
                },
                body: typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body),
              }
            : problemResponse(entry.requestId, err);
        Object.assign(response.headers, fault.headers ?? {});
        entry.status = response.status;
        entry.response = response;
        send(res, entry.requestId, response);
        return;
      }
      case 'html': {
        const status = fault.status ?? 502;
        const html =
          fault.body ??
          `<html>\r\n<head><title>${status} ${TITLES[status] ?? ''}</title></head>\r\n<body>\r\n<center><h1>${status} ${TITLES[status] ?? ''}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
        const response = {
          status,
          headers: {
            'content-type': 'text/html',
            ...(fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {}),
            ...(fault.headers ?? {}),
          },
          body: html,
          noRequestId: true,
        };
        entry.status = status;
        entry.response = response;
        send(res, entry.requestId, response);
        return;
      }
      case 'drop':
        entry.status = 'dropped';
        socket.destroy();
        return;
      case 'hang':
        entry.status = 'hung';
        hanging.add(socket);
        socket.once('close', () => hanging.delete(socket));
        return;
      case 'partial': {
        const response = realResponse ?? { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: 'x'.repeat(64) }) };
        const body = Buffer.from(response.body || '{"partial":true}');
        const headers = { ...cors, ...response.headers, 'upvest-request-id': entry.requestId, 'content-length': String(body.length) };
        entry.status = 'partial';
        res.writeHead(response.status === 204 ? 200 : response.status, headers);
        res.write(body.subarray(0, Math.max(1, Math.floor(body.length / 2))), () => setImmediate(() => socket.destroy()));
        return;
      }
      case 'delay':
        entry.status = 'delayed';
        setTimeout(() => {
          entry.status = realResponse.status;
          if (!socket.destroyed) send(res, entry.requestId, realResponse);
        }, fault.delayMs ?? 0);
        return;
      default:
        throw new Error(`unknown fault kind ${fault.kind}`);
    }
  }

  /** A JSON view of the active faults (not yet used up; functions and RegExps as text). */
  function view() {
    return faults
      .filter((f) => f.remaining > 0)
      .map(({ path, ...f }) => ({
        ...f,
        remaining: f.remaining === Infinity ? -1 : f.remaining,
        times: f.times === Infinity ? -1 : f.times,
        ...(path === undefined ? {} : { path: path instanceof RegExp ? String(path) : typeof path === 'function' ? '[function]' : path }),
      }));
  }

  return {
    /** The live fault records (the client tests read `hits`/`remaining`). */
    list: faults,
    inject,
    take,
    apply,
    view,
    clear() {
      faults.length = 0;
    },
  };
}
