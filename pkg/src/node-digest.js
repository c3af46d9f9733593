// node:crypto's SHA for src/wasm/body.rs (synchronous: no promise per body).
import { createHash } from 'node:crypto';

const NAMES = { 'SHA-256': 'sha256', 'SHA-512': 'sha512' };

export function nodeDigest(name, bytes) {
  return createHash(NAMES[name]).update(bytes).digest();
}

/** From this size on (bytes), node:crypto hashes the body: synchronous, it wins from a few KiB (bench's sweep). */
export const NODE_DIGEST_MIN_BYTES = 4096;
