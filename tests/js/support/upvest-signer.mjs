// An independent Upvest-style HTTP message signer and verifier built only on
// node:crypto. It shares no code with the package, so a package bug cannot
// hide behind a matching bug here: tests sign with this module and verify
// with the package, and check the package's own test signer with
// `verifyUpvestDelivery`.
//
// Signature bases follow http-signatures.md §2: one `name: value` line per
// covered component (v6, unquoted) or `"name": value` (v15, quoted), then
// `@signature-params: <member text>`, joined by "\n" with no trailing newline.

import crypto from 'node:crypto';

/** A fixed "now" for tests that inject time: 2025-06-15T15:06:40Z. */
export const NOW_SECONDS = 1_750_000_000;
export const NOW_MS = NOW_SECONDS * 1000;

export const DEFAULT_URL = 'https://hooks.example.com/upvest/webhooks';

// ---------------------------------------------------------------------------
// Keys

/**
 * A fresh EC key pair (P-521 unless `namedCurve` says otherwise), with its
 * public JWK (`kid`, `kty`, `crv`, `x`, `y`, as GET /auth/verify_keys returns
 * them), its private JWK, and a one-key JWKS.
 */
export function generateKeyPair({ kid = crypto.randomUUID(), namedCurve = 'P-521' } = {}) {
  return keyPairFrom(newPrivateKey('ec', { namedCurve }), kid);
}

/**
 * A fresh private key from `crypto.generateKeyPairSync(type, options)`,
 * re-imported from its PKCS#8 DER. Node 20 can deadlock when a garbage
 * collection during the export or use of a KeyObject that came straight out
 * of generateKeyPairSync finalises the key generation job (its destructor
 * takes the key's lock, which the export holds). The KeyObjects made here
 * share no lock with any job.
 */
