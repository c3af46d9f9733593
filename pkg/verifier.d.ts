/**
 * upvest-webhooks/verifier: the verifier alone, for Cloudflare Workers and
 * browsers. Its WebAssembly module holds no API client and no test signer
 * (about 140 KB gzipped instead of 350 KB). The declarations are those of the
 * main entry; the error classes are the same classes, so `instanceof` works
 * across both entries.
 *
 * @example
 * ```ts
 * import { WebhookVerifier, WebhookVerificationError, on } from 'upvest-webhooks/verifier';
 *
 * const verifier = new WebhookVerifier({ keys: jwks }); // the JSON of GET /auth/verify_keys
 * const { events } = await verifier.verifyRequest(request);
 * ```
 *
 * @packageDocumentation
 */

export {
  WebhookVerifier,
  inspectDelivery,
  on,
  isEventType,
  UpvestError,
  WebhookVerificationError,
  UpvestApiError,
  UpvestValidationError,
  ERROR_CODES,
} from './index.js';

export type {
  ErrorCode,
  ApiErrorCode,
  ErrorCodeList,
  PublicJwk,
  Jwks,
  HeadersInput,
  RawBody,
  DeliveryRequest,
  KeysOption,
  VerifierLimits,
  WebhookVerifierOptions,
  VerifiedDelivery,
  InspectionStep,
  SignatureInspection,
  Inspection,
} from './index.js';

// The webhook event types and the helper types of `on` and `isEventType`.
export * from './events.js';

// The receiver adapters (webhookHandler for Workers, Deno and Bun; honoWebhook; expressWebhook).
export { webhookHandler, honoWebhook, expressWebhook } from './index.js';
export type {
  RequestVerifier,
  VerifierSource,
  WaitUntilContext,
  WebhookHandlerContext,
  WebhookHandlerOptions,
  HonoContextLike,
  NodeRequestLike,
  NodeResponseLike,
  ExpressWebhookOptions,
} from './index.js';
