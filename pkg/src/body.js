// The delivery body's JavaScript side (src/wasm/body.rs decides the route):
// the events come from one JSON.parse of the body's text, checked here for
// Upvest's shape; large bodies are hashed with the runtime's native SHA.
// Registered into each WebAssembly module by instantiate.js (the Node
// entries with node:crypto's SHA).

const encoder = new TextEncoder();
// Strict UTF-8, as the core's check: invalid bytes fail, and a BOM is kept
// (so JSON.parse refuses it, as RFC 8259 allows a parser to).
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text whose UTF-8 bytes were hashed: a string as is, with any lone
 * surrogate as U+FFFD (what TextEncoder and the copy into WebAssembly
 * write); bytes decoded as strict UTF-8, or undefined when they are not.
 */
function textOf(body) {
  if (typeof body === 'string') {
    if (typeof body.isWellFormed === 'function') return body.isWellFormed() ? body : body.toWellFormed();
    return decoder.decode(encoder.encode(body));
  }
  return body === undefined ? undefined : decode(body);
}

/** Bytes as strict UTF-8 text, or undefined when they are not UTF-8. */
function decode(bytes) {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

const own = Object.hasOwn;
const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const FIELDS = ['id', 'created_at', 'type', 'webhook_id', 'object'];

/** What is wrong with one event, or undefined. Own members only (nothing inherited counts). */
function eventProblem(event, i) {
  if (!isObject(event)) return `event #${i} is not an object`;
  for (const field of FIELDS.slice(0, 4)) {
    if (!own(event, field) || typeof event[field] !== 'string') return `event #${i} has no string ${field}`;
  }
  if (!own(event, 'object')) return `event #${i} has no object`;
  return undefined;
}

/**
 * The events of a delivery body (a string, bytes, or undefined for bytes
 * that were not UTF-8 when decoded): `JSON.parse` of its text, checked to be
 * `{"payload":[{id, created_at, type, object, webhook_id}, …]}` with the
 * four strings and `object` present (own members; others are allowed).
 * Returns the `payload` array, or a string saying what is wrong.
 */
export function payload(body) {
  const text = textOf(body);
  if (text === undefined) return 'it is not valid UTF-8';
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return `it is not JSON: ${err?.message ?? err}`;
  }
  if (!isObject(doc)) return 'it is not a JSON object';
  const events = own(doc, 'payload') ? doc.payload : undefined;
  if (!Array.isArray(events)) return 'its payload is missing or not an array';
  // JSON.parse makes plain objects, so a member is their own unless
  // Object.prototype has one of that name: then every event takes the
  // careful path. Otherwise plain property reads (fast in V8) decide.
  if (FIELDS.some((field) => field in Object.prototype)) {
    for (let i = 0; i < events.length; i++) {
      const problem = eventProblem(events[i], i);
      if (problem) return problem;
    }
    return events;
  }
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (
      !isObject(event) ||
      typeof event.id !== 'string' ||
      typeof event.created_at !== 'string' ||
      typeof event.type !== 'string' ||
      typeof event.webhook_id !== 'string' ||
      event.object === undefined
    ) {
      return eventProblem(event, i) ?? `event #${i} has no object`;
    }
  }
  return events;
}

/** WebCrypto's SHA (a promise of an ArrayBuffer), where the runtime has it. */
const webCrypto = globalThis.crypto?.subtle?.digest ? { digest: (name, bytes) => globalThis.crypto.subtle.digest(name, bytes), sync: false } : undefined;

/**
 * The helpers src/wasm/body.rs calls, with the runtime's SHA: `sha` is
 * `{ digest(name, data), sync, byteLength?, nativeDigestMinBytes? }` for
 * 'SHA-256' and 'SHA-512'. WebCrypto's (the default) returns a promise and
 * takes bytes; a `sync` one (node:crypto, the Node entries) answers at once,
 * takes strings too and measures them with `byteLength`.
 * `nativeDigestMinBytes`: the default size from which bodies are hashed
 * with it (measured by `make bench`'s body-size sweep).
 */
export function bodyHelpers(sha = webCrypto) {
  return { encode: (text) => encoder.encode(text), decode, payload, ...sha };
}
