// GET /demo is served with a strict policy, can be turned off, and CORS answers preflights clearly.
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';

async function app(overrides: Partial<Config>) {
  const a = await buildApp({ config: loadConfig({}, { workers: 1, ...overrides }), logger: false });
  t.teardown(() => a.close());
  return a;
}

t.test('the page, its script and style, with a CSP that allows no inline script', async (t) => {
  const a = await app({});
  const page = await a.inject({ url: '/demo' });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /^text\/html/);
  t.match(page.body, /<script src="\/demo\/demo.js" defer><\/script>/);
  t.notMatch(page.body, /<script>|\son\w+="/, 'no inline script or handler');
  const csp = String(page.headers['content-security-policy']);
  t.match(csp, /script-src 'self'/);
  t.notMatch(csp, /unsafe-inline|unsafe-eval/);
  t.equal(page.headers['x-content-type-options'], 'nosniff');
  const js = await a.inject({ url: '/demo/demo.js' });
  t.match(js.headers['content-type'], /^text\/javascript/);
  t.notMatch(js.body, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/, 'network text never becomes markup');
  t.match((await a.inject({ url: '/demo/demo.css' })).headers['content-type'], /^text\/css/);
  t.equal((await a.inject({ url: '/demo/' })).headers.location, '/demo');
  const spec = (await a.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
  t.notOk(
    Object.keys(spec.paths).some((p) => p.startsWith('/demo')),
    'not part of the API description',
  );
});

t.test('DEMO_PAGE=false: no page', async (t) => {
  const a = await app({ demoPage: false });
  t.equal((await a.inject({ url: '/demo' })).statusCode, 404);
});

t.test('CORS off: a preflight gets 403 in the error shape, not 404', async (t) => {
  const a = await app({});
  const res = await a.inject({
    method: 'OPTIONS',
    url: '/v1/login',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
  });
  t.equal(res.statusCode, 403);
  t.same(res.json(), {
    type: 'cancel',
    condition: 'forbidden',
    description: 'Cross-origin requests are off on this gateway (CORS_ORIGINS is empty); origin https://app.example is not allowed',
  });
  // A same-origin page never preflights, and a plain request is served as before.
  t.equal((await a.inject({ url: '/healthz', headers: { origin: 'https://app.example' } })).statusCode, 200);
});

t.test('CORS_ORIGINS=*: any origin', async (t) => {
  const a = await app({ corsOrigins: ['*'] });
  const res = await a.inject({
    method: 'OPTIONS',
    url: '/v1/login',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
  });
  t.equal(res.statusCode, 204);
  t.equal(res.headers['access-control-allow-origin'], '*');
  t.match(String(res.headers['access-control-allow-headers']), /authorization/);
});
