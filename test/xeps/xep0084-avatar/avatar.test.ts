// XEP-0084 end to end against Prosody's PEP (mod_pep). Sessions: alice (user1) publishes her avatar;
// bob (user2) and carol (user3) are her contacts (mutual presence subscription, RFC 6121 §3: PEP's
// default access model is "presence"). Bob asks for notifications the XEP-0163 §4 way (`+notify` in
// his caps, pubsub/pep/interests); carol subscribes explicitly (avatar/subscribe). Every notification
// must reach a stream exactly as its registry schema says, and the metadata node only as
// xmpp.avatar.push.metadata, never also as xmpp.pubsub.push.item.
//
// Prosody 0.12 quirk (mod_pep.lua, the iq-result/bare/disco hook): when it learns a caps hash from a
// user's answer to the disco#info query about their own presence, it also registers the user's
// BARE JID as a +notify recipient at every local contact's PEP service ("Fiddle with other local
// users"), beside the full JID it registers from the contact's own query. Each notification is then
// sent twice (to bare and to full JID, with the same id) and reaches the resource twice, when the
// hash is new to Prosody, as bob's is here. The gateway makes one event of the two (a repeated
// pubsub#event message, same from and id, is dropped: src/xmpp/incoming.ts), so every count below
// is exact; test/xeps/xep0060-pubsub/pep-duplicate.test.ts shows the duplicate on the wire.
import { createHash, randomBytes } from 'node:crypto';
import t, { type Test as TapTest } from 'tap';
import { startProsody, type TestUser } from '../../helpers/prosody.js';
import { befriend, startGateway } from '../../helpers/gateway.js';
import type { SseClient, SseEvent } from '../../helpers/sse.js';
import { eventSchemaProblem, loadRegistry } from '../../helpers/golden.js';

const METADATA = 'urn:xmpp:avatar:metadata';
const OTHER_NODE = 'urn:xmpp:gateway-test:avatar-neighbour';
const MAX_BYTES = 4096;

const prosody = await startProsody({ users: 3, lean: true });
const gw = await startGateway(prosody, { avatarMaxBytes: MAX_BYTES });
const [aliceUser, bobUser, carolUser] = prosody.users as [TestUser, TestUser, TestUser];
const reg = await loadRegistry();

await befriend(gw, aliceUser, bobUser);
await befriend(gw, aliceUser, carolUser);

const alice = await gw.login(aliceUser, { resource: 'gw' });
const bob = await gw.login(bobUser, { resource: 'gw' });
const carol = await gw.login(carolUser, { resource: 'gw' });
const bobEvents = await gw.events({ token: bob.token });
const carolEvents = await gw.events({ token: carol.token });

/** Asks for notifications of the metadata node and one other PEP node (XEP-0163 §4), then goes available. */
async function interested(token: string): Promise<void> {
  const res = await gw.post('/v1/pubsub/pep/interests', { nodes: [METADATA, OTHER_NODE] }, token);
  if (res.status !== 200) throw new Error(`pep/interests: ${res.status} ${JSON.stringify(res.body)}`);
  // The caps hash naming them goes out with the presence; notifications reach available resources only (RFC 6121 §8.5.2.1.1).
  await gw.post('/v1/presence', {}, token);
}
await interested(bob.token);
for (const s of [alice, carol]) await gw.post('/v1/presence', {}, s.token);
// Prosody learns bob's interests by asking his resource (XEP-0115 §6.2): until then a notification
// reaches nobody. Alice publishes to the other node until bob is notified.
for (let i = 1; !bobEvents.events.some((e) => e.event === 'xmpp.pubsub.push.item' && e.data.node === OTHER_NODE); i++) {
  if (i > 20) throw new Error('bob was never notified: Prosody did not learn his interests');
  await gw.post('/v1/pubsub/publish', { node: OTHER_NODE, id: `ready-${i}`, content: 'ready' }, alice.token);
  await new Promise((r) => setTimeout(r, 300));
}
t.teardown(async () => {
  bobEvents.close();
  carolEvents.close();
  await gw.close();
  await prosody.stop();
});

const aliceJid = { user: aliceUser.username, domain: 'localhost' };

/** Events of a stream since `from` that `pick` selects, after a quiet time (to catch duplicates). */
async function settled(stream: SseClient, from: number, pick: (e: SseEvent) => boolean, want: number, quietMs = 500): Promise<SseEvent[]> {
  const deadline = Date.now() + 10_000;
  const got = () => stream.events.slice(from).filter(pick);
  while (got().length < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, quietMs));
  return got();
}

function schemaOk(tt: TapTest, e: SseEvent) {
  tt.equal(eventSchemaProblem(reg, { event: e.event, data: e.data }), undefined, `${e.event} matches its schema`);
}

const isMetadata = (e: SseEvent) => e.event === 'xmpp.avatar.push.metadata';
const isItemOf = (node: string) => (e: SseEvent) => e.event === 'xmpp.pubsub.push.item' && e.data.node === node;

