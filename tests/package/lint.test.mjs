// Package quality of the packed tarball (target/npm/upvest-webhooks-<v>.tgz,
// from `make consumer`), as npm publishes it:
//
//   publint --strict <tgz>                   every publint warning is an error
//   attw --profile esm-only <tgz>            @arethetypeswrong/cli
//
// Why `--profile esm-only`: the package is ESM only on purpose ("type":
// "module", no "require" condition, no CommonJS build). That profile skips
// the two resolutions that only matter for CommonJS consumers: `node10`
// (no `exports` support at all) and `node16` *from CJS*, where attw would
// report CJSResolvesToESM ("a require call resolved to an ESM file"). It
// still checks what ESM users get: `node16` from ESM and `bundler`, for
// every entry point (".", "./verifier", "./emulator", "./package.json"), including that
// each one has type declarations. tests/package/smoke.test.mjs shows what
// `require()` actually does at run time.
//
//   make consumer && node --test tests/package/

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BIN, TARBALL, describeRun, requireTarball, run } from './support/tarball.mjs';

describe('packed tarball: publint and @arethetypeswrong/cli', { concurrency: true, timeout: 60_000 }, () => {
  test('publint --strict reports nothing', async (t) => {
    requireTarball();
    const result = await run(`${BIN}/publint`, ['--strict', TARBALL]);
    t.diagnostic(`publint --strict: ${result.stdout.trim().split('\n').at(-1)} (${result.ms} ms)`);
    assert.equal(result.code, 0, describeRun('publint --strict', result));
    assert.match(result.stdout, /All good!/, describeRun('publint --strict', result));
  });

  test('attw --profile esm-only: every entry point resolves, with types, for node16 (ESM) and bundlers', async (t) => {
    requireTarball();
    const result = await run(`${BIN}/attw`, ['--profile', 'esm-only', '--format', 'json', TARBALL]);
    let report;
    try {
      report = JSON.parse(result.stdout);
    } catch {
      assert.fail(describeRun('attw --format json (not JSON)', result));
    }
    const entrypoints = Object.keys(report.analysis.entrypoints);
    const ignored = new Set(['node10', 'node16-cjs']); // what the esm-only profile ignores
    const problems = Object.values(report.problems ?? {}).flat();
    const counted = problems.filter((p) => !ignored.has(p.resolutionKind));
    t.diagnostic(
      `attw: entry points ${entrypoints.join(', ')}; ${counted.length} problem(s), ${problems.length - counted.length} ignored by the esm-only profile (${result.ms} ms)`,
    );
    assert.deepEqual(
      counted.map((p) => `${p.kind} ${p.entrypoint} (${p.resolutionKind})`),
      [],
      'attw problems for ESM consumers. UntypedResolution on ./emulator or ./verifier means that entry has no `types` ' +
        '(see pkg/emulator/server.d.mts, pkg/verifier.d.ts and the entries of pkg/package.json)',
    );
    assert.equal(result.code, 0, describeRun('attw --profile esm-only', result));
    assert.deepEqual([...entrypoints].sort(), ['.', './emulator', './package.json', './verifier'], `entry points: ${entrypoints}`);
    // The two verifying entries: their own declarations and run-time file in both ESM resolution modes.
    const resolved = (name, kind) => {
      const { resolution, implementationResolution } = report.analysis.entrypoints[name].resolutions[kind] ?? {};
      return [resolution?.fileName, implementationResolution?.fileName].map((f) => f?.replace('/node_modules/upvest-webhooks/', ''));
    };
    assert.deepEqual(resolved('.', 'node16-esm'), ['index.d.ts', 'dist/node.js']);
    assert.deepEqual(resolved('.', 'bundler'), ['index.d.ts', 'src/browser.js']);
    assert.deepEqual(resolved('./verifier', 'node16-esm'), ['verifier.d.ts', 'dist/verifier/node.js']);
    assert.deepEqual(resolved('./verifier', 'bundler'), ['verifier.d.ts', 'src/verifier/browser.js']);
    // What the profile ignores is only the CommonJS side, and only that.
    for (const p of problems.filter((p) => ignored.has(p.resolutionKind))) {
      assert.ok(['CJSResolvesToESM', 'NoResolution', 'UntypedResolution'].includes(p.kind), `unexpected ignored problem ${JSON.stringify(p)}`);
    }
  });
});
