// Starts the Express app of app.js: POST /webhooks/upvest.
//
// Environment: PORT (3000), HOST (127.0.0.1), and the keys, either
//   UPVEST_JWKS   the JSON of GET /auth/verify_keys (or a file holding it), or
//   UPVEST_BASE_URL, UPVEST_CLIENT_ID, UPVEST_CLIENT_SECRET, UPVEST_KEY_ID,
//   UPVEST_PRIVATE_KEY (PEM text or path), UPVEST_PRIVATE_KEY_PASSPHRASE

import { existsSync, readFileSync } from 'node:fs';
import { UpvestClient, WebhookVerifier } from 'upvest-webhooks';
import { createApp } from './app.js';

const textOrFile = (value, looksLikeText) => (looksLikeText(value) || !existsSync(value) ? value : readFileSync(value, 'utf8'));

function createVerifier(env) {
  if (env.UPVEST_JWKS) return new WebhookVerifier({ keys: JSON.parse(textOrFile(env.UPVEST_JWKS, (v) => v.trim().startsWith('{'))) });
  const missing = ['UPVEST_CLIENT_ID', 'UPVEST_CLIENT_SECRET', 'UPVEST_KEY_ID', 'UPVEST_PRIVATE_KEY'].filter((name) => !env[name]);
  if (missing.length) {
    console.error(`set UPVEST_JWKS, or the client credentials (missing: ${missing.join(', ')})`);
    process.exit(2);
  }
  return new UpvestClient({
    baseUrl: env.UPVEST_BASE_URL,
    clientId: env.UPVEST_CLIENT_ID,
    clientSecret: env.UPVEST_CLIENT_SECRET,
    keyId: env.UPVEST_KEY_ID,
    privateKey: textOrFile(env.UPVEST_PRIVATE_KEY, (v) => v.includes('-----BEGIN') || v.trim().startsWith('{')),
    privateKeyPassphrase: env.UPVEST_PRIVATE_KEY_PASSPHRASE,
    scopes: ['webhooks:read'],
  }).webhookVerifier();
}

const app = createApp({
  verifier: createVerifier(process.env),
  onEvent: async (event) => console.log(`processed ${event.type} ${event.id}`), // your business logic
});

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', (err) => {
  if (err) throw err; // Express 5 passes listen errors (EADDRINUSE, …) here
  const { address, port } = server.address();
  console.log(`listening on http://${address.includes(':') ? `[${address}]` : address}:${port}/webhooks/upvest`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
