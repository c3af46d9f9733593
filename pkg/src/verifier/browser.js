// Browsers and bundlers: fetch the verifier's .wasm next to the glue (bundlers
// rewrite the `new URL(…, import.meta.url)` inside it) and instantiate it
// before anything is exported.
import { setup } from './setup.js';

await setup();

export * from './api.js';
