// Bundles the bench Workers the way Worker tooling does (the approach of
// tests/workers/support/build.mjs): esbuild, ESM, conditions
// `workerd, worker, browser`, and the `.wasm` import kept as a separate
// CompiledWasm module. Output goes to a temporary directory.
//
// Three bundles:
// - warm.js imports the package by name (`upvest-webhooks`), exactly as a
//   Worker project would: the package instantiates its wasm at script start.
// - cold.js imports the package's glue and files through the specifier
//   `upvest-webhooks-raw/<path inside the package>`, so it can instantiate
//   the same wasm inside a request and time each step. It also imports
//   `bench:wasm-bytes`, a Data module with the .wasm bytes plus a custom
//   section unique to each isolate (so V8's per-process module cache cannot
//   serve it), to time a fresh compile at script start.
// - package-only.js (`export * from 'upvest-webhooks'`), only measured for
//   size: the JS a Worker ships for the package.

import { build } from 'esbuild';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSUMER_NODE_MODULES, PACKAGE_DIR, REPO_ROOT } from '../lib/env.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const RAW = 'upvest-webhooks-raw/';
export const WASM_BYTES_MODULE = 'upvest_webhooks_bg.bin';

function benchPlugin(outdir, wasmFiles) {
  const wasmExternal = (source) => {
    const name = basename(source);
    const previous = wasmFiles.get(name);
    if (previous && previous !== source) return { errors: [{ text: `two different wasm files named ${name}` }] };
    wasmFiles.set(name, source);
    return { path: `./${name}`, external: true };
  };
  return {
    name: 'bench-modules',
    setup(b) {
      b.onResolve({ filter: /^bench:wasm-bytes$/ }, () => ({ path: `./${WASM_BYTES_MODULE}`, external: true }));
      b.onResolve({ filter: /^upvest-webhooks-raw\// }, (args) => {
        const source = join(PACKAGE_DIR, args.path.slice(RAW.length));
        return source.endsWith('.wasm') ? wasmExternal(source) : { path: source };
      });
      b.onResolve({ filter: /\.wasm(\?module)?$/ }, (args) => wasmExternal(resolve(args.resolveDir, args.path.replace(/\?module$/, ''))));
      b.onEnd((result) => {
        if (result.errors.length) return;
        for (const [name, source] of wasmFiles) copyFileSync(source, join(outdir, name));
      });
    },
  };
}

async function bundle(entry, outdir) {
  const outfile = join(outdir, basename(entry).replace(/\.js$/, '.mjs'));
  const wasmFiles = new Map();
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    nodePaths: [CONSUMER_NODE_MODULES],
    plugins: [benchPlugin(outdir, wasmFiles)],
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  return {
    scriptPath: outfile,
    modules: [{ type: 'ESModule', path: outfile }, ...[...wasmFiles.keys()].map((name) => ({ type: 'CompiledWasm', path: join(outdir, name) }))],
    inputs,
  };
}

/** Builds the Workers (and the package-only bundle measured for size) into a fresh temporary directory; `cleanup()` removes it. */
export async function buildBenchWorkers() {
  const outdir = mkdtempSync(join(tmpdir(), 'upvest-bench-workers-'));
  mkdirSync(outdir, { recursive: true });
  const warm = await bundle(join(HERE, 'warm.js'), outdir);
  if (!warm.inputs.some((p) => p.endsWith('upvest-webhooks/src/workerd.js'))) {
    throw new Error(`the warm Worker bundle did not take the package's workerd entry; inputs: ${warm.inputs.join(', ')}`);
  }
  const cold = await bundle(join(HERE, 'cold.js'), outdir);
  const packageOnly = await bundle(join(HERE, 'package-only.js'), outdir);
  return { outdir, warm, cold, packageOnly, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

/** The wasm bytes with a custom section `upvest-bench-nonce` appended (same code, different bytes). */
export function wasmWithNonce(bytes, nonce) {
  const name = Buffer.from('upvest-bench-nonce');
  const payload = Buffer.from(String(nonce));
  const leb = (n) => {
    const out = [];
    do {
      let byte = n & 0x7f;
      n >>>= 7;
      if (n) byte |= 0x80;
      out.push(byte);
    } while (n);
    return Buffer.from(out);
  };
  const body = Buffer.concat([leb(name.length), name, payload]);
  return new Uint8Array(Buffer.concat([bytes, Buffer.from([0]), leb(body.length), body]));
}
