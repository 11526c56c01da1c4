// XEP-0060 access models Prosody 0.12's mod_pubsub lacks (it refuses `authorize` with 406), end to
// end against ejabberd 23.01's mod_pubsub on pubsub.localhost (test/helpers/ejabberd.ts). Three
// sessions: the owner (user1) creates the nodes; bob (user2) and carol (user3) subscribe.
//   authorize (§4.5, §8.6): a subscription is pending until the owner answers the request the
//   service sends (xmpp.pubsub.push.authorisation, answered with pubsub/authorisation); approved,
//   the subscriber is told (xmpp.pubsub.push.subscription) and gets the items published; denied,
//   the subscriber is told `none` and gets nothing.
//   whitelist (§4.5): only JIDs the owner made members may subscribe.
import t, { type Test as TapTest } from 'tap';
import { startEjabberd } from '../../helpers/ejabberd.js';
import { startGateway } from '../../helpers/gateway.js';
import type { SseClient, SseEvent } from '../../helpers/sse.js';
import { eventSchemaProblem, loadRegistry } from '../../helpers/golden.js';

type Test = TapTest;

const ejabberd = await startEjabberd({ users: 3 });
t.teardown(() => ejabberd.stop());
const SERVICE = `pubsub.${ejabberd.domain}`;
const gw = await startGateway(ejabberd);
t.teardown(() => gw.close());
const reg = await loadRegistry();
const [ownerUser, bobUser, carolUser] = ejabberd.users as [
  (typeof ejabberd.users)[0],
  (typeof ejabberd.users)[0],
  (typeof ejabberd.users)[0],
];

const owner = await gw.login(ownerUser, { resource: 'gw' });
const bob = await gw.login(bobUser, { resource: 'gw' });
const carol = await gw.login(carolUser, { resource: 'gw' });
const streams = {
  owner: await gw.events({ token: owner.token }),
  bob: await gw.events({ token: bob.token }),
  carol: await gw.events({ token: carol.token }),
};
t.teardown(() => Object.values(streams).forEach((s) => s.close()));
// Available: the service sends its requests and notifications to bare JIDs (RFC 6121 §8.5.2.1.1).
for (const s of [owner, bob, carol]) await gw.post('/v1/presence', {}, s.token);

const jidOf = (u: { jid: string }) => ({ user: u.jid.split('@')[0], domain: u.jid.split('@')[1] });

/** Events of a stream since `from` that `pick` selects, after a quiet time (to catch duplicates). */
async function settled(stream: SseClient, from: number, pick: (e: SseEvent) => boolean, want: number, quietMs = 700): Promise<SseEvent[]> {
  const deadline = Date.now() + 10_000;
  const got = () => stream.events.slice(from).filter(pick);
  while (got().length < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, quietMs));
  return got();
}

async function createNode(t: Test, node: string, accessModel: string): Promise<void> {
  const res = await gw.post(
    '/v1/pubsub/create',
    { to: SERVICE, node, options: [{ var: 'pubsub#access_model', value: accessModel }] },
    owner.token,
  );
  t.same([res.status, res.body], [200, { ok: true }], `${node} created (${accessModel}): ${JSON.stringify(res.body)}`);
  const config = await gw.post('/v1/pubsub/config/get', { to: SERVICE, node }, owner.token);
  const field = (config.body as { fields?: Array<{ var: string; value?: unknown }> }).fields?.find((f) => f.var === 'pubsub#access_model');
  t.equal(field?.value, accessModel, 'the node configuration says so');
}

function schemaOk(t: Test, e: SseEvent): void {
  t.equal(eventSchemaProblem(reg, { event: e.event, data: e.data }), undefined, `${e.event} matches its schema`);
}

/** Subscribes `who` to an authorize node and waits for the request the owner's stream gets (§8.6.1). */
async function pendingRequest(t: Test, node: string, who: { token: string }, user: { jid: string }): Promise<SseEvent> {
  const ownerFrom = streams.owner.events.length;
  const sub = await gw.post('/v1/pubsub/subscribe', { to: SERVICE, node }, who.token);
  t.same([sub.status, sub.body], [200, { subscription: 'pending', jid: jidOf(user) }], 'the subscription is pending (§6.1.4)');
  const request = await streams.owner.next(
    (e) => e.event === 'xmpp.pubsub.push.authorisation' && JSON.stringify(e.data).includes(user.jid),
    10_000,
    ownerFrom,
  );
  schemaOk(t, request);
  t.equal(request.data.from, SERVICE, 'the request comes from the service');
  t.type(request.data.id, 'string');
  const fields = new Map((request.data.form.fields as Array<{ var: string; value?: unknown }>).map((f) => [f.var, f.value]));
  t.same(
    [fields.get('pubsub#node'), fields.get('pubsub#subscriber_jid'), fields.get('pubsub#allow')],
    [node, user.jid, false],
    'the form names the node and the subscriber, pubsub#allow false (§8.6.1)',
  );
  return request;
}

const answerForm = (node: string, user: { jid: string }, allow: boolean) => [
  { var: 'pubsub#node', value: node },
  { var: 'pubsub#subscriber_jid', value: user.jid },
  { var: 'pubsub#allow', value: allow },
];

/** Whether an owner's subscription list holds `user` subscribed. */
const subscribed = (list: unknown, user: { jid: string }) =>
  (list as Array<{ jid: { user?: string }; subscription: string }>).some(
    (s) => s.jid.user === user.jid.split('@')[0] && s.subscription === 'subscribed',
  );

const pushOf = (name: string, node: string) => (e: SseEvent) => e.event === name && e.data.node === node;

