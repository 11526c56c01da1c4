// Fanout end to end: a XEP-0114 component plays the Fanout service. The test Prosody has one
// component domain, component.localhost, so the gateway runs with FANOUT_JID=component.localhost;
// svc@component.localhost plays a Fanout service named by `to`, other@component.localhost an
// unrelated PubSub service. The component checks every stanza (presence before the first subscribe to
// each service and only then, node /<realm>/<channel>, own bare JID), answers, fails on request, and
// pushes JSON items: each arrives exactly once on the right session's stream as fanout.fpp.push with
// realm and channel in order, never also as xmpp.pubsub.push.item; another sender's stays generic.
import t from 'tap';
import type { Element } from 'ltx';
import { Type } from '@sinclair/typebox';
import { loadConfig } from '../../../src/config.js';
import { defineApi, ftwName, shortEventName } from '../../../src/xeps/area.js';
import { startProsody } from '../../helpers/prosody.js';
import { startGateway } from '../../helpers/gateway.js';
import { cxml, startComponent } from '../../helpers/component.js';
import type { SseClient, SseEvent } from '../../helpers/sse.js';
import { eventSchemaProblem, loadRegistry } from '../../helpers/golden.js';

const PS = 'http://jabber.org/protocol/pubsub';
const EV = 'http://jabber.org/protocol/pubsub#event';
const JSON_NS = 'urn:xmpp:json:0';
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

const prosody = await startProsody({ users: 2, lean: true });
const comp = await startComponent(prosody);
const SERVICE = comp.domain;
const NAMED = `svc@${SERVICE}`;
const OTHER = `other@${SERVICE}`;
const gw = await startGateway(prosody, { fanoutJid: SERVICE });
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const bob = await gw.login(bobUser, { resource: 'gw' });
const aliceFull = `${aliceUser.jid}/gw`;
const aliceEvents = await gw.events({ token: alice.token });
const bobEvents = await gw.events({ token: bob.token });
const reg = await loadRegistry();
t.teardown(async () => {
  aliceEvents.close();
  bobEvents.close();
  await comp.stop();
  await gw.close();
  await prosody.stop();
});

/** Presence the component received, in order. */
const presences = () => comp.stanzas.filter((s) => s.name === 'presence');
/** For each subscribe request: how many presences to its addressee had arrived before it. */
const presenceBefore: number[] = [];
const op = (iq: Element) => iq.getChild('pubsub', PS)?.getChildElements()[0];
const lastRequest = () => comp.received[comp.received.length - 1]!;

comp.onSet(PS, 'pubsub', ({ stanza, element }) => {
  const o = element.getChildElements()[0];
  if (o?.name === 'subscribe') presenceBefore.push(presences().filter((p) => p.attrs.to === stanza.attrs.to).length);
  if (o?.attrs.node?.endsWith('/secret')) return cxml('error', { type: 'auth' }, cxml('forbidden', { xmlns: STANZAS }));
  if (o?.name === 'subscribe') {
    return cxml(
      'pubsub',
      { xmlns: PS },
      cxml('subscription', { node: o.attrs.node, jid: o.attrs.jid, subid: `sub-${o.attrs.node}`, subscription: 'subscribed' }),
    );
  }
  return true;
});

async function settled(stream: SseClient, from: number, name: string, want: number): Promise<SseEvent[]> {
  const deadline = Date.now() + 5000;
  const pick = () => stream.events.slice(from).filter((e) => e.event === name);
  while (pick().length < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, 300));
  return pick();
}

const jsonItem = (id: string, value: unknown) => cxml('item', { id }, cxml('json', { xmlns: JSON_NS }, JSON.stringify(value)));
const notification = (from: string, node: string, ...items: Element[]) =>
  cxml('message', { from, to: aliceFull }, cxml('event', { xmlns: EV }, cxml('items', { node }, ...items)));

t.test('FANOUT_JID: default pubsub.fanout.io, refused when it is no JID', async (tt) => {
  tt.equal(loadConfig({}).fanoutJid, 'pubsub.fanout.io');
  tt.throws(() => loadConfig({ FANOUT_JID: 'a b' }), /FANOUT_JID: must be a JID/);
});

t.test('the prefix exception is declared: ftwPrefix, and event names must match it', async (tt) => {
  const fanout = reg.areas.find((a) => a.api.id === 'fanout')!.api;
  const pubsub = reg.areas.find((a) => a.api.id === 'xep0060-pubsub')!.api;
  tt.equal(ftwName(fanout, 'fanout.fpp.subscribe'), 'fanout.fpp.subscribe');
  tt.equal(ftwName(pubsub, 'pubsub.subscribe'), 'xmpp.pubsub.subscribe');
  tt.equal(shortEventName(fanout, 'fanout.fpp.push'), 'fanout.fpp.push');
  tt.equal(shortEventName(pubsub, 'xmpp.pubsub.push.item'), 'pubsub.push.item');
  const event = { summary: 's', schema: Type.Object({}) };
  tt.throws(
    () => defineApi({ id: 'x', tag: 'x', spec: 'x', actions: {}, events: { 'x.push': event } }),
    /event x\.push lacks the xmpp\. prefix/,
  );
  tt.throws(
    () => defineApi({ id: 'x', tag: 'x', spec: 'x', ftwPrefix: '', actions: {}, events: { 'xmpp.x.push': event } }),
    /event xmpp\.x\.push has the xmpp\. prefix/,
  );
});

