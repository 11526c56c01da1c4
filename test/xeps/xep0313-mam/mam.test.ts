// XEP-0313 end to end on Prosody's mod_mam and muc_mam: two gateway sessions (alice, bob) and a peer
// client (carol) exchange messages; alice's archive is then queried with each filter and paged both
// ways to the end, a room's archive is queried, and preferences round-trip (`never` really stops
// archiving). Every message of every page is checked against what was sent, once each and in order.
import t, { type Test as TapTest } from 'tap';
import type { BuiltPlugins } from '@tapjs/test';
import { xml } from '@xmpp/client';
import { startProsody } from '../../helpers/prosody.js';
import { connectPeer } from '../../helpers/peer.js';
import { startGateway, type HttpResult } from '../../helpers/gateway.js';
import { eventSchemaProblem, loadRegistry } from '../../helpers/golden.js';
import type { SseEvent } from '../../helpers/sse.js';

type Test = TapTest & BuiltPlugins;

const prosody = await startProsody({ users: 3 });
// A small page cap, so that capping is seen with a handful of messages.
const gw = await startGateway(prosody, { mamMaxResults: 5 });
const [aliceUser, bobUser, carolUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0], (typeof prosody.users)[0]];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const bob = await gw.login(bobUser, { resource: 'gw' });
const aliceFull = `${aliceUser.jid}/gw`;
const bobFull = `${bobUser.jid}/gw`;
const aliceEvents = await gw.events({ token: alice.token });
const bobEvents = await gw.events({ token: bob.token });
const carol = await connectPeer(prosody, carolUser, { resource: 'peer', presence: true });
const reg = await loadRegistry();
t.teardown(async () => {
  await carol.stop();
  await gw.close();
  await prosody.stop();
});
await gw.post('/v1/presence', {}, alice.token);
await gw.post('/v1/presence', {}, bob.token);

const post = (path: string, body: unknown, token = alice.token) => gw.post(`/v1/${path}`, body, token);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sent {
  content: string;
  from: string;
  id: string;
}
/** Every message exchanged with bob, in the order the archive received them. */
const withBob: Sent[] = [];

/** alice → bob, once bob's session has it. */
async function aliceSays(content: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await post('chat/message', { to: bobFull, content, ...extra });
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  await bobEvents.next((e) => e.event === 'xmpp.chat.message' && e.data.id === res.body.id);
  withBob.push({ content, from: aliceFull, id: res.body.id });
  return res.body.id;
}
/** bob → alice, once alice's session has it. */
async function bobSays(content: string): Promise<string> {
  const res = await post('chat/message', { to: aliceFull, content }, bob.token);
  await aliceEvents.next((e) => e.event === 'xmpp.chat.message' && e.data.id === res.body.id);
  withBob.push({ content, from: bobFull, id: res.body.id });
  return res.body.id;
}

const full = (jid: string) => {
  const [bare, resource] = jid.split('/') as [string, string];
  const [user, domain] = bare.split('@') as [string, string];
  return { user, domain, resource };
};

