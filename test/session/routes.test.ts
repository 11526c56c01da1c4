// The session routes (and an action route) through app.inject(), over a session manager with a fake
// pool: statuses and bodies of login, logout and tickets, the order of checks, tokens in URLs,
// Idempotency-Key over HTTP, Retry-After.
import t from 'tap';
import { createHttp } from '../../src/app.js';
import { errors } from '../../src/errors.js';
import { actionRoutes } from '../../src/http/action-routes.js';
import { sessionRoutes } from '../../src/http/session-routes.js';
import { sseRoutes } from '../../src/http/sse.js';
import { registry } from '../../src/xeps/index.js';
import { openAs, testConfig, testNode } from './fake-pool.js';

const config = testConfig();
const { manager, pool, state } = testNode({ config });
const app = await createHttp({ config, logger: false });
sessionRoutes(app, manager);
actionRoutes(app, { config, manager, pool }, registry);
sseRoutes(app, { config, manager, log: state.log }, []);
await app.ready();
t.teardown(async () => {
  await app.close();
  await manager.shutdown(0);
});

const post = (url: string, payload: unknown, token?: string, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url,
    payload: JSON.stringify(payload),
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }), ...headers },
  });
const login = async () => (await post('/v1/login', { jid: 'alice@example.org/web', password: 'secret' })).json().token as string;

t.test('login: 201 with the token; 401 for the XMPP server’s refusal; 403 outside the allow-list; 400 for bad input', async (t) => {
  const ok = await post('/v1/login', { jid: 'alice@example.org/web', password: 'secret' });
  t.equal(ok.statusCode, 201);
  t.match(ok.json(), { token: /^[A-Za-z0-9_-]{43}$/, status: 'online', jid: { user: 'alice', domain: 'example.org', resource: 'web' } });
  pool.onOpen = async () => {
    throw errors.loginFail();
  };
  const refused = await post('/v1/login', { jid: 'alice@example.org', password: 'wrong' });
  t.equal(refused.statusCode, 401);
  t.same(refused.json(), { type: 'auth', condition: 'login-fail', description: 'XMPP authentication fail' });
  pool.onOpen = openAs;
  const elsewhere = await post('/v1/login', { jid: 'alice@evil.example', password: 'secret' });
  t.equal(elsewhere.statusCode, 403);
  t.match(elsewhere.json(), { type: 'cancel', condition: 'host-not-allowed' });
  const missing = await post('/v1/login', { jid: 'alice@example.org' });
  t.equal(missing.statusCode, 400);
  t.match(missing.json(), { type: 'auth', condition: 'client-error', description: 'Missing jid and/or password' });
});

t.test('logout revokes the token', async (t) => {
  const token = await login();
  const out = await post('/v1/logout', {}, token);
  t.equal(out.statusCode, 200);
  t.same(out.json(), { ok: true });
  const again = await post('/v1/logout', {}, token);
  t.equal(again.statusCode, 401);
  t.same(again.json(), { type: 'auth', condition: 'session-invalid' });
});

t.test('ticket: for streams only, never a bearer token', async (t) => {
  const token = await login();
  const res = await post('/v1/events/ticket', {}, token);
  t.equal(res.statusCode, 200);
  t.match(res.json(), { ticket: /^[A-Za-z0-9_-]{43}$/, expiresIn: config.ticketTtlS });
  t.equal((await post('/v1/chat/message', { to: 'bob@example.org', content: 'x' }, res.json().ticket)).statusCode, 401);
  await post('/v1/logout', {}, token);
});

t.test('401 before 400: a bad token is answered before the body is looked at', async (t) => {
  const token = await login();
  for (const [url, body] of [
    ['/v1/logout', { unexpected: true }],
    ['/v1/events/ticket', { unexpected: true }],
    ['/v1/chat/message', { content: 7 }],
  ] as const) {
    const res = await post(url, body, 'x'.repeat(43));
    t.equal(res.statusCode, 401, `${url} with a bad token`);
    t.equal((await post(url, body)).statusCode, 401, `${url} without one`);
    t.equal((await post(url, body, token)).statusCode, 400, `${url} with a good token: the body`);
  }
  await post('/v1/logout', {}, token);
});

