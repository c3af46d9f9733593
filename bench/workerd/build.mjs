// Bundles the bench Workers the way Worker tooling does (the approach of
// tests/workers/support/build.mjs, whose esbuild options it shares): esbuild, ESM, conditions
// `workerd, worker, browser`, and the `.wasm` import kept as a separate
// CompiledWasm module. Output goes to a temporary directory.
//
// The bundles:
// - warm.js imports the package by name (`upvest-webhooks` and
//   `upvest-webhooks/verifier`), exactly as a Worker project would: the
//   package instantiates its wasm at script start.
// - cold.js, once per cold-start candidate (COLD_CANDIDATES: each module,
//   and WebCrypto alone). It imports the module's glue and .wasm as
//   `bench:glue` and `bench:wasm`, whether to start the wasm at all as
//   `bench:config`, and other package files through
//   `upvest-webhooks-raw/<path inside the package>`, so it can time each
//   step of what the package's workerd entries do at script start, and each
//   step of the first request. It also imports `bench:wasm-bytes`, a Data
//   module with the .wasm bytes plus a custom section unique to each isolate
//   (so V8's per-process module cache cannot serve it), to time a fresh
//   compile at script start.
// - package-only.js (`export * from 'upvest-webhooks'`) and verifier-only.js
//   (the same for `upvest-webhooks/verifier`), only measured for size: the
//   JS a Worker ships for the package.

import { build } from 'esbuild';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_DIR } from '../lib/env.mjs';
import { workerBundleOptions } from '../../tests/workers/support/build.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const RAW = 'upvest-webhooks-raw/';
export const WASM_BYTES_MODULE = 'upvest_webhooks_bg.bin';

/** The package's two WebAssembly modules: glue and .wasm, inside the package. */
const MODULES = {
  verifier: { glue: 'dist/verifier/upvest_webhooks_verifier.js', wasm: 'dist/verifier/upvest_webhooks_verifier_bg.wasm' },
  full: { glue: 'dist/wasm/upvest_webhooks.js', wasm: 'dist/wasm/upvest_webhooks_bg.wasm' },
};

/** The cold-start candidates: which module each bundles, and whether its script starts the wasm. */
export const COLD_CANDIDATES = {
  verifier: { module: MODULES.verifier, startsWasm: true },
  full: { module: MODULES.full, startsWasm: true },
  webcrypto: { module: MODULES.verifier, startsWasm: false },
};

function benchPlugin(outdir, wasmFiles, candidate) {
  const module = candidate?.module;
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
      b.onResolve({ filter: /^bench:(glue|wasm)$/ }, (args) => {
        if (!module) return { errors: [{ text: `${args.path} is only for the cold-start bundles` }] };
        const source = join(PACKAGE_DIR, args.path === 'bench:glue' ? module.glue : module.wasm);
        return source.endsWith('.wasm') ? wasmExternal(source) : { path: source };
      });
      b.onResolve({ filter: /^bench:config$/ }, () => ({ path: 'config', namespace: 'bench-config' }));
      b.onLoad({ filter: /.*/, namespace: 'bench-config' }, () => ({ contents: `export const startsWasm = ${Boolean(candidate?.startsWasm)};`, loader: 'js' }));
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

async function bundle(entry, outdir, candidate, name = basename(entry).replace(/\.js$/, '')) {
  const outfile = join(outdir, `${name}.mjs`);
  const wasmFiles = new Map();
  const result = await build(workerBundleOptions({ entry, outfile, plugins: [benchPlugin(outdir, wasmFiles, candidate)] }));
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
  for (const entry of ['upvest-webhooks/src/workerd.js', 'upvest-webhooks/src/verifier/workerd.js']) {
    if (!warm.inputs.some((p) => p.endsWith(entry))) {
      throw new Error(`the warm Worker bundle did not take the package's workerd entry ${entry}; inputs: ${warm.inputs.join(', ')}`);
    }
  }
  const cold = {};
  for (const [name, candidate] of Object.entries(COLD_CANDIDATES)) cold[name] = await bundle(join(HERE, 'cold.js'), outdir, candidate, `cold-${name}`);
  const packageOnly = await bundle(join(HERE, 'package-only.js'), outdir);
  const verifierOnly = await bundle(join(HERE, 'verifier-only.js'), outdir);
  return { outdir, warm, cold, packageOnly, verifierOnly, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
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
