// XEP-0060 on the wire: a XEP-0114 component (component.localhost) plays the PubSub service, records
// every stanza a session sends and answers as the test chooses: empty results (XEP-0060 §6.1.2,
// §7.1.2), a paged items answer (XEP-0059), errors, notifications with several items, and a
// subscription authorisation request (§8.6) answered through pubsub/authorisation.
import t from 'tap';
import type { Element } from 'ltx';
import { startProsody } from '../../helpers/prosody.js';
import { startGateway } from '../../helpers/gateway.js';
import { cxml, startComponent } from '../../helpers/component.js';
import { eventSchemaProblem, loadRegistry } from '../../helpers/golden.js';
import { capsVer, GATEWAY_CAPS_NODE, GATEWAY_IDENTITY } from '../../../src/xmpp/caps.js';
import { gatewayFeatures } from '../../../src/xeps/index.js';

const PS = 'http://jabber.org/protocol/pubsub';
const EV = 'http://jabber.org/protocol/pubsub#event';
const DATA = 'jabber:x:data';
const RSM = 'http://jabber.org/protocol/rsm';
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
const AUTH_FORM = 'http://jabber.org/protocol/pubsub#subscribe_authorization';

const prosody = await startProsody({ users: 1, lean: true });
const gw = await startGateway(prosody, { answerTimeoutMs: 2000 });
const [aliceUser] = prosody.users as [(typeof prosody.users)[0]];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const aliceFull = `${aliceUser.jid}/gw`;
const events = await gw.events({ token: alice.token });
const comp = await startComponent(prosody);
const SERVICE = comp.domain;
const reg = await loadRegistry();
t.teardown(async () => {
  events.close();
  await comp.stop();
  await gw.close();
  await prosody.stop();
});

// The service: answers by the operation element inside <pubsub/>.
const answer = ({ element }: { element: Element }) => {
  const op = element.getChildElements()[0];
  if (!op) return undefined;
  if (op.attrs.node === 'forbidden') return cxml('error', { type: 'auth' }, cxml('forbidden', { xmlns: STANZAS }));
  if (op.name === 'items') {
    return cxml(
      'pubsub',
      { xmlns: PS },
      cxml('items', { node: op.attrs.node }, cxml('item', { id: 'i2', publisher: 'bob@localhost' }, cxml('body', {}, 'Two'))),
      cxml('set', { xmlns: RSM }, cxml('first', { index: '1' }, 'i2'), cxml('last', {}, 'i2'), cxml('count', {}, '3')),
    );
  }
  // Every set: an empty result, as §6.1.2 and §7.1.2 allow.
  return true;
};
comp.onSet(PS, 'pubsub', answer);
comp.onGet(PS, 'pubsub', answer);

const lastRequest = () => comp.received[comp.received.length - 1]!;
const op = (iq: Element) => iq.getChild('pubsub', PS)?.getChildElements()[0];

t.test('subscribe: plain namespace, bare JID, no subid; an empty result is subscribed', async (tt) => {
  const res = await gw.post('/v1/pubsub/subscribe', { to: SERVICE, node: 'news' }, alice.token);
  tt.same([res.status, res.body], [200, { subscription: 'subscribed' }]);
  const iq = lastRequest();
  tt.equal(iq.attrs.type, 'set');
  tt.same(op(iq)?.attrs, { node: 'news', jid: aliceUser.jid }, 'subscribe carries node and jid only');
});

