/**
 * upvest-webhooks: verify Upvest webhook deliveries (HTTP Message Signatures,
 * ECDSA P-521 / SHA-512) in Node ≥ 20, browsers and Cloudflare Workers.
 *
 * - {@link WebhookVerifier} checks a delivery and returns its events.
 * - {@link WebhookEvent} types every event of Upvest's API: narrow on `type`, or
 *   dispatch with {@link on}.
 * - {@link UpvestClient} manages webhook subscriptions.
 * - {@link generateTestKeyPair} and {@link signTestDelivery} sign deliveries for your tests.
 *
 * @example
 * ```ts
 * import { WebhookVerifier, on } from 'upvest-webhooks';
 *
 * const verifier = new WebhookVerifier({ keys: jwks }); // the JSON of GET /auth/verify_keys
 * const { events } = await verifier.verify({ method: 'POST', url: req.url, headers: req.headers, body: rawBody });
 * await on(events, 'ORDER.FILLED', (event) => console.log(event.object.id, event.object.quantity));
 * ```
 *
 * @packageDocumentation
 */

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
 * A public EC P-521 JWK as `GET /auth/verify_keys` returns it.
 *
 * @category Verification
 */
export interface PublicJwk {
  /** Key id: the `keyid` parameter of signatures made with this key. */
  kid: string;
  /** Key type. */
  kty: 'EC';
  /** Curve. */
  crv: 'P-521';
  /** The point's x coordinate, base64url (66 bytes). */
  x: string;
  /** The point's y coordinate, base64url (66 bytes). */
  y: string;
  /** Algorithm, if present (`ES512`). */
  alg?: string;
  /** Intended use, if present (`sig`). */
  use?: string;
}

/**
 * A JSON Web Key Set: the body of `GET /auth/verify_keys`.
 *
 * @category Verification
 */
export interface Jwks {
  /** The keys; the verifier picks one by `kid`. */
  keys: PublicJwk[];
}

/**
 * A private EC P-521 JWK (with `d`); for tests only.
 *
 * @category Test helpers
 */
export interface PrivateJwk extends PublicJwk {
  /** The private scalar, base64url. */
  d: string;
}

// The webhook events, generated from Upvest's OpenAPI (x-webhooks) by
// scripts/gen-event-types.mjs: WebhookEvent, one type per category, the event
// type lists and the helper types of `on`.
export * from './events.js';
import type { WebhookEvent, WebhookEventBase, WebhookEventSelector, SelectedWebhookEvent } from './events.js';

/**
 * Header fields in any of the usual shapes: a fetch `Headers`, a `Map`, `[name, value]` pairs or a plain
 * object such as Node's `req.headers` (any case; arrays for repeated fields).
 *
 * @category Verification
 */
export type HeadersInput =
  | Headers
  | Map<string, string | string[]>
  | Array<[string, string]>
  | Record<string, string | string[] | number | undefined>;

/**
 * The raw body exactly as received: the digest covers these bytes, so never re-serialise parsed JSON.
 *
 * @category Verification
 */
export type RawBody = string | Uint8Array | ArrayBuffer | ArrayBufferView;

/**
 * A received delivery.
 *
 * @category Verification
 */
export interface DeliveryRequest {
  /** Defaults to `POST`. */
  method?: string;
  /** The full URL (`https://host/path?query`) or the path and query (`/path?query`, like Node's `req.url`). */
  url: string;
  /** All header fields as received. */
  headers: HeadersInput;
  /** The raw bytes. An already-parsed object is rejected with `ERR_BODY_NOT_RAW`. */
  body: RawBody;
}

/**
 * Where keys come from: a JWKS object, a function returning one (or its JSON text), or the URL to GET it
 * from (cached, refetched on an unknown `kid`).
 *
 * @category Verification
 */
export type KeysOption = Jwks | (() => Jwks | string | Promise<Jwks | string>) | string | URL;

/**
 * Limits on untrusted input; exceeding one rejects with `ERR_LIMIT_EXCEEDED`.
 *
 * @category Verification
 */
export interface VerifierLimits {
  /** Most members in `Signature-Input` (default 8). */
  maxSignatures?: number;
  /** Most covered components per signature (default 64). */
  maxComponents?: number;
  /** Most bytes across all header names and values (default 65536). */
  maxHeaderBytes?: number;
  /** Most body bytes (default 8388608). */
  maxBodyBytes?: number;
  /** Largest JWKS accepted from a URL or function (default 1048576). */
  maxJwksBytes?: number;
}

