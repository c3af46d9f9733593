// Sample events for the emulator, shaped after the `x-webhooks` examples of
// Upvest's OpenAPI 1.9.0 (extracted into sample-events.json by
// scripts/gen-sample-events.mjs).
//
// An emitted event is the category's example with a fresh `id`, a fresh
// `created_at`, the requested `type`, and `object` = the example object with:
// a fresh `object.id` (when it is a UUID); for a type other than the
// example's own, `object.status` set to the action when the object schema's
// status enum has it (ORDER.FILLED → "FILLED"; a few obvious aliases such as
// ACCOUNT.ACTIVATED → "ACTIVE"); then the caller's `object` deep-merged over it.

import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { problem } from './problems.mjs';
import { WEBHOOK_TYPES } from './validation.mjs';

const DATA = JSON.parse(readFileSync(new URL('./sample-events.json', import.meta.url), 'utf8'));

/** Where the samples come from (OpenAPI file and version). */
export const SAMPLE_SOURCE = DATA.source;

/** Categories with documented events and examples (24 of OAS 1.9.0's 27 `type` values). */
export const EVENT_CATEGORIES = Object.freeze(Object.keys(DATA.categories));

/** Every documented event type (`CATEGORY.ACTION`). */
export const EVENT_TYPES = Object.freeze(Object.values(DATA.categories).flatMap((c) => c.eventTypes));

/** Subscription categories with no documented event type in OAS 1.9.0 (`PORTFOLIO`, `CORPORATE_ACTION`). */
export const UNDOCUMENTED_CATEGORIES = Object.freeze(WEBHOOK_TYPES.filter((t) => t !== 'ALL' && !EVENT_CATEGORIES.includes(t)));

/** The event type of the test delivery (see testEvent). */
export const TEST_EVENT_TYPE = 'USER.CREATED';

const STATUS_ALIASES = {
  ACTIVATED: 'ACTIVE',
  DEACTIVATED: 'INACTIVE',
  OFFBOARDING_INITIATED: 'OFFBOARDING',
  CLOSING_INITIATED: 'CLOSING',
};

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EVENT_TYPE_RE = /^[A-Z][A-Z0-9_]*\.[A-Z][A-Z0-9_]*$/;
const MAX_COUNT = 1000;
const MAX_EVENTS = 5000;

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `ORDER.FILLED` → `ORDER`. */
export const categoryOf = (type) => String(type).split('.')[0];

/** Deep merge of plain objects; arrays and scalars in `override` replace. */
export function deepMerge(base, override) {
  if (!isPlainObject(base) || !isPlainObject(override)) return structuredClone(override);
  const out = structuredClone(base);
  for (const [k, v] of Object.entries(override)) out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k], v) : structuredClone(v);
  return out;
}

/**
 * The catalogue: per category its event types, example names and the
 * status enum used to adjust `object.status`.
 */
export function catalog() {
  return {
    source: SAMPLE_SOURCE,
    categories: Object.fromEntries(
      Object.entries(DATA.categories).map(([cat, c]) => [
        cat,
        { eventTypes: [...c.eventTypes], defaultType: c.examples[0].event.type, examples: c.examples.map((e) => e.name), statuses: [...c.statuses] },
      ]),
    ),
    undocumentedCategories: [...UNDOCUMENTED_CATEGORIES],
  };
}

/** The verbatim OpenAPI example events of a category (a copy), or null. */
export function examplesOf(category) {
  const c = DATA.categories[category];
  return c ? structuredClone(c.examples) : null;
}

/**
 * The sample `object` for an event type of a documented category.
 * @param {string} type e.g. `ORDER.FILLED`
 * @param {{ example?: string, freshId?: boolean }} [options] `example`: example name (default the first)
 */
export function sampleObject(type, { example, freshId = true } = {}) {
  const cat = DATA.categories[categoryOf(type)];
  if (!cat) return null;
  const ex = example === undefined ? cat.examples[0] : cat.examples.find((e) => e.name === example);
  if (!ex) return null;
  const object = structuredClone(ex.event.object);
  if (freshId && typeof object.id === 'string' && UUID_RE.test(object.id)) object.id = crypto.randomUUID();
  const action = type.split('.')[1];
  if (type !== ex.event.type && typeof object.status === 'string' && action) {
    if (cat.statuses.includes(action)) object.status = action;
    else if (STATUS_ALIASES[action] && cat.statuses.includes(STATUS_ALIASES[action])) object.status = STATUS_ALIASES[action];
  }
  return object;
}

