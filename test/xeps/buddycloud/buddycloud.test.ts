// Buddycloud on the wire: a XEP-0114 component (component.localhost) plays the channel server. It
// says so in its disco#info (identity pubsub/channels), so Prosody's disco#items of localhost plus
// the gateway's disco#info round find it; it records every stanza two sessions send and answers as a
// buddycloud server would. Its notifications reach the right session once, as buddycloud events only;
// Prosody's own PubSub service (pubsub.localhost) stays generic PubSub.
import t from 'tap';
import type { Element } from 'ltx';
import { startProsody } from '../../helpers/prosody.js';
import { startGateway } from '../../helpers/gateway.js';
import { cxml, startComponent } from '../../helpers/component.js';
import { eventSchemaProblem, loadRegistry } from '../../helpers/golden.js';
import type { SseClient, SseEvent } from '../../helpers/sse.js';

const PS = 'http://jabber.org/protocol/pubsub';
const PSO = `${PS}#owner`;
const EV = `${PS}#event`;
const BC = 'http://buddycloud.org/v1';
const DI = 'http://jabber.org/protocol/disco#info';
const DIT = 'http://jabber.org/protocol/disco#items';
const DATA = 'jabber:x:data';
const RSM = 'http://jabber.org/protocol/rsm';
const REG = 'jabber:iq:register';
const SEARCH = 'jabber:iq:search';
const HA = 'http://jabber.org/protocol/http-auth';
const ATOM = 'http://www.w3.org/2005/Atom';
const THR = 'http://purl.org/syndication/thread/1.0';

const prosody = await startProsody({ users: 2, lean: true });
const gw = await startGateway(prosody, { answerTimeoutMs: 3000 });
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const bob = await gw.login(bobUser, { resource: 'gw' });
const aliceFull = `${aliceUser.jid}/gw`;
const bobFull = `${bobUser.jid}/gw`;
const aliceEvents = await gw.events({ token: alice.token });
const bobEvents = await gw.events({ token: bob.token });
const comp = await startComponent(prosody);
const SERVER = comp.domain;
const MEDIA = `${SERVER}/media`;
const NODE = `/user/${aliceUser.jid}/posts`;
const reg = await loadRegistry();
t.teardown(async () => {
  aliceEvents.close();
  bobEvents.close();
  await comp.stop();
  await gw.close();
  await prosody.stop();
});

// ---------------------------------------------------------------------------------------------
// The channel server

comp.onGet(DI, 'query', ({ stanza, element }) => {
  if (stanza.attrs.to === MEDIA) {
    return cxml(
      'query',
      { xmlns: DI },
      cxml('identity', { category: 'component', type: 'generic', name: 'Media Server' }),
      cxml(
        'x',
        { xmlns: DATA, type: 'result' },
        cxml('field', { var: 'FORM_TYPE', type: 'hidden' }, cxml('value', {}, `${BC}/api`)),
        cxml('field', { var: 'endpoint' }, cxml('value', {}, 'https://media.example.org')),
      ),
    );
  }
  if (element.attrs.node !== undefined) {
    return cxml(
      'query',
      { xmlns: DI, node: element.attrs.node },
      cxml('identity', { category: 'pubsub', type: 'leaf' }),
      cxml(
        'x',
        { xmlns: DATA, type: 'result' },
        cxml('field', { var: 'FORM_TYPE', type: 'hidden' }, cxml('value', {}, `${PS}#meta-data`)),
        cxml('field', { var: 'pubsub#title', type: 'text-single' }, cxml('value', {}, 'Alice’s posts')),
      ),
    );
  }
  return cxml(
    'query',
    { xmlns: DI },
    cxml('identity', { category: 'pubsub', type: 'channels', name: 'Buddycloud' }),
    cxml('feature', { var: PS }),
  );
});
comp.onGet(DIT, 'query', () => cxml('query', { xmlns: DIT }, cxml('item', { jid: MEDIA })));

const items = (node: string, ...list: Array<[string, string]>) =>
  cxml('items', { node }, ...list.map(([id, text]) => cxml('item', { id }, cxml('body', {}, text))));

