#!/usr/bin/env node
// Generates pkg/events.d.ts, the TypeScript types of every webhook event, and
// pkg/src/categories.js, the subscription categories (WEBHOOK_CATEGORIES), from
// the `x-webhooks` section of Upvest's OpenAPI: one callback per category,
// each with an event schema whose `type` enum lists the category's
// `CATEGORY.ACTION` values and whose `object` schema is the resource snapshot.
//
//   node scripts/gen-event-types.mjs [path/to/openapi-webhooks-1.9.0.yaml]          # write
//   node scripts/gen-event-types.mjs --check [path/to/openapi-webhooks-1.9.0.yaml]  # exit 1 on drift
//   node scripts/gen-event-types.mjs --stdout [path]                                 # print, write nothing
//
// The YAML path defaults to $UPVEST_OPENAPI, then vendor/upvest/ in the
// checkout (as for scripts/gen-sample-events.mjs). The output depends only on
// the YAML's content (not on its path), so tests/js/events.test.mjs can
// regenerate it in memory and compare.
//
// Translation (JSON Schema / OpenAPI 3.0 → TypeScript):
// - `properties` + `required` → an object type with required and optional (`?`) members;
// - `additionalProperties: true` (or a schema) → an index signature `[field: string]: unknown`;
//   otherwise the object type is closed (also when the keyword is absent);
// - `enum` → a union of string literals; `nullable: true` → `| null`;
// - `type: array` → `Array<…>`; integer and number → `number`;
// - `oneOf`/`anyOf` → a union (alternatives that render the same are merged, with
//   their titles and descriptions in the TSDoc); `allOf` → the parts merged;
// - `description` (or `title` when there is none), `format`, `pattern`, length and
//   range limits and `default` → TSDoc;
// - anything else (an unknown keyword, a `discriminator`, a non-local `$ref`) stops the
//   generator, so a new construct in a future YAML is never translated silently.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCategoriesModule, readSubscriptionCategories } from './categories.mjs';
import { findOpenApi, OpenApiError as SchemaError, parseOpenApi } from './openapi.mjs';
import { docComment, escapeDoc, inline, literal, plainValue, propertyKey, schemaDocs, tidyDescription } from './tsdoc.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const OUTPUT = join(ROOT, 'pkg/events.d.ts');
export const CATEGORIES_OUTPUT = join(ROOT, 'pkg/src/categories.js');
export { buildCategoriesModule, findOpenApi, readSubscriptionCategories };

/** Keywords the translator understands; any other one is an error. */
const KNOWN_KEYWORDS = new Set([
  'title',
  'description',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'nullable',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minItems',
  'maxItems',
  'uniqueItems',
  'multipleOf',
  'default',
  'example',
  'examples',
  'readOnly',
  'writeOnly',
  'deprecated',
  'allOf',
  'oneOf',
  'anyOf',
  '$ref',
  'externalDocs',
]);
/** Keywords that only annotate (an `allOf` part made of these alone just adds documentation). */
const ANNOTATIONS = new Set(['title', 'description', 'nullable', 'default', 'example', 'examples', 'deprecated', 'readOnly', 'writeOnly', 'externalDocs']);

