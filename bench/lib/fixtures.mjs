// The package under test (as installed by `make consumer`) and the
// deliveries every benchmark shares: one realistic delivery (3 events,
// ~1 KB body, v6 base, DER signature, as Upvest sends them), its exact
// signature base, and the signature as DER and as raw r‖s (132 bytes).

import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONSUMER_DIR, GLUE_PATH, PACKAGE_DIR, requireInstalledPackage } from './env.mjs';

/** Imports the installed package (through target/consumer/entry.mjs when present) and its raw glue. */
export async function loadPackage() {
  const manifest = requireInstalledPackage();
  const entry = join(CONSUMER_DIR, 'entry.mjs');
  const pkg = await import(pathToFileURL(existsSync(entry) ? entry : join(PACKAGE_DIR, 'dist/node.js')).href);
  const glue = await import(pathToFileURL(realpathSync(GLUE_PATH)).href);
  let exports;
  try {
    exports = glue.initSync(); // already initialised by the package's Node entry: returns its instance
  } catch (cause) {
    throw new Error(`the glue at ${GLUE_PATH} is not the instance the package initialised`, { cause });
  }
  if (!(exports?.memory instanceof WebAssembly.Memory)) throw new Error('initSync() did not return the wasm exports');
  // `upvest-webhooks/verifier`: its Node entry, as the package's exports map resolves it.
  const verifierEntry = manifest.exports?.['./verifier']?.node;
  if (!verifierEntry) throw new Error('the installed package has no "./verifier" export with a node condition');
  const verifierPkg = await import(pathToFileURL(join(PACKAGE_DIR, verifierEntry)).href);
  return { pkg, verifierPkg, glue, memory: exports.memory, version: manifest.version };
}

export const WEBHOOK_URL = 'https://tenant.example/upvest/webhooks';

/** Three events of different categories; fixed ids so the body size is stable from run to run. */
export function sampleEvents(createdAt) {
  return [
    {
      id: '3b5b6b0e-8a8e-4d3c-9a53-2a1f0e6c9d11',
      created_at: createdAt,
      type: 'ORDER.FILLED',
      object: {
        id: 'c5e0f6a2-5d7b-4b0e-8f3a-1b2c3d4e5f60',
        user_id: '8a2f7c1e-0b3d-4e5f-9a8b-7c6d5e4f3a21',
        account_id: '1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
        instrument_id: 'US0378331005',
        side: 'BUY',
        status: 'FILLED',
        quantity: '10.4',
        price: '187.31',
        currency: 'EUR',
      },
      webhook_id: '9df39835-be87-4243-9018-f2500b39cee6',
    },
    {
      id: '6f1c2d3e-4b5a-4968-8776-a5b4c3d2e1f0',
      created_at: createdAt,
      type: 'POSITION.UPDATED',
      object: { account_id: '1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f', instrument_id: 'US0378331005', quantity: '25.4', available_quantity: '25.4' },
      webhook_id: '9df39835-be87-4243-9018-f2500b39cee6',
    },
    {
      id: 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d',
      created_at: createdAt,
      type: 'CASH_BALANCE.UPDATED',
      object: { account_id: '1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f', currency: 'EUR', balance: '1052.17', available_for_trading: '1052.17' },
      webhook_id: '9df39835-be87-4243-9018-f2500b39cee6',
    },
  ];
}

/** DER `SEQUENCE { INTEGER r, INTEGER s }` → raw r‖s, each left-padded to `size` bytes (66 for P-521). */
export function derToRaw(der, size = 66) {
  const bytes = Uint8Array.from(der);
  let at = 0;
  const length = () => {
    let len = bytes[at++];
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = (len << 8) | bytes[at++];
    }
    return len;
  };
  if (bytes[at++] !== 0x30) throw new Error('DER signature: not a SEQUENCE');
  const seqLen = length();
  if (at + seqLen !== bytes.length) throw new Error('DER signature: bad SEQUENCE length');
  const out = new Uint8Array(2 * size);
  for (let i = 0; i < 2; i++) {
    if (bytes[at++] !== 0x02) throw new Error('DER signature: not an INTEGER');
    let len = length();
    let start = at;
    at += len;
    while (len > size && bytes[start] === 0) {
      start++;
      len--;
    }
    if (len > size) throw new Error('DER signature: integer too long');
    out.set(bytes.subarray(start, start + len), (i + 1) * size - len);
  }
  return out;
}

