// Issue #14: every operation of the committed document has a description, and an example on its
// request body and on each success response; every example validates against its own schema (an
// example that does not is worse than none). Hand-written examples are kept over generated ones.
import t, { type Test } from 'tap';
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { OPENAPI_PATH } from '../../scripts/openapi.js';
import type { Json, JsonObject } from '../../src/http/openapi-document.js';
import { exampleOf, fillExamples } from '../../src/http/openapi-examples.js';
import { parseJid } from '../../src/xmpp/jid.js';

interface Media {
  schema?: JsonObject;
  example?: Json;
  examples?: Record<string, { value?: Json }>;
}
interface Operation {
  operationId: string;
  summary?: string;
  description?: string;
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { description?: string; content?: Record<string, Media> }>;
}
const doc = JSON.parse(await readFile(OPENAPI_PATH, 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: JsonObject };
};
const ops = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));

// The document's schemas are JSON Schema 2020-12 (OpenAPI 3.1); `jid` is the gateway's own format
// (src/http/validation.ts); OpenAPI's keywords (discriminator, x-*) are annotations here.
const ajv = new Ajv2020({ strict: false, allowUnionTypes: true, allErrors: true });
addFormats.default(ajv);
ajv.addFormat('jid', (value: string) => parseJid(value) !== undefined);
ajv.addFormat('binary', true);

/**
 * As Redocly's no-invalid-media-type-examples reads a schema: an object that lists its properties
 * takes no other (an example with an undocumented key misleads), unless it says otherwise.
 */
function closed(node: Json): Json {
  if (Array.isArray(node)) return node.map(closed);
  if (typeof node !== 'object' || node === null) return node;
  const out: JsonObject = Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, k === 'examples' || k === 'const' || k === 'enum' ? v : closed(v)]),
  );
  const open = ['additionalProperties', 'patternProperties', 'unevaluatedProperties'].some((k) => k in out);
  if (typeof out.properties === 'object' && out.properties !== null && !Array.isArray(out.properties) && !open) {
    out.unevaluatedProperties = false;
  }
  return out;
}

// The components once, as a schema of their own: a media schema's `#/components/schemas/…` points into it
// (each component is compiled once, not once per operation).
const DOCUMENT_ID = 'https://gateway.invalid/openapi.json';
ajv.addSchema({ $id: DOCUMENT_ID, components: closed(doc.components) });
const validatorOf = (schema: JsonObject) =>
  ajv.compile(
    closed(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOCUMENT_ID}#/components/`)) as Json) as JsonObject,
  );

/** The examples a media type shows: `example`, or each value of `examples`. */
function examplesOf(media: Media): Json[] {
  if (media.example !== undefined) return [media.example];
  return Object.values(media.examples ?? {}).flatMap((e) => (e.value === undefined ? [] : [e.value]));
}

function check(t: Test, where: string, media: Media): void {
  const examples = examplesOf(media);
  t.ok(examples.length > 0, `${where}: has an example`);
  if (!media.schema) return;
  const validate = validatorOf(media.schema);
  for (const [i, example] of examples.entries()) {
    const valid = validate(example);
    t.ok(valid, `${where}: example ${i} validates${valid ? '' : `: ${ajv.errorsText(validate.errors)}`}`);
  }
}

t.test('every operation has a summary and a description; every success response a description', async (t) => {
  t.ok(ops.length > 140, `${ops.length} operations`);
  for (const { path, method, op } of ops) {
    t.ok(op.summary, `${method} ${path}: summary`);
    t.ok(op.description && op.description !== op.summary, `${method} ${path}: a description, not only the summary`);
    for (const [status, response] of Object.entries(op.responses)) {
      if (status.startsWith('2')) t.ok(response.description, `${method} ${path} ${status}: described`);
    }
  }
});

