// Mutation testing against the installed package: valid deliveries from the
// independent node:crypto signer (random events across every category,
// bodies from 0 B to 1 MB, with and without a query, v6 and v15 bases, DER
// and raw signatures), then every mutation class of support/mutations.mjs.
// Every meaningful mutation must be rejected with its code, every
// irrelevant one accepted. The run asserts zero false accepts.
//
// MUTATION_CASES (default 10000) sets how many cases run; MUTATION_SEED
// replays a run (the seed is printed).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, jwksOf } from './support/upvest-signer.mjs';
import { verifierFor } from './support/verify.mjs';
import { asInput, mutations, rng, scenario } from './support/mutations.mjs';

const CASES = Number(process.env.MUTATION_CASES ?? 10_000);
const SEED = Number(process.env.MUTATION_SEED ?? Math.floor(Math.random() * 2 ** 31));

test(`mutation testing: ${CASES} cases, zero false accepts (seed ${SEED})`, { timeout: 20 * 60_000 }, async () => {
  const r = rng(SEED);
  const keys = [generateKeyPair({ kid: 'key-a' }), generateKeyPair({ kid: 'key-b' })];
  const verifier = verifierFor(jwksOf(...keys));
  const stats = new Map(); // class -> { cases, ok, falseAccepts, falseRejects, wrongCode }
  const failures = [];
  let cases = 0;
  let scenarios = 0;
  let falseAccepts = 0;
  let maxBody = 0;
  const started = Date.now();
  while (cases < CASES) {
    const s = scenario(r, keys);
    scenarios++;
    maxBody = Math.max(maxBody, Buffer.byteLength(s.delivery.body));
    for (const m of mutations(r, s, keys)) {
      if (cases >= CASES) break;
      cases++;
      const row = stats.get(m.cls) ?? { cases: 0, falseAccepts: 0, falseRejects: 0, wrongCode: 0 };
      stats.set(m.cls, row);
      row.cases++;
      let code = null;
      try {
        await verifier.verify(asInput(m.delivery));
      } catch (err) {
        code = err.code ?? String(err);
      }
      // The payload is checked after the signature: ERR_PAYLOAD_INVALID (the
      // empty body) means every signature check passed.
      const accepted = code === null || code === 'ERR_PAYLOAD_INVALID';
      const where = `${m.cls} (scenario ${scenarios}, ${s.options.form}/${s.options.encoding}, ${Buffer.byteLength(s.delivery.body)} B)`;
      if (m.expect === 'payload-invalid') {
        // The signature verifies, the payload must not: never a success.
        if (code !== 'ERR_PAYLOAD_INVALID') {
          row.wrongCode++;
          failures.push(`${code === null ? 'ACCEPTED an invalid payload' : 'wrong code'}: ${where}: got ${code}, expected ERR_PAYLOAD_INVALID`);
        }
      } else if (m.expect === 'accept') {
        if (!accepted) {
          row.falseRejects++;
          failures.push(`false reject: ${where}: ${code}`);
        }
      } else if (accepted) {
        row.falseAccepts++;
        falseAccepts++;
        failures.push(`FALSE ACCEPT: ${where}`);
      } else if (!m.expect.includes(code)) {
        row.wrongCode++;
        failures.push(`wrong code: ${where}: got ${code}, expected ${m.expect.join(' or ')}`);
      }
    }
  }
  const seconds = (Date.now() - started) / 1000;
  const lines = [...stats]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([cls, row]) =>
        `  ${cls.padEnd(70)} ${String(row.cases).padStart(6)}${row.falseAccepts ? `  false accepts ${row.falseAccepts}` : ''}${row.falseRejects ? `  false rejects ${row.falseRejects}` : ''}${row.wrongCode ? `  wrong code ${row.wrongCode}` : ''}`,
    );
  console.log(
    `mutation testing: ${cases} cases over ${scenarios} deliveries (largest body ${maxBody} B), ${stats.size} classes, seed ${SEED}, ${seconds.toFixed(1)} s\n${lines.join('\n')}\nfalse accepts: ${falseAccepts}`,
  );
  assert.equal(cases, CASES);
  assert.equal(
    falseAccepts,
    0,
    failures
      .filter((f) => f.startsWith('FALSE'))
      .slice(0, 20)
      .join('\n'),
  );
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} failures`);
});
