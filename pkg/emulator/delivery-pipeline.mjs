// The delivery pipeline: from an emitted event (or a test request) to the
// delivery engine's queues (deliveries.mjs). Stamps events (id, created_at in
// nanoseconds, strictly increasing), routes each to the enabled webhooks
// subscribed to its category, and signs as Upvest signs (signing.mjs).

import crypto from 'node:crypto';
import { categoryOf, resolveEmitRequest, testEvent } from './samples.mjs';
import { signDelivery as signV6Delivery } from './signing.mjs';

/**
 * `2025-06-15T15:06:40.123456789Z` from nanoseconds since the epoch.
 * @param {bigint} ns
 */
function formatNanos(ns) {
  const ms = Number(ns / 1_000_000n);
  return `${new Date(ms).toISOString().slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

/**
 * Is `hook` subscribed to events of `type`? (enabled; `ALL` minus `exclude_type`, or the category listed)
 * @param {{ enabled: boolean, type: string[], exclude_type?: string[] }} hook
 * @param {string} type
 */
export function subscribed(hook, type) {
  if (!hook.enabled) return false;
  if (hook.type.includes('ALL')) return !(hook.exclude_type ?? []).includes(type);
  return hook.type.includes(categoryOf(type));
}

/**
 * @param {{
 *   now: () => number,
 *   nowSeconds: () => number,
 *   state: { webhooks: Map<string, any>, events: any[], testDeliveries: any[], verificationKeys: any[] },
 *   engine: { enqueue(webhookId: string, event: Record<string, any>): unknown, sendTest(webhookId: string, event: Record<string, any>): Record<string, any> },
 *   onEmit?: (events: any[]) => void,
 * }} ctx
 */
export function createDeliveryPipeline({ now, nowSeconds, state, engine, onEmit }) {
  let lastEventNs = 0n;
  function nextTimestamp() {
    let ns = BigInt(Math.floor(now())) * 1_000_000n;
    if (ns <= lastEventNs) ns = lastEventNs + 1n;
    lastEventNs = ns;
    return formatNanos(ns);
  }

  /**
   * Emits events (see samples.mjs `resolveEmitRequest` for the body) to every
   * enabled, subscribed webhook. Returns `{ events: [{ id, created_at, type, object, webhookIds }] }`.
   * @param {unknown} body
   */
  function emit(body) {
    const specs = resolveEmitRequest(body);
    const events = [];
    const hooks = [...state.webhooks.values()];
    for (const spec of specs) {
      const event = { id: crypto.randomUUID(), created_at: spec.created_at ?? nextTimestamp(), type: spec.type, object: spec.object };
      const targets = hooks.filter((h) => subscribed(h, event.type));
      for (const hook of targets) engine.enqueue(hook.id, { ...structuredClone(event), webhook_id: hook.id });
      const record = { ...event, webhookIds: targets.map((h) => h.id) };
      state.events.push(record);
      events.push(structuredClone(record));
    }
    if (state.events.length > 1000) state.events.splice(0, state.events.length - 1000);
    onEmit?.(events);
    return { events };
  }

  /**
   * Signs a webhook delivery as Upvest does (v6 base with unquoted names,
   * `digest: SHA-256=…` covered, ECDSA P-521/SHA-512, DER), with one of the
   * keys published at /auth/verify_keys (`keyIndex`, default 0 = the active
   * key) or any `privateKey` + `kid`. Sends nothing.
   * @param {{ url: string, events?: any[], body?: string, keyIndex?: number, privateKey?: any, kid?: string, created?: number, expires?: number, nonce?: string }} input
   */
  function signDelivery({ url, events, body, keyIndex = 0, privateKey, kid, created = nowSeconds(), expires, nonce }) {
    const key = privateKey ? { privateKey, kid } : state.verificationKeys[keyIndex];
    return signV6Delivery({ key, url, events, body, created, expires, nonce });
  }

  /**
   * POST /webhooks/{id}/test: one sample event to the webhook, at once (see deliveries.mjs `sendTest`).
   * @param {{ id: string, url: string }} hook
   */
  function sendTest(hook) {
    const event = testEvent({ createdAt: nextTimestamp(), webhookId: hook.id });
    const d = engine.sendTest(hook.id, event);
    state.testDeliveries.push({
      webhookId: hook.id,
      deliveryId: d.id,
      event,
      delivery: signDelivery({ url: hook.url, body: JSON.stringify({ payload: [event] }) }),
    });
    if (state.testDeliveries.length > 1000) state.testDeliveries.shift();
  }

  return { emit, signDelivery, sendTest };
}