comp.onGet(PS, 'pubsub', ({ element }) => {
  const op = element.getChildElements()[0]!;
  switch (op.name) {
    case 'items':
      return cxml('pubsub', { xmlns: PS }, items(op.attrs.node!, ['p1', 'Top post']));
    case 'recent-items':
    case 'user-items':
      return cxml(
        'pubsub',
        { xmlns: PS },
        items(`/user/${bobUser.jid}/posts`, ['b1', 'Bob 1'], ['b2', 'Bob 2']),
        items(NODE, ['p1', 'Top post']),
        cxml('set', { xmlns: RSM }, cxml('first', {}, 'b1'), cxml('last', {}, 'p1'), cxml('count', {}, '3')),
      );
    case 'replies':
    case 'thread':
      return cxml('pubsub', { xmlns: PS }, items(op.attrs.node!, ['r1', 'A reply']));
    case 'subscriptions':
      return cxml(
        'pubsub',
        { xmlns: PS },
        cxml(
          'subscriptions',
          {},
          cxml('subscription', {
            node: `/user/${bobUser.jid}/posts`,
            jid: aliceUser.jid,
            subscription: 'invited',
            'invited-by': bobUser.jid,
          }),
        ),
      );
    case 'affiliations':
      return cxml('pubsub', { xmlns: PS }, cxml('affiliations', {}, cxml('affiliation', { node: NODE, affiliation: 'owner' })));
  }
  return undefined;
});
comp.onSet(PS, 'pubsub', ({ element }) => {
  const op = element.getChildElements()[0]!;
  if (op.name === 'publish') return cxml('pubsub', { xmlns: PS }, cxml('publish', { node: op.attrs.node }, cxml('item', { id: 'tag:1' })));
  if (op.name === 'subscribe') {
    return cxml('pubsub', { xmlns: PS }, cxml('subscription', { node: op.attrs.node, jid: op.attrs.jid, subscription: 'subscribed' }));
  }
  return true;
});
comp.onGet(PSO, 'pubsub', () =>
  cxml(
    'pubsub',
    { xmlns: PSO },
    cxml(
      'configure',
      { node: NODE },
      cxml(
        'x',
        { xmlns: DATA, type: 'form' },
        cxml('field', { var: 'FORM_TYPE', type: 'hidden' }, cxml('value', {}, `${PS}#node_config`)),
        cxml('field', { var: 'pubsub#access_model', type: 'list-single' }, cxml('value', {}, 'open')),
      ),
    ),
  ),
);
comp.onSet(PSO, 'pubsub', () => true);
comp.onGet(REG, 'query', () => cxml('query', { xmlns: REG }, cxml('registered'), cxml('username', {}, aliceUser.username)));
comp.onSet(REG, 'query', () => true);
comp.onGet(SEARCH, 'query', () =>
  cxml(
    'query',
    { xmlns: SEARCH },
    cxml(
      'x',
      { xmlns: DATA, type: 'form' },
      cxml('field', { var: 'FORM_TYPE', type: 'hidden' }, cxml('value', {}, SEARCH)),
      cxml('field', { var: 'content', type: 'text-single' }),
    ),
  ),
);
comp.onSet(SEARCH, 'query', () =>
  cxml(
    'query',
    { xmlns: SEARCH },
    cxml(
      'x',
      { xmlns: DATA, type: 'result' },
      cxml('reported', {}, cxml('field', { var: 'id', type: 'text-single' }), cxml('field', { var: 'entry', type: 'xml' })),
      cxml(
        'item',
        {},
        cxml('field', { var: 'id' }, cxml('value', {}, 'p1')),
        cxml('field', { var: 'entry' }, cxml('value', {}, cxml('entry', { xmlns: ATOM }, cxml('content', {}, 'Found it')))),
      ),
    ),
  ),
);

// ---------------------------------------------------------------------------------------------
// Helpers

