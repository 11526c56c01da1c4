// Every MUC stanza the gateway sends, as it arrives on the wire: the "room" here is a XEP-0114
// component (component.localhost) that records what it gets and answers as a MUC service would,
// so the test sees exactly what a session sends and can answer with what it chooses, spoofs included.
import { createRequire } from 'node:module';
import t from 'tap';
import type { Element } from 'ltx';
import { startProsody } from '../../helpers/prosody.js';
import { startGateway } from '../../helpers/gateway.js';
import { eventSchemaProblem, loadRegistry } from '../../helpers/golden.js';

const MUC = 'http://jabber.org/protocol/muc';
const MUC_USER = 'http://jabber.org/protocol/muc#user';
const MUC_ADMIN = 'http://jabber.org/protocol/muc#admin';
const MUC_OWNER = 'http://jabber.org/protocol/muc#owner';
const DATA = 'jabber:x:data';
const MAM = 'urn:xmpp:mam:2';
const RSM = 'http://jabber.org/protocol/rsm';
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

const prosody = await startProsody({ users: 2 });
const gw = await startGateway(prosody, { iqTimeoutMs: 1500 });
const [aliceUser] = prosody.users as [(typeof prosody.users)[0]];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const aliceFull = `${aliceUser.jid}/gw`;
const events = await gw.events({ token: alice.token });
const reg = await loadRegistry();
const ROOM = `coven@${prosody.componentDomain}`;

// ---------------------------------------------------------------------------------------------
// The fake room service

interface Entity {
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  send(el: Element): Promise<void>;
  on(event: string, fn: (arg: never) => void): void;
  iqCallee: {
    get(ns: string, name: string, h: (ctx: { stanza: Element; element: Element }) => unknown): void;
    set: Entity['iqCallee']['get'];
  };
}
interface ComponentModule {
  component(options: { service: string; domain: string; password: string }): Entity;
  xml(name: string, attrs?: Record<string, string | undefined>, ...children: unknown[]): Element;
}
const lib = createRequire(import.meta.url)('@xmpp/component') as ComponentModule;
const x = lib.xml;

const service = lib.component({
  service: `xmpp://${prosody.host}:${prosody.componentPort}`,
  domain: prosody.componentDomain,
  password: prosody.componentSecret,
});
service.on('error', () => undefined);
const received: Element[] = [];
let waiters: Array<{ match: (s: Element) => boolean; resolve: (s: Element) => void }> = [];
service.on('stanza', (s: never) => {
  const stanza = s as Element;
  received.push(stanza);
  const w = waiters.find((w) => w.match(stanza));
  if (w) {
    waiters = waiters.filter((x) => x !== w);
    w.resolve(stanza);
  }
});
/** The next stanza the room receives that matches (recorded ones first). */
function roomGets(match: (s: Element) => boolean, ms = 3000): Promise<Element> {
  const i = received.findIndex(match);
  if (i !== -1) return Promise.resolve(received.splice(i, 1)[0]!);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the room got nothing matching')), ms);
    waiters.push({
      match,
      resolve: (s) => {
        clearTimeout(timer);
        received.splice(received.indexOf(s), 1);
        resolve(s);
      },
    });
  });
}
/** IQ answers: by `${type} ${ns}`, a function of the request giving the payload, true, or an error element. */
const answers = new Map<string, (s: Element, el: Element) => unknown>();
for (const [type, ns, name] of [
  ['get', MUC_ADMIN, 'query'],
  ['set', MUC_ADMIN, 'query'],
  ['get', MUC_OWNER, 'query'],
  ['set', MUC_OWNER, 'query'],
  ['get', 'jabber:iq:register', 'query'],
  ['set', 'jabber:iq:register', 'query'],
  ['get', 'http://jabber.org/protocol/disco#info', 'query'],
  ['set', MAM, 'query'],
] as const) {
  // The stanza is recorded by the 'stanza' listener; this only answers it.
  service.iqCallee[type](ns, name, (ctx) => {
    const answer = answers.get(`${type} ${ns}`);
    return answer ? answer(ctx.stanza, ctx.element) : undefined;
  });
}
await service.start();
t.teardown(async () => {
  await service.stop().catch(() => undefined);
  await gw.close();
  await prosody.stop();
});

