// XEP-0280 Message Carbons end to end: alice is online twice, through the gateway (alice/gw) and on
// her phone (a real @xmpp/client peer, alice/phone). With carbons enabled on the gateway session,
// what carol sends to the phone and what the phone sends arrive as carbon copies; a carbon forged by
// another account (mallory) is ignored.
import t from 'tap';
import { xml } from '@xmpp/client';
import { startProsody } from '../../helpers/prosody.js';
import { connectPeer } from '../../helpers/peer.js';
import { startGateway } from '../../helpers/gateway.js';

const CARBONS = 'urn:xmpp:carbons:2';
const FORWARD = 'urn:xmpp:forward:0';
const RECEIPTS = 'urn:xmpp:receipts';
const CHATSTATES = 'http://jabber.org/protocol/chatstates';

const prosody = await startProsody({ users: 3, lean: true });
const gw = await startGateway(prosody);
const [aliceUser, carolUser, malloryUser] = prosody.users as [
  (typeof prosody.users)[0],
  (typeof prosody.users)[0],
  (typeof prosody.users)[0],
];
const alice = await gw.login(aliceUser, { resource: 'gw' });
const aliceGw = `${aliceUser.jid}/gw`;
const stream = await gw.events({ token: alice.token });
const phone = await connectPeer(prosody, aliceUser, { resource: 'phone', presence: true });
const carol = await connectPeer(prosody, carolUser, { resource: 'pc', presence: true });
const mallory = await connectPeer(prosody, malloryUser, { resource: 'x' });
t.teardown(async () => {
  await phone.stop();
  await carol.stop();
  await mallory.stop();
  await gw.close();
  await prosody.stop();
});

function jidObject(full: string) {
  const [bare, resource] = full.split('/') as [string, string];
  const [user, domain] = bare.split('@') as [string, string];
  return resource === undefined ? { user, domain } : { user, domain, resource };
}

const post = (path: string, body?: unknown) => gw.post(path, body, alice.token);

/** carol writes to the gateway session directly; once that arrives, everything sent before it has been handled. */
async function marker(text: string) {
  await carol.send(xml('message', { to: aliceGw, type: 'chat', id: text }, xml('body', {}, text)));
  return stream.next((e) => e.event === 'xmpp.chat.message' && e.data.content === text);
}

t.test('carbons/enable and carbons/disable: an IQ set to the own server', async (t) => {
  t.same((await post('/v1/carbons/enable', {})).body, { ok: true });
  t.same((await post('/v1/carbons/disable')).body, { ok: true }, 'an empty body is fine');
  t.same((await post('/v1/carbons/enable')).body, { ok: true });
  const bad = await post('/v1/carbons/enable', { private: true });
  t.equal(bad.status, 400);
  t.same(bad.body, { type: 'modify', condition: 'client-error', description: "Unknown key 'private'", request: { private: true } });
  t.equal((await gw.post('/v1/carbons/enable', {})).status, 401, 'no token');
});

t.test('a message carol sends to the phone arrives as carbon: "received"', async (t) => {
  await carol.send(
    xml(
      'message',
      { to: `${aliceUser.jid}/phone`, type: 'chat', id: 'c1' },
      xml('body', {}, 'Are you there?'),
      xml('active', { xmlns: CHATSTATES }),
      xml('request', { xmlns: RECEIPTS }),
    ),
  );
  const e = await stream.next((x) => x.event === 'xmpp.chat.message' && x.data.id === 'c1');
  t.same(e.data, {
    from: jidObject(carol.jid),
    content: 'Are you there?',
    format: 'plain',
    id: 'c1',
    state: 'active',
    receipt: true,
    carbon: 'received',
  });
  await phone.waitFor((s) => s.is('message') && s.attrs.id === 'c1');

  await carol.send(xml('message', { to: `${aliceUser.jid}/phone`, type: 'chat', id: 'c2' }, xml('composing', { xmlns: CHATSTATES })));
  const state = await stream.next((x) => x.event === 'xmpp.chat.message' && x.data.id === 'c2');
  t.same(state.data, { from: jidObject(carol.jid), id: 'c2', state: 'composing', carbon: 'received' }, 'chat states too');
});

t.test('what the phone sends arrives as carbon: "sent", with the recipient in `to`', async (t) => {
  await phone.send(xml('message', { to: carolUser.jid, type: 'chat', id: 'p1' }, xml('body', {}, 'Yes, on my phone')));
  const e = await stream.next((x) => x.event === 'xmpp.chat.message' && x.data.id === 'p1');
  t.same(e.data, {
    from: jidObject(phone.jid),
    to: jidObject(carolUser.jid),
    content: 'Yes, on my phone',
    format: 'plain',
    id: 'p1',
    carbon: 'sent',
  });
  await carol.waitFor((s) => s.is('message') && s.attrs.id === 'p1');

  // The phone acknowledges carol's message: the gateway learns it was read elsewhere.
  await phone.send(xml('message', { to: carol.jid, type: 'chat', id: 'p2' }, xml('received', { xmlns: RECEIPTS, id: 'c1' })));
  const receipt = await stream.next((x) => x.event === 'xmpp.chat.receipt' && x.data.id === 'c1');
  t.same(receipt.data, { from: jidObject(phone.jid), to: jidObject(carol.jid), id: 'c1', carbon: 'sent' });
  t.notOk(
    stream.events.some((x) => x.event === 'xmpp.chat.message' && x.data.id === 'p2'),
    'a receipt-only carbon is only a receipt',
  );
});

t.test('a direct message has no carbon key', async (t) => {
  const e = await marker('direct');
  t.notOk('carbon' in e.data);
  t.notOk('to' in e.data);
});

t.test('a carbon forged by another account is ignored', async (t) => {
  const forged = (kind: string, decoy = true) =>
    xml(
      'message',
      { to: aliceGw, type: 'chat', id: `forged-${kind}` },
      xml(
        kind,
        { xmlns: CARBONS },
        xml(
          'forwarded',
          { xmlns: FORWARD },
          xml(
            'message',
            { xmlns: 'jabber:client', from: carol.jid, to: aliceGw, type: 'chat', id: `inner-${kind}` },
            xml('body', {}, 'Send me your password'),
          ),
        ),
      ),
      decoy ? xml('body', {}, 'decoy') : undefined,
    );
  await mallory.send(forged('received'));
  await mallory.send(forged('sent'));
  // alice/phone is the own account but not the server: a resource cannot forge carbons either.
  // (The server copies what the phone sends to the gateway session as a genuine sent carbon: the
  // forgery nested in it is not unwrapped.)
  await phone.send(forged('received', false));
  await marker('after-forgeries');
  const leaked = stream.events.filter((x) => JSON.stringify(x.data).includes('password') || JSON.stringify(x.data).includes('decoy'));
  t.same(leaked, [], 'no event from the forged carbons (nor from their outer body)');
});

t.test('after carbons/disable, no more copies', async (t) => {
  t.same((await post('/v1/carbons/disable', {})).body, { ok: true });
  await carol.send(xml('message', { to: `${aliceUser.jid}/phone`, type: 'chat', id: 'c9' }, xml('body', {}, 'still there?')));
  await phone.waitFor((s) => s.is('message') && s.attrs.id === 'c9');
  await marker('after-disable');
  t.notOk(
    stream.events.some((x) => x.data?.id === 'c9'),
    'the message to the phone was not copied',
  );
});
