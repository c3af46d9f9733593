// Receiver adapters: the try/catch every receiver writes around verify(),
// done once. Plain JavaScript over any verifier (`new WebhookVerifier(…)` of
// either entry, or `UpvestClient#webhookVerifier()`); nothing here touches
// WebAssembly, so both entries share this module.
//
// - webhookHandler(): a fetch-style handler, `(request, env?, ctx?) => Response`
//   (Workers, Deno.serve, Bun.serve, Node's global Request).
// - honoWebhook(): the same as a Hono handler, `(c) => Response`.
// - expressWebhook(): an Express / Connect middleware that reads the raw body
//   from the request stream itself.
//
// Every adapter answers the same way:
//   405 (Allow: POST)       the method is not POST; nothing is read.
//   400 { error: code }     the delivery failed verification (its code only:
//                           the message is for your logs, through onRejected).
//   413 { error: code }     ERR_LIMIT_EXCEEDED: the body is over the verifier's
//                           limits.maxBodyBytes (never read past it).
//   503 { error: code }     ERR_JWKS_FETCH_FAILED: the keys could not be loaded.
//   500 { error: code }     ERR_JWKS_INVALID, ERR_INVALID_ARGUMENT: the
//                           verifier's configuration is wrong.
//   200 (empty)             verified; your function runs (see each adapter).
// Upvest redelivers on any status but 200.

import { WebhookVerificationError } from './errors.js';

/** Statuses of the rejection codes that are not 400. */
const REJECTION_STATUS = Object.freeze({
  ERR_LIMIT_EXCEEDED: 413,
  ERR_JWKS_FETCH_FAILED: 503,
  ERR_JWKS_INVALID: 500,
  ERR_INVALID_ARGUMENT: 500,
});