const post = (path: string, body: unknown) => gw.post(`/v1/${path}`, body, alice.token);
const selfPresence = (nick: string, ...codes: string[]) =>
  x(
    'presence',
    { from: `${ROOM}/${nick}`, to: aliceFull },
    x(
      'x',
      { xmlns: MUC_USER },
      x('item', { affiliation: 'owner', role: 'moderator' }),
      ...['110', ...codes].map((code) => x('status', { code })),
    ),
  );
const fieldValues = (form: Element | undefined) =>
  Object.fromEntries((form?.getChildren('field') ?? []).map((f) => [f.attrs.var, f.getChildren('value').map((v) => v.getText())]));

// ---------------------------------------------------------------------------------------------

t.test('join: presence to room/nick with x[muc], history (zero included) and password; the self-presence answers', async (t) => {
  const pending = post('muc/join', {
    room: ROOM,
    nick: 'thirdwitch',
    password: 'cauldronburn',
    history: { maxstanzas: 0, seconds: 60, maxchars: 100, since: '2026-01-01T00:00:00Z' },
  });
  const p = await roomGets((s) => s.is('presence'));
  t.equal(p.attrs.to, `${ROOM}/thirdwitch`);
  t.ok(p.attrs.id, 'carries an id');
  const mx = p.getChild('x', MUC)!;
  t.same(mx.getChild('history')?.attrs, { maxchars: '100', maxstanzas: '0', seconds: '60', since: '2026-01-01T00:00:00Z' });
  t.equal(mx.getChildText('password'), 'cauldronburn');
  // Spoofs first: the same answer from another room, and from the room's domain.
  await service.send(
    x(
      'presence',
      { from: `other@${prosody.componentDomain}/thirdwitch`, to: aliceFull },
      x('x', { xmlns: MUC_USER }, x('status', { code: '110' })),
    ),
  );
  await service.send(
    x(
      'presence',
      { from: `${prosody.componentDomain}`, to: aliceFull, type: 'error' },
      x('error', { type: 'cancel' }, x('conflict', { xmlns: STANZAS })),
    ),
  );
  await service.send(selfPresence('thirdwitch', '210'));
  const res = await pending;
  t.equal(res.status, 200);
  t.same(res.body, { room: ROOM, nick: 'thirdwitch', affiliation: 'owner', role: 'moderator', status: [110, 210] });
  const roster = await events.next((e) => e.event === 'xmpp.muc.roster' && e.data.room === ROOM);
  t.same(roster.data, res.body);
  t.notOk(eventSchemaProblem(reg, roster));
  t.ok(
    events.events.some((e) => e.event === 'xmpp.presence' && e.data.from.user === 'other'),
    'the other room’s presence is not MUC’s: it is a plain presence',
  );
});

t.test('a join the room never answers is 504; one it refuses carries the room’s error', async (t) => {
  const room = `silent@${prosody.componentDomain}`;
  const res = await post('muc/join', { room, nick: 'x' });
  t.equal(res.status, 504);
  t.equal(res.body.condition, 'timeout');
  const full = `full@${prosody.componentDomain}`;
  const pending = post('muc/join', { room: full, nick: 'x' });
  const p = await roomGets((s) => s.is('presence') && s.attrs.to === `${full}/x`);
  await service.send(
    x(
      'presence',
      { from: `${full}/x`, to: aliceFull, type: 'error', id: p.attrs.id },
      x('error', { type: 'wait' }, x('service-unavailable', { xmlns: STANZAS })),
    ),
  );
  const refused = await pending;
  t.equal(refused.status, 503);
  t.same(refused.body, { type: 'wait', condition: 'service-unavailable' });
});

