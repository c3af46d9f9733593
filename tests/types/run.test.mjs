// Runs the type tests with the workspace's TypeScript (node --test tests/types/):
//
// 1. tests/types/*.ts against the package installed by `make consumer`
//    (tsconfig.json maps `upvest-webhooks` to the file its `exports` "types"
//    condition names; UPVEST_CONSUMER_DIR points at another installation);
// 2. the package imported by name from a throwaway project, with Node16 and
//    Bundler module resolution, which go through `exports`, and with Node10,
//    which reads `types`: each must load the installed index.d.ts and
//    events.d.ts, and every example event of Upvest's OpenAPI (the installed
//    emulator/sample-events.json) must type-check as its event type;
//    `upvest-webhooks/verifier` must load verifier.d.ts (Node10 finds it by
//    path, next to index.d.ts).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const CONSUMER = resolve(process.env.UPVEST_CONSUMER_DIR ?? join(ROOT, 'target/consumer'));
const PACKAGE = join(CONSUMER, 'node_modules/upvest-webhooks');

/** Runs tsc; resolves to `{ ok, output }` (tsc reports errors on stdout). */
async function tsc(args) {
  try {
    const { stdout, stderr } = await run(process.execPath, [TSC, ...args], { cwd: ROOT, maxBuffer: 64 << 20 });
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    if (typeof err.code !== 'number') throw err;
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

function requirePackage() {
  assert.ok(existsSync(join(PACKAGE, 'index.d.ts')), `no installed package at ${PACKAGE}: run \`make consumer\``);
}

test('tests/types/*.ts compile against the installed package (including every @ts-expect-error)', async () => {
  requirePackage();
  let project = join(HERE, 'tsconfig.json');
  let temp = null;
  if (process.env.UPVEST_CONSUMER_DIR) {
    // the same config, with `upvest-webhooks` mapped into the other installation
    temp = await mkdtemp(join(tmpdir(), 'upvest-types-'));
    project = join(temp, 'tsconfig.json');
    const paths = { 'upvest-webhooks': [join(PACKAGE, 'index.d.ts')], 'upvest-webhooks/verifier': [join(PACKAGE, 'verifier.d.ts')] };
    const config = { extends: join(HERE, 'tsconfig.json'), compilerOptions: { paths } };
    await writeFile(project, JSON.stringify(config));
  }
  try {
    const { ok, output } = await tsc(['-p', project, '--noEmit', '--pretty', 'false']);
    assert.ok(ok, `tsc reported errors:\n${output}`);
  } finally {
    if (temp) await rm(temp, { recursive: true, force: true });
  }
});

describeResolution();

function describeResolution() {
  let dir;
  before(async () => {
    if (!existsSync(join(PACKAGE, 'index.d.ts'))) return;
    dir = await mkdtemp(join(tmpdir(), 'upvest-resolution-'));
    await writeFile(join(dir, 'package.json'), '{ "name": "types-consumer", "private": true, "type": "module" }\n');
    await symlink(resolve(CONSUMER, 'node_modules'), join(dir, 'node_modules'), 'dir');
    await writeFile(join(dir, 'samples.ts'), samplesSource(JSON.parse(readFileSync(join(PACKAGE, 'emulator/sample-events.json'), 'utf8'))));
    await writeFile(join(dir, 'verifier.ts'), VERIFIER_SOURCE);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const modes = [
    { moduleResolution: 'Node16', module: 'Node16' },
    { moduleResolution: 'Bundler', module: 'ESNext' },
    { moduleResolution: 'Node10', module: 'ESNext' },
  ];
  for (const mode of modes) {
    test(`moduleResolution ${mode.moduleResolution}: \`upvest-webhooks\` loads the installed index.d.ts and events.d.ts; Upvest's examples type-check; \`upvest-webhooks/verifier\` loads verifier.d.ts`, async () => {
      requirePackage();
      const { ok, output } = await tsc([
        '--noEmit', '--pretty', 'false', '--listFiles',
        '--strict', '--exactOptionalPropertyTypes', '--skipLibCheck',
        '--target', 'ES2022', '--lib', 'ES2022,DOM,DOM.Iterable',
        '--module', mode.module, '--moduleResolution', mode.moduleResolution,
        join(dir, 'samples.ts'),
        join(dir, 'verifier.ts'),
      ]);
      assert.ok(ok, `tsc reported errors:\n${output}`);
      const files = output.split('\n').map((l) => l.trim()).filter(Boolean).map((f) => resolve(f));
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