/** `USER_CHECK` → `UserCheck`. */
export function pascalCase(category) {
  return category
    .toLowerCase()
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

/** The translator over one OpenAPI document (for local `$ref`s). */
function translator(doc) {
  function deref(schema, path, seen = new Set()) {
    if (!schema || typeof schema !== 'object' || !('$ref' in schema)) return schema;
    const ref = schema.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/')) throw new SchemaError(`${path}: unsupported $ref ${ref}`);
    if (seen.has(ref)) throw new SchemaError(`${path}: recursive $ref ${ref}`);
    let target = doc;
    for (const part of ref.slice(2).split('/')) target = target?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (!target) throw new SchemaError(`${path}: $ref ${ref} not found`);
    const { $ref, ...siblings } = schema;
    return { ...deref(target, path, new Set([...seen, ref])), ...siblings };
  }

  function check(schema, path) {
    if (!schema || typeof schema !== 'object' || Array.isArray(schema)) throw new SchemaError(`${path}: not a schema`);
    for (const key of Object.keys(schema)) {
      if (!KNOWN_KEYWORDS.has(key) && !key.startsWith('x-')) throw new SchemaError(`${path}: unsupported keyword ${key}`);
    }
  }

  /** `allOf` parts merged into one schema (the outer keywords win). */
  function mergeAllOf(schema, path) {
    const { allOf, ...outer } = schema;
    const merged = {};
    allOf.forEach((raw, i) => {
      const part = normalise(raw, `${path}.allOf[${i}]`);
      for (const [key, value] of Object.entries(part)) {
        if (key === 'properties') merged.properties = { ...merged.properties, ...value };
        else if (key === 'required') merged.required = [...new Set([...(merged.required ?? []), ...value])];
        else if (key === 'nullable') merged.nullable = merged.nullable === undefined ? value : merged.nullable && value;
        else if (key === 'type' && merged.type !== undefined && merged.type !== value)
          throw new SchemaError(`${path}: allOf parts of types ${merged.type} and ${value}`);
        else if (ANNOTATIONS.has(key) && merged[key] !== undefined)
          merged[key] = value; // later annotations refine
        else if (key === 'oneOf' || key === 'anyOf') {
          if (merged.oneOf || merged.anyOf) throw new SchemaError(`${path}: several allOf parts with oneOf/anyOf`);
          merged[key] = value;
        } else if (merged[key] !== undefined && JSON.stringify(merged[key]) !== JSON.stringify(value))
          throw new SchemaError(`${path}: allOf parts disagree on ${key}`);
        else merged[key] = value;
      }
    });
    return { ...merged, ...outer };
  }

  /** Resolves `$ref` and `allOf` and checks the keywords. */
  function normalise(raw, path) {
    let schema = deref(raw, path);
    check(schema, path);
    if (schema.allOf) schema = mergeAllOf(schema, path);
    return schema;
  }

  /** The alternatives of a oneOf/anyOf, nested bare unions flattened. */
  function alternatives(schema, path) {
    const key = schema.oneOf ? 'oneOf' : 'anyOf';
    const out = [];
    schema[key].forEach((raw, i) => {
      const alt = normalise(raw, `${path}.${key}[${i}]`);
      const bare = (alt.oneOf || alt.anyOf) && Object.keys(alt).every((k) => k === 'oneOf' || k === 'anyOf');
      if (bare) out.push(...alternatives(alt, `${path}.${key}[${i}]`));
      else out.push({ schema: alt, path: `${path}.${key}[${i}]` });
    });
    return out;
  }

  /**
   * Renders `raw` as a TypeScript type. Returns `{ type, docs }`: `docs` are the
   * TSDoc lines that belong on the member holding this value.
   */
  function render(raw, path, indent) {
    let schema = normalise(raw, path);
    if (schema.oneOf && schema.anyOf) throw new SchemaError(`${path}: both oneOf and anyOf`);
    if (schema.oneOf || schema.anyOf) {
      const { oneOf, anyOf, ...outer } = schema;
      const alts = alternatives(schema, path);
      if (alts.length === 1) {
        // a single alternative: the outer keywords (description, nullable) refine it
        schema = { ...alts[0].schema, ...outer };
        return render(schema, alts[0].path, indent);
      }
      const rendered = alts.map((a) => ({ ...render(a.schema, a.path, `${indent}    `), alt: a.schema }));
      const distinct = [...new Set(rendered.map((r) => r.type))];
      const nullable = outer.nullable === true || rendered.some((r) => r.alt.nullable === true);
      const docs = schemaDocs(outer);
      if (distinct.length === 1) {
        // the same TypeScript type (for example two kinds of string): one type, each alternative documented
        docs.push('', 'One of:', '');
        for (const r of rendered) {
          const label = r.alt.title && r.alt.description && r.alt.title !== r.alt.description ? `${r.alt.title}: ` : '';
          const text = schemaDocs({ ...r.alt, title: undefined, description: r.alt.description ?? r.alt.title, default: undefined });
          docs.push(`- ${label}${inline(text)}`);
        }
        return { type: distinct[0] + (nullable && !/\| null$/.test(distinct[0]) ? ' | null' : ''), docs };
      }
      const titles = rendered.map((r) => r.alt.title).filter(Boolean);
      if (titles.length) docs.push('', `One of: ${titles.map((t) => escapeDoc(t.trim())).join('; ')}.`);
      const members = rendered.map((r) => {
        const doc = r.alt.title ? docComment([escapeDoc(r.alt.title.trim())], `${indent}  `) : '';
        return `${doc}${indent}  | ${r.type.replace(/\| null$/, '').trim()}`;
      });
      return { type: `\n${members.join('\n')}${nullable ? `\n${indent}  | null` : ''}`, docs };
    }
    const docs = schemaDocs(schema);
    let type;
    const kind = schema.type ?? (schema.properties ? 'object' : schema.items ? 'array' : undefined);
    if (schema.enum) {
      if (!schema.enum.length) throw new SchemaError(`${path}: empty enum`);
      type = schema.enum.map((v) => literal(plainValue(v))).join(' | ');
    } else if (kind === 'string') type = 'string';
    else if (kind === 'integer' || kind === 'number') type = 'number';
    else if (kind === 'boolean') type = 'boolean';
    else if (kind === 'array') {
      if (!schema.items) throw new SchemaError(`${path}: array without items`);
      const item = render(schema.items, `${path}.items`, indent);
      if (item.docs.length && !docs.length) docs.push(...item.docs);
      else if (item.docs.length) docs.push('', `Each item: ${inline(item.docs)}`);
      type = /^[a-z]+$|^'[^']*'$/.test(item.type)
        ? `${item.type}[]`
        : `Array<${item.type.startsWith('\n') ? item.type.trimStart().replace(/^\| /, '') : item.type}>`;
    } else if (kind === 'object') type = renderObject(schema, path, indent);
    else if (kind === undefined) type = 'unknown';
    else throw new SchemaError(`${path}: unsupported type ${JSON.stringify(kind)}`);
    if (schema.nullable === true) type = `${type} | null`;
    return { type, docs };
  }

  function renderObject(schema, path, indent) {
    const props = Object.entries(schema.properties ?? {});
    const extra = schema.additionalProperties;
    if (!props.length) return extra === false ? 'Record<string, never>' : 'Record<string, unknown>';
    const required = new Set(schema.required ?? []);
    for (const name of required) if (!schema.properties[name]) throw new SchemaError(`${path}: required property ${name} is not defined`);
    const inner = `${indent}  `;
    let out = '{\n';
    for (const [name, raw] of props) {
      const { type, docs } = render(raw, `${path}.${name}`, inner);
      out += docComment(docs, inner);
      out += `${inner}${propertyKey(name)}${required.has(name) ? '' : '?'}: ${type};\n`;
    }
    if (extra === true || (extra && typeof extra === 'object')) {
      const value = extra === true || Object.keys(extra).length === 0 ? 'unknown' : render(extra, `${path}.additionalProperties`, inner).type;
      out += `${inner}/** The schema allows more fields (\`additionalProperties\`). */\n${inner}[field: string]: ${value === 'unknown' ? value : `${value} | unknown`};\n`;
    }
    return `${out}${indent}}`;
  }

  return { render, normalise };
}

