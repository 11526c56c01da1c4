// Passes over the generated OpenAPI document, for SDK generators and linters (docs/api.md §7): shared
// schemas become named components referenced by `$ref`, single-member `anyOf`s (kept in the validation
// schemas for their error messages) are unwrapped, and bodies without a required field are optional.
// Pure functions on a JSON tree: they never touch the route schemas that validate requests.

/** A JSON value of the document. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys whose values are data, not schemas: never rewritten. */
const DATA_KEYS = new Set(['examples', 'example', 'default', 'const', 'enum']);

/** A stable text of a schema without its description, to find copies of a shared schema. */
function shapeOf(schema: JsonObject): string {
  const sorted = (v: Json): Json =>
    Array.isArray(v)
      ? v.map(sorted)
      : isObject(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted(v[k]!)]),
          )
        : v;
  const { description: _description, ...rest } = schema;
  return JSON.stringify(sorted(rest));
}

/** Rebuilds a JSON tree bottom-up, `visit` replacing each object (an object in gives an object out). */
function rewrite(node: Json, visit: (o: JsonObject) => JsonObject): Json {
  if (Array.isArray(node)) return node.map((v) => rewrite(v, visit));
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) out[k] = DATA_KEYS.has(k) ? v : rewrite(v, visit);
  return visit(out);
}

/**
 * Every inlined copy of a shared schema (same shape; the description may differ) becomes a `$ref` to
 * its component, keeping its own description beside the `$ref` (allowed in OpenAPI 3.1). The
 * component has no description of its own: each use says what its JID is.
 */
export function shareSchemas(doc: JsonObject, shared: Record<string, JsonObject>): JsonObject {
  const byShape = new Map(Object.entries(shared).map(([name, schema]) => [shapeOf(schema), name]));
  const components = isObject(doc.components) ? doc.components : {};
  const schemas = isObject(components.schemas) ? components.schemas : {};
  const visit = (o: JsonObject): JsonObject => {
    const name = byShape.get(shapeOf(o));
    if (name === undefined) return o;
    const ref: JsonObject = { $ref: `#/components/schemas/${name}` };
    if (typeof o.description === 'string') ref.description = o.description;
    return ref;
  };
  // rewrite() maps an object to an object: the casts only restore what its Json return type forgets.
  const rewritten = rewrite({ ...doc, components: { ...components, schemas: {} } }, visit) as JsonObject;
  const otherSchemas = rewrite(schemas, visit) as JsonObject;
  const rewrittenComponents = rewritten.components as JsonObject;
  return {
    ...rewritten,
    components: { ...rewrittenComponents, schemas: { ...sortedShared(shared), ...otherSchemas } },
  };
}

function sortedShared(shared: Record<string, JsonObject>): JsonObject {
  return Object.fromEntries(Object.entries(shared).map(([name, { description: _description, ...schema }]) => [name, schema]));
}

/** `{ anyOf: [X], …rest }` → `{ …X, …rest }`: a union of one says nothing and generators warn about it. */
export function unwrapSingleAnyOf(doc: JsonObject): JsonObject {
  // An object in, an object out (rewrite()).
  return rewrite(doc, (o) => {
    const alts = o.anyOf;
    if (!Array.isArray(alts) || alts.length !== 1 || !isObject(alts[0])) return o;
    const { anyOf: _anyOf, ...rest } = o;
    return { ...alts[0], ...rest };
  }) as JsonObject;
}

/**
 * A body whose schema requires no field (and no minimum of properties) may be left out (the gateway
 * reads a missing body as `{}`, src/app.ts): its requestBody is `required: false`.
 */
export function optionalBodies(doc: JsonObject): JsonObject {
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue;
    for (const op of Object.values(item)) {
      if (!isObject(op) || !isObject(op.requestBody)) continue;
      const content = isObject(op.requestBody.content) ? op.requestBody.content : {};
      const schema = isObject(content['application/json']) ? content['application/json'].schema : undefined;
      if (!isObject(schema) || schema.type !== 'object') continue;
      const required = Array.isArray(schema.required) ? schema.required : [];
      const minProperties = typeof schema.minProperties === 'number' ? schema.minProperties : 0;
      op.requestBody = { ...op.requestBody, required: required.length > 0 || minProperties > 0 };
    }
  }
  return doc;
}

function isGatewayError(response: JsonObject): boolean {
  const content = isObject(response.content) ? response.content : {};
  const json = isObject(content['application/json']) ? content['application/json'] : {};
  return isObject(json.schema) && typeof json.schema.$ref === 'string' && json.schema.$ref.endsWith('/GatewayError');
}

const RETRY_AFTER: JsonObject = {
  description: 'Seconds to wait before retrying (429 always; 503 when a retry soon may succeed, type wait)',
  schema: { type: 'integer', minimum: 0 },
};
const REPLAYED: JsonObject = {
  description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key',
  schema: { type: 'string', enum: ['true'] },
};

/**
 * The response headers a client acts on: `Retry-After` on the error 429s and 503s (src/http/errors.ts,
 * src/http/login-limits.ts; not /readyz's 503), `Idempotent-Replayed` on the success of operations taking an Idempotency-Key.
 */
export function responseHeaders(doc: JsonObject): JsonObject {
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue;
    for (const op of Object.values(item)) {
      if (!isObject(op) || !isObject(op.responses)) continue;
      const idempotent = Array.isArray(op.parameters) && op.parameters.some((p) => isObject(p) && p.name === 'idempotency-key');
      for (const [status, response] of Object.entries(op.responses)) {
        if (!isObject(response)) continue;
        const headers: JsonObject = isObject(response.headers) ? { ...response.headers } : {};
        if ((status === '429' || status === '503') && isGatewayError(response)) headers['Retry-After'] = RETRY_AFTER;
        if (idempotent && status.startsWith('2')) headers['Idempotent-Replayed'] = REPLAYED;
        if (Object.keys(headers).length > 0) op.responses[status] = { ...response, headers };
      }
    }
  }
  return doc;
}
