// XEP-0060 subscriber and publisher end to end against Prosody's own PubSub service
// (pubsub.localhost, mod_pubsub) and PEP (mod_pep). Node creation on pubsub.localhost is an admin's
// right in Prosody 0.12 (mod_pubsub's get_affiliation: admins are owners); the harness makes user1
// an admin (test/fixtures/prosody/prosody.cfg.lua.tpl `admins`), so user1's peer creates the nodes.
// Sessions: alice (user1) publishes, bob (user2) subscribes; every notification must reach bob's
// stream exactly once, with the shape of its registry schema.
import t, { type Test as TapTest } from 'tap';
import { xml } from '@xmpp/client';
import { startProsody } from '../../helpers/prosody.js';
import { connectPeer } from '../../helpers/peer.js';
import { startGateway } from '../../helpers/gateway.js';
import type { SseEvent } from '../../helpers/sse.js';
import { eventSchemaProblem, loadRegistry } from '../../helpers/golden.js';

const PS = 'http://jabber.org/protocol/pubsub';
const PS_OWNER = 'http://jabber.org/protocol/pubsub#owner';

const prosody = await startProsody({ users: 2, lean: true });
const gw = await startGateway(prosody);
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const bob = await gw.login(bobUser, { resource: 'gw' });
const aliceEvents = await gw.events({ token: alice.token });
const bobEvents = await gw.events({ token: bob.token });
// Notifications to a bare JID reach only available resources (RFC 6121 §8.5.2.1.1).
await gw.post('/v1/presence', {}, alice.token);
await gw.post('/v1/presence', {}, bob.token);
const owner = await connectPeer(prosody, aliceUser, { resource: 'peer' });
const reg = await loadRegistry();
const SERVICE = prosody.pubsubDomain;
t.teardown(async () => {
  aliceEvents.close();
  bobEvents.close();
  await owner.stop();
  await gw.close();
  await prosody.stop();
});

let n = 0;
/** Creates a node on the service as alice's peer (the owner area's create is another helper's). */
async function createNode(): Promise<string> {
  n += 1;
  const node = `news-${n}-${Date.now()}`;
  const reply = await owner.xmpp.iqCaller.request(
    xml('iq', { type: 'set', to: SERVICE }, xml('pubsub', { xmlns: PS }, xml('create', { node }))),
    5000,
  );
  if (reply.attrs.type !== 'result') throw new Error(`create failed: ${String(reply)}`);
  return node;
}

/** Events of a stream since `from` with that name, after a short quiet time (to catch duplicates). */
async function settled(stream: typeof bobEvents, from: number, name: string, want: number): Promise<SseEvent[]> {
  const deadline = Date.now() + 5000;
  const pick = () => stream.events.slice(from).filter((e) => e.event === name);
  while (pick().length < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, 300));
  return pick();
}

function schemaOk(tt: TapTest, e: SseEvent) {
  tt.equal(eventSchemaProblem(reg, { event: e.event, data: e.data }), undefined, `${e.event} matches its schema`);
}

t.test('subscribe, publish, push.item exactly once, retract, retrieve, unsubscribe', async (tt) => {
  const node = await createNode();
  const sub = await gw.post('/v1/pubsub/subscribe', { to: SERVICE, node }, bob.token);
  tt.equal(sub.status, 200, JSON.stringify(sub.body));
  tt.equal(sub.body.subscription, 'subscribed');

  let from = bobEvents.events.length;
  const pub = await gw.post('/v1/pubsub/publish', { to: SERVICE, node, content: 'Hello' }, alice.token);
  tt.equal(pub.status, 200, JSON.stringify(pub.body));
  tt.type(pub.body.id, 'string', 'the service’s item id');
  const items = await settled(bobEvents, from, 'xmpp.pubsub.push.item', 1);
  tt.equal(items.length, 1, 'exactly one push.item');
  const item = items[0]!;
  schemaOk(tt, item);
  const { entry, ...rest } = item.data;
  tt.same(rest, { from: SERVICE, node, id: pub.body.id });
  // The payload as the item parser reports it: a plain-text item is a <body/>, read back as `body`.
  tt.equal(entry.body, 'Hello');
  tt.notOk(
    bobEvents.events.slice(from).some((e) => e.event === 'xmpp.chat.message'),
    'the notification is not also a chat message',
  );
  tt.notOk(
    aliceEvents.events.some((e) => e.event === 'xmpp.pubsub.push.item' && e.data.node === node),
    'the publisher, not subscribed, gets nothing',
  );

  // A client-chosen id: the answer carries it (empty result or not).
  const own = await gw.post('/v1/pubsub/publish', { to: SERVICE, node, id: 'fixed-1', content: 'Second' }, alice.token);
  tt.same([own.status, own.body], [200, { id: 'fixed-1' }]);

  const all = await gw.post('/v1/pubsub/retrieve', { to: SERVICE, node }, bob.token);
  tt.equal(all.status, 200, JSON.stringify(all.body));
  tt.same(all.body.map((i: { id: string }) => i.id).sort(), [pub.body.id, 'fixed-1'].sort());
  const one = await gw.post('/v1/pubsub/retrieve', { to: SERVICE, node, id: 'fixed-1' }, bob.token);
  tt.equal(one.body.length, 1);
  tt.equal(one.body[0].id, 'fixed-1');
  tt.equal(one.body[0].entry.body, 'Second');
  const latest = await gw.post('/v1/pubsub/retrieve', { to: SERVICE, node, maxItems: 1 }, bob.token);
  tt.equal(latest.body.length, 1, 'maxItems: one item');
  // Prosody 0.12 does not page PubSub items (its TODO rsm.get()): the set is ignored, the answer is the plain list.
  const paged = await gw.post('/v1/pubsub/retrieve', { to: SERVICE, node, rsm: { max: 1 } }, bob.token);
  tt.equal(paged.status, 200);
  tt.ok(Array.isArray(paged.body), 'no <set/> in the answer: a list');

  from = bobEvents.events.length;
  const del = await gw.post('/v1/pubsub/item/delete', { to: SERVICE, node, id: 'fixed-1', notify: true }, alice.token);
  tt.same([del.status, del.body], [200, { ok: true }]);
  const retracts = await settled(bobEvents, from, 'xmpp.pubsub.push.retract', 1);
  tt.equal(retracts.length, 1, 'exactly one push.retract');
  schemaOk(tt, retracts[0]!);
  tt.same(retracts[0]!.data, { from: SERVICE, node, id: 'fixed-1' });

  const unsub = await gw.post('/v1/pubsub/unsubscribe', { to: SERVICE, node }, bob.token);
  tt.same([unsub.status, unsub.body], [200, { ok: true }]);
  from = bobEvents.events.length;
  await gw.post('/v1/pubsub/publish', { to: SERVICE, node, content: 'After' }, alice.token);
  tt.same(await settled(bobEvents, from, 'xmpp.pubsub.push.item', 0), [], 'unsubscribed: no more items');
});

