// XEP-0030 service discovery end to end: a gateway session (alice) asks a real Prosody, its
// components and a XEP-0114 test component (95 items, XEP-0059 paging); peers ask the session,
// and the client answers for its own caps node through discover/client.
import t from 'tap';
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { capsVer, capsVerOfQuery, GATEWAY_CAPS_NODE } from '../../../src/xmpp/caps.js';
import { startProsody } from '../../helpers/prosody.js';
import { connectPeer } from '../../helpers/peer.js';
import { startGateway } from '../../helpers/gateway.js';
import { cxml, startComponent } from '../../helpers/component.js';

const INFO = 'http://jabber.org/protocol/disco#info';
const ITEMS = 'http://jabber.org/protocol/disco#items';
const RSM = 'http://jabber.org/protocol/rsm';

const prosody = await startProsody({ users: 4 });
const gw = await startGateway(prosody);
// A client that never answers: held requests time out quickly.
const slowGw = await startGateway(prosody, { answerTimeoutMs: 300 });
const [aliceUser, bobUser, carolUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0], (typeof prosody.users)[0]];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const aliceFull = `${aliceUser.jid}/gw`;
const bob = await connectPeer(prosody, bobUser, { resource: 'phone' });
const comp = await startCatalogue();
t.teardown(async () => {
  await bob.stop();
  await comp.stop();
  await gw.close();
  await slowGw.close();
  await prosody.stop();
});

// ---------------------------------------------------------------------------------------------
// The test component (XEP-0114) serving a catalogue of 95 items with XEP-0059 paging.

const CATALOGUE = Array.from({ length: 95 }, (_, i) => ({
  jid: prosody.componentDomain,
  node: `item-${String(i + 1).padStart(2, '0')}`,
  name: `Item ${i + 1}`,
}));

async function startCatalogue() {
  const entity = await startComponent(prosody);
  /** Requests for node 'slow' wait until the test releases them (after a spoof attempt). */
  const slow: Array<{ stanza: Element; answer: () => void }> = [];

  // XEP-0059 paging over CATALOGUE: max, after (an item's node), before/index not needed here.
  entity.onGet(ITEMS, 'query', (ctx) => {
    if (ctx.element.attrs.node === 'slow') {
      return new Promise<Element>((resolve) => {
        slow.push({
          stanza: ctx.stanza,
          answer: () =>
            resolve(cxml('query', { xmlns: ITEMS, node: 'slow' }, cxml('item', { jid: prosody.componentDomain, name: 'genuine' }))),
        });
      });
    }
    const set = ctx.element.getChild('set', RSM);
    if (!set) return cxml('query', { xmlns: ITEMS }, ...CATALOGUE.map((i) => cxml('item', i)));
    const max = Number(set.getChildText('max') ?? CATALOGUE.length);
    const after = set.getChildText('after');
    const start = after ? CATALOGUE.findIndex((i) => i.node === after) + 1 : 0;
    if (start === 0 && after)
      return cxml('error', { type: 'cancel' }, cxml('item-not-found', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }));
    const page = CATALOGUE.slice(start, start + max);
    const rsm = page.length
      ? cxml(
          'set',
          { xmlns: RSM },
          cxml('first', { index: String(start) }, page[0]!.node),
          cxml('last', {}, page.at(-1)!.node),
          cxml('count', {}, String(CATALOGUE.length)),
        )
      : cxml('set', { xmlns: RSM }, cxml('count', {}, String(CATALOGUE.length)));
    return cxml('query', { xmlns: ITEMS }, ...page.map((i) => cxml('item', i)), rsm);
  });

  entity.onGet(INFO, 'query', (ctx) => {
    const paged = ctx.element.getChild('set', RSM);
    return cxml(
      'query',
      { xmlns: INFO },
      cxml('identity', { category: 'directory', type: 'chatroom', name: 'Catalogue' }),
      cxml('feature', { var: INFO }),
      cxml('feature', { var: ITEMS }),
      cxml(
        'x',
        { xmlns: 'jabber:x:data', type: 'result' },
        cxml('field', { var: 'FORM_TYPE', type: 'hidden' }, cxml('value', {}, 'urn:example:catalogue')),
        cxml('field', { var: 'size', label: 'Items' }, cxml('value', {}, '95')),
      ),
      paged ? cxml('set', { xmlns: RSM }, cxml('count', {}, '3')) : undefined,
    );
  });

  return { seen: entity.received, slow, stop: () => entity.stop() };
}

