// Upvest's side of webhook signatures: the P-521 signing keys published at
// GET /auth/verify_keys, key rotation with a grace period, and deliveries
// signed the way Upvest signs them (http-signatures.md §8, §2.2): a v6 base
// with unquoted component names, `digest: SHA-256=<b64>` covered, ECDSA
// P-521 with SHA-512, DER-encoded, standard base64.
//
//   @method: POST
//   @path: /hooks/upvest
//   content-type: application/json
//   content-length: 1234
//   digest: SHA-256=…
//   @signature-params: ("@method" "@path" "content-type" "content-length" "digest");keyid="…";created=…;expires=…;nonce="…"
//
// `@query` is covered (after `@path`) only when the URL has a query.

import crypto from 'node:crypto';

/** Lifetime of a delivery signature: `expires = created + 60` (as Upvest's own signers). */
export const SIGNATURE_LIFETIME_SECONDS = 60;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random nonce of `length` alphanumerics (16, like the docs' `o085M4cMgpbicuOL`). */
export function randomNonce(length = 16) {
  let out = '';
  while (out.length < length) {
    for (const byte of crypto.randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALNUM[byte % 62]; // 248 = 4 × 62: no modulo bias
    }
  }
  return out;
}

/**
 * A fresh private key from `crypto.generateKeyPairSync(type, options)`,
 * re-imported from its PKCS#8 DER. Node 20 can deadlock when a garbage
 * collection during the export or use of a KeyObject that came straight out
 * of generateKeyPairSync finalises the key generation job (its destructor
 * takes the key's lock, which the export holds). The KeyObjects made here
 * share no lock with any job.
 * @param {'ec' | 'ed25519'} type
 * @param {{ namedCurve?: string }} [options]
 * @returns {crypto.KeyObject}
 */
export function newPrivateKey(type, options = {}) {
  const { privateKey } = crypto.generateKeyPairSync(/** @type {any} */ (type), {
    ...options,
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  return crypto.createPrivateKey({ key: privateKey, format: 'der', type: 'pkcs8' });
}

/**
 * A fresh Upvest signing key (ECDSA P-521): `{ kid, privateKey, publicKey,
 * publicJwk: { kid, kty: 'EC', crv: 'P-521', x, y } }`.
 */
export function generateUpvestKey(kid = crypto.randomUUID()) {
  const privateKey = newPrivateKey('ec', { namedCurve: 'P-521' });
  const publicKey = crypto.createPublicKey(privateKey);
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  return { kid, privateKey, publicKey, publicJwk: { kid, kty, crv, x, y } };
}

/** `digest` header value of a body: `SHA-256=<standard base64>`. */
export function sha256Digest(body) {
  return `SHA-256=${crypto.createHash('sha256').update(body).digest('base64')}`;
}

/**
 * Signs a webhook delivery. Returns the request as sent:
 * `{ method: 'POST', url, headers, body }` with `content-type`,
 * `content-length`, `digest`, `signature-input` and `signature` headers.
 *
 * @param {{ key: { kid: string, privateKey: import('node:crypto').KeyObject }, url: string,
 *   body?: string, events?: any[], created?: number, expires?: number, nonce?: string }} options
 *   `body` (exact text) or `events` (→ `{"payload":[…]}`); `created` in UNIX seconds (default now).
 */
export function signDelivery({ key, url, body, events, created = Math.floor(Date.now() / 1000), expires, nonce = randomNonce() }) {
  const raw = body ?? JSON.stringify({ payload: events ?? [] });
  const target = new URL(url);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(raw)),
    digest: sha256Digest(raw),
  };
  const components = ['@method', '@path', ...(target.search ? ['@query'] : []), 'content-type', 'content-length', 'digest'];
  const params = `(${components.map((c) => `"${c}"`).join(' ')});keyid="${key.kid}";created=${created};expires=${expires ?? created + SIGNATURE_LIFETIME_SECONDS};nonce="${nonce}"`;
  const value = (c) => (c === '@method' ? 'POST' : c === '@path' ? target.pathname : c === '@query' ? target.search : headers[c]);
  // v6 as Upvest writes it: component names NOT quoted (http-signatures.md §2.2)
  const base = [...components.map((c) => `${c}: ${value(c)}`), `@signature-params: ${params}`].join('\n');
  const signature = crypto.sign('sha512', Buffer.from(base), { key: key.privateKey, dsaEncoding: 'der' }).toString('base64');
  return {
    method: 'POST',
    url,
    headers: { ...headers, 'signature-input': `sig1=${params}`, signature: `sig1=:${signature}:` },
    body: raw,
  };
}

/**
 * The signing keys of one emulator. `keys` (active first) is the array the
 * JWKS is built from; rotation puts a new key in front and removes the old
 * one after its grace period.
 *
 * @param {{ count?: number, schedule: (fn: () => void, ms: number) => unknown, cancel: (timer: unknown) => void,
 *   scaleMs?: (ms: number) => number, now?: () => number }} options
 *   `schedule`/`cancel`: timers (the grace period is scaled by `scaleMs`, the emulator's time factor).
 */
export function createKeyring({ count = 1, schedule, cancel, scaleMs = (ms) => ms, now = Date.now }) {
  const keys = Array.from({ length: Math.max(1, count) }, () => generateUpvestKey());
  const retiring = new Map(); // kid → timer

  function remove(kid) {
    const i = keys.findIndex((k) => k.kid === kid);
    if (i > 0) keys.splice(i, 1); // never the active key
    retiring.delete(kid);
  }

  return {
    /** Published keys, the active one first (`{ kid, privateKey, publicKey, publicJwk, retiresAt? }`). */
    keys,
    /** The key that signs new delivery attempts. */
    get active() {
      return keys[0];
    },
    /** `{ keys: [{ kid, kty, crv, x, y }…] }` as GET /auth/verify_keys returns it. */
    jwks() {
      return { keys: keys.map((k) => ({ ...k.publicJwk })) };
    },
    /**
     * Makes a new key active. The previous one stays published for
     * `graceSeconds` (scaled by the time factor), then disappears; 0 removes it at once.
     * @returns {{ keyId: string, previousKeyId: string, graceSeconds: number, previousKeyRetiresAt: string }}
     */
    rotate({ graceSeconds = 300 } = {}) {
      const previous = keys[0];
      const next = generateUpvestKey();
      keys.unshift(next);
      const ms = scaleMs(graceSeconds * 1000);
      previous.retiresAt = new Date(now() + ms).toISOString();
      if (graceSeconds <= 0) remove(previous.kid);
      else
        retiring.set(
          previous.kid,
          schedule(() => remove(previous.kid), ms),
        );
      return { keyId: next.kid, previousKeyId: previous.kid, graceSeconds, previousKeyRetiresAt: previous.retiresAt };
    },
    /** Publishes one more (inactive) key; returns its kid. */
    add() {
      const key = generateUpvestKey();
      keys.push(key);
      return key.kid;
    },
    /** Removes every retiring key now and cancels their timers. */
    dropRetiring() {
      for (const [kid, timer] of retiring) {
        cancel(timer);
        remove(kid);
      }
    },
    /** Cancels the grace timers (on close). */
    stop() {
      for (const timer of retiring.values()) cancel(timer);
      retiring.clear();
    },
  };
}
