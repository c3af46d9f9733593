// Instantiation of one WebAssembly module from its wasm-bindgen glue, shared
// by the two entries' setup files. It imports no glue itself, so a bundle of
// one entry never pulls in the other entry's module.
import * as errors from './errors.js';

/** `setupSync` and `setup` for the module behind `glue` (a glue namespace). */
export function instantiation({ default: init, initSync, registerErrorClasses }) {
  return {
    /** Synchronous set-up from a WebAssembly.Module or the module's bytes. */
    setupSync(module) {
      initSync({ module });
      registerErrorClasses(errors);
    },
    /** Asynchronous set-up; without an argument the .wasm is fetched next to the glue. */
    async setup(moduleOrPath) {
      await init(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath });
      registerErrorClasses(errors);
    },
  };
}
