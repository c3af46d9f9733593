// The error classes and their stable codes: every error the package throws
// is an UpvestError with a `code` of ErrorCode.

/**
 * Every stable error code: the verifier's, the client's ({@link ApiErrorCode}),
 * `ERR_VALIDATION`, `ERR_NETWORK` and `ERR_TIMEOUT`. Switch on `err.code`.
 *
 * @category Errors
 */
export type ErrorCode =
  | 'ERR_SIGNATURE_HEADERS_MISSING'
  | 'ERR_SIGNATURE_INPUT_MALFORMED'
  | 'ERR_SIGNATURE_MALFORMED'
  | 'ERR_SIGNATURE_LABEL_NOT_FOUND'
  | 'ERR_COMPONENT_MISSING'
  | 'ERR_COMPONENT_INVALID'
  | 'ERR_UNSUPPORTED_ALGORITHM'
  | 'ERR_KEY_NOT_FOUND'
  | 'ERR_KEY_INVALID'
  | 'ERR_JWKS_INVALID'
  | 'ERR_JWKS_FETCH_FAILED'
  | 'ERR_DIGEST_MISSING'
  | 'ERR_DIGEST_NOT_COVERED'
  | 'ERR_DIGEST_MISMATCH'
  | 'ERR_DIGEST_MALFORMED'
  | 'ERR_CONTENT_LENGTH_MISMATCH'
  | 'ERR_SIGNATURE_INVALID'
  | 'ERR_SIGNATURE_EXPIRED'
  | 'ERR_SIGNATURE_NOT_YET_VALID'
  | 'ERR_BODY_NOT_RAW'
  | 'ERR_PAYLOAD_INVALID'
  | 'ERR_LIMIT_EXCEEDED'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_PRIVATE_KEY_INVALID'
  | ApiErrorCode
  | 'ERR_VALIDATION'
  | 'ERR_NETWORK'
  | 'ERR_TIMEOUT';

/**
 * Codes of {@link UpvestApiError}, chosen by HTTP status (never by the body's `type`).
 *
 * @category Errors
 */
export type ApiErrorCode =
  | 'ERR_API_BAD_REQUEST'
  | 'ERR_API_UNAUTHORIZED'
  | 'ERR_API_FORBIDDEN'
  | 'ERR_API_NOT_FOUND'
  | 'ERR_API_NOT_ACCEPTABLE'
  | 'ERR_API_RATE_LIMITED'
  | 'ERR_API_SERVER_ERROR'
  | 'ERR_API_UNEXPECTED_STATUS'
  | 'ERR_API_INVALID_RESPONSE';

/**
 * The type of {@link ERROR_CODES}: a read-only array of every {@link ErrorCode} whose `includes` takes
 * any value, such as the `code` of an {@link UpvestError}, and narrows it to an {@link ErrorCode}.
 *
 * @category Errors
 */
export interface ErrorCodeList extends ReadonlyArray<ErrorCode> {
  /**
   * Whether `code` is one of the codes.
   *
   * @param code - Any value; `err.code` typically.
   * @param fromIndex - Where to start looking (default 0).
   */
  includes(code: unknown, fromIndex?: number): code is ErrorCode;
}

/**
 * All codes, in a stable order, for exhaustive handling and tests.
 *
 * @example
 * ```ts
 * if (err instanceof UpvestError && ERROR_CODES.includes(err.code)) metrics.count(err.code); // err.code: ErrorCode
 * ```
 *
 * @category Errors
 */
export declare const ERROR_CODES: ErrorCodeList;

/**
 * Base class of every error the package throws; also thrown as is for network
 * failures (`ERR_NETWORK`), timeouts (`ERR_TIMEOUT`) and bad arguments
 * (`ERR_INVALID_ARGUMENT`).
 *
 * @category Errors
 */
export declare class UpvestError extends Error {
  /**
   * @param message - What went wrong and what to do about it.
   * @param options - `code` (default `ERR_UPVEST`) and the underlying `cause`, if any.
   */
  constructor(message: string, options?: { code?: string; cause?: unknown });
  /** Stable identifier; switch on it. */
  readonly code: ErrorCode | (string & {});
}

/**
 * A delivery failed verification, or the verifier was misconfigured. Do not
 * process the events of a delivery that failed.
 *
 * @category Errors
 */
export declare class WebhookVerificationError extends UpvestError {
  /** Why; see the README's error table. */
  readonly code: ErrorCode;
}

/**
 * The Upvest API answered with an error status (after retries and one token refresh).
 *
 * @category Errors
 */
export declare class UpvestApiError extends UpvestError {
  /** Chosen by the HTTP status. */
  readonly code: ApiErrorCode;
  /** The HTTP status. */
  readonly status: number;
  /** The problem `type` (a URL or short code; treat as opaque). */
  readonly type?: string;
  /** The problem `title`: a short summary. */
  readonly title?: string;
  /** The problem `detail`: what went wrong with this request. */
  readonly detail?: string;
  /** The problem `instance`. */
  readonly instance?: string;
  /** The problem body's `request_id`. */
  readonly request_id?: string;
  /** The `upvest-request-id` response header: quote it to Upvest support. */
  readonly upvestRequestId?: string;
}

/**
 * An argument broke one of the API's documented rules; nothing was sent.
 *
 * @category Errors
 */
export declare class UpvestValidationError extends UpvestError {
  /** Always `ERR_VALIDATION`. */
  readonly code: 'ERR_VALIDATION';
  /** The field, with a path for nested ones (`config.delay`). */
  readonly field: string;
  /** The rule: `required`, `type`, `max_length`, `https`, `pattern`, `range`, `enum`, `uuid`, `non_empty` or `unknown_field`. */
  readonly rule: 'required' | 'type' | 'max_length' | 'https' | 'pattern' | 'range' | 'enum' | 'uuid' | 'non_empty' | 'unknown_field';
}
