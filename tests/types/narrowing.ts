// Narrowing a WebhookEvent by comparing `type` with a literal, in every form
// users write, and events of types this version does not know. run.test.mjs
// compiles this file with TypeScript 5.9, 6 and 7 and with `deno check`.
import {
  isEventType,
  on,
  signTestDelivery,
  type OrderEvent,
  type OrderEventObject,
  type PositionEventObject,
  type PrivateJwk,
  type UnknownWebhookEvent,
  type UnknownWebhookEventType,
  type UserEvent,
  type UserEventObject,
  type VerifiedDelivery,
  type WebhookEvent,
  type WebhookEventBase,
  type WebhookEventOf,
} from 'upvest-webhooks';
import type * as main from 'upvest-webhooks';
import { unreachable, value, type Equal, type Expect, type Extends } from './assert.js';

const { events } = value<VerifiedDelivery>();
const event = value<WebhookEvent>();

// --- if, and the else branch ---
if (event.type === 'ORDER.FILLED') {
  type _if = Expect<Equal<typeof event, WebhookEventOf<'ORDER.FILLED'>>>;
  const accountId: string = event.object.account_id;
  void accountId;
} else {
  type _else = Expect<Equal<typeof event, Exclude<WebhookEvent, WebhookEventOf<'ORDER.FILLED'>>>>;
  type _elseUnknown = Expect<Extends<UnknownWebhookEvent, typeof event>>;
}
// the literal on the left
if ('POSITION.UPDATED' === event.type) {
  type _left = Expect<Equal<typeof event.object, PositionEventObject>>;
}
// != and !==
if (event.type !== 'ORDER.FILLED') {
  type _ne = Expect<Equal<Extends<WebhookEventOf<'ORDER.FILLED'>, typeof event>, false>>;
} else {
  type _eq = Expect<Equal<typeof event, WebhookEventOf<'ORDER.FILLED'>>>;
}
// the loop variable of the verified events
for (const e of events) {
  if (e.type === 'ORDER.FILLED') {
    const quantity: string = e.object.quantity;
    void quantity;
    // @ts-expect-error a USER field on an ORDER event
    void e.object.first_name;
  }
}

// --- switch ---
function describeEvent(e: WebhookEvent): string {
  switch (e.type) {
    case 'ORDER.FILLED': {
      type _case = Expect<Equal<typeof e, WebhookEventOf<'ORDER.FILLED'>>>;
      return `${e.object.quantity} at ${e.object.executions[0]?.price ?? '?'}`;
    }
    case 'ORDER.NEW':
    case 'ORDER.CANCELLED': {
      type _fallthrough = Expect<Equal<typeof e, WebhookEventOf<'ORDER.NEW' | 'ORDER.CANCELLED'>>>;
      return e.object.status;
    }
    case 'USER.CREATED': {
      type _user = Expect<Equal<typeof e.object, UserEventObject>>;
      return e.id;
    }
    // @ts-expect-error not an event type
    case 'ORDER.FILED':
      return '';
    default: {
      // the other known events and the unknown ones
      type _default = Expect<Extends<UnknownWebhookEvent | WebhookEventOf<'POSITION.UPDATED'>, typeof e>>;
      type _notHandled = Expect<Equal<Extends<WebhookEventOf<'ORDER.FILLED'>, typeof e>, false>>;
      return e.type;
    }
  }
}
void describeEvent;

// switch (true), as some code bases write it
function switchTrue(e: WebhookEvent): string | undefined {
  switch (true) {
    case e.type === 'POSITION.UPDATED':
      return e.object.instrument.isin;
    default:
      return undefined;
  }
}
void switchTrue;

// --- || and && chains ---
if (event.type === 'ORDER.FILLED' || event.type === 'ORDER.CANCELLED') {
  type _or = Expect<Equal<typeof event, WebhookEventOf<'ORDER.FILLED' | 'ORDER.CANCELLED'>>>;
  const status: OrderEventObject['status'] = event.object.status;
  void status;
}
if (event.type === 'ORDER.FILLED' || event.type === 'USER.CREATED') {
  type _mixed = Expect<Equal<typeof event.object, OrderEventObject | UserEventObject>>;
}
if (event.type !== 'ORDER.NEW' && event.type !== 'ORDER.PROCESSING' && event.type.startsWith('ORDER.')) {
  type _and = Expect<Equal<Extends<WebhookEventOf<'ORDER.NEW' | 'ORDER.PROCESSING'>, typeof event>, false>>;
}
const filledQuantity = event.type === 'ORDER.FILLED' && event.object.quantity;
type _andValue = Expect<Equal<typeof filledQuantity, string | false>>;
const ternary = event.type === 'ORDER.FILLED' ? event.object.quantity : null;
type _ternary = Expect<Equal<typeof ternary, string | null>>;

