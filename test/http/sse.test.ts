// The event stream (docs/api.md §3): buffering, resume, several streams, heartbeat, gap, slow
// consumers, tickets, and isolation between sessions. Events come from a real peer via Prosody.
import t from 'tap';
import { xml } from '@xmpp/client';
import { startProsody } from '../helpers/prosody.js';
import { connectPeer } from '../helpers/peer.js';
import { startGateway } from '../helpers/gateway.js';
import { SseClient } from '../helpers/sse.js';

const prosody = await startProsody({ users: 4 });
const gw = await startGateway(prosody, { heartbeatS: 1, maxBacklogBytes: 256 * 1024 });
const small = await startGateway(prosody, { eventBufferSize: 3 });
const shortTickets = await startGateway(prosody, { ticketTtlS: 1 });
const [aliceUser, bobUser, carolUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0], (typeof prosody.users)[0]];
const bob = await connectPeer(prosody, bobUser);
t.teardown(async () => {
  await bob.stop();
  await gw.close();
  await small.close();
  await shortTickets.close();
  await prosody.stop();
});

const say = (to: string, body: string, id = body) => bob.send(xml('message', { to, type: 'chat', id }, xml('body', {}, body)));
const chats = (s: SseClient) => s.events.filter((e) => e.event === 'xmpp.chat.message').map((e) => e.data.content);

t.test('events that arrive with no stream open are delivered on connect, in order', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'buf' });
  const to = `${aliceUser.jid}/buf`;
  for (const body of ['one', 'two', 'three']) await say(to, body);
  await new Promise((r) => setTimeout(r, 300));
  const s = await gw.events({ token: a.token });
  await s.next((e) => e.data.content === 'three');
  t.same(s.events.map((e) => e.event).slice(0, 4), ['xmpp.connection', 'xmpp.chat.message', 'xmpp.chat.message', 'xmpp.chat.message']);
  t.same(chats(s), ['one', 'two', 'three']);
  const ids = s.events.map((e) => Number(e.id!.split('-')[1]));
  t.same(
    ids,
    [...ids].sort((x, y) => x - y),
    'ids increase in log order',
  );
  s.close();
  await gw.post('/v1/logout', {}, a.token);
});

t.test('resume with Last-Event-ID or ?lastEventId= replays exactly what followed', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'resume' });
  const to = `${aliceUser.jid}/resume`;
  const s1 = await gw.events({ token: a.token });
  await say(to, 'r1');
  const first = await s1.next((e) => e.data.content === 'r1');
  s1.close();
  await say(to, 'r2');
  await say(to, 'r3');
  await new Promise((r) => setTimeout(r, 300));
  const s2 = await gw.events({ token: a.token, lastEventId: first.id! });
  await s2.next((e) => e.data.content === 'r3');
  t.same(chats(s2), ['r2', 'r3'], 'header cursor: only what followed');
  t.notOk(s2.events.some((e) => e.event === 'xmpp.gateway.gap'));
  const s3 = await gw.events({ token: a.token, query: { lastEventId: first.id! } });
  await s3.next((e) => e.data.content === 'r3');
  t.same(chats(s3), ['r2', 'r3'], 'query cursor: same');
  await say(to, 'live');
  await s2.next((e) => e.data.content === 'live');
  await s3.next((e) => e.data.content === 'live');
  t.same(chats(s2), ['r2', 'r3', 'live'], 'then live, no duplicates');
  s2.close();
  s3.close();
  await gw.post('/v1/logout', {}, a.token);
});

t.test('two streams on one session both get every event with the same id', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'two' });
  const s1 = await gw.events({ token: a.token });
  const s2 = await gw.events({ token: a.token });
  await say(`${aliceUser.jid}/two`, 'both');
  const e1 = await s1.next((e) => e.data.content === 'both');
  const e2 = await s2.next((e) => e.data.content === 'both');
  t.equal(e1.id, e2.id);
  s1.close();
  s2.close();
  await gw.post('/v1/logout', {}, a.token);
});

t.test('heartbeat comments keep the stream open', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'hb' });
  const s = await gw.events({ token: a.token });
  const deadline = Date.now() + 3000;
  while (!s.comments.includes('keep-alive') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.ok(s.comments.includes('keep-alive'), 'a keep-alive comment within the heartbeat interval');
  s.close();
  await gw.post('/v1/logout', {}, a.token);
});

t.test('a cursor older than the buffer gets xmpp.gateway.gap, then what is left', async (t) => {
  const a = await small.login(aliceUser, { resource: 'gap' });
  const to = `${aliceUser.jid}/gap`;
  const s1 = await small.events({ token: a.token });
  const first = await s1.nextEvent('xmpp.connection');
  s1.close();
  for (const body of ['g1', 'g2', 'g3', 'g4', 'g5']) await say(to, body);
  await new Promise((r) => setTimeout(r, 300));
  const s2 = await small.events({ token: a.token, lastEventId: first.id! });
  await s2.next((e) => e.data.content === 'g5');
  t.equal(s2.events[0]?.event, 'xmpp.gateway.gap', 'gap comes first');
  t.same(chats(s2), ['g3', 'g4', 'g5'], 'the buffer holds the last 3');
  const s3 = await small.events({ token: a.token, lastEventId: 'not-a-cursor' });
  await s3.next((e) => e.data.content === 'g5');
  t.equal(s3.events[0]?.event, 'xmpp.gateway.gap', 'an unknown cursor is a gap too');
  s2.close();
  s3.close();
  await small.post('/v1/logout', {}, a.token);
});

