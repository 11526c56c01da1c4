// fanout: one session read through many SSE streams. Single events, one at a time (issue #18 goal 3:
// one event reaches 1,000 streams with a p99 ≤ 50 ms), then bursts of incoming messages: delivery
// latency to every stream (vs. one direct receiver of the same messages) and the gateway's memory;
// then slow consumers (streams that stop reading) must be cut off without the gateway's memory growing.
import { xml } from '@xmpp/client';
import { connectDirect, mapLimit, type DirectClient } from '../lib/direct.js';
import { startBenchGateway, type BenchGateway } from '../lib/gateway.js';
import { Latency } from '../lib/hist.js';
import { cpuPer, rssBytes } from '../lib/proc.js';
import { SseStream } from '../lib/sse.js';
import { row, type BenchContext, type Scenario } from '../lib/types.js';
import { meterFor } from './phases.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 2 ** 20;

interface Params {
  streams: number;
  /** Single events, each sent once the one before has reached every stream. */
  singles: number;
  bursts: number;
  burst: number;
  slow: number;
  fast: number;
  bigMessages: number;
  bigBytes: number;
  maxBacklog: number;
}

// The backlog limit must hold more than the gateway writes to a stream in one turn: at 64 KiB a burst
// of 16 KiB events on a new session cut the reading streams off too, before their reader could run.
const params = (ctx: BenchContext): Params =>
  ctx.quick
    ? { streams: 20, singles: 3, bursts: 2, burst: 50, slow: 2, fast: 2, bigMessages: 300, bigBytes: 16384, maxBacklog: 1048576 }
    : { streams: 1000, singles: 30, bursts: 3, burst: 100, slow: 10, fast: 10, bigMessages: 600, bigBytes: 16384, maxBacklog: 1048576 };

/** Waits until check() holds or ms pass; true if it held. */
async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Sends `bursts` bursts of `size` messages, each burst written at once, the next once it has arrived. */
async function bursts(
  peer: DirectClient,
  to: string,
  p: Params,
  arrived: () => number,
  expectedPerMessage: number,
  pad = '',
): Promise<boolean> {
  let seq = 0;
  let complete = true;
  for (let b = 0; b < p.bursts; b++) {
    for (let i = 0; i < p.burst; i++) {
      void peer.send(xml('message', { to, type: 'chat', id: `f${seq}` }, xml('body', {}, `${seq++}|${performance.now()}${pad}`)));
    }
    complete = (await until(() => arrived() >= seq * expectedPerMessage, 30000)) && complete;
    await sleep(200);
  }
  return complete;
}

/** Baseline: one direct receiver gets the same bursts. */
async function directBursts(ctx: BenchContext, p: Params) {
  const peer = await connectDirect(ctx.server, ctx.accounts[1]!, 'fanout-peer');
  const receiver = await connectDirect(ctx.server, ctx.accounts[0]!, 'fanout-direct');
  try {
    const latency = new Latency();
    let got = 0;
    receiver.onStanza((el) => {
      const text = el.name === 'message' ? el.getChildText('body') : null;
      if (text === null) return;
      got++;
      latency.record(performance.now() - Number(text.split('|')[1]));
    });
    const meter = meterFor(ctx, []).start();
    await bursts(peer, receiver.jid, p, () => got, 1);
    const usage = meter.stop();
    return { latency: latency.summary(), usage, deliveries: got };
  } finally {
    await Promise.all([receiver.stop(), peer.stop()]);
  }
}

