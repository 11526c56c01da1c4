// XEP-0199 ping end to end: the gateway session (alice) pings the server, peers and nobody; peers
// ping the session, which the gateway answers itself and reports as xmpp.ping.
import t from 'tap';
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { startProsody } from '../../helpers/prosody.js';
import { connectPeer } from '../../helpers/peer.js';
import { cxml, startComponent } from '../../helpers/component.js';
import { startGateway } from '../../helpers/gateway.js';

const PING = 'urn:xmpp:ping';

const prosody = await startProsody({ users: 2 });
// Short IQ timeout so the no-answer case does not take the default 15 s.
const gw = await startGateway(prosody, { iqTimeoutMs: 1000 });
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const aliceFull = `${aliceUser.jid}/gw`;
// bob's library (@xmpp/client) answers pings with its own responder.
const bob = await connectPeer(prosody, bobUser, { resource: 'phone' });
// The component answers nothing by itself: component.localhost does not support ping, and
// dave@component.localhost/lab answers only when the test says so, with the answer it gives.
const comp = await startComponent(prosody);
const daveFull = `dave@${prosody.componentDomain}/lab`;
const daveQueue: Array<{ stanza: Element; answer: (reply: unknown) => void }> = [];
comp.onGet(PING, 'ping', (ctx) => {
  if (ctx.stanza.attrs.to !== daveFull) return undefined;
  return new Promise((resolve) => daveQueue.push({ stanza: ctx.stanza, answer: resolve }));
});
t.teardown(async () => {
  await bob.stop();
  await comp.stop();
  await gw.close();
  await prosody.stop();
});

async function nextDavePing() {
  const deadline = Date.now() + 5000;
  while (daveQueue.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const entry = daveQueue.shift();
  if (!entry) throw new Error('dave was not pinged');
  return entry;
}

const notImplemented = () =>
  cxml('error', { type: 'cancel' }, cxml('feature-not-implemented', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }));

const post = (path: string, body: unknown) => gw.post(path, body, alice.token);

t.test('ping the own server, by default and by name', async (t) => {
  const res = await post('/v1/ping', {});
  t.equal(res.status, 200);
  t.same(res.body, { ok: true });
  t.same((await post('/v1/ping', undefined)).body, { ok: true }, 'an empty body is fine');
  t.same((await post('/v1/ping', { to: 'localhost' })).body, { ok: true });
});

t.test('ping a peer: its own responder answers', async (t) => {
  const res = await post('/v1/ping', { to: bob.jid });
  t.same(res.body, { ok: true });
  const got = await bob.waitFor((s) => s.is('iq') && s.getChild('ping', PING) !== undefined);
  t.equal(got.attrs.type, 'get');
  t.equal(got.attrs.from, aliceFull);
  t.ok(got.attrs.id, 'the ping carries an id');
});

t.test('errors keep their XMPP condition and status', async (t) => {
  const unsupported = await post('/v1/ping', { to: prosody.componentDomain });
  t.equal(unsupported.status, 503, 'an entity without ping support: service-unavailable');
  t.same(unsupported.body, { type: 'cancel', condition: 'service-unavailable' });

  // Prosody answers a ping to a bare JID itself, even for an account that does not exist (mod_ping);
  // a full JID is routed to the resource, and there is none.
  t.same((await post('/v1/ping', { to: 'nobody@localhost' })).body, { ok: true }, 'bare JID: the server answers');
  const nobody = await post('/v1/ping', { to: 'nobody@localhost/x' });
  t.equal(nobody.status, 503, 'a user that does not exist: service-unavailable');
  t.match(nobody.body, { type: 'cancel', condition: 'service-unavailable' });
  const gone = await post('/v1/ping', { to: `${bobUser.jid}/no-such-resource` });
  t.equal(gone.status, 503, 'an offline resource: service-unavailable');

  const remote = await post('/v1/ping', { to: 'nowhere.invalid' });
  t.equal(remote.status, 502, 'an unreachable server: remote-server-not-found');
  t.match(remote.body, { condition: 'remote-server-not-found' });

  const pending = post('/v1/ping', { to: daveFull });
  (await nextDavePing()).answer(notImplemented());
  const refused = await pending;
  t.equal(refused.status, 501);
  t.same(refused.body, { type: 'cancel', condition: 'feature-not-implemented' });

  const ok = post('/v1/ping', { to: daveFull });
  (await nextDavePing()).answer(true);
  t.same((await ok).body, { ok: true }, 'and a plain result is ok');
});

