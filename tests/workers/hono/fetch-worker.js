// webhookHandler() as a Worker's whole `fetch` export (no framework), with the
// verifier made from env on the first request. Same bindings as worker.js;
// the handler reports to SINK_URL/events.

import { WebhookVerifier, webhookHandler } from 'upvest-webhooks/verifier';

let verifier;

export default {
  fetch: webhookHandler(
    (env) => (verifier ??= new WebhookVerifier({ keys: JSON.parse(env.UPVEST_JWKS), limits: { maxBodyBytes: Number(env.MAX_BODY_BYTES) } })),
    async (delivery, { env, ctx, request }) => {
      const response = await fetch(`${env.SINK_URL}/events`, {
        method: 'POST',
        body: JSON.stringify({
          route: `fetch export ${new URL(request.url).pathname}`,
          ids: delivery.events.map((e) => e.id),
          keyId: delivery.keyId,
          waitUntil: typeof ctx?.waitUntil === 'function',
        }),
      });
      await response.arrayBuffer();
    },
  ),
};
