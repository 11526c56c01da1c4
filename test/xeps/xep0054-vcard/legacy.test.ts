// vcard-temp through the gateway against Prosody 0.12's mod_vcard_legacy (docs/vcard.md, "vCard avatars
// and XEP-0084 avatars"): the server keeps a vCard as vCard4 (XEP-0292) in PEP and its photo as a
// XEP-0084 avatar. alice sets her vCard through the gateway and reads the PEP nodes with her own plain
// @xmpp/client (alice/phone); then the phone publishes vCard4 and an avatar, and the gateway's
// vcard/get must show them as vcard-temp.
import { createHash } from 'node:crypto';
import t from 'tap';
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { startProsody, type TestUser } from '../../helpers/prosody.js';
import { connectPeer } from '../../helpers/peer.js';
import { startGateway } from '../../helpers/gateway.js';

const PUBSUB = 'http://jabber.org/protocol/pubsub';
const VCARD4 = 'urn:ietf:params:xml:ns:vcard-4.0';
const VCARD4_NODE = 'urn:xmpp:vcard4';
const AVATAR_DATA = 'urn:xmpp:avatar:data';
const AVATAR_METADATA = 'urn:xmpp:avatar:metadata';

const prosody = await startProsody({ users: 1, lean: true, vcardLegacy: true });
const gw = await startGateway(prosody);
const [aliceUser] = prosody.users as [TestUser];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const phone = await connectPeer(prosody, aliceUser, { resource: 'phone' });
t.teardown(async () => {
  await phone.stop();
  await gw.close();
  await prosody.stop();
});

let seq = 0;
/** An IQ from the phone to its own account (no 'to': the bare JID's PEP service); its result. */
async function iq(type: 'get' | 'set', child: Element): Promise<Element> {
  const id = `legacy-${seq++}`;
  await phone.send(xml('iq', { type, id }, child));
  const reply = await phone.waitFor((s) => s.is('iq') && s.attrs.id === id, 5000);
  if (reply.attrs.type !== 'result') throw new Error(`iq ${id}: ${reply.toString()}`);
  return reply;
}
const items = async (node: string) =>
  (await iq('get', xml('pubsub', { xmlns: PUBSUB }, xml('items', { node }))))
    .getChild('pubsub', PUBSUB)
    ?.getChild('items')
    ?.getChildren('item') ?? [];
const publish = (node: string, id: string, payload: Element) =>
  iq('set', xml('pubsub', { xmlns: PUBSUB }, xml('publish', { node }, xml('item', { id }, payload))));

// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

t.test('a vCard set through the gateway is vCard4 and a XEP-0084 avatar in PEP', async (t) => {
  const set = await gw.post(
    '/v1/vcard/set',
    {
      fn: 'Alice Liddell',
      nickname: 'alice',
      email: [{ userid: 'alice@example.org', types: ['internet'] }],
      photo: { type: 'image/png', binval: PNG.toString('base64') },
    },
    alice.token,
  );
  t.equal(set.status, 200, JSON.stringify(set.body));

  const [card] = await items(VCARD4_NODE);
  const vcard = card?.getChild('vcard', VCARD4);
  t.ok(vcard, 'the urn:xmpp:vcard4 node holds a vCard4');
  t.equal(vcard?.getChild('fn')?.getChildText('text'), 'Alice Liddell', 'FN → fn');
  t.equal(vcard?.getChild('nickname')?.getChildText('text'), 'alice', 'NICKNAME → nickname');
  t.equal(vcard?.getChild('email')?.getChildText('text'), 'alice@example.org', 'EMAIL → email');

  const id = sha1(PNG);
  const [meta] = await items(AVATAR_METADATA);
  t.equal(meta?.attrs.id, id, 'the avatar metadata item is the SHA-1 of the photo (XEP-0084 §4.2)');
  const info = meta?.getChild('metadata', AVATAR_METADATA)?.getChild('info');
  t.same(
    { id: info?.attrs.id, type: info?.attrs.type, bytes: Number(info?.attrs.bytes) },
    { id, type: 'image/png', bytes: PNG.length },
    'with the type and size of the photo',
  );
  const [data] = await items(AVATAR_DATA);
  t.equal(Buffer.from(data?.getChildText('data', AVATAR_DATA) ?? '', 'base64').equals(PNG), true, 'the avatar data is the photo');

  const got = await gw.post('/v1/vcard/get', {}, alice.token);
  t.equal(got.status, 200);
  t.match(
    got.body,
    { fn: 'Alice Liddell', nickname: 'alice', photo: { type: 'image/png', binval: PNG.toString('base64') } },
    'and reads back',
  );
});

t.test('vCard4 and an avatar published in PEP are what vcard/get answers', async (t) => {
  await publish(
    VCARD4_NODE,
    'current',
    xml(
      'vcard',
      { xmlns: VCARD4 },
      xml('fn', {}, xml('text', {}, 'Alice in Wonderland')),
      xml('nickname', {}, xml('text', {}, 'al')),
      xml('note', {}, xml('text', {}, 'Curiouser and curiouser')),
    ),
  );
  const png2 = Buffer.concat([PNG, Buffer.from([0])]);
  const id = sha1(png2);
  await publish(AVATAR_DATA, id, xml('data', { xmlns: AVATAR_DATA }, png2.toString('base64')));
  await publish(
    AVATAR_METADATA,
    id,
    xml('metadata', { xmlns: AVATAR_METADATA }, xml('info', { id, type: 'image/png', bytes: String(png2.length) })),
  );

  const got = await gw.post('/v1/vcard/get', {}, alice.token);
  t.equal(got.status, 200, JSON.stringify(got.body));
  t.equal(got.body.fn, 'Alice in Wonderland', 'vCard4 fn → FN');
  t.equal(got.body.nickname, 'al', 'vCard4 nickname → NICKNAME');
  // mod_vcard_legacy maps DESC to vCard4 note, but note back to NOTE, which vcard-temp lacks: it is `raw`.
  t.equal(got.body.desc, undefined, 'vCard4 note is not DESC');
  t.match(got.body.raw, /<NOTE>Curiouser and curiouser<\/NOTE>/, 'vCard4 note → NOTE, kept in raw');
  t.same(got.body.photo, { type: 'image/png', binval: png2.toString('base64') }, 'the XEP-0084 avatar → PHOTO');
});