t.test('unsubscribe carries the subid; publish with an own id accepts an empty result', async (tt) => {
  const un = await gw.post('/v1/pubsub/unsubscribe', { to: SERVICE, node: 'news', id: 'sub-7' }, alice.token);
  tt.same([un.status, un.body], [200, { ok: true }]);
  tt.same(op(lastRequest())?.attrs, { node: 'news', jid: aliceUser.jid, subid: 'sub-7' });

  const pub = await gw.post(
    '/v1/pubsub/publish',
    { to: SERVICE, node: 'news', id: 'mine', content: 'Hi', options: [{ var: 'pubsub#access_model', value: 'open' }] },
    alice.token,
  );
  tt.same([pub.status, pub.body], [200, { id: 'mine' }]);
  const ps = lastRequest().getChild('pubsub', PS)!;
  const publish = ps.getChild('publish')!;
  tt.same(publish.attrs, { node: 'news' }, 'no jid, no subid on <publish/>');
  tt.equal(publish.getChild('item')?.attrs.id, 'mine');
  const x = ps.getChild('publish-options')?.getChild('x', DATA);
  tt.equal(x?.attrs.type, 'submit', 'publish-options is a submitted form');
  tt.equal(
    x
      ?.getChildren('field')
      .find((f) => f.attrs.var === 'FORM_TYPE')
      ?.getChildText('value'),
    `${PS}#publish-options`,
  );

  const del = await gw.post('/v1/pubsub/item/delete', { to: SERVICE, node: 'news', id: 'mine' }, alice.token);
  tt.same([del.status, del.body], [200, { ok: true }]);
  const retract = op(lastRequest())!;
  tt.same(retract.attrs, { node: 'news' }, 'no subid on <retract/>');
  tt.equal(retract.getChild('item')?.attrs.id, 'mine');
});

t.test('subscription options are submitted as a submit form', async (tt) => {
  const res = await gw.post(
    '/v1/pubsub/subscription/config/set',
    { to: SERVICE, node: 'news', form: [{ var: 'pubsub#deliver', value: false }] },
    alice.token,
  );
  tt.same([res.status, res.body], [200, { ok: true }]);
  const options = op(lastRequest())!;
  tt.equal(options.name, 'options');
  const x = options.getChild('x', DATA)!;
  tt.equal(x.attrs.type, 'submit');
  tt.equal(
    x
      .getChildren('field')
      .find((f) => f.attrs.var === 'FORM_TYPE')
      ?.getChildText('value'),
    `${PS}#subscribe_options`,
  );
});

t.test('retrieve: items with max_items and the paged answer', async (tt) => {
  const res = await gw.post('/v1/pubsub/retrieve', { to: SERVICE, node: 'news', maxItems: 5, rsm: { max: 1, after: 'i1' } }, alice.token);
  tt.equal(res.status, 200, JSON.stringify(res.body));
  tt.same(res.body.rsm, { count: 3, first: 'i2', 'first-index': '1', last: 'i2' });
  tt.equal(res.body.items[0].id, 'i2');
  tt.equal(res.body.items[0].publisher, 'bob@localhost');
  const iq = lastRequest();
  tt.equal(iq.attrs.type, 'get');
  tt.same(op(iq)?.attrs, { node: 'news', max_items: '5' });
  tt.equal(iq.getChild('pubsub', PS)?.getChild('set', RSM)?.getChildText('after'), 'i1');
});

t.test('an error reply maps to its status', async (tt) => {
  const res = await gw.post('/v1/pubsub/subscribe', { to: SERVICE, node: 'forbidden' }, alice.token);
  tt.equal(res.status, 403);
  tt.equal(res.body.condition, 'forbidden');
  const before = comp.received.length;
  const bad = await gw.post('/v1/pubsub/subscribe', { to: SERVICE }, alice.token);
  tt.equal(bad.status, 400);
  await new Promise((r) => setTimeout(r, 200));
  tt.equal(comp.received.length, before, 'bad input: nothing sent');
});

t.test('a notification with two items and a retract: three events, in order', async (tt) => {
  const from = events.events.length;
  await comp.send(
    cxml(
      'message',
      { from: SERVICE, to: aliceFull, id: 'n1' },
      cxml(
        'event',
        { xmlns: EV },
        cxml(
          'items',
          { node: 'news' },
          cxml('item', { id: 'a' }, cxml('body', {}, 'A')),
          cxml('item', { id: 'b' }),
          cxml('retract', { id: 'c' }),
        ),
      ),
    ),
  );
  await events.next((e) => e.event === 'xmpp.pubsub.push.retract', 5000, from);
  await new Promise((r) => setTimeout(r, 200));
  const got = events.events.slice(from).filter((e) => e.event.startsWith('xmpp.pubsub.') || e.event === 'xmpp.chat.message');
  tt.same(
    got.map((e) => [e.event, e.data.id]),
    [
      ['xmpp.pubsub.push.item', 'a'],
      ['xmpp.pubsub.push.item', 'b'],
      ['xmpp.pubsub.push.retract', 'c'],
    ],
  );
  for (const e of got) tt.equal(eventSchemaProblem(reg, { event: e.event, data: e.data }), undefined);
});

