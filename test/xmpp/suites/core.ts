// XMPP Core end to end: a gateway session (alice) and a real peer client (bob) on a real server,
// Prosody or ejabberd (test/helpers/server.ts). Every step checks what crossed the wire on the
// other side. Run by test/xeps/core-chat/core.test.ts (Prosody) and core-ejabberd.test.ts.
import t from 'tap';
import { xml } from '@xmpp/client';
import { createHash } from 'node:crypto';
import { startServer, type ServerKind } from '../../helpers/server.js';
import { connectPeer } from '../../helpers/peer.js';
import { startGateway } from '../../helpers/gateway.js';
import { freePort } from '../../helpers/ports.js';

export async function coreSuite(kind: ServerKind): Promise<void> {
  const server = await startServer(kind, { users: 4 });
  t.comment(`XMPP server: ${server.name} on ${server.host}:${server.port}`);
  const closedPort = await freePort();
  const gw = await startGateway(server, { allowedHosts: [`${server.host}:${server.port}`, `127.0.0.1:${closedPort}`] });
  t.teardown(async () => {
    await gw.close();
    await server.stop();
  });
  const [aliceUser, bobUser, carolUser] = server.users as [(typeof server.users)[0], (typeof server.users)[0], (typeof server.users)[0]];

  t.test('login answers 201 with a long token and the bound JID', async (t) => {
    const res = await gw.post('/v1/login', {
      jid: aliceUser.jid,
      password: aliceUser.password,
      resource: 'web',
      host: server.host,
      port: server.port,
    });
    t.equal(res.status, 201);
    t.equal(res.body.status, 'online');
    t.same(res.body.jid, { user: aliceUser.username, domain: server.domain, resource: 'web' });
    t.ok(Buffer.from(res.body.token, 'base64url').length >= 32, 'token carries at least 256 bits');
    t.notMatch(JSON.stringify(res.body), aliceUser.password, 'password never echoed');
    await gw.post('/v1/logout', {}, res.body.token);
  });

  t.test('a wrong password is 401 login-fail', async (t) => {
    const res = await gw.post('/v1/login', { jid: aliceUser.jid, password: 'wrong', host: server.host, port: server.port });
    t.equal(res.status, 401);
    t.match(res.body, { type: 'auth', condition: 'login-fail' });
  });

  t.test('an allowed but unreachable server is 502', async (t) => {
    const res = await gw.post('/v1/login', { jid: aliceUser.jid, password: aliceUser.password, host: '127.0.0.1', port: closedPort });
    t.equal(res.status, 502);
  });

  t.test('a host outside the allow-list is 403 and no connection is attempted', async (t) => {
    const res = await gw.post('/v1/login', { jid: aliceUser.jid, password: aliceUser.password, host: '127.0.0.2', port: server.port });
    t.equal(res.status, 403);
    t.match(res.body, { type: 'cancel', condition: 'host-not-allowed' });
  });

  t.test('anonymous login binds a JID on the anonymous domain', async (t) => {
    const res = await gw.post('/v1/login/anonymous', { jid: server.anonDomain, host: server.host, port: server.port });
    t.equal(res.status, 201);
    t.equal(res.body.jid.domain, server.anonDomain);
    t.ok(res.body.jid.user, 'server assigned a local part');
    t.equal((await gw.post('/v1/logout', {}, res.body.token)).status, 200);
  });

  t.test('a conversation: chat, receipts, states, corrections, XHTML, presence, roster, logout', async (t) => {
    const bob = await connectPeer(server, bobUser, { presence: true });
    t.teardown(() => bob.stop());
    const alice = await gw.login(aliceUser, { resource: 'gw' });
    const aliceFull = `${aliceUser.jid}/gw`;
    const stream = await gw.events({ token: alice.token });
    t.equal(stream.status, 200);
    t.match(stream.headers['content-type'], /^text\/event-stream/);
    t.equal(stream.headers['cache-control'], 'no-cache, no-transform');
    t.equal(stream.headers['x-accel-buffering'], 'no');
    const online = await stream.nextEvent('xmpp.connection');
    t.same(online.data, { status: 'online', jid: { user: aliceUser.username, domain: server.domain, resource: 'gw' } });

    await t.test('chat/message reaches the peer, escaped, with a receipt request and id', async (t) => {
      const res = await gw.post('/v1/chat/message', { to: bob.jid, content: 'hi <b>&amp; "you"', receipt: true }, alice.token);
      t.equal(res.status, 200);
      t.type(res.body.id, 'string');
      const msg = await bob.waitFor((s) => s.is('message') && s.attrs.id === res.body.id);
      t.equal(msg.attrs.type, 'chat');
      t.equal(msg.getChildText('body'), 'hi <b>&amp; "you"', 'metacharacters arrive as text');
      t.equal(msg.getChild('body')?.getChildElements().length, 0, 'no markup injected');
      t.ok(msg.getChild('request', 'urn:xmpp:receipts'));

      await bob.send(xml('message', { to: aliceFull, id: 'r1' }, xml('received', { xmlns: 'urn:xmpp:receipts', id: res.body.id })));
      const receipt = await stream.nextEvent('xmpp.chat.receipt');
      t.same(receipt.data, { from: peerJidObject(bob.jid), id: res.body.id });
      t.notOk(
        stream.events.some((e) => e.event === 'xmpp.chat.message' && e.data.id === 'r1'),
        'receipt-only message is not a chat message',
      );
    });

    await t.test('chat states, corrections and XHTML go out as the XEPs say', async (t) => {
      const state = await gw.post('/v1/chat/message', { to: bob.jid, state: 'composing' }, alice.token);
      const s1 = await bob.waitFor((s) => s.attrs.id === state.body.id);
      t.ok(s1.getChild('composing', 'http://jabber.org/protocol/chatstates'));
      t.notOk(s1.getChild('body'));

      const fix = await gw.post('/v1/chat/message', { to: bob.jid, content: 'fixed', replace: 'orig-1' }, alice.token);
      const s2 = await bob.waitFor((s) => s.attrs.id === fix.body.id);
      t.equal(s2.getChild('replace', 'urn:xmpp:message-correct:0')?.attrs.id, 'orig-1');

      const html = await gw.post(
        '/v1/chat/message',
        { to: bob.jid, content: '<p>Hello <strong>bob</strong></p>', format: 'xhtml' },
        alice.token,
      );
      const s3 = await bob.waitFor((s) => s.attrs.id === html.body.id);
      t.equal(s3.getChildText('body'), 'Hello bob', 'plain body is the text of the markup');
      const xbody = s3.getChild('html', 'http://jabber.org/protocol/xhtml-im')?.getChild('body', 'http://www.w3.org/1999/xhtml');
      t.equal(xbody?.getChild('p')?.getChildText('strong'), 'bob');

      const bad = await gw.post('/v1/chat/message', { to: bob.jid, content: '<p>unclosed', format: 'xhtml' }, alice.token);
      t.equal(bad.status, 400);
      t.equal(bad.body.description, 'Can not parse XHTML message');
    });

    await t.test('incoming chat: content, state, delay, receipt request, correction', async (t) => {
      await bob.send(
        xml(
          'message',
          { to: aliceFull, type: 'chat', id: 'in-1' },
          xml('body', {}, 'hello <alice>'),
          xml('active', { xmlns: 'http://jabber.org/protocol/chatstates' }),
          xml('request', { xmlns: 'urn:xmpp:receipts' }),
          xml('replace', { xmlns: 'urn:xmpp:message-correct:0', id: 'in-0' }),
          xml('delay', { xmlns: 'urn:xmpp:delay', stamp: '2026-01-02T03:04:05Z', from: 'localhost' }, 'Offline storage'),
        ),
      );
      const e = await stream.next((x) => x.event === 'xmpp.chat.message' && x.data.id === 'in-1');
      const { archived, ...rest } = e.data;
      t.match(archived, [{ by: { user: aliceUser.username, domain: server.domain }, id: String }], 'XEP-0359 stanza-id from the archive');
      t.same(rest, {
        from: peerJidObject(bob.jid),
        content: 'hello <alice>',
        format: 'plain',
        id: 'in-1',
        delay: { when: '2026-01-02T03:04:05Z', from: 'localhost', reason: 'Offline storage' },
        state: 'active',
        receipt: true,
        replace: 'in-0',
      });
      const r = await gw.post('/v1/chat/receipt', { to: bob.jid, id: 'in-1' }, alice.token);
      t.equal(r.status, 200);
      const rec = await bob.waitFor((s) => s.getChild('received', 'urn:xmpp:receipts')?.attrs.id === 'in-1');
      t.ok(rec.attrs.id, 'the receipt stanza has its own id');
    });

    await t.test('presence with the gateway caps, and disco#info answered for that caps node', async (t) => {
      const res = await gw.post('/v1/presence', { to: bob.jid, show: 'away', status: 'lunch <1h>', priority: 5 }, alice.token);
      t.equal(res.status, 200);
      const p = await bob.waitFor((s) => s.is('presence') && s.attrs.from === aliceFull && s.getChildText('show') === 'away');
      t.equal(p.getChildText('status'), 'lunch <1h>');
      t.equal(p.getChildText('priority'), '5');
      const c = p.getChild('c', 'http://jabber.org/protocol/caps');
      t.ok(c, 'caps element present');
      const info = await bob.xmpp.iqCaller.request(
        xml(
          'iq',
          { type: 'get', to: aliceFull, id: 'disco-1' },
          xml('query', { xmlns: 'http://jabber.org/protocol/disco#info', node: `${c!.attrs.node}#${c!.attrs.ver}` }),
        ),
      );
      const query = info.getChild('query', 'http://jabber.org/protocol/disco#info')!;
      const ids = query
        .getChildren('identity')
        .map((i) => `${i.attrs.category}/${i.attrs.type}/${i.attrs['xml:lang'] ?? ''}/${i.attrs.name ?? ''}<`);
      const feats = query.getChildren('feature').map((f) => `${f.attrs.var}<`);
      const ver = createHash('sha1')
        .update([...ids.sort(), ...feats.sort()].join(''))
        .digest('base64');
      t.equal(ver, c!.attrs.ver, 'the advertised ver is the hash of what disco#info answers');
      t.ok(feats.includes('urn:xmpp:ping<'));
    });

    await t.test('incoming presence keeps show/status/priority and exposes the type', async (t) => {
      await bob.send(xml('presence', { to: aliceFull }, xml('show', {}, 'dnd'), xml('status', {}, 'busy'), xml('priority', {}, '3')));
      const e = await stream.next((x) => x.event === 'xmpp.presence' && x.data.show === 'dnd');
      t.same(e.data, { from: peerJidObject(bob.jid), show: 'dnd', status: 'busy', priority: '3' });
      await bob.send(xml('presence', { to: aliceFull, type: 'unavailable' }, xml('status', {}, 'bye')));
      const off = await stream.next((x) => x.event === 'xmpp.presence' && x.data.show === 'offline');
      t.same(off.data, { from: peerJidObject(bob.jid), type: 'unavailable', show: 'offline', status: 'bye' });
    });

    await t.test('roster: get, add, edit, remove, and the pushes (acknowledged)', async (t) => {
      const empty = await gw.post('/v1/roster/get', {}, alice.token);
      t.equal(empty.status, 200);
      t.same(empty.body, []);
      const add = await gw.post('/v1/roster/add', { jid: carolUser.jid, name: 'Carol <3', groups: ['Friends'] }, alice.token);
      t.same(add, { ...add, status: 200, body: { ok: true } });
      const push = await stream.next((e) => e.event === 'xmpp.roster.push' && e.data.name === 'Carol <3');
      t.same(push.data, {
        jid: { user: carolUser.username, domain: server.domain },
        subscription: 'none',
        name: 'Carol <3',
        groups: ['Friends'],
      });
      const edit = await gw.post('/v1/roster/edit', { jid: carolUser.jid, groups: ['Work', 'Team'] }, alice.token);
      t.equal(edit.status, 200);
      const list = await gw.post('/v1/roster/get', undefined, alice.token);
      t.same(list.body, [{ jid: { user: carolUser.username, domain: server.domain }, subscription: 'none', groups: list.body[0]?.groups }]);
      t.same([...list.body[0].groups].sort(), ['Team', 'Work'], 'the groups given replaced the old ones');
      const rm = await gw.post('/v1/roster/remove', { jid: carolUser.jid }, alice.token);
      t.equal(rm.status, 200);
      await stream.next((e) => e.event === 'xmpp.roster.push' && e.data.subscription === 'remove');
      t.same((await gw.post('/v1/roster/get', {}, alice.token)).body, []);
    });

    await t.test('subscription handshake: subscribe in, subscribed out', async (t) => {
      await gw.post('/v1/presence', {}, alice.token); // initial presence: the server now routes bare-JID presence here
      // RFC 6121 §3.1.5: 'subscribed' goes only to resources that fetched their roster ("interested").
      await bob.xmpp.iqCaller.request(xml('iq', { type: 'get', id: 'bob-roster' }, xml('query', { xmlns: 'jabber:iq:roster' })));
      await bob.send(
        xml('presence', { to: aliceUser.jid, type: 'subscribe' }, xml('nick', { xmlns: 'http://jabber.org/protocol/nick' }, 'Bobby')),
      );
      const sub = await stream.nextEvent('xmpp.presence.subscribe');
      t.same(sub.data, { from: { user: bobUser.username, domain: server.domain }, nick: 'Bobby' });
      await gw.post('/v1/presence/subscribed', { to: bobUser.jid }, alice.token);
      const ok = await bob.waitFor((s) => s.is('presence') && s.attrs.type === 'subscribed');
      t.equal(ok.attrs.from?.split('/')[0], aliceUser.jid);
      await gw.post('/v1/presence/subscribe', { to: bobUser.jid }, alice.token);
      await bob.waitFor((s) => s.is('presence') && s.attrs.type === 'subscribe');
    });

    await t.test('the gateway answers pings and unknown IQs itself', async (t) => {
      const pong = await bob.xmpp.iqCaller.request(
        xml('iq', { type: 'get', to: aliceFull, id: 'p1' }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
      );
      t.equal(pong.attrs.type, 'result');
      await t.rejects(
        bob.xmpp.iqCaller.request(xml('iq', { type: 'get', to: aliceFull, id: 'v1' }, xml('query', { xmlns: 'jabber:iq:version' }))),
        /service-unavailable/,
      );
    });

    await t.test('logout: offline event ends the stream, the peer sees unavailable, the token is dead', async (t) => {
      const res = await gw.post('/v1/logout', undefined, alice.token);
      t.same(res.body, { ok: true });
      const off = await stream.nextEvent('xmpp.connection', 5000, 1);
      t.same(off.data, { status: 'offline' });
      await stream.waitEnded();
      await bob.waitFor((s) => s.is('presence') && s.attrs.from === aliceFull && s.attrs.type === 'unavailable');
      t.equal((await gw.post('/v1/chat/message', { to: bob.jid, content: 'x' }, alice.token)).status, 401);
      t.equal((await gw.events({ token: alice.token })).status, 401);
    });
  });
}

function peerJidObject(full: string) {
  const [bare, resource] = full.split('/') as [string, string];
  const [user, domain] = bare.split('@') as [string, string];
  return { user, domain, resource };
}
