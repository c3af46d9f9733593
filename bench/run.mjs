// `make bench`: speed, cold start, size and memory of upvest-webhooks, side
// by side with WebCrypto and node:crypto, in Node and in workerd.
//
//   make bench                   # full run (1.5–2.5 minutes on 2 cores)
//   BENCH_QUICK=1 make bench     # smoke run (under 30 s), writes bench/results.quick.json
//   BENCH_ONLY=node,cold node bench/run.mjs
//
// Knobs (environment): see bench/lib/env.mjs and bench/README.md.
// Prints a table and writes bench/results.json. Timings are never asserted.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { createRequire } from 'node:module';
import { REPO_ROOT, config, runs } from './lib/env.mjs';
import { loadPackage, makeFixtures } from './lib/fixtures.mjs';
import { bytes, ms, ratio, table, times } from './lib/stats.mjs';
import { benchSize } from './size.mjs';
import { benchNodeVerify } from './node/verify.mjs';
import { benchClient } from './node/client.mjs';
import { benchMemory } from './node/memory.mjs';

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

const METHOD = [
  `Candidates: (a) verify() of upvest-webhooks/verifier, the verifier's own WebAssembly module (opt-level "z", what a Worker should ship); (a′) verify() of upvest-webhooks, the whole package's module (opt-level 3); (b) WebCrypto subtle.verify alone on the same signature base and raw signature, CryptoKey imported once (what jose does); (c) node:crypto verify (DER, KeyObject).`,
  `Node: every operation timed alone with performance.now(); the candidates alternate in batches of ${config.nodeBatch} (rotating order) after a warm-up; same base bytes and signature for all; key imported once.`,
  `workerd (warm): one isolate runs batches of k operations (≈ ${config.workerdBatchMs} ms each), the candidates in rotating order. A batch is timed as fence, Date.now(), k ops, fence, Date.now(), where a fence is a fetch to another Worker (real I/O, after which workerd's clock is current even where it freezes during CPU work); the mean fence-only interval is subtracted and the rest divided by k. Medians and p99 are over these per-batch means (workerd's clock has 1 ms resolution).`,
  `workerd (cold): every round starts, for each candidate (a), (a′), (b), a fresh Miniflare (a fresh workerd process) with Workers built from one bundle, each its own isolate. At script start the wasm candidates do what the package's workerd entries do (instantiate, register the error classes, warmUp()), timed with Date.now(). Inside a request: /steps does new WebhookVerifier, three verify() calls and ten more ((b): importKey of the JWK, three subtle.verify and ten more), with a fence after each step; step time = interval − mean fence-only interval. Outside: wall time of the first request to /total (import and first verify; no fences) minus that of /base (same script, does nothing), both fresh isolates. Rounds alternate which isolate runs the wasm first: the first pays V8's lazy compilation, which later isolates of the same process share. The compile of the .wasm bytes happens at script start, where no I/O is possible: it is timed with Date.now() and reported only when the clock advances during CPU work (checked by a probe).`,
  `Memory: memory.buffer.byteLength of the package's own instance (initSync().memory) in this process, sampled every 1% of the run; verifications cycle 4 valid, tampered body, bad signature, unknown kid, expired; flat = no growth after the first 10%; JS heap after forced GC.`,
  `Client: list() against an injected fetch that returns a new canned Response at once; the token is fetched by a first call and cached; the reference signs the same (rebuilt, verified) base with node:crypto and a KeyObject made once.`,
];
const methodText = () => `Method (details in bench/README.md)\n${METHOD.map((m) => wrap(`- ${m}`, 118, '  ')).join('\n')}`;

/** Word-wraps `text` to `width` columns, continuation lines indented by `indent`. */
function wrap(text, width, indent) {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}

