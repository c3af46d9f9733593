// Cloudflare Workers (workerd): the bundler turns a .wasm import into a
// compiled WebAssembly.Module, which is instantiated synchronously.
import wasmModule from '../../dist/verifier/upvest_webhooks_verifier_bg.wasm';
import { warmUp } from '../../dist/verifier/upvest_webhooks_verifier.js';
import { setupSync } from './setup.js';

setupSync(wasmModule);
// Workers run the global scope at startup, under its own limit (1 s), not a
// request's CPU budget: compile the verification code now (V8 compiles wasm
// lazily), not in the first request. A few milliseconds, once per isolate;
// the promise never rejects and finishes before the first request.
warmUp();

export * from './api.js';
