#!/usr/bin/env node
// upvest-webhooks-emulator: a local Upvest API (webhooks subset) that signs
// and delivers webhook events, like `stripe listen/trigger`. Test
// credentials only; binds 127.0.0.1 by default.
//
//   npx upvest-webhooks-emulator [--port 8787] [--host 127.0.0.1] [--time-factor 1]
//   npx upvest-webhooks-emulator emit ORDER.FILLED [--count 3] [--url http://127.0.0.1:8787]
//   npx upvest-webhooks-emulator rotate-key | deliveries | info | reset
//
// `help` lists every option.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEmulator } from './server.mjs';
import { AdminError, adminJson } from './admin-client.mjs';

const DEFAULT_PORT = 8787;
const DEFAULT_URL = process.env.UPVEST_EMULATOR_URL ?? `http://127.0.0.1:${DEFAULT_PORT}`;

/** The `help` text. */
export const USAGE = `upvest-webhooks-emulator: a local Upvest webhooks API that signs and delivers events.
Test credentials only; nothing here talks to Upvest.

Serve (default command):
  upvest-webhooks-emulator [serve] [options]
    --port N              port (default ${DEFAULT_PORT}; 0 = any free port)
    --host H              address to bind (default 127.0.0.1)
    --time-factor F       scales batching delays, retry backoff and key grace periods
                          (default 1; 0.01 makes 1 s last 10 ms)
    --key-file PATH       tenant private key PEM: reused if the file exists, else written there
                          (default: a new file in a fresh temporary directory)
    --key-id ID           tenant key id (default: random UUID)
    --client-id ID        tenant client id (default: random UUID)
    --client-secret S     tenant client secret (default: random)
    --print-key           also print the private key PEM
    --delivery-timeout MS per-attempt delivery timeout (default 10000)
    --json                print the configuration as one JSON line (for scripts)
    --quiet               do not log requests and deliveries

Control a running emulator (--url, default $UPVEST_EMULATOR_URL or http://127.0.0.1:${DEFAULT_PORT}):
  upvest-webhooks-emulator emit TYPE [--count N] [--object JSON] [--example NAME]
        TYPE: an event type (ORDER.FILLED), a category (ORDER: its example's type),
        or ALL (one event of every documented category)
  upvest-webhooks-emulator rotate-key [--grace SECONDS]      (default 300)
  upvest-webhooks-emulator deliveries [--webhook-id ID] [--state STATE]
  upvest-webhooks-emulator event-types
  upvest-webhooks-emulator info
  upvest-webhooks-emulator reset
    --json                print the admin API's JSON answer

Admin API: GET <base URL>/emulator lists the routes.`;

/** @satisfies {import('node:util').ParseArgsConfig['options']} */
const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'time-factor': { type: 'string' },
  'key-file': { type: 'string' },
  'key-id': { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'print-key': { type: 'boolean' },
  'delivery-timeout': { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  url: { type: 'string' },
  count: { type: 'string' },
  object: { type: 'string' },
  example: { type: 'string' },
  grace: { type: 'string' },
  'webhook-id': { type: 'string' },
  state: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

class UsageError extends Error {}

function number(value, name, { min = -Infinity, positive = false, integer = false } = {}) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || (positive && n <= 0) || (integer && !Number.isInteger(n))) {
    const bound = positive ? ' > 0' : min > -Infinity ? ` ≥ ${min}` : '';
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}${bound}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Loads or creates the tenant key file; returns `{ privateKeyPem | undefined, path }`. */
function tenantKeyFile(path) {
  if (path && existsSync(path)) return { privateKeyPem: readFileSync(path, 'utf8'), path: resolve(path), reused: true };
  if (path) return { path: resolve(path), reused: false };
  const dir = mkdtempSync(join(tmpdir(), 'upvest-webhooks-emulator-'));
  return { path: join(dir, 'tenant-private-key.pem'), reused: false };
}

function writeKey(path, pem) {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, pem, { mode: 0o600 });
  chmodSync(path, 0o600);
}

const shortId = (id) => String(id ?? '').slice(0, 8);