t.test('every request body and success response has an example that validates against its schema', async (t) => {
  let checked = 0;
  for (const { path, method, op } of ops) {
    for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
      check(t, `${method} ${path} body ${type}`, media);
      checked++;
    }
    const success = Object.entries(op.responses).filter(([s]) => s.startsWith('2'));
    for (const [status, response] of success) {
      t.ok(response.content, `${method} ${path} ${status}: has content`);
      for (const [type, media] of Object.entries(response.content ?? {})) {
        check(t, `${method} ${path} ${status} ${type}`, media);
        checked++;
      }
    }
  }
  t.ok(checked > 280, `${checked} media types checked`);
  // The check can fail: an example missing a required field is refused.
  const rosterAdd = doc.paths['/v1/roster/add']!.post!.requestBody!.content['application/json']!.schema!;
  t.notOk(validatorOf(rosterAdd)({ name: 'Bob' }), 'a roster/add body without jid does not validate');
  t.notOk(validatorOf(rosterAdd)({ jid: 'not a jid@' }), 'nor one with an invalid JID');
  const rosterGet = doc.paths['/v1/roster/get']!.post!.responses['200']!.content!['application/json']!.schema!;
  t.notOk(
    validatorOf(rosterGet)([{ jid: { domain: 'example.org' }, subscription: 'both', nickname: 'Bob' }]),
    'nor an answer with an undocumented key',
  );
});

t.test('every event schema has an example that validates against it', async (t) => {
  const names = Object.keys((doc.paths['/v1/events']!.get as unknown as { 'x-events': Record<string, unknown> })['x-events']);
  t.ok(names.length > 50, `${names.length} events`);
  for (const name of names) {
    const schema = doc.components.schemas[name] as JsonObject & { examples?: Json[] };
    t.ok(Array.isArray(schema.examples) && schema.examples.length > 0, `${name}: has an example`);
    const validate = validatorOf(schema);
    for (const [i, example] of (schema.examples ?? []).entries()) {
      const valid = validate(example);
      t.ok(valid, `${name}: example ${i} validates${valid ? '' : `: ${ajv.errorsText(validate.errors)}`}`);
    }
  }
  // The check can fail: a chat message event without its sender is refused.
  t.notOk(validatorOf(doc.components.schemas['xmpp.chat.message'] as JsonObject)({ content: 'hi' }), 'an xmpp.chat.message without from');
});

t.test('hand-written examples win over generated ones', async (t) => {
  // Written in src/xeps/core-roster/schema.ts and src/xeps/xep0045-muc/schema.ts.
  const rosterAdd = doc.paths['/v1/roster/add']!.post!.requestBody!.content['application/json']!;
  t.same(rosterAdd.example, { jid: 'bob@example.org', name: 'Bob', groups: ['Friends'] });
  // Written for a gateway route (src/http/openapi-examples.ts).
  t.same(doc.paths['/healthz']!.get!.responses['200']!.content!['application/json']!.example, { status: 'ok' });
  // The pass keeps an example already there, and fills one where there is none.
  const op = (media: JsonObject): JsonObject => ({
    paths: { '/x': { post: { operationId: 'x', requestBody: { content: { 'application/json': media } }, responses: {} } } },
  });
  const kept = fillExamples(op({ schema: { type: 'string' }, example: 'mine' }));
  t.equal(JSON.stringify(kept).includes('"example":"mine"'), true, 'an existing example is kept');
  const filled = fillExamples(op({ schema: { type: 'object', required: ['room'], properties: { room: { type: 'string' } } } }));
  t.match(JSON.stringify(filled), /"example":\{"room":"coven@chat\.example\.org"\}/, 'a missing one is generated');
});

t.test('the generator: deterministic, and valid for the shapes the schemas use', async (t) => {
  const components: JsonObject = { JidString: { type: 'string', format: 'jid' } };
  const schemas: JsonObject[] = [
    {
      type: 'object',
      required: ['to'],
      properties: { to: { $ref: '#/components/schemas/JidString' }, max: { type: 'integer', minimum: 1, maximum: 10 } },
    },
    { type: 'string', pattern: '^[+-]?[0-9]{1,3}$' },
    { type: 'string', minLength: 12, maxLength: 12 },
    { type: 'array', minItems: 2, items: { type: 'string', enum: ['a', 'b'] } },
    { anyOf: [{ type: 'integer', minimum: 5 }, { type: 'string' }] },
    {
      type: 'object',
      minProperties: 1,
      properties: { a: { type: 'boolean' }, ...Object.fromEntries([...'bcdefghij'].map((k) => [k, { type: 'string' }])) },
    },
    { type: 'object', patternProperties: { '^[A-Za-z_]+$': { type: 'string', maxLength: 3 } } },
  ];
  for (const schema of schemas) {
    const example = exampleOf(schema, components);
    t.same(exampleOf(schema, components), example, `${JSON.stringify(schema)}: the same example twice`);
    const validate = ajv.compile({ ...schema, components: { schemas: components } });
    t.ok(validate(example), `${JSON.stringify(example)} validates against ${JSON.stringify(schema)}`);
  }
});
