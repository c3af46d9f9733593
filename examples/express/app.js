// An Express 5 app with an Upvest webhook route.
//
// The signature covers the exact body bytes. expressWebhook() reads them from
// the request stream itself (within the verifier's limits.maxBodyBytes),
// verifies, and puts the verified delivery on req.upvestDelivery: no
// express.raw() needed. It must run before any JSON parser touches the
// request, so the webhook route is registered BEFORE app.use(express.json()).
// If express.json() runs first, the bytes are gone: expressWebhook() passes
// an ERR_BODY_NOT_RAW error to next(), whose message says how to fix it.

import express from 'express';
import { expressWebhook } from 'upvest-webhooks';

/**
 * The route handler, after expressWebhook(): deduplicates on event.id,
 * processes, answers 200. `onEvent(event)` is your business logic;
 * `processed` the ids already handled (in production: a unique key in your
 * database, not a Set).
 */
export function upvestWebhookHandler({ onEvent, processed = new Set() }) {
  return async (req, res) => {
    for (const event of req.upvestDelivery.events) {
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

/** The verifying middleware: rejected deliveries are answered 400 { error: code } (413, 503) and logged. */
export function upvestWebhook(verifier) {
  return expressWebhook(verifier, {
    onRejected: (err) => console.warn(`rejected ${err.code}: ${err.message}`),
  });
}

/** The app: the webhook route, then the rest of the app with JSON bodies. */
export function createApp({ verifier, onEvent, path = '/webhooks/upvest' }) {
  const app = express();
  app.post(path, upvestWebhook(verifier), upvestWebhookHandler({ onEvent }));

  // Only now the app-wide JSON parser, for your other routes.
  app.use(express.json());
  app.get('/health', (req, res) => res.json({ ok: true }));
  return app;
}
