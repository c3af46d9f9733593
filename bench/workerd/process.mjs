// One workerd process, started directly (not through Miniflare), for the
// cold-start bench: it controls which Workers the process loads, and in
// which order. That order matters since workerd 1.2026…: after a Worker is
// loaded, V8 flushes the Liftoff (baseline) code of every WebAssembly module
// in the process. It is V8's flush on memory pressure: with
// `--no-flush-liftoff-code` (in the config's v8Flags) the effect is gone, as
// it is when the measured Worker is the last one loaded. The compiled code of
// an isolate whose script start ran before another Worker was loaded is
// gone, and its first request compiles it again. Miniflare loads Workers of
// its own after the user's, so in Miniflare every user Worker starts flushed.
//
// `startWorkerd({ dir, workers })`: `workers` in load order, each
// `{ name, modules: [{ name, esModule | wasm | data: <file in dir> }], bindings? }`.
// One HTTP socket serves an entry Worker (loaded first) that routes
// `http://<worker>.bench/<path>` to that Worker by service binding, so every
// request, baseline included, takes the same path over one kept-alive connection.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { COMPATIBILITY_DATE } from '../../tests/workers/support/package.mjs';

const require = createRequire(import.meta.url);
const WORKERD = require('workerd').default;

// Routes /<worker>/<path> to that Worker as http://<worker>.bench/<path>.
const ENTRY_SCRIPT = `export default {
  fetch(request, env) {
    const url = new URL(request.url);
    const [, name, ...rest] = url.pathname.split('/');
    const target = env[name];
    if (!target) return new Response('no such Worker: ' + name, { status: 404 });
    return target.fetch(new Request('http://' + name + '.bench/' + rest.join('/') + url.search, request));
  },
};`;

const quote = (s) => JSON.stringify(String(s));

function capnpConfig(workers) {
  const entryBindings = workers.map((w) => `(name = ${quote(w.name)}, service = ${quote(w.name)})`).join(', ');
  const worker = (w) => {
    const modules = w.modules
      .map((m) => {
        const kind = m.esModule ? 'esModule' : m.wasm ? 'wasm' : 'data';
        return `(name = ${quote(m.name)}, ${kind} = embed ${quote(m.esModule ?? m.wasm ?? m.data)})`;
      })
      .join(', ');
    const bindings = (w.bindings ?? []).map((b) => `(name = ${quote(b.name)}, service = ${quote(b.service)})`).join(', ');
    return `(name = ${quote(w.name)}, worker = (modules = [${modules}], compatibilityDate = ${quote(COMPATIBILITY_DATE)}, bindings = [${bindings}]))`;
  };
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "bench-entry", worker = (modules = [(name = "entry.mjs", esModule = embed "bench-entry.mjs")], compatibilityDate = ${quote(COMPATIBILITY_DATE)}, bindings = [${entryBindings}])),
    ${workers.map(worker).join(',\n    ')}
  ],
  sockets = [(name = "http", address = "127.0.0.1:0", http = (), service = "bench-entry")],
);
`;
}

/** Starts workerd with `workers` (files relative to `dir`); resolves once its socket listens. */
export async function startWorkerd({ dir, workers, configName = 'bench-cold.capnp' }) {
  writeFileSync(join(dir, 'bench-entry.mjs'), ENTRY_SCRIPT);
  writeFileSync(join(dir, configName), capnpConfig(workers));
  const child = spawn(WORKERD, ['serve', join(dir, configName), '--control-fd=3'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    const lines = createInterface(child.stdio[3]);
    lines.on('line', (line) => {
      try {
        const event = JSON.parse(line);
        if (event.event === 'listen' && event.socket === 'http') resolve(event.port);
      } catch {
        // not a control message
      }
    });
    exited.then(({ code, signal }) => reject(new Error(`workerd exited (${code ?? signal}) before listening: ${stderr}`)));
  });
  return {
    /** Like Miniflare's dispatchFetch: `url` names the Worker as its host (`http://<worker>.bench/path`). */
    fetch(url, init = {}) {
      const { hostname, pathname, search } = new URL(url);
      return fetch(`http://127.0.0.1:${port}/${hostname.split('.')[0]}${pathname}${search}`, init);
    },
    async dispose() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
