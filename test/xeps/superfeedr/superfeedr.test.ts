// Superfeedr end to end: a XEP-0114 component plays the Superfeedr service. The test Prosody has one
// component domain, component.localhost, so the gateway runs with SUPERFEEDR_JID=component.localhost;
// another JID of that domain (other@component.localhost) plays an unrelated PubSub service. The
// component checks every request (addressee, namespace, attributes), answers with Superfeedr's
// prefixed status (xmlns:superfeedr), pages subscriptions and serves items; its notifications (status +
// two entries) reach the right session's stream exactly once as xmpp.superfeedr.push, never also as
// xmpp.pubsub.push.item, while the same notification from another JID stays generic PubSub.
import t from 'tap';
import type { Element } from 'ltx';
import { loadConfig } from '../../../src/config.js';
import { startProsody } from '../../helpers/prosody.js';
import { startGateway } from '../../helpers/gateway.js';
import { cxml, startComponent } from '../../helpers/component.js';
import type { SseClient, SseEvent } from '../../helpers/sse.js';
import { eventSchemaProblem, loadRegistry } from '../../helpers/golden.js';

const PS = 'http://jabber.org/protocol/pubsub';
const EV = 'http://jabber.org/protocol/pubsub#event';
const SF = 'http://superfeedr.com/xmpp-pubsub-ext';
const ATOM = 'http://www.w3.org/2005/Atom';
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
const FEED = 'https://blog.example.org/feed.atom';
const FORBIDDEN_FEED = 'https://blog.example.org/private.atom';

const prosody = await startProsody({ users: 2, lean: true });
const comp = await startComponent(prosody);
const SERVICE = comp.domain;
const gw = await startGateway(prosody, { superfeedrJid: SERVICE });
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

/** Superfeedr's status of FEED as it writes it in answers: prefixed children of its namespace. */
const prefixedStatus = () =>
  cxml(
    'superfeedr:status',
    {},
    cxml('superfeedr:http', { code: '200' }, '9718 bytes fetched in 1.46s : 2 new entries.'),
    cxml('superfeedr:next_fetch', {}, '2026-12-03T10:15:00Z'),
    cxml('superfeedr:last_fetch', {}, '2026-12-03T10:00:00Z'),
    cxml('superfeedr:period', {}, '900'),
    cxml('superfeedr:last_parse', {}, '2026-12-03T10:00:01Z'),
    cxml('superfeedr:last_maintenance_at', {}, '2026-12-01T00:00:00Z'),
    cxml('superfeedr:title', {}, 'Example blog'),
  );
const STATUS_JSON = {
  status: {
    response: '200',
    fetch: { next: '2026-12-03T10:15:00Z', last: '2026-12-03T10:00:00Z', period: '900' },
    parsed: '2026-12-03T10:00:01Z',
    maintenance: '2026-12-01T00:00:00Z',
    message: '9718 bytes fetched in 1.46s : 2 new entries.',
  },
  title: 'Example blog',
};
const entry = (n: number) =>
  cxml('entry', { xmlns: ATOM }, cxml('title', {}, `Post ${n}`), cxml('id', {}, `tag:blog.example.org,2026:${n}`));
const ENTRY_JSON = (n: number) => ({ atom: { title: `Post ${n}`, id: `tag:blog.example.org,2026:${n}` } });

/** The value of an attribute by namespace and local name, whatever its prefix. */
function nsAttr(el: Element, ns: string, local: string): string | undefined {
  const prefixOf = (p: string): string | undefined => {
    for (let cur: Element | null = el; cur; cur = cur.parent) if (cur.attrs[`xmlns:${p}`] !== undefined) return cur.attrs[`xmlns:${p}`];
    return undefined;
  };
  const key = Object.keys(el.attrs).find((k) => k.endsWith(`:${local}`) && !k.startsWith('xmlns:') && prefixOf(k.split(':')[0]!) === ns);
  return key === undefined ? undefined : el.attrs[key];
}
const op = (iq: Element) => iq.getChild('pubsub', PS)?.getChildElements()[0];
const lastRequest = () => comp.received[comp.received.length - 1]!;

