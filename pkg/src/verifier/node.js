// Node.js ≥ 20: read the verifier's .wasm from disk and instantiate it
// synchronously (no top-level await, so require(esm) can load this entry).
// The set-up is written out here rather than imported from ./setup.js: each
// module Node's loader resolves and reads costs a cold start about a
// millisecond, and this entry is on that path.
import { readFileSync } from 'node:fs';
import { initSync, registerErrorClasses } from '../../dist/verifier/upvest_webhooks_verifier.js';
import * as errors from '../errors.js';

initSync({ module: readFileSync(new URL('../../dist/verifier/upvest_webhooks_verifier_bg.wasm', import.meta.url)) });
registerErrorClasses(errors);

export * from './api.js';
