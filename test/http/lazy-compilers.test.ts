// The lazy schema compilers (src/http/lazy-compilers.ts) must behave exactly as fastify's own: the same
// answers for valid and invalid input, defaults applied (also to a missing root value, which needs the
// parent object ajv gets through `schemaEnv`), the same serialised responses; and nothing compiled
// until a route is used.
import t from 'tap';
import Fastify, { type FastifyInstance } from 'fastify';
import { lazyCompilers } from '../../src/http/lazy-compilers.js';
import { ajvOptions } from '../../src/http/validation.js';
import { INTEGER_STRINGS_KEYWORD } from '../../src/schemas/integer-strings.js';

const body = {
  type: 'object',
  [INTEGER_STRINGS_KEYWORD]: true,
  required: ['to'],
  additionalProperties: false,
  properties: { to: { type: 'string', format: 'jid' }, n: { type: 'integer' }, kind: { type: 'string', default: 'chat' } },
};
const query = { type: 'object', properties: { page: { type: 'object', default: { size: 5 } } } };
const response = {
  200: { type: 'object', properties: { echoed: { type: 'object', additionalProperties: true }, kept: { type: 'string' } } },
};

async function build(lazy: boolean): Promise<FastifyInstance> {
  const app = Fastify({ ajv: ajvOptions, ...(lazy && { schemaController: { compilersFactory: lazyCompilers } }) });
  app.post('/a', { schema: { body, response } }, async (req) => ({ echoed: req.body, kept: 'yes', dropped: 'not in the schema' }));
  app.get('/q', { schema: { querystring: query } }, async (req) => req.query);
  await app.ready();
  return app;
}

const eager = await build(false);
const lazy = await build(true);
t.teardown(async () => {
  await eager.close();
  await lazy.close();
});

const cases: Array<{ name: string; method: 'POST' | 'GET'; url: string; payload?: Record<string, unknown> }> = [
  { name: 'valid, with a default filled in', method: 'POST', url: '/a', payload: { to: 'a@b.example' } },
  { name: 'an integer string converted', method: 'POST', url: '/a', payload: { to: 'a@b.example', n: '20' } },
  { name: 'missing key', method: 'POST', url: '/a', payload: {} },
  { name: 'wrong type', method: 'POST', url: '/a', payload: { to: 5 } },
  { name: 'bad format', method: 'POST', url: '/a', payload: { to: '@@' } },
  { name: 'unknown key', method: 'POST', url: '/a', payload: { to: 'a@b.example', extra: 1 } },
  { name: 'querystring default', method: 'GET', url: '/q' },
];

t.test('the same answers as fastify’s own compilers, on first and later use', async (t) => {
  for (const c of cases) {
    for (const round of [1, 2]) {
      const [e, l] = await Promise.all([eager.inject(c), lazy.inject(c)]);
      t.equal(l.statusCode, e.statusCode, `${c.name} (${round}): status`);
      t.same(l.json(), e.json(), `${c.name} (${round}): body`);
    }
  }
  const ok = await lazy.inject(cases[0]!);
  t.same(ok.json(), { echoed: { to: 'a@b.example', kind: 'chat' }, kept: 'yes' }, 'the response schema drops what it does not name');
});

t.test('nothing is compiled before a route is used', async (t) => {
  let compiled = 0;
  const counting = {
    buildValidator: ((...args: Parameters<typeof lazyCompilers.buildValidator>) => {
      const inner = lazyCompilers.buildValidator(...args);
      return (route: Parameters<ReturnType<typeof lazyCompilers.buildValidator>>[0]) =>
        inner({
          ...route,
          get schema() {
            compiled++;
            return route.schema;
          },
        });
    }) as typeof lazyCompilers.buildValidator,
    buildSerializer: lazyCompilers.buildSerializer,
  };
  const app = Fastify({ ajv: ajvOptions, schemaController: { compilersFactory: counting } });
  t.teardown(() => app.close());
  app.post('/a', { schema: { body } }, async () => ({}));
  await app.ready();
  t.equal(compiled, 0, 'not at start-up');
  await app.inject({ method: 'POST', url: '/a', payload: { to: 'a@b.example' } });
  t.equal(compiled, 1, 'on the first request');
  await app.inject({ method: 'POST', url: '/a', payload: { to: 'a@b.example' } });
  t.equal(compiled, 1, 'once');
});
