// Small helpers shared by the inspector and the manager: DOM building,
// header text parsing, time formatting. No dependencies.

/**
 * Creates an element. `props`: attributes (strings), `dataset`, `className`,
 * `text`, `hidden`, `on: { click }`; children: nodes, strings, arrays, null.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'className') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'on') for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    else if (key === 'hidden') node.hidden = true;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

/** Replaces the node's children; accepts what `el` accepts (arrays, null, strings). */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

/** A pass / fail / skip badge whose meaning does not depend on colour. */
export function badge(status, label) {
  const icons = { pass: '✓', fail: '✗', skip: '–', warn: '!', neutral: '•' };
  const text = label ?? status;
  return el('span', { className: `badge ${status}` }, el('span', { 'aria-hidden': 'true' }, icons[status] ?? '•'), text);
}

/** An input problem found before the package was called (not a package error code). */
export class InputError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

/**
 * Parses the headers textarea: a JSON object, or one `name: value` per line
 * (blank lines ignored; a repeated name keeps every value, in order).
 * Returns `[name, value]` pairs, which the package accepts as headers.
 */
export function parseHeaders(text) {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('{')) {
    let object;
    try {
      object = JSON.parse(trimmed);
    } catch (err) {
      throw new InputError('headers', `Headers look like JSON but do not parse: ${/** @type {SyntaxError} */ (err).message}`);
    }
    if (object === null || typeof object !== 'object' || Array.isArray(object)) {
      throw new InputError('headers', 'Headers JSON must be an object of name → value.');
    }
    const pairs = [];
    for (const [name, value] of Object.entries(object)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (typeof v !== 'string' && typeof v !== 'number') throw new InputError('headers', `Header "${name}" must be a string, a number or an array of them.`);
        pairs.push([name, String(v)]);
      }
    }
    return pairs;
  }
  const pairs = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':', 1); // HTTP/2 pseudo-headers start with ':'
    if (colon < 0) throw new InputError('headers', `Headers line ${index + 1} has no "name: value": ${truncate(line, 60)}`);
    const name = line.slice(0, colon).trim();
    if (!/^:?[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw new InputError('headers', `Headers line ${index + 1}: "${truncate(name, 40)}" is not a header name.`);
    pairs.push([name, line.slice(colon + 1).trim()]);
  });
  return pairs;
}

/** Headers (object, array of pairs or Headers) as `name: value` lines. */
export function formatHeaders(headers) {
  if (!headers) return '';
  const pairs = Array.isArray(headers)
    ? headers
    : typeof headers.entries === 'function'
      ? [...headers.entries()]
      : Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]));
  return pairs.map(([k, v]) => `${k}: ${v}`).join('\n');
}

export function truncate(text, max) {
  const s = String(text);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** `1795749021` → `2026-11-27 03:10:21 UTC`. */
export function formatUnix(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '—';
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime())) return String(seconds);
  return `${date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')}`;
}

/** A time (ms, ISO string or UNIX seconds) as a short local time. */
export function formatTime(value) {
  if (value === null || value === undefined || value === '') return '—';
  let date;
  if (typeof value === 'number') date = new Date(value < 1e11 ? value * 1000 : value);
  else date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** A time (ms, ISO string or UNIX seconds) in milliseconds, or null. */
export function toMillis(value) {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') return value < 1e11 ? value * 1000 : value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** The error's code and message, for display. */
export function describeError(err) {
  if (err instanceof InputError) return { code: null, message: err.message };
  const code = typeof err?.code === 'string' ? err.code : null;
  let message = err?.message ?? String(err);
  if (err?.field && err?.rule) message = `${message} (field ${err.field}, rule ${err.rule})`;
  else if (err?.status) message = `${message} (HTTP ${err.status}${err.detail && !message.includes(err.detail) ? `: ${err.detail}` : ''})`;
  return { code, message };
}

/**
 * The page's element with this id. The page is static, so a missing id is a
 * bug in it: throws rather than returning null.
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}

/**
 * Runs a card's action with the card's buttons disabled; a failure goes to `onError`.
 * @param {HTMLButtonElement} button
 * @param {() => Promise<unknown>} handler
 * @param {(err: unknown) => void} onError
 */
export async function runAction(button, handler, onError) {
  const buttons = button.closest('.actions')?.querySelectorAll('button') ?? [button];
  for (const b of buttons) b.disabled = true;
  try {
    await handler();
  } catch (err) {
    onError(err);
  } finally {
    for (const b of buttons) if (b.isConnected) b.disabled = false;
  }
}

/** The `data-focus-key` of the focused element, if any (to restore focus after a re-render). */
export function focusKeyOf(node = document.activeElement) {
  return node instanceof HTMLElement ? node.dataset.focusKey : undefined;
}

/**
 * Puts focus back on the element with this `data-focus-key` after its list was
 * re-rendered, unless the user has moved focus elsewhere.
 * @param {string | undefined} focusKey
 * @param {HTMLElement} container
 */
export function restoreFocus(focusKey, container) {
  if (!focusKey) return;
  const target = container.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
  if (target instanceof HTMLElement && document.activeElement !== target && (document.activeElement === document.body || !document.activeElement))
    target.focus();
}
