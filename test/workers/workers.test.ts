// Worker pool: sessions are spread over worker threads; a dead worker ends only its own sessions
// (xmpp.error disconnected, then 410) and is replaced; the others carry on.
import t from 'tap';
import { startProsody } from '../helpers/prosody.js';
import { connectPeer } from '../helpers/peer.js';
import { startGateway } from '../helpers/gateway.js';

const prosody = await startProsody({ users: 4 });
const gw = await startGateway(prosody, { workers: 2 });
t.teardown(async () => {
  await gw.close();
  await prosody.stop();
});
const [u1, u2, peerUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0], (typeof prosody.users)[0]];

t.test('a worker dies: its sessions end cleanly, the others keep working', async (t) => {
  const peer = await connectPeer(prosody, peerUser);
  t.teardown(() => peer.stop());
  const { pool, store } = gw.app.gateway;
  const a = await gw.login(u1, { resource: 'w' });
  const b = await gw.login(u2, { resource: 'w' });
  const sidOf = async (token: string) => (await gw.app.gateway.manager.authenticate(token)).sid;
  const wa = pool.workerOf(await sidOf(a.token));
  const wb = pool.workerOf(await sidOf(b.token));
  t.not(wa, undefined);
  t.not(wa, wb, 'two sessions land on two workers');
  const sa = await gw.events({ token: a.token });
  const sb = await gw.events({ token: b.token });
  await sa.nextEvent('xmpp.connection');

  await pool.kill(wa!);
  const err = await sa.nextEvent('xmpp.error', 5000);
  t.match(err.data, { type: 'connection', condition: 'disconnected' });
  await sa.waitEnded();
  const gone = await gw.post('/v1/chat/message', { to: peer.jid, content: 'x' }, a.token);
  t.equal(gone.status, 410);
  t.match(gone.body, { type: 'connection', condition: 'disconnected' });
  t.equal((await gw.events({ token: a.token, lastEventId: err.id! })).status, 410, 'nothing left to read after the cursor: 410');
  t.equal((await store.get(await sidOf(a.token)))?.state, 'gone');

  const ok = await gw.post('/v1/chat/message', { to: peer.jid, content: 'survivor' }, b.token);
  t.equal(ok.status, 200);
  await peer.waitFor((s) => s.getChildText('body') === 'survivor');
  t.notOk(
    sb.events.some((e) => e.event === 'xmpp.error'),
    'the other session saw no error',
  );

  // The pool replaced the worker: new logins are served and the node is ready.
  const deadline = Date.now() + 5000;
  while (!pool.isReady() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.equal(pool.stats().length, 2);
  t.equal((await fetch(`${gw.url}/readyz`)).status, 200);
  const c = await gw.login(u1, { resource: 'again' });
  t.equal((await gw.post('/v1/chat/message', { to: peer.jid, content: 'new' }, c.token)).status, 200);
  sb.close();
});

t.test('heapSnapshot(i): a V8 heap snapshot of that worker (bench/heap-worker.ts); no such worker rejects', async (t) => {
  const { pool } = gw.app.gateway;
  const chunks: Buffer[] = [];
  for await (const c of await pool.heapSnapshot(0)) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  // V8's heap snapshot format: meta, then the node and string tables.
  const snap = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { snapshot: { meta: { node_fields: string[] } }; strings: string[] };
  t.ok(snap.snapshot.meta.node_fields.includes('self_size'));
  // The worker's session class is in its heap: the snapshot is of a worker thread.
  t.ok(snap.strings.includes('XmppSession'), 'the worker’s classes are in it');
  await t.rejects(pool.heapSnapshot(99), /XMPP worker stopped/);
});
