/**
 * upvest-webhooks: verify Upvest webhook deliveries (HTTP Message Signatures,
 * ECDSA P-521 / SHA-512) in Node ≥ 20, browsers and Cloudflare Workers.
 * @packageDocumentation
 */

/** Every stable error code. */
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

/** Codes of {@link UpvestApiError}, chosen by HTTP status. */
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

/** All codes, in a stable order. */
export declare const ERROR_CODES: readonly ErrorCode[];

/** Base class of every error the package throws; also thrown as is for network failures, timeouts and bad options. */
export declare class UpvestError extends Error {
  constructor(message: string, options?: { code?: string; cause?: unknown });
  /** Stable identifier; switch on it. */
  readonly code: ErrorCode | (string & {});
}

/** A delivery failed verification, or the verifier was misconfigured. */
export declare class WebhookVerificationError extends UpvestError {
  readonly code: ErrorCode;
}

/** A public EC P-521 JWK as `GET /auth/verify_keys` returns it. */
export interface PublicJwk {
  kid: string;
  kty: 'EC';
  crv: 'P-521';
  x: string;
  y: string;
  alg?: string;
  use?: string;
}

/** A JSON Web Key Set. */
export interface Jwks {
  keys: PublicJwk[];
}

/** A private EC P-521 JWK (with `d`); for tests only. */
export interface PrivateJwk extends PublicJwk {
  d: string;
}

/** One webhook event (the items of the delivery's `payload` array). */
export interface WebhookEvent {
  /** Event id: deduplicate on it. */
  id: string;
  /** RFC 3339 timestamp. */
  created_at: string;
  /** `CATEGORY.ACTION`, for example `ORDER.FILLED`. */
  type: string;
  /** Snapshot of the resource; its shape depends on the category. */
  object: Record<string, unknown>;
  /** The webhook subscription that delivered it. */
  webhook_id: string;
  [field: string]: unknown;
}

/** Header fields in any of the usual shapes. */
export type HeadersInput =
  | Headers
  | Map<string, string | string[]>
  | Array<[string, string]>
  | Record<string, string | string[] | number | undefined>;

/** The raw body exactly as received. */
export type RawBody = string | Uint8Array | ArrayBuffer | ArrayBufferView;

/** A received delivery. */
export interface DeliveryRequest {
  /** Defaults to `POST`. */
  method?: string;
  /** The full URL (`https://host/path?query`) or the path and query (`/path?query`, like Node's `req.url`). */
  url: string;
  headers: HeadersInput;
  /** The raw bytes. An already-parsed object is rejected with `ERR_BODY_NOT_RAW`. */
  body: RawBody;
}

/** Where keys come from. */
export type KeysOption = Jwks | (() => Jwks | string | Promise<Jwks | string>) | string | URL;

/** Limits on untrusted input. */
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

/** Options of {@link WebhookVerifier}. */
export interface WebhookVerifierOptions {
  /** A JWKS object, an async function returning one, or the URL to GET it from. */
  keys: KeysOption;
  /** Allowed clock skew for `created` and `expires`, in seconds (default 300). */
  toleranceSeconds?: number;
  /** Oldest accepted `created` when the signature has no `expires`, in seconds (default 300). */
  maxAgeSeconds?: number;
  /** The clock, in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
  /** The fetch used for a URL `keys` (default the global `fetch`). */
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  /** Timeout of each key fetch, in milliseconds (default 5000). */
  keysTimeoutMs?: number;
  /** Minimum time between key fetches for an unknown `kid` or a stale set, in milliseconds (default 30000). */
  keysCooldownMs?: number;
  /** Age after which keys are refetched, in milliseconds (default 600000). */
  keysMaxAgeMs?: number;
  /** Only accept the signature with this label (default: any label). */
  label?: string;
  /** Input limits. */
  limits?: VerifierLimits;
}

