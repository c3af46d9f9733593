// A minimal draft-15 (Upvest v15) request signer on node:crypto, used to
// exercise tests/js/support/fake-upvest.mjs without the package: the fake
// server's verifier is checked against it (fake-upvest.test.mjs), so the
// yardstick the client tests rely on is itself tested.

import crypto from 'node:crypto';
import { readAnswer } from '../../../pkg/emulator/admin-client.mjs';

/**
 * Builds and sends a signed request to the fake server.
 *
 * `opts`: `method`, `path`, `query` (without `?`), `body` (string),
 * `contentType`, `token` (bearer), `idempotencyKey`, `accept`
 * (default application/json), `key` (`{ keyId, privateKey }`, default the
 * fake's tenant key), `created`/`expires`/`nonce`, `components` (override
 * the covered list), `paramOrder` (e.g. `['nonce','keyid','expires','created']`),
 * `headers` (extra headers), `tamper(base) → base` (sign something else),
 * `signatureVersion` (default '15', null to omit), `clientId`.
 */
export function buildSignedRequest(fake, opts = {}) {
  const method = (opts.method ?? 'GET').toUpperCase();
  const path = opts.path ?? '/webhooks';
  const query = opts.query ?? null;
  const body = opts.body ?? '';
  const nowSec = Math.floor((opts.now ?? Date.now()) / 1000);
  const created = opts.created ?? nowSec;
  const expires = opts.expires ?? created + 10;
  const nonce = opts.nonce ?? crypto.randomUUID();
  const keyId = opts.key?.keyId ?? fake.keyId;
  const privateKey = opts.key?.privateKey ?? fake.privateKey;

  const headers = {
    accept: opts.accept ?? 'application/json',
    'upvest-client-id': opts.clientId ?? fake.clientId,
    'upvest-api-version': '1',
  };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
  if (body.length) {
    headers['content-type'] = opts.contentType ?? 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
    headers['content-digest'] = `sha-512=:${crypto.createHash('sha512').update(body).digest('base64')}:`;
  }
  Object.assign(headers, opts.headers ?? {});

  const components = opts.components ?? [
    '@method',
    '@path',
    ...(query !== null ? ['@query'] : []),
    'accept',
    ...(headers.authorization ? ['authorization'] : []),
    ...(body.length ? ['content-type', 'content-length', 'content-digest'] : []),
    ...(headers['idempotency-key'] ? ['idempotency-key'] : []),
    'upvest-api-version',
    'upvest-client-id',
  ];
  const paramText = {
    keyid: `keyid="${keyId}"`,
    created: `created=${created}`,
    expires: `expires=${expires}`,
    nonce: `nonce="${nonce}"`,
    ...(opts.alg ? { alg: `alg="${opts.alg}"` } : {}),
  };
  const order = opts.paramOrder ?? Object.keys(paramText);
  const params = `(${components.map((c) => `"${c}"`).join(' ')})${order.map((k) => `;${paramText[k]}`).join('')}`;
  const value = (c) => {
    if (c === '@method') return method;
    if (c === '@path') return path;
    if (c === '@query') return `?${query}`;
    return headers[c];
  };
  let base = [...components.map((c) => `"${c}": ${value(c)}`), `"@signature-params": ${params}`].join('\n');
  if (opts.tamper) base = opts.tamper(base);
  const signature =
    privateKey.asymmetricKeyType === 'ed25519'
      ? crypto.sign(null, Buffer.from(base), privateKey)
      : crypto.sign('sha512', Buffer.from(base), { key: privateKey, dsaEncoding: 'der' });
  headers['signature-input'] = opts.signatureInput ?? `sig1=${params}`;
  headers.signature = opts.signatureHeader ?? `sig1=:${signature.toString('base64')}:`;
  const version = opts.signatureVersion === undefined ? '15' : opts.signatureVersion;
  if (version !== null) headers['upvest-signature-version'] = version;
  const url = `${fake.baseUrl}${path}${query !== null ? `?${query}` : ''}`;
  return { url, init: { method, headers, body: body.length ? body : undefined }, base, params };
}

/** Sends `buildSignedRequest(fake, opts)` with fetch; resolves `{ status, ok, headers, text, json }`. */
export async function signedFetch(fake, opts) {
  const { url, init } = buildSignedRequest(fake, opts);
  return readAnswer(await fetch(url, init));
}

/** Gets a token with the fake's credentials through a signed form POST. */
export async function fetchToken(fake, scopes = ['webhooks:read', 'webhooks:admin'], opts = {}) {
  const body = new URLSearchParams({
    client_id: fake.clientId,
    client_secret: opts.clientSecret ?? fake.clientSecret,
    grant_type: 'client_credentials',
    scope: scopes.join(' '),
  }).toString();
  const r = await signedFetch(fake, { method: 'POST', path: '/auth/token', body, contentType: 'application/x-www-form-urlencoded', ...opts });
  return r;
}
