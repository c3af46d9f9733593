// Drives the bench Workers in workerd: the warm bench through Miniflare 4,
// the cold-start bench through workerd processes of its own (process.mjs).

import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Miniflare } from 'miniflare';
import { PACKAGE_DIR } from '../lib/env.mjs';
import { mean, median, ratio, summarize } from '../lib/stats.mjs';
import { COLD_CANDIDATES, WASM_BYTES_MODULE, wasmWithNonce } from './build.mjs';
import { startWorkerd } from './process.mjs';
import { COMPATIBILITY_DATE } from '../../tests/workers/support/package.mjs'; // the workerd's own date (2026-11-17), as in tests/workers

const FENCE_SCRIPT = 'export default { fetch() { return new Response("") } }';

const fenceWorker = { name: 'fence', modules: true, script: FENCE_SCRIPT, compatibilityDate: COMPATIBILITY_DATE };

function payload(fx) {
  return {
    delivery: { method: fx.delivery.method, url: fx.delivery.url, headers: fx.delivery.headers, body: fx.delivery.body },
    jwks: fx.jwks,
    base: fx.baseBytes.toString('base64'),
    raw: Buffer.from(fx.raw).toString('base64'),
  };
}

/** POSTs `body` as JSON through `target` (a Miniflare, or a process.mjs workerd) and returns the JSON answer. */
async function post(target, url, body) {
  const response = await (target.dispatchFetch ?? target.fetch).call(target, url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${url} answered ${response.status}: ${text.slice(0, 300)}`);
  }
  if (response.status !== 200 || json.error) throw new Error(`${url} answered ${response.status}: ${json.error ?? text.slice(0, 300)}`);
  return json;
}

/**
 * Warm: (a) verify() of the verifier module, (a′) verify() of the whole
 * package's module and (b) WebCrypto subtle.verify inside one isolate,
 * in interleaved batches of ~batchMs of work; per-operation time of a batch
 * = (batch − mean fence interval) / k.
 */
export async function benchWorkerdWarm({ build, fx, batches, batchMs }) {
  const mf = new Miniflare({
    host: '127.0.0.1',
    workers: [
      { name: 'warm', modules: build.warm.modules, modulesRoot: build.outdir, compatibilityDate: COMPATIBILITY_DATE, serviceBindings: { FENCE: 'fence' } },
      fenceWorker,
    ],
  });
  try {
    await mf.ready;
    const setup = await post(mf, 'http://warm.bench/setup', payload(fx));
    if (!setup.ok) throw new Error(`the warm Worker could not verify the delivery: ${JSON.stringify(setup)}`);

    // Warm-up (lets V8 tier up the wasm and JS), then calibration: per-operation estimates from batches of 5.
    const names = ['verify', 'verifyFull', 'webcrypto'];
    const each = (f) => Object.fromEntries(names.map((name) => [name, f(name)]));
    await post(mf, 'http://warm.bench/round', { batches: 10, k: each(() => 5), offset: 0 });
    let estimate = each(() => 5);
    for (let i = 0; i < 3; i++) {
      const r = await post(mf, 'http://warm.bench/round', { batches: 2, k: each(() => 5), offset: i });
      const f = mean(r.fence);
      estimate = each((name) => Math.max(0.05, (median(r[name]) - f) / 5));
    }
    const k = each((name) => Math.max(1, Math.round(batchMs / estimate[name])));

    const raw = { ...each(() => []), fence: [] };
    const perRequest = 10;
    for (let done = 0; done < batches; done += perRequest) {
      const r = await post(mf, 'http://warm.bench/round', { batches: Math.min(perRequest, batches - done), k, offset: done });
      for (const key of Object.keys(raw)) raw[key].push(...r[key]);
    }
    const fence = mean(raw.fence);
    const stats = each((name) => summarize(raw[name].map((t) => (t - fence) / k[name])));
    const toWebcrypto = (name) => ({ median: ratio(stats[name].median, stats.webcrypto.median), p99: ratio(stats[name].p99, stats.webcrypto.p99) });
    return {
      unit: 'ms per operation (per-batch means, see method)',
      candidates: {
        verify: 'verify() of upvest-webhooks/verifier (the verifier module, opt-level z)',
        verifyFull: 'verify() of upvest-webhooks (the whole package module, opt-level 3)',
        webcrypto: 'WebCrypto subtle.verify alone, CryptoKey imported once',
      },
      opsPerBatch: k,
      batchesPerCandidate: raw.verify.length,
      fenceMs: summarize(raw.fence),
      stats,
      ratios: { verifyToWebcrypto: toWebcrypto('verify'), verifyFullToWebcrypto: toWebcrypto('verifyFull') },
    };
  } finally {
    await mf.dispose();
  }
}

/**
 * Cold start, for three candidates: the verifier module
 * (`upvest-webhooks/verifier`), the whole package's module
 * (`upvest-webhooks`) and WebCrypto alone (what jose does: importKey of the
 * JWK, subtle.verify). Each round starts, for each candidate in turn, two
 * fresh workerd processes (directly, see process.mjs), each loading (in
 * this order) the router, a `base` and a `fence` Worker, then the measured
 * Workers, all from the candidate's cold.js bundle, one isolate each:
 *
 * - process 1 loads `steps` and `total` last: their script start (and its
 *   warm-up) is the last thing before the requests, as for a Worker that
 *   Cloudflare starts for a request. Order of requests: /base, then the two,
 *   alternating by round which runs first ("processCold": the first isolate
 *   of the process to run a verification; "processWarm": a second one,
 *   which shares V8's compiled wasm). The one to run first is loaded last.
 * - process 2 loads one of them (alternating) and then another Worker
 *   ("afterFlush"): loading it flushes the wasm code compiled at the first
 *   one's script start (see process.mjs), as in Miniflare, which always
 *   loads Workers of its own after the user's.
 */
export async function benchWorkerdCold({ build, fx, rounds }) {
  const candidates = Object.fromEntries(
    Object.entries(COLD_CANDIDATES).map(([name, c]) => [
      name,
      { bundle: build.cold[name], wasm: readFileSync(join(PACKAGE_DIR, c.module.wasm)), webcrypto: !c.startsWasm },
    ]),
  );
  const names = Object.keys(candidates);
  const input = payload(fx);
  const fences = 6;
  const groups = ['processCold', 'processWarm', 'afterFlush'];
  const state = Object.fromEntries(
    names.map((name) => [
      name,
      {
        samples: Object.fromEntries(groups.map((g) => [g, {}])),
        outside: { base: [], total: Object.fromEntries(groups.map((g) => [g, []])) },
        compile: [],
      },
    ]),
  );
  const startup = [];
  let clockAdvancedDuringCpu;
  const dir = build.outdir;
  const fenceFile = 'bench-fence.mjs';
  writeFileSync(join(dir, fenceFile), FENCE_SCRIPT);
  const trivial = (name) => ({ name, modules: [{ name: fenceFile, esModule: fenceFile }] });

  for (let round = 0; round < rounds; round++) {
    for (let c = 0; c < names.length; c++) {
      const name = names[(round + c) % names.length];
      const candidate = candidates[name];
      const { samples, outside, compile } = state[name];
      const push = (group, step, value) => (samples[group][step] ??= []).push(value);
      const [script, wasm] = candidate.bundle.modules.map((m) => basename(m.path));
      // Each isolate gets its own Data bytes (a unique custom section): every compile at script start is a fresh one.
      const worker = (proc, workerName) => {
        const data = `bench-bytes-${proc}-${workerName}.bin`;
        writeFileSync(join(dir, data), wasmWithNonce(candidate.wasm, `${process.pid}-${Date.now()}-${round}-${name}-${proc}-${workerName}`));
        return {
          name: workerName,
          modules: [
            { name: script, esModule: script },
            { name: wasm, wasm },
            { name: WASM_BYTES_MODULE, data },
          ],
          bindings: [{ name: 'FENCE', service: 'fence' }],
        };
      };
      const body = { ...input, webcrypto: candidate.webcrypto };

      const run = async (workers, requests) => {
        const started = performance.now();
        const wd = await startWorkerd({ dir, workers });
        startup.push(performance.now() - started);
        try {
          const timed = async (path, extra = {}) => {
            const t0 = performance.now();
            const result = await post(wd, `http://${path}.bench/${path}`, { ...body, ...extra });
            return { ms: performance.now() - t0, result };
          };
          await (await wd.fetch('http://fence.bench/')).arrayBuffer(); // the connection, and the router's first request
          const base = await timed('base');
          outside.base.push(base.ms);
          compile.push(base.result.startup);
          for (const [path, group] of requests) {
            if (path === 'steps') {
              const { result } = await timed('steps', { fences, probeClock: clockAdvancedDuringCpu === undefined });
              if (!result.ok) throw new Error(`/steps (${name}) did not verify: ${JSON.stringify(result)}`);
              if (result.clockAdvancedDuringCpu !== undefined) clockAdvancedDuringCpu = result.clockAdvancedDuringCpu;
              compile.push(result.startup);
              for (const [step, values] of Object.entries(result.intervals)) for (const v of values) push(group, step, v);
            } else {
              const { ms, result } = await timed('total');
              if (!result.ok) throw new Error(`/total (${name}) did not verify: ${JSON.stringify(result)}`);
              outside.total[group].push(ms - base.ms);
              compile.push(result.startup);
            }
          }
        } finally {
          await wd.dispose();
        }
      };
      const base = (proc) => [worker(proc, 'base'), trivial('fence')];
      // Process 1: the first to run is loaded last.
      const [first, second] = round % 2 === 0 ? ['steps', 'total'] : ['total', 'steps'];
      await run(
        [...base(1), worker(1, second), worker(1, first)],
        [
          [first, 'processCold'],
          [second, 'processWarm'],
        ],
      );
      // Process 2: another Worker loaded after the measured one.
      const flushed = round % 2 === 0 ? 'total' : 'steps';
      await run([...base(2), worker(2, flushed), trivial('later')], [[flushed, 'afterFlush']]);
    }
  }

  // Inside: each step's interval minus the mean fence-only interval.
  // next10Verify is reported per verification (÷ 10).
  const steps = ['jwksImport', 'firstVerify', 'secondVerify', 'thirdVerify', 'next10Verify'];
  const result = { rounds, clockAdvancedDuringCpu, candidates: {} };
  for (const name of names) {
    const { samples, outside, compile } = state[name];
    const inside = {};
    for (const group of groups) {
      const fence = mean(samples[group].fence ?? []);
      inside[group] = { fenceMs: summarize(samples[group].fence ?? []) };
      for (const step of steps) {
        const per = step === 'next10Verify' ? 10 : 1;
        inside[group][step] = summarize(samples[group][step].map((v) => (v - fence) / per));
      }
      const sumMeans = ['jwksImport', 'firstVerify'].reduce((acc, s) => acc + inside[group][s].mean, 0);
      inside[group].importFirstVerifyMean = Math.round(sumMeans * 1e4) / 1e4;
    }
    result.candidates[name] = {
      inside,
      outside: {
        baseFirstRequestMs: summarize(outside.base),
        totalMinusBase: Object.fromEntries(groups.map((g) => [g, summarize(outside.total[g])])),
      },
      // Clock-based (no fence possible at script start): only meaningful when the clock advances during CPU work
      // there (checked at script start by every isolate; in a request by the probe).
      scriptStartMs:
        clockAdvancedDuringCpu && compile.every((s) => s?.clockAdvances !== false)
          ? Object.fromEntries(
              ['compileMs', 'instantiateMs', 'warmUpMs', 'warmUpAllMs']
                .filter((k) => compile.some((s) => s?.[k] !== undefined))
                .map((k) => [k.replace(/Ms$/, ''), summarize(compile.map((s) => s[k]))]),
            )
          : null,
    };
  }
  result.workerdStartupMs = summarize(startup);
  return result;
}