const { pkg, verifierPkg, memory, version } = await loadPackage();
const wasmBytesAtLoad = memory.buffer.byteLength;
const fx = makeFixtures(pkg);
const loadAtStart = loadavg();
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
  runtimes: { node: process.version, v8: process.versions.v8, miniflare: versionOf('miniflare'), workerd: versionOf('workerd'), esbuild: versionOf('esbuild') },
  config,
  fixture: { ...fx.describe, url: fx.delivery.url, signedBy: "the package's signTestDelivery (v6 base, DER), expires in 1 h" },
};
progress(`upvest-webhooks ${version}, ${config.quick ? 'QUICK run' : 'full run'}, phases: ${config.phases.join(', ')}`);

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
  if (runs('node')) {
    progress(`Node: verify() vs WebCrypto vs node:crypto, ${config.nodeOps} operations each, interleaved`);
    results.node = await benchNodeVerify({ pkg, verifierPkg, fx, ops: config.nodeOps, warmupOps: config.nodeWarmupOps, batch: config.nodeBatch });
  }
  if (runs('client')) {
    progress(`client: webhooks.list() vs node:crypto sign, ${config.clientOps} calls each`);
    results.client = await benchClient({ pkg, ops: config.clientOps, warmupOps: Math.min(100, config.clientOps), batch: config.nodeBatch });
  }
  if (runs('workerd')) {
    progress(`workerd: verify() vs WebCrypto, ${config.workerdBatches} batches each`);
    const { benchWorkerdWarm } = await import('./workerd/run.mjs');
    results.workerd = await benchWorkerdWarm({ build, fx, batches: config.workerdBatches, batchMs: config.workerdBatchMs });
  }
  if (runs('cold')) {
    progress(`workerd cold start: ${config.coldRounds} fresh workerd processes`);
    const { benchWorkerdCold } = await import('./workerd/run.mjs');
    results.workerdCold = await benchWorkerdCold({ build, fx, rounds: config.coldRounds });
  }
  if (runs('memory')) {
    progress(`memory: ${config.memoryOps} verifications, half failing${config.memorySeconds ? `, at most ${config.memorySeconds} s` : ''}`);
    results.memory = await benchMemory({ pkg, memory, fx, ops: config.memoryOps, seconds: config.memorySeconds });
    results.memory.wasmMemoryBytes = { atPackageLoad: wasmBytesAtLoad, ...results.memory.wasmMemoryBytes };
  }
} finally {
  build?.cleanup();
}

results.machine.loadAverageAtEnd = loadavg().map((v) => Math.round(v * 100) / 100);
results.durationSeconds = Math.round((performance.now() - started) / 100) / 10;
results.ratios = summaryRatios(results);
results.method = METHOD;

results.config = { ...config, out: relative(REPO_ROOT, config.out) };
writeFileSync(config.out, `${JSON.stringify(results, null, 2)}\n`);
console.log(report(results));
console.log(`\nWrote ${relative(process.cwd(), config.out) || config.out} (${results.durationSeconds} s).`);

/** The headline ratios in one place. */
function summaryRatios(r) {
  const out = {};
  if (r.node) {
    out.nodeVerifyToWebcrypto = r.node.ratios.verifyToWebcrypto;
    out.nodeVerifyFullToWebcrypto = r.node.ratios.verifyFullToWebcrypto;
    out.nodeVerifyToNodeCrypto = r.node.ratios.verifyToNodeCrypto;
  }
  if (r.workerd) {
    out.workerdVerifyToWebcrypto = r.workerd.ratios.verifyToWebcrypto;
    out.workerdVerifyFullToWebcrypto = r.workerd.ratios.verifyFullToWebcrypto;
  }
  if (r.workerdCold) {
    const sum = (name) => r.workerdCold.candidates[name].outside.totalMinusBase.processCold.mean;
    out.workerdColdStartToWebcrypto = { mean: ratio(sum('verifier'), sum('webcrypto')), fullPackageMean: ratio(sum('full'), sum('webcrypto')) };
    out.workerdColdFirstRequestMs = { verifier: sum('verifier'), full: sum('full'), webcrypto: sum('webcrypto') };
  }
  if (r.node && r.workerd) out.workerdVerifyToNodeVerify = { median: ratio(r.workerd.stats.verify.median, r.node.stats.verify.median) };
  if (r.client) out.clientListToNodeSign = r.client.ratios.listToNodeSign;
  return out;
}

