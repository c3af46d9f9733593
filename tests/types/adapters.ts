// The receiver adapters' types: webhookHandler() fits where Workers, Deno.serve
// and Bun.serve take a fetch handler; honoWebhook() where Hono takes a handler;
// expressWebhook() where Express takes middleware. The runtimes' own types are
// not installed here (no @cloudflare/workers-types, Deno or Bun lib, hono or
// @types/express in the type tests), so their handler signatures are copied
// below, as those packages declare them.
import {
  WebhookVerifier,
  type UpvestClient,
  expressWebhook,
  honoWebhook,
  webhookHandler,
  type HonoContextLike,
  type NodeRequestLike,
  type NodeResponseLike,
  type VerifiedDelivery,
  type WebhookHandlerContext,
  type WebhookVerificationError,
} from 'upvest-webhooks';
import * as subpath from 'upvest-webhooks/verifier';
import { value, type Equal, type Expect } from './assert.js';

// --- the runtimes' handler signatures ---
interface ExecutionContext {
  waitUntil(promise: Promise<any>): void;
  passThroughOnException(): void;
  readonly props: any;
}
/** @cloudflare/workers-types ExportedHandlerFetchHandler */
type WorkersFetch<Env> = (request: Request, env: Env, ctx: ExecutionContext) => Response | Promise<Response>;
/** Deno.ServeHandler */
type DenoServeHandler = (request: Request, info: { remoteAddr: { hostname: string; port: number }; completed: Promise<void> }) => Response | Promise<Response>;
/** Bun.serve's fetch */
type BunFetch = (this: { port: number }, request: Request, server: { port: number }) => Response | Promise<Response>;
/** hono's Context (the members honoWebhook uses, and a few more) and Handler */
interface HonoContext<Bindings> {
  req: { raw: Request; header(name: string): string | undefined; param(name: string): string };
  env: Bindings;
  get executionCtx(): ExecutionContext;
  json(value: unknown, status?: number): Response;
  var: Record<string, unknown>;
}
type HonoHandler<Bindings> = (c: HonoContext<Bindings>, next: () => Promise<void>) => Response | Promise<Response | undefined>;
/** @types/express RequestHandler, reduced to what matters for assignability */
interface ExpressRequest extends NodeRequestLike {
  originalUrl: string;
  params: Record<string, string>;
  get(name: string): string | undefined;
}
interface ExpressResponse {
  statusCode: number;
  headersSent: boolean;
  status(code: number): ExpressResponse;
  json(body: unknown): ExpressResponse;
  setHeader(name: string, value: number | string | readonly string[]): ExpressResponse;
  end(cb?: () => void): ExpressResponse;
  end(chunk: any, cb?: () => void): ExpressResponse;
}
type ExpressHandler = (req: ExpressRequest, res: ExpressResponse, next: (err?: any) => void) => void;

interface Env {
  UPVEST_JWKS: string;
  QUEUE: { send(body: unknown): Promise<void> };
}
const jwks = value<{ keys: [] }>();

// --- webhookHandler ---
{
  let verifier: WebhookVerifier | undefined;
  const handler = webhookHandler(
    (env: Env) => (verifier ??= new WebhookVerifier({ keys: JSON.parse(env.UPVEST_JWKS) })),
    async ({ events, keyId }, { env, ctx, request }) => {
      type _env = Expect<Equal<typeof env, Env>>;
      type _ctx = Expect<Equal<typeof ctx, { waitUntil(promise: Promise<unknown>): void } | undefined>>;
      const _r: Request = request;
      const _k: string = keyId;
      for (const event of events) if (event.type === 'ORDER.FILLED') await env.QUEUE.send(event.object.id);
    },
    {
      onRejected: (error, request) => {
        const _code: string = error.code;
        if (request.headers.get('x-debug')) return new Response(error.message, { status: 400 });
      },
      onError: (error, delivery, context) => {
        const _d: VerifiedDelivery = delivery;
        const _e: Env = context.env;
        console.error(error);
      },
      awaitHandler: false,
    },
  );
  // a Workers fetch export
  const workers: { fetch: WorkersFetch<Env> } = { fetch: handler };
  void workers;
}
{
  const verifier = new WebhookVerifier({ keys: jwks });
  const handler = webhookHandler(verifier, (delivery) => console.log(delivery.events.length));
  const deno: DenoServeHandler = handler;
  const bun: BunFetch = handler;
  const workers: WorkersFetch<{ ANY: string }> = handler;
  const node: (request: Request) => Promise<Response> = handler;
  void [deno, bun, workers, node];
  // the verifier of the subpath and the client's verifier fit too
  webhookHandler(new subpath.WebhookVerifier({ keys: jwks }), () => {});
  webhookHandler(value<UpvestClient>().webhookVerifier(), () => {});
  subpath.webhookHandler(verifier, async () => {});
  // @ts-expect-error a handler function is required
  webhookHandler(verifier);
  // @ts-expect-error not a verifier
  webhookHandler({ verify: async () => value<VerifiedDelivery>() }, () => {});
  // @ts-expect-error onRejected returns a Response or nothing
  webhookHandler(verifier, () => {}, { onRejected: () => 'no' });
  // @ts-expect-error awaitHandler is a boolean
  webhookHandler(verifier, () => {}, { awaitHandler: 'yes' });
}

// --- honoWebhook ---
{
  let verifier: WebhookVerifier | undefined;
  const route = honoWebhook(
    (env: Env) => (verifier ??= new WebhookVerifier({ keys: JSON.parse(env.UPVEST_JWKS) })),
    async ({ events }, { c, env }) => {
      const _env: Env = env;
      const _raw: Request = c.req.raw;
      for (const event of events) await env.QUEUE.send(event);
    },
  );
  const hono: HonoHandler<Env> = route;
  void hono;
  const anyBindings: HonoHandler<any> = honoWebhook(new WebhookVerifier({ keys: jwks }), () => {});
  void anyBindings;
  type _context = Expect<Equal<Parameters<typeof route>[0], HonoContextLike<any>>>;
}

// --- expressWebhook ---
{
  const middleware = expressWebhook(new WebhookVerifier({ keys: jwks }));
  const express: ExpressHandler = middleware;
  void express;
  const handler: ExpressHandler = (req) => {
    const delivery: VerifiedDelivery | undefined = req.upvestDelivery;
    void delivery?.events;
  };
  void handler;
  // onRejected may take Express's own types (method parameters are bivariant)
  expressWebhook(new WebhookVerifier({ keys: jwks }), {
    onRejected(error: WebhookVerificationError, req: ExpressRequest, res: ExpressResponse) {
      res.status(401).json({ code: error.code, path: req.originalUrl });
    },
  });
  // plain node:http: (req, res) with a next callback
  const plain = subpath.expressWebhook(new subpath.WebhookVerifier({ keys: jwks }));
  plain(value<NodeRequestLike>(), value<NodeResponseLike>(), (err) => void err);
  // @ts-expect-error expressWebhook takes no handler: it calls next()
  expressWebhook(new WebhookVerifier({ keys: jwks }), () => {});
  // @ts-expect-error a verifier is required
  expressWebhook({ verifyRequest: async () => value<VerifiedDelivery>() });
}

type _context = Expect<Equal<WebhookHandlerContext['env'], unknown>>;