const lastRequest = () => comp.received[comp.received.length - 1]!;
const op = (iq: Element, ns = PS) => iq.getChild('pubsub', ns)?.getChildElements()[0];
const pause = (ms = 300) => new Promise((r) => setTimeout(r, ms));
async function nextStanza(predicate: (s: Element) => boolean, from: number, timeoutMs = 5000): Promise<Element | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = comp.stanzas.slice(from).find(predicate);
    if (hit || Date.now() > deadline) return hit;
    await pause(20);
  }
}
/** The attributes of `el` in namespace `ns`, by local name (prefixes resolved on the element and its ancestors). */
function attrsIn(el: Element, ns: string): Record<string, string> {
  const declared = (prefix: string): string | undefined => {
    for (let cur: Element | null = el; cur; cur = cur.parent as Element | null) {
      const v = cur.attrs[`xmlns:${prefix}`];
      if (v !== undefined) return String(v);
    }
    return undefined;
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(el.attrs)) {
    const i = k.indexOf(':');
    if (i < 0 || k.startsWith('xmlns')) continue;
    if (declared(k.slice(0, i)) === ns) out[k.slice(i + 1)] = String(v);
  }
  return out;
}
const channelEvents = (stream: SseClient, from: number) =>
  stream.events.slice(from).filter((e: SseEvent) => /^xmpp\.(buddycloud|pubsub|chat)\./.test(e.event));

// ---------------------------------------------------------------------------------------------

t.test('before discovery: every channel action is 400 and sends nothing', async (tt) => {
  const before = comp.received.length;
  for (const [path, body] of [
    ['/v1/buddycloud/create', { node: NODE }],
    ['/v1/buddycloud/publish', { node: NODE, content: 'x' }],
    ['/v1/buddycloud/items/recent', {}],
    ['/v1/buddycloud/presence', {}],
    ['/v1/buddycloud/register', {}],
  ] as const) {
    const res = await gw.post(path, body, alice.token);
    tt.same([res.status, res.body.description], [400, 'You must perform discovery first!'], path);
  }
  await pause();
  tt.equal(comp.received.length, before, 'the component got nothing');
});

t.test('discover: disco#items of the own domain, then disco#info finds the channel server', async (tt) => {
  const res = await gw.post('/v1/buddycloud/discover', {}, alice.token);
  tt.same([res.status, res.body], [200, { server: SERVER }]);
  const info = comp.received.find((iq) => iq.attrs.from === aliceFull && iq.getChild('query', DI));
  tt.ok(info, 'the component was asked for its disco#info');
  tt.equal(info?.attrs.type, 'get');
  tt.equal(info?.attrs.to, SERVER);
  // Bob names the server himself: no discovery stanza.
  const before = comp.received.length;
  const b = await gw.post('/v1/buddycloud/discover', { server: SERVER }, bob.token);
  tt.same([b.status, b.body], [200, { server: SERVER }]);
  await pause();
  tt.equal(comp.received.length, before, '`server` skips discovery');
});

t.test('presence and registration go to the channel server', async (tt) => {
  const from = comp.stanzas.length;
  const p = await gw.post('/v1/buddycloud/presence', {}, alice.token);
  tt.same([p.status, p.body], [200, {}]);
  const presence = await nextStanza((s) => s.name === 'presence' && s.attrs.from === aliceFull, from);
  tt.ok(presence, 'directed presence arrived');
  tt.equal(presence?.attrs.to, SERVER);
  tt.same(
    [presence?.getChildText('show'), presence?.getChildText('status'), presence?.getChildText('priority')],
    ['chat', 'buddycloud', '-1'],
  );

  const r = await gw.post('/v1/buddycloud/register', {}, alice.token);
  tt.same([r.status, r.body], [200, { registered: true }]);
  tt.same([lastRequest().attrs.type, lastRequest().attrs.to, lastRequest().getChild('query', REG)?.children.length], ['set', SERVER, 0]);
  const g = await gw.post('/v1/buddycloud/register/get', {}, alice.token);
  tt.same([g.status, g.body], [200, { username: aliceUser.username, registered: true }]);
  const pw = await gw.post('/v1/buddycloud/register/password', { username: aliceUser.username, password: 'n3w' }, alice.token);
  tt.same([pw.status, pw.body], [200, { registered: true }]);
  tt.equal(lastRequest().getChild('query', REG)?.getChildText('password'), 'n3w');
  const un = await gw.post('/v1/buddycloud/register/unregister', {}, alice.token);
  tt.same([un.status, un.body], [200, { ok: true }]);
  tt.ok(lastRequest().getChild('query', REG)?.getChild('remove'), 'XEP-0077 §3.2 <remove/>');
});

