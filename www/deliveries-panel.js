// The manager's deliveries panel: polls the emulator's delivery log
// (`GET /emulator/deliveries`, shaped as pkg/emulator/server.d.mts's
// DeliveryView), verifies each delivery's exact signed request in the browser
// with inspectDelivery() against the emulator's JWKS, and renders the cards.

import { badge, byId, describeError, el, fill, focusKeyOf, formatTime, restoreFocus, toMillis } from './util.js';

export const POLL_MS = 2000;
const MAX_SHOWN = 50;

/** @typedef {import('../pkg/emulator/server.d.mts').DeliveryView} DeliveryView */
/** @typedef {import('../pkg/emulator/server.d.mts').SignedDelivery} SignedDelivery */
/**
 * @typedef {object} Verdict
 * @property {'pass' | 'fail' | 'skip'} status
 * @property {string | null} [code]
 * @property {string} text
 * @property {number} [nowMs] the time the delivery was verified at (its send time)
 * @property {SignedDelivery} [request]
 */

/**
 * Wires the deliveries panel.
 * @param {object} manager
 * @param {typeof import('upvest-webhooks')} manager.pkg
 * @param {() => { jwks: import('upvest-webhooks').Jwks } | null} manager.connection the current connection, if any
 * @param {(path: string) => Promise<any>} manager.admin GET an emulator admin route
 * @param {() => Promise<unknown>} manager.reloadJwks refetches the JWKS after a key rotation
 * @param {(id: string) => { title: string } | undefined} manager.webhook a listed webhook by id
 * @param {(request: SignedDelivery, jwks: import('upvest-webhooks').Jwks, options: { clockSeconds: number }) => void} manager.openInInspector
 */
