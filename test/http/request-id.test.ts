// x-request-id: echoed (or generated) on every response, event streams included, and on the request's
// log lines, the session manager's login and logout lines included (written with the request's logger).
import t from 'tap';
import http from 'node:http';
import { Writable } from 'node:stream';
import { buildApp, createHttp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startProsody, type TestUser } from '../helpers/prosody.js';

const prosody = await startProsody({ users: 1, lean: true });
const lines: Array<Record<string, unknown>> = [];
const raw: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      raw.push(line);
      lines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  },
});
// debug: fastify's own per-request lines are debug lines (src/app.ts); the last test checks info.
const config = loadConfig({}, { workers: 1, allowedHosts: [`${prosody.host}:${prosody.port}`], logLevel: 'debug' });
const app = await buildApp({ config, logger: { stream: sink } });
await app.listen({ port: 0, host: '127.0.0.1' });
const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
t.teardown(async () => {
  await app.close();
  await prosody.stop();
});
const [alice] = prosody.users as [TestUser];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

t.test('a given id is echoed on success, errors, 404s and the event stream', async (t) => {
  const login = await post(
    '/v1/login',
    { jid: alice.jid, password: alice.password, host: prosody.host, port: prosody.port },
    { 'x-request-id': 'lb-4711' },
  );
  t.equal(login.status, 201);
  t.equal(login.headers.get('x-request-id'), 'lb-4711');
  const { token } = (await login.json()) as { token: string };
  const bad = await post('/v1/chat/message', { to: 'not a jid' }, { authorization: `Bearer ${token}`, 'x-request-id': 'bad-1' });
  t.equal(bad.status, 400);
  t.equal(bad.headers.get('x-request-id'), 'bad-1');
  const missing = await fetch(`${url}/nowhere`, { headers: { 'x-request-id': 'nf-1' } });
  t.equal(missing.status, 404);
  t.equal(missing.headers.get('x-request-id'), 'nf-1');

  // The stream's headers are written by hand (the reply is hijacked): the id must be among them.
  const streamHeaders = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
    const req = http.get(`${url}/v1/events`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': 'sse-1' } }, (res) => {
      resolve(res.headers);
      req.destroy();
    });
    req.on('error', reject);
  });
  t.equal(streamHeaders['content-type'], 'text/event-stream; charset=utf-8');
  t.equal(streamHeaders['x-request-id'], 'sse-1');
  await post('/v1/logout', {}, { authorization: `Bearer ${token}` });
});

t.test('without one, or with an implausible one, a fresh UUID is generated', async (t) => {
  const a = (await fetch(`${url}/healthz`)).headers.get('x-request-id');
  const b = (await fetch(`${url}/healthz`)).headers.get('x-request-id');
  t.match(a, UUID);
  t.match(b, UUID);
  t.not(a, b);
  for (const given of ['has space', 'x'.repeat(129), 'quote"d', '<script>', '']) {
    const res = await fetch(`${url}/healthz`, { headers: { 'x-request-id': given } });
    t.match(res.headers.get('x-request-id'), UUID, `${JSON.stringify(given).slice(0, 12)} is replaced`);
  }
});

t.test('log lines of a request carry its id, those of the session manager included', async (t) => {
  lines.length = 0;
  raw.length = 0;
  const res = await post(
    '/v1/login',
    { jid: alice.jid, password: alice.password, host: prosody.host, port: prosody.port },
    { 'x-request-id': 'login-42' },
  );
  t.equal(res.status, 201);
  const { token } = (await res.json()) as { token: string };
  await post('/v1/logout', {}, { authorization: `Bearer ${token}`, 'x-request-id': 'logout-43' });
  const online = lines.find((l) => l.msg === 'session online');
  t.ok(online, 'the manager logged the login');
  t.equal(online?.reqId, 'login-42');
  t.equal(lines.find((l) => l.msg === 'session ended')?.reqId, 'logout-43');
  const ofLogin = lines.filter((l) => l.reqId === 'login-42').map((l) => l.msg);
  t.ok(ofLogin.includes('incoming request') && ofLogin.includes('request completed'), 'fastify’s own lines too');
  t.notOk(
    raw.some((l) => /"reqId":.*"reqId":/.test(l)),
    'no line has the id twice',
  );
});

t.test('at info a request writes no line of its own; at debug fastify’s two, with the request id', async (t) => {
  for (const level of ['info', 'debug'] as const) {
    const seen: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) seen.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const http = await createHttp({ config: loadConfig({}, { workers: 1, logLevel: level }), logger: { stream } });
    http.get('/ok', async () => ({ ok: true }));
    const res = await http.inject({ method: 'GET', url: '/ok?ticket=secret', headers: { 'x-request-id': `r-${level}` } });
    t.equal(res.statusCode, 200);
    await http.close();
    const mine = seen.filter((l) => l.reqId === `r-${level}`).map((l) => l.msg);
    t.same(mine, level === 'info' ? [] : ['incoming request', 'request completed'], `${level}: ${mine.join(', ') || 'no line'}`);
    t.notOk(JSON.stringify(seen).includes('secret'), `${level}: no query string logged`);
  }
});
