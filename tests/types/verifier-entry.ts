// `upvest-webhooks/verifier`: the main entry's declarations of the verifier,
// inspectDelivery, the errors and the event helpers (the same types, so values
// pass between the two entries), and nothing of the client or the test signer.
import * as main from 'upvest-webhooks';
import * as subpath from 'upvest-webhooks/verifier';
import {
  ERROR_CODES,
  type UpvestError,
  WebhookVerificationError,
  WebhookVerifier,
  inspectDelivery,
  isEventType,
  on,
  type DeliveryRequest,
  type ErrorCode,
  type Inspection,
  type Jwks,
  type KeysOption,
  type OrderEvent,
  type VerifiedDelivery,
  type WebhookEvent,
  type WebhookEventOf,
  type WebhookVerifierOptions,
} from 'upvest-webhooks/verifier';
import { value, type Equal, type Expect, type Extends } from './assert.js';

// --- the same declarations as the main entry ---
type _verifier = Expect<Equal<typeof WebhookVerifier, typeof main.WebhookVerifier>>;
type _inspect = Expect<Equal<typeof inspectDelivery, typeof main.inspectDelivery>>;
type _on = Expect<Equal<typeof on, typeof main.on>>;
type _isEventType = Expect<Equal<typeof isEventType, typeof main.isEventType>>;
type _error = Expect<Equal<typeof WebhookVerificationError, typeof main.WebhookVerificationError>>;
type _base = Expect<Equal<typeof UpvestError, typeof main.UpvestError>>;
type _apiError = Expect<Equal<typeof subpath.UpvestApiError, typeof main.UpvestApiError>>;
type _validationError = Expect<Equal<typeof subpath.UpvestValidationError, typeof main.UpvestValidationError>>;
type _codes = Expect<Equal<typeof ERROR_CODES, typeof main.ERROR_CODES>>;
type _codeList = Expect<Equal<(typeof ERROR_CODES)[number], ErrorCode>>;
if (ERROR_CODES.includes(value<UpvestError>().code)) void 0;
type _codeUnion = Expect<Equal<ErrorCode, main.ErrorCode>>;
type _options = Expect<Equal<WebhookVerifierOptions, main.WebhookVerifierOptions>>;
type _keys = Expect<Equal<KeysOption, main.KeysOption>>;
type _result = Expect<Equal<VerifiedDelivery, main.VerifiedDelivery>>;
type _inspection = Expect<Equal<Inspection, main.Inspection>>;
type _events = Expect<Equal<WebhookEvent, main.WebhookEvent>>;
type _hierarchy = Expect<Extends<WebhookVerificationError, main.UpvestError>>;

// --- use ---
const jwks = value<Jwks>();
const verifier = new WebhookVerifier({ keys: jwks, toleranceSeconds: 60, limits: { maxBodyBytes: 1 << 20 } });
const delivery = await verifier.verify(value<DeliveryRequest>());
type _delivery = Expect<Equal<typeof delivery, VerifiedDelivery>>;
type _verifyRequest = Expect<Equal<ReturnType<WebhookVerifier['verifyRequest']>, Promise<VerifiedDelivery>>>;
await on(delivery.events, 'ORDER', (event) => {
  type _event = Expect<Equal<typeof event, OrderEvent>>;
});
const first = delivery.events[0];
if (first && isEventType(first, 'ORDER.FILLED')) {
  type _narrowed = Expect<Equal<typeof first, WebhookEventOf<'ORDER.FILLED'>>>;
}
const report = inspectDelivery(value<DeliveryRequest>(), { keys: jwks });
type _report = Expect<Equal<typeof report, Inspection>>;
// a verifier from one entry is the other's type
const fromMain: WebhookVerifier = new main.WebhookVerifier({ keys: jwks });
void fromMain;

/** An error thrown by either entry narrows with either entry's class. */
function codeOf(err: unknown): ErrorCode | null {
  if (err instanceof WebhookVerificationError) {
    const same: main.WebhookVerificationError = err;
    return same.code;
  }
  return null;
}
void codeOf;

new WebhookVerifier({ keys: jwks, webCrypto: false });
// @ts-expect-error webCrypto is a boolean
new WebhookVerifier({ keys: jwks, webCrypto: 'off' });
// @ts-expect-error no options
new WebhookVerifier();
// @ts-expect-error unknown option (typo of toleranceSeconds)
new WebhookVerifier({ keys: jwks, tolerance: 300 });

// --- not in the subpath ---
// @ts-expect-error the API client is only in the main entry
void subpath.UpvestClient;
// @ts-expect-error the test signer is only in the main entry
void subpath.signTestDelivery;
// @ts-expect-error the test key generator is only in the main entry
void subpath.generateTestKeyPair;
// @ts-expect-error the client's types are only in the main entry
type _client = subpath.UpvestClientOptions;
// @ts-expect-error the test helpers' types are only in the main entry
type _pair = subpath.TestKeyPair;
