// A tiny test runner that Node, Deno and Bun all execute unchanged: no
// node:test, no Deno.test, no bun:test. `test()` registers, `run()` runs the
// tests one after another, prints one line per test ("ok"/"not ok", with the
// error for a failure) and a closing "<runtime>: N passed, N failed" line,
// then sets the exit code. A test that never settles fails after its timeout.

import process from 'node:process';

const tests = [];

/** Registers a test. `fn(t)` may be async; `t.note(text)` adds a line under its result. */
export function test(name, fn, { timeoutMs = 30_000 } = {}) {
  tests.push({ name, fn, timeoutMs });
}

/** The runtime executing this file, e.g. "node 22.23.5", "deno 2.9.6", "bun 1.4.5". */
export function runtimeName() {
  if (typeof globalThis.Deno !== 'undefined') return `deno ${globalThis.Deno.version.deno}`;
  if (typeof globalThis.Bun !== 'undefined') return `bun ${globalThis.Bun.version}`;
  return `node ${process.versions.node}`;
}

function describeError(err) {
  if (err instanceof Error) {
    const code = err.code ? ` [${err.code}]` : '';
    return `${err.name}${code}: ${err.message}${err.stack ? `\n${err.stack.split('\n').slice(1, 6).join('\n')}` : ''}`;
  }
  return String(err);
}

function withTimeout(promise, ms, name) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`"${name}" did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs every registered test (or those whose name contains PORTABLE_ONLY), then prints the summary. */
export async function run() {
  const only = process.env.PORTABLE_ONLY || null;
  const runtime = runtimeName();
  let passed = 0;
  let failed = 0;
  console.log(`# portable suite on ${runtime}`);
  for (const { name, fn, timeoutMs } of tests) {
    if (only && !name.includes(only)) continue;
    const notes = [];
    const started = performance.now();
    try {
      await withTimeout(
        Promise.resolve().then(() => fn({ note: (text) => notes.push(String(text)) })),
        timeoutMs,
        name,
      );
      passed += 1;
      console.log(`ok ${passed + failed} - ${name} (${Math.round(performance.now() - started)} ms)`);
    } catch (err) {
      failed += 1;
      console.log(`not ok ${passed + failed} - ${name}`);
      for (const line of describeError(err).split('\n')) console.log(`    ${line}`);
    }
    for (const note of notes) console.log(`    # ${note}`);
  }
  console.log(`${runtime}: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
  return { passed, failed };
}
