// Error classes and their `code` unions: `switch (err.code)` narrows.
import {
  ERROR_CODES,
  UpvestApiError,
  UpvestError,
  type UpvestValidationError,
  WebhookVerificationError,
  type ApiErrorCode,
  type ErrorCode,
  type ErrorCodeList,
} from 'upvest-webhooks';
import { unreachable, value, type Equal, type Expect, type Extends } from './assert.js';

type _list = Expect<Equal<(typeof ERROR_CODES)[number], ErrorCode>>;
type _readonly = Expect<Equal<typeof ERROR_CODES, ErrorCodeList>>;
type _array = Expect<Extends<ErrorCodeList, readonly ErrorCode[]>>;
// @ts-expect-error read-only
ERROR_CODES.push('ERR_TIMEOUT');
for (const code of ERROR_CODES) {
  type _each = Expect<Equal<typeof code, ErrorCode>>;
}

// ERROR_CODES.includes(err.code): for every error class, and narrowing the code
function knownCode(err: unknown): ErrorCode | undefined {
  if (err instanceof UpvestError && ERROR_CODES.includes(err.code)) {
    type _narrowed = Expect<Equal<typeof err.code, ErrorCode>>;
    return err.code;
  }
  if (err instanceof WebhookVerificationError && ERROR_CODES.includes(err.code)) return err.code;
  if (err instanceof UpvestApiError && ERROR_CODES.includes(err.code)) return err.code;
  return undefined;
}
void knownCode;
const someString = value<string>();
if (ERROR_CODES.includes(someString)) {
  type _fromString = Expect<Equal<typeof someString, ErrorCode>>;
  // @ts-expect-error narrowed to the codes: a code that does not exist is no longer comparable
  if (someString === 'ERR_NOT_A_CODE') void 0;
}
if (ERROR_CODES.includes(someString, 1)) void someString;
const flag: boolean = ERROR_CODES.includes(undefined);
void flag;
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
