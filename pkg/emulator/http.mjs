// The emulator's HTTP server (node:http): reads each request (body ≤ 1 MiB,
// else 413), answers CORS preflights on any route, sends admin requests to
// the admin API and the rest through the API pipeline, with the injected
// faults before and after it, and logs every API request.

import crypto from 'node:crypto';
import { createServer } from 'node:http';
import { handleAdmin, isAdminPath } from './admin.mjs';
import { recordSignature } from './api.mjs';
import { HttpProblem, problem, problemResponse } from './problems.mjs';
import { collectHeaders, splitTarget } from './request-signatures.mjs';

export const MAX_BODY_BYTES = 1024 * 1024;

/** Every answer, API and admin, allows any origin. */
export const CORS = Object.freeze({ 'access-control-allow-origin': '*', 'access-control-expose-headers': '*' });

/**
 * Writes a response, with CORS headers and `upvest-request-id` (unless the
 * response has its own or says `noRequestId`).
 * @param {import('node:http').ServerResponse} res
 * @param {string | undefined} requestId
 * @param {import('./routes.mjs').Response} response
 */
export function send(res, requestId, response) {
  /** @type {Record<string, string>} */
  const headers = { ...CORS, ...response.headers };
  if (!('upvest-request-id' in headers) && !response.noRequestId && requestId) headers['upvest-request-id'] = requestId;
  const body = Buffer.from(response.body ?? '');
  if (response.status !== 204) headers['content-length'] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(response.status === 204 ? undefined : body);
}

/**
 * @typedef {{
 *   now: () => number,
 *   nowSeconds: () => number,
 *   options: { requestLogLimit?: number, onResponse?: (entry: any) => void },
 *   keys: Map<string, { publicKey: any, kind: string }>,
 *   clientId: string,
 *   toleranceSeconds: number,
 *   requests: Array<Record<string, any>>,
 *   seq: { request: number },
 *   faults: { take(req: any, when: 'before' | 'after'): any, apply(fault: any, res: import('node:http').ServerResponse, entry: any, response: any, cors: any): void },
 *   api: { handle(req: import('./routes.mjs').Request, entry: Record<string, any>): import('./routes.mjs').Response },
 *   admin: import('./admin.mjs').AdminContext,
 * }} HttpContext
 */

/**
 * Creates the node:http server of one emulator (not listening yet).
 * @param {HttpContext} ctx
 */
export function createHttpServer(ctx) {
  const requestLogLimit = ctx.options.requestLogLimit ?? Infinity;
  const sockets = new Set();

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
    const { path, query } = splitTarget(nodeReq.url ?? '/');
    const headers = collectHeaders(nodeReq.rawHeaders);
    const req = { method: nodeReq.method ?? 'GET', path, query, headers, body: Buffer.concat(chunks) };
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

    if (isAdminPath(path)) {
      let response;
      try {
        if (tooLarge) throw problem(413, 'payload_too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`);
        response = handleAdmin(ctx.admin, req);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        response = problemResponse(requestId, err instanceof HttpProblem ? err : problem(500, 'internal_server_error', message));
      }
      send(res, requestId, response);
      return;
    }

    /** @type {Record<string, any>} */
    const entry = {
      seq: (ctx.seq.request += 1),
      requestId,
      at: ctx.now(),
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
    ctx.requests.push(entry);
    if (ctx.requests.length > requestLogLimit) ctx.requests.splice(0, ctx.requests.length - requestLogLimit);

    if (tooLarge) {
      entry.status = 413;
      send(res, requestId, problemResponse(requestId, problem(413, 'payload_too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`)));
      ctx.options.onResponse?.(entry);
      return;
    }

    const before = ctx.faults.take(req, 'before');
    if (before) {
      // a gateway answers; record what the API would have thought of the signature
      recordSignature(ctx, req, entry);
      ctx.faults.apply(before, res, entry, null, CORS);
      ctx.options.onResponse?.(entry);
      return;
    }

    const response = ctx.api.handle(req, entry);
    entry.status = response.status;
    entry.response = response;
    const after = ctx.faults.take(req, 'after');
    if (after) ctx.faults.apply(after, res, entry, response, CORS);
    else send(res, requestId, response);
    ctx.options.onResponse?.(entry);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });

  return {
    server,
    /**
     * Listens; resolves the address.
     * @param {number} port
     * @param {string} host
     * @returns {Promise<{ address: string, port: number }>}
     */
    async listen(port, host) {
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(undefined);
        });
      });
      return /** @type {import('node:net').AddressInfo} */ (server.address());
    },
    /** Closes every connection and the server. */
    async close() {
      for (const socket of sockets) socket.destroy();
      // Also any connection the set missed: server.close() waits for them all.
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
