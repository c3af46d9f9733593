// Error classes. Real `Error` subclasses with a stable string `code`, like
// jose's. The WebAssembly core constructs them through registerErrorClasses.

/** Base class of every error this package throws. */
export class UpvestError extends Error {
  /**
   * @param {string} message
   * @param {{ code?: string, cause?: unknown }} [options]
   */
  constructor(message, options = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    /** Stable identifier, for example `ERR_SIGNATURE_INVALID`. */
    this.code = options.code ?? 'ERR_UPVEST';
  }
}
Object.defineProperty(UpvestError.prototype, 'name', { value: 'UpvestError', writable: true, configurable: true });

/** A webhook delivery failed verification, or the verifier was misconfigured. */
export class WebhookVerificationError extends UpvestError {}
Object.defineProperty(WebhookVerificationError.prototype, 'name', { value: 'WebhookVerificationError', writable: true, configurable: true });

/** The Upvest API answered with an error status (after retries and one token refresh). */
export class UpvestApiError extends UpvestError {}
Object.defineProperty(UpvestApiError.prototype, 'name', { value: 'UpvestApiError', writable: true, configurable: true });

/** An argument broke one of the API's documented rules; nothing was sent. */
export class UpvestValidationError extends UpvestError {}
Object.defineProperty(UpvestValidationError.prototype, 'name', { value: 'UpvestValidationError', writable: true, configurable: true });

/** Every error code, for exhaustive handling. Kept equal to the core's list by a test. */
export const ERROR_CODES = Object.freeze([
  'ERR_SIGNATURE_HEADERS_MISSING',
  'ERR_SIGNATURE_INPUT_MALFORMED',
  'ERR_SIGNATURE_MALFORMED',
  'ERR_SIGNATURE_LABEL_NOT_FOUND',
  'ERR_COMPONENT_MISSING',
  'ERR_COMPONENT_INVALID',
  'ERR_UNSUPPORTED_ALGORITHM',
  'ERR_KEY_NOT_FOUND',
  'ERR_KEY_INVALID',
  'ERR_JWKS_INVALID',
  'ERR_JWKS_FETCH_FAILED',
  'ERR_DIGEST_MISSING',
  'ERR_DIGEST_NOT_COVERED',
  'ERR_DIGEST_MISMATCH',
  'ERR_DIGEST_MALFORMED',
  'ERR_CONTENT_LENGTH_MISMATCH',
  'ERR_SIGNATURE_INVALID',
  'ERR_SIGNATURE_EXPIRED',
  'ERR_SIGNATURE_NOT_YET_VALID',
  'ERR_BODY_NOT_RAW',
  'ERR_PAYLOAD_INVALID',
  'ERR_LIMIT_EXCEEDED',
  'ERR_INVALID_ARGUMENT',
  'ERR_PRIVATE_KEY_INVALID',
  'ERR_VALIDATION',
  'ERR_API_BAD_REQUEST',
  'ERR_API_UNAUTHORIZED',
  'ERR_API_FORBIDDEN',
  'ERR_API_NOT_FOUND',
  'ERR_API_NOT_ACCEPTABLE',
  'ERR_API_RATE_LIMITED',
  'ERR_API_SERVER_ERROR',
  'ERR_API_UNEXPECTED_STATUS',
  'ERR_API_INVALID_RESPONSE',
  'ERR_NETWORK',
  'ERR_TIMEOUT',
]);