t.test('a token in a URL is refused, even a valid one', async (t) => {
  const token = await login();
  const stream = await app.inject({ method: 'GET', url: `/v1/events?token=${token}` });
  t.equal(stream.statusCode, 401);
  t.same(stream.json(), { type: 'auth', condition: 'session-invalid' });
  t.equal((await post(`/v1/events/ticket?access_token=${token}`, {}, token)).statusCode, 401);
  t.equal((await post(`/v1/chat/message?token=${token}`, { to: 'bob@example.org', content: 'x' }, token)).statusCode, 401);
  await post('/v1/logout', {}, token);
});

t.test('Idempotency-Key: a replay says so; the key with another body is 422', async (t) => {
  const token = await login();
  let n = 0;
  pool.onCall = async () => ({ id: `m${++n}` });
  const body = { to: 'bob@example.org', content: 'hi' };
  const first = await post('/v1/chat/message', body, token, { 'idempotency-key': 'k-1' });
  const replay = await post('/v1/chat/message', body, token, { 'idempotency-key': 'k-1' });
  t.same([first.statusCode, first.json()], [200, { id: 'm1' }]);
  t.equal(first.headers['idempotent-replayed'], undefined);
  t.same([replay.statusCode, replay.json()], [200, { id: 'm1' }]);
  t.equal(replay.headers['idempotent-replayed'], 'true');
  const other = await post('/v1/chat/message', { ...body, content: 'changed' }, token, { 'idempotency-key': 'k-1' });
  t.equal(other.statusCode, 422);
  t.match(other.json(), { type: 'modify', condition: 'client-error', description: /Idempotency-Key/ });
  t.equal(n, 1, 'one message sent');
  await post('/v1/logout', {}, token);
});

t.test('a sessionless action (account creation): 201 with no token, its target checked against the allow-list first', async (t) => {
  const account = { ok: true, jid: { user: 'carol', domain: 'example.org' } };
  pool.onSessionless = async () => account;
  const created = await post('/v1/register', { jid: 'carol@example.org', password: 'secret' });
  t.equal(created.statusCode, 201, created.body);
  t.same(created.json(), account);
  t.match(pool.sessionlessCalls.at(-1), { action: 'register', target: { domain: 'example.org', host: 'example.org', port: 5222 } });
  const calls = pool.sessionlessCalls.length;
  const elsewhere = await post('/v1/register', { jid: 'carol@evil.example', password: 'secret' });
  t.equal(elsewhere.statusCode, 403);
  t.match(elsewhere.json(), { type: 'cancel', condition: 'host-not-allowed' });
  const badJid = await post('/v1/register', { jid: 'example.org', password: 'secret' });
  t.equal(badJid.statusCode, 400);
  t.match(badJid.json(), { condition: 'client-error' });
  t.notMatch(JSON.stringify(badJid.json()), /secret/, 'the password is not echoed');
  t.equal(pool.sessionlessCalls.length, calls, 'nothing refused reached a worker');
});

t.test('a 503 of type wait carries Retry-After; a final one does not', async (t) => {
  const token = await login();
  pool.onCall = async () => {
    throw errors.fromStanzaError({ type: 'cancel', condition: 'service-unavailable' });
  };
  const remote = await post('/v1/chat/message', { to: 'bob@example.org', content: 'x' }, token);
  t.equal(remote.statusCode, 503);
  t.equal(remote.headers['retry-after'], undefined, 'a remote entity’s cancel is final');
  manager.startDraining();
  const draining = await post('/v1/login', { jid: 'alice@example.org', password: 'secret' });
  t.equal(draining.statusCode, 503);
  t.equal(draining.headers['retry-after'], '1');
});
