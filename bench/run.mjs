// `make bench`: speed, cold start, size and memory of upvest-webhooks, side
// by side with WebCrypto, node:crypto and OpenSSL, under each Node of
// BENCH_NODES (default 20 and 24) and in workerd.
//
//   make bench                   # full run (about 6 minutes on 2 cores)
//   BENCH_QUICK=1 make bench     # smoke run (under a minute), writes bench/results.quick.json
//   BENCH_ONLY=large,fresh BENCH_NODES=24 node bench/run.mjs
//
// Knobs (environment): see bench/lib/env.mjs and bench/README.md.
// Prints a report, ending with issue #14's table, and writes
// bench/results.json (bench/readme-table.mjs turns it into README.md's
// table). Timings are never asserted.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { NODE_PHASES, REPO_ROOT, config, runs } from './lib/env.mjs';
import { loadPackage, makeFixtures } from './lib/fixtures.mjs';
import { resolveNodes, runNodePhases } from './lib/nodes.mjs';
import { METHOD, report } from './lib/report.mjs';
import { ratio } from './lib/stats.mjs';
import { issueTable } from './lib/summary.mjs';
import { benchSize } from './size.mjs';
import { benchNative } from './native.mjs';

const require = createRequire(join(REPO_ROOT, 'package.json'));
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
const progress = (what) => process.stderr.write(`[bench ${elapsed()}] ${what}\n`);

function versionOf(name) {
  try {
    return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    return null;
  }
}