/**
 * Signs the shared delivery with the package's signTestDelivery and derives
 * the exact v6 base (from inspectDelivery) and both signature encodings.
 * `expires` is an hour ahead so the delivery stays valid for the whole run.
 */
export function makeFixtures(pkg) {
  const { jwks, privateJwk } = pkg.generateTestKeyPair({ kid: 'upvest-bench-key' });
  const other = pkg.generateTestKeyPair({ kid: 'upvest-bench-key' }); // same kid, different key
  const created = Math.floor(Date.now() / 1000);
  const events = sampleEvents(new Date(created * 1000).toISOString());
  const sign = (overrides = {}) => pkg.signTestDelivery({ privateJwk, url: WEBHOOK_URL, events, created, expires: created + 3600, ...overrides });
  const delivery = sign();

  const inspection = pkg.inspectDelivery(delivery, { keys: jwks });
  if (!inspection.ok) throw new Error(`the bench delivery does not verify: ${inspection.code} ${inspection.message}`);
  const base = inspection.signatures[0].bases.find((b) => b.verified)?.text;
  if (base === undefined) throw new Error('inspectDelivery found no verifying base');
  const baseBytes = Buffer.from(base, 'utf8');
  const der = Buffer.from(/^sig1=:([A-Za-z0-9+/=]+):$/.exec(delivery.headers.signature)[1], 'base64');
  const raw = derToRaw(der);

  // The base and both encodings are right: node:crypto agrees (no timing here).
  const keyObject = createPublicKey({ key: jwks.keys[0], format: 'jwk' });
  if (!nodeVerify('sha512', baseBytes, { key: keyObject, dsaEncoding: 'der' }, der)) throw new Error('node:crypto rejects the DER signature over the base');
  if (!nodeVerify('sha512', baseBytes, { key: keyObject, dsaEncoding: 'ieee-p1363' }, raw)) throw new Error('DER→raw conversion is wrong');

  // The failing deliveries of the memory run.
  const failing = {
    tampered: { ...delivery, body: delivery.body.replace('FILLED', 'FILLEd') }, // same length: the digest catches it
    badSignature: pkg.signTestDelivery({ privateJwk: other.privateJwk, url: WEBHOOK_URL, events, created, expires: created + 3600 }),
    unknownKid: pkg.signTestDelivery({ privateJwk, keyId: 'upvest-unknown-key', url: WEBHOOK_URL, events, created, expires: created + 3600 }),
    expired: sign({ created: created - 7200, expires: created - 3600 }),
  };
  const expectedCodes = {
    tampered: 'ERR_DIGEST_MISMATCH',
    badSignature: 'ERR_SIGNATURE_INVALID',
    unknownKid: 'ERR_KEY_NOT_FOUND',
    expired: 'ERR_SIGNATURE_EXPIRED',
  };

  return {
    jwks,
    privateJwk,
    publicJwk: jwks.keys[0],
    delivery,
    base,
    baseBytes,
    der,
    raw,
    keyObject,
    failing,
    expectedCodes,
    describe: {
      events: events.length,
      bodyBytes: Buffer.byteLength(delivery.body),
      baseBytes: baseBytes.length,
      derSignatureBytes: der.length,
      rawSignatureBytes: raw.length,
      signatureVersion: inspection.signatures[0].bases.find((b) => b.verified).version,
    },
  };
}

