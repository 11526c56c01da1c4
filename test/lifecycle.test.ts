// Session lifecycle: idle timeout, a connection dropped by the server, and what reaches the logs.
import t from 'tap';
import { Writable } from 'node:stream';
import { xml } from '@xmpp/client';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { startProsody } from './helpers/prosody.js';
import { connectPeer } from './helpers/peer.js';
import { startGateway } from './helpers/gateway.js';
import { SseClient } from './helpers/sse.js';

const prosody = await startProsody({ users: 3 });
t.teardown(() => prosody.stop());
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];

t.test('an idle session is logged out; an open stream keeps a session alive', async (t) => {
  const gw = await startGateway(prosody, { idleTimeoutS: 1 });
  const bob = await connectPeer(prosody, bobUser);
  t.teardown(async () => {
    await bob.stop();
    await gw.close();
  });
  const idle = await gw.login(aliceUser, { resource: 'idle' });
  await gw.post('/v1/presence', { to: bob.jid }, idle.token);
  const watched = await gw.login(aliceUser, { resource: 'watched' });
  const stream = await gw.events({ token: watched.token });

  // Any request would count as activity: wait past the idle time (1 s) plus a sweep, then look once.
  await new Promise((r) => setTimeout(r, 2500));
  t.equal((await gw.post('/v1/presence', { to: bob.jid }, idle.token)).status, 401, 'the idle token is revoked');
  await bob.waitFor((s) => s.is('presence') && s.attrs.from === `${aliceUser.jid}/idle` && s.attrs.type === 'unavailable');
  t.pass('and its XMPP connection closed (the peer saw unavailable)');
  t.equal((await gw.post('/v1/presence', { to: bob.jid }, watched.token)).status, 200, 'the session with a stream is still there');
  stream.close();
});

t.test('the server drops the connection: xmpp.error disconnected, then 410', async (t) => {
  const gw = await startGateway(prosody);
  t.teardown(() => gw.close());
  const a = await gw.login(aliceUser, { resource: 'conflict' });
  const stream = await gw.events({ token: a.token });
  await stream.nextEvent('xmpp.connection');
  // Same full JID from another client: Prosody's default resolution kicks the old session.
  const usurper = await connectPeer(prosody, aliceUser, { resource: 'conflict' });
  t.teardown(() => usurper.stop());
  const err = await stream.nextEvent('xmpp.error', 10000);
  t.same(err.data, { type: 'connection', condition: 'disconnected', description: 'XMPP client disconnected' });
  await stream.waitEnded();
  const res = await gw.post('/v1/chat/message', { to: bobUser.jid, content: 'x' }, a.token);
  t.equal(res.status, 410);
  t.match(res.body, { type: 'connection', condition: 'disconnected' });
  const replay = await gw.events({ token: a.token });
  await replay.nextEvent('xmpp.error');
  t.pass('the last events can still be read after the drop');
  t.equal((await gw.events({ token: a.token, lastEventId: err.id! })).status, 410);
});

t.test('no password, token or ticket ever reaches the logs', async (t) => {
  let logs = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs += chunk.toString();
      done();
    },
  });
  const config = loadConfig({}, { workers: 1, allowedHosts: [`${prosody.host}:${prosody.port}`], logLevel: 'trace' });
  const app = await buildApp({ config, logger: { stream: sink } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => app.close());
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
  const bad = await post('/v1/login', { jid: aliceUser.jid, password: 'wrong-secret-xyz', host: prosody.host, port: prosody.port });
  t.equal(bad.status, 401);
  const login = await post('/v1/login', { jid: aliceUser.jid, password: aliceUser.password, host: prosody.host, port: prosody.port });
  t.equal(login.status, 201);
  const token: string = login.body.token;
  const ticket: string = (await post('/v1/events/ticket', {}, token)).body.ticket;
  const s = await SseClient.open(url, { ticket });
  await s.nextEvent('xmpp.connection');
  s.close();
  await post('/v1/chat/message', { to: bobUser.jid, content: 'hello' }, token);
  await post('/v1/logout', {}, token);
  t.ok(logs.length > 0, 'something was logged');
  for (const secret of [aliceUser.password, 'wrong-secret-xyz', token, ticket])
    t.notOk(logs.includes(secret), 'secret absent from the logs');
});

t.test('a ping from the server to an idle connection is answered (no disconnect)', async (t) => {
  const gw = await startGateway(prosody);
  t.teardown(() => gw.close());
  const a = await gw.login(aliceUser, { resource: 'ping' });
  const bob = await connectPeer(prosody, bobUser);
  t.teardown(() => bob.stop());
  const pong = await bob.xmpp.iqCaller.request(
    xml('iq', { type: 'get', to: `${aliceUser.jid}/ping` }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
  );
  t.equal(pong.attrs.type, 'result');
  t.equal((await gw.post('/v1/logout', {}, a.token)).status, 200);
});
