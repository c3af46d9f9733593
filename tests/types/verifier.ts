// WebhookVerifier: options, verify()/verifyRequest() and their results, inspectDelivery.
import {
  WebhookVerifier,
  inspectDelivery,
  type DeliveryRequest,
  type HeadersInput,
  type Inspection,
  type Jwks,
  type KeysOption,
  type RawBody,
  type VerifiedDelivery,
  type WebhookEvent,
  type WebhookVerifierOptions,
} from 'upvest-webhooks';
import { value, type Equal, type Expect, type Extends } from './assert.js';

const jwks = value<Jwks>();

// --- constructor options ---
new WebhookVerifier({ keys: jwks });
new WebhookVerifier({ keys: 'https://sandbox.upvest.co/auth/verify_keys' });
new WebhookVerifier({ keys: new URL('https://sandbox.upvest.co/auth/verify_keys') });
new WebhookVerifier({ keys: async () => jwks });
new WebhookVerifier({ keys: 'https://sandbox.upvest.co/auth/verify_keys', fetch: globalThis.fetch });
// @ts-expect-error the custom fetch gets the built Request alone, not (url, init)
new WebhookVerifier({ keys: 'https://sandbox.upvest.co/auth/verify_keys', fetch: (url: string, init: RequestInit) => fetch(url, init) });
new WebhookVerifier({ keys: () => JSON.stringify(jwks) });
new WebhookVerifier({
  keys: jwks,
  toleranceSeconds: 60,
  maxAgeSeconds: 120,
  now: () => Date.now(),
  fetch: (request) => fetch(request),
  keysTimeoutMs: 1000,
  keysCooldownMs: 1000,
  keysMaxAgeMs: 60_000,
  label: 'sig1',
  limits: { maxSignatures: 4, maxComponents: 32, maxHeaderBytes: 1024, maxBodyBytes: 1 << 20, maxJwksBytes: 1 << 16 },
});
type _keys = Expect<Equal<WebhookVerifierOptions['keys'], KeysOption>>;

// @ts-expect-error options are required
new WebhookVerifier();
// @ts-expect-error keys is required
new WebhookVerifier({});
// @ts-expect-error toleranceSeconds is a number
new WebhookVerifier({ keys: jwks, toleranceSeconds: '300' });
// @ts-expect-error unknown option (typo of toleranceSeconds)
new WebhookVerifier({ keys: jwks, tolerance: 300 });
// @ts-expect-error unknown limit
new WebhookVerifier({ keys: jwks, limits: { maxBody: 1 } });
// @ts-expect-error a JWK needs kty, crv, x and y
new WebhookVerifier({ keys: { keys: [{ kid: 'a' }] } });
// @ts-expect-error only P-521 keys
new WebhookVerifier({ keys: { keys: [{ kid: 'a', kty: 'EC', crv: 'P-256', x: '', y: '' }] } });
// @ts-expect-error now returns milliseconds, not a Date
new WebhookVerifier({ keys: jwks, now: () => new Date() });
// @ts-expect-error label is a string
new WebhookVerifier({ keys: jwks, label: 1 });

// --- verify ---
const verifier = new WebhookVerifier({ keys: jwks });
const delivery = await verifier.verify({ method: 'POST', url: '/hooks', headers: {}, body: '{"payload":[]}' });
type _verify = Expect<Equal<typeof delivery, VerifiedDelivery>>;
type _verifyRequest = Expect<Equal<ReturnType<WebhookVerifier['verifyRequest']>, Promise<VerifiedDelivery>>>;
type _events = Expect<Equal<VerifiedDelivery['events'], WebhookEvent[]>>;
type _version = Expect<Equal<VerifiedDelivery['signatureVersion'], 6 | 15>>;
type _encoding = Expect<Equal<VerifiedDelivery['signatureEncoding'], 'der' | 'raw'>>;
type _expires = Expect<Equal<VerifiedDelivery['expires'], number | null>>;
const { keyId, label, created }: { keyId: string; label: string; created: number } = delivery;
void [keyId, label, created];

// every documented header and body shape
verifier.verify({ url: 'https://tenant.example/hooks?x=1', headers: new Headers(), body: new Uint8Array() });
verifier.verify({ url: '/hooks', headers: [['content-type', 'application/json']], body: new ArrayBuffer(0) });
verifier.verify({ url: '/hooks', headers: new Map([['signature', ['a', 'b']]]), body: new DataView(new ArrayBuffer(0)) });
verifier.verify({ url: '/hooks', headers: { 'content-length': 2, 'x-multi': ['a', 'b'], absent: undefined }, body: '{}' });
type _headers = Expect<Extends<Headers, HeadersInput>>;
type _body = Expect<Extends<Uint8Array, RawBody>>;
type _method = Expect<Equal<DeliveryRequest['method'], string | undefined>>;

// @ts-expect-error url is required
verifier.verify({ headers: {}, body: '' });
// @ts-expect-error headers are required
verifier.verify({ url: '/hooks', body: '' });
// @ts-expect-error the body must be raw, not parsed JSON
verifier.verify({ url: '/hooks', headers: {}, body: { payload: [] } });
// @ts-expect-error header values are strings (or string arrays)
verifier.verify({ url: '/hooks', headers: { signature: true }, body: '' });
// @ts-expect-error verifyRequest takes a fetch Request
verifier.verifyRequest({ url: '/hooks', headers: {}, body: '' });
// @ts-expect-error verify is async: the result is a promise
const notAwaited: VerifiedDelivery = verifier.verify({ url: '/hooks', headers: {}, body: '' });
void notAwaited;
verifier.free();

// --- inspectDelivery ---
const inspection = inspectDelivery({ url: '/hooks', headers: {}, body: '' }, { keys: jwks, toleranceSeconds: 30 });
type _inspection = Expect<Equal<typeof inspection, Inspection>>;
type _status = Expect<Equal<Inspection['steps'][number]['status'], 'pass' | 'fail' | 'skip'>>;
// @ts-expect-error inspectDelivery is synchronous: keys must be a JWKS object, not a URL
inspectDelivery({ url: '/hooks', headers: {}, body: '' }, { keys: 'https://sandbox.upvest.co/auth/verify_keys' });
// @ts-expect-error no fetching in inspectDelivery
inspectDelivery({ url: '/hooks', headers: {}, body: '' }, { keys: jwks, keysTimeoutMs: 5 });
