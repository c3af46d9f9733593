// Helpers for tests/examples/: the example copies (installed from the packed
// tarball), the emulator, child processes, and small waits.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EMULATOR_MODULE } from '../../package/support/tarball.mjs';

export { installExample, REPO_ROOT, BIN, describeRun, run, wranglerEnv, wranglerSummary } from '../../package/support/tarball.mjs';

/**
 * Imports `specifier` as code in `dir` would resolve it (the example copy's
 * own node_modules): `upvest-webhooks` → the installed tarball.
 */
export async function importFrom(dir, specifier) {
  const file = createRequire(join(dir, 'package.json')).resolve(specifier);
  return import(pathToFileURL(file).href);
}

/** Starts the repository's local Upvest emulator (fast: time factor 0.01). */
export async function startEmulator(options = {}) {
  const { startEmulator: start } = await import(pathToFileURL(EMULATOR_MODULE).href);
  return start({ port: 0, timeFactor: 0.01, ...options });
}

/** Client options for an emulator (http receivers need allowHttpLocalhost). */
export const clientOptionsFor = (emu) => ({
  baseUrl: emu.baseUrl,
  clientId: emu.clientId,
  clientSecret: emu.clientSecret,
  keyId: emu.keyId,
  privateKey: emu.privateKeyPem,
  allowHttpLocalhost: true,
});

/** The environment variables the examples read, for an emulator. */
export const upvestEnvFor = (emu) => ({
  UPVEST_BASE_URL: emu.baseUrl,
  UPVEST_CLIENT_ID: emu.clientId,
  UPVEST_CLIENT_SECRET: emu.clientSecret,
  UPVEST_KEY_ID: emu.keyId,
  UPVEST_PRIVATE_KEY: emu.privateKeyPem,
});

/** Polls `check()` until it returns a truthy value; throws `message()` after `timeoutMs`. */
export async function waitUntil(check, { timeoutMs = 10_000, intervalMs = 20, message = () => 'timed out' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(typeof message === 'function' ? message() : message);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Spawns a long-running process (an example server). `lines` collects its
 * stdout and stderr lines; `waitForLine(re)` resolves to the first match;
 * `stop()` sends SIGTERM and waits for the exit.
 */
export function startProcess(command, args, { cwd, env } = {}) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  let exit = null;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve((exit = { code, signal }))));
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop();
      lines.push(...parts);
    });
    stream.on('end', () => rest && lines.push(rest));
  }
  return {
    child,
    lines,
    output: () => lines.join('\n'),
    async waitForLine(re, timeoutMs = 10_000) {
      const line = await waitUntil(() => lines.find((l) => re.test(l)) ?? (exit ? Promise.reject(new Error(`exited ${JSON.stringify(exit)} before printing ${re}:\n${lines.join('\n')}`)) : null), {
        timeoutMs,
        message: () => `no line matching ${re} within ${timeoutMs} ms; output:\n${lines.join('\n')}`,
      });
      return line.match(re);
    },
    async stop() {
      if (exit) return exit;
      child.kill('SIGTERM');
      return exited;
    },
  };
}
