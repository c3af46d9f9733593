#!/usr/bin/env node
// Builds the API reference with TypeDoc (config: typedoc.json) from the
// package's public types, pkg/index.d.ts (one file per area in pkg/types/)
// and the generated pkg/events.d.ts, into www/docs/, which the playground
// links to ("API docs").
//
//   node scripts/build-docs.mjs                # write www/docs/ (about 10 s)
//   node scripts/build-docs.mjs --out DIR      # write DIR instead
//   node scripts/build-docs.mjs --check        # build into a temporary folder; exit 1 on any
//                                              # TypeDoc warning (broken {@link}, undocumented export…)
//
// TypeDoc warns about every undocumented member. Members of the generated
// event objects that Upvest's OpenAPI leaves undescribed are expected: they
// are counted, not printed, and never fail --check.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TYPEDOC = join(ROOT, 'node_modules/typedoc/bin/typedoc');
export const DEFAULT_OUT = join(ROOT, 'www/docs');

// eslint-disable-next-line no-control-regex
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
/** An undocumented member of a generated event object: a gap in Upvest's OpenAPI, not in this package. */
const OPENAPI_GAP = /^\[warning\] \w+EventObject\.\S+ \(Property\), defined in upvest-webhooks\/events\.d\.ts, does not have any documentation$/;

/**
 * Runs TypeDoc into `out`. Resolves to `{ ok, warnings, errors, gaps, seconds }`:
 * `warnings` and `errors` are TypeDoc's lines (without the OpenAPI gaps), `gaps` the count of those.
 */
export function buildDocs({ out = DEFAULT_OUT } = {}) {
  if (!existsSync(TYPEDOC)) throw new Error('typedoc is not installed: run `npm install` (or `make tools`)');
  const { version } = JSON.parse(readFileSync(join(ROOT, 'pkg/package.json'), 'utf8'));
  const started = Date.now();
  const result = spawnSync(process.execPath, [TYPEDOC, '--options', join(ROOT, 'typedoc.json'), '--out', out, '--name', `upvest-webhooks ${version}`], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    maxBuffer: 64 << 20,
  });
  const lines = stripAnsi(`${result.stdout}\n${result.stderr}`)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const gaps = lines.filter((l) => OPENAPI_GAP.test(l)).length;
  const warnings = lines.filter((l) => l.startsWith('[warning]') && !OPENAPI_GAP.test(l) && !/^\[warning\] Found \d+ errors? and \d+ warnings?$/.test(l));
  const errors = lines.filter((l) => l.startsWith('[error]'));
  const ok = result.status === 0 && errors.length === 0 && existsSync(join(out, 'index.html'));
  return { ok, warnings, errors, gaps, seconds: (Date.now() - started) / 1000, output: lines };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const outIndex = args.indexOf('--out');
  const temp = check ? mkdtempSync(join(tmpdir(), 'upvest-docs-')) : null;
  const out = temp ?? (outIndex >= 0 ? resolve(args[outIndex + 1]) : DEFAULT_OUT);
  try {
    const { ok, warnings, errors, gaps, seconds, output } = buildDocs({ out });
    for (const line of [...errors, ...warnings]) console.error(line);
    if (!ok) {
      if (!errors.length) console.error(output.join('\n'));
      console.error('build-docs: TypeDoc failed');
      process.exit(1);
    }
    const note = gaps ? `; ${gaps} event-object field(s) without a description in Upvest's OpenAPI` : '';
    if (check) {
      if (warnings.length) {
        console.error(`build-docs --check: ${warnings.length} TypeDoc warning(s)`);
        process.exit(1);
      }
      console.log(`build-docs --check: no warnings (${seconds.toFixed(1)} s${note})`);
    } else {
      console.log(`wrote ${out} (${seconds.toFixed(1)} s, ${warnings.length} warning(s)${note})`);
    }
  } finally {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}
