// PubSub node management (XEP-0060 §8) as it crosses the wire: the "service" is a XEP-0114
// component (component.localhost) that records every request and answers what each test chooses,
// so the test sees the namespaces the gateway uses (pubsub#owner for the owner's operations), that
// empty results are accepted, and how the service's errors become HTTP statuses.
import t from 'tap';
import type { Element } from 'ltx';
import { startProsody } from '../../helpers/prosody.js';
import { startGateway } from '../../helpers/gateway.js';
import { cxml, type IqContext, startComponent } from '../../helpers/component.js';

const PS = 'http://jabber.org/protocol/pubsub';
const PS_OWNER = `${PS}#owner`;
const NODE_CONFIG = `${PS}#node_config`;
const DATA = 'jabber:x:data';
const RSM = 'http://jabber.org/protocol/rsm';
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

const prosody = await startProsody({ users: 1, lean: true });
const gw = await startGateway(prosody, { iqTimeoutMs: 1500 });
const [aliceUser] = prosody.users as [(typeof prosody.users)[0]];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const service = await startComponent(prosody);
t.teardown(async () => {
  await service.stop();
  await gw.close();
  await prosody.stop();
});
const SERVICE = service.domain;

/** What the service answers next (an element: the result's payload; true: an empty result). */
let answer: (ctx: IqContext) => unknown = () => true;
for (const ns of [PS, PS_OWNER]) {
  service.onGet(ns, 'pubsub', (ctx) => answer(ctx));
  service.onSet(ns, 'pubsub', (ctx) => answer(ctx));
}
const stanzaError = (type: string, condition: string, ...extra: Element[]) =>
  cxml('error', { type }, cxml(condition, { xmlns: STANZAS }), ...extra);

/** Posts the action; returns the response and the one request the service received for it. */
async function call(action: string, body: Record<string, unknown>, reply: (ctx: IqContext) => unknown = () => true) {
  answer = reply;
  const before = service.received.length;
  const res = await gw.post(`/v1/${action.replace(/\./g, '/')}`, { to: SERVICE, ...body }, alice.token);
  const sent = service.received.slice(before);
  return { res, sent, pubsub: sent[0]?.getChild('pubsub') };
}

t.test('delete: pubsub#owner, with the redirect; an empty result is success', async (t) => {
  const { res, sent, pubsub } = await call('pubsub.delete', { node: 'old', redirect: 'xmpp:component.localhost?;node=new' });
  t.same([res.status, res.body], [200, { ok: true }]);
  t.equal(sent.length, 1);
  t.equal(sent[0]?.attrs.type, 'set');
  t.equal(pubsub?.getNS(), PS_OWNER, 'XEP-0060 §8.4: the owner namespace (XMPP-FTW sent plain pubsub)');
  const del = pubsub?.getChild('delete');
  t.equal(del?.attrs.node, 'old');
  t.equal(del?.getChild('redirect')?.attrs.uri, 'xmpp:component.localhost?;node=new');
});

t.test('purge: pubsub#owner; a service without purge is a 501 with its application condition', async (t) => {
  const { res, pubsub } = await call('pubsub.purge', { node: 'n' }, () =>
    stanzaError('cancel', 'feature-not-implemented', cxml('unsupported', { xmlns: `${PS}#errors`, feature: 'purge-nodes' })),
  );
  t.equal(pubsub?.getNS(), PS_OWNER, 'XEP-0060 §8.5 (XMPP-FTW sent plain pubsub)');
  t.equal(pubsub?.getChild('purge')?.attrs.node, 'n');
  t.equal(res.status, 501);
  t.same(
    { condition: res.body.condition, application: res.body.application },
    { condition: 'feature-not-implemented', application: { condition: 'unsupported', xmlns: `${PS}#errors` } },
  );
});

t.test('config.get: pubsub#owner configure; the form, or an empty one for an empty result', async (t) => {
  const empty = await call('pubsub.config.get', { node: 'n' });
  t.equal(empty.sent[0]?.attrs.type, 'get');
  t.equal(empty.pubsub?.getNS(), PS_OWNER);
  t.equal(empty.pubsub?.getChild('configure')?.attrs.node, 'n');
  t.same([empty.res.status, empty.res.body], [200, { items: [] }]);

  const full = await call('pubsub.config.get', { node: 'n' }, () =>
    cxml(
      'pubsub',
      { xmlns: PS_OWNER },
      cxml(
        'configure',
        { node: 'n' },
        cxml(
          'x',
          { xmlns: DATA, type: 'form' },
          cxml('field', { var: 'FORM_TYPE', type: 'hidden' }, cxml('value', {}, NODE_CONFIG)),
          cxml('field', { var: 'pubsub#deliver_payloads', type: 'boolean' }, cxml('value', {}, '1')),
        ),
      ),
    ),
  );
  t.same(full.res.body, { type: 'form', fields: [{ var: 'pubsub#deliver_payloads', type: 'boolean', value: true }], items: [] });
});

