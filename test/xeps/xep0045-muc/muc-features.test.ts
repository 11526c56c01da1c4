// Message features in a room, end to end on Prosody's MUC (with muc_mam, which stamps the room's
// XEP-0359 stanza-id): two gateway sessions (alice, bob) react, mark and retract by the id the room
// gave a message, a plain client (dave) in the room receives the wire form; XEP-0066 oob on chat and
// room messages; the XEP-0153 photo hash in the presence that enters a room and in xmpp.muc.roster.
import { createHash, randomBytes } from 'node:crypto';
import t, { type Test as TapTest } from 'tap';
import type { BuiltPlugins } from '@tapjs/test';
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { startProsody } from '../../helpers/prosody.js';
import { startGateway } from '../../helpers/gateway.js';
import { connectPeer } from '../../helpers/peer.js';
import type { SseClient, SseEvent } from '../../helpers/sse.js';
import { eventSchemaProblem, loadRegistry } from '../../helpers/golden.js';

type Test = TapTest & BuiltPlugins;

const MUC = 'http://jabber.org/protocol/muc';
const SID = 'urn:xmpp:sid:0';

const prosody = await startProsody({ users: 3 });
const gw = await startGateway(prosody);
const [aliceUser, bobUser, daveUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0], (typeof prosody.users)[0]];
const reg = await loadRegistry();
const alice = await gw.login(aliceUser, { resource: 'gw' });
const bob = await gw.login(bobUser, { resource: 'gw' });
const aliceEvents = await gw.events({ token: alice.token });
const bobEvents = await gw.events({ token: bob.token });
const dave = await connectPeer(prosody, daveUser, { resource: 'peer', presence: true });
t.teardown(async () => {
  aliceEvents.close();
  bobEvents.close();
  await dave.stop();
  await gw.close();
  await prosody.stop();
});

const ROOM = `witches@${prosody.mucDomain}`;
const post = (path: string, body: unknown, token: string) => gw.post(`/v1/${path}`, body, token);

/** The next event of that name matching `match`, checked against its schema. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- event payloads are asserted field by field
async function event(t: Test, stream: SseClient, name: string, match: (data: any) => boolean = () => true): Promise<any> {
  const e: SseEvent = await stream.next((x) => x.event === name && match(x.data));
  const problem = eventSchemaProblem(reg, { event: e.event, data: e.data });
  if (problem) t.fail(problem);
  return e.data;
}

/** The next groupchat message dave gets from that nick. */
const daveGetsFrom = (nick: string) =>
  dave.waitFor((s) => s.is('message') && s.attrs.type === 'groupchat' && s.attrs.from === `${ROOM}/${nick}`);

const photo = randomBytes(600);
const photoHash = createHash('sha1').update(photo).digest('hex');

t.test('alice (with a vCard photo) creates an archived room; bob and dave join and see her hash', async (t) => {
  const set = await post('vcard/set', { fn: 'Alice', photo: { type: 'image/png', binval: photo.toString('base64') } }, alice.token);
  t.equal(set.status, 200, 'vcard/set');
  const created = await post('muc/create', { room: ROOM, nick: 'alice', instant: true }, alice.token);
  t.equal(created.status, 200, 'muc/create');
  const config = await post(
    'muc/room/config/set',
    { room: ROOM, form: [{ var: 'muc#roomconfig_enablearchiving', value: true }] },
    alice.token,
  );
  t.equal(config.status, 200, 'archiving on: the room stamps its stanza-id');

  await dave.send(xml('presence', { to: `${ROOM}/dave` }, xml('x', { xmlns: MUC })));
  const alicePresence = await dave.waitFor((s) => s.is('presence') && s.attrs.from === `${ROOM}/alice`);
  t.equal(alicePresence.getChild('x', 'vcard-temp:x:update')?.getChildText('photo'), photoHash, 'dave sees the hash in her room presence');

  const joined = await post('muc/join', { room: ROOM, nick: 'bob' }, bob.token);
  t.equal(joined.status, 200, 'bob joins');
  const roster = await event(t, bobEvents, 'xmpp.muc.roster', (d) => d.room === ROOM && d.nick === 'alice');
  t.same(roster.avatar, { hash: photoHash }, 'xmpp.muc.roster reports her hash as avatar');
  const daveRoster = await event(t, bobEvents, 'xmpp.muc.roster', (d) => d.room === ROOM && d.nick === 'dave');
  t.notOk('avatar' in daveRoster, 'dave says nothing of a photo: no avatar');
  await event(t, aliceEvents, 'xmpp.muc.roster', (d) => d.room === ROOM && d.nick === 'bob');
});