/**
 * The event of a test delivery: a USER.CREATED sample, schema-valid like any
 * other (the Users object allows no extra field). The emulator marks the test
 * in its own records (the delivery's `test: true`, `state.testDeliveries`).
 */
export function testEvent({ id = crypto.randomUUID(), createdAt, webhookId }) {
  return { id, created_at: createdAt, type: TEST_EVENT_TYPE, object: sampleObject(TEST_EVENT_TYPE), webhook_id: webhookId };
}

/**
 * Turns a `POST /emulator/events` body into event specs `{ type, object, created_at? }`.
 * Throws HttpProblem(400) with the reason.
 *
 * Body: `{ type, count?, object?, example?, created_at? }`, or
 * `{ events: [ { type, count?, object?, example?, created_at? }, … ] }`.
 * `type`: an event type (`ORDER.FILLED`), a documented category (`ORDER`:
 * its example's type), `ALL` (one event of every documented category), or
 * any other `CATEGORY.ACTION` when `object` is given (a custom event).
 */
export function resolveEmitRequest(body) {
  const fail = (detail) => problem(400, 'bad_request', detail);
  if (!isPlainObject(body)) throw fail('the body must be a JSON object');
  const specs = body.events !== undefined ? body.events : [body];
  if (!Array.isArray(specs) || specs.length === 0) throw fail('events must be a non-empty array');
  const out = [];
  for (const [i, spec] of specs.entries()) {
    const where = body.events !== undefined ? `events[${i}].` : '';
    if (!isPlainObject(spec)) throw fail(`${where.slice(0, -1) || 'body'} must be an object`);
    for (const key of Object.keys(spec)) {
      if (!['type', 'count', 'object', 'example', 'created_at'].includes(key)) throw fail(`${where}${key}: unknown field`);
    }
    const { type, count = 1, object, example, created_at: createdAt } = spec;
    if (typeof type !== 'string' || !type) throw fail(`${where}type is required (an event type such as ORDER.FILLED, a category such as ORDER, or ALL)`);
    if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) throw fail(`${where}count must be an integer from 1 to ${MAX_COUNT}`);
    if (object !== undefined && !isPlainObject(object)) throw fail(`${where}object must be a JSON object`);
    if (example !== undefined && typeof example !== 'string') throw fail(`${where}example must be a string`);
    if (
      createdAt !== undefined &&
      (typeof createdAt !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(createdAt) || Number.isNaN(Date.parse(createdAt)))
    ) {
      throw fail(`${where}created_at must be an RFC 3339 date-time`);
    }
    let types;
    if (type === 'ALL') types = EVENT_CATEGORIES.map((c) => DATA.categories[c].examples[0].event.type);
    else if (DATA.categories[type]) types = [DATA.categories[type].examples[0].event.type];
    else if (EVENT_TYPES.includes(type)) types = [type];
    else if (EVENT_TYPE_RE.test(type) && object !== undefined) types = [type];
    else if (UNDOCUMENTED_CATEGORIES.includes(type)) {
      throw fail(`${where}type: OAS 1.9.0 documents no event type for ${type}; send a full type (e.g. ${type}.UPDATED) with an object to emit a custom event`);
    } else if (EVENT_TYPE_RE.test(type) && DATA.categories[categoryOf(type)]) {
      throw fail(
        `${where}type: ${type} is not a documented event type (${DATA.categories[categoryOf(type)].eventTypes.join(', ')}); add an object to emit it anyway`,
      );
    } else {
      throw fail(
        `${where}type: unknown type ${JSON.stringify(type)}; use an event type (ORDER.FILLED), a category (ORDER), ALL, or CATEGORY.ACTION with an object`,
      );
    }
    if (
      example !== undefined &&
      types.length === 1 &&
      DATA.categories[categoryOf(types[0])] &&
      !DATA.categories[categoryOf(types[0])].examples.some((e) => e.name === example)
    ) {
      throw fail(
        `${where}example: no example ${JSON.stringify(example)} for ${categoryOf(types[0])} (${DATA.categories[categoryOf(types[0])].examples.map((e) => e.name).join(', ')})`,
      );
    }
    for (let n = 0; n < count; n += 1) {
      for (const t of types) {
        const base = sampleObject(t, { example: types.length === 1 ? example : undefined }) ?? {};
        out.push({ type: t, object: object === undefined ? base : deepMerge(base, object), ...(createdAt ? { created_at: createdAt } : {}) });
        if (out.length > MAX_EVENTS) throw fail(`at most ${MAX_EVENTS} events per request`);
      }
    }
  }
  return out;
}