export function newPrivateKey(type, options = {}) {
  const { privateKey } = crypto.generateKeyPairSync(type, {
    ...options,
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  return crypto.createPrivateKey({ key: privateKey, format: 'der', type: 'pkcs8' });
}

/** The same shape as `generateKeyPair`, for an existing private key (PEM or KeyObject). */
export function keyPairFrom(privateKeyInput, kid) {
  const privateKey = typeof privateKeyInput === 'string' ? crypto.createPrivateKey(privateKeyInput) : privateKeyInput;
  const publicKey = crypto.createPublicKey(privateKey);
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const publicJwk = { kid, kty, crv, x, y };
  const privateJwk = { kid, ...privateKey.export({ format: 'jwk' }) };
  return { kid, privateKey, publicKey, publicJwk, privateJwk, jwks: { keys: [publicJwk] } };
}

/** A JWKS holding the public keys of several key pairs. */
export function jwksOf(...pairs) {
  return { keys: pairs.map((pair) => ({ ...pair.publicJwk })) };
}

// ---------------------------------------------------------------------------
// Bodies and digests

export function bytesOf(body) {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('body must be a string or bytes');
}

const b64 = (bytes) => Buffer.from(bytes).toString('base64');

/** `digest` header value (v6): `SHA-256=<b64>` or `SHA-512=<b64>`. */
export function digestValue(body, algorithm = 'sha-256') {
  const hash = { 'sha-256': 'sha256', 'sha-512': 'sha512' }[algorithm];
  return `${algorithm.toUpperCase()}=${b64(crypto.createHash(hash).update(bytesOf(body)).digest())}`;
}

/** `content-digest` header value (v15): `sha-512=:<b64>:` or `sha-256=:<b64>:`. */
export function contentDigestValue(body, algorithm = 'sha-512') {
  const hash = { 'sha-256': 'sha256', 'sha-512': 'sha512' }[algorithm];
  return `${algorithm}=:${b64(crypto.createHash(hash).update(bytesOf(body)).digest())}:`;
}

/** Digest styles accepted by `signRequest({ digest })`: header name and value function. */
const DIGEST_STYLES = {
  'sha-256': ['digest', (body) => digestValue(body, 'sha-256')],
  'sha-512': ['digest', (body) => digestValue(body, 'sha-512')],
  'content-sha-512': ['content-digest', (body) => contentDigestValue(body, 'sha-512')],
  'content-sha-256': ['content-digest', (body) => contentDigestValue(body, 'sha-256')],
};

// ---------------------------------------------------------------------------
// Webhook payloads

export function makeEvent(overrides = {}) {
  return {
    id: crypto.randomUUID(),
    created_at: '2021-07-21T14:10:00.00Z',
    type: 'POSITION.UPDATED',
    object: {
      account_id: 'c5161455-4d27-4781-bc74-f05532e49a77',
      instrument: { isin: 'US0378331005', uuid: 'ccb86937-8a39-4160-8d33-85bf9e902321' },
      quantity: '10.4',
    },
    webhook_id: '9df39835-be87-4243-9018-f2500b39cee6',
    ...overrides,
  };
}

export function payloadBody(events = [makeEvent()]) {
  return JSON.stringify({ payload: events });
}

// ---------------------------------------------------------------------------
// Messages: URL parts and header fields, canonicalised independently

/**
 * Splits an absolute URL or an origin-form target without normalising
 * anything (paths and queries are signed as sent).
 */
export function splitTarget(url) {
  let scheme = null;
  let authority = null;
  let rest = url.split('#')[0];
  if (!rest.startsWith('/')) {
    const at = rest.indexOf('://');
    scheme = rest.slice(0, at).toLowerCase();
    const after = rest.slice(at + 3);
    const end = after.search(/[/?]/);
    authority = (end === -1 ? after : after.slice(0, end)).toLowerCase();
    rest = end === -1 ? '' : after.slice(end);
  }
  const q = rest.indexOf('?');
  const path = (q === -1 ? rest : rest.slice(0, q)) || '/';
  const query = q === -1 ? null : rest.slice(q + 1);
  return { scheme, authority, path, query };
}

/** Header fields as `[lowercase name, value]` pairs from any of the accepted shapes. */
export function headerPairs(headers) {
  const pairs = [];
  const push = (name, value) => {
    for (const v of Array.isArray(value) ? value : [value]) pairs.push([String(name).toLowerCase(), String(v)]);
  };
  if (headers instanceof Headers || headers instanceof Map) for (const [n, v] of headers) push(n, v);
  else if (Array.isArray(headers)) for (const [n, v] of headers) push(n, v);
  else for (const [n, v] of Object.entries(headers ?? {})) if (v !== undefined) push(n, v);
  return pairs;
}

/** A header component value: every field with that name, trimmed, joined with ", ". */
export function headerValue(headers, name) {
  const values = headerPairs(headers)
    .filter(([n]) => n === name.toLowerCase())
    .map(([, v]) => v.trim());
  return values.length === 0 ? undefined : values.join(', ');
}

/** The value of one covered component of `{ method, url, headers }`. */
export function componentValue(name, { method, url, headers }) {
  if (!name.startsWith('@')) return headerValue(headers, name);
  const t = splitTarget(url);
  const authority = t.authority ?? headerValue(headers, 'host')?.toLowerCase();
  switch (name) {
    case '@method':
      return method.toUpperCase();
    case '@path':
      return t.path;
    case '@query':
      return `?${t.query ?? ''}`;
    case '@authority':
      return authority;
    case '@scheme':
      return t.scheme ?? undefined;
    case '@request-target':
      return t.query === null ? t.path : `${t.path}?${t.query}`;
    case '@target-uri':
      return `${t.scheme}://${authority}${t.path}${t.query === null ? '' : `?${t.query}`}`;
    default:
      throw new Error(`unknown derived component ${name}`);
  }
}

// ---------------------------------------------------------------------------
// Signature-Input parameters and bases

/** An RFC 8941 token parameter value (`;name=token`), as opposed to a string. */
export const token = (text) => ({ token: text });

function serializeParamValue(value) {
  if (value === true) return '';
  if (typeof value === 'number') return `=${value}`;
  if (value && typeof value === 'object' && 'token' in value) return `=${value.token}`;
  return `="${String(value).replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The member value of `Signature-Input`: `("c1" "c2");k=v;…`. `params` is an
 * ordered list of `[name, value]`: strings are quoted, numbers bare, `true`
 * a bare flag, `token('x')` a token. `separator` joins inner-list items.
 */
export function serializeSignatureParams(components, params, { separator = ' ' } = {}) {
  const inner = `(${components.map((c) => `"${c}"`).join(separator)})`;
  return inner + params.map(([name, value]) => `;${name}${serializeParamValue(value)}`).join('');
}

/** One base line. */
export function baseLine(form, name, value) {
  return form === 'v15' ? `"${name}": ${value}` : `${name}: ${value}`;
}

/** The signature base: component lines, then the `@signature-params` line. */
export function buildSignatureBase(form, lines, signatureParams) {
  if (form !== 'v6' && form !== 'v15') throw new Error(`unknown base form ${form}`);
  return [...lines.map(([name, value]) => baseLine(form, name, value)), baseLine(form, '@signature-params', signatureParams)].join('\n');
}

/** ECDSA P-521/SHA-512 over `base`, as base64: DER (`der`) or fixed-length r‖s (`raw`). */
export function signBase(base, privateKey, encoding = 'der') {
  const dsaEncoding = { der: 'der', raw: 'ieee-p1363' }[encoding];
  if (!dsaEncoding) throw new Error(`unknown encoding ${encoding}`);
  return crypto.sign('sha512', Buffer.from(base, 'utf8'), { key: privateKey, dsaEncoding }).toString('base64');
}

/** The usual parameters in the docs' order: keyid, created, expires, nonce. */
export function defaultParams({ keyid, created, expires, nonce }) {
  const params = [
    ['keyid', keyid],
    ['created', created],
  ];
  if (expires !== null && expires !== undefined) params.push(['expires', expires]);
  if (nonce !== null && nonce !== undefined) params.push(['nonce', nonce]);
  return params;
}

/**
 * Signs a request the way Upvest does, with every knob exposed:
 *
 * - `key`: a pair from `generateKeyPair`; `keyid` defaults to its `kid`.
 * - `body` (string or bytes, default one event); `digest`: 'sha-256' (default,
 *   `digest: SHA-256=`), 'sha-512', 'content-sha-512', 'content-sha-256' or
 *   null (no digest header).
 * - `headers`: extra fields (plain object); a value of `undefined` removes a default one.
 * - `components`: covered names in order; default `@method @path [@query]`
 *   and, with a body, `content-type content-length <digest header>`.
 * - `created` (default NOW_SECONDS), `expires` (default created + 60; null
 *   omits it), `nonce` (null omits it), or `params` for the full ordered list.
 * - `form`: 'v6' (default) or 'v15'; `encoding`: 'der' (default) or 'raw'.
 * - `label` (default 'sig1'); `versionHeader`: sets `upvest-signature-version`.
 * - `componentValues`: values to sign instead of the message's (to forge mismatches).
 * - `innerListSeparator`: text between inner-list items (default one space).
 * - `transformBase`: a function applied to the base text before signing (to forge bases).
 *
 * Returns `{ method, url, headers, body, base, paramsText, input, signature }`;
 * `input`/`signature` are this signature's dictionary members, `headers` a
 * plain object with lowercase names carrying them.
 */
export function signRequest(options = {}) {
  const {
    key,
    keyid = key.kid,
    method = 'POST',
    url = DEFAULT_URL,
    body = payloadBody(),
    digest = 'sha-256',
    created = NOW_SECONDS,
    nonce = 'o085M4cMgpbicuOL',
    label = 'sig1',
    form = 'v6',
    encoding = 'der',
    versionHeader,
    componentValues = {},
    innerListSeparator = ' ',
    transformBase = (text) => text,
  } = options;
  const expires = 'expires' in options ? options.expires : created + 60;
  const bodyBytes = bytesOf(body);

  const headers = {};
  let digestName = null;
  if (bodyBytes.length > 0) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(bodyBytes.length);
  }
  if (digest !== null && bodyBytes.length > 0) {
    const style = DIGEST_STYLES[digest];
    if (!style) throw new Error(`unknown digest style ${digest}`);
    digestName = style[0];
    headers[digestName] = style[1](bodyBytes);
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === undefined) delete headers[name.toLowerCase()];
    else headers[name.toLowerCase()] = value;
  }
  if (versionHeader !== undefined) headers['upvest-signature-version'] = String(versionHeader);

  const components = options.components ?? [
    '@method',
    '@path',
    ...(splitTarget(url).query !== null ? ['@query'] : []),
    ...(bodyBytes.length > 0 ? ['content-type', 'content-length'] : []),
    ...(digestName ? [digestName] : []),
  ];
  const message = { method, url, headers };
  const lines = components.map((name) => {
    const value = name in componentValues ? componentValues[name] : componentValue(name, message);
    if (value === undefined) throw new Error(`cannot sign: the message has no ${name}`);
    return [name, value];
  });
  const params = options.params ?? defaultParams({ keyid, created, expires, nonce });
  const paramsText = serializeSignatureParams(components, params, { separator: innerListSeparator });
  const base = transformBase(buildSignatureBase(form, lines, paramsText));
  const signatureB64 = signBase(base, key.privateKey, encoding);
  const input = `${label}=${paramsText}`;
  const signature = `${label}=:${signatureB64}:`;
  return {
    method,
    url,
    headers: { ...headers, 'signature-input': input, signature },
    body,
    base,
    paramsText,
    signatureB64,
    input,
    signature,
  };
}

/**
 * A request carrying several signatures: the message (method, URL, headers,
 * body) of the first, and `Signature-Input`/`Signature` made of every
 * member, in order, joined by `separator`.
 */
export function withSignatures(signed, { separator = ', ' } = {}) {
  const [first] = signed;
  return {
    method: first.method,
    url: first.url,
    body: first.body,
    headers: {
      ...first.headers,
      'signature-input': signed.map((s) => s.input).join(separator),
      signature: signed.map((s) => s.signature).join(separator),
    },
  };
}

/** Only the four fields the verifier takes. */
export function asDelivery({ method, url, headers, body }) {
  return { method, url, headers, body };
}

// ---------------------------------------------------------------------------
// Independent verification (the oracle for the package's signTestDelivery)

function parseInputMember(text) {
  const match = /^([a-z*][a-z0-9_.*-]*)=\(([^)]*)\)(.*)$/.exec(text.trim());
  if (!match) throw new Error(`cannot parse Signature-Input ${JSON.stringify(text)}`);
  const [, label, inner, paramText] = match;
  const components = [...inner.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  const params = {};
  for (const m of paramText.matchAll(/;([a-z*][a-z0-9_.*-]*)(?:=("(?:[^"\\]|\\.)*"|[^;]*))?/g)) {
    const raw = m[2];
    params[m[1]] = raw === undefined ? true : raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : Number(raw);
  }
  return { label, components, params, paramsText: text.trim().slice(label.length + 1) };
}

/**
 * Checks a one-signature delivery with node:crypto only, the one independent
 * verifier of the test suites (tests/js, tests/workers, tests/browser and
 * tests/emulator use it): the member of `Signature-Input` and its
 * `Signature`, the covered digest fields against the body, `content-length`,
 * and ECDSA P-521/SHA-512 over the base with the JWK whose `kid` is the
 * `keyid`.
 *
 * `form`: 'v6' (Upvest's unquoted base), 'v15' (quoted) or 'auto' (v15 when
 * `upvest-signature-version: 15`). `encoding`: 'der', 'raw' (r‖s) or 'auto'
 * (DER unless the signature is 132 bytes that do not start a DER sequence).
 *
 * Throws only when the headers cannot be parsed or a covered component is
 * missing; otherwise returns a report: `{ ok, signatureOk, keyFound,
 * digestCovered, digestOk, lengthOk, problem, keyId, label, components,
 * params, paramsText, base, form, dsaEncoding }`, where `problem` says what
 * failed first (null when `ok`).
 */
export function checkUpvestDelivery({ method, url, headers, body }, jwks, { form = 'v6', encoding = 'der' } = {}) {
  const inputHeader = headerValue(headers, 'signature-input');
  const signatureHeader = headerValue(headers, 'signature');
  if (!inputHeader || !signatureHeader) throw new Error('missing signature headers');
  const input = parseInputMember(inputHeader);
  const sigMatch = new RegExp(`^${input.label.replace(/[.*]/g, '\\$&')}=:([A-Za-z0-9+/]+={0,2}):$`).exec(signatureHeader.trim());
  if (!sigMatch) throw new Error(`cannot parse Signature ${JSON.stringify(signatureHeader)}`);
  const signature = Buffer.from(sigMatch[1], 'base64');
  const baseForm = form === 'auto' ? (headerValue(headers, 'upvest-signature-version') === '15' ? 'v15' : 'v6') : form;
  const raw = encoding === 'auto' ? signature.length === 132 && signature[0] !== 0x30 : encoding === 'raw';
  const dsaEncoding = raw ? 'ieee-p1363' : 'der';

  const bytes = bytesOf(body ?? '');
  const digestFields = ['digest', 'content-digest'].filter((name) => input.components.includes(name));
  const digestMismatch = digestFields.find((name) => {
    const value = headerValue(headers, name) ?? '';
    const expected =
      name === 'digest'
        ? digestValue(bytes, value.startsWith('SHA-512=') ? 'sha-512' : 'sha-256')
        : contentDigestValue(bytes, value.startsWith('sha-256=') ? 'sha-256' : 'sha-512');
    return value !== expected;
  });
  const contentLength = headerValue(headers, 'content-length');
  const lengthOk = contentLength === undefined ? !input.components.includes('content-length') : contentLength === String(bytes.length);

  const message = { method, url, headers };
  const lines = input.components.map((name) => {
    const value = componentValue(name, message);
    if (value === undefined) throw new Error(`covered component ${name} is missing`);
    return [name, value];
  });
  const base = buildSignatureBase(baseForm, lines, input.paramsText);
  const keyId = input.params.keyid;
  const jwk = jwks.keys.find((k) => k.kid === keyId);
  let signatureOk = false;
  if (jwk) {
    const { kid: _kid, ...keyMaterial } = jwk;
    const publicKey = crypto.createPublicKey({ key: keyMaterial, format: 'jwk' });
    signatureOk = crypto.verify('sha512', Buffer.from(base, 'utf8'), { key: publicKey, dsaEncoding }, signature);
  }
  const problem = digestMismatch
    ? `${digestMismatch} does not match the body`
    : !lengthOk
      ? 'content-length does not match the body'
      : !jwk
        ? `no key ${keyId}`
        : !signatureOk
          ? `ECDSA verification failed over base:\n${base}`
          : null;
  return {
    ok: problem === null,
    signatureOk,
    keyFound: Boolean(jwk),
    digestCovered: digestFields.length > 0,
    digestOk: !digestMismatch,
    lengthOk,
    problem,
    keyId,
    label: input.label,
    components: input.components,
    params: input.params,
    paramsText: input.paramsText,
    base,
    form: baseForm,
    dsaEncoding,
  };
}

/**
 * Verifies a one-signature delivery (see checkUpvestDelivery): a v6 base by
 * default, or `form: 'v15'` / 'auto'; `encoding` 'der' (default), 'raw' or
 * 'auto'. Throws with what failed; returns the report.
 */
export function verifyUpvestDelivery(delivery, jwks, options = {}) {
  const report = checkUpvestDelivery(delivery, jwks, options);
  if (!report.ok) throw new Error(report.problem ?? 'verification failed');
  return report;
}