let stanzaId = '';

t.test('xmpp.muc.message carries the id the room gave the message', async (t) => {
  const sent = await post('muc/message', { room: ROOM, content: 'Double, double toil and trouble' }, alice.token);
  t.equal(sent.status, 200);
  const got = await event(t, bobEvents, 'xmpp.muc.message', (d) => d.nick === 'alice' && d.content === 'Double, double toil and trouble');
  const wire = await daveGetsFrom('alice');
  const sid = wire.getChildren('stanza-id', SID).find((s: Element) => s.attrs.by === ROOM)?.attrs.id;
  t.ok(sid, 'the room stamped a stanza-id');
  t.same(got.archived, [{ by: { user: 'witches', domain: prosody.mucDomain }, id: sid }], 'the same id in archived');
  stanzaId = String(sid);
});

t.test('bob reacts by the room’s id: alice gets xmpp.muc.reaction, dave the XEP-0444 wire form', async (t) => {
  const res = await post('muc/reaction', { room: ROOM, id: stanzaId, reactions: ['🔥', '👍'] }, bob.token);
  t.equal(res.status, 200);
  const got = await event(t, aliceEvents, 'xmpp.muc.reaction', (d) => d.nick === 'bob');
  t.same(got, { room: ROOM, nick: 'bob', private: false, id: stanzaId, reactions: ['🔥', '👍'] });
  const wire = await daveGetsFrom('bob');
  const reactions = wire.getChild('reactions', 'urn:xmpp:reactions:0');
  t.equal(reactions?.attrs.id, stanzaId, 'reactions name the stanza-id');
  t.same(
    reactions?.getChildren('reaction').map((r: Element) => r.getText()),
    ['🔥', '👍'],
  );
  t.ok(wire.getChild('store', 'urn:xmpp:hints'), 'with a store hint');
  t.equal(wire.getChild('origin-id', SID)?.attrs.id, res.body.id, 'origin-id is the answered id');
});

t.test('bad input is 400 and nothing reaches the room', async (t) => {
  const bad: Array<[string, unknown]> = [
    ['muc/reaction', { room: ROOM, reactions: ['👍'] }],
    ['muc/reaction', { room: ROOM, id: stanzaId, reactions: ['👍', '👍'] }],
    ['muc/retract', { room: `${ROOM}/bob`, id: stanzaId }],
    ['muc/marker', { room: ROOM, id: stanzaId, marker: 'read' }],
    ['muc/marker', { room: `nowhere@${prosody.mucDomain}`, id: stanzaId, marker: 'displayed' }],
    ['muc/message', { room: ROOM, oob: { url: 'javascript:alert(1)' } }],
    ['chat/message', { to: dave.jid, oob: { description: 'no url' } }],
  ];
  for (const [path, body] of bad) {
    const res = await post(path, body, bob.token);
    t.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
    t.equal(res.body.condition, 'client-error');
  }
  // The next thing dave gets from bob is this marker: none of the above was sent.
  const ok = await post('muc/marker', { room: ROOM, id: stanzaId, marker: 'displayed' }, bob.token);
  t.equal(ok.status, 200);
  const wire = await daveGetsFrom('bob');
  t.equal(wire.getChild('displayed', 'urn:xmpp:chat-markers:0')?.attrs.id, stanzaId, 'dave gets the marker, and nothing before it');
  t.equal(wire.getChildElements().filter((c: Element) => c.getNS() === 'urn:xmpp:reactions:0').length, 0);
  const got = await event(t, aliceEvents, 'xmpp.muc.marker', (d) => d.nick === 'bob');
  t.same(got, { room: ROOM, nick: 'bob', private: false, id: stanzaId, marker: 'displayed' });
});