t.test('upload, metadata: a contact with +notify gets push.metadata and fetches the same bytes', async (tt) => {
  const image = randomBytes(3000);
  const sha1 = createHash('sha1').update(image).digest('hex');
  const up = await gw.post('/v1/avatar/upload', { content: image.toString('base64') }, alice.token);
  tt.same([up.status, up.body], [200, { id: sha1 }], 'the id is the SHA-1 of the decoded bytes (XEP-0084 §4.1)');

  const from = bobEvents.events.length;
  const meta = await gw.post(
    '/v1/avatar/metadata',
    { bytes: image.length, id: sha1, type: 'image/png', width: 48, height: 48 },
    alice.token,
  );
  tt.same([meta.status, meta.body], [200, { ok: true }], JSON.stringify(meta.body));

  const pushes = await settled(bobEvents, from, isMetadata, 1);
  tt.equal(pushes.length, 1, 'exactly one xmpp.avatar.push.metadata');
  const push = pushes[0]!;
  schemaOk(tt, push);
  tt.same(push.data, {
    from: aliceJid,
    avatars: [{ id: sha1, bytes: String(image.length), type: 'image/png', width: '48', height: '48' }],
  });
  tt.same(bobEvents.events.slice(from).filter(isItemOf(METADATA)), [], 'not also an xmpp.pubsub.push.item');

  const data = await gw.post('/v1/avatar/data', { of: aliceUser.jid, id: sha1 }, bob.token);
  tt.equal(data.status, 200, JSON.stringify(data.body));
  const fetched = Buffer.from(data.body.content as string, 'base64');
  tt.ok(fetched.equals(image), `the ${image.length} bytes round-trip exactly`);
  tt.equal(createHash('sha1').update(fetched).digest('hex'), sha1);

  const missing = await gw.post('/v1/avatar/data', { of: aliceUser.jid, id: 'no-such-avatar' }, bob.token);
  tt.equal(missing.status, 404, `an unknown id: ${JSON.stringify(missing.body)}`);
});

t.test('metadata with additional formats, then disable: both reach the contact', async (tt) => {
  let from = bobEvents.events.length;
  const extra = {
    id: '222f4b3c50d7b0df729d299bc6f8e9ef9066971f',
    url: 'https://avatars.example.org/a.gif',
    bytes: 2345,
    type: 'image/gif',
  };
  const res = await gw.post('/v1/avatar/metadata', { bytes: 10, id: 'main-1', type: 'image/png', additional: [extra] }, alice.token);
  tt.same([res.status, res.body], [200, { ok: true }]);
  const [push] = await settled(bobEvents, from, isMetadata, 1);
  tt.same(push?.data.avatars, [
    { id: 'main-1', bytes: '10', type: 'image/png' },
    { id: extra.id, bytes: '2345', type: 'image/gif', url: extra.url },
  ]);

  from = bobEvents.events.length;
  const off = await gw.post('/v1/avatar/metadata', { disable: true }, alice.token);
  tt.same([off.status, off.body], [200, { ok: true }]);
  const pushes = await settled(bobEvents, from, isMetadata, 1);
  tt.equal(pushes.length, 1);
  schemaOk(tt, pushes[0]!);
  tt.same(pushes[0]!.data, { from: aliceJid, disabled: true }, 'empty metadata: disabled');
});

t.test('a contact’s other PEP node still arrives as xmpp.pubsub.push.item, exactly once', async (tt) => {
  const from = bobEvents.events.length;
  const pub = await gw.post('/v1/pubsub/publish', { node: OTHER_NODE, id: 'current', content: 'neighbour' }, alice.token);
  tt.same([pub.status, pub.body], [200, { id: 'current' }], JSON.stringify(pub.body));
  const items = await settled(bobEvents, from, isItemOf(OTHER_NODE), 1);
  tt.equal(items.length, 1, 'exactly one push.item');
  schemaOk(tt, items[0]!);
  tt.same(items[0]!.data, { from: aliceUser.jid, node: OTHER_NODE, id: 'current', publisher: aliceJid, entry: { body: 'neighbour' } });
  tt.same(bobEvents.events.slice(from).filter(isMetadata), [], 'no avatar event for another node');
});

t.test('avatar/subscribe: an explicit subscription without +notify; unsubscribe ends it', async (tt) => {
  const before = carolEvents.events.length;
  await gw.post('/v1/avatar/metadata', { bytes: 1, id: 'before-subscribe', type: 'image/png' }, alice.token);
  tt.same(await settled(carolEvents, before, isMetadata, 0), [], 'no interest, no subscription: nothing');

  const sub = await gw.post('/v1/avatar/subscribe', { of: aliceUser.jid }, carol.token);
  tt.equal(sub.status, 200, JSON.stringify(sub.body));
  tt.equal(sub.body.subscription, 'subscribed');
  // XEP-0060 §6.1.7: the service sends the last published item on subscription. It may arrive on the
  // stream after the subscribe answer (another HTTP connection): wait for it before counting on.
  const last = await settled(carolEvents, before, isMetadata, 1);
  tt.same(
    last.map((e) => e.data.avatars?.[0]?.id),
    ['before-subscribe'],
    'the subscription brings the last published metadata',
  );

  let from = carolEvents.events.length;
  await gw.post('/v1/avatar/metadata', { bytes: 2, id: 'subscribed-1', type: 'image/png' }, alice.token);
  const pushes = await settled(carolEvents, from, isMetadata, 1);
  tt.same(
    pushes.map((e) => e.data.avatars?.[0]?.id),
    ['subscribed-1'],
    'one notification, of the new metadata',
  );
  tt.same(carolEvents.events.slice(from).filter(isItemOf(METADATA)), []);

  const unsub = await gw.post('/v1/avatar/unsubscribe', { of: aliceUser.jid }, carol.token);
  tt.same([unsub.status, unsub.body], [200, { ok: true }], JSON.stringify(unsub.body));
  from = carolEvents.events.length;
  await gw.post('/v1/avatar/metadata', { bytes: 3, id: 'after-unsubscribe', type: 'image/png' }, alice.token);
  tt.same(await settled(carolEvents, from, isMetadata, 0), [], 'unsubscribed: nothing');
});

