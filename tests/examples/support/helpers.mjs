// Helpers for tests/examples/: the example copies (installed from the packed
// tarball), the emulator, child processes, wrangler bundles, the event sink
// the Worker examples forward to, and small waits.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BIN, describeRun, run, wranglerEnv, EMULATOR_MODULE } from '../../package/support/tarball.mjs';

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
import { clientOptionsFor } from '../../support/client-options.mjs';

export { clientOptionsFor };

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
      const line = await waitUntil(
        () =>
          lines.find((l) => re.test(l)) ??
          (exit ? Promise.reject(new Error(`exited ${JSON.stringify(exit)} before printing ${re}:\n${lines.join('\n')}`)) : null),
        {
          timeoutMs,
          message: () => `no line matching ${re} within ${timeoutMs} ms; output:\n${lines.join('\n')}`,
        },
      );
      return line.match(re);
    },
    async stop() {
      if (exit) return exit;
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The `compatibility_date` of one of an example's wrangler configs. */
export const compatibilityDateOf = (dir, config = 'wrangler.toml') =>
  /^compatibility_date = "(\d{4}-\d{2}-\d{2})"/m.exec(readFileSync(join(dir, config), 'utf8'))?.[1];

/** What wrangler 4 printed: its version, the upload size and the bindings it saw (`env.NAME` rows). */
function wranglerReport(stdout) {
  const text = stdout.replace(/\x1b\[[0-9;]*m/g, '');
  return {
    version: /wrangler (\d+\.\d+\.\d+)/.exec(text)?.[1],
    upload: /^Total Upload: (.+)$/m.exec(text)?.[1]?.trim(),
    bindings: [...text.matchAll(/^env\.([A-Z0-9_]+)\b/gm)].map((m) => m[1]),
  };
}

/** `wrangler deploy --dry-run` in `dir`; asserts it succeeded; returns the run and its report. */
export async function wranglerDryRun(dir, args) {
  const result = await run(`${BIN}/wrangler`, ['deploy', '--dry-run', ...args], { cwd: dir, env: wranglerEnv(join(dir, '.home')) });
  assert.equal(result.code, 0, describeRun(`wrangler deploy --dry-run ${args.join(' ')}`, result));
  return { ...result, report: wranglerReport(result.stdout) };
}

/**
 * The node:http sink the Worker examples forward each new event to
 * (EVENTS_FORWARD_URL): how a test sees what was processed, and how often.
 * Resolves to `{ url, forwarded, countOf(id), close() }`.
 */
export async function startEventSink() {
  const forwarded = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    forwarded.push(JSON.parse(body));
    res.writeHead(204).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/events`,
    forwarded,
    countOf: (id) => forwarded.filter((e) => e.id === id).length,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Miniflare's `handleRuntimeStdio` that appends the Workers' output lines to `lines`. */
export const collectStdio = (lines) => (stdout, stderr) => {
  for (const stream of [stdout, stderr]) stream.on('data', (chunk) => lines.push(...String(chunk).split('\n').filter(Boolean)));
};

/** The emulator's deliveries to a webhook once each has an attempt recorded (the response is back). */
export const attemptedDeliveries = (emu, webhookId) =>
  waitUntil(() => {
    const list = emu.listDeliveries({ webhookId });
    return list.length > 0 && list.every((d) => d.attempts.length > 0) && list;
  });

/**
 * An example receiver run as its own process against a fresh emulator, in the
 * example copy `dir`: `command ...args` with the UPVEST_* variables of the
 * emulator, PORT=0 and HOST=127.0.0.1, and `env(emu)` on top. It must print
 * `listening on <url>`. Resolves to `{ emu, server, receiverUrl, upvest, close() }`
 * with `upvest` a client of the emulator from the example's own install.
 */
export async function startReceiverExample({ dir, command, args, env = () => ({}), readyTimeoutMs = 10_000 }) {
  const emu = await startEmulator();
  const server = startProcess(command, args, { cwd: dir, env: { ...upvestEnvFor(emu), PORT: '0', HOST: '127.0.0.1', ...env(emu) } });
  let [, receiverUrl] = await server.waitForLine(/listening on (http:\/\/\S+)/, readyTimeoutMs);
  if (new URL(receiverUrl).pathname === '/') receiverUrl = new URL('/webhooks/upvest', receiverUrl).href;
  const { UpvestClient } = await importFrom(dir, 'upvest-webhooks');
  return {
    emu,
    server,
    receiverUrl,
    upvest: new UpvestClient(clientOptionsFor(emu)),
    async close() {
      await server.stop();
      await emu.close();
    },
  };
}

/** The body with the first letter of the first event type changed (same length): its digest no longer matches. */
export const tamperedBody = (body) => body.replace(/"type":"([A-Z])/, (_, c) => `"type":"${c === 'X' ? 'Y' : 'X'}`);
