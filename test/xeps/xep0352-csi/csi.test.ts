// XEP-0352 end to end against Prosody's mod_csi_simple. Alice is a gateway session, bob a plain XMPP
// client sending her chat states (messages without a body: not urgent, mod_csi_simple's is_important).
// While alice is inactive Prosody holds them back (it pauses writes to her stream); <active/> flushes
// them, each with a XEP-0203 delay. A message with a body is urgent and flushes at once. A server
// without the module offers no urn:xmpp:csi:0 stream feature, and the gateway then sends nothing (501).
import t, { type Test } from 'tap';
import { xml } from '@xmpp/client';
import { startProsody, type TestUser } from '../../helpers/prosody.js';
import { startGateway } from '../../helpers/gateway.js';
import { connectPeer } from '../../helpers/peer.js';
import type { SseClient } from '../../helpers/sse.js';

const HELD = 5;
/** How long the test watches for held-back stanzas that should not come. */
const QUIET_MS = 1500;

const prosody = await startProsody({ users: 2, lean: true, extraModules: ['csi_simple'] });
const gw = await startGateway(prosody);
const [aliceUser, bobUser] = prosody.users as [TestUser, TestUser];
const alice = await gw.login(aliceUser, { resource: 'csi' });
const aliceFull = `${aliceUser.jid}/csi`;
const events = await gw.events({ token: alice.token });
await gw.post('/v1/presence', {}, alice.token);
const bob = await connectPeer(prosody, bobUser, { resource: 'peer' });
t.teardown(async () => {
  events.close();
  await bob.stop();
  await gw.close();
  await prosody.stop();
});

const states = (stream: SseClient, prefix: string) =>
  stream.events.filter((e) => e.event === 'xmpp.chat.message' && String(e.data.id).startsWith(prefix));

/** Bob sends `count` chat states (alternating composing/paused), ids prefix-0 …, and waits until his server has routed them. */
async function bobTypes(prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const state = i % 2 === 0 ? 'composing' : 'paused';
    await bob.send(
      xml('message', { type: 'chat', to: aliceFull, id: `${prefix}-${i}` }, xml(state, { xmlns: 'http://jabber.org/protocol/chatstates' })),
    );
  }
  // One stream's stanzas are handled in order: the pong comes after every message was routed.
  await bob.send(xml('iq', { type: 'get', to: 'localhost', id: `${prefix}-ping` }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
  await bob.waitFor((s) => s.attrs.id === `${prefix}-ping`, 5000);
}

/**
 * Goes inactive and gives Prosody a moment to read the nonza: the POST answers once the gateway has
 * written it, and a stanza Prosody routed to alice just before reading it is in the connection's
 * output already, neither held nor stamped (seen once with four test files running at a time).
 */
async function goInactive(t: Test): Promise<void> {
  const res = await gw.post('/v1/csi/inactive', {}, alice.token);
  t.equal(res.status, 200);
  t.same(res.body, { state: 'inactive' });
  await new Promise((r) => setTimeout(r, 250));
}

async function waitCount(prefix: string, count: number, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (states(events, prefix).length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  return states(events, prefix).length;
}

t.test('active: chat states arrive at once', async (t) => {
  t.same((await gw.post('/v1/csi/active', {}, alice.token)).body, { state: 'active' });
  await bobTypes('a', HELD);
  t.equal(await waitCount('a', HELD), HELD, `all ${HELD} chat states arrive`);
  t.ok(
    states(events, 'a').every((e) => e.data.delay === undefined),
    'none carries a delay stamp (nothing was held)',
  );
});

t.test('inactive: chat states are held back, and flushed on active with a delay stamp', async (t) => {
  await goInactive(t);
  await bobTypes('i', HELD);
  await new Promise((r) => setTimeout(r, QUIET_MS));
  t.equal(states(events, 'i').length, 0, `none of the ${HELD} chat states arrived within ${QUIET_MS} ms while inactive`);
  const started = Date.now();
  t.same((await gw.post('/v1/csi/active', {}, alice.token)).body, { state: 'active' });
  t.equal(await waitCount('i', HELD), HELD, `all ${HELD} arrive after active`);
  t.comment(`flushed ${HELD} held chat states ${Date.now() - started} ms after csi/active`);
  const got = states(events, 'i');
  t.same(
    got.map((e) => e.data.id),
    Array.from({ length: HELD }, (_, i) => `i-${i}`),
    'in the order bob sent them',
  );
  t.ok(
    got.every((e) => typeof e.data.delay?.when === 'string'),
    'each carries the XEP-0203 delay mod_csi_simple adds to what it held',
  );
});

t.test('inactive: a message with a body is urgent and flushes what was held', async (t) => {
  await goInactive(t);
  await bobTypes('u', 2);
  await new Promise((r) => setTimeout(r, QUIET_MS));
  t.equal(states(events, 'u').length, 0, 'the two chat states are held');
  await bob.send(xml('message', { type: 'chat', to: aliceFull, id: 'u-body' }, xml('body', {}, 'wake up')));
  t.equal(await waitCount('u', 3), 3, 'the body flushes the two held states with it');
  t.same(
    states(events, 'u').map((e) => e.data.id),
    ['u-0', 'u-1', 'u-body'],
  );
  await gw.post('/v1/csi/active', {}, alice.token);
});

t.test('a server without CSI offers no stream feature: 501 and nothing is sent', async (t) => {
  const plain = await startProsody({ users: 1, lean: true });
  const gw2 = await startGateway(plain);
  t.teardown(async () => {
    await gw2.close();
    await plain.stop();
  });
  const s = await gw2.login(plain.users[0]!, { resource: 'nocsi' });
  for (const action of ['active', 'inactive']) {
    const res = await gw2.post(`/v1/csi/${action}`, {}, s.token);
    t.equal(res.status, 501, action);
    t.match(res.body, { type: 'cancel', condition: 'feature-not-implemented', description: /urn:xmpp:csi:0/ });
  }
  t.equal((await gw2.post('/v1/ping', {}, s.token)).status, 200, 'the session is still fine');
});
