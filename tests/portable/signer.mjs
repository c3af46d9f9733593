// An independent Upvest-style signer on WebCrypto only (crypto.subtle, which
// Node, Deno and Bun all have with P-521). It shares no code with the
// package: a bug in the package cannot hide behind the same bug here.
//
// Bases follow http-signatures.md §2: one `name: value` line per covered
// component (v6, unquoted, what Upvest sends with webhooks) or `"name": value`
// (v15, quoted), then the `@signature-params` line; joined by "\n".

const encoder = new TextEncoder();

/** A fixed "now" for tests that inject time: 2025-06-15T15:06:40Z. */
export const NOW_SECONDS = 1_750_000_000;
export const NOW_MS = NOW_SECONDS * 1000;
export const DEFAULT_URL = 'https://hooks.example.com/upvest/webhooks?tenant=t1';

export const bytesOf = (body) => (typeof body === 'string' ? encoder.encode(body) : new Uint8Array(body));

export function base64(bytes) {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

export function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** A P-521 key pair: `{ kid, privateKey, publicJwk, jwks }` (the JWK as GET /auth/verify_keys lists it). */
export async function generateKeyPair(kid = crypto.randomUUID()) {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-521' }, true, ['sign', 'verify']);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const publicJwk = { kid, kty, crv, x, y };
  return { kid, privateKey: pair.privateKey, publicJwk, jwks: { keys: [publicJwk] } };
}

export const jwksOf = (...pairs) => ({ keys: pairs.map((p) => ({ ...p.publicJwk })) });

export function makeEvent(overrides = {}) {
  return {
    id: crypto.randomUUID(),
    created_at: '2021-07-21T14:10:00.00Z',
    type: 'POSITION.UPDATED',
    object: { account_id: 'c5161455-4d27-4781-bc74-f05532e49a77', quantity: '10.4' },
    webhook_id: '9df39835-be87-4243-9018-f2500b39cee6',
    ...overrides,
  };
}

export const payloadBody = (events = [makeEvent()]) => JSON.stringify({ payload: events });

async function hash(algorithm, body) {
  return base64(new Uint8Array(await crypto.subtle.digest(algorithm === 'sha-256' ? 'SHA-256' : 'SHA-512', bytesOf(body))));
}

/** `digest: SHA-256=<b64>` (v6) or SHA-512. */
export const digestValue = async (body, algorithm = 'sha-256') => `${algorithm.toUpperCase()}=${await hash(algorithm, body)}`;
/** `content-digest: sha-512=:<b64>:` (v15) or sha-256. */
export const contentDigestValue = async (body, algorithm = 'sha-512') => `${algorithm}=:${await hash(algorithm, body)}:`;

/** r‖s (132 bytes for P-521) → ASN.1 DER SEQUENCE { INTEGER r, INTEGER s }. */
export function rawToDer(raw) {
  const integer = (bytes) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i += 1;
    let v = bytes.slice(i);
    if (v[0] & 0x80) v = Uint8Array.of(0, ...v);
    return [0x02, v.length, ...v];
  };
  const half = raw.length / 2;
  const content = [...integer(raw.slice(0, half)), ...integer(raw.slice(half))];
  const length = content.length < 0x80 ? [content.length] : [0x81, content.length];
  return Uint8Array.of(0x30, ...length, ...content);
}

function splitTarget(url) {
  const u = new URL(url);
  return { path: u.pathname, query: u.search ? u.search.slice(1) : null };
}

function componentValue(name, { method, url, headers }) {
  if (!name.startsWith('@')) return headers[name];
  const t = splitTarget(url);
  switch (name) {
    case '@method':
      return method.toUpperCase();
    case '@path':
      return t.path;
    case '@query':
      return `?${t.query ?? ''}`;
    case '@authority':
      return new URL(url).host;
    case '@target-uri':
      return url;
    default:
      throw new Error(`unknown derived component ${name}`);
  }
}

const paramText = ([name, value]) => (typeof value === 'number' ? `;${name}=${value}` : `;${name}="${value}"`);

/**
 * Signs a delivery as Upvest does (v6 base, DER, digest: SHA-256, covering
 * @method @path @query content-type content-length digest), every knob open:
 * `keyid`, `url`, `body`, `digest` ('sha-256', 'sha-512', 'content-sha-512',
 * 'content-sha-256' or null), `headers` (extra or, with undefined, removed),
 * `components`, `created`, `expires` (null omits it), `params` (the full
 * ordered list), `form` ('v6' | 'v15'), `encoding` ('der' | 'raw'), `label`.
 * Resolves to `{ method, url, headers, body, signatureB64 }`.
 */
export async function signRequest(options) {
  const {
    key,
    keyid = key.kid,
    method = 'POST',
    url = DEFAULT_URL,
    body = payloadBody(),
    digest = 'sha-256',
    created = NOW_SECONDS,
    label = 'sig1',
    form = 'v6',
    encoding = 'der',
  } = options;
  const expires = 'expires' in options ? options.expires : created + 60;
  const length = bytesOf(body).length;
  const headers = {};
  let digestName = null;
  if (length > 0) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(length);
    if (digest) {
      digestName = digest.startsWith('content-') ? 'content-digest' : 'digest';
      headers[digestName] = digestName === 'digest' ? await digestValue(body, digest) : await contentDigestValue(body, digest.slice(8));
    }
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  const components = options.components ?? [
    '@method',
    '@path',
    ...(splitTarget(url).query !== null ? ['@query'] : []),
    ...(length ? ['content-type', 'content-length'] : []),
    ...(digestName ? [digestName] : []),
  ];
  const params = options.params ?? [['keyid', keyid], ['created', created], ...(expires === null ? [] : [['expires', expires]])];
  const signatureParams = `(${components.map((c) => `"${c}"`).join(' ')})${params.map(paramText).join('')}`;
  const line = (name, value) => (form === 'v15' ? `"${name}": ${value}` : `${name}: ${value}`);
  const base = [...components.map((name) => line(name, componentValue(name, { method, url, headers }))), line('@signature-params', signatureParams)].join('\n');
  const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-512' }, key.privateKey, encoder.encode(base)));
  const signatureB64 = base64(encoding === 'raw' ? raw : rawToDer(raw));
  return {
    method,
    url,
    body,
    signatureB64,
    headers: { ...headers, 'signature-input': `${label}=${signatureParams}`, signature: `${label}=:${signatureB64}:` },
  };
}

/** The delivery with some headers replaced (undefined removes one). */
export function withHeaders(delivery, changes) {
  const headers = { ...delivery.headers };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete headers[name];
    else headers[name] = value;
  }
  return { ...delivery, headers };
}
