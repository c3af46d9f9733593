// The delivery inspector: reads the form, calls the package's synchronous
// inspectDelivery(), and renders its report step by step.

import { InputError, badge, byId, fill, describeError, el, formatHeaders, formatUnix, parseHeaders, truncate } from './util.js';

const STEP_TITLES = {
  headers: 'Signature headers',
  'signature-input': 'Signature input',
  key: 'Key',
  digest: 'Body digest',
  base: 'Signature base',
  signature: 'Signature',
  time: 'Time window',
  payload: 'Payload',
};
const BASE_NAMES = {
  6: 'v6 base (unquoted names, as Upvest signs webhooks)',
  15: 'Quoted base (draft-15 / RFC 9421)',
};
const SAMPLE_URL = 'https://tenant.example/webhooks/upvest';
const SAMPLE_KID = 'playground-sample-key';

/**
 * Wires the inspector form. `pkg` is the imported package; `fetchEmulatorJwks`
 * resolves to the emulator's JWKS (the manager connects if needed).
 * Returns `{ load(delivery, jwks, { clockSeconds }) }` for the manager.
 */
export function initInspector(pkg, { fetchEmulatorJwks }) {
  const form = byId('inspect-form');
  /** @type {(id: string) => HTMLInputElement} the form's inputs and textareas (both have `value`) */
  const input = (id) => /** @type {HTMLInputElement} */ (byId(id));
  const fields = {
    method: input('method'),
    url: input('url'),
    headers: input('headers'),
    body: input('body'),
    jwks: input('jwks'),
    clock: input('clock'),
    tolerance: input('tolerance'),
    maxAge: input('max-age'),
  };
  const verdict = byId('inspect-verdict');
  const report = byId('inspect-report');

  function clearInvalid() {
    for (const input of Object.values(fields)) input.removeAttribute('aria-invalid');
  }

  function showVerdict(status, title, message, code) {
    verdict.className = `verdict ${status}`;
    fill(
      verdict,
      el('span', { 'aria-hidden': 'true' }, status === 'pass' ? '✓ ' : '✗ '),
      title,
      code ? [' ', el('span', { className: 'code', 'data-testid': 'verdict-code' }, code)] : null,
      message ? el('span', { className: 'message' }, message) : null,
    );
  }

  function readForm() {
    clearInvalid();
    const method = fields.method.value.trim() || 'POST';
    const url = fields.url.value.trim();
    if (!url) throw new InputError('url', 'Enter the URL (or path) the delivery was sent to.');
    const headers = parseHeaders(fields.headers.value);
    const jwksText = fields.jwks.value.trim();
    if (!jwksText) throw new InputError('jwks', 'Paste the JWKS from GET /auth/verify_keys, or fetch it from the emulator.');
    let jwks;
    try {
      jwks = JSON.parse(jwksText);
    } catch (err) {
      throw new InputError('jwks', `The JWKS is not JSON: ${/** @type {SyntaxError} */ (err).message}`);
    }
    const options = { keys: jwks };
    const number = (input, name) => {
      const text = input.value.trim();
      if (text === '') return undefined;
      const n = Number(text);
      if (!Number.isFinite(n) || n < 0) throw new InputError(name, `${input.labels[0].textContent.trim()} must be a non-negative number.`);
      return n;
    };
    const tolerance = number(fields.tolerance, 'tolerance');
    const maxAge = number(fields.maxAge, 'maxAge');
    const clock = number(fields.clock, 'clock');
    if (tolerance !== undefined) options.toleranceSeconds = Math.floor(tolerance);
    if (maxAge !== undefined) options.maxAgeSeconds = Math.floor(maxAge);
    const nowMs = clock !== undefined ? clock * 1000 : Date.now();
    options.now = () => nowMs;
    return { request: { method, url, headers, body: fields.body.value }, options, jwks, nowMs };
  }

  function run() {
    let input;
    try {
      input = readForm();
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const field = fields[err.field];
      field?.setAttribute('aria-invalid', 'true');
      report.hidden = true;
      showVerdict('fail', 'Cannot verify: ', err.message);
      if (field) {
        field.closest('details')?.setAttribute('open', '');
        field.focus();
      }
      return null;
    }
    let result;
    try {
      result = pkg.inspectDelivery(input.request, input.options);
    } catch (err) {
      // Misconfiguration (for example ERR_JWKS_INVALID): the verifier would throw this too.
      const { code, message } = describeError(err);
      report.hidden = true;
      showVerdict('fail', 'Rejected:', message, code ?? undefined);
      return null;
    }
    render(result, input);
    return result;
  }

  function render(result, { request, jwks, nowMs, options }) {
    const sigs = result.signatures ?? [];
    if (result.ok) {
      const good = sigs.find((s) => s.bases?.some((b) => b.verified) && s.steps.every((st) => st.status === 'pass')) ?? sigs[0];
      const base = good?.bases.find((b) => b.verified);
      const payload = result.steps.find((s) => s.name === 'payload');
      showVerdict(
        'pass',
        'Verified',
        [payload?.summary, good && `signature ${good.label}, key "${good.keyid}"`, base && `v${base.version === 6 ? '6' : '15 (quoted)'} base`]
          .filter(Boolean)
          .join(' · '),
      );
    } else {
      showVerdict('fail', 'Rejected:', result.message ?? 'the delivery did not verify', result.code);
    }

    const before = result.steps.filter((s) => s.name !== 'payload');
    const after = result.steps.filter((s) => s.name === 'payload');
    const requestSteps = (steps) =>
      el(
        'ol',
        { className: 'steps' },
        steps.map((step) => stepItem(step, requestDetail(step))),
      );

    const requestDetail = (step) => {
      if (step.name === 'headers') {
        const names = request.headers.map(([n]) => n.toLowerCase());
        return el('p', { className: 'help' }, `${names.length} header line(s): ${names.join(', ') || 'none'}`);
      }
      return null;
    };

    fill(
      report,
      el('h3', {}, 'Step by step'),
      requestSteps(before),
      sigs.map((sig) => signatureSection(sig, { request, jwks, nowMs, options })),
      after.length ? requestSteps(after) : null,
      result.ok ? null : el('p', { className: 'help' }, 'The verdict is the verifier’s own: the first failing check, in the order the verifier applies them.'),
    );
    report.hidden = false;
  }

  function stepItem(step, detail) {
    return el(
      'li',
      { className: 'step', dataset: { step: step.name, status: step.status } },
      el(
        'div',
        { className: 'step-head' },
        badge(step.status),
        el('span', { className: 'step-title' }, STEP_TITLES[step.name] ?? step.name),
        step.code ? el('span', { className: 'code' }, step.code) : null,
      ),
      el('p', { className: 'step-summary' }, step.summary),
      detail ? el('div', { className: 'step-detail' }, detail) : null,
    );
  }

  function signatureSection(sig, ctx) {
    const params = el(
      'dl',
      { className: 'facts' },
      el('dt', {}, 'Covered components'),
      el(
        'dd',
        {},
        el(
          'ul',
          { className: 'chips', 'aria-label': 'Covered components' },
          sig.components.map((c) => el('li', {}, c)),
        ),
      ),
      el('dt', {}, 'keyid'),
      el('dd', {}, el('code', {}, sig.keyid)),
      el('dt', {}, 'created'),
      el('dd', {}, `${sig.created} (${formatUnix(sig.created)})`),
      el('dt', {}, 'expires'),
      el('dd', {}, sig.expires === null ? 'none (max age applies)' : `${sig.expires} (${formatUnix(sig.expires)})`),
      el('dt', {}, 'nonce'),
      el('dd', {}, sig.nonce === null ? 'none' : el('code', {}, sig.nonce)),
      el('dt', {}, 'Parameters as received'),
      el('dd', {}, el('pre', { className: 'mono' }, sig.params)),
    );
    const details = {
      key: () => keyDetail(sig, ctx.jwks),
      digest: () => digestDetail(ctx.request),
      base: () => basesDetail(sig),
      time: () => timeDetail(sig, ctx),
    };
    const headingId = `sig-${sig.label.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    return el(
      'section',
      { className: 'signature', 'aria-labelledby': headingId, dataset: { label: sig.label } },
      el('h4', { id: headingId }, `Signature `, el('code', {}, sig.label)),
      params,
      el(
        'ol',
        { className: 'steps', style: 'margin-top:0.75rem' },
        sig.steps.map((step) => stepItem(step, details[step.name]?.())),
      ),
    );
  }

  function keyDetail(sig, jwks) {
    const keys = Array.isArray(jwks?.keys) ? jwks.keys : [];
    const key = keys.find((k) => k && k.kid === sig.keyid);
    if (!key) return el('p', { className: 'help' }, `The JWKS has ${keys.length} key(s): ${keys.map((k) => k?.kid).join(', ') || 'none'}.`);
    return el(
      'dl',
      { className: 'facts' },
      el('dt', {}, 'kid'),
      el('dd', {}, el('code', {}, key.kid)),
      el('dt', {}, 'type'),
      el('dd', {}, [key.kty, key.crv, key.alg].filter(Boolean).join(' · ')),
      el('dt', {}, 'x'),
      el('dd', {}, el('code', {}, truncate(key.x ?? '', 32))),
      el('dt', {}, 'In the set'),
      el('dd', {}, `${keys.length} key(s)`),
    );
  }

  function digestDetail(request) {
    const digests = request.headers.filter(([n]) => /^(content-)?digest$/i.test(n));
    const bytes = new TextEncoder().encode(request.body).length;
    return el(
      'dl',
      { className: 'facts' },
      digests.map(([n, v]) => [el('dt', {}, n.toLowerCase()), el('dd', {}, el('code', {}, v))]),
      el('dt', {}, 'Body'),
      el('dd', {}, `${bytes} byte(s) (UTF-8)`),
    );
  }

  function basesDetail(sig) {
    return el(
      'div',
      { className: 'bases' },
      sig.bases.map((base) => {
        const state = base.verified ? badge('pass', 'verified') : base.tried ? badge('neutral', 'tried, did not verify') : badge('skip', 'not tried');
        return el(
          'figure',
          { className: 'base', style: 'margin:0', dataset: { version: String(base.version), verified: String(base.verified), tried: String(base.tried) } },
          el('figcaption', { className: 'base-head' }, BASE_NAMES[base.version] ?? `v${base.version}`, state),
          el('pre', { className: 'mono' }, base.text),
        );
      }),
    );
  }

  function timeDetail(sig, { nowMs, options }) {
    return el(
      'dl',
      { className: 'facts' },
      el('dt', {}, 'Clock'),
      el('dd', {}, `${Math.floor(nowMs / 1000)} (${formatUnix(Math.floor(nowMs / 1000))})`),
      el('dt', {}, 'Window'),
      el(
        'dd',
        {},
        sig.expires === null
          ? `valid while created − ${options.toleranceSeconds ?? 300} s ≤ clock ≤ created + ${options.maxAgeSeconds ?? 300} s (no expires: max age)`
          : `valid while created − ${options.toleranceSeconds ?? 300} s ≤ clock ≤ expires + ${options.toleranceSeconds ?? 300} s (tolerance)`,
      ),
    );
  }

  // ---- buttons ----

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run();
  });

  byId('load-sample').addEventListener('click', () => {
    const { jwks, privateJwk } = pkg.generateTestKeyPair({ kid: SAMPLE_KID });
    const now = new Date().toISOString();
    const delivery = pkg.signTestDelivery({
      privateJwk,
      url: SAMPLE_URL,
      events: [
        {
          id: crypto.randomUUID(),
          created_at: now,
          type: 'ORDER.FILLED',
          object: { id: crypto.randomUUID(), account_id: crypto.randomUUID(), instrument_id: 'US0378331005', side: 'BUY', quantity: '2', status: 'FILLED' },
          webhook_id: crypto.randomUUID(),
        },
      ],
    });
    load(delivery, jwks, { clockSeconds: null });
    run();
  });

  byId('tamper').addEventListener('click', () => {
    const body = fields.body.value;
    // Change one ASCII letter or digit near the middle, keeping the length.
    const start = Math.floor(body.length / 2);
    for (let offset = 0; offset < body.length; offset++) {
      const i = (start + offset) % body.length;
      const ch = body[i];
      let next = null;
      if (ch >= '0' && ch <= '8') next = String.fromCharCode(ch.charCodeAt(0) + 1);
      else if (ch === '9') next = '0';
      else if ((ch >= 'a' && ch < 'z') || (ch >= 'A' && ch < 'Z')) next = String.fromCharCode(ch.charCodeAt(0) + 1);
      if (next) {
        fields.body.value = body.slice(0, i) + next + body.slice(i + 1);
        run();
        return;
      }
    }
    showVerdict('fail', 'Nothing to change: ', 'the body has no letter or digit.');
  });

  byId('fetch-jwks').addEventListener('click', async (event) => {
    const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
    button.disabled = true;
    try {
      const jwks = await fetchEmulatorJwks();
      fields.jwks.value = JSON.stringify(jwks, null, 2);
      showVerdict(
        'pass',
        'JWKS loaded',
        `${jwks.keys?.length ?? 0} key(s) from the emulator: ${(jwks.keys ?? []).map((k) => k.kid).join(', ')}. Press Verify.`,
      );
      report.hidden = true;
    } catch (err) {
      const { code, message } = describeError(err);
      showVerdict('fail', 'Could not fetch the JWKS:', message, code ?? undefined);
    } finally {
      button.disabled = false;
    }
  });

  byId('clear').addEventListener('click', () => {
    for (const name of ['url', 'headers', 'body', 'jwks', 'clock']) fields[name].value = '';
    fields.method.value = 'POST';
    clearInvalid();
    fill(verdict);
    verdict.className = 'verdict';
    report.hidden = true;
    fields.url.focus();
  });

  /** Fills the form with a delivery `{ method, url, headers, body }` and its JWKS. */
  function load(delivery, jwks, { clockSeconds = null } = {}) {
    fields.method.value = delivery.method ?? 'POST';
    fields.url.value = delivery.url ?? '';
    fields.headers.value = formatHeaders(delivery.headers);
    fields.body.value = typeof delivery.body === 'string' ? delivery.body : new TextDecoder().decode(delivery.body ?? new Uint8Array());
    if (jwks) fields.jwks.value = JSON.stringify(jwks, null, 2);
    fields.clock.value = clockSeconds === null || clockSeconds === undefined ? '' : String(clockSeconds);
    if (clockSeconds !== null && clockSeconds !== undefined) /** @type {HTMLDetailsElement} */ (form.querySelector('details.options')).open = true;
    clearInvalid();
  }

  return {
    load(delivery, jwks, opts) {
      load(delivery, jwks, opts);
      const result = run();
      byId('inspector-title').scrollIntoView();
      fields.url.focus({ preventScroll: true });
      return result;
    },
  };
}