t.test('a slow consumer is cut off past its backlog bound and resumes from its cursor', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'slow' });
  const to = `${aliceUser.jid}/slow`;
  const fast = await gw.events({ token: a.token });
  const slow = await gw.events({ token: a.token });
  await slow.nextEvent('xmpp.connection');
  slow.res!.pause();
  const big = 'x'.repeat(16 * 1024);
  const total = 600;
  for (let i = 0; i < total; i++) await bob.send(xml('message', { to, type: 'chat', id: `big-${i}` }, xml('body', {}, `${i}:${big}`)));
  await fast.next((e) => e.data.id === `big-${total - 1}`, 20000);
  t.equal(fast.events.filter((e) => e.event === 'xmpp.chat.message').length, total, 'the fast stream got everything');
  slow.res!.resume();
  await slow.waitEnded(10000);
  const got = slow.events.filter((e) => e.event === 'xmpp.chat.message');
  t.ok(got.length < total, `the slow stream was cut off after ${got.length} of ${total}`);
  const cursor = slow.events.at(-1)!.id!;
  const again = await gw.events({ token: a.token, lastEventId: cursor });
  await again.next((e) => e.data.id === `big-${total - 1}`, 20000);
  const resumed = again.events.filter((e) => e.event === 'xmpp.chat.message');
  t.equal(got.length + resumed.length, total, 'nothing lost, nothing twice');
  fast.close();
  again.close();
  await gw.post('/v1/logout', {}, a.token);
});

t.test('tickets: EventSource auth without headers; tokens are never accepted in a URL', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'tk' });
  const tk = await gw.post('/v1/events/ticket', {}, a.token);
  t.equal(tk.status, 200);
  t.type(tk.body.ticket, 'string');
  t.equal(tk.body.expiresIn, gw.config.ticketTtlS);
  const s = await gw.events({ ticket: tk.body.ticket });
  t.equal(s.status, 200);
  await s.nextEvent('xmpp.connection');
  const again = await gw.events({ ticket: tk.body.ticket });
  t.equal(again.status, 200, 'reusable until it expires (EventSource reconnects)');
  const bogus = await gw.events({ ticket: 'nope' });
  t.equal(bogus.status, 401);
  const inUrl = await gw.events({ query: { token: a.token } });
  t.equal(inUrl.status, 401, 'token in the URL is refused');
  t.match(JSON.parse(inUrl.body), { type: 'auth', condition: 'session-invalid' });
  const ticketAsBearer = await gw.post('/v1/chat/message', { to: bobUser.jid, content: 'x' }, tk.body.ticket);
  t.equal(ticketAsBearer.status, 401, 'a ticket is not a token');
  s.close();
  again.close();
  await gw.post('/v1/logout', {}, a.token);
  t.equal((await gw.events({ ticket: tk.body.ticket })).status, 401, 'logout revokes tickets');
});

t.test('one session never sees another session’s events', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'iso' });
  const c = await gw.login(carolUser, { resource: 'iso' });
  const sa = await gw.events({ token: a.token });
  const sc = await gw.events({ token: c.token });
  await say(`${aliceUser.jid}/iso`, 'for alice only');
  await say(`${carolUser.jid}/iso`, 'for carol');
  await sa.next((e) => e.data.content === 'for alice only');
  await sc.next((e) => e.data.content === 'for carol');
  t.same(chats(sc), ['for carol']);
  t.same(chats(sa), ['for alice only']);
  t.notOk(
    sc.events.some((e) => JSON.stringify(e.data).includes(aliceUser.username)),
    'nothing of alice on carol’s stream',
  );
  sa.close();
  sc.close();
  await gw.post('/v1/logout', {}, a.token);
  await gw.post('/v1/logout', {}, c.token);
});

t.test('a ticket that opened a stream outlives its lifetime (EventSource reconnects however late); an unused one expires', async (t) => {
  const a = await shortTickets.login(aliceUser, { resource: 'late' });
  const c = await shortTickets.login(carolUser, { resource: 'late' });
  const to = `${aliceUser.jid}/late`;
  const used: string = (await shortTickets.post('/v1/events/ticket', {}, a.token)).body.ticket;
  const unused: string = (await shortTickets.post('/v1/events/ticket', {}, a.token)).body.ticket;
  const s1 = await shortTickets.events({ ticket: used });
  const first = await s1.nextEvent('xmpp.connection');
  await new Promise((r) => setTimeout(r, 1500)); // past TICKET_TTL_S (1 s), the stream still open
  s1.close();
  await say(to, 'while dropped');
  // What EventSource does after a drop: the same URL, with Last-Event-ID.
  const s2 = await shortTickets.events({ ticket: used, lastEventId: first.id! });
  t.equal(s2.status, 200, 'the reconnection is accepted');
  await s2.next((e) => e.data.content === 'while dropped');
  t.same(chats(s2), ['while dropped'], 'and goes on from its cursor');
  t.equal((await shortTickets.events({ ticket: unused })).status, 401, 'a ticket never used expires');
  const mixed = await shortTickets.events({ token: c.token, ticket: used });
  t.equal(mixed.status, 401, 'a ticket opens only its own session’s stream');
  s2.close();
  await shortTickets.post('/v1/logout', {}, a.token);
  t.equal((await shortTickets.events({ ticket: used })).status, 401, 'logout revokes it');
  await shortTickets.post('/v1/logout', {}, c.token);
});
