// The API client's cost of signing one request: `upvest.webhooks.list()`
// against an injected fetch that answers at once with a canned Response
// (the OAuth token is fetched by a first call and then cached), next to
// node:crypto signing a base of the same size, interleaved batch by batch.

import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { interleaved, ratio, summarize } from '../lib/stats.mjs';

const BASE_URL = 'https://sandbox.upvest.example';

const WEBHOOK = {
  id: '9df39835-be87-4243-9018-f2500b39cee6',
  created_at: '2025-01-02T03:04:05Z',
  updated_at: '2025-01-02T03:04:05Z',
  title: 'Orders',
  url: 'https://tenant.example/upvest/webhooks',
  enabled: true,
  type: ['ORDER'],
  config: { delay: '5s', max_package_size: 10240 },
};

/** `fetch(input, init)` as `{ url, method, headers }` (lower-case names): the client passes one `Request`. */
function sent(input, init = {}) {
  if (input instanceof Request) return { url: input.url, method: input.method, headers: Object.fromEntries(input.headers) };
  const headers = Object.fromEntries(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return { url: String(input), method: init.method ?? 'GET', headers };
}

/** Rebuilds the quoted (v15) signature base of a signed request from its headers. */
function quotedBase({ url, method, headers }) {
  const params = /^sig1=(.*)$/.exec(headers['signature-input'])[1];
  const components = [.../^\(([^)]*)\)/.exec(params)[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  const target = new URL(url);
  const value = (name) => {
    if (name === '@method') return method;
    if (name === '@path') return target.pathname;
    if (name === '@query') return target.search;
    return headers[name];
  };
  return [...components.map((n) => `"${n}": ${value(n)}`), `"@signature-params": ${params}`].join('\n');
}

export async function benchClient({ pkg, ops, warmupOps, batch }) {
  // PEM out of the generation, then KeyObjects of its own: Node 20 can deadlock when a GC during the use of a
  // KeyObject straight from generateKeyPairSync finalises the generation job (see tests/js/support/upvest-signer.mjs).
  const { privateKey: pem } = generateKeyPairSync('ec', {
    namedCurve: 'P-521',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const tokenBody = JSON.stringify({
    access_token: 'bench-access-token-0123456789abcdef',
    expires_in: 3600,
    token_type: 'bearer',
    scope: 'webhooks:read webhooks:admin',
  });
  const listBody = JSON.stringify({ meta: { offset: 0, limit: 100, count: 1, total_count: 1, sort: 'created_at', order: 'ASC' }, data: [WEBHOOK] });
  const json = { 'content-type': 'application/json' };
  let tokenCalls = 0;
  let lastList;
  const fetch = async (input, init) => {
    const request = sent(input, init);
    if (request.url.endsWith('/auth/token')) {
      tokenCalls++;
      return new Response(tokenBody, { status: 200, headers: json });
    }
    lastList = request;
    return new Response(listBody, { status: 200, headers: json });
  };
  const upvest = new pkg.UpvestClient({
    baseUrl: BASE_URL,
    clientId: '5ec16164-6173-461d-b90d-116d68f55b40',
    clientSecret: 'bench-client-secret',
    keyId: 'bench-key-id',
    privateKey: pem,
    fetch,
  });

  // First call fetches the token; check the request signature independently.
  const first = await upvest.webhooks.list();
  if (first?.data?.[0]?.id !== WEBHOOK.id) throw new Error('list() returned an unexpected page');
  const base = Buffer.from(quotedBase(lastList), 'utf8');
  const signature = Buffer.from(/^sig1=:([A-Za-z0-9+/=]+):$/.exec(lastList.headers.signature)[1], 'base64');
  const dsaEncoding = signature.length === 132 ? 'ieee-p1363' : 'der';
  if (!nodeVerify('sha512', base, { key: publicKey, dsaEncoding }, signature)) {
    throw new Error('the client signature does not verify over the rebuilt base');
  }

  // Every call signs afresh (new created/nonce): two calls, two signatures.
  await upvest.webhooks.list();
  const again = lastList.headers.signature;
  await upvest.webhooks.list();
  if (lastList.headers.signature === again) throw new Error('list() reused a signature');

  // The same-size reference: node:crypto signs that base with a KeyObject made once.
  // `cannedFetch` is the stub alone (what list() spends outside the package besides signing).
  const candidates = {
    list: () => upvest.webhooks.list(),
    nodeSign: () => nodeSign('sha512', base, privateKey),
    cannedFetch: async () => (await fetch(`${BASE_URL}/webhooks`, {})).arrayBuffer(),
  };
  for (let i = 0; i < warmupOps; i++) {
    await candidates.list();
    await candidates.nodeSign();
    await candidates.cannedFetch();
  }
  const samples = await interleaved(candidates, ops, batch);
  const tokenFetches = tokenCalls;
  upvest.free();
  const stats = { list: summarize(samples.list), nodeSign: summarize(samples.nodeSign), cannedFetch: summarize(samples.cannedFetch) };
  return {
    unit: 'ms per call',
    request: `GET /webhooks, ${base.length}-byte v15 base, ${dsaEncoding === 'der' ? 'DER' : 'raw'} signature`,
    baseBytes: base.length,
    tokenFetches,
    stats,
    ratios: { listToNodeSign: { median: ratio(stats.list.median, stats.nodeSign.median), p99: ratio(stats.list.p99, stats.nodeSign.p99) } },
  };
}