/** A UUID-shaped id that is unique per (`tag`, `n`): the large deliveries need distinct ids. */
const uuid = (tag, n) => {
  const h = (n * 2654435761 + tag * 40503).toString(16).padStart(12, '0').slice(-12);
  return `${tag.toString(16).padStart(8, '0')}-${(n >>> 16).toString(16).padStart(4, '0')}-4${(n & 0xfff).toString(16).padStart(3, '0')}-8${(tag & 0xfff).toString(16).padStart(3, '0')}-${h}`;
};

/**
 * Event `n` of a large delivery: an ORDER.FILLED with every field of Upvest's
 * order object and one execution (≈ 950 bytes of JSON, as Upvest sends them).
 */
export function largeEvent(n, createdAt) {
  const quantity = ((n % 97) + 0.25).toFixed(4);
  const price = (100 + (n % 313) / 7).toFixed(2);
  return {
    id: uuid(1, n),
    created_at: createdAt,
    type: 'ORDER.FILLED',
    object: {
      id: uuid(2, n),
      created_at: createdAt,
      updated_at: createdAt,
      user_id: uuid(3, n % 50),
      account_id: uuid(4, n % 50),
      cash_amount: (Number(quantity) * Number(price)).toFixed(2),
      currency: 'EUR',
      side: n % 3 ? 'BUY' : 'SELL',
      instrument_id: 'US0378331005',
      instrument_id_type: 'ISIN',
      order_type: 'MARKET',
      quantity,
      user_instrument_fit_acknowledgement: true,
      limit_price: '',
      stop_price: '',
      status: 'FILLED',
      fee: '0.5',
      executions: [
        {
          id: uuid(6, n),
          created_at: createdAt,
          quantity,
          price,
          currency: 'EUR',
          amount: (Number(quantity) * Number(price)).toFixed(2),
          side: n % 3 ? 'BUY' : 'SELL',
          status: 'SETTLED',
          venue: 'XETR',
        },
      ],
      client_reference: `bench-order-${n}`,
      initiation_flow: 'API',
    },
    webhook_id: '9df39835-be87-4243-9018-f2500b39cee6',
  };
}

/**
 * A delivery whose body is as large as possible without passing `maxBytes`
 * (Upvest's `max_package_size` is 1,048,576), signed by the package's
 * signTestDelivery, with its exact base, DER signature and body bytes.
 */
export function makeLargeDelivery(pkg, fx, maxBytes) {
  const created = Math.floor(Date.now() / 1000);
  const createdAt = new Date(created * 1000).toISOString();
  const events = [];
  let size = '{"payload":[]}'.length;
  for (let n = 0; ; n++) {
    const event = largeEvent(n, createdAt);
    const add = JSON.stringify(event).length + (events.length ? 1 : 0);
    if (size + add > maxBytes) break;
    events.push(event);
    size += add;
  }
  const delivery = pkg.signTestDelivery({ privateJwk: fx.privateJwk, url: WEBHOOK_URL, events, created, expires: created + 3600 });
  const bodyBytes = Buffer.from(delivery.body, 'utf8');
  if (bodyBytes.length !== size || bodyBytes.length > maxBytes) throw new Error(`large delivery: body is ${bodyBytes.length} bytes, expected ${size}`);
  const digest = /^SHA-256=([A-Za-z0-9+/=]+)$/.exec(delivery.headers.digest ?? '');
  if (!digest) throw new Error(`large delivery: expected a "Digest: SHA-256=…" header, got ${JSON.stringify(delivery.headers.digest)}`);
  const inspection = pkg.inspectDelivery(delivery, { keys: fx.jwks });
  if (!inspection.ok) throw new Error(`the large delivery does not verify: ${inspection.code} ${inspection.message}`);
  const base = Buffer.from(inspection.signatures[0].bases.find((b) => b.verified).text, 'utf8');
  const der = Buffer.from(/^sig1=:([A-Za-z0-9+/=]+):$/.exec(delivery.headers.signature)[1], 'base64');
  if (!nodeVerify('sha512', base, { key: fx.keyObject, dsaEncoding: 'der' }, der)) throw new Error('node:crypto rejects the large delivery');
  return { delivery, bodyBytes, digestB64: digest[1], base, der, events: events.length };
}
