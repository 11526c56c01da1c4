// Webhooks in multi-node mode (docs/api.md §10, "Several nodes"): two gateway nodes on one real Redis,
// a real Prosody and a real HTTP receiver. Any node registers, lists and deletes a session's webhooks
// (they are shared state); deliveries come from the shared log with the ids every stream sees; and a
// webhook keeps delivering, in order, across a redis-server restart that loses every key.
import t from 'tap';
import { xml } from '@xmpp/client';
import { startProsody } from '../helpers/prosody.js';
import { connectPeer } from '../helpers/peer.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { startRedis } from '../helpers/redis.js';
import { Receiver } from './webhooks-receiver.js';

const receiver = await Receiver.start();
const prosody = await startProsody({ users: 2 });
let redis = await startRedis();
const settings = {
  workers: 1,
  redisUrl: redis.url,
  leaseMs: 1500,
  webhookAllowedHosts: [receiver.host],
  webhookTimeoutMs: 500,
  webhookAttempts: 5,
  webhookRetryBaseMs: 50,
  webhookRetryMaxMs: 400,
};
const nodeA = await startGateway(prosody, settings);
const nodeB = await startGateway(prosody, settings);
// A brand-new Redis is not trusted for one lease (README "Multi-node": an unknown webhook answers 503
// meanwhile); the nodes now boot within that window, so let it pass before asserting 404s.
await new Promise((r) => setTimeout(r, settings.leaseMs + 200));
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
const bob = await connectPeer(prosody, bobUser);
t.teardown(async () => {
  await bob.stop();
  await nodeA.close();
  await nodeB.close();
  await receiver.close();
  await redis.stop();
  await prosody.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (resource: string, body: string) =>
  bob.send(xml('message', { to: `${aliceUser.jid}/${resource}`, type: 'chat', id: body }, xml('body', {}, body)));
/** Retries a request while Redis is away or being restored (503), as a client told Retry-After would. */
async function settled(g: TestGateway, path: string, body: unknown, token: string) {
  const deadline = Date.now() + 20000;
  for (;;) {
    const res = await g.post(path, body, token);
    if (res.status !== 503 || Date.now() > deadline) return res;
    await sleep(200);
  }
}

t.test('any node registers, lists and deletes; the ids are the ones the stream on the other node shows', async (t) => {
  receiver.requests.length = 0;
  receiver.answer = (n) => (n <= 2 ? 503 : 200);
  const a = await nodeA.login(aliceUser, { resource: 'any' });
  // The session's XMPP connection is on A; B answers the webhook routes itself.
  const reg = await nodeB.post('/v1/webhooks', { url: receiver.url(), events: ['xmpp.chat.message'] }, a.token);
  t.equal(reg.status, 201, 'registered through the node that does not own the session');
  const extra = await nodeA.post('/v1/webhooks', { url: receiver.url('/other') }, a.token);
  t.equal(extra.status, 201);
  const listed = await nodeA.post('/v1/webhooks/list', {}, a.token);
  t.equal(listed.status, 200);
  t.same(
    listed.body.webhooks.map((w: { id: string }) => w.id),
    [reg.body.id, extra.body.id],
    'the owner lists what another node registered',
  );
  t.match(listed.body.webhooks[0], { url: receiver.url(), events: ['xmpp.chat.message'], state: 'active', pending: 0 });
  t.same((await nodeB.post('/v1/webhooks/delete', { id: extra.body.id }, a.token)).body, { ok: true });
  const again = await nodeA.post('/v1/webhooks/delete', { id: extra.body.id }, a.token);
  t.equal(again.status, 404, `deleted for every node: ${again.status} ${JSON.stringify(again.body)}`);

  const stream = await nodeB.events({ token: a.token });
  for (const body of ['x1', 'x2', 'x3', 'x4']) await say('any', body);
  await receiver.until('x4', () => receiver.chats().includes('x4'));
  t.same(receiver.chats(), ['x1', 'x2', 'x3', 'x4'], 'everything once, in order');
  t.same(
    receiver.requests.slice(0, 2).map((q) => q.status),
    [503, 503],
    'the first two attempts failed',
  );
  t.equal(receiver.requests[2]!.id, receiver.requests[0]!.id, 'and were retried as the same message');
  t.notOk(
    receiver.requests.some((q) => q.body.webhook === extra.body.id && q.body.events.some((e) => e.event === 'xmpp.chat.message')),
    'the deleted webhook received none of them',
  );
  await stream.next((e) => e.data?.content === 'x4');
  const streamed = stream.events.filter((e) => e.event === 'xmpp.chat.message').map((e) => e.id);
  t.same(
    receiver
      .delivered()
      .filter((e) => e.event === 'xmpp.chat.message')
      .map((e) => e.id),
    streamed,
    'the ids are the ones the event stream on the other node shows',
  );
  stream.close();
  const after = (await nodeB.post('/v1/webhooks/list', {}, a.token)).body.webhooks[0];
  t.match(after, { state: 'active', pending: 0, lastEventId: streamed.at(-1) }, 'the shared cursor moved on');
  await nodeA.post('/v1/logout', {}, a.token);
  await receiver.until('the session’s last event', () =>
    receiver.delivered().some((e) => e.event === 'xmpp.connection' && e.data.status === 'offline'),
  );
});

t.test('a webhook keeps delivering across a redis-server restart that loses every key', async (t) => {
  receiver.requests.length = 0;
  receiver.answer = () => 200;
  const a = await nodeA.login(aliceUser, { resource: 'restart' });
  const reg = await nodeA.post('/v1/webhooks', { url: receiver.url('/restart'), events: ['xmpp.chat.message'] }, a.token);
  t.equal(reg.status, 201);
  await say('restart', 'y1');
  await receiver.until('y1', () => receiver.chats().includes('y1'));

  await redis.stop();
  await sleep(300);
  // Logged by the owner while Redis is away (held locally, written when it is back).
  await say('restart', 'y2');
  await sleep(500);
  redis = await startRedis({ port: redis.port });
  await say('restart', 'y3');
  await receiver.until('y3 after the restart', () => receiver.chats().includes('y3'), 30000);
  t.same(receiver.chats(), ['y1', 'y2', 'y3'], 'nothing lost, nothing twice, in order');
  const ids = receiver.delivered().map((e) => Number(e.id!.split('-')[0]));
  t.same(
    ids,
    [...ids].sort((x, y) => x - y),
    'ids increase',
  );

  // The registration was written back with its cursor: both nodes list it again (503 until then).
  const listed = await settled(nodeB, '/v1/webhooks/list', {}, a.token);
  t.equal(listed.status, 200);
  t.match(listed.body.webhooks, [{ id: reg.body.id, state: 'active' }], 'listed again on the other node');
  await say('restart', 'y4');
  await receiver.until('y4', () => receiver.chats().includes('y4'));
  t.same(receiver.chats(), ['y1', 'y2', 'y3', 'y4'], 'and it carries on');
  await settled(nodeA, '/v1/logout', {}, a.token);
});
