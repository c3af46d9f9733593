// Instantiation of one WebAssembly module from its wasm-bindgen glue, shared
// by the two entries' setup files. It imports no glue itself, so a bundle of
// one entry never pulls in the other entry's module.
import * as errors from './errors.js';
import { bodyHelpers } from './body.js';

/** `setupSync` and `setup` for the module behind `glue` (a glue namespace). */
export function instantiation({ default: init, initSync, registerErrorClasses, registerBodyHelpers }) {
  const register = (sha) => {
    registerErrorClasses(errors);
    registerBodyHelpers(bodyHelpers(sha));
  };
  return {
    /**
     * Synchronous set-up from a WebAssembly.Module or the module's bytes;
     * `sha` is the runtime's native SHA (default: WebCrypto's; see
     * pkg/src/body.js).
     */
    setupSync(module, { sha } = {}) {
      initSync({ module });
      register(sha);
    },
    /** Asynchronous set-up; without an argument the .wasm is fetched next to the glue. */
    async setup(moduleOrPath, { sha } = {}) {
      await init(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath });
      register(sha);
    },
  };
}