comp.onSet(PS, 'pubsub', ({ element }) => {
  const o = element.getChildElements()[0];
  if (o?.attrs.node === FORBIDDEN_FEED) return cxml('error', { type: 'auth' }, cxml('not-authorized', { xmlns: STANZAS }));
  if (o?.name === 'subscribe') {
    return cxml(
      'pubsub',
      { xmlns: PS, 'xmlns:superfeedr': SF },
      cxml('subscription', { node: o.attrs.node, jid: o.attrs.jid, subscription: 'subscribed' }, prefixedStatus()),
    );
  }
  return true;
});
comp.onGet(PS, 'pubsub', ({ element }) => {
  const o = element.getChildElements()[0];
  if (o?.name === 'items') {
    return cxml(
      'pubsub',
      { xmlns: PS },
      cxml('status', { xmlns: SF, feed: o.attrs.node }, cxml('http', { code: '200' }, 'ok')),
      cxml('items', { node: o.attrs.node }, cxml('item', { id: '1' }, entry(1)), cxml('item', { id: '2' }, entry(2))),
    );
  }
  if (o?.name === 'subscriptions') {
    const page = nsAttr(o, SF, 'page');
    return cxml(
      'pubsub',
      { xmlns: PS, 'xmlns:superfeedr': SF },
      cxml(
        'subscriptions',
        {},
        cxml('subscription', { node: `${FEED}?page=${page}`, jid: o.attrs.jid, subscription: 'subscribed' }, prefixedStatus()),
      ),
    );
  }
  return undefined;
});

/** Events of a stream since `from` with that name, after a short quiet time (to catch duplicates). */
async function settled(stream: SseClient, from: number, name: string, want: number): Promise<SseEvent[]> {
  const deadline = Date.now() + 5000;
  const pick = () => stream.events.slice(from).filter((e) => e.event === name);
  while (pick().length < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, 300));
  return pick();
}

t.test('SUPERFEEDR_JID: default, normalised, refused when it is no JID', async (tt) => {
  tt.equal(loadConfig({}).superfeedrJid, 'firehoser.superfeedr.com');
  tt.equal(loadConfig({ SUPERFEEDR_JID: 'Feeds.Example.ORG' }).superfeedrJid, 'feeds.example.org');
  tt.throws(() => loadConfig({ SUPERFEEDR_JID: 'feeds.example.org/res' }), /SUPERFEEDR_JID: must be a JID without a resource/);
});

t.test('subscribe: set to the service, node = feed, jid = own full JID; answers the feed status', async (tt) => {
  const res = await gw.post('/v1/superfeedr/subscribe', { feed: FEED }, alice.token);
  tt.same(
    [res.status, res.body],
    [200, { feed: FEED, jid: { user: aliceUser.username, domain: 'localhost', resource: 'gw' }, ...STATUS_JSON }],
  );
  const iq = lastRequest();
  tt.same([iq.attrs.type, iq.attrs.to, iq.attrs.from], ['set', SERVICE, aliceFull]);
  tt.equal(op(iq)?.name, 'subscribe');
  tt.same(op(iq)?.attrs, { node: FEED, jid: aliceFull }, 'node and jid only');
  tt.equal(eventSchemaProblem(reg, { event: 'xmpp.superfeedr.push', data: { meta: res.body, items: [] } }), undefined);
});

t.test('unsubscribe with a jid: exactly that jid on <unsubscribe/>', async (tt) => {
  const res = await gw.post('/v1/superfeedr/unsubscribe', { feed: FEED, jid: aliceUser.jid }, alice.token);
  tt.same([res.status, res.body], [200, { ok: true }]);
  const iq = lastRequest();
  tt.same([iq.attrs.type, iq.attrs.to, op(iq)?.name], ['set', SERVICE, 'unsubscribe']);
  tt.same(op(iq)?.attrs, { node: FEED, jid: aliceUser.jid });
});

t.test('retrieve: items of the feed, parsed entries and the status beside them', async (tt) => {
  const res = await gw.post('/v1/superfeedr/retrieve', { feed: FEED }, alice.token);
  tt.equal(res.status, 200, JSON.stringify(res.body));
  tt.same(res.body, { items: [ENTRY_JSON(1), ENTRY_JSON(2)], meta: { feed: FEED, status: { response: '200', message: 'ok' } } });
  const iq = lastRequest();
  tt.same([iq.attrs.type, iq.attrs.to, op(iq)?.name], ['get', SERVICE, 'items']);
  tt.same(op(iq)?.attrs, { node: FEED }, 'no jid unless given');
});

