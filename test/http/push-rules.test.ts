// What Web Push pushes and how large (src/push/rules.ts), and the VAPID settings' checks (src/config.ts).
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { mentions, PUSH_PAYLOAD_MAX, pushPayload, wanted, type PushRule } from '../../src/push/rules.js';
import { vapidKeys } from '../helpers/push-endpoint.js';

t.test('a mention is the nick as a word, in any case', async (t) => {
  t.ok(mentions('alice: hi', 'Alice'));
  t.ok(mentions('hey ALICE!', 'alice'));
  t.ok(mentions('@alice', 'alice'));
  t.notOk(mentions('malice', 'alice'));
  t.notOk(mentions('alice_2 is here', 'alice'));
  t.notOk(mentions('anything', ''));
});

t.test('the nick follows the session’s own presences; history, own and sent carbons are not pushed', async (t) => {
  const rule: PushRule = { nicks: new Map() };
  const room = 'r@conference.localhost';
  t.notOk(wanted(rule, 'xmpp.muc.message', { room, nick: 'bob', private: false, content: 'alice?' }), 'no nick known yet');
  wanted(rule, 'xmpp.muc.roster', { room, nick: 'alice', status: [110] });
  t.ok(wanted(rule, 'xmpp.muc.message', { room, nick: 'bob', private: false, content: 'alice?' }));
  t.notOk(wanted(rule, 'xmpp.muc.message', { room, nick: 'bob', private: false, content: 'alice?', delay: { stamp: 'x' } }), 'history');
  t.notOk(wanted(rule, 'xmpp.muc.message', { room, nick: 'alice', private: false, content: 'alice' }), 'own');
  wanted(rule, 'xmpp.muc.roster', { room, nick: 'al', status: [110, 303], type: 'unavailable' });
  t.ok(wanted(rule, 'xmpp.muc.message', { room, nick: 'bob', private: false, content: 'al!' }), 'the new nick after 303');
  wanted(rule, 'xmpp.muc.roster', { room, nick: 'al', status: [110], type: 'unavailable' });
  t.notOk(wanted(rule, 'xmpp.muc.message', { room, nick: 'bob', private: false, content: 'al!' }), 'left the room');
  t.ok(wanted(rule, 'xmpp.muc.message', { room, nick: 'bob', private: true, content: 'psst' }), 'private');
  t.ok(wanted(rule, 'xmpp.chat.message', { from: {}, content: 'hi' }));
  t.notOk(wanted(rule, 'xmpp.chat.message', { from: {}, state: 'composing' }), 'no content');
  t.notOk(wanted(rule, 'xmpp.chat.message', { from: {}, content: 'hi', carbon: 'sent' }), 'sent by another resource');
  t.notOk(wanted(rule, 'xmpp.presence', { from: {} }), 'not a default event');
  t.ok(wanted({ nicks: new Map(), events: new Set(['xmpp.presence']) }, 'xmpp.presence', { from: {} }), 'a listed one');
});

t.test('payloads fit 3993 bytes: content shortened, else data left out', async (t) => {
  t.equal(PUSH_PAYLOAD_MAX, 3993);
  const small = pushPayload('a-1', 'xmpp.chat.message', { content: 'hi' });
  t.same(JSON.parse(small), { id: 'a-1', event: 'xmpp.chat.message', data: { content: 'hi' } });
  for (const content of ['x'.repeat(10000), 'é'.repeat(5000), '"\\'.repeat(3000), '😀'.repeat(3000)]) {
    const out = pushPayload('a-2', 'xmpp.chat.message', { from: { user: 'bob' }, content });
    t.ok(Buffer.byteLength(out) <= PUSH_PAYLOAD_MAX, `${content.slice(0, 2)}…: fits`);
    const parsed = JSON.parse(out);
    t.equal(parsed.truncated, true);
    t.ok(content.startsWith(parsed.data.content) && parsed.data.content.length > 500, 'a prefix of the content');
    t.ok(Buffer.byteLength(out) > PUSH_PAYLOAD_MAX - 8, 'as long as fits');
  }
  const noContent = pushPayload('a-3', 'xmpp.other', { blob: 'x'.repeat(5000) });
  t.same(JSON.parse(noContent), { id: 'a-3', event: 'xmpp.other', truncated: true });
});

t.test('VAPID settings: all three or none, the public key the private key’s', async (t) => {
  const k = vapidKeys();
  const other = vapidKeys();
  const env = { PUSH_VAPID_PUBLIC_KEY: k.publicKey, PUSH_VAPID_PRIVATE_KEY: k.privateKey, PUSH_VAPID_SUBJECT: 'mailto:a@example.org' };
  t.equal(loadConfig(env).pushVapidPublicKey, k.publicKey);
  t.equal(loadConfig({}).pushVapidPublicKey, '', 'off by default');
  t.throws(() => loadConfig({ PUSH_VAPID_PUBLIC_KEY: k.publicKey }), /set all three, or none/);
  t.throws(() => loadConfig({ ...env, PUSH_VAPID_PUBLIC_KEY: other.publicKey }), /is not the public key of PUSH_VAPID_PRIVATE_KEY/);
  t.throws(() => loadConfig({ ...env, PUSH_VAPID_PRIVATE_KEY: 'abc' }), /PUSH_VAPID_PRIVATE_KEY: must be base64url/);
  t.throws(() => loadConfig({ ...env, PUSH_VAPID_SUBJECT: 'ops@example.org' }), /mailto: or https:/);
});
