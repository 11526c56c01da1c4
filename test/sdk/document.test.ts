// The OpenAPI document as SDK generators and linters read it (docs/api.md §7): servers, public
// operations, descriptions everywhere, error responses, named shared schemas, the event stream as a
// discriminated oneOf of frames, optional bodies.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { OPENAPI_PATH } from '../../scripts/openapi.js';
import { GATEWAY_EVENTS } from '../../src/http/openapi.js';
import { registry } from '../../src/xeps/index.js';

interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  required?: string[];
  minProperties?: number;
  properties?: Record<string, Schema>;
  anyOf?: Schema[];
  oneOf?: Schema[];
  discriminator?: { propertyName: string; mapping: Record<string, string> };
  description?: string;
  const?: unknown;
}
interface Response {
  description?: string;
  headers?: Record<string, { description?: string }>;
  content?: Record<string, { schema: Schema }>;
}
interface Operation {
  operationId: string;
  tags: string[];
  description?: string;
  security?: unknown[];
  parameters?: Array<{ name: string; in: string; description?: string }>;
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, Response>;
}
const doc = JSON.parse(await readFile(OPENAPI_PATH, 'utf8')) as {
  servers: Array<{ url: string }>;
  tags: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};
const ops = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));
const schemas = doc.components.schemas;

function walk(node: unknown, visit: (s: Schema, at: string) => void, at = ''): void {
  if (Array.isArray(node)) node.forEach((v, i) => walk(v, visit, `${at}/${i}`));
  else if (node && typeof node === 'object') {
    visit(node as Schema, at);
    for (const [k, v] of Object.entries(node)) if (k !== 'examples') walk(v, visit, `${at}/${k}`);
  }
}

t.test('servers, and security [] exactly on the public operations', async (t) => {
  t.same(
    doc.servers.map((s) => s.url),
    ['/'],
  );
  const publicOps = ops.filter(({ op }) => Array.isArray(op.security) && op.security.length === 0).map(({ path }) => path);
  t.same(publicOps.sort(), ['/healthz', '/metrics', '/readyz', '/v1/login', '/v1/login/anonymous', '/v1/push/key', '/v1/register'].sort());
  for (const { path, op } of ops) t.ok(Array.isArray(op.security), `${path} declares its security`);
});

t.test('every tag, operation and success response has a description; every operation a 4xx', async (t) => {
  const used = new Set(ops.flatMap(({ op }) => op.tags));
  for (const tag of doc.tags) t.ok(tag.description, `tag ${tag.name} described`);
  for (const name of used)
    t.ok(
      doc.tags.some((tag) => tag.name === name),
      `tag ${name} declared`,
    );
  for (const { path, method, op } of ops) {
    t.ok(op.description, `${method} ${path} described`);
    const success = Object.keys(op.responses).filter((s) => s.startsWith('2'));
    t.ok(success.length > 0, `${path} has a success response`);
    for (const s of success) t.notSame(op.responses[s]!.description ?? '', '', `${path} ${s} described`);
    const errors = Object.keys(op.responses).filter((s) => s.startsWith('4'));
    t.ok(errors.length > 0, `${method} ${path} has a 4xx`);
    for (const s of errors) {
      t.equal(op.responses[s]!.content?.['application/json']?.schema.$ref, '#/components/schemas/GatewayError', `${path} ${s}`);
    }
  }
  for (const path of ['/v1/login', '/v1/login/anonymous', '/v1/register']) t.ok(doc.paths[path]!.post!.responses['429'], `${path} 429`);
});

t.test('named shared schemas: GatewayError, Jid, JidString; no single-member anyOf', async (t) => {
  t.notOk(schemas.Error, 'no component named Error');
  t.ok(schemas.GatewayError);
  t.same(schemas.Jid?.required, ['domain']);
  t.equal(schemas.JidString?.format, 'jid');
  let refs = 0;
  walk(doc, (s, at) => {
    if (at.startsWith('/components/schemas/Jid')) return;
    if (s.format === 'jid') t.fail(`inlined JidString at ${at}`);
    if (s.properties && 'domain' in s.properties && 'user' in s.properties) t.fail(`inlined Jid at ${at}`);
    if (s.anyOf && s.anyOf.length === 1) t.fail(`single-member anyOf at ${at}`);
    if (s.$ref === '#/components/schemas/Jid' || s.$ref === '#/components/schemas/JidString') refs++;
  });
  t.ok(refs > 100, `${refs} references to Jid and JidString`);
});

t.test('GET /v1/events: a oneOf of every event frame, discriminated by event; cursor and ticket documented', async (t) => {
  const op = doc.paths['/v1/events']!.get!;
  const stream = op.responses['200']!.content!['text/event-stream']!.schema;
  t.equal(stream.discriminator?.propertyName, 'event');
  const names = [...GATEWAY_EVENTS.map((e) => e.name), ...registry.flatMap((a) => Object.keys(a.api.events ?? {}))].sort();
  t.same(Object.keys(stream.discriminator?.mapping ?? {}).sort(), names, 'every event in the mapping');
  t.same(stream.oneOf?.map((m) => m.$ref).sort(), names.map((n) => `#/components/schemas/sse.${n}`).sort(), 'every frame in the oneOf');
  for (const name of names) {
    const frame = schemas[`sse.${name}`]!;
    t.equal(frame.properties?.event?.const, name, `${name}: event is its const name`);
    t.equal(frame.properties?.data?.$ref, `#/components/schemas/${name}`, `${name}: data is its schema`);
    t.ok(frame.required?.includes('event') && frame.required.includes('data'), `${name}: event and data required`);
    t.equal(
      frame.required?.includes('id'),
      name !== 'xmpp.gateway.gap',
      `${name}: id ${name === 'xmpp.gateway.gap' ? 'absent' : 'required'}`,
    );
  }
  const params = Object.fromEntries((op.parameters ?? []).map((p) => [`${p.in}:${p.name}`, p]));
  for (const key of ['header:Last-Event-ID', 'query:lastEventId', 'query:ticket']) t.ok(params[key]?.description, `${key} documented`);
});

t.test('requestBody.required is false exactly where the body requires no field (and no minimum of properties)', async (t) => {
  for (const { path, op } of ops) {
    if (!op.requestBody) continue;
    const json = op.requestBody.content['application/json'];
    if (!json) {
      // A raw body (POST /v1/upload: the file's bytes) is never optional.
      t.equal(op.requestBody.required, true, `${path}: a raw body is required`);
      continue;
    }
    const schema = json.schema;
    t.equal(op.requestBody.required, (schema.required ?? []).length > 0 || (schema.minProperties ?? 0) > 0, `${path}`);
  }
});

t.test('Retry-After on every error 429 and 503, Idempotent-Replayed on the success of every action with an Idempotency-Key', async (t) => {
  for (const { path, method, op } of ops) {
    for (const status of ['429', '503']) {
      const response = op.responses[status];
      if (response?.content?.['application/json']?.schema.$ref !== '#/components/schemas/GatewayError') continue;
      t.ok(response.headers?.['Retry-After'], `${method} ${path} ${status}: Retry-After`);
    }
    if (op.parameters?.some((p) => p.name === 'idempotency-key')) {
      t.ok(op.responses['200']?.headers?.['Idempotent-Replayed'], `${path}: Idempotent-Replayed`);
    }
  }
  t.notOk(doc.paths['/readyz']!.get!.responses['503']!.headers, '/readyz 503 sends no Retry-After');
});
