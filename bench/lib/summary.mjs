// The rows of issue #14's table from one results.json: each a ratio (or a
// size, or a time) per column — every Node of the run, then workerd — and
// its goal. bench/run.mjs prints it last; bench/readme-table.mjs writes it
// into README.md.

import { bytes, ms, times } from './stats.mjs';

export const ONE_MIB = 1_048_576;

/** The large-delivery entry of the 1 MiB size (the largest measured). */
export const largest = (large) => large?.sizes?.reduce((a, b) => (b.maxBytes > a.maxBytes ? b : a));

const mark = (value, goal) => (value === null || value === undefined || goal === undefined ? '' : value <= goal ? ' ✓' : ' ✗');
const ratioCell = (value, goal) => (value === null || value === undefined ? '–' : `${times(value)}${mark(value, goal)}`);

/**
 * `{ columns, rows: [{ label, goal, cells }] }`: columns are `Node NN` for
 * each Node of the run and `workerd`; cells are strings ('' where a row does
 * not apply to a column).
 */
export function issueTable(r) {
  const nodeKeys = Object.keys(r.nodes ?? {});
  const columns = [...nodeKeys.map((k) => `Node ${k}`), 'workerd'];
  const rows = [];
  const perNode = (f) => nodeKeys.map((k) => f(r.nodes[k]) ?? '–');
  const add = (label, goal, nodeCells, workerdCell = '') => {
    const cells = [...nodeCells, workerdCell];
    if (cells.some((c) => c !== '' && c !== '–')) rows.push({ label, goal, cells }); // rows of phases that did not run are left out
  };

  const big = (n) => largest(n.large);
  const mib = nodeKeys.map((k) => big(r.nodes[k])).find(Boolean);
  const sizeText = mib
    ? `${mib.bodyBytes >= 1_000_000 ? '1 MiB' : bytes(mib.bodyBytes)} delivery (${mib.bodyBytes.toLocaleString('en')} B, ${mib.events.toLocaleString('en')} events)`
    : '1 MiB delivery';
  for (const [entry, str, buf] of [
    ['upvest-webhooks/verifier', 'verifyStringToRef', 'verifyBytesToRef'],
    ['upvest-webhooks', 'fullStringToRef', 'fullBytesToRef'],
  ]) {
    add(
      `${sizeText}, \`${entry}\` ÷ node:crypto SHA-256 + verify + JSON.parse; body string \\| bytes`,
      '≤ 1.0×',
      perNode((n) => big(n) && `${ratioCell(big(n).ratios[str].median, 1)} \\| ${ratioCell(big(n).ratios[buf].median, 1)}`),
    );
  }
  for (const [entry, key] of [
    ['upvest-webhooks/verifier', 'verifierToWebcrypto'],
    ['upvest-webhooks', 'fullToWebcrypto'],
  ]) {
    add(
      `fresh Node process, \`${entry}\`: import + key + first verify ÷ WebCrypto importKey + verify; inside (wall − baseline)`,
      '≤ 2.0×',
      perNode((n) => n.fresh && `${ratioCell(n.fresh.ratios[key].insideMedian, 2)} (${times(n.fresh.ratios[key].wallMinusBaselineMedian)})`),
    );
  }
  for (const [entry, key] of [
    ['upvest-webhooks/verifier', 'verifyToWebcrypto'],
    ['upvest-webhooks', 'verifyFullToWebcrypto'],
  ]) {
    add(
      `warm 1 KB delivery, \`${entry}\`: verify() ÷ WebCrypto verify alone`,
      '≤ 0.45×',
      perNode((n) => n.node && ratioCell(n.node.ratios[key].median, 0.45)),
      r.workerd ? ratioCell(r.workerd.ratios[key].median, 0.45) : '–',
    );
  }
  const wasm = r.size?.files?.['dist/verifier/upvest_webhooks_verifier_bg.wasm'];
  if (wasm) {
    const cell = `${bytes(wasm.gzip)}${wasm.gzip <= 150 * 1024 ? ' ✓' : ' ✗'}`;
    add(
      'verifier `.wasm`, gzip -9',
      '≤ 150 KiB',
      nodeKeys.map(() => cell),
      cell,
    );
  }
  const cold = r.ratios?.workerdColdFirstRequestMs;
  if (cold) {
    const mark5 = (v) => (v <= 5 ? ' ✓' : ' ✗');
    add(
      'workerd, first request of a fresh isolate (cold process): key + first verify, `/verifier` \\| `upvest-webhooks`',
      '≤ 5 ms',
      nodeKeys.map(() => ''),
      `${ms(cold.verifier)}${mark5(cold.verifier)} \\| ${ms(cold.full)}${mark5(cold.full)}`,
    );
  }
  const flushed = r.ratios?.workerdColdFirstRequestAfterFlushMs;
  if (flushed) {
    add(
      'workerd, the same when another Worker was loaded after it (its compiled wasm flushed; always so in Miniflare / `wrangler dev`), `/verifier` \\| `upvest-webhooks`',
      'reference',
      nodeKeys.map(() => ''),
      `${ms(flushed.verifier)} \\| ${ms(flushed.full)}`,
    );
  }
  if (r.native) {
    const cell = r.native.skipped ? `skipped: ${r.native.skipped}` : `${ms(r.native.verifyMs)}`;
    add(
      'native limit: `openssl speed ecdsap521`, one verify (CPU time)',
      'reference',
      nodeKeys.map(() => cell),
      cell,
    );
  }
  if (nodeKeys.some((k) => r.nodes[k].node) || r.workerd) {
    add(
      'WebCrypto `subtle.verify` alone, 1 KB delivery',
      'reference',
      perNode((n) => n.node && ms(n.node.stats.webcrypto.median)),
      r.workerd ? ms(r.workerd.stats.webcrypto.median) : '–',
    );
  }
  if (mib) {
    add(
      `node:crypto SHA-256 of ${mib.bodyBytes.toLocaleString('en')} B`,
      'reference',
      perNode((n) => big(n) && ms(big(n).stats.sha256.median)),
    );
    add(
      `\`JSON.parse\` of ${mib.bodyBytes.toLocaleString('en')} B`,
      'reference',
      perNode((n) => big(n) && ms(big(n).stats.jsonParse.median)),
    );
    add(
      `node:crypto ECDSA P-521 verify (DER, KeyObject)`,
      'reference',
      perNode((n) => big(n) && ms(big(n).stats.ecdsa.median)),
    );
  }
  return { columns, rows };
}

/** The table as plain text (`table` from stats.mjs) or as Markdown. */
export function issueTableRows(t, { markdown = false } = {}) {
  const plain = (s) => (markdown ? s : s.replaceAll('\\|', '|').replaceAll('`', ''));
  return [['row (medians)', ...t.columns, 'goal'], ...t.rows.map((row) => [plain(row.label), ...row.cells.map(plain), row.goal])];
}

export function markdownTable(rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(rows[0]), line(rows[0].map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.slice(1).map(line)].join('\n');
}
