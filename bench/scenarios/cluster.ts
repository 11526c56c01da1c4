// cluster: two gateway nodes sharing one Redis. The send scenario with every POST on the node that
// owns the sessions vs. on the other node (relayed over Redis); then an SSE replay of a long
// buffer from the Redis event log on the non-owner node vs. from a single node's memory log. Each
// phase on a fresh Prosody (the Redis server is the run's).
import { xml } from '@xmpp/client';
import { connectDirect } from '../lib/direct.js';
import { startBenchGateway, type BenchGateway } from '../lib/gateway.js';
import { cpuPer, type CpuUsage } from '../lib/proc.js';
import { SseStream } from '../lib/sse.js';
import { row, type BenchContext, type Scenario } from '../lib/types.js';
import { gatewaySend, meterFor, sendParams } from './phases.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Fills one session's event log with `count` chat events (a peer sends them; a live stream on
 * `owner` confirms they are logged), then times a full replay through a fresh stream on `reader`.
 */
async function replay(
  ctx: BenchContext,
  owner: BenchGateway,
  reader: BenchGateway,
  count: number,
  pids: { gateway: number[]; redis?: number[] },
) {
  const session = await owner.login(ctx.accounts[0]!, 'replay');
  const peer = await connectDirect(ctx.server, ctx.accounts[1]!, 'replay-peer');
  try {
    let logged = 0;
    const live = await SseStream.open(owner.url, session.token, (name) => (name === 'xmpp.chat.message' ? logged++ : undefined));
    // Bounded in flight, so Prosody's queue stays short.
    let sent = 0;
    while (sent < count) {
      while (sent < count && sent - logged < 64) {
        void peer.send(xml('message', { to: session.jid, type: 'chat', id: `e${sent}` }, xml('body', {}, `event ${sent++}`)));
      }
      await sleep(1);
    }
    const deadline = performance.now() + 30000;
    while (logged < count && performance.now() < deadline) await sleep(10);
    live.close();
    if (logged < count) throw new Error(`only ${logged} of ${count} events were logged`);

    const meter = meterFor(ctx, pids.gateway, pids.redis ? { redis: pids.redis } : {});
    let replayed = 0;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    meter.start();
    const t0 = performance.now();
    const stream = await SseStream.open(reader.url, session.token, (name) => {
      if (name === 'xmpp.chat.message' && ++replayed === count) done();
    });
    await Promise.race([finished, sleep(60000)]);
    const seconds = (performance.now() - t0) / 1000;
    const usage = meter.stop();
    stream.close();
    if (replayed < count) throw new Error(`replay delivered ${replayed} of ${count} events`);
    return { rate: count / seconds, usage };
  } finally {
    await peer.stop();
    await owner.logout(session).catch(() => undefined);
  }
}

export const cluster: Scenario = async (ctx) => {
  const redis = await ctx.redis();
  const p = sendParams(ctx);
  const events = ctx.quick ? 300 : 3000;
  const env = { EVENT_BUFFER_SIZE: String(events + 100), LEASE_MS: '10000' };
  const prof = (name: string) => (ctx.profileDir ? { profileDir: `${ctx.profileDir}/cluster-${ctx.modules}-${name}` } : {});
  const a = await startBenchGateway(ctx.server, { name: 'A', workers: 1, redisUrl: redis.url, env, ...prof('A') });
  const b = await startBenchGateway(ctx.server, { name: 'B', workers: 1, redisUrl: redis.url, env, ...prof('B') });
  let owner, forwarded, redisReplay;
  try {
    const pids = { gatewayPids: [a.pid, b.pid], redisPid: redis.pid };
    await ctx.freshProsody();
    owner = await gatewaySend(ctx, a, p, pids);
    await ctx.freshProsody();
    forwarded = await gatewaySend(ctx, a, p, { ...pids, via: b });
    await ctx.freshProsody();
    redisReplay = await replay(ctx, a, b, events, { gateway: [a.pid, b.pid], redis: [redis.pid] });
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
  const single = await startBenchGateway(ctx.server, { name: 'single', workers: 1, env, ...prof('single') });
  let memoryReplay: { rate: number; usage: CpuUsage };
  try {
    await ctx.freshProsody();
    memoryReplay = await replay(ctx, single, single, events, { gateway: [single.pid] });
  } finally {
    await single.stop();
  }
  const o = owner.result;
  const f = forwarded.result;
  const ol = o.latency.summary();
  const fl = f.latency.summary();
  const oCpu = cpuPer(owner.usage, o.delivered, 'msg');
  const fCpu = cpuPer(forwarded.usage, f.delivered, 'msg');
  const redisCpu = cpuPer(redisReplay.usage, events, 'event');
  const memoryCpu = cpuPer(memoryReplay.usage, events, 'event');
  return {
    params: { ...p, workersPerNode: 1, replayEvents: events },
    rows: [
      row('send msg/s, POST on other node', 'msg/s', Math.round(f.rate), Math.round(o.rate), 'owner node', {
        // Issue #18 goal 4.
        target: '≥ 0.8×',
        met: f.rate >= 0.8 * o.rate,
        cpu: { gateway: fCpu, baseline: oCpu },
      }),
      row('send p99, POST on other node', 'ms', fl.p99, ol.p99, 'owner node'),
      row(`SSE replay of ${events} events`, 'events/s', Math.round(redisReplay.rate), Math.round(memoryReplay.rate), 'memory, 1 node', {
        note: 'Redis log, read on the non-owner node',
        cpu: { gateway: redisCpu, baseline: memoryCpu },
      }),
    ],
    phases: [
      {
        name: 'send via owner',
        usage: owner.usage,
        perUnit: oCpu,
        extra: { latency: ol, post: o.sendLatency.summary(), errors: o.errors },
      },
      {
        name: 'send via other node',
        usage: forwarded.usage,
        perUnit: fCpu,
        extra: { latency: fl, post: f.sendLatency.summary(), errors: f.errors },
      },
      { name: 'replay from Redis', usage: redisReplay.usage, perUnit: redisCpu },
      { name: 'replay from memory', usage: memoryReplay.usage, perUnit: memoryCpu },
    ],
    notes: o.errors + f.errors > 0 ? [`failed POSTs: ${o.errors} via owner, ${f.errors} via the other node`] : [],
  };
};