function gitRevision() {
  try {
    return execFileSync('git', ['-C', REPO_ROOT, 'describe', '--always', '--dirty', '--abbrev=12'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

const { pkg, version } = await loadPackage();
const fx = makeFixtures(pkg);
const loadAtStart = loadavg();
const nodes = NODE_PHASES.some(runs) ? resolveNodes(config.nodes) : [];
const results = {
  package: { name: 'upvest-webhooks', version, git: gitRevision() },
  date: new Date().toISOString(),
  machine: {
    platform: `${platform()} ${release()} ${arch()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryBytes: totalmem(),
    loadAverageAtStart: loadAtStart.map((v) => Math.round(v * 100) / 100),
  },
  runtimes: {
    orchestrator: process.version,
    nodes: Object.fromEntries(nodes.filter((n) => n.bin).map((n) => [n.key, n.version])),
    miniflare: versionOf('miniflare'),
    workerd: versionOf('workerd'),
    esbuild: versionOf('esbuild'),
  },
  config,
  fixture: { ...fx.describe, url: fx.delivery.url, signedBy: "the package's signTestDelivery (v6 base, DER), expires in 1 h" },
};
const missing = nodes.filter((n) => n.missing);
if (missing.length) {
  results.nodesMissing = missing;
  for (const n of missing) progress(`SKIPPED Node ${n.key}: ${n.missing}`);
}
progress(
  `upvest-webhooks ${version}, ${config.quick ? 'QUICK run' : 'full run'}, phases: ${config.phases.join(', ')}` +
    (nodes.length
      ? `; Node phases under ${nodes
          .filter((n) => n.bin)
          .map((n) => n.version)
          .join(', ')}`
      : ''),
);

// The Worker bundles (for workerd and for the size of the Worker bundle).
let build;
if (runs('workerd') || runs('cold') || runs('size')) {
  const { buildBenchWorkers } = await import('./workerd/build.mjs');
  build = await buildBenchWorkers();
}

try {
  if (runs('size')) {
    progress('size');
    results.size = benchSize(
      build
        ? {
            'Worker bundle JS for upvest-webhooks/verifier (esbuild, workerd condition, unminified)': build.verifierOnly.scriptPath,
            'Worker bundle JS for upvest-webhooks (esbuild, workerd condition, unminified)': build.packageOnly.scriptPath,
          }
        : {},
    );
  }
  if (runs('native')) {
    progress(`native limit: openssl speed ecdsap521`);
    results.native = benchNative({ seconds: config.quick ? 1 : 2 });
  }
  // The Node phases, once per Node, each in a child process under that Node.
  results.nodes = {};
  for (const node of nodes.filter((n) => n.bin)) {
    progress(`Node phases (${NODE_PHASES.filter(runs).join(', ')}) under ${node.bin} (${node.version})`);
    results.nodes[node.key] = await runNodePhases(node.bin);
  }
  if (runs('workerd')) {
    progress(`workerd: verify() vs WebCrypto, ${config.workerdBatches} batches each`);
    const { benchWorkerdWarm } = await import('./workerd/run.mjs');
    results.workerd = await benchWorkerdWarm({ build, fx, batches: config.workerdBatches, batchMs: config.workerdBatchMs });
  }
  if (runs('cold')) {
    progress(`workerd cold start: ${config.coldRounds} rounds × 3 candidates × 2 fresh workerd processes`);
    const { benchWorkerdCold } = await import('./workerd/run.mjs');
    results.workerdCold = await benchWorkerdCold({ build, fx, rounds: config.coldRounds });
  }
} finally {
  build?.cleanup();
}

results.machine.loadAverageAtEnd = loadavg().map((v) => Math.round(v * 100) / 100);
results.durationSeconds = Math.round((performance.now() - started) / 100) / 10;
results.ratios = summaryRatios(results);
results.issue14 = issueTable(results);
results.method = METHOD;

results.config = { ...config, out: relative(REPO_ROOT, config.out) };
writeFileSync(config.out, `${JSON.stringify(results, null, 2)}\n`);
console.log(report(results));
console.log(`\nWrote ${relative(process.cwd(), config.out) || config.out} (${results.durationSeconds} s).`);

/** The headline ratios in one place. */
function summaryRatios(r) {
  const out = {};
  for (const [key, n] of Object.entries(r.nodes)) {
    const o = {};
    if (n.node) {
      o.verifyToWebcrypto = n.node.ratios.verifyToWebcrypto;
      o.verifyFullToWebcrypto = n.node.ratios.verifyFullToWebcrypto;
      o.verifyToNodeCrypto = n.node.ratios.verifyToNodeCrypto;
    }
    if (n.large) o.large = Object.fromEntries(n.large.sizes.map((s) => [s.bodyBytes, s.ratios]));
    if (n.fresh) o.fresh = n.fresh.ratios;
    if (n.client) o.clientListToNodeSign = n.client.ratios.listToNodeSign;
    if (n.node && r.workerd) o.workerdVerifyToNodeVerify = { median: ratio(r.workerd.stats.verify.median, n.node.stats.verify.median) };
    out[`node${key}`] = o;
  }
  if (r.workerd) {
    out.workerdVerifyToWebcrypto = r.workerd.ratios.verifyToWebcrypto;
    out.workerdVerifyFullToWebcrypto = r.workerd.ratios.verifyFullToWebcrypto;
  }
  if (r.workerdCold) {
    const sum = (name) => r.workerdCold.candidates[name].outside.totalMinusBase.processCold.mean;
    out.workerdColdStartToWebcrypto = { mean: ratio(sum('verifier'), sum('webcrypto')), fullPackageMean: ratio(sum('full'), sum('webcrypto')) };
    out.workerdColdFirstRequestMs = { verifier: sum('verifier'), full: sum('full'), webcrypto: sum('webcrypto') };
    const flushed = (name) => r.workerdCold.candidates[name].outside.totalMinusBase.afterFlush?.mean;
    if (flushed('verifier') !== undefined) {
      out.workerdColdFirstRequestAfterFlushMs = { verifier: flushed('verifier'), full: flushed('full'), webcrypto: flushed('webcrypto') };
    }
  }
  if (r.native && !r.native.skipped) out.nativeOpensslVerifyMs = r.native.verifyMs;
  return out;
}
