// Integer strings where a schema says integer (src/schemas/integer-strings.ts), through app.inject()
// over a fake pool: "20" reaches the worker as 20; "2.5", "x", "", " 20" are still a 400; strings and
// booleans are never coerced; a union that accepts strings (presence priority) keeps the string.
import t from 'tap';
import { createHttp } from '../../src/app.js';
import { errors } from '../../src/errors.js';
import { actionRoutes } from '../../src/http/action-routes.js';
import { sessionRoutes } from '../../src/http/session-routes.js';
import { coerceIntegerStrings, hasIntegerField, integerFromString } from '../../src/schemas/integer-strings.js';
import { declaredActions, registry } from '../../src/xeps/index.js';
import { testConfig, testNode } from '../session/fake-pool.js';

const config = testConfig();
const { manager, pool } = testNode({ config });
const app = await createHttp({ config, logger: false });
sessionRoutes(app, manager);
actionRoutes(app, { config, manager, pool }, registry);
await app.ready();
t.teardown(async () => {
  await app.close();
  await manager.shutdown(0);
});

const post = (url: string, payload: unknown, token?: string) =>
  app.inject({
    method: 'POST',
    url,
    payload: JSON.stringify(payload),
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
  });
const token = (await post('/v1/login', { jid: 'alice@example.org/web', password: 'secret' })).json().token as string;
/** The body the worker was asked to act on, for the last call. */
const lastBody = () => pool.calls.at(-1)?.body;
// The fake worker answers every action with a timeout: a 504 says the body passed validation (each
// action's own answer shape does not matter here; what reached the worker is in pool.calls).
pool.onCall = async () => {
  throw errors.timeout('fake worker');
};
const PASSED = 504;

t.test('integerFromString: decimal digits with an optional sign, safe integers only', async (t) => {
  t.equal(integerFromString('20'), 20);
  t.equal(integerFromString('-3'), -3);
  t.equal(integerFromString('+7'), 7);
  t.equal(integerFromString('007'), 7);
  for (const bad of ['', '2.5', 'x', ' 20', '20 ', '1e3', '0x10', '9007199254740993', '-', '٣'])
    t.equal(integerFromString(bad), undefined, JSON.stringify(bad));
});

t.test('rsm.max "20" is 20 for the worker; MUC history.maxchars "6550" is 6550', async (t) => {
  const items = await post('/v1/discover/items', { of: 'example.org', rsm: { max: '20', index: '0' } }, token);
  t.equal(items.statusCode, PASSED, items.body);
  t.same(lastBody(), { of: 'example.org', rsm: { max: 20, index: 0 } });
  const join = await post(
    '/v1/muc/join',
    { room: 'room@muc.example.org', nick: 'al', history: { maxchars: '6550', seconds: '60' } },
    token,
  );
  t.equal(join.statusCode, PASSED, join.body);
  t.match(lastBody(), { history: { maxchars: 6550, seconds: 60 } });
  const fault = await post('/v1/rpc/fault', { to: 'bob@example.org/x', id: 'r1', code: '-32601', string: 'no' }, token);
  t.equal(fault.statusCode, PASSED, fault.body);
  t.match(lastBody(), { code: -32601 });
  const retrieve = await post('/v1/pubsub/retrieve', { to: 'pubsub.example.org', node: 'n', maxItems: '5' }, token);
  t.equal(retrieve.statusCode, PASSED, retrieve.body);
  t.match(lastBody(), { maxItems: 5 });
});

t.test('numbers still work, and the schema’s range still applies to a converted string', async (t) => {
  t.equal((await post('/v1/discover/items', { of: 'example.org', rsm: { max: 20 } }, token)).statusCode, PASSED);
  const neg = await post('/v1/discover/items', { of: 'example.org', rsm: { max: '-1' } }, token);
  t.equal(neg.statusCode, 400);
  t.match(neg.json().description, /^'rsm\.max' is out of range/);
});

t.test('"2.5", "x", "", " 20", "1e3" are still a 400 "must be an integer"', async (t) => {
  for (const bad of ['2.5', 'x', '', ' 20', '1e3', '9007199254740993']) {
    const calls = pool.calls.length;
    const res = await post('/v1/discover/items', { of: 'example.org', rsm: { max: bad } }, token);
    t.equal(res.statusCode, 400, JSON.stringify(bad));
    t.same(res.json(), {
      type: 'modify',
      condition: 'client-error',
      description: "'rsm.max' must be an integer",
      request: { of: 'example.org', rsm: { max: bad } },
    });
    t.equal(pool.calls.length, calls, 'nothing reached the worker');
  }
});

t.test('no other coercion: a number for a string, "true" for a boolean, "20" for a string field', async (t) => {
  const num = await post('/v1/chat/message', { to: 'bob@example.org', content: 20 }, token);
  t.equal(num.statusCode, 400);
  t.equal(num.json().description, "'content' must be a string");
  const bool = await post('/v1/chat/message', { to: 'bob@example.org', content: 'x', receipt: 'true' }, token);
  t.equal(bool.statusCode, 400);
  t.equal(bool.json().description, "'receipt' must be a boolean");
  t.equal((await post('/v1/chat/message', { to: 'bob@example.org', content: '20' }, token)).statusCode, PASSED);
  t.same(lastBody(), { to: 'bob@example.org', content: '20' }, 'a string field keeps its digits as a string');
  t.equal((await post('/v1/presence', { priority: '5' }, token)).statusCode, PASSED);
  t.same(lastBody(), { priority: '5' }, 'a union that accepts strings is left alone');
});

t.test('only bodies with integer fields carry the keyword; the walk leaves other values alone', async (t) => {
  const marked = [...declaredActions().values()].filter((a) => 'x-integer-strings' in a.spec.body).map((a) => a.name);
  t.ok(marked.includes('discover.items') && marked.includes('muc.join'), 'bodies with integers are marked');
  t.notOk(marked.includes('chat.message') || marked.includes('presence'), 'bodies without integer-only fields are not');
  t.equal(hasIntegerField({ type: 'object', properties: { n: { type: 'integer' } } }), true);
  t.equal(hasIntegerField({ type: 'object', properties: { n: { anyOf: [{ type: 'integer' }, { type: 'string' }] } } }), false);
  const schema = {
    type: 'object',
    properties: {
      list: { type: 'array', items: { type: 'integer' } },
      free: { type: 'object', additionalProperties: { type: 'integer' } },
      text: { type: 'string' },
      either: { type: ['integer', 'null'] },
    },
  };
  const data = { list: ['1', '2.5', 3], free: { a: '4', b: 'x' }, text: '5', either: '6', extra: '7' };
  coerceIntegerStrings(schema, data);
  t.same(data, { list: [1, '2.5', 3], free: { a: 4, b: 'x' }, text: '5', either: 6, extra: '7' });
});
