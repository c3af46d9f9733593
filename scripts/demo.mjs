// `make demo`: the whole product, end to end, in seven steps.
//
// It starts the local Upvest emulator (pkg/emulator) and a small receiver, a
// plain node:http server that verifies every delivery with the package's
// WebhookVerifier. Then it drives the emulator with the package's
// UpvestClient, exactly as against Upvest.
//
// With UPVEST_BASE_URL, UPVEST_CLIENT_ID, UPVEST_CLIENT_SECRET, UPVEST_KEY_ID,
// UPVEST_PRIVATE_KEY (+ UPVEST_PRIVATE_KEY_PASSPHRASE) and RECEIVER_PUBLIC_URL
// (a public https URL that forwards to the local receiver, e.g. a tunnel) it
// runs the same flow against the real Upvest sandbox. Steps that only an
// emulator can do (emitting chosen events, rotating Upvest's key) are skipped.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { adminJson } from '../pkg/emulator/admin-client.mjs';

const pkg = await import(pathToFileURL(new URL('../target/consumer/entry.mjs', import.meta.url).pathname).href);
const { UpvestClient, WebhookVerificationError } = pkg;

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const [bold, dim, green, red, cyan] = [paint(1), paint(2), paint(32), paint(31), paint(36)];
const line = (symbol, text) => console.log(`  ${symbol} ${text}`);
/** @type {Array<{ title: string, ok: boolean, skipped?: boolean }>} */
const results = [];
let stepNumber = 0;

/** Runs one step: a spinner while it works, then one readable line. */
async function step(title, work) {
  stepNumber += 1;
  const label = `${stepNumber}. ${title}`;
  const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
  let frame = 0;
  const spinner = process.stdout.isTTY ? setInterval(() => process.stdout.write(`\r  ${cyan(frames[frame++ % frames.length])} ${label}`), 80) : null;
  const started = Date.now();
  try {
    const outcome = await work();
    if (spinner) process.stdout.write('\r\x1b[K');
    const skipped = outcome?.skipped;
    line(skipped ? dim('–') : green('✔'), `${bold(label)}: ${outcome?.summary ?? outcome ?? ''} ${dim(`(${Date.now() - started} ms)`)}`);
    for (const detail of outcome?.details ?? []) console.log(`      ${dim(detail)}`);
    results.push({ title, ok: true, skipped });
  } catch (err) {
    if (spinner) process.stdout.write('\r\x1b[K');
    const { code, message } = /** @type {{ code?: string, message?: string }} */ (err);
    line(red('✘'), `${bold(label)}: ${code ? `${code}: ` : ''}${message}`);
    results.push({ title, ok: false });
    throw err;
  } finally {
    if (spinner) clearInterval(spinner);
  }
}

/** @type {(server: http.Server) => Promise<number>} */
const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(/** @type {import('node:net').AddressInfo} */ (server.address()).port)));
/** @type {(server: http.Server) => Promise<void>} */
const closeServer = (server) => new Promise((resolve) => server.close(() => resolve()));
const describeEvent = (e) => `${e.type.padEnd(24)} ${e.id}  ${JSON.stringify(e.object).slice(0, 60)}`;

// -- where we talk to -------------------------------------------------------------------

