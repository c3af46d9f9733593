// The webhook manager: talks to the local emulator's admin routes with plain
// fetch, and to its Upvest API with the package's UpvestClient (signed
// requests, OAuth2 token), then verifies every delivery the emulator sent
// with inspectDelivery() against the emulator's JWKS.

import { badge, describeError, fill, el, formatTime, toMillis } from './util.js';

const CATEGORIES = [
  'ALL', 'USER', 'USER_CHECK', 'ORDER', 'ORDER_CANCELLATION', 'EXECUTION', 'POSITION', 'CASH_BALANCE',
  'ACCOUNT', 'ACCOUNT_GROUP', 'REPORT', 'TREASURY_REPORT', 'DIRECT_DEBIT', 'WITHDRAWAL', 'PORTFOLIO',
  'PORTFOLIO_ALLOCATION', 'PORTFOLIO_ORDER', 'CORPORATE_ACTION', 'ACCOUNT_VALUATION', 'INTRADAY_ACCOUNT_VALUATION',
  'CASH_TRANSACTION', 'SECURITY_TRANSACTION', 'ACCOUNT_LIQUIDATION', 'ACCOUNT_RETURNS', 'VIRTUAL_CASH_INCREASE',
  'VIRTUAL_CASH_DECREASE', 'FEE_COLLECTION',
];
const DEFAULT_EVENT_TYPES = ['ORDER.FILLED', 'ORDER'];
const POLL_MS = 2000;
const MAX_SHOWN = 50;

