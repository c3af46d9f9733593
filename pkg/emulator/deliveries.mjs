// The delivery engine: how Upvest delivers events to a webhook
// (webhooks-api.md §4), with an injectable clock, timers, transport and time
// factor.
//
// - Batching, per webhook: events collect in an open package until
//   `config.delay` has passed since its first event, or until the next event
//   would make the body larger than `config.max_package_size` bytes (a single
//   larger event still goes, alone). The body is `{"payload":[…]}`, events
//   sorted by `created_at`.
// - A `200` (what Upvest's docs ask receivers to answer) or a `204` (the
//   response the OpenAPI's x-webhooks declares) counts as delivered
//   (DELIVERED_STATUSES). Anything else, a connection error or a timeout is
//   retried after 1, 2, 3, 5, 8, 13, … s (each the sum of the two
//   before), capped at 600 s, forever; each attempt is signed afresh.
// - Blocking: the packages of one webhook go out one at a time, in order; a
//   failing package holds back every later one until it succeeds.
// - A disabled webhook gets no new attempts (its queue waits; re-enabling
//   resumes it); a deleted webhook's queue is dropped.
// - Test deliveries (POST /webhooks/{id}/test) are one attempt, outside the
//   queue: they neither wait for nor block the webhook's events.
//
// All durations (delay, backoff) are multiplied by `timeFactor`.

import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { delayMs } from './validation.mjs';

/** Upper bound of the retry backoff, in seconds (webhooks-api.md §4). */
export const MAX_BACKOFF_SECONDS = 600;

/** The receiver answers that count as delivered: 200 (Upvest's docs) and 204 (the OpenAPI's x-webhooks). */
export const DELIVERED_STATUSES = /** @type {ReadonlyArray<number | null>} */ (Object.freeze([200, 204]));

/** Bytes of an empty package, `{"payload":[]}`. */
const EMPTY_PACKAGE_BYTES = Buffer.byteLength('{"payload":[]}');

/**
 * Seconds to wait before retry number `retry` (1-based): 1, 2, 3, 5, 8, 13, …
 * (each the sum of the two before), capped at `cap` (default 600).
 * @param {number} retry
 * @param {number} [cap]
 */
export function retryDelaySeconds(retry, cap = MAX_BACKOFF_SECONDS) {
  let a = 1;
  let b = 2;
  if (retry <= 1) return Math.min(cap, 1);
  for (let i = 2; i < retry && b < cap; i += 1) [a, b] = [b, a + b];
  return Math.min(cap, b);
}

/**
 * Nanoseconds since the epoch of an RFC 3339 timestamp (any number of
 * fraction digits, `Z` or an offset), as a BigInt; null if unparseable.
 * @param {string} text
 */
export function timestampNanos(text) {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i.exec(text ?? '');
  if (!m) return null;
  const ms = Date.parse(`${m[1]}${m[3].toUpperCase()}`);
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').slice(0, 9).padEnd(9, '0'));
}

/** Sorts events by `created_at` (stable; unparseable timestamps last, in arrival order). */
export function sortByCreatedAt(events) {
  const keyed = events.map((e, i) => ({ e, i, t: timestampNanos(e.created_at) }));
  keyed.sort((x, y) => {
    if (x.t === null || y.t === null) return x.t === y.t ? x.i - y.i : x.t === null ? 1 : -1;
    return x.t < y.t ? -1 : x.t > y.t ? 1 : x.i - y.i;
  });
  return keyed.map((k) => k.e);
}

/**
 * Sends a signed request with node:http/https (no redirects followed, no
 * keep-alive). Resolves `{ status, body }` (the first 4 KiB of the answer);
 * rejects on a connection error or after `timeoutMs`.
 *
 * @param {{ method: string, url: string, headers: Record<string,string>, body: string }} request
 * @param {{ timeoutMs: number, signal?: AbortSignal }} options
 */
