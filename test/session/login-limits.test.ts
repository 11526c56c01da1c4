// The limits on guessing through app.inject(), over a session manager with a fake pool: wrong
// passwords get 401 until the limit, then 429 with Retry-After, and the pool (the XMPP server's
// stand-in) sees only the allowed attempts; another address or another JID still gets through;
// anonymous login and account creation are limited too; 0 disables a limit; TRUST_PROXY.
import t from 'tap';
import { createHttp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { errors } from '../../src/errors.js';
import { actionRoutes } from '../../src/http/action-routes.js';
import { LoginLimits } from '../../src/http/login-limits.js';
import { sessionRoutes } from '../../src/http/session-routes.js';
import { registry } from '../../src/xeps/index.js';
import type { LoginRequest } from '../../src/workers/protocol.js';
import { openAs, testConfig, testNode } from './fake-pool.js';

async function gateway(overrides: Partial<Config>) {
  const config = testConfig({ loginRatePerAddress: 0, loginFailuresPerAddress: 0, loginFailuresPerJid: 0, ...overrides });
  const node = testNode({ config });
  const app = await createHttp({ config, logger: false });
  const limits = new LoginLimits(node.state.rateLimits, config);
  sessionRoutes(app, node.manager, limits);
  actionRoutes(app, { config, manager: node.manager, pool: node.pool, limits }, registry);
  await app.ready();
  t.teardown(async () => {
    await app.close();
    await node.manager.shutdown(0);
  });
  // Wrong passwords for every account but alice's "secret" (the XMPP server's answer: 401 login-fail).
  const opened: LoginRequest[] = [];
  node.pool.onOpen = async (sid, login) => {
    opened.push(login);
    if (login.anonymous || login.password === 'secret') return openAs(sid, login);
    throw errors.loginFail();
  };
  const post = (url: string, payload: unknown, address = '203.0.113.7', headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url,
      payload: JSON.stringify(payload),
      remoteAddress: address,
      headers: { 'content-type': 'application/json', ...headers },
    });
  return { ...node, app, opened, post };
}

const tooMany = { type: 'wait', condition: 'policy-violation', description: /^Too many login attempts; retry in \d+ s$/ };

t.test('failures per JID: 401s up to the limit, then 429 + Retry-After, and nothing more reaches the server', async (t) => {
  const gw = await gateway({ loginFailuresPerJid: 3 });
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await gw.post('/v1/login', { jid: 'alice@example.org', password: `guess${i}` })).statusCode);
  t.same(statuses, [401, 401, 401, 429, 429, 429]);
  t.equal(gw.opened.length, 3, 'the pool saw only the three allowed guesses');
  const refused = await gw.post('/v1/login', { jid: 'alice@example.org', password: 'secret' }, '198.51.100.1');
  t.equal(refused.statusCode, 429, 'the right password from another address is refused too while the account is locked');
  t.match(refused.json(), tooMany);
  const retryAfter = Number(refused.headers['retry-after']);
  t.ok(retryAfter > 14 * 60 && retryAfter <= 15 * 60, `Retry-After ${retryAfter} s: the rest of the 15-minute window`);
  t.equal(gw.opened.length, 3);
  const bob = await gw.post('/v1/login', { jid: 'bob@example.org', password: 'wrong' });
  t.equal(bob.statusCode, 401, 'another JID still reaches the server');
  t.equal(gw.opened.length, 4);
  t.equal(
    (await gw.post('/v1/login', { jid: 'ALICE@example.org', password: 'x' })).statusCode,
    429,
    'the JID is counted case-insensitively',
  );
  t.equal(
    (await gw.post('/v1/login', { jid: 'alice@example.org/other', password: 'x' })).statusCode,
    429,
    'per bare JID, whatever the resource',
  );
});

