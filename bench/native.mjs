// The native limit: OpenSSL's own ECDSA P-521 verify (`openssl speed
// ecdsap521`, CPU time per operation, as openssl reports it by default),
// run once. Skipped, with a note, where openssl is missing.

import { execFileSync } from 'node:child_process';

export function benchNative({ seconds }) {
  let version;
  try {
    version = execFileSync('openssl', ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return { skipped: 'openssl is not on PATH' };
  }
  const command = ['speed', '-seconds', String(seconds), 'ecdsap521'];
  const text = execFileSync('openssl', command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 20 });
  // " 521 bits ecdsa (nistp521)   0.0003s   0.0004s   3879.0   2316.0"
  const line = text.split('\n').find((l) => /ecdsa \(nistp521\)/.test(l));
  const nums = line?.trim().split(/\s+/).slice(-2).map(Number);
  if (!nums || nums.some((n) => !Number.isFinite(n) || n <= 0))
    return { skipped: `could not read openssl speed's output: ${JSON.stringify(line ?? text.slice(-300))}` };
  const [signPerSecond, verifyPerSecond] = nums;
  return {
    openssl: version,
    command: `openssl ${command.join(' ')}`,
    clock: 'CPU time (openssl speed without -elapsed)',
    signPerSecond,
    verifyPerSecond,
    verifyMs: Math.round((1000 / verifyPerSecond) * 1e4) / 1e4,
    signMs: Math.round((1000 / signPerSecond) * 1e4) / 1e4,
  };
}
