// The webhook manager: talks to the local emulator's admin routes with plain
// fetch (emulator-admin.js), and to its Upvest API with the package's
// UpvestClient (signed requests, OAuth2 token). This file holds the connection
// and its panel (keys, rotation) and the emit form; the webhook panels and the
// deliveries panel (which verifies every delivery with inspectDelivery()
// against the emulator's JWKS) have a file each.

import { initDeliveriesPanel } from './deliveries-panel.js';
import { adminJson } from 'upvest-webhooks/emulator/admin-client.mjs';
import { normalizeBase } from './emulator-admin.js';
import { byId, describeError, el, fill, formatTime } from './util.js';
import { initWebhooksPanel } from './webhooks-panel.js';

const DEFAULT_EVENT_TYPES = ['ORDER.FILLED', 'ORDER'];

/**
 * @typedef {object} Connection
 * @property {string} base the emulator's base URL
 * @property {any} info `GET /emulator/info`
 * @property {import('upvest-webhooks').UpvestClient} client
 * @property {import('upvest-webhooks').Jwks} jwks the webhook signing keys
 */

/**
 * Wires the manager. Returns `{ fetchJwks() }` for the inspector.
 * @param {typeof import('upvest-webhooks')} pkg
 * @param {{ openInInspector: Parameters<typeof initDeliveriesPanel>[0]['openInInspector'] }} options
 */
