// Entry point: loads the package (its browser entry instantiates the .wasm
// with a top-level await), then wires the inspector and the manager.

import { initInspector } from './inspector.js';
import { initManager } from './manager.js';
import { byId } from './util.js';

const loadStatus = byId('load-status');

async function main() {
  let pkg;
  try {
    pkg = await import('upvest-webhooks');
  } catch (err) {
    loadStatus.classList.add('error');
    loadStatus.textContent = `Could not load the upvest-webhooks package (${err instanceof Error ? err.message : err}). Serve this page with node scripts/serve-www.mjs after make consumer.`;
    document.body.dataset.ready = 'error';
    return;
  }

  let manager;
  const inspector = initInspector(pkg, { fetchEmulatorJwks: () => manager.fetchJwks() });
  manager = initManager(pkg, { openInInspector: (request, jwks, options) => inspector.load(request, jwks, options) });

  for (const button of document.querySelectorAll('#inspect-form button')) /** @type {HTMLButtonElement} */ (button).disabled = false;
  loadStatus.textContent = 'Ready: the package is loaded (WebAssembly).';
  document.body.dataset.ready = 'true';
}

main();
