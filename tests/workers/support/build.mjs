// Bundles tests/workers/worker.js the way Worker tooling does: esbuild with
// the `workerd` export condition, ESM output, and every `.wasm` import kept
// as a separate module next to the bundle (Workers load it as a
// WebAssembly.Module, i.e. a CompiledWasm module).

import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARTIFACTS_DIR, CONSUMER_NODE_MODULES, REPO_ROOT } from './package.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const WORKER_ENTRY = resolve(HERE, '../worker.js');

/** A plugin that rewrites `import m from '…/x.wasm'` to `'./x.wasm'` (external) and copies the file. */
function wasmModulesPlugin(outdir, copied) {
  return {
    name: 'wasm-modules',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /\.wasm(\?module)?$/ }, (args) => {
        const source = resolve(args.resolveDir, args.path.replace(/\?module$/, ''));
        const name = basename(source);
        const previous = copied.get(name);
        if (previous && previous.source !== source) {
          return { errors: [{ text: `two different wasm files named ${name}: ${previous.source} and ${source}` }] };
        }
        copied.set(name, { source, importer: args.importer, specifier: args.path });
        return { path: `./${name}`, external: true };
      });
      pluginBuild.onEnd((result) => {
        if (result.errors.length) return;
        for (const [name, { source }] of copied) copyFileSync(source, join(outdir, name));
      });
    },
  };
}

/**
 * esbuild's options for a Worker bundle, as Worker tooling sets them: ESM,
 * the `workerd, worker, browser` conditions, the package resolved by name from
 * target/consumer (where `make consumer` installs it, as a Worker project
 * would), and a metafile. The `plugins` keep `.wasm` imports as modules.
 * Also used by bench/workerd/build.mjs.
 * @param {{ entry: string, outfile: string, plugins: import('esbuild').Plugin[] }} bundle
 * @returns {import('esbuild').BuildOptions & { metafile: true }}
 */
export function workerBundleOptions({ entry, outfile, plugins }) {
  return {
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
    plugins,
    metafile: true,
    logLevel: 'silent',
  };
}

/**
 * Builds a Worker (by default tests/workers/worker.js into
 * tests/artifacts/workers/; pass `{ entry, outdir }` for another one).
 * Returns `{ outdir, scriptPath, modules, wasm, metafile }` where `modules`
 * is a Miniflare `modules` array.
 */
export async function buildWorker({ entry = WORKER_ENTRY, outdir = join(ARTIFACTS_DIR, 'workers') } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const scriptPath = join(outdir, 'worker.mjs');
  const copied = new Map();
  const result = await build(workerBundleOptions({ entry, outfile: scriptPath, plugins: [wasmModulesPlugin(outdir, copied)] }));
  const inputs = Object.keys(result.metafile.inputs).map((p) => relative(REPO_ROOT, resolve(REPO_ROOT, p)));
  const modules = [{ type: 'ESModule', path: scriptPath }, ...[...copied.keys()].map((name) => ({ type: 'CompiledWasm', path: join(outdir, name) }))];
  return { outdir, scriptPath, modules, wasm: [...copied.values()], inputs, warnings: result.warnings };
}
