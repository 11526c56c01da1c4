// Reactions (XEP-0444) and retractions (XEP-0424) beyond the live stream, against Prosody's mod_carbons
// and mod_mam: alice is online through the gateway (alice/gw, carbons enabled) and on her phone (a
// plain @xmpp/client peer); bob is a peer too. What the phone sends and what bob sends to the phone
// reaches the gateway as carbon copies (XEP-0280) and must come out as xmpp.chat.reaction /
// xmpp.chat.retract with the carbon direction; afterwards alice's archive must return the same
// reactions and retractions on its xmpp.mam.message items, in the live events' shape.
import t from 'tap';
import { xml } from '@xmpp/client';
import { startProsody, type TestUser } from '../../helpers/prosody.js';
import { connectPeer } from '../../helpers/peer.js';
import { startGateway } from '../../helpers/gateway.js';
import { eventSchemaProblem, loadRegistry } from '../../helpers/golden.js';

const REACTIONS = 'urn:xmpp:reactions:0';
const RETRACT = 'urn:xmpp:message-retract:1';
const HINTS = 'urn:xmpp:hints';

const prosody = await startProsody({ users: 2 });
const gw = await startGateway(prosody);
const [aliceUser, bobUser] = prosody.users as [TestUser, TestUser];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const stream = await gw.events({ token: alice.token });
const phone = await connectPeer(prosody, aliceUser, { resource: 'phone', presence: true });
const bob = await connectPeer(prosody, bobUser, { resource: 'pc', presence: true });
const reg = await loadRegistry();
t.teardown(async () => {
  stream.close();
  await phone.stop();
  await bob.stop();
  await gw.close();
  await prosody.stop();
});
const post = (path: string, body?: unknown) => gw.post(path, body, alice.token);
const phoneJid = `${aliceUser.jid}/phone`;
const alicePhone = { user: aliceUser.username, domain: 'localhost', resource: 'phone' };
const bobPc = { user: bobUser.username, domain: 'localhost', resource: 'pc' };
const bobBare = { user: bobUser.username, domain: 'localhost' };

const reaction = (to: string, id: string, target: string, list: string[]) =>
  xml(
    'message',
    { to, type: 'chat', id },
    xml('reactions', { xmlns: REACTIONS, id: target }, ...list.map((r) => xml('reaction', {}, r))),
    xml('store', { xmlns: HINTS }),
  );
// XEP-0424 §4 as a plain client sends it: the retraction, its XEP-0428 fallback body, a store hint.
const retraction = (to: string, id: string, target: string) =>
  xml(
    'message',
    { to, type: 'chat', id },
    xml('retract', { xmlns: RETRACT, id: target }),
    xml('fallback', { xmlns: 'urn:xmpp:fallback:0', for: RETRACT }),
    xml('body', {}, 'This person attempted to retract a previous message.'),
    xml('store', { xmlns: HINTS }),
  );

t.test('carbon copies of reactions and retractions arrive as the matching events with the carbon direction', async (t) => {
  t.same((await post('/v1/carbons/enable', {})).body, { ok: true });

  await phone.send(reaction(bobUser.jid, 'p-r1', 'b-1', ['👍', '🎉']));
  const sent = await stream.next((e) => e.event === 'xmpp.chat.reaction' && e.data.carbon === 'sent');
  t.same(sent.data, { from: alicePhone, to: bobBare, id: 'b-1', reactions: ['👍', '🎉'], carbon: 'sent' }, 'the phone’s reaction');
  t.equal(eventSchemaProblem(reg, { event: sent.event, data: sent.data }), undefined, 'valid against the event schema');

  await bob.send(reaction(phoneJid, 'b-r1', 'p-1', ['❤️']));
  const received = await stream.next((e) => e.event === 'xmpp.chat.reaction' && e.data.carbon === 'received');
  t.same(received.data, { from: bobPc, id: 'p-1', reactions: ['❤️'], carbon: 'received' }, 'bob’s reaction to the phone');

  await phone.send(retraction(bobUser.jid, 'p-x1', 'p-2'));
  const retractSent = await stream.next((e) => e.event === 'xmpp.chat.retract' && e.data.carbon === 'sent');
  t.same(retractSent.data, { from: alicePhone, to: bobBare, id: 'p-2', carbon: 'sent' }, 'the phone’s retraction');
  t.equal(eventSchemaProblem(reg, { event: retractSent.event, data: retractSent.data }), undefined, 'valid against the event schema');

  await bob.send(retraction(phoneJid, 'b-x1', 'b-2'));
  const retractReceived = await stream.next((e) => e.event === 'xmpp.chat.retract' && e.data.carbon === 'received');
  t.same(retractReceived.data, { from: bobPc, id: 'b-2', carbon: 'received' }, 'bob’s retraction to the phone');

  // A message after them: once it is here, every copy before it has been handled.
  await bob.send(xml('message', { to: `${aliceUser.jid}/gw`, type: 'chat', id: 'b-end' }, xml('body', {}, 'end')));
  await stream.next((e) => e.event === 'xmpp.chat.message' && e.data.id === 'b-end');
  const fallbacks = stream.events.filter((e) => e.event === 'xmpp.chat.message' && /retract/.test(String(e.data.content)));
  t.same(fallbacks, [], 'no retraction’s fallback body came as a chat message');
});

