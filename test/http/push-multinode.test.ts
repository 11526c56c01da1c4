// Web Push with several nodes (docs/api.md "Web Push", §10 "Several nodes"): two real gateway
// processes on one real redis-server, a real Prosody and the local push service of
// test/helpers/push-endpoint.ts. Push requests work on the node that does not own the session (they
// are relayed to its owner), and an event stream open on either node holds pushes back.
import t from 'tap';
import { xml } from '@xmpp/client';
import { startProsody } from '../helpers/prosody.js';
import { connectPeer } from '../helpers/peer.js';
import { loginTo, postTo, startNode, type NodeProcess } from '../helpers/node-process.js';
import { startRedis } from '../helpers/redis.js';
import { PushEndpoint, vapidKeys } from '../helpers/push-endpoint.js';
import { SseClient } from '../helpers/sse.js';

const prosody = await startProsody({ users: 2 });
const redis = await startRedis();
const vapid = vapidKeys();
const endpoint = await PushEndpoint.start(vapid.publicKey);
const LEASE_MS = 1500;
const env = {
  REDIS_URL: redis.url,
  XMPP_ALLOWED_HOSTS: `${prosody.host}:${prosody.port}`,
  LEASE_MS: String(LEASE_MS),
  IDLE_TIMEOUT_S: '600',
  PUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
  PUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
  PUSH_VAPID_SUBJECT: 'mailto:ops@example.org',
  PUSH_ALLOWED_HOSTS: `127.0.0.1:${endpoint.port}`,
  PUSH_RETRY_MS: '50',
};
// One after the other: each start has startNode's whole deadline on a loaded machine.
const nodes: NodeProcess[] = [await startNode('wp-a', env), await startNode('wp-b', env)];
const [A, B] = nodes as [NodeProcess, NodeProcess];
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
const bob = await connectPeer(prosody, bobUser);
t.teardown(async () => {
  await bob.stop();
  await Promise.all(nodes.map((n) => n.stop()));
  await endpoint.close();
  await redis.stop();
  await prosody.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (resource: string, body: string) =>
  bob.send(xml('message', { to: `${aliceUser.jid}/${resource}`, type: 'chat', id: body }, xml('body', {}, body)));
const contents = (path: string) =>
  endpoint.received.filter((r) => r.path === path).map((r) => r.payload?.data?.content as string | undefined);

const post = postTo;
const login = (node: NodeProcess, resource: string) => loginTo(node, prosody, aliceUser, resource);

/** Asks `node` for the session's push state until `paused` is `want` (the owner heard of the streams), within a bound. */
async function pausedBecomes(node: NodeProcess, token: string, want: boolean, timeoutMs = 10000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const listed = await post(node, '/v1/push/list', {}, token);
    if (listed.status !== 200) throw new Error(`list: ${listed.status} ${JSON.stringify(listed.body)}`);
    if (listed.body.paused === want) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`paused still ${String(!want)} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

t.test('push requests on a node that does not own the session reach its owner: subscribe, list, unsubscribe, refusals', async (t) => {
  const token = await login(A, 'm1');
  const browser = endpoint.subscription();
  const path = new URL(browser.endpoint).pathname;
  const reg = await post(B, '/v1/push/subscribe', browser, token);
  t.equal(reg.status, 201, 'subscribed through B, which does not own the session');
  t.match(reg.body.id, /^wp_/);
  const onB = await post(B, '/v1/push/list', {}, token);
  const onA = await post(A, '/v1/push/list', {}, token);
  t.match(onB.body, { subscriptions: [{ id: reg.body.id, endpoint: browser.endpoint, state: 'active' }], paused: false });
  t.same(onB.body, onA.body, 'both nodes give the owner’s answer');
  await say('m1', 'relayed push');
  await endpoint.until(() => contents(path).includes('relayed push'));
  const got = endpoint.received.find((r) => r.path === path)!;
  t.equal(got.error, undefined, 'signed with the VAPID key and decrypted by the browser’s key');

  const again = await post(B, '/v1/push/subscribe', { ...browser, events: ['xmpp.chat.message'] }, token);
  t.same(again.body, { id: reg.body.id }, 'the same endpoint again keeps its id, wherever it is sent');
  const refused = await post(B, '/v1/push/subscribe', { ...endpoint.subscription(), endpoint: 'https://push.example.net/x' }, token);
  t.match(refused, { status: 403, body: { condition: 'host-not-allowed' } }, 'the owner’s refusal crosses as it is');
  const bad = await post(B, '/v1/push/subscribe', { ...browser, keys: { ...browser.keys, auth: 'A'.repeat(22) + 'x' } }, token);
  t.equal(bad.status, 400, 'malformed keys are refused on the node that took the request');

  t.same((await post(B, '/v1/push/unsubscribe', { id: reg.body.id }, token)).body, { ok: true });
  t.same((await post(A, '/v1/push/list', {}, token)).body.subscriptions, [], 'gone on the owner');
  t.match(await post(B, '/v1/push/unsubscribe', { id: reg.body.id }, token), { status: 404, body: { condition: 'item-not-found' } });
  await post(A, '/v1/logout', {}, token);
});

t.test('an event stream open on the other node holds pushes back; once it closes, pushes resume', async (t) => {
  const token = await login(A, 'm2');
  const browser = endpoint.subscription();
  const path = new URL(browser.endpoint).pathname;
  t.equal((await post(A, '/v1/push/subscribe', browser, token)).status, 201);
  const stream = await SseClient.open(B.url, { token });
  t.equal(stream.status, 200);
  await stream.nextEvent('xmpp.connection');
  const heardMs = await pausedBecomes(A, token, true);
  await say('m2', 'seen on the stream');
  await stream.next((e) => e.event === 'xmpp.chat.message' && e.data.content === 'seen on the stream', 10000);
  stream.close();
  const resumedMs = await pausedBecomes(A, token, false);
  await say('m2', 'pushed after');
  await endpoint.until(() => contents(path).includes('pushed after'), 10000);
  // Pushes go in log order: had the first message been pushed, it would have come before this one.
  t.same(contents(path), ['pushed after'], 'nothing was pushed while the stream on B was open');
  t.comment(`the owner knew of B's stream ${heardMs} ms after it opened, and of its close ${resumedMs} ms after`);
  await post(A, '/v1/logout', {}, token);
});

t.test('the node holding the stream is killed: the owner stops counting its stream once its heartbeat lapses', async (t) => {
  const token = await login(A, 'm3');
  const browser = endpoint.subscription();
  const path = new URL(browser.endpoint).pathname;
  t.equal((await post(B, '/v1/push/subscribe', browser, token)).status, 201);
  const stream = await SseClient.open(B.url, { token });
  await stream.nextEvent('xmpp.connection');
  await pausedBecomes(A, token, true);
  const killedAt = Date.now();
  B.kill('SIGKILL');
  await B.exited();
  await pausedBecomes(A, token, false, LEASE_MS * 4 + 5000);
  const lapsedMs = Date.now() - killedAt;
  t.ok(lapsedMs < LEASE_MS * 4 + 5000, `pushes resumed ${lapsedMs} ms after the kill (LEASE_MS ${LEASE_MS})`);
  stream.close();
  await say('m3', 'after the kill');
  await endpoint.until(() => contents(path).includes('after the kill'), 10000);
  t.same(contents(path), ['after the kill']);
  await post(A, '/v1/logout', {}, token);
});
