// An Express 5 app with an Upvest webhook route.
//
// The signature covers the exact body bytes. The webhook route therefore
// takes the body with express.raw({ type: 'application/json' }) (req.body is
// a Buffer) and is registered BEFORE any app-wide express.json(). If
// express.json() runs first, req.body is a parsed object: the bytes are gone,
// and the verifier answers ERR_BODY_NOT_RAW.

import express from 'express';
import { WebhookVerificationError } from 'upvest-webhooks';

/**
 * The route handler: verifies, deduplicates on event.id, processes, answers 200.
 * `onEvent(event)` is your business logic; `processed` the ids already handled
 * (in production: a unique key in your database, not a Set).
 */
export function upvestWebhookHandler({ verifier, onEvent, processed = new Set() }) {
  return async (req, res) => {
    let delivery;
    try {
      delivery = await verifier.verify({
        method: req.method,
        url: req.originalUrl, // not req.url: inside a mounted router, req.url has lost the mount path, which is signed
        headers: req.headers,
        body: req.body, // a Buffer thanks to express.raw()
      });
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) throw err; // Express 5 passes it on: 500
      console.warn(`rejected ${err.code}: ${err.message}`);
      return res.status(err.code === 'ERR_JWKS_FETCH_FAILED' ? 503 : 400).json({ code: err.code });
    }
    for (const event of delivery.events) {
      if (processed.has(event.id)) {
        console.log(`duplicate ${event.type} ${event.id}`);
        continue;
      }
      await onEvent(event); // a throw here answers 500, and Upvest retries
      processed.add(event.id);
    }
    res.sendStatus(200); // Upvest retries anything but 200
  };
}

/** The app: the webhook route with the raw body, then the rest of the app with JSON bodies. */
export function createApp({ verifier, onEvent, path = '/webhooks/upvest' }) {
  const app = express();
  app.post(path, express.raw({ type: 'application/json', limit: '8mb' }), upvestWebhookHandler({ verifier, onEvent }));

  // Only now the app-wide JSON parser, for your other routes.
  app.use(express.json());
  app.get('/health', (req, res) => res.json({ ok: true }));
  return app;
}
