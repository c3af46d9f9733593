// The TSDoc examples of index.d.ts and events.d.ts, compiled: they must stay true.
import { WebhookVerifier, isEventType, on, type DeliveryRequest, type Jwks, type WebhookEvent, type WebhookEventOf } from 'upvest-webhooks';
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