t.test('the archive returns the reactions and retractions in the live events’ shape', async (t) => {
  const res = await post('/v1/mam/query', { with: bobUser.jid, queryId: 'rx' });
  t.equal(res.status, 200, JSON.stringify(res.body));
  const messages = res.body.messages as Array<Record<string, unknown>>;
  const pick = (id: string) => messages.find((m) => m.id === id);
  const expect: Array<[string, Record<string, unknown>]> = [
    ['p-r1', { reaction: { id: 'b-1', reactions: ['👍', '🎉'] } }],
    ['b-r1', { reaction: { id: 'p-1', reactions: ['❤️'] } }],
    ['p-x1', { retract: { id: 'p-2' } }],
    ['b-x1', { retract: { id: 'b-2' } }],
  ];
  for (const [id, fields] of expect) {
    const m = pick(id);
    t.ok(m, `${id} is archived`);
    if (!m) continue;
    t.match(m, fields, `${id} carries ${Object.keys(fields)[0]}`);
    t.equal(m.content, undefined, `${id}: no content (a body beside it is its fallback)`);
    t.equal(eventSchemaProblem(reg, { event: 'xmpp.mam.message', data: m }), undefined, `${id}: valid xmpp.mam.message`);
  }
  t.same(pick('p-r1')?.from, alicePhone, 'sender as archived');
  t.same(pick('b-x1')?.from, bobPc);
  // The events are emitted before the answer, but the stream may deliver them after it.
  const last = messages[messages.length - 1];
  await stream.next((e) => e.event === 'xmpp.mam.message' && e.data.mam?.id === (last?.mam as { id?: string } | undefined)?.id);
  const events = stream.events.filter((e) => e.event === 'xmpp.mam.message' && e.data.mam?.queryId === 'rx');
  t.same(
    events.map((e) => e.data),
    messages,
    'the xmpp.mam.message events carry the same items',
  );
});

t.test('a room’s archive returns reactions and retractions too: muc/history and mam/query', async (t) => {
  const room = `rx@${prosody.mucDomain}`;
  const created = await post('/v1/muc/create', { room, nick: 'alice', instant: true });
  t.equal(created.status, 200, JSON.stringify(created.body));
  const said = await post('/v1/muc/message', { room, content: 'react to me' });
  const echo = await stream.next((e) => e.event === 'xmpp.muc.message' && e.data.id === said.body.id);
  const target = echo.data.archived?.[0]?.id as string;
  t.type(target, 'string', 'the room gave the message its stanza-id');
  const reacted = await post('/v1/muc/reaction', { room, id: target, reactions: ['🔥'] });
  t.equal(reacted.status, 200, JSON.stringify(reacted.body));
  await stream.next((e) => e.event === 'xmpp.muc.reaction' && e.data.id === target);
  const retracted = await post('/v1/muc/retract', { room, id: target });
  t.equal(retracted.status, 200, JSON.stringify(retracted.body));
  await stream.next((e) => e.event === 'xmpp.muc.retract' && e.data.id === target);

  const history = await post('/v1/muc/history', { room, rsm: { max: 10 } });
  t.equal(history.status, 200, JSON.stringify(history.body));
  const items = history.body.items as Array<Record<string, unknown>>;
  const reaction = items.find((m) => m.id === reacted.body.id);
  const retract = items.find((m) => m.id === retracted.body.id);
  t.match(reaction, { room, nick: 'alice', private: false, reaction: { id: target, reactions: ['🔥'] } }, 'muc/history: the reaction');
  t.match(retract, { room, nick: 'alice', private: false, retract: { id: target } }, 'muc/history: the retraction');
  t.equal(retract?.content, undefined, 'without its fallback body as content');

  const mam = await post('/v1/mam/query', { to: room, queryId: 'room-rx' });
  t.equal(mam.status, 200, JSON.stringify(mam.body));
  const messages = mam.body.messages as Array<Record<string, unknown>>;
  t.match(
    messages.find((m) => m.id === reacted.body.id),
    { type: 'groupchat', reaction: { id: target, reactions: ['🔥'] } },
    'mam/query on the room: the reaction',
  );
  t.match(
    messages.find((m) => m.id === retracted.body.id),
    { type: 'groupchat', retract: { id: target } },
    'and the retraction',
  );
});
