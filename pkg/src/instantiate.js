// Instantiation of one WebAssembly module from its wasm-bindgen glue, shared
// by every entry (the Node entries pass node:crypto's SHA). It imports no
// glue itself, so a bundle of one entry never pulls in the other entry's
// module.
import { bodyHelpers } from './body.js';
import * as errors from './errors.js';

/**
 * `setupSync` and `setup` for the module behind `glue` (a glue namespace).
 * `sha`: the runtime's SHA for large bodies (src/wasm/body.rs); WebCrypto's
 * when omitted.
 */
export function instantiation({ default: init, initSync, registerErrorClasses, registerBodyHelpers }, sha) {
  const register = () => {
    registerErrorClasses(errors);
    registerBodyHelpers(bodyHelpers(sha));
  };
  return {
    /** Synchronous set-up from a WebAssembly.Module or the module's bytes. */
    setupSync(module) {
      initSync({ module });
      register();
    },
    /** Asynchronous set-up; without an argument the .wasm is fetched next to the glue. */
    async setup(moduleOrPath) {
      await init(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath });
      register();
    },
  };
}
