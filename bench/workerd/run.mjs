// Drives the bench Workers in workerd through Miniflare 4.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { PACKAGE_DIR } from '../lib/env.mjs';
import { mean, median, ratio, summarize } from '../lib/stats.mjs';
import { COLD_CANDIDATES, WASM_BYTES_MODULE, wasmWithNonce } from './build.mjs';
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
 * JWK, subtle.verify). Each round starts, for each candidate in turn, a
 * fresh workerd process (a fresh Miniflare) with Workers from that
 * candidate's cold.js bundle (base, steps, total: one isolate each) plus the
 * fence Worker. Order per process: a warm-up request to the fence
 * (Miniflare's entry Worker), then /base, then /steps and /total,
 * alternating which of the two runs first: the first isolate of a process
 * to run the wasm pays for V8's lazy compilation, which later isolates of
 * the same process share.
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
  const state = Object.fromEntries(
    names.map((name) => [
      name,
      { samples: { processCold: {}, processWarm: {} }, outside: { base: [], totalProcessCold: [], totalProcessWarm: [] }, compile: [] },
    ]),
  );
  const startup = [];
  let clockAdvancedDuringCpu;

  for (let round = 0; round < rounds; round++) {
    for (let c = 0; c < names.length; c++) {
      const name = names[(round + c) % names.length];
      const candidate = candidates[name];
      const { samples, outside, compile } = state[name];
      const push = (group, step, value) => (samples[group][step] ??= []).push(value);
      // Each isolate gets its own Data bytes (a unique custom section): every compile at script start is a fresh one.
      const modules = (worker) => [
        ...candidate.bundle.modules,
        {
          type: 'Data',
          path: join(build.outdir, WASM_BYTES_MODULE),
          contents: wasmWithNonce(candidate.wasm, `${process.pid}-${Date.now()}-${round}-${name}-${worker}`),
        },
      ];
      const worker = (workerName) => ({
        name: workerName,
        modules: modules(workerName),
        modulesRoot: build.outdir,
        compatibilityDate: COMPATIBILITY_DATE,
        routes: [`${workerName}.bench/*`],
        serviceBindings: { FENCE: 'fence' },
      });
      const started = performance.now();
      const mf = new Miniflare({
        host: '127.0.0.1',
        workers: [worker('base'), worker('steps'), worker('total'), { ...fenceWorker, routes: ['fence.bench/*'] }],
      });
      try {
        await mf.ready;
        startup.push(performance.now() - started);
        await (await mf.dispatchFetch('http://fence.bench/')).arrayBuffer();

        const body = { ...input, webcrypto: candidate.webcrypto };
        const timed = async (path, extra = {}) => {
          const t0 = performance.now();
          const result = await post(mf, `http://${path}.bench/${path}`, { ...body, ...extra });
          return { ms: performance.now() - t0, result };
        };
        const base = await timed('base');
        outside.base.push(base.ms);
        compile.push(base.result.startup);

        const runSteps = async (group) => {
          const { result } = await timed('steps', { fences, probeClock: round === 0 && clockAdvancedDuringCpu === undefined });
          if (!result.ok) throw new Error(`/steps (${name}) did not verify: ${JSON.stringify(result)}`);
          if (result.clockAdvancedDuringCpu !== undefined) clockAdvancedDuringCpu = result.clockAdvancedDuringCpu;
          compile.push(result.startup);
          for (const [step, values] of Object.entries(result.intervals)) for (const v of values) push(group, step, v);
        };
        const runTotal = async (group) => {
          const { ms, result } = await timed('total');
          if (!result.ok) throw new Error(`/total (${name}) did not verify: ${JSON.stringify(result)}`);
          (group === 'processCold' ? outside.totalProcessCold : outside.totalProcessWarm).push(ms - base.ms);
          compile.push(result.startup);
        };
        if (round % 2 === 0) {
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
  }

  // Inside: each step's interval minus the mean fence-only interval.
  // next10Verify is reported per verification (÷ 10).
  const steps = ['jwksImport', 'firstVerify', 'secondVerify', 'thirdVerify', 'next10Verify'];
  const result = { rounds, clockAdvancedDuringCpu, candidates: {} };
  for (const name of names) {
    const { samples, outside, compile } = state[name];
    const inside = {};
    for (const group of ['processCold', 'processWarm']) {
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
        totalMinusBase: { processCold: summarize(outside.totalProcessCold), processWarm: summarize(outside.totalProcessWarm) },
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
  result.miniflareStartupMs = summarize(startup);
  return result;
}
