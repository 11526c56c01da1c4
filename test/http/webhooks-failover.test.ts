// Webhooks when a node is killed in the middle of a delivery (docs/api.md §10, "Several nodes"): real
// gateway processes (kill -9), one real redis-server, a real Prosody and a real HTTP receiver that
// holds the first delivery unanswered. Another node takes the webhook's lease over and resumes from
// the shared cursor: the unanswered message again (same webhook-id, same events), then what followed,
// in order; when the killed node owned the session, its end too (xmpp.error disconnected), last.
import t from 'tap';
import { xml } from '@xmpp/client';
import { startProsody } from '../helpers/prosody.js';
import { connectPeer } from '../helpers/peer.js';
import { loginTo, postTo, startNode, type NodeProcess } from '../helpers/node-process.js';
import { startRedis } from '../helpers/redis.js';
import { Receiver } from './webhooks-receiver.js';

const receiver = await Receiver.start();
const prosody = await startProsody({ users: 2 });
const redis = await startRedis();
const LEASE_MS = 1500;
const env = {
  REDIS_URL: redis.url,
  XMPP_ALLOWED_HOSTS: `${prosody.host}:${prosody.port}`,
  LEASE_MS: String(LEASE_MS),
  IDLE_TIMEOUT_S: '600',
  WEBHOOK_ALLOWED_HOSTS: receiver.host,
  // Long enough that the held delivery is still under way when its node is killed.
  WEBHOOK_TIMEOUT_MS: '20000',
  WEBHOOK_RETRY_BASE_MS: '100',
  WEBHOOK_RETRY_MAX_MS: '500',
  // One event per message: the message the killed node had under way is exactly the one resent.
  WEBHOOK_BATCH_MAX: '1',
};
// One after the other: each start has startNode's whole deadline on a loaded machine.
const nodes: NodeProcess[] = [await startNode('wh-a', env), await startNode('wh-b', env)];
const [A, B] = nodes as [NodeProcess, NodeProcess];
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
const bob = await connectPeer(prosody, bobUser);
t.teardown(async () => {
  await bob.stop();
  await Promise.all(nodes.map((n) => n.stop()));
  await receiver.close();
  await redis.stop();
  await prosody.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (resource: string, body: string) =>
  bob.send(xml('message', { to: `${aliceUser.jid}/${resource}`, type: 'chat', id: body }, xml('body', {}, body)));

const post = postTo;
const login = (node: NodeProcess, resource: string) => loginTo(node, prosody, aliceUser, resource);

async function gauge(node: NodeProcess, name: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return Number(
    text
      .split('\n')
      .find((l) => l.startsWith(`${name} `))
      ?.split(' ')[1],
  );
}

t.test('the delivering node is killed mid-delivery: the owner carries on from the shared cursor', async (t) => {
  receiver.requests.length = 0;
  receiver.answer = (n) => (n === 1 ? 'hang' : 200);
  const token = await login(A, 'fo1');
  // Registered on B, so B holds the webhook's lease and delivers it; A holds the XMPP connection.
  const reg = await post(B, '/v1/webhooks', { url: receiver.url('/fo1'), events: ['xmpp.chat.message'] }, token);
  t.equal(reg.status, 201);
  t.equal(await gauge(B, 'gateway_webhooks_delivering'), 1, 'B delivers it');
  t.equal(await gauge(A, 'gateway_webhooks_delivering'), 0);
  await say('fo1', 'd1');
  await receiver.until('the first delivery', () => receiver.requests.length === 1);
  await say('fo1', 'd2');
  await sleep(300);
  const killedAt = Date.now();
  B.kill('SIGKILL');
  await B.exited();
  await receiver.until('the delivery again, from A', () => receiver.requests.length >= 2);
  const takeoverMs = Date.now() - killedAt;
  t.ok(takeoverMs < LEASE_MS + 2000, `taken over ${takeoverMs} ms after the kill (LEASE_MS ${LEASE_MS})`);
  t.equal(receiver.requests[1]!.id, receiver.requests[0]!.id, 'the message under way, again, with its webhook-id');
  t.same(receiver.requests[1]!.body, receiver.requests[0]!.body, 'and its events');
  await say('fo1', 'd3');
  await receiver.until('d3', () => receiver.chats().includes('d3'));
  t.same(receiver.chats(), ['d1', 'd2', 'd3'], 'everything once among the acknowledged deliveries, in order');
  t.equal(await gauge(A, 'gateway_webhooks_delivering'), 1, 'A delivers it now');
  const listed = await post(A, '/v1/webhooks/list', {}, token);
  t.match(listed.body.webhooks, [{ id: reg.body.id, state: 'active', pending: 0 }]);
  t.equal(listed.body.webhooks[0].lastEventId, receiver.delivered().at(-1)!.id, 'the shared cursor is the last acknowledged event');
  t.comment(`takeover after kill -9 of the delivering node: ${takeoverMs} ms`);
  await post(A, '/v1/logout', {}, token);
  await receiver.until('the session’s end', () => receiver.delivered().some((e) => e.event === 'xmpp.connection'));
});

t.test('the owner, delivering too, is killed mid-delivery: another node delivers the rest and the session’s end', async (t) => {
  const C = await startNode('wh-c', env);
  nodes.push(C);
  receiver.requests.length = 0;
  receiver.answer = (n) => (n === 2 ? 'hang' : 200);
  const token = await login(A, 'fo2');
  const reg = await post(A, '/v1/webhooks', { url: receiver.url('/fo2'), events: ['xmpp.chat.message'] }, token);
  t.equal(reg.status, 201);
  for (const body of ['e1', 'e2', 'e3']) await say('fo2', body);
  await receiver.until('the held delivery', () => receiver.requests.length === 2);
  await sleep(300);
  const killedAt = Date.now();
  A.kill('SIGKILL');
  await A.exited();
  await receiver.until('the session’s end', () => receiver.delivered().some((e) => e.event === 'xmpp.error'), 30000);
  const endMs = Date.now() - killedAt;
  t.equal(receiver.requests[2]!.id, receiver.requests[1]!.id, 'the message under way, again, with its webhook-id');
  t.same(receiver.chats(), ['e1', 'e2', 'e3'], 'what was logged before the kill, once, in order');
  const last = receiver.delivered().at(-1)!;
  t.match(last, { event: 'xmpp.error', data: { condition: 'disconnected' } }, 'the session’s end comes last');
  const ids = receiver.delivered().map((e) => Number(e.id!.split('-')[0]));
  t.same(
    ids,
    [...ids].sort((x, y) => x - y),
    'ids increase',
  );
  t.comment(`owner killed: the rest and the session's end delivered by C ${endMs} ms after the kill`);
  // The webhook ended with its session: nobody delivers it any more.
  const deadline = Date.now() + 5000;
  while ((await gauge(C, 'gateway_webhooks_delivering')) !== 0 && Date.now() < deadline) await sleep(100);
  t.equal(await gauge(C, 'gateway_webhooks_delivering'), 0, 'the webhook ended with its session');
  t.equal((await post(C, '/v1/webhooks/list', {}, token)).status, 410, 'the session is gone');
});
