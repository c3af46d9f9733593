// Request validation of the webhook operations, after OAS 1.9.0 ("Webhook -
// Create/Update - Request", list query parameters; webhooks-api.md §1–§2).

import { WEBHOOK_CATEGORIES } from '../src/categories.js';
import { problem } from './problems.mjs';

/** The two webhook scopes (webhooks-api.md §1). */
export const SCOPES = Object.freeze(['webhooks:read', 'webhooks:admin']);

/**
 * The 27 subscription categories of OAS 1.9.0 (§2.1), generated from the
 * OpenAPI (pkg/src/categories.js). Upvest checks `type` against this enum: an
 * unknown category is a 400, never stored.
 */
export const WEBHOOK_TYPES = WEBHOOK_CATEGORIES;

/** `sort` values of GET /webhooks. */
export const SORT_FIELDS = Object.freeze(['created_at', 'updated_at', 'title', 'url', 'enabled']);
/** `order` values of GET /webhooks. */
export const ORDERS = Object.freeze(['ASC', 'DESC']);
/** A UUID (any version, either case). */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `config.delay` pattern of OAS 1.9.0. */
export const DELAY_RE = /^[1-9][0-9]?[sm]$/;
/** An event type, `CATEGORY.ACTION` (the items of `exclude_type`). */
export const EVENT_TYPE_RE = /^[A-Z][A-Z0-9_]*\.[A-Z][A-Z0-9_]*$/;

/** The loopback hosts accepted with plain http when `allowHttpLocalhost` is on. */
export const LOOPBACK_HOSTS = Object.freeze(['localhost', '127.0.0.1', '[::1]']);

/** @param {unknown} v @returns {v is Record<string, unknown>} */
const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
/** @param {string} s */
const codePoints = (s) => [...s].length;

/**
 * `config.delay` (`"5s"`, `"1m"`) in milliseconds.
 * @param {string | undefined} delay
 */
export function delayMs(delay) {
  const m = /^([0-9]+)([sm])$/.exec(delay ?? '');
  if (!m) return 1000;
  return Number(m[1]) * (m[2] === 'm' ? 60_000 : 1000);
}

/**
 * Whether a URL host (as WHATWG URL gives it) is an IP address: a bracketed
 * IPv6 literal, or a host whose last label is numeric (WHATWG reads those as
 * IPv4 and normalises them to dotted decimal).
 * @param {string} hostname
 */
export function isIpHost(hostname) {
  if (hostname.startsWith('[')) return true;
  const labels = hostname.replace(/\.$/, '').split('.');
  return /^(?:[0-9]+|0x[0-9a-f]*)$/i.test(labels[labels.length - 1] ?? '');
}

/**
 * Validates a create (`create: true`) or update body, by the rules of
 * tests/fixtures/webhook-validation.json (the client's table too); throws
 * HttpProblem(400) naming the field, with `extra.field` and `extra.rule` (the
 * client's rule names). `exclude_type` (documented by Upvest, webhooks-api.md
 * §1.4, not in OAS 1.9.0) is accepted as an array of event types.
 *
 * @param {unknown} body
 * @param {{ create: boolean, allowHttpLocalhost?: boolean }} options
 */
export function validateWebhookBody(body, { create, allowHttpLocalhost = false }) {
  /** @param {string} field @param {string} rule @param {string} detail */
  const fail = (field, rule, detail) => problem(400, 'bad_request', `${field}: ${detail}`, { field, rule });
  if (!isPlainObject(body)) throw fail('body', 'type', 'must be a JSON object');
  const allowed = create ? ['title', 'url', 'type', 'config', 'exclude_type'] : ['title', 'url', 'enabled', 'type', 'config', 'exclude_type'];
  for (const key of Object.keys(body)) if (!allowed.includes(key)) throw fail(key, 'unknown_field', 'unknown field (additionalProperties: false)');
  if (create) for (const key of ['title', 'url']) if (!(key in body)) throw fail(key, 'required', 'is required');
  if ('title' in body) {
    if (typeof body.title !== 'string') throw fail('title', 'type', 'must be a string');
    if (codePoints(body.title) > 100) throw fail('title', 'max_length', 'longer than 100 characters');
  }
  if ('url' in body) validateUrl(body.url, { allowHttpLocalhost, fail });
  if ('enabled' in body && typeof body.enabled !== 'boolean') throw fail('enabled', 'type', 'must be a boolean');
  if ('type' in body) {
    if (!Array.isArray(body.type)) throw fail('type', 'type', 'must be an array of categories');
    if (body.type.length === 0) throw fail('type', 'non_empty', 'must list at least one category, or ["ALL"]');
    for (const t of body.type) {
      if (typeof t !== 'string') throw fail('type', 'type', 'must contain strings');
      if (!WEBHOOK_CATEGORIES.includes(t)) throw fail('type', 'enum', `unknown category ${JSON.stringify(t)} (one of ${WEBHOOK_CATEGORIES.join(', ')})`);
    }
  }
  if ('exclude_type' in body) {
    const list = body.exclude_type;
    if (!Array.isArray(list) || list.some((t) => typeof t !== 'string')) throw fail('exclude_type', 'type', 'must be an array of event types like ORDER.NEW');
    if (list.some((t) => !EVENT_TYPE_RE.test(t))) throw fail('exclude_type', 'pattern', 'must be an array of event types like ORDER.NEW');
  }
  if ('config' in body) {
    const c = body.config;
    if (!isPlainObject(c)) throw fail('config', 'type', 'must be an object');
    if ('delay' in c) {
      if (typeof c.delay !== 'string') throw fail('config.delay', 'type', 'must be a string');
      if (!DELAY_RE.test(c.delay)) throw fail('config.delay', 'pattern', 'must match ^[1-9][0-9]?[sm]$');
    }
    if ('max_package_size' in c) {
      const n = c.max_package_size;
      if (typeof n !== 'number') throw fail('config.max_package_size', 'type', 'must be an integer');
      if (!Number.isInteger(n) || n < 100 || n > 1048576) throw fail('config.max_package_size', 'range', 'must be an integer from 100 to 1048576');
    }
  }
}

/**
 * @param {unknown} value
 * @param {{ allowHttpLocalhost: boolean, fail: (field: string, rule: string, detail: string) => Error }} options
 */
function validateUrl(value, { allowHttpLocalhost, fail }) {
  if (typeof value !== 'string') throw fail('url', 'type', 'must be a string');
  if (codePoints(value) > 1000) throw fail('url', 'max_length', 'longer than 1000 characters');
  let url;
  try {
    url = new URL(value);
  } catch {
    throw fail('url', 'https', 'is not a URL');
  }
  const loopback = allowHttpLocalhost && LOOPBACK_HOSTS.includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw fail('url', 'https', allowHttpLocalhost ? 'must use https (or http://localhost, 127.0.0.1 or [::1])' : 'must use https');
  }
  if (url.hostname === '') throw fail('url', 'https', 'needs a host');
  if (!loopback && isIpHost(url.hostname)) throw fail('url', 'https', 'host must be a DNS name, not an IP address');
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
