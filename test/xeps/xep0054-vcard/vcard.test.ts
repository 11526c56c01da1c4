// XEP-0054 vCards and XEP-0153 presence avatars end to end against Prosody's mod_vcard (the harness
// enables it; vCards are stored as sent). alice (user1) and bob (user2) are mutual contacts; carol
// (user3) never sets a vCard. Every answer must also be what its registry schema says.
import { createHash, randomBytes } from 'node:crypto';
import t from 'tap';
import { startProsody, type TestUser } from '../../helpers/prosody.js';
import { befriend, startGateway } from '../../helpers/gateway.js';
import type { SseEvent } from '../../helpers/sse.js';
import { eventSchemaProblem, loadRegistry, schemaProblem } from '../../helpers/golden.js';

const MAX_BYTES = 4096;
const prosody = await startProsody({ users: 3, lean: true });
const gw = await startGateway(prosody, { avatarMaxBytes: MAX_BYTES });
const [aliceUser, bobUser, carolUser] = prosody.users as [TestUser, TestUser, TestUser];
const reg = await loadRegistry();

await befriend(gw, aliceUser, bobUser);

const alice = await gw.login(aliceUser, { resource: 'gw' });
const bob = await gw.login(bobUser, { resource: 'gw' });
const bobEvents = await gw.events({ token: bob.token });
await gw.post('/v1/presence', {}, bob.token);
t.teardown(async () => {
  bobEvents.close();
  await gw.close();
  await prosody.stop();
});

const photoBytes = randomBytes(1500);
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

const card = {
  fn: 'Alice Liddell',
  n: { family: 'Liddell', given: 'Alice', middle: '' },
  nickname: 'alice',
  url: 'https://example.org/alice',
  bday: '1852-05-04',
  email: [{ userid: 'alice@example.org', types: ['internet', 'pref'] }, { userid: 'a@work.example' }],
  tel: [{ number: '+44 1865 000000', types: ['home', 'voice'] }],
  adr: [{ types: ['home'], street: 'Christ Church', locality: 'Oxford', pcode: 'OX1 1DP', ctry: 'UK' }],
  jabberid: aliceUser.jid,
  org: { name: 'Wonderland', unit: 'Looking-Glass' },
  title: 'Explorer',
  role: 'Dreamer',
  desc: 'Curiouser & curiouser <3',
  photo: { type: 'image/png', binval: photoBytes.toString('base64') },
  raw: '<X-PET>cat</X-PET><geo xmlns="urn:example:geo"><lat>51.75</lat></geo>',
};

const responseProblem = (action: string, body: unknown) => {
  const spec = reg.actions.get(action);
  return spec ? schemaProblem(spec.response, body) : `no action ${action}`;
};

/** The next xmpp.presence from alice on bob's stream that carries an avatar, after index `from`. */
const aliceAvatarPresence = (from: number): Promise<SseEvent> =>
  bobEvents.next(
    (e) => e.event === 'xmpp.presence' && e.data.from?.user === aliceUser.username && e.data.avatar !== undefined,
    10_000,
    from,
  );

t.test('a user without a vCard: 404 item-not-found', async (tt) => {
  const res = await gw.post('/v1/vcard/get', { of: carolUser.jid }, bob.token);
  tt.same([res.status, res.body], [404, { type: 'cancel', condition: 'item-not-found' }]);
});

t.test('vcard/set, then the own vcard/get answers exactly what was set (photo bytes included)', async (tt) => {
  const set = await gw.post('/v1/vcard/set', card, alice.token);
  tt.same([set.status, set.body], [200, { ok: true }], JSON.stringify(set.body));
  const got = await gw.post('/v1/vcard/get', {}, alice.token);
  tt.equal(got.status, 200, JSON.stringify(got.body));
  tt.same(got.body, card, 'exact round trip, raw elements included');
  tt.equal(responseProblem('vcard.get', got.body), undefined, 'the answer matches its schema');
  const photo = (got.body as typeof card).photo;
  tt.ok(Buffer.from(photo.binval, 'base64').equals(photoBytes), 'the photo bytes come back unchanged');
});

t.test('a contact gets the vCard with `of`', async (tt) => {
  const got = await gw.post('/v1/vcard/get', { of: aliceUser.jid }, bob.token);
  tt.equal(got.status, 200, JSON.stringify(got.body));
  tt.same(got.body, card);
});