/**
 * Options of {@link WebhookVerifier}.
 *
 * @category Verification
 */
export interface WebhookVerifierOptions {
  /** A JWKS object, an async function returning one, or the URL to GET it from. */
  keys: KeysOption;
  /** Allowed clock skew for `created` and `expires`, in seconds (default 300). */
  toleranceSeconds?: number;
  /** Oldest accepted `created` when the signature has no `expires`, in seconds (default 300). */
  maxAgeSeconds?: number;
  /** The clock, in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /**
   * The fetch used for a URL `keys` (default the global `fetch`). It is
   * called with one argument, the `Request` to send (a `GET` with
   * `accept: application/json` and an `AbortSignal` that fires after
   * `keysTimeoutMs`), and must resolve to a `Response`; anything else fails
   * the fetch with `ERR_JWKS_FETCH_FAILED`, the value as `cause`.
   */
  fetch?: (request: Request) => Promise<Response>;
  /** Timeout of each key fetch, in milliseconds (default 5000). */
  keysTimeoutMs?: number;
  /** Minimum time after a key fetch starts, or after one fails, before another (for an unknown `kid` or a stale set), in milliseconds (default 30000). Within it, with no keys cached, verification fails with `ERR_JWKS_FETCH_FAILED`. */
  keysCooldownMs?: number;
  /** Age after which keys are refetched, in milliseconds (default 600000). */
  keysMaxAgeMs?: number;
  /** Only accept the signature with this label (default: any label). */
  label?: string;
  /**
   * Check a key's first signatures with the runtime's WebCrypto
   * (`crypto.subtle.verify`) while the verifier builds that key's
   * precomputed tables a slice at a time (default `true`). This keeps every
   * request of a cold isolate cheap; once the tables are built, the
   * WebAssembly path, faster than WebCrypto, takes over. Without a usable
   * WebCrypto (no `crypto.subtle`, no P-521, any error) the verifier falls
   * back to its own code; `false` always uses its own code.
   */
  webCrypto?: boolean;
  /** Input limits. */
  limits?: VerifierLimits;
}

/**
 * What a successful verification returns.
 *
 * @category Verification
 */
export interface VerifiedDelivery {
  /** The `payload` array of the body, in order. Narrow an event on its `type`, or dispatch with {@link on}. */
  events: WebhookEvent[];
  /** The `keyid` of the signature that verified. */
  keyId: string;
  /** Its label, for example `sig1`. */
  label: string;
  /** Its `created` time, UNIX seconds. */
  created: number;
  /** Its `expires` time, UNIX seconds, or `null`. */
  expires: number | null;
  /** `6` for Upvest's unquoted v6 base, `15` for the quoted draft-15 / RFC 9421 base. */
  signatureVersion: 6 | 15;
  /** How the signature was encoded. */
  signatureEncoding: 'der' | 'raw';
}

/**
 * Verifies Upvest webhook deliveries.
 *
 * @example
 * ```js
 * const verifier = new WebhookVerifier({ keys: jwks });
 * const { events } = await verifier.verify({ method: 'POST', url, headers, body });
 * ```
 *
 * @category Verification
 */
export declare class WebhookVerifier {
  /**
   * Checks the options; keys from a URL or a function are fetched on first use.
   *
   * @throws {@link WebhookVerificationError} `ERR_INVALID_ARGUMENT` for a bad option, `ERR_JWKS_INVALID` for a JWKS object that is not `{ keys: [...] }`.
   */
  constructor(options: WebhookVerifierOptions);
  /** Verifies `{ method, url, headers, body }`. Rejects with a {@link WebhookVerificationError}. */
  verify(request: DeliveryRequest): Promise<VerifiedDelivery>;
  /** Verifies a fetch `Request` (Workers, Deno, Node ≥ 20) and reads its body. */
  verifyRequest(request: Request): Promise<VerifiedDelivery>;
  /** Releases the WebAssembly memory of this verifier. */
  free(): void;
}

/**
 * The result of {@link generateTestKeyPair}.
 *
 * @category Test helpers
 */
export interface TestKeyPair {
  /** A JWKS with the public key. */
  jwks: Jwks;
  /** The private key, with `kid`. */
  privateJwk: PrivateJwk;
}

/**
 * Generates a P-521 key pair for tests (never for production signing).
 *
 * @param options - `kid`: the key id (default a random one).
 * @category Test helpers
 */
export declare function generateTestKeyPair(options?: { kid?: string }): TestKeyPair;

/**
 * Options of {@link signTestDelivery}.
 *
 * @category Test helpers
 */
