// Size of what the package ships and loads: the .wasm and the JS (glue and
// per-runtime entry files, the Node entries' bundles), raw and gzipped (zlib level 9).

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
  for (const name of ['dist/node.js', 'dist/verifier/node.js']) files[name] = measure(join(PACKAGE_DIR, name));
  // What each runtime loads for each entry: the JS modules its import graph reads.
  const sum = (names) => {
    const buf = Buffer.concat(names.map((n) => readFileSync(join(PACKAGE_DIR, n))));
    return { raw: buf.length, gzip: gz(buf), files: names };
  };
  const shared = ['src/instantiate.js', 'src/body.js', 'src/errors.js', 'src/events.js', 'src/adapters.js'];
  const entries = {
    'upvest-webhooks/verifier': {
      // The Node entry is one bundle (scripts/bundle-node.mjs) plus the glue and errors.js.
      node: ['dist/verifier/node.js', 'dist/verifier/upvest_webhooks_verifier.js', 'src/errors.js'],
      other: (runtime) => [
        `src/verifier/${runtime}.js`,
        'dist/verifier/upvest_webhooks_verifier.js',
        'src/verifier/setup.js',
        'src/verifier/api.js',
        ...shared,
      ],
    },
    'upvest-webhooks': {
      node: ['dist/node.js', 'dist/wasm/upvest_webhooks.js', 'src/errors.js'],
      other: (runtime) => [`src/${runtime}.js`, 'dist/wasm/upvest_webhooks.js', 'src/setup.js', 'src/api.js', ...shared],
    },
  };
  const js = {};
  for (const [entry, { node, other }] of Object.entries(entries)) {
    js[`${entry} in node`] = sum(node);
    for (const runtime of ['workerd', 'browser']) js[`${entry} in ${runtime}`] = sum(other(runtime));
  }
  const extra = Object.fromEntries(Object.entries(extraFiles).map(([name, path]) => [name, measure(path)]));
  return { files, jsPerRuntime: js, extra, gzipLevel: 9 };
}
