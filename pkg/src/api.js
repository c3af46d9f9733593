// The public API, identical in every runtime.
import { WebhookPages } from '../dist/wasm/upvest_webhooks.js';

// `for await (const hook of upvest.webhooks.listAll())`
WebhookPages.prototype[Symbol.asyncIterator] = function asyncIterator() {
  return this;
};

export { WebhookVerifier, UpvestClient, generateTestKeyPair, signTestDelivery, inspectDelivery } from '../dist/wasm/upvest_webhooks.js';
export { UpvestError, WebhookVerificationError, UpvestApiError, UpvestValidationError, ERROR_CODES } from './errors.js';
export { on, isEventType } from './events.js';
export { webhookHandler, honoWebhook, expressWebhook } from './adapters.js';
