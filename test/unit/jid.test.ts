import t from 'tap';
import { bareJid, domainOf, jidToString, parseJid } from '../../src/xmpp/jid.js';

t.test('JIDs parse to the XMPP-FTW object shape', async (t) => {
  t.same(parseJid('lloyd@example.com/laptop'), { user: 'lloyd', domain: 'example.com', resource: 'laptop' });
  t.same(parseJid('example.com'), { domain: 'example.com' });
  t.same(parseJid('Lloyd@EXAMPLE.com'), { user: 'Lloyd', domain: 'example.com' });
  t.same(parseJid('room@conf.example/nick/with/slashes'), { user: 'room', domain: 'conf.example', resource: 'nick/with/slashes' });
  t.same(Object.keys(parseJid('a@b/c')!), ['user', 'domain', 'resource'], 'key order as XMPP-FTW');
  for (const bad of ['', '@example.com', 'a@', 'a@b/', 'a b@c', 'a@b c', '<x>@y', 'a@b@c', 'x'.repeat(4000)]) {
    t.equal(parseJid(bad), undefined, `rejects ${JSON.stringify(bad.slice(0, 20))}`);
  }
  t.equal(jidToString({ user: 'a', domain: 'b', resource: 'c' }), 'a@b/c');
  t.equal(bareJid('A@B/c'), 'a@b');
  t.equal(domainOf('a@b/c'), 'b');
});
