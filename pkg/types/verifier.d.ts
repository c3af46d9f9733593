// The verifier: WebhookVerifier, what it accepts and what it returns.
import type { Jwks } from './keys.js';
import type { WebhookEvent } from '../events.js';

/**
 * Header fields in any of the usual shapes: a fetch `Headers`, a `Map`, `[name, value]` pairs or a plain
 * object such as Node's `req.headers` (any case; arrays for repeated fields).
 *
 * @category Verification
 */
export type HeadersInput = Headers | Map<string, string | string[]> | Array<[string, string]> | Record<string, string | string[] | number | undefined>;

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
  /**
   * Bodies of at least this many bytes are hashed with the runtime's SHA
   * (node:crypto in Node, WebCrypto `subtle.digest` elsewhere) and never
   * copied into WebAssembly memory (default 4096 in Node, 16384
   * elsewhere). The verifier still decides which digests the headers name
   * and compares them; a SHA that fails falls back to its own. `Infinity`
   * always hashes in WebAssembly.
   */
  nativeDigestMinBytes?: number;
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
