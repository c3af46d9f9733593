// on() and isEventType(): the handler's event is narrowed by the selector.
import {
  isEventType,
  on,
  type OrderEvent,
  type SelectedWebhookEvent,
  type UserEvent,
  type WebhookEvent,
  type WebhookEventOf,
  type WebhookEventSelector,
} from 'upvest-webhooks';
import { value, type Equal, type Expect } from './assert.js';

const events = value<WebhookEvent[]>();

const handled = await on(events, 'ORDER.FILLED', (event) => {
  type _event = Expect<Equal<typeof event, WebhookEventOf<'ORDER.FILLED'>>>;
  const quantity: string = event.object.quantity;
  void quantity;
});
type _count = Expect<Equal<typeof handled, number>>;
type _promise = Expect<Equal<ReturnType<typeof on>, Promise<number>>>;

// a category: every CATEGORY.* type
await on(events, 'ORDER', async (event) => {
  type _event = Expect<Equal<typeof event, OrderEvent>>;
  await Promise.resolve(event.object.status);
});
// an array of types and categories
await on(events, ['ORDER.FILLED', 'USER'], (event) => {
  type _event = Expect<Equal<typeof event, WebhookEventOf<'ORDER.FILLED'> | UserEvent>>;
  if (event.type === 'ORDER.FILLED') void event.object.quantity;
});
const selectors = ['ORDER.NEW', 'ORDER.CANCELLED'] as const;
await on(events, selectors, (event) => {
  type _event = Expect<Equal<typeof event, WebhookEventOf<'ORDER.NEW' | 'ORDER.CANCELLED'>>>;
});
// any iterable of events; handlers may return anything
await on(new Set(events), 'POSITION.UPDATED', (event) => event.object.account_id);
// a handler declared separately, for the exact type
const onFilled = (event: WebhookEventOf<'ORDER.FILLED'>): Promise<void> => Promise.resolve(void event);
await on(events, 'ORDER.FILLED', onFilled);
// a handler for a wider type is fine
await on(events, 'ORDER.FILLED', (event: WebhookEvent) => event.id);
type _selected = Expect<Equal<SelectedWebhookEvent<'ORDER'>, OrderEvent>>;

// @ts-expect-error an event type that does not exist
on(events, 'ORDER.FILED', () => {});
// @ts-expect-error categories are upper case
on(events, 'order', () => {});
// @ts-expect-error ALL is a subscription category, not an event category
on(events, 'ALL', () => {});
// @ts-expect-error one unknown type in the array
on(events, ['ORDER.FILLED', 'ORDER.FILED'], () => {});
// @ts-expect-error the handler's event is ORDER.FILLED, not USER.CREATED
on(events, 'ORDER.FILLED', (event: WebhookEventOf<'USER.CREATED'>) => void event);
// @ts-expect-error a field of another category
on(events, 'ORDER.FILLED', (event) => event.object.first_name);
// @ts-expect-error events must be webhook events
on([1, 2, 3], 'ORDER', () => {});
// @ts-expect-error the handler is required
on(events, 'ORDER');
// @ts-expect-error a string selector, not a RegExp
on(events, /ORDER/, () => {});
const dynamic = value<string>();
// @ts-expect-error a plain string is not a selector: check it first
on(events, dynamic, () => {});
const checked = value<WebhookEventSelector>();
await on(events, checked, (event) => {
  type _event = Expect<Equal<typeof event, SelectedWebhookEvent<WebhookEventSelector>>>;
});

// --- isEventType ---
const fills = events.filter((event) => isEventType(event, 'ORDER.FILLED'));
type _fills = Expect<Equal<typeof fills, WebhookEventOf<'ORDER.FILLED'>[]>>;
for (const event of events) {
  if (isEventType(event, ['ORDER', 'USER.CREATED'])) {
    type _event = Expect<Equal<typeof event, OrderEvent | WebhookEventOf<'USER.CREATED'>>>;
  }
}
// @ts-expect-error an event type that does not exist
isEventType(events[0]!, 'USER.CREATE');
