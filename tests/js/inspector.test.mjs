// The inspector is a view over the verifier: the mutation corpus of
// support/mutations.mjs (the classes of mutation.test.mjs) runs through
// `verifier.verify()` and `inspectDelivery()`, and for every case both give
// the same verdict (accepted or not) and the same error code, and the
// report shows a failing step with that code (or a signature whose every
// step passed). tests/inspector/ checks the same natively.
//
// INSPECTOR_CASES (default 2000) sets how many cases run; MUTATION_SEED
// replays a run (the seed is printed).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NOW_MS, generateKeyPair, jwksOf } from './support/upvest-signer.mjs';
import { pkg, verifierFor } from './support/verify.mjs';
import { asInput, mutations, rng, scenario } from './support/mutations.mjs';

const CASES = Number(process.env.INSPECTOR_CASES ?? 2_000);
const SEED = Number(process.env.MUTATION_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Why the report does not show its own verdict, or null. */
function reportProblem(report) {
  const steps = [...report.steps, ...report.signatures.flatMap((s) => s.steps)];
  for (const step of steps) {
    if ((step.status === 'fail') !== (step.code !== undefined)) return `step ${step.name} is ${step.status} with code ${step.code}`;
  }
  if (report.ok) {
    const whole = report.signatures.some((s) => s.steps.every((st) => st.status === 'pass') && s.bases.some((b) => b.tried && b.verified));
    return whole && report.steps.every((s) => s.status === 'pass') ? null : 'accepted, but no signature passed every step';
  }
  return steps.some((s) => s.status === 'fail' && s.code === report.code) ? null : `rejected with ${report.code}, but no step failed with it`;
}

test(`inspectDelivery gives verify()'s verdict and code on ${CASES} mutations (seed ${SEED})`, { timeout: 20 * 60_000 }, async () => {
  const r = rng(SEED);
  const keys = [generateKeyPair({ kid: 'key-a' }), generateKeyPair({ kid: 'key-b' })];
  const jwks = jwksOf(...keys);
  const verifier = verifierFor(jwks);
  const verdicts = new Map();
  const failures = [];
  let cases = 0;
  while (cases < CASES) {
    const s = scenario(r, keys);
    for (const m of mutations(r, s, keys)) {
      if (cases >= CASES) break;
      cases++;
      const input = asInput(m.delivery);
      let verified = 'ok';
      try {
        await verifier.verify(input);
      } catch (err) {
        verified = err.code ?? String(err);
      }
      const report = pkg.inspectDelivery(input, { keys: jwks, now: () => NOW_MS });
      const inspected = report.ok ? 'ok' : report.code;
      verdicts.set(verified, (verdicts.get(verified) ?? 0) + 1);
      const where = `${m.cls} (${s.options.form}/${s.options.encoding}, ${Buffer.byteLength(s.delivery.body)} B)`;
      if (inspected !== verified) failures.push(`${where}: verify() ${verified}, inspectDelivery ${inspected}`);
      else if (report.ok === (report.code !== undefined)) failures.push(`${where}: ok ${report.ok} with code ${report.code}`);
      else {
        const problem = reportProblem(report);
        if (problem) failures.push(`${where}: ${problem}: ${JSON.stringify(report).slice(0, 600)}`);
      }
    }
  }
  const summary = [...verdicts]
    .sort()
    .map(([verdict, n]) => `${verdict} ${n}`)
    .join(', ');
  console.log(`inspector agreement: ${cases} cases, seed ${SEED}: ${summary}`);
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} of ${cases} cases disagree`);
  // The corpus reaches acceptance and the main rejections.
  for (const code of ['ok', 'ERR_DIGEST_MISMATCH', 'ERR_SIGNATURE_INVALID', 'ERR_KEY_NOT_FOUND', 'ERR_SIGNATURE_EXPIRED', 'ERR_SIGNATURE_INPUT_MALFORMED']) {
    assert.ok(verdicts.has(code), `no case reached ${code}`);
  }
});
