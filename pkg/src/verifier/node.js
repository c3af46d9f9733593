// Node.js ≥ 20: read the verifier's .wasm from disk and instantiate synchronously.
import { readFileSync } from 'node:fs';
import { setupSync } from './setup.js';
import { NODE_DIGEST_MIN_BYTES, nodeDigest } from '../node-digest.js';

setupSync(readFileSync(new URL('../../dist/verifier/upvest_webhooks_verifier_bg.wasm', import.meta.url)), { digest: nodeDigest, nativeDigestMinBytes: NODE_DIGEST_MIN_BYTES });

export * from './api.js';
