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
  | 'ERR_PRIVATE_KEY_INVALID';

/** All codes, in a stable order. */
export declare const ERROR_CODES: readonly ErrorCode[];

/** Base class of every error the package throws. */
export declare class UpvestError extends Error {
  constructor(message: string, options?: { code?: string; cause?: unknown });
  /** Stable identifier; switch on it. */
  readonly code: string;
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
