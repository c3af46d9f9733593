// An independent Upvest-style webhook signer written only with node:crypto.
//
// It shares no code with the package under test: it builds the
// `Signature-Input`, the signature base and the `Signature` header by hand,
// the way Upvest's signers do (HTTP Message Signatures, draft-06 base as
// Upvest implements it, ECDSA P-521 / SHA-512, ASN.1 DER, label `sig1`,
// `Digest: SHA-256=…` covered together with content-type and content-length).
//
// Used by tests/workers and tests/browser to produce deliveries that the
// package must accept (or reject, once tampered with).

import { createHash, createPublicKey, randomBytes, randomUUID, sign } from 'node:crypto';
import { newPrivateKey, verifyUpvestDelivery } from '../../js/support/upvest-signer.mjs';

/** A fresh P-521 key pair: `{ privateKey (KeyObject), publicJwk, jwks }`. */
export function generateKeyPair(kid = randomUUID()) {
  const privateKey = newPrivateKey('ec', { namedCurve: 'P-521' });
  const { kty, crv, x, y } = createPublicKey(privateKey).export({ format: 'jwk' });
  const publicJwk = { kty, crv, x, y, kid, alg: 'ES512', use: 'sig' };
  return { kid, privateKey, publicJwk, jwks: { keys: [publicJwk] } };
}

/** One Upvest webhook event (shape of the OpenAPI `x-webhooks` events). */
export function sampleEvent(overrides = {}) {
  return {
    id: randomUUID(),
    created_at: new Date().toISOString(),
    type: 'ORDER.FILLED',
    object: { id: randomUUID(), status: 'FILLED', quantity: '10.4', instrument_id: 'US0378331005' },
    webhook_id: '9df39835-be87-4243-9018-f2500b39cee6',
    ...overrides,
  };
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function nonce() {
  return [...randomBytes(16)].map((b) => NONCE_ALPHABET[b % NONCE_ALPHABET.length]).join('');
}

/**
 * Signs a delivery.
 *
 * @param {object} o
 * @param {import('node:crypto').KeyObject} o.privateKey  P-521 private key
 * @param {string} o.keyId                                 `keyid` parameter
 * @param {string} o.url                                   the webhook URL (its path and query are signed)
 * @param {object[]} [o.events]                            events; the body is `{"payload":events}`
 * @param {string} [o.body]                                raw body, instead of events
 * @param {number} [o.created]                             UNIX seconds (default: now)
 * @param {number|null} [o.expires]                        UNIX seconds (default: created + 5, Upvest style); null omits it
 * @param {'v6'|'v15'} [o.form]                            v6 = Upvest unquoted base; v15 = quoted (RFC 9421 style) with
 *                                                         `upvest-signature-version: 15`
 * @param {'der'|'ieee-p1363'} [o.dsaEncoding]             signature encoding (Upvest uses DER)
 * @returns {{ method: string, url: string, headers: Record<string,string>, body: string, base: string }}
 */
export function signDelivery({ privateKey, keyId, url, events, body, created, expires, form = 'v6', dsaEncoding = 'der' }) {
  if (body === undefined) body = JSON.stringify({ payload: events ?? [sampleEvent()] });
  created ??= Math.floor(Date.now() / 1000);
  if (expires === undefined) expires = created + 5;
  const target = new URL(url);
  const bodyBytes = Buffer.from(body, 'utf8');

  const covered = [
    ['@method', 'POST'],
    ['@path', target.pathname],
  ];
  if (target.search) covered.push(['@query', target.search]);
  covered.push(
    ['content-type', 'application/json'],
    ['content-length', String(bodyBytes.length)],
    ['digest', `SHA-256=${createHash('sha256').update(bodyBytes).digest('base64')}`],
  );

  let params = `(${covered.map(([name]) => `"${name}"`).join(' ')});keyid="${keyId}";created=${created}`;
  if (expires !== null) params += `;expires=${expires}`;
  params += `;nonce="${nonce()}"`;

  const quote = form === 'v15' ? (name) => `"${name}"` : (name) => name;
  const base = [...covered, ['@signature-params', params]].map(([name, value]) => `${quote(name)}: ${value}`).join('\n');
  const signature = sign('sha512', Buffer.from(base, 'utf8'), { key: privateKey, dsaEncoding });

  const headers = {};
  for (const [name, value] of covered) if (!name.startsWith('@')) headers[name] = value;
  if (form === 'v15') headers['upvest-signature-version'] = '15';
  headers['signature-input'] = `sig1=${params}`;
  headers.signature = `sig1=:${signature.toString('base64')}:`;
  return { method: 'POST', url, headers, body, base };
}

/** A copy of `delivery` whose body differs by one character but keeps every header. */
export function tamperBody(delivery) {
  const body = delivery.body.replace('FILLED', 'FILLEd');
  if (body === delivery.body) throw new Error('tamperBody: nothing to tamper with');
  return { ...delivery, headers: { ...delivery.headers }, body };
}

/**
 * Independently checks a delivery (for example one made by the package's
 * `signTestDelivery`) with node:crypto only: tests/js/support/upvest-signer.mjs's
 * verifier, with the base form read from `upvest-signature-version` and the
 * signature encoding from its bytes, and a non-empty body must be covered by
 * a digest. Returns `{ keyId, components, base, form, dsaEncoding, … }`;
 * throws on any mismatch.
 */
export function verifyDeliveryIndependently(delivery, jwks) {
  const report = verifyUpvestDelivery(delivery, jwks, { form: 'auto', encoding: 'auto' });
  if (!report.digestCovered && delivery.body.length) throw new Error('the signature does not cover the digest');
  return report;
}