t.test('delete and purge notifications reach the subscriber once', async (tt) => {
  const node = await createNode();
  await gw.post('/v1/pubsub/subscribe', { to: SERVICE, node }, bob.token);
  await gw.post('/v1/pubsub/publish', { to: SERVICE, node, content: 'x' }, alice.token);
  let from = bobEvents.events.length;
  await owner.xmpp.iqCaller.request(
    xml('iq', { type: 'set', to: SERVICE }, xml('pubsub', { xmlns: PS_OWNER }, xml('purge', { node }))),
    5000,
  );
  const purges = await settled(bobEvents, from, 'xmpp.pubsub.push.purge', 1);
  tt.same(
    purges.map((e) => e.data),
    [{ from: SERVICE, node }],
  );
  from = bobEvents.events.length;
  await owner.xmpp.iqCaller.request(
    xml('iq', { type: 'set', to: SERVICE }, xml('pubsub', { xmlns: PS_OWNER }, xml('delete', { node }))),
    5000,
  );
  const deletes = await settled(bobEvents, from, 'xmpp.pubsub.push.delete', 1);
  tt.same(
    deletes.map((e) => e.data),
    [{ from: SERVICE, node }],
  );
  for (const e of [...purges, ...deletes]) schemaOk(tt, e);
});

t.test('subscription options: the service’s form, or its error status', async (tt) => {
  const node = await createNode();
  await gw.post('/v1/pubsub/subscribe', { to: SERVICE, node }, bob.token);
  const got = await gw.post('/v1/pubsub/subscription/config/get', { to: SERVICE, node }, bob.token);
  // Prosody 0.12 offers subscription options only where it implements them; either way never a 5xx from the gateway.
  tt.ok(got.status === 200 || (got.status >= 400 && got.status !== 500), `status ${got.status}: ${JSON.stringify(got.body)}`);
  if (got.status === 200) tt.ok(Array.isArray(got.body.items), 'a form object');
});

t.test('PEP: publish to and retrieve from your own account without `to`', async (tt) => {
  const node = 'urn:xmpp:gateway-test:0';
  const pub = await gw.post('/v1/pubsub/publish', { node, id: 'current', content: 'mine' }, alice.token);
  tt.same([pub.status, pub.body], [200, { id: 'current' }], JSON.stringify(pub.body));
  const got = await gw.post('/v1/pubsub/retrieve', { node }, alice.token);
  tt.equal(got.body.length, 1);
  tt.equal(got.body[0].id, 'current');
  tt.equal(got.body[0].entry.body, 'mine');
  const other = await gw.post('/v1/pubsub/retrieve', { to: aliceUser.jid, node }, alice.token);
  tt.same(other.body, got.body, '`to` = the bare account JID is the same service');
});

t.test('bad input: 400 with the catalogue’s messages', async (tt) => {
  const cases: Array<[string, unknown, string]> = [
    ['/v1/pubsub/subscribe', { to: SERVICE }, "Missing 'node' key"],
    ['/v1/pubsub/publish', { to: SERVICE, node: 'n' }, 'Missing message content'],
    ['/v1/pubsub/publish', { to: SERVICE, node: 'n', content: '' }, 'Missing message content'],
    ['/v1/pubsub/publish', { to: SERVICE, node: 'n', content: { raw: '<a>' } }, "'raw' is not well-formed XML: Incomplete document"],
    ['/v1/pubsub/item/delete', { to: SERVICE, node: 'n' }, "Missing 'id' key"],
    ['/v1/pubsub/retrieve', { to: SERVICE, node: 'n', id: { x: 1 } }, 'ID should be string or array of strings'],
    ['/v1/pubsub/subscription/config/set', { to: SERVICE, node: 'n', form: 'x' }, 'Badly formatted data form'],
  ];
  for (const [path, body, description] of cases) {
    const res = await gw.post(path, body, bob.token);
    tt.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
    tt.equal(res.body.description, description);
    tt.equal(res.body.condition, 'client-error');
  }
});
