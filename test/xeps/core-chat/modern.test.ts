// Modern chat features end to end (gateway additions): reactions (XEP-0444), retraction (XEP-0424),
// replies (XEP-0461 with the XEP-0428 fallback), chat markers (XEP-0333), processing hints (XEP-0334),
// origin-id (XEP-0359) and message errors, on a real Prosody. Between a gateway session (alice) and a
// plain @xmpp/client peer (bob), checking the wire on the peer's side and the events on the gateway's;
// and between two gateway sessions (alice and carol).
import t from 'tap';
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { startProsody } from '../../helpers/prosody.js';
import { connectPeer, type Peer } from '../../helpers/peer.js';
import { startGateway } from '../../helpers/gateway.js';
import type { SseClient } from '../../helpers/sse.js';

const REACTIONS = 'urn:xmpp:reactions:0';
const RETRACT = 'urn:xmpp:message-retract:1';
const REPLY = 'urn:xmpp:reply:0';
const FALLBACK = 'urn:xmpp:fallback:0';
const MARKERS = 'urn:xmpp:chat-markers:0';
const HINTS = 'urn:xmpp:hints';
const SID = 'urn:xmpp:sid:0';

const prosody = await startProsody({ users: 3 });
const gw = await startGateway(prosody);
t.teardown(async () => {
  await gw.close();
  await prosody.stop();
});
const [aliceUser, bobUser, carolUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0], (typeof prosody.users)[0]];

function jidObject(full: string) {
  const [bare, resource] = full.split('/') as [string, string | undefined];
  const [user, domain] = bare.split('@') as [string, string];
  return { user, domain, ...(resource !== undefined && { resource }) };
}

/** The origin-id of a stanza (XEP-0359 §3.1). */
const originIdOf = (s: Element) => s.getChild('origin-id', SID)?.attrs.id;

const bob: Peer = await connectPeer(prosody, bobUser, { presence: true, resource: 'phone' });
t.teardown(() => bob.stop());
const alice = await gw.login(aliceUser, { resource: 'gw' });
const aliceFull = `${aliceUser.jid}/gw`;
const aliceStream: SseClient = await gw.events({ token: alice.token });
await aliceStream.nextEvent('xmpp.connection');

