// Node.js ≥ 20: read the .wasm from disk and instantiate it synchronously
// (no top-level await, so require(esm) can load this entry). The set-up is
// written out here rather than imported from ./setup.js: each module Node's
// loader resolves and reads costs a cold start about a millisecond, and this
// entry is on that path.
import { readFileSync } from 'node:fs';
import { initSync, registerBodyHelpers, registerErrorClasses } from '../dist/wasm/upvest_webhooks.js';
import { bodyHelpers } from './body.js';
import * as errors from './errors.js';
import { nodeSha } from './node-digest.js';

initSync({ module: readFileSync(new URL('../dist/wasm/upvest_webhooks_bg.wasm', import.meta.url)) });
registerErrorClasses(errors);
// Bodies from a few KiB on are hashed by node:crypto (see src/wasm/body.rs).
registerBodyHelpers(bodyHelpers(nodeSha));

export * from './api.js';
