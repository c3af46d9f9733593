// The Nodes that run the Node phases (BENCH_NODES, default "20,24"): a major
// version is node_modules/nodeNN/bin/node (the runtime matrix that `npm ci`
// installs; `scripts/ensure-tools.sh node24` makes sure of Node 24), else the
// `node` on PATH or the Node running this script when it has that major; a
// path is used as is. Each is run as a child process (bench/node/phases.mjs).

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './env.mjs';

const versionOf = (bin) => {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};
const major = (version) => Number(/^v(\d+)\./.exec(version ?? '')?.[1]);

/** `[{ key, bin, version }]` for each entry of `wanted`, or `{ key, missing }`. */
export function resolveNodes(wanted) {
  return wanted.map((want) => {
    if (!/^\d+$/.test(want)) {
      const version = versionOf(want);
      return version ? { key: String(major(version)), bin: want, version } : { key: want, missing: `${want} does not run` };
    }
    const candidates = [join(REPO_ROOT, `node_modules/node${want}/bin/node`), process.execPath, 'node'];
    for (const bin of candidates) {
      if (bin.includes('/') && !existsSync(bin)) continue;
      const version = versionOf(bin);
      if (major(version) === Number(want)) return { key: want, bin, version };
    }
    return { key: want, missing: `no Node ${want} (node_modules/node${want}/bin/node): run scripts/ensure-tools.sh ${want === '24' ? 'node24' : 'base'}` };
  });
}

/** Runs bench/node/phases.mjs under `bin`; its progress goes to our stderr; resolves to what it wrote. */
export function runNodePhases(bin, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'upvest-bench-'));
  const out = join(dir, 'node.json');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [join(REPO_ROOT, 'bench/node/phases.mjs')], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ...env, BENCH_CHILD_OUT: out, NODE_OPTIONS: '' },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      try {
        if (code !== 0) throw new Error(`${bin} bench/node/phases.mjs exited ${code ?? signal}`);
        resolve(JSON.parse(readFileSync(out, 'utf8')));
      } catch (err) {
        reject(err);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
