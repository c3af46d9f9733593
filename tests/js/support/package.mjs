// The package under test, imported exactly as a user would: through the
// tarball installed by `make consumer` and the package's `exports`.
// Set UPVEST_CONSUMER_DIR to test another installation.
import { pathToFileURL } from 'node:url';
const dir = process.env.UPVEST_CONSUMER_DIR ?? new URL('../../../target/consumer/', import.meta.url).pathname;
/** The folder the tarball was installed into (ends with /). */
export const consumerDir = dir.replace(/\/?$/, '/');
export const pkg = await import(pathToFileURL(consumerDir + 'entry.mjs').href);
