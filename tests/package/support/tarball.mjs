// Shared by tests/package/ and tests/examples/: where the packed tarball is,
// fresh projects under target/ that install it the way a user would, and a
// small child-process runner whose failures print what the command said.
//
// The tarball comes from `make consumer` (npm pack ./pkg →
// target/npm/upvest-webhooks-<version>.tgz). The package has no
// dependencies, so `npm install --offline <tgz>` needs no registry.

import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const PKG_VERSION = JSON.parse(readFileSync(join(REPO_ROOT, 'pkg/package.json'), 'utf8')).version;
// UPVEST_TARBALL overrides it (another packed build of the same version).
export const TARBALL = process.env.UPVEST_TARBALL ? resolve(process.env.UPVEST_TARBALL) : join(REPO_ROOT, 'target/npm', `upvest-webhooks-${PKG_VERSION}.tgz`);
export const BIN = join(REPO_ROOT, 'node_modules/.bin');
/** The repository's emulator (test infrastructure; the packed copy is the same file). */
export const EMULATOR_MODULE = join(REPO_ROOT, 'pkg/emulator/server.mjs');

/** Throws an error that says what to do when the tarball is missing. */
export function requireTarball() {
  if (!existsSync(TARBALL)) {
    const message = `${TARBALL} is missing: run \`make consumer\` in ${REPO_ROOT} first (it packs ./pkg with npm pack).`;
    console.error(`\n*** ${message}\n`);
    throw new Error(message);
  }
  return TARBALL;
}

/**
 * Runs a command; resolves to `{ code, signal, stdout, stderr, ms }` whatever
 * the exit code (tests assert on it). `timeoutMs` kills it.
 */
export function run(command, args, { cwd, env, timeoutMs = 60_000 } = {}) {
  const started = Date.now();
  return new Promise((resolvePromise) => {
    execFile(
      command,
      args,
      { cwd, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        resolvePromise({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          signal: error?.signal ?? null,
          stdout,
          stderr,
          ms: Date.now() - started,
        });
      },
    );
  });
}

/** `command` and its output, for assertion messages. */
export function describeRun(label, result) {
  return `${label} exited ${result.code}${result.signal ? ` (${result.signal})` : ''}\n--- stdout\n${result.stdout.trim()}\n--- stderr\n${result.stderr.trim()}`;
}

/**
 * Creates an empty project at target/<area>/<name> (deleting an old one):
 * `packageJson` (an object) and `files` ({ 'relative/path': text }).
 */
export function freshProject(area, name, { packageJson, files = {} } = {}) {
  const dir = join(REPO_ROOT, 'target', area, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(packageJson ?? { name, private: true }, null, 2)}\n`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/**
 * Copies examples/<name> to target/examples/<name> and installs the tarball
 * there, in place of the registry's `upvest-webhooks@^0.1.0`. Dependencies
 * other than upvest-webhooks (express, wrangler) are dropped from the copy's
 * package.json: they resolve from the workspace's node_modules (root
 * devDependencies), which Node finds by walking up from target/.
 * Resolves to the copy's directory.
 */
export async function installExample(name) {
  requireTarball();
  const source = join(REPO_ROOT, 'examples', name);
  const dir = join(REPO_ROOT, 'target/examples', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  cpSync(source, dir, { recursive: true, filter: (p) => !/[/\\](node_modules|dist|\.wrangler)$/.test(p) });
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const { dependencies, devDependencies, ...rest } = manifest;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(rest, null, 2)}\n`);
  await installTarball(dir);
  return dir;
}

/** `npm install <tarball>` into `dir`: offline, no lockfile, no audit. */
export async function installTarball(dir) {
  requireTarball();
  const result = await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts', '--loglevel=error', TARBALL], {
    cwd: dir,
    timeoutMs: 60_000,
  });
  if (result.code !== 0) throw new Error(describeRun(`npm install ${TARBALL} (in ${dir})`, result));
  const installed = JSON.parse(readFileSync(join(dir, 'node_modules/upvest-webhooks/package.json'), 'utf8'));
  if (installed.version !== PKG_VERSION) throw new Error(`installed upvest-webhooks ${installed.version}, expected ${PKG_VERSION}`);
  return { ms: result.ms };
}

/** Environment for `wrangler deploy --dry-run`: no telemetry, no login, config and logs under `home`, no update check. */
export function wranglerEnv(home) {
  return {
    CI: 'true',
    WRANGLER_SEND_METRICS: 'false',
    WRANGLER_SEND_ERROR_REPORTS: 'false',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    // wrangler keeps its config (~/.config/.wrangler) and logs there
    XDG_CONFIG_HOME: join(home, 'config'),
    WRANGLER_LOG_PATH: join(home, 'logs'),
    // wrangler's "update available" check asks the npm registry; point it at a closed port
    npm_config_registry: 'http://127.0.0.1:9/',
  };
}

/** wrangler's output in one line: the upload size and the bindings it saw (no banner, no out-of-date warning). */
export function wranglerSummary(output) {
  const lines = output.split('\n').map((line) => line.replace(/\x1b\[[0-9;]*m/g, '').trim());
  const size = lines.find((l) => l.startsWith('Total Upload:'))?.replace('Total Upload: ', 'upload ') ?? 'no size reported';
  const bindings = lines.filter((l) => /^- [A-Z0-9_]+:/.test(l)).map((l) => l.slice(2).split(':')[0]);
  return `${size}; bindings: ${bindings.length ? bindings.join(', ') : 'none'}`;
}