t.test('XEP-0153: after vcard/set, the owner’s presence carries the SHA-1 of the photo bytes', async (tt) => {
  const from = bobEvents.events.length;
  const sent = await gw.post('/v1/presence', { status: 'with photo' }, alice.token);
  tt.equal(sent.status, 200);
  const presence = await aliceAvatarPresence(from);
  tt.same(presence.data.avatar, { hash: sha1(photoBytes) });
  tt.equal(presence.data.status, 'with photo');
  tt.equal(eventSchemaProblem(reg, { event: presence.event, data: presence.data }), undefined, 'the event matches its schema');
});

t.test('a new session learns the hash from vcard/get of its own vCard', async (tt) => {
  const other = await gw.login(aliceUser, { resource: 'second' });
  tt.teardown(() => gw.post('/v1/logout', {}, other.token).then(() => undefined));
  // Before it knows, its presence says nothing of an avatar (XEP-0153 §4.2 lets it wait).
  let from = bobEvents.events.length;
  await gw.post('/v1/presence', { status: 'not yet' }, other.token);
  const plain = await bobEvents.next((e) => e.event === 'xmpp.presence' && e.data.status === 'not yet', 10_000, from);
  tt.equal(plain.data.avatar, undefined, 'no hash before the session knows the vCard');
  const got = await gw.post('/v1/vcard/get', {}, other.token);
  tt.equal(got.status, 200);
  from = bobEvents.events.length;
  await gw.post('/v1/presence', { status: 'now' }, other.token);
  const presence = await aliceAvatarPresence(from);
  tt.same(presence.data.avatar, { hash: sha1(photoBytes) });
  tt.equal(presence.data.from.resource, 'second');
});

t.test('bad input: 400 (413 for a photo over AVATAR_MAX_BYTES), and the stored vCard is untouched', async (tt) => {
  const cases: Array<[unknown, number, string]> = [
    [{ fn: 'x', gender: 'f' }, 400, "Unknown key 'gender'"],
    [{ photo: 'x.png' }, 400, "'photo' must be an object"],
    [{ email: [{ types: ['home'] }] }, 400, "Missing 'userid' key"],
    [
      { tel: [{ number: '1', types: ['mobile'] }] },
      400,
      "'tel.0.types.0' must be one of: home, work, voice, fax, pager, msg, cell, video, bbs, modem, isdn, pcs, pref",
    ],
    [
      { photo: { binval: 'not base64!' } },
      400,
      "'photo.binval' should be base64 (RFC 4648 §4: A-Z a-z 0-9 + /, padded with =, no whitespace)",
    ],
    [{ photo: { binval: 'AAAA', extval: 'https://example.org/a.png' } }, 400, "'photo' takes binval or extval, not both"],
    [{ raw: '<X-PET>cat' }, 400, "'raw' is not well-formed XML: Incomplete document"],
    [{ raw: 'text <X-PET>cat</X-PET>' }, 400, "'raw' must hold XML elements only, no text outside them"],
    [
      { photo: { binval: randomBytes(MAX_BYTES + 1).toString('base64') } },
      413,
      `Photo is larger than ${MAX_BYTES} bytes (AVATAR_MAX_BYTES)`,
    ],
  ];
  for (const [body, status, description] of cases) {
    const res = await gw.post('/v1/vcard/set', body, alice.token);
    tt.equal(res.status, status, JSON.stringify(body).slice(0, 80));
    tt.equal((res.body as { description?: string }).description, description);
  }
  const bad = await gw.post('/v1/vcard/get', { of: 'not a jid@@' }, alice.token);
  tt.same([bad.status, (bad.body as { description?: string }).description], [400, "Invalid JID in 'of' key"]);
  const got = await gw.post('/v1/vcard/get', {}, alice.token);
  tt.same(got.body, card, 'nothing was sent: the vCard is still the one set before');
});

t.test('a photo exactly at AVATAR_MAX_BYTES is stored; removing the photo makes the hash ""', async (tt) => {
  const limit = randomBytes(MAX_BYTES);
  const atLimit = { fn: 'Alice', photo: { binval: limit.toString('base64') } };
  const set = await gw.post('/v1/vcard/set', atLimit, alice.token);
  tt.same([set.status, set.body], [200, { ok: true }]);
  tt.same((await gw.post('/v1/vcard/get', { of: aliceUser.jid }, bob.token)).body, atLimit);
  let from = bobEvents.events.length;
  await gw.post('/v1/presence', {}, alice.token);
  tt.same((await aliceAvatarPresence(from)).data.avatar, { hash: sha1(limit) });

  const none = await gw.post('/v1/vcard/set', { fn: 'Alice' }, alice.token);
  tt.equal(none.status, 200);
  from = bobEvents.events.length;
  await gw.post('/v1/presence', {}, alice.token);
  tt.same((await aliceAvatarPresence(from)).data.avatar, { hash: '' }, 'no photo: an empty <photo/> (XEP-0153 §3.2)');
});
