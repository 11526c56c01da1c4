// Prosody 0.12 delivers a PEP notification twice to a contact whose caps are new to it (mod_pep.lua,
// the iq-result/bare/disco hook, "Fiddle with other local users": it registers the contact's BARE
// JID as a +notify recipient at every local contact's PEP service, beside the full JID it registers
// from the contact's own disco#info answer). Both copies carry the same stanza id and reach the one
// resource. Here the caps hash is new (no warm-up account, unlike the avatar test), and the gateway
// must make one event of each notification: src/xmpp/incoming.ts drops the repeat by (from, id).
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { startProsody, type TestUser } from '../../helpers/prosody.js';
import { befriend, startGateway } from '../../helpers/gateway.js';
import type { SseClient, SseEvent } from '../../helpers/sse.js';

const NODE = 'urn:xmpp:gateway-test:pep-duplicate';

// Debug level: Prosody's log shows each stanza it sends to a c2s session, the duplicates included.
const prosody = await startProsody({ users: 2, lean: true, logLevel: 'debug' });
const gw = await startGateway(prosody);
const [aliceUser, bobUser] = prosody.users as [TestUser, TestUser];
t.teardown(async () => {
  await gw.close();
  await prosody.stop();
});

await befriend(gw, aliceUser, bobUser);

const alice = await gw.login(aliceUser, { resource: 'gw' });
const bob = await gw.login(bobUser, { resource: 'gw' });
const bobEvents = await gw.events({ token: bob.token });
t.teardown(() => bobEvents.close());

/** Events of a stream since `from` that `pick` selects, after a quiet time (to catch a late duplicate). */
async function settled(stream: SseClient, from: number, pick: (e: SseEvent) => boolean, want: number, quietMs = 1000): Promise<SseEvent[]> {
  const deadline = Date.now() + 10_000;
  const got = () => stream.events.slice(from).filter(pick);
  while (got().length < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, quietMs));
  return got();
}
const itemOf = (id: string) => (e: SseEvent) => e.event === 'xmpp.pubsub.push.item' && e.data.node === NODE && e.data.id === id;

t.test('a contact whose caps are new to Prosody gets each PEP notification once', async (t) => {
  await gw.post('/v1/presence', {}, alice.token);
  const interests = await gw.post('/v1/pubsub/pep/interests', { nodes: [NODE] }, bob.token);
  t.equal(interests.status, 200);
  await gw.post('/v1/presence', {}, bob.token);
  // Prosody learns the hash by asking bob's resource (disco#info, XEP-0115 §6.2); a notification
  // sent before that reaches nobody: publish until the first one arrives.
  let first: SseEvent[] = [];
  for (let i = 1; first.length === 0 && i <= 20; i++) {
    const res = await gw.post('/v1/pubsub/publish', { node: NODE, id: `probe-${i}`, content: 'probe' }, alice.token);
    t.equal(res.status, 200, `probe ${i} published`);
    first = await settled(bobEvents, 0, (e) => e.event === 'xmpp.pubsub.push.item' && e.data.node === NODE, 1, 300);
  }
  t.ok(first.length > 0, 'bob is notified once Prosody knows his interest');

  for (const id of ['one', 'two', 'three']) {
    const from = bobEvents.events.length;
    const res = await gw.post('/v1/pubsub/publish', { node: NODE, id, content: `item ${id}` }, alice.token);
    t.equal(res.status, 200, `${id} published`);
    const pushes = await settled(bobEvents, from, itemOf(id), 1);
    t.equal(pushes.length, 1, `exactly one xmpp.pubsub.push.item for ${id}`);
  }

  // The duplicate did happen on the wire: Prosody sent each of the three notifications to bob's
  // bare JID and to his full JID, with one id ("Sending[c2s]: <message from=… id=… to=…>").
  // Prosody writes the attributes in no fixed order.
  const attr = (attrs: string, name: string) => new RegExp(`\\b${name}='([^']*)'`).exec(attrs)?.[1];
  const bothWays = async () => {
    const sent = new Map<string, Set<string>>();
    for (const [, attrs] of (await readFile(prosody.logFile, 'utf8')).matchAll(/Sending\[c2s\]: <message ([^>]*)>/g)) {
      const [from, id, to] = ['from', 'id', 'to'].map((name) => attr(attrs!, name));
      if (from !== aliceUser.jid || id === undefined || (to !== bobUser.jid && to !== `${bobUser.jid}/gw`)) continue;
      sent.set(id, (sent.get(id) ?? new Set()).add(to));
    }
    return { twice: [...sent.values()].filter((to) => to.size === 2).length, all: sent.size };
  };
  // Prosody's log file is written behind time (buffered): wait for the lines.
  let seen = await bothWays();
  for (const deadline = Date.now() + 10_000; seen.twice < 3 && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 200));
    seen = await bothWays();
  }
  const { twice, all } = seen;
  t.ok(twice >= 3, `Prosody sent ${twice} of ${all} notifications to both ${bobUser.jid} and ${bobUser.jid}/gw with one id`);
});