t.test('config.set: the submitted node_config form; forbidden is a 403', async (t) => {
  const { res, pubsub } = await call('pubsub.config.set', { node: 'n', form: [{ var: 'pubsub#title', value: 'T' }] }, () =>
    stanzaError('auth', 'forbidden'),
  );
  t.equal(pubsub?.getNS(), PS_OWNER);
  const x = pubsub?.getChild('configure')?.getChild('x', DATA);
  t.equal(x?.attrs.type, 'submit');
  t.same(
    x?.getChildren('field').map((f) => [f.attrs.var, f.getChildText('value')]),
    [
      ['FORM_TYPE', NODE_CONFIG],
      ['pubsub#title', 'T'],
    ],
  );
  t.same([res.status, res.body.condition], [403, 'forbidden']);
});

t.test('create: plain pubsub namespace, options in a sibling configure; conflict is a 409', async (t) => {
  const { res, pubsub } = await call('pubsub.create', { node: 'n', options: [{ var: 'pubsub#access_model', value: 'authorize' }] }, () =>
    stanzaError('cancel', 'conflict'),
  );
  t.equal(pubsub?.getNS(), PS, 'XEP-0060 §8.1 creation is in the pubsub namespace');
  t.equal(pubsub?.getChild('create')?.attrs.node, 'n');
  t.equal(pubsub?.getChild('configure')?.getChild('x', DATA)?.getChildren('field')[1]?.attrs.var, 'pubsub#access_model');
  t.same([res.status, res.body.condition], [409, 'conflict']);
  const plain = await call('pubsub.create', { node: 'm' });
  t.same([plain.res.status, plain.res.body], [200, { ok: true }]);
  t.notOk(plain.pubsub?.getChild('configure'), 'no configure without options');
});

t.test('affiliations: own ones in pubsub, a node’s in pubsub#owner with paging; empty results', async (t) => {
  const own = await call('pubsub.affiliations', {}, () =>
    cxml(
      'pubsub',
      { xmlns: PS },
      cxml(
        'affiliations',
        {},
        cxml('affiliation', { node: 'a', affiliation: 'owner' }),
        cxml('affiliation', { node: 'b', affiliation: 'publisher' }),
      ),
    ),
  );
  t.equal(own.pubsub?.getNS(), PS, 'XEP-0060 §5.7');
  t.equal(own.pubsub?.getChild('affiliations')?.attrs.node, undefined);
  t.same(own.res.body, [
    { node: 'a', affiliation: 'owner' },
    { node: 'b', affiliation: 'publisher' },
  ]);

  const owner = await call('pubsub.affiliations', { node: 'a', owner: true, rsm: { max: 1 } }, () =>
    cxml(
      'pubsub',
      { xmlns: PS_OWNER },
      cxml('affiliations', { node: 'a' }, cxml('affiliation', { jid: 'hamlet@denmark.lit', affiliation: 'owner' })),
      cxml(
        'set',
        { xmlns: RSM },
        cxml('first', { index: '0' }, 'hamlet@denmark.lit'),
        cxml('last', {}, 'hamlet@denmark.lit'),
        cxml('count', {}, '4'),
      ),
    ),
  );
  t.equal(owner.pubsub?.getNS(), PS_OWNER, 'XEP-0060 §8.9.1');
  t.equal(owner.pubsub?.getChild('affiliations')?.attrs.node, 'a');
  t.equal(owner.pubsub?.getChild('set', RSM)?.getChildText('max'), '1', 'the set is a sibling of affiliations');
  t.same(owner.res.body, {
    items: [{ affiliation: 'owner', jid: { user: 'hamlet', domain: 'denmark.lit' } }],
    rsm: { count: 4, first: 'hamlet@denmark.lit', 'first-index': '0', last: 'hamlet@denmark.lit' },
  });

  const empty = await call('pubsub.affiliations', { node: 'a', owner: true });
  t.same([empty.res.status, empty.res.body], [200, []], 'an empty result is an empty list');

  const noNode = await call('pubsub.affiliations', { owner: true });
  t.equal(noNode.res.status, 400);
  t.equal(noNode.sent.length, 0, 'nothing is sent');
});