t.test('alice retracts her message by the room’s id: bob gets xmpp.muc.retract and no message, dave the XEP-0424 form', async (t) => {
  const res = await post('muc/retract', { room: ROOM, id: stanzaId }, alice.token);
  t.equal(res.status, 200);
  const got = await event(t, bobEvents, 'xmpp.muc.retract', (d) => d.nick === 'alice');
  t.same(got, { room: ROOM, nick: 'alice', private: false, id: stanzaId });
  const wire = await daveGetsFrom('alice');
  t.equal(wire.getChild('retract', 'urn:xmpp:message-retract:1')?.attrs.id, stanzaId);
  t.equal(wire.getChild('fallback', 'urn:xmpp:fallback:0')?.attrs.for, 'urn:xmpp:message-retract:1');
  t.ok(wire.getChildText('body'), 'with a fallback body');
  // Its fallback body is no xmpp.muc.message: once a later message has come, none carried that body.
  await post('muc/message', { room: ROOM, content: 'after' }, alice.token);
  await event(t, bobEvents, 'xmpp.muc.message', (d) => d.nick === 'alice' && d.content === 'after');
  const fallback = wire.getChildText('body');
  t.notOk(
    bobEvents.events.some((e) => e.event === 'xmpp.muc.message' && e.data.content === fallback),
    'no xmpp.muc.message for the fallback body',
  );
  await daveGetsFrom('alice');
});

t.test('oob: a room message with only a URL has it as body and x[jabber:x:oob]; bob’s event has oob', async (t) => {
  const url = 'https://upload.localhost/f/cauldron.png';
  const res = await post('muc/message', { room: ROOM, oob: { url, description: 'The cauldron' } }, alice.token);
  t.equal(res.status, 200);
  const wire = await daveGetsFrom('alice');
  t.equal(wire.getChildText('body'), url, 'body == url, as clients show it inline');
  const x = wire.getChild('x', 'jabber:x:oob');
  t.equal(x?.getChildText('url'), url);
  t.equal(x?.getChildText('desc'), 'The cauldron');
  const got = await event(t, bobEvents, 'xmpp.muc.message', (d) => d.nick === 'alice' && d.oob !== undefined);
  t.same(got.oob, { url, description: 'The cauldron' });
  t.equal(got.content, url);
});

t.test('oob on chat/message: dave gets the link', async (t) => {
  const url = 'https://upload.localhost/f/newt.jpg';
  const res = await post('chat/message', { to: dave.jid, content: 'Eye of newt', oob: { url } }, alice.token);
  t.equal(res.status, 200);
  const wire = await dave.waitFor((s) => s.is('message') && s.attrs.type === 'chat' && s.getChild('x', 'jabber:x:oob') !== undefined);
  t.equal(wire.getChildText('body'), 'Eye of newt', 'the content stays the body');
  t.equal(wire.getChild('x', 'jabber:x:oob')?.getChildText('url'), url);
  t.equal(wire.getChild('x', 'jabber:x:oob')?.getChild('desc'), undefined, 'no description, no <desc/>');
});

t.test('dave reacts privately to bob and in the room: bob gets both as xmpp.muc.reaction', async (t) => {
  await dave.send(
    xml(
      'message',
      { to: `${ROOM}/bob`, type: 'chat', id: 'p1' },
      xml('reactions', { xmlns: 'urn:xmpp:reactions:0', id: 'm9' }, xml('reaction', {}, '🐸')),
      xml('x', { xmlns: 'http://jabber.org/protocol/muc#user' }),
    ),
  );
  const priv = await event(t, bobEvents, 'xmpp.muc.reaction', (d) => d.nick === 'dave');
  t.same(priv, { room: ROOM, nick: 'dave', private: true, id: 'm9', reactions: ['🐸'] });
  const res = await post('muc/reaction', { room: ROOM, id: 'm9', reactions: [], to: 'dave' }, bob.token);
  t.equal(res.status, 200);
  const wire = await dave.waitFor((s) => s.is('message') && s.attrs.type === 'chat' && s.attrs.from === `${ROOM}/bob`);
  t.equal(wire.getChild('reactions', 'urn:xmpp:reactions:0')?.attrs.id, 'm9', 'a private reaction reaches dave through the room');
  t.equal(wire.getChild('reactions', 'urn:xmpp:reactions:0')?.getChildren('reaction').length, 0, 'empty: removed');
});