/** What a successful verification returns. */
export interface VerifiedDelivery {
  /** The `payload` array of the body. */
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
 */
export declare class WebhookVerifier {
  /** @throws {WebhookVerificationError} `ERR_INVALID_ARGUMENT`, `ERR_JWKS_INVALID` or `ERR_KEY_INVALID`-free JWKS problems. */
  constructor(options: WebhookVerifierOptions);
  /** Verifies `{ method, url, headers, body }`. Rejects with a {@link WebhookVerificationError}. */
  verify(request: DeliveryRequest): Promise<VerifiedDelivery>;
  /** Verifies a fetch `Request` (Workers, Deno, Node ≥ 20) and reads its body. */
  verifyRequest(request: Request): Promise<VerifiedDelivery>;
  /** Releases the WebAssembly memory of this verifier. */
  free(): void;
}

/** The result of {@link generateTestKeyPair}. */
export interface TestKeyPair {
  /** A JWKS with the public key. */
  jwks: Jwks;
  /** The private key, with `kid`. */
  privateJwk: PrivateJwk;
}

/** Generates a P-521 key pair for tests (never for production signing). */
export declare function generateTestKeyPair(options?: { kid?: string }): TestKeyPair;

/** Options of {@link signTestDelivery}. */
export interface SignTestDeliveryOptions {
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

/** A signed delivery, ready for `verify()` or `fetch`. */
export interface TestDelivery {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * Signs a delivery exactly as Upvest does (v6 base, ECDSA P-521/SHA-512, DER,
 * `digest` covered), for tests of your webhook handler.
 */
export declare function signTestDelivery(options: SignTestDeliveryOptions): TestDelivery;

/** One check in an {@link Inspection}. */
export interface InspectionStep {
  name: 'headers' | 'signature-input' | 'key' | 'digest' | 'base' | 'signature' | 'time' | 'payload';
  status: 'pass' | 'fail' | 'skip';
  summary: string;
  code?: ErrorCode;
}

/** What {@link inspectDelivery} found for one signature. */
export interface SignatureInspection {
  label: string;
  components: string[];
  keyid: string;
  created: number;
  expires: number | null;
  nonce: string | null;
  /** The `@signature-params` value exactly as received. */
  params: string;
  /** Both bases: `tried` says whether the verifier tries that form for this request. */
  bases: Array<{ version: 6 | 15; tried: boolean; verified: boolean; text: string }>;
  steps: InspectionStep[];
}

/** A step-by-step report; `ok`/`code`/`message` are the verifier's own verdict. */
export interface Inspection {
  ok: boolean;
  code?: ErrorCode;
  message?: string;
  steps: InspectionStep[];
  signatures: SignatureInspection[];
}

/**
 * Explains how a delivery fares, step by step: parsed signature input, the
 * key, the digest, the exact signature bases, the signature and the time
 * window. Synchronous; `keys` must be a JWKS object.
 */
export declare function inspectDelivery(
  request: DeliveryRequest,
  options: Omit<WebhookVerifierOptions, 'keys' | 'fetch' | 'keysTimeoutMs' | 'keysCooldownMs' | 'keysMaxAgeMs'> & { keys: Jwks },
): Inspection;

// ---------------------------------------------------------------------------
// The API client
// ---------------------------------------------------------------------------

/** The Upvest API answered with an error status (after retries and one token refresh). */
export declare class UpvestApiError extends UpvestError {
  readonly code: ApiErrorCode;
  /** The HTTP status. */
  readonly status: number;
  /** The problem `type` (a URL or short code; treat as opaque). */
  readonly type?: string;
  readonly title?: string;
  readonly detail?: string;
  readonly instance?: string;
  /** The problem body's `request_id`. */
  readonly request_id?: string;
  /** The `upvest-request-id` response header: quote it to Upvest support. */
  readonly upvestRequestId?: string;
}

/** An argument broke one of the API's documented rules; nothing was sent. */
export declare class UpvestValidationError extends UpvestError {
  readonly code: 'ERR_VALIDATION';
  /** The field, with a path for nested ones (`config.delay`). */
  readonly field: string;
  /** The rule: `required`, `type`, `max_length`, `https`, `pattern`, `range`, `enum`, `uuid`, `non_empty` or `unknown_field`. */
  readonly rule: 'required' | 'type' | 'max_length' | 'https' | 'pattern' | 'range' | 'enum' | 'uuid' | 'non_empty' | 'unknown_field';
}

/** The 27 subscription categories of API 1.9.0; future values are accepted too. */
export type WebhookCategory =
  | 'ALL' | 'USER' | 'USER_CHECK' | 'ORDER' | 'ORDER_CANCELLATION' | 'EXECUTION' | 'POSITION' | 'CASH_BALANCE'
  | 'ACCOUNT' | 'ACCOUNT_GROUP' | 'REPORT' | 'TREASURY_REPORT' | 'DIRECT_DEBIT' | 'WITHDRAWAL' | 'PORTFOLIO'
  | 'PORTFOLIO_ALLOCATION' | 'PORTFOLIO_ORDER' | 'CORPORATE_ACTION' | 'ACCOUNT_VALUATION' | 'INTRADAY_ACCOUNT_VALUATION'
  | 'CASH_TRANSACTION' | 'SECURITY_TRANSACTION' | 'ACCOUNT_LIQUIDATION' | 'ACCOUNT_RETURNS' | 'VIRTUAL_CASH_INCREASE'
  | 'VIRTUAL_CASH_DECREASE' | 'FEE_COLLECTION'
  | (string & {});

/** How deliveries are batched. */
export interface WebhookConfig {
  /** Maximum collection time: `^[1-9][0-9]?[sm]$`, for example `"5s"` (Upvest's docs cap it at 30 s). */
  delay: string;
  /** Maximum package size in bytes, 100 to 1048576. */
  max_package_size: number;
}

/** A webhook subscription (fields keep the API's snake_case names). */
export interface Webhook {
  id: string;
  created_at: string;
  updated_at: string;
  /** At most 100 characters. */
  title: string;
  /** https, at most 1000 characters. */
  url: string;
  enabled: boolean;
  type: WebhookCategory[];
  config: WebhookConfig;
  [field: string]: unknown;
}

/** Body of `POST /webhooks`. */
export interface CreateWebhookRequest {
  title: string;
  url: string;
  /** Default `["ALL"]`. */
  type?: WebhookCategory[];
  config?: Partial<WebhookConfig>;
  /** With `type: ["ALL"]`, event types to leave out (documented by Upvest, not in OpenAPI 1.9.0). */
  exclude_type?: string[];
}

/** Body of `PATCH /webhooks/{id}`: at least one field. */
export interface UpdateWebhookRequest {
  title?: string;
  url?: string;
  enabled?: boolean;
  type?: WebhookCategory[];
  config?: Partial<WebhookConfig>;
  exclude_type?: string[];
}

/** Query of `GET /webhooks`. */
export interface ListWebhooksParams {
  /** 0 to 1000, default 100. */
  limit?: number;
  offset?: number;
  sort?: 'created_at' | 'updated_at' | 'title' | 'url' | 'enabled';
  order?: 'ASC' | 'DESC';
}

/** A page of webhooks. */
export interface WebhookList {
  meta: { offset: number; limit: number; count: number; total_count: number; sort?: string; order?: 'ASC' | 'DESC' };
  data: Webhook[];
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call, including retries and waits; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** For POST and PATCH: your own idempotency key (default a fresh UUID v4 per call, reused on its retries). */
  idempotencyKey?: string;
}

/** Options of {@link UpvestClient}. */
export interface UpvestClientOptions {
  /** Default `https://sandbox.upvest.co`; `https://api.upvest.co` for live. */
  baseUrl?: string;
  clientId: string;
  clientSecret: string;
  /** The id Upvest gave your public key. */
  keyId: string;
  /** PEM (PKCS#8, SEC1 "EC PRIVATE KEY", either encrypted) or a private JWK; ECDSA P-521 or Ed25519. */
  privateKey: string | Record<string, unknown>;
  /** For encrypted PEMs (as `openssl ec -aes256` writes them). */
  privateKeyPassphrase?: string;
  /** Default `['webhooks:read', 'webhooks:admin']`. */
  scopes?: string[];
  /** Default the global `fetch`. */
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
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

/** The webhook operations. */
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
 */
export declare class UpvestClient {
  /** @throws {UpvestError} `ERR_INVALID_ARGUMENT` or `ERR_PRIVATE_KEY_INVALID`. */
  constructor(options: UpvestClientOptions);
  readonly webhooks: WebhooksApi;
  /** `GET /auth/verify_keys`. */
  verificationKeys(options?: CallOptions): Promise<Jwks>;
  /** A verifier whose keys come from {@link UpvestClient.verificationKeys}, cached and refetched on rotation. */
  webhookVerifier(options?: Omit<WebhookVerifierOptions, 'keys' | 'fetch'>): WebhookVerifier;
  /** Releases the WebAssembly memory of this client. */
  free(): void;
}
