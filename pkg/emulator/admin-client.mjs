// The emulator's admin routes (`/emulator/*`, see README.md) reached with
// plain fetch, JSON in and out. The CLI's control commands, the playground,
// `make demo` and the test suites all call the emulator through this file, so
// it runs wherever fetch does (Node, Deno, Bun, browsers).

/**
 * An admin call that failed: `code` is ERR_NETWORK when the emulator could
 * not be reached, ERR_EMULATOR_STATUS when it answered outside 2xx (then
 * `status` is set).
 */
export class AdminError extends Error {
  /**
   * @param {string} message
   * @param {{ code: string, status?: number, cause?: unknown }} details
   */
  constructor(message, { code, status, cause }) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'AdminError';
    /** @type {string} */
    this.code = code;
    /** @type {number | undefined} */
    this.status = status;
  }
}

/**
 * @typedef {object} AdminAnswer
 * @property {number} status
 * @property {boolean} ok
 * @property {Headers} headers
 * @property {string} text
 * @property {any} json the body as JSON; undefined when it is empty or not JSON
 */

/**
 * Calls `path` on the emulator at `base` and returns the answer whatever its
 * status. `body`, when given, is sent as JSON. A network failure rejects with
 * an AdminError (ERR_NETWORK) that keeps fetch's error as its cause.
 * @param {string} base the emulator's base URL (a trailing slash is ignored)
 * @param {string} path `/emulator/…`
 * @param {{ method?: string, body?: unknown }} [options]
 * @returns {Promise<AdminAnswer>}
 */
export async function callAdmin(base, path, { method = 'GET', body } = {}) {
  const root = base.replace(/\/+$/, '');
  let response;
  try {
    response = await fetch(`${root}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (cause) {
    const reason = /** @type {any} */ (cause)?.cause?.code ?? /** @type {any} */ (cause)?.message ?? String(cause);
    throw new AdminError(`cannot reach the emulator at ${root} (${reason}); is it running? Start it with: npx upvest-webhooks-emulator`, {
      code: 'ERR_NETWORK',
      cause,
    });
  }
  return readAnswer(response);
}

/**
 * Reads a fetch Response whole: `{ status, ok, headers, text, json }`, where
 * `json` is undefined when the body is empty or not JSON.
 * @param {Response} response
 * @returns {Promise<AdminAnswer>}
 */
export async function readAnswer(response) {
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, ok: response.ok, headers: response.headers, text, json };
}

/**
 * `callAdmin` for callers that want the JSON of a 2xx answer (null when the
 * body is empty) and an AdminError (ERR_EMULATOR_STATUS) for anything else,
 * with the problem's detail in its message.
 * @param {string} base
 * @param {string} path
 * @param {{ method?: string, body?: unknown }} [options]
 * @returns {Promise<any>}
 */
export async function adminJson(base, path, options = {}) {
  const answer = await callAdmin(base, path, options);
  if (!answer.ok) {
    const detail = answer.json?.detail ?? answer.json?.title ?? answer.text.slice(0, 200);
    throw new AdminError(`${options.method ?? 'GET'} ${path} answered ${answer.status}${detail ? `: ${detail}` : ''}`, {
      code: 'ERR_EMULATOR_STATUS',
      status: answer.status,
    });
  }
  return answer.json ?? null;
}