t.test('create instant: the room says 201, then the owner submits an empty form', async (t) => {
  const room = `heath@${prosody.componentDomain}`;
  answers.set(`set ${MUC_OWNER}`, () => true);
  const pending = post('muc/create', { room, nick: 'hecate', instant: true });
  const p = await roomGets((s) => s.is('presence') && s.attrs.to === `${room}/hecate`);
  t.ok(p.getChild('x', MUC), 'x[muc], not a form (XEP-0045 §10.1.2)');
  t.notOk(p.getChild('x', DATA));
  await service.send(
    x(
      'presence',
      { from: `${room}/hecate`, to: aliceFull },
      x('x', { xmlns: MUC_USER }, x('status', { code: '201' }), x('status', { code: '110' })),
    ),
  );
  const iq = await roomGets((s) => s.is('iq') && s.attrs.to === room);
  t.equal(iq.attrs.type, 'set');
  const form = iq.getChild('query', MUC_OWNER)?.getChild('x', DATA);
  t.equal(form?.attrs.type, 'submit');
  t.equal(form?.getChildElements().length, 0, 'empty');
  const res = await pending;
  t.equal(res.status, 200);
  t.same(res.body.status, [201, 110]);
});

t.test('messages, subject, leave', async (t) => {
  const msg = await post('muc/message', { room: ROOM, content: 'hi', state: 'active' });
  const m = await roomGets((s) => s.is('message') && s.attrs.id === msg.body.id);
  t.equal(m.attrs.type, 'groupchat');
  t.equal(m.attrs.to, ROOM);
  t.equal(m.getChildText('body'), 'hi');
  t.ok(m.getChild('active', 'http://jabber.org/protocol/chatstates'));

  const pm = await post('muc/message', { room: ROOM, to: 'secondwitch', content: 'psst', receipt: true });
  const p = await roomGets((s) => s.is('message') && s.attrs.id === pm.body.id);
  t.equal(p.attrs.type, 'chat');
  t.equal(p.attrs.to, `${ROOM}/secondwitch`);
  t.ok(p.getChild('x', MUC_USER), 'x[muc#user] on a private message');
  t.ok(p.getChild('request', 'urn:xmpp:receipts'));

  const pending = post('muc/subject', { room: ROOM, subject: 'Toil' });
  const s = await roomGets((s) => s.is('message') && !!s.getChild('subject'));
  t.equal(s.attrs.type, 'groupchat');
  t.equal(s.getChildText('subject'), 'Toil');
  // Someone else's subject change, then ours reflected with its id.
  await service.send(x('message', { from: `${ROOM}/other`, to: aliceFull, type: 'groupchat', id: 'x1' }, x('subject', {}, 'Other')));
  await service.send(
    x('message', { from: `${ROOM}/thirdwitch`, to: aliceFull, type: 'groupchat', id: s.attrs.id }, x('subject', {}, 'Toil')),
  );
  const res = await pending;
  t.same(res.body, { ok: true });

  const clear = post('muc/subject', { room: ROOM });
  const c = await roomGets((s) => s.is('message') && !!s.getChild('subject'));
  t.equal(c.getChild('subject')?.children.length, 0, 'an empty subject clears it');
  await service.send(
    x(
      'message',
      { from: ROOM, to: aliceFull, type: 'error', id: c.attrs.id },
      x('error', { type: 'auth' }, x('forbidden', { xmlns: STANZAS })),
    ),
  );
  t.equal((await clear).status, 403);

  const leave = await post('muc/leave', { room: ROOM, reason: 'bye' });
  t.same(leave.body, {});
  const l = await roomGets((s) => s.is('presence') && s.attrs.type === 'unavailable');
  t.equal(l.attrs.to, `${ROOM}/thirdwitch`, 'to our occupant JID (XEP-0045 §7.14)');
  t.equal(l.getChildText('status'), 'bye');
  await service.send(
    x(
      'presence',
      { from: `${ROOM}/thirdwitch`, to: aliceFull, type: 'unavailable' },
      x('x', { xmlns: MUC_USER }, x('status', { code: '110' })),
    ),
  );
  const own = await events.next((e) => e.event === 'xmpp.muc.roster' && e.data.type === 'unavailable');
  t.same(own.data, { room: ROOM, nick: 'thirdwitch', status: [110], type: 'unavailable' });
});