export interface SignTestDeliveryOptions {
  /** The signing key, from {@link generateTestKeyPair}. */
  privateJwk: PrivateJwk;
  /** Defaults to `privateJwk.kid`. */
  keyId?: string;
  /** The URL the delivery is sent to. */
  url: string;
  /** Events to wrap as `{"payload":[…]}`. */
  events?: unknown[];
  /** A raw body instead of `events`. */
  body?: RawBody;
  /** UNIX seconds (default now). */
  created?: number;
  /** UNIX seconds (default `created + 60`); `null` for none. */
  expires?: number | null;
}

/**
 * A signed delivery, ready for `verify()` or `fetch(delivery.url, delivery)`.
 *
 * @category Test helpers
 */
export interface TestDelivery {
  /** Always `POST`, as Upvest sends. */
  method: 'POST';
  /** The URL it was signed for. */
  url: string;
  /** Lower-case header names: `signature`, `signature-input`, `digest`, `content-type`, `content-length`, `upvest-signature-version`. */
  headers: Record<string, string>;
  /** The JSON body, `{"payload":[…]}` unless a raw `body` was given. */
  body: string;
}

/**
 * Signs a delivery exactly as Upvest does (v6 base, ECDSA P-521/SHA-512, DER,
 * `digest` covered), for tests of your webhook handler.
 *
 * @example
 * ```ts
 * const { jwks, privateJwk } = generateTestKeyPair();
 * const delivery = signTestDelivery({ privateJwk, url: 'https://tenant.example/hooks', events: [event] });
 * await fetch(delivery.url, delivery);
 * ```
 *
 * @category Test helpers
 */
export declare function signTestDelivery(options: SignTestDeliveryOptions): TestDelivery;

/**
 * One check in an {@link Inspection}.
 *
 * @category Verification
 */
export interface InspectionStep {
  /** Which check. */
  name: 'headers' | 'signature-input' | 'key' | 'digest' | 'base' | 'signature' | 'time' | 'payload';
  /** Its outcome; `skip` when an earlier failure made it moot. */
  status: 'pass' | 'fail' | 'skip';
  /** One line for people. */
  summary: string;
  /** The error code of a failed check. */
  code?: ErrorCode;
}

/**
 * What {@link inspectDelivery} found for one signature.
 *
 * @category Verification
 */
export interface SignatureInspection {
  /** The signature's label, for example `sig1`. */
  label: string;
  /** The covered components, in order (`@method`, `digest`, …). */
  components: string[];
  /** The `keyid` parameter. */
  keyid: string;
  /** The `created` parameter, UNIX seconds. */
  created: number;
  /** The `expires` parameter, UNIX seconds, or `null`. */
  expires: number | null;
  /** The `nonce` parameter, or `null`. */
  nonce: string | null;
  /** The `@signature-params` value exactly as received. */
  params: string;
  /** Both bases: `tried` says whether the verifier tries that form for this request. */
  bases: Array<{
    /** `6` for Upvest's unquoted v6 base, `15` for the quoted draft-15 / RFC 9421 base. */
    version: 6 | 15;
    /** Whether the verifier tries this form for this request. */
    tried: boolean;
    /** Whether the signature verifies over this base. */
    verified: boolean;
    /** The signature base, exactly as signed. */
    text: string;
  }>;
  /** The checks of this signature. */
  steps: InspectionStep[];
}

/**
 * A step-by-step report; `ok`/`code`/`message` are the verifier's own verdict.
 *
 * @category Verification
 */
export interface Inspection {
  /** Whether `verify()` would accept the delivery. */
  ok: boolean;
  /** The code `verify()` would reject with. */
  code?: ErrorCode;
  /** The message `verify()` would reject with. */
  message?: string;
  /** The request-level checks (headers, digest, payload). */
  steps: InspectionStep[];
  /** One report per signature in `Signature-Input`. */
  signatures: SignatureInspection[];
}

/**
 * Explains how a delivery fares, step by step: parsed signature input, the
 * key, the digest, the exact signature bases, the signature and the time
 * window. Synchronous; `keys` must be a JWKS object.
 *
 * @param request - The delivery, as for {@link WebhookVerifier.verify}.
 * @param options - The verifier's options, with a JWKS object as `keys` (nothing is fetched).
 * @category Verification
 */
export declare function inspectDelivery(
  request: DeliveryRequest,
  options: Omit<WebhookVerifierOptions, 'keys' | 'fetch' | 'keysTimeoutMs' | 'keysCooldownMs' | 'keysMaxAgeMs'> & { keys: Jwks },
): Inspection;

