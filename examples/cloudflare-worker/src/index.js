// Receives Upvest webhook deliveries at POST /webhooks/upvest, verifies each
// one with upvest-webhooks, answers 200 at once and processes the new events
// after the response (ctx.waitUntil). Upvest retries anything but a 200, and a
// retried delivery carries the same event ids, so events are deduplicated on
// `event.id`.
//
// Bindings (wrangler.toml, secrets, or .dev.vars):
//   UPVEST_JWKS            a fixed JWKS (JSON text), or else
//   UPVEST_CLIENT_ID, UPVEST_CLIENT_SECRET, UPVEST_KEY_ID, UPVEST_PRIVATE_KEY
//   (+ UPVEST_PRIVATE_KEY_PASSPHRASE, UPVEST_BASE_URL): keys are fetched with
//                          the client from GET /auth/verify_keys, cached, and
//                          refetched when an unknown key id shows up
//   UPVEST_EVENTS          KV namespace of received event ids (optional)
//   EVENTS_FORWARD_URL     where to POST each new event (optional)

import { UpvestClient, WebhookVerificationError, WebhookVerifier } from 'upvest-webhooks';

const WEBHOOK_PATH = '/webhooks/upvest';
const SEEN_TTL_SECONDS = 30 * 24 * 60 * 60; // remember event ids for 30 days

// One verifier per isolate: the keys are fetched and decoded once, then cached
// across requests (the bindings do not change within an isolate).
let verifier;
function getVerifier(env) {
  if (verifier) return verifier;
  if (env.UPVEST_JWKS) {
    verifier = new WebhookVerifier({ keys: JSON.parse(env.UPVEST_JWKS) });
  } else {
    for (const name of ['UPVEST_CLIENT_ID', 'UPVEST_CLIENT_SECRET', 'UPVEST_KEY_ID', 'UPVEST_PRIVATE_KEY']) {
      if (!env[name]) throw new Error(`set UPVEST_JWKS, or ${name} and the other client credentials (see wrangler.toml)`);
    }
    const upvest = new UpvestClient({
      baseUrl: env.UPVEST_BASE_URL, // default https://sandbox.upvest.co
      clientId: env.UPVEST_CLIENT_ID,
      clientSecret: env.UPVEST_CLIENT_SECRET,
      keyId: env.UPVEST_KEY_ID,
      privateKey: env.UPVEST_PRIVATE_KEY,
      privateKeyPassphrase: env.UPVEST_PRIVATE_KEY_PASSPHRASE,
      scopes: ['webhooks:read'], // enough for GET /auth/verify_keys
    });
    verifier = upvest.webhookVerifier();
  }
  return verifier;
}

// Without a KV binding: event ids seen by this isolate only. Workers run many
// isolates and recycle them, so this catches quick retries, not all of them.
const seenInMemory = new Set();

/** Records `id` as received; false when it was already there. */
async function firstTime(env, id) {
  if (!env.UPVEST_EVENTS) {
    if (seenInMemory.has(id)) return false;
    seenInMemory.add(id);
    return true;
  }
  // KV is eventually consistent and has no compare-and-set: two deliveries of
  // the same event racing through different locations can both pass. For
  // strict exactly-once, use a Durable Object or D1 with a unique key on id.
  const key = `event:${id}`;
  if ((await env.UPVEST_EVENTS.get(key)) !== null) return false;
  await env.UPVEST_EVENTS.put(key, new Date().toISOString(), { expirationTtl: SEEN_TTL_SECONDS });
  return true;
}

/** Your business logic. Here: log the event and forward it to a backend, if configured. */
async function processEvent(event, env) {
  console.log(`processed ${event.type} ${event.id}`);
  if (env.EVENTS_FORWARD_URL) {
    const response = await fetch(env.EVENTS_FORWARD_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    if (!response.ok) throw new Error(`forwarding ${event.id} failed: HTTP ${response.status}`);
  }
}

const json = (value, status = 200) => Response.json(value, { status });

export default {
  async fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (pathname !== WEBHOOK_PATH) return json({ error: 'not found' }, 404);
    if (request.method !== 'POST') return new Response(null, { status: 405, headers: { allow: 'POST' } });

    let delivery;
    try {
      // Reads the raw body itself: nothing may read request.body before this.
      delivery = await getVerifier(env).verifyRequest(request);
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) throw err; // a bug: 500, Upvest retries
      console.warn(`rejected ${err.code}: ${err.message}`);
      // Our key fetch failed (503: retry later) vs. a delivery that does not verify (400).
      return json({ code: err.code }, err.code === 'ERR_JWKS_FETCH_FAILED' ? 503 : 400);
    }

    const isNew = await Promise.all(delivery.events.map((event) => firstTime(env, event.id)));
    const fresh = [];
    delivery.events.forEach((event, i) => {
      if (isNew[i]) fresh.push(event);
      else console.log(`duplicate ${event.type} ${event.id}`);
    });
    // Answer now; finish the work after the response. A failure here is only
    // logged (the ids are already recorded): for guaranteed processing, send
    // the events to a Queue instead (env.QUEUE.sendBatch) and process them there.
    ctx.waitUntil(Promise.all(fresh.map((event) => processEvent(event, env))).catch((err) => console.error(`processing failed: ${err.message}`)));
    return json({ received: fresh.length, duplicates: delivery.events.length - fresh.length });
  },
};
