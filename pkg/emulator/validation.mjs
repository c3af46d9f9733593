// Request validation of the webhook operations, after OAS 1.9.0 ("Webhook -
// Create/Update - Request", list query parameters; webhooks-api.md §1–§2).

import { problem } from './problems.mjs';

/** The two webhook scopes (webhooks-api.md §1). */
export const SCOPES = Object.freeze(['webhooks:read', 'webhooks:admin']);

/** Subscription categories of OAS 1.9.0 (§2.1). `type` is an open enum unless `strictTypes`. */
export const WEBHOOK_TYPES = Object.freeze([
  'ALL', 'USER', 'USER_CHECK', 'ORDER', 'ORDER_CANCELLATION', 'EXECUTION', 'POSITION', 'CASH_BALANCE',
  'ACCOUNT', 'ACCOUNT_GROUP', 'REPORT', 'TREASURY_REPORT', 'DIRECT_DEBIT', 'WITHDRAWAL', 'PORTFOLIO',
  'PORTFOLIO_ALLOCATION', 'PORTFOLIO_ORDER', 'CORPORATE_ACTION', 'ACCOUNT_VALUATION',
  'INTRADAY_ACCOUNT_VALUATION', 'CASH_TRANSACTION', 'SECURITY_TRANSACTION', 'ACCOUNT_LIQUIDATION',
  'ACCOUNT_RETURNS', 'VIRTUAL_CASH_INCREASE', 'VIRTUAL_CASH_DECREASE', 'FEE_COLLECTION',
]);

/** `sort` values of GET /webhooks. */
export const SORT_FIELDS = Object.freeze(['created_at', 'updated_at', 'title', 'url', 'enabled']);
/** `order` values of GET /webhooks. */
export const ORDERS = Object.freeze(['ASC', 'DESC']);
/** A UUID (any version, either case). */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `config.delay` pattern of OAS 1.9.0. */
export const DELAY_RE = /^[1-9][0-9]?[sm]$/;
const CATEGORY_RE = /^[A-Z][A-Z0-9_]*$/;
const EVENT_TYPE_RE = /^[A-Z][A-Z0-9_]*\.[A-Z][A-Z0-9_]*$/;

/** The loopback hosts accepted with plain http when `allowHttpLocalhost` is on. */
export const LOOPBACK_HOSTS = Object.freeze(['localhost', '127.0.0.1', '[::1]']);

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const codePoints = (s) => [...s].length;

/** `config.delay` (`"5s"`, `"1m"`) in milliseconds. */
export function delayMs(delay) {
  const m = /^([0-9]+)([sm])$/.exec(delay ?? '');
  if (!m) return 1000;
  return Number(m[1]) * (m[2] === 'm' ? 60_000 : 1000);
}

/**
 * Validates a create (`create: true`) or update body; throws HttpProblem(400)
 * naming the field. `exclude_type` (documented by Upvest, webhooks-api.md
 * §1.4, not in OAS 1.9.0) is accepted as an array of event types.
 *
 * @param {unknown} body
 * @param {{ create: boolean, strictTypes?: boolean, allowHttpLocalhost?: boolean }} options
 */
export function validateWebhookBody(body, { create, strictTypes = false, allowHttpLocalhost = false }) {
  const fail = (field, detail) => problem(400, 'bad_request', `${field}: ${detail}`, { field });
  if (!isPlainObject(body)) throw fail('body', 'must be a JSON object');
  const allowed = create ? ['title', 'url', 'type', 'config', 'exclude_type'] : ['title', 'url', 'enabled', 'type', 'config', 'exclude_type'];
  for (const key of Object.keys(body)) if (!allowed.includes(key)) throw fail(key, 'unknown field (additionalProperties: false)');
  if (create) for (const key of ['title', 'url']) if (!(key in body)) throw fail(key, 'is required');
  if ('title' in body) {
    if (typeof body.title !== 'string') throw fail('title', 'must be a string');
    if (codePoints(body.title) > 100) throw fail('title', 'longer than 100 characters');
  }
  if ('url' in body) validateUrl(body.url, { allowHttpLocalhost, fail });
  if ('enabled' in body && typeof body.enabled !== 'boolean') throw fail('enabled', 'must be a boolean');
  if ('type' in body) {
    if (!Array.isArray(body.type) || body.type.length === 0) throw fail('type', 'must be a non-empty array');
    for (const t of body.type) {
      if (typeof t !== 'string' || !CATEGORY_RE.test(t)) throw fail('type', `invalid category ${JSON.stringify(t)}`);
      if (strictTypes && !WEBHOOK_TYPES.includes(t)) throw fail('type', `unknown category ${t}`);
    }
  }
  if ('exclude_type' in body) {
    if (!Array.isArray(body.exclude_type) || body.exclude_type.some((t) => typeof t !== 'string' || !EVENT_TYPE_RE.test(t))) {
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

function validateUrl(value, { allowHttpLocalhost, fail }) {
  if (typeof value !== 'string') throw fail('url', 'must be a string');
  if (codePoints(value) > 1000) throw fail('url', 'longer than 1000 characters');
  let url;
  try {
    url = new URL(value);
  } catch {
    throw fail('url', 'is not a URL');
  }
  const loopback = allowHttpLocalhost && LOOPBACK_HOSTS.includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw fail('url', allowHttpLocalhost ? 'must use https (or http://localhost, 127.0.0.1 or [::1])' : 'must use https');
  }
  if (url.username || url.password) throw fail('url', 'must not contain credentials');
  if (!loopback && (/^\[.*\]$/.test(url.hostname) || /^[0-9.]+$/.test(url.hostname))) throw fail('url', 'host must be a DNS name, not an IP address');
}

/**
 * Parses the list query (`sort`, `order`, `offset`, `limit`); throws
 * HttpProblem(400) on unknown, repeated or out-of-range parameters.
 * @param {string|null} query the raw query without `?`
 */
export function parseListQuery(query) {
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
