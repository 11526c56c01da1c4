// The integration harness itself: a private Prosody (accounts, anonymous host, MUC, in-band
// registration, XEP-0114 component), real peers exchanging stanzas, and a private Redis.
import t from 'tap';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { xml } from '@xmpp/client';
import { startProsody } from './helpers/prosody.js';
import { connectPeer } from './helpers/peer.js';
import { startRedis } from './helpers/redis.js';

const prosody = await startProsody({ users: 3 });
t.teardown(() => prosody.stop());
const [alice, bob] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];

/** A raw TCP conversation: send text, read until the accumulated input matches. */
async function rawSocket(port: number) {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.setEncoding('utf8');
  let buffer = '';
  socket.on('data', (d: string) => (buffer += d));
  socket.on('error', () => {});
  return {
    write: (s: string) => socket.write(s),
    async until(re: RegExp, timeoutMs = 5000): Promise<RegExpMatchArray> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = buffer.match(re);
        if (m) {
          buffer = buffer.slice((m.index ?? 0) + m[0].length);
          return m;
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; have: ${buffer}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => socket.destroy(),
  };
}

t.test('prosody is described completely', async (t) => {
  t.match(prosody, {
    host: '127.0.0.1',
    domain: 'localhost',
    anonDomain: 'anon.localhost',
    mucDomain: 'conference.localhost',
    pubsubDomain: 'pubsub.localhost',
    componentDomain: 'component.localhost',
  });
  t.type(prosody.port, 'number');
  t.type(prosody.componentPort, 'number');
  t.match(prosody.componentSecret, /^[0-9a-f]{32}$/);
  t.equal(prosody.users.length, 3);
  t.same(
    prosody.users.map((u) => u.jid),
    ['user1@localhost', 'user2@localhost', 'user3@localhost'],
  );
  t.equal(new Set(prosody.users.map((u) => u.password)).size, 3, 'distinct random passwords');
});

t.test('two peers exchange a chat message', async (t) => {
  const a = await connectPeer(prosody, alice, { resource: 'a' });
  t.teardown(() => a.stop());
  const b = await connectPeer(prosody, bob, { presence: true });
  t.teardown(() => b.stop());
  t.equal(a.jid, `${alice.jid}/a`);
  t.match(b.jid, new RegExp(`^${bob.jid}/.+`));
  await a.send(xml('message', { to: b.jid, type: 'chat', id: 'm1' }, xml('body', {}, 'hello <bob> & co')));
  const msg = await b.waitFor((s) => s.is('message') && s.attrs.id === 'm1');
  t.equal(msg.attrs.from, a.jid);
  t.equal(msg.getChildText('body'), 'hello <bob> & co');
  t.ok(b.received.includes(msg), 'kept in the received buffer');
  // already received, and already consumed by the first waitFor: a second one times out
  await t.rejects(
    b.waitFor((s) => s.attrs.id === 'm1', 200),
    /no matching stanza/,
  );
});

t.test('a wrong password is refused', async (t) => {
  await t.rejects(connectPeer(prosody, { ...alice, password: 'wrong' }), /not-authorized/);
});

t.test('anonymous login on anon.localhost', async (t) => {
  const anon = await connectPeer(prosody, undefined, { domain: prosody.anonDomain });
  t.teardown(() => anon.stop());
  t.match(anon.jid, /^[^@]+@anon\.localhost\/.+$/);
});

t.test('a MUC room is created, configured as instant, and joined by a second occupant', async (t) => {
  const a = await connectPeer(prosody, alice);
  t.teardown(() => a.stop());
  const b = await connectPeer(prosody, bob);
  t.teardown(() => b.stop());
  const room = `room-${randomBytes(4).toString('hex')}@${prosody.mucDomain}`;
  await a.send(xml('presence', { to: `${room}/alice` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
  const self = await a.waitFor((s) => s.is('presence') && s.attrs.from === `${room}/alice`);
  const codes = self
    .getChild('x', 'http://jabber.org/protocol/muc#user')
    ?.getChildren('status')
    .map((s) => s.attrs.code);
  t.ok(codes?.includes('110'), 'self-presence has status 110');
  t.ok(codes?.includes('201'), 'new room: status 201 (locked until configured)');
  t.equal(self.getChild('x', 'http://jabber.org/protocol/muc#user')?.getChild('item')?.attrs.affiliation, 'owner');

  await a.xmpp.iqCaller.request(
    xml(
      'iq',
      { type: 'set', to: room },
      xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' }, xml('x', { xmlns: 'jabber:x:data', type: 'submit' })),
    ),
  );
  await b.send(xml('presence', { to: `${room}/bob` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
  const bobSelf = await b.waitFor((s) => s.is('presence') && s.attrs.from === `${room}/bob`);
  t.notOk(bobSelf.attrs.type, 'joined (no error)');
  t.ok(
    bobSelf
      .getChild('x', 'http://jabber.org/protocol/muc#user')
      ?.getChildren('status')
      .some((s) => s.attrs.code === '110'),
  );
  await a.waitFor((s) => s.is('presence') && s.attrs.from === `${room}/bob`);
  await b.send(xml('message', { to: room, type: 'groupchat', id: 'g1' }, xml('body', {}, 'hi room')));
  const echoed = await a.waitFor((s) => s.is('message') && s.attrs.type === 'groupchat' && s.getChildText('body') === 'hi room');
  t.equal(echoed.attrs.from, `${room}/bob`);
});

t.test('in-band registration (XEP-0077) from 127.0.0.1, then login', async (t) => {
  const username = `new${randomBytes(4).toString('hex')}`;
  const password = randomBytes(8).toString('hex');
  for (const [i, name] of [username, `${username}b`].entries()) {
    // twice in a row: no throttling of loopback
    const s = await rawSocket(prosody.port);
    t.teardown(() => s.close());
    s.write(
      `<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`,
    );
    const features = await s.until(/<stream:features>[\s\S]*?<\/stream:features>/);
    t.match(features[0], /jabber\.org\/features\/iq-register/, 'registration offered');
    s.write(
      `<iq type='set' id='r${i}'><query xmlns='jabber:iq:register'><username>${name}</username><password>${password}</password></query></iq>`,
    );
    const res = await s.until(new RegExp(`<iq[^>]*id=['"]r${i}['"][^>]*?(/>|>[\\s\\S]*?</iq>)`));
    t.match(res[0], /type=['"]result['"]/, `registered ${name}`);
    s.close();
  }
  const peer = await connectPeer(prosody, { username, password });
  t.teardown(() => peer.stop());
  t.match(peer.jid, new RegExp(`^${username}@localhost/`));
});

t.test('a XEP-0114 component connects with the secret and receives stanzas', async (t) => {
  const s = await rawSocket(prosody.componentPort);
  t.teardown(() => s.close());
  s.write(
    `<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${prosody.componentDomain}'>`,
  );
  const header = await s.until(/<stream:stream[^>]*>/);
  const id = /\bid=['"]([^'"]+)['"]/.exec(header[0])?.[1];
  t.ok(id, 'stream id');
  s.write(`<handshake>${createHash('sha1').update(`${id}${prosody.componentSecret}`).digest('hex')}</handshake>`);
  await s.until(/<handshake\s*\/>|<handshake><\/handshake>/);
  const a = await connectPeer(prosody, alice);
  t.teardown(() => a.stop());
  await a.send(xml('message', { to: `bot@${prosody.componentDomain}`, id: 'c1' }, xml('body', {}, 'to the component')));
  const got = await s.until(/<message[\s\S]*?<\/message>/);
  t.match(got[0], /to the component/);
});

t.test('lean prosody (no mam, no smacks) starts and accepts a login', async (t) => {
  const lean = await startProsody({ users: 1, lean: true });
  t.teardown(() => lean.stop());
  const accountFeatures = async (server: typeof prosody, user: (typeof prosody.users)[0]) => {
    const p = await connectPeer(server, user);
    try {
      const info = await p.xmpp.iqCaller.request(
        xml('iq', { type: 'get', to: user.jid }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })),
      );
      return (
        info
          .getChild('query')
          ?.getChildren('feature')
          .map((f) => f.attrs.var) ?? []
      );
    } finally {
      await p.stop();
    }
  };
  t.ok((await accountFeatures(prosody, alice)).includes('urn:xmpp:mam:2'), 'the full server has MAM');
  t.notOk((await accountFeatures(lean, lean.users[0]!)).includes('urn:xmpp:mam:2'), 'the lean one has not');
});

t.test('a private redis-server answers PING', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  t.not(redis.port, 6379);
  t.equal(redis.url, `redis://127.0.0.1:${redis.port}`);
  const s = await rawSocket(redis.port);
  t.teardown(() => s.close());
  s.write('PING\r\n');
  t.equal((await s.until(/^\+PONG\r\n/))[0], '+PONG\r\n');
});