t.test('one dispatch key, declared precedence: Superfeedr 30, Fanout 20, generic PubSub 0', async (tt) => {
  const owners = reg.loaded.dispatcher.table().get(`message/${EV}:event`) ?? [];
  const rank = (id: string) => owners.find((o) => o.owner === id)?.priority;
  tt.same([rank('superfeedr'), rank('fanout'), rank('xep0060-pubsub')], [30, 20, 0]);
  tt.ok(
    owners.findIndex((o) => o.owner === 'fanout') < owners.findIndex((o) => o.owner === 'xep0060-pubsub'),
    'Fanout is asked before PubSub',
  );
});

t.test('the routes keep the fanout. name: POST /v1/fanout/fpp/subscribe, event fanout.fpp.push', async (tt) => {
  const doc = (await (await fetch(`${gw.url}/openapi.json`)).json()) as {
    paths: Record<string, { post?: { description?: string }; get?: { 'x-events'?: Record<string, unknown> } }>;
  };
  tt.match(doc.paths['/v1/fanout/fpp/subscribe']?.post?.description, /XMPP-FTW event `fanout\.fpp\.subscribe`/);
  tt.notMatch(doc.paths['/v1/fanout/fpp/unsubscribe']?.post?.description, /xmpp\.fanout/);
  tt.ok(doc.paths['/v1/events']?.get?.['x-events']?.['fanout.fpp.push'], 'the SSE event is listed under its own name');
});

t.test('first subscribe: presence to the service, then subscribe node=/realm/channel jid=own bare JID', async (tt) => {
  const res = await gw.post('/v1/fanout/fpp/subscribe', { realm: 'a1b2c3', channel: 'updates' }, alice.token);
  tt.same(
    [res.status, res.body],
    [200, { subscription: 'subscribed', id: 'sub-/a1b2c3/updates', jid: { user: aliceUser.username, domain: 'localhost' } }],
  );
  const [presence] = presences();
  tt.same(
    [presence?.attrs.to, presence?.attrs.from, presence?.attrs.type],
    [SERVICE, aliceFull, undefined],
    'available presence from the session to the service',
  );
  tt.ok(presence?.attrs.id, 'the presence has an id');
  tt.equal(presence?.getChildElements().length, 0, 'a bare presence');
  tt.same(presenceBefore, [1], 'it arrived before the subscribe');
  const iq = lastRequest();
  tt.same([iq.attrs.type, iq.attrs.to, op(iq)?.name], ['set', SERVICE, 'subscribe']);
  tt.same(op(iq)?.attrs, { node: '/a1b2c3/updates', jid: aliceUser.jid });
});

t.test('later subscribes to that service send no presence; a new `to` gets its own first', async (tt) => {
  const again = await gw.post('/v1/fanout/fpp/subscribe', { realm: 'a1b2c3', channel: 'news' }, alice.token);
  tt.equal(again.status, 200);
  tt.equal(presences().length, 1, 'no second presence to the service');
  const named = await gw.post('/v1/fanout/fpp/subscribe', { realm: 'r', channel: 'c', to: NAMED }, alice.token);
  tt.equal(named.status, 200, JSON.stringify(named.body));
  tt.same(
    presences().map((p) => p.attrs.to),
    [SERVICE, NAMED],
  );
  tt.same(presenceBefore, [1, 1, 1], 'each subscribe came after its service’s presence');
  tt.same([lastRequest().attrs.to, op(lastRequest())?.attrs.node], [NAMED, '/r/c']);
});

t.test('unsubscribe: node and own bare JID', async (tt) => {
  const res = await gw.post('/v1/fanout/fpp/unsubscribe', { realm: 'a1b2c3', channel: 'news' }, alice.token);
  tt.same([res.status, res.body], [200, { ok: true }]);
  const iq = lastRequest();
  tt.same([iq.attrs.type, iq.attrs.to, op(iq)?.name], ['set', SERVICE, 'unsubscribe']);
  tt.same(op(iq)?.attrs, { node: '/a1b2c3/news', jid: aliceUser.jid });
});

