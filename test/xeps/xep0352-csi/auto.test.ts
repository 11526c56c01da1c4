// Automatic client state indication (CSI_IDLE_MS, src/session/attendance.ts) against Prosody's
// mod_csi_simple, one gateway. What the gateway told the server is read from the server's behaviour:
// while the session is inactive Prosody holds chat states back (its log stays without them), and it
// flushes them, each with a XEP-0203 delay, once <active/> reaches it.
import t from 'tap';
import { xml } from '@xmpp/client';
import { startProsody, type TestUser } from '../../helpers/prosody.js';
import { startGateway } from '../../helpers/gateway.js';
import { connectPeer } from '../../helpers/peer.js';

const IDLE_MS = 1500;
const HELD = 6;
/** How long the test watches for held-back stanzas that should not come. */
const QUIET_MS = 1500;

const prosody = await startProsody({ users: 3, lean: true, extraModules: ['csi_simple'] });
const gw = await startGateway(prosody, { csiIdleMs: IDLE_MS });
const [aliceUser, bobUser, carolUser] = prosody.users as [TestUser, TestUser, TestUser];
const bob = await connectPeer(prosody, bobUser, { resource: 'peer' });
t.teardown(async () => {
  await bob.stop();
  await gw.close();
  await prosody.stop();
});

const { manager, log } = gw.app.gateway;
const sidOf = async (token: string) => (await manager.authenticate(token)).sid;

/** The chat-state messages of one burst (ids prefix-…) in the session's event log. */
async function logged(sid: string, prefix: string): Promise<Array<{ id: string; delay?: { when: string } }>> {
  const { events } = await log.read(sid, undefined);
  return (
    events
      .filter((e) => e.name === 'xmpp.chat.message')
      // xmpp.chat.message data (src/xeps/core-chat), logged as JSON: only its id and delay are read here.
      .map((e) => JSON.parse(e.data) as { id: string; delay?: { when: string } })
      .filter((d) => String(d.id).startsWith(`${prefix}-`))
  );
}