t.test('affiliation set: pubsub#owner affiliations › affiliation; item-not-found is a 404', async (t) => {
  const { res, pubsub } = await call('pubsub.affiliation', { node: 'n', jid: 'bard@shakespeare.lit', affiliation: 'outcast' }, () =>
    stanzaError('cancel', 'item-not-found'),
  );
  t.equal(pubsub?.getNS(), PS_OWNER);
  const aff = pubsub?.getChild('affiliations');
  t.equal(aff?.attrs.node, 'n');
  t.same(aff?.getChild('affiliation')?.attrs, { jid: 'bard@shakespeare.lit', affiliation: 'outcast' });
  t.equal(res.status, 404);
});

t.test('subscriptions and subscription set: pending subscribers, approval, errors', async (t) => {
  const pending = await call('pubsub.subscriptions', { node: 'n', owner: true }, () =>
    cxml(
      'pubsub',
      { xmlns: PS_OWNER },
      cxml('subscriptions', { node: 'n' }, cxml('subscription', { jid: 'bard@shakespeare.lit', subscription: 'pending', subid: 's-1' })),
    ),
  );
  t.equal(pending.pubsub?.getNS(), PS_OWNER, 'XEP-0060 §8.8.1');
  t.same(pending.res.body, [{ subscription: 'pending', jid: { user: 'bard', domain: 'shakespeare.lit' }, id: 's-1' }]);

  const approve = await call('pubsub.subscription', { node: 'n', jid: 'bard@shakespeare.lit', subscription: 'subscribed' });
  t.same([approve.res.status, approve.res.body], [200, { ok: true }]);
  t.equal(approve.pubsub?.getNS(), PS_OWNER, 'XEP-0060 §8.8.2');
  t.same(approve.pubsub?.getChild('subscriptions')?.getChild('subscription')?.attrs, {
    jid: 'bard@shakespeare.lit',
    subscription: 'subscribed',
  });

  const own = await call('pubsub.subscriptions', {});
  t.equal(own.pubsub?.getNS(), PS, 'XEP-0060 §5.6');
  t.same(own.res.body, []);

  const refused = await call('pubsub.subscription', { node: 'n', jid: 'bard@shakespeare.lit', subscription: 'none' }, () =>
    stanzaError('cancel', 'not-allowed'),
  );
  t.equal(refused.res.status, 405);
  const bad = await call('pubsub.subscriptions', { node: 'n', owner: true }, () => stanzaError('modify', 'bad-request'));
  t.equal(bad.res.status, 400);
  t.equal(bad.res.body.condition, 'bad-request');
});

t.test('PEP: without `to` the request goes to the own bare JID', async (t) => {
  answer = () => true;
  const res = await gw.post('/v1/pubsub/config/get', { node: 'urn:xmpp:avatar:data' }, alice.token);
  // Prosody's PEP answers for alice's bare JID; nothing reaches the component.
  t.equal(res.status, 404, JSON.stringify(res.body));
  t.equal(res.body.condition, 'item-not-found');
});

t.test('only the service’s own answer counts; no answer is a 504', async (t) => {
  const spoofed = await call('pubsub.subscriptions', { node: 'n', owner: true }, async (ctx) => {
    // Another JID of the component's domain answers first, with a subscriber list of its own.
    await service.send(
      cxml(
        'iq',
        { type: 'result', id: ctx.stanza.attrs.id, from: `evil@${SERVICE}`, to: ctx.stanza.attrs.from },
        cxml(
          'pubsub',
          { xmlns: PS_OWNER },
          cxml('subscriptions', { node: 'n' }, cxml('subscription', { jid: 'evil@x', subscription: 'subscribed' })),
        ),
      ),
    );
    return cxml('pubsub', { xmlns: PS_OWNER }, cxml('subscriptions', { node: 'n' }));
  });
  t.same([spoofed.res.status, spoofed.res.body], [200, []], 'the answer from the addressee, not the spoofed one');

  const silent = await call('pubsub.purge', { node: 'n' }, () => new Promise(() => undefined));
  t.equal(silent.res.status, 504);
  t.equal(silent.res.body.condition, 'timeout');
});