t.test('gateway → peer: what goes on the wire', async (t) => {
  await t.test('reaction: reactions with the target id, a store hint and origin-id = id', async (t) => {
    const res = await gw.post('/v1/chat/reaction', { to: bob.jid, id: 'm1', reactions: ['👍', '🐢'] }, alice.token);
    t.equal(res.status, 200);
    const s = await bob.waitFor((x) => x.is('message') && x.attrs.id === res.body.id);
    t.equal(s.attrs.type, 'chat');
    const r = s.getChild('reactions', REACTIONS);
    t.equal(r?.attrs.id, 'm1');
    t.same(
      r?.getChildren('reaction').map((c) => c.getText()),
      ['👍', '🐢'],
    );
    t.ok(s.getChild('store', HINTS), 'store hint');
    t.equal(originIdOf(s), res.body.id);
    t.notOk(s.getChild('body'), 'no body');

    const clear = await gw.post('/v1/chat/reaction', { to: bob.jid, id: 'm1', reactions: [] }, alice.token);
    const c = await bob.waitFor((x) => x.is('message') && x.attrs.id === clear.body.id);
    t.equal(c.getChild('reactions', REACTIONS)?.getChildElements().length, 0, 'empty list removes the reactions');
  });

  await t.test('retract: retract element, XEP-0428 fallback, fallback body, store hint, origin-id', async (t) => {
    const res = await gw.post('/v1/chat/retract', { to: bob.jid, id: 'm1' }, alice.token);
    t.equal(res.status, 200);
    const s = await bob.waitFor((x) => x.is('message') && x.attrs.id === res.body.id);
    t.equal(s.attrs.type, 'chat');
    t.equal(s.getChild('retract', RETRACT)?.attrs.id, 'm1');
    t.equal(s.getChild('fallback', FALLBACK)?.attrs.for, RETRACT);
    t.match(s.getChildText('body'), /retract a previous message/);
    t.ok(s.getChild('store', HINTS));
    t.equal(originIdOf(s), res.body.id);
  });

  await t.test('reply with a quote: reply element, "> " fallback body and its code-point range', async (t) => {
    const res = await gw.post(
      '/v1/chat/message',
      { to: bob.jid, content: 'Sure 🍕', reply: { id: 'b1', to: bob.jid, quote: 'Lunch? 🥪' } },
      alice.token,
    );
    t.equal(res.status, 200);
    const s = await bob.waitFor((x) => x.is('message') && x.attrs.id === res.body.id);
    t.equal(s.getChildText('body'), '> Lunch? 🥪\nSure 🍕');
    t.same(s.getChild('reply', REPLY)?.attrs, { xmlns: REPLY, id: 'b1', to: bob.jid });
    const fb = s.getChildren('fallback', FALLBACK).find((f) => f.attrs.for === REPLY);
    t.same(fb?.getChild('body')?.attrs, { start: '0', end: String(Array.from('> Lunch? 🥪\n').length) }, 'range in code points');
    t.equal(originIdOf(s), res.body.id);
  });

  await t.test('markable and hints on a chat message', async (t) => {
    const res = await gw.post(
      '/v1/chat/message',
      { to: bob.jid, content: 'Off the record', markable: true, hints: ['no-store', 'no-copy', 'no-permanent-store'] },
      alice.token,
    );
    const s = await bob.waitFor((x) => x.is('message') && x.attrs.id === res.body.id);
    t.ok(s.getChild('markable', MARKERS));
    t.same(
      s
        .getChildElements()
        .filter((c) => c.getNS() === HINTS)
        .map((c) => c.name),
      ['no-store', 'no-copy', 'no-permanent-store'],
    );
    t.equal(originIdOf(s), res.body.id);
  });

  await t.test('markers: received, displayed, acknowledged', async (t) => {
    for (const marker of ['received', 'displayed', 'acknowledged']) {
      const res = await gw.post('/v1/chat/marker', { to: bob.jid, id: 'b2', marker }, alice.token);
      t.equal(res.status, 200);
      const s = await bob.waitFor((x) => x.is('message') && x.attrs.id === res.body.id);
      t.equal(s.getChild(marker, MARKERS)?.attrs.id, 'b2', marker);
      t.equal(originIdOf(s), res.body.id);
    }
  });

  await t.test('plain messages and receipts carry origin-id too', async (t) => {
    const msg = await gw.post('/v1/chat/message', { to: bob.jid, content: 'plain' }, alice.token);
    const s = await bob.waitFor((x) => x.is('message') && x.attrs.id === msg.body.id);
    t.equal(originIdOf(s), msg.body.id);
    await gw.post('/v1/chat/receipt', { to: bob.jid, id: 'b3' }, alice.token);
    const r = await bob.waitFor((x) => x.getChild('received', 'urn:xmpp:receipts')?.attrs.id === 'b3');
    t.equal(originIdOf(r), r.attrs.id);
  });

  await t.test('bad input is 400 and nothing is sent', async (t) => {
    const before = bob.received.length;
    const bad = [
      ['/v1/chat/reaction', { to: bob.jid, id: 'm1', reactions: ['👍', '👍'] }],
      ['/v1/chat/reaction', { to: bob.jid, reactions: ['👍'] }],
      ['/v1/chat/retract', { to: bob.jid }],
      ['/v1/chat/marker', { to: bob.jid, id: 'm1', marker: 'read' }],
      ['/v1/chat/message', { to: bob.jid, content: 'x', hints: ['no-archive'] }],
      ['/v1/chat/message', { to: bob.jid, state: 'active', reply: { id: 'm1' } }],
      ['/v1/chat/message', { to: bob.jid, content: '<p>x</p>', format: 'xhtml', reply: { id: 'm1', quote: 'q' } }],
      ['/v1/chat/message', { to: bob.jid, content: 'x', reply: { id: 'm1', author: 'bob' } }],
    ] as const;
    for (const [path, body] of bad) {
      const res = await gw.post(path, body, alice.token);
      t.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
      t.equal(res.body.condition, 'client-error');
    }
    // A sentinel after the bad requests: when it arrives, nothing else came before it.
    const sentinel = await gw.post('/v1/chat/message', { to: bob.jid, content: 'sentinel' }, alice.token);
    await bob.waitFor((x) => x.attrs.id === sentinel.body.id);
    t.same(
      bob.received.slice(before).map((x) => x.attrs.id),
      [sentinel.body.id],
      'only the sentinel reached the peer',
    );
  });
});

