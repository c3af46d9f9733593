// A Deno receiver for Upvest webhooks in one handler: Deno.serve with
// webhookHandler() from upvest-webhooks. Install the package with npm (see
// README.md), then: deno run --allow-net --allow-env --allow-read server.ts
//
// Environment:
//   PORT (3000), HOST (127.0.0.1), WEBHOOK_PATH (/webhooks/upvest)
//   Keys, either UPVEST_JWKS (the JSON of GET /auth/verify_keys), or the client
//   credentials UPVEST_CLIENT_ID, UPVEST_CLIENT_SECRET, UPVEST_KEY_ID,
//   UPVEST_PRIVATE_KEY (PEM text) [, UPVEST_PRIVATE_KEY_PASSPHRASE, UPVEST_BASE_URL]:
//   keys are then fetched, cached and refetched when Upvest rotates them.

import { UpvestClient, WebhookVerifier, webhookHandler, type WebhookEvent } from 'upvest-webhooks';

const env = Deno.env.toObject();
const WEBHOOK_PATH = env.WEBHOOK_PATH ?? '/webhooks/upvest';

function createVerifier(): WebhookVerifier {
  if (env.UPVEST_JWKS) return new WebhookVerifier({ keys: JSON.parse(env.UPVEST_JWKS) });
  const upvest = new UpvestClient({
    baseUrl: env.UPVEST_BASE_URL,
    clientId: env.UPVEST_CLIENT_ID!,
    clientSecret: env.UPVEST_CLIENT_SECRET!,
    keyId: env.UPVEST_KEY_ID!,
    privateKey: env.UPVEST_PRIVATE_KEY!,
    privateKeyPassphrase: env.UPVEST_PRIVATE_KEY_PASSPHRASE,
    scopes: ['webhooks:read'], // enough for GET /auth/verify_keys
  });
  return upvest.webhookVerifier();
}

// Event ids already processed. In production: a table with a unique key on the id.
const processed = new Set<string>();

async function processEvent(event: WebhookEvent) {
  console.log(`processed ${event.type} ${event.id}`); // your business logic
}

// Verifies (reading at most limits.maxBodyBytes), then runs the function; Deno
// has no waitUntil, so it is awaited: 200 when it resolves, 500 when it throws
// (Upvest redelivers). A rejected delivery is answered 400 {"error": code}.
const receive = webhookHandler(
  createVerifier(),
  async ({ events }) => {
    for (const event of events) {
      if (processed.has(event.id)) continue; // a redelivery
      await processEvent(event);
      processed.add(event.id);
    }
  },
  { onRejected: (err) => console.warn(`rejected ${err.code}: ${err.message}`) },
);

Deno.serve(
  {
    hostname: env.HOST ?? '127.0.0.1',
    port: Number(env.PORT ?? 3000),
    onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}${WEBHOOK_PATH}`),
  },
  (request) => {
    if (new URL(request.url).pathname !== WEBHOOK_PATH) return new Response(null, { status: 404 });
    return receive(request);
  },
);
