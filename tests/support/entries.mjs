// What the package's `upvest-webhooks/verifier` entry exports, sorted: the
// verifier, inspectDelivery, the error classes and codes, the event helpers
// and the adapters; no client and no test signer. Pinned by
// tests/js/verifier-entry.test.mjs (in Node), tests/workers/verifier (in
// workerd) and tests/package/smoke.test.mjs (the packed tarball).
export const VERIFIER_ENTRY_EXPORTS = Object.freeze([
  'ERROR_CODES',
  'UpvestApiError',
  'UpvestError',
  'UpvestValidationError',
  'WebhookVerificationError',
  'WebhookVerifier',
  'expressWebhook',
  'honoWebhook',
  'inspectDelivery',
  'isEventType',
  'on',
  'webhookHandler',
]);
