// Node.js ≥ 20: read the verifier's .wasm from disk and instantiate synchronously.
import { readFileSync } from 'node:fs';
import { setupSync } from './setup.js';
import { nodeSha } from '../node-digest.js';

setupSync(readFileSync(new URL('../../dist/verifier/upvest_webhooks_verifier_bg.wasm', import.meta.url)), { sha: nodeSha });

export * from './api.js';
