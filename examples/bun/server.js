// A Bun receiver for Upvest webhooks in one handler: Bun.serve with
// webhookHandler() from upvest-webhooks. `bun install`, then: bun server.js
//
// Environment:
//   PORT (3000), HOST (127.0.0.1), WEBHOOK_PATH (/webhooks/upvest)
//   Keys, either UPVEST_JWKS (the JSON of GET /auth/verify_keys), or the client
//   credentials UPVEST_CLIENT_ID, UPVEST_CLIENT_SECRET, UPVEST_KEY_ID,
//   UPVEST_PRIVATE_KEY (PEM text) [, UPVEST_PRIVATE_KEY_PASSPHRASE, UPVEST_BASE_URL]:
//   keys are then fetched, cached and refetched when Upvest rotates them.

import { UpvestClient, WebhookVerifier, webhookHandler } from 'upvest-webhooks';

const env = process.env;
const WEBHOOK_PATH = env.WEBHOOK_PATH ?? '/webhooks/upvest';

function createVerifier() {
  if (env.UPVEST_JWKS) return new WebhookVerifier({ keys: JSON.parse(env.UPVEST_JWKS) });
  const upvest = new UpvestClient({
    baseUrl: env.UPVEST_BASE_URL,
    clientId: env.UPVEST_CLIENT_ID,
    clientSecret: env.UPVEST_CLIENT_SECRET,
    keyId: env.UPVEST_KEY_ID,
    privateKey: env.UPVEST_PRIVATE_KEY,
    privateKeyPassphrase: env.UPVEST_PRIVATE_KEY_PASSPHRASE,
    scopes: ['webhooks:read'], // enough for GET /auth/verify_keys
  });
  return upvest.webhookVerifier();
}

// Event ids already processed. In production: a table with a unique key on the id.
const processed = new Set();

// Verifies (reading at most limits.maxBodyBytes), then runs the function; Bun
// has no waitUntil, so it is awaited: 200 when it resolves, 500 when it throws
// (Upvest redelivers). A rejected delivery is answered 400 {"error": code}.
const receive = webhookHandler(
  createVerifier(),
  async ({ events }) => {
    for (const event of events) {
      if (processed.has(event.id)) continue; // a redelivery
      console.log(`processed ${event.type} ${event.id}`); // your business logic
      processed.add(event.id);
    }
  },
  { onRejected: (err) => console.warn(`rejected ${err.code}: ${err.message}`) },
);

const server = Bun.serve({
  hostname: env.HOST ?? '127.0.0.1',
  port: Number(env.PORT ?? 3000),
  fetch(request) {
    if (new URL(request.url).pathname !== WEBHOOK_PATH) return new Response(null, { status: 404 });
    return receive(request);
  },
});
console.log(`listening on http://${server.hostname}:${server.port}${WEBHOOK_PATH}`);