t.test('admin queries: roles and affiliations, lists without real JIDs', async (t) => {
  answers.set(`set ${MUC_ADMIN}`, () => true);
  answers.set(`get ${MUC_ADMIN}`, () =>
    x(
      'query',
      { xmlns: MUC_ADMIN },
      x('item', { nick: 'thirdwitch', role: 'participant', affiliation: 'member' }),
      x('item', { nick: 'x', role: 'participant', jid: 'x@localhost/r' }),
    ),
  );
  const kick = await post('muc/role/set', { room: ROOM, nick: 'pistol', role: 'none', reason: 'Avaunt' });
  t.same(kick.body, { ok: true });
  const k = await roomGets((s) => s.is('iq') && s.attrs.type === 'set');
  const item = k.getChild('query', MUC_ADMIN)!.getChild('item')!;
  t.same(item.attrs, { nick: 'pistol', role: 'none' });
  t.equal(item.getChildText('reason'), 'Avaunt', 'reason as a child');

  const list = await post('muc/role/get', { room: ROOM, role: 'participant' });
  t.same(list.body, [
    { affiliation: 'member', nick: 'thirdwitch', role: 'participant' },
    { jid: { user: 'x', domain: 'localhost', resource: 'r' }, nick: 'x', role: 'participant' },
  ]);
  const g = await roomGets((s) => s.is('iq') && s.attrs.type === 'get');
  t.same(g.getChild('query', MUC_ADMIN)!.getChild('item')!.attrs, { role: 'participant' });

  const ban = await post('muc/affiliation', { room: ROOM, jid: 'pistol@localhost', affiliation: 'outcast' });
  t.same(ban.body, { ok: true });
  const b = await roomGets((s) => s.is('iq') && s.attrs.type === 'set');
  t.same(b.getChild('query', MUC_ADMIN)!.getChild('item')!.attrs, { jid: 'pistol@localhost', affiliation: 'outcast' });

  await post('muc/affiliation/get', { room: ROOM, affiliation: 'outcast' });
  const a = await roomGets((s) => s.is('iq') && s.attrs.type === 'get');
  t.same(a.getChild('query', MUC_ADMIN)!.getChild('item')!.attrs, { affiliation: 'outcast' });
});

