// A fake Upvest Investment API (webhooks subset) on node:http, for tests of
// the `upvest-webhooks` API client, written so that it can grow into a
// standalone local emulator (see `node tests/js/support/fake-upvest.mjs`).
//
// Depends on nothing but Node ≥ 20 built-ins and shares no code with the
// package: every request's HTTP message signature (draft-15 form, as Upvest
// uses it for API calls; http-signatures.md §2–§4, §6) is rebuilt from the
// raw request and verified with node:crypto.
//
//   const fake = await startFakeUpvest();
//   fake.baseUrl, fake.clientId, fake.clientSecret, fake.keyId,
//   fake.privateKeyPem, fake.privateKeyJwk        // for the client under test
//   fake.state.webhooks                           // Map id → webhook
//   fake.requests                                 // every request received, with its verification result
//   fake.inject({ status: 503 })                  // fault injection (see `inject`)
//   await fake.close();
//
// Endpoints (webhooks-api.md §1): POST /auth/token, GET /auth/verify_keys,
// GET/POST /webhooks, GET/PATCH/DELETE /webhooks/{id}, POST /webhooks/{id}/test.
//
// Request pipeline, in order:
//   1. read the raw request (body ≤ 1 MiB → 413)
//   2. faults with `when: 'before'` (a gateway in front of the API)
//   3. signature (→ 401): `upvest-signature-version: 15` (uncovered), the
//      `sig1` member of `signature-input`/`signature`, covered components per
//      request kind, `content-digest`/`content-length` against the body,
//      created/expires window, replayed nonce, ECDSA P-521/SHA-512 (DER) or
//      Ed25519 over the rebuilt base
//   4. `accept` (→ 406), `upvest-api-version` (→ 400)
//   5. routing (→ 404/405); `POST /auth/token` handled here
//   6. bearer token (→ 401), scopes (→ 403)
//   7. `idempotency-key` on POST/PATCH (→ 400 when missing; a repeat
//      returns the stored first response; another request with the same key → 409)
//   8. the operation (validation → 400, unknown id → 404)
//   9. faults with `when: 'after'` (the operation has run; the response is lost)

import crypto from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

// ---------------------------------------------------------------------------
// Constants

export const SCOPES = Object.freeze(['webhooks:read', 'webhooks:admin']);

/** Subscription categories of OAS 1.9.0 (§2.1). The fake treats `type` as an open enum by default. */
export const WEBHOOK_TYPES = Object.freeze([
  'ALL', 'USER', 'USER_CHECK', 'ORDER', 'ORDER_CANCELLATION', 'EXECUTION', 'POSITION', 'CASH_BALANCE',
  'ACCOUNT', 'ACCOUNT_GROUP', 'REPORT', 'TREASURY_REPORT', 'DIRECT_DEBIT', 'WITHDRAWAL', 'PORTFOLIO',
  'PORTFOLIO_ALLOCATION', 'PORTFOLIO_ORDER', 'CORPORATE_ACTION', 'ACCOUNT_VALUATION',
  'INTRADAY_ACCOUNT_VALUATION', 'CASH_TRANSACTION', 'SECURITY_TRANSACTION', 'ACCOUNT_LIQUIDATION',
  'ACCOUNT_RETURNS', 'VIRTUAL_CASH_INCREASE', 'VIRTUAL_CASH_DECREASE', 'FEE_COLLECTION',
]);

export const SORT_FIELDS = Object.freeze(['created_at', 'updated_at', 'title', 'url', 'enabled']);
export const ORDERS = Object.freeze(['ASC', 'DESC']);
const MAX_BODY_BYTES = 1024 * 1024;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DELAY_RE = /^[1-9][0-9]?[sm]$/;
const ERROR_DOCS = 'https://docs.upvest.co/errors/';

const TITLES = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 409: 'Conflict', 413: 'Payload Too Large', 422: 'Unprocessable Entity',
  429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
const CODES = {
  400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed',
  406: 'not_acceptable', 409: 'conflict', 413: 'payload_too_large', 422: 'unprocessable_entity',
  429: 'too_many_requests', 500: 'internal_server_error', 502: 'bad_gateway', 503: 'service_unavailable',
  504: 'gateway_timeout',
};

// ---------------------------------------------------------------------------
// RFC 8941 structured fields: just enough of a careful parser for
// `signature-input` and `signature` dictionaries. Every member keeps the exact
// text of its value (inner list and parameters), which is what
// `@signature-params` must repeat byte for byte.

export class StructuredFieldError extends Error {}

const KEY_FIRST = /[a-z*]/;
const KEY_CHAR = /[a-z0-9_\-.*]/;
const TOKEN_FIRST = /[A-Za-z*]/;
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z:/]/;

