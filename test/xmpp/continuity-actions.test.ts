// Sessions that survive a drop of the XMPP connection (XEP-0198 resumption, docs/api.md
// "Continuity"): a real Prosody with mod_smacks behind a TCP proxy that cuts every connection.
import t from 'tap';
import { startGateway } from '../helpers/gateway.js';
import { setup } from '../helpers/continuity.js';
import { startProsody } from '../helpers/prosody.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

t.test('an action posted during the cut goes out after resumption (never 410)', async (t) => {
  const s = await setup(t);
  s.proxy.cut(1500);
  await s.stream.next((e) => e.event === 'xmpp.connection' && e.data.status === 'reconnecting');
  const res = await s.gw.post('/v1/chat/message', { to: s.peer.jid, content: 'during the cut' }, s.token);
  t.equal(res.status, 200, `answered ${res.status} ${JSON.stringify(res.body)}`);
  await s.peer.waitFor((m) => m.is('message') && m.getChildText('body') === 'during the cut', 10000);
  // The message reached the peer, so the session resumed; the event saying so can reach the stream a
  // moment after (events and answers travel separately, docs/api.md §3), so wait for it.
  const resumed = await s.stream.next((e) => e.event === 'xmpp.connection' && e.data.resumed === true, 5000);
  t.equal(resumed.data.status, 'online', 'resumed');
});

t.test('an action that waits past RESUME_ACTION_WAIT_MS answers 503 with Retry-After, not 410', async (t) => {
  const prosody = await startProsody({ users: 2, logLevel: 'info' });
  const proxy = await startTcpProxy(prosody.port);
  const gw = await startGateway({ host: proxy.host, port: proxy.port, users: prosody.users }, { resumeActionWaitMs: 200 });
  t.teardown(async () => {
    await gw.close();
    await proxy.close();
    await prosody.stop();
  });
  const login = await gw.login(prosody.users[0]!, { resource: 'cont' });
  const stream = await gw.events({ token: login.token });
  proxy.cut(3000);
  await stream.next((e) => e.event === 'xmpp.connection' && e.data.status === 'reconnecting');
  const res = await gw.post('/v1/chat/message', { to: prosody.users[1]!.jid, content: 'x' }, login.token);
  t.equal(res.status, 503);
  t.equal(res.body.condition, 'service-unavailable');
  t.ok(res.headers.get('retry-after'), 'Retry-After');
  await stream.next((e) => e.event === 'xmpp.connection' && e.data.resumed === true, 15000);
  t.equal((await gw.post('/v1/chat/message', { to: prosody.users[1]!.jid, content: 'y' }, login.token)).status, 200);
});
