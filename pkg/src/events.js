// Event dispatch helpers: `on(events, selector, handler)` and
// `isEventType(event, selector)`. Plain JavaScript, no WebAssembly; the types
// (narrowing by selector) are in ../index.d.ts and ../events.d.ts.

import { UpvestError } from './errors.js';

function invalid(message) {
  return new UpvestError(message, { code: 'ERR_INVALID_ARGUMENT' });
}

/** The selector as an array of non-empty strings, or an error message. */
function selectorList(selector) {
  const list = typeof selector === 'string' ? [selector] : Array.isArray(selector) ? selector : null;
  if (!list) return 'selector must be an event type (ORDER.FILLED), a category (ORDER) or an array of them';
  if (!list.length) return 'selector must not be an empty array';
  for (const s of list) {
    if (typeof s !== 'string' || s === '' || s.startsWith('.') || s.endsWith('.')) {
      return `selector items must be event types (ORDER.FILLED) or categories (ORDER), got ${typeof s === 'string' ? JSON.stringify(s) : typeof s}`;
    }
  }
  return list;
}

/** A matcher for a checked selector list: a type matches itself, a category every `CATEGORY.…` type. */
function matcher(list) {
  const exact = new Set(list);
  const prefixes = list.filter((s) => !s.includes('.')).map((s) => `${s}.`);
  return (event) => {
    const type = event !== null && typeof event === 'object' ? event.type : undefined;
    if (typeof type !== 'string') return false;
    if (exact.has(type)) return true;
    for (const p of prefixes) if (type.startsWith(p)) return true;
    return false;
  };
}

/**
 * Whether `event` is an object whose `type` the selector matches: an event type
 * (`ORDER.FILLED`), a category (`ORDER`: every `ORDER.*` type) or an array of them.
 */
export function isEventType(event, selector) {
  const list = selectorList(selector);
  if (typeof list === 'string') throw invalid(`isEventType: ${list}`);
  return matcher(list)(event);
}

/**
 * Calls `handler` for each event of `events` that the selector matches, one at
 * a time and in order, awaiting each call. Resolves to the number of events
 * handled; rejects with the first error a handler throws (later events are not
 * handled), or with an UpvestError `ERR_INVALID_ARGUMENT` for a bad argument.
 */
export async function on(events, selector, handler) {
  if (events === null || typeof events !== 'object' || typeof events[Symbol.iterator] !== 'function') {
    throw invalid("on: events must be an array (or another iterable) of webhook events, such as verify()'s `events`");
  }
  const list = selectorList(selector);
  if (typeof list === 'string') throw invalid(`on: ${list}`);
  if (typeof handler !== 'function') throw invalid('on: handler must be a function');
  const matches = matcher(list);
  let handled = 0;
  for (const event of events) {
    if (!matches(event)) continue;
    await handler(event);
    handled += 1;
  }
  return handled;
}