async function serve(values, out, err) {
  const port = number(values.port, 'port', { min: 0, integer: true }) ?? DEFAULT_PORT;
  const timeFactor = number(values['time-factor'], 'time-factor', { positive: true }) ?? 1;
  const deliveryTimeoutMs = number(values['delivery-timeout'], 'delivery-timeout', { min: 1, integer: true });
  const keyFile = tenantKeyFile(values['key-file']);
  const log = (line) => {
    if (!values.quiet) err.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`);
  };

  let emulator;
  try {
    emulator = await startEmulator({
      port,
      host: values.host ?? '127.0.0.1',
      timeFactor,
      ...(deliveryTimeoutMs ? { deliveryTimeoutMs } : {}),
      ...(values['client-id'] ? { clientId: values['client-id'] } : {}),
      ...(values['client-secret'] ? { clientSecret: values['client-secret'] } : {}),
      tenantKey: { privateKey: keyFile.privateKeyPem, keyId: values['key-id'] },
      requestLogLimit: 1000,
      info: { privateKeyPath: keyFile.path },
      onResponse: (r) =>
        log(`API ${r.method} ${r.url} → ${r.status}${r.fault ? ` (fault: ${r.fault})` : ''}${r.signature?.error ? ` (signature: ${r.signature.error})` : ''}`),
      onDelivery: (d, a) =>
        log(
          `${d.test ? 'test delivery' : 'delivery'} ${shortId(d.id)} [${d.events.length} event${d.events.length === 1 ? '' : 's'}: ${[...new Set(d.events.map((e) => e.type))].join(', ')}] → ${d.url} attempt ${a.n}: ${a.status ?? a.error} (${a.durationMs} ms)${d.state === 'retrying' ? `; retry in ${a.retryInSeconds} s${timeFactor !== 1 ? ` × ${timeFactor}` : ''}` : ''}`,
        ),
      onEmit: (events) => log(`emitted ${events.length} event${events.length === 1 ? '' : 's'}: ${summarise(events)}`),
    });
  } catch (e) {
    if (e?.code === 'EADDRINUSE') throw new UsageError(`port ${port} is in use: pass --port N (or --port 0 for any free port)`);
    throw e;
  }
  if (!keyFile.privateKeyPem) writeKey(keyFile.path, emulator.privateKeyPem);

  const info = emulator.info();
  if (values.json) {
    out.write(`${JSON.stringify(info)}\n`);
  } else {
    const rows = [
      ['base URL', emulator.baseUrl],
      ['client id', emulator.clientId],
      ['client secret', emulator.clientSecret],
      ['key id', emulator.keyId],
      ['private key', `${keyFile.path}${keyFile.reused ? ' (reused)' : ''}`],
      ['scopes', emulator.scopes.join(' ')],
      ['signing key', `${emulator.activeKeyId} (deliveries; GET /auth/verify_keys)`],
      ['time factor', String(timeFactor)],
    ];
    out.write(
      [
        `Upvest emulator listening on ${emulator.baseUrl}`,
        'Local test emulator: these are test credentials, not Upvest secrets.',
        '',
        ...rows.map(([k, v]) => `  ${k.padEnd(14)} ${v}`),
        ...(values['print-key'] ? ['', emulator.privateKeyPem.trimEnd()] : []),
        '',
        'Client: new UpvestClient({ baseUrl, clientId, clientSecret, keyId, privateKey: <PEM>, allowHttpLocalhost: true })',
        'Webhooks start disabled: PATCH { "enabled": true } (upvest.webhooks.update(id, { enabled: true })).',
        `Emit events:  npx upvest-webhooks-emulator emit ORDER.FILLED --url ${emulator.baseUrl}`,
        `Admin API:    ${emulator.baseUrl}/emulator (no auth; CORS *)`,
        '',
      ].join('\n'),
    );
  }

  await new Promise((/** @type {(value?: unknown) => void} */ resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveStop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await emulator.close();
}

function summarise(events) {
  const counts = new Map();
  for (const e of events) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  const routed = new Set(events.flatMap((e) => e.webhookIds ?? []));
  return `${[...counts].map(([t, n]) => (n > 1 ? `${n} × ${t}` : t)).join(', ')} → ${routed.size} webhook${routed.size === 1 ? '' : 's'}`;
}

/**
 * An admin call whose failure is a UsageError (printed without a stack).
 * @param {string} base
 * @param {string} path
 * @param {{ method?: string, body?: unknown }} [init]
 */
async function admin(base, path, init) {
  try {
    return await adminJson(base, path, init);
  } catch (error) {
    throw error instanceof AdminError ? new UsageError(error.message) : error;
  }
}

function table(rows) {
  if (!rows.length) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => String(c).padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function control(command, positionals, values, out) {
  const base = values.url ?? DEFAULT_URL;
  const print = (json, text) => out.write(`${values.json ? JSON.stringify(json, null, 2) : text}\n`);
  switch (command) {
    case 'emit': {
      const type = positionals[0];
      if (!type) throw new UsageError('emit needs an event type, e.g. emit ORDER.FILLED');
      const body = { type };
      const count = number(values.count, 'count', { min: 1, integer: true });
      if (count !== undefined) body.count = count;
      if (values.example) body.example = values.example;
      if (values.object !== undefined) {
        try {
          body.object = JSON.parse(values.object);
        } catch {
          throw new UsageError('--object must be JSON, e.g. --object \'{"quantity":"2"}\'');
        }
      }
      const r = await admin(base, '/emulator/events', { method: 'POST', body });
      const lines = r.events.map(
        (e) =>
          `  ${e.id}  ${e.type.padEnd(34)} ${e.created_at}  → ${e.webhookIds.length ? e.webhookIds.map(shortId).join(', ') : 'no subscribed, enabled webhook'}`,
      );
      print(r, `emitted ${r.events.length} event${r.events.length === 1 ? '' : 's'}:\n${lines.join('\n')}`);
      return;
    }
    case 'rotate-key': {
      const grace = number(values.grace, 'grace', { min: 0 });
      const r = await admin(base, '/emulator/rotate-key', { method: 'POST', body: grace === undefined ? {} : { graceSeconds: grace } });
      print(
        r,
        `new signing key ${r.keyId}; ${r.previousKeyId} stays published until ${r.previousKeyRetiresAt} (grace ${r.graceSeconds} s, scaled by the time factor)`,
      );
      return;
    }
    case 'deliveries': {
      const q = new URLSearchParams();
      if (values['webhook-id']) q.set('webhook_id', values['webhook-id']);
      if (values.state) q.set('state', values.state);
      const r = await admin(base, `/emulator/deliveries${q.size ? `?${q}` : ''}`);
      const rows = r.deliveries.map((d) => {
        const last = d.attempts.at(-1);
        return [
          shortId(d.id),
          d.test ? `${d.state} (test)` : d.state,
          shortId(d.webhookId),
          `${d.events.length}: ${[...new Set(d.events.map((e) => e.type))].join(',')}`,
          String(d.attempts.length),
          last ? `${last.status ?? last.error}` : (d.waiting ?? ''),
          d.nextAttemptAt ?? '',
        ];
      });
      print(r, rows.length ? table([['delivery', 'state', 'webhook', 'events', 'attempts', 'last', 'next attempt'], ...rows]) : 'no deliveries yet');
      return;
    }
    case 'event-types': {
      const r = await admin(base, '/emulator/event-types');
      const lines = Object.entries(r.categories).map(([c, v]) => `  ${c.padEnd(28)} ${v.eventTypes.join(' ')}`);
      print(r, `${lines.join('\n')}\n  (no documented events: ${r.undocumentedCategories.join(', ')}; ALL = one of each category)`);
      return;
    }
    case 'info': {
      const r = await admin(base, '/emulator/info');
      print(
        r,
        Object.entries(r)
          .map(([k, v]) => (k === 'privateKeyPem' ? `${k}:\n${v.trimEnd()}` : `${k}: ${Array.isArray(v) ? v.join(' ') : v}`))
          .join('\n'),
      );
      return;
    }
    case 'reset': {
      const r = await admin(base, '/emulator/reset', { method: 'POST' });
      print(r, 'emulator reset: webhooks, events, deliveries, faults and logs cleared');
      return;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}; see: upvest-webhooks-emulator help`);
  }
}

