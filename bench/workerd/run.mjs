// Drives the bench Workers in workerd through Miniflare 3.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { WASM_PATH } from '../lib/env.mjs';
import { mean, median, ratio, summarize } from '../lib/stats.mjs';
import { WASM_BYTES_MODULE, wasmWithNonce } from './build.mjs';

const COMPATIBILITY_DATE = '2025-07-18'; // the bundled workerd's release date, as in tests/workers
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

async function post(mf, url, body) {
  const response = await mf.dispatchFetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
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
 * Warm: (a) verify() and (b) WebCrypto subtle.verify inside one isolate,
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
    await post(mf, 'http://warm.bench/round', { batches: 10, k: { verify: 5, webcrypto: 5 }, offset: 0 });
    let estimate = { verify: 5, webcrypto: 5 };
    for (let i = 0; i < 3; i++) {
      const r = await post(mf, 'http://warm.bench/round', { batches: 2, k: { verify: 5, webcrypto: 5 }, offset: i });
      const f = mean(r.fence);
      estimate = { verify: Math.max(0.05, (median(r.verify) - f) / 5), webcrypto: Math.max(0.05, (median(r.webcrypto) - f) / 5) };
    }
    const k = {
      verify: Math.max(1, Math.round(batchMs / estimate.verify)),
      webcrypto: Math.max(1, Math.round(batchMs / estimate.webcrypto)),
    };

    const raw = { verify: [], webcrypto: [], fence: [] };
    const perRequest = 10;
    for (let done = 0; done < batches; done += perRequest) {
      const r = await post(mf, 'http://warm.bench/round', { batches: Math.min(perRequest, batches - done), k, offset: done });
      for (const key of Object.keys(raw)) raw[key].push(...r[key]);
    }
    const fence = mean(raw.fence);
    const perOp = (name) => raw[name].map((t) => (t - fence) / k[name]);
    const stats = { verify: summarize(perOp('verify')), webcrypto: summarize(perOp('webcrypto')) };
    return {
      unit: 'ms per operation (per-batch means, see method)',
      opsPerBatch: k,
      batchesPerCandidate: raw.verify.length,
      fenceMs: summarize(raw.fence),
      stats,
      ratios: { verifyToWebcrypto: { median: ratio(stats.verify.median, stats.webcrypto.median), p99: ratio(stats.verify.p99, stats.webcrypto.p99) } },
    };
  } finally {
    await mf.dispose();
  }
}

/**
 * Cold start: `rounds` fresh workerd processes. Each has four Workers from
 * the same cold.js bundle (base, steps, total: one isolate each) plus the
 * fence Worker. Order per round: a warm-up request to the fence (Miniflare's
 * entry Worker), then /base, then /steps and /total, alternating which of
 * the two runs first: the first isolate of a process to run the wasm pays
 * for V8's lazy compilation, which later isolates of the same process share.
 */
export async function benchWorkerdCold({ build, fx, rounds }) {
  const wasm = readFileSync(WASM_PATH);
  const input = payload(fx);
  const fences = 6;
  const samples = { processCold: {}, processWarm: {} };
  const outside = { base: [], totalProcessCold: [], totalProcessWarm: [] };
  const startup = [];
  const compile = [];
  let clockAdvancedDuringCpu;
  const push = (group, name, value) => (samples[group][name] ??= []).push(value);

  for (let round = 0; round < rounds; round++) {
    // Each isolate gets its own Data bytes (a unique custom section): every compile at script start is a fresh one.
    const modules = (name) => [
      ...build.cold.modules,
      { type: 'Data', path: join(build.outdir, WASM_BYTES_MODULE), contents: wasmWithNonce(wasm, `${process.pid}-${Date.now()}-${round}-${name}`) },
    ];
    const worker = (name) => ({ name, modules: modules(name), modulesRoot: build.outdir, compatibilityDate: COMPATIBILITY_DATE, routes: [`${name}.bench/*`], serviceBindings: { FENCE: 'fence' } });
    const started = performance.now();
    const mf = new Miniflare({ host: '127.0.0.1', workers: [worker('base'), worker('steps'), worker('total'), { ...fenceWorker, routes: ['fence.bench/*'] }] });
    try {
      await mf.ready;
      startup.push(performance.now() - started);
      await (await mf.dispatchFetch('http://fence.bench/')).arrayBuffer();

      const timed = async (name, body) => {
        const t0 = performance.now();
        const result = await post(mf, `http://${name}.bench/${name}`, body);
        return { ms: performance.now() - t0, result };
      };
      const base = await timed('base', input);
      outside.base.push(base.ms);
      compile.push(base.result.compileMs);

      const stepsFirst = round % 2 === 0;
      const runSteps = async (group) => {
        const { result } = await timed('steps', { ...input, fences, probeClock: round === 0 });
        if (!result.ok) throw new Error(`/steps did not verify: ${JSON.stringify(result)}`);
        if (result.clockAdvancedDuringCpu !== undefined) clockAdvancedDuringCpu = result.clockAdvancedDuringCpu;
        compile.push(result.compileMs);
        for (const [name, values] of Object.entries(result.intervals)) for (const v of values) push(group, name, v);
      };
      const runTotal = async (group) => {
        const { ms, result } = await timed('total', input);
        if (!result.ok) throw new Error(`/total did not verify: ${JSON.stringify(result)}`);
        (group === 'processCold' ? outside.totalProcessCold : outside.totalProcessWarm).push(ms - base.ms);
        compile.push(result.compileMs);
      };
      if (stepsFirst) {
        await runSteps('processCold');
        await runTotal('processWarm');
      } else {
        await runTotal('processCold');
        await runSteps('processWarm');
      }
    } finally {
      await mf.dispose();
    }
  }

  // Inside: each step's interval minus the mean fence-only interval.
  // next10Verify is reported per verification (÷ 10).
  const steps = ['instantiate', 'jwksImport', 'firstVerify', 'secondVerify', 'thirdVerify', 'next10Verify', 'webcryptoImport', 'webcryptoFirstVerify', 'webcryptoSecondVerify'];
  const inside = {};
  for (const group of ['processCold', 'processWarm']) {
    const fence = mean(samples[group].fence ?? []);
    inside[group] = { fenceMs: summarize(samples[group].fence ?? []) };
    for (const step of steps) {
      const per = step === 'next10Verify' ? 10 : 1;
      inside[group][step] = summarize((samples[group][step] ?? []).map((v) => (v - fence) / per));
    }
    const sumMeans = ['instantiate', 'jwksImport', 'firstVerify'].reduce((acc, s) => acc + inside[group][s].mean, 0);
    inside[group].instantiateImportFirstVerifyMean = Math.round(sumMeans * 1e4) / 1e4;
  }
  return {
    rounds,
    clockAdvancedDuringCpu,
    inside,
    outside: {
      baseFirstRequestMs: summarize(outside.base),
      totalMinusBase: { processCold: summarize(outside.totalProcessCold), processWarm: summarize(outside.totalProcessWarm) },
    },
    // Clock-based (no fence possible at script start): only meaningful when the clock advances during CPU work.
    compileAtScriptStartMs: clockAdvancedDuringCpu ? summarize(compile) : null,
    miniflareStartupMs: summarize(startup),
  };
}
