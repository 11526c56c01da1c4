// XEP-0402 end to end against Prosody's PEP (mod_pep) with mod_bookmarks (which keeps XEP-0048
// private storage in step with the node; Prosody 0.12's mod_pep alone already honours the
// publish-options, and these tests pass without mod_bookmarks too). Alice has two gateway sessions: web edits her bookmarks;
// phone asked for urn:xmpp:bookmarks:1 notifications (XEP-0163 §4: +notify in its caps) and hears of
// every change, as xmpp.bookmarks.* and never also as xmpp.pubsub.push.*. Bob, a contact of nobody,
// cannot read them: the node's access model is whitelist (XEP-0402 §3).
import t from 'tap';
import { startProsody, type TestUser } from '../../helpers/prosody.js';
import { startGateway } from '../../helpers/gateway.js';
import { eventSchemaProblem, loadRegistry } from '../../helpers/golden.js';

const NODE = 'urn:xmpp:bookmarks:1';
const ROOM = 'theplay@conference.localhost';
const OTHER = 'orchard@conference.localhost';

const prosody = await startProsody({ users: 2, lean: true, extraModules: ['bookmarks'] });
const gw = await startGateway(prosody);
const [aliceUser, bobUser] = prosody.users as [TestUser, TestUser];
const reg = await loadRegistry();

const web = await gw.login(aliceUser, { resource: 'web' });
const phone = await gw.login(aliceUser, { resource: 'phone' });
const bob = await gw.login(bobUser, { resource: 'gw' });
const phoneEvents = await gw.events({ token: phone.token });
const interests = await gw.post('/v1/pubsub/pep/interests', { nodes: [NODE] }, phone.token);
if (interests.status !== 200) throw new Error(`pep/interests: ${interests.status} ${JSON.stringify(interests.body)}`);
// Notifications reach available resources only; the caps naming the node go out with this presence.
await gw.post('/v1/presence', {}, phone.token);
t.teardown(async () => {
  phoneEvents.close();
  await gw.close();
  await prosody.stop();
});

const room = { user: 'theplay', domain: 'conference.localhost' };
const other = { user: 'orchard', domain: 'conference.localhost' };

t.test('no bookmark yet: the list is empty', async (t) => {
  const res = await gw.post('/v1/bookmarks/list', {}, web.token);
  t.equal(res.status, 200);
  t.same(res.body, []);
});

t.test('add: listed, and pushed to the other session', async (t) => {
  const res = await gw.post('/v1/bookmarks/add', { room: ROOM, name: 'The Play', autojoin: true, nick: 'JC', password: 'pw' }, web.token);
  t.equal(res.status, 200, JSON.stringify(res.body));
  t.same(res.body, { ok: true });
  const pushed = await phoneEvents.nextEvent('xmpp.bookmarks.push', 10_000);
  t.same(pushed.data, { room, name: 'The Play', autojoin: true, nick: 'JC', password: 'pw' });
  t.equal(eventSchemaProblem(reg, { event: pushed.event, data: pushed.data }), undefined, 'the event satisfies its schema');

  t.equal((await gw.post('/v1/bookmarks/add', { room: OTHER }, web.token)).status, 200, 'a second, minimal bookmark');
  const second = await phoneEvents.next((e) => e.event === 'xmpp.bookmarks.push' && e.data.room.user === 'orchard', 10_000);
  t.same(second.data, { room: other, autojoin: false });

  const list = await gw.post('/v1/bookmarks/list', {}, phone.token);
  t.equal(list.status, 200);
  const byRoom = [...list.body].sort((a: { room: { user: string } }, b: { room: { user: string } }) =>
    a.room.user.localeCompare(b.room.user),
  );
  t.same(byRoom, [
    { room: other, autojoin: false },
    { room, name: 'The Play', autojoin: true, nick: 'JC', password: 'pw' },
  ]);
});

t.test('the node is private: a stranger cannot read it', async (t) => {
  const res = await gw.post('/v1/pubsub/retrieve', { to: aliceUser.jid, node: NODE }, bob.token);
  t.equal(res.status, 403, 'refused');
  t.match(res.body, { type: 'auth', condition: 'forbidden' });
  t.notMatch(JSON.stringify(res.body), 'theplay', 'nothing of the bookmarks leaks');
});

t.test('re-adding a room replaces its bookmark (item id = room)', async (t) => {
  t.equal((await gw.post('/v1/bookmarks/add', { room: OTHER, name: 'Orchard', autojoin: true }, web.token)).status, 200);
  const pushed = await phoneEvents.next((e) => e.event === 'xmpp.bookmarks.push' && e.data.name === 'Orchard', 10_000);
  t.same(pushed.data, { room: other, name: 'Orchard', autojoin: true });
  const list = await gw.post('/v1/bookmarks/list', {}, web.token);
  t.equal(list.body.length, 2, 'still two bookmarks');
});

t.test('remove: gone from the list, retract pushed', async (t) => {
  const res = await gw.post('/v1/bookmarks/remove', { room: ROOM }, web.token);
  t.equal(res.status, 200, JSON.stringify(res.body));
  const retracted = await phoneEvents.nextEvent('xmpp.bookmarks.retract', 10_000);
  t.same(retracted.data, { room });
  t.equal(eventSchemaProblem(reg, { event: retracted.event, data: retracted.data }), undefined);
  t.same((await gw.post('/v1/bookmarks/list', {}, web.token)).body, [{ room: other, name: 'Orchard', autojoin: true }]);
  t.notOk(
    phoneEvents.events.some((e) => e.event.startsWith('xmpp.pubsub.push.')),
    'no notification of the node came out as a plain PubSub event',
  );
});
