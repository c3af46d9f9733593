// `make demo`: a signed delivery travels over HTTP to a receiver that
// verifies it with WebhookVerifier (keys fetched from a JWKS endpoint), and
// the verified events are printed. A tampered copy is then rejected.
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const consumer = new URL('../target/consumer/entry.mjs', import.meta.url);
const { WebhookVerifier, WebhookVerificationError, generateTestKeyPair, signTestDelivery } = await import(pathToFileURL(consumer.pathname).href);

const bold = (s) => `\x1b[1m${s}\x1b[0m`;
const ok = (s) => console.log(`  \x1b[32m✔\x1b[0m ${s}`);
const bad = (s) => console.log(`  \x1b[31m✘\x1b[0m ${s}`);

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)));

// 1. A key pair standing in for Upvest's, published like GET /auth/verify_keys.
const { jwks, privateJwk } = generateTestKeyPair({ kid: '9ed77463-c18e-4794-ab5c-17423f9b801a' });
const keysServer = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(jwks));
});
const keysUrl = `${await listen(keysServer)}/auth/verify_keys`;

// 2. The tenant's webhook receiver: raw body in, verified events out.
const verifier = new WebhookVerifier({ keys: keysUrl });
const receiver = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  try {
    const { events, keyId, signatureVersion } = await verifier.verify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
    ok(`receiver verified ${events.length} events (key ${keyId.slice(0, 8)}…, v${signatureVersion} base)`);
    for (const e of events) console.log(`      ${e.type.padEnd(20)} ${e.id}  ${JSON.stringify(e.object).slice(0, 70)}`);
    res.writeHead(200).end();
  } catch (err) {
    if (!(err instanceof WebhookVerificationError)) throw err;
    bad(`receiver rejected the delivery: ${err.code}: ${err.message}`);
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: err.code }));
  }
});
const receiverUrl = `${await listen(receiver)}/webhooks/upvest`;

// 3. A delivery signed as Upvest signs them (v6 base, ECDSA P-521/SHA-512, DER).
const webhookId = '9df39835-be87-4243-9018-f2500b39cee6';
const events = [
  { id: '8962b496-8d42-4560-bfab-10490dd1a724', created_at: '2021-07-21T14:10:00.00Z', type: 'POSITION.UPDATED', object: { account_id: 'c5161455-4d27-4781-bc74-f05532e49a77', instrument: { isin: 'US0378331005' }, quantity: '10.4' }, webhook_id: webhookId },
  { id: 'b2b1c3c4-1f2e-4d5c-9a8b-7c6d5e4f3a21', created_at: '2021-07-21T14:10:01.00Z', type: 'ORDER.FILLED', object: { id: '0d7f6a4c-4a3b-4c1d-8e2f-3a4b5c6d7e8f', side: 'BUY', quantity: '10.4', status: 'FILLED' }, webhook_id: webhookId },
];
const delivery = signTestDelivery({ privateJwk, url: receiverUrl, events });

console.log(bold('upvest-webhooks demo'));
console.log(`  keys at ${keysUrl}, receiver at ${receiverUrl}`);
let failures = 0;

let response = await fetch(delivery.url, { method: 'POST', headers: delivery.headers, body: delivery.body });
if (response.status !== 200) failures++;

// 4. The same delivery with one byte changed in transit.
const tampered = delivery.body.replace('"10.4"', '"99.4"');
response = await fetch(delivery.url, { method: 'POST', headers: delivery.headers, body: tampered });
const { code } = await response.json();
if (code === 'ERR_DIGEST_MISMATCH') ok('tampered delivery rejected as expected'); else failures++;

keysServer.close();
receiver.close();
console.log(failures === 0 ? bold('demo finished: 1 delivery verified, 1 tampered delivery rejected') : bold(`demo FAILED (${failures})`));
process.exit(failures === 0 ? 0 : 1);
