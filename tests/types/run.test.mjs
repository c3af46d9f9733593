// Runs the type tests under every compiler users have (node --test tests/types/):
// TypeScript 5.9, 6 and 7 (the native port; the root package.json installs them
// as ts59, ts6 and ts7) and `deno check` (Deno 2, which embeds TypeScript 6).
// Each compiler runs the same files and the same `@ts-expect-error` cases:
//
// 1. tests/types/*.ts against the package installed by `make consumer`
//    (tsc: tsconfig.json maps `upvest-webhooks` to the file its `exports`
//    "types" condition names; Deno: a throwaway project whose node_modules is
//    the installation, so Deno resolves the package through `exports` itself;
//    UPVEST_CONSUMER_DIR points at another installation);
// 2. a canary with known errors, which each compiler must report at the
//    expected lines, so a compiler that checks nothing (a missing file, an
//    `any` leaking in) cannot pass;
// 3. the package imported by name from a throwaway project, with Node16 and
//    Bundler module resolution, which go through `exports`, and with Node10,
//    which reads `types` (TypeScript 7 removed Node10; TypeScript 6 needs
//    `ignoreDeprecations`): each must load the installed index.d.ts and
//    events.d.ts, and every example event of Upvest's OpenAPI (the installed
//    emulator/sample-events.json) must type-check as its event type;
//    `upvest-webhooks/verifier` must load verifier.d.ts (Node10 finds it by
//    path, next to index.d.ts).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const CONSUMER = resolve(process.env.UPVEST_CONSUMER_DIR ?? join(ROOT, 'target/consumer'));
const PACKAGE = join(CONSUMER, 'node_modules/upvest-webhooks');
const TEST_FILES = readdirSync(HERE)
  .filter((f) => f.endsWith('.ts'))
  .sort();

/** The compilers, with how each takes Node10 resolution (`null`: not at all). */
const COMPILERS = [
  { name: 'TypeScript 5.9', version: /^Version 5\.9\./, tsc: 'node_modules/ts59/bin/tsc', node10: [] },
  { name: 'TypeScript 6', version: /^Version 6\./, tsc: 'node_modules/ts6/bin/tsc', node10: ['--ignoreDeprecations', '6.0'] },
  { name: 'TypeScript 7', version: /^Version 7\./, tsc: 'node_modules/ts7/bin/tsc', node10: null },
];
const DENO = join(ROOT, 'node_modules/deno/bin.cjs');

/** Runs a Node script (a compiler's CLI); resolves to `{ ok, output }` (tsc reports errors on stdout). */
async function runNode(script, args, cwd = ROOT) {
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], {
      cwd,
      maxBuffer: 64 << 20,
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    });
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    if (typeof err.code !== 'number') throw err;
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

function requirePackage() {
  assert.ok(existsSync(join(PACKAGE, 'index.d.ts')), `no installed package at ${PACKAGE}: run \`make consumer\``);
}

function requireTool(path) {
  assert.ok(existsSync(join(ROOT, path)), `${path} is missing: run \`npm ci\` (or \`make tools\`)`);
}

// A file with one error per line marked `// error TSxxxx`: narrowing that
// selects the wrong event, a field that does not exist, an exhaustive switch
// that forgets unknown event types, a misspelt error code.
const CANARY = `import { ERROR_CODES, type WebhookEvent } from 'upvest-webhooks';
import { unreachable } from './assert.js';

export function canary(event: WebhookEvent, code: string): unknown {
  if (event.type === 'ORDER.FILLED') return event.object.first_name; // error TS2339
  if (event.type === 'USER.CREATED' || event.type === 'USER.ACTIVATED') return event.object.quantity; // error TS2339
  if (ERROR_CODES.includes(code) && code === 'ERR_NOT_A_CODE') return code; // error TS2367
  switch (event.type) {
    case 'POSITION.UPDATED':
      return event.object.instrument.isin;
    default:
      return unreachable(event); // error TS2345
  }
}
`;
/** `[line, code]` of each error the canary must produce. */
const CANARY_ERRORS = CANARY.split('\n').flatMap((line, i) => {
  const m = /\/\/ error (TS\d+)$/.exec(line);
  return m ? [[i + 1, m[1]]] : [];
});

