// A Hono app on Cloudflare Workers that receives Upvest webhooks at
// POST /webhooks/upvest in one line: honoWebhook() from
// `upvest-webhooks/verifier` verifies the delivery (reading at most
// limits.maxBodyBytes of the body), answers 200 at once, and runs the function
// after the response through the Worker's ctx.waitUntil. A rejected delivery
// is answered 400 {"error": code} (413 when the body is too large, 503 when the
// keys cannot be fetched), and the function does not run.
//
// Bindings (wrangler.toml, secrets, or .dev.vars):
//   UPVEST_JWKS          the JSON of GET /auth/verify_keys (update it when Upvest rotates its key)
//   UPVEST_EVENTS        KV namespace of received event ids (optional)
//   EVENTS_FORWARD_URL   where to POST each new event (optional)

import { Hono } from 'hono';
import { WebhookVerifier, honoWebhook } from 'upvest-webhooks/verifier';

const SEEN_TTL_SECONDS = 30 * 24 * 60 * 60; // remember event ids for 30 days

// One verifier per isolate: the keys are decoded once, then cached.
let verifier;
const verifierFor = (env) => (verifier ??= new WebhookVerifier({ keys: JSON.parse(env.UPVEST_JWKS) }));

// Without a KV binding: event ids seen by this isolate only (quick retries, not all of them).
const seenInMemory = new Set();

/** Records `id` as received; false when it was already there (a redelivery). */
async function firstTime(env, id) {
  if (!env.UPVEST_EVENTS) {
    if (seenInMemory.has(id)) return false;
    seenInMemory.add(id);
    return true;
  }
  // KV has no compare-and-set: for strict exactly-once use a Durable Object or D1.
  const key = `event:${id}`;
  if ((await env.UPVEST_EVENTS.get(key)) !== null) return false;
  await env.UPVEST_EVENTS.put(key, new Date().toISOString(), { expirationTtl: SEEN_TTL_SECONDS });
  return true;
}

/** Your business logic. Here: log the event and forward it to a backend, if configured. */
async function processEvent(event, env) {
  console.log(`processed ${event.type} ${event.id}`);
  if (env.EVENTS_FORWARD_URL) {
    const response = await fetch(env.EVENTS_FORWARD_URL, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
    if (!response.ok) throw new Error(`forwarding ${event.id} failed: HTTP ${response.status}`);
  }
}

const app = new Hono();

app.post(
  '/webhooks/upvest',
  honoWebhook(
    verifierFor,
    async ({ events }, { env }) => {
      for (const event of events) if (await firstTime(env, event.id)) await processEvent(event, env);
    },
    {
      onRejected: (err) => console.warn(`rejected ${err.code}: ${err.message}`),
      // runs after the 200: Upvest will not redeliver, so log what failed (or queue it for a retry)
      onError: (err, { events }) => console.error(`processing failed for ${events.map((e) => e.id).join(', ')}: ${err.message}`),
    },
  ),
);

app.get('/health', (c) => c.json({ ok: true }));

export default app;
