// Instantiation of one WebAssembly module from its wasm-bindgen glue, shared
// by the browser and workerd entries' setup files (the Node entries write
// theirs out, with node:crypto's SHA). It imports no glue itself, so a
// bundle of one entry never pulls in the other entry's module.
import { bodyHelpers } from './body.js';
import * as errors from './errors.js';

/** `setupSync` and `setup` for the module behind `glue` (a glue namespace). */
export function instantiation({ default: init, initSync, registerErrorClasses, registerBodyHelpers }) {
  const register = () => {
    registerErrorClasses(errors);
    registerBodyHelpers(bodyHelpers()); // large bodies hashed by WebCrypto (src/wasm/body.rs)
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