/**
 * Calls `handler` for each event that `selector` matches, one at a time and in
 * order: an async handler is awaited before the next event. The handler's
 * parameter is narrowed to the matching events.
 *
 * `selector` is an event type (`'ORDER.FILLED'`), a category (`'ORDER'`: every
 * `ORDER.*` type) or an array of them; an event that several members match is
 * handled once.
 *
 * @example
 * ```ts
 * const { events } = await verifier.verify(request);
 * await on(events, 'ORDER.FILLED', async (event) => {
 *   await fills.record(event.object.id, event.object.quantity);
 * });
 * await on(events, ['USER', 'ACCOUNT.CLOSED'], (event) => audit.log(event.type, event.id));
 * ```
 *
 * @param events - The events, typically {@link VerifiedDelivery.events} (any {@link WebhookEventBase}, also
 *   of types this version does not list). Items that are not events (no string `type`) are skipped.
 * @param selector - Which events to handle. A string from elsewhere (configuration, a queue) must be
 *   checked against the known types first; the run time accepts any type or category.
 * @param handler - Called with each matching event. Its result is awaited.
 * @returns The number of events handled. Rejects with the handler's error, leaving later events
 *   unhandled, or with an {@link UpvestError} `ERR_INVALID_ARGUMENT` for a bad argument.
 * @category Events
 */
export declare function on<Selector extends WebhookEventSelector>(
  events: Iterable<WebhookEventBase>,
  selector: Selector | readonly Selector[],
  handler: (event: SelectedWebhookEvent<Selector>) => unknown,
): Promise<number>;

/**
 * Whether `event` is of a type that `selector` matches: the synchronous test
 * behind {@link on}, usable as a type guard and with `Array.prototype.filter`.
 *
 * @example
 * ```ts
 * const fills = events.filter((e) => isEventType(e, 'ORDER.FILLED'));  // WebhookEventOf<'ORDER.FILLED'>[] (TypeScript ≥ 5.5)
 * if (isEventType(event, 'ORDER')) event.object.status;                 // 'NEW' | 'PROCESSING' | …
 * ```
 *
 * @param event - A {@link WebhookEvent} or any {@link WebhookEventBase} (at run time any value:
 *   `false` unless it is an object with a string `type`).
 * @param selector - An event type, a category or an array of them.
 * @category Events
 */
export declare function isEventType<Selector extends WebhookEventSelector>(
  event: WebhookEventBase,
  selector: Selector | readonly Selector[],
): event is SelectedWebhookEvent<Selector>;

// ---------------------------------------------------------------------------
// The API client
// ---------------------------------------------------------------------------

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

/**
 * The 27 subscription categories of API 1.9.0; future values are accepted too. The categories with
 * events of their own are {@link WebhookEventCategory}.
 *
 * @category API client
 */
export type WebhookCategory =
  | 'ALL' | 'USER' | 'USER_CHECK' | 'ORDER' | 'ORDER_CANCELLATION' | 'EXECUTION' | 'POSITION' | 'CASH_BALANCE'
  | 'ACCOUNT' | 'ACCOUNT_GROUP' | 'REPORT' | 'TREASURY_REPORT' | 'DIRECT_DEBIT' | 'WITHDRAWAL' | 'PORTFOLIO'
  | 'PORTFOLIO_ALLOCATION' | 'PORTFOLIO_ORDER' | 'CORPORATE_ACTION' | 'ACCOUNT_VALUATION' | 'INTRADAY_ACCOUNT_VALUATION'
  | 'CASH_TRANSACTION' | 'SECURITY_TRANSACTION' | 'ACCOUNT_LIQUIDATION' | 'ACCOUNT_RETURNS' | 'VIRTUAL_CASH_INCREASE'
  | 'VIRTUAL_CASH_DECREASE' | 'FEE_COLLECTION'
  | (string & {});

/**
 * How deliveries are batched.
 *
 * @category API client
 */
export interface WebhookConfig {
  /** Maximum collection time: `^[1-9][0-9]?[sm]$`, for example `"5s"` (Upvest's docs cap it at 30 s). */
  delay: string;
  /** Maximum package size in bytes, 100 to 1048576. */
  max_package_size: number;
}

/**
 * A webhook subscription (fields keep the API's snake_case names).
 *
 * @category API client
 */
