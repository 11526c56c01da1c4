// WORKERS=0 (src/workers/in-thread.ts): the XMPP sessions run on the HTTP thread behind an in-process
// port, with the protocol and the behaviour of a worker thread: login, actions, incoming events, a
// request that fails, the pool's kill/respawn, logout — against a real Prosody and a peer.
import t from 'tap';
import { xml } from '@xmpp/client';
import { isMainThread } from 'node:worker_threads';
import { startProsody, type TestUser } from '../helpers/prosody.js';
import { connectPeer } from '../helpers/peer.js';
import { startGateway } from '../helpers/gateway.js';

const prosody = await startProsody({ users: 3 });
const gw = await startGateway(prosody, { workers: 0 });
t.teardown(async () => {
  await gw.close();
  await prosody.stop();
});
const [alice, bob, peerUser] = prosody.users as [TestUser, TestUser, TestUser];

t.test('one worker side, on this thread', async (t) => {
  t.ok(isMainThread);
  t.same(
    gw.app.gateway.pool.stats().map((s) => s.threadId),
    [0],
    'one slot, the main thread (id 0): no worker thread was started',
  );
});

t.test('a session works as on a worker thread: actions out, events in, errors, logout', async (t) => {
  const peer = await connectPeer(prosody, peerUser);
  t.teardown(() => peer.stop());
  const a = await gw.login(alice, { resource: 'inthread' });
  const events = await gw.events({ token: a.token });
  t.match((await events.nextEvent('xmpp.connection')).data, { status: 'online' });

  const sent = await gw.post('/v1/chat/message', { to: peer.jid, content: 'out' }, a.token);
  t.equal(sent.status, 200);
  t.equal((await peer.waitFor((s) => s.getChildText('body') === 'out')).attrs.from, `${alice.jid}/inthread`);

  await peer.send(xml('message', { to: `${alice.jid}/inthread`, type: 'chat', id: 'in-1' }, xml('body', {}, 'in')));
  const got = await events.nextEvent('xmpp.chat.message');
  t.match(got.data, { content: 'in', id: 'in-1' });

  const ping = await gw.post('/v1/ping', { to: 'localhost' }, a.token);
  t.equal(ping.status, 200, 'an IQ round trip');
  const bad = await gw.post('/v1/disco/items', { of: 'nowhere.invalid' }, a.token);
  t.ok(bad.status >= 400 && bad.status < 500, `an XMPP error answers the request (${bad.status})`);
  t.match(bad.body, { type: String, condition: String });

  const before = events.events.length;
  t.same((await gw.post('/v1/logout', {}, a.token)).body, { ok: true });
  t.match((await events.nextEvent('xmpp.connection', 5000, before)).data, { status: 'offline' });
  await events.waitEnded();
});

t.test('the pool kills and replaces the in-thread worker side as it does a thread', async (t) => {
  const { pool } = gw.app.gateway;
  const b = await gw.login(bob, { resource: 'killed' });
  const events = await gw.events({ token: b.token });
  await events.nextEvent('xmpp.connection');
  await pool.kill(0);
  t.match((await events.nextEvent('xmpp.error', 5000)).data, { type: 'connection', condition: 'disconnected' });
  await events.waitEnded();
  t.equal((await gw.post('/v1/chat/message', { to: alice.jid, content: 'x' }, b.token)).status, 410, 'its session is gone');

  const deadline = Date.now() + 5000;
  while (!pool.isReady() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const again = await gw.login(bob, { resource: 'again' });
  t.equal((await gw.post('/v1/ping', { to: 'localhost' }, again.token)).status, 200, 'a new session is served');
  await gw.post('/v1/logout', {}, again.token);
});