/** Reads the categories out of the document: `[{ category, name, callback, summary, operationId, types, envelope, object }]`. */
export function readCategories(doc) {
  const webhooks = doc?.['x-webhooks'];
  if (!webhooks || typeof webhooks !== 'object') throw new SchemaError('the document has no x-webhooks section');
  const out = [];
  const seenTypes = new Set();
  for (const [callback, item] of Object.entries(webhooks)) {
    const schema = item?.post?.requestBody?.content?.['application/json']?.schema;
    if (!schema) throw new SchemaError(`x-webhooks.${callback}: no application/json request schema`);
    const types = schema.properties?.type?.enum;
    if (!Array.isArray(types) || !types.length) throw new SchemaError(`x-webhooks.${callback}: no event type enum`);
    const category = types[0].split('.')[0];
    for (const t of types) {
      if (!/^[A-Z][A-Z0-9_]*\.[A-Z][A-Z0-9_]*$/.test(t) || t.split('.')[0] !== category)
        throw new SchemaError(`x-webhooks.${callback}: event type ${t} is not ${category}.ACTION`);
      if (seenTypes.has(t)) throw new SchemaError(`x-webhooks.${callback}: event type ${t} appears twice`);
      seenTypes.add(t);
    }
    if (out.some((c) => c.category === category)) throw new SchemaError(`x-webhooks.${callback}: category ${category} appears twice`);
    if (!schema.properties.object) throw new SchemaError(`x-webhooks.${callback}: no object schema`);
    out.push({
      category,
      name: pascalCase(category),
      callback,
      summary: item.post.summary ?? callback,
      operationId: item.post.operationId ?? null,
      types,
      envelope: schema,
      object: schema.properties.object,
    });
  }
  return out;
}

