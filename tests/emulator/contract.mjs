// The emulator's contract check: Upvest's OpenAPI
// (vendor/upvest/openapi-webhooks-1.9.0.yaml) as the oracle, schemas checked
// with ajv. `createContract()` returns a recorder with
//
//   - response(entry): an API log entry of the emulator (see server.mjs
//     `onResponse`), answered: its status must be one the operation lists,
//     with `upvest-request-id`, and its body valid against that response's
//     schema and media type; a 2xx answer means the emulator accepted the
//     request, so the request body must be valid too (an emulator more lenient
//     than Upvest misleads);
//   - request(entry): the request body must be valid against the operation's
//     request schema, whatever the answer (for requests a client under test
//     sends: they must never be malformed);
//   - delivery(request): a signed delivery `{ body }` the emulator sends: every
//     event valid against the `x-webhooks` schema of its type;
//
// and `violations`, a list of `{ where, what, errors }`. The three only queue
// what they are given; the checks run when `violations` (or `report()`) is
// read, so that schema compilation (hundreds of ms for an event schema) never
// delays the emulator under test. tests/emulator/support.mjs
// wires it into every emulator its suites start; tests/emulator/contract.test.mjs
// shows that it catches a wrong response, event and request.
//
// Where the emulator answers a status the operation does not list, because the
// spec is silent (README, "Choices where Upvest is silent"), the status is
// allowed here by name, in ALLOWED_EXTRA, with its reason; nothing else is.

import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { parseOpenApi, VENDORED_OPENAPI } from '../../scripts/openapi.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const WRITES = ['create_webhook', 'update_webhook', 'test_webhook'];
/**
 * Statuses the emulator may answer beyond an operation's list: the
 * operations, the problem `type` code it must carry, and why.
 */
export const ALLOWED_EXTRA = Object.freeze([
  {
    status: 400,
    code: 'missing_idempotency_key',
    operations: ['test_webhook'],
    why: 'POST without idempotency-key: Upvest documents it for every POST and PATCH (webhooks-api.md §3.1), also POST …/test, whose list has no 400',
  },
  { status: 400, code: 'bad_request', operations: ['test_webhook'], why: 'an empty or over-long idempotency-key on POST …/test (checked as on every POST)' },
  {
    status: 409,
    code: 'idempotency_key_reused',
    operations: WRITES,
    why: "an idempotency-key reused for another request (Upvest's idempotency docs); no operation lists 409",
  },
  { status: 413, code: 'payload_too_large', operations: null, why: 'a body over 1 MiB: the gateway answers before any operation' },
]);

/** Statuses for a request that names no operation (an unknown path or method). */
const NO_OPERATION = new Map([
  [404, 'not_found'],
  [405, 'method_not_allowed'],
  [413, 'payload_too_large'],
]);