const post = (path: string, body: unknown, token = alice.token) => gw.post(path, body, token);

// ---------------------------------------------------------------------------------------------

t.test('disco#items and disco#info of the server and its components', async (t) => {
  const items = await post('/v1/discover/items', { of: 'localhost' });
  t.equal(items.status, 200);
  t.ok(Array.isArray(items.body), 'an array when the answer is not paged');
  const jids = items.body.map((i: { jid: string }) => i.jid);
  t.ok(jids.includes(prosody.mucDomain) && jids.includes(prosody.pubsubDomain), `the components are listed (${jids.join(', ')})`);

  const server = await post('/v1/discover/info', { of: 'localhost' });
  t.equal(server.status, 200);
  t.same(
    server.body.filter((e: { kind: string }) => e.kind === 'identity'),
    [{ kind: 'identity', category: 'server', type: 'im', name: 'Prosody' }],
  );
  const serverFeatures = server.body.filter((e: { kind: string }) => e.kind === 'feature').map((e: { var: string }) => e.var);
  t.ok(serverFeatures.includes('urn:xmpp:ping') && serverFeatures.includes(INFO), 'features are listed');
  for (const e of server.body) t.ok(['identity', 'feature', 'form'].includes(e.kind), `known kind ${e.kind}`);

  const muc = await post('/v1/discover/info', { of: prosody.mucDomain });
  t.equal(muc.status, 200);
  t.match(muc.body, [{ kind: 'identity', category: 'conference', type: 'text' }]);
  t.ok(muc.body.some((e: { var?: string }) => e.var === 'http://jabber.org/protocol/muc'));
  t.same((await post('/v1/discover/items', { of: prosody.mucDomain })).body, [], 'no rooms yet');

  const pubsub = await post('/v1/discover/info', { of: prosody.pubsubDomain });
  t.equal(pubsub.status, 200);
  t.ok(
    pubsub.body.some(
      (e: { kind: string; category?: string; type?: string }) => e.kind === 'identity' && e.category === 'pubsub' && e.type === 'service',
    ),
  );
  t.ok(pubsub.body.some((e: { var?: string }) => e.var === 'http://jabber.org/protocol/pubsub'));
  const psItems = await post('/v1/discover/items', { of: prosody.pubsubDomain });
  t.equal(psItems.status, 200);
  t.same(psItems.body, [], 'no nodes yet');

  const missing = await post('/v1/discover/info', { of: prosody.pubsubDomain, node: 'no-such-node' });
  t.equal(missing.status, 404);
  t.match(missing.body, { type: 'cancel', condition: 'item-not-found' });
  const nowhere = await post('/v1/discover/info', { of: 'nowhere.invalid' });
  t.equal(nowhere.status, 502, 'no such server: remote-server-not-found');
  t.match(nowhere.body, { condition: 'remote-server-not-found' });
});

