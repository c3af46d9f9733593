// Typed webhook events: the generated pkg/events.d.ts (no drift from the
// generator and the OpenAPI YAML; the translation rules on small schemas) and
// the runtime of `on()` / `isEventType()` in the installed package.
// The type-level behaviour (narrowing) is pinned by tests/types/.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildEventTypes, findOpenApi, pascalCase } from '../../scripts/gen-event-types.mjs';
import { consumerDir, pkg } from './support/package.mjs';

const { on, isEventType, UpvestError, WebhookVerifier, generateTestKeyPair, signTestDelivery } = pkg;
const EVENTS_D_TS = new URL('../../pkg/events.d.ts', import.meta.url);
const SAMPLES = JSON.parse(readFileSync(new URL('../../pkg/emulator/sample-events.json', import.meta.url), 'utf8'));

/** The keys of `WebhookEventObjectMap` in a generated events.d.ts. */
function objectMapKeys(text) {
  const body = /export interface WebhookEventObjectMap \{\n([^}]*)\}/.exec(text)?.[1] ?? '';
  return [...body.matchAll(/^ {2}'([^']+)': (\w+);$/gm)].map((m) => ({ type: m[1], object: m[2] }));
}

/** A minimal OpenAPI document with one x-webhooks callback per `[category, types, objectSchemaYaml]`. */
function openApi(callbacks) {
  let out = 'openapi: 3.0.3\ninfo:\n  title: Test API\n  version: 0.0.1\nx-webhooks:\n';
  for (const [category, types, objectYaml] of callbacks) {
    out += `  ${category} events:\n    post:\n      operationId: ${category.toLowerCase()}_event\n      summary: ${category} events\n`;
    out += '      requestBody:\n        content:\n          application/json:\n            schema:\n              type: object\n              properties:\n';
    out += '                id:\n                  type: string\n                  format: uuid\n                  description: Event unique identifier\n';
    out += '                created_at:\n                  type: string\n                  format: date-time\n';
    out += `                type:\n                  type: string\n                  enum:\n${types.map((t) => `                  - ${t}\n`).join('')}`;
    out += '                object:\n';
    out += objectYaml
      .trim()
      .split('\n')
      .map((l) => `                  ${l}\n`)
      .join('');
    out += '                webhook_id:\n                  type: string\n                  format: uuid\n';
    out +=
      '              required:\n              - id\n              - created_at\n              - type\n              - object\n              - webhook_id\n';
  }
  return out;
}

/** The text of `export type <Name>EventObject = …;` in a generated file, with its TSDoc. */
function objectType(text, name) {
  const start = text.indexOf(`export type ${name}EventObject =`);
  assert.notEqual(start, -1, `no ${name}EventObject`);
  const end = text.indexOf('\n// ---', start);
  return text.slice(text.lastIndexOf('/**', start), end === -1 ? undefined : end); // with its TSDoc
}

