// A plain node:http receiver for Upvest webhooks: POST /webhooks/upvest.
//
// The signature covers the exact body bytes, so the body is read as raw
// chunks and handed to the verifier as one Buffer: no decoding, no
// JSON.parse, no re-serialising.
//
// Environment:
//   PORT (3000), HOST (127.0.0.1), WEBHOOK_PATH (/webhooks/upvest)
//   Keys, either:
//     UPVEST_JWKS            the JSON of GET /auth/verify_keys, or a file holding it
//   or the client credentials (keys are fetched, cached and refetched on rotation):
//     UPVEST_BASE_URL        default https://sandbox.upvest.co
//     UPVEST_CLIENT_ID, UPVEST_CLIENT_SECRET, UPVEST_KEY_ID
//     UPVEST_PRIVATE_KEY     PEM text or a path to the PEM
//     UPVEST_PRIVATE_KEY_PASSPHRASE   if the PEM is encrypted

import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { UpvestClient, WebhookVerificationError, WebhookVerifier } from 'upvest-webhooks';

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';
const WEBHOOK_PATH = process.env.WEBHOOK_PATH ?? '/webhooks/upvest';
const MAX_BODY_BYTES = 8 * 1024 * 1024; // the verifier's default limits.maxBodyBytes

/** A value that is either the text itself or the path of a file holding it. */
const textOrFile = (value, looksLikeText) => (looksLikeText(value) || !existsSync(value) ? value : readFileSync(value, 'utf8'));

function createVerifier(env) {
  if (env.UPVEST_JWKS) {
    const jwks = JSON.parse(textOrFile(env.UPVEST_JWKS, (v) => v.trim().startsWith('{')));
    return new WebhookVerifier({ keys: jwks });
  }
  const missing = ['UPVEST_CLIENT_ID', 'UPVEST_CLIENT_SECRET', 'UPVEST_KEY_ID', 'UPVEST_PRIVATE_KEY'].filter((name) => !env[name]);
  if (missing.length) {
    console.error(`set UPVEST_JWKS, or the client credentials (missing: ${missing.join(', ')})`);
    process.exit(2);
  }
  const upvest = new UpvestClient({
    baseUrl: env.UPVEST_BASE_URL,
    clientId: env.UPVEST_CLIENT_ID,
    clientSecret: env.UPVEST_CLIENT_SECRET,
    keyId: env.UPVEST_KEY_ID,
    privateKey: textOrFile(env.UPVEST_PRIVATE_KEY, (v) => v.includes('-----BEGIN') || v.trim().startsWith('{')),
    privateKeyPassphrase: env.UPVEST_PRIVATE_KEY_PASSPHRASE,
    scopes: ['webhooks:read'], // enough for GET /auth/verify_keys
  });
  return upvest.webhookVerifier();
}

const verifier = createVerifier(process.env);

/** The raw body, as one Buffer; rejects with `status` 413 past `limit` bytes. */
async function readRawBody(req, limit) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw Object.assign(new Error(`body larger than ${limit} bytes`), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

// Event ids already processed. In production: a database table with a unique
// key on the event id (a Set is lost on restart and not shared between processes).
const processed = new Set();

/** Your business logic. */
async function handleEvent(event) {
  console.log(`processed ${event.type} ${event.id}`);
}

const send = (res, status, body) => {
  res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
};

const server = http.createServer(async (req, res) => {
  const { pathname } = new URL(req.url, 'http://localhost');
  if (pathname !== WEBHOOK_PATH) return send(res, 404, { error: 'not found' });
  if (req.method !== 'POST') return send(res, 405, { error: 'POST only' });

  let body;
  try {
    body = await readRawBody(req, MAX_BODY_BYTES);
  } catch (err) {
    return send(res, err.status ?? 400, { error: err.message });
  }

  let delivery;
  try {
    // req.url is the path and query as received: @path and @query are what Upvest signs.
    delivery = await verifier.verify({ method: req.method, url: req.url, headers: req.headers, body });
  } catch (err) {
    if (!(err instanceof WebhookVerificationError)) {
      console.error(err);
      return send(res, 500, { error: 'internal error' });
    }
    console.warn(`rejected ${err.code}: ${err.message}`);
    // A failed key fetch is our problem (503, Upvest retries); anything else is a bad delivery.
    return send(res, err.code === 'ERR_JWKS_FETCH_FAILED' ? 503 : 400, { code: err.code });
  }

  try {
    for (const event of delivery.events) {
      if (processed.has(event.id)) {
        console.log(`duplicate ${event.type} ${event.id}`); // a retry of a delivery we already took
        continue;
      }
      await handleEvent(event);
      processed.add(event.id);
    }
  } catch (err) {
    console.error(err);
    return send(res, 500, { error: 'processing failed' }); // Upvest retries; processed events are skipped then
  }
  send(res, 200); // Upvest retries anything but 200
});

server.listen(PORT, HOST, () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address.includes(':') ? `[${address}]` : address}:${port}${WEBHOOK_PATH}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