/** One session read through `p.streams` SSE streams, the same bursts. */
async function gatewayBursts(ctx: BenchContext, gw: BenchGateway, p: Params, notes: string[]) {
  const peer = await connectDirect(ctx.server, ctx.accounts[1]!, 'fanout-peer');
  try {
    const session = await gw.login(ctx.accounts[0]!, 'fanout');
    await sleep(500);
    const rssIdle = rssBytes(gw.pid);
    const latency = new Latency();
    let got = 0;
    const onEvent = (name: string, data: string) => {
      if (name !== 'xmpp.chat.message') return;
      got++;
      const content = (JSON.parse(data) as { content: string }).content;
      latency.record(performance.now() - Number(content.split('|')[1]));
    };
    const streams = await mapLimit(Array.from({ length: p.streams }), 50, () => SseStream.open(gw.url, session.token, onEvent));
    if (streams.some((s) => s.status !== 200)) throw new Error('a stream was refused');
    await sleep(500);
    const rssStreams = rssBytes(gw.pid);
    let peak = rssStreams;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(gw.pid))), 100);
    const meter = meterFor(ctx, [gw.pid]).start();
    const complete = await bursts(peer, session.jid, p, () => got, p.streams);
    const usage = meter.stop();
    clearInterval(sampler);
    if (!complete) notes.push(`${p.streams * p.bursts * p.burst - got} deliveries missing after 30 s`);
    for (const s of streams) s.close();
    await gw.logout(session);
    return { latency: latency.summary(), rssIdle, rssStreams, peak, usage, deliveries: got };
  } finally {
    await peer.stop();
  }
}

/**
 * Slow consumers: `slow` streams stop reading while `fast` ones keep up; large messages fill the
 * kernel's socket buffers quickly, then the gateway's backlog limit must cut the slow ones.
 */
async function slowConsumers(ctx: BenchContext, gw: BenchGateway, p: Params, notes: string[]) {
  const peer = await connectDirect(ctx.server, ctx.accounts[1]!, 'fanout-peer');
  try {
    const session = await gw.login(ctx.accounts[0]!, 'fanout');
    let fastGot = 0;
    const fast = await mapLimit(Array.from({ length: p.fast }), 10, () =>
      // Only the large messages count.
      SseStream.open(gw.url, session.token, (name, data) =>
        name === 'xmpp.chat.message' && data.length > p.bigBytes ? fastGot++ : undefined,
      ),
    );
    const slow = await mapLimit(Array.from({ length: p.slow }), 10, async () => {
      const s = await SseStream.open(gw.url, session.token, () => undefined);
      s.pause();
      return s;
    });
    await sleep(300);
    const rssBeforeSlow = rssBytes(gw.pid);
    let slowPeak = rssBeforeSlow;
    const slowSampler = setInterval(() => (slowPeak = Math.max(slowPeak, rssBytes(gw.pid))), 50);
    const meter = meterFor(ctx, [gw.pid]).start();
    const pad = ` ${'x'.repeat(p.bigBytes)}`;
    const fastComplete = await bursts(peer, session.jid, { ...p, bursts: 1, burst: p.bigMessages }, () => fastGot, p.fast, pad);
    // A paused client cannot see its stream end: ask the gateway how many streams it still holds.
    let open = NaN;
    const deadline = performance.now() + 10000;
    while (performance.now() < deadline) {
      open = await gw.metric('gateway_event_streams');
      if (open <= p.fast) break;
      await sleep(100);
    }
    const cutOff = p.slow - Math.max(0, open - p.fast);
    const usage = meter.stop();
    clearInterval(slowSampler);
    await sleep(1000);
    const rssAfterSlow = rssBytes(gw.pid);
    for (const s of [...fast, ...slow]) s.close();
    if (!fastComplete) notes.push(`fast streams missed ${p.fast * p.bigMessages - fastGot} of ${p.fast * p.bigMessages} large events`);
    await gw.logout(session);
    return { cutOff, rssBeforeSlow, slowPeak, rssAfterSlow, usage, deliveries: fastGot };
  } finally {
    await peer.stop();
  }
}

