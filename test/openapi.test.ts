// One source of truth: the committed openapi/openapi.json is what the route schemas generate, and
// it documents every operation, its errors and every event.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { actionPath } from '../src/http/action-routes.js';
import { declaredActions, registry } from '../src/xeps/index.js';
import { generateOpenApi, OPENAPI_PATH } from '../scripts/openapi.js';

const generated = await generateOpenApi();
const doc = JSON.parse(generated);

t.test('openapi/openapi.json is not stale', async (t) => {
  const committed = await readFile(OPENAPI_PATH, 'utf8');
  t.ok(committed === generated, 'run `npm run openapi:write` and commit the result');
});

t.test('the document is valid OpenAPI 3.1', async (t) => {
  const { validate } = await import('@readme/openapi-parser');
  const result = await validate(JSON.parse(generated));
  t.ok(result.valid, JSON.stringify(result.valid ? [] : result.errors, null, 1).slice(0, 4000));
});

t.test('every action is a documented POST with operationId, tag, body and every error', async (t) => {
  t.equal(doc.openapi, '3.1.0');
  const ids = new Set<string>();
  for (const { area, name, sessionless } of declaredActions().values()) {
    const op = doc.paths[actionPath(name)]?.post;
    t.ok(op, `${name} documented`);
    if (!op) continue;
    t.notOk(ids.has(op.operationId), `${op.operationId} unique`);
    ids.add(op.operationId);
    t.same(op.tags, [area.tag]);
    t.ok(op.summary);
    t.ok(op.requestBody?.content?.['application/json']?.schema);
    t.ok(op.responses[String(sessionless?.successStatus ?? 200)]);
    // Sessionless actions take no token (no 401) and no session that could drop (no 410).
    for (const status of sessionless ? ['400', '403', '504'] : ['400', '401', '410', '504']) {
      t.equal(op.responses[status]?.content?.['application/json']?.schema?.$ref, '#/components/schemas/GatewayError', `${name} ${status}`);
    }
  }
  t.equal(doc.paths['/v1/chat/message'].post.operationId, 'chatMessage');
  t.equal(doc.paths['/v1/login/anonymous'].post.operationId, 'loginAnonymous');
});

t.test('every event has its data schema in components and in x-events', async (t) => {
  const xEvents = doc.paths['/v1/events'].get['x-events'];
  for (const name of ['xmpp.connection', 'xmpp.error', 'xmpp.gateway.gap', ...registry.flatMap((a) => Object.keys(a.api.events ?? {}))]) {
    t.ok(doc.components.schemas[name], `${name} schema`);
    t.equal(xEvents[name]?.schema?.$ref, `#/components/schemas/${name}`);
  }
});

t.test('served at /openapi.json and Swagger UI at /docs', async (t) => {
  const { buildApp } = await import('../src/app.js');
  const { loadConfig } = await import('../src/config.js');
  const app = await buildApp({ config: loadConfig({}, { workers: 1 }), logger: false });
  t.teardown(() => app.close());
  const res = await app.inject({ url: '/openapi.json' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), doc);
  const ui = await app.inject({ url: '/docs/' });
  t.equal(ui.statusCode, 200);
  t.match(ui.body, /swagger/i);
});