/** `[line, code]` of each error in tsc's `file(line,col): error TSxxxx` or Deno's `TSxxxx [ERROR]… at file:line:col` output for `file`. */
function errorsIn(output, file) {
  const found = [];
  for (const m of output.matchAll(/([^\s(]+)\((\d+),\d+\): error (TS\d+)/g)) if (m[1].endsWith(file)) found.push([Number(m[2]), m[3]]);
  for (const m of output.matchAll(/(TS\d+) \[ERROR\][\s\S]*?\n\s+at (\S+):(\d+):\d+/g)) if (m[2].endsWith(file)) found.push([Number(m[3]), m[1]]);
  return found.sort((a, b) => a[0] - b[0]);
}

/**
 * A throwaway project for the installed package: package.json, node_modules
 * (a link to the installation's), copies of tests/types/*.ts and the canary.
 */
async function consumerProject(prefix) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await writeFile(join(dir, 'package.json'), '{ "name": "types-consumer", "private": true, "type": "module", "dependencies": { "upvest-webhooks": "*" } }\n');
  await symlink(resolve(CONSUMER, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

let tscProjects; // `{ tests, canary }`: tsconfig paths for the tsc runs
before(async () => {
  if (!existsSync(join(PACKAGE, 'index.d.ts'))) return;
  const dir = await consumerProject('upvest-types-');
  await writeFile(join(dir, 'canary.ts'), CANARY);
  await copyFile(join(HERE, 'assert.ts'), join(dir, 'assert.ts'));
  const paths = { 'upvest-webhooks': [join(PACKAGE, 'index.d.ts')], 'upvest-webhooks/verifier': [join(PACKAGE, 'verifier.d.ts')] };
  const tests = join(dir, 'tsconfig.json');
  await writeFile(tests, JSON.stringify({ extends: join(HERE, 'tsconfig.json'), compilerOptions: { paths }, include: [join(HERE, '*.ts')] }));
  const canary = join(dir, 'tsconfig.canary.json');
  await writeFile(canary, JSON.stringify({ extends: join(HERE, 'tsconfig.json'), compilerOptions: { paths }, include: [join(dir, 'canary.ts')] }));
  tscProjects = { dir, tests, canary };
});
after(async () => {
  if (tscProjects) await rm(tscProjects.dir, { recursive: true, force: true });
});

for (const compiler of COMPILERS) {
  describe(compiler.name, () => {
    test(`${compiler.name}: tests/types/*.ts compile against the installed package (including every @ts-expect-error)`, async () => {
      requireTool(compiler.tsc);
      requirePackage();
      const { output: version } = await runNode(compiler.tsc, ['--version']);
      assert.match(version.trim(), compiler.version, `${compiler.tsc} is not ${compiler.name}`);
      const { ok, output } = await runNode(compiler.tsc, ['-p', tscProjects.tests, '--noEmit', '--pretty', 'false']);
      assert.ok(ok, `${compiler.name} (${version.trim()}) reported errors:\n${output}`);
    });

    test(`${compiler.name}: reports each error of a canary file`, async () => {
      requireTool(compiler.tsc);
      requirePackage();
      const { ok, output } = await runNode(compiler.tsc, ['-p', tscProjects.canary, '--noEmit', '--pretty', 'false']);
      assert.equal(ok, false, `${compiler.name} accepted the canary:\n${output}`);
      assert.deepEqual(errorsIn(output, 'canary.ts'), CANARY_ERRORS, output);
    });

    describeResolution(compiler);
  });
}

describe('deno check', () => {
  let dir;
  before(async () => {
    if (!existsSync(join(PACKAGE, 'index.d.ts'))) return;
    dir = await consumerProject('upvest-deno-');
    for (const file of TEST_FILES) await copyFile(join(HERE, file), join(dir, file));
    await writeFile(join(dir, 'canary.ts'), CANARY);
    // The strictness of tsconfig.json; Deno's own lib (deno.window has fetch's
    // Request, Headers and Response). Sloppy imports: `./assert.js` is assert.ts.
    const compilerOptions = { strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noImplicitOverride: true };
    await writeFile(join(dir, 'deno.json'), JSON.stringify({ nodeModulesDir: 'manual', unstable: ['sloppy-imports'], compilerOptions }, null, 2));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('deno check: tests/types/*.ts type-check against the installed package, resolved by name (including every @ts-expect-error)', async () => {
    requireTool('node_modules/deno/bin.cjs');
    requirePackage();
    const { output: version } = await runNode(DENO, ['--version']);
    assert.match(version, /^deno 2\./, 'not Deno 2');
    assert.match(version, /^typescript \d/m, 'deno --version names no TypeScript');
    const { ok, output } = await runNode(DENO, ['check', '--quiet', ...TEST_FILES], dir);
    assert.ok(ok, `deno check (${version.replace(/\n/g, ', ').trim()}) reported errors:\n${output}`);
  });

  test('deno check: reports each error of a canary file', async () => {
    requireTool('node_modules/deno/bin.cjs');
    requirePackage();
    const { ok, output } = await runNode(DENO, ['check', '--quiet', 'canary.ts'], dir);
    assert.equal(ok, false, `deno check accepted the canary:\n${output}`);
    assert.deepEqual(errorsIn(output, 'canary.ts'), CANARY_ERRORS, output);
  });
});

function describeResolution(compiler) {
  let dir;
  before(async () => {
    if (!existsSync(join(PACKAGE, 'index.d.ts'))) return;
    dir = await consumerProject('upvest-resolution-');
    await writeFile(join(dir, 'samples.ts'), samplesSource(JSON.parse(readFileSync(join(PACKAGE, 'emulator/sample-events.json'), 'utf8'))));
    await writeFile(join(dir, 'verifier.ts'), VERIFIER_SOURCE);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const modes = [
    { moduleResolution: 'Node16', module: 'Node16', flags: [] },
    { moduleResolution: 'Bundler', module: 'ESNext', flags: [] },
    { moduleResolution: 'Node10', module: 'ESNext', flags: compiler.node10 },
  ];
  for (const mode of modes) {
    const skip = mode.flags === null && `${compiler.name} has no moduleResolution ${mode.moduleResolution}`;
    test(`${compiler.name}, moduleResolution ${mode.moduleResolution}: \`upvest-webhooks\` loads the installed index.d.ts and events.d.ts; Upvest's examples type-check; \`upvest-webhooks/verifier\` loads verifier.d.ts`, {
      skip,
    }, async () => {
      requireTool(compiler.tsc);
      requirePackage();
      const { ok, output } = await runNode(compiler.tsc, [
        '--noEmit',
        '--pretty',
        'false',
        '--listFiles',
        '--strict',
        '--exactOptionalPropertyTypes',
        '--skipLibCheck',
        '--target',
        'ES2022',
        '--lib',
        'ES2022,DOM,DOM.Iterable',
        '--module',
        mode.module,
        '--moduleResolution',
        mode.moduleResolution,
        ...mode.flags,
        join(dir, 'samples.ts'),
        join(dir, 'verifier.ts'),
      ]);
      assert.ok(ok, `${compiler.name} reported errors:\n${output}`);
      const files = output
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .map((f) => resolve(f));
      const real = (f) => relative(PACKAGE, f);
      const loaded = files.filter((f) => f.includes('upvest-webhooks')).map((f) => real(f.replace(join(dir, 'node_modules'), join(CONSUMER, 'node_modules'))));
      assert.ok(loaded.includes('index.d.ts'), `index.d.ts not loaded; files:\n${files.join('\n')}`);
      assert.ok(loaded.includes('events.d.ts'), `events.d.ts not loaded; files:\n${files.join('\n')}`);
      assert.ok(loaded.includes('verifier.d.ts'), `verifier.d.ts not loaded; files:\n${files.join('\n')}`);
    });
  }
}

/** A TypeScript module that uses `upvest-webhooks/verifier` by name. */
const VERIFIER_SOURCE = `import { WebhookVerifier, WebhookVerificationError, on, type Jwks, type VerifiedDelivery } from 'upvest-webhooks/verifier';

export async function handle(jwks: Jwks, request: Request): Promise<VerifiedDelivery | string> {
  try {
    const delivery = await new WebhookVerifier({ keys: jwks }).verifyRequest(request);
    await on(delivery.events, 'ORDER.FILLED', (event) => event.object.quantity);
    for (const event of delivery.events) if (event.type === 'ORDER.FILLED') void event.object.quantity;
    return delivery;
  } catch (err) {
    if (err instanceof WebhookVerificationError) return err.code;
    throw err;
  }
}
`;

/** A TypeScript module that declares every example event with its exact event type. */
function samplesSource(samples) {
  let out = "import type { WebhookEvent, WebhookEventOf } from 'upvest-webhooks';\n\n";
  let n = 0;
  for (const [category, c] of Object.entries(samples.categories)) {
    for (const example of c.examples) {
      out += `// ${category}: ${example.name}\n`;
      out += `export const e${n}: WebhookEventOf<${JSON.stringify(example.event.type)}> = ${JSON.stringify(example.event, null, 2)};\n`;
      out += `export const w${n}: WebhookEvent = e${n};\n\n`;
      n += 1;
    }
  }
  assert.ok(n > 0, 'no example events');
  return out;
}