export const fanout: Scenario = async (ctx) => {
  const p = params(ctx);
  const notes: string[] = [];
  const gw = await startBenchGateway(ctx.server, {
    workers: 2,
    env: { SSE_MAX_BACKLOG_BYTES: String(p.maxBacklog), EVENT_BUFFER_SIZE: '200' },
    ...(ctx.profileDir && { profileDir: `${ctx.profileDir}/fanout-${ctx.modules}` }),
  });
  let directSingle, direct, single, r, slow;
  // Single events are bursts of one, each sent once the one before has arrived everywhere.
  const singles: Params = { ...p, bursts: p.singles, burst: 1 };
  try {
    // Each phase on a fresh Prosody.
    await ctx.freshProsody();
    directSingle = await directBursts(ctx, singles);
    await ctx.freshProsody();
    direct = await directBursts(ctx, p);
    await ctx.freshProsody();
    single = await gatewayBursts(ctx, gw, singles, notes);
    await ctx.freshProsody();
    r = await gatewayBursts(ctx, gw, p, notes);
    await ctx.freshProsody();
    slow = await slowConsumers(ctx, gw, p, notes);
  } finally {
    await gw.stop();
  }
  const d = direct.latency;
  const mib = (b: number) => Math.round((b / MiB) * 10) / 10;
  // What the slow streams would hold if nothing cut them off: everything sent to them.
  const unbounded = p.slow * p.bigMessages * p.bigBytes;
  const slowGrowth = slow.slowPeak - slow.rssBeforeSlow;
  const gCpu = cpuPer(r.usage, r.deliveries, 'delivery');
  const dCpu = cpuPer(direct.usage, direct.deliveries, 'delivery');
  const slowCpu = cpuPer(slow.usage, slow.deliveries, 'delivery');
  const sCpu = cpuPer(single.usage, single.deliveries, 'delivery');
  const dsCpu = cpuPer(directSingle.usage, directSingle.deliveries, 'delivery');
  return {
    params: { ...p, workers: 2 },
    rows: [
      row(`p50 one event to ${p.streams} streams`, 'ms', single.latency.p50, directSingle.latency.p50, 'direct ×1', {
        cpu: { gateway: sCpu, baseline: dsCpu },
      }),
      row(`p99 one event to ${p.streams} streams`, 'ms', single.latency.p99, directSingle.latency.p99, 'direct ×1', {
        target: '≤ 50 ms',
        met: single.latency.p99 <= 50,
      }),
      row(`p50 delivery, bursts of ${p.burst} to ${p.streams} streams`, 'ms', r.latency.p50, d.p50, 'direct ×1', {
        cpu: { gateway: gCpu, baseline: dCpu },
      }),
      row(`p99 delivery, bursts of ${p.burst} to ${p.streams} streams`, 'ms', r.latency.p99, d.p99, 'direct ×1'),
      row(`max delivery, bursts of ${p.burst} to ${p.streams} streams`, 'ms', r.latency.max, d.max, 'direct ×1'),
      row(`RSS, ${p.streams} streams`, 'MiB', mib(r.rssStreams), mib(r.rssIdle), 'no stream', {
        note: `${Math.round((r.rssStreams - r.rssIdle) / p.streams / 1024)} KiB per stream`,
      }),
      row('RSS peak during bursts', 'MiB', mib(r.peak), mib(r.rssStreams), 'before'),
      row(`slow streams cut off`, 'streams', slow.cutOff, p.slow, 'slow', { target: 'all', met: slow.cutOff === p.slow }),
      row('RSS growth with slow streams', 'MiB', mib(slowGrowth), mib(unbounded), 'unbounded buffering', {
        note: `limit ${p.slow} × ${mib(p.maxBacklog)} MiB; ${mib(slow.rssAfterSlow - slow.rssBeforeSlow)} MiB left 1 s after`,
      }),
    ],
    phases: [
      { name: 'direct ×1, single events', usage: directSingle.usage, perUnit: dsCpu },
      { name: 'direct ×1', usage: direct.usage, perUnit: dCpu },
      { name: `gateway ${p.streams} streams, single events`, usage: single.usage, perUnit: sCpu },
      { name: `gateway ${p.streams} streams`, usage: r.usage, perUnit: gCpu },
      { name: `gateway ${p.slow} slow + ${p.fast} fast`, usage: slow.usage, perUnit: slowCpu },
    ],
    notes,
  };
};
