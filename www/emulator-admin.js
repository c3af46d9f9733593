// The local emulator's admin routes (`/emulator/*`, see pkg/emulator/README.md),
// reached with plain fetch: the emulator answers them with CORS *.

/** An error with a stable `code` (and the HTTP `status` when the emulator answered). */
class AdminError extends Error {
  /**
   * @param {string} message
   * @param {{ code?: string, status?: number, cause?: unknown }} [details]
   */
  constructor(message, { code, status, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    /** @type {string | undefined} */
    this.code = code;
    /** @type {number | undefined} */
    this.status = status;
  }
}

/**
 * The emulator's base URL from what the user typed: an http(s) URL, its path
 * without trailing slashes.
 * @param {string} text
 * @returns {string}
 */
export function normalizeBase(text) {
  let url;
  try {
    url = new URL(text.trim());
  } catch {
    throw new AdminError(`"${text}" is not a URL`, { code: 'ERR_INVALID_ARGUMENT' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AdminError('the emulator URL must be http or https', { code: 'ERR_INVALID_ARGUMENT' });
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Calls an admin route and returns its JSON (null for an empty body). A network
 * failure is ERR_NETWORK; a non-2xx answer throws with its `status` and the
 * problem's detail.
 * @param {string} base the emulator's base URL (see normalizeBase)
 * @param {string} path `/emulator/…`
 * @param {{ method?: string, body?: unknown }} [options] `body` is sent as JSON
 * @returns {Promise<any>}
 */
export async function adminFetch(base, path, { method = 'GET', body } = {}) {
  let response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (cause) {
    throw new AdminError(`could not reach the emulator at ${base} (is it running? node pkg/emulator/cli.mjs --port 8787)`, { code: 'ERR_NETWORK', cause });
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  if (!response.ok) {
    const detail = json?.detail || json?.title || json?.error;
    throw new AdminError(`${method} ${path} answered ${response.status}${detail ? `: ${detail}` : ''}`, { status: response.status });
  }
  return json;
}