t.test('create, publish, retrieve (parent-only), delete an item and the node', async (tt) => {
  const c = await gw.post('/v1/buddycloud/create', { node: NODE, options: [{ var: 'pubsub#access_model', value: 'open' }] }, alice.token);
  tt.same([c.status, c.body], [200, { ok: true }]);
  tt.same(op(lastRequest())?.attrs, { node: NODE });
  tt.equal(lastRequest().getChild('pubsub', PS)?.getChild('configure')?.getChild('x', DATA)?.attrs.type, 'submit');

  const p = await gw.post(
    '/v1/buddycloud/publish',
    { node: NODE, content: { atom: { content: 'A reply' }, 'in-reply-to': { ref: 'p1' } } },
    alice.token,
  );
  tt.same([p.status, p.body], [200, { id: 'tag:1' }]);
  const entry = op(lastRequest())?.getChild('item')?.getChild('entry', ATOM);
  tt.equal(entry?.getChildText('content'), 'A reply');
  tt.equal(entry?.getChild('in-reply-to', THR)?.attrs.ref, 'p1', 'thr:in-reply-to inside the Atom entry');

  const r = await gw.post('/v1/buddycloud/retrieve', { node: NODE, parentOnly: true, maxItems: 3 }, alice.token);
  tt.same([r.status, r.body], [200, [{ id: 'p1', entry: { body: 'Top post' }, node: NODE }]]);
  tt.same(op(lastRequest())?.attrs, { node: NODE, max_items: '3', 'parent-only': 'true' });

  const d = await gw.post('/v1/buddycloud/item/delete', { node: NODE, id: 'p1' }, alice.token);
  tt.same([d.status, d.body], [200, { ok: true }]);
  tt.same([op(lastRequest())?.name, op(lastRequest())?.getChild('item')?.attrs.id], ['retract', 'p1']);
  const del = await gw.post('/v1/buddycloud/delete', { node: NODE }, alice.token);
  tt.same([del.status, del.body], [200, { ok: true }]);
  tt.same([op(lastRequest(), PSO)?.name, op(lastRequest(), PSO)?.attrs.node], ['delete', NODE], 'delete in pubsub#owner');
});

t.test('recent items, feed, replies and thread: buddycloud elements, RSM', async (tt) => {
  const recent = await gw.post(
    '/v1/buddycloud/items/recent',
    { max: 5, since: '2026-01-01', parentOnly: true, rsm: { max: 3 } },
    alice.token,
  );
  tt.equal(recent.status, 200);
  tt.same(
    recent.body.items.map((i: { id: string; node: string }) => [i.id, i.node]),
    [
      ['b1', `/user/${bobUser.jid}/posts`],
      ['b2', `/user/${bobUser.jid}/posts`],
      ['p1', NODE],
    ],
  );
  tt.same(recent.body.rsm, { count: 3, first: 'b1', last: 'p1' });
  const ri = op(lastRequest())!;
  tt.same([ri.name, ri.getNS()], ['recent-items', BC]);
  tt.same(ri.attrs, { xmlns: BC, max: '5', since: '2026-01-01T00:00:00.000Z', 'parent-only': 'true' });
  tt.equal(lastRequest().getChild('pubsub', PS)?.getChild('set', RSM)?.getChildText('max'), '3', 'the set beside recent-items');

  const feed = await gw.post('/v1/buddycloud/items/feed', {}, alice.token);
  tt.equal(feed.status, 200);
  const ui = op(lastRequest())!;
  tt.same([ui.name, ui.getNS(), ui.attrs.since, ui.attrs['parent-only']], ['user-items', BC, '2000-01-01T00:00:00.000Z', 'false']);

  for (const kind of ['replies', 'thread'] as const) {
    const res = await gw.post(`/v1/buddycloud/items/${kind}`, { node: NODE, id: 'p1' }, alice.token);
    tt.same([res.status, res.body], [200, [{ id: 'r1', node: NODE, entry: { body: 'A reply' } }]], kind);
    const el = op(lastRequest())!;
    tt.same([el.name, el.getNS(), el.attrs.node, el.attrs.item_id], [kind, BC, NODE, 'p1']);
  }
  const bad = await gw.post('/v1/buddycloud/items/recent', { since: 'yesterday-ish' }, alice.token);
  tt.same([bad.status, bad.body.description], [400, 'Since date was unparsable']);
});