t.test('no answer in time is 504', async (t) => {
  const started = Date.now();
  const res = await post('/v1/ping', { to: daveFull });
  await nextDavePing(); // never answered
  t.equal(res.status, 504);
  t.match(res.body, { type: 'wait', condition: 'timeout' });
  t.ok(Date.now() - started >= 900, 'after the IQ timeout');
});

t.test('a spoofed ping reply (right id, wrong sender) is ignored', async (t) => {
  const stream = await gw.events({ token: alice.token });
  t.teardown(() => stream.close());
  const pending = post('/v1/ping', { to: daveFull });
  const ping = await nextDavePing();
  // bob (not dave) answers alice's ping to dave, with its id: were it accepted, the answer would be 200.
  await bob.send(xml('iq', { type: 'result', to: aliceFull, id: ping.stanza.attrs.id }));
  // The session handles stanzas in order: once this message is an event, the spoof has been seen.
  await bob.send(xml('message', { to: aliceFull, type: 'chat' }, xml('body', {}, 'after the ping spoof')));
  await stream.next((e) => e.event === 'xmpp.chat.message' && e.data.content === 'after the ping spoof');
  ping.answer(notImplemented());
  const res = await pending;
  t.equal(res.status, 501, 'the answer that counts is dave’s');
});

t.test('a peer pings the session: the gateway answers, the client is told; ping/pong sends nothing', async (t) => {
  const stream = await gw.events({ token: alice.token });
  t.teardown(() => stream.close());
  const pong = await bob.xmpp.iqCaller.request(xml('iq', { type: 'get', to: aliceFull, id: 'bob-ping-1' }, xml('ping', { xmlns: PING })));
  t.equal(pong.attrs.type, 'result');
  t.equal(pong.attrs.from, aliceFull);
  const ev = await stream.nextEvent('xmpp.ping');
  const [bare, resource] = bob.jid.split('/') as [string, string];
  t.same(ev.data, { from: { user: bare.split('@')[0], domain: 'localhost', resource }, id: 'bob-ping-1' });

  const res = await post('/v1/ping/pong', { to: bob.jid, id: 'bob-ping-1' });
  t.equal(res.status, 200);
  t.same(res.body, {});
  // A later round trip proves nothing else from alice was on its way.
  await bob.xmpp.iqCaller.request(xml('iq', { type: 'get', to: aliceFull, id: 'bob-ping-2' }, xml('ping', { xmlns: PING })));
  const answers = bob.received.filter((s) => s.is('iq') && s.attrs.id === 'bob-ping-1');
  t.equal(answers.length, 1, 'exactly one result for the ping');
});

t.test('bad input on the ping routes', async (t) => {
  const cases: Array<[string, unknown, string]> = [
    ['/v1/ping', { to: 'not a jid@' }, "Invalid JID in 'to' key"],
    ['/v1/ping', { to: 42 }, "'to' must be a string"],
    ['/v1/ping', { of: 'localhost' }, "Unknown key 'of'"],
    ['/v1/ping/pong', {}, "Missing 'id' key"],
    ['/v1/ping/pong', { id: 'p1' }, "Missing 'to' key"],
    ['/v1/ping/pong', { to: bob.jid }, "Missing 'id' key"],
    ['/v1/ping/pong', { id: 'p1', to: '@localhost' }, "Invalid JID in 'to' key"],
    ['/v1/ping/pong', { id: 'p1', to: bob.jid, type: 'result' }, "Unknown key 'type'"],
  ];
  for (const [path, body, description] of cases) {
    const res = await post(path, body);
    t.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
    t.same(res.body, { type: 'modify', condition: 'client-error', description, request: body });
  }
});
