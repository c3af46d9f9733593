// The public API of `upvest-webhooks/verifier`, identical in every runtime: the
// verifier alone, with the same error classes and event helpers as the main
// entry (the same modules, so `instanceof` works across both).
export { WebhookVerifier, inspectDelivery } from '../../dist/verifier/upvest_webhooks_verifier.js';
export { UpvestError, WebhookVerificationError, UpvestApiError, UpvestValidationError, ERROR_CODES } from '../errors.js';
export { on, isEventType } from '../events.js';
export { webhookHandler, honoWebhook, expressWebhook } from '../adapters.js';