const real = Boolean(process.env.UPVEST_BASE_URL);
let emulator;
let clientOptions;
if (real) {
  for (const name of ['UPVEST_CLIENT_ID', 'UPVEST_CLIENT_SECRET', 'UPVEST_KEY_ID', 'UPVEST_PRIVATE_KEY', 'RECEIVER_PUBLIC_URL']) {
    if (!process.env[name]) {
      console.error(`${name} is required with UPVEST_BASE_URL (see the README, "make demo against the sandbox")`);
      process.exit(2);
    }
  }
  const key = process.env.UPVEST_PRIVATE_KEY ?? '';
  clientOptions = {
    baseUrl: process.env.UPVEST_BASE_URL,
    clientId: process.env.UPVEST_CLIENT_ID,
    clientSecret: process.env.UPVEST_CLIENT_SECRET,
    keyId: process.env.UPVEST_KEY_ID,
    privateKey: key.includes('-----BEGIN') || key.trim().startsWith('{') ? key : readFileSync(key, 'utf8'),
    privateKeyPassphrase: process.env.UPVEST_PRIVATE_KEY_PASSPHRASE,
  };
} else {
  const { startEmulator } = await import('../pkg/emulator/server.mjs');
  // A time factor of 0.2 makes the emulator's 1 s batching delay 200 ms.
  emulator = await startEmulator({ port: 0, timeFactor: 0.2 });
  clientOptions = {
    baseUrl: emulator.baseUrl,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    keyId: emulator.keyId,
    privateKey: emulator.privateKeyPem,
    allowHttpLocalhost: true, // Upvest requires https; the local receiver is plain http
  };
}
const upvest = new UpvestClient(clientOptions);
/** @type {(path: string, body?: unknown) => Promise<any>} */
const admin = (path, body) => adminJson(emulator.baseUrl, path, body === undefined ? {} : { method: 'POST', body });

// -- the tenant's receiver -------------------------------------------------------------

// Keys come from the signed GET /auth/verify_keys. A short cooldown lets the
// demo show a key rotation within seconds (the default is 30 s).
const verifier = upvest.webhookVerifier({ keysCooldownMs: 500 });
const received = [];
const waiting = [];
const receiver = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  let outcome;
  try {
    const verified = await verifier.verify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
    outcome = { ok: true, ...verified };
    res.writeHead(200).end();
  } catch (thrown) {
    if (!(thrown instanceof WebhookVerificationError)) throw thrown;
    const err = /** @type {{ code: string, message: string }} */ (thrown);
    outcome = { ok: false, code: err.code, message: err.message };
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: err.code }));
  }
  received.push(outcome);
  waiting.shift()?.(outcome);
});
const receiverPort = await listen(receiver);
const receiverUrl = real ? (process.env.RECEIVER_PUBLIC_URL ?? '') : `http://127.0.0.1:${receiverPort}/webhooks/upvest`;

/** The next delivery the receiver handles. */
const nextDelivery = (timeoutMs = real ? 120_000 : 10_000) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no delivery reached the receiver within ${timeoutMs / 1000} s`)), timeoutMs);
    waiting.push((outcome) => {
      clearTimeout(timer);
      resolve(outcome);
    });
  });
const verifiedBatch = async (what) => {
  const outcome = await nextDelivery();
  if (!outcome.ok) throw Object.assign(new Error(`${what}: the receiver rejected it: ${outcome.message}`), { code: outcome.code });
  return outcome;
};

console.log(bold(`upvest-webhooks demo ${real ? `against ${clientOptions.baseUrl}` : 'against the local emulator'}`));
console.log(dim(`  API ${clientOptions.baseUrl}   receiver ${receiverUrl}`));
if (!real) console.log(dim(`  playground: make www, then open http://127.0.0.1:8000 (its manager connects to a running \`make emulator\`)`));

