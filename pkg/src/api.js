// The public API, identical in every runtime.
export { WebhookVerifier, generateTestKeyPair, signTestDelivery } from '../dist/wasm/upvest_webhooks.js';
export { UpvestError, WebhookVerificationError, ERROR_CODES } from './errors.js';
