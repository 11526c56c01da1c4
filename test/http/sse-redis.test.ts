// The event stream over the shared (Redis) log: a live message can reach a node after the read that
// already returned its event (pub/sub and commands are two connections), or again after a
// reconnection. A stream never writes an event twice or out of order, whatever the read does.
import t from 'tap';
import { xml } from '@xmpp/client';
import { Redis } from 'ioredis';
import { startProsody } from '../helpers/prosody.js';
import { connectPeer } from '../helpers/peer.js';
import { startGateway } from '../helpers/gateway.js';
import { startRedis } from '../helpers/redis.js';

const prosody = await startProsody({ users: 2 });
const redis = await startRedis();
const gw = await startGateway(prosody, { redisUrl: redis.url });
const [aliceUser, bobUser] = prosody.users as [(typeof prosody.users)[0], (typeof prosody.users)[0]];
const bob = await connectPeer(prosody, bobUser);
const admin = new Redis(redis.url);
t.teardown(async () => {
  admin.disconnect();
  await bob.stop();
  await gw.close();
  await redis.stop();
  await prosody.stop();
});

const say = (to: string, body: string) => bob.send(xml('message', { to, type: 'chat', id: body }, xml('body', {}, body)));

t.test('a late copy of an event already written is not written again, even when the read back fails', async (t) => {
  const a = await gw.login(aliceUser, { resource: 'late' });
  const to = `${aliceUser.jid}/late`;
  const s = await gw.events({ token: a.token });
  for (const body of ['l1', 'l2', 'l3']) await say(to, body);
  await s.next((e) => e.data.content === 'l3');
  const old = s.events.find((e) => e.data.content === 'l2')!;
  const [channel] = (await admin.pubsub('CHANNELS', 'gw:ev:*')) as string[];
  t.ok(channel, 'the stream follows its session’s channel');
  // The node's command connection goes (its reads fail until it is back) and, at once, the old event
  // arrives live again as a late message would.
  await admin
    .pipeline()
    .call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')
    .publish(channel!, `${old.id}\n${old.event}\n0\n${JSON.stringify(old.data)}`)
    .exec();
  await new Promise((r) => setTimeout(r, 500));
  await say(to, 'l4');
  await s.next((e) => e.data.content === 'l4');
  const chats = s.events.filter((e) => e.event === 'xmpp.chat.message');
  t.same(
    chats.map((e) => e.data.content),
    ['l1', 'l2', 'l3', 'l4'],
    'every event once, in order',
  );
  t.notOk(
    s.events.some((e) => e.event === 'xmpp.gateway.gap'),
    'and no gap: nothing was missed',
  );
  s.close();
  await gw.post('/v1/logout', {}, a.token);
});