describe('generated event types (scripts/gen-event-types.mjs → pkg/events.d.ts)', () => {
  const yamlPath = findOpenApi();
  test('pkg/events.d.ts is what the generator makes from the OpenAPI YAML (no drift)', () => {
    assert.ok(yamlPath, 'the OpenAPI YAML is missing: vendor/upvest/openapi-webhooks-1.9.0.yaml (or $UPVEST_OPENAPI)');
    const { text } = buildEventTypes(readFileSync(yamlPath, 'utf8'));
    assert.ok(text === readFileSync(EVENTS_D_TS, 'utf8'), 'pkg/events.d.ts is out of date: run `node scripts/gen-event-types.mjs`');
  });

  test('the installed package ships pkg/events.d.ts unchanged (else run `make consumer`)', () => {
    const installed = new URL('node_modules/upvest-webhooks/events.d.ts', `file://${consumerDir}`);
    assert.ok(existsSync(installed), 'events.d.ts is missing from the installed package (package.json "files")');
    assert.ok(
      readFileSync(installed, 'utf8') === readFileSync(EVENTS_D_TS, 'utf8'),
      'the installed events.d.ts differs from pkg/events.d.ts: run `make consumer`',
    );
  });

  test("67 event types in 24 categories: the same list as the emulator's sample-events.json", () => {
    const entries = objectMapKeys(readFileSync(EVENTS_D_TS, 'utf8'));
    const expected = Object.values(SAMPLES.categories).flatMap((c) => c.eventTypes);
    assert.equal(entries.length, 67);
    assert.deepEqual(
      entries.map((e) => e.type),
      expected,
    );
    assert.equal(new Set(entries.map((e) => e.object)).size, 24);
    for (const { type, object } of entries) assert.equal(object, `${pascalCase(type.split('.')[0])}EventObject`);
  });

  test('pascalCase: category names to type names', () => {
    assert.equal(pascalCase('ORDER'), 'Order');
    assert.equal(pascalCase('USER_CHECK'), 'UserCheck');
    assert.equal(pascalCase('INTRADAY_ACCOUNT_VALUATION'), 'IntradayAccountValuation');
  });

  test('translation: properties, required vs optional, enums, nullable, arrays, nested objects, TSDoc', () => {
    const { text, eventTypes, categories } = buildEventTypes(
      openApi([
        [
          'THING',
          ['THING.CREATED', 'THING.GONE'],
          `
title: Thing
type: object
properties:
  id:
    type: string
    format: uuid
    description: Thing id. Closes */ comments and mentions @tags.
  kind:
    type: string
    description: "Kind.\\n* (empty string) - \\n* BIG - A big one"
    enum:
    - ''
    - BIG
    default: ''
  count:
    type: integer
    minimum: 1
  tags:
    type: array
    items:
      type: string
      pattern: ^[a-z]+$
  owner:
    type: object
    properties:
      name:
        type: string
        maxLength: 10
    required:
    - name
    additionalProperties: false
  note:
    type: string
    nullable: true
required:
- id
- kind
additionalProperties: false
`,
        ],
      ]),
    );
    assert.deepEqual(eventTypes, ['THING.CREATED', 'THING.GONE']);
    assert.deepEqual(categories, [{ category: 'THING', name: 'Thing', types: ['THING.CREATED', 'THING.GONE'] }]);
    assert.match(text, /^export type ThingEventType = 'THING\.CREATED' \| 'THING\.GONE';$/m);
    assert.match(text, /^export type ThingEvent = WebhookEventOf<ThingEventType>;$/m);
    assert.match(text, /^ {2}'THING\.GONE': ThingEventObject;$/m);
    const obj = objectType(text, 'Thing');
    assert.match(obj, /^ {2}id: string;$/m);
    assert.match(obj, /^ {2}kind: '' \| 'BIG';$/m);
    assert.match(obj, /^ {2}count\?: number;$/m);
    assert.match(obj, /^ {2}tags\?: string\[\];$/m);
    assert.match(obj, /^ {2}owner\?: \{\n(?: {4}.*\n)* {4}name: string;\n {2}\};$/m);
    assert.match(obj, /^ {2}note\?: string \| null;$/m);
    assert.doesNotMatch(obj, /\[field: string\]/, 'closed object');
    // TSDoc: description (escaped), format, limits, default, enum lists as Markdown
    assert.match(obj, /Thing id\. Closes \*\\\/ comments and mentions \\@tags\./);
    assert.match(obj, /Format `uuid`: a UUID\./);
    assert.match(obj, /- `''` \(empty string\)\n\s+\* - `BIG`: A big one/);
    assert.match(obj, /@defaultValue `''`/);
    assert.match(obj, /Minimum 1\./);
    assert.match(obj, /At most 10 characters\./);
    assert.match(obj, /Pattern: `\^\[a-z\]\+\$`/);
    assert.match(obj, /The `object` of `THING\.\*` events \(Thing\)\./);
  });

  test('translation: allOf merged, oneOf/anyOf as unions, additionalProperties as an index signature', () => {
    const { text } = buildEventTypes(
      openApi([
        [
          'MIX',
          ['MIX.DONE'],
          `
type: object
properties:
  amount:
    allOf:
    - type: string
      pattern: ^[0-9]+$
    - description: The amount.
  value:
    nullable: true
    allOf:
    - type: object
      properties:
        amount:
          type: string
      required:
      - amount
      additionalProperties: false
    - nullable: true
  ref:
    description: A reference.
    oneOf:
    - type: string
      format: uuid
      nullable: true
  instrument_id:
    oneOf:
    - title: ISIN
      type: string
    - title: UUID
      type: string
      format: uuid
  extra:
    type: object
    properties:
      a:
        type: boolean
    additionalProperties: true
required:
- amount
- value
- ref
additionalProperties: false
`,
        ],
        [
          'SHAPE',
          ['SHAPE.DRAWN'],
          `
oneOf:
- anyOf:
  - title: Circle
    type: object
    properties:
      r:
        type: number
    required:
    - r
  - title: Square
    type: object
    properties:
      side:
        type: number
    required:
    - side
- title: Nothing
  type: object
  properties:
    reason:
      type: string
`,
        ],
      ]),
    );
    const mix = objectType(text, 'Mix');
    assert.match(mix, /The amount\.\n(?:.*\n)*? {2}amount: string;/);
    assert.match(mix, /^ {2}value: \{\n {4}amount: string;\n {2}\} \| null;$/m);
    assert.match(mix, /A reference\.(?:.*\n)*? {2}ref: string \| null;/);
    assert.match(mix, /One of:\n(?:.*\n)*?.*- ISIN\.\n.*- UUID\. Format `uuid`: a UUID\./);
    assert.match(mix, /^ {2}instrument_id\?: string;$/m);
    assert.match(mix, /^ {4}\[field: string\]: unknown;$/m);
    const shape = objectType(text, 'Shape');
    assert.match(shape, /One of: Circle; Square; Nothing\./);
    assert.match(shape, /\/\*\* Circle \*\/\n {2}\| \{\n {6}r: number;\n {4}\}\n/);
    assert.match(shape, /\/\*\* Nothing \*\/\n {2}\| \{\n {6}reason\?: string;\n {4}\};/);
  });

  test('refuses what it cannot translate faithfully', () => {
    const bad =
      (objectYaml, types = ['X.Y']) =>
      () =>
        buildEventTypes(openApi([['X', types, objectYaml]]));
    assert.throws(bad('type: object\ndiscriminator:\n  propertyName: kind\nproperties: {}'), /unsupported keyword discriminator/);
    assert.throws(bad('type: object\nproperties:\n  a:\n    not:\n      type: string'), /unsupported keyword not/);
    assert.throws(bad('type: object\nproperties:\n  a:\n    $ref: https://example.com/schema'), /unsupported \$ref/);
    assert.throws(bad('type: object\nproperties:\n  a:\n    type: string\nrequired:\n- b'), /required property b is not defined/);
    assert.throws(bad('type: object', ['X.Y', 'Z.W']), /Z\.W is not X\.ACTION/);
    assert.throws(bad('type: object', ['lower.case']), /is not/);
    assert.throws(bad('type: object\nproperties:\n  a:\n    allOf:\n    - type: string\n    - type: integer'), /allOf parts of types string and integer/);
    assert.throws(() => buildEventTypes('openapi: 3.0.3\ninfo:\n  title: T\n  version: 1\n'), /no x-webhooks section/);
  });

  test('local $refs are followed', () => {
    const yaml = `${openApi([['R', ['R.X'], "$ref: '#/components/schemas/Thing'"]])}components:\n  schemas:\n    Thing:\n      title: Referenced thing\n      type: object\n      properties:\n        n:\n          type: integer\n      required:\n      - n\n      additionalProperties: false\n`;
    const obj = objectType(buildEventTypes(yaml).text, 'R');
    assert.match(obj, /\(Referenced thing\)/);
    assert.match(obj, /^ {2}n: number;$/m);
  });
});