t.test('concurrent guesses cannot slip past the limit', async (t) => {
  const gw = await gateway({ loginFailuresPerJid: 5 });
  const answers = await Promise.all(
    Array.from({ length: 40 }, (_, i) => gw.post('/v1/login', { jid: 'carol@example.org', password: `g${i}` }, `192.0.2.${i + 1}`)),
  );
  const count = (s: number) => answers.filter((a) => a.statusCode === s).length;
  t.equal(count(401), 5);
  t.equal(count(429), 35);
  t.equal(gw.opened.length, 5);
});

t.test('successful logins are not failures; the per-address rate counts every attempt', async (t) => {
  const gw = await gateway({ loginFailuresPerJid: 2, loginRatePerAddress: 5 });
  for (let i = 0; i < 4; i++) {
    t.equal((await gw.post('/v1/login', { jid: 'alice@example.org', password: 'secret' })).statusCode, 201, `login ${i + 1}`);
  }
  t.equal((await gw.post('/v1/login', { jid: 'bob@example.org', password: 'wrong' })).statusCode, 401, 'the fifth attempt');
  const sixth = await gw.post('/v1/login', { jid: 'alice@example.org', password: 'secret' });
  t.equal(sixth.statusCode, 429, 'the sixth attempt in a minute from one address');
  t.match(sixth.json(), tooMany);
  const retryAfter = Number(sixth.headers['retry-after']);
  t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter} s: the rest of the minute`);
  t.equal(gw.opened.length, 5);
  t.equal(
    (await gw.post('/v1/login', { jid: 'alice@example.org', password: 'secret' }, '198.51.100.9')).statusCode,
    201,
    'another address',
  );
});

t.test('failures per address: one address guessing many accounts', async (t) => {
  const gw = await gateway({ loginFailuresPerAddress: 4 });
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await gw.post('/v1/login', { jid: `user${i}@example.org`, password: 'wrong' })).statusCode);
  t.same(statuses, [401, 401, 401, 401, 429, 429]);
  t.equal(gw.opened.length, 4);
  t.equal((await gw.post('/v1/login', { jid: 'user9@example.org', password: 'wrong' }, '198.51.100.2')).statusCode, 401, 'another address');
});

t.test('anonymous logins are counted per domain', async (t) => {
  const gw = await gateway({ loginRatePerAddress: 2 });
  t.equal((await gw.post('/v1/login/anonymous', { jid: 'example.org' })).statusCode, 201);
  t.equal((await gw.post('/v1/login/anonymous', { jid: 'example.org' })).statusCode, 201);
  const third = await gw.post('/v1/login/anonymous', { jid: 'example.org' });
  t.equal(third.statusCode, 429);
  t.match(third.json(), tooMany);
  t.ok(Number(third.headers['retry-after']) >= 1);
  t.equal(gw.opened.length, 2);

  const gw2 = await gateway({ loginFailuresPerJid: 1 });
  gw2.pool.onOpen = async () => {
    throw errors.loginFail('SASL ANONYMOUS not offered');
  };
  t.equal((await gw2.post('/v1/login/anonymous', { jid: 'example.org' })).statusCode, 401);
  t.equal((await gw2.post('/v1/login/anonymous', { jid: 'example.org/r2' }, '198.51.100.3')).statusCode, 429, 'the domain, from anywhere');
});

t.test('account creation is limited; bad input and 5xx do not count as failures', async (t) => {
  const gw = await gateway({ loginFailuresPerJid: 2 });
  gw.pool.onSessionless = async () => {
    throw errors.fromStanzaError({ type: 'cancel', condition: 'conflict' });
  };
  const create = (jid: string, address?: string) => gw.post('/v1/register', { jid, password: 'pw' }, address);
  t.equal((await create('dave@example.org')).statusCode, 409);
  t.equal((await create('dave@example.org')).statusCode, 409);
  const third = await create('dave@example.org', '198.51.100.4');
  t.equal(third.statusCode, 429);
  t.match(third.json(), {
    type: 'wait',
    condition: 'policy-violation',
    description: /^Too many account-creation attempts; retry in \d+ s$/,
  });
  t.ok(Number(third.headers['retry-after']) > 0);
  t.equal(gw.pool.sessionlessCalls.length, 2);
  gw.pool.onSessionless = async () => {
    throw errors.unreachable('connection refused');
  };
  for (let i = 0; i < 3; i++) t.equal((await create('erin@example.org')).statusCode, 502, 'the server away is not a guess');
  t.equal(gw.pool.sessionlessCalls.length, 5);
  t.equal((await gw.post('/v1/login', { jid: 'erin@example.org', password: 'secret' })).statusCode, 201, 'login has counters of its own');
});

t.test('0 disables every limit', async (t) => {
  const gw = await gateway({});
  for (let i = 0; i < 60; i++) t.equal((await gw.post('/v1/login', { jid: 'alice@example.org', password: 'wrong' })).statusCode, 401);
  t.equal(gw.opened.length, 60);
});

t.test('TRUST_PROXY: X-Forwarded-For is the client address only when the setting says so', async (t) => {
  const forwarded = (i: number) => ({ 'x-forwarded-for': `192.0.2.${i}` });
  const plain = await gateway({ loginRatePerAddress: 1 });
  t.equal((await plain.post('/v1/login', { jid: 'alice@example.org', password: 'secret' }, '127.0.0.1', forwarded(1))).statusCode, 201);
  t.equal(
    (await plain.post('/v1/login', { jid: 'alice@example.org', password: 'secret' }, '127.0.0.1', forwarded(2))).statusCode,
    429,
    'untrusted: the header is ignored, one address',
  );
  const proxied = await gateway({ loginRatePerAddress: 1, trustProxy: ['127.0.0.1'] });
  t.equal((await proxied.post('/v1/login', { jid: 'alice@example.org', password: 'secret' }, '127.0.0.1', forwarded(1))).statusCode, 201);
  t.equal(
    (await proxied.post('/v1/login', { jid: 'alice@example.org', password: 'secret' }, '127.0.0.1', forwarded(2))).statusCode,
    201,
    'trusted proxy: each forwarded client counts apart',
  );
  t.equal((await proxied.post('/v1/login', { jid: 'alice@example.org', password: 'secret' }, '127.0.0.1', forwarded(1))).statusCode, 429);
  t.equal(
    (await proxied.post('/v1/login', { jid: 'alice@example.org', password: 'secret' }, '10.9.9.9', forwarded(3))).statusCode,
    201,
    'a peer that is not the trusted proxy is its own address',
  );
  t.equal((await proxied.post('/v1/login', { jid: 'alice@example.org', password: 'secret' }, '10.9.9.9', forwarded(4))).statusCode, 429);
});

t.test('the OpenAPI document declares the 429 of login, anonymous login and account creation', async (t) => {
  const gw = await gateway({});
  const doc = (await gw.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  for (const path of ['/v1/login', '/v1/login/anonymous', '/v1/register']) {
    t.match(doc.paths[path].post.responses['429'], { description: /Too many login or account-creation attempts/ }, path);
  }
  t.notOk(doc.paths['/v1/logout'].post.responses['429'], 'not on routes without a limit');
});

t.test('TRUST_PROXY and the limits settings parse; 0 is allowed, negative numbers are not', async (t) => {
  t.equal(loadConfig({}).trustProxy, false);
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
  t.same(loadConfig({ TRUST_PROXY: '10.0.0.1, 10.1.0.0/16' }).trustProxy, ['10.0.0.1', '10.1.0.0/16']);
  t.match(loadConfig({ LOGIN_FAILURES_PER_JID: '0', LOGIN_RATE_PER_ADDRESS: '5' }), { loginFailuresPerJid: 0, loginRatePerAddress: 5 });
  t.throws(() => loadConfig({ LOGIN_FAILURES_PER_ADDRESS: '-1' }), /LOGIN_FAILURES_PER_ADDRESS/);
});
