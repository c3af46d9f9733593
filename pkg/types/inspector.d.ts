// The inspector: inspectDelivery() reports each step of the verification.
import type { ErrorCode } from './errors.js';
import type { Jwks } from './keys.js';
import type { DeliveryRequest, WebhookVerifierOptions } from './verifier.js';

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
