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

/** `extraFiles`: name → path of further files to report (e.g. the Worker bundle). */
export function benchSize(extraFiles = {}) {
  const files = {};
  files['dist/wasm/upvest_webhooks_bg.wasm'] = measure(join(PACKAGE_DIR, 'dist/wasm/upvest_webhooks_bg.wasm'));
  files['dist/wasm/upvest_webhooks.js'] = measure(join(PACKAGE_DIR, 'dist/wasm/upvest_webhooks.js'));
  for (const name of readdirSync(join(PACKAGE_DIR, 'src')).filter((n) => n.endsWith('.js')).sort()) {
    files[`src/${name}`] = measure(join(PACKAGE_DIR, 'src', name));
  }
  // What each runtime loads: the glue, the shared files and its entry file.
  const shared = ['dist/wasm/upvest_webhooks.js', 'src/setup.js', 'src/api.js', 'src/errors.js'];
  const sum = (names) => {
    const buf = Buffer.concat(names.map((n) => readFileSync(join(PACKAGE_DIR, n))));
    return { raw: buf.length, gzip: gz(buf), files: names };
  };
  const js = {
    node: sum([...shared, 'src/node.js']),
    workerd: sum([...shared, 'src/workerd.js']),
    browser: sum([...shared, 'src/browser.js']),
  };
  const extra = Object.fromEntries(Object.entries(extraFiles).map(([name, path]) => [name, measure(path)]));
  return { files, jsPerRuntime: js, extra, gzipLevel: 9 };
}