t.test('an error reply is one error answer; bad input sends nothing', async (tt) => {
  const before = comp.received.length;
  const res = await gw.post('/v1/fanout/fpp/subscribe', { realm: 'a1b2c3', channel: 'secret' }, alice.token);
  tt.same([res.status, res.body.type, res.body.condition], [403, 'auth', 'forbidden']);
  tt.equal(comp.received.length, before + 1, 'one request');
  for (const [body, description] of [
    [{ channel: 'x' }, 'Missing realm'],
    [{ realm: 'a1b2c3' }, 'Missing channel'],
    [{}, 'Missing realm'],
  ] as const) {
    const bad = await gw.post('/v1/fanout/fpp/subscribe', body, alice.token);
    tt.same([bad.status, bad.body.condition, bad.body.description], [400, 'client-error', description]);
  }
  await new Promise((r) => setTimeout(r, 200));
  tt.equal(comp.received.length, before + 1, 'nothing more sent');
  tt.equal(presences().length, 2, 'no presence for bad input either');
});

t.test('items from the Fanout service: one fanout.fpp.push each, realm and channel in order, alice only', async (tt) => {
  const from = aliceEvents.events.length;
  const bobFrom = bobEvents.events.length;
  await comp.send(notification(SERVICE, '/a1b2c3/updates', jsonItem('i1', { text: 'hello' }), jsonItem('i2', [1, 2])));
  const pushes = await settled(aliceEvents, from, 'fanout.fpp.push', 2);
  tt.same(
    pushes.map((e) => e.data),
    [
      { id: 'i1', realm: 'a1b2c3', channel: 'updates', entry: { json: { text: 'hello' } } },
      { id: 'i2', realm: 'a1b2c3', channel: 'updates', entry: { json: [1, 2] } },
    ],
  );
  for (const e of pushes) tt.equal(eventSchemaProblem(reg, { event: e.event, data: e.data }), undefined);
  tt.same(
    aliceEvents.events.slice(from).map((e) => e.event),
    ['fanout.fpp.push', 'fanout.fpp.push'],
    'nothing else: no xmpp.pubsub.push.item',
  );
  tt.same(bobEvents.events.slice(bobFrom), [], 'bob’s stream gets nothing');
});

t.test('items from a service a subscribe named are Fanout’s too', async (tt) => {
  const from = aliceEvents.events.length;
  await comp.send(notification(NAMED, '/r/c', jsonItem('i3', { ok: true })));
  const pushes = await settled(aliceEvents, from, 'fanout.fpp.push', 1);
  tt.same(
    pushes.map((e) => e.data),
    [{ id: 'i3', realm: 'r', channel: 'c', entry: { json: { ok: true } } }],
  );
  tt.notOk(aliceEvents.events.slice(from).some((e) => e.event.startsWith('xmpp.pubsub.')));
});

t.test('items from another sender are not claimed: generic xmpp.pubsub.push.item', async (tt) => {
  const from = aliceEvents.events.length;
  await comp.send(notification(OTHER, '/a1b2c3/updates', jsonItem('i4', { text: 'not fanout' })));
  const items = await settled(aliceEvents, from, 'xmpp.pubsub.push.item', 1);
  tt.same(
    items.map((e) => e.data),
    [{ from: OTHER, node: '/a1b2c3/updates', id: 'i4', entry: { json: { text: 'not fanout' } } }],
  );
  tt.notOk(
    aliceEvents.events.slice(from).some((e) => e.event === 'fanout.fpp.push'),
    'no fanout.fpp.push',
  );
});

t.test('Prosody’s own PubSub service: a channel-shaped node’s items stay xmpp.pubsub.push.item', async (tt) => {
  // The original's bug in its most common form: every PubSub notification became fanout.fpp.push.
  const to = prosody.pubsubDomain;
  const node = '/a1b2c3/updates';
  // user1 (alice) is the service's admin in the harness, so she may create nodes.
  const created = await gw.post('/v1/pubsub/create', { to, node }, alice.token);
  tt.equal(created.status, 200, JSON.stringify(created.body));
  await gw.post('/v1/presence', {}, alice.token);
  const sub = await gw.post('/v1/pubsub/subscribe', { to, node }, alice.token);
  tt.equal(sub.status, 200, JSON.stringify(sub.body));
  const from = aliceEvents.events.length;
  const pub = await gw.post('/v1/pubsub/publish', { to, node, id: 'p1', content: { json: { from: 'prosody' } } }, alice.token);
  tt.equal(pub.status, 200, JSON.stringify(pub.body));
  const items = await settled(aliceEvents, from, 'xmpp.pubsub.push.item', 1);
  tt.same(
    items.map((e) => [e.data.from, e.data.node, e.data.id, e.data.entry]),
    [[to, node, 'p1', { json: { from: 'prosody' } }]],
  );
  tt.notOk(
    aliceEvents.events.slice(from).some((e) => e.event === 'fanout.fpp.push'),
    'no fanout.fpp.push',
  );
});
