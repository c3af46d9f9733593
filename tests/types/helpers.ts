// The test helpers: generateTestKeyPair and signTestDelivery.
import {
  generateTestKeyPair,
  signTestDelivery,
  WebhookVerifier,
  type PrivateJwk,
  type TestDelivery,
  type TestKeyPair,
  type WebhookEventOf,
} from 'upvest-webhooks';
import type { Equal, Expect } from './assert.js';

const pair = generateTestKeyPair({ kid: 'test-key' });
type _pair = Expect<Equal<typeof pair, TestKeyPair>>;
type _private = Expect<Equal<typeof pair.privateJwk, PrivateJwk>>;
generateTestKeyPair();
// @ts-expect-error kid is a string
generateTestKeyPair({ kid: 1 });

declare const filled: WebhookEventOf<'ORDER.FILLED'>;
const delivery = signTestDelivery({
  privateJwk: pair.privateJwk,
  url: 'https://tenant.example/hooks',
  events: [filled],
  created: 1_700_000_000,
  expires: null,
});
type _delivery = Expect<Equal<typeof delivery, TestDelivery>>;
type _method = Expect<Equal<TestDelivery['method'], 'POST'>>;
signTestDelivery({ privateJwk: pair.privateJwk, url: '/hooks', body: new Uint8Array(0) });

// a TestDelivery is a DeliveryRequest
await new WebhookVerifier({ keys: pair.jwks }).verify(delivery);

// @ts-expect-error url is required
signTestDelivery({ privateJwk: pair.privateJwk, events: [] });
// @ts-expect-error a private JWK, not the key set
signTestDelivery({ privateJwk: pair.jwks, url: '/hooks' });
// @ts-expect-error created is UNIX seconds, not a Date
signTestDelivery({ privateJwk: pair.privateJwk, url: '/hooks', created: new Date() });