export function httpTransport(request, { timeoutMs, signal }) {
  return new Promise((resolve, reject) => {
    const url = new URL(request.url);
    const lib = url.protocol === 'https:' ? https : http;
    let settled = false;
    const done = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn(value);
    };
    const req = lib.request(url, { method: request.method, headers: { ...request.headers, connection: 'close' }, agent: false, signal }, (res) => {
      const chunks = [];
      let size = 0;
      res.on('data', (chunk) => {
        if (size < 4096) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => done(resolve, { status: res.statusCode, body: Buffer.concat(chunks).toString('utf8').slice(0, 4096) }));
      res.on('error', (err) => done(reject, err));
      res.on('aborted', () => done(reject, Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
    });
    const timer = setTimeout(() => {
      const err = Object.assign(new Error(`no response within ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
      req.destroy(err);
      done(reject, err);
    }, timeoutMs);
    req.on('error', (err) => done(reject, err));
    req.end(request.body);
  });
}

function describeError(err) {
  if (err?.code === 'ETIMEDOUT') return `timeout: ${err.message}`;
  if (err?.code) return `${err.code}${err.message && !err.message.includes(err.code) ? `: ${err.message}` : err.message ? ` (${err.message})` : ''}`;
  return String(err?.message ?? err);
}

/**
 * Creates a delivery engine.
 *
 * @param {object} options
 * @param {(id: string) => ({ id: string, url: string, enabled: boolean, config: { delay: string, max_package_size: number } } | undefined)} options.getWebhook
 *   Live webhook lookup (URL, enabled and config are read at each step).
 * @param {(input: { url: string, body: string }) => { method: string, url: string, headers: Record<string, string>, body: string }} options.sign
 *   Signs one attempt (fresh created/expires/nonce each time).
 * @param {typeof httpTransport} [options.transport] Sends a signed request.
 * @param {number} [options.timeFactor] Multiplies every delay and backoff (default 1).
 * @param {() => number} [options.now] Clock in ms, for timestamps (default Date.now).
 * @param {{ setTimeout: Function, clearTimeout: Function }} [options.timers] Timer functions (default the global ones).
 * @param {boolean} [options.dispatch] false: packages are built and queued but never sent (default true).
 * @param {number} [options.timeoutMs] Per-attempt timeout in ms, not scaled (default 10000).
 * @param {number} [options.maxBackoffSeconds] Backoff cap (default 600).
 * @param {number} [options.historyLimit] Finished deliveries kept for listing (default 1000).
 * @param {(delivery: any, attempt: any) => void} [options.onAttempt] Called after each attempt with views.
 */
export function createDeliveryEngine(options) {
  const {
    getWebhook,
    sign,
    transport = httpTransport,
    timeFactor = 1,
    now = Date.now,
    timers = { setTimeout, clearTimeout },
    dispatch = true,
    timeoutMs = 10_000,
    maxBackoffSeconds = MAX_BACKOFF_SECONDS,
    historyLimit = 1000,
    onAttempt,
  } = options;
  if (!(timeFactor > 0) || !Number.isFinite(timeFactor)) throw new TypeError('timeFactor must be a finite number > 0');

  /** webhookId → { webhookId, open, openTimer, backlog: Delivery[], busy } */
  const queues = new Map();
  /** every delivery, in creation order */
  const history = [];
  const byId = new Map();
  const liveTimers = new Set();
  const inFlight = new Set();
  let epoch = 0;
  let closed = false;

  const iso = (ms) => (ms == null ? null : new Date(ms).toISOString());
  const scaled = (ms) => Math.max(0, ms * timeFactor);

  function schedule(fn, ms) {
    const timer = timers.setTimeout(() => {
      liveTimers.delete(timer);
      if (!closed) fn();
    }, ms);
    timer?.unref?.();
    liveTimers.add(timer);
    return timer;
  }
  function cancel(timer) {
    if (timer == null) return;
    timers.clearTimeout(timer);
    liveTimers.delete(timer);
  }

  function newDelivery(webhookId, test) {
    /** @type {Record<string, any>} */
    const d = {
      id: crypto.randomUUID(),
      webhookId,
      test,
      state: 'pending',
      waiting: null,
      createdAt: now(),
      sealedAt: null,
      deliveredAt: null,
      nextAttemptAt: null,
      url: getWebhook(webhookId)?.url ?? null,
      events: [],
      size: EMPTY_PACKAGE_BYTES,
      body: null,
      attempts: [],
      lastRequest: null,
      retryTimer: null,
    };
    history.push(d);
    byId.set(d.id, d);
    trimHistory();
    return d;
  }

  function trimHistory() {
    let excess = history.length - historyLimit;
    for (let i = 0; excess > 0 && i < history.length; ) {
      const d = history[i];
      if (d.state === 'delivered' || d.state === 'failed' || d.state === 'dropped') {
        history.splice(i, 1);
        byId.delete(d.id);
        excess -= 1;
      } else i += 1;
    }
  }

  function queueFor(webhookId) {
    let q = queues.get(webhookId);
    if (!q) {
      q = { webhookId, open: null, openTimer: null, backlog: [], busy: false };
      queues.set(webhookId, q);
    }
    return q;
  }

  /**
   * Adds one event (with its `webhook_id`) to the webhook's open package.
   * Returns the delivery it went into, or null if the webhook is gone.
   */
  function enqueue(webhookId, event) {
    if (closed) throw new Error('the delivery engine is closed');
    const hook = getWebhook(webhookId);
    if (!hook) return null;
    const q = queueFor(webhookId);
    const max = hook.config?.max_package_size ?? 10240;
    const bytes = Buffer.byteLength(JSON.stringify(event));
    if (q.open && q.open.size + 1 + bytes > max) seal(q);
    if (!q.open) {
      q.open = newDelivery(webhookId, false);
      q.open.waiting = 'collecting';
      q.openTimer = schedule(() => seal(q), scaled(delayMs(hook.config?.delay)));
    }
    const d = q.open;
    d.size += (d.events.length ? 1 : 0) + bytes;
    d.events.push(event);
    if (d.size >= max) seal(q); // full (or one event larger than the limit): send without waiting
    return d;
  }

  function seal(q) {
    const d = q.open;
    if (!d) return;
    q.open = null;
    cancel(q.openTimer);
    q.openTimer = null;
    d.events = sortByCreatedAt(d.events);
    d.body = JSON.stringify({ payload: d.events });
    d.size = Buffer.byteLength(d.body);
    d.sealedAt = now();
    d.waiting = q.backlog.length ? 'behind an earlier delivery' : null;
    q.backlog.push(d);
    pump(q);
  }

  function pump(q) {
    if (closed || q.busy) return;
    const d = q.backlog[0];
    if (!d) return;
    const hook = getWebhook(q.webhookId);
    if (!hook) return dropQueue(q.webhookId);
    if (!dispatch) {
      d.waiting = 'dispatch is off';
      return;
    }
    if (!hook.enabled) {
      d.state = 'pending';
      d.waiting = 'webhook disabled';
      return;
    }
    attempt(q, d, hook);
  }

  async function attempt(q, d, hook) {
    q.busy = true;
    d.state = 'delivering';
    d.waiting = null;
    d.nextAttemptAt = null;
    const result = await send(d, hook);
    if (result.stale || d.state === 'dropped') return;
    if (DELIVERED_STATUSES.includes(result.status)) {
      d.state = 'delivered';
      d.deliveredAt = now();
      q.backlog.shift();
      q.busy = false;
      onAttempt?.(view(d), result.attempt);
      trimHistory();
      pump(q);
      return;
    }
    const seconds = retryDelaySeconds(d.attempts.length, maxBackoffSeconds);
    const ms = scaled(seconds * 1000);
    result.attempt.retryInSeconds = seconds;
    d.state = 'retrying';
    d.nextAttemptAt = now() + ms;
    d.retryTimer = schedule(() => {
      d.retryTimer = null;
      const current = getWebhook(q.webhookId);
      if (!current) return dropQueue(q.webhookId);
      if (!current.enabled || !dispatch) {
        d.state = 'pending';
        d.waiting = 'webhook disabled';
        d.nextAttemptAt = null;
        q.busy = false;
        return;
      }
      attempt(q, d, current);
    }, ms);
    onAttempt?.(view(d), result.attempt);
  }

  /**
   * One signed attempt; records it on the delivery.
   * @returns {Promise<{ stale: true, status?: undefined, attempt?: undefined } | { stale?: undefined, status: number | null, attempt: Record<string, any> }>}
   */
  async function send(d, hook) {
    const myEpoch = epoch;
    const request = sign({ url: hook.url, body: d.body });
    d.url = hook.url;
    d.lastRequest = request;
    const at = now();
    const t0 = performance.now();
    const controller = new AbortController();
    inFlight.add(controller);
    let status = null;
    /** @type {string | null} */
    let error = null;
    let responseBody;
    try {
      const res = await transport(request, { timeoutMs, signal: controller.signal });
      status = res.status;
      responseBody = res.body;
    } catch (err) {
      error = describeError(err);
    } finally {
      inFlight.delete(controller);
    }
    if (myEpoch !== epoch || closed) return { stale: true };
    /** @type {Record<string, any>} */
    const attempt = {
      n: d.attempts.length + 1,
      at: iso(at),
      status,
      ...(error ? { error } : {}),
      durationMs: Math.round((performance.now() - t0) * 10) / 10,
      ...(responseBody ? { responseBody } : {}),
    };
    d.attempts.push(attempt);
    return { status, attempt };
  }

  /**
   * A test delivery: one event, its own package, sent at once (even to a
   * disabled webhook), one attempt, no retries; ends `delivered` or `failed`.
   */
  function sendTest(webhookId, event) {
    if (closed) throw new Error('the delivery engine is closed');
    const hook = getWebhook(webhookId);
    const d = newDelivery(webhookId, true);
    d.events = [event];
    d.body = JSON.stringify({ payload: d.events });
    d.size = Buffer.byteLength(d.body);
    d.sealedAt = now();
    if (!dispatch || !hook) {
      d.waiting = 'dispatch is off';
      return d;
    }
    d.state = 'delivering';
    send(d, hook).then((result) => {
      if (result.stale) return;
      d.state = DELIVERED_STATUSES.includes(result.status) ? 'delivered' : 'failed';
      if (d.state === 'delivered') d.deliveredAt = now();
      onAttempt?.(view(d), result.attempt);
    });
    return d;
  }

  function dropQueue(webhookId) {
    const q = queues.get(webhookId);
    if (!q) return;
    cancel(q.openTimer);
    for (const d of [q.open, ...q.backlog]) {
      if (!d) continue;
      cancel(d.retryTimer);
      d.retryTimer = null;
      d.state = 'dropped';
      d.waiting = 'webhook deleted';
      d.nextAttemptAt = null;
    }
    queues.delete(webhookId);
  }

  /** A JSON view of a delivery (`lastRequest` is the exact signed request of the last attempt). */
  function view(d) {
    return {
      id: d.id,
      webhookId: d.webhookId,
      test: d.test,
      state: d.state,
      ...(d.waiting ? { waiting: d.waiting } : {}),
      url: d.url,
      createdAt: iso(d.createdAt),
      sealedAt: iso(d.sealedAt),
      deliveredAt: iso(d.deliveredAt),
      nextAttemptAt: iso(d.nextAttemptAt),
      size: d.body ? Buffer.byteLength(d.body) : d.size,
      events: d.events.map((e) => ({ id: e.id, type: e.type, created_at: e.created_at })),
      attempts: d.attempts.map((a) => ({ ...a })),
      lastRequest: d.lastRequest ? { ...d.lastRequest, headers: { ...d.lastRequest.headers } } : null,
    };
  }

  return {
    enqueue,
    sendTest,
    /**
     * Deliveries (views), oldest first; filter by `webhookId` and/or `state`.
     * @param {{ webhookId?: string, state?: string }} [filter]
     */
    list({ webhookId, state } = {}) {
      return history.filter((d) => (!webhookId || d.webhookId === webhookId) && (!state || d.state === state)).map(view);
    },
    /** One delivery's view, or null. */
    get(id) {
      const d = byId.get(id);
      return d ? view(d) : null;
    },
    /** The full payload events of a delivery, or null. */
    payload(id) {
      const d = byId.get(id);
      return d ? structuredClone(d.events) : null;
    },
    /**
     * Attempts a `retrying` delivery now instead of at its scheduled time.
     * Returns false if the delivery is not waiting for a retry.
     */
    retryNow(id) {
      const d = byId.get(id);
      if (d?.state !== 'retrying' || !d.retryTimer) return false;
      const q = queues.get(d.webhookId);
      const hook = getWebhook(d.webhookId);
      if (!q || !hook) return false;
      cancel(d.retryTimer);
      d.retryTimer = null;
      attempt(q, d, hook);
      return true;
    },
    /** Seals the webhook's open package now (skip the rest of its delay). */
    flush(webhookId) {
      const q = queues.get(webhookId);
      if (q?.open) seal(q);
    },
    /** Re-reads a webhook after an update (enabled, URL, config): resumes its queue if it can go. */
    webhookChanged(webhookId) {
      const q = queues.get(webhookId);
      if (q) pump(q);
    },
    /** Drops a deleted webhook's queue (its deliveries end `dropped`). */
    webhookDeleted: dropQueue,
    /** Forgets every queue and delivery; in-flight attempts are aborted and ignored. */
    reset() {
      epoch += 1;
      for (const t of liveTimers) timers.clearTimeout(t);
      liveTimers.clear();
      for (const c of inFlight) c.abort();
      inFlight.clear();
      queues.clear();
      history.length = 0;
      byId.clear();
    },
    /** Stops every timer and aborts in-flight attempts. */
    close() {
      this.reset();
      closed = true;
    },
    /** Counts by state, for logs and `/emulator/info`. */
    stats() {
      const out = { pending: 0, delivering: 0, retrying: 0, delivered: 0, failed: 0, dropped: 0 };
      for (const d of history) out[d.state] += 1;
      return out;
    },
  };
}