/** The HTTP status the adapters answer a rejected delivery with. */
function rejectionStatus(code) {
  return REJECTION_STATUS[code] ?? 400;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

function invalidArgument(message) {
  return new WebhookVerificationError(message, { code: 'ERR_INVALID_ARGUMENT' });
}

function checkVerifier(verifier, method, adapter) {
  if (typeof verifier?.[method] !== 'function') {
    throw invalidArgument(
      `${adapter}(verifier, …) needs a WebhookVerifier (new WebhookVerifier({ keys }) or upvest.webhookVerifier())` +
        (adapter === 'expressWebhook' ? '' : ', or a function (env) => WebhookVerifier'),
    );
  }
}

function checkFunction(value, what) {
  if (value !== undefined && typeof value !== 'function') throw invalidArgument(`${what} must be a function`);
}

function checkOptions(options, adapter) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') throw invalidArgument(`${adapter}'s options must be an object`);
  return options;
}

/** The default `onError`: the failure would be lost otherwise (with `ctx.waitUntil`, the 200 is already sent). */
function logHandlerError(error, delivery) {
  const ids = delivery.events.map((event) => event?.id).join(', ');
  console.error(`upvest-webhooks: the webhook handler failed for the delivery of event(s) ${ids}:`, error);
}

// ---------------------------------------------------------------------------
// Fetch-style handler

/**
 * `webhookHandler(verifier, handle, options?)` → `(request, env?, ctx?) => Promise<Response>`.
 *
 * Verifies with `verifier.verifyRequest(request)`, which refuses a
 * `content-length` over `limits.maxBodyBytes` before reading and stops
 * reading the stream as soon as it passes the limit. Then:
 * - with a `ctx.waitUntil` (Workers; Hono's `c.executionCtx`), answers 200 at
 *   once and runs `handle(delivery, { request, env, ctx })` through
 *   `ctx.waitUntil`; a failure goes to `onError` (default: console.error);
 * - without one (Deno.serve, Bun.serve, Node), or with `awaitHandler: true`,
 *   awaits `handle` before answering: 200 when it resolves, 500 when it
 *   throws (after `onError`), so Upvest redelivers.
 *
 * A request whose body was already read is a bug in the server, not a bad
 * delivery: it throws `ERR_BODY_NOT_RAW` (the runtime answers 500 and logs it).
 */
export function webhookHandler(verifier, handle, options) {
  const serve = fetchHandler('webhookHandler', verifier, handle, options);
  return function upvestWebhookHandler(request, env, ctx) {
    return serve(request, env, ctx, null);
  };
}

/**
 * `honoWebhook(verifier, handle, options?)` → a Hono handler `(c) => Promise<Response>`:
 * `app.post('/webhooks/upvest', honoWebhook(verifier, handle))`. It is
 * `webhookHandler` on `c.req.raw`, `c.env` and `c.executionCtx` (where the
 * runtime has one: Workers; elsewhere `handle` is awaited). `handle`'s
 * context also holds `c`.
 */
export function honoWebhook(verifier, handle, options) {
  const serve = fetchHandler('honoWebhook', verifier, handle, options);
  return function upvestHonoWebhook(c) {
    if (typeof c?.req?.raw?.method !== 'string') {
      throw invalidArgument('honoWebhook(…) is a Hono handler: app.post(path, honoWebhook(verifier, handle))');
    }
    return serve(c.req.raw, c.env, executionContextOf(c), { c });
  };
}

/** The shared fetch-style handler: `(request, env, ctx, extra) => Promise<Response>`. */
function fetchHandler(adapter, verifier, handle, options) {
  // A function of `env` (Workers keep secrets there): called per request; cache the verifier it returns.
  const isFactory = typeof verifier === 'function' && typeof verifier.prototype?.verifyRequest !== 'function';
  if (!isFactory) checkVerifier(verifier, 'verifyRequest', adapter);
  const verifierFor = isFactory ? verifier : () => verifier;
  if (typeof handle !== 'function') throw invalidArgument(`${adapter}(verifier, handle): handle must be a function (delivery, context) => …`);
  const { awaitHandler = false, onRejected, onError = logHandlerError } = checkOptions(options, adapter);
  checkFunction(onRejected, `${adapter} option onRejected`);
  checkFunction(onError, `${adapter} option onError`);

  return async (request, env, ctx, extra) => {
    if (typeof request?.method !== 'string' || typeof request.headers?.get !== 'function') {
      throw invalidArgument('the webhook handler takes a fetch Request: (request, env?, ctx?)');
    }
    if (request.method !== 'POST') return new Response(null, { status: 405, headers: { allow: 'POST' } });
    if (request.bodyUsed) {
      throw new WebhookVerificationError(
        'the request body was already read before the webhook handler: the signature covers the exact bytes, so nothing may read the body first ' +
          '(in Hono, no c.req.json()/c.req.text() or body-reading middleware before it; elsewhere pass request.clone() to what reads it)',
        { code: 'ERR_BODY_NOT_RAW' },
      );
    }
    let delivery;
    try {
      const current = await verifierFor(env);
      checkVerifier(current, 'verifyRequest', adapter);
      delivery = await current.verifyRequest(request);
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      if (onRejected) {
        const custom = await onRejected(error, request);
        if (custom instanceof Response) return custom;
      }
      return new Response(JSON.stringify({ error: error.code }), { status: rejectionStatus(error.code), headers: JSON_HEADERS });
    }

    const context = { request, env, ctx, ...extra };
    const run = async () => handle(delivery, context);
    if (!awaitHandler && typeof ctx?.waitUntil === 'function') {
      ctx.waitUntil(run().catch((error) => onError(error, delivery, context)));
      return new Response(null, { status: 200 });
    }
    try {
      await run();
    } catch (error) {
      await onError(error, delivery, context);
      return new Response(null, { status: 500 });
    }
    return new Response(null, { status: 200 });
  };
}

/** Hono's `c.executionCtx` is a getter that throws where the runtime has none (Node, Bun, Deno). */
function executionContextOf(c) {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Express / Connect middleware

/**
 * `expressWebhook(verifier, options?)` → `(req, res, next) => void`.
 *
 * Reads the body from the request stream itself, through
 * `verifier.verifyRequest()`, so the verifier's `limits.maxBodyBytes` is
 * enforced while reading (a larger `content-length` is refused unread; a
 * stream is abandoned as soon as it passes the limit, and the rest is
 * discarded, not buffered). The URL is `req.originalUrl` (the mount path is
 * signed). On success the verified delivery is `req.upvestDelivery` and
 * `next()` runs; a rejection answers 400/413/503/500 `{ error: code }` (or
 * `onRejected` answers); other errors go to `next(err)`.
 *
 * If a body parser ran first: a raw `Buffer` body (`express.raw()`) is
 * verified as is; a body that was parsed (`express.json()`) or otherwise read
 * is `next(err)` with `ERR_BODY_NOT_RAW`, a server bug that Express logs and
 * answers 500 (Upvest redelivers once it is fixed), unless the platform left
 * the bytes in `req.rawBody` (Google Cloud Functions), which are verified.
 */
export function expressWebhook(verifier, options) {
  checkVerifier(verifier, 'verifyRequest', 'expressWebhook');
  if (typeof verifier.verify !== 'function') throw invalidArgument('expressWebhook(verifier) needs a WebhookVerifier');
  const { onRejected } = checkOptions(options, 'expressWebhook');
  checkFunction(onRejected, 'expressWebhook option onRejected');

  return function upvestWebhookMiddleware(req, res, next) {
    receive(verifier, req, res, onRejected).then(
      (verified) => {
        if (verified) next();
      },
      (error) => next(error),
    );
  };
}

/** Verifies `req`; resolves to true when it verified (the caller runs `next()`), false when it answered. */
async function receive(verifier, req, res, onRejected) {
  if (req.method !== 'POST') {
    discard(req);
    res.statusCode = 405;
    res.setHeader('allow', 'POST');
    res.end();
    return false;
  }
  const url = req.originalUrl ?? req.url;
  const raw = rawBodyOf(req);
  let delivery;
  try {
    delivery = raw
      ? await verifier.verify({ method: req.method, url, headers: req.headers, body: raw })
      : await verifier.verifyRequest({ method: req.method, url, headers: req.headers, bodyUsed: false, body: bodyStream(req) });
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    discard(req);
    if (onRejected) {
      await onRejected(error, req, res);
      if (res.headersSent || res.writableEnded) return false;
    }
    res.statusCode = rejectionStatus(error.code);
    res.setHeader('content-type', JSON_HEADERS['content-type']);
    res.end(JSON.stringify({ error: error.code }));
    return false;
  }
  req.upvestDelivery = delivery;
  // body-parser 1.x (Express 4) skips a request whose `_body` is set; 2.x
  // (Express 5) one whose stream has ended. Either way a JSON parser after
  // this middleware leaves the request alone.
  req._body = true;
  return true;
}

/**
 * The body bytes a parser before this middleware left, or null when the
 * stream is unread (this middleware reads it). Throws ERR_BODY_NOT_RAW when
 * the stream was read and the bytes are gone.
 */
function rawBodyOf(req) {
  if (req.body instanceof Uint8Array) return req.body; // express.raw()
  const read = req._body === true || req.readableDidRead === true || req.readableEnded === true;
  if (!read) return null;
  if (req.rawBody instanceof Uint8Array) return req.rawBody; // Google Cloud Functions keeps the bytes there
  const parsed = req.body !== undefined && req.body !== null && typeof req.body === 'object';
  throw new WebhookVerificationError(
    (parsed
      ? 'the request body was already parsed (req.body is an object): a JSON parser such as express.json() ran before expressWebhook(), and the signed bytes are gone. '
      : `the request body was already read (req.body is ${typeof req.body === 'string' ? 'a string' : String(req.body)}) before expressWebhook(): the signed bytes are gone. `) +
      'Mount expressWebhook() on the webhook route before any body parser: app.post(path, expressWebhook(verifier), handler), registered before app.use(express.json()); ' +
      'it reads the raw body itself.',
    { code: 'ERR_BODY_NOT_RAW' },
  );
}

/**
 * The request stream as a WHATWG ReadableStream that reads one chunk per
 * pull (nothing is read ahead). Cancelling it (the verifier does, once the
 * body passes its limit) stops reading without destroying the request, and
 * discards the rest, so the response still reaches the sender.
 */
function bodyStream(req) {
  let chunks = null;
  const iterator = () => (chunks ??= typeof req.iterator === 'function' ? req.iterator({ destroyOnReturn: false }) : req[Symbol.asyncIterator]());
  return new ReadableStream(
    {
      async pull(controller) {
        const { done, value } = await iterator().next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel() {
        await chunks?.return?.();
        discard(req);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Lets the rest of an unread body flow to nowhere, so the connection can answer and be reused. */
function discard(req) {
  if (typeof req.resume === 'function' && !req.readableEnded) req.resume();
}
