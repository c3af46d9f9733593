// Where the installed package lives (`make consumer` puts it there) and a
// loud failure when it does not.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// UPVEST_CONSUMER_DIR overrides the install location (a directory with node_modules/upvest-webhooks).
export const CONSUMER_DIR = process.env.UPVEST_CONSUMER_DIR ? resolve(process.env.UPVEST_CONSUMER_DIR) : join(REPO_ROOT, 'target/consumer');
export const CONSUMER_NODE_MODULES = join(CONSUMER_DIR, 'node_modules');
export const PACKAGE_DIR = join(CONSUMER_NODE_MODULES, 'upvest-webhooks');
export const ARTIFACTS_DIR = join(REPO_ROOT, 'tests/artifacts');

/** Returns the installed package.json, or throws an error that says what to do. */
export function requireInstalledPackage() {
  const manifest = join(PACKAGE_DIR, 'package.json');
  if (!existsSync(manifest)) {
    const message =
      `upvest-webhooks is not installed at ${PACKAGE_DIR}.\n` +
      `Run \`make consumer\` in ${REPO_ROOT} first: it packs ./pkg with npm pack and installs the tarball into target/consumer/.`;
    console.error(`\n*** ${message}\n`);
    throw new Error(message);
  }
  return JSON.parse(readFileSync(manifest, 'utf8'));
}

/**
 * The compatibility date of every Worker the tests and the bench run: the
 * release date of the workerd that miniflare 4 runs here (1.20261117.1, the
 * newest on npm; the root package.json pins it with an override), which is
 * the newest date that binary supports. `workerdSupports()` checks it.
 */
export const COMPATIBILITY_DATE = '2026-11-17';

/** `{ version, compatibilityDate }` of the installed workerd, and whether it supports COMPATIBILITY_DATE. */
export async function workerdSupports(date = COMPATIBILITY_DATE) {
  const { version, compatibilityDate } = await import('workerd');
  return { version, compatibilityDate, ok: date <= compatibilityDate };
}