t.test('95 items paged 20 at a time by the gateway, checked item by item', async (t) => {
  const all = await post('/v1/discover/items', { of: prosody.componentDomain });
  t.same(all.body, CATALOGUE, 'unpaged: the whole list as an array');

  const got: unknown[] = [];
  let after: string | undefined;
  const pages: number[] = [];
  for (let n = 0; n < 10; n++) {
    const res = await post('/v1/discover/items', { of: prosody.componentDomain, rsm: { max: 20, ...(after !== undefined && { after }) } });
    t.equal(res.status, 200);
    t.same(Object.keys(res.body).sort(), ['items', 'rsm'], 'a paged answer is { items, rsm }');
    const { items, rsm } = res.body;
    t.equal(rsm.count, 95);
    if (items.length === 0) break;
    t.equal(rsm['first-index'], String(got.length), 'first-index of the page');
    t.equal(rsm.first, items[0].node);
    t.equal(rsm.last, items.at(-1).node);
    pages.push(items.length);
    got.push(...items);
    after = rsm.last;
    if (items.length < 20) break;
  }
  t.same(pages, [20, 20, 20, 20, 15]);
  t.equal(got.length, 95);
  for (const [i, item] of got.entries()) t.same(item, CATALOGUE[i], `item ${i + 1}`);

  const wire = comp.seen.filter((s) => s.getChild('query', ITEMS)?.getChild('set', RSM)).at(-1)!;
  t.equal(wire.attrs.from, aliceFull);
  t.equal(
    wire.getChild('query', ITEMS)?.getChild('set', RSM)?.getChildText('after'),
    CATALOGUE[79]!.node,
    'the last request asked after item 80',
  );
  t.equal(wire.getChild('query', ITEMS)?.getChild('set', RSM)?.getChildText('max'), '20');

  const bad = await post('/v1/discover/items', { of: prosody.componentDomain, rsm: { max: 20, after: 'unknown' } });
  t.equal(bad.status, 404, 'an unknown cursor is the entity’s item-not-found');
});

t.test('disco#info with a XEP-0128 form and an RSM set: the set is beside the entries, not among them', async (t) => {
  const plain = await post('/v1/discover/info', { of: prosody.componentDomain });
  t.same(plain.body, [
    { kind: 'identity', category: 'directory', type: 'chatroom', name: 'Catalogue' },
    { kind: 'feature', var: INFO },
    { kind: 'feature', var: ITEMS },
    { kind: 'form', form: { type: 'result', fields: [{ var: 'size', label: 'Items', value: '95' }], items: [] } },
  ]);
  const paged = await post('/v1/discover/info', { of: prosody.componentDomain, node: 'n', rsm: { max: 3 } });
  t.same(paged.body, { items: plain.body, rsm: { count: 3 } });
  const wire = comp.seen.filter((s) => s.getChild('query', INFO)).at(-1)!;
  t.equal(wire.getChild('query', INFO)?.attrs.node, 'n');
  t.equal(wire.getChild('query', INFO)?.getChild('set', RSM)?.getChildText('max'), '3');
});

