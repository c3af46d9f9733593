// The TSDoc examples of the declarations (pkg/index.d.ts, pkg/types/*.d.ts,
// pkg/events.d.ts) and the README's TypeScript examples, compiled: they must
// stay true.
import {
  ERROR_CODES,
  UpvestError,
  WebhookVerifier,
  isEventType,
  on,
  type DeliveryRequest,
  type ErrorCode,
  type Jwks,
  type OrderEventObject,
  type WebhookEvent,
  type WebhookEventBase,
  type WebhookEventOf,
} from 'upvest-webhooks';
import { value, type Equal, type Expect } from './assert.js';

const jwks = value<Jwks>();
const request = value<DeliveryRequest>();
const req = value<{ url: string; headers: Record<string, string> }>();
const rawBody = value<Uint8Array>();
const fills = value<{ record(id: string, quantity: string): Promise<void> }>();
const audit = value<{ log(...args: unknown[]): void }>();

// @packageDocumentation
{
  const verifier = new WebhookVerifier({ keys: jwks }); // the JSON of GET /auth/verify_keys
  const { events } = await verifier.verify({ method: 'POST', url: req.url, headers: req.headers, body: rawBody });
  await on(events, 'ORDER.FILLED', (event) => console.log(event.object.id, event.object.quantity));
}

// on()
{
  const verifier = new WebhookVerifier({ keys: jwks });
  const { events } = await verifier.verify(request);
  await on(events, 'ORDER.FILLED', async (event) => {
    await fills.record(event.object.id, event.object.quantity);
  });
  await on(events, ['USER', 'ACCOUNT.CLOSED'], (event) => audit.log(event.type, event.id));
}

// isEventType()
{
  const events = value<WebhookEvent[]>();
  const event = value<WebhookEvent>();
  const filled = events.filter((e) => isEventType(e, 'ORDER.FILLED')); // WebhookEventOf<'ORDER.FILLED'>[]
  type _filled = Expect<Equal<typeof filled, WebhookEventOf<'ORDER.FILLED'>[]>>;
  if (isEventType(event, 'ORDER')) void event.object.status; // 'NEW' | 'PROCESSING' | …
}

// WebhookEvent
{
  const events = value<WebhookEvent[]>();
  for (const event of events) {
    if (event.type === 'ORDER.FILLED') console.log(event.object.quantity); // event.object: OrderEventObject
  }
  const event = value<WebhookEvent>();
  const raw: Record<string, unknown> = event.object;
  void raw;
}

// WebhookEventBase
{
  const event = value<WebhookEvent>();
  const handleRebalance = value<(object: Record<string, unknown>) => void>();
  const any: WebhookEventBase = event;
  if (any.type === 'PORTFOLIO.REBALANCED') handleRebalance(any.object); // any.object: Record<string, unknown>
}

// ERROR_CODES
{
  const err = value<unknown>();
  const metrics = value<{ count(code: ErrorCode): void }>();
  if (err instanceof UpvestError && ERROR_CODES.includes(err.code)) metrics.count(err.code); // err.code: ErrorCode
}

// README.md, "### Typed events" (as written there)
{
  const { events } = await new WebhookVerifier({ keys: jwks }).verify(request);
  const handler = value<(event: WebhookEvent) => void>();
  for (const event of events) if (event.type === 'ORDER.FILLED') event.object.quantity; // OrderEventObject
  await on(events, 'ORDER.FILLED', async (event) => { /* one at a time, in order */ }); // resolves to the count
  await on(events, ['USER', 'ACCOUNT.CLOSED'], handler);   // a category means every CATEGORY.* type
  events.filter((e) => isEventType(e, 'ORDER'));           // the same test, synchronous
  for (const event of events) if (event.type === 'ORDER.FILLED') {
    type _object = Expect<Equal<typeof event.object, OrderEventObject>>;
  }
  for (const event of events) {
    const raw: Record<string, unknown> = event.object; // "To read a field a newer API adds, widen first"
    void raw;
  }
}