/** The OpenAPI as JSON (timestamps as their text), with the documented extension `exclude_type`. */
function loadSpec() {
  const doc = JSON.parse(
    JSON.stringify(parseOpenApi(readFileSync(VENDORED_OPENAPI, 'utf8')), (_, v) => (v && typeof v === 'object' && '$timestamp' in v ? v.$timestamp : v)),
  );
  // exclude_type: documented by Upvest (webhooks-api.md §1.4), not in OAS 1.9.0; the emulator accepts and returns it
  const excludeType = { type: 'array', items: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*\\.[A-Z][A-Z0-9_]*$' } };
  const hook = doc.paths['/webhooks/{webhook_id}'];
  const webhookSchemas = [
    doc.paths['/webhooks'].post.requestBody.content['application/json'].schema,
    hook.patch.requestBody.content['application/json'].schema,
    doc.paths['/webhooks'].post.responses['201'].content['application/json'].schema,
    hook.get.responses['200'].content['application/json'].schema,
    hook.patch.responses['200'].content['application/json'].schema,
    doc.paths['/webhooks'].get.responses['200'].content['application/json'].schema.properties.data.items,
  ];
  for (const schema of webhookSchemas) {
    if (!schema?.properties?.url) throw new Error('contract: a webhook schema moved in the OpenAPI');
    schema.properties.exclude_type = excludeType;
  }
  return doc;
}

/** `/webhooks/{webhook_id}` → a RegExp over the request path. */
const templateRe = (template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);

function makeAjv() {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('url', (s) => URL.canParse(s));
  ajv.addFormat('ISO4217', /^[A-Z]{3}$/);
  return ajv;
}

let shared;
/** The spec, its operations and compiled validators (built once per process). */
function oracle() {
  if (shared) return shared;
  const doc = loadSpec();
  const ajv = makeAjv();
  const cache = new Map();
  const compile = (schema) => {
    let v = cache.get(schema);
    if (!v) {
      v = ajv.compile(resolveRefs(doc, schema));
      cache.set(schema, v);
    }
    return v;
  };
  const operations = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'post', 'patch', 'delete', 'put']) {
      const op = item[method];
      if (!op) continue;
      const responses = Object.fromEntries(Object.entries(op.responses).map(([status, r]) => [status, resolveRefs(doc, r)]));
      operations.push({ template, re: templateRe(template), method: method.toUpperCase(), id: op.operationId, requestBody: op.requestBody, responses });
    }
  }
  const eventSchemas = new Map();
  for (const [callback, item] of Object.entries(doc['x-webhooks'])) {
    const schema = item.post.requestBody.content['application/json'].schema;
    for (const type of schema.properties.type.enum) eventSchemas.set(type, { callback, schema });
  }
  shared = { doc, compile, operations, eventSchemas };
  return shared;
}

/** Inlines local `$ref`s (the document's schemas have no cycles). */
function resolveRefs(doc, node) {
  if (Array.isArray(node)) return node.map((n) => resolveRefs(doc, n));
  if (!node || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') {
    if (!node.$ref.startsWith('#/')) throw new Error(`contract: non-local $ref ${node.$ref}`);
    const target = node.$ref
      .slice(2)
      .split('/')
      .reduce((o, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    if (target === undefined) throw new Error(`contract: dangling $ref ${node.$ref}`);
    return resolveRefs(doc, target);
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveRefs(doc, v)]));
}