// --- early returns ---
function quantityOf(e: WebhookEvent): string | undefined {
  if (e.type !== 'ORDER.FILLED') return undefined;
  type _rest = Expect<Equal<typeof e, WebhookEventOf<'ORDER.FILLED'>>>;
  return e.object.quantity;
}
void quantityOf;
function orderOnly(e: WebhookEvent): OrderEventObject | undefined {
  if (e.type !== 'ORDER.NEW' && e.type !== 'ORDER.PROCESSING' && e.type !== 'ORDER.FILLED' && e.type !== 'ORDER.CANCELLED') return undefined;
  type _rest = Expect<Equal<typeof e, OrderEvent>>;
  return e.object;
}
void orderOnly;
function throwsUnlessPosition(e: WebhookEvent): PositionEventObject {
  if (e.type !== 'POSITION.UPDATED') throw new Error(`unexpected ${e.type}`);
  return e.object;
}
void throwsUnlessPosition;

// --- destructuring ---
function destructured(e: WebhookEvent): string | undefined {
  const { type, object } = e;
  if (type === 'ORDER.FILLED') {
    type _object = Expect<Equal<typeof object, OrderEventObject>>;
    return object.quantity;
  }
  switch (type) {
    case 'POSITION.UPDATED': {
      type _position = Expect<Equal<typeof object, PositionEventObject>>;
      return object.account_id;
    }
    default:
      return undefined;
  }
}
void destructured;
function destructuredParameter({ type, object }: WebhookEvent): string | undefined {
  if (type === 'USER.CREATED' || type === 'USER.ACTIVATED') {
    type _user = Expect<Equal<typeof object, UserEventObject>>;
    return 'reason' in object ? object.reason : object.first_name;
  }
  return undefined;
}
void destructuredParameter;

// --- a subset of the union narrows too ---
function subset(e: UserEvent | OrderEvent | UnknownWebhookEvent): string | undefined {
  if (e.type === 'ORDER.FILLED') return e.object.quantity;
  if (e.type === 'USER.CREATED') return 'reason' in e.object ? e.object.user_id : e.object.last_name;
  return undefined;
}
void subset;

// --- events of types this version does not know ---
// They are in WebhookEvent: an exhaustive switch over the known types does not
// compile, because such an event would reach `unreachable` at run time.
function exhaustive(e: WebhookEvent): string {
  switch (e.type) {
    case 'ORDER.NEW':
    case 'ORDER.PROCESSING':
    case 'ORDER.FILLED':
    case 'ORDER.CANCELLED':
      return e.object.id;
    default: {
      if (e.type.startsWith('ORDER.')) return 'an ORDER type newer than this version';
      type _rest = Expect<Extends<UnknownWebhookEvent, typeof e>>;
      // @ts-expect-error unknown event types still reach the default branch
      return unreachable(e);
    }
  }
}
void exhaustive;
// A switch over a union of known types (OrderEvent, KnownWebhookEvent) is
// exhaustive: onlyOrders in events.ts.
// An unknown event reads as a string type and a record object.
function logUnknown(e: UnknownWebhookEvent): string {
  const type: string = e.type;
  const object: Record<string, unknown> = e.object;
  return `${type} ${JSON.stringify(object)} ${e.id} ${e.created_at} ${e.webhook_id}`;
}
void logUnknown;
// Its type is not a literal: a known literal does not select it.
type _unknownType = Expect<Equal<Extends<'ORDER.FILLED', UnknownWebhookEventType>, false>>;
type _unknownTypeString = Expect<Extends<UnknownWebhookEventType, `${string}.${string}`>>;
// @ts-expect-error an unknown event has no known type
const notUnknown: UnknownWebhookEvent = value<WebhookEventOf<'ORDER.FILLED'>>();
void notUnknown;

// A type this version does not list: widen to WebhookEventBase to compare with it.
for (const e of events) {
  const any: WebhookEventBase = e;
  if (any.type === 'PORTFOLIO.REBALANCED') {
    const field: unknown = any.object.target_allocation;
    void field;
  }
  // @ts-expect-error without widening, an unlisted literal has no overlap with the known types
  if (e.type === 'PORTFOLIO.REBALANCED') void 0;
}
// An event of an unlisted type, built (in a test) as WebhookEventBase, goes to
// the helpers like any other.
const rebalanced: WebhookEventBase = {
  id: '8b0f0c9c-0000-4000-8000-000000000002',
  created_at: '2030-01-01T00:00:00Z',
  type: 'PORTFOLIO.REBALANCED',
  object: { portfolio_id: 'p' },
  webhook_id: '8b0f0c9c-0000-4000-8000-000000000003',
};
await on([rebalanced, ...events], 'ORDER.FILLED', (e) => {
  type _handler = Expect<Equal<typeof e, WebhookEventOf<'ORDER.FILLED'>>>;
});
if (isEventType(rebalanced, 'ORDER')) {
  type _guarded = Expect<Equal<typeof rebalanced, OrderEvent>>;
}
const mixed: WebhookEventBase[] = [rebalanced, ...events];
const fills = mixed.filter((e) => isEventType(e, 'ORDER.FILLED'));
type _fills = Expect<Equal<typeof fills, WebhookEventOf<'ORDER.FILLED'>[]>>;
signTestDelivery({ privateJwk: value<PrivateJwk>(), url: 'https://tenant.example/hooks', events: [rebalanced] });

// The brand exists in the types only: nothing named after it is exported.
type _brandPrivate = Expect<Equal<Extends<'unknownEventType', keyof typeof main>, false>>;
