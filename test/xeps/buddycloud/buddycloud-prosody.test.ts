// Buddycloud's plain XEP-0060 part against a real PubSub service: Prosody's mod_pubsub
// (pubsub.localhost) named as the channel server. Alice (the service's admin, CONTRIBUTING.md
// "PubSub in the test harness") creates and runs a channel; Bob follows it and gets its
// notifications as buddycloud events. What only buddycloud servers know (recent-items, …) is
// refused by Prosody, and the refusal keeps its XMPP condition.
import t from 'tap';
import { startProsody } from '../../helpers/prosody.js';
import { startGateway } from '../../helpers/gateway.js';
import { eventSchemaProblem, loadRegistry } from '../../helpers/golden.js';

const prosody = await startProsody({ users: 2, lean: true });
const gw = await startGateway(prosody);
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const bob = await gw.login(bobUser, { resource: 'gw' });
const bobEvents = await gw.events({ token: bob.token });
const reg = await loadRegistry();
const SERVER = prosody.pubsubDomain;
const NODE = `/user/${aliceUser.jid}/posts`;
t.teardown(async () => {
  bobEvents.close();
  await gw.close();
  await prosody.stop();
});
// Prosody notifies bare JIDs: only available resources get the messages.
await gw.post('/v1/presence', {}, bob.token);

t.test('both sessions name the channel server', async (tt) => {
  for (const s of [alice, bob]) {
    const res = await gw.post('/v1/buddycloud/discover', { server: SERVER }, s.token);
    tt.same([res.status, res.body], [200, { server: SERVER }]);
  }
});

t.test('alice creates a channel, bob follows it and gets her posts as buddycloud events', async (tt) => {
  const c = await gw.post('/v1/buddycloud/create', { node: NODE, options: [{ var: 'pubsub#access_model', value: 'open' }] }, alice.token);
  tt.same([c.status, c.body], [200, { ok: true }]);
  const s = await gw.post('/v1/buddycloud/subscribe', { node: NODE }, bob.token);
  tt.same([s.status, s.body.subscription], [200, 'subscribed']);

  const from = bobEvents.events.length;
  const p = await gw.post(
    '/v1/buddycloud/publish',
    { node: NODE, id: 'post-1', content: { atom: { content: 'First post' }, 'in-reply-to': { ref: 'post-0' } } },
    alice.token,
  );
  tt.same([p.status, p.body], [200, { id: 'post-1' }]);
  const e = await bobEvents.nextEvent('xmpp.buddycloud.push.item', 5000, from);
  tt.same([e.data.node, e.data.id, e.data.from], [NODE, 'post-1', undefined]);
  tt.same(e.data.entry.atom.content, { content: 'First post' });
  tt.same(e.data.entry['in-reply-to'], { ref: 'post-0' });
  tt.equal(eventSchemaProblem(reg, { event: e.event, data: e.data }), undefined);
  await new Promise((r) => setTimeout(r, 300));
  tt.notOk(
    bobEvents.events.slice(from).some((ev) => ev.event.startsWith('xmpp.pubsub.') || ev.event === 'xmpp.chat.message'),
    'only the buddycloud event',
  );

  const r = await gw.post('/v1/buddycloud/retrieve', { node: NODE, parentOnly: true }, bob.token);
  tt.equal(r.status, 200);
  tt.same(
    r.body.map((i: { id: string; node: string }) => [i.id, i.node]),
    [['post-1', NODE]],
  );
});

t.test('the owner reads and sets the configuration, lists subscriptions and affiliations', async (tt) => {
  const form = await gw.post('/v1/buddycloud/config/get', { node: NODE, owner: true }, alice.token);
  tt.equal(form.status, 200);
  tt.ok(
    form.body.fields.some((f: { var: string }) => f.var === 'pubsub#access_model'),
    'Prosody’s node_config form',
  );
  const set = await gw.post(
    '/v1/buddycloud/config/set',
    { node: NODE, form: [{ var: 'pubsub#title', value: 'Alice posts' }] },
    alice.token,
  );
  tt.same([set.status, set.body], [200, { ok: true }]);

  const subs = await gw.post('/v1/buddycloud/subscriptions', { node: NODE, owner: true }, alice.token);
  tt.equal(subs.status, 200);
  tt.ok(
    subs.body.some(
      (x: { jid: { user: string }; subscription: string }) => x.jid.user === bobUser.username && x.subscription === 'subscribed',
    ),
    'bob is subscribed',
  );
  const own = await gw.post('/v1/buddycloud/subscriptions', {}, bob.token);
  tt.ok(
    own.body.some((x: { node: string }) => x.node === NODE),
    'bob’s own subscriptions list the channel',
  );

  const aff = await gw.post('/v1/buddycloud/affiliation', { node: NODE, jid: bobUser.jid, affiliation: 'publisher' }, alice.token);
  tt.same([aff.status, aff.body], [200, { ok: true }]);
  const affs = await gw.post('/v1/buddycloud/affiliations', { node: NODE, owner: true }, alice.token);
  tt.ok(
    affs.body.some((x: { jid: { user: string }; affiliation: string }) => x.jid.user === bobUser.username && x.affiliation === 'publisher'),
    'bob is a publisher',
  );
});

t.test('what only buddycloud servers know is refused by a plain XEP-0060 service, with its condition', async (tt) => {
  const recent = await gw.post('/v1/buddycloud/items/recent', {}, bob.token);
  // Prosody 0.12's mod_pubsub does not know <recent-items xmlns='http://buddycloud.org/v1'/>: RFC 6120 §8.4.
  tt.same([recent.status, recent.body.condition], [503, 'service-unavailable']);
});

t.test('deleting the post and the channel; bob hears of the deletion', async (tt) => {
  const d = await gw.post('/v1/buddycloud/item/delete', { node: NODE, id: 'post-1' }, alice.token);
  tt.same([d.status, d.body], [200, { ok: true }]);
  const from = bobEvents.events.length;
  const del = await gw.post('/v1/buddycloud/delete', { node: NODE }, alice.token);
  tt.same([del.status, del.body], [200, { ok: true }]);
  const e = await bobEvents.nextEvent('xmpp.buddycloud.push.delete', 5000, from);
  tt.same(e.data, { node: NODE });
  const gone = await gw.post('/v1/buddycloud/retrieve', { node: NODE }, bob.token);
  tt.equal(gone.status, 404, 'the node is gone');
});