t.test('subscriptions and affiliations: bare JID, ephemeral as a namespaced attribute, invited-by', async (tt) => {
  const s = await gw.post('/v1/buddycloud/subscribe', { node: `/user/${bobUser.jid}/posts` }, alice.token);
  tt.same([s.status, s.body.subscription], [200, 'subscribed']);
  tt.same(op(lastRequest())?.attrs, { node: `/user/${bobUser.jid}/posts`, jid: aliceUser.jid });
  const u = await gw.post('/v1/buddycloud/unsubscribe', { node: `/user/${bobUser.jid}/posts` }, alice.token);
  tt.same([u.status, op(lastRequest())?.name, op(lastRequest())?.attrs.jid], [200, 'unsubscribe', aliceUser.jid]);

  const list = await gw.post('/v1/buddycloud/subscriptions', { ephemeral: true }, alice.token);
  tt.same(list.body, [
    {
      subscription: 'invited',
      jid: { user: aliceUser.username, domain: 'localhost' },
      node: `/user/${bobUser.jid}/posts`,
      invitedBy: { user: bobUser.username, domain: 'localhost' },
    },
  ]);
  const subs = op(lastRequest())!;
  tt.same(attrsIn(subs, BC), { ephemeral: 'true' }, 'ephemeral in the buddycloud namespace (whatever prefix Prosody chose)');

  const affs = await gw.post('/v1/buddycloud/affiliations', {}, alice.token);
  tt.same(affs.body, [{ node: NODE, affiliation: 'owner' }]);
  tt.same(attrsIn(op(lastRequest())!, BC), {}, 'no ephemeral unless asked');

  const a = await gw.post('/v1/buddycloud/affiliation', { node: NODE, jid: bobUser.jid, affiliation: 'moderator' }, alice.token);
  tt.same([a.status, a.body], [200, { ok: true }]);
  tt.same(op(lastRequest(), PSO)?.getChild('affiliation')?.attrs, { jid: bobUser.jid, affiliation: 'moderator' });
  const inv = await gw.post('/v1/buddycloud/subscription', { node: NODE, jid: bobUser.jid, subscription: 'invited' }, alice.token);
  tt.same([inv.status, inv.body], [200, { ok: true }]);
  tt.same(op(lastRequest(), PSO)?.getChild('subscription')?.attrs, { jid: bobUser.jid, subscription: 'invited' });
});

t.test('configuration: metadata from disco#info, the owner form, and submitting it', async (tt) => {
  const meta = await gw.post('/v1/buddycloud/config/get', { node: NODE }, alice.token);
  tt.same([meta.status, meta.body], [200, [{ var: 'pubsub#title', type: 'text-single', value: 'Alice’s posts' }]]);
  tt.same([lastRequest().getChild('query', DI)?.attrs.node, lastRequest().attrs.to], [NODE, SERVER]);
  const owner = await gw.post('/v1/buddycloud/config/get', { node: NODE, owner: true }, alice.token);
  tt.same(owner.body.fields, [{ var: 'pubsub#access_model', type: 'list-single', value: 'open' }]);
  const set = await gw.post(
    '/v1/buddycloud/config/set',
    { node: NODE, form: [{ var: 'pubsub#access_model', value: 'authorize' }] },
    alice.token,
  );
  tt.same([set.status, set.body], [200, { ok: true }]);
  const x = op(lastRequest(), PSO)?.getChild('x', DATA);
  tt.same([op(lastRequest(), PSO)?.name, x?.attrs.type], ['configure', 'submit']);
});

