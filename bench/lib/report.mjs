// The plain-text report of `make bench` (stdout), from results.json's object.

import { config } from './env.mjs';
import { bytes, ms, ratio, table, times } from './stats.mjs';
import { LARGE_CANDIDATES } from '../node/large.mjs';
import { FRESH_CANDIDATES } from '../node/fresh.mjs';
import { issueTable, issueTableRows } from './summary.mjs';

export const METHOD = [
  `Every Node phase runs once per Node of BENCH_NODES, in a child process under that Node; workerd, size and the native limit run once. Candidates: (a) verify() of upvest-webhooks/verifier, the verifier's own WebAssembly module (opt-level "z", what a Worker should ship); (a′) verify() of upvest-webhooks, the whole package's module (opt-level 3); (b) WebCrypto subtle.verify alone on the same signature base and raw signature, CryptoKey imported once (what jose does); (c) node:crypto verify (DER, KeyObject). Native limit: openssl speed ecdsap521 (CPU time per verify).`,
  `Node: every operation timed alone with performance.now(); the candidates alternate in batches of ${config.nodeBatch} (rotating order) after a warm-up; same base bytes and signature for all; key imported once.`,
  `workerd (warm): one isolate runs batches of k operations (≈ ${config.workerdBatchMs} ms each), the candidates in rotating order. A batch is timed as fence, Date.now(), k ops, fence, Date.now(), where a fence is a fetch to another Worker (real I/O, after which workerd's clock is current even where it freezes during CPU work); the mean fence-only interval is subtracted and the rest divided by k. Medians and p99 are over these per-batch means (workerd's clock has 1 ms resolution).`,
  `workerd (cold): every round starts, for each candidate (a), (a′), (b), two fresh workerd processes (workerd itself from a Cap'n Proto config, not Miniflare: bench/workerd/process.mjs) with Workers built from one bundle, each its own isolate, loaded in a fixed order. At script start the wasm candidates do what the package's workerd entries do (instantiate, register the error classes, warmUp()), timed with Date.now(). Inside a request: /steps does new WebhookVerifier, three verify() calls and ten more ((b): importKey of the JWK, three subtle.verify and ten more), with a fence after each step; step time = interval − mean fence-only interval. Outside: wall time of the first request to /total (import and first verify; no fences) minus that of /base (same script, does nothing), both fresh isolates. Process 1 loads /steps and /total last and alternates which runs first (cold process: the first isolate to run the wasm, loaded last; warm process: a second one, sharing V8's compiled wasm). Process 2 loads one of them and then another Worker, whose loading flushes the wasm code compiled at script start (V8's Liftoff flush on memory pressure, as always happens under Miniflare): the code-flushed case. The compile of the .wasm bytes happens at script start, where no I/O is possible: it is timed with Date.now() and reported only when the clock advances during CPU work (checked by a probe).`,
  `Large deliveries (Node): bodies up to Upvest's max_package_size (1,048,576 bytes; ~1,100 ORDER.FILLED events of ~940 B, unique ids) and smaller sizes, signed by signTestDelivery (Digest: SHA-256). (a) and (a′) verify() with the body as a string and as a Buffer, against node:crypto alone: createHash('sha256') of the body compared with the Digest header + verify('sha512', base, KeyObject, DER) + JSON.parse (of the string; of a fatal TextDecoder's decoding of the bytes); the steps alone in the same rotation. Each operation timed alone, candidates in interleaved batches.`,
  `Fresh process (Node): each round spawns, in rotating order, one node process per candidate: (a) import('upvest-webhooks/verifier'), (a′) import('upvest-webhooks'), each + new WebhookVerifier + verify(); (b) WebCrypto importKey('jwk') + subtle.verify; (c) import('node:crypto') + createPublicKey(jwk) + verify; and a baseline that only reads the fixture. Inside: performance.now() from before the import to the first successful verification (the fixture is read before). Outside: the process's wall time (spawn to exit) minus that of the same round's baseline process; medians of these differences.`,
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

const nodeLabel = (key, n) => `Node ${key} (${n.runtime.node})`;

export function report(r) {
  const parts = [];
  const m = r.machine;
  const nodeKeys = Object.keys(r.nodes ?? {});
  parts.push(
    `upvest-webhooks ${r.package.version} (${r.package.git ?? 'no git'}) — ${r.date}\n` +
      `${m.cpu} × ${m.cores}, ${m.platform}; ${nodeKeys.map((k) => `node ${r.nodes[k].runtime.node}`).join(', ') || 'no Node phase'}; ` +
      `miniflare ${r.runtimes.miniflare} (workerd ${r.runtimes.workerd})\n` +
      `load average at start ${m.loadAverageAtStart.join(' ')}, at end ${m.loadAverageAtEnd.join(' ')}` +
      (Math.max(...m.loadAverageAtStart, ...m.loadAverageAtEnd) > 0.5 * m.cores ? '  ← other work was running: expect noise' : '') +
      (r.config.quick ? '\nQUICK run (BENCH_QUICK=1): small samples, for a smoke test only' : '') +
      (r.nodesMissing?.length ? `\nNOT RUN: ${r.nodesMissing.map((x) => x.missing).join('; ')}` : ''),
  );

  const warm = nodeKeys.filter((k) => r.nodes[k].node);
  if (warm.length || r.workerd) {
    const f = r.fixture;
    const rows = [['', 'median', 'p99', 'median ÷ (b)', 'p99 ÷ (b)', 'n']];
    const row = (label, s, b, n = s.n) => [label, ms(s.median), ms(s.p99), times(ratio(s.median, b.median)), times(ratio(s.p99, b.p99)), n];
    for (const key of warm) {
      const s = r.nodes[key].node.stats;
      rows.push(
        [nodeLabel(key, r.nodes[key]), '', '', '', '', ''],
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
        `ECDSA P-521/SHA-512, DER ${f.derSignatureBytes} B / raw ${f.rawSignatureBytes} B)\n${table(rows)}`,
    );
  }

  for (const key of nodeKeys) {
    const large = r.nodes[key].large;
    if (!large) continue;
    const names = Object.keys(LARGE_CANDIDATES);
    const medians = [['median (p99)', ...large.sizes.map((s) => `${bytes(s.bodyBytes)}, ${s.events} ev.`)]];
    for (const name of names) medians.push([LARGE_CANDIDATES[name], ...large.sizes.map((s) => `${ms(s.stats[name].median)} (${ms(s.stats[name].p99)})`)]);
    const ratios = [['÷ reference, median (p99)', ...large.sizes.map((s) => bytes(s.bodyBytes))]];
    for (const [label, k] of [
      ['(a) /verifier, string ÷ reference (string)', 'verifyStringToRef'],
      ['(a) /verifier, bytes ÷ reference (bytes)', 'verifyBytesToRef'],
      ['(a′) whole package, string ÷ reference (string)', 'fullStringToRef'],
      ['(a′) whole package, bytes ÷ reference (bytes)', 'fullBytesToRef'],
    ]) {
      ratios.push([label, ...large.sizes.map((s) => `${times(s.ratios[k].median)} (${times(s.ratios[k].p99)})`)]);
    }
    parts.push(
      `Large deliveries, ${nodeLabel(key, r.nodes[key])}: verify() vs node:crypto SHA-256 + ECDSA verify + JSON.parse ` +
        `(n = ${large.sizes.map((s) => s.stats.verifyString.n).join(' / ')} per candidate)\n${table(medians)}\n\n${table(ratios)}`,
    );
  }

  for (const key of nodeKeys) {
    const fresh = r.nodes[key].fresh;
    if (!fresh) continue;
    const s = fresh.stats;
    const rows = [['', 'inside: median', 'p99', 'median ÷ (b)', 'import / key (medians)', 'wall − baseline: median', '÷ (b)']];
    for (const [name, label] of Object.entries(FRESH_CANDIDATES)) {
      const marks = s[name].marks;
      rows.push([
        label,
        ms(s[name].inside.median),
        ms(s[name].inside.p99),
        name === 'baseline' ? '' : times(ratio(s[name].inside.median, s.webcrypto.inside.median)),
        [marks.import, marks.key]
          .filter(Boolean)
          .map((x) => ms(x.median))
          .join(' / '),
        name === 'baseline' ? `(wall ${ms(s.baseline.wall.median)})` : ms(s[name].wallMinusBaseline.median),
        name === 'baseline' ? '' : times(ratio(s[name].wallMinusBaseline.median, s.webcrypto.wallMinusBaseline.median)),
      ]);
    }
    parts.push(`Fresh process, ${nodeLabel(key, r.nodes[key])}: ${fresh.rounds} rounds, candidates in rotating order\n${table(rows)}`);
  }

  if (r.workerdCold) {
    const c = r.workerdCold;
    const cell = (x) => (x ? `${ms(x.mean)} / ${ms(x.median)}` : '–');
    const labels = { verifier: '(a) /verifier', full: '(a′) whole pkg', webcrypto: '(b) WebCrypto' };
    const groupLabels = { processCold: 'cold process', processWarm: 'warm process', afterFlush: 'code flushed' };
    const names = Object.keys(c.candidates);
    const groups = Object.keys(c.candidates[names[0]].inside);
    const rows = [['step (mean / median)', ...names.flatMap((n) => groups.map((g, i) => (i === 0 ? `${labels[n]}, ${groupLabels[g]}` : groupLabels[g])))]];
    const line = (label, f) => {
      const cells = names.flatMap((n) => groups.map((g) => f(n, g)));
      if (cells.some((c) => c !== '')) rows.push([label, ...cells]); // script-start rows are empty when not measurable
    };
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
      `Cold start in workerd (${c.rounds} rounds × 3 candidates, each round two fresh workerd processes per candidate; per candidate and column ${perCandidate} isolates timed inside, ` +
        `about as many from outside. "cold process": the first isolate of the process to run a request, loaded last; "warm process": a second isolate, which shares V8's compiled wasm; ` +
        `"code flushed": an isolate whose process loaded another Worker after it, which flushes the wasm code its script start compiled (bench/workerd/process.mjs). ` +
        `Script-start steps run in every isolate, before any request, and are not billed to a request's CPU time: means over all isolates)\n${table(rows)}\n` +
        `Clock advances during CPU work in this workerd: in a request ${c.clockAdvancedDuringCpu ? 'yes' : 'no (frozen between I/O)'}, at script start ${c.candidates.verifier?.scriptStartMs ? 'yes' : 'no (so the script-start steps are not reported)'}; ` +
        `resolution 1 ms, so single values are quantized: read the means. Fresh workerd start: ${ms((c.workerdStartupMs ?? c.miniflareStartupMs).median)} median.` +
        (r.ratios.workerdColdStartToWebcrypto
          ? `\nCold start from outside, cold process, ÷ WebCrypto alone (means): /verifier ${times(r.ratios.workerdColdStartToWebcrypto.mean)}, whole package ${times(r.ratios.workerdColdStartToWebcrypto.fullPackageMean)}.`
          : ''),
    );
  }

  if (r.size) {
    const s = r.size;
    const rows = [['file', 'raw', 'gzip -9']];
    for (const [name, v] of Object.entries(s.files)) rows.push([name, bytes(v.raw), bytes(v.gzip)]);
    for (const [what, v] of Object.entries(s.jsPerRuntime))
      rows.push([`JS loaded for ${what} (every module of its import graph)`, bytes(v.raw), bytes(v.gzip)]);
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
    parts.push(
      `Size (installed package)\n${table(rows)}\nGoal: the verifier's .wasm gzipped ≤ 150 KiB (issue #14): ${bytes(s.files['dist/verifier/upvest_webhooks_verifier_bg.wasm']?.gzip ?? NaN)}.`,
    );
  }

  if (r.native) {
    parts.push(
      r.native.skipped
        ? `Native limit: skipped (${r.native.skipped})`
        : `Native limit (${r.native.openssl}, \`${r.native.command}\`, ${r.native.clock}): verify ${ms(r.native.verifyMs)}, sign ${ms(r.native.signMs)}`,
    );
  }

  for (const key of nodeKeys) {
    const n = r.nodes[key];
    const label = nodeLabel(key, n);
    if (n.memory) {
      const mm = n.memory;
      const w = mm.wasmMemoryBytes;
      parts.push(
        `Memory (${label}, wasm linear memory, ${mm.completed.toLocaleString('en')} verifications in ${mm.seconds} s, half failing: ` +
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

    if (n.client) {
      const c = n.client;
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
      parts.push(`API client, ${label}: signing one request (${c.request}; token fetched ${c.tokenFetches}×)\n${table(rows)}`);
    }
  }
  parts.push(methodText());
  const t = issueTable(r);
  parts.push(`Issue #14, one run (medians; ✓ goal met, ✗ not)\n${table(issueTableRows(t))}`);
  return `\n${parts.join('\n\n')}`;
}