export interface Webhook {
  /** Webhook id (a UUID): the `webhook_id` of the events it delivers. */
  id: string;
  /** RFC 3339 date and time of creation. */
  created_at: string;
  /** RFC 3339 date and time of the last change. */
  updated_at: string;
  /** At most 100 characters. */
  title: string;
  /** https, at most 1000 characters. */
  url: string;
  /** Whether Upvest delivers to it; new webhooks start disabled. */
  enabled: boolean;
  /** The subscribed categories. */
  type: WebhookCategory[];
  /** Batching. */
  config: WebhookConfig;
  /** Fields a newer API version adds. */
  [field: string]: unknown;
}

/**
 * Body of `POST /webhooks`.
 *
 * @category API client
 */
export interface CreateWebhookRequest {
  /** At most 100 characters. */
  title: string;
  /** Where to deliver: https, at most 1000 characters. */
  url: string;
  /** Default `["ALL"]`. */
  type?: WebhookCategory[];
  /** Batching (default: Upvest's defaults). */
  config?: Partial<WebhookConfig>;
  /** With `type: ["ALL"]`, event types to leave out (documented by Upvest, not in OpenAPI 1.9.0). */
  exclude_type?: string[];
}

/**
 * Body of `PATCH /webhooks/{id}`: at least one field.
 *
 * @category API client
 */
export interface UpdateWebhookRequest {
  /** At most 100 characters. */
  title?: string;
  /** https, at most 1000 characters. */
  url?: string;
  /** `true` to start deliveries, `false` to pause them. */
  enabled?: boolean;
  /** Replaces the subscribed categories. */
  type?: WebhookCategory[];
  /** Batching changes. */
  config?: Partial<WebhookConfig>;
  /** With `type: ["ALL"]`, event types to leave out. */
  exclude_type?: string[];
}

/**
 * Query of `GET /webhooks`.
 *
 * @category API client
 */
export interface ListWebhooksParams {
  /** 0 to 1000, default 100. */
  limit?: number;
  /** How many to skip (default 0). */
  offset?: number;
  /** The sort field (default `created_at`). */
  sort?: 'created_at' | 'updated_at' | 'title' | 'url' | 'enabled';
  /** The sort order (default `ASC`). */
  order?: 'ASC' | 'DESC';
}

/**
 * A page of webhooks.
 *
 * @category API client
 */
export interface WebhookList {
  /** The page: `count` items from `offset`, of `total_count`. */
  meta: {
    /** How many were skipped. */
    offset: number;
    /** The page size asked for. */
    limit: number;
    /** How many this page holds. */
    count: number;
    /** How many there are in all. */
    total_count: number;
    /** The sort field. */
    sort?: string;
    /** The sort order. */
    order?: 'ASC' | 'DESC';
  };
  /** The webhooks of this page. */
  data: Webhook[];
}

/**
 * Per-call options.
 *
 * @category API client
 */
export interface CallOptions {
  /** Aborts the call, including retries and waits; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** For POST and PATCH: your own idempotency key (default a fresh UUID v4 per call, reused on its retries). */
  idempotencyKey?: string;
}

/**
 * Options of {@link UpvestClient}.
 *
 * @category API client
 */
export interface UpvestClientOptions {
  /** Default `https://sandbox.upvest.co`; `https://api.upvest.co` for live. */
  baseUrl?: string;
  /** The OAuth2 client id Upvest gave you. */
  clientId: string;
  /** The OAuth2 client secret; never appears in messages. */
  clientSecret: string;
  /** The id Upvest gave your public key. */
  keyId: string;
  /** PEM (PKCS#8, SEC1 "EC PRIVATE KEY", either encrypted) or a private JWK; ECDSA P-521 or Ed25519. */
  privateKey: string | Record<string, unknown>;
  /** For encrypted PEMs (as `openssl ec -aes256` writes them). */
  privateKeyPassphrase?: string;
  /** Default `['webhooks:read', 'webhooks:admin']`. */
  scopes?: string[];
  /**
   * Default the global `fetch`. It is called with one argument, the signed
   * `Request` to send (its headers, body and an `AbortSignal` for
   * `timeoutMs` and the call's `signal`), and must resolve to a `Response`;
   * anything else fails the call with `ERR_API_INVALID_RESPONSE`, the value
   * as `cause`, without retries.
   */
  fetch?: (request: Request) => Promise<Response>;
  /** Per-attempt timeout including the body (default 30000). */
  timeoutMs?: number;
  /** Retries for 429, 500, 502, 503, 504, network errors and timeouts (default 2). */
  maxRetries?: number;
  /** First backoff step; doubles per retry, with jitter (default 500). */
  retryBaseDelayMs?: number;
  /** Longest wait, also for `Retry-After` (default 30000). */
  retryMaxDelayMs?: number;
  /** `expires - created` of request signatures (default 60). */
  signatureLifetimeSeconds?: number;
  /** The clock, in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /** Also accept `http://localhost`, `http://127.0.0.1` and `http://[::1]` webhook URLs, for local emulators (default false; Upvest requires https). */
  allowHttpLocalhost?: boolean;
}

