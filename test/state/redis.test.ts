// Every seam's contract against the Redis implementations and one real redis-server of our own, then
// what only Redis does: start-up failure, a data set lost in a restart (trust), events held through
// an outage, resubscription, a node that does not acknowledge.
import t from 'tap';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { keys } from '../../src/state/redis-keys.js';
import { createState, type State } from '../../src/state/index.js';
import { freePort } from '../helpers/ports.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { type Backend, CONTRACT_CONFIG, newSid } from './backend.js';
import { busContract } from './bus.contract.js';
import { eventLogContract } from './event-log.contract.js';
import { ownershipContract } from './ownership.contract.js';
import { rateLimitContract } from './rate-limit.contract.js';
import { sessionStoreContract } from './session-store.contract.js';
import { webhookStoreContract } from './webhook-store.contract.js';

const server: RedisServer = await startRedis();
const opened: State[] = [];
t.teardown(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await server.stop();
});

const quiet = { info: () => undefined, warn: () => undefined };

async function redisNode(url: string, nodeId: string, extra: Partial<typeof CONTRACT_CONFIG> = {}): Promise<State> {
  const state = await createState({ redisUrl: url, nodeId, ...CONTRACT_CONFIG, ...extra }, quiet);
  opened.push(state);
  return state;
}

// A brand-new data set is not trusted for one lease (see RedisTrust): let that window pass first.
await redisNode(server.url, 'warm-up');
await new Promise((r) => setTimeout(r, CONTRACT_CONFIG.leaseMs + 100));

const redis: Backend = {
  name: 'redis',
  async fresh() {
    return { node: (nodeId: string) => redisNode(server.url, nodeId) };
  },
};

sessionStoreContract(t, redis);
eventLogContract(t, redis);
ownershipContract(t, redis);
busContract(t, redis);
rateLimitContract(t, redis);
webhookStoreContract(t, redis);

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await wait(25);
  }
}

