// Cold-start benchmark Worker. It is bundled once per candidate (build.mjs):
// `bench:glue` and `bench:wasm` are the glue and .wasm of the verifier
// module (`upvest-webhooks/verifier`) or of the whole package's module
// (`upvest-webhooks`), and `bench:config` says whether the script starts the
// wasm at all (not for WebCrypto alone).
//
// At script start it does what the package's workerd entries do:
// instantiate the CompiledWasm module, register the error classes, say it is
// workerd (configureRuntime) and run
// the warm-up (`warmUp`: the verification code compiled before the first
// request; its promise settles before the first request too). Workers run the global scope at startup, under its own limit,
// not a request's CPU budget; these steps are timed with Date.now() there
// (no I/O is possible at script start to fence them) and reported when the
// clock is seen to advance during CPU work (probeClock).
//
// Every worker (isolate) of this script serves one of:
//   POST /base   reads the input and answers: the outside baseline
//   POST /total  first JWKS import + first verify, no fences: timed from
//                outside (wall time minus /base)
//   POST /steps  the same steps, each between fences (requests to another
//                Worker: real I/O, after which workerd's clock is current
//                even if it is frozen during CPU work), then a second and
//                third verify and ten more.
// With `webcrypto: true` in the input, /total and /steps do what a
// WebCrypto-only verifier (jose) does instead: importKey of the JWK and
// subtle.verify of the signature base, no WebAssembly at all.

import wasmModule from 'bench:wasm';
import wasmBytes from 'bench:wasm-bytes';
import { startsWasm } from 'bench:config';
import * as glue from 'bench:glue';
import { instantiation } from 'upvest-webhooks-raw/src/instantiate.js';

const { configureRuntime, warmUp, WebhookVerifier } = glue;

// A fresh compile of the .wasm bytes (unique per isolate, see build.mjs),
// for its time only: workerd compiles CompiledWasm modules at script start
// too, but V8 shares those between the isolates of a process.
const compileStarted = Date.now();
const compiled = new WebAssembly.Module(wasmBytes);
const startup = { compileMs: Date.now() - compileStarted };
if (startsWasm) {
  let t = Date.now();
  instantiation(glue).setupSync(wasmModule); // instantiate, error classes, body helpers
  configureRuntime({ workerd: true }); // as the package's workerd entries do
  startup.instantiateMs = Date.now() - t;
  t = Date.now();
  // The synchronous part; the rest (the boundary, WebCrypto) runs in the
  // microtasks after the global scope, still before any request.
  warmUp().then((ok) => {
    startup.warmedUp = ok;
    startup.warmUpAllMs = Date.now() - t;
  });
  startup.warmUpMs = Date.now() - t;
}
// Does the clock advance during CPU work at script start? (Not the same as in
// a request: workerd 1.2026… freezes it there.) ~10 ms of work, after the timed steps.
{
  const before = Date.now();
  let _x = 0;
  for (let i = 0; i < 1e7; i++) _x += i;
  startup.clockAdvances = Date.now() > before;
}

const json = (value, status = 200) => new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
const fromBase64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

function prepare(input) {
  const { method, url, headers, body } = input.delivery;
  return { request: { method, url, headers, body }, jwks: input.jwks, base: fromBase64(input.base), raw: fromBase64(input.raw) };
}

const ALGORITHM = { name: 'ECDSA', hash: 'SHA-512' };
const importJwk = (jwk) => crypto.subtle.importKey('jwk', jwk, { name: 'ECDSA', namedCurve: 'P-521' }, false, ['verify']);

/** The candidate's operations: import the key, verify the delivery. */
function operations(input) {
  const { request, jwks, base, raw } = prepare(input);
  if (input.webcrypto) {
    return {
      importKey: () => importJwk(jwks.keys[0]),
      verify: (key) => crypto.subtle.verify(ALGORITHM, key, raw, base),
      verified: (result) => result === true,
    };
  }
  if (!startup.warmedUp) throw new Error('the warm-up at script start did not run every step');
  return {
    importKey: async () => new WebhookVerifier({ keys: jwks }),
    verify: (verifier) => verifier.verify(request),
    verified: (result) => result.keyId === jwks.keys[0].kid,
  };
}

async function total(input) {
  const op = operations(input);
  const key = await op.importKey();
  const ok = op.verified(await op.verify(key));
  return json({ ok, startup });
}

async function steps(input, env) {
  const op = operations(input);
  const fence = async () => {
    const response = await env.FENCE.fetch('http://fence/');
    await response.arrayBuffer();
  };
  const marks = [];
  const mark = async (name) => {
    await fence();
    marks.push([name, Date.now()]);
  };
  await mark('start');
  for (let i = 0; i < input.fences; i++) await mark('fence');

  const key = await op.importKey();
  await mark('jwksImport');
  const ok = op.verified(await op.verify(key));
  await mark('firstVerify');
  await op.verify(key);
  await mark('secondVerify');
  await op.verify(key);
  await mark('thirdVerify');
  for (let i = 0; i < 10; i++) await op.verify(key);
  await mark('next10Verify');
  return json({
    ok: ok && compiled instanceof WebAssembly.Module,
    intervals: intervals(marks),
    startup,
    clockAdvancedDuringCpu: input.probeClock ? probeClock() : undefined,
  });
}

/** Interval before each mark, by mark name. */
function intervals(marks) {
  const out = {};
  for (let i = 1; i < marks.length; i++) {
    const [name, at] = marks[i];
    (out[name] ??= []).push(at - marks[i - 1][1]);
  }
  return out;
}

/** Whether Date.now() moves during a ~20 ms busy loop without I/O. */
function probeClock() {
  const start = Date.now();
  let _x = 0;
  const until = start + 20;
  for (let i = 0; i < 2e8 && Date.now() < until; i++) _x += i;
  return Date.now() > start;
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    try {
      const input = await request.json();
      if (pathname === '/base') return json({ ok: true, bytes: input.delivery.body.length, startup });
      if (pathname === '/total') return await total(input);
      if (pathname === '/steps') return await steps(input, env);
      return json({ error: 'not found' }, 404);
    } catch (err) {
      return json({ error: String(err?.stack ?? err), code: err?.code }, 500);
    }
  },
};
