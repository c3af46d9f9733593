// Instantiation shared by the verifier's per-runtime entry files.
import init, { initSync, registerErrorClasses } from '../../dist/verifier/upvest_webhooks_verifier.js';
import * as errors from '../errors.js';

/** Synchronous set-up from a WebAssembly.Module or the module's bytes. */
export function setupSync(module) {
  initSync({ module });
  registerErrorClasses(errors);
}

/** Asynchronous set-up; without an argument the .wasm is fetched next to the glue. */
export async function setup(moduleOrPath) {
  await init(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath });
  registerErrorClasses(errors);
}
