// Mutation classes for tests/js/mutation.test.mjs. A scenario is a valid
// delivery signed by the independent node:crypto signer; each mutation
// returns a changed delivery and what the verifier must do with it:
// `{ expect: 'accept' }` for changes that do not alter what was signed, or
// `{ expect: [codes…] }` for changes that must be rejected with one of them.
//
// "Accepted" means the signature checks passed: the promise resolved, or it
// rejected with ERR_PAYLOAD_INVALID (the payload is checked only after the
// signature verified). A meaningful mutation counted as accepted is a false accept.

import crypto from 'node:crypto';
import fs from 'node:fs';
import { NOW_SECONDS, contentDigestValue, digestValue, signRequest, splitTarget } from './upvest-signer.mjs';

// ---------------------------------------------------------------------------
// A small seeded PRNG (mulberry32), so a failing run can be replayed.

export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
  };
}

// ---------------------------------------------------------------------------
// Events across every category of the emulator's samples (from Upvest's OpenAPI).

const samples = JSON.parse(fs.readFileSync(new URL('../../../pkg/emulator/sample-events.json', import.meta.url), 'utf8')).categories;
const EXAMPLES = Object.values(samples)
  .flatMap((category) => (category.examples ?? []).map((example) => example.event))
  .filter(Boolean);

/** A body of about `size` bytes (0 gives the empty body): random events, padded in `object`. */
export function randomBody(r, size) {
  if (size === 0) return '';
  const events = [];
  const count = 1 + r.int(3);
  for (let i = 0; i < count; i++) events.push({ ...r.pick(EXAMPLES), id: crypto.randomUUID() });
  let text = JSON.stringify({ payload: events });
  if (text.length < size) {
    events[0] = { ...events[0], object: { ...events[0].object, padding: 'x'.repeat(Math.max(0, size - text.length - 14)) } };
    text = JSON.stringify({ payload: events });
  }
  return text;
}

/** A body size: mostly small, sometimes up to 1 MB. */
export function randomSize(r) {
  const roll = r.next();
  if (roll < 0.05) return 0;
  if (roll < 0.75) return 200 + r.int(2_000);
  if (roll < 0.97) return 2_000 + r.int(60_000);
  return 100_000 + r.int(1_000_000 - 100_000 + 1);
}

// ---------------------------------------------------------------------------
// Signature encodings: DER <-> raw r||s, and the malleated (r, n - s).

const N = BigInt('0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409');
const toBig = (bytes) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
const toBytes = (n, len) => Buffer.from(n.toString(16).padStart(len * 2, '0'), 'hex');

function derToRs(der) {
  let pos = 2;
  if (der[1] & 0x80) pos = 2 + (der[1] & 0x7f);
  const readInt = () => {
    const len = der[pos + 1];
    const value = der.subarray(pos + 2, pos + 2 + len);
    pos += 2 + len;
    return toBig(value);
  };
  return [readInt(), readInt()];
}

function intDer(n) {
  let bytes = Buffer.from(
    n
      .toString(16)
      .padStart(2, '0')
      .replace(/^(.(..)*)$/, '0$1'),
    'hex',
  );
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

function rsToDer(r, s) {
  const body = Buffer.concat([intDer(r), intDer(s)]);
  const len = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x81, body.length]);
  return Buffer.concat([Buffer.from([0x30]), len, body]);
}

const rsOf = (sig) => (sig[0] === 0x30 ? derToRs(sig) : [toBig(sig.subarray(0, 66)), toBig(sig.subarray(66))]);
const rawOf = ([r, s]) => Buffer.concat([toBytes(r, 66), toBytes(s, 66)]);

// ---------------------------------------------------------------------------
// Delivery editing helpers (deliveries: { method, url, headers (plain object,
// lowercase names), body }).

const clone = (d) => ({ ...d, headers: { ...d.headers } });
function setHeader(d, name, value) {
  const out = clone(d);
  if (value === undefined) delete out.headers[name];
  else out.headers[name] = value;
  return out;
}
const sigBytes = (d) => Buffer.from(/=:([^:]*):/.exec(d.headers.signature)[1], 'base64');
const withSig = (d, bytes) => setHeader(d, 'signature', `${d.label}=:${Buffer.from(bytes).toString('base64')}:`);
const withInput = (d, paramsText) => setHeader(d, 'signature-input', `${d.label}=${paramsText}`);
function flipBit(bytes, r) {
  const out = Buffer.from(bytes);
  const bit = r.int(out.length * 8);
  out[bit >> 3] ^= 1 << (bit & 7);
  return out;
}