export function initDeliveriesPanel({ pkg, connection, admin, reloadJwks, webhook, openInInspector }) {
  const summary = byId('deliveries-summary');
  const list = byId('delivery-list');
  const live = /** @type {HTMLInputElement} */ (byId('live'));
  /** @type {ReturnType<typeof setInterval> | null} */
  let pollTimer = null;
  let polling = false;
  let lastSummary = '';
  let lastJwksRefetch = 0;
  /** @type {Map<string, Verdict>} delivery key → verdict (a delivery is verified once, at its send time) */
  const verdicts = new Map();

  function start() {
    stop();
    if (!live.checked) return;
    pollTimer = setInterval(() => {
      if (!document.hidden) poll();
    }, POLL_MS);
    poll();
  }

  function stop() {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
  }

  async function poll() {
    if (!connection() || polling) return;
    polling = true;
    try {
      const { deliveries } = await admin('/emulator/deliveries');
      await render(deliveries);
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
    summary.className = `status-line ${kind}`;
    summary.textContent = text;
  }

  /**
   * When the last attempt was signed: its time if recorded, else the signature's `created`.
   * @param {DeliveryView} d
   * @param {SignedDelivery} request
   */
  function sendTimeMs(d, request) {
    if (d.state === 'delivering') return Date.now(); // signed just now, its attempt is not recorded yet
    const fromAttempt = toMillis(d.attempts.at(-1)?.at);
    if (fromAttempt !== null) return fromAttempt;
    const created = /;created=(\d+)/.exec(request.headers['signature-input'] ?? '')?.[1];
    return created ? Number(created) * 1000 : Date.now();
  }

  /**
   * @param {DeliveryView} d
   * @returns {Promise<Verdict>}
   */
  async function verify(d) {
    const request = d.lastRequest;
    const conn = connection();
    if (!request || !conn) return { status: 'skip', text: 'no signed request yet' };
    const key = `${d.id}|${request.headers.signature ?? ''}`;
    const cached = verdicts.get(key);
    if (cached) return cached;
    const nowMs = sendTimeMs(d, request);
    const inspect = () => pkg.inspectDelivery(request, { keys: conn.jwks, now: () => nowMs });
    /** @type {{ ok: boolean, code?: string | null, message?: string, signatures?: import('upvest-webhooks').SignatureInspection[] }} */
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
        result = inspect(); // conn.jwks is the reloaded set now
      } catch (err) {
        return { status: 'fail', ...describeError(err), text: `could not reload the JWKS: ${describeError(err).message}`, nowMs, request }; // not cached
      }
    }
    const verified = result.signatures?.flatMap((s) => s.bases ?? []).find((b) => b.verified);
    /** @type {Verdict} */
    const verdict = result.ok
      ? { status: 'pass', code: null, text: `verified (v${verified?.version ?? '?'} base, key ${result.signatures?.[0]?.keyid ?? '?'})`, nowMs, request }
      : { status: 'fail', code: result.code ?? null, text: result.message ?? 'failed', nowMs, request };
    verdicts.set(key, verdict);
    return verdict;
  }

  /** @param {DeliveryView[]} deliveries oldest first, as the emulator lists them */
  async function render(deliveries) {
    const sorted = [...deliveries].reverse().slice(0, MAX_SHOWN);
    const focusKey = focusKeyOf();
    const cards = [];
    let pass = 0;
    let fail = 0;
    for (const d of sorted) {
      const verdict = await verify(d);
      if (verdict.status === 'pass') pass++;
      else if (verdict.status === 'fail') fail++;
      cards.push(card(d, verdict));
    }
    // Replace only the cards whose content changed, so focus and reading position survive polling.
    const existing = new Map([...list.children].map((node) => [/** @type {HTMLElement} */ (node).dataset.key, node]));
    const next = [];
    for (const card of cards) {
      const old = existing.get(card.dataset.key);
      next.push(old && /** @type {HTMLElement} */ (old).dataset.hash === card.dataset.hash ? old : card);
    }
    if (!next.length)
      next.push(
        el('li', { className: 'empty', dataset: { key: 'empty', hash: '' } }, 'No deliveries yet: enable a webhook, then send a test or emit an event.'),
      );
    const same = next.length === list.children.length && next.every((node, i) => list.children[i] === node);
    if (!same) {
      fill(list, ...next);
      restoreFocus(focusKey, list);
    }
    const count = deliveries.length;
    const unsent = sorted.length - pass - fail;
    setSummary(
      count
        ? `${count} deliver${count === 1 ? 'y' : 'ies'}${count > MAX_SHOWN ? ` (newest ${MAX_SHOWN} shown)` : ''}: ` +
            `${pass} verified, ${fail} failed verification${unsent ? `, ${unsent} not sent yet` : ''}.`
        : 'No deliveries yet.',
      fail ? 'error' : count ? 'ok' : '',
    );
  }

  /**
   * @param {DeliveryView} d
   * @param {Verdict} verdict
   */
  function card(d, verdict) {
    const { attempts, lastRequest: request, state } = d;
    const hook = webhook(d.webhookId);
    const events = d.events.map((e) => e.type);
    const stateKind = /** @type {Record<string, string>} */ ({ delivered: 'pass', failed: 'fail', dropped: 'fail', retrying: 'warn' })[state] ?? 'neutral';
    const id = d.id;
    const titleId = `delivery-${id.replace(/[^A-Za-z0-9_-]/g, '_')}-title`;
    const hash = JSON.stringify([state, d.waiting, d.nextAttemptAt, attempts, verdict.status, verdict.code, hook?.title, d.events.length]);
    const waiting = d.waiting || d.nextAttemptAt;
    return el(
      'li',
      { className: 'card delivery', dataset: { key: id, hash, id, verification: verdict.status, state }, 'aria-labelledby': titleId },
      el(
        'div',
        { className: 'card-head' },
        el('span', { className: 'card-title', id: titleId }, hook ? hook.title : d.webhookId),
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
                attempts.map((a) => {
                  const outcome = a.status ?? String(a.error ?? 'no response').split(' (')[0];
                  return el('li', {}, badge(a.status === 200 ? 'pass' : 'fail', `#${a.n}: ${outcome} at ${formatTime(a.at)}`));
                }),
              )
            : 'none yet',
        ),
        waiting ? el('dt', {}, 'Waiting') : null,
        waiting ? el('dd', {}, [d.waiting, d.nextAttemptAt ? `next attempt at ${formatTime(d.nextAttemptAt)}` : null].filter(Boolean).join('; ')) : null,
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
                on: {
                  click: () => openInInspector(request, connection()?.jwks ?? { keys: [] }, { clockSeconds: Math.floor((verdict.nowMs ?? Date.now()) / 1000) }),
                },
              },
              'Open in inspector',
              el('span', { className: 'sr-only' }, ` (delivery ${id})`),
            ),
          )
        : null,
    );
  }

  live.addEventListener('change', () => {
    if (live.checked && connection()) start();
    else stop();
  });

  return {
    start,
    stop,
    /** Polls shortly (after a test or an emit). */
    pollSoon: () => setTimeout(poll, 300),
    /** Forgets the verdicts (a new connection has other keys). */
    reset: () => verdicts.clear(),
  };
}
