// The local emulator's admin routes (`/emulator/*`, see pkg/emulator/README.md),
// reached with plain fetch through the package's own admin client (the
// emulator answers them with CORS *).
import { AdminError } from 'upvest-webhooks/emulator/admin-client.mjs';

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
