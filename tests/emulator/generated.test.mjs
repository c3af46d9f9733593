// The files generated from Upvest's OpenAPI (vendor/upvest/) are what the
// generators make of it now: pkg/events.d.ts and pkg/src/categories.js
// (scripts/gen-event-types.mjs), pkg/emulator/sample-events.json
// (scripts/gen-sample-events.mjs, checked in admin.test.mjs).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { WEBHOOK_CATEGORIES } from '../../pkg/src/categories.js';
import { buildCategoriesModule, buildEventTypes, CATEGORIES_OUTPUT, OUTPUT, readSubscriptionCategories } from '../../scripts/gen-event-types.mjs';
import { parseOpenApi, VENDORED_OPENAPI } from '../../scripts/openapi.mjs';

const yamlText = readFileSync(VENDORED_OPENAPI, 'utf8');

describe('generated from the OpenAPI', () => {
  test('pkg/src/categories.js and pkg/events.d.ts are up to date (run `node scripts/gen-event-types.mjs`)', () => {
    assert.ok(buildCategoriesModule(yamlText) === readFileSync(CATEGORIES_OUTPUT, 'utf8'), 'pkg/src/categories.js is out of date');
    assert.ok(buildEventTypes(yamlText).text === readFileSync(OUTPUT, 'utf8'), 'pkg/events.d.ts is out of date');
  });

  test('WEBHOOK_CATEGORIES: the 27 of API 1.9.0, ALL first; the same list is WebhookCategory in events.d.ts', () => {
    assert.equal(WEBHOOK_CATEGORIES.length, 27);
    assert.equal(WEBHOOK_CATEGORIES[0], 'ALL');
    assert.ok(Object.isFrozen(WEBHOOK_CATEGORIES));
    const declared = /export type WebhookCategory =\n([^;]*);/.exec(readFileSync(OUTPUT, 'utf8'));
    assert.ok(declared, 'events.d.ts declares WebhookCategory');
    assert.deepEqual(
      [...declared[1].matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]),
      [...WEBHOOK_CATEGORIES],
    );
  });

  test('the create, update and retrieve schemas must list the same categories (the generator refuses otherwise)', () => {
    const doc = parseOpenApi(yamlText);
    assert.deepEqual(readSubscriptionCategories(doc), [...WEBHOOK_CATEGORIES]);
    const patch = doc.paths['/webhooks/{webhook_id}'].patch.requestBody.content['application/json'].schema.properties.type.items;
    patch.enum = patch.enum.slice(1);
    assert.throws(() => readSubscriptionCategories(doc), /categories differ/);
    assert.equal(readSubscriptionCategories({ 'x-webhooks': {} }), null, 'a document of events only has none');
  });
});
