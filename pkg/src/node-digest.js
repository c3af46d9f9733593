// node:crypto's SHA for src/wasm/body.rs: synchronous, no copy, and it
// hashes a string's UTF-8 bytes without encoding it first. node:crypto is
// loaded on the first body large enough to use it, not at import: loading it
// costs a fresh process 1–2 ms (Node 20–24) beyond the WebCrypto a first
// verification already loads.
import { createRequire } from 'node:module';

const NAMES = { 'SHA-256': 'sha256', 'SHA-512': 'sha512' };

let createHash;
const hashes = () => {
  createHash ??= (globalThis.process?.getBuiltinModule?.('node:crypto') ?? createRequire(import.meta.url)('node:crypto')).createHash;
  return createHash;
};

export const nodeSha = {
  digest: (name, data) => hashes()(NAMES[name]).update(data).digest(),
  sync: true,
  byteLength: (text) => Buffer.byteLength(text, 'utf8'),
  // From this size on (bytes): synchronous, it wins from a few KiB (make bench's sweep).
  nativeDigestMinBytes: 4096,
};
