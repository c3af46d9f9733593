// UpvestClient: options, webhook operations and their results.
import {
  UpvestClient,
  type WebhookVerifier,
  type CallOptions,
  type CreateWebhookRequest,
  type Jwks,
  type Webhook,
  type WebhookCategory,
  type WebhookList,
  type WebhooksApi,
} from 'upvest-webhooks';
import { value, type Equal, type Expect, type Extends } from './assert.js';

const required = { clientId: 'id', clientSecret: 'secret', keyId: 'key', privateKey: '-----BEGIN PRIVATE KEY-----…' };
const upvest = new UpvestClient(required);
new UpvestClient({
  ...required,
  baseUrl: 'https://api.upvest.co',
  privateKey: { kty: 'EC', crv: 'P-521', d: '', x: '', y: '' },
  privateKeyPassphrase: 'pass',
  scopes: ['webhooks:read'],
  fetch: (request) => fetch(request),
  timeoutMs: 10_000,
  maxRetries: 0,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 1000,
  signatureLifetimeSeconds: 30,
  now: Date.now,
  allowHttpLocalhost: true,
});

// @ts-expect-error clientSecret is required
new UpvestClient({ clientId: 'id', keyId: 'key', privateKey: '' });
// @ts-expect-error maxRetries is a number
new UpvestClient({ ...required, maxRetries: '2' });
// @ts-expect-error unknown option (the option is baseUrl)
new UpvestClient({ ...required, baseURL: 'https://api.upvest.co' });
// @ts-expect-error scopes is an array
new UpvestClient({ ...required, scopes: 'webhooks:read' });

type _webhooks = Expect<Equal<typeof upvest.webhooks, WebhooksApi>>;

// --- results ---
const created = await upvest.webhooks.create({ title: 'Orders', url: 'https://tenant.example/hooks', type: ['ORDER', 'POSITION'] });
type _create = Expect<Equal<typeof created, Webhook>>;
type _update = Expect<Equal<Awaited<ReturnType<WebhooksApi['update']>>, Webhook>>;
type _retrieve = Expect<Equal<Awaited<ReturnType<WebhooksApi['retrieve']>>, Webhook>>;
type _list = Expect<Equal<Awaited<ReturnType<WebhooksApi['list']>>, WebhookList>>;
type _test = Expect<Equal<ReturnType<WebhooksApi['test']>, Promise<void>>>;
type _delete = Expect<Equal<ReturnType<WebhooksApi['delete']>, Promise<void>>>;
type _listAll = Expect<Equal<ReturnType<WebhooksApi['listAll']>, AsyncIterableIterator<Webhook>>>;
type _keys = Expect<Equal<Awaited<ReturnType<UpvestClient['verificationKeys']>>, Jwks>>;
type _verifier = Expect<Equal<ReturnType<UpvestClient['webhookVerifier']>, WebhookVerifier>>;

const page = await upvest.webhooks.list({ limit: 10, offset: 0, sort: 'created_at', order: 'DESC' });
const total: number = page.meta.total_count;
const first: Webhook | undefined = page.data[0];
void [total, first];
for await (const hook of upvest.webhooks.listAll({ pageSize: 50, sort: 'title' })) {
  const enabled: boolean = hook.enabled;
  const categories: WebhookCategory[] = hook.type;
  const delay: string = hook.config.delay;
  void [enabled, categories, delay];
}
const abort = new AbortController();
await upvest.webhooks.update(created.id, { enabled: true }, { signal: abort.signal, idempotencyKey: 'k-1' });
await upvest.webhooks.test(created.id);
await upvest.webhooks.delete(created.id, { signal: AbortSignal.timeout(1000) });
upvest.webhookVerifier({ toleranceSeconds: 60 });

// categories: the documented ones complete, future ones still accepted
type _all = Expect<Extends<'ALL' | 'ORDER' | 'FEE_COLLECTION', WebhookCategory>>;
const future: CreateWebhookRequest = { title: 't', url: 'https://x.example', type: ['SOMETHING_NEW'] };
void future;

// --- misuse ---
// @ts-expect-error title is required
upvest.webhooks.create({ url: 'https://tenant.example/hooks' });
// @ts-expect-error type is an array of categories
upvest.webhooks.create({ title: 't', url: 'https://tenant.example/hooks', type: 'ORDER' });
// @ts-expect-error new webhooks start disabled: `enabled` is not a create field
upvest.webhooks.create({ title: 't', url: 'https://tenant.example/hooks', enabled: true });
// @ts-expect-error config.delay is a string such as "5s"
upvest.webhooks.create({ title: 't', url: 'https://tenant.example/hooks', config: { delay: 5 } });
// @ts-expect-error enabled is a boolean
upvest.webhooks.update('id', { enabled: 'yes' });
// @ts-expect-error update needs an id
upvest.webhooks.update({ enabled: true });
// @ts-expect-error sort by one of the documented fields
upvest.webhooks.list({ sort: 'id' });
// @ts-expect-error order is upper case
upvest.webhooks.list({ order: 'asc' });
// @ts-expect-error listAll pages by pageSize, not limit
upvest.webhooks.listAll({ limit: 10 });
// @ts-expect-error idempotencyKey is a string
upvest.webhooks.test('id', { idempotencyKey: 1 });
// @ts-expect-error the verifier's keys come from the client
upvest.webhookVerifier({ keys: value<Jwks>() });
// @ts-expect-error signal is an AbortSignal
const badOptions: CallOptions = { signal: abort };
void badOptions;
type _readonly = Expect<Extends<{ readonly webhooks: WebhooksApi }, Pick<UpvestClient, 'webhooks'>>>;
