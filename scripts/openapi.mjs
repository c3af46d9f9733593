// Reads Upvest's OpenAPI (vendor/upvest/openapi-webhooks-1.9.0.yaml) with the
// `yaml` package, for the generators (scripts/gen-event-types.mjs,
// scripts/gen-sample-events.mjs) and the emulator's contract check
// (tests/emulator/contract.mjs).
//
// Scalars resolve by YAML 1.2's core schema (so `y` is a string, not YAML
// 1.1's true), with two rules of PyYAML's SafeLoader, which Upvest's files are
// written for: an integer has no leading zero (`0123456789` stays a string),
// and an unquoted timestamp or date becomes `{ $timestamp: text }`, so each
// caller renders it as its schema wants (the sample events as RFC 3339, the
// TSDoc as written).

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The OpenAPI holds something a generator cannot read or translate. */
export class OpenApiError extends Error {}

/** The vendored OpenAPI of the checkout. */
export const VENDORED_OPENAPI = join(ROOT, 'vendor/upvest/openapi-webhooks-1.9.0.yaml');

/** The first existing OpenAPI path among $UPVEST_OPENAPI and the vendored file, or null. */
export function findOpenApi() {
  return [process.env.UPVEST_OPENAPI, VENDORED_OPENAPI].find((p) => p && existsSync(p)) ?? null;
}

/** YAML 1.1's timestamp (and date) form. */
const TIMESTAMP = /^\d{4}-\d\d?-\d\d?(?:(?:[Tt]|[ \t]+)\d\d?:\d\d:\d\d(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d\d?(?::\d\d)?))?)?$/;

/** A decimal integer without a leading zero (PyYAML's int, less octal, hex and base 60). */
const intTag = {
  identify: (value) => typeof value === 'number' && Number.isInteger(value),
  tag: 'tag:yaml.org,2002:int',
  default: true,
  test: /^[-+]?(?:0|[1-9][0-9_]*)$/,
  resolve: (text) => Number(text.replace(/_/g, '')),
};

const timestampTag = {
  tag: 'tag:yaml.org,2002:timestamp',
  default: true,
  test: TIMESTAMP,
  resolve: (text) => ({ $timestamp: text }),
};

/** Parses the OpenAPI text; plain JS values (timestamps as `{ $timestamp }`). */
export function parseOpenApi(text) {
  return parse(text, {
    schema: 'core',
    customTags: (tags) => [...tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:int'), intTag, timestampTag],
    maxAliasCount: -1,
    uniqueKeys: true,
  });
}
