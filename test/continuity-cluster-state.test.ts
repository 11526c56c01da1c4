// The takeover state's parts without Prosody (docs/api.md "Continuity"): SESSION_KEY parsing, the
// seal (AES-256-GCM bound to the session id), and the Redis side: writes fenced by the lease, one
// claim winning of several, the state gone with the session.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { createState, type State } from '../src/state/index.js';
import { hasTakeoverLeases } from '../src/state/ownership.js';
import { keys } from '../src/state/redis-keys.js';
import { openTakeover, sealTakeover, type Takeover } from '../src/workers/takeover.js';
import { startRedis } from './helpers/redis.js';

const key = randomBytes(32);
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

t.test('SESSION_KEY: 32 bytes as hex or base64, anything else refused', async (t) => {
  t.equal(loadConfig({ SESSION_KEY: key.toString('hex') }).sessionKey, key.toString('base64'));
  t.equal(loadConfig({ SESSION_KEY: key.toString('base64') }).sessionKey, key.toString('base64'));
  t.equal(loadConfig({ SESSION_KEY: key.toString('base64url') }).sessionKey, key.toString('base64'));
  t.equal(loadConfig({}).sessionKey, '', 'off by default');
  t.throws(() => loadConfig({ SESSION_KEY: randomBytes(16).toString('base64') }), /SESSION_KEY: must be 32 bytes/);
  t.throws(() => loadConfig({ SESSION_KEY: 'not a key!' }), /SESSION_KEY/);
});

const sample = (): Takeover => ({
  state: {
    login: { host: '127.0.0.1', port: 5222, domain: 'localhost', username: 'alice', resource: 'r', anonymous: false },
    jid: 'alice@localhost/r',
    sm: { id: 'sm-1', inbound: 5, acked: 2, queue: ["<message to='b@localhost'><body>x</body></message>"] },
    rooms: [{ room: 'room@conference.localhost', nick: 'al' }],
    at: 1,
  },
  keys: { algorithm: 'sha256', salt: 'c2FsdA==', iterations: 4096, clientKey: randomBytes(32), serverKey: randomBytes(32) },
});

t.test('the seal: opens with its key and session id only; tampering is refused', async (t) => {
  const k = key.toString('base64');
  const s = sample();
  const blob = sealTakeover(k, 'sid-1', s);
  const back = openTakeover(k, 'sid-1', blob);
  t.same(back.state, s.state);
  t.ok(back.keys.clientKey.equals(s.keys.clientKey) && back.keys.serverKey.equals(s.keys.serverKey));
  t.notOk(Buffer.from(blob, 'base64').includes(s.keys.clientKey), 'no key bytes in the blob');
  t.notOk(Buffer.from(blob, 'base64').toString('latin1').includes('alice'), 'nor the JID');
  t.throws(() => openTakeover(k, 'sid-2', blob), 'bound to its session');
  t.throws(() => openTakeover(randomBytes(32).toString('base64'), 'sid-1', blob), 'another key');
  const raw = Buffer.from(blob, 'base64');
  raw[raw.length - 1]! ^= 1;
  t.throws(() => openTakeover(k, 'sid-1', raw.toString('base64')), 'altered');
});

t.test('Redis: fenced writes, one claim wins, the state goes with the session', async (t) => {
  const redis = await startRedis();
  const config = { redisUrl: redis.url, leaseMs: 1000, eventBufferSize: 10, eventBufferAgeS: 10, sessionKey: key.toString('base64') };
  const nodes: State[] = [];
  for (const nodeId of ['st-a', 'st-b', 'st-c']) nodes.push(await createState({ ...config, nodeId }, silent));
  t.teardown(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await redis.stop();
  });
  const [a, b, c] = nodes as [State, State, State];
  const record = { sid: 's1', tokenHash: 'h1', jid: { domain: 'localhost' }, state: 'online' as const, createdAt: 1, lastActive: 1 };
  await a.store.create(record);
  await a.ownership.claim('s1');
  a.ownership.start(() => ['s1'], { lost: () => undefined, missing: async () => undefined });
  t.ok(await a.store.putTakeover!('s1', 'st-a', 'blob-1', 7), 'the lease holder writes');
  t.notOk(await b.store.putTakeover!('s1', 'st-b', 'blob-x', 99), 'another node does not');
  if (!hasTakeoverLeases(b.ownership) || !hasTakeoverLeases(c.ownership)) throw new Error('no takeover leases');
  t.same(await b.ownership.claimTakeover('s1', 'st-a'), { result: 'waiting' }, 'not while the lease runs');
  // The owner "dies": its heartbeat and renewals stop, its lease lapses.
  await a.ownership.stop();
  await new Promise((r) => setTimeout(r, 1100));
  const orphans = await b.ownership.orphans();
  t.same(orphans, [{ nodeId: 'st-a', sids: ['s1'] }], 'the dead node and its session');
  const claims = await Promise.all([b.ownership.claimTakeover('s1', 'st-a'), c.ownership.claimTakeover('s1', 'st-a')]);
  t.same(
    claims.filter((x) => x.result === 'claimed'),
    [{ result: 'claimed', blob: 'blob-1', h: 7 }],
    'exactly one survivor wins',
  );
  t.same(claims.filter((x) => x.result === 'taken').length, 1, 'the other finds it taken');
  const winner = claims[0]!.result === 'claimed' ? 'st-b' : 'st-c';
  t.notOk(await a.store.putTakeover!('s1', 'st-a', 'stale', 1), 'the old owner cannot write after the new one');
  t.ok(await (winner === 'st-b' ? b : c).store.putTakeover!('s1', winner, 'blob-2', 8));
  await b.store.markGone('s1', 'test', 2, 1000);
  t.equal(await redisGet(redis.url, keys.takeover('s1')), null, 'gone: the sealed state is deleted at once');
});

async function redisGet(url: string, k: string): Promise<string | null> {
  const { Redis } = await import('ioredis');
  const r = new Redis(url);
  try {
    return await r.get(k);
  } finally {
    r.disconnect();
  }
}
