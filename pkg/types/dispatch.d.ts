// Dispatching events by type: on() and isEventType().
import type { SelectedWebhookEvent, WebhookEventBase, WebhookEventSelector } from '../events.js';

/**
 * Calls `handler` for each event that `selector` matches, one at a time and in
 * order: an async handler is awaited before the next event. The handler's
 * parameter is narrowed to the matching events.
 *
 * `selector` is an event type (`'ORDER.FILLED'`), a category (`'ORDER'`: every
 * `ORDER.*` type) or an array of them; an event that several members match is
 * handled once.
 *
 * @example
 * ```ts
 * const { events } = await verifier.verify(request);
 * await on(events, 'ORDER.FILLED', async (event) => {
 *   await fills.record(event.object.id, event.object.quantity);
 * });
 * await on(events, ['USER', 'ACCOUNT.CLOSED'], (event) => audit.log(event.type, event.id));
 * ```
 *
 * @param events - The events, typically {@link VerifiedDelivery.events} (any {@link WebhookEventBase}, also
 *   of types this version does not list). Items that are not events (no string `type`) are skipped.
 * @param selector - Which events to handle. A string from elsewhere (configuration, a queue) must be
 *   checked against the known types first; the run time accepts any type or category.
 * @param handler - Called with each matching event. Its result is awaited.
 * @returns The number of events handled. Rejects with the handler's error, leaving later events
 *   unhandled, or with an {@link UpvestError} `ERR_INVALID_ARGUMENT` for a bad argument.
 * @category Events
 */
export declare function on<Selector extends WebhookEventSelector>(
  events: Iterable<WebhookEventBase>,
  selector: Selector | readonly Selector[],
  handler: (event: SelectedWebhookEvent<Selector>) => unknown,
): Promise<number>;

/**
 * Whether `event` is of a type that `selector` matches: the synchronous test
 * behind {@link on}, usable as a type guard and with `Array.prototype.filter`.
 *
 * @example
 * ```ts
 * const fills = events.filter((e) => isEventType(e, 'ORDER.FILLED'));  // WebhookEventOf<'ORDER.FILLED'>[] (TypeScript ≥ 5.5)
 * if (isEventType(event, 'ORDER')) event.object.status;                 // 'NEW' | 'PROCESSING' | …
 * ```
 *
 * @param event - A {@link WebhookEvent} or any {@link WebhookEventBase} (at run time any value:
 *   `false` unless it is an object with a string `type`).
 * @param selector - An event type, a category or an array of them.
 * @category Events
 */
export declare function isEventType<Selector extends WebhookEventSelector>(
  event: WebhookEventBase,
  selector: Selector | readonly Selector[],
): event is SelectedWebhookEvent<Selector>;