// ---------------------------------------------------------------------------

const ev = (type, extra = {}) => ({
  id: `evt-${type}-${extra.n ?? 0}`,
  created_at: '2024-01-01T00:00:00Z',
  type,
  object: { id: `obj-${extra.n ?? 0}`, status: type.split('.')[1] },
  webhook_id: 'hook-1',
});
const EVENTS = [
  ev('ORDER.NEW', { n: 1 }),
  ev('ORDER_CANCELLATION.REJECTED', { n: 2 }),
  ev('USER.CREATED', { n: 3 }),
  ev('ORDER.FILLED', { n: 4 }),
  ev('SOMETHING_NEW.HAPPENED', { n: 5 }),
  ev('ORDER.FILLED', { n: 6 }),
];
const ids = (list) => list.map((e) => e.id);

/** Asserts that `promise` rejects with an UpvestError ERR_INVALID_ARGUMENT whose message matches. */
async function rejectsInvalid(promise, message) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof UpvestError, `expected an UpvestError, got ${err}`);
    assert.equal(err.code, 'ERR_INVALID_ARGUMENT');
    assert.match(err.message, message);
    return true;
  });
}

describe('on(events, selector, handler)', () => {
  test('is exported by the package, next to isEventType', () => {
    assert.equal(typeof on, 'function');
    assert.equal(typeof isEventType, 'function');
  });

  test('an event type: calls the handler for each matching event, in order; resolves to the count', async () => {
    const seen = [];
    const count = await on(EVENTS, 'ORDER.FILLED', (e) => seen.push(e));
    assert.equal(count, 2);
    assert.deepEqual(ids(seen), ['evt-ORDER.FILLED-4', 'evt-ORDER.FILLED-6']);
    assert.equal(seen[0], EVENTS[3], 'the event object itself, not a copy');
  });

  test('a category: every CATEGORY.* type, but not a longer category (ORDER is not ORDER_CANCELLATION)', async () => {
    const seen = [];
    assert.equal(await on(EVENTS, 'ORDER', (e) => seen.push(e.type)), 3);
    assert.deepEqual(seen, ['ORDER.NEW', 'ORDER.FILLED', 'ORDER.FILLED']);
    const cancellations = [];
    await on(EVENTS, 'ORDER_CANCELLATION', (e) => cancellations.push(e.type));
    assert.deepEqual(cancellations, ['ORDER_CANCELLATION.REJECTED']);
  });

  test("an array of types and categories: each matching event once, in the events' order", async () => {
    const seen = [];
    const count = await on(EVENTS, ['USER', 'ORDER.FILLED', 'ORDER', 'USER.CREATED'], (e) => seen.push(e.id));
    assert.equal(count, 4);
    assert.deepEqual(seen, ['evt-ORDER.NEW-1', 'evt-USER.CREATED-3', 'evt-ORDER.FILLED-4', 'evt-ORDER.FILLED-6']);
  });

  test('types this version does not know match at run time too', async () => {
    const seen = [];
    assert.equal(await on(EVENTS, 'SOMETHING_NEW', (e) => seen.push(e.type)), 1);
    assert.deepEqual(seen, ['SOMETHING_NEW.HAPPENED']);
  });

  test('no match: resolves to 0 without calling the handler', async () => {
    assert.equal(await on(EVENTS, 'FEE_COLLECTION', () => assert.fail('called')), 0);
    assert.equal(await on([], 'ORDER', () => assert.fail('called')), 0);
  });

  test('awaits each async handler before the next event (no overlap, in order)', async () => {
    const log = [];
    let running = 0;
    const count = await on(EVENTS, 'ORDER', async (e) => {
      running += 1;
      assert.equal(running, 1, 'handlers overlap');
      log.push(`start ${e.id}`);
      await sleep(e.id.endsWith('1') ? 20 : 1);
      log.push(`end ${e.id}`);
      running -= 1;
    });
    assert.equal(count, 3);
    assert.deepEqual(log, [
      'start evt-ORDER.NEW-1',
      'end evt-ORDER.NEW-1',
      'start evt-ORDER.FILLED-4',
      'end evt-ORDER.FILLED-4',
      'start evt-ORDER.FILLED-6',
      'end evt-ORDER.FILLED-6',
    ]);
  });

  test('returns a promise even for synchronous handlers, and does not call the handler synchronously', async () => {
    const seen = [];
    const promise = on(EVENTS, 'USER.CREATED', (e) => seen.push(e.id));
    assert.ok(promise instanceof Promise);
    assert.equal(await promise, 1);
    assert.deepEqual(seen, ['evt-USER.CREATED-3']);
  });

  test('a handler that throws or rejects: the promise rejects with that error; later events are not handled', async () => {
    const boom = new Error('boom');
    const seen = [];
    await assert.rejects(
      on(EVENTS, 'ORDER', (e) => {
        seen.push(e.id);
        if (e.id === 'evt-ORDER.FILLED-4') throw boom;
      }),
      (err) => err === boom,
    );
    assert.deepEqual(seen, ['evt-ORDER.NEW-1', 'evt-ORDER.FILLED-4']);
    const asyncSeen = [];
    await assert.rejects(
      on(EVENTS, 'ORDER', async (e) => {
        asyncSeen.push(e.id);
        await sleep(1);
        throw boom;
      }),
      (err) => err === boom,
    );
    assert.deepEqual(asyncSeen, ['evt-ORDER.NEW-1']);
  });

  test('any iterable of events (Set, generator); items that are not events are skipped', async () => {
    const seen = [];
    assert.equal(await on(new Set(EVENTS), 'USER', (e) => seen.push(e.id)), 1);
    function* generate() {
      yield null;
      yield 42;
      yield { type: 7 };
      yield { object: {} };
      yield EVENTS[3];
    }
    assert.equal(await on(generate(), 'ORDER', (e) => seen.push(e.id)), 1);
    assert.deepEqual(seen, ['evt-USER.CREATED-3', 'evt-ORDER.FILLED-4']);
  });

  test('bad arguments reject with UpvestError ERR_INVALID_ARGUMENT (never a synchronous throw)', async () => {
    const noop = () => {};
    for (const events of [undefined, null, 42, 'ORDER.FILLED', { type: 'ORDER.FILLED' }]) {
      await rejectsInvalid(on(events, 'ORDER', noop), /events must be an array/);
    }
    for (const selector of [undefined, 42, /ORDER/, { type: 'ORDER' }]) {
      await rejectsInvalid(on(EVENTS, selector, noop), /selector must be an event type/);
    }
    await rejectsInvalid(on(EVENTS, [], noop), /must not be an empty array/);
    for (const selector of ['', 'ORDER.', '.FILLED', ['ORDER', 7], ['ORDER', '']]) {
      await rejectsInvalid(on(EVENTS, selector, noop), /must be (?:an event type|event types)/);
    }
    await rejectsInvalid(on(EVENTS, 'ORDER'), /handler must be a function/);
    await rejectsInvalid(on(EVENTS, 'ORDER', 'handler'), /handler must be a function/);
  });

  test('end to end: a signed delivery, verified, dispatched by type', async () => {
    const { jwks, privateJwk } = generateTestKeyPair({ kid: 'events-test' });
    const events = Object.values(SAMPLES.categories).flatMap((c) => c.examples.map((e) => e.event));
    const url = 'https://tenant.example/hooks';
    const delivery = signTestDelivery({ privateJwk, url, events });
    const verifier = new WebhookVerifier({ keys: jwks });
    try {
      const verified = await verifier.verify(delivery);
      assert.equal(verified.events.length, events.length);
      const filled = [];
      const count = await on(verified.events, ['ORDER.FILLED', 'USER'], async (e) => {
        await sleep(0);
        filled.push(e.type);
      });
      const expected = events.filter((e) => e.type === 'ORDER.FILLED' || e.type.startsWith('USER.')).map((e) => e.type);
      assert.ok(expected.length >= 2, 'the samples include ORDER.FILLED and USER events');
      assert.equal(count, expected.length);
      assert.deepEqual(filled, expected);
      assert.deepEqual(
        verified.events.filter((e) => isEventType(e, 'ORDER')).map((e) => e.type),
        events.filter((e) => e.type.startsWith('ORDER.')).map((e) => e.type),
      );
    } finally {
      verifier.free();
    }
  });
});

