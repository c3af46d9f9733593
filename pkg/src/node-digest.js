// node:crypto's SHA for src/wasm/body.rs: synchronous, no copy, and it
// hashes a string's UTF-8 bytes without encoding it first.
import { createHash } from 'node:crypto';

const NAMES = { 'SHA-256': 'sha256', 'SHA-512': 'sha512' };

export const nodeSha = {
  digest: (name, data) => createHash(NAMES[name]).update(data).digest(),
  sync: true,
  byteLength: (text) => Buffer.byteLength(text, 'utf8'),
  // From this size on (bytes): synchronous, it wins from a few KiB (make bench's sweep).
  nativeDigestMinBytes: 4096,
};
