// Node.js ≥ 20: read the .wasm from disk and instantiate synchronously.
import { readFileSync } from 'node:fs';
import { setupSync } from './setup.js';
import { nodeSha } from './node-digest.js';

setupSync(readFileSync(new URL('../dist/wasm/upvest_webhooks_bg.wasm', import.meta.url)), { sha: nodeSha });

export * from './api.js';
