// Cloudflare Workers (workerd): the bundler turns a .wasm import into a
// compiled WebAssembly.Module, which is instantiated synchronously.
import wasmModule from '../../dist/verifier/upvest_webhooks_verifier_bg.wasm';
import { configureRuntime, warmUp } from '../../dist/verifier/upvest_webhooks_verifier.js';
import { setupSync } from './setup.js';

setupSync(wasmModule);
// workerd cancels a request that awaits a promise another request created:
// tell the module, so no verification or API call waits for a key or token
// load another request started (each loads its own; cached keys keep
// serving). Node and browsers keep one shared load.
configureRuntime({ workerd: true });
// Workers run the global scope at startup, under its own limit (1 s), not a
// request's CPU budget: compile the verification code now (V8 compiles wasm
// lazily), not in the first request. A few milliseconds, once per isolate;
// the promise never rejects and finishes before the first request.
warmUp();

export * from './api.js';