function report(r) {
  const parts = [];
  const m = r.machine;
  parts.push(
    `upvest-webhooks ${r.package.version} (${r.package.git ?? 'no git'}) — ${r.date}\n` +
      `${m.cpu} × ${m.cores}, ${m.platform}; node ${r.runtimes.node}, miniflare ${r.runtimes.miniflare} (workerd ${r.runtimes.workerd})\n` +
      `load average at start ${m.loadAverageAtStart.join(' ')}, at end ${m.loadAverageAtEnd.join(' ')}` +
      (Math.max(...m.loadAverageAtStart, ...m.loadAverageAtEnd) > 0.5 * m.cores ? '  ← other work was running: expect noise' : '') +
      (r.config.quick ? '\nQUICK run (BENCH_QUICK=1): small samples, for a smoke test only' : ''),
  );

  if (r.node || r.workerd) {
    const f = r.fixture;
    const rows = [['', 'median', 'p99', 'median ÷ (b)', 'p99 ÷ (b)', 'n']];
    const row = (label, s, b, n = s.n) => [label, ms(s.median), ms(s.p99), times(ratio(s.median, b.median)), times(ratio(s.p99, b.p99)), n];
    if (r.node) {
      const s = r.node.stats;
      rows.push(
        ['Node', '', '', '', '', ''],
        row('  (a) verify() of upvest-webhooks/verifier, end to end', s.verify, s.webcrypto),
        row('  (a′) verify() of upvest-webhooks, end to end', s.verifyFull, s.webcrypto),
        row('  (b) WebCrypto subtle.verify (raw r‖s)', s.webcrypto, s.webcrypto),
        row('  (c) node:crypto verify (DER, KeyObject)', s.nodeCrypto, s.webcrypto),
      );
    }
    if (r.workerd) {
      const s = r.workerd.stats;
      const k = r.workerd.opsPerBatch;
      rows.push(
        ['workerd (per-op means of batches, see notes)', '', '', '', '', ''],
        row(`  (a) verify() of upvest-webhooks/verifier, ${k.verify} per batch`, s.verify, s.webcrypto, `${s.verify.n}×${k.verify}`),
        row(`  (a′) verify() of upvest-webhooks, ${k.verifyFull} per batch`, s.verifyFull, s.webcrypto, `${s.verifyFull.n}×${k.verifyFull}`),
        row(`  (b) WebCrypto subtle.verify, ${k.webcrypto} per batch`, s.webcrypto, s.webcrypto, `${s.webcrypto.n}×${k.webcrypto}`),
      );
    }
    parts.push(
      `Verify one delivery, warm, key cached (${f.events} events, ${f.bodyBytes}-byte body, ${f.baseBytes}-byte v${f.signatureVersion} base, ` +
        `ECDSA P-521/SHA-512, DER ${f.derSignatureBytes} B / raw ${f.rawSignatureBytes} B)\n${table(rows)}` +
        (r.ratios.workerdVerifyToNodeVerify ? `\nverify() in workerd ÷ verify() in Node (medians): ${times(r.ratios.workerdVerifyToNodeVerify.median)}` : ''),
    );
  }

  if (r.workerdCold) {
    const c = r.workerdCold;
    const cell = (x) => (x ? `${ms(x.mean)} / ${ms(x.median)}` : '–');
    const labels = { verifier: '(a) /verifier', full: '(a′) whole pkg', webcrypto: '(b) WebCrypto' };
    const names = Object.keys(c.candidates);
    const rows = [['step (mean / median)', ...names.flatMap((n) => [`${labels[n]}, cold process`, 'warm process'])]];
    const line = (label, f) => rows.push([label, ...names.flatMap((n) => [f(n, 'processCold'), f(n, 'processWarm')])]);
    const start = (step) => (n, g) => (g === 'processCold' && c.candidates[n].scriptStartMs?.[step] ? cell(c.candidates[n].scriptStartMs[step]) : '');
    line('script start: compile the .wasm (unique bytes)', start('compile'));
    line('script start: instantiate + error classes', start('instantiate'));
    line('script start: warm-up (warmUp), synchronous part', start('warmUp'));
    line('script start: warm-up, until its promise settles', start('warmUpAll'));
    line('first key import (new WebhookVerifier / importKey)', (n, g) => cell(c.candidates[n].inside[g].jwksImport));
    line('first verify', (n, g) => cell(c.candidates[n].inside[g].firstVerify));
    line('second verify', (n, g) => cell(c.candidates[n].inside[g].secondVerify));
    line('third verify', (n, g) => cell(c.candidates[n].inside[g].thirdVerify));
    line('next 10 verify, per verification', (n, g) => cell(c.candidates[n].inside[g].next10Verify));
    line('  in the first request: import + first verify', (n, g) => ms(c.candidates[n].inside[g].importFirstVerifyMean));
    line('  same sum, from outside (wall − baseline)', (n, g) => cell(c.candidates[n].outside.totalMinusBase[g]));
    line('fence interval (subtracted)', (n, g) => cell(c.candidates[n].inside[g].fenceMs));
    const perCandidate = c.candidates.verifier.inside.processCold.firstVerify?.n ?? 0;
    parts.push(
      `Cold start in workerd (${c.rounds} rounds × 3 candidates, each a fresh workerd process; per candidate ${perCandidate} + ${perCandidate} isolates timed inside, ` +
        `the same number from outside. "cold process": the first isolate of the process to run a request; "warm process": a second isolate, which shares V8's compiled wasm. ` +
        `Script-start steps run in every isolate, before any request, and are not billed to a request's CPU time: means over all isolates)\n${table(rows)}\n` +
        `Clock advances during CPU work in this workerd: ${c.clockAdvancedDuringCpu ? 'yes' : 'no (frozen between I/O)'}; ` +
        `resolution 1 ms, so single values are quantized: read the means. Fresh Miniflare start: ${ms(c.miniflareStartupMs.median)} median.` +
        (r.ratios.workerdColdStartToWebcrypto
          ? `\nCold start from outside, cold process, ÷ WebCrypto alone (means): /verifier ${times(r.ratios.workerdColdStartToWebcrypto.mean)}, whole package ${times(r.ratios.workerdColdStartToWebcrypto.fullPackageMean)}.`
          : ''),
    );
  }

  if (r.size) {
    const s = r.size;
    const rows = [['file', 'raw', 'gzip -9']];
    for (const [name, v] of Object.entries(s.files)) rows.push([name, bytes(v.raw), bytes(v.gzip)]);
    for (const [what, v] of Object.entries(s.jsPerRuntime)) rows.push([`JS loaded for ${what} (glue + entry + shared)`, bytes(v.raw), bytes(v.gzip)]);
    for (const [name, v] of Object.entries(s.extra)) rows.push([name, bytes(v.raw), bytes(v.gzip)]);
    const uploads = [
      ['upvest-webhooks/verifier', 'dist/verifier/upvest_webhooks_verifier_bg.wasm'],
      ['upvest-webhooks', 'dist/wasm/upvest_webhooks_bg.wasm'],
    ];
    for (const [entry, wasmFile] of uploads) {
      const wasm = s.files[wasmFile];
      const workerJs = Object.entries(s.extra).find(([name]) => name.startsWith(`Worker bundle JS for ${entry} `))?.[1];
      if (wasm && workerJs) rows.push([`Worker upload for ${entry} (bundle JS + .wasm)`, bytes(workerJs.raw + wasm.raw), bytes(workerJs.gzip + wasm.gzip)]);
    }
    parts.push(`Size (installed package)\n${table(rows)}`);
  }

  if (r.memory) {
    const mm = r.memory;
    const w = mm.wasmMemoryBytes;
    parts.push(
      `Memory (Node, wasm linear memory, ${mm.completed.toLocaleString('en')} verifications in ${mm.seconds} s, half failing: ` +
        `${Object.entries(mm.mix)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})\n` +
        table([
          ['', 'bytes'],
          ['memory.buffer.byteLength at package load', `${w.atPackageLoad.toLocaleString('en')} (${bytes(w.atPackageLoad)})`],
          ['before the memory run', `${w.before.toLocaleString('en')} (${bytes(w.before)})`],
          ['after 10 % of the run', `${w.atTenPercent.toLocaleString('en')} (${bytes(w.atTenPercent)})`],
          ['after', `${w.after.toLocaleString('en')} (${bytes(w.after)})`],
          ['growth over the last 90 %', `${w.growthLast90Percent.toLocaleString('en')}`],
          ['JS heap after GC, before → after', `${bytes(mm.jsHeapAfterGcBytes.before)} → ${bytes(mm.jsHeapAfterGcBytes.after)}`],
        ]) +
        `\nFlat: ${mm.flat ? 'YES' : 'NO'} (rule: ${mm.flatRule}; ` +
        `any leak of ≥ ${mm.detectsLeaksFromBytesPerVerification} B per verification would have shown as growth).` +
        (mm.stoppedByTimeCap
          ? `\nStopped by the time cap (BENCH_MEMORY_SECONDS=${mm.timeCapSeconds}) after ${mm.completed.toLocaleString('en')} of ${mm.requested.toLocaleString('en')}; BENCH_MEMORY_SECONDS=0 runs them all.`
          : '') +
        (mm.unexpectedOutcomes ? `\nUNEXPECTED outcomes: ${mm.unexpectedOutcomes} (${mm.unexpectedExamples.join('; ')})` : ''),
    );
  }

  if (r.client) {
    const c = r.client;
    const rows = [
      ['', 'median', 'p99', 'median ÷ sign', 'p99 ÷ sign', 'n'],
      [
        'upvest.webhooks.list() (canned fetch, cached token)',
        ms(c.stats.list.median),
        ms(c.stats.list.p99),
        times(c.ratios.listToNodeSign.median),
        times(c.ratios.listToNodeSign.p99),
        c.stats.list.n,
      ],
      [
        `node:crypto sign('sha512', ${c.baseBytes}-byte base, P-521)`,
        ms(c.stats.nodeSign.median),
        ms(c.stats.nodeSign.p99),
        '1.00×',
        '1.00×',
        c.stats.nodeSign.n,
      ],
      ['  (for reference: the canned fetch alone)', ms(c.stats.cannedFetch.median), ms(c.stats.cannedFetch.p99), '', '', c.stats.cannedFetch.n],
    ];
    parts.push(`API client: signing one request (${c.request}; token fetched ${c.tokenFetches}×)\n${table(rows)}`);
  }
  parts.push(methodText());
  return `\n${parts.join('\n\n')}`;
}