t.test('over AVATAR_MAX_BYTES: 413 and nothing published', async (tt) => {
  const image = randomBytes(MAX_BYTES + 1);
  const sha1 = createHash('sha1').update(image).digest('hex');
  const res = await gw.post('/v1/avatar/upload', { content: image.toString('base64') }, alice.token);
  tt.equal(res.status, 413);
  tt.same(res.body, {
    type: 'modify',
    condition: 'client-error',
    description: `Image is larger than ${MAX_BYTES} bytes (AVATAR_MAX_BYTES)`,
  });
  const data = await gw.post('/v1/avatar/data', { of: aliceUser.jid, id: sha1 }, alice.token);
  tt.equal(data.status, 404, 'no such item on the data node');

  const limit = randomBytes(MAX_BYTES);
  const ok = await gw.post('/v1/avatar/upload', { content: limit.toString('base64') }, alice.token);
  tt.same([ok.status, ok.body], [200, { id: createHash('sha1').update(limit).digest('hex') }], 'exactly at the limit: published');
});

t.test('bad input: 400 with the catalogue’s messages, and nothing sent', async (tt) => {
  const current = await gw.post('/v1/pubsub/retrieve', { node: METADATA }, alice.token);
  tt.equal(current.status, 200, JSON.stringify(current.body));
  const cases: Array<[string, unknown, string]> = [
    ['/v1/avatar/upload', {}, "Missing 'content' key"],
    ['/v1/avatar/upload', { content: '' }, "Missing 'content' key"],
    ['/v1/avatar/upload', { content: 5 }, 'Image content should be a string'],
    ['/v1/avatar/upload', { content: 'AAAA', id: 7 }, 'Avatar id should be a string'],
    [
      '/v1/avatar/upload',
      { content: 'not base64' },
      'Image content should be base64 (RFC 4648 §4: A-Z a-z 0-9 + /, padded with =, no whitespace)',
    ],
    ['/v1/avatar/metadata', { id: 'x', type: 'image/png' }, "Missing 'bytes' key"],
    ['/v1/avatar/metadata', { bytes: 1, type: 'image/png' }, "Missing 'id' key"],
    ['/v1/avatar/metadata', { bytes: 1, id: 'x' }, "Missing 'type' key"],
    ['/v1/avatar/metadata', { bytes: 1, id: 'x', type: 'image/png', additional: 'no' }, 'Additional must be an array'],
    [
      '/v1/avatar/metadata',
      { bytes: 1, id: 'x', type: 'image/png', additional: [{ url: 'https://a.example/x', bytes: 1, type: 'image/gif' }] },
      "Missing 'id' key in additional",
    ],
    [
      '/v1/avatar/metadata',
      { bytes: 1, id: 'x', type: 'image/png', additional: [{ id: 'y', bytes: 1, type: 'image/gif' }] },
      "Missing 'url' key in additional",
    ],
    [
      '/v1/avatar/metadata',
      { bytes: 1, id: 'x', type: 'image/png', additional: [{ id: 'y', url: 'https://a.example/y', type: 'image/gif' }] },
      "Missing 'bytes' key in additional",
    ],
    [
      '/v1/avatar/metadata',
      { bytes: 1, id: 'x', type: 'image/png', additional: [{ id: 'y', url: 'https://a.example/y', bytes: 1 }] },
      "Missing 'type' key in additional",
    ],
    ['/v1/avatar/data', { id: 'x' }, "Missing 'of' key"],
    ['/v1/avatar/data', { of: aliceUser.jid }, "Missing 'id' key"],
    ['/v1/avatar/subscribe', {}, "Missing 'of' key"],
    ['/v1/avatar/unsubscribe', {}, "Missing 'of' key"],
  ];
  for (const [path, body, description] of cases) {
    const res = await gw.post(path, body, alice.token);
    tt.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
    tt.equal(res.body.description, description);
    tt.equal(res.body.condition, 'client-error');
  }
  const after = await gw.post('/v1/pubsub/retrieve', { node: METADATA }, alice.token);
  tt.same(after.body, current.body, 'the metadata node is as it was: no refused request reached it');
});
