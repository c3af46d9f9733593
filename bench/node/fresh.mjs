// Node, fresh process: import + key + first verified delivery, each in a new
// `node` process (the Node running this phase), against WebCrypto importKey +
// verify and node:crypto createPublicKey + verify in a new process. Rounds
// alternate the candidates in rotating order. Two figures per process: the
// time inside it (performance.now() from before the dynamic import to the
// first successful verification; the fixture is read before), and its wall
// time (spawn to exit, seen from here) minus that of the same round's
// baseline process, which runs the same script up to t0 and stops (a
// `node -e ''` that also reads the fixture).

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONSUMER_DIR } from '../lib/env.mjs';
import { ratio, summarize } from '../lib/stats.mjs';

export const FRESH_CANDIDATES = {
  verifier: "(a) import('upvest-webhooks/verifier') + new WebhookVerifier + verify()",
  full: "(a′) import('upvest-webhooks') + new WebhookVerifier + verify()",
  webcrypto: "(b) WebCrypto importKey('jwk') + subtle.verify",
  nodeCrypto: "(c) import('node:crypto') + createPublicKey(jwk) + verify (DER)",
  baseline: 'baseline: node reads the fixture and exits',
};

export function benchFresh({ fx, rounds }) {
  // Inside the consumer directory, so `upvest-webhooks` resolves by name.
  const dir = mkdtempSync(join(CONSUMER_DIR, '.bench-fresh-'));
  try {
    const child = join(dir, 'child.mjs');
    copyFileSync(new URL('./fresh-child.mjs', import.meta.url), child);
    const fixture = join(dir, 'fixture.json');
    writeFileSync(
      fixture,
      JSON.stringify({
        delivery: { method: fx.delivery.method, url: fx.delivery.url, headers: fx.delivery.headers, body: fx.delivery.body },
        jwks: fx.jwks,
        events: fx.describe.events,
        base: fx.baseBytes.toString('base64'),
        raw: Buffer.from(fx.raw).toString('base64'),
        der: fx.der.toString('base64'),
      }),
    );
    const run = (name) => {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, [child, name, fixture], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
      const wall = performance.now() - t0;
      if (r.status !== 0) throw new Error(`fresh process ${name} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
      const out = JSON.parse(r.stdout.trim().split('\n').pop());
      if (!out.ok) throw new Error(`fresh process ${name} did not verify`);
      return { ...out, wall };
    };
    const names = Object.keys(FRESH_CANDIDATES);
    run('verifier'); // the first process after a build pays the disk cache; not counted
    const samples = Object.fromEntries(names.map((n) => [n, []]));
    for (let round = 0; round < rounds; round++) {
      for (const name of names.map((_, i) => names[(i + round) % names.length])) samples[name].push(run(name));
    }
    const stats = {};
    for (const name of names) {
      const s = samples[name];
      const markNames = [...new Set(s.flatMap((x) => Object.keys(x.marks)))];
      stats[name] = {
        inside: summarize(s.map((x) => x.total)),
        marks: Object.fromEntries(markNames.map((m) => [m, summarize(s.map((x) => x.marks[m]))])),
        wall: summarize(s.map((x) => x.wall)),
        // Paired: each process minus the baseline process of its own round (drifts in load hit both).
        wallMinusBaseline: summarize(s.map((x, round) => x.wall - samples.baseline[round].wall)),
      };
    }
    const vs = (name, ref) => ({
      insideMedian: ratio(stats[name].inside.median, stats[ref].inside.median),
      insideP99: ratio(stats[name].inside.p99, stats[ref].inside.p99),
      wallMinusBaselineMedian: ratio(stats[name].wallMinusBaseline.median, stats[ref].wallMinusBaseline.median),
    });
    return {
      unit: 'ms per process',
      rounds,
      candidates: FRESH_CANDIDATES,
      stats,
      ratios: {
        verifierToWebcrypto: vs('verifier', 'webcrypto'),
        fullToWebcrypto: vs('full', 'webcrypto'),
        nodeCryptoToWebcrypto: vs('nodeCrypto', 'webcrypto'),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