/**
 * Runs the CLI with `argv` (without `node` and the script). Resolves the exit code.
 * @param {string[]} argv
 * @param {{ out?: NodeJS.WritableStream, err?: NodeJS.WritableStream }} [io]
 */
export async function main(argv, { out = process.stdout, err = process.stderr } = {}) {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    const [command = 'serve', ...rest] = positionals;
    if (values.help || command === 'help') {
      out.write(`${USAGE}\n`);
      return 0;
    }
    if (command === 'serve') {
      if (rest.length) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
      await serve(values, out, err);
      return 0;
    }
    await control(command, rest, values, out);
    return 0;
  } catch (e) {
    if (
      e instanceof UsageError ||
      e?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ||
      e?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ||
      e?.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'
    ) {
      err.write(`upvest-webhooks-emulator: ${e.message}\n`);
      return 2;
    }
    err.write(`upvest-webhooks-emulator: ${e?.stack ?? e}\n`);
    return 1;
  }
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
  } catch {
    return false;
  }
})();
// npm's bin shim is a symlink: compare real paths too
let isMain = invokedDirectly;
if (!isMain && process.argv[1]) {
  try {
    const { realpathSync } = await import('node:fs');
    isMain = realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    isMain = false;
  }
}
if (isMain) process.exitCode = await main(process.argv.slice(2));