/** @type {any} the created webhook, until deleted */
let hook;
let exitCode = 0;
try {
  await step('get a token', async () => {
    const jwks = await upvest.verificationKeys(); // the first call fetches the OAuth2 token, signed like every request
    return { summary: `OAuth2 client credentials accepted; GET /auth/verify_keys lists ${jwks.keys.length} signing key(s)` };
  });

  await step('create, enable and list a webhook', async () => {
    hook = await upvest.webhooks.create({ title: 'make demo', url: receiverUrl, type: ['ALL'], config: { delay: '1s', max_package_size: 10240 } });
    const enabled = await upvest.webhooks.update(hook.id, { enabled: true });
    const page = await upvest.webhooks.list({ limit: 10, sort: 'created_at', order: 'DESC' });
    return {
      summary: `created ${hook.id} (enabled: ${hook.enabled} → ${enabled.enabled}); ${page.meta.total_count} webhook(s) listed`,
    };
  });

  await step('send a test delivery and verify it', async () => {
    const arrival = nextDelivery();
    await upvest.webhooks.test(hook.id);
    const batch = await arrival;
    if (!batch.ok) throw Object.assign(new Error(batch.message), { code: batch.code });
    return {
      summary: `verified (key ${batch.keyId.slice(0, 8)}…, v${batch.signatureVersion} base, ${batch.signatureEncoding.toUpperCase()})`,
      details: batch.events.map(describeEvent),
    };
  });

  await step('emit ORDER, POSITION and USER events', async () => {
    if (real) return { skipped: true, summary: 'skipped: only the emulator can emit chosen events' };
    const details = [];
    for (const type of ['ORDER.FILLED', 'POSITION.UPDATED', 'USER.CREATED']) {
      const arrival = verifiedBatch(type);
      await admin('/emulator/events', { type });
      const batch = await arrival;
      details.push(...batch.events.map(describeEvent));
    }
    return { summary: `3 batches delivered and verified`, details };
  });

  await step('rotate the signing key and verify with the new one', async () => {
    if (real) return { skipped: true, summary: "skipped: only the emulator can rotate Upvest's key" };
    const { keyId, previousKeyId } = await admin('/emulator/rotate-key', { graceSeconds: 300 });
    await new Promise((resolve) => setTimeout(resolve, 600)); // past the demo's keysCooldownMs
    const arrival = verifiedBatch('after rotation');
    await admin('/emulator/events', { type: 'ORDER.NEW' });
    const batch = await arrival;
    if (batch.keyId !== keyId) throw new Error(`verified with ${batch.keyId}, expected the new key ${keyId}`);
    return { summary: `key ${previousKeyId.slice(0, 8)}… → ${keyId.slice(0, 8)}…; the verifier refetched the keys and verified ${batch.events[0].type}` };
  });

  await step('send a tampered delivery', async () => {
    // Replay the last signed delivery with one byte of the body changed.
    let request;
    if (real) {
      throw new Error('not available against the sandbox');
    } else {
      const { deliveries } = await admin(`/emulator/deliveries?webhook_id=${hook.id}`);
      request = deliveries.at(-1)?.lastRequest;
    }
    if (!request) throw new Error('no signed delivery to replay');
    const body = request.body.replace(/"type":"([A-Z])/, (_, c) => `"type":"${c === 'X' ? 'Y' : 'X'}`);
    const response = await fetch(receiverUrl, { method: 'POST', headers: request.headers, body });
    const { code } = /** @type {{ code?: string }} */ (await response.json());
    if (response.status !== 400 || code !== 'ERR_DIGEST_MISMATCH') throw new Error(`expected 400 ERR_DIGEST_MISMATCH, got ${response.status} ${code}`);
    received.pop();
    return { summary: `rejected with ${code} (HTTP ${response.status})` };
  });

  await step('delete the webhook', async () => {
    await upvest.webhooks.delete(hook.id);
    const deleted = hook.id;
    hook = undefined;
    return { summary: `deleted ${deleted}` };
  });
} catch {
  exitCode = 1;
} finally {
  if (hook) await upvest.webhooks.delete(hook.id).catch(() => {});
  await closeServer(receiver);
  await emulator?.close();
}

const passed = results.filter((r) => r.ok && !r.skipped).length;
const skipped = results.filter((r) => r.skipped).length;
const verifiedEvents = received.filter((r) => r.ok).reduce((n, r) => n + r.events.length, 0);
console.log(
  exitCode === 0
    ? bold(
        green(
          `demo finished: ${passed} of 7 steps passed${skipped ? `, ${skipped} skipped` : ''}; ${received.filter((r) => r.ok).length} deliveries (${verifiedEvents} events) verified, 1 tampered delivery rejected`,
        ),
      )
    : bold(red(`demo failed at step ${stepNumber}`)),
);
process.exit(exitCode);
