// Receiver adapters: verify, answer Upvest, hand the delivery to your code
// (webhookHandler for Workers, Deno and Bun; honoWebhook; expressWebhook).
import type { WebhookVerificationError } from './errors.js';
import type { DeliveryRequest, VerifiedDelivery, WebhookVerifier } from './verifier.js';

/**
 * What the adapters need of a verifier: a {@link WebhookVerifier} of either
 * entry, or the one {@link UpvestClient.webhookVerifier} returns.
 *
 * @category Receiving
 */
export interface RequestVerifier {
  /** See {@link WebhookVerifier.verifyRequest}. */
  verifyRequest(request: Request): Promise<VerifiedDelivery>;
}

/**
 * A verifier, or a function of the runtime's `env` that returns one (called
 * per request: Workers keep the keys in `env`; cache what it returns).
 *
 * @category Receiving
 */
export type VerifierSource<Env = unknown> = RequestVerifier | ((env: Env) => RequestVerifier | Promise<RequestVerifier>);

/**
 * An execution context that keeps a request's work alive after the response:
 * the Workers `ExecutionContext`, Hono's `c.executionCtx`.
 *
 * @category Receiving
 */
export interface WaitUntilContext {
  /** Keeps the runtime alive until `promise` settles. */
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * The second argument of your function in {@link webhookHandler} and {@link honoWebhook}.
 *
 * @category Receiving
 */
export interface WebhookHandlerContext<Env = unknown> {
  /** The request (its body has been read by the verifier; its headers are there). */
  request: Request;
  /** What the runtime passed second: Workers' `env`, Hono's `c.env`; `Deno.serve`'s info, `Bun.serve`'s server. */
  env: Env;
  /** The execution context, when the runtime passed one with `waitUntil` (Workers). */
  ctx: WaitUntilContext | undefined;
}

/**
 * Options of {@link webhookHandler} and {@link honoWebhook}.
 *
 * @category Receiving
 */
export interface WebhookHandlerOptions<Env = unknown> {
  /**
   * Await your function before answering even when a `ctx.waitUntil` is there,
   * so its failure answers 500 and Upvest redelivers. Default `false`: with a
   * `ctx.waitUntil` the 200 goes out at once and your function runs after it.
   */
  awaitHandler?: boolean;
  /**
   * Called with every rejected delivery (for your logs: the response carries
   * only the code). Return a `Response` to answer with it instead of the
   * default `{ error: code }` (400, 413, 503 or 500).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a callback that returns nothing is the common case
  onRejected?(error: WebhookVerificationError, request: Request): Response | void | Promise<Response | void>;
  /**
   * Called when your function throws or rejects: after the 200 (through
   * `ctx.waitUntil`), or before the 500 (awaited). Default: `console.error`
   * with the delivery's event ids.
   */
  onError?(error: unknown, delivery: VerifiedDelivery, context: WebhookHandlerContext<Env>): void | Promise<void>;
}

/**
 * A fetch-style webhook endpoint, `(request, env?, ctx?) => Promise<Response>`:
 * a Workers `fetch`, a `Deno.serve` or `Bun.serve` handler, or the core of a
 * Hono route. It verifies with `verifier.verifyRequest(request)`, which
 * never reads more than `limits.maxBodyBytes`, then:
 *
 * - with `ctx.waitUntil` (Workers): answers 200 at once and runs
 *   `handle(delivery, context)` through `ctx.waitUntil`; failures go to `onError`;
 * - without (Deno, Bun, Node), or with `awaitHandler: true`: awaits `handle`,
 *   then answers 200, or 500 if it threw (Upvest redelivers).
 *
 * A delivery that fails verification is answered `{ "error": code }` with 400,
 * or 413 (`ERR_LIMIT_EXCEEDED`), 503 (`ERR_JWKS_FETCH_FAILED`), 500
 * (`ERR_JWKS_INVALID`, `ERR_INVALID_ARGUMENT`), and `handle` does not run. A
 * method other than POST is 405. A request whose body was already read
 * rejects with `ERR_BODY_NOT_RAW` (a bug in the server: the runtime answers 500).
 *
 * @example
 * ```js
 * import { WebhookVerifier, webhookHandler } from 'upvest-webhooks/verifier';
 *
 * let verifier;
 * export default {
 *   fetch: webhookHandler(
 *     (env) => (verifier ??= new WebhookVerifier({ keys: JSON.parse(env.UPVEST_JWKS) })),
 *     async ({ events }, { env }) => { for (const event of events) await env.QUEUE.send(event); },
 *   ),
 * };
 * ```
 *
 * @category Receiving
 */
export declare function webhookHandler<Env = unknown>(
  verifier: VerifierSource<Env>,
  handle: (delivery: VerifiedDelivery, context: WebhookHandlerContext<Env>) => unknown,
  options?: WebhookHandlerOptions<Env>,
): (request: Request, env?: Env, ctx?: WaitUntilContext) => Promise<Response>;

/**
 * What {@link honoWebhook} uses of Hono's `Context` (the package does not depend on Hono).
 *
 * @category Receiving
 */
// biome-ignore lint/suspicious/noExplicitAny: as Hono's own Context<E = any>, so any Hono app's context fits
export interface HonoContextLike<Env = any> {
  /** `c.req`: its `raw` is the fetch `Request`. */
  req: {
    /** The fetch `Request`. */
    raw: Request;
  };
  /** `c.env`, the bindings. */
  env: Env;
  /** Hono's getter throws where the runtime has no execution context: then `handle` is awaited. */
  readonly executionCtx: WaitUntilContext;
}

/**
 * {@link webhookHandler} as a Hono handler:
 * `app.post('/webhooks/upvest', honoWebhook(verifier, handle))`. It uses
 * `c.req.raw`, `c.env` and `c.executionCtx` (Workers: `handle` runs through
 * `waitUntil`; Node, Bun, Deno: it is awaited); `handle`'s context also holds `c`.
 * Put no body-reading middleware (`c.req.json()`) before it.
 *
 * @example
 * ```js
 * import { Hono } from 'hono';
 * import { WebhookVerifier, honoWebhook } from 'upvest-webhooks/verifier';
 *
 * const app = new Hono();
 * let verifier;
 * app.post('/webhooks/upvest', honoWebhook(
 *   (env) => (verifier ??= new WebhookVerifier({ keys: JSON.parse(env.UPVEST_JWKS) })),
 *   async ({ events }, { c }) => { for (const event of events) console.log(event.type, event.id); },
 * ));
 * export default app;
 * ```
 *
 * @category Receiving
 */
export declare function honoWebhook<C extends HonoContextLike = HonoContextLike>(
  verifier: VerifierSource<C['env']>,
  handle: (delivery: VerifiedDelivery, context: WebhookHandlerContext<C['env']> & { c: C }) => unknown,
  options?: WebhookHandlerOptions<C['env']>,
): (c: C) => Promise<Response>;

/**
 * What {@link expressWebhook} uses of a Node `IncomingMessage` (Express, Connect, node:http).
 *
 * @category Receiving
 */
export interface NodeRequestLike extends AsyncIterable<unknown> {
  /** The method; anything but `POST` is answered 405. */
  method?: string | undefined;
  /** Used when there is no `originalUrl` (plain node:http, Connect). */
  url?: string | undefined;
  /** Express's full path and query, including the mount path (it is signed). */
  originalUrl?: string;
  /** The request headers. */
  headers: Record<string, string | string[] | undefined>;
  /** A body parser's result: a raw `Buffer` (`express.raw()`) is verified; a parsed one is `ERR_BODY_NOT_RAW`. */
  body?: unknown;
  /** The body bytes some platforms keep after consuming the stream (Google Cloud Functions). */
  rawBody?: unknown;
  /** Set by {@link expressWebhook} once the delivery verified. */
  upvestDelivery?: VerifiedDelivery;
}

/**
 * What {@link expressWebhook} uses of a Node `ServerResponse`.
 *
 * @category Receiving
 */
export interface NodeResponseLike {
  /** The status to send. */
  statusCode: number;
  /** Whether a response was started (by `onRejected`). */
  readonly headersSent: boolean;
  /** Sets a response header. */
  setHeader(name: string, value: string): unknown;
  /** Sends the response. */
  end(chunk?: string): unknown;
}

/**
 * Options of {@link expressWebhook}.
 *
 * @category Receiving
 */
export interface ExpressWebhookOptions<Req extends NodeRequestLike = NodeRequestLike, Res extends NodeResponseLike = NodeResponseLike> {
  /**
   * Called with every rejected delivery. Answer with `res` to replace the
   * default `{ error: code }` (400, 413, 503 or 500); return without answering
   * to keep it (a logging hook).
   */
  onRejected?(error: WebhookVerificationError, req: Req, res: Res): void | Promise<void>;
}

/**
 * An Express / Connect middleware that verifies the delivery and puts it on
 * `req.upvestDelivery`, then calls `next()`. It reads the raw body from the
 * request stream itself, through `verifier.verifyRequest()`: no
 * `express.raw()` needed, and `limits.maxBodyBytes` holds while reading (a
 * larger `content-length` is refused unread; a longer stream is abandoned at
 * the limit and the rest discarded). The signed URL is `req.originalUrl`.
 *
 * A rejected delivery is answered `{ "error": code }` with 400, or 413, 503,
 * 500 as {@link webhookHandler} does; non-POST is 405. If a body parser ran
 * before it: a raw `Buffer` `req.body` is verified as is; a parsed body
 * (`express.json()`) is `next(err)` with `ERR_BODY_NOT_RAW` and a message
 * that says where to mount it. Other errors go to `next(err)`.
 *
 * In TypeScript, declare the property on Express's request once:
 * `declare global { namespace Express { interface Request { upvestDelivery?: import('upvest-webhooks').VerifiedDelivery } } }`.
 *
 * @example
 * ```js
 * import express from 'express';
 * import { WebhookVerifier, expressWebhook } from 'upvest-webhooks';
 *
 * const app = express();
 * app.post('/webhooks/upvest', expressWebhook(new WebhookVerifier({ keys: jwks })), async (req, res) => {
 *   for (const event of req.upvestDelivery.events) await store(event);
 *   res.sendStatus(200);
 * });
 * app.use(express.json()); // the rest of the app, after the webhook route
 * ```
 *
 * @category Receiving
 */
export declare function expressWebhook<Req extends NodeRequestLike = NodeRequestLike, Res extends NodeResponseLike = NodeResponseLike>(
  verifier: WebhookVerifier | (RequestVerifier & { verify(request: DeliveryRequest): Promise<VerifiedDelivery> }),
  options?: ExpressWebhookOptions<Req, Res>,
): (req: Req, res: Res, next: (error?: unknown) => void) => void;