t.test('subscriptions: page 2 with the superfeedr prefix declared on <pubsub/>', async (tt) => {
  const res = await gw.post('/v1/superfeedr/subscriptions', { page: 2 }, alice.token);
  tt.equal(res.status, 200, JSON.stringify(res.body));
  tt.same(res.body, [{ feed: `${FEED}?page=2`, jid: { user: aliceUser.username, domain: 'localhost', resource: 'gw' }, ...STATUS_JSON }]);
  const iq = lastRequest();
  tt.same([iq.attrs.type, iq.attrs.to], ['get', SERVICE]);
  const subs = op(iq)!;
  tt.equal(subs.name, 'subscriptions');
  tt.equal(subs.attrs.jid, aliceFull, 'own full JID');
  // Prosody re-prefixes namespaced attributes (superfeedr:page arrives as ns1:page): compare by namespace.
  tt.equal(nsAttr(subs, SF, 'page'), '2', 'page in the Superfeedr namespace');
  tt.same(Object.keys(subs.attrs).filter((k) => !k.startsWith('xmlns:')).length, 2, 'jid and page only');
  const first = await gw.post('/v1/superfeedr/subscriptions', {}, alice.token);
  tt.equal(first.body[0].feed, `${FEED}?page=1`, 'page 1 by default');
});

t.test('an error reply is one error answer; bad input sends nothing', async (tt) => {
  const before = comp.received.length;
  const from = aliceEvents.events.length;
  const res = await gw.post('/v1/superfeedr/subscribe', { feed: FORBIDDEN_FEED }, alice.token);
  tt.same([res.status, res.body.condition, res.body.type], [403, 'not-authorized', 'auth']);
  tt.equal(comp.received.length, before + 1, 'one request');
  const un = await gw.post('/v1/superfeedr/unsubscribe', { feed: FORBIDDEN_FEED }, alice.token);
  tt.same([un.status, un.body.condition], [403, 'not-authorized']);
  const bad = await gw.post('/v1/superfeedr/subscribe', { jid: aliceUser.jid }, alice.token);
  tt.same([bad.status, bad.body.description, bad.body.condition], [400, "Missing 'feed' key", 'client-error']);
  await new Promise((r) => setTimeout(r, 200));
  tt.equal(comp.received.length, before + 2, 'the bad request sent nothing');
  tt.same(
    aliceEvents.events.slice(from).map((e) => e.event),
    [],
    'no event either',
  );
});

const notification = (from: string, id: string) =>
  cxml(
    'message',
    { from, to: aliceFull, id },
    cxml(
      'event',
      { xmlns: EV },
      cxml(
        'status',
        { xmlns: SF, feed: FEED },
        cxml('http', { code: '200' }, '2 new entries'),
        cxml('next_fetch', {}, '2026-12-03T10:30:00Z'),
        cxml('period', {}, '900'),
      ),
      cxml('items', { node: FEED }, cxml('item', { xmlns: PS, id: '3' }, entry(3)), cxml('item', { xmlns: PS, id: '4' }, entry(4))),
    ),
  );

t.test('a notification of the service: one xmpp.superfeedr.push with both entries, on alice’s stream only', async (tt) => {
  const from = aliceEvents.events.length;
  const bobFrom = bobEvents.events.length;
  await comp.send(notification(SERVICE, 'sf-1'));
  const pushes = await settled(aliceEvents, from, 'xmpp.superfeedr.push', 1);
  tt.equal(pushes.length, 1, 'exactly once');
  tt.same(pushes[0]?.data, {
    meta: { feed: FEED, status: { response: '200', fetch: { next: '2026-12-03T10:30:00Z', period: '900' }, message: '2 new entries' } },
    items: [ENTRY_JSON(3), ENTRY_JSON(4)],
  });
  tt.equal(eventSchemaProblem(reg, { event: 'xmpp.superfeedr.push', data: pushes[0]?.data }), undefined);
  tt.same(
    aliceEvents.events.slice(from).map((e) => e.event),
    ['xmpp.superfeedr.push'],
    'nothing else: no xmpp.pubsub.push.item, no chat message',
  );
  tt.same(bobEvents.events.slice(bobFrom), [], 'bob’s stream gets nothing');
});

t.test('the same notification from another JID is not Superfeedr’s: generic xmpp.pubsub.push.item', async (tt) => {
  const other = `other@${SERVICE}`;
  const from = aliceEvents.events.length;
  await comp.send(notification(other, 'sf-2'));
  const items = await settled(aliceEvents, from, 'xmpp.pubsub.push.item', 2);
  tt.same(
    items.map((e) => [e.data.from, e.data.node, e.data.id]),
    [
      [other, FEED, '3'],
      [other, FEED, '4'],
    ],
  );
  tt.notOk(
    aliceEvents.events.slice(from).some((e) => e.event === 'xmpp.superfeedr.push'),
    'no xmpp.superfeedr.push',
  );
});