t.test('search: the form, and results whose entry is parsed as a post', async (tt) => {
  const g = await gw.post('/v1/buddycloud/search/get', {}, alice.token);
  tt.same(g.body.form.fields, [{ var: 'content', type: 'text-single' }]);
  const d = await gw.post('/v1/buddycloud/search/do', { form: [{ var: 'content', value: 'found' }] }, alice.token);
  tt.equal(d.status, 200, JSON.stringify(d.body));
  tt.same(d.body.results, [{ id: 'p1', entry: { atom: { content: { content: 'Found it' } } } }]);
  tt.same(
    [lastRequest().attrs.type, lastRequest().attrs.to, lastRequest().getChild('query', SEARCH)?.getChild('x', DATA)?.attrs.type],
    ['set', SERVER, 'submit'],
  );
});

t.test('notifications from the channel server reach the right session once, as buddycloud events', async (tt) => {
  const aFrom = aliceEvents.events.length;
  const bFrom = bobEvents.events.length;
  const notify = (to: string, id: string) =>
    comp.send(
      cxml(
        'message',
        { from: SERVER, to, id },
        cxml(
          'event',
          { xmlns: EV },
          cxml(
            'items',
            { node: NODE },
            cxml('item', { id, publisher: aliceUser.jid }, cxml('entry', { xmlns: ATOM }, cxml('content', {}, `Post ${id}`))),
          ),
        ),
      ),
    );
  await notify(aliceFull, 'n-alice');
  await notify(bobFull, 'n-bob');
  const a = await aliceEvents.nextEvent('xmpp.buddycloud.push.item', 5000, aFrom);
  const b = await bobEvents.nextEvent('xmpp.buddycloud.push.item', 5000, bFrom);
  await pause();
  tt.same(
    channelEvents(aliceEvents, aFrom).map((e) => [e.event, e.data.id]),
    [['xmpp.buddycloud.push.item', 'n-alice']],
    'alice: her notification only, once, not also generic PubSub or chat',
  );
  tt.same(
    channelEvents(bobEvents, bFrom).map((e) => [e.event, e.data.id]),
    [['xmpp.buddycloud.push.item', 'n-bob']],
  );
  tt.same(a.data, {
    node: NODE,
    id: 'n-alice',
    publisher: { user: aliceUser.username, domain: 'localhost' },
    entry: { atom: { content: { content: 'Post n-alice' } } },
  });
  tt.equal(eventSchemaProblem(reg, { event: b.event, data: b.data }), undefined);

  // Another JID of the component's domain is not the channel server.
  const from = aliceEvents.events.length;
  await comp.send(
    cxml('message', { from: `other@${SERVER}`, to: aliceFull, id: 'o1' }, cxml('event', { xmlns: EV }, cxml('purge', { node: 'x' }))),
  );
  const generic = await aliceEvents.nextEvent('xmpp.pubsub.push.purge', 5000, from);
  tt.same(generic.data, { from: `other@${SERVER}`, node: 'x' });
  await pause();
  tt.notOk(
    channelEvents(aliceEvents, from).some((e) => e.event.startsWith('xmpp.buddycloud.')),
    'not claimed by buddycloud',
  );
});

t.test('a notification from Prosody’s own PubSub service stays generic PubSub', async (tt) => {
  const service = prosody.pubsubDomain;
  const node = 'bc-other';
  // Prosody delivers notifications to the bare JID: only an available resource gets them.
  tt.equal((await gw.post('/v1/presence', {}, alice.token)).status, 200);
  tt.equal((await gw.post('/v1/pubsub/create', { to: service, node }, alice.token)).status, 200);
  tt.equal((await gw.post('/v1/pubsub/subscribe', { to: service, node }, alice.token)).status, 200);
  const from = aliceEvents.events.length;
  tt.equal((await gw.post('/v1/pubsub/publish', { to: service, node, content: 'plain' }, alice.token)).status, 200);
  const e = await aliceEvents.nextEvent('xmpp.pubsub.push.item', 5000, from);
  tt.same([e.data.from, e.data.node, e.data.entry], [service, node, { body: 'plain' }]);
  await pause();
  tt.notOk(
    channelEvents(aliceEvents, from).some((ev) => ev.event.startsWith('xmpp.buddycloud.')),
    'no buddycloud event',
  );
});

