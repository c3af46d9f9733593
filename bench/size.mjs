// Size of what the package ships and loads: the .wasm and the JS (glue and
// per-runtime entry files), raw and gzipped (zlib level 9).

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PACKAGE_DIR } from './lib/env.mjs';

const gz = (buf) => gzipSync(buf, { level: 9 }).length;

function measure(path) {
  const buf = readFileSync(path);
  return { raw: buf.length, gzip: gz(buf) };
}

/** `extraFiles`: name → path of further files to report (e.g. the Worker bundles). */
export function benchSize(extraFiles = {}) {
  const files = {};
  for (const dir of ['dist/verifier', 'dist/wasm']) {
    for (const name of readdirSync(join(PACKAGE_DIR, dir)).sort()) files[`${dir}/${name}`] = measure(join(PACKAGE_DIR, dir, name));
  }
  for (const dir of ['src', 'src/verifier']) {
    for (const name of readdirSync(join(PACKAGE_DIR, dir))
      .filter((n) => n.endsWith('.js'))
      .sort()) {
      files[`${dir}/${name}`] = measure(join(PACKAGE_DIR, dir, name));
    }
  }
  // What each runtime loads for each entry: the glue, the shared files and the runtime's entry file.
  const sum = (names) => {
    const buf = Buffer.concat(names.map((n) => readFileSync(join(PACKAGE_DIR, n))));
    return { raw: buf.length, gzip: gz(buf), files: names };
  };
  const entries = {
    'upvest-webhooks/verifier': {
      dir: 'src/verifier',
      shared: [
        'dist/verifier/upvest_webhooks_verifier.js',
        'src/verifier/setup.js',
        'src/instantiate.js',
        'src/verifier/api.js',
        'src/errors.js',
        'src/events.js',
      ],
    },
    'upvest-webhooks': {
      dir: 'src',
      shared: ['dist/wasm/upvest_webhooks.js', 'src/setup.js', 'src/instantiate.js', 'src/api.js', 'src/errors.js', 'src/events.js'],
    },
  };
  const js = {};
  for (const [entry, { dir, shared }] of Object.entries(entries)) {
    for (const runtime of ['node', 'workerd', 'browser']) js[`${entry} in ${runtime}`] = sum([...shared, `${dir}/${runtime}.js`]);
  }
  const extra = Object.fromEntries(Object.entries(extraFiles).map(([name, path]) => [name, measure(path)]));
  return { files, jsPerRuntime: js, extra, gzipLevel: 9 };
}