const HEADER = (source) => `// Generated by scripts/gen-event-types.mjs from the x-webhooks section of
// the OpenAPI of ${source}. Do not edit by hand: run
// \`node scripts/gen-event-types.mjs\` (tests/js/events.test.mjs fails when
// this file, the generator and the YAML drift apart).
`;

/** Builds the text of pkg/events.d.ts from the OpenAPI YAML text. Returns `{ text, categories, eventTypes }`. */
export function buildEventTypes(yamlText) {
  const doc = parseOpenApi(yamlText);
  const categories = readCategories(doc);
  const { render, normalise } = translator(doc);
  const source = `${doc.info?.title ?? 'the OpenAPI document'} ${doc.info?.version ?? ''}`.trim();
  const eventTypes = categories.flatMap((c) => c.types);

  // The envelope (id, created_at, type, webhook_id) is the same in every category; document it once.
  const envelope = categories[0].envelope;
  for (const c of categories) {
    const keys = Object.keys(c.envelope.properties).sort().join();
    if (keys !== 'created_at,id,object,type,webhook_id') throw new SchemaError(`x-webhooks.${c.callback}: event fields are ${keys}`);
    const req = [...(c.envelope.required ?? [])].sort().join();
    if (req !== 'created_at,id,object,type,webhook_id') throw new SchemaError(`x-webhooks.${c.callback}: required event fields are ${req}`);
  }
  const envDoc = (name) => schemaDocs(envelope.properties[name]);

  let out = HEADER(source);
  out += `
// Narrowing: \`WebhookEvent\` is a union of the 67 known event types and
// \`UnknownWebhookEvent\`, the event of a type this version does not know. The
// unknown event's \`type\` is \`UnknownWebhookEventType\`: a \`CATEGORY.ACTION\`
// string with a brand that no string literal has, so a literal is comparable
// with the known type of the same name only. \`e.type === 'ORDER.FILLED'\` (a
// \`case\`, an \`||\` chain, an early return, a destructured \`type\`) therefore
// selects exactly the ORDER.FILLED event on TypeScript 5.9, 6 and 7 alike,
// while an unknown event still type-checks: it stays in every other branch,
// where \`type\` reads as a string and \`object\` as a record. No member may
// declare \`type\` as a plain \`string\` (every literal would match it), nor
// through an index signature (TypeScript 5.9 skipped such a member when
// narrowing; 6 and 7 keep it, and \`object\` stays the union of all objects).
`.replace('67', String(eventTypes.length));

  const docBlock = (lines, indent = '') => docComment(lines, indent);
  const category = (tag) => ['', `@category ${tag}`];

  // --- the envelope and the generic types ---
  out += '\n';
  out += docBlock([
    'The fields every webhook event has: `type` is the event type (`CATEGORY.ACTION`) and `object` the',
    'snapshot of the resource, whose shape depends on the category.',
    '',
    'With its defaults, `WebhookEventBase` is any event, of any type: every {@link WebhookEvent} is one.',
    'Widen an event to it to compare `type` with a type this version does not list, or to build an event',
    'of such a type (in a test):',
    '',
    '```ts',
    'const any: WebhookEventBase = event;',
    "if (any.type === 'PORTFOLIO.REBALANCED') handleRebalance(any.object); // any.object: Record<string, unknown>",
    '```',
    '',
    '@typeParam Type - The event type.',
    '@typeParam ObjectType - The type of `object`.',
    ...category('Events'),
  ]);
  // a type alias, not an interface: with its defaults it is the type every event is assignable to
  // (the object types are type aliases too, so they widen to Record<string, unknown>)
  out += 'export type WebhookEventBase<Type extends string = string, ObjectType = Record<string, unknown>> = {\n';
  out += docBlock([...envDoc('id'), '', 'Deduplicate on it: Upvest may deliver an event more than once.'], '  ') + '  id: string;\n';
  out += docBlock(envDoc('created_at'), '  ') + '  created_at: string;\n';
  out += docBlock(['The event type, `CATEGORY.ACTION`.'], '  ') + '  type: Type;\n';
  out += docBlock(['Snapshot of the resource (the order, the user, …) when the event happened.'], '  ') + '  object: ObjectType;\n';
  out += docBlock([...envDoc('webhook_id'), '', 'The subscription that delivered the event.'], '  ') + '  webhook_id: string;\n';
  out += '};\n\n';

  // The brand: a unique symbol that exists in the types only. `export {}` keeps it private: without
  // it, every top-level declaration of a .d.ts module counts as exported, and a value nobody exports
  // at run time could be imported.
  out += 'declare const unknownEventType: unique symbol;\nexport {};\n\n';
  out += docBlock([
    'The `type` of an {@link UnknownWebhookEvent}: at run time a `CATEGORY.ACTION` string that this version',
    'does not list in {@link WebhookEventType}.',
    '',
    'Its brand, a property no string has, keeps it apart from the known types: a string literal is not',
    'comparable with it, so comparing `type` of a {@link WebhookEvent} with a known literal narrows to',
    'exactly that event. It reads as a string (`const type: string = event.type`). To compare it with a',
    'type this version does not list, widen the event to {@link WebhookEventBase} first.',
    ...category('Events'),
  ]);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript's template literal type, written out
  out += 'export type UnknownWebhookEventType = `${string}.${string}` & {\n';
  out += docBlock(['The brand, in the types only: no string has it.'], '  ') + '  readonly [unknownEventType]: true;\n';
  out += '};\n\n';

  out += docBlock([
    'An event whose type this version of the package does not know: Upvest adds event types over time,',
    'and the verifier passes every event through. Its `object` is untyped.',
    '',
    'It is the member of {@link WebhookEvent} that no known literal selects: after',
    "`if (event.type === 'ORDER.FILLED')`, the else branch (or a `switch`'s `default`) still holds it, so",
    'an exhaustive `switch` that asserts `never` in its `default` does not compile, as it would fail at',
    'run time. To build such an event (in a test) or to compare its `type` with a string this version does',
    'not list, use {@link WebhookEventBase}.',
    ...category('Events'),
  ]);
  out += 'export interface UnknownWebhookEvent {\n';
  out += docBlock(envDoc('id'), '  ') + '  id: string;\n';
  out += docBlock(envDoc('created_at'), '  ') + '  created_at: string;\n';
  out += docBlock(['The event type, `CATEGORY.ACTION`: a string this version does not list in {@link WebhookEventType}.'], '  ');
  out += '  type: UnknownWebhookEventType;\n';
  out += docBlock(['Snapshot of the resource.'], '  ') + '  object: Record<string, unknown>;\n';
  out += docBlock(envDoc('webhook_id'), '  ') + '  webhook_id: string;\n';
  out += '}\n\n';

  out += docBlock([
    'The event of one known type, or a union of events for a union of types:',
    "`WebhookEventOf<'ORDER.FILLED'>`, `WebhookEventOf<'ORDER.FILLED' | 'ORDER.CANCELLED'>`.",
    '',
    '@typeParam Type - One or more of {@link WebhookEventType}.',
    ...category('Events'),
  ]);
  out +=
    'export type WebhookEventOf<Type extends WebhookEventType> = Type extends WebhookEventType ? WebhookEventBase<Type, WebhookEventObjectMap[Type]> : never;\n\n';

  out += docBlock([`Every event of a type this version knows (${eventTypes.length} types in ${categories.length} categories).`, ...category('Events')]);
  out += 'export type KnownWebhookEvent = WebhookEventOf<WebhookEventType>;\n\n';

  out += docBlock([
    "One webhook event (an item of the delivery's `payload` array), discriminated by `type`.",
    '',
    'Comparing `type` with a known literal narrows the event and types its `object`:',
    '',
    '```ts',
    'for (const event of events) {',
    "  if (event.type === 'ORDER.FILLED') console.log(event.object.quantity); // event.object: OrderEventObject",
    '}',
    '```',
    '',
    'The same holds for a `switch (event.type)`, an `||` chain, an early return and a destructured `type`,',
    'on TypeScript 5.9, 6 and 7.',
    '',
    'Events of types this version does not know type-check as {@link UnknownWebhookEvent}: they reach the',
    'else branch and the `default` of a `switch`. Object types are closed (a misspelt field is an error); to',
    'read a field a newer API version added, widen the object: `const raw: Record<string, unknown> = event.object`.',
    'To compare `type` with a type this version does not list, widen the event to {@link WebhookEventBase}.',
    ...category('Events'),
  ]);
  out += 'export type WebhookEvent = KnownWebhookEvent | UnknownWebhookEvent;\n\n';

  out += docBlock([
    'What {@link on} and {@link isEventType} accept: an event type (`ORDER.FILLED`) or a category (`ORDER`, every `ORDER.*` type).',
    ...category('Events'),
  ]);
  out += 'export type WebhookEventSelector = WebhookEventType | WebhookEventCategory;\n\n';

  out += docBlock([
    "The events a selector matches: `SelectedWebhookEvent<'ORDER'>` is {@link OrderEvent}.",
    '',
    '@typeParam Selector - One or more of {@link WebhookEventSelector}.',
    ...category('Events'),
  ]);
  out += 'export type SelectedWebhookEvent<Selector extends WebhookEventSelector> = Selector extends WebhookEventType\n';
  out += '  ? WebhookEventOf<Selector>\n';
  out += '  : Selector extends WebhookEventCategory\n';
  out += '    ? WebhookEventOf<WebhookEventTypesByCategory[Selector]>\n';
  out += '    : never;\n\n';

  // --- the lists ---
  out += docBlock([`Every event type this version knows: ${eventTypes.length}, in ${categories.length} categories.`, ...category('Events')]);
  out += `export type WebhookEventType =\n${categories.map((c) => `  | ${c.name}EventType`).join('\n')};\n\n`;

  out += docBlock([
    'The categories that have documented events (the first part of an event type). The subscription',
    'categories, {@link WebhookCategory}, also include `ALL` and categories without documented events.',
    ...category('Events'),
  ]);
  out += `export type WebhookEventCategory =\n${categories.map((c) => `  | '${c.category}'`).join('\n')};\n\n`;

  const subscriptions = readSubscriptionCategories(doc);
  if (subscriptions) {
    out += docBlock([
      `The ${subscriptions.length} subscription categories of a webhook's \`type\` in API ${doc.info?.version ?? ''}; the client also`,
      'accepts later ones (Upvest checks them). The categories with events of their own are {@link WebhookEventCategory}.',
      ...category('API client'),
    ]);
    out += `export type WebhookCategory =\n${subscriptions.map((c) => `  | '${c}'`).join('\n')}\n  | (string & {});\n\n`;
  }

  out += docBlock(['The event types of each category.', ...category('Events')]);
  out += `export interface WebhookEventTypesByCategory {\n${categories.map((c) => `  /** The \`${c.category}.*\` types. */\n  ${c.category}: ${c.name}EventType;`).join('\n')}\n}\n\n`;

  out += docBlock(['The type of `object` for each event type.', ...category('Events')]);
  out += 'export interface WebhookEventObjectMap {\n';
  for (const c of categories) for (const t of c.types) out += `  /** The \`object\` of \`${t}\` events. */\n  '${t}': ${c.name}EventObject;\n`;
  out += '}\n';

  // --- one section per category ---
  for (const c of categories) {
    const wildcard = `${c.category}.*`;
    out += `\n// ${'-'.repeat(75)}\n// ${c.category}: ${c.summary}${c.operationId ? ` (${c.operationId})` : ''}\n// ${'-'.repeat(75)}\n\n`;
    out += docBlock([`The \`${wildcard}\` event types: ${c.types.map((t) => `\`${t}\``).join(', ')}.`, ...category('Events')]);
    out += `export type ${c.name}EventType = ${c.types.map((t) => `'${t}'`).join(' | ')};\n\n`;
    out += docBlock([
      `An event of the \`${c.category}\` category (${escapeDoc(c.summary)}), one of ${c.types.map((t) => `\`${t}\``).join(', ')}.`,
      ...category('Events'),
    ]);
    out += `export type ${c.name}Event = WebhookEventOf<${c.name}EventType>;\n\n`;
    const { type, docs } = render(c.object, `x-webhooks.${c.callback}.object`, '');
    const objectSchema = normalise(c.object, `x-webhooks.${c.callback}.object`);
    const lines = [`The \`object\` of \`${wildcard}\` events${objectSchema.title ? ` (${escapeDoc(objectSchema.title.trim())})` : ''}.`];
    const body = docs.filter((l) => !(objectSchema.title && l === escapeDoc(tidyDescription(objectSchema.title))));
    if (body.some(Boolean)) lines.push('', ...body);
    lines.push(...category('Event objects'));
    out += docBlock(lines);
    out += `export type ${c.name}EventObject =${type.startsWith('\n') ? '' : ' '}${type};\n`;
  }
  return { text: out, categories: categories.map((c) => ({ category: c.category, name: c.name, types: c.types })), eventTypes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const toStdout = args.includes('--stdout');
  const path = args.find((a) => !a.startsWith('--')) ?? findOpenApi();
  if (!path) {
    console.error('gen-event-types: no OpenAPI file; pass its path or set UPVEST_OPENAPI');
    process.exit(2);
  }
  let result;
  let categoriesJs;
  try {
    const yamlText = readFileSync(path, 'utf8');
    result = buildEventTypes(yamlText);
    categoriesJs = buildCategoriesModule(yamlText);
  } catch (err) {
    if (!(err instanceof SchemaError)) throw err;
    console.error(`gen-event-types: ${err.message}`);
    process.exit(1);
  }
  const summary = `${result.eventTypes.length} event types in ${result.categories.length} categories`;
  const outputs = [
    [OUTPUT, result.text],
    [CATEGORIES_OUTPUT, categoriesJs],
  ];
  if (toStdout) process.stdout.write(result.text);
  else if (check) {
    let stale = false;
    for (const [file, text] of outputs) {
      if ((existsSync(file) ? readFileSync(file, 'utf8') : '') === text) continue;
      console.error(`${file} is out of date; run: node scripts/gen-event-types.mjs ${path}`);
      stale = true;
    }
    if (stale) process.exit(1);
    console.log(`${OUTPUT} and ${CATEGORIES_OUTPUT} are up to date (${summary})`);
  } else {
    for (const [file, text] of outputs) writeFileSync(file, text);
    console.log(`wrote ${OUTPUT} (${summary}) and ${CATEGORIES_OUTPUT}`);
  }
}
