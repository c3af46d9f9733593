// The package under test, imported exactly as a user would: through the
// tarball installed by `make consumer` and the package's `exports`.
// Set UPVEST_CONSUMER_DIR to test another installation.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const dir = process.env.UPVEST_CONSUMER_DIR ?? new URL('../../../target/consumer/', import.meta.url).pathname;
/** The folder the tarball was installed into (ends with /). */
export const consumerDir = dir.replace(/\/?$/, '/');
export const pkg = await import(pathToFileURL(`${consumerDir}entry.mjs`).href);

/**
 * The file a bare specifier such as `upvest-webhooks/verifier` names for code
 * in the consumer folder: Node's resolver through the installed package's
 * `exports` (its `node` condition; the package has no `import`/`require` ones).
 */
export function resolveFromConsumer(specifier) {
  return createRequire(`${consumerDir}entry.mjs`).resolve(specifier);
}

/** Imports a bare specifier (a subpath export) as code in the consumer folder would. */
export function importFromConsumer(specifier) {
  return import(pathToFileURL(resolveFromConsumer(specifier)).href);
}
