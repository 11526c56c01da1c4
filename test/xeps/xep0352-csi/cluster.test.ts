// Automatic client state indication across nodes (src/session/attendance.ts): two gateway processes
// and a redis-server, Prosody with mod_csi_simple. alice's session is owned by node A (she logged in
// there) and her only event stream is on node B. What the owner told the server is read from the
// server's behaviour on the wire: while the session is inactive mod_csi_simple holds chat states back
// and, on <active/>, flushes them each with a XEP-0203 delay stamp it adds (XEP-0352 §5); while it is
// active they arrive at once, without a stamp.
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { xml } from '@xmpp/client';
import { startProsody, type TestUser } from '../../helpers/prosody.js';
import { startRedis } from '../../helpers/redis.js';
import { startNode, type NodeProcess } from '../../helpers/node-process.js';
import { connectPeer } from '../../helpers/peer.js';
import { SseClient, type SseEvent } from '../../helpers/sse.js';

const IDLE_MS = 1500;

const prosody = await startProsody({ users: 2, lean: true, extraModules: ['csi_simple'], logLevel: 'debug' });
const redis = await startRedis();
const env = {
  REDIS_URL: redis.url,
  XMPP_ALLOWED_HOSTS: `${prosody.host}:${prosody.port}`,
  LEASE_MS: '3000',
  IDLE_TIMEOUT_S: '600',
  CSI_IDLE_MS: String(IDLE_MS),
};
const [A, B] = (await Promise.all(['node-a', 'node-b'].map((n) => startNode(n, env)))) as [NodeProcess, NodeProcess];
const [aliceUser, bobUser] = prosody.users as [TestUser, TestUser];
const bob = await connectPeer(prosody, bobUser, { resource: 'peer' });
const streams: SseClient[] = [];
t.teardown(async () => {
  for (const s of streams) s.close();
  await bob.stop();
  await Promise.all([A, B].map((n) => n.stop()));
  await redis.stop();
  await prosody.stop();
});

/** Lines of Prosody's debug log (its own view: nonzas it received, stanzas mod_csi_simple held back). */
async function logLines(needle: RegExp): Promise<number> {
  const log = await readFile(prosody.logFile, 'utf8');
  return log.split('\n').filter((l) => needle.test(l)).length;
}
const heldCount = () => logLines(/Holding buffer/);
// Prosody writes an element's attributes in its Lua table's order, which changes from one run to the next.
const inactiveCount = () => logLines(/Received\[c2s\]: <inactive [^>]*xmlns='urn:xmpp:csi:0'/);
const activeCount = () => logLines(/Received\[c2s\]: <active [^>]*xmlns='urn:xmpp:csi:0'/);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(
  node: NodeProcess,
  path: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${node.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
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

const burst = (s: SseClient, prefix: string): SseEvent[] =>
  s.events.filter((e) => e.event === 'xmpp.chat.message' && String(e.data?.id).startsWith(`${prefix}-`));

async function openStream(token: string, lastEventId?: string): Promise<SseClient> {
  const s = await SseClient.open(B.url, { token, ...(lastEventId && { lastEventId }) });
  streams.push(s);
  if (s.status !== 200) throw new Error(`stream on B: ${s.status} ${s.body}`);
  return s;
}

t.test('owner A, only stream on B: active while it is open, inactive after CSI_IDLE_MS once it closed, active on the next', async (t) => {
  const login = await post(A, '/v1/login', {
    jid: aliceUser.jid,
    password: aliceUser.password,
    host: prosody.host,
    port: prosody.port,
    resource: 'csi',
  });
  t.equal(login.status, 201, 'logged in on A (A owns the XMPP connection)');
  const token = String(login.body.token);
  const to = `${aliceUser.jid}/csi`;

  const first = await openStream(token);
  await first.nextEvent('xmpp.connection');
  // Well past CSI_IDLE_MS with no request anywhere: only B's stream attends the session.
  await sleep(IDLE_MS * 3);
  await bobTypes(to, 'open', 4);
  await first.next((e) => e.data?.id === 'open-3', 5000);
  const open = burst(first, 'open');
  t.same(
    open.map((e) => e.data.id),
    ['open-0', 'open-1', 'open-2', 'open-3'],
    `after ${IDLE_MS * 3} ms with its only stream on B, chat states reach the stream at once`,
  );
  t.ok(
    open.every((e) => e.data.delay === undefined),
    'without a delay stamp: the server held nothing, A never told it inactive',
  );
  const lastSeen = open[open.length - 1]!.id;

  t.equal(await inactiveCount(), 0, 'Prosody’s log: it never received <inactive/>');
  t.equal(await heldCount(), 0, 'and held nothing back');

  first.close();
  await first.waitEnded();
  // A learns that the stream closed only from B's sweeps no longer touching the shared record
  // (attendance.ts: up to its slack, then CSI_IDLE_MS). Bob keeps typing, one chat state a probe:
  // the first one Prosody holds back is the server's own word that it was told inactive.
  const closed = Date.now();
  let probes = 0;
  while ((await heldCount()) === 0) {
    if (Date.now() - closed > 40000) break;
    await bobTypes(to, `probe${probes++}`, 1);
    await sleep(500);
  }
  const inactiveAfter = Date.now() - closed;
  t.ok((await heldCount()) > 0, 'Prosody holds a chat state back: it was told inactive');
  t.equal(await inactiveCount(), 1, 'Prosody’s log: one <inactive/> received');
  const activeBefore = await activeCount();
  t.ok(inactiveAfter >= IDLE_MS, `not before CSI_IDLE_MS (${inactiveAfter} ms after the stream on B closed)`);
  t.comment(`inactive ${inactiveAfter} ms after the stream on B closed (${probes} probes)`);
  const held = `probe${probes - 1}`;

  const opened = Date.now();
  const second = await openStream(token, lastSeen);
  await second.next((e) => e.data?.id === `${held}-0`, 10000);
  t.comment(`held chat states flushed ${Date.now() - opened} ms after the stream on B opened`);
  t.equal((await activeCount()) - activeBefore, 1, 'Prosody’s log: one <active/> received once the stream on B opened');
  const flushed = burst(second, held);
  t.same(
    flushed.map((e) => e.data.id),
    [`${held}-0`],
    'the stream opening on B brings the held one (the owner told the server active)',
  );
  t.ok(
    flushed.every((e) => typeof e.data.delay?.when === 'string'),
    'each with the delay stamp mod_csi_simple adds to what it held: the server had been told inactive',
  );

  // Active again: with the stream on B open, new chat states come at once.
  await bobTypes(to, 'again', 2);
  await second.next((e) => e.data?.id === 'again-1', 5000);
  t.ok(
    burst(second, 'again').every((e) => e.data.delay === undefined),
    'and after that, chat states come at once, without a stamp',
  );
  await post(B, '/v1/logout', {}, token);
});
