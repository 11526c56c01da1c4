// Issue #18 goal 4, asserted rather than hoped: the Redis commands an action costs, counted on the
// clients themselves (every ioredis command goes through Redis.prototype.sendCommand) against a real
// redis-server of our own. Two session managers with fake pools share it: "a" owns the session.
import t from 'tap';
import { Redis, type Command } from 'ioredis';
import { SessionManager } from '../../src/session/manager.js';
import { createState, type State } from '../../src/state/index.js';
import { startRedis } from '../helpers/redis.js';
import { FakePool, rejection, testConfig } from './fake-pool.js';

const server = await startRedis();
// A long lease: no renewal round (one EVAL per owned session) falls inside a counted window.
const config = testConfig({ redisUrl: server.url, leaseMs: 30000, relayTimeoutMs: 2000 });
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const states: State[] = [];
const managers: SessionManager[] = [];
t.teardown(async () => {
  for (const m of managers) await m.shutdown(0).catch(() => undefined);
  for (const s of states) await s.close().catch(() => undefined);
  await server.stop();
});

async function node(nodeId: string): Promise<{ manager: SessionManager; pool: FakePool }> {
  const state = await createState({ ...config, nodeId }, quiet);
  states.push(state);
  const pool = new FakePool();
  const manager = new SessionManager({
    config,
    pool,
    store: state.store,
    log: state.log,
    ownership: state.ownership,
    bus: state.bus,
    logger: quiet,
  });
  managers.push(manager);
  return { manager, pool };
}

// A brand-new data set is not trusted for one lease (RedisTrust): let that window pass first.
const warmUp = await createState({ ...config, nodeId: 'warm-up', leaseMs: 300 }, quiet);
await new Promise((r) => setTimeout(r, 400));
await warmUp.close();

/** The commands sent while `fn` runs, as "NAME key" (the first argument). */
async function commands(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const original = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function (this: Redis, command: Command, ...rest: unknown[]) {
    seen.push(`${command.name} ${String(command.args[command.name === 'eval' || command.name === 'evalsha' ? 2 : 0] ?? '')}`);
    // The original, with the arguments it was given (ioredis declares an optional stream after the command).
    return (original as (this: Redis, ...args: unknown[]) => unknown).call(this, command, ...rest);
  };
  try {
    await fn();
  } finally {
    Redis.prototype.sendCommand = original;
  }
  return seen;
}

const a = await node('node-a');
const b = await node('node-b');
const login = await a.manager.login({ jid: 'alice@example.org/rt', password: 'secret' }, false);
// Heartbeats and the first renewal round of both nodes, out of the way.
await new Promise((r) => setTimeout(r, 300));

t.test('an action on the owner node: one Redis command (the session record), once its token is known', async (t) => {
  await a.manager.action(await a.manager.authenticate(login.token), 'chat.send', { n: 0 });
  const sent = await commands(async () => {
    const record = await a.manager.authenticate(login.token);
    await a.manager.action(record, 'chat.send', { n: 1 });
  });
  t.equal(sent.length, 1, `one command: ${sent.join(', ')}`);
  t.match(sent[0], /^hgetall gw:\{.+\}:s$/, 'the read of the session record');
  t.equal(a.pool.calls.length, 2, 'both actions ran');
});

t.test('a relayed action: one store touch in all (the relaying node), none on the owner', async (t) => {
  await b.manager.authenticate(login.token);
  const sent = await commands(async () => {
    const record = await b.manager.authenticate(login.token);
    await b.manager.action(record, 'chat.send', { n: 2 });
  });
  const touches = sent.filter((c) => /^(eval|evalsha|hset) gw:\{.+\}:s$/.test(c));
  t.equal(touches.length, 1, `one touch of the session record: ${sent.join(', ')}`);
  t.equal(a.pool.calls.at(-1)?.body && JSON.stringify(a.pool.calls.at(-1)!.body), '{"n":2}', 'the owner ran it');
});

t.test('a logged-out token is refused at once on every node, cached or not', async (t) => {
  await a.manager.authenticate(login.token);
  await b.manager.authenticate(login.token);
  await b.manager.logout(await b.manager.authenticate(login.token));
  for (const m of [a.manager, b.manager]) t.match(await rejection(m.authenticate(login.token)), { status: 401 });
});