/**
 * The webhook operations, as {@link UpvestClient.webhooks}. Each rejects with an
 * {@link UpvestApiError}, an {@link UpvestValidationError} (before sending) or an
 * {@link UpvestError} `ERR_NETWORK` / `ERR_TIMEOUT`.
 *
 * @category API client
 */
export interface WebhooksApi {
  /** `POST /webhooks`. New webhooks start disabled: enable with `update(id, { enabled: true })`. */
  create(body: CreateWebhookRequest, options?: CallOptions): Promise<Webhook>;
  /** `PATCH /webhooks/{id}`. */
  update(id: string, body: UpdateWebhookRequest, options?: CallOptions): Promise<Webhook>;
  /** `GET /webhooks`. */
  list(params?: ListWebhooksParams, options?: CallOptions): Promise<WebhookList>;
  /** Every webhook, fetching pages lazily. */
  listAll(params?: Omit<ListWebhooksParams, 'limit'> & { pageSize?: number }, options?: CallOptions): AsyncIterableIterator<Webhook>;
  /** `GET /webhooks/{id}`. */
  retrieve(id: string, options?: CallOptions): Promise<Webhook>;
  /** `POST /webhooks/{id}/test`: resolves once Upvest accepted it (202). */
  test(id: string, options?: CallOptions): Promise<void>;
  /** `DELETE /webhooks/{id}`. */
  delete(id: string, options?: CallOptions): Promise<void>;
}

/**
 * The Upvest API client: OAuth2 client credentials, HTTP message signatures
 * on every request, retries, timeouts and aborts.
 *
 * @example
 * ```js
 * const upvest = new UpvestClient({ clientId, clientSecret, keyId, privateKey });
 * const hook = await upvest.webhooks.create({ title: 'Orders', url: 'https://tenant.example/hooks', type: ['ORDER'] });
 * await upvest.webhooks.update(hook.id, { enabled: true });
 * ```
 *
 * @category API client
 */
export declare class UpvestClient {
  /** @throws {@link UpvestError} `ERR_INVALID_ARGUMENT` or `ERR_PRIVATE_KEY_INVALID`. */
  constructor(options: UpvestClientOptions);
  /** Create, list, retrieve, update, test and delete webhooks. */
  readonly webhooks: WebhooksApi;
  /** `GET /auth/verify_keys`. */
  verificationKeys(options?: CallOptions): Promise<Jwks>;
  /** A verifier whose keys come from {@link UpvestClient.verificationKeys}, cached and refetched on rotation. */
  webhookVerifier(options?: Omit<WebhookVerifierOptions, 'keys' | 'fetch'>): WebhookVerifier;
  /** Releases the WebAssembly memory of this client. */
  free(): void;
}

// ---------------------------------------------------------------------------
// Receiver adapters: verify, answer Upvest, hand the delivery to your code
// ---------------------------------------------------------------------------

/**
 * What the adapters need of a verifier: a {@link WebhookVerifier} of either
 * entry, or the one {@link UpvestClient.webhookVerifier} returns.
 *
 * @category Receiving
 */
export interface RequestVerifier {
  /** See {@link WebhookVerifier.verifyRequest}. */
  verifyRequest(request: Request): Promise<VerifiedDelivery>;
}

/**
 * A verifier, or a function of the runtime's `env` that returns one (called
 * per request: Workers keep the keys in `env`; cache what it returns).
 *
 * @category Receiving
 */
export type VerifierSource<Env = unknown> = RequestVerifier | ((env: Env) => RequestVerifier | Promise<RequestVerifier>);

/**
 * An execution context that keeps a request's work alive after the response:
 * the Workers `ExecutionContext`, Hono's `c.executionCtx`.
 *
 * @category Receiving
 */
