// Typed events: WebhookEvent narrows on `type`; unknown types still type-check.
import type {
  KnownWebhookEvent,
  OrderEvent,
  OrderEventObject,
  OrderEventType,
  PositionEventObject,
  ReportEventObject,
  SecurityTransactionEventObject,
  UnknownWebhookEvent,
  UnknownWebhookEventType,
  UserCheckEventObject,
  UserEvent,
  UserEventObject,
  VerifiedDelivery,
  WebhookCategory,
  WebhookEvent,
  WebhookEventBase,
  WebhookEventCategory,
  WebhookEventObjectMap,
  WebhookEventOf,
  WebhookEventType,
  WebhookEventTypesByCategory,
} from 'upvest-webhooks';
import { unreachable, value, type Equal, type Expect, type Extends } from './assert.js';

const { events } = value<VerifiedDelivery>();

// --- narrowing by `type` ---
for (const event of events) {
  if (event.type === 'ORDER.FILLED') {
    type _exact = Expect<Equal<typeof event, WebhookEventOf<'ORDER.FILLED'>>>;
    type _object = Expect<Equal<typeof event.object, OrderEventObject>>;
    const quantity: string = event.object.quantity;
    const side: 'BUY' | 'SELL' = event.object.side;
    const status: 'NEW' | 'PROCESSING' | 'FILLED' | 'CANCELLED' = event.object.status;
    const limit: string | undefined = event.object.limit_price; // optional in the schema
    const taxes = event.object.executions[0]?.taxes;
    void [quantity, side, status, limit, taxes];
    // @ts-expect-error a misspelt field
    void event.object.quantty;
    // @ts-expect-error a field of another category (USER)
    void event.object.first_name;
    // @ts-expect-error status is an enum, not any string
    const wrong: 'DONE' = event.object.status;
    void wrong;
    // fields a newer API version adds: widen the closed object type
    const raw: Record<string, unknown> = event.object;
    void raw.new_field;
  } else {
    // @ts-expect-error the else branch excludes ORDER.FILLED
    const notFilled: WebhookEventOf<'ORDER.FILLED'> = event;
    void notFilled;
  }

  switch (event.type) {
    case 'ORDER.NEW':
    case 'ORDER.CANCELLED': {
      type _two = Expect<Equal<typeof event, WebhookEventOf<'ORDER.NEW' | 'ORDER.CANCELLED'>>>;
      const reason = event.object.cancellation_reason;
      type _reason = Expect<
        Equal<
          typeof reason,
          'CANCELLED_BY_CLIENT' | 'CANCELLED_BY_UPVEST_OPERATIONS' | 'CANCELLED_BY_TRADING_PARTNER' | 'CANCELLED_BY_UPVEST_PLATFORM' | undefined
        >
      >;
      break;
    }
    case 'POSITION.UPDATED': {
      type _position = Expect<Equal<typeof event.object, PositionEventObject>>;
      const isin: string | undefined = event.object.instrument.isin;
      void isin;
      break;
    }
    case 'USER.CREATED': {
      // a union of the schema's alternatives (BYOL user, TOL user, offboarding reason)
      type _user = Expect<Equal<typeof event.object, UserEventObject>>;
      if ('reason' in event.object) {
        const reason: string = event.object.reason;
        void reason;
      } else {
        const country: string = event.object.address.country;
        const postal = event.object.postal_address; // nullable and optional
        type _postal = Expect<Extends<null | undefined, typeof postal>>;
        void country;
      }
      break;
    }
    case 'USER_CHECK.PASSED': {
      type _check = Expect<Equal<typeof event.object, UserCheckEventObject>>;
      const status: 'IN_PROGRESS' | 'PASSED' | 'FAILED' | undefined = event.object.status;
      void status;
      break;
    }
    case 'REPORT.CREATED': {
      type _report = Expect<Equal<typeof event.object, ReportEventObject>>;
      const substituted: string | null = event.object.substituted_report_id; // oneOf [nullable uuid]
      void substituted;
      break;
    }
    case 'SECURITY_TRANSACTION.EXECUTED': {
      // additionalProperties: true → an index signature
      type _open = Expect<Extends<SecurityTransactionEventObject, Record<string, unknown>>>;
      const extra: unknown = event.object.anything;
      void extra;
      break;
    }
    case 'ACCOUNT_VALUATION.CREATED': {
      const position = event.object.security_positions?.[0];
      if (position) {
        const value: { amount: string; currency: 'EUR'; price_time: string } | null = position.value; // allOf + nullable
        const weight: string | null = position.weight;
        void [value, weight];
      }
      break;
    }
    default: {
      // every other event, including types this version does not know
      type _unknownHere = Expect<Extends<UnknownWebhookEvent, typeof event>>;
      const type: string = event.type;
      const object: Record<string, unknown> = event.object;
      void [type, object];
    }
  }
}