t.test('owner queries: configuration, cancel, destroy (reason as a child)', async (t) => {
  answers.set(`get ${MUC_OWNER}`, () =>
    x(
      'query',
      { xmlns: MUC_OWNER },
      x(
        'x',
        { xmlns: DATA, type: 'form' },
        x('title', {}, 'Config'),
        x('field', { var: 'muc#roomconfig_membersonly', type: 'boolean' }, x('value', {}, '0')),
      ),
    ),
  );
  answers.set(`set ${MUC_OWNER}`, () => true);
  const form = await post('muc/room/config/get', { room: ROOM });
  t.same(form.body, {
    type: 'form',
    title: 'Config',
    fields: [{ var: 'muc#roomconfig_membersonly', type: 'boolean', value: false }],
    items: [],
  });
  await roomGets((s) => s.is('iq') && s.attrs.type === 'get');

  await post('muc/room/config/set', { room: ROOM, form: [{ var: 'muc#roomconfig_membersonly', value: true }] });
  const set = await roomGets((s) => s.is('iq') && s.attrs.type === 'set');
  const submitted = set.getChild('query', MUC_OWNER)!.getChild('x', DATA)!;
  t.equal(submitted.attrs.type, 'submit');
  t.same(fieldValues(submitted), { FORM_TYPE: ['http://jabber.org/protocol/muc#roomconfig'], 'muc#roomconfig_membersonly': ['true'] });

  await post('muc/cancel', { room: ROOM });
  const cancel = await roomGets((s) => s.is('iq') && s.attrs.type === 'set');
  t.equal(cancel.getChild('query', MUC_OWNER)!.getChild('x', DATA)!.attrs.type, 'cancel');

  await post('muc/destroy', { room: ROOM, reason: 'Macbeth doth come.', alternative: `heath@${prosody.componentDomain}` });
  const d = await roomGets((s) => s.is('iq') && s.attrs.type === 'set');
  const destroy = d.getChild('query', MUC_OWNER)!.getChild('destroy')!;
  t.equal(destroy.attrs.jid, `heath@${prosody.componentDomain}`);
  t.equal(destroy.getChildText('reason'), 'Macbeth doth come.', 'XEP-0045 §10.9: a reason child');
  t.equal(destroy.children.filter((c) => typeof c === 'string').length, 0, 'no bare text');
});

t.test('registration sends its form; reserved nick through disco#info', async (t) => {
  answers.set('set jabber:iq:register', () => true);
  const res = await post('muc/register', { room: ROOM, form: [{ var: 'muc#register_roomnick', value: 'thirdwitch' }] });
  t.same(res.body, { registered: true });
  const r = await roomGets((s) => s.is('iq') && !!s.getChild('query', 'jabber:iq:register'));
  const form = r.getChild('query', 'jabber:iq:register')!.getChild('x', DATA)!;
  t.equal(form.attrs.type, 'submit');
  t.same(fieldValues(form), { FORM_TYPE: ['http://jabber.org/protocol/muc#register'], 'muc#register_roomnick': ['thirdwitch'] });

  answers.set('get jabber:iq:register', () =>
    x('query', { xmlns: 'jabber:iq:register' }, x('registered'), x('username', {}, 'thirdwitch')),
  );
  const info = await post('muc/register/info', { room: ROOM });
  t.same(info.body, { registered: true, nick: 'thirdwitch' });
  const ri = await roomGets((s) => s.is('iq') && s.attrs.type === 'get' && !!s.getChild('query', 'jabber:iq:register'));
  t.equal(ri.getChild('query', 'jabber:iq:register')!.getChildElements().length, 0, 'an empty query');

  answers.set('get http://jabber.org/protocol/disco#info', () =>
    x(
      'query',
      { xmlns: 'http://jabber.org/protocol/disco#info', node: 'x-roomuser-item' },
      x('identity', { category: 'conference', type: 'text', name: 'thirdwitch' }),
    ),
  );
  const nick = await post('muc/room/nick', { room: ROOM });
  t.same(nick.body, { nick: 'thirdwitch' });
  const q = await roomGets((s) => s.is('iq') && !!s.getChild('query', 'http://jabber.org/protocol/disco#info'));
  t.equal(q.getChild('query', 'http://jabber.org/protocol/disco#info')!.attrs.node, 'x-roomuser-item');
});

