#!/usr/bin/env node
// Serves the browser playground on 127.0.0.1:
//
//   /                           -> www/ (index.html for directories)
//   /vendor/upvest-webhooks/**  -> the installed package (target/consumer/node_modules/upvest-webhooks)
//
// The page's import map points `upvest-webhooks` at
// ./vendor/upvest-webhooks/src/browser.js, which fetches its .wasm next to the
// glue, so the .wasm must be served as application/wasm.
//
//   make consumer                         # installs the package into target/consumer
//   node scripts/serve-www.mjs [--port 8000] [--package DIR]
//   node scripts/serve-www.mjs --export target/www   # a static copy for any web server, then exit
//
// Also importable: `const { url, close } = await startWwwServer({ port: 0 })`.

import { createReadStream, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cp, mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const WWW_DIR = join(ROOT, 'www');
export const PACKAGE_DIR = join(ROOT, 'target', 'consumer', 'node_modules', 'upvest-webhooks');
const VENDOR_PREFIX = '/vendor/upvest-webhooks/';
const HOST = '127.0.0.1';

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file under `root` for a URL path, or null when the path escapes it. */
function fileUnder(root, relative) {
  const file = resolve(root, `.${sep}${relative}`);
  return file === root || file.startsWith(root + sep) ? file : null;
}

/**
 * Starts the server. Resolves to `{ url, port, log, close() }`; `log` lists
 * `{ method, path, status, type }` of every request.
 */
export async function startWwwServer({ port = 8000, wwwDir = WWW_DIR, packageDir = PACKAGE_DIR, quiet = true } = {}) {
  const www = resolve(wwwDir);
  const pkg = resolve(packageDir);
  const log = [];
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      path = null;
    }
    /** @type {{ method?: string, path?: string, status: number, type: string | null }} */
    const entry = { method: req.method, path: path ?? req.url, status: 0, type: null };
    log.push(entry);
    const headers = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
    /** @type {(status: number, body: string, extra?: Record<string, string>) => void} */
    const send = (status, body, extra = {}) => {
      entry.status = status;
      entry.type = 'text/plain; charset=utf-8';
      res.writeHead(status, { ...headers, 'content-type': entry.type, ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
      if (!quiet) console.log(`${req.method} ${entry.path} ${status}`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n', { allow: 'GET, HEAD' });
    if (path === null || path.includes('\0')) return send(400, 'bad path\n');

    let file;
    if (path.startsWith(VENDOR_PREFIX)) file = fileUnder(pkg, path.slice(VENDOR_PREFIX.length));
    else file = fileUnder(www, path.slice(1));
    if (!file) return send(403, 'outside the served directories\n');

    let stat;
    try {
      stat = statSync(file);
      if (stat.isDirectory()) {
        if (!path.endsWith('/')) return send(301, '', { location: `${path}/` });
        file = join(file, 'index.html');
        stat = statSync(file);
      }
    } catch {
      const hint = path.startsWith(VENDOR_PREFIX) && !existsSync(pkg) ? ' (package not installed: run `make consumer`)' : '';
      return send(404, `not found: ${path}${hint}\n`);
    }
    if (!stat.isFile()) return send(404, `not found: ${path}\n`);
    entry.status = 200;
    const type = /** @type {Record<string, string>} */ (MIME_TYPES)[extname(file).toLowerCase()] ?? 'application/octet-stream';
    entry.type = type;
    res.writeHead(200, { ...headers, 'content-type': type, 'content-length': stat.size });
    if (!quiet) console.log(`${req.method} ${path} 200`);
    if (req.method === 'HEAD') return res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  });
  await /** @type {Promise<void>} */ (
    new Promise((ok, fail) => {
      server.once('error', fail);
      server.listen(port, HOST, ok);
    })
  );
  const actualPort = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  return {
    url: `http://${HOST}:${actualPort}/`,
    port: actualPort,
    log,
    close: () =>
      /** @type {Promise<void>} */ (
        new Promise((ok) => {
          server.close(() => ok());
          server.closeAllConnections?.();
        })
      ),
  };
}

/** Copies www/ and the package's browser files into `outDir`, ready for any static host. */
export async function exportSite(outDir, { wwwDir = WWW_DIR, packageDir = PACKAGE_DIR } = {}) {
  const out = resolve(outDir);
  const marker = join(out, '.upvest-webhooks-playground');
  // Only ever clear a directory this function made (it leaves a marker file).
  if (existsSync(out) && readdirSync(out).length && !existsSync(marker)) {
    throw new Error(`refusing to overwrite ${out}: it is not empty and not a previous export`);
  }
  if (resolve(wwwDir).startsWith(out + sep) || resolve(wwwDir) === out) throw new Error(`refusing to export into ${out}`);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  writeFileSync(marker, 'exported by scripts/serve-www.mjs --export\n');
  await cp(wwwDir, out, { recursive: true });
  const vendor = join(out, 'vendor', 'upvest-webhooks');
  for (const part of ['src', 'dist/wasm', 'emulator/admin-client.mjs', 'index.d.ts', 'package.json', 'README.md', 'LICENSE-MIT', 'LICENSE-APACHE']) {
    const from = join(packageDir, part);
    if (existsSync(from)) await cp(from, join(vendor, part), { recursive: true });
  }
  return out;
}

function parseArgs(argv) {
  /** @type {{ port: number, package: string, export: string | null, help?: boolean }} */
  const args = { port: 8000, package: PACKAGE_DIR, export: null };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    if (flag === '--port' || flag === '-p') args.port = Number(value());
    else if (flag === '--package') args.package = resolve(value());
    else if (flag === '--export') args.export = resolve(value());
    else if (flag === '--help' || flag === '-h') args.help = true;
    else throw new Error(`unknown argument: ${argv[i]}`);
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Error('--port must be 0…65535');
  return args;
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`serve-www: ${/** @type {Error} */ (err).message}`);
    process.exit(2);
  }
  if (args.help) {
    console.log('usage: node scripts/serve-www.mjs [--port 8000] [--package DIR] [--export OUT_DIR]');
    return;
  }
  if (!existsSync(join(args.package, 'src', 'browser.js'))) {
    console.error(`serve-www: the package is not installed at ${args.package}; run \`make consumer\` first.`);
    process.exit(1);
  }
  if (args.export) {
    const out = await exportSite(args.export, { packageDir: args.package });
    console.log(`playground exported to ${out} (serve it with any static server; .wasm must be application/wasm)`);
    return;
  }
  const { url, close } = await startWwwServer({ port: args.port, packageDir: args.package, quiet: !process.env.VERBOSE });
  console.log(`upvest-webhooks playground: ${url}`);
  console.log('  emulator (for the webhook manager): node pkg/emulator/cli.mjs --port 8787');
  console.log('  Ctrl-C to stop');
  const stop = async () => {
    await close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(`serve-www: ${process.env.VERBOSE ? (err.stack ?? err) : (err.message ?? err)}`);
    process.exit(1);
  });
}
