// Keys as JSON Web Keys: the JWKS of GET /auth/verify_keys, and private keys
// for the test signer.

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