// --- the unknown fallback (more in narrowing.ts) ---
// an event of a type this version does not list: built as the open WebhookEventBase
const future: WebhookEventBase = {
  id: '8b0f0c9c-0000-4000-8000-000000000000',
  created_at: '2030-01-01T00:00:00Z',
  type: 'SOMETHING_NEW.HAPPENED',
  object: { anything: 1 },
  webhook_id: '8b0f0c9c-0000-4000-8000-000000000001',
};
type _unknownMember = Expect<Extends<UnknownWebhookEvent, WebhookEvent>>;
type _eventType = Expect<Equal<WebhookEvent['type'], WebhookEventType | UnknownWebhookEventType>>;
type _unknownIsString = Expect<Extends<UnknownWebhookEventType, string>>;
type _onlyUnknown = Expect<Equal<Exclude<WebhookEvent, KnownWebhookEvent>, UnknownWebhookEvent>>;
type _extract = Expect<Equal<Extract<WebhookEvent, { type: 'ORDER.FILLED' }>, WebhookEventOf<'ORDER.FILLED'>>>;
if (future.type === 'SOMETHING_NEW.HAPPENED') {
  // comparing with an unlisted type compiles; its object is untyped
  const o: Record<string, unknown> = future.object;
  void o;
}
// @ts-expect-error an unknown event's type is branded: build one as WebhookEventBase
const notBuilt: WebhookEvent = { ...future };
void notBuilt;
// every event, known or not, is a WebhookEventBase (its closed object widens to a record)
type _generic = Expect<Extends<WebhookEvent, WebhookEventBase>>;
type _base = Expect<Extends<KnownWebhookEvent, WebhookEventBase>>;
type _unknownBase = Expect<Extends<UnknownWebhookEvent, WebhookEventBase>>;

// building an event of a known type: the known types check the object
const built: WebhookEventOf<'POSITION.UPDATED'> = {
  id: 'e',
  created_at: '2024-01-01T00:00:00Z',
  type: 'POSITION.UPDATED',
  // @ts-expect-error the object lacks the position fields
  object: { account_id: 'a' },
  webhook_id: 'w',
};
void built;
// @ts-expect-error KnownWebhookEvent only takes the known types
const unknownAsKnown: KnownWebhookEvent = { ...future };
void unknownAsKnown;

// --- the type lists ---
type _order = Expect<Equal<OrderEventType, 'ORDER.NEW' | 'ORDER.PROCESSING' | 'ORDER.FILLED' | 'ORDER.CANCELLED'>>;
type _byCategory = Expect<Equal<WebhookEventTypesByCategory['ORDER'], OrderEventType>>;
type _orderEvent = Expect<Equal<OrderEvent, WebhookEventOf<OrderEventType>>>;
type _userEvent = Expect<
  Equal<UserEvent['type'], `USER.${'CREATED' | 'ACTIVATED' | 'DEACTIVATED' | 'DATA_CHANGED' | 'DATA_CHANGE_FAILED' | 'OFFBOARDING_INITIATED' | 'OFFBOARDED'}`>
>;
type _map = Expect<Equal<keyof WebhookEventObjectMap, WebhookEventType>>;
type _categories = Expect<Equal<keyof WebhookEventTypesByCategory, WebhookEventCategory>>;
type _shape = Expect<Extends<WebhookEventType, `${WebhookEventCategory}.${string}`>>;
type _subscribable = Expect<Extends<WebhookEventCategory, WebhookCategory>>;
type _all = Expect<Equal<Extends<'ALL', WebhookEventCategory>, false>>;
// @ts-expect-error not an event type
const typo: WebhookEventType = 'ORDER.FILED';
void typo;
// @ts-expect-error WebhookEventOf takes known types only
type _bad = WebhookEventOf<'ORDER.FILED'>;

// the known union is exhaustive by category
function categoryOf(event: KnownWebhookEvent): WebhookEventCategory {
  const [category] = event.type.split('.') as [WebhookEventCategory];
  return category;
}
void categoryOf;
function onlyOrders(event: OrderEvent): string {
  switch (event.type) {
    case 'ORDER.NEW':
    case 'ORDER.PROCESSING':
    case 'ORDER.FILLED':
    case 'ORDER.CANCELLED':
      return event.object.id;
    default:
      return unreachable(event);
  }
}
void onlyOrders;