export interface WaitUntilContext {
  /** Keeps the runtime alive until `promise` settles. */
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * The second argument of your function in {@link webhookHandler} and {@link honoWebhook}.
 *
 * @category Receiving
 */
export interface WebhookHandlerContext<Env = unknown> {
  /** The request (its body has been read by the verifier; its headers are there). */
  request: Request;
  /** What the runtime passed second: Workers' `env`, Hono's `c.env`; `Deno.serve`'s info, `Bun.serve`'s server. */
  env: Env;
  /** The execution context, when the runtime passed one with `waitUntil` (Workers). */
  ctx: WaitUntilContext | undefined;
}

/**
 * Options of {@link webhookHandler} and {@link honoWebhook}.
 *
 * @category Receiving
 */
export interface WebhookHandlerOptions<Env = unknown> {
  /**
   * Await your function before answering even when a `ctx.waitUntil` is there,
   * so its failure answers 500 and Upvest redelivers. Default `false`: with a
   * `ctx.waitUntil` the 200 goes out at once and your function runs after it.
   */
  awaitHandler?: boolean;
  /**
   * Called with every rejected delivery (for your logs: the response carries
   * only the code). Return a `Response` to answer with it instead of the
   * default `{ error: code }` (400, 413, 503 or 500).
   */
  onRejected?(error: WebhookVerificationError, request: Request): Response | void | Promise<Response | void>;
  /**
   * Called when your function throws or rejects: after the 200 (through
   * `ctx.waitUntil`), or before the 500 (awaited). Default: `console.error`
   * with the delivery's event ids.
   */
  onError?(error: unknown, delivery: VerifiedDelivery, context: WebhookHandlerContext<Env>): void | Promise<void>;
}

/**
 * A fetch-style webhook endpoint, `(request, env?, ctx?) => Promise<Response>`:
 * a Workers `fetch`, a `Deno.serve` or `Bun.serve` handler, or the core of a
 * Hono route. It verifies with `verifier.verifyRequest(request)`, which
 * never reads more than `limits.maxBodyBytes`, then:
 *
 * - with `ctx.waitUntil` (Workers): answers 200 at once and runs
 *   `handle(delivery, context)` through `ctx.waitUntil`; failures go to `onError`;
 * - without (Deno, Bun, Node), or with `awaitHandler: true`: awaits `handle`,
 *   then answers 200, or 500 if it threw (Upvest redelivers).
 *
 * A delivery that fails verification is answered `{ "error": code }` with 400,
 * or 413 (`ERR_LIMIT_EXCEEDED`), 503 (`ERR_JWKS_FETCH_FAILED`), 500
 * (`ERR_JWKS_INVALID`, `ERR_INVALID_ARGUMENT`), and `handle` does not run. A
 * method other than POST is 405. A request whose body was already read
 * rejects with `ERR_BODY_NOT_RAW` (a bug in the server: the runtime answers 500).
 *
 * @example
 * ```js
 * import { WebhookVerifier, webhookHandler } from 'upvest-webhooks/verifier';
 *
 * let verifier;
 * export default {
 *   fetch: webhookHandler(
 *     (env) => (verifier ??= new WebhookVerifier({ keys: JSON.parse(env.UPVEST_JWKS) })),
 *     async ({ events }, { env }) => { for (const event of events) await env.QUEUE.send(event); },
 *   ),
 * };
 * ```
 *
 * @category Receiving
 */
export declare function webhookHandler<Env = unknown>(
  verifier: VerifierSource<Env>,
  handle: (delivery: VerifiedDelivery, context: WebhookHandlerContext<Env>) => unknown,
  options?: WebhookHandlerOptions<Env>,
): (request: Request, env?: Env, ctx?: WaitUntilContext) => Promise<Response>;

/**
 * What {@link honoWebhook} uses of Hono's `Context` (the package does not depend on Hono).
 *
 * @category Receiving
 */
export interface HonoContextLike<Env = any> {
  /** `c.req`: its `raw` is the fetch `Request`. */
  req: {
    /** The fetch `Request`. */
    raw: Request;
  };
  /** `c.env`, the bindings. */
  env: Env;
  /** Hono's getter throws where the runtime has no execution context: then `handle` is awaited. */
  readonly executionCtx: WaitUntilContext;
}

/**
 * {@link webhookHandler} as a Hono handler:
 * `app.post('/webhooks/upvest', honoWebhook(verifier, handle))`. It uses
 * `c.req.raw`, `c.env` and `c.executionCtx` (Workers: `handle` runs through
 * `waitUntil`; Node, Bun, Deno: it is awaited); `handle`'s context also holds `c`.
 * Put no body-reading middleware (`c.req.json()`) before it.
 *
 * @example
 * ```js
 * import { Hono } from 'hono';
 * import { WebhookVerifier, honoWebhook } from 'upvest-webhooks/verifier';
 *
 * const app = new Hono();
 * let verifier;
 * app.post('/webhooks/upvest', honoWebhook(
 *   (env) => (verifier ??= new WebhookVerifier({ keys: JSON.parse(env.UPVEST_JWKS) })),
 *   async ({ events }, { c }) => { for (const event of events) console.log(event.type, event.id); },
 * ));
 * export default app;
 * ```
 *
 * @category Receiving
 */
export declare function honoWebhook<C extends HonoContextLike = HonoContextLike>(
  verifier: VerifierSource<C['env']>,
  handle: (delivery: VerifiedDelivery, context: WebhookHandlerContext<C['env']> & { c: C }) => unknown,
  options?: WebhookHandlerOptions<C['env']>,
): (c: C) => Promise<Response>;

/**
 * What {@link expressWebhook} uses of a Node `IncomingMessage` (Express, Connect, node:http).
 *
 * @category Receiving
 */
export interface NodeRequestLike extends AsyncIterable<unknown> {
  /** The method; anything but `POST` is answered 405. */
  method?: string | undefined;
  /** Used when there is no `originalUrl` (plain node:http, Connect). */
  url?: string | undefined;
  /** Express's full path and query, including the mount path (it is signed). */
  originalUrl?: string;
  /** The request headers. */
  headers: Record<string, string | string[] | undefined>;
  /** A body parser's result: a raw `Buffer` (`express.raw()`) is verified; a parsed one is `ERR_BODY_NOT_RAW`. */
  body?: unknown;
  /** The body bytes some platforms keep after consuming the stream (Google Cloud Functions). */
  rawBody?: unknown;
  /** Set by {@link expressWebhook} once the delivery verified. */
  upvestDelivery?: VerifiedDelivery;
}

/**
 * What {@link expressWebhook} uses of a Node `ServerResponse`.
 *
 * @category Receiving
 */
export interface NodeResponseLike {
  /** The status to send. */
  statusCode: number;
  /** Whether a response was started (by `onRejected`). */
  readonly headersSent: boolean;
  /** Sets a response header. */
  setHeader(name: string, value: string): unknown;
  /** Sends the response. */
  end(chunk?: string): unknown;
}

/**
 * Options of {@link expressWebhook}.
 *
 * @category Receiving
 */
export interface ExpressWebhookOptions<Req extends NodeRequestLike = NodeRequestLike, Res extends NodeResponseLike = NodeResponseLike> {
  /**
   * Called with every rejected delivery. Answer with `res` to replace the
   * default `{ error: code }` (400, 413, 503 or 500); return without answering
   * to keep it (a logging hook).
   */
  onRejected?(error: WebhookVerificationError, req: Req, res: Res): void | Promise<void>;
}

/**
 * An Express / Connect middleware that verifies the delivery and puts it on
 * `req.upvestDelivery`, then calls `next()`. It reads the raw body from the
 * request stream itself, through `verifier.verifyRequest()`: no
 * `express.raw()` needed, and `limits.maxBodyBytes` holds while reading (a
 * larger `content-length` is refused unread; a longer stream is abandoned at
 * the limit and the rest discarded). The signed URL is `req.originalUrl`.
 *
 * A rejected delivery is answered `{ "error": code }` with 400, or 413, 503,
 * 500 as {@link webhookHandler} does; non-POST is 405. If a body parser ran
 * before it: a raw `Buffer` `req.body` is verified as is; a parsed body
 * (`express.json()`) is `next(err)` with `ERR_BODY_NOT_RAW` and a message
 * that says where to mount it. Other errors go to `next(err)`.
 *
 * In TypeScript, declare the property on Express's request once:
 * `declare global { namespace Express { interface Request { upvestDelivery?: import('upvest-webhooks').VerifiedDelivery } } }`.
 *
 * @example
 * ```js
 * import express from 'express';
 * import { WebhookVerifier, expressWebhook } from 'upvest-webhooks';
 *
 * const app = express();
 * app.post('/webhooks/upvest', expressWebhook(new WebhookVerifier({ keys: jwks })), async (req, res) => {
 *   for (const event of req.upvestDelivery.events) await store(event);
 *   res.sendStatus(200);
 * });
 * app.use(express.json()); // the rest of the app, after the webhook route
 * ```
 *
 * @category Receiving
 */
export declare function expressWebhook<Req extends NodeRequestLike = NodeRequestLike, Res extends NodeResponseLike = NodeResponseLike>(
  verifier: WebhookVerifier | (RequestVerifier & { verify(request: DeliveryRequest): Promise<VerifiedDelivery> }),
  options?: ExpressWebhookOptions<Req, Res>,
): (req: Req, res: Res, next: (error?: unknown) => void) => void;
