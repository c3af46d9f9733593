// Cloudflare Workers (workerd): the bundler turns a .wasm import into a
// compiled WebAssembly.Module, which is instantiated synchronously.
import wasmModule from '../dist/wasm/upvest_webhooks_bg.wasm';
import { setupSync } from './setup.js';

setupSync(wasmModule);

export * from './api.js';
