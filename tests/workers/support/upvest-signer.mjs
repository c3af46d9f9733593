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

import { createHash, createPublicKey, generateKeyPairSync, randomBytes, randomUUID, sign, verify } from 'node:crypto';

/** A fresh P-521 key pair: `{ privateKey (KeyObject), publicJwk, jwks }`. */
export function generateKeyPair(kid = randomUUID()) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-521' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
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
 * `signTestDelivery`) with node:crypto only: rebuilds the signature base from
 * `Signature-Input`, checks the `Digest` against the body and the ECDSA
 * signature against the JWK whose `kid` is the `keyid`.
 * Returns `{ keyId, components, base, form }`; throws on any mismatch.
 */
export function verifyDeliveryIndependently({ method, url, headers, body }, jwks) {
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  const input = /^\s*([a-z0-9_.*-]+)=(\(([^)]*)\).*)$/.exec(h['signature-input'] ?? '');
  if (!input) throw new Error(`unexpected Signature-Input: ${h['signature-input']}`);
  const [, label, params, list] = input;
  const sig = new RegExp(`(?:^|,)\\s*${label.replace(/[.*]/g, '\\$&')}=:([A-Za-z0-9+/=]+):`).exec(h.signature ?? '');
  if (!sig) throw new Error(`no signature labelled ${label} in ${h.signature}`);
  const keyId = /;keyid="([^"]*)"/.exec(params)?.[1];
  const components = [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  const target = new URL(url, 'https://placeholder.invalid');
  const value = (name) => {
    switch (name) {
      case '@method': return method.toUpperCase();
      case '@path': return target.pathname;
      case '@query': return target.search || '?';
      default:
        if (!(name in h)) throw new Error(`covered header ${name} is missing`);
        return h[name];
    }
  };
  const bodyBytes = Buffer.from(body, 'utf8');
  if (components.includes('digest')) {
    const expected = `SHA-256=${createHash('sha256').update(bodyBytes).digest('base64')}`;
    if (h.digest !== expected) throw new Error(`digest ${h.digest} does not match the body (${expected})`);
  } else if (bodyBytes.length) {
    throw new Error('the signature does not cover the digest');
  }
  if (components.includes('content-length') && Number(h['content-length']) !== bodyBytes.length) {
    throw new Error('content-length does not match the body');
  }
  const form = h['upvest-signature-version'] === '15' ? 'v15' : 'v6';
  const quote = form === 'v15' ? (n) => `"${n}"` : (n) => n;
  const base = [...components.map((n) => `${quote(n)}: ${value(n)}`), `${quote('@signature-params')}: ${params}`].join('\n');
  const jwk = jwks.keys.find((k) => k.kid === keyId);
  if (!jwk) throw new Error(`no JWK with kid ${keyId}`);
  const signature = Buffer.from(sig[1], 'base64');
  const dsaEncoding = signature[0] === 0x30 && signature.length !== 132 ? 'der' : 'ieee-p1363';
  const { kty, crv, x, y } = jwk;
  const key = createPublicKey({ key: { kty, crv, x, y }, format: 'jwk' });
  if (!verify('sha512', Buffer.from(base, 'utf8'), { key, dsaEncoding }, signature)) {
    throw new Error(`ECDSA verification failed over base:\n${base}`);
  }
  return { keyId, components, base, form, dsaEncoding };
}