t.test('every other notification kind from the channel server', async (tt) => {
  const from = aliceEvents.events.length;
  const event = (...kids: Element[]) => comp.send(cxml('message', { from: SERVER, to: aliceFull }, cxml('event', { xmlns: EV }, ...kids)));
  await event(cxml('items', { node: NODE }, cxml('retract', { id: 'p1' })));
  await event(cxml('subscription', { node: NODE, jid: bobUser.jid, subscription: 'invited', 'invited-by': aliceUser.jid }));
  await event(cxml('affiliations', { node: NODE }, cxml('affiliation', { jid: bobUser.jid, affiliation: 'moderator' })));
  await event(cxml('configuration', { node: NODE }));
  await event(cxml('delete', { node: NODE }));
  await event(cxml('purge', { node: NODE }));
  await aliceEvents.nextEvent('xmpp.buddycloud.push.purge', 5000, from);
  await pause();
  const got = channelEvents(aliceEvents, from);
  tt.same(
    got.map((e) => e.event),
    [
      'xmpp.buddycloud.push.retract',
      'xmpp.buddycloud.push.subscription',
      'xmpp.buddycloud.push.affiliation',
      'xmpp.buddycloud.push.configuration',
      'xmpp.buddycloud.push.delete',
      'xmpp.buddycloud.push.purge',
    ],
  );
  tt.same(got[1]?.data.invitedBy, { user: aliceUser.username, domain: 'localhost' });
  for (const e of got) {
    tt.equal(e.data.from, undefined, `${e.event} has no from`);
    tt.equal(eventSchemaProblem(reg, { event: e.event, data: e.data }), undefined);
  }
});

t.test('authorisation request: held, answered to the channel server through buddycloud/authorisation', async (tt) => {
  const from = aliceEvents.events.length;
  const AUTH = `${PS}#subscribe_authorization`;
  await comp.send(
    cxml(
      'message',
      { from: SERVER, to: aliceFull, id: 'auth-1' },
      cxml(
        'x',
        { xmlns: DATA, type: 'form' },
        cxml('field', { var: 'FORM_TYPE', type: 'hidden' }, cxml('value', {}, AUTH)),
        cxml('field', { var: 'pubsub#node', type: 'text-single' }, cxml('value', {}, NODE)),
        cxml('field', { var: 'pubsub#subscriber_jid', type: 'jid-single' }, cxml('value', {}, bobUser.jid)),
        cxml('field', { var: 'pubsub#allow', type: 'boolean' }, cxml('value', {}, 'false')),
      ),
    ),
  );
  const e = await aliceEvents.nextEvent('xmpp.buddycloud.push.authorisation', 5000, from);
  tt.equal(e.data.id, 'auth-1');
  tt.equal(e.data.from, undefined);
  await pause();
  tt.same(
    channelEvents(aliceEvents, from).map((ev) => ev.event),
    ['xmpp.buddycloud.push.authorisation'],
    'not also xmpp.pubsub.push.authorisation or chat',
  );
  const before = comp.stanzas.length;
  const fields = [
    { var: 'pubsub#node', value: NODE },
    { var: 'pubsub#subscriber_jid', value: bobUser.jid },
    { var: 'pubsub#allow', value: true },
  ];
  const res = await gw.post('/v1/buddycloud/authorisation', { id: 'auth-1', form: fields }, alice.token);
  tt.same([res.status, res.body], [200, { ok: true }]);
  const answer = await nextStanza((s) => s.name === 'message' && s.attrs.id === 'auth-1', before);
  tt.equal(answer?.attrs.to, SERVER);
  const x = answer?.getChild('x', DATA);
  tt.equal(x?.attrs.type, 'submit');
  tt.equal(
    x
      ?.getChildren('field')
      .find((f) => f.attrs.var === 'FORM_TYPE')
      ?.getChildText('value'),
    AUTH,
  );
  const again = await gw.post('/v1/buddycloud/authorisation', { id: 'auth-1', form: fields }, alice.token);
  tt.equal(again.status, 404, 'answered: no longer waiting');
});