const mediaType = (headers) =>
  String(headers?.['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
const problemCode = (body) => {
  try {
    return String(JSON.parse(body).type ?? '')
      .split('/')
      .pop();
  } catch {
    return null;
  }
};

/** A new recorder of contract violations. */
export function createContract() {
  /** @type {Array<() => void>} */
  const queue = [];
  /** @type {{ where: string, what: string, errors?: unknown }[]} */
  const violations = [];
  /** @type {ReturnType<typeof createChecks> | undefined} */
  let checks;
  /** Runs the queued checks (the first time, reads the OpenAPI). */
  const flush = () => {
    checks ??= createChecks(violations);
    for (const check of queue.splice(0)) check();
    return checks;
  };
  return {
    /** The violations found so far (runs the queued checks first). */
    get violations() {
      flush();
      return violations;
    },
    /** How many responses, request bodies and events were checked (runs the queued checks first). */
    get counts() {
      return flush().counts;
    },
    /** An answered API log entry of the emulator (not an injected fault: those are deliberate). @param {Record<string, any>} entry */
    response(entry) {
      const snapshot = structuredClone({ ...entry, signature: null, internalError: undefined });
      queue.push(() => checks?.response(snapshot));
    },
    /** Any API log entry whose request a client under test built: its body must fit the operation. @param {Record<string, any>} entry */
    request(entry) {
      const snapshot = structuredClone({ ...entry, signature: null, internalError: undefined });
      queue.push(() => checks?.request(snapshot));
    },
    /** A delivery request `{ body }` (the signed package `{"payload":[…]}`). @param {{ body: string }} request */
    delivery(request) {
      const { body } = request;
      queue.push(() => checks?.delivery({ body }));
    },
    /** A readable summary of the violations (for assertion messages). */
    report() {
      flush();
      return violations.map((v) => `- ${v.where}: ${v.what}${v.errors ? `\n    ${JSON.stringify(v.errors).slice(0, 600)}` : ''}`).join('\n');
    },
  };
}

/** The checks themselves, recording into `violations`. */
function createChecks(violations) {
  const { compile, operations, eventSchemas } = oracle();
  const record = (where, what, errors) => violations.push({ where, what, ...(errors ? { errors } : {}) });
  const counts = { responses: 0, requests: 0, events: 0 };

  const findOperation = (method, path) => operations.find((op) => op.method === method && op.re.test(path));

  /** Validates a body text against `content[mediaType].schema`; records and returns false when it does not fit. */
  function checkBody(where, content, type, text) {
    const declared = Object.keys(content ?? {});
    if (declared.length === 0) {
      if (text) record(where, `a body where the spec declares none: ${text.slice(0, 200)}`);
      return;
    }
    if (!declared.includes(type)) return record(where, `content-type ${type || '(none)'}, the spec declares ${declared.join(', ')}`);
    let value;
    if (type === 'application/x-www-form-urlencoded') value = Object.fromEntries(new URLSearchParams(text));
    else {
      try {
        value = JSON.parse(text);
      } catch {
        return record(where, `a ${type} body that is not JSON: ${text.slice(0, 200)}`);
      }
    }
    const validate = compile(content[type].schema);
    if (!validate(value)) record(where, `the body breaks the ${type} schema`, validate.errors);
  }

  function checkRequestBody(where, op, entry) {
    counts.requests += 1;
    const content = op.requestBody?.content;
    if (!content) {
      if (entry.body) record(where, `a request body where the operation takes none: ${entry.body.slice(0, 200)}`);
      return;
    }
    checkBody(`${where} (request)`, content, mediaType(entry.headers), entry.body ?? '');
  }

  return {
    counts,
    response(entry) {
      if (entry.fault || !entry.response) return;
      counts.responses += 1;
      const { status, headers = {}, body = '' } = entry.response;
      const where = `${entry.method} ${entry.path} → ${status}`;
      const requestId = headers['upvest-request-id'] ?? (status === entry.status ? entry.requestId : undefined);
      if (!UUID.test(requestId ?? '')) record(where, 'no upvest-request-id uuid');
      const op = findOperation(entry.method, entry.path);
      if (!op) {
        if (NO_OPERATION.get(status) !== problemCode(body)) record(where, 'a request naming no operation must get 404 not_found or 405 method_not_allowed');
        return;
      }
      const spec = op.responses[String(status)];
      if (!spec) {
        const code = problemCode(body);
        const allowed = ALLOWED_EXTRA.find((a) => a.status === status && a.code === code && (!a.operations || a.operations.includes(op.id)));
        if (!allowed) return record(where, `${op.id} lists ${Object.keys(op.responses).join(' ')}, not ${status} (${code ?? 'no problem type'})`);
        if (mediaType(headers) !== 'application/problem+json') record(where, 'an error without application/problem+json');
        return;
      }
      checkBody(where, spec.content, mediaType(headers), body);
      if (status >= 200 && status < 300) checkRequestBody(where, op, entry);
    },
    request(entry) {
      const op = findOperation(entry.method, entry.path);
      if (!op) return record(`${entry.method} ${entry.path}`, 'the client called a path and method the API does not have');
      checkRequestBody(`${entry.method} ${entry.path}`, op, entry);
    },
    delivery(request) {
      let body;
      try {
        body = JSON.parse(request.body);
      } catch {
        return record('delivery', 'the package is not JSON');
      }
      if (!Array.isArray(body?.payload) || Object.keys(body).join() !== 'payload') return record('delivery', 'the package is not {"payload":[…]}');
      for (const event of body.payload) {
        counts.events += 1;
        const known = eventSchemas.get(event?.type);
        if (!known) {
          record(`delivery of ${event?.type}`, 'an event type the x-webhooks section does not list');
          continue;
        }
        const validate = compile(known.schema);
        if (!validate(event)) record(`delivery of ${event.type} (x-webhooks ${known.callback})`, 'the event breaks its schema', validate.errors);
      }
    },
  };
}