t.test('voice request, invitations, decline', async (t) => {
  await post('muc/voice', { room: ROOM, role: 'participant' });
  const v = await roomGets((s) => s.is('message') && !!s.getChild('x', DATA));
  t.same(fieldValues(v.getChild('x', DATA)), { FORM_TYPE: ['http://jabber.org/protocol/muc#request'], 'muc#role': ['participant'] });

  await post('muc/invite', { room: ROOM, to: 'hecate@localhost', reason: 'Come' });
  const i = await roomGets((s) => s.is('message') && !!s.getChild('x', MUC_USER)?.getChild('invite'));
  t.equal(i.attrs.to, ROOM);
  t.same(i.getChild('x', MUC_USER)!.getChild('invite')!.attrs, { to: 'hecate@localhost' });
  t.equal(i.getChild('x', MUC_USER)!.getChild('invite')!.getChildText('reason'), 'Come');

  await post('muc/invite/decline', { room: ROOM, to: 'crone@localhost', reason: 'Busy' });
  const d = await roomGets((s) => s.is('message') && !!s.getChild('x', MUC_USER)?.getChild('decline'));
  t.same(d.getChild('x', MUC_USER)!.getChild('decline')!.attrs, { to: 'crone@localhost' });

  // A direct invitation goes to the invitee: here a JID of the component too.
  await post('muc/invite', { room: ROOM, to: `hecate@${prosody.componentDomain}`, direct: true, reason: 'Come', password: 's' });
  const di = await roomGets((s) => s.is('message') && !!s.getChild('x', 'jabber:x:conference'));
  t.equal(di.attrs.to, `hecate@${prosody.componentDomain}`);
  t.same(di.getChild('x', 'jabber:x:conference')!.attrs, { xmlns: 'jabber:x:conference', jid: ROOM, reason: 'Come', password: 's' });
});

t.test('history: MAM query with form and RSM; results from the room only', async (t) => {
  answers.set(`set ${MAM}`, (s, query) => {
    const qid = query.attrs.queryid!;
    const result = (id: string, from: string, body: string) =>
      x(
        'message',
        { from, to: aliceFull, id: `r-${id}` },
        x(
          'result',
          { xmlns: MAM, queryid: qid, id },
          x(
            'forwarded',
            { xmlns: 'urn:xmpp:forward:0' },
            x('delay', { xmlns: 'urn:xmpp:delay', stamp: '2026-01-01T00:00:00Z' }),
            x('message', { from: `${ROOM}/firstwitch`, type: 'groupchat', id: `m-${id}` }, x('body', {}, body)),
          ),
        ),
      );
    return (async () => {
      await service.send(result('a1', ROOM, 'one'));
      await service.send(result('zz', `${ROOM}/firstwitch`, 'spoof from an occupant'));
      await service.send(result('zy', `other@${prosody.componentDomain}`, 'spoof from another room'));
      await service.send(result('a2', ROOM, 'two'));
      return x(
        'fin',
        { xmlns: MAM, complete: 'true' },
        x('set', { xmlns: RSM }, x('first', { index: '0' }, 'a1'), x('last', {}, 'a2'), x('count', {}, '2')),
      );
    })();
  });
  const res = await post('muc/history', { room: ROOM, start: '2026-01-01T00:00:00Z', rsm: { max: 10, after: 'a0' } });
  t.equal(res.status, 200);
  t.same(res.body, {
    items: [
      {
        room: ROOM,
        nick: 'firstwitch',
        private: false,
        id: 'm-a1',
        content: 'one',
        format: 'plain',
        delay: { when: '2026-01-01T00:00:00Z' },
        archived: [{ by: { user: 'coven', domain: prosody.componentDomain }, id: 'a1' }],
      },
      {
        room: ROOM,
        nick: 'firstwitch',
        private: false,
        id: 'm-a2',
        content: 'two',
        format: 'plain',
        delay: { when: '2026-01-01T00:00:00Z' },
        archived: [{ by: { user: 'coven', domain: prosody.componentDomain }, id: 'a2' }],
      },
    ],
    rsm: { first: 'a1', 'first-index': '0', last: 'a2', count: 2 },
    complete: true,
  });
  const q = await roomGets((s) => s.is('iq') && !!s.getChild('query', MAM));
  const query = q.getChild('query', MAM)!;
  t.same(fieldValues(query.getChild('x', DATA)), { FORM_TYPE: [MAM], start: ['2026-01-01T00:00:00Z'] });
  t.equal(query.getChild('set', RSM)?.getChildText('max'), '10');
  t.equal(query.getChild('set', RSM)?.getChildText('after'), 'a0');
});
