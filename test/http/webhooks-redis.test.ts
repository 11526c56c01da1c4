// Webhooks in multi-node mode (docs/api.md §10, "Several nodes"): two gateway nodes on one real Redis.
// The node that owns the session delivers from the shared event log, with the ids every stream sees;
// the other node refuses the webhook routes with 503.
import t from 'tap';
import http from 'node:http';
import { xml } from '@xmpp/client';
import { startProsody } from '../helpers/prosody.js';
import { connectPeer } from '../helpers/peer.js';
import { startGateway } from '../helpers/gateway.js';
import { startRedis } from '../helpers/redis.js';

interface Delivery {
  webhook: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- event payloads are asserted field by field
  events: Array<{ id?: string; event: string; data: any }>;
}

const requests: Array<{ status: number; id: string; body: Delivery }> = [];
const failFirst = 2;
const server = http.createServer((req, res) => {
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (raw += c));
  req.on('end', () => {
    const status = requests.length < failFirst ? 503 : 200;
    requests.push({ status, id: String(req.headers['webhook-id']), body: JSON.parse(raw) as Delivery });
    res.writeHead(status).end();
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.address();
if (!address || typeof address === 'string') throw new Error('no address');
const target = `127.0.0.1:${address.port}`;

const prosody = await startProsody({ users: 2 });
const redis = await startRedis();
const settings = {
  workers: 1,
  redisUrl: redis.url,
  webhookAllowedHosts: [target],
  webhookTimeoutMs: 500,
  webhookAttempts: 5,
  webhookRetryBaseMs: 50,
  webhookRetryMaxMs: 400,
};
const nodeA = await startGateway(prosody, settings);
const nodeB = await startGateway(prosody, settings);
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
const bob = await connectPeer(prosody, bobUser);
t.teardown(async () => {
  await bob.stop();
  await nodeA.close();
  await nodeB.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await redis.stop();
  await prosody.stop();
});

const delivered = () => requests.filter((q) => q.status === 200).flatMap((q) => q.body.events);
const chats = (events: Delivery['events']) => events.filter((e) => e.event === 'xmpp.chat.message');

t.test('the owner node delivers from the shared log, in order, after retries; another node answers 503', async (t) => {
  const a = await nodeA.login(aliceUser, { resource: 'redis' });
  const elsewhere = await nodeB.post('/v1/webhooks', { url: `http://${target}/` }, a.token);
  t.equal(elsewhere.status, 503);
  t.match(elsewhere.body, { condition: 'service-unavailable', description: /node that owns this session/ });
  t.equal((await nodeB.post('/v1/webhooks/list', {}, a.token)).status, 503, 'list too');

  const reg = await nodeA.post('/v1/webhooks', { url: `http://${target}/`, events: ['xmpp.chat.message'] }, a.token);
  t.equal(reg.status, 201);
  const stream = await nodeB.events({ token: a.token });
  for (const body of ['x1', 'x2', 'x3', 'x4']) {
    await bob.send(xml('message', { to: `${aliceUser.jid}/redis`, type: 'chat', id: body }, xml('body', {}, body)));
  }
  const deadline = Date.now() + 10000;
  while (!chats(delivered()).some((e) => e.data.content === 'x4') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const got = chats(delivered());
  t.same(
    got.map((e) => e.data.content),
    ['x1', 'x2', 'x3', 'x4'],
    'everything once, in order',
  );
  t.same(
    requests.slice(0, 2).map((q) => q.status),
    [503, 503],
    'the first two attempts failed',
  );
  t.equal(requests[2]!.id, requests[0]!.id, 'and were retried as the same message');
  await stream.next((e) => e.data?.content === 'x4');
  const streamed = stream.events.filter((e) => e.event === 'xmpp.chat.message').map((e) => e.id);
  t.same(
    got.map((e) => e.id),
    streamed,
    'the ids are the ones the event stream on the other node shows',
  );
  stream.close();
  await nodeA.post('/v1/logout', {}, a.token);
});
