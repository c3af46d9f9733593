// Where things are, and the knobs (environment variables) of `make bench`.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = resolve(BENCH_DIR, '..');
// Same override as the test suites: UPVEST_CONSUMER_DIR is a directory with node_modules/upvest-webhooks.
export const CONSUMER_DIR = process.env.UPVEST_CONSUMER_DIR ? resolve(process.env.UPVEST_CONSUMER_DIR) : join(REPO_ROOT, 'target/consumer');
export const CONSUMER_NODE_MODULES = join(CONSUMER_DIR, 'node_modules');
export const PACKAGE_DIR = join(CONSUMER_NODE_MODULES, 'upvest-webhooks');
export const GLUE_PATH = join(PACKAGE_DIR, 'dist/wasm/upvest_webhooks.js');
export const WASM_PATH = join(PACKAGE_DIR, 'dist/wasm/upvest_webhooks_bg.wasm');

/** The installed package.json, or a clear error saying to run `make consumer`. */
export function requireInstalledPackage() {
  const manifest = join(PACKAGE_DIR, 'package.json');
  if (!existsSync(manifest) || !existsSync(WASM_PATH)) {
    throw new Error(`upvest-webhooks is not installed at ${PACKAGE_DIR}; run \`make consumer\` (or \`make bench\`, which does) first.`);
  }
  return JSON.parse(readFileSync(manifest, 'utf8'));
}

const QUICK = ['1', 'true', 'yes'].includes(String(process.env.BENCH_QUICK ?? '').toLowerCase());

function int(name, full, quick) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return QUICK ? quick : full;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return Math.floor(value);
}

function ints(name, full, quick) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return QUICK ? quick : full;
  return raw.split(',').map((v) => {
    const n = Number(v.trim());
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a comma-separated list of positive integers, got ${JSON.stringify(raw)}`);
    return n;
  });
}

const PHASES = ['size', 'native', 'node', 'memory', 'large', 'fresh', 'client', 'workerd', 'cold'];
/** The phases that run once per Node (BENCH_NODES), in a child process under that Node. */
export const NODE_PHASES = ['node', 'memory', 'large', 'fresh', 'client'];
const only = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const phase of only) if (!PHASES.includes(phase)) throw new Error(`BENCH_ONLY: unknown phase ${phase} (phases: ${PHASES.join(', ')})`);

/** Every knob, with its value for this run (recorded in results.json). */
export const config = Object.freeze({
  quick: QUICK,
  phases: only.length ? only : PHASES,
  // Node, warm: timed operations per candidate (verify, WebCrypto, node:crypto), after warm-up.
  nodeOps: int('BENCH_NODE_OPS', 1500, 120),
  nodeWarmupOps: int('BENCH_NODE_WARMUP', 150, 30),
  // Operations per interleaved batch in Node (candidates alternate batch by batch).
  nodeBatch: int('BENCH_NODE_BATCH', 10, 10),
  // Large deliveries: the largest body of each size (bytes; 1,048,576 is Upvest's max_package_size), and the
  // timed operations per candidate at 1 MiB (smaller sizes run up to 4× more, ∝ √(1 MiB / size)).
  largeSizes: ints('BENCH_LARGE_SIZES', [4_096, 16_384, 65_536, 262_144, 1_048_576], [16_384, 262_144, 1_048_576]),
  largeOps: int('BENCH_LARGE_OPS', 100, 12),
  // Fresh Node processes per candidate (import + key + first verify).
  freshRounds: int('BENCH_FRESH_ROUNDS', 20, 4),
  // The Nodes that run the Node phases: major versions (node_modules/nodeNN/bin/node, or `node` on PATH when it
  // is that major) or paths to a node binary.
  nodes: (process.env.BENCH_NODES ?? '20,24')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  // Client: timed list() calls and node:crypto signatures.
  clientOps: int('BENCH_CLIENT_OPS', 1500, 100),
  // workerd, warm: timed batches per candidate (each batch ≈ BENCH_WORKERD_BATCH_MS of work).
  workerdBatches: int('BENCH_WORKERD_BATCHES', 240, 24),
  workerdBatchMs: int('BENCH_WORKERD_BATCH_MS', 20, 20),
  // workerd, cold: rounds; each starts two fresh workerd processes per candidate (bench/workerd/process.mjs).
  coldRounds: int('BENCH_COLD_ROUNDS', 24, 4),
  // Memory: verifications (half failing), and a time cap in seconds (0 = none).
  memoryOps: int('BENCH_MEMORY_N', 100_000, 4_000),
  memorySeconds: int('BENCH_MEMORY_SECONDS', 25, 3),
  out: process.env.BENCH_OUT ? resolve(process.env.BENCH_OUT) : join(BENCH_DIR, QUICK ? 'results.quick.json' : 'results.json'),
});

export const runs = (phase) => config.phases.includes(phase);