t.test('peer → gateway: the events', async (t) => {
  await t.test('reaction', async (t) => {
    await bob.send(
      xml(
        'message',
        { to: aliceFull, type: 'chat', id: 'pr1' },
        xml('reactions', { xmlns: REACTIONS, id: 'a1' }, xml('reaction', {}, '👋')),
        xml('store', { xmlns: HINTS }),
      ),
    );
    const e = await aliceStream.nextEvent('xmpp.chat.reaction');
    t.same(e.data, { from: jidObject(bob.jid), id: 'a1', reactions: ['👋'] });
  });

  await t.test('retraction: one xmpp.chat.retract, no chat message for its fallback body', async (t) => {
    const from = aliceStream.events.length;
    await bob.send(
      xml(
        'message',
        { to: aliceFull, type: 'chat', id: 'px1' },
        xml('retract', { xmlns: RETRACT, id: 'a1' }),
        xml('fallback', { xmlns: FALLBACK, for: RETRACT }),
        xml('body', {}, 'This person attempted to retract a previous message, but it’s unsupported by your client.'),
      ),
    );
    const e = await aliceStream.nextEvent('xmpp.chat.retract', 5000, from);
    t.same(e.data, { from: jidObject(bob.jid), id: 'a1' });
    await bob.send(xml('message', { to: aliceFull, type: 'chat', id: 'px2' }, xml('body', {}, 'after')));
    await aliceStream.next((x) => x.event === 'xmpp.chat.message' && x.data.id === 'px2', 5000, from);
    t.notOk(
      aliceStream.events.slice(from).some((x) => x.event === 'xmpp.chat.message' && x.data.id === 'px1'),
      'the fallback body is no message',
    );
  });

  await t.test('markers and a markable message', async (t) => {
    await bob.send(xml('message', { to: aliceFull, type: 'chat', id: 'pm1' }, xml('displayed', { xmlns: MARKERS, id: 'a2' })));
    const m = await aliceStream.nextEvent('xmpp.chat.marker');
    t.same(m.data, { from: jidObject(bob.jid), id: 'a2', marker: 'displayed' });
    await bob.send(
      xml('message', { to: aliceFull, type: 'chat', id: 'pm2' }, xml('body', {}, 'seen?'), xml('markable', { xmlns: MARKERS })),
    );
    const e = await aliceStream.next((x) => x.event === 'xmpp.chat.message' && x.data.id === 'pm2');
    t.equal(e.data.markable, true);
  });

  await t.test('reply: reply key, the quote fallback removed from content', async (t) => {
    const quote = '> Lunch? 🥪\n';
    await bob.send(
      xml(
        'message',
        { to: aliceFull, type: 'chat', id: 'pp1' },
        xml('body', {}, `${quote}Sure 🍕`),
        xml('reply', { xmlns: REPLY, id: 'a3', to: aliceFull }),
        xml('fallback', { xmlns: FALLBACK, for: REPLY }, xml('body', { start: '0', end: String(Array.from(quote).length) })),
      ),
    );
    const e = await aliceStream.next((x) => x.event === 'xmpp.chat.message' && x.data.id === 'pp1');
    t.equal(e.data.content, 'Sure 🍕');
    t.same(e.data.reply, { id: 'a3', to: jidObject(aliceFull) });
  });
});

t.test('gateway ↔ gateway: two sessions', async (t) => {
  const carol = await gw.login(carolUser, { resource: 'web' });
  const carolFull = `${carolUser.jid}/web`;
  const carolStream = await gw.events({ token: carol.token });
  await carolStream.nextEvent('xmpp.connection');
  t.teardown(() => gw.post('/v1/logout', undefined, carol.token).then(() => undefined));

  const msg = await gw.post(
    '/v1/chat/message',
    { to: carolFull, content: 'Dinner?', markable: true, reply: { id: 'c0', quote: 'Hungry' } },
    alice.token,
  );
  const got = await carolStream.next((x) => x.event === 'xmpp.chat.message' && x.data.id === msg.body.id);
  const { archived, ...rest } = got.data;
  t.match(archived, [{ by: { user: carolUser.username, domain: 'localhost' }, id: String }], 'archived by carol’s server');
  t.same(
    rest,
    {
      from: jidObject(aliceFull),
      content: 'Dinner?',
      format: 'plain',
      id: msg.body.id,
      reply: { id: 'c0' },
      markable: true,
    },
    'the quote fallback the sending session added is removed by the receiving one',
  );

  const marker = await gw.post('/v1/chat/marker', { to: aliceFull, id: msg.body.id, marker: 'displayed' }, carol.token);
  t.equal(marker.status, 200);
  const m = await aliceStream.next((x) => x.event === 'xmpp.chat.marker' && x.data.id === msg.body.id);
  t.same(m.data, { from: jidObject(carolFull), id: msg.body.id, marker: 'displayed' });

  await gw.post('/v1/chat/reaction', { to: aliceFull, id: msg.body.id, reactions: ['❤️'] }, carol.token);
  const r = await aliceStream.next((x) => x.event === 'xmpp.chat.reaction' && x.data.id === msg.body.id);
  t.same(r.data, { from: jidObject(carolFull), id: msg.body.id, reactions: ['❤️'] });

  await gw.post('/v1/chat/retract', { to: carolFull, id: msg.body.id }, alice.token);
  const x = await carolStream.next((e) => e.event === 'xmpp.chat.retract');
  t.same(x.data, { from: jidObject(aliceFull), id: msg.body.id });
});

t.test('a message to a user that does not exist comes back as xmpp.chat.error with its id', async (t) => {
  const res = await gw.post('/v1/chat/message', { to: 'nobody@localhost', content: 'Anyone?' }, alice.token);
  t.equal(res.status, 200);
  const e = await aliceStream.next((x) => x.event === 'xmpp.chat.error' && x.data.id === res.body.id);
  t.same(e.data.from, { user: 'nobody', domain: 'localhost' });
  t.match(e.data.error, { type: 'cancel', condition: 'service-unavailable' });
  t.notOk(
    aliceStream.events.some((x) => x.event === 'xmpp.wtf.push' && String(x.data).includes(res.body.id)),
    'not pushed as an unknown stanza',
  );
});
