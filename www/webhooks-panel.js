// The manager's webhook panels: the create form (with its category boxes) and
// the list of webhooks with enable / disable, send test and delete. Every call
// goes through the package's UpvestClient (signed requests).

// The 27 subscription categories (ALL first), generated from Upvest's OpenAPI
// (scripts/gen-event-types.mjs); the page's import map serves the package's file.
import { WEBHOOK_CATEGORIES } from 'upvest-webhooks/src/categories.js';
import { badge, byId, el, fill, focusKeyOf, restoreFocus, runAction } from './util.js';

/** @typedef {import('upvest-webhooks').Webhook} Webhook */

/**
 * Wires the create form and the webhook list.
 * @param {object} manager
 * @param {() => import('upvest-webhooks').UpvestClient} manager.client the connected client
 * @param {(kind: string, text: string) => void} manager.setStatus
 * @param {(prefix: string, err: unknown) => void} manager.reportError
 * @param {() => void} manager.pollSoon asks the deliveries panel to poll now (after a test)
 */
export function initWebhooksPanel({ client, setStatus, reportError, pollSoon }) {
  const form = /** @type {HTMLFormElement} */ (byId('create-form'));
  const categories = byId('category-list');
  const list = byId('webhook-list');
  const createButton = /** @type {HTMLButtonElement} */ (byId('create-webhook'));
  /** @type {Webhook[]} */
  let webhooks = [];

  for (const category of WEBHOOK_CATEGORIES) {
    const id = `cat-${category}`;
    categories.append(
      el('label', { for: id }, el('input', { type: 'checkbox', id, name: 'category', value: category, checked: category === 'ALL' }), category),
    );
  }

  async function refresh() {
    const page = await client().webhooks.list({ limit: 100, sort: 'created_at', order: 'ASC' });
    webhooks = page.data;
    render();
  }

  function render() {
    const focusKey = focusKeyOf();
    if (!webhooks.length) {
      fill(list, el('li', { className: 'empty' }, 'No webhooks yet: create one above.'));
    } else {
      fill(list, ...webhooks.map(card));
    }
    restoreFocus(focusKey, list);
  }

  /** @param {Webhook} hook */
  function card(hook) {
    const titleId = `hook-${hook.id}-title`;
    /**
     * @param {string} name
     * @param {string} label
     * @param {() => Promise<void>} handler
     */
    const action = (name, label, handler, className = '') =>
      el(
        'button',
        {
          type: 'button',
          className: `small ${className}`,
          dataset: { action: name, focusKey: `${hook.id}:${name}` },
          on: {
            click: (/** @type {Event} */ e) =>
              runAction(/** @type {HTMLButtonElement} */ (e.currentTarget), handler, (err) => reportError('That did not work', err)),
          },
        },
        label,
        el('span', { className: 'sr-only' }, ` webhook ${hook.title}`),
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
        el('dd', {}, hook.type.join(', ')),
        el('dt', {}, 'Config'),
        el('dd', {}, `delay ${hook.config?.delay ?? '—'}, max package ${hook.config?.max_package_size ?? '—'} bytes`),
        el('dt', {}, 'Id'),
        el('dd', {}, el('code', {}, hook.id)),
      ),
      el(
        'div',
        { className: 'actions' },
        action(hook.enabled ? 'disable' : 'enable', hook.enabled ? 'Disable' : 'Enable', async () => {
          const updated = await client().webhooks.update(hook.id, { enabled: !hook.enabled });
          setStatus('ok', `${updated.enabled ? 'Enabled' : 'Disabled'} “${updated.title}”.`);
          // The toggled button changes name: keep focus on it.
          if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
          await refresh();
          /** @type {HTMLElement | null} */ (list.querySelector(`[data-focus-key="${hook.id}:${updated.enabled ? 'disable' : 'enable'}"]`))?.focus();
        }),
        action('test', 'Send test', async () => {
          await client().webhooks.test(hook.id);
          setStatus('ok', `Test requested for “${hook.title}” (202): watch Deliveries below.`);
          pollSoon();
        }),
        action(
          'delete',
          'Delete',
          async () => {
            await client().webhooks.delete(hook.id);
            setStatus('ok', `Deleted “${hook.title}”.`);
            await refresh();
            const title = byId('webhooks-title');
            title.setAttribute('tabindex', '-1');
            title.focus();
          },
          'danger',
        ),
      ),
    );
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    createButton.disabled = true;
    try {
      const field = (/** @type {string} */ name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name)).value.trim();
      /** @type {{ delay: string, max_package_size?: number }} */
      const config = { delay: field('delay') };
      if (field('maxPackageSize') !== '') config.max_package_size = Number(field('maxPackageSize'));
      const type = [...categories.querySelectorAll('input:checked')].map((c) => /** @type {HTMLInputElement} */ (c).value);
      const hook = await client().webhooks.create({ title: field('title'), url: field('url'), type, config });
      setStatus('ok', `Created “${hook.title}” (${hook.id}). New webhooks start disabled: press Enable.`);
      await refresh();
    } catch (err) {
      reportError('Could not create the webhook', err);
    } finally {
      createButton.disabled = false;
    }
  });

  byId('refresh-webhooks').addEventListener('click', () => refresh().catch((err) => reportError('Could not list webhooks', err)));

  return {
    refresh,
    /** The webhook with this id, if listed. */
    find: (/** @type {string} */ id) => webhooks.find((h) => h.id === id),
  };
}