class SfParser {
  constructor(text) {
    this.s = text;
    this.i = 0;
  }
  fail(what) {
    throw new StructuredFieldError(`${what} at offset ${this.i} of ${JSON.stringify(this.s.slice(0, 200))}`);
  }
  peek() {
    return this.s[this.i];
  }
  eof() {
    return this.i >= this.s.length;
  }
  skipSP() {
    while (this.s[this.i] === ' ') this.i += 1;
  }
  skipOWS() {
    while (this.s[this.i] === ' ' || this.s[this.i] === '\t') this.i += 1;
  }
  key() {
    if (!KEY_FIRST.test(this.peek() ?? '')) this.fail('expected a key');
    const start = this.i;
    while (!this.eof() && KEY_CHAR.test(this.peek())) this.i += 1;
    return this.s.slice(start, this.i);
  }
  bareItem() {
    const c = this.peek();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    if (c === '"') return this.string();
    if (c === ':') return this.byteSequence();
    if (c === '?') return this.boolean();
    if (c !== undefined && TOKEN_FIRST.test(c)) return this.token();
    return this.fail('expected a bare item');
  }
  number() {
    const start = this.i;
    if (this.peek() === '-') this.i += 1;
    if (!/[0-9]/.test(this.peek() ?? '')) this.fail('expected a digit');
    while (!this.eof() && /[0-9.]/.test(this.peek())) this.i += 1;
    const text = this.s.slice(start, this.i);
    if (/^-?[0-9]{1,15}$/.test(text)) return { type: 'integer', value: Number(text) };
    if (/^-?[0-9]{1,12}\.[0-9]{1,3}$/.test(text)) return { type: 'decimal', value: Number(text) };
    return this.fail(`invalid number ${JSON.stringify(text)}`);
  }
  string() {
    this.i += 1; // opening quote
    let out = '';
    for (;;) {
      if (this.eof()) this.fail('unterminated string');
      const c = this.s[this.i];
      this.i += 1;
      if (c === '\\') {
        const next = this.s[this.i];
        if (next !== '"' && next !== '\\') this.fail('invalid escape in string');
        out += next;
        this.i += 1;
      } else if (c === '"') {
        return { type: 'string', value: out };
      } else {
        const code = c.charCodeAt(0);
        if (code < 0x20 || code > 0x7e) this.fail('invalid character in string');
        out += c;
      }
    }
  }
  token() {
    const start = this.i;
    this.i += 1;
    while (!this.eof() && TOKEN_CHAR.test(this.peek())) this.i += 1;
    return { type: 'token', value: this.s.slice(start, this.i) };
  }
  byteSequence() {
    this.i += 1;
    const end = this.s.indexOf(':', this.i);
    if (end < 0) this.fail('unterminated byte sequence');
    const text = this.s.slice(this.i, end);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) this.fail('invalid base64 in byte sequence');
    const bytes = Buffer.from(text, 'base64');
    if (bytes.toString('base64') !== text) this.fail('non-canonical base64 in byte sequence');
    this.i = end + 1;
    return { type: 'bytes', value: bytes, text };
  }
  boolean() {
    this.i += 1;
    const c = this.peek();
    if (c !== '0' && c !== '1') this.fail('invalid boolean');
    this.i += 1;
    return { type: 'boolean', value: c === '1' };
  }
  parameters() {
    const params = [];
    while (this.peek() === ';') {
      this.i += 1;
      this.skipSP();
      const key = this.key();
      let value = { type: 'boolean', value: true };
      if (this.peek() === '=') {
        this.i += 1;
        value = this.bareItem();
      }
      params.push([key, value]);
    }
    return params;
  }
  innerList() {
    this.i += 1; // "("
    const items = [];
    for (;;) {
      this.skipSP();
      if (this.peek() === ')') {
        this.i += 1;
        return { type: 'inner-list', items, params: this.parameters() };
      }
      const item = this.bareItem();
      items.push({ ...item, params: this.parameters() });
      const c = this.peek();
      if (c !== ' ' && c !== ')') this.fail('expected SP or ")" in inner list');
    }
  }
  dictionary() {
    const members = new Map();
    this.skipSP();
    if (this.eof()) return members;
    for (;;) {
      const key = this.key();
      let member;
      const valueStart = this.i + 1;
      if (this.peek() === '=') {
        this.i += 1;
        member = this.peek() === '(' ? this.innerList() : { ...this.bareItem(), params: this.parameters() };
        member.raw = this.s.slice(valueStart, this.i);
      } else {
        member = { type: 'boolean', value: true, params: this.parameters(), raw: null };
      }
      if (members.has(key)) throw new StructuredFieldError(`duplicate dictionary member ${JSON.stringify(key)}`);
      members.set(key, member);
      this.skipOWS();
      if (this.eof()) return members;
      if (this.peek() !== ',') this.fail('expected "," between dictionary members');
      this.i += 1;
      this.skipOWS();
      if (this.eof()) this.fail('trailing comma');
    }
  }
}

/**
 * Parses an RFC 8941 dictionary. Returns a Map of member name →
 * `{ type, value | items, params: [[key, bareItem]…], raw }` where `raw` is
 * the exact text after `name=`.
 */
export function parseDictionary(text) {
  const parser = new SfParser(text.replace(/^ +| +$/g, ''));
  return parser.dictionary();
}

// ---------------------------------------------------------------------------
// Keys

/** A fresh tenant key pair: `type` is `'p521'` (ECDSA P-521) or `'ed25519'`. */
export function generateTenantKey(type = 'p521', keyId = crypto.randomUUID()) {
  const { privateKey, publicKey } =
    type === 'ed25519' ? crypto.generateKeyPairSync('ed25519') : crypto.generateKeyPairSync('ec', { namedCurve: 'P-521' });
  return {
    keyId,
    type,
    privateKey,
    publicKey,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    privateKeyJwk: privateKey.export({ format: 'jwk' }),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }),
  };
}

function toPublicKey(input) {
  if (input instanceof crypto.KeyObject) return input.type === 'private' ? crypto.createPublicKey(input) : input;
  if (typeof input === 'string') return crypto.createPublicKey(input);
  if (input && typeof input === 'object') {
    const { d, ...pub } = input; // accept a private JWK too; only its public part is kept
    return crypto.createPublicKey({ key: pub, format: 'jwk' });
  }
  throw new TypeError('public key must be a KeyObject, a PEM string or a JWK');
}

