// Sessions whose XMPP connection cannot come back end as before, with the reason (docs/api.md
// "Continuity"): a real Prosody behind a TCP proxy that cuts every connection.
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { setup } from '../helpers/continuity.js';
import { connectPeer } from '../helpers/peer.js';
import { startProsody } from '../helpers/prosody.js';

t.test('resumption refused (the server discarded the session): the session ends with the reason, no loop', async (t) => {
  const s = await setup(t);
  s.proxy.cut(1500);
  await s.stream.next((e) => e.event === 'xmpp.connection' && e.data.status === 'reconnecting');
  // The same full JID bound anew directly on the server: Prosody replaces the hibernating session.
  const usurper = await connectPeer(s.prosody, s.prosody.users[0], { resource: 'cont' });
  t.teardown(() => usurper.stop());
  const err = await s.stream.nextEvent('xmpp.error', 20000);
  t.equal(err.data.condition, 'disconnected');
  t.match(err.data.description, /refused to resume/);
  await s.stream.waitEnded();
  const accepted = s.proxy.accepted;
  await sleep(1500);
  t.equal(s.proxy.accepted, accepted, 'no further attempts');
  t.equal((await s.gw.post('/v1/chat/message', { to: s.peer.jid, content: 'x' }, s.token)).status, 410);
});

t.test('a fresh server behind the same address (the account was recreated): the session ends', async (t) => {
  const s = await setup(t);
  const fresh = await startProsody({ users: 2, logLevel: 'info' });
  t.teardown(() => fresh.stop());
  s.proxy.retarget(fresh.port);
  s.proxy.cut();
  const err = await s.stream.nextEvent('xmpp.error', 20000);
  t.equal(err.data.condition, 'disconnected');
  t.match(err.data.description, /salt|re-authentication|refused/);
  t.equal((await s.gw.post('/v1/chat/message', { to: s.peer.jid, content: 'x' }, s.token)).status, 410);
});