t.test('media server: discovered, its HTTP-auth request becomes xmpp.buddycloud.http.verify, confirmed', async (tt) => {
  const m = await gw.post('/v1/buddycloud/discover/media-server', { of: `topic@${SERVER}` }, alice.token);
  tt.same([m.status, m.body], [200, { component: MEDIA, endpoint: 'https://media.example.org' }]);
  const from = aliceEvents.events.length;
  await comp.send(
    cxml(
      'iq',
      { type: 'get', from: MEDIA, to: aliceFull, id: 'ha-1' },
      cxml('confirm', { xmlns: HA, id: 'tx-1', method: 'GET', url: 'https://media.example.org/f' }),
    ),
  );
  const e = await aliceEvents.nextEvent('xmpp.buddycloud.http.verify', 5000, from);
  tt.same(e.data, {
    type: 'iq',
    id: 'ha-1',
    from: { domain: SERVER, resource: 'media' },
    request: { method: 'GET', id: 'tx-1', url: 'https://media.example.org/f' },
  });
  await pause();
  tt.notOk(
    aliceEvents.events.slice(from).some((ev) => ev.event === 'xmpp.http.verify'),
    'not also xmpp.http.verify',
  );
  const before = comp.stanzas.length;
  const c = await gw.post('/v1/buddycloud/http/confirm', { type: 'iq', to: MEDIA, id: 'ha-1' }, alice.token);
  tt.same([c.status, c.body], [200, { ok: true }]);
  const reply = await nextStanza((s) => s.name === 'iq' && s.attrs.id === 'ha-1', before);
  tt.equal(reply?.attrs.type, 'result', 'the media server got the confirmation');
});

t.test('discover items and info pass through to any entity', async (tt) => {
  const i = await gw.post('/v1/buddycloud/discover/items', { of: SERVER }, alice.token);
  tt.same([i.status, i.body], [200, [{ jid: MEDIA }]]);
  const f = await gw.post('/v1/buddycloud/discover/info', { of: SERVER }, alice.token);
  tt.same(f.body[0], { kind: 'identity', category: 'pubsub', type: 'channels', name: 'Buddycloud' });
});

t.test('HTTP auth from the channel server: a message request denied; an unanswered iq request denied on timeout', async (tt) => {
  const from = aliceEvents.events.length;
  await comp.send(
    cxml(
      'message',
      { from: SERVER, to: aliceFull, id: 'hm-1' },
      cxml('thread', {}, 'th-1'),
      cxml('confirm', { xmlns: HA, id: 'tx-2', method: 'POST', url: 'https://media.example.org/upload' }),
    ),
  );
  const e = await aliceEvents.nextEvent('xmpp.buddycloud.http.verify', 5000, from);
  tt.same([e.data.type, e.data.id, e.data.from], ['message', 'th-1', { domain: SERVER }]);
  const before = comp.stanzas.length;
  const d = await gw.post('/v1/buddycloud/http/deny', { type: 'message', to: SERVER, id: 'th-1', request: e.data.request }, alice.token);
  tt.same([d.status, d.body], [200, { ok: true }]);
  const denial = await nextStanza((s) => s.name === 'message' && s.getChildText('thread') === 'th-1', before);
  tt.equal(denial?.attrs.type, 'error');
  tt.ok(denial?.getChild('error')?.getChild('not-authorized', 'urn:ietf:params:xml:ns:xmpp-stanzas'), 'not-authorized');
  tt.equal(denial?.getChild('confirm', HA)?.attrs.id, 'tx-2', 'the request echoed');

  const held = comp.stanzas.length;
  await comp.send(
    cxml(
      'iq',
      { type: 'get', from: SERVER, to: aliceFull, id: 'ha-late' },
      cxml('confirm', { xmlns: HA, id: 'tx-3', method: 'GET', url: 'https://media.example.org/g' }),
    ),
  );
  await aliceEvents.next((ev) => ev.event === 'xmpp.buddycloud.http.verify' && ev.data.id === 'ha-late', 5000, from);
  const timeout = await nextStanza((s) => s.name === 'iq' && s.attrs.id === 'ha-late', held, 8000);
  tt.equal(timeout?.attrs.type, 'error', 'unanswered within ANSWER_TIMEOUT_MS: denied');
  tt.ok(timeout?.getChild('error')?.getChild('not-authorized', 'urn:ietf:params:xml:ns:xmpp-stanzas'));
  const late = await gw.post('/v1/buddycloud/http/confirm', { type: 'iq', to: SERVER, id: 'ha-late' }, alice.token);
  tt.equal(late.status, 404, 'no longer waiting');
});