function keyKind(publicKey) {
  if (publicKey.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (publicKey.asymmetricKeyType === 'ec' && publicKey.asymmetricKeyDetails?.namedCurve === 'secp521r1') return 'ecdsa-p521-sha512';
  throw new TypeError(`unsupported tenant key ${publicKey.asymmetricKeyType} ${publicKey.asymmetricKeyDetails?.namedCurve ?? ''}`);
}

/** Upvest's own webhook signing key (P-521), published at GET /auth/verify_keys. */
function generateUpvestKey(kid = crypto.randomUUID()) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-521' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  return { kid, privateKey, publicKey, publicJwk: { kid, kty, crv, x, y } };
}

// ---------------------------------------------------------------------------
// Small helpers

const sha512b64 = (bytes) => crypto.createHash('sha512').update(bytes).digest('base64');
const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const codePoints = (s) => [...s].length;

class HttpProblem extends Error {
  constructor(status, code, detail, extra = {}) {
    super(detail ?? code);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.extra = extra;
  }
}
const problem = (status, code, detail, extra) => new HttpProblem(status, code, detail, extra);

/** Header values by lowercase name, repeats joined with ", " (RFC 9421 §2.1), from node's rawHeaders. */
function collectHeaders(rawHeaders) {
  const map = new Map();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1].trim();
    map.set(name, map.has(name) ? `${map.get(name)}, ${value}` : value);
  }
  return map;
}

function splitTarget(rawUrl) {
  let target = rawUrl;
  if (!target.startsWith('/')) {
    // absolute-form: keep path and query as sent
    const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(target);
    target = m ? m[1] || '/' : target;
  }
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: null } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

/** A manual clock for tests: `clock.now()` in ms, `clock.advance(ms)`. */
export function manualClock(startMs = Date.now()) {
  let t = startMs;
  return {
    now: () => t,
    set: (ms) => {
      t = ms;
    },
    advance: (ms) => {
      t += ms;
      return t;
    },
  };
}

// ---------------------------------------------------------------------------
// Signature verification (draft-15 base, http-signatures.md §2.1, §3, §4, §6)

const DERIVED = new Set(['@method', '@path', '@query', '@authority']);
const NEVER_COVERED = new Set(['upvest-signature-version', 'signature', 'signature-input']);

/**
 * Verifies the v15 signature of a raw request. Returns the details on
 * success; throws an HttpProblem(401) on failure.
 *
 * `req`: `{ method, path, query (string|null), headers: Map, body: Buffer }`.
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
  const required = ['@method', '@path', 'accept', 'upvest-client-id'];
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
    if (!sha512 || sha512.type !== 'bytes') throw bad('content-digest has no sha-512 byte sequence');
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

// ---------------------------------------------------------------------------
// Webhook validation (OAS 1.9.0 "Webhook - Create/Update - Request")

function validateWebhookBody(body, { create, strictTypes }) {
  const fail = (field, detail) => problem(400, 'bad_request', `${field}: ${detail}`, { field });
  if (!isPlainObject(body)) throw fail('body', 'must be a JSON object');
  // exclude_type: documented by Upvest (webhooks-api.md §1.4), not in OAS 1.9.0; accepted as an array of event types.
  const allowed = create ? ['title', 'url', 'type', 'config', 'exclude_type'] : ['title', 'url', 'enabled', 'type', 'config', 'exclude_type'];
  for (const key of Object.keys(body)) if (!allowed.includes(key)) throw fail(key, 'unknown field (additionalProperties: false)');
  if (create) for (const key of ['title', 'url']) if (!(key in body)) throw fail(key, 'is required');
  if ('title' in body) {
    if (typeof body.title !== 'string') throw fail('title', 'must be a string');
    if (codePoints(body.title) > 100) throw fail('title', 'longer than 100 characters');
  }
  if ('url' in body) {
    if (typeof body.url !== 'string') throw fail('url', 'must be a string');
    if (codePoints(body.url) > 1000) throw fail('url', 'longer than 1000 characters');
    let url;
    try {
      url = new URL(body.url);
    } catch {
      throw fail('url', 'is not a URL');
    }
    if (url.protocol !== 'https:') throw fail('url', 'must use https');
    if (/^\[.*\]$/.test(url.hostname) || /^[0-9.]+$/.test(url.hostname)) throw fail('url', 'host must be a DNS name, not an IP address');
  }
  if ('enabled' in body && typeof body.enabled !== 'boolean') throw fail('enabled', 'must be a boolean');
  if ('type' in body) {
    if (!Array.isArray(body.type) || body.type.length === 0) throw fail('type', 'must be a non-empty array');
    for (const t of body.type) {
      if (typeof t !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(t)) throw fail('type', `invalid category ${JSON.stringify(t)}`);
      if (strictTypes && !WEBHOOK_TYPES.includes(t)) throw fail('type', `unknown category ${t}`);
    }
  }
  if ('exclude_type' in body) {
    if (!Array.isArray(body.exclude_type) || body.exclude_type.some((t) => typeof t !== 'string' || !/^[A-Z][A-Z0-9_]*\.[A-Z][A-Z0-9_]*$/.test(t))) {
      throw fail('exclude_type', 'must be an array of event types like ORDER.NEW');
    }
  }
  if ('config' in body) {
    const c = body.config;
    if (!isPlainObject(c)) throw fail('config', 'must be an object');
    if ('delay' in c && (typeof c.delay !== 'string' || !DELAY_RE.test(c.delay))) throw fail('config.delay', 'must match ^[1-9][0-9]?[sm]$');
    if ('max_package_size' in c) {
      const n = c.max_package_size;
      if (!Number.isInteger(n)) throw fail('config.max_package_size', 'must be an integer');
      if (n < 100 || n > 1048576) throw fail('config.max_package_size', 'must be between 100 and 1048576');
    }
  }
}

function parseListQuery(query) {
  const params = new URLSearchParams(query ?? '');
  const out = { limit: 100, offset: 0, sort: 'created_at', order: 'ASC' };
  const seen = new Set();
  for (const [key, value] of params) {
    if (seen.has(key)) throw problem(400, 'bad_request', `query parameter ${key} given twice`);
    seen.add(key);
    if (key === 'limit' || key === 'offset') {
      if (value === '') continue; // allowEmptyValue
      if (!/^[0-9]+$/.test(value)) throw problem(400, 'bad_request', `${key} must be a non-negative integer`);
      const n = Number(value);
      if (key === 'limit' && n > 1000) throw problem(400, 'bad_request', 'limit must be at most 1000');
      if (n > 2 ** 31 - 1) throw problem(400, 'bad_request', `${key} is out of range`);
      out[key] = n;
    } else if (key === 'sort') {
      if (!SORT_FIELDS.includes(value)) throw problem(400, 'bad_request', `sort must be one of ${SORT_FIELDS.join(', ')}`);
      out.sort = value;
    } else if (key === 'order') {
      if (!ORDERS.includes(value)) throw problem(400, 'bad_request', 'order must be ASC or DESC');
      out.order = value;
    } else {
      throw problem(400, 'bad_request', `unknown query parameter ${key}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// The server

/**
 * Starts the fake API on 127.0.0.1 (port 0 unless `port` is given).
 *
 * Options (all optional):
 * - `clientId`, `clientSecret`: tenant credentials (default: random).
 * - `keyType`: `'p521'` (default) or `'ed25519'`: the tenant key generated for you.
 * - `keys`: extra tenant public keys, `[{ keyId, publicKey }]` (KeyObject, PEM or JWK).
 * - `allowedScopes`: scopes the tenant may request (default both webhook scopes).
 * - `tokenExpiresIn`: seconds (default 1799).
 * - `now`: server clock in ms (default `Date.now`), for tokens, timestamps and the signature window.
 * - `toleranceSeconds`: signature `created` window (default 300).
 * - `rejectReplayedNonces`: reject a (keyid, nonce) seen before (default true).
 * - `strictTypes`: reject categories outside the OAS 1.9.0 enum (default false: open enum).
 * - `defaultConfig`: config of a webhook created without one (default `{ delay: '5s', max_package_size: 10240 }`).
 * - `verificationKeyCount`: Upvest signing keys published at /auth/verify_keys (default 1).
 * - `onResponse(entry)`: called with each log entry once it is answered (or faulted).
 * - `host`, `port`.
 */