/** A page, checked: 200, every message satisfies the event schema. */
async function query(t: Test, body: Record<string, unknown>): Promise<HttpResult> {
  const res = await post('mam/query', body);
  t.equal(res.status, 200, `mam/query ${JSON.stringify(body)}: ${res.status === 200 ? 'ok' : JSON.stringify(res.body)}`);
  for (const m of res.body.messages ?? []) {
    const problem = eventSchemaProblem(reg, { event: 'xmpp.mam.message', data: m });
    if (problem) t.fail(problem);
  }
  return res;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- archived messages are asserted field by field
const contents = (messages: any[]) => messages.map((m) => m.content);

let firstId = '';
let boundary = '';
t.test('two sessions exchange messages (and alice writes to carol)', async (t) => {
  firstId = await aliceSays('one');
  await aliceSays('two', { receipt: true });
  await aliceSays('<p>three <em>3</em></p>', { format: 'xhtml' });
  await aliceSays('one, corrected', { replace: firstId });
  await bobSays('four');
  // A whole second strictly between the two batches, for start/end.
  const stamp = Math.ceil(Date.now() / 1000) * 1000 + 1000;
  boundary = new Date(stamp).toISOString().replace('.000Z', 'Z');
  await sleep(stamp + 1000 - Date.now());
  await aliceSays('five');
  await bobSays('six');
  await aliceSays('seven');
  const toCarol = await post('chat/message', { to: carol.jid, content: 'for carol' });
  await carol.waitFor((s) => s.is('message') && s.attrs.id === toCarol.body.id);
  t.equal(withBob.length, 8);
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see contents()
let allWithBob: any[] = [];
t.test('with bob, forwards in pages of 3 to the end: each message once, in order, parsed as chat', async (t) => {
  const pages = [];
  let after: string | undefined;
  for (let i = 0; i < 10; i++) {
    const res = await query(t, { with: bobUser.jid, rsm: { max: 3, ...(after !== undefined && { after }) } });
    pages.push(res.body.messages);
    t.equal(res.body.stable, true);
    t.type(res.body.queryId, 'string');
    if (res.body.complete) break;
    t.equal(res.body.messages.length, 3, 'a full page until the end');
    after = res.body.rsm.last;
    t.equal(after, res.body.messages[2].mam.id, 'rsm.last is the last message’s archive id');
  }
  allWithBob = pages.flat();
  t.same(
    contents(allWithBob),
    withBob.map((m) => m.content),
    'everything sent, once, in order',
  );
  t.same(
    allWithBob.map((m) => m.id),
    withBob.map((m) => m.id),
    'the stanza ids are the sent ones',
  );
  t.same(new Set(allWithBob.map((m) => m.mam.id)).size, allWithBob.length, 'distinct archive ids');
  const [one, two, three, corrected, four] = allWithBob;
  t.same(one.from, full(aliceFull));
  t.same(one.mam.to, full(bobFull));
  t.same(four.from, full(bobFull));
  t.same(four.mam.to, full(aliceFull));
  t.match(one, { type: 'chat', format: 'plain', delay: { when: String } });
  t.equal(two.receipt, true, 'the receipt request (XEP-0184) is parsed');
  t.match(three, { format: 'xhtml', content: '<p>three <em>3</em></p>' }, 'XHTML-IM is parsed');
  t.equal(corrected.replace, firstId, 'the correction (XEP-0308) is parsed');
});

t.test('backwards from the last page to the first: the same messages', async (t) => {
  const last = await query(t, { with: bobUser.jid, rsm: { max: 3, before: '' } });
  t.same(contents(last.body.messages), ['five', 'six', 'seven'], '`before: ""` is the last page');
  t.equal(last.body.complete, false);
  const pages = [last.body.messages];
  let before = last.body.rsm.first;
  for (let i = 0; i < 10; i++) {
    const res = await query(t, { with: bobUser.jid, rsm: { max: 3, before } });
    pages.unshift(res.body.messages);
    if (res.body.complete) break;
    before = res.body.rsm.first;
  }
  t.same(
    pages.flat().map((m) => m.mam.id),
    allWithBob.map((m) => m.mam.id),
    'paged back to the start, nothing twice, nothing missing',
  );
});

t.test('start, end and with filter as the XEP says', async (t) => {
  const after = await query(t, { with: bobUser.jid, start: boundary });
  t.same(contents(after.body.messages), ['five', 'six', 'seven']);
  t.equal(after.body.complete, true);
  const before = await query(t, { with: bobUser.jid, end: boundary });
  t.same(contents(before.body.messages), ['one', 'two', '<p>three <em>3</em></p>', 'one, corrected', 'four']);
  const carolOnly = await query(t, { with: carolUser.jid });
  t.same(contents(carolOnly.body.messages), ['for carol']);
  t.same(carolOnly.body.messages[0].mam.to, full(carol.jid));
  const everything = await query(t, { start: boundary });
  t.same(contents(everything.body.messages), ['five', 'six', 'seven', 'for carol'], 'no with: every correspondent');
});

t.test('the extended filters (Prosody advertises urn:xmpp:mam:2#extended): ids, afterId, beforeId', async (t) => {
  const [, two, , , four, five] = allWithBob;
  const ids = await query(t, { ids: [four.mam.id, two.mam.id] });
  t.same(contents(ids.body.messages), ['two', 'four'], 'exactly these, in archive order');
  const afterId = await query(t, { with: bobUser.jid, afterId: five.mam.id });
  t.same(contents(afterId.body.messages), ['six', 'seven']);
  const between = await query(t, { with: bobUser.jid, afterId: two.mam.id, beforeId: five.mam.id });
  t.same(contents(between.body.messages), ['<p>three <em>3</em></p>', 'one, corrected', 'four']);
});

t.test('the page is capped at MAM_MAX_RESULTS and pages on from there', async (t) => {
  const big = await query(t, { with: bobUser.jid, rsm: { max: 50 } });
  t.equal(big.body.messages.length, 5, 'max 50 lowered to 5');
  t.equal(big.body.complete, false);
  const rest = await query(t, { with: bobUser.jid, rsm: { after: big.body.rsm.last } });
  t.same(contents([...big.body.messages, ...rest.body.messages]), contents(allWithBob));
  t.equal(rest.body.complete, true);
});

t.test('each message is also an xmpp.mam.message event tagged with the queryId', async (t) => {
  const from = aliceEvents.events.length;
  const res = await query(t, { queryId: 'mine', with: bobUser.jid, rsm: { max: 4 } });
  t.equal(res.body.queryId, 'mine');
  const events: SseEvent[] = [];
  for (const m of res.body.messages) {
    const e = await aliceEvents.next((x) => x.event === 'xmpp.mam.message' && x.data.mam.id === m.mam.id, 5000, from);
    events.push(e);
  }
  t.same(
    events.map((e) => e.data),
    res.body.messages,
    'the events carry the answer’s messages',
  );
  t.ok(
    events.every((e) => e.data.mam.queryId === 'mine'),
    'tagged with the queryId',
  );
  t.ok(
    events.every((e, i) => i === 0 || aliceEvents.events.indexOf(e) > aliceEvents.events.indexOf(events[i - 1]!)),
    'in archive order',
  );
  t.notOk(
    bobEvents.events.some((e) => e.event === 'xmpp.mam.message'),
    'another session sees none of them',
  );
});

t.test('a room’s archive: its last page, then back to the start', async (t) => {
  const room = `lounge@${prosody.mucDomain}`;
  const created = await post('muc/create', { room, nick: 'alice', instant: true });
  t.equal(created.status, 200, JSON.stringify(created.body));
  const said: string[] = [];
  for (const content of ['first in the room', 'second in the room', 'third in the room']) {
    const res = await post('muc/message', { room, content });
    await aliceEvents.next((e) => e.event === 'xmpp.muc.message' && e.data.id === res.body.id);
    said.push(res.body.id);
  }
  const last = await query(t, { to: room, rsm: { max: 2, before: '' } });
  t.same(contents(last.body.messages), ['second in the room', 'third in the room']);
  t.equal(last.body.complete, false);
  t.same(last.body.messages[0].from, { user: 'lounge', domain: prosody.mucDomain, resource: 'alice' });
  t.equal(last.body.messages[0].type, 'groupchat');
  const first = await query(t, { to: room, rsm: { max: 2, before: last.body.rsm.first } });
  t.same(contents(first.body.messages), ['first in the room']);
  t.equal(first.body.complete, true);
  t.same(
    [...first.body.messages, ...last.body.messages].map((m) => m.id),
    said,
  );
  const history = await post('muc/history', { room, rsm: { max: 10 } });
  t.equal(history.status, 200, 'muc/history still works with the results now received by the MAM area');
  t.same(
    history.body.items.map((m: { content: string }) => m.content),
    ['first in the room', 'second in the room', 'third in the room'],
  );
});

t.test('preferences round-trip, and `never` really stops archiving', async (t) => {
  const initial = await post('mam/preferences/get', {});
  t.equal(initial.status, 200);
  t.match(initial.body, { default: String, always: Array, never: Array });
  const set = await post('mam/preferences', { default: 'always', always: [bobUser.jid], never: [carolUser.jid] });
  t.same(set.body, { ok: true });
  const got = await post('mam/preferences/get', {});
  t.same(got.body, { default: 'always', always: [bobUser.jid], never: [carolUser.jid] });

  await carol.send(xml('message', { to: aliceFull, type: 'chat', id: 'c-never' }, xml('body', {}, 'not for the archive')));
  await aliceEvents.next((e) => e.event === 'xmpp.chat.message' && e.data.id === 'c-never');
  await bobSays('still archived');
  const carols = await query(t, { with: carolUser.jid });
  t.same(contents(carols.body.messages), ['for carol'], 'nothing with carol after `never`');
  const bobs = await query(t, { with: bobUser.jid, rsm: { before: '', max: 1 } });
  t.same(contents(bobs.body.messages), ['still archived']);

  const cleared = await post('mam/preferences', { default: 'roster' });
  t.same(cleared.body, { ok: true });
  t.same((await post('mam/preferences/get', {})).body, { default: 'roster', always: [], never: [] }, 'lists left out are emptied');
});

t.test('bad input: 400 with the XMPP-FTW messages, nothing sent', async (t) => {
  const cases: Array<[string, unknown, string]> = [
    ['mam/preferences', {}, "Missing 'default' key"],
    ['mam/preferences', { default: 'always', always: bobUser.jid }, "'always' should be an array"],
    ['mam/preferences', { default: 'always', never: 'x' }, "'never' should be an array"],
    ['mam/preferences', { default: 'sometimes' }, "'default' must be one of: always, never, roster"],
    ['mam/query', { to: `${bobUser.jid}/gw` }, "'to' must be a bare JID (an archive)"],
    ['mam/query', { node: 'urn:xmpp:microblog:0' }, "'node' needs 'to', the PubSub service"],
    ['mam/query', { start: 'last week' }, "'start' must be a valid date-time"],
    ['mam/query', { with: 'bob@' }, "Invalid JID in 'with' key"],
    ['mam/query', { rsm: { max: -1 } }, "'rsm.max' is out of range (must be >= 0)"],
    ['mam/query', { ids: 'a1' }, "'ids' must be an array"],
  ];
  for (const [path, body, description] of cases) {
    const res = await post(path, body);
    t.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
    t.same(res.body, { type: 'modify', condition: 'client-error', description, request: body });
  }
});
