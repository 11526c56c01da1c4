// XEP-0191 end to end against Prosody's mod_blocklist. Alice has two gateway sessions (web, phone)
// that both asked for the blocklist, so Prosody pushes every change to both (it pushes only to
// resources that asked, mod_blocklist's interested_blocklist). Bob is a plain XMPP client: while he
// is blocked his chat message to alice is bounced with service-unavailable (mod_blocklist's
// bounce_message) and never reaches her; once unblocked it does.
import t from 'tap';
import { xml } from '@xmpp/client';
import { startProsody, type TestUser } from '../../helpers/prosody.js';
import { startGateway } from '../../helpers/gateway.js';
import { connectPeer } from '../../helpers/peer.js';
import { eventSchemaProblem, loadRegistry } from '../../helpers/golden.js';

const prosody = await startProsody({ users: 3, lean: true });
const gw = await startGateway(prosody);
const [aliceUser, bobUser, carolUser] = prosody.users as [TestUser, TestUser, TestUser];
const reg = await loadRegistry();

const web = await gw.login(aliceUser, { resource: 'web' });
const phone = await gw.login(aliceUser, { resource: 'phone' });
const webEvents = await gw.events({ token: web.token });
const phoneEvents = await gw.events({ token: phone.token });
// Available, so that a chat message to the bare JID is delivered to them (RFC 6121 §8.5.2.1.1).
for (const s of [web, phone]) await gw.post('/v1/presence', {}, s.token);
const bob = await connectPeer(prosody, bobUser, { resource: 'peer' });
t.teardown(async () => {
  webEvents.close();
  phoneEvents.close();
  await bob.stop();
  await gw.close();
  await prosody.stop();
});

const bobJid = { user: bobUser.username, domain: 'localhost' };
const carolJid = { user: carolUser.username, domain: 'localhost' };

/** Bob's chat message to alice's bare JID, and the error Prosody answers it with, if any (undefined: delivered). */
async function bobSays(id: string, text: string): Promise<string | undefined> {
  await bob.send(xml('message', { type: 'chat', to: aliceUser.jid, id }, xml('body', {}, text)));
  // Bob pings his server after the message: Prosody handles one stream's stanzas in order, so the
  // pong comes after the message was routed (and bounced or delivered).
  await bob.send(xml('iq', { type: 'get', to: 'localhost', id: `${id}-ping` }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
  const answer = await bob.waitFor((s) => (s.attrs.id === id && s.attrs.type === 'error') || s.attrs.id === `${id}-ping`, 5000);
  if (answer.attrs.id === `${id}-ping`) return undefined;
  await bob.waitFor((s) => s.attrs.id === `${id}-ping`, 5000);
  return answer
    .getChild('error')
    ?.children.find((c) => typeof c !== 'string')
    ?.toString();
}

t.test('blocking/list starts empty, on both sessions (each asks: Prosody pushes only to those that asked)', async (t) => {
  for (const s of [web, phone]) {
    const res = await gw.post('/v1/blocking/list', {}, s.token);
    t.equal(res.status, 200);
    t.same(res.body, { jids: [] });
  }
});

t.test('before blocking, bob’s message reaches alice', async (t) => {
  t.equal(await bobSays('before', 'hello'), undefined, 'not bounced');
  const e = await webEvents.next((x) => x.event === 'xmpp.chat.message' && x.data.id === 'before');
  t.equal(e.data.content, 'hello');
});

t.test('blocking bob: pushed to the other session, listed, and his message bounces and never arrives', async (t) => {
  const res = await gw.post('/v1/blocking/block', { jids: [bobUser.jid, carolUser.jid] }, web.token);
  t.equal(res.status, 200);
  t.same(res.body, { ok: true });
  const pushed = await phoneEvents.nextEvent('xmpp.blocking.block');
  t.same(pushed.data, { jids: [bobJid, carolJid] }, 'the phone session hears of it');
  t.equal(eventSchemaProblem(reg, { event: pushed.event, data: pushed.data }), undefined, 'the event satisfies its schema');
  const own = await webEvents.nextEvent('xmpp.blocking.block');
  t.same(own.data, pushed.data, 'the blocking session gets the push too');
  const list = await gw.post('/v1/blocking/list', {}, phone.token);
  t.same(
    [...list.body.jids].sort((a: { user: string }, b: { user: string }) => a.user.localeCompare(b.user)),
    [bobJid, carolJid],
    'both are listed',
  );

  const bounced = await bobSays('blocked', 'are you there?');
  t.match(bounced, /service-unavailable/, 'Prosody bounces the message to bob (XEP-0191 §3.6)');
  // The web session's stream received the push after the block; nothing from bob comes after it.
  await new Promise((r) => setTimeout(r, 300));
  for (const stream of [webEvents, phoneEvents]) {
    t.notOk(
      stream.events.some((x) => x.event === 'xmpp.chat.message' && x.data.id === 'blocked'),
      'the blocked message reached no session',
    );
  }
});

t.test('unblocking bob: pushed, and his messages arrive again; carol stays blocked', async (t) => {
  const res = await gw.post('/v1/blocking/unblock', { jids: [bobUser.jid] }, phone.token);
  t.equal(res.status, 200);
  const pushed = await webEvents.nextEvent('xmpp.blocking.unblock');
  t.same(pushed.data, { jids: [bobJid] });
  t.equal(eventSchemaProblem(reg, { event: pushed.event, data: pushed.data }), undefined);
  t.same((await gw.post('/v1/blocking/list', {}, web.token)).body, { jids: [carolJid] });
  t.equal(await bobSays('after', 'back'), undefined, 'not bounced');
  const e = await webEvents.next((x) => x.event === 'xmpp.chat.message' && x.data.id === 'after');
  t.equal(e.data.content, 'back');
});

t.test('unblock without jids unblocks everyone, pushed as `all`', async (t) => {
  const res = await gw.post('/v1/blocking/unblock', {}, web.token);
  t.equal(res.status, 200);
  const pushed = await phoneEvents.next((x) => x.event === 'xmpp.blocking.unblock' && x.data.all === true);
  t.same(pushed.data, { jids: [], all: true });
  t.equal(eventSchemaProblem(reg, { event: pushed.event, data: pushed.data }), undefined);
  t.same((await gw.post('/v1/blocking/list', {}, phone.token)).body, { jids: [] });
});

t.test('a malformed JID is refused before anything is sent', async (t) => {
  const res = await gw.post('/v1/blocking/block', { jids: ['@localhost'] }, web.token);
  t.equal(res.status, 400);
  t.match(res.body, { condition: 'client-error', description: "Invalid JID in 'jids.0' key" });
});