t.test('authorisation request: event with id, answered through pubsub/authorisation, once', async (tt) => {
  const from = events.events.length;
  const form = cxml(
    'x',
    { xmlns: DATA, type: 'form' },
    cxml('field', { var: 'FORM_TYPE', type: 'hidden' }, cxml('value', {}, AUTH_FORM)),
    cxml('field', { var: 'pubsub#node', type: 'text-single' }, cxml('value', {}, 'news')),
    cxml('field', { var: 'pubsub#subscriber_jid', type: 'jid-single' }, cxml('value', {}, 'bob@localhost')),
    cxml('field', { var: 'pubsub#allow', type: 'boolean' }, cxml('value', {}, 'false')),
  );
  await comp.send(cxml('message', { from: SERVICE, to: aliceFull, id: 'auth-1' }, form));
  const e = await events.next((ev) => ev.event === 'xmpp.pubsub.push.authorisation', 5000, from);
  tt.equal(eventSchemaProblem(reg, { event: e.event, data: e.data }), undefined);
  tt.same([e.data.from, e.data.id], [SERVICE, 'auth-1']);
  tt.equal(e.data.form.fields.find((f: { var: string }) => f.var === 'pubsub#subscriber_jid').value, 'bob@localhost');
  await new Promise((r) => setTimeout(r, 200));
  tt.notOk(
    events.events.slice(from).some((ev) => ev.event === 'xmpp.chat.message'),
    'not also an empty chat message',
  );

  const before = comp.stanzas.length;
  const fields = [
    { var: 'pubsub#node', value: 'news' },
    { var: 'pubsub#subscriber_jid', value: 'bob@localhost' },
    { var: 'pubsub#allow', value: true },
  ];
  const res = await gw.post('/v1/pubsub/authorisation', { to: SERVICE, id: 'auth-1', form: fields }, alice.token);
  tt.same([res.status, res.body], [200, { ok: true }]);
  const deadline = Date.now() + 5000;
  while (comp.stanzas.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const msg = comp.stanzas.slice(before).find((s) => s.name === 'message');
  tt.ok(msg, 'the service got the answer');
  tt.equal(msg?.attrs.id, 'auth-1');
  const x = msg?.getChild('x', DATA);
  tt.equal(x?.attrs.type, 'submit');
  const value = (v: string) =>
    x
      ?.getChildren('field')
      .find((f) => f.attrs.var === v)
      ?.getChildText('value');
  tt.equal(value('FORM_TYPE'), AUTH_FORM);
  tt.equal(value('pubsub#allow'), 'true');

  const again = await gw.post('/v1/pubsub/authorisation', { to: SERVICE, id: 'auth-1', form: fields }, alice.token);
  tt.equal(again.status, 404, 'answered: no longer waiting');
});

t.test('PEP interests: the session’s caps node lists <node>+notify', async (tt) => {
  const TUNE = 'http://jabber.org/protocol/tune';
  const res = await gw.post('/v1/pubsub/pep/interests', { nodes: [TUNE] }, alice.token);
  tt.same([res.status, res.body], [200, { ok: true }]);
  const ver = capsVer([GATEWAY_IDENTITY], [...gatewayFeatures(), `${TUNE}+notify`]);
  await comp.send(
    cxml(
      'iq',
      { type: 'get', from: SERVICE, to: aliceFull, id: 'caps-1' },
      cxml('query', { xmlns: 'http://jabber.org/protocol/disco#info', node: `${GATEWAY_CAPS_NODE}#${ver}` }),
    ),
  );
  const deadline = Date.now() + 5000;
  const reply = () => comp.stanzas.find((st) => st.name === 'iq' && st.attrs.id === 'caps-1');
  while (!reply() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  tt.equal(reply()?.attrs.type, 'result', 'the new ver is the session’s own');
  const features = reply()
    ?.getChild('query')
    ?.getChildren('feature')
    .map((f) => f.attrs.var);
  tt.ok(features?.includes(`${TUNE}+notify`), 'tune+notify advertised');
});
