// Memory: the wasm linear memory (memory.buffer.byteLength) before and after
// many verifications, half of them failing, on the instance the package's
// Node entry created. The size is sampled every 1 % of the run; the run is
// "flat" when it did not grow at all after the first 10 % (wasm memory only
// grows, in 64 KiB pages, so any leak shows up as growth late in the run).
// The JS heap after a full GC is recorded too (wasm-bindgen objects that
// were never freed would show up there).

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

function gcFunction() {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc');
}

export async function benchMemory({ pkg, memory, fx, ops, seconds }) {
  const gc = gcFunction();
  const heapAfterGc = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const verifier = new pkg.WebhookVerifier({ keys: fx.jwks });
  const { delivery, failing, expectedCodes } = fx;
  // 8 slots: 4 valid, then one of each failure (so exactly half fail).
  const slots = [['valid', delivery], ['valid', delivery], ['valid', delivery], ['valid', delivery], ...Object.entries(failing)];
  const counts = Object.fromEntries(slots.map(([kind]) => [kind, 0]));
  const unexpected = [];
  const one = async (i) => {
    const [kind, request] = slots[i % slots.length];
    counts[kind]++;
    try {
      await verifier.verify(request);
      if (kind !== 'valid') unexpected.push(`${kind}: accepted`);
    } catch (err) {
      if (kind === 'valid' || err?.code !== expectedCodes[kind]) unexpected.push(`${kind}: ${err?.code ?? err}`);
    }
  };

  const atStart = memory.buffer.byteLength;
  const heapBefore = heapAfterGc();
  const deadline = seconds > 0 ? performance.now() + seconds * 1000 : Infinity;
  const step = Math.max(1, Math.floor(ops / 100));
  const trajectory = [{ ops: 0, bytes: atStart }];
  const started = performance.now();
  let done = 0;
  while (done < ops && performance.now() < deadline) {
    const end = Math.min(ops, done + step);
    for (; done < end; done++) await one(done);
    trajectory.push({ ops: done, bytes: memory.buffer.byteLength });
  }
  const elapsed = (performance.now() - started) / 1000;
  verifier.free();
  const heapAfter = heapAfterGc();
  const after = memory.buffer.byteLength;

  // Flat: no growth after the first 10 % of the operations actually run.
  const tenPercent = trajectory.find((p) => p.ops >= done * 0.1) ?? trajectory[0];
  const growthLast90 = after - tenPercent.bytes;
  return {
    requested: ops,
    completed: done,
    stoppedByTimeCap: done < ops,
    timeCapSeconds: seconds || null,
    seconds: Math.round(elapsed * 10) / 10,
    mix: counts,
    unexpectedOutcomes: unexpected.length,
    unexpectedExamples: [...new Set(unexpected)].slice(0, 5),
    wasmMemoryBytes: { before: atStart, atTenPercent: tenPercent.bytes, after, growth: after - atStart, growthLast90Percent: growthLast90 },
    flat: growthLast90 === 0,
    // A leak of L bytes per verification must grow the memory once 0.9·N·L exceeds its whole size.
    detectsLeaksFromBytesPerVerification: done ? Math.ceil(after / (0.9 * done)) : null,
    flatRule: 'no growth of memory.buffer.byteLength between the sample at 10 % of the run and the end',
    jsHeapAfterGcBytes: { before: heapBefore, after: heapAfter, growth: heapAfter - heapBefore },
    trajectory: trajectory.filter((p, i) => i === 0 || p.bytes !== trajectory[i - 1].bytes || i === trajectory.length - 1),
  };
}
