// Incoming API requests: the tenant's keys and the draft-15 (Upvest "v15")
// HTTP message signature check, rebuilt from the raw request and verified
// with node:crypto (http-signatures.md §2.1, §3, §4, §6). Shares no code with
// the package's own signer, so it is an independent check on the client.

import crypto from 'node:crypto';
import { problem } from './problems.mjs';
import { newPrivateKey } from './signing.mjs';
import { parseDictionary } from './structured-fields.mjs';

/**
 * A fresh tenant key pair: `type` is `'p521'` (ECDSA P-521) or `'ed25519'`.
 * Returns `{ keyId, type, privateKey, publicKey, privateKeyPem, privateKeyJwk, publicKeyPem }`.
 */
/**
 * @param {'p521' | 'ed25519'} [type]
 * @param {string} [keyId]
 */
export function generateTenantKey(type = 'p521', keyId = crypto.randomUUID()) {
  const privateKey = type === 'ed25519' ? newPrivateKey('ed25519') : newPrivateKey('ec', { namedCurve: 'P-521' });
  return describeTenantKey(privateKey, keyId);
}

/**
 * The tenant key record for an existing private key (PEM, JWK or KeyObject):
 * P-521 ECDSA or Ed25519.
 * @param {any} privateKeyLike
 * @param {string} [keyId]
 * @returns {{ keyId: string, type: 'p521' | 'ed25519', privateKey: crypto.KeyObject, publicKey: crypto.KeyObject, privateKeyPem: string, privateKeyJwk: Record<string, unknown>, publicKeyPem: string }}
 */
export function describeTenantKey(privateKeyLike, keyId = crypto.randomUUID()) {
  const privateKey =
    privateKeyLike instanceof crypto.KeyObject
      ? privateKeyLike
      : typeof privateKeyLike === 'string'
        ? crypto.createPrivateKey(privateKeyLike)
        : crypto.createPrivateKey({ key: privateKeyLike, format: 'jwk' });
  const publicKey = crypto.createPublicKey(privateKey);
  const type = keyKind(publicKey) === 'ed25519' ? 'ed25519' : 'p521';
  return {
    keyId,
    type,
    privateKey,
    publicKey,
    privateKeyPem: /** @type {string} */ (privateKey.export({ type: 'pkcs8', format: 'pem' })),
    privateKeyJwk: { ...privateKey.export({ format: 'jwk' }) },
    publicKeyPem: /** @type {string} */ (publicKey.export({ type: 'spki', format: 'pem' })),
  };
}

/** A public KeyObject from a KeyObject (public or private), a PEM string or a JWK (a private JWK's public part). */
export function toPublicKey(input) {
  if (input instanceof crypto.KeyObject) return input.type === 'private' ? crypto.createPublicKey(input) : input;
  if (typeof input === 'string') return crypto.createPublicKey(input);
  if (input && typeof input === 'object') {
    const { d, ...pub } = input; // accept a private JWK too; only its public part is kept
    return crypto.createPublicKey({ key: pub, format: 'jwk' });
  }
  throw new TypeError('public key must be a KeyObject, a PEM string or a JWK');
}

/** `'ed25519'` or `'ecdsa-p521-sha512'`; throws for other keys. */
export function keyKind(publicKey) {
  if (publicKey.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (publicKey.asymmetricKeyType === 'ec' && publicKey.asymmetricKeyDetails?.namedCurve === 'secp521r1') return 'ecdsa-p521-sha512';
  throw new TypeError(`unsupported tenant key ${publicKey.asymmetricKeyType} ${publicKey.asymmetricKeyDetails?.namedCurve ?? ''}`);
}

const sha512b64 = (bytes) => crypto.createHash('sha512').update(bytes).digest('base64');

/** Header values by lowercase name, repeats joined with ", " (RFC 9421 §2.1), from node's rawHeaders. */
export function collectHeaders(rawHeaders) {
  const map = new Map();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1].trim();
    map.set(name, map.has(name) ? `${map.get(name)}, ${value}` : value);
  }
  return map;
}

