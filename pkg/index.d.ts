/**
 * upvest-webhooks: verify Upvest webhook deliveries (HTTP Message Signatures,
 * ECDSA P-521 / SHA-512) in Node ≥ 20, browsers and Cloudflare Workers.
 *
 * - {@link WebhookVerifier} checks a delivery and returns its events.
 * - {@link WebhookEvent} types every event of Upvest's API: narrow on `type`, or
 *   dispatch with {@link on}.
 * - {@link UpvestClient} manages webhook subscriptions.
 * - {@link generateTestKeyPair} and {@link signTestDelivery} sign deliveries for your tests.
 *
 * @example
 * ```ts
 * import { WebhookVerifier, on } from 'upvest-webhooks';
 *
 * const verifier = new WebhookVerifier({ keys: jwks }); // the JSON of GET /auth/verify_keys
 * const { events } = await verifier.verify({ method: 'POST', url: req.url, headers: req.headers, body: rawBody });
 * await on(events, 'ORDER.FILLED', (event) => console.log(event.object.id, event.object.quantity));
 * ```
 *
 * @packageDocumentation
 */

// The declarations live in one file per area under types/; this file is the
// package's entry for TypeScript and re-exports them all.

export * from './types/errors.js';
export * from './types/keys.js';

// The webhook events, generated from Upvest's OpenAPI (x-webhooks) by
// scripts/gen-event-types.mjs: WebhookEvent, one type per category, the event
// type lists, the subscription categories (WebhookCategory) and the helper
// types of `on`.
export * from './events.js';

export * from './types/verifier.js';
export * from './types/testing.js';
export * from './types/inspector.js';
export * from './types/dispatch.js';
export * from './types/client.js';
export * from './types/adapters.js';