export async function startFakeUpvest(options = {}) {
  const now = options.now ?? Date.now;
  const nowSeconds = () => Math.floor(now() / 1000);
  const clientId = options.clientId ?? crypto.randomUUID();
  const clientSecret = options.clientSecret ?? `secret-${crypto.randomBytes(24).toString('base64url')}`;
  const allowedScopes = new Set(options.allowedScopes ?? SCOPES);
  const toleranceSeconds = options.toleranceSeconds ?? 300;
  const rejectReplayedNonces = options.rejectReplayedNonces ?? true;
  const defaultConfig = options.defaultConfig ?? { delay: '5s', max_package_size: 10240 };

  const tenantKey = generateTenantKey(options.keyType ?? 'p521');
  /** keyId → { publicKey, kind } */
  const keys = new Map();
  const registerKey = (publicKeyLike, keyId = crypto.randomUUID()) => {
    const publicKey = toPublicKey(publicKeyLike);
    keys.set(keyId, { publicKey, kind: keyKind(publicKey) });
    return keyId;
  };
  registerKey(tenantKey.publicKey, tenantKey.keyId);
  for (const { keyId, publicKey } of options.keys ?? []) registerKey(publicKey, keyId);

  const state = {
    /** id → webhook (insertion order = creation order) */
    webhooks: new Map(),
    /** access token → { clientId, scopes: string[], expiresAt (ms), revoked } */
    tokens: new Map(),
    /** `${clientId} ${key}` → { fingerprint, response } */
    idempotency: new Map(),
    /** `${keyid} ${nonce}` → created */
    nonces: new Map(),
    /** Upvest's webhook signing keys (the private halves sign deliveries) */
    verificationKeys: Array.from({ length: options.verificationKeyCount ?? 1 }, () => generateUpvestKey()),
    /** signed deliveries produced by POST /webhooks/{id}/test: `{ webhookId, delivery }` */
    testDeliveries: [],
    /** number of token grants */
    tokensIssued: 0,
  };
  const seq = { webhook: 0, request: 0 };
  /** every request received, in arrival order */
  const requests = [];
  const faults = [];
  const sockets = new Set();
  const hanging = new Set();

  // -- responses ------------------------------------------------------------

  function problemResponse(requestId, err) {
    const body = {
      type: `${ERROR_DOCS}${err.code}`,
      status: err.status,
      title: err.title ?? TITLES[err.status] ?? 'Error',
      ...(err.detail ? { detail: err.detail } : {}),
      ...(err.extra?.instance ? { instance: err.extra.instance } : {}),
      request_id: requestId,
    };
    const headers = { 'content-type': 'application/problem+json' };
    if (err.extra?.retryAfter !== undefined) headers['retry-after'] = String(err.extra.retryAfter);
    return { status: err.status, headers, body: JSON.stringify(body) };
  }
  const json = (status, value) => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
  const empty = (status) => ({ status, headers: {}, body: '' });

  function send(res, requestId, response) {
    const headers = { ...response.headers };
    if (!('upvest-request-id' in headers) && !response.noRequestId) headers['upvest-request-id'] = requestId;
    const body = Buffer.from(response.body ?? '');
    if (response.status !== 204) headers['content-length'] = String(body.length);
    res.writeHead(response.status, headers);
    res.end(response.status === 204 ? undefined : body);
  }

  // -- faults ---------------------------------------------------------------

  function matches(fault, req) {
    if (fault.remaining <= 0) return false;
    if (fault.method && fault.method.toUpperCase() !== req.method) return false;
    const isToken = req.path === '/auth/token';
    if (fault.path === undefined) {
      if (isToken && !fault.includeTokenRequests) return false;
    } else if (fault.path instanceof RegExp) {
      if (!fault.path.test(req.path)) return false;
    } else if (typeof fault.path === 'function') {
      if (!fault.path(req.path, req)) return false;
    } else if (fault.path !== req.path) {
      return false;
    }
    return true;
  }

  function takeFault(req, when) {
    const fault = faults.find((f) => f.when === when && matches(f, req));
    if (!fault) return null;
    fault.remaining -= 1;
    fault.hits += 1;
    return fault;
  }

  function applyFault(fault, res, entry, realResponse) {
    entry.fault = fault.kind;
    const socket = res.socket;
    switch (fault.kind) {
      case 'status': {
        const err = problem(fault.status, CODES[fault.status] ?? 'error', fault.detail ?? `injected ${fault.status}`, {
          retryAfter: fault.retryAfter,
          instance: fault.instance,
        });
        const response = fault.body !== undefined
          ? { status: fault.status, headers: { 'content-type': fault.contentType ?? 'application/problem+json', ...(fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {}) }, body: typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body) }
          : problemResponse(entry.requestId, err);
        Object.assign(response.headers, fault.headers ?? {});
        entry.status = response.status;
        entry.response = response;
        send(res, entry.requestId, response);
        return;
      }
      case 'html': {
        const status = fault.status ?? 502;
        const html = fault.body ?? `<html>\r\n<head><title>${status} ${TITLES[status] ?? ''}</title></head>\r\n<body>\r\n<center><h1>${status} ${TITLES[status] ?? ''}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
        const response = { status, headers: { 'content-type': 'text/html', ...(fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {}), ...(fault.headers ?? {}) }, body: html, noRequestId: true };
        entry.status = status;
        entry.response = response;
        send(res, entry.requestId, response);
        return;
      }
      case 'drop':
        entry.status = 'dropped';
        socket.destroy();
        return;
      case 'hang':
        entry.status = 'hung';
        hanging.add(socket);
        socket.once('close', () => hanging.delete(socket));
        return;
      case 'partial': {
        const response = realResponse ?? json(200, { data: 'x'.repeat(64) });
        const body = Buffer.from(response.body || '{"partial":true}');
        const headers = { ...response.headers, 'upvest-request-id': entry.requestId, 'content-length': String(body.length) };
        entry.status = 'partial';
        res.writeHead(response.status === 204 ? 200 : response.status, headers);
        res.write(body.subarray(0, Math.max(1, Math.floor(body.length / 2))), () => setImmediate(() => socket.destroy()));
        return;
      }
      case 'delay':
        entry.status = 'delayed';
        setTimeout(() => {
          entry.status = realResponse.status;
          if (!socket.destroyed) send(res, entry.requestId, realResponse);
        }, fault.delayMs ?? 0);
        return;
      default:
        throw new Error(`unknown fault kind ${fault.kind}`);
    }
  }

  /**
   * Injects a fault for the next `times` matching requests (default 1;
   * `Infinity` for a storm). Returns the fault record (`hits`, `remaining`).
   *
   * - `kind`: `'status'` (default when `status` is set: a problem+json
   *   error, or `body`/`contentType` as given; `retryAfter` adds
   *   Retry-After), `'html'` (a proxy's HTML page, default 502, no
   *   upvest-request-id), `'drop'` (destroy the socket, nothing written),
   *   `'hang'` (never answer), `'partial'` (headers and half the body, then
   *   destroy), `'delay'` (answer normally after `delayMs`; only `when: 'after'`).
   * - `when`: `'before'` the request reaches the API (default), or `'after'`
   *   it was processed (the operation has taken effect and its response is
   *   what gets lost or delayed; default for `partial` and `delay`).
   * - `method`, `path` (string, RegExp or function): which requests match.
   *   By default every request except `POST /auth/token`
   *   (`includeTokenRequests: true` to include it).
   */
  function inject(spec) {
    const kind = spec.kind ?? (spec.status !== undefined ? 'status' : undefined);
    if (!kind) throw new TypeError('inject: give a kind or a status');
    const fault = {
      ...spec,
      kind,
      when: spec.when ?? (kind === 'partial' || kind === 'delay' ? 'after' : 'before'),
      remaining: spec.times ?? 1,
      hits: 0,
    };
    if (fault.kind === 'delay' && fault.when !== 'after') throw new TypeError("inject: 'delay' needs when: 'after'");
    faults.push(fault);
    return fault;
  }

  // -- operations -----------------------------------------------------------

  const iso = () => new Date(now()).toISOString();

  function requireScope(token, write) {
    const ok = write ? token.scopes.includes('webhooks:admin') : token.scopes.some((s) => s === 'webhooks:read' || s === 'webhooks:admin');
    if (!ok) throw problem(403, 'forbidden', `the token lacks the ${write ? 'webhooks:admin' : 'webhooks:read or webhooks:admin'} scope`);
  }

  function parseJsonBody(req) {
    const type = (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw problem(400, 'bad_request', 'content-type must be application/json');
    try {
      return JSON.parse(req.body.toString('utf8'));
    } catch {
      throw problem(400, 'bad_request', 'the body is not valid JSON');
    }
  }

  function findWebhook(id) {
    if (!UUID_RE.test(id)) throw problem(400, 'bad_request', 'webhook_id must be a UUID');
    const hook = state.webhooks.get(id.toLowerCase());
    if (!hook) throw problem(404, 'not_found', `webhook ${id} not found`);
    return hook;
  }

  const strip = (hook) => {
    const { _seq, ...rest } = hook;
    return structuredClone(rest);
  };

  function issueToken(req) {
    const type = (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') throw problem(400, 'bad_request', 'content-type must be application/x-www-form-urlencoded');
    const form = new URLSearchParams(req.body.toString('utf8'));
    for (const field of ['client_id', 'client_secret', 'grant_type', 'scope']) {
      if (!form.has(field)) throw problem(400, 'bad_request', `${field} is required`);
    }
    if (form.get('grant_type') !== 'client_credentials') throw problem(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
      throw problem(401, 'invalid_client', 'invalid client credentials');
    }
    if (form.get('client_id') !== req.headers.get('upvest-client-id')) throw problem(401, 'invalid_client', 'client_id differs from upvest-client-id');
    const scopes = form.get('scope').split(' ').filter(Boolean);
    if (scopes.length === 0) throw problem(400, 'invalid_scope', 'scope is empty');
    for (const scope of scopes) if (!allowedScopes.has(scope)) throw problem(400, 'invalid_scope', `scope ${scope} is not allowed for this client`);
    const expiresIn = options.tokenExpiresIn ?? 1799;
    const accessToken = `fake_at_${crypto.randomBytes(32).toString('base64url')}.${crypto.randomBytes(8).toString('base64url')}`;
    state.tokens.set(accessToken, { clientId, scopes, expiresAt: now() + expiresIn * 1000, revoked: false });
    state.tokensIssued += 1;
    return json(200, { access_token: accessToken, expires_in: expiresIn, token_type: 'bearer', scope: scopes.join(' ') });
  }

  function authenticate(req) {
    const header = req.headers.get('authorization');
    const m = /^Bearer ([a-zA-Z0-9\-._~+/]+=*)$/.exec(header ?? '');
    if (!m) throw problem(401, 'unauthorized', header === undefined ? 'missing bearer token' : 'malformed authorization header');
    const token = state.tokens.get(m[1]);
    if (!token) throw problem(401, 'unauthorized', 'unknown access token');
    if (token.revoked) throw problem(401, 'unauthorized', 'the access token was revoked');
    if (now() >= token.expiresAt) throw problem(401, 'unauthorized', 'the access token expired');
    return token;
  }

  function createWebhook(body) {
    validateWebhookBody(body, { create: true, strictTypes: options.strictTypes });
    const at = iso();
    const hook = {
      id: crypto.randomUUID(),
      created_at: at,
      updated_at: at,
      title: body.title,
      url: body.url,
      enabled: false,
      type: body.type ? [...body.type] : ['ALL'],
      config: { ...defaultConfig, ...(body.config ?? {}) },
      _seq: (seq.webhook += 1),
    };
    hook.config = { delay: hook.config.delay, max_package_size: hook.config.max_package_size };
    if (body.exclude_type) hook.exclude_type = [...body.exclude_type];
    state.webhooks.set(hook.id, hook);
    return json(201, strip(hook));
  }

  function updateWebhook(hook, body) {
    validateWebhookBody(body, { create: false, strictTypes: options.strictTypes });
    for (const key of ['title', 'url', 'enabled']) if (key in body) hook[key] = body[key];
    if ('type' in body) hook.type = [...body.type];
    if ('exclude_type' in body) hook.exclude_type = [...body.exclude_type];
    if ('config' in body) {
      if ('delay' in body.config) hook.config.delay = body.config.delay;
      if ('max_package_size' in body.config) hook.config.max_package_size = body.config.max_package_size;
    }
    hook.updated_at = iso();
    return json(200, strip(hook));
  }

  function listWebhooks(query) {
    const q = parseListQuery(query);
    const dir = q.order === 'DESC' ? -1 : 1;
    const all = [...state.webhooks.values()].sort((a, b) => {
      const x = a[q.sort];
      const y = b[q.sort];
      const c = x === y ? 0 : x < y ? -1 : 1;
      return (c || a._seq - b._seq) * dir;
    });
    const data = all.slice(q.offset, q.offset + q.limit).map(strip);
    return json(200, {
      meta: { offset: q.offset, limit: q.limit, count: data.length, total_count: all.length, sort: q.sort, order: q.order },
      data,
    });
  }

  function testWebhook(hook) {
    const event = {
      id: crypto.randomUUID(),
      created_at: iso(),
      type: 'USER.CREATED',
      object: { id: crypto.randomUUID(), test: true },
      webhook_id: hook.id,
    };
    state.testDeliveries.push({ webhookId: hook.id, delivery: signDelivery({ url: hook.url, events: [event] }) });
    return empty(202);
  }

  function route(req) {
    const { method, path } = req;
    if (path === '/auth/verify_keys') {
      if (method !== 'GET') throw problem(405, 'method_not_allowed', `${method} ${path} is not allowed`);
      return { scope: 'read', run: () => json(200, { keys: state.verificationKeys.map((k) => ({ ...k.publicJwk })) }) };
    }
    if (path === '/webhooks') {
      if (method === 'GET') return { scope: 'read', run: () => listWebhooks(req.query) };
      if (method === 'POST') return { scope: 'write', run: () => createWebhook(parseJsonBody(req)) };
      throw problem(405, 'method_not_allowed', `${method} ${path} is not allowed`);
    }
    let m = /^\/webhooks\/([^/]+)$/.exec(path);
    if (m) {
      const id = decodeURIComponent(m[1]);
      if (method === 'GET') return { scope: 'read', run: () => json(200, strip(findWebhook(id))) };
      if (method === 'PATCH') {
        return {
          scope: 'write',
          run: () => {
            const hook = findWebhook(id);
            return updateWebhook(hook, parseJsonBody(req));
          },
        };
      }
      if (method === 'DELETE') {
        return {
          scope: 'write',
          run: () => {
            const hook = findWebhook(id);
            state.webhooks.delete(hook.id);
            return empty(204);
          },
        };
      }
      throw problem(405, 'method_not_allowed', `${method} ${path} is not allowed`);
    }
    m = /^\/webhooks\/([^/]+)\/test$/.exec(path);
    if (m) {
      if (method !== 'POST') throw problem(405, 'method_not_allowed', `${method} ${path} is not allowed`);
      const id = decodeURIComponent(m[1]);
      return { scope: 'write', run: () => testWebhook(findWebhook(id)) };
    }
    throw problem(404, 'not_found', `no route for ${path}`);
  }

  /** Runs steps 3–8 of the pipeline; returns a response (never throws). */
  function handle(req, entry) {
    try {
      const isTokenRequest = req.method === 'POST' && req.path === '/auth/token';
      entry.signature = { verified: false };
      try {
        entry.signature = verifyRequestSignature(req, { keys, clientId, nowSeconds: nowSeconds(), toleranceSeconds, isTokenRequest });
      } catch (err) {
        if (err instanceof HttpProblem) entry.signature = { verified: false, error: err.detail, ...err.extra.signature };
        throw err;
      }
      if (rejectReplayedNonces) {
        const nonceKey = `${entry.signature.keyId} ${entry.signature.nonce}`;
        const horizon = nowSeconds() - 2 * toleranceSeconds;
        for (const [k, created] of state.nonces) if (created < horizon) state.nonces.delete(k);
        if (state.nonces.has(nonceKey)) {
          entry.signature.verified = false;
          entry.signature.error = 'replayed nonce';
          throw problem(401, 'invalid_signature', `nonce ${JSON.stringify(entry.signature.nonce)} was already used`);
        }
        state.nonces.set(nonceKey, entry.signature.created);
      }

      const accept = req.headers.get('accept');
      const mediaTypes = (accept ?? '').split(',').map((s) => s.split(';')[0].trim().toLowerCase());
      if (accept === undefined || !mediaTypes.includes('application/json')) {
        throw problem(406, 'not_acceptable', `unsupported accept ${JSON.stringify(accept ?? null)}; only application/json`);
      }
      const apiVersion = req.headers.get('upvest-api-version');
      if (apiVersion !== undefined && apiVersion !== '1') throw problem(400, 'bad_request', `unsupported upvest-api-version ${apiVersion}`);

      if (isTokenRequest) return issueToken(req);
      if (req.path === '/auth/token') throw problem(405, 'method_not_allowed', `${req.method} /auth/token is not allowed`);

      const token = authenticate(req);
      entry.scopes = token.scopes;
      const handler = route(req);
      requireScope(token, handler.scope === 'write');

      if (req.method === 'POST' || req.method === 'PATCH') {
        const key = req.headers.get('idempotency-key');
        if (key === undefined) {
          throw Object.assign(problem(400, 'missing_idempotency_key', 'POST and PATCH need an idempotency-key header'), { title: 'Missing idempotency key' });
        }
        if (key.length === 0 || key.length > 255) throw problem(400, 'bad_request', 'invalid idempotency-key');
        const fingerprint = `${req.method} ${req.path} ${sha512b64(req.body)}`;
        const stored = state.idempotency.get(`${clientId} ${key}`);
        if (stored) {
          if (stored.fingerprint !== fingerprint) {
            throw problem(409, 'idempotency_key_reused', 'the idempotency-key was used for a different request');
          }
          entry.replayed = true;
          return { ...stored.response, headers: { ...stored.response.headers, 'idempotency-replayed': 'true' } };
        }
        let response;
        try {
          response = handler.run();
        } catch (err) {
          if (!(err instanceof HttpProblem)) throw err;
          response = problemResponse(entry.requestId, err);
        }
        state.idempotency.set(`${clientId} ${key}`, { fingerprint, response: { ...response, headers: { ...response.headers, 'upvest-request-id': entry.requestId } } });
        return response;
      }
      return handler.run();
    } catch (err) {
      if (err instanceof HttpProblem) return problemResponse(entry.requestId, err);
      entry.internalError = err;
      return problemResponse(entry.requestId, problem(500, 'internal_server_error', 'the fake server failed'));
    }
  }

  // -- HTTP -----------------------------------------------------------------

  const server = createServer(async (nodeReq, res) => {
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    try {
      for await (const chunk of nodeReq) {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) tooLarge = true;
        else chunks.push(chunk);
      }
    } catch {
      return; // the client went away
    }
    const { path, query } = splitTarget(nodeReq.url);
    const headers = collectHeaders(nodeReq.rawHeaders);
    const req = { method: nodeReq.method, path, query, headers, body: Buffer.concat(chunks) };
    const requestId = crypto.randomUUID();
    const entry = {
      seq: (seq.request += 1),
      requestId,
      at: now(),
      method: req.method,
      path,
      query,
      url: nodeReq.url,
      headers: Object.fromEntries(headers),
      body: req.body.toString('utf8'),
      idempotencyKey: headers.get('idempotency-key'),
      signature: null,
      status: null,
      fault: null,
      replayed: false,
    };
    requests.push(entry);

    if (tooLarge) {
      entry.status = 413;
      send(res, requestId, problemResponse(requestId, problem(413, 'payload_too_large', `the body exceeds ${MAX_BODY_BYTES} bytes`)));
      return;
    }

    const before = takeFault(req, 'before');
    if (before) {
      // a gateway answers; record what the API would have thought of the signature
      try {
        entry.signature = verifyRequestSignature(req, {
          keys, clientId, nowSeconds: nowSeconds(), toleranceSeconds, isTokenRequest: req.method === 'POST' && path === '/auth/token',
        });
      } catch (err) {
        entry.signature = { verified: false, error: err.detail ?? err.message, ...(err.extra?.signature ?? {}) };
      }
      applyFault(before, res, entry, null);
      options.onResponse?.(entry);
      return;
    }

    const response = handle(req, entry);
    entry.status = response.status;
    entry.response = response;
    const after = takeFault(req, 'after');
    if (after) applyFault(after, res, entry, response);
    else send(res, requestId, response);
    options.onResponse?.(entry);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address();
  const baseUrl = `http://${address}:${port}`;

  // -- deliveries -------------------------------------------------------------

  /**
   * Signs a webhook delivery as Upvest does (v6 base with unquoted names,
   * `digest: SHA-256=…` covered, ECDSA P-521/SHA-512, DER), with one of the
   * keys published at /auth/verify_keys (`keyIndex`, default the first) or
   * any `privateKey` + `kid`.
   */
  function signDelivery({ url, events, body, keyIndex = 0, privateKey, kid, created = nowSeconds(), expires = created + 60, nonce = crypto.randomBytes(8).toString('hex') }) {
    const key = privateKey ? { privateKey, kid } : state.verificationKeys[keyIndex];
    const raw = body ?? JSON.stringify({ payload: events ?? [] });
    const target = new URL(url);
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(raw)),
      digest: `SHA-256=${crypto.createHash('sha256').update(raw).digest('base64')}`,
    };
    const components = ['@method', '@path', ...(target.search ? ['@query'] : []), 'content-length', 'content-type', 'digest'];
    const params = `(${components.map((c) => `"${c}"`).join(' ')});keyid="${key.kid}";created=${created};expires=${expires};nonce="${nonce}"`;
    const value = (c) => (c === '@method' ? 'POST' : c === '@path' ? target.pathname : c === '@query' ? target.search : headers[c]);
    const base = [...components.map((c) => `${c}: ${value(c)}`), `@signature-params: ${params}`].join('\n');
    const signature = crypto.sign('sha512', Buffer.from(base), { key: key.privateKey, dsaEncoding: 'der' }).toString('base64');
    return {
      method: 'POST',
      url,
      headers: { ...headers, 'signature-input': `sig1=${params}`, signature: `sig1=:${signature}:` },
      body: raw,
    };
  }

  return {
    baseUrl,
    clientId,
    clientSecret,
    keyId: tenantKey.keyId,
    keyType: tenantKey.type,
    privateKey: tenantKey.privateKey,
    privateKeyPem: tenantKey.privateKeyPem,
    privateKeyJwk: tenantKey.privateKeyJwk,
    publicKeyPem: tenantKey.publicKeyPem,
    state,
    requests,
    faults,
    /** Every request whose signature verified. */
    get verifiedRequests() {
      return requests.filter((r) => r.signature?.verified);
    },
    /** Requests other than token requests. */
    get apiRequests() {
      return requests.filter((r) => r.path !== '/auth/token');
    },
    /** Token requests. */
    get tokenRequests() {
      return requests.filter((r) => r.path === '/auth/token');
    },
    inject,
    clearFaults() {
      faults.length = 0;
    },
    /** Registers another tenant public key; returns its key id. */
    registerKey,
    /** Generates and registers a tenant key: `{ keyId, privateKey, privateKeyPem, privateKeyJwk, … }`. */
    addTenantKey(type = 'p521') {
      const k = generateTenantKey(type);
      registerKey(k.publicKey, k.keyId);
      return k;
    },
    /** Marks every issued token revoked (the next API call with one gets 401). */
    revokeTokens() {
      let n = 0;
      for (const token of state.tokens.values()) {
        if (!token.revoked) n += 1;
        token.revoked = true;
      }
      return n;
    },
    /** Adds an Upvest signing key to /auth/verify_keys; returns its kid. */
    addVerificationKey() {
      const key = generateUpvestKey();
      state.verificationKeys.push(key);
      return key.kid;
    },
    signDelivery,
    /** Forgets the request log (not the state). */
    clearLog() {
      requests.length = 0;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------
// Standalone: `node tests/js/support/fake-upvest.mjs [port]` prints the
// tenant's configuration and serves until interrupted.

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const fake = await startFakeUpvest({
    port: Number(process.argv[2] ?? 0),
    onResponse: (r) => console.error(`${r.method} ${r.url} → ${r.status}${r.signature?.error ? ` (${r.signature.error})` : ''}`),
  });
  console.log(
    JSON.stringify({ baseUrl: fake.baseUrl, clientId: fake.clientId, clientSecret: fake.clientSecret, keyId: fake.keyId, privateKeyPem: fake.privateKeyPem }, null, 2),
  );
  const stop = () => fake.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