t.test('authorize: the owner approves; the subscriber is told, and gets each item once', async (t) => {
  const node = 'authorised-news';
  await createNode(t, node, 'authorize');
  const bobFrom = streams.bob.events.length;
  const request = await pendingRequest(t, node, bob, bobUser);

  const pendingList = await gw.post('/v1/pubsub/subscriptions', { to: SERVICE, node, owner: true }, owner.token);
  t.equal(pendingList.status, 200);
  // ejabberd 23.01 leaves pending subscriptions out of the owner's list (§8.8.1): bob is not subscribed yet.
  t.notOk(subscribed(pendingList.body, bobUser), `bob is not subscribed while pending: ${JSON.stringify(pendingList.body)}`);

  const answer = await gw.post(
    '/v1/pubsub/authorisation',
    { to: request.data.from, id: request.data.id, form: answerForm(node, bobUser, true) },
    owner.token,
  );
  t.same([answer.status, answer.body], [200, { ok: true }]);
  const told = await settled(streams.bob, bobFrom, pushOf('xmpp.pubsub.push.subscription', node), 1);
  t.equal(told.length, 1, 'one xmpp.pubsub.push.subscription (§8.6.3)');
  schemaOk(t, told[0]!);
  t.same(told[0]!.data, { from: SERVICE, node, subscription: 'subscribed', jid: jidOf(bobUser) });
  const listed = await gw.post('/v1/pubsub/subscriptions', { to: SERVICE, node, owner: true }, owner.token);
  t.equal(listed.status, 200);
  t.ok(subscribed(listed.body, bobUser), `the owner's view (§8.8.1): bob subscribed: ${JSON.stringify(listed.body)}`);

  const again = await gw.post(
    '/v1/pubsub/authorisation',
    { to: request.data.from, id: request.data.id, form: answerForm(node, bobUser, true) },
    owner.token,
  );
  t.equal(again.status, 404, 'a request is answered once');

  const itemFrom = streams.bob.events.length;
  const pub = await gw.post('/v1/pubsub/publish', { to: SERVICE, node, id: 'first', content: 'hello' }, owner.token);
  t.same([pub.status, pub.body], [200, { id: 'first' }]);
  const items = await settled(streams.bob, itemFrom, pushOf('xmpp.pubsub.push.item', node), 1);
  t.equal(items.length, 1, 'exactly one xmpp.pubsub.push.item');
  schemaOk(t, items[0]!);
  t.same(items[0]!.data, { from: SERVICE, node, id: 'first', entry: { body: 'hello' } });
});

t.test('authorize: the owner denies; the subscriber is told none, and gets no item', async (t) => {
  const node = 'denied-news';
  await createNode(t, node, 'authorize');
  const carolFrom = streams.carol.events.length;
  const request = await pendingRequest(t, node, carol, carolUser);
  const answer = await gw.post(
    '/v1/pubsub/authorisation',
    { to: request.data.from, id: request.data.id, form: answerForm(node, carolUser, false) },
    owner.token,
  );
  t.same([answer.status, answer.body], [200, { ok: true }]);
  const told = await settled(streams.carol, carolFrom, pushOf('xmpp.pubsub.push.subscription', node), 1);
  t.equal(told.length, 1, 'one xmpp.pubsub.push.subscription (§8.6.4)');
  schemaOk(t, told[0]!);
  t.same(told[0]!.data, { from: SERVICE, node, subscription: 'none', jid: jidOf(carolUser) });

  const listed = await gw.post('/v1/pubsub/subscriptions', { to: SERVICE, node, owner: true }, owner.token);
  t.equal(listed.status, 200);
  t.same(listed.body, [], 'no subscription is left');

  const pub = await gw.post('/v1/pubsub/publish', { to: SERVICE, node, id: 'secret', content: 'not for carol' }, owner.token);
  t.equal(pub.status, 200);
  t.same(await settled(streams.carol, carolFrom, pushOf('xmpp.pubsub.push.item', node), 1, 1500), [], 'carol gets no item');
});

t.test('whitelist: a JID not on the list is refused; made a member, it subscribes at once', async (t) => {
  const node = 'members-only';
  await createNode(t, node, 'whitelist');
  const refused = await gw.post('/v1/pubsub/subscribe', { to: SERVICE, node }, carol.token);
  t.equal(refused.status, 405, `not on the whitelist (§6.1.3.4): ${JSON.stringify(refused.body)}`);
  t.match(refused.body, { type: 'cancel', condition: 'not-allowed' });

  const member = await gw.post('/v1/pubsub/affiliation', { to: SERVICE, node, jid: carolUser.jid, affiliation: 'member' }, owner.token);
  t.same([member.status, member.body], [200, { ok: true }]);
  const sub = await gw.post('/v1/pubsub/subscribe', { to: SERVICE, node }, carol.token);
  t.equal(sub.status, 200);
  t.match(sub.body, { subscription: 'subscribed', jid: jidOf(carolUser) }, 'a member is subscribed without approval');

  const carolFrom = streams.carol.events.length;
  const pub = await gw.post('/v1/pubsub/publish', { to: SERVICE, node, id: 'm1', content: 'members' }, owner.token);
  t.equal(pub.status, 200);
  const items = await settled(streams.carol, carolFrom, pushOf('xmpp.pubsub.push.item', node), 1);
  t.equal(items.length, 1, 'exactly one xmpp.pubsub.push.item');
  t.same(items[0]!.data, { from: SERVICE, node, id: 'm1', entry: { body: 'members' } });
});