t.test('webhook signing secrets: sealed in Redis with SESSION_KEY, bound to their webhook; plain ones still read', async (t) => {
  const key = randomBytes(32).toString('base64');
  const sealedNode = await createState({ redisUrl: server.url, nodeId: 'seal-a', ...CONTRACT_CONFIG, sessionKey: key }, quiet);
  const otherKey = await createState(
    { redisUrl: server.url, nodeId: 'seal-b', ...CONTRACT_CONFIG, sessionKey: randomBytes(32).toString('base64') },
    quiet,
  );
  opened.push(sealedNode, otherKey);
  const plainNode = await redisNode(server.url, 'seal-c');
  const raw = new Redis(server.url);
  t.teardown(() => raw.quit());
  const sid = newSid();
  const secret = 'whsec_' + randomBytes(24).toString('base64');
  const hook = { id: 'wh1', sid, url: 'https://app.example.org/h', secret, createdAt: 1, progress: { state: 'active' as const } };
  t.ok(await sealedNode.webhooks.add(hook, 3, 60_000));
  const stored = (await raw.hget(keys.webhooks(sid), 'wh1'))!;
  t.notMatch(stored, secret, 'the secret is not in Redis in clear');
  t.notMatch(stored, Buffer.from(secret).toString('base64'), 'nor as base64');
  t.match(stored, /"secret":"sealed:v1:/);
  t.equal((await sealedNode.webhooks.get(sid, 'wh1'))?.secret, secret, 'a node with the key signs with the secret');
  t.equal((await sealedNode.webhooks.list(sid))[0]?.secret, secret);
  await t.rejects(otherKey.webhooks.get(sid, 'wh1'), /does not open/, 'another key does not open it');
  await t.rejects(plainNode.webhooks.get(sid, 'wh1'), /no SESSION_KEY/, 'nor no key');
  // Moved to another webhook's slot, the sealed value does not open: it is bound to its webhook.
  await raw.hset(keys.webhooks(sid), 'wh2', stored.replace('"id":"wh1"', '"id":"wh2"'));
  await t.rejects(sealedNode.webhooks.get(sid, 'wh2'), /does not open/);
  // Registered before the key was configured: stored as it is, and still read.
  const sid2 = newSid();
  t.ok(await plainNode.webhooks.add({ ...hook, sid: sid2 }, 3, 60_000));
  t.match((await raw.hget(keys.webhooks(sid2), 'wh1'))!, secret, 'without SESSION_KEY, as before');
  t.equal((await sealedNode.webhooks.get(sid2, 'wh1'))?.secret, secret);
});

t.test('an unreachable Redis at start is one clear error, and nothing else', async (t) => {
  const port = await freePort();
  const warnings: string[] = [];
  const logger = { info: () => undefined, warn: (_o: object, msg: string) => void warnings.push(msg) };
  const started = Date.now();
  const err = await createState({ ...CONTRACT_CONFIG, redisUrl: `redis://127.0.0.1:${port}`, nodeId: 'x' }, logger).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(err, Error);
  t.equal((err as Error).message, `Redis at redis://127.0.0.1:${port}: connection refused`);
  t.same(warnings, [], 'no warning per retry');
  t.ok(Date.now() - started < 5000, `given up after ${Date.now() - started} ms`);
  const withPassword = await createState(
    { ...CONTRACT_CONFIG, redisUrl: `redis://user:s3cret@127.0.0.1:${port}`, nodeId: 'x' },
    logger,
  ).then(
    () => '',
    (e: unknown) => (e as Error).message,
  );
  t.notMatch(withPassword, /s3cret/, 'credentials never appear in the message');
});

t.test('a gateway process started without its Redis exits 1 with that one message, no warning flood', async (t) => {
  const port = await freePort();
  const server = fileURLToPath(new URL('../../src/server.js', import.meta.url));
  const child = spawn(process.execPath, [server], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', WORKERS: '1', LOG_LEVEL: 'info', REDIS_URL: `redis://127.0.0.1:${port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.equal(code, 1);
  t.match(stderr, `Redis at redis://127.0.0.1:${port}: connection refused`);
  t.notMatch(stdout, /redis/i, 'nothing logged per connection attempt');
});

t.test('a node that does not acknowledge: 503 after the relay timeout, not after the request timeout', async (t) => {
  const A = await redisNode(server.url, 'ack-a');
  const ghost = new Redis(server.url);
  t.teardown(() => ghost.quit());
  await ghost.subscribe(keys.nodeChannel('ghost')); // listens, never answers: a stuck process
  const started = Date.now();
  const err = await A.bus.request('ghost', { op: 'logout', sid: 's' }, { timeoutMs: 10000, ackTimeoutMs: 300 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.match(err, { status: 503, body: { type: 'wait', condition: 'service-unavailable' } });
  t.ok(Date.now() - started < 2000, `after ${Date.now() - started} ms`);
});

t.test('Redis restarts without its data', async (t) => {
  let own = await startRedis();
  t.teardown(() => own.stop());
  const X = await redisNode(own.url, 'restart-x');
  const Y = await redisNode(own.url, 'restart-y');
  await wait(CONTRACT_CONFIG.leaseMs + 100);
  const restart = async () => {
    await own.stop();
    own = await startRedis({ port: own.port });
  };

  t.test('a miss cannot be trusted until the owners had time to write their sessions back', async (t) => {
    const record = {
      sid: 'trust-1',
      tokenHash: 'trust-token',
      jid: { user: 'alice', domain: 'example.org' },
      state: 'online' as const,
      createdAt: 1,
      lastActive: 1,
    };
    await X.store.create(record);
    await X.ownership.claim(record.sid);
    t.equal(await Y.store.byTokenHash('never-issued'), undefined, 'a trusted data set: an unknown token is unknown');
    await restart();
    await until('both nodes reconnected', () => X.ready() && Y.ready());
    const lookups = await Promise.allSettled([
      Y.store.byTokenHash(record.tokenHash),
      Y.store.get(record.sid),
      Y.ownership.ownerOf(record.sid),
      Y.store.ticket('some-ticket', Date.now()),
    ]);
    t.same(
      lookups.map((r) => (r.status === 'rejected' ? (r.reason as { status?: number }).status : 'resolved')),
      [503, 503, 503, 503],
      'while the data set is new: 503, never "no such session"',
    );
    // The owner writes back (what the session manager does on `missing`): found again at once.
    await X.ownership.claim(record.sid);
    await X.store.create(record);
    t.same(await Y.store.byTokenHash(record.tokenHash), record);
    t.equal(await Y.ownership.ownerOf(record.sid), 'restart-x');
    await wait(CONTRACT_CONFIG.leaseMs + 100);
    t.equal(await Y.store.byTokenHash('never-issued'), undefined, 'after one lease: misses are believed again');
  });

  t.test('events of the outage are held by the owner and written in order when Redis returns', async (t) => {
    const sid = 'outage-1';
    const first = await X.log.append(sid, 'before', {});
    await own.stop();
    const during = [await X.log.append(sid, 'during-1', { n: 1 }), await X.log.append(sid, 'during-2', { n: 2 })];
    t.same(
      during.map((e) => e.id),
      ['2-0', '3-0'],
      'they get their ids at once',
    );
    own = await startRedis({ port: own.port });
    await until(
      'the held events are written',
      async () => (await Y.log.read(sid, first.id).catch(() => ({ events: [] }))).events.length === 2,
    );
    const after = await Y.log.read(sid, first.id);
    t.same(after, {
      events: [
        { id: '2-0', name: 'during-1', data: '{"n":1}' },
        { id: '3-0', name: 'during-2', data: '{"n":2}' },
      ],
      gap: false,
    });
    const next = await X.log.append(sid, 'after', {});
    t.equal(next.id, '4-0', 'numbering goes on');
  });

  t.test('past the bound, the oldest held events go and readers see a gap', async (t) => {
    const sid = 'outage-2';
    const first = await X.log.append(sid, 'before', {});
    await own.stop();
    for (let i = 1; i <= 5; i++) await X.log.append(sid, `during-${i}`, {});
    own = await startRedis({ port: own.port });
    // The last one written: 'before' is written again first (the restarted Redis lost it), so three
    // events in the log do not yet mean the held ones are all there.
    await until('the held events are written', async () =>
      (await Y.log.read(sid, undefined).catch(() => ({ events: [] }))).events.some((e) => e.name === 'during-5'),
    );
    const after = await Y.log.read(sid, first.id);
    t.equal(after.gap, true);
    t.same(
      after.events.map((e) => e.name),
      ['during-3', 'during-4', 'during-5'],
    );
  });

  t.test('subscribers are told to catch up once their subscription is back', async (t) => {
    let resyncs = 0;
    const heard: string[] = [];
    const off = await Y.log.subscribe(
      'resync-1',
      (e) => heard.push(e.name),
      () => resyncs++,
    );
    t.teardown(off);
    await restart();
    await until('resync', () => resyncs > 0);
    await X.log.append('resync-1', 'live again', {});
    await until('the live event', () => heard.includes('live again'));
    t.pass('live events flow again after the resync');
  });
});

t.test('a rate-limit counter is one key with a hash tag and the window as its lifetime, never permanent', async (t) => {
  const state = await redisNode(server.url, 'rl-node');
  const raw = new Redis(server.url);
  t.teardown(() => raw.quit());
  const key = `alice-${Date.now()}@example.org`;
  await state.rateLimits.hit(key, 60_000);
  const redisKey = keys.rateLimit(key);
  t.match(redisKey, /^gw:rl:\{[A-Za-z0-9_-]{22}\}$/, 'hashed: no JID in the key space');
  t.notOk(redisKey.includes('alice'));
  t.equal(await raw.get(redisKey), '1');
  const ttl = await raw.pttl(redisKey);
  t.ok(ttl > 59_000 && ttl <= 60_000, `PTTL ${ttl}`);
  // A counter that lost its lifetime (e.g. PERSIST by hand) gets the window again on the next attempt.
  await raw.persist(redisKey);
  const next = await state.rateLimits.hit(key, 30_000);
  t.equal(next.count, 2);
  t.ok((await raw.pttl(redisKey)) > 0, 'a lifetime again');
});

t.test('rate limits while Redis is away: 503 (type wait), never a free pass; counting goes on when it returns', async (t) => {
  let own = await startRedis();
  t.teardown(() => own.stop());
  const X = await redisNode(own.url, 'rl-outage');
  t.equal((await X.rateLimits.hit('outage-key', 60_000)).count, 1);
  await own.stop();
  const started = Date.now();
  const err = await X.rateLimits.hit('outage-key', 60_000).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.match(err, { status: 503, body: { type: 'wait', condition: 'service-unavailable' } });
  t.ok(Date.now() - started < 5000, 'answered at once, not held');
  own = await startRedis({ port: own.port });
  await until('reconnected', () => X.ready());
  t.equal((await X.rateLimits.hit('outage-key', 60_000)).count, 1, 'a new data set counts from one');
});

/** A proxy to the test's Redis that can drop what the server answers, and close every connection. */
async function replyDropper(port: number): Promise<{ port: number; swallow: boolean; resetAll(): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (!proxy.swallow) client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, () => resolve()));
  const address = server.address() as net.AddressInfo; // listening on a TCP port: an AddressInfo
  const proxy = {
    port: address.port,
    swallow: false,
    resetAll() {
      // destroy(), not resetAndDestroy(): a reset socket stayed among the process's active handles
      // after it closed, and the test file never exited (Node 20).
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    close() {
      proxy.resetAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}

t.test('an append whose reply was lost, sent again by ioredis after it reconnected, is logged once', async (t) => {
  const proxy = await replyDropper(server.port);
  const direct = new Redis(server.url);
  // Not through redisNode(): this one is closed here, before its proxy goes.
  const state = await createState({ redisUrl: `redis://127.0.0.1:${proxy.port}`, nodeId: 'lossy', ...CONTRACT_CONFIG }, quiet);
  t.teardown(async () => {
    await state.close();
    direct.disconnect();
    await proxy.close();
  });
  const sid = newSid();
  await state.log.append(sid, 'a', { n: 1 });
  proxy.swallow = true;
  const second = state.log.append(sid, 'b', { n: 2 });
  // Redis wrote it; its answer goes nowhere. Then the connection drops: ioredis keeps the command and
  // sends it again once it has reconnected (autoResendUnfulfilledCommands).
  await until('the second event is in Redis', async () => (await direct.xlen(keys.events(sid))) === 2);
  proxy.resetAll();
  proxy.swallow = false;
  const logged = await second;
  const entries = await direct.xrange(keys.events(sid), '-', '+');
  t.same(
    entries.map(([, f]) => f[1]),
    ['a', 'b'],
    'each event once',
  );
  t.equal(logged.id, entries[1]![0], 'under the number it was given');
});
