// The smaller Worker: keys from the UPVEST_JWKS secret only, so it imports
// `upvest-webhooks/verifier` (no client, its own .wasm built for size: less
// than half the upload of src/index.js). Same behaviour otherwise: verify,
// answer 200 at once, process after the response with ctx.waitUntil, 400
// with the code for a delivery that does not verify.
//
//   npx wrangler deploy --config wrangler.verifier-only.toml

import { WebhookVerificationError, WebhookVerifier } from 'upvest-webhooks/verifier';

let verifier; // one per isolate: keys are decoded once and cached
export default {
  async fetch(request, env, ctx) {
    if (request.method !== 'POST') return new Response(null, { status: 405, headers: { allow: 'POST' } });
    verifier ??= new WebhookVerifier({ keys: JSON.parse(env.UPVEST_JWKS) });
    try {
      const { events } = await verifier.verifyRequest(request);
      ctx.waitUntil(processEvents(events, env));
      return Response.json({ received: events.length });
    } catch (err) {
      if (err instanceof WebhookVerificationError) return Response.json({ code: err.code }, { status: 400 });
      throw err;
    }
  },
};

/** Your business logic (deduplicate on event.id: Upvest retries anything but a 200). */
async function processEvents(events, env) {
  for (const event of events) {
    console.log(`processed ${event.type} ${event.id}`);
    if (env.EVENTS_FORWARD_URL)
      await fetch(env.EVENTS_FORWARD_URL, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
  }
}