// ---------------------------------------------------------------------------
// Scenarios

/**
 * A valid delivery: random body, URL with or without a query, v6 or v15
 * base (v15 with the version header), DER or raw, digest style matching
 * the form. `keys` is `[signing pair, other pair]`; both are in the JWKS.
 * `size` fixes the body's size (default: `randomSize`).
 */
export function scenario(r, keys, { size: fixedSize } = {}) {
  const form = r.chance(0.5) ? 'v6' : 'v15';
  const encoding = r.chance(0.5) ? 'der' : 'raw';
  const size = fixedSize ?? randomSize(r);
  const body = randomBody(r, size);
  const query = r.chance(0.5) ? `?limit=${r.int(100)}&cursor=${crypto.randomUUID()}` : '';
  const url = r.chance(0.8) ? `https://tenant.example/webhooks/upvest${query}` : `/webhooks/upvest${query}`;
  const digest = form === 'v6' ? r.pick(['sha-256', 'sha-512']) : r.pick(['content-sha-512', 'content-sha-256']);
  const expires = r.chance(0.8) ? NOW_SECONDS + 60 : null;
  const options = { key: keys[0], url, body, form, encoding, digest, expires, ...(form === 'v15' ? { versionHeader: 15 } : {}) };
  const signed = signRequest(options);
  const components = [.../^\(([^)]*)\)/.exec(signed.paramsText)[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  return {
    options,
    components,
    delivery: { method: signed.method, url: signed.url, headers: signed.headers, body: signed.body, label: 'sig1', paramsText: signed.paramsText },
  };
}

/** Strips the helper fields before handing a delivery to the verifier. */
export const asInput = ({ method, url, headers, body }) => ({ method, url, headers, body });

const INVALID = ['ERR_SIGNATURE_INVALID'];

/**
 * Every mutation of one scenario: `[{ cls, expect, delivery }]`, with the
 * classes named as in the report. `keys` as for `scenario`.
 */
export function mutations(r, s, keys) {
  const { delivery: d, options, components } = s;
  const out = [];
  const add = (cls, expect, delivery) => out.push({ cls, expect, delivery });
  const bodyBytes = Buffer.from(d.body);
  const covered = (name) => components.includes(name);
  const digestHeader = covered('digest') ? 'digest' : covered('content-digest') ? 'content-digest' : null;
  const resign = (changes) => ({ ...signRequest({ ...options, ...changes }), label: 'sig1' });

  add('baseline', 'accept', d);

  // --- body
  if (bodyBytes.length > 0) {
    add('body: bit flip', ['ERR_DIGEST_MISMATCH'], { ...d, body: flipBit(bodyBytes, r) });
    add('body: byte appended', ['ERR_CONTENT_LENGTH_MISMATCH'], { ...d, body: Buffer.concat([bodyBytes, Buffer.from(' ')]) });
    add('body: truncated', ['ERR_CONTENT_LENGTH_MISMATCH'], { ...d, body: bodyBytes.subarray(0, bodyBytes.length - 1) });
  } else {
    add('body: added to an empty body', ['ERR_DIGEST_MISSING'], { ...d, body: '{"payload":[]}' });
  }

  // --- each covered header: changed, removed, repeated
  for (const name of components.filter((c) => !c.startsWith('@'))) {
    const value = d.headers[name];
    if (name === 'content-length') {
      add(`header ${name}: changed`, ['ERR_CONTENT_LENGTH_MISMATCH'], setHeader(d, name, String(Number(value) + 1)));
    } else if (name === 'digest' || name === 'content-digest') {
      const other = Buffer.concat([bodyBytes, Buffer.from('x')]);
      const changed =
        name === 'digest'
          ? digestValue(other, value.startsWith('SHA-512') ? 'sha-512' : 'sha-256')
          : contentDigestValue(other, value.startsWith('sha-256') ? 'sha-256' : 'sha-512');
      add(`header ${name}: changed`, ['ERR_DIGEST_MISMATCH'], setHeader(d, name, changed));
    } else {
      add(`header ${name}: changed`, INVALID, setHeader(d, name, `${value}; charset=utf-8`));
    }
    add(`header ${name}: removed`, ['ERR_COMPONENT_MISSING'], setHeader(d, name, undefined));
    // A digest header sent twice repeats its algorithm: refused before any hashing.
    const repeated = name === 'content-length' ? ['ERR_CONTENT_LENGTH_MISMATCH'] : name.includes('digest') ? ['ERR_DIGEST_MALFORMED'] : INVALID;
    add(`header ${name}: repeated`, repeated, setHeader(d, name, [value, value]));
  }

  // --- irrelevant: header name case, OWS around values, uncovered headers, body types, label
  {
    const upper = clone(d);
    upper.headers = Object.fromEntries(
      Object.entries(d.headers).map(([n, v]) => [r.chance(0.5) ? n.toUpperCase() : n.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()), v]),
    );
    add('irrelevant: header name case', 'accept', upper);
    const ows = clone(d);
    for (const name of Object.keys(ows.headers)) ows.headers[name] = `${r.pick([' ', '\t', '  ', ''])}${ows.headers[name]}${r.pick([' ', '\t', ''])}`;
    add('irrelevant: OWS around every value', 'accept', ows);
    add('irrelevant: uncovered header added', 'accept', setHeader(d, 'x-request-id', crypto.randomUUID()));
    add('irrelevant: headers as [name, value] pairs in reverse order', 'accept', { ...d, headers: Object.entries(d.headers).reverse() });
    add('irrelevant: body as bytes', 'accept', { ...d, body: new Uint8Array(bodyBytes) });
    const relabel = setHeader(
      setHeader(d, 'signature-input', d.headers['signature-input'].replace(/^sig1=/, 'upvest=')),
      'signature',
      d.headers.signature.replace(/^sig1=/, 'upvest='),
    );
    add('irrelevant: label renamed in both headers (labels are not signed)', 'accept', relabel);
    add('irrelevant: an unrelated second Signature member', 'accept', setHeader(d, 'signature', `${d.headers.signature}, other=:AAAA:`));
    add(
      'irrelevant: OWS after the member separator',
      'accept',
      setHeader(d, 'signature-input', `${d.headers['signature-input']} ,  x=("@method");keyid="nobody";created=1`),
    );
  }

  // --- Signature-Input parameters edited without re-signing
  {
    const p = d.paramsText;
    const otherKid = keys[1].kid;
    add('params: keyid -> other known key', INVALID, withInput(d, p.replace(/keyid="[^"]*"/, `keyid="${otherKid}"`)));
    add('params: keyid -> unknown', ['ERR_KEY_NOT_FOUND'], withInput(d, p.replace(/keyid="[^"]*"/, 'keyid="unknown-key"')));
    add(
      'params: created - 1',
      INVALID,
      withInput(
        d,
        p.replace(/created=(\d+)/, (m, v) => `created=${Number(v) - 1}`),
      ),
    );
    if (/expires=/.test(p)) {
      add(
        'params: expires + 1',
        INVALID,
        withInput(
          d,
          p.replace(/expires=(\d+)/, (m, v) => `expires=${Number(v) + 1}`),
        ),
      );
      add('params: expires removed', INVALID, withInput(d, p.replace(/;expires=\d+/, '')));
    } else {
      add('params: expires added', INVALID, withInput(d, `${p};expires=${NOW_SECONDS + 30}`));
    }
    add('params: nonce changed', INVALID, withInput(d, p.replace(/nonce="([^"]*)"/, 'nonce="$1x"')));
    add('params: alg added', INVALID, withInput(d, `${p};alg="ecdsa-p521-sha512"`));
    add('params: order swapped', INVALID, withInput(d, p.replace(/;(keyid="[^"]*");(created=\d+)/, ';$2;$1')));
    add('params: created removed', ['ERR_SIGNATURE_INPUT_MALFORMED'], withInput(d, p.replace(/;created=\d+/, '')));
    add('params: inner-list whitespace', INVALID, withInput(d, p.replace('" "', '"  "')));
    const list = components.map((c) => `"${c}"`);
    const swapped = [...list];
    [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
    add('params: components reordered', INVALID, withInput(d, p.replace(`(${list.join(' ')})`, `(${swapped.join(' ')})`)));
    const nonDigest = components.filter((c) => !c.includes('digest'));
    const dropOne = r.pick(nonDigest);
    add(
      `params: component dropped (${dropOne.startsWith('@') ? dropOne : 'header'})`,
      INVALID,
      withInput(
        d,
        p.replace(
          `(${list.join(' ')})`,
          `(${components
            .filter((c) => c !== dropOne)
            .map((c) => `"${c}"`)
            .join(' ')})`,
        ),
      ),
    );
    add(
      'params: component added (@authority or host)',
      ['ERR_SIGNATURE_INVALID', 'ERR_COMPONENT_MISSING'],
      withInput(d, p.replace(`(${list.join(' ')})`, `(${list.join(' ')} "@authority")`)),
    );
    if (digestHeader) {
      add('params: digest coverage dropped', ['ERR_DIGEST_NOT_COVERED'], withInput(d, p.replace(` "${digestHeader}"`, '')));
    }
  }

  // --- the signature itself
  {
    const sig = sigBytes(d);
    add('signature: bit flip', ['ERR_SIGNATURE_INVALID', 'ERR_SIGNATURE_MALFORMED'], withSig(d, flipBit(sig, r)));
    add('signature: truncated', ['ERR_SIGNATURE_MALFORMED', 'ERR_SIGNATURE_INVALID'], withSig(d, sig.subarray(0, sig.length - 1)));
    const rs = rsOf(sig);
    add('irrelevant: DER <-> raw re-encoding of the same (r, s)', 'accept', withSig(d, sig[0] === 0x30 ? rawOf(rs) : rsToDer(...rs)));
    // ECDSA is malleable: (r, n - s) is also valid. The verifier, like
    // node:crypto and WebCrypto, accepts it; it signs the same base.
    add('irrelevant: malleated s -> n - s', 'accept', withSig(d, sig[0] === 0x30 ? rsToDer(rs[0], N - rs[1]) : rawOf([rs[0], N - rs[1]])));
    add('signature: (r, s) swapped', INVALID, withSig(d, sig[0] === 0x30 ? rsToDer(rs[1], rs[0]) : rawOf([rs[1], rs[0]])));
  }

  // --- method, path, query
  {
    const t = splitTarget(d.url);
    const rebuild = (path, query) => `${t.scheme ? `${t.scheme}://${t.authority}` : ''}${path}${query === null ? '' : `?${query}`}`;
    add('method: POST -> PUT', INVALID, { ...d, method: 'PUT' });
    add('path: one more segment', INVALID, { ...d, url: rebuild(`${t.path}/x`, t.query) });
    add('path: case changed', INVALID, { ...d, url: rebuild(t.path.toUpperCase(), t.query) });
    add('path: trailing slash', INVALID, { ...d, url: rebuild(`${t.path}/`, t.query) });
    if (t.query !== null) {
      add('query: changed', INVALID, { ...d, url: rebuild(t.path, `${t.query}&x=1`) });
      add('query: removed', INVALID, { ...d, url: rebuild(t.path, null) });
      add('query: emptied', INVALID, { ...d, url: rebuild(t.path, '') });
    } else {
      // Upvest's deliveries cover @query only when the URL has one: a query
      // added to a query-less URL is not covered, and so not detectable.
      add('irrelevant: query added where @query is not covered', 'accept', { ...d, url: rebuild(t.path, 'x=1') });
    }
    add('irrelevant: URL fragment', 'accept', { ...d, url: `${d.url}#frag` });
    if (t.scheme)
      add('irrelevant: host and scheme case (@authority not covered)', 'accept', {
        ...d,
        url: d.url.replace(t.authority, t.authority.toUpperCase()).replace(/^https/, 'HTTPS'),
      });
  }

  // --- keys: signed with the other key under this keyid
  add('key: signed by another key under the same keyid', INVALID, { ...resign({ key: keys[1], keyid: keys[0].kid }) });
  add('key: valid signature of another key, keyid of that key', 'accept', { ...resign({ key: keys[1] }) });

  // --- time window (re-signed, so only the time is wrong)
  add('time: created 400 s ago, expires +60', ['ERR_SIGNATURE_EXPIRED'], resign({ created: NOW_SECONDS - 400, expires: NOW_SECONDS - 340 }));
  add('time: created 301 s ago, no expires', ['ERR_SIGNATURE_EXPIRED'], resign({ created: NOW_SECONDS - 301, expires: null }));
  add('time: created 301 s ahead', ['ERR_SIGNATURE_NOT_YET_VALID'], resign({ created: NOW_SECONDS + 301, expires: NOW_SECONDS + 361 }));
  add('time: expires 301 s ago', ['ERR_SIGNATURE_EXPIRED'], resign({ created: NOW_SECONDS - 310, expires: NOW_SECONDS - 301 }));
  add('irrelevant: created 299 s ago, no expires (inside the window)', 'accept', resign({ created: NOW_SECONDS - 299, expires: null }));
  add('irrelevant: created 299 s ahead (inside the tolerance)', 'accept', resign({ created: NOW_SECONDS + 299, expires: NOW_SECONDS + 400 }));

  // --- digest coverage dropped at signing time
  if (digestHeader && bodyBytes.length > 0) {
    const without = components.filter((c) => c !== digestHeader);
    add('digest: signed without covering the digest header', ['ERR_DIGEST_NOT_COVERED'], resign({ components: without }));
    add('digest: no digest header at all', ['ERR_DIGEST_MISSING'], resign({ components: without, digest: null }));
  }

  // --- security round 2, finding 1: replay of an expired delivery by
  // rewriting only Signature-Input. The delivery was signed an hour ago;
  // the attacker adds a second `sig1` with the times moved to now, hidden
  // from a naive scanner by RFC 9651 constructs, and keeps everything else.
  {
    const old = resign({ created: NOW_SECONDS - 3600, expires: r.chance(0.5) ? NOW_SECONDS - 3540 : null });
    const genuine = old.paramsText;
    const moved = genuine.replace(/created=\d+/, `created=${NOW_SECONDS}`).replace(/expires=\d+/, `expires=${NOW_SECONDS + 60}`);
    const input = (text) => setHeader(old, 'signature-input', text);
    add('replay: the expired delivery as it was', ['ERR_SIGNATURE_EXPIRED'], old);
    add(
      'replay: second sig1 behind %"\\" (as reported)',
      ['ERR_SIGNATURE_INPUT_MALFORMED'],
      input(`sig1=${genuine}, a=("@method");keyid="x";created=${NOW_SECONDS};p=%"\\", sig1=${moved}`),
    );
    add(
      'replay: sig1 repeated with moved times',
      ['ERR_SIGNATURE_INPUT_MALFORMED'],
      input(r.chance(0.5) ? `sig1=${genuine}, sig1=${moved}` : `sig1=${moved}, sig1=${genuine}`),
    );
    // The generator: a random RFC 9651 (or escape) trick in a random place.
    const trick = r.pick(['%"\\"', '%"\\\\"', '%"%22"', '%"a,b"', '@1700000000', '"\\""', '"a,b"']);
    const filler = r.pick([
      `a=${trick}`,
      `a=("@method");keyid="x";created=${NOW_SECONDS};p=${trick}`,
      `a=("@method");p=${trick};keyid="x";created=${NOW_SECONDS}`,
      `a;p=${trick}`,
      `a=(${trick})`,
    ]);
    const sep = () => `${r.pick(['', ' ', '\t'])},${r.pick(['', ' ', '  '])}`;
    const members = [`sig1=${genuine}`, filler, `sig1=${moved}`];
    if (r.chance(0.5)) members.splice(1, 0, `d=@${NOW_SECONDS}`);
    add('replay: generated trick and placement', ['ERR_SIGNATURE_INPUT_MALFORMED'], input(members.reduce((acc, m) => `${acc}${sep()}${m}`)));
    add('label: repeated in Signature', ['ERR_SIGNATURE_MALFORMED'], setHeader(d, 'signature', `${d.headers.signature}, ${d.headers.signature}`));
    add(
      'label: repeated in Signature-Input',
      ['ERR_SIGNATURE_INPUT_MALFORMED'],
      setHeader(d, 'signature-input', `${d.headers['signature-input']}, ${d.headers['signature-input']}`),
    );
  }

  // --- finding 2: a digest algorithm repeated inside one header value
  if (digestHeader) {
    const value = d.headers[digestHeader];
    add(
      'digest: algorithm repeated in the value',
      ['ERR_DIGEST_MALFORMED'],
      setHeader(
        d,
        digestHeader,
        Array(2 + r.int(250))
          .fill(value)
          .join(r.pick([',', ', '])),
      ),
    );
  }

  // --- finding 5: a signed body that is not UTF-8 is never a verified delivery
  if (bodyBytes.length > 2) {
    const at = 1 + r.int(bodyBytes.length - 2);
    const bad = Buffer.concat([bodyBytes.subarray(0, at), Buffer.from(r.pick([[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf]])), bodyBytes.subarray(at)]);
    add('payload: signed body with invalid UTF-8', 'payload-invalid', resign({ body: bad }));
  }

  // --- base form downgrade / upgrade
  if (options.form === 'v15') {
    add('irrelevant: v15 without the version header (both forms are tried)', 'accept', setHeader(d, 'upvest-signature-version', undefined));
  } else {
    add('form: v6 signature with upvest-signature-version: 15', INVALID, setHeader(d, 'upvest-signature-version', '15'));
  }
  add(
    "form: signed over the other form's base, headers unchanged",
    options.form === 'v15' ? INVALID : 'accept',
    // A v6 request re-signed over the quoted base still verifies (both are tried
    // without the header); a v15 request with the header re-signed over v6 must not.
    resign({ form: options.form === 'v15' ? 'v6' : 'v15' }),
  );

  return out;
}
