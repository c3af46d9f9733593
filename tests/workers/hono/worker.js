// A Hono app on Cloudflare Workers that receives Upvest webhooks with
// honoWebhook() from `upvest-webhooks/verifier` (bundled by name, the
// `workerd` condition). Run by tests/workers/hono/hono.test.mjs in workerd.
//
// Bindings (env):
//   UPVEST_JWKS      JSON text of the JWKS
//   MAX_BODY_BYTES   the verifier's limits.maxBodyBytes
//   SINK_URL         a node:http server of the test: the handlers POST what
//                    they received to SINK_URL/events, failures to SINK_URL/errors
//
// Routes:
//   POST /webhooks/upvest        handler through ctx.waitUntil (answers 200 first)
//   POST /webhooks/awaited       awaitHandler: true (answers after the handler)
//   POST /webhooks/failing       a handler that throws (through waitUntil: onError)
//   ALL  /webhooks/any-method    the adapter's own 405 for non-POST
//   POST /parsed/webhooks/upvest a middleware reads the body first (ERR_BODY_NOT_RAW)
//   POST /self/endless           takes { headers } and sends this app, inside
//                                workerd, a POST /webhooks/upvest with those
//                                headers and an endless body stream; answers
//                                { status, body, pulled, cancelled }

import { Hono } from 'hono';
import { WebhookVerifier, honoWebhook } from 'upvest-webhooks/verifier';

let verifier; // one per isolate: keys decoded once
const verifierFor = (env) => (verifier ??= new WebhookVerifier({ keys: JSON.parse(env.UPVEST_JWKS), limits: { maxBodyBytes: Number(env.MAX_BODY_BYTES) } }));

async function report(env, kind, body) {
  const response = await fetch(`${env.SINK_URL}/${kind}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await response.arrayBuffer();
}

const record = async (delivery, { env, c, ctx }) => {
  await report(env, 'events', {
    route: c.req.path,
    ids: delivery.events.map((e) => e.id),
    keyId: delivery.keyId,
    waitUntil: typeof ctx?.waitUntil === 'function',
  });
};
const onError = (error, delivery, { env }) => report(env, 'errors', { message: error.message, ids: delivery.events.map((e) => e.id) });

const app = new Hono();
app.onError((err, c) => c.json({ thrown: true, code: err.code ?? null, message: err.message }, 500));

app.post('/webhooks/upvest', honoWebhook(verifierFor, record, { onError }));
app.post('/webhooks/awaited', honoWebhook(verifierFor, record, { onError, awaitHandler: true }));
app.post(
  '/webhooks/failing',
  honoWebhook(
    verifierFor,
    async (delivery) => {
      throw new Error(`cannot store ${delivery.events[0].id}`);
    },
    { onError },
  ),
);
app.all('/webhooks/any-method', honoWebhook(verifierFor, record, { onError }));

app.use('/parsed/*', async (c, next) => {
  await c.req.json(); // e.g. a logging middleware that parses every body
  await next();
});
app.post('/parsed/webhooks/upvest', honoWebhook(verifierFor, record, { onError }));

app.post('/self/endless', async (c) => {
  const { headers } = await c.req.json();
  let pulled = 0;
  let cancelled = false;
  const body = new ReadableStream({
    pull(controller) {
      pulled += 1024;
      controller.enqueue(new Uint8Array(1024).fill(0x20));
    },
    cancel() {
      cancelled = true;
    },
  });
  const response = await app.fetch(new Request('https://tenant.example/webhooks/upvest', { method: 'POST', headers, body }), c.env, c.executionCtx);
  return c.json({ status: response.status, body: await response.json(), pulled, cancelled });
});

export default app;
