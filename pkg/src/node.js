// Node.js ≥ 20: read the .wasm from disk and instantiate it synchronously
// (no top-level await, so require(esm) can load this entry), with
// node:crypto's SHA for large bodies. Shipped bundled into one file
// (scripts/bundle-node.mjs).
import { readFileSync } from 'node:fs';
import * as glue from '../dist/wasm/upvest_webhooks.js';
import { instantiation } from './instantiate.js';
import { nodeSha } from './node-digest.js';

instantiation(glue, nodeSha).setupSync(readFileSync(new URL('../dist/wasm/upvest_webhooks_bg.wasm', import.meta.url)));

export * from './api.js';