describe('isEventType(event, selector)', () => {
  test('matches like on(): types, categories, arrays', () => {
    assert.equal(isEventType(EVENTS[3], 'ORDER.FILLED'), true);
    assert.equal(isEventType(EVENTS[3], 'ORDER'), true);
    assert.equal(isEventType(EVENTS[3], 'ORDER.NEW'), false);
    assert.equal(isEventType(EVENTS[1], 'ORDER'), false);
    assert.equal(isEventType(EVENTS[1], ['ORDER', 'ORDER_CANCELLATION']), true);
    assert.deepEqual(
      EVENTS.filter((e) => isEventType(e, ['USER', 'ORDER.FILLED'])).map((e) => e.id),
      ['evt-USER.CREATED-3', 'evt-ORDER.FILLED-4', 'evt-ORDER.FILLED-6'],
    );
  });

  test('false for values that are not events', () => {
    for (const v of [null, undefined, 'ORDER.FILLED', 1, {}, { type: null }, { type: ['ORDER.FILLED'] }]) {
      assert.equal(isEventType(v, 'ORDER'), false, String(v));
    }
  });

  test('a bad selector throws UpvestError ERR_INVALID_ARGUMENT', () => {
    for (const selector of [undefined, '', [], 'ORDER.', [1]]) {
      assert.throws(
        () => isEventType(EVENTS[0], selector),
        (err) => err instanceof UpvestError && err.code === 'ERR_INVALID_ARGUMENT',
      );
    }
  });
});