export function initManager(pkg, { openInInspector }) {
  const $ = (id) => document.getElementById(id);
  const ui = {
    connectForm: $('connect-form'),
    url: $('emulator-url'),
    connect: $('connect'),
    status: $('manager-status'),
    body: $('manager-body'),
    info: $('connection-info'),
    createForm: $('create-form'),
    categories: $('category-list'),
    webhooks: $('webhook-list'),
    emitForm: $('emit-form'),
    eventType: $('event-type'),
    eventCount: $('event-count'),
    live: $('live'),
    summary: $('deliveries-summary'),
    deliveries: $('delivery-list'),
  };

  /** The current connection: { base, info, client, jwks }. */
  let conn = null;
  let connecting = null;
  let webhooks = [];
  let pollTimer = null;
  let polling = false;
  let lastSummary = '';
  let lastJwksRefetch = 0;
  const verdicts = new Map(); // delivery key → verification verdict (a delivery is verified once, at its send time)

  for (const category of CATEGORIES) {
    const id = `cat-${category}`;
    ui.categories.append(
      el('label', { for: id }, el('input', { type: 'checkbox', id, name: 'category', value: category, checked: category === 'ALL' }), category),
    );
  }

  function setStatus(kind, text, code) {
    ui.status.className = `status-line ${kind}`;
    fill(ui.status, code ? [el('span', { className: 'code' }, code), ' '] : null, text);
  }

  function reportError(prefix, err) {
    const { code, message } = describeError(err);
    setStatus('error', `${prefix}: ${message}`, code);
  }

  // ---- emulator admin routes (plain fetch; CORS * on the emulator) ----

  async function admin(path, { method = 'GET', body } = {}) {
    const base = conn?.base ?? normalizeBase(ui.url.value);
    let response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      const err = new Error(`could not reach the emulator at ${base} (is it running? node pkg/emulator/cli.mjs --port 8787)`, { cause });
      err.code = 'ERR_NETWORK';
      throw err;
    }
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    if (!response.ok) {
      const err = new Error(`${method} ${path} answered ${response.status}${json?.detail || json?.title || json?.error ? `: ${json.detail ?? json.title ?? json.error}` : ''}`);
      err.status = response.status;
      throw err;
    }
    return json;
  }

  function normalizeBase(text) {
    let url;
    try {
      url = new URL(text.trim());
    } catch {
      const err = new Error(`"${text}" is not a URL`);
      err.code = 'ERR_INVALID_ARGUMENT';
      throw err;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      const err = new Error('the emulator URL must be http or https');
      err.code = 'ERR_INVALID_ARGUMENT';
      throw err;
    }
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  }

  // ---- connect ----

  async function connect() {
    const base = normalizeBase(ui.url.value);
    setStatus('', `Connecting to ${base}…`);
    stopPolling();
    const info = await fetch(`${base}/emulator/info`)
      .catch((cause) => {
        const err = new Error(`could not reach the emulator at ${base}: is it running? (node pkg/emulator/cli.mjs --port 8787)`, { cause });
        err.code = 'ERR_NETWORK';
        throw err;
      })
      .then(async (r) => {
        if (!r.ok) throw Object.assign(new Error(`GET /emulator/info answered ${r.status}: is this the emulator?`), { status: r.status });
        return r.json();
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
    verdicts.clear();
    renderInfo();
    renderEventTypes(await admin('/emulator/event-types').catch(() => null));
    ui.body.hidden = false;
    await refreshWebhooks();
    setStatus('ok', `Connected to ${base} as ${info.clientId}. ${jwks.keys?.length ?? 0} webhook signing key(s) loaded.`);
    startPolling();
    return conn;
  }

  function ensureConnected() {
    if (conn) return Promise.resolve(conn);
    connecting ??= connect().finally(() => {
      connecting = null;
    });
    return connecting;
  }

  function renderInfo() {
    const { base, info, jwks } = conn;
    const row = (term, value) => [el('dt', {}, term), el('dd', {}, value)];
    fill(ui.info,
      row('Base URL', el('code', {}, base)),
      row('Client id', el('code', {}, info.clientId)),
      row('Request-signing key id', el('code', {}, info.keyId)),
      row('Scopes', (info.scopes ?? ['webhooks:read', 'webhooks:admin']).join(' ')),
      row(
        'Webhook signing keys',
        (jwks.keys ?? []).map((k, i) => [i ? ', ' : '', el('code', {}, k.kid), k.kid === info.deliverySigningKeyId ? ' (active)' : '']),
      ),
    );
  }

  /** The emit select: ALL, then per category its example type and every documented event type. */
  function renderEventTypes(catalog) {
    const current = ui.eventType.value || 'ORDER.FILLED';
    const categories = Object.entries(catalog?.categories ?? {});
    if (!categories.length) {
      fill(ui.eventType, DEFAULT_EVENT_TYPES.map((t) => el('option', { value: t }, t)));
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
    conn.jwks = await conn.client.verificationKeys();
    // Which key signs new deliveries (it changes on rotation).
    const info = await admin('/emulator/info').catch(() => null);
    if (info?.deliverySigningKeyId) conn.info = { ...conn.info, deliverySigningKeyId: info.deliverySigningKeyId };
    renderInfo();
    return conn.jwks;
  }

  // ---- webhooks ----

  async function refreshWebhooks() {
    const page = await conn.client.webhooks.list({ limit: 100, sort: 'created_at', order: 'ASC' });
    webhooks = page.data ?? [];
    renderWebhooks();
  }

  function renderWebhooks() {
    const focusKey = document.activeElement?.dataset?.focusKey;
    if (!webhooks.length) {
      fill(ui.webhooks, el('li', { className: 'empty' }, 'No webhooks yet: create one above.'));
    } else {
      fill(ui.webhooks, ...webhooks.map(webhookCard));
    }
    restoreFocus(focusKey, ui.webhooks);
  }

  function webhookCard(hook) {
    const titleId = `hook-${hook.id}-title`;
    const hidden = (text) => el('span', { className: 'sr-only' }, text);
    const action = (name, label, handler, extra = {}) =>
      el(
        'button',
        {
          type: 'button',
          className: `small ${extra.className ?? ''}`,
          dataset: { action: name, focusKey: `${hook.id}:${name}` },
          on: { click: (e) => runAction(e.currentTarget, handler) },
        },
        label,
        hidden(` webhook ${hook.title}`),
      );
    return el(
      'li',
      { className: 'card webhook', dataset: { id: hook.id, enabled: String(hook.enabled) }, 'aria-labelledby': titleId },
      el(
        'div',
        { className: 'card-head' },
        el('span', { className: 'card-title', id: titleId }, hook.title),
        hook.enabled ? badge('pass', 'enabled') : badge('neutral', 'disabled'),
      ),
      el(
        'dl',
        { className: 'facts' },
        el('dt', {}, 'URL'),
        el('dd', {}, el('code', {}, hook.url)),
        el('dt', {}, 'Categories'),
        el('dd', {}, (hook.type ?? []).join(', ')),
        el('dt', {}, 'Config'),
        el('dd', {}, `delay ${hook.config?.delay ?? '—'}, max package ${hook.config?.max_package_size ?? '—'} bytes`),
        el('dt', {}, 'Id'),
        el('dd', {}, el('code', {}, hook.id)),
      ),
      el(
        'div',
        { className: 'actions' },
        action(hook.enabled ? 'disable' : 'enable', hook.enabled ? 'Disable' : 'Enable', async () => {
          const updated = await conn.client.webhooks.update(hook.id, { enabled: !hook.enabled });
          setStatus('ok', `${updated.enabled ? 'Enabled' : 'Disabled'} “${updated.title}”.`);
          // The toggled button changes name: keep focus on it.
          document.activeElement?.blur();
          await refreshWebhooks();
          ui.webhooks.querySelector(`[data-focus-key="${hook.id}:${updated.enabled ? 'disable' : 'enable'}"]`)?.focus();
        }),
        action('test', 'Send test', async () => {
          await conn.client.webhooks.test(hook.id);
          setStatus('ok', `Test requested for “${hook.title}” (202): watch Deliveries below.`);
          pollSoon();
        }),
        action('delete', 'Delete', async () => {
          await conn.client.webhooks.delete(hook.id);
          setStatus('ok', `Deleted “${hook.title}”.`);
          await refreshWebhooks();
          $('webhooks-title').setAttribute('tabindex', '-1');
          $('webhooks-title').focus();
        }, { className: 'danger' }),
      ),
    );
  }

  async function runAction(button, handler) {
    const buttons = button.closest('.actions')?.querySelectorAll('button') ?? [button];
    for (const b of buttons) b.disabled = true;
    try {
      await handler();
    } catch (err) {
      reportError('That did not work', err);
    } finally {
      for (const b of buttons) if (b.isConnected) b.disabled = false;
    }
  }

  function restoreFocus(focusKey, container) {
    if (!focusKey) return;
    const target = container.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    if (target && document.activeElement !== target && (document.activeElement === document.body || !document.activeElement)) target.focus();
  }

  // ---- deliveries ----

  function startPolling() {
    stopPolling();
    if (!ui.live.checked) return;
    pollTimer = setInterval(() => {
      if (!document.hidden) poll();
    }, POLL_MS);
    poll();
  }

  function stopPolling() {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
  }

  function pollSoon() {
    setTimeout(poll, 300);
  }

  async function poll() {
    if (!conn || polling) return;
    polling = true;
    try {
      const answer = await admin('/emulator/deliveries');
      const list = Array.isArray(answer) ? answer : (answer?.deliveries ?? answer?.data ?? []);
      await renderDeliveries(list);
    } catch (err) {
      const { code, message } = describeError(err);
      setSummary(`Could not load deliveries: ${code ? `${code} ` : ''}${message}`, 'error');
    } finally {
      polling = false;
    }
  }

  function setSummary(text, kind = '') {
    if (text === lastSummary) return; // do not repeat the live region every poll
    lastSummary = text;
    ui.summary.className = `status-line ${kind}`;
    ui.summary.textContent = text;
  }

  /** The exact signed request of the delivery's last attempt. */
  function signedRequestOf(d) {
    return d.request ?? d.lastRequest ?? d.last_request ?? d.signedRequest ?? d.signed_request ?? d.attempts?.at?.(-1)?.request ?? null;
  }

  function attemptsOf(d) {
    return Array.isArray(d.attempts) ? d.attempts : [];
  }

  function attemptStatus(a) {
    if (typeof a === 'number') return a;
    return a?.status ?? a?.statusCode ?? a?.status_code ?? null;
  }

  function attemptTime(a) {
    if (!a || typeof a !== 'object') return null;
    return toMillis(a.at ?? a.sentAt ?? a.sent_at ?? a.attemptedAt ?? a.attempted_at ?? a.time ?? a.timestamp ?? null);
  }

  function headerValue(headers, name) {
    if (!headers) return undefined;
    if (Array.isArray(headers)) return headers.find(([n]) => n.toLowerCase() === name)?.[1];
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
    return key === undefined ? undefined : [].concat(headers[key]).join(', ');
  }

  /** When the last attempt was signed: its time if the emulator says, else the signature's `created`. */
  function sendTimeMs(d, request) {
    if (d.state === 'delivering') return Date.now(); // signed just now, its attempt is not recorded yet
    const fromAttempt = attemptTime(attemptsOf(d).at(-1));
    if (fromAttempt !== null) return fromAttempt;
    const created = /;created=(\d+)/.exec(headerValue(request.headers, 'signature-input') ?? '')?.[1];
    return created ? Number(created) * 1000 : Date.now();
  }

  async function verify(d) {
    const request = signedRequestOf(d);
    if (!request) return { status: 'skip', text: 'no signed request yet' };
    const key = `${d.id}|${headerValue(request.headers, 'signature') ?? ''}`;
    if (verdicts.has(key)) return verdicts.get(key);
    const nowMs = sendTimeMs(d, request);
    const inspect = () => pkg.inspectDelivery(request, { keys: conn.jwks, now: () => nowMs });
    let result;
    try {
      result = inspect();
    } catch (err) {
      result = { ok: false, ...describeError(err) };
    }
    // An unknown kid after a key rotation: refetch the keys (at most once per poll interval, as
    // WebhookVerifier does with its cooldown), then inspect again.
    if (!result.ok && result.code === 'ERR_KEY_NOT_FOUND' && Date.now() - lastJwksRefetch > POLL_MS) {
      lastJwksRefetch = Date.now();
      try {
        await reloadJwks();
        result = inspect();
      } catch (err) {
        return { status: 'fail', ...describeError(err), text: `could not reload the JWKS: ${describeError(err).message}`, nowMs, request }; // not cached
      }
    }
    const verified = result.signatures?.flatMap((s) => s.bases ?? []).find((b) => b.verified);
    const verdict = result.ok
      ? { status: 'pass', code: null, text: `verified (v${verified?.version ?? '?'} base, key ${result.signatures?.[0]?.keyid ?? '?'})`, nowMs, request }
      : { status: 'fail', code: result.code ?? null, text: result.message ?? 'failed', nowMs, request };
    verdicts.set(key, verdict);
    return verdict;
  }

  async function renderDeliveries(list) {
    const sorted = [...list].reverse().slice(0, MAX_SHOWN); // newest first (the emulator lists oldest first)
    const focusKey = document.activeElement?.dataset?.focusKey;
    const cards = [];
    let pass = 0;
    let fail = 0;
    for (const d of sorted) {
      const verdict = await verify(d);
      if (verdict.status === 'pass') pass++;
      else if (verdict.status === 'fail') fail++;
      cards.push(deliveryCard(d, verdict));
    }
    // Replace only the cards whose content changed, so focus and reading position survive polling.
    const existing = new Map([...ui.deliveries.children].map((node) => [node.dataset.key, node]));
    const next = [];
    for (const card of cards) {
      const old = existing.get(card.dataset.key);
      next.push(old && old.dataset.hash === card.dataset.hash ? old : card);
    }
    if (!next.length) next.push(el('li', { className: 'empty', dataset: { key: 'empty', hash: '' } }, 'No deliveries yet: enable a webhook, then send a test or emit an event.'));
    const same = next.length === ui.deliveries.children.length && next.every((node, i) => ui.deliveries.children[i] === node);
    if (!same) {
      fill(ui.deliveries, ...next);
      restoreFocus(focusKey, ui.deliveries);
    }
    setSummary(
      list.length
        ? `${list.length} deliver${list.length === 1 ? 'y' : 'ies'}${list.length > MAX_SHOWN ? ` (newest ${MAX_SHOWN} shown)` : ''}: ` +
            `${pass} verified, ${fail} failed verification${sorted.length - pass - fail ? `, ${sorted.length - pass - fail} not sent yet` : ''}.`
        : 'No deliveries yet.',
      fail ? 'error' : list.length ? 'ok' : '',
    );
  }

  function deliveryCard(d, verdict) {
    const attempts = attemptsOf(d);
    const hook = webhooks.find((h) => h.id === (d.webhook_id ?? d.webhookId));
    const request = signedRequestOf(d);
    const events = eventTypesOf(d, request);
    const state = String(d.state ?? d.status ?? 'unknown');
    const stateKind = { delivered: 'pass', failed: 'fail', dropped: 'fail', retrying: 'warn' }[state] ?? 'neutral';
    const id = String(d.id ?? '');
    const titleId = `delivery-${id.replace(/[^A-Za-z0-9_-]/g, '_')}-title`;
    const hash = JSON.stringify([state, d.waiting, d.nextAttemptAt, attempts, verdict.status, verdict.code, hook?.title, d.events?.length]);
    return el(
      'li',
      { className: 'card delivery', dataset: { key: id, hash, id, verification: verdict.status, state }, 'aria-labelledby': titleId },
      el(
        'div',
        { className: 'card-head' },
        el('span', { className: 'card-title', id: titleId }, hook ? hook.title : (d.webhook_id ?? d.webhookId ?? 'delivery')),
        badge(stateKind, state),
        d.test ? badge('neutral', 'test') : null,
        el(
          'span',
          { className: 'verification', dataset: { testid: 'verification' } },
          badge(verdict.status, verdict.status === 'pass' ? 'signature verified' : verdict.status === 'fail' ? 'verification failed' : 'not verified'),
        ),
        verdict.code ? el('span', { className: 'code' }, verdict.code) : null,
      ),
      el(
        'dl',
        { className: 'facts' },
        el('dt', {}, 'Events'),
        el('dd', {}, events.length ? events.join(', ') : '—'),
        el('dt', {}, 'Attempts'),
        el(
          'dd',
          {},
          attempts.length
            ? el(
                'ol',
                { className: 'attempts' },
                attempts.map((a, i) => {
                  const status = attemptStatus(a);
                  const ok = status === 200;
                  const outcome = status ?? String(a?.error ?? 'no response').split(' (')[0];
                  const label = `#${a?.n ?? i + 1}: ${outcome}${attemptTime(a) ? ` at ${formatTime(attemptTime(a))}` : ''}`;
                  return el('li', {}, badge(ok ? 'pass' : 'fail', label));
                }),
              )
            : 'none yet',
        ),
        d.waiting || d.nextAttemptAt ? el('dt', {}, 'Waiting') : null,
        d.waiting || d.nextAttemptAt
          ? el('dd', {}, [d.waiting, d.nextAttemptAt ? `next attempt at ${formatTime(d.nextAttemptAt)}` : null].filter(Boolean).join('; '))
          : null,
        el('dt', {}, 'Verification'),
        el('dd', {}, verdict.text),
        el('dt', {}, 'Id'),
        el('dd', {}, el('code', {}, id)),
      ),
      request
        ? el(
            'div',
            { className: 'actions' },
            el(
              'button',
              {
                type: 'button',
                className: 'small',
                dataset: { action: 'inspect', focusKey: `${id}:inspect` },
                on: { click: () => openInInspector(request, conn.jwks, { clockSeconds: Math.floor(verdict.nowMs / 1000) }) },
              },
              'Open in inspector',
              el('span', { className: 'sr-only' }, ` (delivery ${id})`),
            ),
          )
        : null,
    );
  }

  function eventTypesOf(d, request) {
    if (Array.isArray(d.events)) return d.events.map((e) => (typeof e === 'string' ? e : e?.type)).filter(Boolean);
    if (Array.isArray(d.event_types)) return d.event_types;
    try {
      const body = JSON.parse(typeof request?.body === 'string' ? request.body : '');
      return (body.payload ?? []).map((e) => e.type);
    } catch {
      return [];
    }
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

  ui.createForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = $('create-webhook');
    button.disabled = true;
    try {
      const f = ui.createForm.elements;
      const config = { delay: f.delay.value.trim() };
      if (f.maxPackageSize.value.trim() !== '') config.max_package_size = Number(f.maxPackageSize.value);
      const type = [...ui.categories.querySelectorAll('input:checked')].map((c) => c.value);
      const hook = await conn.client.webhooks.create({ title: f.title.value.trim(), url: f.url.value.trim(), type, config });
      setStatus('ok', `Created “${hook.title}” (${hook.id}). New webhooks start disabled: press Enable.`);
      await refreshWebhooks();
    } catch (err) {
      reportError('Could not create the webhook', err);
    } finally {
      button.disabled = false;
    }
  });

  ui.emitForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = $('emit');
    button.disabled = true;
    try {
      const count = Math.max(1, Math.floor(Number(ui.eventCount.value) || 1));
      const answer = await admin('/emulator/events', { method: 'POST', body: { type: ui.eventType.value, count } });
      const events = answer?.events ?? [];
      const routed = new Set(events.flatMap((e) => e.webhookIds ?? []));
      setStatus(
        routed.size ? 'ok' : '',
        `Emitted ${events.length} event(s) (${[...new Set(events.map((e) => e.type))].join(', ')}) to ${routed.size} webhook(s)` +
          (routed.size ? '. Enabled webhooks receive them after their delay.' : ': no webhook subscribes to this category.'),
      );
      pollSoon();
    } catch (err) {
      reportError('Could not emit', err);
    } finally {
      button.disabled = false;
    }
  });

  $('refresh-webhooks').addEventListener('click', () => refreshWebhooks().catch((err) => reportError('Could not list webhooks', err)));
  $('refresh-jwks').addEventListener('click', async () => {
    try {
      const jwks = await reloadJwks();
      setStatus('ok', `Loaded ${jwks.keys?.length ?? 0} key(s): ${(jwks.keys ?? []).map((k) => k.kid).join(', ')}.`);
    } catch (err) {
      reportError('Could not load the JWKS', err);
    }
  });
  $('rotate-key').addEventListener('click', async () => {
    try {
      const rotated = await admin('/emulator/rotate-key', { method: 'POST', body: {} });
      if (rotated?.keyId) conn.info = { ...conn.info, deliverySigningKeyId: rotated.keyId };
      const jwks = await reloadJwks();
      setStatus(
        'ok',
        `Rotated the webhook signing key: new deliveries are signed with ${rotated?.keyId ?? 'a new key'}` +
          `${rotated?.previousKeyId ? `; ${rotated.previousKeyId} stays in the JWKS until ${formatTime(rotated.previousKeyRetiresAt)}` : ''}. The JWKS has ${jwks.keys?.length ?? 0} key(s).`,
      );
    } catch (err) {
      reportError('Could not rotate the key', err);
    }
  });
  ui.live.addEventListener('change', () => {
    if (ui.live.checked && conn) startPolling();
    else stopPolling();
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
