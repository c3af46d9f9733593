// Summary statistics and number formatting.

/** Sorted copy. */
const sorted = (xs) => Float64Array.from(xs).sort();

/** Nearest-rank percentile (p in 0..100) of a sample. */
export function percentile(xs, p) {
  if (!xs.length) return NaN;
  const s = sorted(xs);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1];
}

export const median = (xs) => {
  if (!xs.length) return NaN;
  const s = sorted(xs);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

export const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** `{ n, median, p99, mean, min, max }` in the sample's unit, rounded to 4 decimals. */
export function summarize(xs) {
  const r = (v) => (Number.isFinite(v) ? Math.round(v * 1e4) / 1e4 : null);
  return {
    n: xs.length,
    median: r(median(xs)),
    p99: r(percentile(xs, 99)),
    mean: r(mean(xs)),
    min: r(xs.length ? Math.min(...xs) : NaN),
    max: r(xs.length ? Math.max(...xs) : NaN),
  };
}

/** a / b rounded to 2 decimals, or null. */
export const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? Math.round((a / b) * 100) / 100 : null);

/** Milliseconds, with a precision that suits the magnitude. */
export function ms(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 100) return `${v.toFixed(0)} ms`;
  if (Math.abs(v) >= 10) return `${v.toFixed(1)} ms`;
  if (Math.abs(v) >= 1) return `${v.toFixed(2)} ms`;
  return `${(v * 1000).toFixed(0)} µs`;
}

export const times = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(2)}×`);

export function bytes(n) {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(2)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** A plain-text table: rows of cells, first row the header; numbers right-aligned. */
export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c ?? '').padEnd(widths[i]) : String(c ?? '').padStart(widths[i]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/**
 * Times every operation of each candidate alone (performance.now()), the
 * candidates in interleaved batches of `batch` with the order rotating each
 * round, so drifts in CPU speed and load hit all alike; `ops` samples each.
 * Returns `{ name: [ms, …] }`.
 */
export async function interleaved(candidates, ops, batch) {
  const names = Object.keys(candidates);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; samples[names[0]].length < ops; round++) {
    for (const name of names.map((_, i) => names[(i + round) % names.length])) {
      const fn = candidates[name];
      const out = samples[name];
      for (let i = 0; i < batch && out.length < ops; i++) {
        const t0 = performance.now();
        await fn();
        out.push(performance.now() - t0);
      }
    }
  }
  return samples;
}