export function initManager(pkg, { openInInspector }) {
  const ui = {
    connectForm: byId('connect-form'),
    url: /** @type {HTMLInputElement} */ (byId('emulator-url')),
    connect: /** @type {HTMLButtonElement} */ (byId('connect')),
    status: byId('manager-status'),
    body: byId('manager-body'),
    info: byId('connection-info'),
    emitForm: byId('emit-form'),
    emit: /** @type {HTMLButtonElement} */ (byId('emit')),
    eventType: /** @type {HTMLSelectElement} */ (byId('event-type')),
    eventCount: /** @type {HTMLInputElement} */ (byId('event-count')),
  };

  /** @type {Connection | null} */
  let conn = null;
  /** @type {Promise<Connection> | null} */
  let connecting = null;

  /** The connected client (the panels act only once connected). */
  function client() {
    if (!conn) throw new Error('not connected to the emulator');
    return conn.client;
  }

  /**
   * @param {string} path
   * @param {{ method?: string, body?: unknown }} [options]
   */
  const admin = (path, options) => adminJson(conn?.base ?? normalizeBase(ui.url.value), path, options);

  /**
   * @param {string} kind
   * @param {string} text
   * @param {string | null} [code]
   */
  function setStatus(kind, text, code) {
    ui.status.className = `status-line ${kind}`;
    fill(ui.status, code ? [el('span', { className: 'code' }, code), ' '] : null, text);
  }

  /**
   * @param {string} prefix
   * @param {unknown} err
   */
  function reportError(prefix, err) {
    const { code, message } = describeError(err);
    setStatus('error', `${prefix}: ${message}`, code);
  }

  const webhooks = initWebhooksPanel({ client, setStatus, reportError, pollSoon: () => deliveries.pollSoon() });
  const deliveries = initDeliveriesPanel({ pkg, connection: () => conn, admin, reloadJwks, webhook: webhooks.find, openInInspector });

  // ---- connect ----

  async function connect() {
    const base = normalizeBase(ui.url.value);
    setStatus('', `Connecting to ${base}…`);
    deliveries.stop();
    const info = await adminJson(base, '/emulator/info').catch((err) => {
      if (err.status) throw Object.assign(new Error(`GET /emulator/info answered ${err.status}: is this the emulator?`), { status: err.status });
      throw err;
    });
    for (const field of ['clientId', 'clientSecret', 'keyId', 'privateKeyPem']) {
      if (typeof info?.[field] !== 'string') throw new Error(`/emulator/info has no ${field}: is this the emulator?`);
    }
    const client = new pkg.UpvestClient({
      baseUrl: base,
      clientId: info.clientId,
      clientSecret: info.clientSecret,
      keyId: info.keyId,
      privateKey: info.privateKeyPem,
      ...(Array.isArray(info.scopes) && info.scopes.length ? { scopes: info.scopes } : {}),
      allowHttpLocalhost: true,
      maxRetries: 1,
      timeoutMs: 15000,
    });
    const jwks = await client.verificationKeys().catch((err) => {
      client.free();
      throw err;
    });
    if (conn?.client) conn.client.free();
    conn = { base, info, client, jwks };
    deliveries.reset();
    renderInfo(conn);
    renderEventTypes(await admin('/emulator/event-types').catch(() => null));
    ui.body.hidden = false;
    await webhooks.refresh();
    setStatus('ok', `Connected to ${base} as ${info.clientId}. ${jwks.keys.length} webhook signing key(s) loaded.`);
    deliveries.start();
    return conn;
  }

  function ensureConnected() {
    if (conn) return Promise.resolve(conn);
    connecting ??= connect().finally(() => {
      connecting = null;
    });
    return connecting;
  }

  /** @param {Connection} connection */
  function renderInfo({ base, info, jwks }) {
    const row = (/** @type {string} */ term, /** @type {unknown} */ value) => [el('dt', {}, term), el('dd', {}, value)];
    fill(
      ui.info,
      row('Base URL', el('code', {}, base)),
      row('Client id', el('code', {}, info.clientId)),
      row('Request-signing key id', el('code', {}, info.keyId)),
      row('Scopes', (info.scopes ?? ['webhooks:read', 'webhooks:admin']).join(' ')),
      row(
        'Webhook signing keys',
        jwks.keys.map((k, i) => [i ? ', ' : '', el('code', {}, k.kid), k.kid === info.deliverySigningKeyId ? ' (active)' : '']),
      ),
    );
  }

  /**
   * The emit select: ALL, then per category its example type and every documented event type.
   * @param {{ categories?: Record<string, { defaultType?: string, eventTypes?: string[] }> } | null} catalog `GET /emulator/event-types`
   */
  function renderEventTypes(catalog) {
    const current = ui.eventType.value || 'ORDER.FILLED';
    const categories = Object.entries(catalog?.categories ?? {});
    if (!categories.length) {
      fill(
        ui.eventType,
        DEFAULT_EVENT_TYPES.map((t) => el('option', { value: t }, t)),
      );
    } else {
      fill(
        ui.eventType,
        el('option', { value: 'ALL' }, 'ALL (one event of every category)'),
        categories.map(([category, c]) =>
          el(
            'optgroup',
            { label: category },
            el('option', { value: category }, `${category} (its example: ${c.defaultType ?? c.eventTypes?.[0] ?? '?'})`),
            (c.eventTypes ?? []).map((t) => el('option', { value: t }, t)),
          ),
        ),
      );
    }
    const values = [...ui.eventType.options].map((o) => o.value);
    ui.eventType.value = values.includes(current) ? current : values[0];
  }

  async function reloadJwks() {
    if (!conn) throw new Error('not connected to the emulator');
    conn.jwks = await conn.client.verificationKeys();
    // Which key signs new deliveries (it changes on rotation).
    const info = await admin('/emulator/info').catch(() => null);
    if (info?.deliverySigningKeyId) conn.info = { ...conn.info, deliverySigningKeyId: info.deliverySigningKeyId };
    renderInfo(conn);
    return conn.jwks;
  }

  // ---- forms and buttons ----

  ui.connectForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    ui.connect.disabled = true;
    try {
      await (connecting ?? connect());
    } catch (err) {
      reportError('Could not connect', err);
    } finally {
      ui.connect.disabled = false;
    }
  });

  ui.emitForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    ui.emit.disabled = true;
    try {
      const count = Math.max(1, Math.floor(Number(ui.eventCount.value) || 1));
      /** @type {{ events: Array<{ type: string, webhookIds: string[] }> }} */
      const { events } = await admin('/emulator/events', { method: 'POST', body: { type: ui.eventType.value, count } });
      const routed = new Set(events.flatMap((e) => e.webhookIds));
      setStatus(
        routed.size ? 'ok' : '',
        `Emitted ${events.length} event(s) (${[...new Set(events.map((e) => e.type))].join(', ')}) to ${routed.size} webhook(s)` +
          (routed.size ? '. Enabled webhooks receive them after their delay.' : ': no webhook subscribes to this category.'),
      );
      deliveries.pollSoon();
    } catch (err) {
      reportError('Could not emit', err);
    } finally {
      ui.emit.disabled = false;
    }
  });

  byId('refresh-jwks').addEventListener('click', async () => {
    try {
      const jwks = await reloadJwks();
      setStatus('ok', `Loaded ${jwks.keys.length} key(s): ${jwks.keys.map((k) => k.kid).join(', ')}.`);
    } catch (err) {
      reportError('Could not load the JWKS', err);
    }
  });

  byId('rotate-key').addEventListener('click', async () => {
    try {
      /** @type {{ keyId: string, previousKeyId: string | null, previousKeyRetiresAt: string | null }} */
      const rotated = await admin('/emulator/rotate-key', { method: 'POST', body: {} });
      if (conn) conn.info = { ...conn.info, deliverySigningKeyId: rotated.keyId };
      const jwks = await reloadJwks();
      setStatus(
        'ok',
        `Rotated the webhook signing key: new deliveries are signed with ${rotated.keyId}` +
          `${rotated.previousKeyId ? `; ${rotated.previousKeyId} stays in the JWKS until ${formatTime(rotated.previousKeyRetiresAt)}` : ''}. The JWKS has ${jwks.keys.length} key(s).`,
      );
    } catch (err) {
      reportError('Could not rotate the key', err);
    }
  });

  ui.connect.disabled = false;

  return {
    /** The emulator's JWKS, connecting first if needed (for the inspector's "Fetch JWKS"). */
    async fetchJwks() {
      await ensureConnected();
      return reloadJwks();
    },
  };
}