/** Bob sends `count` chat states to `to`, and waits until his server has routed them (the ping's answer comes after). */
async function bobTypes(to: string, prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const state = i % 2 === 0 ? 'composing' : 'paused';
    await bob.send(
      xml('message', { type: 'chat', to, id: `${prefix}-${i}` }, xml(state, { xmlns: 'http://jabber.org/protocol/chatstates' })),
    );
  }
  await bob.send(xml('iq', { type: 'get', to: 'localhost', id: `${prefix}-ping` }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
  await bob.waitFor((s) => s.attrs.id === `${prefix}-ping`, 5000);
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('idle: the server holds a chat-state flood back; a stream opening sends <active/> and gets it', async (t) => {
  const alice = await gw.login(aliceUser, { resource: 'auto' });
  const sid = await sidOf(alice.token);
  await gw.post('/v1/presence', {}, alice.token);
  t.ok(
    await until(() => manager.clientState(sid) === 'inactive', IDLE_MS * 6),
    `the gateway tells the server inactive after ${IDLE_MS} ms without a stream, a webhook or a request`,
  );
  await bobTypes(`${aliceUser.jid}/auto`, 'idle', HELD);
  await new Promise((r) => setTimeout(r, QUIET_MS));
  t.same(await logged(sid, 'idle'), [], `the server held all ${HELD} chat states back (none logged within ${QUIET_MS} ms)`);

  const opened = Date.now();
  const events = await gw.events({ token: alice.token });
  t.teardown(() => events.close());
  t.ok(
    await until(() => events.events.filter((e) => String(e.data?.id).startsWith('idle-')).length === HELD, 5000),
    'the stream receives all of them once it is open',
  );
  t.comment(`held chat states flushed ${Date.now() - opened} ms after the stream opened`);
  const got = await logged(sid, 'idle');
  t.same(
    got.map((d) => d.id),
    Array.from({ length: HELD }, (_, i) => `idle-${i}`),
    'in the order bob sent them',
  );
  t.ok(
    got.every((d) => typeof d.delay?.when === 'string'),
    'each with the delay stamp mod_csi_simple adds to what it held',
  );
  t.ok(await until(() => manager.clientState(sid) === 'active', 2000), 'the gateway counts the session active');

  // With the stream open the session stays active however long nobody sends a request.
  await new Promise((r) => setTimeout(r, IDLE_MS * 2));
  await bobTypes(`${aliceUser.jid}/auto`, 'open', 2);
  t.ok(
    await until(async () => (await logged(sid, 'open')).length === 2, 3000),
    `with a stream open for ${IDLE_MS * 2} ms without a request, chat states arrive at once`,
  );
  t.ok(
    (await logged(sid, 'open')).every((d) => d.delay === undefined),
    'and without a delay stamp: nothing was held',
  );

  // The stream closes: after CSI_IDLE_MS the session goes inactive again.
  events.close();
  t.ok(await until(() => manager.clientState(sid) === 'inactive', IDLE_MS * 6), 'inactive again once the stream closed');
  await gw.post('/v1/logout', {}, alice.token);
});

t.test('a request on an inactive session makes it active again', async (t) => {
  const alice = await gw.login(aliceUser, { resource: 'req' });
  const sid = await sidOf(alice.token);
  t.ok(await until(() => manager.clientState(sid) === 'inactive', IDLE_MS * 6), 'inactive after idling');
  await bobTypes(`${aliceUser.jid}/req`, 'req', 2);
  await new Promise((r) => setTimeout(r, QUIET_MS));
  t.same(await logged(sid, 'req'), [], 'held while inactive');
  t.equal((await gw.post('/v1/ping', {}, alice.token)).status, 200);
  t.ok(
    await until(async () => (await logged(sid, 'req')).length === 2, IDLE_MS * 3),
    'the held chat states come within one check after the request',
  );
  t.ok(await until(() => manager.clientState(sid) === 'active', 2000), 'the gateway counts the session active');
  await gw.post('/v1/logout', {}, alice.token);
});

t.test('a manual csi call wins: the gateway sends nothing automatic for that session afterwards', async (t) => {
  const carol = await gw.login(carolUser, { resource: 'manual' });
  const sid = await sidOf(carol.token);
  t.same((await gw.post('/v1/csi/active', {}, carol.token)).body, { state: 'active' });
  const sentBefore = manager.clientStatesSent.inactive;
  // Well past CSI_IDLE_MS with no stream and no request.
  await new Promise((r) => setTimeout(r, IDLE_MS * 3));
  t.equal(manager.clientStatesSent.inactive, sentBefore, 'no automatic inactive was sent');
  await bobTypes(`${carolUser.jid}/manual`, 'man', 2);
  t.ok(
    await until(async () => (await logged(sid, 'man')).length === 2, 3000),
    'chat states arrive at once: the client said active, and that holds',
  );
  // The client's own inactive holds too: a stream opening does not override it.
  await gw.post('/v1/csi/inactive', {}, carol.token);
  const events = await gw.events({ token: carol.token });
  t.teardown(() => events.close());
  await bobTypes(`${carolUser.jid}/manual`, 'man2', 2);
  await new Promise((r) => setTimeout(r, QUIET_MS));
  t.same(await logged(sid, 'man2'), [], 'after csi/inactive the chat states are held even with a stream open');
  await gw.post('/v1/csi/active', {}, carol.token);
  t.ok(await until(async () => (await logged(sid, 'man2')).length === 2, 3000), 'and come on the client’s csi/active');
  events.close();
  await gw.post('/v1/logout', {}, carol.token);
});

t.test('CSI_IDLE_MS=0 turns it off', async (t) => {
  const off = await startGateway(prosody, { csiIdleMs: 0 });
  t.teardown(() => off.close());
  const s = await off.login(carolUser, { resource: 'off' });
  const sid = (await off.app.gateway.manager.authenticate(s.token)).sid;
  await new Promise((r) => setTimeout(r, IDLE_MS * 3));
  t.equal(off.app.gateway.manager.clientState(sid), undefined, 'nothing was told');
  await bobTypes(`${carolUser.jid}/off`, 'off', 2);
  t.ok(
    await until(async () => (await off.app.gateway.log.read(sid, undefined)).events.some((e) => e.data.includes('"off-1"')), 3000),
    'chat states arrive at once',
  );
});