t.test('a spoofed disco reply (right id, wrong sender) is ignored', async (t) => {
  const pending = post('/v1/discover/items', { of: prosody.componentDomain, node: 'slow' });
  const deadline = Date.now() + 5000;
  while (comp.slow.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const request = comp.slow.shift()!;
  t.ok(request, 'the component got the request');
  await bob.send(
    xml(
      'iq',
      { type: 'result', to: aliceFull, id: request.stanza.attrs.id },
      xml('query', { xmlns: ITEMS }, xml('item', { jid: 'evil.example' })),
    ),
  );
  // The session handles stanzas in order: once this message is an event, the spoof has been seen.
  const stream = await gw.events({ token: alice.token });
  t.teardown(() => stream.close());
  await bob.send(xml('message', { to: aliceFull, type: 'chat', id: 'after-spoof' }, xml('body', {}, 'after the spoof')));
  await stream.next((e) => e.event === 'xmpp.chat.message' && e.data.content === 'after the spoof');
  request.answer();
  const res = await pending;
  t.equal(res.status, 200);
  t.same(res.body, [{ jid: prosody.componentDomain, name: 'genuine' }], 'only the addressee’s answer counts');
});

t.test('the gateway asks its own session: the answer is its caps', async (t) => {
  const self = await post('/v1/discover/info', { of: aliceFull });
  t.equal(self.status, 200);
  t.same(self.body[0], { kind: 'identity', category: 'client', type: 'web', name: 'xmpp-ftw-gateway' });
  t.ok(self.body.some((e: { var?: string }) => e.var === 'urn:xmpp:ping'));
  t.same((await post('/v1/discover/items', { of: aliceFull })).body, [], 'disco#items of a session: empty, not an error');
});

t.test('peers ask the session: the gateway answers for itself, the client for its own caps node', async (t) => {
  const stream = await gw.events({ token: alice.token });
  t.teardown(() => stream.close());
  const features = [
    { kind: 'identity', category: 'client', type: 'web', name: 'My app' },
    { kind: 'feature', var: INFO },
    { kind: 'feature', var: 'urn:xmpp:jingle:1' },
  ];
  const myNode = 'https://example.org/my-app';
  const myVer = capsVer(
    [{ category: 'client', type: 'web', name: 'My app' }],
    features.filter((f) => f.kind === 'feature').map((f) => f.var!),
  );
  await post('/v1/presence', { to: bob.jid, client: { node: myNode, ver: myVer, hash: 'sha-1' } });
  const p = await bob.waitFor((s) => s.is('presence') && s.attrs.from === aliceFull);
  t.equal(p.getChild('c', 'http://jabber.org/protocol/caps')?.attrs.ver, myVer, 'the client’s own caps are advertised');

  // No node: the gateway answers by itself, nothing reaches the client.
  const gatewayInfo = await bob.xmpp.iqCaller.request(
    xml('iq', { type: 'get', to: aliceFull, id: 'no-node' }, xml('query', { xmlns: INFO })),
  );
  t.equal(gatewayInfo.getChild('query', INFO)?.getChild('identity')?.attrs.name, 'xmpp-ftw-gateway');

  const answer = bob.xmpp.iqCaller.request(
    xml('iq', { type: 'get', to: aliceFull, id: 'caps-1' }, xml('query', { xmlns: INFO, node: `${myNode}#${myVer}` })),
  );
  const ev = await stream.nextEvent('xmpp.discover.client');
  t.same(ev.data, { from: bob.jid, id: 'caps-1', node: `${myNode}#${myVer}` });
  t.notOk(
    stream.events.some((e) => e.event === 'xmpp.discover.client' && e.data.id === 'no-node'),
    'the query without node was not forwarded',
  );
  const res = await post('/v1/discover/client', { to: ev.data.from, id: ev.data.id, features });
  t.equal(res.status, 200);
  t.same(res.body, { ok: true });
  const reply = await answer;
  t.equal(reply.attrs.type, 'result');
  t.equal(reply.attrs.from, aliceFull);
  const query = reply.getChild('query', INFO)!;
  t.equal(query.attrs.node, `${myNode}#${myVer}`, 'the answer carries the node asked about');
  t.same(
    query.getChildElements().map((c) => ({ kind: c.name, ...c.attrs })),
    features.map((f) => ({ ...f })),
    'the entries as given',
  );
  t.equal(capsVerOfQuery(query), myVer, 'bob can verify the advertised ver');

  const again = await post('/v1/discover/client', { to: ev.data.from, id: ev.data.id, features });
  t.equal(again.status, 404, 'answered once');
  t.match(again.body, { type: 'cancel', condition: 'item-not-found' });

  // A bare JID names the requester when only one request from that account waits.
  const second = bob.xmpp.iqCaller.request(
    xml('iq', { type: 'get', to: aliceFull, id: 'caps-2' }, xml('query', { xmlns: INFO, node: `${myNode}#${myVer}` })),
  );
  await stream.next((e) => e.event === 'xmpp.discover.client' && e.data.id === 'caps-2');
  t.equal((await post('/v1/discover/client', { to: bobUser.jid, id: 'caps-2' })).status, 200);
  const empty = await second;
  t.same(empty.getChild('query', INFO)?.getChildElements(), [], 'features omitted: an empty answer');

  // disco#items of the session: an empty result, not an error.
  const items = await bob.xmpp.iqCaller.request(xml('iq', { type: 'get', to: aliceFull, id: 'items-1' }, xml('query', { xmlns: ITEMS })));
  t.equal(items.attrs.type, 'result');
  t.same(items.getChild('query', ITEMS)?.getChildElements(), []);

  // A stale ver of the gateway's own node is not forwarded.
  await t.rejects(
    bob.xmpp.iqCaller.request(
      xml('iq', { type: 'get', to: aliceFull, id: 'stale' }, xml('query', { xmlns: INFO, node: `${GATEWAY_CAPS_NODE}#stale=` })),
    ),
    /item-not-found/,
  );
  t.notOk(stream.events.some((e) => e.data?.id === 'stale'));
});

t.test('a held disco#info request times out with item-not-found', async (t) => {
  const carol = await slowGw.login(carolUser, { resource: 'slow' });
  const carolFull = `${carolUser.jid}/slow`;
  const stream = await slowGw.events({ token: carol.token });
  t.teardown(() => stream.close());
  const started = Date.now();
  const request = bob.xmpp.iqCaller.request(
    xml('iq', { type: 'get', to: carolFull, id: 'late-1' }, xml('query', { xmlns: INFO, node: 'https://example.org/my-app#v' })),
  );
  const ev = await stream.nextEvent('xmpp.discover.client');
  t.equal(ev.data.id, 'late-1');
  await t.rejects(request, /item-not-found/, 'the requester gets an error, never silence');
  t.ok(Date.now() - started >= 250, 'after the answer timeout');
  const late = await slowGw.post('/v1/discover/client', { to: ev.data.from, id: 'late-1', features: [] }, carol.token);
  t.equal(late.status, 404, 'too late: nothing waits any more');
  t.notOk(
    bob.received.some((s) => s.attrs.id === 'late-1' && s.attrs.type === 'result'),
    'no result after the error',
  );
});

t.test('bad input on the disco routes', async (t) => {
  const cases: Array<[string, unknown, string]> = [
    ['/v1/discover/items', {}, "Missing 'of' key"],
    ['/v1/discover/items', { of: 'a@b@c' }, "Invalid JID in 'of' key"],
    ['/v1/discover/items', { of: 'localhost', foo: 1 }, "Unknown key 'foo'"],
    ['/v1/discover/items', { of: 'localhost', rsm: { max: 'ten' } }, "'rsm.max' must be an integer"],
    ['/v1/discover/items', { of: 'localhost', node: 7 }, "'node' must be a string"],
    ['/v1/discover/info', { node: 'x' }, "Missing 'of' key"],
    ['/v1/discover/info', { of: '@localhost' }, "Invalid JID in 'of' key"],
    ['/v1/discover/info', { of: 'localhost', rsm: { max: 1, page: 2 } }, "Unknown key 'rsm.page'"],
    ['/v1/discover/client', { id: 'x' }, "Missing 'to' key"],
    ['/v1/discover/client', { to: bob.jid }, "Missing 'id' key"],
    ['/v1/discover/client', { to: 'bob@', id: 'x' }, "Invalid JID in 'to' key"],
    ['/v1/discover/client', { to: bob.jid, id: 'x', features: 'all' }, "Badly formatted 'features' key"],
    ['/v1/discover/client', { to: bob.jid, id: 'x', features: [{ var: INFO }] }, "Missing 'kind' key"],
    [
      '/v1/discover/client',
      { to: bob.jid, id: 'x', features: [{ kind: 'x/><evil' }] },
      "'features.0.kind' must be one of: identity, feature, item",
    ],
    [
      '/v1/discover/client',
      { to: bob.jid, id: 'x', features: [{ kind: 'feature', var: INFO, xmlns: 'x' }] },
      "Unknown key 'features.0.xmlns'",
    ],
    ['/v1/discover/client', { to: bob.jid, id: 'x', extra: true }, "Unknown key 'extra'"],
  ];
  for (const [path, body, description] of cases) {
    const res = await post(path, body);
    t.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
    t.same(res.body, { type: 'modify', condition: 'client-error', description, request: body });
  }
  t.equal((await gw.post('/v1/discover/items', { of: 'localhost' })).status, 401, 'token first');
});
