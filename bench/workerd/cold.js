// Cold-start benchmark Worker. It imports the package's glue directly and
// does in a request what the package's workerd entry does at script start
// (initSync on the CompiledWasm module + registerErrorClasses), so each step
// can be timed. Every worker (isolate) of this script serves one of:
//   POST /base   reads the input and answers: the outside baseline
//   POST /total  instantiate + JWKS import + first verify, no fences:
//                timed from outside (wall time minus /base)
//   POST /steps  the same steps, each between fences (requests to another
//                Worker: real I/O, after which workerd's clock is current
//                even if it is frozen during CPU work), then a second and
//                third verify and ten more, then WebCrypto's first
//                importKey and verifies.

import wasmModule from 'upvest-webhooks-raw/dist/wasm/upvest_webhooks_bg.wasm';
import wasmBytes from 'bench:wasm-bytes';
import { initSync, registerErrorClasses, WebhookVerifier } from 'upvest-webhooks-raw/dist/wasm/upvest_webhooks.js';
import * as errors from 'upvest-webhooks-raw/src/errors.js';

// A fresh compile of the .wasm bytes (unique per isolate, see build.mjs), at
// script start: workerd refuses to compile wasm from bytes inside a request,
// and compiles CompiledWasm modules at script start too. The clock can only
// be read here, with no I/O to fence it: the result is kept only when the
// clock is seen to advance during CPU work (probeClock).
const compileStarted = Date.now();
const compiled = new WebAssembly.Module(wasmBytes);
const compileMs = Date.now() - compileStarted;

const json = (value, status = 200) => new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
const fromBase64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

function prepare(input) {
  const { method, url, headers, body } = input.delivery;
  return { request: { method, url, headers, body }, jwks: input.jwks, base: fromBase64(input.base), raw: fromBase64(input.raw) };
}

async function total(input) {
  const { request, jwks } = prepare(input);
  initSync({ module: wasmModule });
  registerErrorClasses(errors);
  const verifier = new WebhookVerifier({ keys: jwks });
  const verified = await verifier.verify(request);
  return json({ ok: verified.keyId === jwks.keys[0].kid, compileMs });
}

async function steps(input, env) {
  const { request, jwks, base, raw } = prepare(input);
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

  initSync({ module: wasmModule });
  registerErrorClasses(errors);
  await mark('instantiate');
  const verifier = new WebhookVerifier({ keys: jwks });
  await mark('jwksImport');
  const verified = await verifier.verify(request);
  await mark('firstVerify');
  await verifier.verify(request);
  await mark('secondVerify');
  await verifier.verify(request);
  await mark('thirdVerify');
  for (let i = 0; i < 10; i++) await verifier.verify(request);
  await mark('next10Verify');

  const algorithm = { name: 'ECDSA', hash: 'SHA-512' };
  const key = await crypto.subtle.importKey('jwk', jwks.keys[0], { name: 'ECDSA', namedCurve: 'P-521' }, false, ['verify']);
  await mark('webcryptoImport');
  const ok = await crypto.subtle.verify(algorithm, key, raw, base);
  await mark('webcryptoFirstVerify');
  await crypto.subtle.verify(algorithm, key, raw, base);
  await mark('webcryptoSecondVerify');

  const intervals = {};
  for (let i = 1; i < marks.length; i++) {
    const [name, at] = marks[i];
    (intervals[name] ??= []).push(at - marks[i - 1][1]);
  }
  return json({
    ok: verified.keyId === jwks.keys[0].kid && ok === true && compiled instanceof WebAssembly.Module,
    intervals,
    compileMs,
    clockAdvancedDuringCpu: input.probeClock ? probeClock() : undefined,
  });
}

/** Whether Date.now() moves during a ~20 ms busy loop without I/O. */
function probeClock() {
  const start = Date.now();
  let x = 0;
  const until = start + 20;
  for (let i = 0; i < 2e8 && Date.now() < until; i++) x += i;
  return Date.now() > start;
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    try {
      const input = await request.json();
      if (pathname === '/base') return json({ ok: true, bytes: input.delivery.body.length, compileMs });
      if (pathname === '/total') return await total(input);
      if (pathname === '/steps') return await steps(input, env);
      return json({ error: 'not found' }, 404);
    } catch (err) {
      return json({ error: String(err?.stack ?? err), code: err?.code }, 500);
    }
  },
};
