// The Node phases of `make bench` (node, memory, large, fresh, client) under
// the Node that runs this file. bench/run.mjs starts it once per Node of
// BENCH_NODES and merges what it writes to BENCH_CHILD_OUT. It can be run
// on its own, under any Node:
//   BENCH_ONLY=large BENCH_CHILD_OUT=/tmp/large.json node bench/node/phases.mjs

import { writeFileSync } from 'node:fs';
import { NODE_PHASES, config, runs } from '../lib/env.mjs';
import { loadPackage, makeFixtures } from '../lib/fixtures.mjs';

const label = `node ${process.version}`;
const started = performance.now();
const progress = (what) => process.stderr.write(`[bench ${label} ${((performance.now() - started) / 1000).toFixed(0)} s] ${what}\n`);

const { pkg, verifierPkg, memory } = await loadPackage();
const wasmBytesAtLoad = memory.buffer.byteLength;
const fx = makeFixtures(pkg);
const out = {
  runtime: { node: process.version, v8: process.versions.v8, execPath: process.execPath },
  fixture: { ...fx.describe, url: fx.delivery.url, signedBy: "the package's signTestDelivery (v6 base, DER), expires in 1 h" },
};

if (runs('node')) {
  progress(`verify() vs WebCrypto vs node:crypto, ${config.nodeOps} operations each, interleaved`);
  const { benchNodeVerify } = await import('./verify.mjs');
  out.node = await benchNodeVerify({ pkg, verifierPkg, fx, ops: config.nodeOps, warmupOps: config.nodeWarmupOps, batch: config.nodeBatch });
}
// Memory before the large deliveries, which grow the wasm memory to hold a 1 MiB body.
if (runs('memory')) {
  progress(`memory: ${config.memoryOps} verifications, half failing${config.memorySeconds ? `, at most ${config.memorySeconds} s` : ''}`);
  const { benchMemory } = await import('./memory.mjs');
  out.memory = await benchMemory({ pkg, memory, fx, ops: config.memoryOps, seconds: config.memorySeconds });
  out.memory.wasmMemoryBytes = { atPackageLoad: wasmBytesAtLoad, ...out.memory.wasmMemoryBytes };
}
if (runs('large')) {
  const sizes = config.largeSizes.map((bytes) => ({
    bytes,
    ops: Math.round(config.largeOps * Math.min(4, Math.sqrt(1_048_576 / bytes))),
  }));
  progress(`large deliveries (${sizes.map((s) => `${s.bytes} B × ${s.ops}`).join(', ')}) vs node:crypto SHA-256 + verify + JSON.parse`);
  const { benchLarge } = await import('./large.mjs');
  out.large = await benchLarge({ pkg, verifierPkg, fx, sizes, warmupOps: config.quick ? 2 : 5, batch: config.nodeBatch });
}
if (runs('fresh')) {
  progress(`fresh processes: ${config.freshRounds} rounds × 5 candidates`);
  const { benchFresh } = await import('./fresh.mjs');
  out.fresh = benchFresh({ fx, rounds: config.freshRounds });
}
if (runs('client')) {
  progress(`client: webhooks.list() vs node:crypto sign, ${config.clientOps} calls each`);
  const { benchClient } = await import('./client.mjs');
  out.client = await benchClient({ pkg, ops: config.clientOps, warmupOps: Math.min(100, config.clientOps), batch: config.nodeBatch });
}
out.phases = NODE_PHASES.filter(runs);
out.durationSeconds = Math.round((performance.now() - started) / 100) / 10;

const json = `${JSON.stringify(out, null, 2)}\n`;
if (process.env.BENCH_CHILD_OUT) writeFileSync(process.env.BENCH_CHILD_OUT, json);
else process.stdout.write(json);