/** `{ path, query }` of a request target (origin-form or absolute-form); `query` is null without `?`. */
export function splitTarget(rawUrl) {
  let target = rawUrl;
  if (!target.startsWith('/')) {
    // absolute-form: keep path and query as sent
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(target);
    target = m ? m[1] || '/' : target;
  }
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: null } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

// Signature verification (draft-15 base, http-signatures.md §2.1, §3, §4, §6)

const DERIVED = new Set(['@method', '@path', '@query', '@authority']);
const NEVER_COVERED = new Set(['upvest-signature-version', 'signature', 'signature-input']);

/**
 * Verifies the v15 signature of a raw request. Returns the details on
 * success (`{ verified: true, label, keyId, created, expires, nonce, alg,
 * components, paramsText, base, algorithm }`); throws an HttpProblem(401)
 * (`type …/invalid_signature`, the reason in `detail`) on failure.
 *
 * @param {{ method: string, path: string, query: string|null, headers: Map<string,string>, body: Buffer }} req
 * @param {{ keys: Map<string,{publicKey: import('node:crypto').KeyObject, kind: string}>, clientId: string,
 *   nowSeconds: number, toleranceSeconds?: number, isTokenRequest: boolean, label?: string }} options
 */
export function verifyRequestSignature(req, { keys, clientId, nowSeconds, toleranceSeconds = 300, isTokenRequest, label = 'sig1' }) {
  const info = { label };
  const bad = (detail) => problem(401, 'invalid_signature', detail, { signature: info });
  const h = req.headers;

  const version = h.get('upvest-signature-version');
  if (version === undefined) throw bad('missing upvest-signature-version header');
  if (version !== '15') throw bad(`unsupported upvest-signature-version ${JSON.stringify(version)} (expected 15)`);

  const inputHeader = h.get('signature-input');
  const sigHeader = h.get('signature');
  if (inputHeader === undefined || sigHeader === undefined) throw bad('missing signature or signature-input header');

  let inputs;
  let sigs;
  try {
    inputs = parseDictionary(inputHeader);
    sigs = parseDictionary(sigHeader);
  } catch (err) {
    throw bad(`malformed signature header: ${err.message}`);
  }
  const input = inputs.get(label);
  const sig = sigs.get(label);
  if (!input) throw bad(`signature-input has no ${label} member`);
  if (!sig) throw bad(`signature has no ${label} member`);
  if (input.type !== 'inner-list') throw bad(`signature-input ${label} is not an inner list`);
  if (sig.type !== 'bytes' || sig.params.length) throw bad(`signature ${label} is not a byte sequence`);
  info.paramsText = input.raw;

  // components
  const components = [];
  for (const item of input.items) {
    if (item.type !== 'string') throw bad('covered component names must be strings');
    if (item.params.length) throw bad(`component parameters are not supported (${item.value})`);
    const name = item.value;
    if (name !== name.toLowerCase() || !/^@?[a-z0-9_.*-]+$/.test(name)) throw bad(`invalid component name ${JSON.stringify(name)}`);
    if (components.includes(name)) throw bad(`duplicate component ${name}`);
    if (name.startsWith('@') && !DERIVED.has(name)) throw bad(`unsupported derived component ${name}`);
    if (NEVER_COVERED.has(name)) throw bad(`${name} must not be covered`);
    components.push(name);
  }
  info.components = components;

  // parameters
  const params = {};
  for (const [key, value] of input.params) {
    if (key in params) throw bad(`duplicate signature parameter ${key}`);
    params[key] = value;
  }
  const want = { keyid: 'string', created: 'integer', expires: 'integer', nonce: 'string' };
  for (const [key, type] of Object.entries(want)) {
    if (!params[key]) throw bad(`missing signature parameter ${key}`);
    if (params[key].type !== type) throw bad(`signature parameter ${key} must be ${type === 'string' ? 'a string' : 'an integer'}`);
  }
  if (params.alg && params.alg.type !== 'string') throw bad('signature parameter alg must be a string');
  info.keyId = params.keyid.value;
  info.created = params.created.value;
  info.expires = params.expires.value;
  info.nonce = params.nonce.value;
  info.alg = params.alg?.value;

  // required coverage per request kind (http-signatures.md §3.2)
  const hasBody = req.body.length > 0;
  const required = ['@method', '@path', 'upvest-client-id'];
  if (h.has('accept')) required.push('accept'); // signed if present (webhooks-api.md §3.1)
  if (req.query !== null) required.push('@query');
  if (!isTokenRequest) required.push('authorization');
  if (hasBody) required.push('content-type', 'content-length', 'content-digest');
  if (h.has('idempotency-key')) required.push('idempotency-key');
  for (const name of required) if (!components.includes(name)) throw bad(`${name} must be covered`);
  if (!hasBody) {
    for (const name of ['content-type', 'content-length', 'content-digest']) {
      if (components.includes(name)) throw bad(`${name} must not be covered without a body`);
    }
    if (h.has('content-digest')) throw bad('content-digest must not be sent without a body');
  }
  if (req.query === null && components.includes('@query')) throw bad('@query covered but the request has no query');

  // client id
  if (h.get('upvest-client-id') !== clientId) throw bad('upvest-client-id does not name this tenant');

  // body integrity
  if (hasBody) {
    const length = h.get('content-length');
    if (!/^[0-9]+$/.test(length ?? '') || Number(length) !== req.body.length) {
      throw bad(`content-length ${JSON.stringify(length)} does not match the body (${req.body.length} bytes)`);
    }
    let digest;
    try {
      digest = parseDictionary(h.get('content-digest'));
    } catch (err) {
      throw bad(`malformed content-digest: ${err.message}`);
    }
    const sha512 = digest.get('sha-512');
    if (sha512?.type !== 'bytes') throw bad('content-digest has no sha-512 byte sequence');
    if (sha512.text !== sha512b64(req.body)) throw bad('content-digest does not match the body');
  }

  // time window
  if (Math.abs(nowSeconds - info.created) > toleranceSeconds) {
    throw bad(`created ${info.created} is outside ±${toleranceSeconds} s of the server clock ${nowSeconds}`);
  }
  if (info.expires < info.created) throw bad('expires is before created');
  if (info.expires < nowSeconds) throw bad(`signature expired at ${info.expires} (server clock ${nowSeconds})`);

  // base
  const lines = [];
  for (const name of components) {
    let value;
    if (name === '@method') value = req.method.toUpperCase();
    else if (name === '@path') value = req.path || '/';
    else if (name === '@query') value = `?${req.query}`;
    else if (name === '@authority') value = (h.get('host') ?? '').toLowerCase();
    else {
      value = h.get(name);
      if (value === undefined) throw bad(`covered header ${name} is missing`);
    }
    lines.push(`"${name}": ${value}`);
  }
  lines.push(`"@signature-params": ${input.raw}`);
  const base = lines.join('\n');
  info.base = base;

  // key and signature
  const key = keys.get(info.keyId);
  if (!key) throw bad(`unknown keyid ${JSON.stringify(info.keyId)}`);
  info.algorithm = key.kind;
  if (info.alg !== undefined) {
    const accepted = key.kind === 'ed25519' ? ['ed25519'] : ['ecdsa-p521-sha512', 'ES512'];
    if (!accepted.includes(info.alg)) throw bad(`alg ${JSON.stringify(info.alg)} does not fit the ${key.kind} key`);
  }
  const signature = sig.value;
  let ok = false;
  try {
    ok =
      key.kind === 'ed25519'
        ? crypto.verify(null, Buffer.from(base), key.publicKey, signature)
        : crypto.verify('sha512', Buffer.from(base), { key: key.publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw bad('signature does not verify');
  info.verified = true;
  return info;
}
