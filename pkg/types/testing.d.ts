// Test helpers: a key pair and signed deliveries for your own tests.
import type { Jwks, PrivateJwk } from './keys.js';
import type { RawBody } from './verifier.js';

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
