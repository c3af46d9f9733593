// Error classes and their `code` unions: `switch (err.code)` narrows.
import {
  ERROR_CODES,
  UpvestApiError,
  UpvestError,
  UpvestValidationError,
  WebhookVerificationError,
  type ApiErrorCode,
  type ErrorCode,
} from 'upvest-webhooks';
import { unreachable, value, type Equal, type Expect, type Extends } from './assert.js';

type _list = Expect<Equal<(typeof ERROR_CODES)[number], ErrorCode>>;
type _readonly = Expect<Equal<typeof ERROR_CODES, readonly ErrorCode[]>>;
type _api = Expect<Extends<ApiErrorCode, ErrorCode>>;
type _hierarchy1 = Expect<Extends<WebhookVerificationError, UpvestError>>;
type _hierarchy2 = Expect<Extends<UpvestApiError, UpvestError>>;
type _hierarchy3 = Expect<Extends<UpvestValidationError, UpvestError>>;
type _hierarchy4 = Expect<Extends<UpvestError, Error>>;

/** What a webhook endpoint answers for each verification failure. */
function statusFor(err: unknown): number {
  if (!(err instanceof WebhookVerificationError)) return 500;
  type _code = Expect<Equal<typeof err.code, ErrorCode>>;
  switch (err.code) {
    case 'ERR_JWKS_FETCH_FAILED':
    case 'ERR_JWKS_INVALID':
      return 503;
    case 'ERR_SIGNATURE_EXPIRED':
    case 'ERR_SIGNATURE_INVALID':
    case 'ERR_DIGEST_MISMATCH':
      return 401;
    // @ts-expect-error not an error code
    case 'ERR_SIGNATURE_BAD':
      return 0;
    default:
      return 400;
  }
}
void statusFor;

/** Exhaustive over UpvestApiError codes: adding a code breaks this. */
function retryable(err: UpvestApiError): boolean {
  switch (err.code) {
    case 'ERR_API_RATE_LIMITED':
    case 'ERR_API_SERVER_ERROR':
      return true;
    case 'ERR_API_BAD_REQUEST':
    case 'ERR_API_UNAUTHORIZED':
    case 'ERR_API_FORBIDDEN':
    case 'ERR_API_NOT_FOUND':
    case 'ERR_API_NOT_ACCEPTABLE':
    case 'ERR_API_UNEXPECTED_STATUS':
    case 'ERR_API_INVALID_RESPONSE':
      return false;
    default:
      return unreachable(err.code);
  }
}
void retryable;

const apiError = value<UpvestApiError>();
type _status = Expect<Equal<typeof apiError.status, number>>;
type _requestId = Expect<Equal<typeof apiError.upvestRequestId, string | undefined>>;
// @ts-expect-error an API error never has a verification code
if (apiError.code === 'ERR_SIGNATURE_INVALID') void 0;
// @ts-expect-error error fields are read-only
apiError.status = 500;

const validation = value<UpvestValidationError>();
type _validationCode = Expect<Equal<typeof validation.code, 'ERR_VALIDATION'>>;
type _field = Expect<Equal<typeof validation.field, string>>;
switch (validation.rule) {
  case 'required':
  case 'https':
    break;
  // @ts-expect-error not a validation rule
  case 'length':
    break;
}

// UpvestError (network, timeout, bad options) also carries codes outside the union, for forward compatibility
const base = value<UpvestError>();
type _baseCode = Expect<Extends<ErrorCode, typeof base.code>>;
if (base.code === 'ERR_NETWORK' || base.code === 'ERR_TIMEOUT' || base.code === 'ERR_SOMETHING_NEW') void 0;

// the constructor, for tests of your own code
const thrown = new UpvestError('boom', { code: 'ERR_NETWORK', cause: new Error('reset') });
void thrown;
// @ts-expect-error the message is required
new UpvestError();
