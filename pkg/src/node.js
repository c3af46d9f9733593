// Node.js ≥ 20: read the .wasm from disk and instantiate synchronously.
import { readFileSync } from 'node:fs';
import { setupSync } from './setup.js';

setupSync(readFileSync(new URL('../dist/wasm/upvest_webhooks_bg.wasm', import.meta.url)));

export * from './api.js';
